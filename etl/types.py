"""The small typed values handed from one ETL stage to the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

# The order of the fields of one announcement in JSON Lines and CSV (CONTRACT.md).
ANNOUNCEMENT_FIELDS: tuple[str, ...] = (
    "release",
    "donor",
    "donor_code",
    "recipient",
    "recipient_code",
    "category",
    "group",
    "item",
    "quantity",
    "value",
    "currency",
    "date",
    "evidence",
    "confidence",
)


@dataclass(slots=True)
class ReleaseText:
    """A release reduced to its main text plus what is known about it."""

    source: str  # path or URL as given
    text: str  # main text, the string evidence offsets refer to
    published: dt.date | None = None
    language: str | None = None  # ISO 639-1
    publisher: str | None = None
    title: str | None = None
    source_url: str | None = None  # canonical URL (header `source_url`, or the page URL)
    meta: dict[str, str] = field(default_factory=dict)  # other header keys


@dataclass(slots=True)
class Announcement:
    """One aid announcement, as CONTRACT.md defines its fields."""

    release: str
    donor: str
    donor_code: str
    recipient: str
    recipient_code: str
    category: str
    group: str
    item: str
    quantity: int | None
    value: float | None
    currency: str | None
    date: str  # YYYY-MM-DD
    evidence: str
    confidence: float
    evidence_start: int | None = None  # character offsets of `evidence` in ReleaseText.text
    evidence_end: int | None = None
    status: str = "unknown"  # announced / delivered / in_delivery / unknown (etl.extract.status)

    def to_record(self) -> dict:
        """The CONTRACT.md fields only, in order."""
        d = asdict(self)
        return {k: d[k] for k in ANNOUNCEMENT_FIELDS}
