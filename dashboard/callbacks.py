"""Thin callbacks: parse the inputs, call db.queries (through dashboard.data) and the pure figure
functions, return. The `*_view` functions hold each callback's body so tests and the benchmark
can call them without a browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from dash import Dash, Input, Output, State, ctx, html, no_update

from dashboard import figures
from dashboard.data import Data
from dashboard.figures import View
from dashboard.i18n import category_label, t
from dashboard.layout import (
    CAT_CHOICES,
    COUNT_CHOICES,
    LABELS,
    MEASURE_CHOICES,
    TIME_CHOICES,
    category_options,
    column_defs,
    donor_options,
    group_options,
    radio_options,
)
from db.queries import Filters

CONTROLS = (
    ("f-donor", "value"),
    ("f-category", "value"),
    ("f-group", "value"),
    ("f-dates", "start_date"),
    ("f-dates", "end_date"),
    ("f-publisher", "value"),
    ("f-language", "value"),
    ("f-q", "value"),
    ("f-conf", "value"),
    ("f-count", "value"),
    ("ui-lang", "value"),
    ("v-measure", "value"),
    ("v-time", "value"),
    ("v-cat", "value"),
    ("f-status", "value"),  # issue 15; last, so the positions above stay
)
CLICKS = ("g-donor", "g-category", "g-map", "g-time")


# --- state <-> URL ---------------------------------------------------------------------------------


def state(data: Data, search: str | None) -> tuple[Filters, View]:
    f = data.parse(search)
    view = View.parse(parse_qs((search or "").lstrip("?")), mentions=f.mentions)
    return f, view


def search_of(f: Filters, view: View) -> str:
    params = {**f.to_params(), **view.to_params()}
    qs = urlencode(params, doseq=True)
    return f"?{qs}" if qs else ""


def controls_of(f: Filters, view: View) -> list:
    return [
        list(f.donors),
        list(f.categories),
        list(f.groups),
        f.date_from.isoformat() if f.date_from else None,
        f.date_to.isoformat() if f.date_to else None,
        list(f.publishers),
        list(f.languages),
        f.q,
        f.min_conf,
        "mentions" if f.mentions else "pledges",
        view.lang,
        view.measure,
        view.time,
        view.cat,
        list(f.statuses),
    ]


def params_of_controls(values: list) -> dict:
    (donor, category, group, start, end, publisher, language, q, conf, count, lang, measure, time, cat,
     status) = values  # fmt: skip
    return {
        "donor": donor or [],
        "category": category or [],
        "group": group or [],
        "from": (start or "")[:10],
        "to": (end or "")[:10],
        "publisher": publisher or [],
        "language": language or [],
        "q": q or "",
        "min_conf": "" if not conf else str(conf),
        "count": count or "",
        "lang": lang or "en",
        "measure": measure or "count",
        "time": time or "monthly",
        "cat": cat or "bars",
        "status": status or [],
    }


def apply_click(f: Filters, view: View, source: str, click: dict | None) -> tuple[Filters, View]:
    """A click on a chart narrows the filters (clicking the only selected donor again clears it)."""
    from dataclasses import replace

    try:
        point = (click or {})["points"][0]
    except (KeyError, IndexError, TypeError):
        return f, view
    value = point.get("customdata") or point.get("location")
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return f, view
    if source in ("g-donor", "g-map"):
        donors = () if f.donors == (value,) else (value,)
        return replace(f, donors=donors), view
    if source == "g-category":
        if value.startswith("group:"):
            return replace(f, groups=(value.split(":", 1)[1],), categories=()), view
        cats = () if f.categories == (value,) else (value,)
        return replace(f, categories=cats), view
    if source == "g-time":
        import calendar
        import datetime as dt

        try:
            y, m = int(value[:4]), int(value[5:7])
            last = calendar.monthrange(y, m)[1]
            return replace(f, date_from=dt.date(y, m, 1), date_to=dt.date(y, m, last)), view
        except ValueError:
            return f, view
    return f, view


def notice_of(f: Filters, lang: str):
    if not f.notices:
        return None
    return [html.Strong(t(lang, "notice") + ": "), html.Ul([html.Li(n) for n in f.notices])]


def sync_view(data: Data, trigger: str | None, search: str | None, values: list, clicks: dict) -> list:
    """Returns [search, *control values, notice]; the URL is the single source of truth."""
    n_out = len(CONTROLS) + 2
    if trigger in (None, "url"):
        f, view = state(data, search)
        return [no_update, *controls_of(f, view), notice_of(f, view.lang)]
    if trigger == "reset":
        f, view = Filters(), View(lang=(values[10] or "en"))
        return [search_of(f, view), *controls_of(f, view), None]
    if trigger in CLICKS:
        f, view = state(data, search)
        f, view = apply_click(f, view, trigger, clicks.get(trigger))
        return [search_of(f, view), *controls_of(f, view), None]
    f, view = state(data, "?" + urlencode(params_of_controls(values), doseq=True))
    new = search_of(f, view)
    out = [no_update] * n_out
    if new != (search or ""):
        out[0] = new
    return out


# --- charts ---------------------------------------------------------------------------------------


HEADLINE_OUTPUTS = (
    ("kpi-n-value", "children"),
    ("kpi-n-label", "children"),
    ("kpi-donors-value", "children"),
    ("kpi-donors-label", "children"),
    ("kpi-releases-label", "children"),
    ("kpi-value-value", "children"),
    ("kpi-value-value", "title"),
    ("kpi-value-label", "children"),
    ("as-of", "children"),
)


def headline_view(data: Data, search: str | None) -> tuple:
    """The headline figures except the number of releases (its own callback: it costs more)."""
    f, view = state(data, search)
    lang = view.lang
    summary = figures.summarise(data.donor_category(f))
    run = data.last_run()
    if run:
        when = run.get("finished_at") or run.get("started_at")
        as_of = f"{t(lang, 'data_as_of')} {when:%Y-%m-%d %H:%M} UTC ({run['status']})"
    else:
        as_of = f"{t(lang, 'data_as_of')}: {t(lang, 'no_run')}"
    return (
        figures.number(summary["n"], lang),
        t(lang, "mentions" if f.mentions else "pledges"),
        figures.number(summary["donors"], lang),
        t(lang, "donors"),
        t(lang, "releases"),
        figures.compact_eur(summary["value_eur"], lang),
        f"{figures.number(summary['value_eur'], lang)} EUR",
        t(lang, "value"),
        as_of,
    )


def releases_view(data: Data, search: str | None) -> str:
    f, view = state(data, search)
    return figures.number(data.release_count(f), view.lang)


def donor_view(data: Data, search: str | None):
    f, view = state(data, search)
    rows, names = data.donor_category(f), data.donor_names()
    return figures.donor_figure(rows, names, view), figures.map_figure(rows, names, view)


def category_view(data: Data, search: str | None):
    f, view = state(data, search)
    return figures.category_figure(data.donor_category(f), view)


def time_view(data: Data, search: str | None):
    f, view = state(data, search)
    return figures.time_figure(data.month_category(f), view)


def rows_view(data: Data, search: str | None, request: dict | None) -> dict:
    f, view = state(data, search)
    request = request if isinstance(request, dict) else {}  # the browser's request: any JSON at all
    try:
        start = min(max(0, int(request.get("startRow") or 0)), 10**9)  # an OFFSET the database takes
        end = int(request.get("endRow") or start + 50)
    except (TypeError, ValueError, OverflowError):
        start, end = 0, 50
    sort_model = request.get("sortModel") if isinstance(request.get("sortModel"), list) else None
    filter_model = request.get("filterModel") if isinstance(request.get("filterModel"), dict) else None
    rows, total = data.table_page(f, start, end, sort_model, filter_model)
    names = data.donor_names()
    out = []
    for r in rows:
        r = dict(r)
        r["category_label"] = category_label(r["category"], view.lang)
        if view.lang == "fr":
            r["donor"] = names.get(r["donor_code"], (r["donor"], r["donor"]))[1]
        out.append(r)
    return {"rowData": out, "rowCount": total}


def status_view(data: Data, search: str | None):
    from dashboard.status_chart import status_figure

    f, view = state(data, search)
    return status_figure(data.status_counts(f), view)


def filter_change_views(data: Data, search: str) -> dict:
    """Everything the page recomputes after a filter change (for the benchmark and tests)."""
    return {
        "headline": headline_view(data, search),
        "releases": releases_view(data, search),
        "donor": donor_view(data, search),
        "category": category_view(data, search),
        "time": time_view(data, search),
        "status": status_view(data, search),
        "table": rows_view(data, search, {"startRow": 0, "endRow": 50}),
    }


# --- registration ---------------------------------------------------------------------------------


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("url", "search"),
        *[Output(i, p) for i, p in CONTROLS],
        Output("notice", "children"),
        Input("url", "search"),
        *[Input(i, p) for i, p in CONTROLS],
        Input("reset", "n_clicks"),
        *[Input(g, "clickData") for g in CLICKS],
    )
    def sync(search, *rest):
        values = list(rest[: len(CONTROLS)])
        clicks = dict(zip(CLICKS, rest[len(CONTROLS) + 1 :], strict=True))
        trigger = ctx.triggered_id
        if trigger in {i for i, _ in CONTROLS}:
            trigger = "control"
        return sync_view(data, trigger, search, values, clicks)

    @app.callback(*[Output(i, p) for i, p in HEADLINE_OUTPUTS], Input("url", "search"))
    def headline(search):
        return headline_view(data, search)

    @app.callback(Output("kpi-releases-value", "children"), Input("url", "search"))
    def releases(search):
        return releases_view(data, search)

    @app.callback(Output("g-donor", "figure"), Output("g-map", "figure"), Input("url", "search"))
    def donors(search):
        return donor_view(data, search)

    @app.callback(Output("g-category", "figure"), Input("url", "search"))
    def categories(search):
        return category_view(data, search)

    @app.callback(Output("g-time", "figure"), Input("url", "search"))
    def time(search):
        return time_view(data, search)

    @app.callback(Output("g-status", "figure"), Input("url", "search"))
    def status(search):
        return status_view(data, search)

    @app.callback(Output("f-status", "options"), Output("l-status", "children"), Input("ui-lang", "value"))
    def status_labels(lang):
        from dashboard.status_chart import LABELS, status_options

        lang = lang if lang in ("en", "fr") else "en"
        return status_options(lang), LABELS[lang]["filter"]

    @app.callback(Output("grid", "getRowsResponse"), Input("grid", "getRowsRequest"), State("url", "search"))
    def rows(request, search):
        return rows_view(data, search, request)

    @app.callback(
        *[Output(i, "children") for i in LABELS],
        Output("f-donor", "options"),
        Output("f-category", "options"),
        Output("f-group", "options"),
        Output("f-count", "options"),
        Output("v-measure", "options"),
        Output("v-time", "options"),
        Output("v-cat", "options"),
        Output("grid", "columnDefs"),
        *[Output(f"dl-{n}", "children") for n in ("donors", "categories", "months", "map")],
        Input("ui-lang", "value"),
    )
    def labels(lang):
        lang = lang if lang in ("en", "fr") else "en"
        donors = data.options()["donors"]
        return (
            *[t(lang, key) for key in LABELS.values()],
            donor_options(donors, lang),
            category_options(lang),
            group_options(lang),
            radio_options(lang, COUNT_CHOICES),
            radio_options(lang, MEASURE_CHOICES),
            radio_options(lang, TIME_CHOICES),
            radio_options(lang, CAT_CHOICES),
            column_defs(lang),
            *[t(lang, "chart_csv")] * 4,
        )

    # Links and the grid's cache follow the URL in the browser (no round trip).
    app.clientside_callback(
        """function (search) {
            var s = search || "";
            return ["/download/announcements.csv" + s, "/download/chart/donors.csv" + s,
                    "/download/chart/categories.csv" + s, "/download/chart/months.csv" + s,
                    "/download/chart/map.csv" + s];
        }""",
        Output("dl-csv", "href"),
        *[Output(f"dl-{n}", "href") for n in ("donors", "categories", "months", "map")],
        Input("url", "search"),
    )
    app.clientside_callback(
        """function (search) { return "/review/" + (search || ""); }""",
        Output("review-link", "href"),
        Input("url", "search"),
    )
    app.clientside_callback(
        """function (search) {
            try {
                if (window.dash_ag_grid && window.dash_ag_grid.getApi) {
                    var api = window.dash_ag_grid.getApi("grid");
                    if (api) { api.purgeInfiniteCache(); }
                }
            } catch (e) { /* the grid is not mounted yet: it will ask for rows itself */ }
            return search || "";
        }""",
        Output("grid-purge", "data"),
        Input("url", "search"),
        prevent_initial_call=True,
    )
