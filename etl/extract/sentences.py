"""Sentence-level filters: background and other cues, dead spans, clauses, headlines, the sentence's day."""

from __future__ import annotations

import datetime as dt
import re

from etl.extract import dates as dates_mod
from etl.extract import lexicon as lx
from etl.extract.items import _HEADLINE_WORD, _find_items

# ----------------------------------------------------------------------------- cues


def _sentence_negated(st: str, lex: lx.Lexicon) -> tuple[str | None, list[tuple[int, int]]]:
    """(kind of the sentence-scope cue, or None; spans made dead instead of the whole sentence).

    A background cue inside a relative clause ("the M777 howitzers that Canada has already sent") only
    makes the rest of the sentence from the relative word dead, not the sentence."""
    dead: list[tuple[int, int]] = []
    for m in lex.sentence_cue_re.finditer(st):
        if m.lastgroup == "background" and m.start() > 0:
            rel = None
            for r in lex.w["relative"].finditer(st, max(0, m.start() - 45), m.start()):
                rel = r
            if rel is not None and rel.start() > 0 and not re.search(r"[.;:]", st[rel.end() : m.start()]):
                ante = [it for it in _find_items(st, max(0, rel.start() - 60), rel.start(), lex)
                        if 0 <= rel.start() - it.end <= 2]
                if ante:  # "the M777 howitzers that Canada has already sent": that item and what follows
                    dead.append((ante[-1].start, len(st)))
                    continue
        return m.lastgroup, []
    return None, dead


def _forward_dead(st: str, cs: int, ce: int, lex: lx.Lexicon) -> list[tuple[int, int]]:
    dead: list[tuple[int, int]] = []
    if lex.forward_any_re.search(st, cs, ce) is None:
        return dead  # no forward cue of any kind in the clause (one scan instead of one per kind)
    for _kind, scope, rx in lex.cues:
        if scope != "forward":
            continue
        for m in rx.finditer(st, cs, ce):
            end_m = lex.w["scope_end"].search(st, m.end(), ce)
            end = end_m.start() if end_m else ce
            for c in _COMMA_ART.finditer(st, m.end(), end):
                if lex.donor_re.match(st, c.end()):
                    end = c.start()  # ", le Canada a annoncé ...": a new subject ends the scope
                    break
            dead.append((m.start(), end))
    return dead


_COMMA_ART = re.compile(r",\s+(?:(?:the|le|la|les|l['’]|de|den|det|het)\s*)?", re.IGNORECASE)


def _clauses(st: str, lex: lx.Lexicon) -> list[tuple[int, int]]:
    out = []
    cur = 0
    for m in lex.w["clause_split"].finditer(st):
        out.append((cur, m.start()))
        cur = m.start() + 1  # keep the joining word in the next clause
    out.append((cur, len(st)))
    # ", and Canada will ...": a coordinated clause with its own donor
    more = []
    for a, b in out:
        cut = a
        for m in lex.w["coord_comma"].finditer(st, a, b):
            if lex.donor_re.match(st, m.end()):
                more.append((cut, m.start()))
                cut = m.start() + 1
        more.append((cut, b))
    out = more
    # a colon introduces what follows ("include: ...")
    res = []
    for a, b in out:
        c = st.find(": ", a, b)
        if c > 0:
            res.append((a, c + 1))
            res.append((c + 1, b))
        else:
            res.append((a, b))
    return [(a, b) for a, b in res if st[a:b].strip()]


def _is_headline(st: str) -> bool:
    """Title-case or all-caps lines without final punctuation (page titles, banners)."""
    if st.rstrip().endswith((".", "!", "?", ";", ":", "»", "”", '"')):
        return False
    words = _HEADLINE_WORD.findall(st)
    long = [w for w in words if len(w) >= 4]
    if len(long) < 2:
        return True
    caps = sum(1 for w in long if w[0].isupper())
    return caps / len(long) >= 0.6


_TAIL_WORD = re.compile(r"\b(?:and|et|og|en|or|ou|eller|of)\Z")


def _ends_open(st: str) -> bool:
    r"""re.search(r"(?:[.!?;:»”\"')]|\b(?:and|et|og|en|or|ou|eller|of))\s*\Z", st), without trying every position."""
    t = st.rstrip()  # str.isspace() is re's \s
    return bool(t) and (t[-1] in ".!?;:»”\"')" or _TAIL_WORD.search(t, max(0, len(t) - 6)) is not None)


def _ends_with_stop(st: str) -> bool:
    r"""re.search(r"[.!?]\W*\Z", st): a full stop in the trailing run of non-word characters."""
    i = len(st)
    while i > 0 and not (st[i - 1].isalnum() or st[i - 1] == "_"):  # re's \w: alphanumeric or '_'
        if st[i - 1] in ".!?":
            return True
        i -= 1
    return False


_BULLET_CHARS = "•·◦▪‣∙*–—-"  # the last non-space character of the line before a sentence: it is a bullet


def _norm(s: str) -> str:
    return " ".join(s.lower().split())



class _Day:
    """The day a sentence gives (its own date, else the anaphoric sentence's predecessor's, else the release's),
    resolved on first use: most sentences looked at give no row and need none."""

    __slots__ = ("_st", "_published", "_lang", "_prev", "_own", "_done")

    def __init__(self, st: str, published: dt.date, lang: str, prev: _Day | None):
        self._st, self._published, self._lang, self._prev = st, published, lang, prev
        self._own: dt.date | None = None
        self._done = False

    def own(self) -> dt.date | None:
        if not self._done:
            self._own, self._done = dates_mod.resolve_date(self._st, self._published, self._lang), True
        return self._own

    def when(self) -> dt.date:
        return self.own() or (self._prev.own() if self._prev is not None else None) or self._published
