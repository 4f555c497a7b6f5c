"""Pure functions: aggregated rows (from db.queries) in, plotly figures and small tables out.

No database, no Dash: each function takes plain lists of dicts and returns a figure or rows.
Figures are plain plotly figure dicts (`{"data": [...], "layout": {...}}`), built without
plotly.graph_objects' validation, which costs 10-50 ms per figure; the tests validate them by
loading them into `plotly.graph_objects.Figure`.
Colours: the Okabe-Ito palette, safe for the common forms of colour blindness.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from dashboard.i18n import category_label, group_label, t
from db.reference import CATEGORIES, CATEGORY_GROUP, GROUPS

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
GROUP_COLOURS = {
    "lethal": "#D55E00",
    "non_lethal": "#0072B2",
    "financial": "#009E73",
    "humanitarian": "#E69F00",
}
TOP_DONORS = 25
ORGANISATIONS = frozenset({"EBRD", "EIB", "EU", "G7", "IMF", "NATO", "UN", "WB"})  # not on a world map


class Fig:
    """The few figure-building calls used here, producing a plain figure dict."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.layout: dict = {}

    def add(self, type_: str, **trace) -> None:
        self.data.append({"type": type_, **trace})

    def update_layout(self, **layout) -> None:
        _merge(self.layout, layout)

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def _merge(into: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=14, color="#1b1b1b")


@dataclass(frozen=True)
class View:
    """How the charts look (not what they count): part of the URL too."""

    lang: str = "en"
    measure: str = "count"  # or "value"
    time: str = "monthly"  # or "cumulative"
    cat: str = "bars"  # or "treemap"
    mentions: bool = False

    @classmethod
    def parse(cls, params: dict[str, list[str]], mentions: bool = False) -> View:
        def one(key: str, allowed: tuple[str, ...]) -> str:
            v = (params.get(key) or [allowed[0]])[0]
            return v if v in allowed else allowed[0]

        return cls(
            lang=one("lang", ("en", "fr")),
            measure=one("measure", ("count", "value")),
            time=one("time", ("monthly", "cumulative")),
            cat=one("cat", ("bars", "treemap")),
            mentions=mentions,
        )

    def to_params(self) -> dict[str, str]:
        out = {}
        for key, default in (("lang", "en"), ("measure", "count"), ("time", "monthly"), ("cat", "bars")):
            if getattr(self, key) != default:
                out[key] = getattr(self, key)
        return out

    def what(self) -> str:
        if self.measure == "value":
            return t(self.lang, "what_value_mentions" if self.mentions else "what_value_pledges")
        return t(self.lang, "what_mentions" if self.mentions else "what_pledges")


def _m(row: dict, view: View) -> float:
    if view.measure == "value":
        return float(row.get("value_eur") or 0.0)
    return float(row.get("n") or 0)


def title_size(title: str) -> int:
    """Plotly does not wrap titles: a long one gets a smaller font so that it fits its card."""
    return 17 if len(title) <= 58 else 15 if len(title) <= 68 else 13


def _base_layout(fig: Fig, title: str, height: int = 420, subtitle: str | None = None) -> dict:
    fig.update_layout(
        title=dict(
            text=title,
            x=0.01,
            xanchor="left",
            y=0.985,
            yanchor="top",
            font=dict(size=title_size(title)),
            subtitle=dict(text=subtitle or "", font=dict(size=13, color="#4a4a4a")),
        ),
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=96 if subtitle else 84, b=10),
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend=dict(
            orientation="h",
            yanchor="bottom",
            y=1.01,
            xanchor="left",
            x=0,
            title=dict(text=""),
            traceorder="normal",
        ),
        hoverlabel=dict(font=dict(size=14)),
    )
    return fig.to_dict()


def empty_figure(title: str, view: View) -> dict:
    fig = Fig()
    fig.update_layout(
        annotations=[dict(text=t(view.lang, "no_data"), showarrow=False, font=dict(size=16, color="#555"))],
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
    )
    return _base_layout(fig, title, 300)


def summarise(donor_category: list[dict]) -> dict:
    """Headline numbers from the donor x category aggregate."""
    n = sum(r["n"] for r in donor_category)
    values = [r["value_eur"] for r in donor_category if r.get("value_eur") is not None]
    donors = {r["donor_code"] for r in donor_category if r["n"]}
    return {"n": n, "donors": len(donors), "value_eur": sum(values) if values else 0.0}


