"""Category lexicon coverage: every CONTRACT.md category is reachable in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.extract import engine
from etl.extract import lexicon as lx

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_CODES = {
    "munitions": "lethal", "artillery": "lethal", "rocket_artillery": "lethal", "air_defence": "lethal",
    "missiles": "lethal", "anti_tank": "lethal", "armoured_vehicles": "lethal", "tanks": "lethal",
    "aircraft": "lethal", "drones": "lethal", "small_arms": "lethal", "other_military": "lethal",
    "medical": "non_lethal", "communications": "non_lethal", "engineering": "non_lethal",
    "training": "non_lethal", "logistics": "non_lethal", "other_non_lethal": "non_lethal",
    "financial": "financial", "humanitarian": "humanitarian",
}

SAMPLES = {
    "en": {
        "munitions": "munitions for HIMARS", "artillery": "M777 towed howitzers", "rocket_artillery": "HIMARS",
        "air_defence": "Patriot interceptors", "missiles": "Harpoon anti-ship missiles", "anti_tank": "Javelin anti-tank missiles",
        "armoured_vehicles": "armored personnel carriers", "tanks": "main battle tanks", "aircraft": "F-16 fighter jets",
        "drones": "counter-drone systems", "small_arms": "small arms ammunition", "other_military": "counter-artillery radars",
        "medical": "medical supplies", "communications": "satellite communications", "engineering": "pontoon bridges",
        "training": "training", "logistics": "fuel", "other_non_lethal": "winter equipment", "financial": "budget support",
        "humanitarian": "humanitarian aid",
    },
    "fr": {
        "munitions": "obus d'artillerie", "artillery": "canons CAESAR", "rocket_artillery": "lance-roquettes multiples",
        "air_defence": "systèmes de défense aérienne", "missiles": "missiles de croisière", "anti_tank": "missiles antichars",
        "armoured_vehicles": "véhicules blindés", "tanks": "chars lourds", "aircraft": "avions de combat", "drones": "drones",
        "small_arms": "fusils", "other_military": "radars", "medical": "matériel médical",
        "communications": "services mobiles par satellite", "engineering": "ponts flottants", "training": "formation",
        "logistics": "carburant", "other_non_lethal": "gilets pare-balles", "financial": "soutien budgétaire",
        "humanitarian": "aide humanitaire",
    },
    "nl": {
        "munitions": "munitie", "artillery": "pantserhouwitsers", "rocket_artillery": "raketwerpers",
        "air_defence": "luchtverdediging", "missiles": "kruisraketten", "anti_tank": "antitankwapens",
        "armoured_vehicles": "pantservoertuigen", "tanks": "tanks", "aircraft": "gevechtsvliegtuigen", "drones": "drones",
        "small_arms": "geweren", "other_military": "radars", "medical": "veldhospitaal", "communications": "communicatiemiddelen",
        "engineering": "ontmijning", "training": "training", "logistics": "brandstof", "other_non_lethal": "winteruitrusting",
        "financial": "begrotingssteun", "humanitarian": "humanitaire hulp",
    },
    "da": {
        "munitions": "ammunition", "artillery": "artillerisystemer", "rocket_artillery": "raketkastere",
        "air_defence": "luftværnssystemer", "missiles": "missiler", "anti_tank": "panserværnsvåben",
        "armoured_vehicles": "pansrede mandskabsvogne", "tanks": "kampvogne", "aircraft": "kampfly", "drones": "droner",
        "small_arms": "håndvåben", "other_military": "radarer", "medical": "medicinsk udstyr",
        "communications": "radioer", "engineering": "minerydning", "training": "træning", "logistics": "brændstof",
        "other_non_lethal": "vinterudstyr", "financial": "budgetstøtte", "humanitarian": "nødhjælp",
    },
}


def test_groups_are_the_contract_table():
    assert lx.common()["groups"] == CONTRACT_CODES


def test_lexicon_categories_are_contract_codes():
    for lang in lx.SUPPORTED:
        lex = lx.get(lang)
        for code, _rx, _named in lex.categories:
            assert code in CONTRACT_CODES, (lang, code)
        assert set(lex.merge_priority) == set(CONTRACT_CODES)


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_every_category_has_a_term(lang):
    lex = lx.get(lang)
    assert set(SAMPLES[lang]) == set(CONTRACT_CODES)
    for code, phrase in SAMPLES[lang].items():
        items = engine._find_items(phrase, 0, len(phrase), lex)
        assert [i.category for i in items] == [code], (lang, phrase, [(phrase[i.start:i.end], i.category) for i in items])


def test_air_defence_ammunition_is_air_defence_and_himars_ammunition_is_munitions():
    en = lx.get("en")
    for phrase, code in [
        ("Additional munitions for National Advanced Surface-to-Air Missile Systems (NASAMS)", "air_defence"),
        ("Additional ammunition for High Mobility Artillery Rocket Systems (HIMARS)", "munitions"),
        ("conventional and long-range rockets for U.S.-provided HIMARS", "munitions"),
        ("Up to 150,000 rounds of 155mm artillery ammunition", "munitions"),
        ("Javelin anti-tank missiles", "anti_tank"),
    ]:
        assert [i.category for i in engine._find_items(phrase, 0, len(phrase), en)] == [code], phrase
    fr = lx.get("fr")
    phrase = "de nouveaux missiles pour les systèmes antiaériens IRIS-T"
    assert [i.category for i in engine._find_items(phrase, 0, len(phrase), fr)] == ["air_defence"]


def test_lexicon_files_are_valid_regexes_and_documented_keys():
    for lang in lx.SUPPORTED:
        data = lx.get(lang).data
        for key in ("meta", "words", "cues", "numbers", "dates", "categories"):
            assert key in data, (lang, key)
        for terms in data["categories"].values():
            for t in terms:
                re.compile(t)
