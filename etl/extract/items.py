"""Items of a clause: where they start and end, how neighbours merge, their quantities, the money beside them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from etl.extract import lexicon as lx
from etl.extract import numbers as nums
from etl.extract.records import Item

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


def _kind_of(category: str) -> str:
    """'military', 'humanitarian' or 'financial': what an amount of that category pays for."""
    group = lx.common()["groups"].get(category)
    return group if group in ("humanitarian", "financial") else "military"


def _total_category(st: str, cs: int, ce: int, m: nums.Money, cats: list[str], lex: lx.Lexicon,
                    context: str = "") -> str:
    """The category of an amount's total row: what the clause's items and the words around the amount
    say it pays for (military unless humanitarian or financial). When neither says anything, the
    neighbouring sentences (`context`) decide: "a new package of SEK 650 million." followed by "to secure
    Ukraine's energy supply" is a civil package."""
    ws, we = max(cs, m.start - 80), min(ce, m.end + 80)
    if any(lx.common()["groups"][c] in ("lethal", "non_lethal") for c in cats) \
            or lex.w["military_cues"].search(st, ws, we):
        return "other_military"
    if lex.w["humanitarian_cues"].search(st, ws, we) or "humanitarian" in cats:
        return "humanitarian"
    if lex.w["financial_cues"].search(st, ws, we) or "financial" in cats:
        return "financial"
    if context and not lex.w["military_cues"].search(context):
        if lex.w["humanitarian_cues"].search(context):
            return "humanitarian"
        if lex.w["financial_cues"].search(context):
            return "financial"
    return "other_military"


@lru_cache(maxsize=1)
def _systems_ci() -> re.Pattern:
    terms = [t for ts in lx.common().get("systems", {}).values() for t in ts]
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(terms, key=len, reverse=True)) + r")(?![\w])", re.IGNORECASE)


def _system_names(item: str) -> set[str]:
    """Named systems of an item, by their first word ("Leopard 2 A6" and "Leopard" are one system)."""
    return {re.sub(r"s\Z", "", m.group().lower().split()[0]) for m in _systems_ci().finditer(item)}