def donor_rows(donor_category: list[dict], names: dict[str, tuple[str, str]], view: View) -> list[dict]:
    """One row per donor with its count/value per group, sorted by the chosen measure (largest first)."""
    per: dict[str, dict] = {}
    for r in donor_category:
        code = r["donor_code"]
        d = per.setdefault(code, {"donor_code": code, "n": 0, "value_eur": 0.0})
        g = CATEGORY_GROUP.get(r["category_code"], "lethal")
        d["n"] += r["n"]
        d["value_eur"] += r.get("value_eur") or 0.0
        d[f"n_{g}"] = d.get(f"n_{g}", 0) + r["n"]
        d[f"value_eur_{g}"] = d.get(f"value_eur_{g}", 0.0) + (r.get("value_eur") or 0.0)
    out = []
    for code, d in per.items():
        en, fr = names.get(code, (code, code))
        d["donor"] = fr if view.lang == "fr" else en
        for g in GROUPS:
            d.setdefault(f"n_{g}", 0)
            d.setdefault(f"value_eur_{g}", 0.0)
        out.append(d)
    key = "value_eur" if view.measure == "value" else "n"
    out.sort(key=lambda d: (-d[key], -d["n"], d["donor"]))
    return out


def donor_figure(donor_category: list[dict], names: dict[str, tuple[str, str]], view: View) -> dict:
    rows = donor_rows(donor_category, names, view)
    top = t(view.lang, "top", n=TOP_DONORS) if len(rows) > TOP_DONORS else ""
    title = t(view.lang, "by_donor", what=view.what(), top=top)
    if not rows:
        return empty_figure(title, view)
    rows = rows[:TOP_DONORS][::-1]  # largest at the top of a horizontal bar chart
    fig = Fig()
    prefix = "value_eur_" if view.measure == "value" else "n_"
    for g in GROUPS:
        fig.add(
            "bar",
            orientation="h",
            name=group_label(g, view.lang),
            y=[r["donor"] for r in rows],
            x=[r[prefix + g] for r in rows],
            customdata=[r["donor_code"] for r in rows],
            marker=dict(color=GROUP_COLOURS[g]),
            hovertemplate="%{y}: %{x:,.0f}<extra>" + group_label(g, view.lang) + "</extra>",
        )
    fig.update_layout(
        barmode="stack", yaxis=dict(automargin=True), xaxis=dict(tickformat="~s", automargin=True)
    )
    return _base_layout(fig, title, max(320, 28 * len(rows) + 110))


def category_rows(donor_category: list[dict], view: View) -> list[dict]:
    per: dict[str, dict] = {}
    for r in donor_category:
        c = r["category_code"]
        d = per.setdefault(c, {"category_code": c, "n": 0, "value_eur": 0.0})
        d["n"] += r["n"]
        d["value_eur"] += r.get("value_eur") or 0.0
    order = {c: i for i, (c, *_rest) in enumerate(CATEGORIES)}
    out = []
    for c in sorted(per, key=lambda c: order.get(c, 99)):
        d = per[c]
        d["group"] = CATEGORY_GROUP.get(c, "")
        d["category"] = category_label(c, view.lang)
        out.append(d)
    return out


def category_figure(donor_category: list[dict], view: View) -> dict:
    rows = [r for r in category_rows(donor_category, view) if _m(r, view) > 0]
    title = t(view.lang, "by_category", what=view.what())
    if not rows:
        return empty_figure(title, view)
    fig = Fig()
    if view.cat == "treemap":
        groups = [g for g in GROUPS if any(r["group"] == g for r in rows)]
        fig.add(
            "treemap",
            ids=[f"group:{g}" for g in groups] + [f"cat:{r['category_code']}" for r in rows],
            labels=[group_label(g, view.lang) for g in groups] + [r["category"] for r in rows],
            parents=[""] * len(groups) + [f"group:{r['group']}" for r in rows],
            values=[sum(_m(r, view) for r in rows if r["group"] == g) for g in groups]
            + [_m(r, view) for r in rows],
            branchvalues="total",
            customdata=[f"group:{g}" for g in groups] + [r["category_code"] for r in rows],
            marker=dict(
                colors=[GROUP_COLOURS[g] for g in groups] + [GROUP_COLOURS[r["group"]] for r in rows]
            ),
            hovertemplate="%{label}: %{value:,.0f}<extra></extra>",
            texttemplate="%{label}<br>%{value:,.3~s}",
        )
        return _base_layout(fig, title, 460)
    rows = sorted(rows, key=lambda r: _m(r, view))
    fig.add(
        "bar",
        orientation="h",
        y=[r["category"] for r in rows],
        x=[_m(r, view) for r in rows],
        customdata=[r["category_code"] for r in rows],
        marker=dict(color=[GROUP_COLOURS[r["group"]] for r in rows]),
        hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        showlegend=False,
    )
    fig.update_layout(yaxis=dict(automargin=True), xaxis=dict(tickformat="~s", automargin=True))
    return _base_layout(fig, title, max(320, 26 * len(rows) + 110))


