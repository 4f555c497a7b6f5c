"""The publication date written in a text."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

# ---------------------------------------------------------------------------------------------
# dates

MONTHS: Mapping[str, int] = {
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # fr
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7,
    "déc": 12,
    # nl
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
    "oktober": 10, "mrt": 3, "okt": 10,
    # da
    "januar": 1, "februar": 2, "marts": 3, "maj": 5,
    # de
    "märz": 3, "maerz": 3, "dezember": 12, "dez": 12,
}  # fmt: skip

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DATE_RE = re.compile(
    rf"""
    \b(?P<d1>[0-3]?\d)(?:er|st|nd|rd|th|\.)?[ \t\u00a0]{{1,5}}(?:de[ \t]{{1,3}})?(?P<m1>{_MONTH_RE})\.?,?[ \t\u00a0]{{1,5}}(?P<y1>(?:19|20)\d\d)\b
    | \b(?P<m2>{_MONTH_RE})\.?[ \t\u00a0]{{1,5}}(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?[ \t\u00a0]{{1,5}}(?P<y2>(?:19|20)\d\d)\b
    | \b(?P<y3>(?:19|20)\d\d)-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)\b
    | \b(?P<d4>[0-3]?\d)\.(?P<m4>[01]?\d)\.(?P<y4>(?:19|20)\d\d)\b
    """,
    re.I | re.X,
)
DATE_SEARCH_CHARS = 5000


def _plausible(d: dt.date) -> bool:
    return dt.date(1990, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=1)


def iter_dates(text: str):
    """(match start, date) for every full date written in `text`, in order.

    Handles "21 Apr. 2023", "21 avril 2023", "1er mars 2022", "21. April 2023", "2. oktober 2022",
    "April 21, 2023", "Sept. 9, 2022", "2023-04-21" and "21.04.2023".
    """
    for m in _DATE_RE.finditer(text):
        g = m.groupdict()
        try:
            if g["d1"]:
                d = dt.date(int(g["y1"]), MONTHS[g["m1"].lower()], int(g["d1"]))
            elif g["d2"]:
                d = dt.date(int(g["y2"]), MONTHS[g["m2"].lower()], int(g["d2"]))
            elif g["d3"]:
                d = dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
            else:
                d = dt.date(int(g["y4"]), int(g["m4"]), int(g["d4"]))
        except (ValueError, KeyError):
            continue
        yield m.start(), d


def find_publication_date(text: str) -> dt.date | None:
    """The first plausible full date in the opening of the text (None when there is none)."""
    for _, d in iter_dates(text[:DATE_SEARCH_CHARS]):
        if _plausible(d):
            return d
    return None
