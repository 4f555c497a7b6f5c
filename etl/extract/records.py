"""The engine's intermediate records: an item found in a clause, a row before it becomes an Announcement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RECENT = 3  # sentences within which "This ..." refers back


@dataclass(slots=True)
class Item:
    start: int  # offsets in the sentence
    end: int
    category: str
    named: bool
    single_word: bool
    quantity: int | None = None
    qty_text: str | None = None
    via_for: bool = False  # "<ammunition> for <system>": a coordinated system after it is the same phrase
    ammo_cat: str | None = None  # the ammunition's own category in such a phrase


@dataclass
class Row:
    donor: str
    category: str
    item: str
    quantity: int | None
    value: float | None
    currency: str | None
    date: dt.date
    sent_index: int
    start: int
    end: int
    confidence: float
    total: bool = False
    heading: bool = False
    part: bool = False  # stated as a part of a package announced before ("This package includes ...", a list item)
