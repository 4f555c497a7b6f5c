"""etl.extract.fastre: the trie regexes find exactly what the plain alternations find."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import fastre, prefilter
from etl.extract import lexicon as lx
from etl.parse import read_release_file

SAMPLES = Path(__file__).resolve().parent.parent / "etl" / "samples" / "releases"
# characters that re.IGNORECASE matches with ASCII letters, and other traps
EXOTIC = "\u0130\u0131\u017f\u212a\u212bÉéÅåæøÆØ-’'.,;:()$€£\n\t "


def _sentences() -> list[str]:
    out = []
    for f in sorted(SAMPLES.iterdir()):
        text = read_release_file(f).text
        out += [s for s in re.split(r"(?<=[.;:!?])\s+|\n+", text) if s.strip()]
    return out


SENTENCES = _sentences()


def _word_lists(lang: str) -> list[tuple[str, list[str], int]]:
    """(name, terms in scan order, flags) of every word list of a language's lexicon."""
    data = lx._read_toml(lang)
    out = []
    for key, terms in data.get("words", {}).items():
        out.append((f"words.{key}", lx._sorted_alts(terms), re.IGNORECASE))
    for key, terms in data.get("categories", {}).items():
        out.append((f"categories.{key}", lx._sorted_alts(terms), re.IGNORECASE))
    for key, spec in data.get("cues", {}).items():
        out.append((f"cues.{key}", lx._sorted_alts(spec.get("patterns", [])), re.IGNORECASE | re.MULTILINE))
    for key, terms in lx.common().get("systems", {}).items():
        out.append((f"systems.{key}", lx._sorted_alts(terms), 0))
    return [o for o in out if o[1]]


def _spans(rx, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in rx.finditer(text, pos, len(text) if endpos is None else endpos)]


def _assert_same(plain: re.Pattern, fast, texts: list[str]) -> None:
    for t in texts:
        assert _spans(fast, t) == _spans(plain, t), (plain.pattern[:80], t)
        for a, b in ((1, len(t)), (0, len(t) // 2), (len(t) // 3, len(t) - 1)):
            if 0 <= a <= b:
                assert _spans(fast, t, a, b) == _spans(plain, t, a, b), (plain.pattern[:80], t, a, b)
        for p in range(0, len(t), 7):
            pm, fm = plain.match(t, p), fast.match(t, p)
            assert (pm and pm.span()) == (fm and fm.span())
            ps, fs = plain.search(t, p), fast.search(t, p)
            assert (ps and ps.span()) == (fs and fs.span())


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_every_word_list_matches_like_the_plain_regex(lang):
    texts = SENTENCES + [EXOTIC, "Kſ\u212aIİı " * 3]
    for name, terms, flags in _word_lists(lang):
        plain = re.compile(r"(?<![\w])(?:" + "|".join(terms) + r")(?![\w])", flags)
        fast = fastre.words(r"(?<![\w])", terms, r"(?![\w])", flags)
        try:
            _assert_same(plain, fast, texts)
        except AssertionError as e:  # pragma: no cover - the message names the list
            raise AssertionError(f"{lang} {name}: {e}") from None


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_the_lexicon_regexes_are_tries(lang):
    """The speed depends on it: a term the builder cannot read would silently fall back to plain `re`."""
    lex = lx.get(lang)
    for rx in (lex.donor_re, lex.w["trigger"], lex.item_starts[0], lex.item_starts[1]):
        assert "(?=[^\\x00-\\x7f])" in rx.pattern
    cue = lex.sentence_cue_re  # behind the literal gate (prefilter.py), a trie with its kinds
    assert isinstance(cue, prefilter.Gated) and isinstance(cue.rx, fastre.KindWords)


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_donor_names_match_like_the_plain_regex(lang):
    lex = lx.get(lang)
    names = [re.escape(n) for n in lex.donor_literal]
    adjs = [lx._cap_first(p) for p in lx._read_toml(lang).get("adjectives", {})]
    terms = lx._sorted_alts(names + adjs)
    suffix = r"(?:s\b|['’]s\b)?(?![\w])"
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(terms) + ")" + suffix)
    texts = SENTENCES + [" ".join(lex.donor_literal)[:5000], EXOTIC]
    _assert_same(plain, lex.donor_re, texts)


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_sentence_cues_keep_their_kind(lang):
    data = lx._read_toml(lang)
    flags = re.IGNORECASE | re.MULTILINE
    kinds = [(k, lx._sorted_alts(s.get("patterns", []))) for k, s in data.get("cues", {}).items()
             if s.get("scope", "sentence") == "sentence"]
    parts = [f"(?P<{k}>(?:" + "|".join(a) + "))" for k, a in kinds if a]
    plain = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags)
    fast = lx.get(lang).sentence_cue_re
    for t in SENTENCES:
        assert [(m.span(), m.lastgroup) for m in plain.finditer(t)] == \
               [(m.span(), m.lastgroup) for m in fast.finditer(t)], t


