"""German lexicon (issue 14): short sentences written for the rules (unit tests, not measurements)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract import extract, lexicon
from etl.types import ReleaseText


def rows(text: str, publisher: str = "Bundesregierung", published: dt.date = dt.date(2023, 1, 25)) -> list[tuple]:
    rel = ReleaseText(source="t.txt", text=text, published=published, language="de", publisher=publisher)
    return [(a.donor_code, a.category, a.quantity, a.value, a.currency, a.date) for a in extract(rel)]


def test_german_is_supported():
    assert "de" in lexicon.SUPPORTED and lexicon.get("de").lang == "de"


def test_new_package_with_items_and_total():
    got = rows("Deutschland liefert der Ukraine weitere 20 Schützenpanzer Marder und zwei Flugabwehrsysteme "
               "IRIS-T SLM. Das Paket hat einen Wert von 1,5 Milliarden Euro.")
    assert ("DEU", "armoured_vehicles", 20, None, None, "2023-01-25") in got
    assert ("DEU", "air_defence", 2, None, None, "2023-01-25") in got
    assert ("DEU", "other_military", None, 1.5e9, "EUR", "2023-01-25") in got


def test_verb_final_pledge_in_a_news_report():
    got = rows("Die Bundesregierung hat der Ukraine am Dienstag weitere 50 Millionen Euro humanitäre Hilfe zugesagt.",
               publisher="tagesschau")
    assert got == [("DEU", "humanitarian", None, 5e7, "EUR", "2023-01-24")]


@pytest.mark.parametrize("text", [
    "Die Ukraine fordert von Deutschland weitere Kampfpanzer und mehr Munition.",  # a call
    "Insgesamt hat Deutschland der Ukraine seit Kriegsbeginn Waffen im Wert von 5 Milliarden Euro geliefert.",
    "Die Bundeswehr erhält als Nachbeschaffung neue Panzerhaubitzen für die Ukraine abgegebenen Bestände.",
    "Die bereits zugesagten Leopard-Panzer sind in der Ukraine eingetroffen.",
])
def test_no_row_for_calls_totals_restocking_and_deliveries(text):
    assert rows(text) == []


def test_number_words_and_german_date():
    """The day written before the month ("25. Januar") is the row's date, not the release's."""
    got = rows("Am 25. Januar 2023 kündigte die Bundesregierung an, der Ukraine vierzehn Kampfpanzer Leopard 2 zu liefern.",
               publisher="Die Rheinpfalz", published=dt.date(2023, 2, 3))
    assert got == [("DEU", "tanks", 14, None, None, "2023-01-25")]


@pytest.mark.parametrize("publisher, code", [
    ("Bundesregierung", "DEU"), ("BMVg", "DEU"), ("Auswärtiges Amt", "DEU"),
    ("Österreichische Bundesregierung / Außenministerium", "AUT"), ("Der Bundesrat / EDA", "CHE"),
    ("Regeringskansliet (Försvarsdepartementet)", "SWE"), ("Government Offices of Sweden", "SWE"),
    ("Försvarsmakten", "SWE"), ("regjeringen.no", "NOR"), ("Danish Ministry of Defence", "DNK"),
])
def test_publisher_map(publisher, code):
    assert lexicon.publisher_donor(publisher, "de") == (code, True)


def test_news_outlet_is_no_donor():
    assert lexicon.publisher_donor("tagesschau (ARD)", "de") == (None, False)
