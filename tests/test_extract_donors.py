"""Donor recognition: names, adjectives and publishers in EN/FR/NL/DA (etl.extract.lexicon/engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.extract import engine
from etl.extract import lexicon as lx

ROOT = Path(__file__).resolve().parent.parent
DONOR_CODES = {r["code"] for r in json.loads((ROOT / "db/migrations/data/donors_0001.json").read_text("utf-8"))}


def donors_in(sentence: str, lang: str) -> list[str]:
    lex = lx.get(lang)
    return engine._find_donors(sentence, 0, len(sentence), lex, engine._recipient_codes(sentence, lex)).codes


@pytest.mark.parametrize(
    ("sentence", "lang", "codes"),
    [
        ("Germany, France, Canada, Denmark, the Netherlands and Sweden announced tanks.", "en", ["DEU", "FRA", "CAN", "DNK", "NLD", "SWE"]),
        ("The UK, France and Poland are ready to deliver tanks.", "en", ["GBR", "FRA", "POL"]),
        ("The U.S. will provide more HIMARS.", "en", ["USA"]),
        ("The United States is announcing a package.", "en", ["USA"]),
        ("Germany's decision to send tanks.", "en", ["DEU"]),
        ("The Danish government will donate F-16s.", "en", ["DNK"]),
        ("d’autres Alliés, notamment le Danemark et les Pays-Bas, livreront des véhicules.", "fr", ["DNK", "NLD"]),
        ("l’adoption, par les États-Unis, d’un nouveau train de mesures", "fr", ["USA"]),
        ("L'Allemagne a fourni des systèmes Patriot, tandis que le Royaume-Uni envoie des missiles.", "fr", ["DEU", "GBR"]),
        ("le gouvernement néerlandais livrera des obusiers", "fr", ["NLD"]),
        ("Nederland gaat zwaar materieel leveren aan Oekraïne.", "nl", ["NLD"]),
        ("Duitsland en Frankrijk leveren tanks.", "nl", ["DEU", "FRA"]),
        ("Danmark donerer sammen med Norge og Tyskland artilleri.", "da", ["DNK", "NOR", "DEU"]),
        ("Denmark, together with Norway, will donate artillery.", "en", ["DNK", "NOR"]),
        ("Denmark signed a letter of intent with Slovakia.", "en", ["DNK"]),  # a partner, not a donor
        ("Danmarks donation til Ukraine.", "da", ["DNK"]),
    ],
)
def test_donor_names_and_adjectives(sentence, lang, codes):
    assert donors_in(sentence, lang) == codes


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        ("Russia attacked Ukraine with Iranian drones.", "en"),  # aggressors and the recipient
        ("The meeting took place in Ramstein, Germany on Friday.", "en"),  # location
        ("Jens Stoltenberg s'est rendu à Ramstein (Allemagne).", "fr"),
        ("U.S.-made M-1 tanks will soon arrive.", "en"),  # provenance, not donor
        ("He thanked other NATO Allies for their support.", "en"),  # NATO Allies: collective
        ("Photo By: Chad J. McNeeley, DOD", "en"),  # a first name that is also a country
        ("Les Alliés ont déjà fourni des systèmes.", "fr"),
    ],
)
def test_not_donors(sentence, lang):
    assert donors_in(sentence, lang) == []


def test_recipient_country_is_not_a_donor():
    s = "Danmark yder sammen med Slovakiet, Norge og Tyskland et finansielt bidrag til Slovakiet."
    assert donors_in(s, "da") == ["DNK", "NOR", "DEU"]


def test_organisation_is_channel_when_a_country_is_named():
    s = "Norway announced a contribution of 10 million euros to NATO's trust fund for Ukraine."
    assert donors_in(s, "en") == ["NOR"]
    assert donors_in("The Alliance is supplying fuel to Ukraine.", "en") == ["NATO"]
    assert donors_in("le paquet d'assistance de l'OTAN prévoit du matériel médical", "fr") == ["NATO"]


@pytest.mark.parametrize(
    ("publisher", "code", "implicit"),
    [
        ("NATO", "NATO", False),
        ("NATO (nato.int news, French version)", "NATO", False),
        ("US Department of Defense", "USA", True),
        ("U.S. Department of State (press statement by Secretary Blinken)", "USA", True),
        ("Danish Ministry of Defence", "DNK", True),
        ("Forsvarsministeriet", "DNK", True),
        ("Netherlands Ministry of Defence (Defensie, defensie.nl)", "NLD", True),
        ("National Defence / Canadian Armed Forces (communiqué, French)", "CAN", True),
        ("Council of the EU", "EU", True),
        ("Ministry of Foreign Affairs of Finland", "FIN", True),
        ("Norwegian Ministry of Defence", "NOR", True),
        (None, None, False),
        ("Some blog", None, False),
    ],
)
def test_publisher_to_donor(publisher, code, implicit):
    assert lx.publisher_donor(publisher, "en") == (code, implicit)


def test_every_generated_donor_code_exists_in_reference():
    for lang in lx.SUPPORTED:
        lex = lx.get(lang)
        codes = set(lex.donor_literal.values()) | {c for _, c in lex.donor_adjectives}
        assert codes <= DONOR_CODES, codes - DONOR_CODES
        for entry in lx.common()["publishers"]:
            assert entry["donor"] in DONOR_CODES


def test_babel_names_per_language():
    assert lx.get("fr").donor_literal["Allemagne"] == "DEU"
    assert lx.get("nl").donor_literal["Duitsland"] == "DEU"
    assert lx.get("da").donor_literal["Tyskland"] == "DEU"
    assert lx.get("en").donor_literal["Netherlands"] == "NLD"
    assert lx.get("da").donor_literal["USA"] == "USA"
