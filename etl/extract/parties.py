"""Who gives and who receives in a clause: donor mentions, the recipient, "the three countries"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from etl.extract import lexicon as lx
from etl.extract import numbers as nums
from etl.extract.items import _PLACE_BEFORE, _PLACE_WORD, _coordinated
from etl.extract.records import RECENT, Row

# ----------------------------------------------------------------------------- donors


@dataclass(slots=True)
class Donors:
    codes: list[str]
    collective: bool  # a collective ("Allies") or an aggressor ("Russia") is the subject: no implicit donor
    adjective_only: bool = False  # found only through adjectives ("American weapons"), no name


def _find_donors(st: str, cs: int, ce: int, lex: lx.Lexicon, excluded: set[str],
                 whole: tuple[re.Match | None, list[re.Match]] | None = None) -> Donors:
    """The donors named in the clause st[cs:ce].

    `whole`: the sentence's first trigger and donor-name matches when the clause is the whole sentence
    (the same scans, done once)."""
    never, orgs, recipient = _donor_sets()
    # one scan says whether a collective or an aggressor is named at all (mostly not)
    some = lex.w["collective_or_aggressor"].search(st, cs, ce) is not None
    coll = [(m.start(), m.end()) for m in lex.w["collective"].finditer(st, cs, ce)] if some else []
    trig = whole[0] if whole is not None else lex.w["trigger"].search(st, cs, ce)
    subject_end = trig.start() if trig else ce
    codes: list[str] = []
    named = False
    aggressor_subject = False
    excl_end = -1  # end of the last mention excluded as a location/partner: "with Denmark and Sweden"
    for m in whole[1] if whole is not None else lex.donor_re.finditer(st, cs, ce):
        code = lx.donor_code(lex, m.group())
        if code in never and code != recipient and m.start() < subject_end:
            aggressor_subject = True  # "Russia has deployed Iranian drones"
        if not code or code in never or code in excluded:
            continue
        if any(a <= m.start() < b for a, b in coll):
            continue
        before = st[max(0, m.start() - 30) : m.start()]
        after = st[m.end() : m.end() + 40]
        if excl_end >= 0 and _coordinated(st[excl_end : m.start()], lex):
            excl_end = m.end()
            continue
        if lex.ends["not_donor_before"].search(before) or lex.starts["not_donor_after"].match(after):
            excl_end = m.end()
            continue
        if codes and lex.ends["source_before"].search(before):
            continue  # "The Netherlands will buy tanks from the Czech Republic": the seller
        if _PLACE_BEFORE.search(before):  # "Ramstein, Germany", "Ramstein (Allemagne)"
            pw = _PLACE_WORD.search(before)  # matches wherever _PLACE_BEFORE does
            if pw is None or not lex.donor_re.fullmatch(pw.group(1)):
                continue
        if code not in codes:
            codes.append(code)
        named = named or m.group() in lex.donor_literal or re.sub(r"(?:['’]s|s)\Z", "", m.group()) in lex.donor_literal
    if any(c not in orgs for c in codes):
        codes = [c for c in codes if c not in orgs]
    # a collective counts as the subject only before the verb ("Allies have provided ...")
    am = lex.w["aggressor"].search(st, cs, ce) if some else None
    aggressor_subject = aggressor_subject or bool(am and am.start() < subject_end)
    return Donors(codes, aggressor_subject or any(a < subject_end for a, _ in coll), bool(codes) and not named)


def _group_ref(st: str, cs: int, ce: int, lex: lx.Lexicon, topic: tuple[list[str], int] | None,
               recent: list[Row], i: int) -> list[str] | None:
    """The donors that "the three countries" / "les deux pays" / "beide landen" before the verb refer to: those
    of the last announcing sentence (else of the recent rows) when they are that many; None otherwise."""
    gm = lex.w["group_ref"].search(st, cs, ce)
    if gm is None:
        return None
    tm = lex.w["trigger"].search(st, gm.end(), ce)
    if tm is None:
        return None  # not the subject of a giving verb
    group = topic[0] if topic is not None and i - topic[1] <= RECENT + 1 else \
        list(dict.fromkeys(r.donor for r in recent))
    n = nums.parse_amount(gm.group(), lex.lang)
    if len(group) < 2 or len(group) != (int(n) if n else 2):
        return None
    return list(group)


@lru_cache(maxsize=1)
def _donor_sets() -> tuple[frozenset[str], frozenset[str], str]:
    """common.toml's never-donors, organisations and the recipient's code."""
    d = lx.common()["donors"]
    return frozenset(d["never"]), frozenset(d["organisations"]), d["recipient"]


def _recipient_codes(st: str, lex: lx.Lexicon, donor_ms: list[re.Match] | None = None) -> set[str]:
    """Codes that appear as recipients in the sentence ("to Slovakia"): not donors here."""
    out = set()
    for m in lex.donor_re.finditer(st) if donor_ms is None else donor_ms:
        if lex.ends["recipient_before"].search(st[max(0, m.start() - 25) : m.start()]):
            code = lx.donor_code(lex, m.group())
            if code:
                out.add(code)
    return out
