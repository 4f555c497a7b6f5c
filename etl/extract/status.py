"""`status` of an announcement: announced, delivered, in_delivery or unknown, read from its
evidence sentence with the per-language cue words of `lexicons/status.toml` (issue 15).

A pure function; `etl.extract.extract` calls it once per row (the only caller), so the other
fields of the rows never depend on it."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

STATUSES = ("announced", "delivered", "in_delivery", "unknown")
PRECEDENCE = ("in_delivery", "delivered", "announced")  # when several kinds of cue match


@cache
def cues() -> dict[str, dict[str, re.Pattern[str]]]:
    """language -> kind -> one compiled pattern of all its cue words."""
    ref = resources.files("etl.extract").joinpath("lexicons/status.toml")
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for lang, kinds in data.items():
        out[lang] = {
            kind: re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
            for kind, words in kinds.items()
            if kind in PRECEDENCE and words
        }
    return out


def status_of(evidence: str, language: str | None = None) -> str:
    """The status the sentence states, with the cue words of `language` (every language's when
    it is unknown or has no cue words); `unknown` when no cue is found."""
    table = cues()
    lang = (language or "").lower()[:2]
    langs = [lang] if lang in table else list(table)
    text = evidence or ""
    for kind in PRECEDENCE:
        for lg in langs:
            pat = table[lg].get(kind)
            if pat is not None and pat.search(text):
                return kind
    return "unknown"
