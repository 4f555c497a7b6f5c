"""The rules: sentences -> clauses -> donors x items/amounts -> announcements (CONTRACT.md).

Language-neutral: every word comes from the lexicon (etl/extract/lexicons/*.toml). See
docs/extraction.md for the rules in prose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from etl.extract import dates as dates_mod
from etl.extract import donors as donor_ref
from etl.extract import fastre
from etl.extract import lexicon as lx
from etl.extract import numbers as nums
from etl.extract.segment import split_sentences
from etl.types import Announcement, ReleaseText

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


# ----------------------------------------------------------------------------- items


def _find_items(st: str, cs: int, ce: int, lex: lx.Lexicon) -> list[Item]:
    """Category mentions in st[cs:ce]: longest non-overlapping, glued phrases merged."""
    raw: list[Item] = []
    starts = sorted({m.start() for rx in lex.item_starts for m in rx.finditer(st, cs, ce)})
    for pos in starts:
        for code, rx, named in lex.categories_at.get(st[pos], lex.categories):  # those that can start here
            m = rx.match(st, pos, ce)
            if m:
                g = m.group()
                raw.append(Item(m.start(), m.end(), code, named, " " not in g and "-" not in g))
    # longest first, then keep non-overlapping
    raw.sort(key=lambda i: (-(i.end - i.start), i.start))
    kept: list[Item] = []
    for it in raw:
        if all(it.end <= k.start or it.start >= k.end for k in kept):
            kept.append(it)
    kept.sort(key=lambda i: i.start)
    # the recipient's own equipment ("Ukraine's legacy air-defense systems") goes before phrases are merged
    # (training Ukrainian troops is aid)
    kept = [it for it in kept if it.category == "training" or not (
        lex.ends["possessive"].search(st, max(cs, it.start - 60), it.start)
        or lex.starts["possessive"].match(st[it.end : min(ce, it.end + 60)]))]
    return _close_brackets(st, _merge(st, kept, lex))


_GAP_TOKEN = re.compile(r"[\w'’./-]+|[(),]")
_CALIBRE_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:-?mm|-?millim\w*)?|mm|millim\w*", re.IGNORECASE)


_PUNCT_GAP = re.compile(r"[,;:.()]")
_LIST_PUNCT = re.compile(r"[,;:]")
_PLACE_BEFORE = re.compile(r"(?:[A-Z][\w-]+,\s|[A-Z][\w-]+\s\()\Z")  # "Ramstein, Germany", "Ramstein (Allemagne)"
_PLACE_WORD = re.compile(r"([A-Z][\w-]+)[,\s(]+\Z")
_HEADLINE_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NAMED_TOKEN = re.compile(r"[A-Z][A-Za-z]*-?\d+\w*|[A-Z]{3,}")


def _lex_re(lex: lx.Lexicon, key: str, build) -> re.Pattern:
    """A pattern made from the lexicon's word lists, compiled once per lexicon (case-insensitive)."""
    rx = lex.derived.get(key)
    if rx is None:
        rx = lex.derived[key] = re.compile(build(), re.IGNORECASE)
    return rx


def _gap_kind(gap: str, lex: lx.Lexicon) -> str:
    """'glue' (one noun phrase), 'for' (X for Y), 'list' (a list separator) or 'other'."""
    g = gap.strip()
    if not g or g in ("(", ")", "-", "—"):
        return "glue"
    if _lex_re(lex, "gap_list", lambda: r"[,;]?\s*(?:(?:" + lex.w["list_words"].pattern + r")\s*(?:(?:"
               + lex.w["glue"].pattern + r")\s*)?)?").fullmatch(g) and not lex.w["for_words"].fullmatch(g):
        return "list"
    toks = _GAP_TOKEN.findall(g)
    has_for = bool(lex.w["for_words"].search(g))
    other = 0
    for t in toks:
        if t in "()" or lex.w["glue"].fullmatch(t) or _CALIBRE_TOKEN.fullmatch(t):
            continue
        if lex.w["for_words"].fullmatch(t):
            continue
        if t == ",":
            return "other"
        other += 1
    if other == 0:
        return "for" if has_for else "glue"
    if has_for and other <= 2:
        return "for"
    if other == 1 and not any(lex.w["list_words"].fullmatch(t) for t in toks):
        return "adj"  # one adjective between two mentions of one noun phrase
    return "other"


