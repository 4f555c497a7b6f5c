"""Number and money parsing per language (etl.extract.numbers)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.extract import lexicon as lx
from etl.extract.numbers import find_money, find_numbers, parse_amount, resolve_currency


@pytest.mark.parametrize(
    ("phrase", "lang", "value"),
    [
        ("800 000", "fr", 800_000),
        ("92 000 000 EUR", "fr", 92_000_000),
        ("1,2 milliard d'euros", "fr", 1_200_000_000),
        ("trois millions d'euros", "fr", 3_000_000),
        ("plus d'un milliard de dollars", "fr", 1_000_000_000),
        ("jusqu'à 1 000 missiles", "fr", 1000),
        ("1,1 mia. kr.", "da", 1_100_000_000),
        ("ca. 685 mio.", "da", 685_000_000),
        ("ca. 230 mio. kroner", "da", 230_000_000),
        ("knap 3,8 mia. kroner", "da", 3_800_000_000),
        ("$1.7 billion", "en", 1_700_000_000),
        ("$1.75 billion", "en", 1_750_000_000),
        ("$820 million", "en", 820_000_000),
        ("$200m", "en", 200_000_000),
        ("$1.7B", "en", 1_700_000_000),
        ("$500-million", "en", 500_000_000),
        ("1,2 Md€", "fr", 1_200_000_000),
        ("50 M€", "fr", 50_000_000),
        ("more than 100", "en", 100),
        ("up to 150,000", "en", 150_000),
        ("Two", "en", 2),
        ("Four additional radars", "en", 4),
        ("thirty-six", "en", 36),
        ("quatre", "fr", 4),
        ("vingt-trois", "fr", 23),
        ("100 miljoen euro", "nl", 100_000_000),
        ("twee", "nl", 2),
        ("tre", "da", 3),
    ],
)
def test_parse_amount(phrase, lang, value):
    assert parse_amount(phrase, lang) == pytest.approx(value)


def test_approximations_keep_their_wording():
    lex = lx.get("en")
    (n,) = find_numbers("more than 100 armored personnel carriers", lex)
    assert (n.value, n.approx) == (100, "more than")
    (n,) = find_numbers("Up to 150,000 rounds", lex)
    assert (n.value, n.approx.lower()) == (150_000, "up to")
    (n,) = find_numbers("quelque 200 missiles", lx.get("fr"))
    assert (n.value, n.approx) == (200, "quelque")
    (n,) = find_numbers("ca. 230 mio. kroner", lx.get("da"))
    assert (n.value, n.approx) == (230_000_000, "ca.")


def test_money_needs_a_currency_and_reads_it():
    en = lx.get("en")
    (m,) = find_money("announced $820 million in additional security assistance", en)
    assert (m.value, m.currency) == (820_000_000, "$")
    (m,) = find_money("shells worth 1.2 billion US dollars via the NSPA", en)
    assert (m.value, m.currency) == (1_200_000_000, "USD")
    assert find_money("18 more howitzers", en) == []
    (m,) = find_money("un montant de 92 000 000 EUR", lx.get("fr"))
    assert (m.value, m.currency) == (92_000_000, "EUR")
    (m,) = find_money("une aide de trois millions d'euros", lx.get("fr"))
    assert (m.value, m.currency) == (3_000_000, "EUR")
    (m,) = find_money("en donationspakke på 1,1 mia. kr.", lx.get("da"))
    assert (m.value, m.currency) == (1_100_000_000, "DKK")
    (m,) = find_money("€500 million under the European Peace Facility", en)
    assert (m.value, m.currency) == (500_000_000, "EUR")
    (m,) = find_money("£2.3 billion", en)
    assert (m.value, m.currency) == (2_300_000_000, "GBP")


def test_dollar_and_krone_follow_the_donor():
    assert resolve_currency("$", "CAN") == "CAD"
    assert resolve_currency("$", "USA") == "USD"
    assert resolve_currency("$", None) == "USD"
    assert resolve_currency("kr", "NOR") == "NOK"
    assert resolve_currency("kr", "DNK") == "DKK"
    assert resolve_currency("EUR", "CAN") == "EUR"


def test_calibres_and_thousands_are_not_confused():
    en = lx.get("en")
    vals = [n.value for n in find_numbers("around 220,000 155-millimetre artillery shells", en)]
    assert vals[0] == 220_000
    vals = [n.value for n in find_numbers("jusqu'à 1 000 missiles", lx.get("fr"))]
    assert vals == [1000]


def test_huge_and_garbage_numbers_do_not_raise():
    en = lx.get("en")
    assert find_numbers("9" * 400, en) == [] or all(n.value <= 1e15 for n in find_numbers("9" * 400, en))
    assert parse_amount("", "en") is None
    assert parse_amount("no number here", "xx") is None


@pytest.mark.parametrize("lang", ["en", "fr", "nl", "da"])
def test_scale_and_currency_prechecks_match_iff_one_pattern_does(lang):
    """`scale_any` / `currency_any` only skip the ordered loops where none of their patterns match."""
    from etl.extract import lexicon as lx

    lex = lx.get(lang)
    keys = list(lex.data.get("numbers", {}).get("scales", {})) + list(lex.data.get("numbers", {}).get("currencies", {}))
    rests = [p + k + s for k in keys for p in ("", " ", "-", " de ", " d'", "  ") for s in ("", " x", "s", "x", ".")]
    rests += [r.upper() for r in rests] + ["", " ", "foo", "kr.", " mio. kr.", " Md€", " M€", " bn", "bn"]
    for rest in rests:
        assert bool(lex.scale_any.match(rest)) == any(rx.match(rest) for rx, _ in lex.scales), rest
        assert bool(lex.currency_any.match(rest)) == any(rx.match(rest) for rx, _ in lex.currencies), rest


_NUM_ALPHABET = "0123456789 .,-\u00a0\u202fabxé_$€"


@settings(max_examples=400, deadline=None)
@given(st.text(_NUM_ALPHABET, max_size=40))
def test_number_regex_finds_what_the_lookbehind_form_finds(text):
    """number_re starts with its first digit (fast scan); it finds exactly what the plain form finds."""
    from etl.extract import lexicon as lx

    plain = {
        ".": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?",
        ",": r"\d{1,3}(?:(?:[ \u00a0\u202f]|\.)\d{3})+(?:,\d+)?(?!\d)|\d+(?:,\d+)?",
    }
    for lang in ("en", "fr"):
        lex = lx.get(lang)
        rx = re.compile(r"(?<![\w.,])(?<![^\W\d_]-)(?:" + plain[lex.decimal_sep] + r")(?!\d)")
        for pos in (0, 1, len(text) // 2):
            got = [m.span() for m in lex.number_re.finditer(text, pos)]
            assert got == [m.span() for m in rx.finditer(text, pos)], (lang, text, pos)
