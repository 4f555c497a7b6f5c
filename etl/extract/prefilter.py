"""One pass over a sentence tells which word lists can match in it at all.

Most scans of a sentence for a word list (triggers, background cues, package words, item terms...)
find nothing, and `re` pays a full pass for each such miss. Every match of a term contains a literal
that the term requires ("recalled" in `(?:it will be |as )?recalled`, "envisag" in `envisag\\w*`); one
Aho-Corasick pass (pyahocorasick) over the lower-cased sentence finds the required literals of every
gated list at once, and a gated pattern whose literals are all absent answers "no match" without
running. When a literal is present the pattern runs as before, so the answers are exactly those of the
pattern: this only removes passes that cannot match.

Why lower-casing is safe: a required literal is made only of characters whose every `re.IGNORECASE`
partner lower-cases to the same character (ASCII and Latin letters but ı and ſ, general punctuation),
and the text is lower-cased after folding the non-ASCII characters that re.I matches with an ASCII
letter (İ, ı, ſ; the Kelvin sign lower-cases to k), so every text that a (case-insensitive or
case-sensitive) match covers contains the literal in the folded text. A term with no required
literal of at least `MIN_LITERAL` characters leaves its whole list ungated.
"""

from __future__ import annotations

import re
import sys
from re import _constants as sc  # type: ignore[attr-defined]  # re's parser: no stubs for it
from re import _parser as sp  # type: ignore[attr-defined]

import ahocorasick

MIN_LITERAL = 3  # shorter literals ("de", "a") occur in nearly every sentence: no gain, more hits to record
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}  # the non-ASCII characters re.I matches with ASCII
_FOLD_RE = re.compile("[\u0130\u0131\u017f\u212a]")


_MAX_EXPANSION = 32  # strings a literal run may stand for ("FH-?70" -> "fh-70", "fh70")


def _safe_char(c: int) -> bool:
    """Characters a literal may hold: those whose every re.IGNORECASE partner folds to the same character
    (`fold`); checked over all of Unicode by tests/test_extract_prefilter.py."""
    return c < 0x250 and c not in (0xB5, 0x130, 0x131, 0x17F) or 0x2000 <= c < 0x2070


def _expand(op, av) -> set[str] | None:
    """Every string the item can match, when that is a small set of safe literals; else None."""
    if op is sc.LITERAL:
        return {chr(av).lower()} if _safe_char(av) else None
    if op is sc.IN:
        out: set[str] = set()
        for o, a in av:
            if o is sc.LITERAL and _safe_char(a):
                out.add(chr(a).lower())
            elif o is sc.RANGE and a[1] - a[0] < 4 and all(_safe_char(x) for x in range(a[0], a[1] + 1)):
                out |= {chr(x).lower() for x in range(a[0], a[1] + 1)}
            else:
                return None
        return out
    if op is sc.SUBPATTERN:
        return _expand_seq(av[-1])
    if op is sc.BRANCH:
        out = set()
        for b in av[1]:
            e = _expand_seq(b)
            if e is None:
                return None
            out |= e
        return out if len(out) <= _MAX_EXPANSION else None
    if op in (sc.MAX_REPEAT, sc.MIN_REPEAT, sc.POSSESSIVE_REPEAT) and av[0] == 0 and av[1] == 1:
        e = _expand_seq(av[2])
        return None if e is None else e | {""}
    return None


def _expand_seq(items) -> set[str] | None:
    acc = {""}
    for op, av in items:
        e = _expand(op, av)
        if e is None:
            return None
        acc = {a + b for a in acc for b in e}
        if len(acc) > _MAX_EXPANSION:
            return None
    return acc


# Articles and demonstratives are in most sentences: a list gated on them ("the" in "the ... package")
# passes nearly always, and their hits slow the scan. Another required string of the term wins if any.
_FUNCTION_WORDS = frozenset(
    "the this that these those les des une cette ces het een deze dit den det de".split())


def _score(c: tuple[frozenset[str], int | None]) -> tuple[bool, bool, bool, int, int]:
    """Usable (long enough), then no function word, then a bounded lead (scans can start late), then
    longer, then fewer strings."""
    lits, lead = c
    shortest = min(map(len, lits))
    common = any(x.strip(" '’-") in _FUNCTION_WORDS for x in lits)
    return (shortest >= MIN_LITERAL, not common, lead is not None, shortest, -len(lits))


def _width(state, items) -> int | None:
    """The most characters the items can match, None if unbounded."""
    hi = sp.SubPattern(state, list(items)).getwidth()[1]
    return None if hi >= sp.MAXWIDTH else hi