def _is_bare_system(txt: str) -> bool:
    return bool(_systems_ci().fullmatch(txt.strip()))


def _short_modifiers(gap: str, lex: lx.Lexicon) -> bool:
    """A few words without punctuation or list words between a generic noun and a named system."""
    if _PUNCT_GAP.search(gap):
        return False
    toks = _GAP_TOKEN.findall(gap)
    return 0 < len(toks) <= 4 and not any(lex.w["list_words"].fullmatch(t) or lex.w["trigger"].fullmatch(t)
                                          for t in toks)


def _close_brackets(st: str, items: list[Item]) -> list[Item]:
    """"systems (HIMARS" -> "systems (HIMARS)": an item keeps the bracket it opened."""
    for it in items:
        if st.count("(", it.start, it.end) > st.count(")", it.start, it.end) and st[it.end : it.end + 1] == ")":
            it.end += 1
    return items


def _merge_tables(lex: lx.Lexicon) -> tuple[dict, frozenset[str], frozenset[str], dict[str, int]]:
    """common.toml's merge table, its ammunition-like and for-wins sets, the category priorities (built once)."""
    t = lex.derived.get("merge")
    if t is None:
        com = lx.common()["merge"]
        t = lex.derived["merge"] = (com, frozenset(com["ammo_like"]), frozenset(com["ammo_for_wins_unless"]),
                                    {c: i for i, c in enumerate(lex.merge_priority)})
    return t


def _merge(st: str, items: list[Item], lex: lx.Lexicon) -> list[Item]:
    com, ammo, ammo_exc, prio = _merge_tables(lex)
    out: list[Item] = []
    for j, it in enumerate(items):
        nxt = items[j + 1] if j + 1 < len(items) else None
        head_follows = bool(nxt and not nxt.named and nxt.category == it.category
                            and _gap_kind(st[it.end : nxt.start], lex) == "glue")
        if out:
            prev = out[-1]
            kind = _gap_kind(st[prev.end : it.start], lex)
            merged_cat = None
            gap = st[prev.end : it.start]
            if prev.category == "training" and gap.strip() and it.category != "training":
                pass  # "train pilots on F-16s": what they train on is not given (filtered below), not one phrase
            elif kind == "for" and prev.category in ammo:
                merged_cat = it.category if it.category in ammo_exc else prev.category
                prev.via_for, prev.ammo_cat = True, prev.ammo_cat or prev.category
            elif prev.via_for and kind == "list" and it.category not in ammo and not it.named \
                    and _coordinated(gap, lex) and lex.w["coord"].search(gap):
                merged_cat = prev.category  # "munitions for rocket systems and artillery"
            elif prev.via_for and re.fullmatch(r"\)?\s*,\s*", gap) and it.category not in ammo \
                    and (it.named or re.match(r"\s*\(", st[it.end : it.end + 3])) \
                    and lx.common()["groups"].get(it.category) == "lethal":
                # "munitions for NASAMS, HIMARS, ...": the next system also takes the ammunition
                if it.category not in ammo_exc:
                    it.category = prev.ammo_cat or prev.category
                it.via_for, it.ammo_cat = True, prev.ammo_cat
            elif kind == "list" and prev.named and it.named and prev.category == it.category \
                    and _coordinated(gap, lex) and _is_bare_system(st[prev.start : prev.end]) and head_follows:
                merged_cat = prev.category  # "Javelin and AT-4 anti-armor systems": one shared head
            elif kind in ("adj", "other") and it.named and not prev.named and _short_modifiers(gap, lex) \
                    and not (prev.category in ammo and it.category not in ammo and it.category not in ammo_exc):
                merged_cat = it.category  # "missiles air-air à courte portée AIM-9": the named system decides
            elif kind in ("glue", "for"):
                merged_cat = min((prev.category, it.category), key=lambda c: prio.get(c, 99))
            elif kind == "adj" and prev.category == it.category and not (prev.named and it.named):
                merged_cat = prev.category  # "Zuzana 2 self-propelled howitzers"
            elif kind == "list":
                txt = st[it.start : it.end]
                if it.single_word and not it.named and lex.w["heads"].fullmatch(txt) and not prev.single_word \
                        and not prev.named and prev.category in com.get("modifier_shared_by", ()):
                    merged_cat = prev.category  # shared modifier: "air-defense launchers, missiles and radars"
                elif (not it.named and not prev.named and it.category == prev.category):
                    merged_cat = prev.category  # "main battle tanks and light tanks"
            if merged_cat is not None:
                prev.end = it.end
                prev.category = merged_cat
                prev.named = prev.named or it.named
                prev.single_word = False
                continue
        out.append(it)
    return out


