"""Issue 14, round 6 of the rules (from the development part's errors): what a colon introduces
after a continuing or calling cue is in that cue's scope; a conference's participants are a
collective, so the publisher is not their implicit donor."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract import extract
from etl.types import ReleaseText

DAY = dt.date(2024, 2, 16)


def rows(text: str, lang: str, publisher: str | None):
    rel = ReleaseText(source="t.txt", text=text, published=DAY, language=lang, publisher=publisher)
    return sorted((a.donor_code, a.category) for a in extract(rel))


@pytest.mark.parametrize("lang, publisher, continuing, announcing", [
    ("fr", "Présidence de la République",
     "La France s'engage à poursuivre son aide à l'Ukraine sur tous les plans : formation, renseignement, aide civile.",
     "La France fournira à l'Ukraine : formation, renseignement, aide civile."),
    ("en", "UK Ministry of Defence",
     "The United Kingdom will continue to support Ukraine in every area: training, intelligence, civil aid.",
     "The United Kingdom will provide Ukraine with: training, intelligence, civil aid."),
])
def test_what_a_colon_introduces_after_a_continuing_cue_is_not_announced(lang, publisher, continuing, announcing):
    assert rows(continuing, lang, publisher) == []
    assert ("GBR" if lang == "en" else "FRA", "training") in rows(announcing, lang, publisher)


@pytest.mark.parametrize("lang, publisher, text", [
    ("fr", "Ministère de l'Europe et des Affaires étrangères",
     "Les participants se sont engagés à fournir une aide d'urgence à l'Ukraine pour plus d'un milliard d'euros."),
    ("de", "Auswärtiges Amt",
     "Die Teilnehmer sagten der Ukraine Soforthilfe in Höhe von mehr als einer Milliarde Euro zu."),
    ("en", "UK Foreign Office",
     "The participants pledged more than 1 billion euros of emergency aid to Ukraine."),
])
def test_participants_of_a_conference_are_no_implicit_donor(lang, publisher, text):
    assert rows(text, lang, publisher) == []
    own = {"fr": "La France fournira une aide d'urgence à l'Ukraine pour 100 millions d'euros.",
           "de": "Deutschland sagt der Ukraine Soforthilfe in Höhe von 100 Millionen Euro zu.",
           "en": "The United Kingdom pledged 100 million euros of emergency aid to Ukraine."}[lang]
    assert rows(own, lang, publisher)
