"""dashboard.figures: pure functions from aggregated rows to figures and tables."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard import figures
from dashboard.figures import View


def fig_of(figure: dict) -> go.Figure:
    """The figure dict, validated by plotly (an unknown property raises)."""
    assert set(figure) == {"data", "layout"}
    return go.Figure(figure)

NAMES = {"USA": ("United States", "États-Unis"), "NLD": ("Netherlands", "Pays-Bas"), "NATO": ("NATO", "OTAN")}
ROWS = [
    {"donor_code": "USA", "category_code": "munitions", "n": 5, "value_eur": 100.0},
    {"donor_code": "USA", "category_code": "financial", "n": 1, "value_eur": 900.0},
    {"donor_code": "NLD", "category_code": "tanks", "n": 7, "value_eur": None},
    {"donor_code": "NATO", "category_code": "medical", "n": 2, "value_eur": 5.0},
]
MONTHS = [
    {"month": "2023-01", "category_code": "munitions", "n": 2, "value_eur": 10.0},
    {"month": "2023-01", "category_code": "medical", "n": 1, "value_eur": None},
    {"month": "2023-03", "category_code": "munitions", "n": 4, "value_eur": 5.0},
]


def test_summarise():
    assert figures.summarise(ROWS) == {"n": 15, "donors": 3, "value_eur": 1005.0}
    assert figures.summarise([]) == {"n": 0, "donors": 0, "value_eur": 0.0}


def test_donor_rows_sorted_by_count_or_value():
    by_count = figures.donor_rows(ROWS, NAMES, View())
    assert [r["donor_code"] for r in by_count] == ["NLD", "USA", "NATO"]
    usa = by_count[1]
    assert usa["n_lethal"] == 5 and usa["n_financial"] == 1 and usa["value_eur_financial"] == 900.0
    by_value = figures.donor_rows(ROWS, NAMES, View(measure="value"))
    assert [r["donor_code"] for r in by_value] == ["USA", "NATO", "NLD"]
    assert figures.donor_rows(ROWS, NAMES, View(lang="fr"))[0]["donor"] == "Pays-Bas"


def test_donor_figure_stacks_groups_and_carries_codes():
    fig = fig_of(figures.donor_figure(ROWS, NAMES, View()))
    assert [tr.name for tr in fig.data] == ["Lethal", "Non-lethal", "Financial", "Humanitarian"]
    assert fig.layout.barmode == "stack"
    assert list(fig.data[0].customdata) == ["NATO", "USA", "NLD"]  # largest at the top
    assert "Pledges" in fig.layout.title.text and "donor" in fig.layout.title.text
    fr = fig_of(figures.donor_figure(ROWS, NAMES, View(lang="fr", mentions=True)))
    assert fr.data[0].name == "Létal" and "Mentions" in fr.layout.title.text


def test_category_bars_and_treemap():
    fig = fig_of(figures.category_figure(ROWS, View()))
    assert set(fig.data[0].customdata) == {"munitions", "financial", "tanks", "medical"}
    tm = fig_of(figures.category_figure(ROWS, View(cat="treemap", lang="fr")))
    assert tm.data[0].type == "treemap"
    assert "group:lethal" in tm.data[0].ids and "Chars" in tm.data[0].labels
    lethal = list(tm.data[0].ids).index("group:lethal")
    assert tm.data[0].values[lethal] == 12


def test_time_monthly_and_cumulative():
    rows = figures.month_rows(MONTHS, View())
    assert [r["month"] for r in rows] == ["2023-01", "2023-03"]
    assert rows[0]["lethal"] == 2 and rows[0]["non_lethal"] == 1
    cum = figures.month_rows(MONTHS, View(time="cumulative"))
    assert cum[1]["lethal"] == 6 and cum[1]["non_lethal"] == 1
    fig = fig_of(figures.time_figure(MONTHS, View(time="cumulative")))
    assert fig.data[0].type == "scatter" and "cumulative" in fig.layout.title.text
    assert fig_of(figures.time_figure(MONTHS, View())).data[0].type == "bar"


def test_map_leaves_out_organisations():
    rows = figures.map_rows(ROWS, NAMES, View())
    assert {r["donor_code"] for r in rows} == {"USA", "NLD"}
    fig = fig_of(figures.map_figure(ROWS, NAMES, View(measure="value")))
    assert fig.data[0].locationmode == "ISO-3"
    assert dict(zip(fig.data[0].locations, fig.data[0].z, strict=True)) == {"USA": 1000.0, "NLD": 0.0}


def test_empty_figures_say_so():
    for fig in (
        fig_of(figures.donor_figure([], NAMES, View())),
        fig_of(figures.category_figure([], View())),
        fig_of(figures.time_figure([], View())),
        fig_of(figures.map_figure([], NAMES, View())),
    ):
        assert fig.layout.annotations[0].text == "No announcements match these filters"


def test_palette_is_okabe_ito():
    assert set(figures.GROUP_COLOURS.values()) <= set(figures.OKABE_ITO)


def test_view_parse():
    v = View.parse({"lang": ["fr"], "measure": ["value"], "time": ["bogus"], "cat": ["treemap"]})
    assert (v.lang, v.measure, v.time, v.cat) == ("fr", "value", "monthly", "treemap")
    assert View.parse({}).to_params() == {}


def test_number_format():
    assert figures.number(1234567) == "1,234,567"
    assert figures.number(1234567, "fr") == "1\u202f234\u202f567"
    assert figures.number(None) == "–"


def test_compact_eur():
    assert figures.compact_eur(107_986_520_000) == "€108.0\u202fbn"
    assert figures.compact_eur(107_986_520_000, "fr") == "108,0\u202fMd\u202f€"
    assert figures.compact_eur(2_500_000) == "€2.5\u202fm"
    assert figures.compact_eur(950) == "€950"
