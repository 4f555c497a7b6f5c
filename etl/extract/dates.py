"""The day an announcement was made: the release date unless the sentence names a resolvable day.

    >>> import datetime as dt
    >>> resolve_date("Derudover har regeringen i fredags fået opbakning", dt.date(2022, 10, 2), "da")
    datetime.date(2022, 9, 30)

Absolute dates ("on 3 March 2022", "le 3 mars 2022", "April 21, 2023") are found with a regex of babel's
month names and read with dateparser;
"yesterday"/"today" and weekdays ("last Friday", "i fredags", "vendredi dernier") are resolved
against the release date with the per-language word lists of the lexicon (`[dates]`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from etl.extract import lexicon as lx

_MAX_BACK = dt.timedelta(days=366)
_DIGIT = re.compile(r"\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # the third form of the lexicon's abs_date_re


@lru_cache(maxsize=4096)
def _dateparser(text: str, lang: str) -> dt.date | None:
    """dateparser's reading of a full date (day, month and year all written: no dependence on today), cached:
    a parse costs milliseconds and the same dates recur across releases."""
    try:
        import dateparser

        d = dateparser.parse(text, languages=list(dict.fromkeys([lang, "en"])),
                             settings={"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DAY_OF_MONTH": "first"})
        if d:
            return d.date()
    except Exception:  # dateparser raises on odd input; the table in _parse_abs still applies
        pass
    return None


def _parse_abs(m: re.Match, lex: lx.Lexicon) -> dt.date | None:
    """A full date found by the lexicon's date regex, read with dateparser (the month table of babel
    when dateparser cannot read it)."""
    d = _dateparser(m.group(), lex.lang)
    if d:
        return d
    g: dict[str, Any] = m.groupdict()
    try:
        if g.get("y3"):
            return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
        month = lex.months.get((g.get("m1") or g.get("m2") or "").lower().rstrip("."))
        year, day = g.get("y1") or g.get("y2"), g.get("d1") or g.get("d2")
        if month and year and day:
            return dt.date(int(year), month, int(day))
    except (TypeError, ValueError):
        return None
    return None


def absolute_dates(text: str, lang: str | None) -> list[dt.date]:
    """Full dates (day, month, year) written in the text, in order."""
    lex = lx.get(lang)
    out = []
    for m in lex.abs_date_re.finditer(text):
        d = _parse_abs(m, lex)
        if d:
            out.append(d)
    return out


def resolve_date(sentence: str, published: dt.date | None, lang: str | None) -> dt.date | None:
    """The day the sentence gives, or None when it gives none (the caller uses the release date)."""
    lex = lx.get(lang)
    # both date regexes need a day or a year in digits and, but for the ISO form, a month name
    has_month = _DIGIT.search(sentence) is not None and lex.w["month_words"].search(sentence) is not None
    for m in lex.abs_date_re.finditer(sentence) if has_month or _ISO_DATE.search(sentence) else ():
        d = _parse_abs(m, lex)
        if d and (published is None or published - _MAX_BACK <= d <= published):
            return d
    if published is None:
        return None
    for m in lex.day_month_re.finditer(sentence) if has_month else ():
        g = m.groupdict()
        month = lex.months.get((g.get("m1") or g.get("m2") or "").lower().rstrip("."))
        try:
            d = dt.date(published.year, month, int(g.get("d1") or g.get("d2"))) if month else None
        except ValueError:
            d = None
        if d and d > published:  # "on 28 December" in a release of 2 January
            d = d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else None
        if d and published - d <= dt.timedelta(days=60):
            return d
    if not lex.w["day_words"].search(sentence):
        return None  # neither "yesterday" nor a weekday (one scan instead of eight)
    if lex.w["yesterday"].search(sentence):
        return published - dt.timedelta(days=1)
    for idx, rx in enumerate(lex.weekday_res):
        m = rx.search(sentence)
        if not m:
            continue
        phrase = m.group(1).lower()
        day_word = lex.data["dates"]["weekdays"][idx]
        strictly_before = phrase != day_word and not phrase.startswith(("on ", "ce ", "op ", "på ", "this "))
        delta = (published.weekday() - idx) % 7
        if delta == 0 and strictly_before:
            delta = 7
        return published - dt.timedelta(days=delta)
    return None
