"""Issue 14, round 3 of the rules (structure and words, from the development part's errors):
refusals, questions, a package's parts a few quoted sentences later, a giving verb without a donor."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract import extract
from etl.types import ReleaseText

DAY = dt.date(2024, 3, 1)


def rows(text: str, lang: str, publisher: str | None = "Some newspaper"):
    rel = ReleaseText(source="t.txt", text=text, published=DAY, language=lang, publisher=publisher)
    return sorted((a.donor_code, a.category) for a in extract(rel))


@pytest.mark.parametrize("lang, refusal, positive", [
    ("en", "Germany will not send Taurus missiles to Ukraine.", "Germany will send 100 Taurus missiles to Ukraine."),
    ("en", "The United Kingdom refused to provide fighter jets to Ukraine.", "The United Kingdom will provide 12 fighter jets to Ukraine."),
    ("de", "Die Schweiz bleibt hart: Deutschland darf Munition nicht in die Ukraine liefern.", "Deutschland wird Munition in die Ukraine liefern."),
    ("fr", "La France ne livrera pas de chars Leclerc à l'Ukraine.", "La France livrera des chars Leclerc à l'Ukraine."),
    ("da", "Danmark vil ikke sende kampfly til Ukraine.", "Danmark vil sende kampfly til Ukraine."),
    ("sv", "Sverige kommer inte att skicka stridsflygplan till Ukraina.", "Sverige kommer att skicka stridsflygplan till Ukraina."),
    ("nl", "Nederland zal geen tanks leveren aan Oekraïne.", "Nederland zal tanks leveren aan Oekraïne."),
])
def test_a_refusal_announces_nothing(lang, refusal, positive):
    assert rows(refusal, lang) == []
    assert rows(positive, lang) != []  # the same words without the refusal do announce


@pytest.mark.parametrize("lang, text", [
    ("de", "Deutschland wird der Ukraine nicht nur Panzer liefern, sondern auch Munition."),
    ("en", "The United States will not only send tanks to Ukraine but also ammunition."),
])
def test_not_only_is_no_refusal(lang, text):
    assert rows(text, lang)


def test_a_question_announces_nothing():
    assert rows("Warum liefert Deutschland jetzt doch schwere Waffen an die Ukraine?", "de") == []
    assert rows("Deutschland liefert jetzt schwere Waffen an die Ukraine.", "de") != []


def test_the_package_is_named_again_after_quotes():
    text = "\n\n".join([
        "Danmark sender en ny donationspakke med 20 kampvogne til Ukraine.",
        "- Det er en vigtig dag, siger ministeren.",
        "- Vi står sammen med Ukraine, siger han.",
        "- Krigen er ikke slut, siger han.",
        "- Vi må hjælpe, siger han.",
        "I pakken er der blandt andet pansrede køretøjer.",
    ])
    assert rows(text, "da") == [("DNK", "armoured_vehicles"), ("DNK", "tanks")]


def test_a_giving_verb_without_a_donor_belongs_to_the_donor_just_announcing():
    text = ("Deutschland hat der Ukraine ein neues Paket zugesagt. "
            "Geliefert werden sollen unter anderem 30 Leopard-1-Panzer und 18 Radhaubitzen.")
    assert rows(text, "de") == [("DEU", "artillery"), ("DEU", "tanks")]
