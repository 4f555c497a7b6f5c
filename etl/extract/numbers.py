"""Numbers, quantities and money amounts in the supported languages.

    >>> parse_amount("92 000 000 EUR", "fr"), parse_amount("1,2 milliard d'euros", "fr")
    (92000000.0, 1200000000.0)
    >>> parse_amount("$1.7 billion", "en"), parse_amount("ca. 685 mio.", "da")
    (1700000000.0, 685000000.0)

Digits follow the language's decimal separator (lexicon `meta.decimal_sep`); thousands may be
grouped with spaces (non-English) or the other separator. Number words are read with text2num
(English, French, Dutch) or the lexicon's `numbers.values` table (Danish).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.extract import lexicon as lx

MAX_VALUE = 1e15  # larger "amounts" are noise (phone numbers, identifiers)
_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class Num:
    start: int
    end: int
    value: float
    approx: str | None = None  # "more than", "up to", ... when the text qualifies the number
    approx_start: int | None = None


@dataclass(slots=True)
class Money:
    start: int
    end: int
    value: float
    currency: str | None  # ISO code, "$" (dollar, country unknown) or None
    approx: str | None = None


def digits_value(tok: str, decimal_sep: str) -> float | None:
    t = tok.replace("\u00a0", " ").replace("\u202f", " ")
    if decimal_sep == ",":
        t = t.replace(" ", "").replace(".", "").replace(",", ".")
    else:
        t = t.replace(" ", "").replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def word_value(phrase: str, lex: lx.Lexicon) -> float | None:
    p = phrase.lower().strip()
    if p in lex.one_words:
        return 1.0
    if p in lex.number_values:
        return float(lex.number_values[p])
    if lex.text2num:
        from text_to_num import text2num

        for cand in (p, p.replace(" ", "-")):  # "twenty three" is also written "twenty-three"
            try:
                return float(text2num(cand, lex.lang))
            except Exception:  # text2num raises ValueError (and others) on non-numbers
                continue
        return None
    total = 0.0
    for part in re.split(r"[- ]+", p):
        if part in lex.number_values:
            total += lex.number_values[part]
        elif part not in ("og", "et", "and"):
            return None
    return total or None


def find_numbers(text: str, lex: lx.Lexicon, start: int = 0, end: int | None = None) -> list[Num]:
    """Numbers (digits or words) in text[start:end], with a scale word applied ("3 million")."""
    end = len(text) if end is None else end
    out: list[Num] = []
    for rx, is_word in ((lex.number_re, False), (lex.numword_re, True)):
        if not is_word and _DIGIT.search(text, start, end) is None:
            continue  # number_re starts with a digit: a C-speed pre-check instead of its lookbehinds everywhere
        for m in rx.finditer(text, start, end):
            if is_word:
                v = word_value(m.group(), lex)
            else:
                v = digits_value(m.group(), lex.decimal_sep)
            if v is None:
                continue
            e = m.end()
            rest = text[e : min(end, e + 20)]
            scaled = False
            for srx, mult in lex.scales if lex.scale_any.match(rest) else ():
                sm = srx.match(rest)
                if sm:
                    v *= mult
                    e += sm.end()
                    scaled = True
                    break
            if not is_word and not scaled and rest[:1].isalpha():
                continue  # "155mm", "4x4": a token, not a number
            if v > MAX_VALUE:
                continue
            out.append(Num(m.start(), e, v))
    out.sort(key=lambda n: (n.start, -n.end))
    kept: list[Num] = []
    for n in out:
        if kept and n.start < kept[-1].end:
            continue
        kept.append(n)
    for n in kept:
        am = lex.ends["approx"].search(text, max(start, n.start - 40), n.start)
        if am:
            n.approx = am.group(1)
            n.approx_start = am.start()
    return kept


_PRE_CUR = re.compile(r"(US\$|U\.S\.\s?\$|C\$|CA\$|CAN\$|A\$|AU\$|NZ\$|\$|€|£|EUR|USD|DKK|NOK|SEK|CAD|GBP|kr\.?)\s?\Z")
_PRE_CODES = {"US$": "USD", "C$": "CAD", "CA$": "CAD", "CAN$": "CAD", "A$": "AUD", "AU$": "AUD", "NZ$": "NZD",
              "$": "$", "€": "EUR", "£": "GBP", "EUR": "EUR", "USD": "USD", "DKK": "DKK", "NOK": "NOK",
              "SEK": "SEK", "CAD": "CAD", "GBP": "GBP", "kr.": "kr", "kr": "kr"}


def find_money(text: str, lex: lx.Lexicon, start: int = 0, end: int | None = None,
               require_currency: bool = True) -> list[Money]:
    """Money amounts in text[start:end]: a number with a currency before or after it."""
    end = len(text) if end is None else end
    out: list[Money] = []
    for n in find_numbers(text, lex, start, end):
        cur = None
        s, e = n.start, n.end
        pm = _PRE_CUR.search(text, max(start, s - 6), s)
        if pm:
            tok = pm.group(1).replace(" ", "")
            tok = "US$" if tok.startswith("U.S.") else tok
            cur = _PRE_CODES.get(tok)
            s = pm.start()
        rest = text[e : min(end, e + 30)]
        for crx, code in lex.currencies if lex.currency_any.match(rest) else ():
            cm = crx.match(rest)
            if cm:
                cur = code if (cur in (None, "$", "kr") or code not in ("$",)) else cur
                e += cm.end()
                break
        if cur is None and require_currency:
            continue
        if n.value < 1 and cur is None:
            continue
        out.append(Money(n.approx_start if n.approx_start is not None else s, e, n.value, cur, n.approx))
    return out


def parse_amount(phrase: str, lang: str | None = "en") -> float | None:
    """The value of a standalone amount phrase ("trois millions d'euros", "$1.7 billion"); None if none."""
    lex = lx.get(lang)
    found = find_numbers(phrase, lex)
    if not found:
        return None
    best = max(found, key=lambda n: n.value)
    return best.value


def resolve_currency(code: str | None, donor_code: str | None) -> str | None:
    """'$' and 'kr' take the donor's own currency where it has one; other codes stay."""
    if code == "$":
        return {"CAN": "CAD", "AUS": "AUD", "NZL": "NZD"}.get(donor_code or "", "USD")
    if code == "kr":
        return {"NOR": "NOK", "SWE": "SEK", "ISL": "ISK"}.get(donor_code or "", "DKK")
    return code
