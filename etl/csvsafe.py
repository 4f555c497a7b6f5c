"""CSV cells a spreadsheet would run as a formula are escaped (OWASP: prefix a single quote)."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Strings starting with = + - @ tab or CR get a leading `'`; numbers and None pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
