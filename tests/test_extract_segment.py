"""Sentence splitter (etl.extract.segment)."""

from __future__ import annotations

from etl.extract.segment import sentences, split_sentences


def test_titles_and_initials_do_not_split():
    t = "M. Stoltenberg a remercié M. Austin. Dr. Smith met Lloyd J. Austin III today. Mr. Jones left."
    assert sentences(t) == ["M. Stoltenberg a remercié M. Austin.", "Dr. Smith met Lloyd J. Austin III today.",
                            "Mr. Jones left."]


def test_dotted_abbreviations():
    t = "The U.S. Department of Defense announced aid. The U.K. agreed."
    assert sentences(t) == ["The U.S. Department of Defense announced aid.", "The U.K. agreed."]


def test_units_split_before_capital_but_not_before_lowercase():
    t = "Danmark bidrager med ca. 230 mio. kroner. Pakken er på 1,1 mia. kr. Donationen skal sikre udstyr."
    assert sentences(t) == ["Danmark bidrager med ca. 230 mio. kroner.", "Pakken er på 1,1 mia. kr.",
                            "Donationen skal sikre udstyr."]


def test_bullets_flattened_into_lines():
    t = ("Included in this package are:\n\n• Two NASAMS;\n- Up to 150,000 rounds of 155mm ammunition; and\n"
         "* Four additional counter-artillery radars.\n")
    assert sentences(t) == ["Included in this package are:", "Two NASAMS;",
                            "Up to 150,000 rounds of 155mm ammunition; and", "Four additional counter-artillery radars."]


def test_header_block_lines_are_separate():
    t = "PRESS STATEMENT\nANTONY J. BLINKEN, SECRETARY OF STATE\nMARCH 12, 2022\nThe people of Ukraine are brave."
    assert sentences(t) == ["PRESS STATEMENT", "ANTONY J. BLINKEN, SECRETARY OF STATE", "MARCH 12, 2022",
                            "The people of Ukraine are brave."]


def test_hard_wrapped_lines_are_joined():
    t = "Denmark will donate\nartillery to Ukraine. The minister\nsaid so."
    assert sentences(t) == ["Denmark will donate\nartillery to Ukraine.", "The minister\nsaid so."]


def test_dates_with_month_abbreviation_and_quotes():
    t = "• 21 Apr. 2023 - | Mis à jour le: 24 Apr. 2023 12:50\nIl a déclaré : « Je suis arrivé hier. » Puis il est parti."
    out = sentences(t)
    assert out[0] == "21 Apr. 2023 - | Mis à jour le: 24 Apr. 2023 12:50"
    assert out[1] == "Il a déclaré : « Je suis arrivé hier. »"
    assert out[2] == "Puis il est parti."


def test_offsets_are_exact_and_stripped():
    t = "  First one.   Second one!\n\n  Third?  "
    spans = split_sentences(t)
    assert [t[s:e] for s, e in spans] == ["First one.", "Second one!", "Third?"]
    assert all(t[s:e] == t[s:e].strip() for s, e in spans)


def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n ") == []