def month_rows(month_category: list[dict], view: View) -> list[dict]:
    """One row per month with its count/value per group, in month order; cumulative when asked."""
    per: dict[str, dict] = defaultdict(dict)
    for r in month_category:
        g = CATEGORY_GROUP.get(r["category_code"], "lethal")
        d = per[r["month"]]
        d[g] = d.get(g, 0.0) + _m(r, view)
    months = sorted(per)
    out = [{"month": m, **{g: per[m].get(g, 0.0) for g in GROUPS}} for m in months]
    if view.time == "cumulative":
        for g in GROUPS:
            for row, total in zip(out, accumulate(r[g] for r in out), strict=True):
                row[g] = total
    return out


def time_figure(month_category: list[dict], view: View) -> dict:
    rows = month_rows(month_category, view)
    title = t(view.lang, "over_time_cum" if view.time == "cumulative" else "over_time", what=view.what())
    if not rows:
        return empty_figure(title, view)
    fig = Fig()
    x = [r["month"] + "-01" for r in rows]
    for g in GROUPS:
        y = [r[g] for r in rows]
        if view.time == "cumulative":
            fig.add(
                "scatter",
                x=x, y=y, name=group_label(g, view.lang), mode="lines", stackgroup="one",
                line=dict(color=GROUP_COLOURS[g]), customdata=[r["month"] for r in rows],
                hovertemplate="%{x|%Y-%m}: %{y:,.0f}<extra>" + group_label(g, view.lang) + "</extra>",
            )  # fmt: skip
        else:
            fig.add(
            "bar",
                x=x, y=y, name=group_label(g, view.lang), marker=dict(color=GROUP_COLOURS[g]),
                customdata=[r["month"] for r in rows],
                hovertemplate="%{x|%Y-%m}: %{y:,.0f}<extra>" + group_label(g, view.lang) + "</extra>",
            )  # fmt: skip
    fig.update_layout(
        barmode="stack",
        xaxis=dict(type="date", tickformat="%Y-%m", automargin=True),
        yaxis=dict(tickformat="~s", automargin=True),
    )
    return _base_layout(fig, title, 380)


def map_rows(donor_category: list[dict], names: dict[str, tuple[str, str]], view: View) -> list[dict]:
    """Donors that are countries (ISO 3166 alpha-3 codes) with their measure."""
    return [
        {"donor_code": r["donor_code"], "donor": r["donor"], "n": r["n"], "value_eur": r["value_eur"]}
        for r in donor_rows(donor_category, names, view)
        if len(r["donor_code"]) == 3 and r["donor_code"] not in ORGANISATIONS
    ]


def map_figure(donor_category: list[dict], names: dict[str, tuple[str, str]], view: View) -> dict:
    rows = map_rows(donor_category, names, view)
    title = t(view.lang, "map", what=view.what())
    if not rows:
        return empty_figure(title, view)
    note = t(view.lang, "map_note")
    fig = Fig()
    fig.add(
        "choropleth",
        **dict(
            locations=[r["donor_code"] for r in rows],
            locationmode="ISO-3",
            z=[_m(r, view) for r in rows],
            text=[r["donor"] for r in rows],
            customdata=[r["donor_code"] for r in rows],
            colorscale=[[0, "#cfe3f3"], [1, "#0072B2"]],  # one hue, light to dark: safe for colour blindness
            marker=dict(line=dict(color="#ffffff", width=0.5)),
            colorbar=dict(thickness=12, tickformat="~s"),
            hovertemplate="%{text}: %{z:,.0f}<extra></extra>",
        ),
    )
    fig.update_layout(
        geo=dict(
            projection=dict(type="natural earth"), showframe=False, showcoastlines=False,
            showcountries=True, countrycolor="#bbbbbb", showland=True, landcolor="#f2f2f2",
            lataxis=dict(range=[-58, 85]),
        )
    )  # fmt: skip
    return _base_layout(fig, title, 420, subtitle=note)


def number(value: float | int | None, lang: str = "en") -> str:
    """1234567 -> '1,234,567' (en) or '1 234 567' (fr)."""
    if value is None:
        return "–"
    s = f"{value:,.0f}"
    return s.replace(",", "\u202f") if lang == "fr" else s


def compact_eur(value: float | None, lang: str = "en") -> str:
    """108_000_000_000 -> '€108.0 bn' (en) or '108,0 Md €' (fr); smaller amounts in full."""
    if value is None:
        return "–"
    for size, en, fr in ((1e12, "tn", "Bn"), (1e9, "bn", "Md"), (1e6, "m", "M")):
        if abs(value) >= size:
            x = f"{value / size:.1f}"
            return f"{x.replace('.', ',')}\u202f{fr}\u202f€" if lang == "fr" else f"€{x}\u202f{en}"
    return f"{number(value, lang)}\u202f€" if lang == "fr" else f"€{number(value, lang)}"