def _plus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _required(items, state) -> tuple[frozenset[str], int | None] | None:
    """(strings one of which every match of the parsed sequence contains (folded), the most characters a
    match can have before that string or None if unbounded), or None.

    Runs of items that match a small set of literal strings are multiplied out; groups, alternations,
    repeats of at least one and lookaheads are looked into; of all candidates, one whose strings are long
    enough and whose lead is bounded wins, then the one whose shortest string is longest."""
    items = list(items)
    cands: list[tuple[frozenset[str], int | None]] = []
    run: set[str] = {""}
    run_start = 0

    def flush(k: int) -> None:
        nonlocal run
        if run != {""}:
            cands.append((frozenset(run), _width(state, items[:run_start])))
        run = {""}

    for k, (op, av) in enumerate(items):
        e = _expand(op, av)
        if e is not None:
            if run == {""}:
                run_start = k
            prod = {a + b for a in run for b in e}
            if len(prod) > _MAX_EXPANSION:
                flush(k)
                run_start, prod = k, e
            run = prod
            continue
        flush(k)
        sub = None
        if op is sc.SUBPATTERN:
            sub = _required(av[-1], state)
        elif op is sc.BRANCH:
            alts: set[str] = set()
            lead: int | None = 0
            for b in av[1]:
                r = _required(b, state)
                if r is None:
                    alts = set()
                    break
                alts |= r[0]
                lead = None if lead is None or r[1] is None else max(lead, r[1])
            sub = (frozenset(alts), lead) if alts else None
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT, sc.POSSESSIVE_REPEAT) and av[0] >= 1:
            sub = _required(av[2], state)  # in the first repetition
        elif op is sc.ASSERT and av[0] == 1:  # a lookahead's text is in the string too (presence is all we test)
            sub = _required(av[1], state)
        if sub is not None:
            cands.append((sub[0], _plus(_width(state, items[:k]), sub[1])))
        # anything else (classes, lookbehinds, negative lookarounds, optional parts) requires no string
    flush(len(items))
    cands = [_minimal(c, lead) for c, lead in cands if c and "" not in c]
    return max(cands, key=_score) if cands else None


def _minimal(c: frozenset[str], lead: int | None) -> tuple[frozenset[str], int | None]:
    """Drop strings that contain another of the set (a text holding them holds that one too); a kept
    string then starts later in the match, by its first offset in the dropped string."""
    kept = frozenset(x for x in c if not any(y != x and y in x for y in c))
    if kept == c or lead is None:
        return kept, lead
    return kept, lead + max(min(x.find(y) for y in kept if y in x) for x in c)


def required(term: str, flags: int = 0) -> tuple[frozenset[str], int | None] | None:
    r"""(lower-case strings one of which every match of `term` contains, each >= MIN_LITERAL long; the
    most characters a match can have before it, None if unbounded), else None.

    >>> required("(?:it will be |as )?recalled")
    (frozenset({'recalled'}), 11)
    >>> required(r"envisag\w*")
    (frozenset({'envisag'}), 0)
    >>> required(r"\w+ment")
    (frozenset({'ment'}), None)
    """
    try:
        parsed = sp.parse(term, flags)
    except re.error:
        return None
    r = _required(list(parsed), parsed.state)
    if r is None or min(map(len, r[0])) < MIN_LITERAL:
        return None
    return r