def _filter_items(st: str, items: list[Item], cs: int, ce: int, lex: lx.Lexicon,
                  dead: list[tuple[int, int]]) -> list[Item]:
    if not items:
        return []
    vague = [(m.start(), m.end()) for m in lex.w["vague"].finditer(st, cs, ce)]
    vague = [v for v in vague if all(v[1] <= i.start or v[0] >= i.end for i in items)]
    out = []
    for it in items:
        if any(a <= it.start < b for a, b in dead):
            continue
        before = st[max(cs, it.start - 60) : it.start]
        after = st[it.end : min(ce, it.end + 60)]
        if lex.ends["item_negative_before"].search(before) or lex.starts["item_negative_after"].match(after):
            continue
        if lex.starts["agent"].match(after):
            continue
        if any(v[1] <= it.start and _coordinated(st[v[1] : it.start], lex)
               or v[0] >= it.end and _coordinated(st[it.end : v[0]], lex) for v in vague):
            continue  # "arms, munitions, and equipment": listed with generic nouns, names nothing
        out.append(it)
    # umbrella terms ("heavy equipment") go when something more specific is named
    if len(out) > 1:
        spec = [i for i in out if not lex.w["umbrella"].fullmatch(st[i.start : i.end])]
        if spec:
            out = spec
    return out


def _money_names_package(st: str, m: nums.Money, pkg: re.Match) -> bool:
    """True when the amount is the package's ("$400 million security assistance package", "£2.5 billion of
    military aid"): the package noun is next to the amount."""
    return 0 <= pkg.start() - m.end <= 12 or 0 <= m.start - pkg.end() <= 25


def _package_name(st: str, cs: int, ce: int, m: nums.Money, lex: lx.Lexicon) -> str:
    """The noun that names a total ("USD 425 million worth of security assistance" -> "security assistance"):
    the first package noun after the amount, else the first in the clause; connectors ("worth of") never."""
    found = [p for p in lex.w["package"].finditer(st, cs, ce) if not lex.w["package_glue"].fullmatch(p.group())]
    after = [p for p in found if 0 <= p.start() - m.end <= 40]
    best = after[0] if after else (found[0] if found else None)
    return best.group() if best else "package"


def _coordinated(gap: str, lex: lx.Lexicon) -> bool:
    g = gap.strip()
    return bool(g) and bool(_lex_re(lex, "coord_gap", lambda: r",?\s*(?:(?:" + lex.w["coord"].pattern + r")\s*)?")
                            .fullmatch(g))


def _quantity(st: str, it: Item, cs: int, lex: lx.Lexicon, money: list[nums.Money],
              items: Sequence[Item] = ()) -> tuple[int | None, str | None]:
    lo = max(cs, it.start - 50)
    window_nums = nums.find_numbers(st, lex, lo, it.start)
    for n in reversed(window_nums):
        gap = st[n.end : it.start]
        if _LIST_PUNCT.search(gap):
            break
        lw = [m.group() for m in lex.w["list_words"].finditer(gap)]
        if lw and (not all(lex.w["coord"].fullmatch(w) for w in lw) or len(_GAP_TOKEN.findall(gap)) > 4
                   or any(n.end <= o.start < it.start for o in items)):
            break  # "two tanks and trucks": the number is the other item's
        if lex.starts["calibre"].match(st[n.end : n.end + 14]):
            continue
        word = st[n.start : n.end].lower()
        if word in lex.one_words:
            continue
        if any(m.start <= n.start < m.end for m in money):
            break
        if 1900 <= n.value <= 2100 and n.value == int(n.value):
            continue
        if len(_GAP_TOKEN.findall(gap)) > 4 or n.value != int(n.value) or n.value <= 0:
            break
        return int(n.value), n.approx
    return None, None


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


