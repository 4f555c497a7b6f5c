"""Issue 14, round 4 of the rules (from the development part's errors): a package total whose own
sentence says nothing of its kind takes it from the sentences around it; Danish "so far" and "total
frame" are cumulative; a news outlet named after a country gives no implicit donor."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract import extract
from etl.extract.lexicon import publisher_donor
from etl.types import ReleaseText

DAY = dt.date(2024, 5, 28)


def rows(text: str, lang: str, publisher: str | None = "Some newspaper"):
    rel = ReleaseText(source="t.txt", text=text, published=DAY, language=lang, publisher=publisher)
    return sorted((a.donor_code, a.category, a.value) for a in extract(rel))


@pytest.mark.parametrize("lang, lead, civil, military", [
    ("sv", "På tisdagen presenterade regeringen ett nytt stödpaket till Ukraina på 650 miljoner kronor.",
     "Stödet ska trygga Ukrainas energiförsörjning under vintern.",
     "Stödet ska stärka Ukrainas försvar under vintern."),
    ("en", "Today Canada announced a new package of $50 million for Ukraine.",
     "The funds will help rebuild schools and the reconstruction of the energy grid.",
     "The funds will help the armed forces hold the front line."),
])
def test_a_silent_total_takes_its_kind_from_the_next_sentence(lang, lead, civil, military):
    cats = {c for _, c, v in rows(f"{lead} {civil}", lang) if v}
    assert cats == {"financial"}
    cats = {c for _, c, v in rows(f"{lead} {military}", lang) if v}
    assert cats == {"other_military"}  # military words nearby, or none at all, keep the default
    assert {c for _, c, v in rows(lead, lang) if v} == {"other_military"}


@pytest.mark.parametrize("text", [
    "Af Forsvarsministeriets hjemmeside fremgår det, at der indtil videre er afsat omkring 60 milliarder kroner til Ukrainefonden.",
    "Fonden har en samlet ramme på cirka syv milliarder kroner til Ukraine i 2023.",
])
def test_danish_so_far_and_total_frame_are_cumulative(text):
    assert rows(text, "da", "Forsvarsministeriet") == []
    assert rows("Danmark afsætter 7 milliarder kroner til Ukrainefonden for Ukraine.", "da", "Forsvarsministeriet")


@pytest.mark.parametrize("publisher, donor", [
    ("France 24 (video page republished by Orange Actu)", None),
    ("Deutsche Welle", None),
    ("France Info", None),
    ("Radio-Canada", None),
    ("Deutscher BundeswehrVerband", None),
    ("Ministère des Armées", "FRA"),
    ("U.S. Department of Defense (DOD News story, defense.gov)", "USA"),
    ("Danish Ministry of Defence", "DNK"),
    ("NATO (nato.int news, French version)", "NATO"),
])
def test_a_news_outlet_is_not_the_donor(publisher, donor):
    assert publisher_donor(publisher, "fr")[0] == donor


def test_an_outlet_report_lists_no_unattributed_items():
    text = "Le ministère publie la liste du matériel cédé à l'Ukraine : 20 ambulances et 500 casques."
    assert rows(text, "fr", "Ministère de la Défense belge (mil.be)") == [
        ("BEL", "medical", None), ("BEL", "other_non_lethal", None)]  # the donor's own release
    assert rows(text, "fr", "Radio-Canada") == []  # a newspaper's: no donor is named


# round 5: the same words in every language (lexicon parity), from development errors


@pytest.mark.parametrize("lang, text", [
    ("sv", "Sverige ger 900 miljoner kronor till Världsbankens fond för Ukrainas uppbyggnad."),
    ("da", "Danmark giver 500 millioner kroner til Ukraines energisektor."),
    ("fr", "La France versera 50 millions d'euros à l'Ukraine pour son secteur énergétique."),
    ("nl", "Nederland geeft 40 miljoen euro aan Oekraïne voor de energievoorziening."),
    ("en", "Norway will give $40 million to Ukraine for energy."),
])
def test_money_for_reconstruction_or_energy_is_financial(lang, text):
    assert {c for _, c, v in rows(text, lang) if v} == {"financial"}


@pytest.mark.parametrize("lang, text", [
    ("sv", "Sverige skänker transformatorer och solceller till Ukraina."),
    ("da", "Danmark donerer transformere og solceller til Ukraine."),
    ("fr", "La France livre des transformateurs et des panneaux solaires à l'Ukraine."),
    ("nl", "Nederland levert transformatoren en zonnepanelen aan Oekraïne."),
    ("en", "Canada will send transformers and solar panels to Ukraine."),
])
def test_energy_equipment_is_engineering(lang, text):
    assert {c for _, c, _v in rows(text, lang)} == {"engineering"}


def test_light_tanks_are_not_main_battle_tanks():
    got = rows("La France livrera à l'Ukraine des chars légers AMX-10 RC.", "fr")
    assert got and {c for _, c, _v in got} == {"armoured_vehicles"}