def test_alternation_embeds_in_a_larger_pattern():
    words = ["one", "two", "three", "twenty", "thirty", "hundred", "et", "ſix", "kelvin"]
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(words) + r")(?:[- ](?:" + "|".join(words) + r"))*", re.I)
    w = fastre.alternation(words, re.I)
    fast = re.compile(r"(?<![\w-])" + w + r"(?:[- ]" + w + r")*", re.I)
    texts = ["Twenty-three and one hundred SIX, \u212aelvin", "thirty two-hundred", "et ſix"] + SENTENCES[:50]
    _assert_same(plain, fast, texts)


@pytest.mark.parametrize("term,ch,expected", [
    ("recalled", "r", "ecalled"),
    ("recalled", "R", "ecalled"),  # under IGNORECASE
    ("recalled", "x", None),
    ("(?:it will be |as )?recalled", "i", "t will be recalled"),
    ("(?:it will be |as )?recalled", "r", "ecalled"),
    ("ab|ac", "a", "(?:b|c)"),
    ("\\w+munitie", "a", "\\w*munitie"),
    ("(?-i:[A-Z]\\w+ Act)", "b", None),  # the scoped flag makes it case-sensitive
    ("(?-i:[A-Z]\\w+ Act)", "B", "(?-i:\\w+ Act)"),
    ("^Since\\b", "S", "(?<=^[\\s\\S])ince\\b"),
    ("a{2}b", "a", fastre.WHOLE),  # counted repeats: not handled, kept whole
])
def test_derivative(term, ch, expected):
    assert fastre._derive(term, ch, re.IGNORECASE | re.MULTILINE) == expected


_ALPHABET = st.sampled_from(list("aeiknostrAEIKNOSTR -,.'’\n") + list(EXOTIC))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["ai", "aid", "s?end", "(?:se|kno)nt", "[Kk]it", "^In ", "-led", "ſo", "a\\w*",
                                 "(?<!x )tank", "et", "no(?:t|n)\\b"]), min_size=1, max_size=8, unique=True),
       st.text(_ALPHABET, max_size=60), st.booleans())
def test_random_terms_and_text(terms, text, ignorecase):
    flags = (re.IGNORECASE if ignorecase else 0) | re.MULTILINE
    plain = re.compile(r"(?<![\w])(?:" + "|".join(terms) + r")(?![\w])", flags)
    fast = fastre.words(r"(?<![\w])", terms, r"(?![\w])", flags)
    assert _spans(fast, text) == _spans(plain, text)
    for p in range(len(text)):
        pm, fm = plain.match(text, p), fast.match(text, p)
        assert (pm and pm.span()) == (fm and fm.span())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab _.!?;:»”\"')\u00a0\u2003\n\t-é1") + ["and", "et", "og", "eller", "of", "or"]),
                max_size=12).map("".join))
def test_sentence_end_checks_equal_their_regexes(text):
    from etl.extract.engine import _ends_open, _ends_with_stop

    assert _ends_open(text) == bool(re.search(r"(?:[.!?;:»”\"')]|\b(?:and|et|og|en|or|ou|eller|of))\s*\Z", text))
    assert _ends_with_stop(text) == bool(re.search(r"[.!?]\W*\Z", text))