def _kind_of(category: str) -> str:
    """'military', 'humanitarian' or 'financial': what an amount of that category pays for."""
    group = lx.common()["groups"].get(category)
    return group if group in ("humanitarian", "financial") else "military"


def _total_category(st: str, cs: int, ce: int, m: nums.Money, cats: list[str], lex: lx.Lexicon) -> str:
    """The category of an amount's total row: what the clause's items and the words around the amount
    say it pays for (military unless humanitarian or financial)."""
    ws, we = max(cs, m.start - 80), min(ce, m.end + 80)
    if any(lx.common()["groups"][c] in ("lethal", "non_lethal") for c in cats) \
            or lex.w["military_cues"].search(st, ws, we):
        return "other_military"
    if lex.w["humanitarian_cues"].search(st, ws, we) or "humanitarian" in cats:
        return "humanitarian"
    if lex.w["financial_cues"].search(st, ws, we) or "financial" in cats:
        return "financial"
    return "other_military"


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


# ----------------------------------------------------------------------------- cues


def _sentence_negated(st: str, lex: lx.Lexicon) -> tuple[str | None, list[tuple[int, int]]]:
    """(kind of the sentence-scope cue, or None; spans made dead instead of the whole sentence).

    A background cue inside a relative clause ("the M777 howitzers that Canada has already sent") only
    makes the rest of the sentence from the relative word dead, not the sentence."""
    dead: list[tuple[int, int]] = []
    for m in lex.sentence_cue_re.finditer(st):
        if m.lastgroup == "background" and m.start() > 0:
            rel = None
            for r in lex.w["relative"].finditer(st, max(0, m.start() - 45), m.start()):
                rel = r
            if rel is not None and rel.start() > 0 and not re.search(r"[.;:]", st[rel.end() : m.start()]):
                ante = [it for it in _find_items(st, max(0, rel.start() - 60), rel.start(), lex)
                        if 0 <= rel.start() - it.end <= 2]
                if ante:  # "the M777 howitzers that Canada has already sent": that item and what follows
                    dead.append((ante[-1].start, len(st)))
                    continue
        return m.lastgroup, []
    return None, dead


def _forward_dead(st: str, cs: int, ce: int, lex: lx.Lexicon) -> list[tuple[int, int]]:
    dead: list[tuple[int, int]] = []
    if lex.forward_any_re.search(st, cs, ce) is None:
        return dead  # no forward cue of any kind in the clause (one scan instead of one per kind)
    for _kind, scope, rx in lex.cues:
        if scope != "forward":
            continue
        for m in rx.finditer(st, cs, ce):
            end_m = lex.w["scope_end"].search(st, m.end(), ce)
            end = end_m.start() if end_m else ce
            for c in _COMMA_ART.finditer(st, m.end(), end):
                if lex.donor_re.match(st, c.end()):
                    end = c.start()  # ", le Canada a annoncé ...": a new subject ends the scope
                    break
            dead.append((m.start(), end))
    return dead


_COMMA_ART = re.compile(r",\s+(?:(?:the|le|la|les|l['’]|de|den|det|het)\s*)?", re.IGNORECASE)


def _clauses(st: str, lex: lx.Lexicon) -> list[tuple[int, int]]:
    out = []
    cur = 0
    for m in lex.w["clause_split"].finditer(st):
        out.append((cur, m.start()))
        cur = m.start() + 1  # keep the joining word in the next clause
    out.append((cur, len(st)))
    # ", and Canada will ...": a coordinated clause with its own donor
    more = []
    for a, b in out:
        cut = a
        for m in lex.w["coord_comma"].finditer(st, a, b):
            if lex.donor_re.match(st, m.end()):
                more.append((cut, m.start()))
                cut = m.start() + 1
        more.append((cut, b))
    out = more
    # a colon introduces what follows ("include: ...")
    res = []
    for a, b in out:
        c = st.find(": ", a, b)
        if c > 0:
            res.append((a, c + 1))
            res.append((c + 1, b))
        else:
            res.append((a, b))
    return [(a, b) for a, b in res if st[a:b].strip()]


