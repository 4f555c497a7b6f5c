"""Rows to announcements: overrides, the same item said twice, lead summaries, the final records."""

from __future__ import annotations

import re
from functools import lru_cache

from etl.extract import donors as donor_ref
from etl.extract import fastre
from etl.extract import lexicon as lx
from etl.extract.items import _NAMED_TOKEN, _system_names
from etl.extract.records import Row
from etl.extract.sentences import _norm
from etl.types import Announcement, ReleaseText


@lru_cache(maxsize=1)
def _overrides() -> list[tuple[re.Pattern, str]]:
    """common.toml's donor_override patterns, compiled once (`fastre.searcher`: searched in every clause)."""
    out = []
    for o in lx.common().get("donor_override", []):
        pat, flags = o["pattern"], 0
        m = re.match(r"\(\?([imsu]+)\)", pat)  # leading global flags ("(?i)")
        if m:
            for f in m.group(1):
                flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "u": 0}[f]
            pat = pat[m.end():]
        out.append((fastre.searcher(fastre.split_alternatives(pat), flags), o["donor"]))
    return out


def _same_item(a: Row, b: Row, lex: lx.Lexicon) -> bool:
    """Two rows of one donor and category in different sentences that report one decision: a named system
    in common ("two Patriot systems" / "two more Patriot systems"), or the same wording, and quantities and
    values that agree or are missing on one side."""
    if a.sent_index == b.sent_index or a.total or b.total:
        return False
    if a.quantity is not None and b.quantity is not None and a.quantity != b.quantity:
        return False
    if a.value is not None and b.value is not None and a.value != b.value:
        return False
    na, nb = _system_names(a.item), _system_names(b.item)
    if na and nb:
        return bool(na & nb)
    if not na and not nb and (a.quantity is None) != (b.quantity is None):
        # "armoured infantry fighting vehicles" / "about 50 ... infantry fighting vehicles"
        wa, wb = _content_words(a.item, lex), _content_words(b.item, lex)
        return bool(wa) and bool(wb) and (wa <= wb or wb <= wa)
    return _norm(re.sub(r"\s*\(.*\)\Z", "", a.item)) == _norm(re.sub(r"\s*\(.*\)\Z", "", b.item))


def _dedupe(rows: list[Row], lex: lx.Lexicon) -> list[Row]:
    rows = _drop_lead_summaries(rows, lex)
    body = {(r.donor, r.category) for r in rows if not r.heading}
    seen: set[tuple] = set()
    out: list[Row] = []
    for r in rows:
        if r.heading and (r.donor, r.category) in body:
            continue  # a title line restated by the text
        if r.total:
            key: tuple = ("T", r.donor, r.value)
        else:
            named = _NAMED_TOKEN.findall(r.item)
            key = ("I", r.donor, r.category, named[0] if named else _norm(r.item))
        if key in seen:
            continue
        same = next((k for k in out if k.donor == r.donor and k.category == r.category and _same_item(k, r, lex)), None)
        if same is not None:  # the lead and the body report the same decision: one row, the details kept
            if same.quantity is None:
                same.quantity = r.quantity
            if same.value is None and r.value is not None:
                same.value, same.currency = r.value, r.currency
            continue
        seen.add(key)
        out.append(r)
    return out


def _content_words(item: str, lex: lx.Lexicon) -> set[str]:
    words = re.findall(r"[^\W\d_][\w-]{3,}", re.sub(r"\s*\(.*\)\Z", "", item).lower())
    return {w for w in words if not (lex.w["vague"].fullmatch(w) or lex.w["glue"].fullmatch(w)
                                     or lex.w["package"].fullmatch(w))}


def _drop_lead_summaries(rows: list[Row], lex: lx.Lexicon) -> list[Row]:
    """A package's lead sentence (the one with its total) summarises the items listed after it: a lead item
    whose words all recur in a later item of the same donor ("artillerie" / "cartouches d'artillerie",
    "équipements d'hiver" / "vêtements d'hiver") is that item, named more precisely later."""
    leads = {(r.donor, r.sent_index) for r in rows if r.total}
    drop = set()
    for a in rows:
        if a.total or (a.donor, a.sent_index) not in leads or a.quantity is not None:
            continue
        wa = _content_words(a.item, lex)
        if not wa:
            continue
        for b in rows:
            if b is a or b.total or b.donor != a.donor or not 0 < b.sent_index - a.sent_index <= 12:
                continue
            if wa <= _content_words(b.item, lex) or b.category == a.category and (
                    (b.part and b.sent_index - a.sent_index <= 6)
                    or (_system_names(b.item) and not _system_names(a.item) and b.sent_index - a.sent_index <= 4)):
                drop.add(id(a))  # the lead's "drone technology" is the list's "uncrewed aerial systems"
                break
    return [r for r in rows if id(r) not in drop]


def _to_announcements(release: ReleaseText, text: str, rows: list[Row]) -> list[Announcement]:
    groups = lx.common()["groups"]
    recipient = lx.common()["donors"]["recipient"]
    rec_name = donor_ref.name_for(recipient) or "Ukraine"
    out = []
    for r in rows:
        name = donor_ref.name_for(r.donor)
        if name is None:
            continue
        out.append(Announcement(
            release=release.source,
            donor=name,
            donor_code=r.donor,
            recipient=rec_name,
            recipient_code=recipient,
            category=r.category,
            group=groups[r.category],
            item=r.item,
            quantity=r.quantity,
            value=r.value,
            currency=r.currency if r.value is not None else None,
            date=r.date.isoformat(),
            evidence=text[r.start : r.end],
            confidence=round(r.confidence, 2),
            evidence_start=r.start,
            evidence_end=r.end,
        ))
    return out
