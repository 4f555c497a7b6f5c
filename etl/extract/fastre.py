"""Long word-list regexes rewritten as a first-character trie, with exactly the matches of `re`.

`re` tries every alternative of `(?<![\\w])(?:term1|term2|...)(?![\\w])` in turn at every word start; with
a few hundred terms that was most of the extractor's time. `words()` compiles the same language as

    prefix(?: (?-i:[aA])(?:rest of the terms starting with a) | (?-i:[bB])(?:...) | ... | <non-ASCII> ) suffix

Each branch holds, in their original order, the terms that can start with its ASCII characters (found
from the parsed terms); the branch's head is a case-sensitive character class, which `re`'s matcher
tests before entering the branch, so at a word start it skips nearly every term at C speed. Why the
matches are the same:
  * branches have disjoint heads, so at a position at most one ASCII branch can match, and inside it
    the terms are tried in the original order (a term that cannot start with that character could
    not match there anyway);
  * a term whose first item is a plain literal letter or digit gives up that character to the head
    (`rest`); a branch holding any other term keeps the terms whole behind a lookahead head;
  * any non-ASCII character (é, Å, and the Kelvin sign that `re.IGNORECASE` matches with k) goes to
    a last branch holding every term in the original order.
Regexes whose terms have capturing groups, can match the empty string, or start with something this
module cannot read (\\w, negated sets) stay plain `re` patterns. `tests/test_extract_fastre.py`
compares the matches with the plain regex on the corpus, on random text and on every lexicon.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from re import _constants as sc  # type: ignore[attr-defined]  # re's parser: no stubs for it
from re import _parser as sp  # type: ignore[attr-defined]

_MIN_LENGTH = 0  # measured: with the trie even short word lists scan faster than the plain alternation
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


def _top_level_bar(p: str) -> bool:
    """Whether the pattern has a `|` outside every group and class ("ab|ac")."""
    depth, i, n = 0, 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and p[j] == "^":
                j += 1
            if j < n and p[j] == "]":
                j += 1
            while j < n and p[j] != "]":
                j += 2 if p[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _rest(term: str, flags: int) -> str | None:
    """The term without its first character when that is a plain ASCII letter or digit, else None."""
    if not term or not (term[0].isascii() and term[0].isalnum()) or _top_level_bar(term):
        return None
    data = sp.parse(term, flags).data
    if not data or data[0] != (sc.LITERAL, ord(term[0])):
        return None  # "a?b", "a{2}": the first character is not consumed once, unconditionally
    return term[1:]


WHOLE = object()  # a term whose derivative this module cannot write: kept whole behind a lookahead
_ANY = r"[\s\S]"
_QUANT = "?*+{"


def split_alternatives(s: str) -> list[str]:
    """The pattern's top-level alternatives ("a|b(?:c|d)" -> ["a", "b(?:c|d)"])."""
    out, depth, i, n, last = [], 0, 0, len(s), 0
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(s, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(s[last:i])
            last = i + 1
        i += 1
    out.append(s[last:])
    return out


def _class_end(s: str, i: int) -> int:
    """Index just after the character class opening at s[i] ('[')."""
    j, n = i + 1, len(s)
    if j < n and s[j] == "^":
        j += 1
    if j < n and s[j] == "]":
        j += 1
    while j < n and s[j] != "]":
        j += 2 if s[j] == "\\" else 1
    return j + 1


def _group_end(s: str, i: int) -> int:
    """Index just after the group opening at s[i] ('(')."""
    depth, j, n = 0, i, len(s)
    while j < n:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(s, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError("unbalanced group")


_SCOPED = re.compile(r"\(\?([aiLmsux]*)(?:-([imsx]+))?:")
_FLAG = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


def _atom(s: str) -> tuple[str, str, str, str] | None:
    """(kind, atom, quantifier, tail) of the sequence s's first item; None when unknown.

    kind: 'char' (one character: literal, escape, class, category, '.'), 'zero' (an assertion),
    'group' (non-capturing), 'flags' (scoped flags: atom is the opening '(?-i:'), 'empty'."""
    if not s:
        return "empty", "", "", ""
    c = s[0]
    if c == "\\":
        if len(s) < 2:
            return None
        e = s[1]
        if e in "bBAZ":
            return "zero", s[:2], "", s[2:]
        if e.isdigit() or e in "xuUNgpP":
            return None  # backreferences and code escapes: not handled
        atom, rest, kind = s[:2], s[2:], "char"
    elif c == "[":
        end = _class_end(s, 0)
        atom, rest, kind = s[:end], s[end:], "char"
    elif c == "(":
        end = _group_end(s, 0)
        if s.startswith("(?:"):
            atom, rest, kind = s[3 : end - 1], s[end:], "group"
        elif s.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            return "zero", s[:end], "", s[end:]  # quantified assertions do not occur
        elif (m := _SCOPED.match(s)) is not None:
            atom, rest, kind = s[:end], s[end:], "flags"
            if m.end() >= end:
                return None
        else:
            return None  # capturing or other groups
    elif c == "^" or c == "$":
        return "zero", c, "", s[1:]
    elif c in ")|*+?{":
        return None
    else:
        atom, rest, kind = c, s[1:], "char"
    q = ""
    if rest and rest[0] in _QUANT:
        if rest[0] == "{":
            return None
        q, rest = rest[0], rest[1:]
        if rest and rest[0] in "?+":
            return None  # lazy and possessive quantifiers: not handled
    return kind, atom, q, rest


def _alts(results: list) -> str | None | object:
    """The ordered alternation of derivatives (None: cannot start; WHOLE: unknown)."""
    if any(r is WHOLE for r in results):
        return WHOLE
    viable = [r for r in results if r is not None]
    if not viable:
        return None
    return viable[0] if len(viable) == 1 else "(?:" + "|".join(viable) + ")"


def _derive(s: str, ch: str, flags: int, depth: int = 0):
    """The pattern that matches after `ch` where s matches starting with `ch` (in the same order).

    For a term t and a character x: t matches at p with text[p] == x exactly as x followed by
    _derive(t, x) does, trying its ways in the same order (a Brzozowski derivative that keeps re's
    leftmost-first order). None: t cannot start with x; WHOLE: not handled here."""
    if depth > 12:
        return WHOLE
    parts = split_alternatives(s)
    if len(parts) > 1:
        return _alts([_derive(p, ch, flags, depth + 1) for p in parts])
    try:
        a = _atom(s)
    except ValueError:
        return WHOLE
    if a is None:
        return WHOLE
    kind, atom, q, tail = a
    if kind == "empty":
        return None
    if kind == "zero":  # the assertion at the first character, read back from after it
        r = _derive(tail, ch, flags, depth + 1)
        return r if r is None or r is WHOLE else "(?<=" + atom + _ANY + ")" + r
    if kind == "char":
        try:
            hit = re.fullmatch(atom, ch, flags) is not None
        except re.error:
            return WHOLE
        if q == "":
            return tail if hit else None
        skip = _derive(tail, ch, flags, depth + 1)
        if q == "+":
            return atom + "*" + tail if hit else None
        if not hit:
            return skip
        return _alts([(atom + "*" if q == "*" else "") + tail, skip])
    if kind == "group":
        if q not in ("", "?"):
            return WHOLE
        res = [_derive("(?:" + p + ")" + tail if "|" in p else p + tail, ch, flags, depth + 1)
               for p in split_alternatives(atom)]
        if q == "?":
            res.append(_derive(tail, ch, flags, depth + 1))
        return _alts(res)
    if kind == "flags":
        if q not in ("", "?"):
            return WHOLE
        m = _SCOPED.match(atom)
        assert m is not None  # kind "flags" is given to such atoms only
        add, sub = m.group(1), m.group(2) or ""
        if any(f not in _FLAG for f in add + sub):
            return WHOLE
        inner_flags = flags
        for f in add:
            inner_flags |= _FLAG[f]
        for f in sub:
            inner_flags &= ~_FLAG[f]
        inner = atom[m.end() : -1]
        r = _derive(inner, ch, inner_flags, depth + 1)
        if r is not None and r is not WHOLE:
            r = atom[: m.end()] + r + ")" + tail
        res = [r]
        if q == "?":
            res.append(_derive(tail, ch, flags, depth + 1))
        return _alts(res)
    return WHOLE



class KindMatch:
    """A match of `named_words`: `lastgroup` is the kind of the term (the rest is the `re.Match`'s)."""

    __slots__ = ("m", "lastgroup")

    def __init__(self, m: re.Match, kind: str):
        self.m, self.lastgroup = m, kind

    def __getattr__(self, name):
        return getattr(self.m, name)

    def __repr__(self) -> str:
        return f"KindMatch({self.m!r}, {self.lastgroup!r})"


class KindWords:
    """`named_words` as a trie: its groups have unique names, mapped back to the kinds here."""

    __slots__ = ("rx", "pattern", "flags", "_kinds")

    def __init__(self, rx: re.Pattern, kinds: dict[str | None, str]):
        self.rx, self.pattern, self.flags, self._kinds = rx, rx.pattern, rx.flags, kinds

    def _wrap(self, m: re.Match | None) -> KindMatch | None:
        return None if m is None else KindMatch(m, self._kinds[m.lastgroup])

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        kinds = self._kinds
        for m in self.rx.finditer(string, pos, endpos):
            yield KindMatch(m, kinds[m.lastgroup])

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> KindMatch | None:
        return self._wrap(self.rx.search(string, pos, endpos))

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> KindMatch | None:
        return self._wrap(self.rx.match(string, pos, endpos))

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> KindMatch | None:
        return self._wrap(self.rx.fullmatch(string, pos, endpos))

    def __repr__(self) -> str:
        return f"KindWords({self.rx!r})"


def words(prefix: str, alts: list[str], suffix: str, flags: int = 0, min_length: int = _MIN_LENGTH) -> re.Pattern:
    """`re.compile(prefix + "(?:" + "|".join(alts) + ")" + suffix, flags)`, as a trie when possible.

    `prefix` must be zero-width (a lookbehind); `alts` in the order they are tried."""
    body = "(?:" + "|".join(alts) + ")" if alts else "(?!x)x"
    rx = re.compile(prefix + body + suffix, flags)
    if rx.groups or len(rx.pattern) < min_length:
        return rx
    built = _trie(prefix, [(None, alts)], suffix, flags)
    return rx if built is None else built[0]


def named_words(prefix: str, kinds: list[tuple[str, list[str]]], suffix: str, flags: int = 0) -> re.Pattern | KindWords:
    """`prefix(?:(?P<kind1>(?:alt|...))|(?P<kind2>...)|...)suffix` (`lastgroup` is the kind), as a trie when possible."""
    parts = [f"(?P<{k}>" + ("(?:" + "|".join(a) + ")" if a else "(?!x)x") + ")" for k, a in kinds]
    rx = re.compile(prefix + "(?:" + "|".join(parts or ["(?!x)x"]) + ")" + suffix, flags)
    if rx.groups != len(kinds) or len(rx.pattern) < _MIN_LENGTH:
        return rx  # groups inside the terms, or too short to gain
    built = _trie(prefix, kinds, suffix, flags)
    return rx if built is None else KindWords(*built)


# the characters a trie head can test: ASCII and the four others that re.IGNORECASE matches with an
# ASCII letter (İ and ı with i, ſ with s, the Kelvin sign with k)
_EXT = tuple(chr(c) for c in range(128)) + ("\u0130", "\u0131", "\u017f", "\u212a")
_DEPTH = 3  # trie levels (deeper levels gain little: the terms are mostly apart by then)


@lru_cache(maxsize=65536)
def _info(pat: str, flags: int) -> tuple[frozenset[str], bool, bool] | None:
    """(characters of _EXT that can start pat, whether others can, whether pat can match empty); None: unknown."""
    try:
        f = _first_items(sp.parse(pat, flags))
    except (re.error, TypeError, ValueError, OverflowError, RecursionError):
        return None
    if f is None:
        return None
    items, empty = f
    if not items:
        return frozenset(), False, empty
    try:
        cls = re.compile("[" + "".join(items) + "]", flags)
    except re.error:
        return None
    wide = any(it.startswith("\\") and len(it) == 2 and it[1] in "wWdDsS" or any(ord(c) > 127 for c in it)
               for it in items)
    return frozenset(ch for ch in _EXT if cls.match(ch)), wide, empty


def first_chars(pat: str, flags: int = 0) -> frozenset[str] | None:
    """The ASCII characters a match of pat can start with; None when it may start otherwise or be empty."""
    inf = _info(pat, flags)
    if inf is None or inf[1] or inf[2]:
        return None
    return frozenset(c for c in inf[0] if c < "\x80")


@lru_cache(maxsize=65536)
def _derived(pat: str, ch: str, flags: int):
    """_derive, checked to compile (WHOLE when it does not)."""
    r = _derive(pat, ch, flags)
    if r is not None and r is not WHOLE:
        try:
            re.compile(r, flags)
        except (re.error, RecursionError, OverflowError):
            return WHOLE
    return r


def _level(items: list[tuple[int, str]], flags: int, depth: int, wrap, top: bool) -> str:
    """The ordered alternation of items (term index, pattern left to match), as a trie where possible.

    Runs of items that can be split by their first character become branches with disjoint,
    case-sensitive heads (so at a position one head at most matches and the run's order is kept
    inside it); any other item (may match empty, starts with something unreadable, or below the top
    level may start with a character outside _EXT) stays whole at its place in the order."""
    out: list[str] = []
    run: list[tuple[int, str, frozenset[str]]] = []
    case = "(?-i:" if flags & re.IGNORECASE else "(?:"

    def flush() -> None:
        groups: dict[tuple, list[str]] = {}
        for ch in _EXT:
            key = tuple((i, d) for i, pat, chars in run if ch in chars
                        for d in (_derived(pat, ch, flags),) if d is not None)
            if key:
                groups.setdefault(key, []).append(ch)
        for key, chars in groups.items():
            head = case + "[" + "".join(re.escape(c) for c in chars) + "])"
            out.append(head + "(?:" + _level(list(key), flags, depth - 1, wrap, False) + ")")
        run.clear()

    for i, pat in items:
        inf = _info(pat, flags) if depth > 0 else None
        firsts = inf[0] if inf is not None and not inf[2] and (top or not inf[1]) else None
        if firsts is not None and all(_derived(pat, ch, flags) is not WHOLE for ch in firsts):
            run.append((i, pat, firsts))
        else:
            flush()
            out.append(wrap(i, pat))
    flush()
    return "|".join(out)


def _trie(prefix: str, kinds: Sequence[tuple[str | None, list[str]]], suffix: str,
          flags: int) -> tuple[re.Pattern, dict[str | None, str]] | None:
    """The trie regex and its group name -> kind map, None when a term cannot be read."""
    alts = [(k, a) for k, al in kinds for a in al]
    if not alts:
        return None
    names: dict[str | None, str] = {}

    def wrap(i: int, body: str) -> str:
        kind = alts[i][0]
        if kind is None:
            return body
        name = f"{kind}__{len(names)}"
        names[name] = kind
        return f"(?P<{name}>{body})"

    try:
        return re.compile(prefix + _body(alts, flags, wrap) + suffix, flags), names
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def _body(alts: list[tuple[str | None, str]], flags: int, wrap) -> str:
    """`(?:term1|term2|...)` as a trie (same matches in the same order)."""
    # a non-ASCII character first: every term whole, in order (exact there, and tried first so that
    # the terms kept whole below cannot get ahead of a term of the trie at such a character)
    fallback = r"(?=[^\x00-\x7f])(?:" + "|".join(wrap(i, a) for i, (_k, a) in enumerate(alts)) + ")"
    return "(?:" + fallback + "|" + _level(list(enumerate(a for _k, a in alts)), flags, _DEPTH, wrap, True) + ")"


def alternation(alts: list[str], flags: int = 0) -> str:
    """The source of `(?:alt1|alt2|...)` as a trie, to embed in a larger pattern compiled with `flags`.

    Falls back to the plain alternation when a term has groups or cannot be read."""
    plain = "(?:" + "|".join(alts) + ")" if alts else "(?!x)x"
    try:
        if not alts or re.compile(plain, flags).groups:
            return plain
        body = _body([(None, a) for a in alts], flags, lambda _i, b: b)
        re.compile(body, flags)
        return body
    except (re.error, RecursionError, OverflowError, ValueError):
        return plain


def headed(alts: list[str], flags: int = 0, after_head: str = "") -> str | None:
    r"""The source of `(?:alt1|alt2|...)` with a case-sensitive literal at the head of every top branch
    (`e(?i:uropean ...)|E(?i:uropean ...)|f...`), `after_head` written right after each head, to be
    compiled without re.IGNORECASE (the branches carry it); None when a term has groups or may start
    with a character outside ASCII (and İ ı ſ K).

    `re` knows such a pattern's first characters and skips every other position at C speed. A
    zero-width `after_head` that only looks behind (`(?<![\w-].)`: the character before the head) keeps
    the matches of the same assertion put before the alternation, where it would make `re` enter the
    alternation at every position."""
    if not alts or re.compile("(?:" + "|".join(alts) + ")", flags).groups:
        return None
    infos = []
    for i, pat in enumerate(alts):
        inf = _info(pat, flags)
        if inf is None or inf[1] or inf[2] or any(_derived(pat, ch, flags) is WHOLE for ch in inf[0]):
            return None
        infos.append((i, pat, inf[0]))
    scope = "(?i:" if flags & re.IGNORECASE else "(?:"
    out = []
    for ch in _EXT:  # disjoint heads: at a position one branch at most, the terms in order inside it
        key = [(i, d) for i, pat, chars in infos if ch in chars for d in (_derived(pat, ch, flags),) if d is not None]
        if key:
            out.append(re.escape(ch) + after_head + scope + _level(key, flags, _DEPTH - 1, lambda _i, b: b, False) + ")")
    src = "(?:" + "|".join(out) + ")"
    try:
        re.compile(src, flags & ~re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    return src


def searcher(alts: list[str], flags: int = 0) -> re.Pattern:
    """`re.compile("(?:" + "|".join(alts) + ")", flags)` for searching, with exactly its matches.

    With no lookbehind in front, `re` would enter the alternation at every position. Here every top
    branch starts with one case-sensitive literal (`headed`), so `re` knows the set of first characters
    and skips every other position at C speed. Needs every term to start with a known ASCII character
    (or İ ı ſ K); otherwise the trie of `alternation`, else plain."""
    plain = re.compile("(?:" + "|".join(alts) + ")" if alts else "(?!x)x", flags)
    if not alts or plain.groups:
        return plain
    src = headed(alts, flags)
    if src is None:
        return re.compile(alternation(alts, flags), flags)
    return re.compile(src, flags & ~re.IGNORECASE)