def _is_headline(st: str) -> bool:
    """Title-case or all-caps lines without final punctuation (page titles, banners)."""
    if st.rstrip().endswith((".", "!", "?", ";", ":", "»", "”", '"')):
        return False
    words = _HEADLINE_WORD.findall(st)
    long = [w for w in words if len(w) >= 4]
    if len(long) < 2:
        return True
    caps = sum(1 for w in long if w[0].isupper())
    return caps / len(long) >= 0.6


_TAIL_WORD = re.compile(r"\b(?:and|et|og|en|or|ou|eller|of)\Z")


def _ends_open(st: str) -> bool:
    r"""re.search(r"(?:[.!?;:»”\"')]|\b(?:and|et|og|en|or|ou|eller|of))\s*\Z", st), without trying every position."""
    t = st.rstrip()  # str.isspace() is re's \s
    return bool(t) and (t[-1] in ".!?;:»”\"')" or _TAIL_WORD.search(t, max(0, len(t) - 6)) is not None)


def _ends_with_stop(st: str) -> bool:
    r"""re.search(r"[.!?]\W*\Z", st): a full stop in the trailing run of non-word characters."""
    i = len(st)
    while i > 0 and not (st[i - 1].isalnum() or st[i - 1] == "_"):  # re's \w: alphanumeric or '_'
        if st[i - 1] in ".!?":
            return True
        i -= 1
    return False


_BULLET_CHARS = "•·◦▪‣∙*–—-"  # the last non-space character of the line before a sentence: it is a bullet


def _norm(s: str) -> str:
    return " ".join(s.lower().split())



class _Day:
    """The day a sentence gives (its own date, else the anaphoric sentence's predecessor's, else the release's),
    resolved on first use: most sentences looked at give no row and need none."""

    __slots__ = ("_st", "_published", "_lang", "_prev", "_own", "_done")

    def __init__(self, st: str, published: dt.date, lang: str, prev: _Day | None):
        self._st, self._published, self._lang, self._prev = st, published, lang, prev
        self._own: dt.date | None = None
        self._done = False

    def own(self) -> dt.date | None:
        if not self._done:
            self._own, self._done = dates_mod.resolve_date(self._st, self._published, self._lang), True
        return self._own

    def when(self) -> dt.date:
        return self.own() or (self._prev.own() if self._prev is not None else None) or self._published


# ----------------------------------------------------------------------------- main


