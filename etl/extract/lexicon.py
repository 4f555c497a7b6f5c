"""Lexicons: the per-language data files (lexicons/<lang>.toml + common.toml) compiled to regexes.

Everything language-specific lives in the TOML files; this module only knows their keys. Country
names come from pycountry (English) and babel (`Locale(lang).territories`) plus the curated
`donor_names` and `adjectives` tables, restricted to the donors of db/migrations/data/donors_0001.json.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from etl.extract import donors as donor_ref
from etl.extract import fastre, prefilter

SUPPORTED = ("en", "fr", "nl", "da", "sv", "de")


class Matcher(Protocol):
    """What the engine asks of a compiled word list: an `re.Pattern`, or one standing in for it
    (`prefilter.Gated`, `fastre.KindWords`) with the same methods and answers."""

    @property
    def pattern(self) -> Any: ...
    @property
    def flags(self) -> int: ...
    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any: ...
    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any: ...
    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any: ...
    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Any]: ...


_NEVER = re.compile(r"(?!x)x")  # the placeholder of a pattern not built yet: matches nothing
DEFAULT_LANGUAGE = "en"


def _read_toml(name: str) -> dict:
    ref = resources.files("etl.extract").joinpath(f"lexicons/{name}.toml")
    return tomllib.loads(ref.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def common() -> dict:
    return _read_toml("common")


def _sorted_alts(patterns) -> list[str]:
    """The alternatives, longest pattern first (so that a longer term wins at the same start)."""
    # dict.fromkeys, not a set: terms of one length keep the data file's order in every process
    return sorted(dict.fromkeys(p for p in patterns if p), key=len, reverse=True)


def _alt(patterns: list[str] | tuple[str, ...]) -> str:
    """One alternation, longest pattern first (so that a longer term wins at the same start)."""
    pats = _sorted_alts(patterns)
    return "(?:" + "|".join(pats) + ")" if pats else "(?!x)x"


def _words(patterns, flags=re.IGNORECASE) -> re.Pattern:
    r"""`(?<![\w])<alternation>(?![\w])`, scanned by first character (fastre: the same matches, faster)."""
    return fastre.words(r"(?<![\w])", _sorted_alts(patterns), r"(?![\w])", flags)


def _gated(lex: Lexicon, rx, terms: list[str], match: bool = False, flags: int | None = None):
    """`rx`, built from `terms`, behind the lexicon's literal gate (prefilter.py): not scanned over a sentence
    that holds none of the terms' required literals. For the lists scanned over whole sentences. `flags`:
    the terms' flags when they are not the pattern's."""
    return prefilter.gate(lex.literal_index, rx, terms, rx.flags if flags is None else flags, match)


def _by_first_char(term_lists: list[tuple[list[str], int]], entries: list) -> dict[str, list]:
    """ASCII character -> the entries (in order) whose terms can start with it.

    A character not in the map may start any of them (non-ASCII, or a term this cannot read)."""
    chars: list[frozenset[str] | None] = []
    for terms, flags in term_lists:
        acc: set[str] = set()
        for t in terms:
            inf = fastre.first_chars(t, flags)
            if inf is None:
                chars.append(None)  # a term that can start anywhere
                break
            acc |= inf
        else:
            chars.append(frozenset(acc))
    return {chr(c): [e for e, cs in zip(entries, chars, strict=True) if cs is None or chr(c) in cs]
            for c in range(128)}


def _cap_first(pattern: str) -> str:
    """'américain(?:e)?' -> '[aA]méricain(?:e)?' (adjectives may start a sentence)."""
    if pattern and pattern[0].isalpha() and pattern[0].islower():
        return f"[{pattern[0]}{pattern[0].upper()}]" + pattern[1:]
    return pattern


@dataclass
class Lexicon:
    lang: str
    data: dict
    decimal_sep: str = "."
    donor_re: Matcher = _NEVER
    recipient_re: Matcher = _NEVER  # the recipient's names and adjectives ("Ukraine", "ukrainien")
    donor_literal: dict[str, str] = field(default_factory=dict)
    donor_adjectives: list[tuple[re.Pattern, str]] = field(default_factory=list)
    categories: list[tuple[str, Matcher, bool]] = field(default_factory=list)  # (code, regex, named)
    categories_at: dict[str, list] = field(default_factory=dict)  # ASCII char -> the categories that can start there
    item_starts: list[Matcher] = field(default_factory=list)  # all generic terms, all named systems
    cues: list[tuple[str, str, Matcher]] = field(default_factory=list)  # (kind, scope, regex)
    sentence_cue_re: Matcher = _NEVER  # all sentence-scope cues, group name = kind
    forward_any_re: Matcher = _NEVER  # every forward-scope cue (a pre-check: matches iff one of them does)
    w: dict[str, Matcher] = field(default_factory=dict)  # compiled word lists
    ends: dict[str, Matcher] = field(default_factory=dict)  # "... <word>" at the end of a window
    starts: dict[str, Matcher] = field(default_factory=dict)  # "<word> ..." at the start of a window
    money_re: Matcher = _NEVER
    number_re: Matcher = _NEVER
    numword_re: Matcher = _NEVER
    scales: list[tuple[re.Pattern, float]] = field(default_factory=list)
    currencies: list[tuple[re.Pattern, str]] = field(default_factory=list)
    scale_any: Matcher = _NEVER  # matches iff one of `scales` does
    currency_any: Matcher = _NEVER  # matches iff one of `currencies` does
    donor_code_memo: dict[str, str | None] = field(default_factory=dict)  # donor_code's answers
    derived: dict[str, Any] = field(default_factory=dict)  # what the engine builds from the lists, once
    literal_index: prefilter.LiteralIndex = field(default_factory=prefilter.LiteralIndex)  # gated lists' literals
    number_values: dict[str, int] = field(default_factory=dict)
    text2num: bool = False
    one_words: frozenset[str] = frozenset()
    weekday_res: list[re.Pattern] = field(default_factory=list)
    months: dict[str, int] = field(default_factory=dict)
    abs_date_re: Matcher = _NEVER
    day_month_re: Matcher = _NEVER
    groups: dict[str, str] = field(default_factory=dict)
    merge_priority: list[str] = field(default_factory=list)


def _country_names(lang: str) -> dict[str, str]:
    """name -> donor code from babel (this language and English), pycountry and the reference table."""
    known = {d.code: d for d in donor_ref.donors()}
    com = common()
    ambiguous = set(com["donors"]["ambiguous_names"])
    names: dict[str, str] = {}

    def add(name: str | None, code: str | None) -> None:
        if not name or not code or code not in known or name in ambiguous:
            return
        names.setdefault(name, code)

    import pycountry

    alpha3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    try:
        import babel

        for loc in dict.fromkeys((lang, "en")):
            for k, v in babel.Locale(loc).territories.items():
                if k in alpha3:
                    add(v, alpha3[k])
    except Exception:  # pragma: no cover - babel is a dependency; names below still work
        pass
    for d in known.values():
        add(d.name_en, d.code)
        if lang == "fr":
            add(d.name_fr, d.code)
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            v = getattr(c, attr, None)
            if v and "," not in v:
                add(v, c.alpha_3)
    for k, v in com.get("donor_names", {}).items():
        names[k] = v
    return names


def _compile(lang: str) -> Lexicon:
    com = common()
    data = _read_toml(lang)
    lex = Lexicon(lang=lang, data=data)
    lex.decimal_sep = data["meta"].get("decimal_sep", ".")
    lex.groups = dict(com["groups"])
    lex.merge_priority = list(com["merge"]["priority"])

    # donors: literal names (case-sensitive) + adjective regexes
    names = _country_names(lang)
    for k, v in data.get("donor_names", {}).items():
        names[k] = v
    lex.donor_literal = names
    adjs = [(_cap_first(p), code) for p, code in data.get("adjectives", {}).items()]
    lex.donor_adjectives = [(re.compile(p + r"\Z"), code) for p, code in adjs]
    rec = com["donors"]["recipient"]
    rec_parts = [re.escape(n) for n, c in names.items() if c == rec] + [p for p, c in adjs if c == rec]
    rec_parts += data.get("words", {}).get("recipient_words", [])
    lex.recipient_re = fastre.words(r"(?<![\w])", _sorted_alts(rec_parts), "", re.IGNORECASE)
    parts = [re.escape(n) for n in names] + [p for p, _ in adjs]
    lex.donor_re = fastre.words(r"(?<![\w-])", _sorted_alts(parts), r"(?:s\b|['’]s\b)?(?![\w])")

    # categories: language terms (case-insensitive) + named systems (case-sensitive), one regex per
    # category (longest pattern first); overlaps between categories are resolved by length.
    for code, terms in data.get("categories", {}).items():
        if terms:
            lex.categories.append((code, _gated(lex, _words(terms), terms, match=True), False))
    for code, terms in com.get("systems", {}).items():
        if terms:
            rx = fastre.words(r"(?<![\w])", _sorted_alts(terms), r"(?![\w])")
            lex.categories.append((code, _gated(lex, rx, terms, match=True), True))
    lex.categories_at = _by_first_char(
        [(terms, re.IGNORECASE) for terms in data.get("categories", {}).values() if terms]
        + [(terms, 0) for terms in com.get("systems", {}).values() if terms], lex.categories)
    # one pass finds where items start (3x faster than a pass per category); the per-category
    # regexes then decide the category and the longest match at each of those places
    generic = [t for terms in data.get("categories", {}).values() for t in terms]
    systems = [t for terms in com.get("systems", {}).values() for t in terms]
    lex.item_starts = [_gated(lex, _words(generic), generic),
                       _gated(lex, fastre.words(r"(?<![\w])", _sorted_alts(systems), r"(?![\w])"), systems)]

    words = data.get("words", {})
    collective, aggressor = words.get("collective", []), words.get("aggressor", [])
    trigger, weak = words.get("trigger", []), words.get("weak_trigger", [])
    lex.w["collective"] = _gated(lex, fastre.words(r"(?<![\w-])", _sorted_alts(collective), r"(?![\w-])",
                                                   re.IGNORECASE), collective)
    lex.w["collective_or_aggressor"] = _gated(lex, _words(collective + aggressor), collective + aggressor)  # pre-check
    lex.w["trigger"] = _gated(lex, _words(trigger + weak), trigger + weak)  # either kind
    lex.w["strong_trigger"] = _gated(lex, _words(trigger), trigger)
    lex.w["weak_trigger"] = _gated(lex, _words(weak), weak)
    # gated: the lists searched over whole sentences; the others are matched on short gaps and windows
    for key in ("package", "vague", "share", "aggressor", "package_ref", "aid_ref", "group_ref", "relative", "military_cues",
                "humanitarian_cues", "financial_cues"):
        lex.w[key] = _gated(lex, _words(words.get(key, [])), words.get(key, []))
    for key in ("umbrella", "heads", "list_words", "coord", "glue", "for_words", "package_glue"):
        lex.w[key] = _words(words.get(key, []))
    # a section heading after which a release restates earlier aid ("Quick facts", "Faits en bref", "Fakta")
    lex.w["facts_heading"] = re.compile(r"[\W_]*" + _alt(words.get("facts_heading", [])) + r"[\s:.]*\Z", re.IGNORECASE)
    lex.w["anaphora"] = re.compile(r"^[\W_]*" + _alt(words.get("anaphora", [])) + r"(?![\w])")
    lex.w["component"] = re.compile(r"^[\W_]*" + _alt(words.get("component", [])))
    # "these tanks", "these combat-ready tanks": up to two words between the demonstrative and the item
    lex.ends["demonstrative"] = re.compile(r"(?<![\w])" + _alt(words.get("demonstrative", [])) + r"\s+(?:[\w-]+\s+){0,2}\Z",
                                           re.IGNORECASE)
    lex.w["definite"] = re.compile(r"^[\W_]*" + _alt(words.get("definite", [])) + r"\s+")
    lex.w["coord_comma"] = re.compile(r",\s+" + _alt(words.get("coord", [])) + r"\s+(?:the\s+|le\s+|la\s+|les\s+|l['’])?",
                                      re.IGNORECASE)
    # "<prep> [article]" right before a donor mention / after it
    art = r"(?:\s+(?:the|l['’]|la|le|les|de|den|det|het)\s*)?"
    for key in ("not_donor_before", "recipient_before", "agent", "source_before"):
        lex.ends[key] = re.compile(r"(?<![\w])" + _alt(words.get(key, [])) + art + r"\s*\Z", re.IGNORECASE)
    # "with the German chancellor": a title between the preposition and the adjective
    titles = words.get("titles", [])
    if titles:
        lex.ends["not_donor_before"] = re.compile(
            r"(?<![\w])" + _alt(words.get("not_donor_before", [])) + art + r"\s*(?:" + _alt(titles) + r"\s+)?\Z",
            re.IGNORECASE)
    lex.ends["possessive"] = re.compile(
        r"(?<![\w])" + _alt(words.get("recipient_possessive_before", [])) + r"\s+\Z", re.IGNORECASE
    )
    lex.ends["item_negative_before"] = re.compile(
        r"(?<![\w])" + _alt(words.get("item_negative_before", [])) + r"\s*(?:\w{1,3}['’]|\w{1,3}\s+)?\Z", re.IGNORECASE
    )
    lex.starts["not_donor_after"] = re.compile(r"\A" + _alt(words.get("not_donor_after", [])))
    lex.starts["possessive"] = re.compile(r"\A" + _alt(words.get("recipient_possessive_after", [])), re.IGNORECASE)
    lex.starts["item_negative_after"] = re.compile(
        r"\A\s*" + _alt(words.get("item_negative_after", [])) + r"(?![\w])", re.IGNORECASE
    )
    lex.starts["agent"] = re.compile(
        r"\A\s*" + _alt(words.get("agent", [])) + art + r"\s*(?:autres\s+|other\s+|andere\s+)?"
        + _alt(words.get("collective", [])) + r"(?![\w])",
        re.IGNORECASE,
    )
    openers = words.get("clause_openers", [])
    single = [o for o in openers if " " not in o]
    multi = [o for o in openers if " " in o]
    lex.w["scope_end"] = re.compile(
        r"(?:[,;:]\s*" + _alt(single + multi) + r"|\s" + _alt(multi) + r")(?![\w])", re.IGNORECASE
    )
    lex.w["clause_split"] = re.compile(_alt([re.escape(s) for s in words.get("clause_split", [])]))

    flags = re.IGNORECASE | re.MULTILINE
    sentence_kinds = []
    for kind, spec in data.get("cues", {}).items():
        pats = _sorted_alts(spec.get("patterns", []))
        scope = spec.get("scope", "sentence")
        lex.cues.append((kind, scope, _gated(lex, fastre.words(r"(?<![\w])", pats, r"(?![\w])", flags), pats)))
        if scope == "sentence":
            sentence_kinds.append((kind, pats))
    lex.sentence_cue_re = _gated(lex, fastre.named_words(r"(?<![\w])", sentence_kinds, r"(?![\w])", flags),
                                 [p for _kind, pats in sentence_kinds for p in pats])
    # one scan says whether any forward-scope cue occurs at all (most clauses have none)
    forward = [p for kind, spec in data.get("cues", {}).items() if spec.get("scope", "sentence") == "forward"
               for p in spec.get("patterns", [])]
    lex.forward_any_re = _gated(lex, fastre.words(r"(?<![\w])", _sorted_alts(forward), r"(?![\w])", flags), forward)
    mc = data.get("money_cues", {})
    lex.ends["money_before"] = re.compile(r"(?<![\w])" + _alt(mc.get("before", [])) + r"(?![\w])", re.IGNORECASE)
    lex.starts["money_after"] = re.compile(r"\A\W{0,3}(?:\S+\s+){0,8}?" + _alt(mc.get("after", [])), re.IGNORECASE)

    _compile_numbers(lex, data.get("numbers", {}))
    _compile_dates(lex, data.get("dates", {}))
    return lex


def _compile_numbers(lex: Lexicon, num: dict) -> None:
    # r"(?<![\w.,])(?<![^\W\d_]-)(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)(?!\d)" (or with the
    # separators swapped), written to start with its first digit: re then skips every position that holds
    # no digit at C speed, and the lookbehinds, moved after that digit, test the same characters before it
    if lex.decimal_sep == ",":
        rest = r"\d{0,2}(?:(?:[ \u00a0\u202f]|\.)\d{3})+(?:,\d+)?(?!\d)|\d*(?:,\d+)?"
    else:
        rest = r"\d{0,2}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d*(?:\.\d+)?"
    lex.number_re = re.compile(r"\d(?<![\w.,]\d)(?<![^\W\d_]-\d)(?:" + rest + r")(?!\d)")
    words = list(num.get("words", []))
    lex.one_words = frozenset(w.lower() for w in num.get("one", []))
    lex.text2num = bool(num.get("text2num", False))
    lex.number_values = {k.lower(): int(v) for k, v in num.get("values", {}).items()}
    w = fastre.alternation(_sorted_alts(words), re.IGNORECASE)  # _alt(words), scanned as a trie
    # (?<![\w-])<w>(?:[- ](?:et[- ])?<w>)*(?![\w-]), its first word literal-headed (the lookbehind right
    # after the head: re then enters the pattern only at the words' first letters)
    head = fastre.headed(_sorted_alts(words), re.IGNORECASE, r"(?<![\w-].)")
    numword = (re.compile(head + r"(?i:(?:[- ](?:et[- ])?" + w + r")*)(?![\w-])") if head is not None else
               re.compile(r"(?<![\w-])" + w + r"(?:[- ](?:et[- ])?" + w + r")*(?![\w-])", re.IGNORECASE))
    lex.numword_re = _gated(lex, numword, words, flags=re.IGNORECASE)
    # short lower-case scales ("m", "bn") only attached ("$200m"); short capitals ("M", "Md") also after a
    # space ("50 M€"); words after a space or a hyphen ("$500-million")
    def scale_re(k: str) -> re.Pattern:
        if len(k) <= 2 and k.islower():
            return re.compile(r"\A" + k + r"(?![\w])")
        if len(k) <= 3:
            return re.compile(r"\A\s?" + k + r"(?![\w])")
        return re.compile(r"\A[\s-]?" + k + r"(?![\w])", re.IGNORECASE)

    lex.scales = [(scale_re(k), float(v)) for k, v in sorted(num.get("scales", {}).items(), key=lambda kv: -len(kv[0]))]
    lex.currencies = [(re.compile(r"\A\s?(?:de\s+|d['’]\s?)?" + k + r"(?![\w])", re.IGNORECASE), v)
                      for k, v in sorted(num.get("currencies", {}).items(), key=lambda kv: -len(kv[0]))]
    # one match says whether any scale / currency follows at all (mostly not); then they are tried in order
    lex.scale_any = _any_of([rx for rx, _ in lex.scales])
    lex.currency_any = _any_of([rx for rx, _ in lex.currencies])
    lex.ends["approx"] = re.compile(r"(?<![\w])(" + _alt(num.get("approx", [])) + r")\s*\Z", re.IGNORECASE)
    lex.starts["calibre"] = re.compile(r"\A\s?" + _alt(num.get("calibre", [])) + r"(?![a-zA-Z])", re.IGNORECASE)


def _any_of(patterns: list[re.Pattern]) -> re.Pattern:
    """A pattern that matches where (and only where) one of `patterns` matches, each with its own flags."""
    if not patterns:
        return re.compile(r"(?!x)x")
    if any(p.flags & ~(re.IGNORECASE | re.UNICODE) for p in patterns):
        return re.compile("")  # other flags: no shortcut, every pattern is tried
    return re.compile("|".join(f"(?{'i' if p.flags & re.IGNORECASE else '-i'}:{p.pattern})" for p in patterns))


def _compile_dates(lex: Lexicon, dates: dict) -> None:
    lex.w["today"] = _gated(lex, _words(dates.get("today", [])), dates.get("today", []))
    lex.w["yesterday"] = _gated(lex, _words(dates.get("yesterday", [])), dates.get("yesterday", []))
    forms = dates.get("weekday_forms", ["{day}"])
    for day in dates.get("weekdays", []):
        pats = [f.replace("{day}", day) for f in forms]
        lex.weekday_res.append(re.compile(r"(?<![\w])(" + _alt(pats) + r")(?![\w])", re.IGNORECASE))
    # a pre-check for dates.resolve_date: matches somewhere iff "yesterday" or one of the weekday regexes does
    day_phrases = list(dates.get("yesterday", [])) + [f.replace("{day}", d) for d in dates.get("weekdays", [])
                                                      for f in forms]
    lex.w["day_words"] = _gated(lex, fastre.words(r"(?<![\w])", _sorted_alts(day_phrases), r"(?![\w])",
                                                  re.IGNORECASE, min_length=0), day_phrases)
    # month names from babel (wide and abbreviated), for absolute dates in the text
    months: dict[str, int] = {}
    try:
        import babel

        for loc in dict.fromkeys((lex.lang, "en")):
            b = babel.Locale(loc)
            for width in ("wide", "abbreviated"):
                for ctx in ("format", "stand-alone"):
                    for i, name in b.months[ctx][width].items():
                        months.setdefault(name.lower().rstrip("."), i)
    except Exception:  # pragma: no cover
        pass
    for extra, i in (("sept", 9), ("févr", 2), ("janv", 1)):
        months.setdefault(extra, i)
    lex.months = months
    m = _alt([re.escape(k) for k in months])
    # a pre-check for dates.resolve_date: a month name at a word start (needed by both regexes below, but
    # for the ISO form of abs_date_re)
    month_terms = [re.escape(k) for k in months]
    lex.w["month_words"] = _gated(lex, fastre.words(r"(?<![\w])", _sorted_alts(month_terms), "", re.IGNORECASE,
                                                    min_length=0), month_terms)
    lex.abs_date_re = re.compile(
        r"(?<![\w])(?:(?P<d1>\d{1,2})(?:er|\.|st|nd|rd|th)?\s+(?P<m1>" + m + r")\.?\s+(?P<y1>\d{4})"
        r"|(?P<m2>" + m + r")\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
        r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))(?![\w])",
        re.IGNORECASE,
    )
    # day and month without a year ("on 3 March", "le 3 mars", "March 3"): the release's year
    lex.day_month_re = re.compile(
        r"(?<![\w])(?:(?P<d1>\d{1,2})(?:er|\.|st|nd|rd|th)?\s+(?P<m1>" + m + r")\.?"
        r"|(?P<m2>" + m + r")\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?)(?![\w])(?!,?\s+\d{4})",
        re.IGNORECASE,
    )


@lru_cache(maxsize=8)
def get(lang: str | None) -> Lexicon:
    """The compiled lexicon for a language (English for unsupported or unknown languages)."""
    lang = (lang or DEFAULT_LANGUAGE).lower()[:2]
    if lang not in SUPPORTED:
        lang = DEFAULT_LANGUAGE
    return _compile(lang)


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {lang: frozenset(_read_toml(lang)["meta"].get("stopwords", [])) for lang in SUPPORTED}


_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str:
    """The supported language whose stopwords are most frequent in the text (English when unsure)."""
    counts = dict.fromkeys(SUPPORTED, 0)
    sw = _stopwords()
    for m in _WORD.finditer(text[:20000].lower()):
        t = m.group()
        for lang in SUPPORTED:
            if t in sw[lang]:
                counts[lang] += 1
    best = max(SUPPORTED, key=lambda k: counts[k])
    return best if counts[best] > 0 else DEFAULT_LANGUAGE


@lru_cache(maxsize=1024)  # a feed has a handful of publishers; the table holds dozens of patterns
def publisher_donor(publisher: str | None, lang: str | None = None) -> tuple[str | None, bool]:
    """(donor code, implicit) for a publisher string; (None, False) when unknown."""
    if not publisher:
        return None, False
    fallback = common().get("publisher_fallback", {})
    outlet, official = fallback.get("outlet"), fallback.get("official")
    if outlet and re.search(outlet, publisher) and not (official and re.search(official, publisher)):
        return None, False  # a news outlet's report is not the donor's own release ("DoD News" is official)
    for entry in common().get("publishers", []):
        if re.search(entry["pattern"], publisher):
            return entry["donor"], bool(entry.get("implicit", True))
    # the country named in the publisher string is the donor only for an official publisher ("Ministry of
    # Defence of Estonia"), not for a news outlet that carries a country's name ("Kuwait News Agency")
    if official and not re.search(official, publisher):
        return None, False
    lex = get(lang)
    never = set(common()["donors"]["never"])
    for m in lex.donor_re.finditer(publisher):
        code = donor_code(lex, m.group())
        if code and code not in never:
            return code, True
    return None, False


def donor_code(lex: Lexicon, mention: str) -> str | None:
    """The donor code for the text of a donor mention (a name, possibly with a genitive -s)."""
    memo = lex.donor_code_memo  # mentions are a small vocabulary (names, adjectives): each is read once
    if mention in memo:
        return memo[mention]
    if len(memo) > 100_000:  # bounded: arbitrary text can make up mentions without end
        memo.clear()
    memo[mention] = code = _donor_code(lex, mention)
    return code


def _donor_code(lex: Lexicon, mention: str) -> str | None:
    for cand in (mention, re.sub(r"(?:['’]s|s)\Z", "", mention)):
        if cand in lex.donor_literal:
            return lex.donor_literal[cand]
    for rx, code in lex.donor_adjectives:
        if rx.match(mention):
            return code
    return None
