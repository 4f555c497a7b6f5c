"""Faster scans with the lexicons' long word-list alternations, with exactly the matches of `re`.

`re` tries every alternative of `(?<![\\w])(?:term1|term2|...)(?![\\w])` at every word start; with a few
hundred terms that is most of the extractor's time. `words()` compiles the same regex and, next to it,
one smaller regex per ASCII first character holding (in the original order) only the terms that can
start with that character. A scan finds the candidate positions (the lookbehind holds and the character
can start some term) with one cheap regex, then matches there the small regex of that character (the
full regex for a non-ASCII character). Since a term that cannot start with the character at a position
cannot match there, and the order of the remaining terms is kept, every match (start, end, text) is the
one `re` finds; `finditer` skips overlaps as `re` does. Regexes whose terms have capturing groups, can
match the empty string, or start with something this module cannot read (\\w, negated sets) are
plain `re` patterns.
"""

from __future__ import annotations

import re
import sys
from re import _constants as sc
from re import _parser as sp

_MIN_LENGTH = 800  # shorter regexes stay plain `re` (measured: the dispatch pays from about there)
_CATEGORIES = {sc.CATEGORY_WORD: r"\w", sc.CATEGORY_NOT_WORD: r"\W", sc.CATEGORY_DIGIT: r"\d",
               sc.CATEGORY_NOT_DIGIT: r"\D", sc.CATEGORY_SPACE: r"\s", sc.CATEGORY_NOT_SPACE: r"\S"}


def _first_items(items) -> tuple[list[str], bool] | None:
    """(character-class items that can start the parsed sequence, whether it can be empty), None if unknown."""
    out: list[str] = []
    for op, av in items:
        if op is sc.LITERAL:
            return out + [re.escape(chr(av))], False
        if op is sc.IN:
            for o, a in av:
                if o is sc.LITERAL:
                    out.append(re.escape(chr(a)))
                elif o is sc.RANGE:
                    out.append(re.escape(chr(a[0])) + "-" + re.escape(chr(a[1])))
                elif o is sc.CATEGORY and a in _CATEGORIES:
                    out.append(_CATEGORIES[a])
                else:  # negation: not handled
                    return None
            return out, False
        if op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT):
            continue  # zero-width: the next item gives the character
        if op is sc.SUBPATTERN:
            f = _first_items(av[-1])
        elif op is sc.BRANCH:
            items_, empty = [], False
            for b in av[1]:
                fb = _first_items(b)
                if fb is None:
                    return None
                items_ += fb[0]
                empty = empty or fb[1]
            f = (items_, empty)
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT):
            fs = _first_items(av[2])
            f = None if fs is None else (fs[0], fs[1] or av[0] == 0)
        else:
            return None
        if f is None:
            return None
        out += f[0]
        if not f[1]:
            return out, False
    return out, True


class Words:
    """A compiled `prefix (?:alt1|alt2|...) suffix` with the interface of `re.Pattern` used here."""

    __slots__ = ("rx", "pattern", "flags", "groups", "match", "fullmatch", "_cand", "_by_char")

    def __init__(self, rx: re.Pattern, cand: re.Pattern, by_char: dict[str, re.Pattern | None]):
        self.rx, self.pattern, self.flags, self.groups = rx, rx.pattern, rx.flags, rx.groups
        self.match, self.fullmatch = rx.match, rx.fullmatch  # at a given position: the plain regex
        self._cand, self._by_char = cand, by_char

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        last = pos
        by_char, full = self._by_char, self.rx
        for c in self._cand.finditer(string, pos, endpos):
            p = c.start()
            if p < last:
                continue
            rx = by_char.get(string[p], full)
            if rx is None:
                continue
            m = rx.match(string, p, endpos)
            if m is not None:
                last = m.end()
                yield m

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        by_char, full = self._by_char, self.rx
        for c in self._cand.finditer(string, pos, endpos):
            p = c.start()
            rx = by_char.get(string[p], full)
            if rx is not None:
                m = rx.match(string, p, endpos)
                if m is not None:
                    return m
        return None

    def __getattr__(self, name):  # sub, findall, split, groupindex ...: the plain regex
        return getattr(self.rx, name)

    def __repr__(self) -> str:
        return f"Words({self.rx!r})"


def words(prefix: str, alts: list[str], suffix: str, flags: int = 0, min_length: int = _MIN_LENGTH) -> re.Pattern | Words:
    """`re.compile(prefix + "(?:" + "|".join(alts) + ")" + suffix, flags)`, scanned faster when possible.

    `prefix` must be zero-width (a lookbehind); `alts` in the order they are tried."""
    body = "(?:" + "|".join(alts) + ")" if alts else "(?!x)x"
    rx = re.compile(prefix + body + suffix, flags)
    if rx.groups:
        return rx
    return _dispatch(rx, prefix, [(None, alts)], suffix, flags, min_length)


def named_words(prefix: str, kinds: list[tuple[str, list[str]]], suffix: str, flags: int = 0) -> re.Pattern | Words:
    """`prefix(?:(?P<kind1>(?:alt|...))|(?P<kind2>...)|...)suffix` (`lastgroup` is the kind), faster when possible."""
    parts = [f"(?P<{k}>" + ("(?:" + "|".join(a) + ")" if a else "(?!x)x") + ")" for k, a in kinds]
    rx = re.compile(prefix + "(?:" + "|".join(parts or ["(?!x)x"]) + ")" + suffix, flags)
    if rx.groups != len(kinds):
        return rx  # groups inside the terms
    return _dispatch(rx, prefix, kinds, suffix, flags)


def _dispatch(rx: re.Pattern, prefix: str, kinds: list[tuple[str | None, list[str]]], suffix: str,
              flags: int, min_length: int = _MIN_LENGTH) -> re.Pattern | Words:
    alts = [(k, a) for k, al in kinds for a in al]
    if len(rx.pattern) < min_length:
        return rx  # a short alternation: plain `re` is as fast as the Python loop here
    firsts = []
    try:
        for _k, a in alts:
            f = _first_items(sp.parse(a, flags))
            if f is None or f[1]:
                return rx
            firsts.append("[" + "".join(f[0]) + "]")
        testers = [re.compile(f, flags) for f in firsts]
    except (re.error, TypeError, ValueError, OverflowError, RecursionError):
        return rx

    def build(idx: tuple[int, ...]) -> re.Pattern | None:
        """The regex restricted to the alternatives idx (kept in order, each under its kind)."""
        if not idx:
            return None
        if kinds[0][0] is None:
            return re.compile(prefix + "(?:" + "|".join(alts[i][1] for i in idx) + ")" + suffix, flags)
        parts = []
        for k, _al in kinds:  # every kind kept (the same groups), the ones without a term here never match
            mine = [alts[i][1] for i in idx if alts[i][0] == k]
            parts.append(f"(?P<{k}>" + ("(?:" + "|".join(mine) + ")" if mine else "(?!x)x") + ")")
        return re.compile(prefix + "(?:" + "|".join(parts) + ")" + suffix, flags)

    by_char: dict[str, re.Pattern | None] = {}
    cache: dict[tuple[int, ...], re.Pattern | None] = {}
    for code in range(128):
        ch = chr(code)
        idx = tuple(i for i, t in enumerate(testers) if t.match(ch))
        if idx not in cache:
            cache[idx] = build(idx)
        by_char[ch] = cache[idx]
    union = "".join(dict.fromkeys(f[1:-1] for f in firsts))
    cand = re.compile(prefix + "(?=[" + union + "])", flags)
    return Words(rx, cand, by_char)