def required_literals(term: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case literals one of which every match of `term` contains, each >= MIN_LITERAL long; else None.

    >>> sorted(required_literals("(?:it will be |as )?recalled"))
    ['recalled']
    >>> sorted(required_literals("peu(?:t|vent) (?:fournir|livrer)"))
    ['peut fournir', 'peut livrer', 'peuvent fournir', 'peuvent livrer']
    >>> sorted(required_literals("FH-?70"))
    ['fh-70', 'fh70']
    """
    r = required(term, flags)
    return None if r is None else r[0]


def fold(text: str) -> str:
    """The text as the literals are compared with it: lower-case, the four re.I oddities folded to ASCII."""
    if not text.isascii() and _FOLD_RE.search(text):
        text = text.translate(_FOLD)
    return text.lower()


class LiteralIndex:
    """The required literals of several word lists in one automaton.

    `scan(text)` -> (text, mask, hits, first ends): bit i of the mask is set when list i may match in the
    text; hits are the automaton's (end, bits) in order (None when the folded text's offsets differ from
    the text's), and first ends[bit], filled by `_first` when a search asks, the end of that list's
    earliest-ending literal. Computed once for the last text seen."""

    def __init__(self) -> None:
        self._lists: list[frozenset[str]] = []
        self._auto: ahocorasick.Automaton | None = None
        self.last: tuple = (None, 0, None, {})  # read and replaced whole

    def add(self, terms: list[str], flags: int = 0) -> tuple[int, int | None] | None:
        """Register a word list: (its bit, how far before the end of its first literal a match can start,
        None if unbounded), or None when one of its terms requires no usable literal."""
        lits: set[str] = set()
        back: int | None = 0
        for t in terms:
            r = required(t, flags)
            if r is None:
                return None
            lits |= r[0]
            back = None if back is None or r[1] is None else max(back, r[1] + max(map(len, r[0])))
        if not lits:
            return None
        self._lists.append(frozenset(lits))
        self._auto = None
        return 1 << (len(self._lists) - 1), back

    def _build(self) -> ahocorasick.Automaton:
        by_lit: dict[str, int] = {}
        for i, lits in enumerate(self._lists):
            for lit in lits:
                by_lit[lit] = by_lit.get(lit, 0) | (1 << i)
        auto = ahocorasick.Automaton()
        for lit, mask in by_lit.items():
            auto.add_word(lit, mask)
        auto.make_automaton()
        self._auto = auto
        return auto

    def scan(self, text: str) -> tuple[str, int, list[tuple[int, int]] | None, dict[int, int]]:
        last = self.last  # threads at worst compute a text twice
        if last[0] is text:
            return last
        auto = self._auto or self._build()
        folded = fold(text)
        hits = list(auto.iter(folded))  # (end, bits) by increasing end; a list is built at C speed
        mask = 0
        for hit in hits:
            mask |= hit[1]
        # the first ends are looked up on demand (`_first`): most lists present are never searched
        out: tuple[str, int, list[tuple[int, int]] | None, dict[int, int]] = (
            text, mask, hits if len(folded) == len(text) else None, {})
        self.last = out
        return out


def _first(last: tuple, bit: int) -> int:
    """The end of the earliest literal of the list `bit` in the scanned text (its bit is in the mask)."""
    firsts = last[3]
    end = firsts.get(bit)
    if end is None:
        end = firsts[bit] = next(e for e, bits in last[2] if bits & bit) + 1
    return end


class Gated:
    """A compiled pattern that skips `search`/`finditer` on a text that holds none of its literals, and
    starts them where a match can first begin (before the list's earliest literal by at most its lead).

    `match`/`fullmatch` and every other attribute go to the pattern unchanged."""

    __slots__ = ("rx", "pattern", "flags", "_index", "_bit", "_back")

    def __init__(self, rx, index: LiteralIndex, bit: int, back: int | None):
        self.rx, self.pattern, self.flags = rx, rx.pattern, rx.flags
        self._index, self._bit, self._back = index, bit, back

    # search and finditer inline the same test (a method call per scan was measurable)
    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        last = self._index.last
        if last[0] is not string:
            last = self._index.scan(string)
        if not self._bit & last[1]:
            return None  # none of the list's literals in the string
        if self._back is not None and last[2] is not None:  # no match starts before the first literal's lead
            pos = max(pos, _first(last, self._bit) - self._back)
        return self.rx.search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        last = self._index.last
        if last[0] is not string:
            last = self._index.scan(string)
        if not self._bit & last[1]:
            return iter(())
        if self._back is not None and last[2] is not None:
            pos = max(pos, _first(last, self._bit) - self._back)
        return self.rx.finditer(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.rx.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.rx.fullmatch(string, pos, endpos)

    def __getattr__(self, name: str):
        return getattr(self.rx, name)

    def __repr__(self) -> str:
        return f"Gated({self.rx!r})"


class GatedMatch(Gated):
    """`Gated` whose `match` is gated too (by presence): for patterns tried at many places of a sentence."""

    __slots__ = ()

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        last = self._index.last
        if not self._bit & (last[1] if last[0] is string else self._index.scan(string)[1]):
            return None
        return self.rx.match(string, pos, endpos)


def gate(index: LiteralIndex, rx, terms: list[str], flags: int = 0, match: bool = False):
    """`rx` gated by the literals of `terms` (the alternatives it is built from, in any order), or `rx`
    itself when a term has no usable literal. `match`: gate `match` as well."""
    added = index.add(terms, flags)
    return rx if added is None else (GatedMatch if match else Gated)(rx, index, *added)
