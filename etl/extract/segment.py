"""Sentence splitting with character offsets, fast and rule-based.

    >>> t = "M. Stoltenberg a salué les États-Unis. Il a dit : « merci »."
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['M. Stoltenberg a salué les États-Unis.', 'Il a dit : « merci ».']

Rules: every line break that ends a line with terminal punctuation, a ';' or ':', or before a capital
letter or a bullet, ends a sentence (header blocks, flattened bullet lists); inside a line, '.', '!',
'?' followed by space and a capital letter, digit or quote end a sentence, except after titles and
initials ("M.", "Dr.", "Gen.", "J."), dotted abbreviations ("U.S.", "e.g.") and "ca."/"No.". A line
that ends without punctuation and is followed by a lower-case line is a hard wrap and is joined.
"""

from __future__ import annotations

import re

# Abbreviations after which a period never ends a sentence (case-sensitive).
NO_SPLIT = frozenset(
    """M MM Mr Mrs Ms Mme Mmes Mlle Dr Drs Prof Gen Lt Col Maj Capt Cmdr Adm Sgt Cpl Pvt Gov Sen Rep Hon Rev
    St Ste Jr Sr No Nr Nos nr no Art art ca Ca approx vs cf etc Inc Ltd Co Corp Jan Feb Mar Apr Jun Jul Aug Sep
    Sept Oct Nov Dec janv févr avr juil sept oct nov déc bl ang jf evt mht pga inkl ifm bzw resp Min Mag vol p pp
    fig Fig dvs fx""".split()
)
_BULLET = re.compile(r"\A[ \t]*(?:[•·◦▪‣∙*–—-]|\d{1,2}[.)]|[a-z][.)])[ \t]+")
_END_PUNCT = re.compile(r"[.!?;:…»”\"')\]]\s*\Z")
_BOUNDARY = re.compile(r"[.!?…]+(?:[ \u00a0\u202f]?[\"'»”’)\]])*(?=\s+[\"'«“‘(\[]?[A-ZÀ-ÖØ-Þ0-9•])")
_TOKEN_BEFORE = re.compile(r"([\w.]+)\Z")
# German writes the day as an ordinal before a capitalised month ("am 25. Januar 2023"): no boundary
_DAY_BEFORE = re.compile(r"(?<![\w.])\d{1,2}\Z")
_MONTH_AFTER = re.compile(r"\.\s+(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November"
                          r"|Dezember)\b")


def _lines(text: str) -> list[tuple[int, int]]:
    """Logical lines (offsets), hard-wrapped lines joined, empty lines dropped, bullets stripped."""
    out: list[list[int]] = []
    pos = 0
    prev_open = False
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        stripped = raw.strip()
        if not stripped:
            prev_open = False
            continue
        lead = len(raw) - len(raw.lstrip())
        b = _BULLET.match(raw)
        s = start + (b.end() if b else lead)
        e = start + len(raw.rstrip())
        if s >= e:
            continue
        first = text[s]
        if prev_open and out and first.islower() and not b:
            out[-1][1] = e  # hard wrap: continue the previous line
        else:
            out.append([s, e])
        prev_open = not _END_PUNCT.search(text[s:e])
    return [(s, e) for s, e in out]


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _TOKEN_BEFORE.search(text, max(0, dot - 24), dot)
    if not m:
        return False
    tok = m.group(1)
    if tok.endswith("."):
        tok = tok[:-1]
    if "." in tok:  # U.S, e.g, i.e
        return True
    if len(tok) == 1 and tok.isalpha():  # initials
        return True
    return tok in NO_SPLIT


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`; text[start:end] is stripped of spaces."""
    spans: list[tuple[int, int]] = []
    for ls, le in _lines(text):
        cur = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            dot = m.start()
            if text[dot] == "." and len(m.group()) == 1 and (
                    _is_abbreviation(text, dot)
                    or (_DAY_BEFORE.search(text, max(ls, dot - 3), dot) and _MONTH_AFTER.match(text, dot))):
                continue
            end = m.end()
            if end > cur:
                spans.append((cur, end))
            cur = end
            while cur < le and text[cur].isspace():
                cur += 1
        if cur < le:
            spans.append((cur, le))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]
