"""Filters: parsed from and serialised to the URL query string; bad input never raises."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from db.queries import MAX_LIST, Filters, plan

KNOWN = {"USA", "NLD", "DNK", "NATO", "EU"}


def test_round_trip():
    f = Filters(
        donors=("USA", "NLD"),
        categories=("tanks",),
        groups=("lethal",),
        date_from=dt.date(2023, 1, 1),
        date_to=dt.date(2023, 6, 30),
        publishers=("U.S. Department of Defense",),
        languages=("en", "fr"),
        q="155mm & HIMARS",
        min_conf=0.7,
        mentions=True,
    )
    qs = f.to_query_string()
    assert qs.startswith("?donor=USA&donor=NLD&category=tanks")
    assert Filters.parse(qs) == f
    assert Filters.parse(qs).notices == ()
    assert Filters().to_query_string() == ""
    assert Filters.parse("") == Filters()


def test_comma_lists_and_case():
    f = Filters.parse("?donor=usa,nld&language=FR")
    assert f.donors == ("USA", "NLD") and f.languages == ("fr",)


def test_sql_fragments_are_refused_with_a_notice():
    f = Filters.parse("?donor=USA';DROP TABLE announcements;--&category=tanks' OR 1=1", known_donors=KNOWN)
    assert f.donors == () and f.categories == ()
    assert any("donor" in n for n in f.notices) and any("category" in n for n in f.notices)


def test_unknown_donor_and_publisher():
    f = Filters.parse("?donor=USA&donor=XXX&publisher=Nobody", known_donors=KNOWN, known_publishers={"DoD"})
    assert f.donors == ("USA",) and f.publishers == ()
    assert len(f.notices) == 2


def test_huge_lists_are_cut():
    qs = "?" + "&".join(f"donor=D{i:03d}" for i in range(5000))
    f = Filters.parse(qs)
    assert len(f.donors) == MAX_LIST
    assert f.notices


def test_huge_query_string():
    f = Filters.parse("?q=" + "x" * 100_000)
    assert len(f.q) <= 200 and f.notices


def test_malformed_dates_and_numbers():
    f = Filters.parse("?from=2023-13-45&to=yesterday&min_conf=abc")
    assert f.date_from is None and f.date_to is None and f.min_conf == 0
    assert len(f.notices) == 3
    f = Filters.parse("?from=2024-01-01&to=2023-01-01")
    assert f.date_from is None and f.notices
    f = Filters.parse("?min_conf=7")
    assert f.min_conf == 0 and f.notices
    f = Filters.parse("?count=everything")
    assert not f.mentions and f.notices


def test_category_set():
    assert Filters().category_set() is None
    assert Filters(groups=("financial",)).category_set() == ("financial",)
    assert Filters(categories=("tanks", "medical"), groups=("lethal",)).category_set() == ("tanks",)
    assert Filters(categories=("tanks",), groups=("humanitarian",)).category_set() == ()


def test_key_is_canonical():
    a = Filters.parse("?donor=USA&category=tanks")
    b = Filters.parse("?category=tanks&donor=USA")
    assert a.key() == b.key()
    assert a.key() != Filters.parse("?donor=USA&category=tanks&count=mentions").key()


def test_plan_needs_whole_months():
    assert plan(Filters(date_from=dt.date(2023, 2, 1), date_to=dt.date(2024, 2, 29)), True) == "monthly"
    assert plan(Filters(date_to=dt.date(2023, 2, 28)), True) == "monthly"
    assert plan(Filters(date_to=dt.date(2024, 2, 28)), True) == "base"  # leap year: not the month's end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_query_string_parses(qs):
    f = Filters.parse(qs, known_donors=KNOWN)
    assert isinstance(f, Filters)
    assert Filters.parse(f.to_query_string(), known_donors=KNOWN) == f


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["donor", "category", "from", "to", "q", "min_conf", "count", "x"]),
                       st.lists(st.text(max_size=30), max_size=4)))  # fmt: skip
def test_any_mapping_parses(params):
    f = Filters.parse(params)
    assert Filters.parse(f.to_query_string()) == f