def test_searcher_matches_like_the_plain_regex():
    """The donor-override patterns and others without a lookbehind in front: same matches, literal heads."""
    from etl.extract.engine import _overrides

    for o in lx.common().get("donor_override", []):
        pat, flags = o["pattern"], 0
        if pat.startswith("(?i)"):
            pat, flags = pat[4:], re.IGNORECASE
        plain = re.compile(pat, flags)
        texts = SENTENCES + [EXOTIC, "the European Peace Facility (EPF), EPFs, xEPF, la Facilité européenne pour la paix",
                             "EUROPÆISKE FREDSFACILITET og Europese Vredesfaciliteit; \u212aEPF EPF"]
        fast = fastre.searcher(fastre.split_alternatives(pat), flags)
        _assert_same(plain, fast, texts)
        assert re.match(r"\(\?:[A-Za-z]", fast.pattern), fast.pattern[:40]  # a literal head: re's first-character set
    assert all(not rx.flags & re.IGNORECASE for rx, _code in _overrides())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["ai", "aid", "s?end", "(?:se|kno)nt", "[Kk]it", "\\bEPF\\b", "-led", "ſo", "a\\w*",
                                 "(?<!x )tank", "et", "no(?:t|n)\\b", "Facilit[ée]"]), min_size=1, max_size=8, unique=True),
       st.text(_ALPHABET, max_size=60), st.booleans())
def test_searcher_random_terms_and_text(terms, text, ignorecase):
    flags = re.IGNORECASE if ignorecase else 0
    plain = re.compile("(?:" + "|".join(terms) + ")", flags)
    fast = fastre.searcher(terms, flags)
    assert _spans(fast, text) == _spans(plain, text)
    for p in range(len(text)):
        ps, fs = plain.search(text, p), fast.search(text, p)
        assert (ps and ps.span()) == (fs and fs.span())


def _plain_numwords(lex) -> re.Pattern:
    w = "(?:" + "|".join(lx._sorted_alts(lex.data["numbers"].get("words", []))) + ")"
    return re.compile(r"(?<![\w-])" + w + r"(?:[- ](?:et[- ])?" + w + r")*(?![\w-])", re.IGNORECASE)


@pytest.mark.parametrize("lang", lx.SUPPORTED)
def test_number_words_match_like_the_plain_regex(lang):
    """The number-word pattern starts with literal heads and looks behind them: same matches as the
    lookbehind in front, so `re` skips the positions no number word can start at."""
    lex = lx.get(lang)
    rx = getattr(lex.numword_re, "rx", lex.numword_re)
    if all(w[:1].isascii() for w in lex.data["numbers"].get("words", [])):
        assert re.match(r"\(\?:[A-Za-z]\(\?<!", rx.pattern), rx.pattern[:40]  # a literal head, then the lookbehind
    else:  # a word starting outside ASCII (Swedish "åtta"): no literal heads, the plain lookbehind in front
        assert rx.pattern.startswith(r"(?<![\w-])"), rx.pattern[:40]
    texts = SENTENCES + [EXOTIC, "twenty-two, vingt-et-un, to-tre, twee en twintig, xone -one one- ONE \u212aone",
                         "ſeven ſix deuxième cinq-cents tusind-og-fem"]
    _assert_same(_plain_numwords(lex), lex.numword_re, texts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["ai", "aid", "s?end", "(?:se|kno)nt", "[Kk]it", "-led", "ſo", "et", "no(?:t|n)",
                                 "Facilit[ée]", "one", "ten"]), min_size=1, max_size=8, unique=True),
       st.text(_ALPHABET, max_size=60), st.booleans())
def test_headed_with_a_lookbehind_after_the_head(terms, text, ignorecase):
    flags = re.IGNORECASE if ignorecase else 0
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(terms) + r")(?![\w])", flags)
    src = fastre.headed(terms, flags, r"(?<![\w-].)")
    if src is None:  # a term starting with a class it cannot read: nothing to compare
        return
    fast = re.compile(src + r"(?![\w])", flags & ~re.IGNORECASE)
    assert _spans(fast, text) == _spans(plain, text)
    for p in range(len(text)):
        ps, fs = plain.search(text, p), fast.search(text, p)
        assert (ps and ps.span()) == (fs and fs.span())
