"""Arbitrary text never makes the extractor raise, and the invariants hold (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import extract, lexicon
from etl.types import ReleaseText

GROUPS = lexicon.common()["groups"]
WORDS = [
    "Denmark", "Danemark", "U.S.", "NATO", "l’OTAN", "will", "provide", "fournira", "donere", "leveren", "tanks",
    "Patriot", "HIMARS", "munitions", "$", "€", "1,2", "milliard", "mio.", "kr.", "million", "billion", "up to",
    "more than", "ca.", "Two", "quatre", "yesterday", "i fredags", "vendredi dernier", "on 3 March 2022", "M.", "Dr.",
    ";", ":", "\n", "\n\n", "•", ".", ",", "(", ")", "«", "»", "Ukraine", "l’Ukraine", "Oekraïne", "already",
    "This", "Cette aide", "Heraf", "package", "99999999999999999999999999", "1 000 000 000 000 000 000", "\x00", "\x0b",
    "\u200b", "\ufeff", "\u2028",
]
text_strategy = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=60).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=text_strategy,
    lang=st.sampled_from(["en", "fr", "nl", "da", None, "xx", ""]),
    publisher=st.sampled_from([None, "NATO", "US Department of Defense", "Forsvarsministeriet", "", "???"]),
    published=st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1))),
)
def test_never_raises_and_keeps_invariants(text, lang, publisher, published):
    rel = ReleaseText(source="x", text=text, published=published, language=lang, publisher=publisher)
    for a in extract(rel):
        assert text[a.evidence_start : a.evidence_end] == a.evidence
        assert a.category in GROUPS and a.group == GROUPS[a.category]
        assert 0 <= a.confidence <= 1
        assert a.quantity is None or isinstance(a.quantity, int)
        assert a.value is None or a.value >= 0
        dt.date.fromisoformat(a.date)
