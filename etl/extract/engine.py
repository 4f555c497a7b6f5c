"""The rules: sentences -> clauses -> donors x items/amounts -> announcements (CONTRACT.md).

Language-neutral: every word comes from the lexicon (etl/extract/lexicons/*.toml). See
docs/extraction.md for the rules in prose.
"""

from __future__ import annotations

import datetime as dt

from etl.extract import dates as dates_mod
from etl.extract import lexicon as lx
from etl.extract import numbers as nums
from etl.extract.dedupe import _dedupe, _overrides, _to_announcements
from etl.extract.items import (
    _filter_items,
    _find_items,
    _kind_of,
    _money_names_package,
    _package_name,
    _quantity,
    _total_category,
)
from etl.extract.parties import _find_donors, _group_ref, _recipient_codes
from etl.extract.records import RECENT, Row
from etl.extract.segment import split_sentences
from etl.extract.sentences import (
    _BULLET_CHARS,
    _clauses,
    _Day,
    _ends_open,
    _ends_with_stop,
    _forward_dead,
    _is_headline,
    _norm,
    _sentence_negated,
)
from etl.types import Announcement, ReleaseText

_CLOSERS = " \t\n\"'»”’)"  # what may follow a question mark at the end of a sentence
TOPIC_REACH = 6  # sentences within which "the package" refers to the last donor's announcement (quotes between)

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
        if st.rstrip(_CLOSERS).endswith("?"):
            continue  # "Why is Germany sending heavy weapons now?": a question announces nothing
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
        if not has_trigger and (recent or (topic is not None and i - topic[1] <= TOPIC_REACH)):
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
        colon_dead = False  # the clause before ended with ':' inside a forward cue's scope
        for cs, ce in _clauses(st, lex):
            # "poursuivre son aide sur tous les plans : formation, ...": what a colon introduces is in
            # the scope of a forward cue (continuing, calling) that runs to the colon
            after_dead_colon, colon_dead = colon_dead, False
            fwd = None  # the clause's forward-cue spans, when already looked up
            clause = st[cs:ce].rstrip()
            if clause.endswith(":"):
                fwd = _forward_dead(st, cs, ce, lex)
                colon_dead = any(b >= cs + len(clause) - 1 for _, b in fwd)
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
            elif (anaphoric or pkg_ref) and topic and i - topic[1] <= TOPIC_REACH:
                donors = topic[0]  # "This package ...": the donor of the announcement just before
            elif implicit and pub_code:
                donors = [pub_code]
            elif trig and topic and len(topic[0]) == 1 and i - topic[1] <= 2:
                donors = topic[0]  # "Geliefert werden sollen ...": no donor named, the one just announcing
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
            if fwd is None:
                fwd = _forward_dead(st, cs, ce, lex)
            dead = fwd + rel_dead + ([(cs, ce)] if after_dead_colon else [])
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
                    near = text[spans[max(i - 1, 0)][0] : spans[min(i + 2, len(spans) - 1)][1]]
                    cat = _total_category(st, cs, ce, m, cats, lex, near)  # the words around the amount
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
