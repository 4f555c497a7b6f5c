"""What the forkserver of `refresh` imports once, warmed up, before it forks any worker.

Parsing and extraction pay about a second on their first call (trafilatura's imports, the
compiled lexicons of every language). The forkserver imports this module before it forks any
worker, so every worker starts warm instead of paying that second itself.
"""

from __future__ import annotations

from etl.parse.workers import parse_and_extract, parse_and_extract_many

__all__ = ["parse_and_extract", "parse_and_extract_many", "warm_up"]

_WARM_HTML = (
    b"<!DOCTYPE html><html lang='en'><head><title>Warm-up</title></head><body><article>"
    b"<p>21 April 2023. The Netherlands will deliver 10 armoured vehicles to Ukraine.</p>"
    b"</article></body></html>"
)
_WARM_TEXT = {
    "en": "The Netherlands will deliver 10 armoured vehicles to Ukraine.",
    "fr": "Les Pays-Bas livreront 10 véhicules blindés à l'Ukraine.",
    "nl": "Nederland levert 10 pantservoertuigen aan Oekraïne.",
    "da": "Danmark donerer 10 pansrede køretøjer til Ukraine.",
    "de": "Deutschland liefert 10 gepanzerte Fahrzeuge an die Ukraine.",
}


def warm_up() -> None:
    """One small page through the parser and a sentence per language through the extractor."""
    from etl.types import ReleaseText

    parse_and_extract(_WARM_HTML, "warm-up", "text/html", None)
    try:
        from etl.extract import extract

        for lang, text in _WARM_TEXT.items():
            extract(ReleaseText(source="warm-up", text=text, language=lang))
    except Exception:  # warming is an optimisation: a language the extractor lacks is fine
        pass


warm_up()
