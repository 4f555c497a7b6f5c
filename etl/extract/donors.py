"""Donor names and codes from the reference data (db/migrations/data/donors_0001.json).

    >>> code_for("United States"), code_for("États-Unis"), code_for("U.S."), name_for("NLD")
    ('USA', 'USA', 'USA', 'Netherlands')

`code_for` accepts the English or French name of the reference data, the code itself, and a few
common variants (ISO 3166 official names, "U.S.", "UK", "Turkey", ...), compared case- and
accent-insensitively. It returns None for a name it does not know.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import NamedTuple


class Donor(NamedTuple):
    code: str
    name_en: str
    name_fr: str
    kind: str  # "country" or "organisation"


# Variants people and releases actually write, beyond the reference names (key: code).
ALIASES: dict[str, tuple[str, ...]] = {
    "USA": ("US", "U.S.", "U.S.A.", "United States of America", "America", "the United States"),
    "GBR": ("UK", "U.K.", "Britain", "Great Britain", "the United Kingdom"),
    "NLD": ("the Netherlands", "Holland", "Nederland"),
    "TUR": ("Turkey",),
    "CZE": ("Czech Republic",),
    "KOR": ("Republic of Korea", "Korea, Republic of"),
    "RUS": ("Russian Federation",),
    "MDA": ("Republic of Moldova",),
    "DNK": ("Danmark",),
    "DEU": ("Deutschland",),
    "EU": ("E.U.", "the European Union"),
    "NATO": ("OTAN", "the North Atlantic Treaty Organization", "North Atlantic Treaty Organization"),
}


def _key(name: str) -> str:
    """Case-, accent- and spacing-insensitive lookup key."""
    s = unicodedata.normalize("NFKD", name.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("’", "'").replace("&", "and")
    return " ".join(s.split())


@lru_cache(maxsize=1)
def donors() -> tuple[Donor, ...]:
    """All donors of the reference data, in its order."""
    ref = resources.files("db").joinpath("migrations/data/donors_0001.json")
    rows = json.loads(ref.read_text(encoding="utf-8"))
    return tuple(Donor(r["code"], r["name_en"], r["name_fr"], r["kind"]) for r in rows)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Donor]:
    return {d.code: d for d in donors()}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        if name:
            table.setdefault(_key(name), code)

    # reference names win over everything else
    for d in donors():
        add(d.name_en, d.code)
        add(d.name_fr, d.code)
    for code, names in ALIASES.items():
        for n in names:
            if not _is_abbreviation(n):
                add(n, code)
    try:  # ISO 3166 names ("Netherlands, Kingdom of the", "Korea, Republic of", ...)
        import pycountry

        for c in pycountry.countries:
            if c.alpha_3 in _by_code():
                for attr in ("name", "official_name", "common_name"):
                    add(getattr(c, attr, None), c.alpha_3)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    return table


def _is_abbreviation(name: str) -> bool:
    letters = name.replace(".", "")
    return letters.isupper() and len(letters) <= 4


@lru_cache(maxsize=1)
def _exact() -> dict[str, str]:
    """Codes and abbreviations, matched case-sensitively ("CAN" is Canada, "can" is not)."""
    table = {d.code: d.code for d in donors()}
    for code, names in ALIASES.items():
        for n in names:
            if _is_abbreviation(n):
                table.setdefault(n, code)
    return table


def code_for(name: str) -> str | None:
    """The donor code for a name, code or common variant; None when unknown.

    Names compare case- and accent-insensitively; codes and abbreviations ("USA", "U.S.", "UK")
    only as written, so that ordinary words ("and", "can", "us") never become donors.
    """
    if not name:
        return None
    name = name.strip()
    if name in _exact():
        return _exact()[name]
    k = _key(name)
    code = _by_name().get(k)
    if code is None and k.startswith("the "):
        code = _by_name().get(k[4:])
    return code


def name_for(code: str) -> str | None:
    """The English short name for a donor code ("NLD" -> "Netherlands"); None when unknown."""
    d = _by_code().get(code)
    return d.name_en if d else None


def donor(code: str) -> Donor | None:
    """The full reference row for a code."""
    return _by_code().get(code)
