"""The page: filter panel, headline figures, four charts, the table. No callbacks here."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.data import Data
from dashboard.i18n import category_label, group_label, t
from dashboard.status_chart import status_options
from db.reference import CATEGORIES, GROUPS

GRAPH_IDS = ("g-donor", "g-category", "g-time", "g-map")
CHART_LINKS = {"g-donor": "donors", "g-category": "categories", "g-time": "months", "g-map": "map"}

# id of a label element -> i18n key (the labels callback translates them all)
LABELS = {
    "l-donor": "donor",
    "l-category": "category",
    "l-group": "group",
    "l-dates": "dates",
    "l-publisher": "publisher",
    "l-language": "language",
    "l-q": "search",
    "l-conf": "min_conf",
    "l-count": "counting",
    "l-measure": "measure",
    "l-time": "time_view",
    "l-cat": "cat_view",
    "reset": "reset",
    "dl-csv": "download_csv",
    "table-title": "table_title",
    "title": "title",
    "click-hint": "click_hint",
}


def donor_options(donors: list[tuple[str, str, str]], lang: str) -> list[dict]:
    return [{"label": (fr if lang == "fr" else en), "value": code} for code, en, fr in donors]


def category_options(lang: str) -> list[dict]:
    return [
        {"label": f"{category_label(c, lang)} ({group_label(g, lang)})", "value": c}
        for c, g, _, _ in CATEGORIES
    ]


def group_options(lang: str) -> list[dict]:
    return [{"label": group_label(g, lang), "value": g} for g in GROUPS]


def radio_options(lang: str, pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    return [{"label": t(lang, key), "value": value} for value, key in pairs]


COUNT_CHOICES = (("pledges", "count_pledges"), ("mentions", "count_mentions"))
MEASURE_CHOICES = (("count", "measure_count"), ("value", "measure_value"))
TIME_CHOICES = (("monthly", "monthly"), ("cumulative", "cumulative"))
CAT_CHOICES = (("bars", "bars"), ("treemap", "treemap"))


def column_defs(lang: str) -> list[dict]:
    num = {"filter": "agNumberColumnFilter", "type": "rightAligned"}
    fmt = {"function": "params.value == null ? '' : d3.format(',')(params.value)"}
    return [
        {"field": "date", "headerName": t(lang, "col_date"), "filter": "agDateColumnFilter", "width": 120},
        {"field": "donor", "headerName": t(lang, "donor"), "width": 150},
        {"field": "category_label", "colId": "category", "headerName": t(lang, "category"), "width": 170},
        {"field": "item", "headerName": t(lang, "col_item"), "width": 260, "tooltipField": "item"},
        {
            "field": "quantity",
            "headerName": t(lang, "col_quantity"),
            "width": 110,
            "valueFormatter": fmt,
            **num,
        },
        {"field": "value", "headerName": t(lang, "col_value"), "width": 140, "valueFormatter": fmt, **num},
        {"field": "currency", "headerName": t(lang, "col_currency"), "width": 100},
        {
            "field": "value_eur",
            "headerName": t(lang, "col_value_eur"),
            "width": 150,
            "valueFormatter": fmt,
            **num,
        },
        {"field": "publisher", "headerName": t(lang, "publisher"), "width": 180},
        {
            "field": "evidence",
            "headerName": t(lang, "col_evidence"),
            "width": 420,
            "tooltipField": "evidence",
        },
        {
            "field": "source_url",
            "headerName": t(lang, "col_source"),
            "cellRenderer": "SourceLink",
            "width": 170,
            "sortable": False,
        },
        {"field": "confidence", "headerName": t(lang, "col_confidence"), "width": 120, **num},
        {"field": "status", "headerName": "Status", "width": 120},
    ]


KPIS = ("n", "donors", "releases", "value")


def _kpi(key: str) -> html.Div:
    return html.Div(
        [
            html.Div("…", id=f"kpi-{key}-value", className="kpi-value"),
            html.Div("", id=f"kpi-{key}-label", className="kpi-label"),
        ],
        className="kpi",
        id=f"kpi-{key}",
    )


def _field(label_id: str, control, lang: str = "en") -> html.Div:
    return html.Div(
        [html.Label(t(lang, LABELS[label_id]), id=label_id, htmlFor=getattr(control, "id", None)), control],
        className="field",
    )


def _chart(graph_id: str, topojson_url: str) -> html.Div:
    return html.Div(
        [
            dcc.Loading(
                dcc.Graph(
                    id=graph_id,
                    config={
                        "displaylogo": False,
                        "topojsonURL": topojson_url,
                        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                        "responsive": True,
                    },
                ),
                type="dot",
                delay_show=300,
            ),
            html.A(
                t("en", "chart_csv"),
                id=f"dl-{CHART_LINKS[graph_id]}",
                className="chart-csv",
                href=f"/download/chart/{CHART_LINKS[graph_id]}.csv",
            ),
        ],
        className=f"card chart chart-{CHART_LINKS[graph_id]}",
    )


def build_layout(data: Data, topojson_url: str) -> html.Div:
    try:
        donors = data.options()["donors"]
        publishers = data.options()["publishers"]
        languages = data.options()["languages"]
    except Exception:  # the page still loads; the notice explains
        donors, publishers, languages = [], [], []
    lang = "en"
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="grid-purge"),
            html.Header(
                [
                    html.H1(t(lang, "title"), id="title"),
                    html.Div(
                        [
                            html.Span(id="as-of", className="as-of"),
                            html.A("Review", id="review-link", href="/review/", className="button"),
                            dcc.RadioItems(
                                id="ui-lang",
                                options=[
                                    {"label": "English", "value": "en"},
                                    {"label": "Français", "value": "fr"},
                                ],
                                value="en",
                                inline=True,
                                className="lang-toggle",
                            ),
                        ],
                        className="header-right",
                    ),
                ],
                className="top",
            ),
            html.Div(id="notice", className="notice", role="alert"),
            html.Main(
                [
                    html.Aside(
                        [
                            _field(
                                "l-donor",
                                dcc.Dropdown(
                                    id="f-donor",
                                    options=donor_options(donors, lang),
                                    multi=True,
                                    searchable=True,
                                ),
                            ),
                            _field(
                                "l-category",
                                dcc.Dropdown(id="f-category", options=category_options(lang), multi=True),
                            ),
                            _field(
                                "l-group",
                                dcc.Checklist(
                                    id="f-group", options=group_options(lang), value=[], inline=False
                                ),
                            ),
                            _field(
                                "l-dates",
                                dcc.DatePickerRange(
                                    id="f-dates",
                                    display_format="YYYY-MM-DD",
                                    clearable=True,
                                    start_date_placeholder_text="YYYY-MM-DD",
                                    end_date_placeholder_text="YYYY-MM-DD",
                                ),
                            ),
                            _field(
                                "l-publisher",
                                dcc.Dropdown(
                                    id="f-publisher",
                                    options=[{"label": p, "value": p} for p in publishers],
                                    multi=True,
                                ),
                            ),
                            _field(
                                "l-language",
                                dcc.Dropdown(
                                    id="f-language",
                                    options=[{"label": x, "value": x} for x in languages],
                                    multi=True,
                                ),
                            ),
                            _field("l-q", dcc.Input(id="f-q", type="search", debounce=True, value="")),
                            html.Div(
                                [
                                    html.Label("Status", id="l-status", htmlFor="f-status"),
                                    dcc.Checklist(id="f-status", options=status_options(lang), value=[]),
                                ],
                                className="field",
                            ),
                            _field(
                                "l-conf",
                                dcc.Slider(
                                    id="f-conf",
                                    min=0,
                                    max=1,
                                    step=0.1,
                                    value=0,
                                    marks={0: "0", 0.5: "0.5", 0.7: "0.7", 0.9: "0.9", 1: "1"},
                                    tooltip={"placement": "bottom"},
                                ),
                            ),
                            _field(
                                "l-count",
                                dcc.RadioItems(
                                    id="f-count", options=radio_options(lang, COUNT_CHOICES), value="pledges"
                                ),
                            ),
                            _field(
                                "l-measure",
                                dcc.RadioItems(
                                    id="v-measure",
                                    options=radio_options(lang, MEASURE_CHOICES),
                                    value="count",
                                ),
                            ),
                            _field(
                                "l-time",
                                dcc.RadioItems(
                                    id="v-time", options=radio_options(lang, TIME_CHOICES), value="monthly"
                                ),
                            ),
                            _field(
                                "l-cat",
                                dcc.RadioItems(
                                    id="v-cat", options=radio_options(lang, CAT_CHOICES), value="bars"
                                ),
                            ),
                            html.Button(t(lang, "reset"), id="reset", n_clicks=0, className="button"),
                            html.A(
                                t(lang, "download_csv"),
                                id="dl-csv",
                                href="/download/announcements.csv",
                                className="button primary",
                            ),
                        ],
                        className="filters",
                    ),
                    html.Div(
                        [
                            html.Section([_kpi(k) for k in KPIS], id="headline", className="headline"),
                            html.P(t(lang, "click_hint"), id="click-hint", className="hint"),
                            html.Div(
                                [_chart(g, topojson_url) for g in GRAPH_IDS]
                                + [
                                    html.Div(
                                        dcc.Graph(id="g-status", config={"displaylogo": False, "responsive": True}),
                                        className="card chart chart-status",
                                    )
                                ],
                                className="charts",
                            ),
                            html.Section(
                                [
                                    html.H2(t(lang, "table_title"), id="table-title"),
                                    dag.AgGrid(
                                        id="grid",
                                        rowModelType="infinite",
                                        columnDefs=column_defs(lang),
                                        defaultColDef={
                                            "sortable": True,
                                            "filter": True,
                                            "resizable": True,
                                            "filterParams": {
                                                "buttons": ["reset", "apply"],
                                                "maxNumConditions": 1,
                                            },
                                        },
                                        dashGridOptions={
                                            "pagination": True,
                                            "paginationPageSize": 50,
                                            "paginationPageSizeSelector": False,
                                            "cacheBlockSize": 50,
                                            "maxBlocksInCache": 20,
                                            "rowBuffer": 0,
                                            "tooltipShowDelay": 300,
                                            "enableCellTextSelection": True,
                                        },
                                        style={"height": "560px", "width": "100%"},
                                    ),
                                ],
                                className="card table",
                            ),
                        ],
                        className="content",
                    ),
                ],
                className="main",
            ),
        ],
        className="app",
    )
