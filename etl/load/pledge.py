"""Pledge keys: mentions of the same pledge in several releases share one key.

The same pledge is reported again and again: the donor's own release, a NATO news story two days
later, the French and English versions of one page, a newer version of the same page. Each
mention stays a row of `announcements` (the dashboard lists them all) and they share a
`pledge_key`, so the dashboard can count the pledge once.

The rule (applied when a release is loaded, against the announcements already in the database):

A new mention N takes the key of an earlier mention E when all of these hold:

1. same donor, same recipient, same category (CONTRACT.md codes);
2. dates at most `WINDOW_DAYS` (7) apart: reports of an announcement come within days ("recently
   announced", "yesterday decided"), while a donor's *next* package of the same kind comes weeks
   later (the U.S. drawdowns of 2022 were two to three weeks apart);
3. amounts do not contradict: where both state a quantity they agree within 10 %; where both
   state a value they agree within 10 % once converted to EUR. An amount stated on one side only
   never prevents a match (a NATO story rarely repeats the figures);
4. E is in another release: rows of one release are separate pledges by definition (a release
   that lists "HIMARS ammunition" and "155 mm rounds" announces two things).

Where several earlier mentions qualify, the best-scoring one wins (same day, equal amounts, and
the overlap of the item wording, which carries across languages through names and numbers such
as "HIMARS", "M777", "155"), and each existing key is given to at most one row of a new release.
A mention that matches nothing gets a new key: readable, then a hash of the release and row, so
the keys of a database depend only on what was loaded in which order:
`USA:munitions:2023-04-21:3f9a0c2b1d4e5f60`.

The rule is deliberately conservative: two different pledges of the same donor and category
announced in the same week without figures merge, and a report more than a week after the
announcement (a speech recalling "the package announced earlier this month") starts a new key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

WINDOW_DAYS = 7
AMOUNT_TOLERANCE = 0.10

_TOKEN = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    """the and for with from of to in on a an by its their new additional other more than up
    les des pour avec aux une sur par dans nouveaux nouvelles autres plus de du la le et en
    het een van voor met en og til med af""".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    """What the rule looks at in one announcement row."""

    donor_code: str
    recipient_code: str
    category_code: str
    date: dt.date
    quantity: int | None
    value_eur: float | None
    item: str
    key: str | None = None  # set for mentions already in the database


@lru_cache(maxsize=65536)
def tokens(item: str) -> frozenset[str]:
    words = (w.lower() for w in _TOKEN.findall(item))
    return frozenset(w for w in words if w not in _STOP and (len(w) >= 3 or w.isdigit()))


def _close(a: float | None, b: float | None) -> bool | None:
    """True/False when both amounts are stated, None when at least one is not."""
    if a is None or b is None:
        return None
    if a == b:
        return True
    return abs(a - b) <= AMOUNT_TOLERANCE * max(abs(a), abs(b))


def compatible(new: Mention, old: Mention) -> bool:
    """Rules 1 to 3 of the module docstring."""
    if (new.donor_code, new.recipient_code, new.category_code) != (
        old.donor_code,
        old.recipient_code,
        old.category_code,
    ):
        return False
    if abs((new.date - old.date).days) > WINDOW_DAYS:
        return False
    if _close(new.quantity, old.quantity) is False:
        return False
    return _close(new.value_eur, old.value_eur) is not False


def score(new: Mention, old: Mention) -> float:
    """How alike two compatible mentions are (higher is better)."""
    s = 0.0
    days = abs((new.date - old.date).days)
    s += 1.0 if days == 0 else 0.5 * (1 - days / (WINDOW_DAYS + 1))
    if _close(new.quantity, old.quantity):
        s += 1.0
    if _close(new.value_eur, old.value_eur):
        s += 1.0
    a, b = tokens(new.item), tokens(old.item)
    if a and b:
        s += len(a & b) / len(a | b)
    return s


def new_key(m: Mention, seed: str, index: int) -> str:
    digest = hashlib.sha256(
        f"{seed}\x00{index}\x00{m.donor_code}\x00{m.category_code}\x00{m.item}".encode()
    ).hexdigest()
    return f"{m.donor_code}:{m.category_code}:{m.date.isoformat()}:{digest[:16]}"


def assign_keys(new: Sequence[Mention], existing: Sequence[Mention], seed: str) -> list[str]:
    """Keys for the rows `new` of one release, given the `existing` mentions of other releases
    (each with its `key`). `seed` (the release's content hash) makes new keys reproducible."""
    buckets: dict[tuple[str, str, str], list[Mention]] = defaultdict(list)
    for e in existing:
        if e.key is not None:
            buckets[(e.donor_code, e.recipient_code, e.category_code)].append(e)
    best: dict[tuple[int, str], float] = {}
    for i, n in enumerate(new):
        for e in buckets.get((n.donor_code, n.recipient_code, n.category_code), ()):
            if not compatible(n, e):
                continue
            sc = score(n, e)
            if sc > best.get((i, e.key), -1.0):
                best[(i, e.key)] = sc
    # greedy on score; ties broken by row order then key, so the result is deterministic
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    keys: list[str | None] = [None] * len(new)
    taken: set[str] = set()
    for (i, key), _sc in ranked:
        if keys[i] is None and key not in taken:
            keys[i] = key
            taken.add(key)
    return [k if k is not None else new_key(new[i], seed, i) for i, k in enumerate(keys)]
