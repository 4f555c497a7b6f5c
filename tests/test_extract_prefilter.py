"""etl.extract.prefilter: a gated pattern finds exactly what the pattern alone finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import lexicon as lx
from etl.extract import prefilter
from tests.test_extract_fastre import EXOTIC, SENTENCES, _word_lists


def _spans(rx, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text, pos, len(text) if endpos is None else endpos)]


def _assert_same(plain, gated, texts: list[str]) -> None:
    for t in texts:
        assert _spans(gated, t) == _spans(plain, t), (plain.pattern[:80], t)
        n = len(t)
        for a, b in ((0, n), (1, n), (0, n // 2), (n // 3, n - 1), (n // 2, n)):
            if 0 <= a <= b:
                assert _spans(gated, t, a, b) == _spans(plain, t, a, b), (plain.pattern[:80], t, a, b)
                ps, gs = plain.search(t, a, b), gated.search(t, a, b)
                assert (ps and ps.span()) == (gs and gs.span()), (plain.pattern[:80], t, a, b)
        for p in range(0, n, 5):
            pm, gm = plain.match(t, p), gated.match(t, p)
            assert (pm and pm.span()) == (gm and gm.span())


def test_safe_characters_fold_like_re_ignorecase():
    """Every character a literal may hold: each character re.IGNORECASE matches with it folds to it."""
    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF)
    for c in (i for i in range(0x2070) if prefilter._safe_char(i)):
        for m in re.finditer(re.escape(chr(c)), every, re.IGNORECASE):
            assert prefilter.fold(m.group()) == chr(c).lower(), (hex(c), hex(ord(m.group())))
    for c in (0x130, 0x131, 0x17F):  # re.I matches them with ASCII letters: never in a literal
        assert not prefilter._safe_char(c)
    assert prefilter.fold("\u0130STANBUL \u212aYIV Ca\u017fe") == "istanbul kyiv case"


@pytest.mark.parametrize(
    ("term", "literals", "lead"),
    [
        ("recalled", {"recalled"}, 0),
        ("(?:it will be |as )?recalled", {"recalled"}, 11),
        (r"envisag\w*", {"envisag"}, 0),
        (r"\w+ment", {"ment"}, None),
        (r"FH-?70", {"fh-70", "fh70"}, 0),
        (r"M-?1(?:A[12])?(?= tanks)", {" tanks"}, 5),  # "M-1A2" before it
        (r"k[øo]b(?:e|er|te)", {"købe", "kobe", "købte", "kobte"}, 0),  # "køber" holds "købe"
        (r"peu(?:t|vent) (?:fournir|livrer)", {"peut fournir", "peuvent fournir", "peut livrer", "peuvent livrer"}, 0),
        (r"(?:sends?|deliver(?:s|ed)?)", {"send", "deliver"}, 0),
        # an article is in nearly every sentence: the nouns gate the list, though their lead is unbounded
        (r"(?:this|the) (?:[\w-]+ ){0,2}(?:package|tranche)", {"package", "tranche"}, None),
        (r"(?:the|les) aid", {"the aid", "les aid"}, 0),  # the article with its noun is one literal: kept
        (r"de", None, None),  # too short to be worth a pass
        (r"\w+", None, None),
        (r"(?<=aid )to", None, None),  # a lookbehind's text may lie before the search's start: never used
    ],
)
def test_required_literals_and_lead(term, literals, lead):
    got = prefilter.required(term, re.IGNORECASE)
    if literals is None:
        assert got is None
    else:
        assert got == (frozenset(literals), lead)


def _lead_holds(term: str, flags: int, texts: list[str]) -> None:
    """Each match of the term holds one of its literals, starting at most `lead` characters in."""
    req = prefilter.required(term, flags)
    if req is None:
        return
    lits, lead = req
    rx = re.compile(term, flags)
    for t in texts:
        f = prefilter.fold(t)
        for m in rx.finditer(t):
            if m.end() == m.start():
                continue
            seg = f[m.start() : m.end() + 40]  # a lookahead's literal may follow the match
            found = [seg.find(lit) for lit in lits if lit in seg]
            assert found, (term, m.group())
            if lead is not None:
                assert min(found) <= lead, (term, m.group(), lead)


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_every_lexicon_term_has_its_literal_in_each_match(lang):
    texts = SENTENCES + [EXOTIC]
    for _name, terms, flags in _word_lists(lang):
        for term in terms:
            _lead_holds(term, flags, texts)


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_gated_lexicon_patterns_match_like_the_plain_ones(lang):
    """Every gated pattern of a compiled lexicon against its plain pattern, on real sentences."""
    lex = lx.get(lang)
    gated = [v for v in lex.w.values() if isinstance(v, prefilter.Gated)]
    gated += [x for x in [lex.sentence_cue_re, lex.forward_any_re, lex.numword_re, *lex.item_starts]
              if isinstance(x, prefilter.Gated)]
    gated += [r for _c, r, _n in lex.categories if isinstance(r, prefilter.Gated)]
    gated += [r for _k, _s, r in lex.cues if isinstance(r, prefilter.Gated)]
    assert len(gated) >= 20  # the lists scanned over whole sentences are gated
    texts = SENTENCES[:400] + [EXOTIC, "", "x"]
    for g in gated:
        _assert_same(g.rx, g, texts)


_ALPHABET = "aAdeiIkKnostT \u0130\u0131\u017f\u212aé-'"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["aid", "s?end", "(?:se|kno)nt", "[Kk]it", "tank(?:s|e)?", "(?:the |a )?kit",
                                 "sent\\w*", "\\w+ant", "dé(?:jà|ja)", "ſon", "Kit(?= aid)", "(?:aid){2,}"]),
                min_size=1, max_size=6, unique=True),
       st.lists(st.text(_ALPHABET, max_size=40), min_size=1, max_size=3), st.booleans())
def test_gate_random_terms_and_texts(terms, texts, ignorecase):
    """Random lists over a small alphabet with the characters re.I folds: same matches as the pattern."""
    flags = re.IGNORECASE if ignorecase else 0
    plain = re.compile(r"(?<![\w])(?:" + "|".join(terms) + r")(?![\w])", flags)
    index = prefilter.LiteralIndex()
    gated = prefilter.gate(index, plain, terms, flags, match=True)
    other = prefilter.gate(index, re.compile("tank", flags), ["tank"], flags)  # a second list in the automaton
    _assert_same(plain, gated, texts)
    _assert_same(other.rx, other, texts)