def extract_release(release: ReleaseText) -> list[Announcement]:
    text = release.text or ""
    lang = (release.language or "").lower()[:2] or lx.guess_language(text)
    if lang not in lx.SUPPORTED:
        lang = lx.guess_language(text)
    lex = lx.get(lang)
    pub_code, implicit = lx.publisher_donor(release.publisher, lang)
    published = release.published
    if published is None:
        dated = dates_mod.absolute_dates(text[:3000], lang)
        published = dated[0] if dated else dt.date.today()

    if not lex.recipient_re.search(text):
        return []  # a release that never names the recipient announces no aid to it
    spans = split_sentences(text)
    norm = [_norm(text[s:e]) for s, e in spans]
    rows: list[Row] = []
    list_open = False
    last_day: _Day | None = None  # the day of the sentence before, when it was looked at
    list_ctx: tuple[list[str], int] | None = None
    list_start = -1
    topic: tuple[list[str], int] | None = None  # donors named in the last announcing sentence
    override = _overrides()
    # A sentence's cues ("already", "recalled") are looked up only when needed: for the sentence
    # itself when it may announce something, or from the next one ("This aid includes ...").
    negs: dict[int, str | None] = {}  # sentence -> its cue kind, "anaphora" or None
    lazy: dict[int, tuple[str, bool, int]] = {}  # sentence -> (text, refers back, previous sentence seen)
    prev_seen = -1

    def neg_of(j: int) -> str | None:
        """The sentence's negation: its own cue, or "anaphora" when it refers back to a negated one."""
        pending = []
        while True:
            if j < 0:
                val = None
                break
            if j in negs:
                val = negs[j]
                break
            st_j, cond_j, prev_j = lazy[j]
            raw_j = _sentence_negated(st_j, lex)[0]
            if raw_j or not cond_j:
                negs[j] = val = raw_j
                break
            pending.append(j)
            j = prev_j
        for k in reversed(pending):  # no cue of its own, refers back: negated when the one before is
            val = "anaphora" if val and not nums.find_money(lazy[k][0], lex) else None
            negs[k] = val
        return val

    facts = lex.w["facts_heading"]
    for i, (s0, e0) in enumerate(spans):
        st = text[s0:e0]
        if len(st) > 5000:  # not prose
            continue
        if len(st) < 100 and facts.match(st):
            break  # "Quick facts", "Faits en bref", "Fakta": what follows restates earlier aid
        if _is_headline(st) and not (list_ctx and i - list_ctx[1] <= 8):
            continue
        if len(norm[i]) > 20 and norm[i] in "\n".join(norm[i + 1 : i + 4]):  # no norm holds a newline
            continue  # a headline repeated by the next sentences
        anaphoric = bool(lex.w["anaphora"].match(st))
        prev_day, last_day = last_day, None
        k = len(rows)  # rows come in sentence order: the recent ones are the tail
        while k and i - rows[k - 1].sent_index <= RECENT:
            k -= 1
        recent = rows[k:]
        pkg_ref: bool | None = None  # "this package", "ce programme": the last donor's (looked up when needed)
        colon = st.rstrip().endswith(":")
        # "This aid includes ..." / "... includes:" after a background sentence is background too
        cond = (anaphoric or colon) and not recent
        lazy[i], prev_seen = (st, cond, prev_seen), i
        # list items after an intro line ending with ':'
        # ... while the items are bulleted or the item before did not end with a full stop
        line_head = text[text.rfind("\n", 0, s0) + 1 : s0]
        head = line_head.rstrip()  # _BULLET_HEAD.search(line_head) without trying every position
        bulleted = bool(head) and head[-1] in _BULLET_CHARS
        in_list = (list_ctx is not None and i - list_ctx[1] <= 8 and len(st) < 500
                   and (bulleted or list_open))
        list_open = in_list and not _ends_with_stop(st)
        if list_ctx is not None and not in_list:
            list_ctx = None
        # "The Pentagon specified the amount of aid: $125 million." right after the announcement: its value
        trig_m = lex.w["trigger"].search(st)  # once per sentence: a long alternation
        has_trigger = trig_m is not None
        carry = (topic is not None and i - topic[1] <= 2 and not has_trigger
                 and bool(lex.w["package"].search(st)) and bool(nums.find_money(st, lex)))
        # "In the package are armoured vehicles ...": a reference to the package just announced lists its parts
        pkg_list = False
        if not has_trigger and (recent or (topic is not None and i - topic[1] <= RECENT)):
            pkg_ref = lex.w["package_ref"].search(st) is not None
            pkg_list = pkg_ref or lex.w["aid_ref"].search(st) is not None  # "Cette aide portera sur ..."
        candidate = in_list or carry or pkg_list or has_trigger
        if not candidate and not colon and list_start < 0:
            continue  # nothing here depends on the sentence's cues (found later if the next one asks)
        raw, rel_dead = _sentence_negated(st, lex)
        neg = raw or ("anaphora" if cond and neg_of(lazy[i][2]) and not nums.find_money(st, lex) else None)
        negs[i] = neg
        if neg:
            if colon:
                list_ctx, list_open = ([], i), True  # the items of a background list are background too
            elif not in_list:
                list_ctx = None
            elif list_ctx is not None:
                list_ctx = (list_ctx[0], i)
            continue
        if in_list and list_ctx is not None and not list_ctx[0]:
            list_ctx = (list_ctx[0], i)
            continue
        if not in_list:
            list_start = -1
        if not candidate:
            continue
        if pkg_ref is None:
            pkg_ref = lex.w["package_ref"].search(st) is not None
        is_component = bool(lex.w["component"].match(st)) and any(r.total for r in recent)
        if in_list and list_start >= 0 and any(r.total and list_start - 3 <= r.sent_index <= list_start for r in rows):
            is_component = True  # amounts of list items under a package total are parts of it
        sday = last_day = _Day(st, published, lang, prev_day if anaphoric else None)
        donor_ms = list(lex.donor_re.finditer(st))
        excluded = _recipient_codes(st, lex, donor_ms)
        sent_trigger = False
        prev_donors: list[str] | None = None
        sent_rows: list[Row] = []
        for cs, ce in _clauses(st, lex):
            d = _find_donors(st, cs, ce, lex, excluded, (trig_m, donor_ms) if (cs, ce) == (0, len(st)) else None)
            strong = lex.w["strong_trigger"].search(st, cs, ce) is not None
            trig = strong or bool(
                lex.w["weak_trigger"].search(st, cs, ce)
                and (anaphoric or in_list or lex.recipient_re.search(st) or lex.w["share"].search(st, cs, ce)))
            # weak verbs ("buy", "finance") count with the recipient named or when referring back
            if (carry and topic and (set(d.codes) <= set(topic[0]))) or pkg_list:
                trig = True
            sent_trigger = sent_trigger or trig
            ov = next((code for rx, code in override if rx.search(st, cs, ce)), None)
            if ov:
                donors = [ov]
            elif d.codes and d.adjective_only and pkg_ref and topic and i - topic[1] <= RECENT + 1:
                donors = topic[0]  # "this money goes to old American weapons": provenance, not the donor
            elif d.codes:
                donors = d.codes
            elif (group := _group_ref(st, cs, ce, lex, topic, recent, i)) is not None:
                donors = group  # "The three countries will also provide ...": the donors named together before
            elif d.collective:
                donors = []
            elif prev_donors:
                donors = prev_donors
            elif in_list and list_ctx:
                donors = list_ctx[0]
            elif anaphoric and recent:
                donors = list(dict.fromkeys(r.donor for r in recent))
            elif (anaphoric or pkg_ref) and topic and i - topic[1] <= RECENT + 1:
                donors = topic[0]  # "This package ...": the donor of the announcement just before
            elif implicit and pub_code:
                donors = [pub_code]
            else:
                donors = []
            prev_donors = donors or prev_donors
            if (ov or d.codes) and strong:
                topic = ([ov] if ov else d.codes, i)
            if not donors or not (sent_trigger or in_list):
                continue
            money = nums.find_money(st, lex, cs, ce)
            found = _find_items(st, cs, ce, lex)
            if not money and not found:
                continue  # nothing named, nothing counted: no row (and nothing for the scopes below to kill)
            dead = _forward_dead(st, cs, ce, lex) + rel_dead
            money = [m for m in money if not any(a <= m.start < b for a, b in dead)]
            money = [m for m in money
                     if not lex.ends["money_before"].search(st, max(cs, m.start - 40), m.start)
                     and not lex.starts["money_after"].match(st[m.end : min(ce, m.end + 80)])]
            items = _filter_items(st, found, cs, ce, lex, dead)
            items = [it for it in items if not any(m.start <= it.start < m.end for m in money)]
            for it in items:
                it.quantity, it.qty_text = _quantity(st, it, cs, lex, money, items)
            multi = len(donors) > 1
            cats = list(dict.fromkeys(it.category for it in items))
            new_rows: list[Row] = []
            if multi:
                conf = 0.4 if len(cats) > 1 else 0.6
                for dcode in donors:
                    for cat in cats:
                        its = [it for it in items if it.category == cat]
                        txt = " / ".join(st[it.start : it.end] for it in its)
                        q = its[0].quantity if len(its) == 1 else None
                        new_rows.append(Row(dcode, cat, txt, q, None, None, sday.when(), i, s0, e0, conf))
            else:
                dm = lex.w["definite"].match(st) if cs == 0 else None
                for it in items:
                    back = (dm and it.start <= dm.end() + 12) or lex.ends["demonstrative"].search(
                        st, max(0, it.start - 20), it.start)
                    if back and not it.quantity and any(
                            r.donor == donors[0] and r.category == it.category for r in rows + sent_rows + new_rows):
                        continue  # "The tanks will be refurbished ...": refers back to a recorded item
                    txt = st[it.start : it.end]
                    if it.qty_text:
                        txt = f"{txt} ({it.qty_text} {it.quantity})"
                    conf = 0.8 if d.codes else 0.7
                    new_rows.append(Row(donors[0], it.category, txt, it.quantity, None, None, sday.when(), i, s0, e0, conf))
            if money and not is_component and any(
                    r.total and r.donor in donors and i - r.sent_index <= RECENT + 2 and r.value and money[0].value < r.value
                    and (r.currency == nums.resolve_currency(money[0].currency, r.donor))
                    and _kind_of(r.category) == _kind_of(_total_category(st, cs, ce, money[0], cats, lex)) for r in rows):
                is_component = True  # "About £350m will be provided by the UK" after the £450m package: a part
                # (but not "also £18 million in humanitarian funding" after a military package)
            if money and not is_component:
                m = money[0]
                if len(money) > 1 and d.codes:  # "92 million, of which Norway contributes 30 million"
                    first_donor = lex.donor_re.search(st, cs, ce)
                    m = next((x for x in money if first_donor and x.start > first_donor.end()), m)
                pkg = lex.w["package"].search(st, cs, ce)
                vague_only = not pkg and lex.w["vague"].search(st, cs, ce)  # "will provide $25 million of equipment"
                if (anaphoric or vague_only or lex.w["share"].search(st, cs, ce)) and not items and recent \
                        and not pkg_ref:  # "The package amounts to ...": the package's total, not the item's value
                    # "This aid is valued at ...", "Of this, Denmark contributes ...": the earlier rows' value
                    targets = [r for r in recent if r.donor in donors and not r.total]
                    if targets and all(r.value is None for r in targets):
                        for dcode in donors:
                            mine = [r for r in targets if r.donor == dcode]
                            if len(mine) == 1:
                                mine[0].value = m.value
                                mine[0].currency = nums.resolve_currency(m.currency, dcode)
                        continue
                single = len(new_rows) == 1 and not multi
                if single and lx.common()["groups"][new_rows[0].category] in ("humanitarian", "financial") \
                        and lex.w["military_cues"].search(st, max(cs, m.start - 80), min(ce, m.end + 80)):
                    single = False  # "humanitarian aid ... and today $40 million for military equipment"
                if single and len(items) == 1 and min(abs(items[0].start - m.end), abs(m.start - items[0].end)) > 60:
                    single = False  # "donates 1.3 billion to Ukraine, which will go to ... ammunition": a total
                if single and pkg and lx.common()["groups"][new_rows[0].category] in ("lethal", "non_lethal"):
                    single = not _money_names_package(st, m, pkg)
                if single:
                    new_rows[0].value = m.value
                    new_rows[0].currency = nums.resolve_currency(m.currency, donors[0])
                elif pkg or items or trig:
                    cat = _total_category(st, cs, ce, m, cats, lex)  # the words around the amount, not the clause
                    name = _package_name(st, cs, ce, m, lex)
                    if multi or not cats:
                        new_rows = [r for r in new_rows if r.category != cat or cat == "other_military"]
                    # "24 millions d'euros d'aide humanitaire": the item is the package itself
                    new_rows = [r for r in new_rows if not (r.category == cat and r.value is None
                                                            and lex.w["package"].fullmatch(r.item))]
                    for dcode in donors:
                        new_rows.append(Row(dcode, cat, f"{name} (total)", None, m.value,
                                            nums.resolve_currency(m.currency, dcode), sday.when(), i, s0, e0,
                                            0.6 if multi else 0.75, total=True))  # joint: each donor's row
            if anaphoric or pkg_ref or in_list or is_component:
                for r in new_rows:
                    r.part = True
            sent_rows.extend(new_rows)
        if not in_list and not _ends_open(st):
            for r in sent_rows:
                r.heading = True
        rows.extend(sent_rows)
        if st.rstrip().endswith(":") and sent_trigger:
            donors_here = list(dict.fromkeys(r.donor for r in sent_rows)) or (prev_donors or [])
            if donors_here:
                list_ctx = (donors_here, i)
                list_open = True
                list_start = i
        elif list_ctx is not None and i > list_ctx[1] and not in_list:
            list_ctx = None
        if in_list and list_ctx:
            list_ctx = (list_ctx[0], i)

    return _to_announcements(release, text, _dedupe(rows, lex))


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


@lru_cache(maxsize=1)
def _systems_ci() -> re.Pattern:
    terms = [t for ts in lx.common().get("systems", {}).values() for t in ts]
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(terms, key=len, reverse=True)) + r")(?![\w])", re.IGNORECASE)


def _system_names(item: str) -> set[str]:
    """Named systems of an item, by their first word ("Leopard 2 A6" and "Leopard" are one system)."""
    return {re.sub(r"s\Z", "", m.group().lower().split()[0]) for m in _systems_ci().finditer(item)}


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
