"""The review view (issue 15): `/review/`, a second Dash app on the dashboard's Flask server.

Rows lowest confidence first (the main view's filters, from the same query string, plus a
review state), each with its evidence sentence highlighted inside its paragraph (text spans,
never HTML) and its source link. A logged-in reviewer or admin confirms, rejects or corrects a
row, or adds a missing one from a sentence of its release; viewers and anonymous readers get the
same page without any edit control.

Writes are plain JSON endpoints (`register_api`), each behind `dashboard.auth.require_editor`
(403 unless an editor is logged in, 400 without the session's CSRF token): the page's buttons
call them from `assets/review.js` with the token in the `X-CSRFToken` header. Keyboard: j / k
(or arrows) next / previous row, c confirm, x reject, s save the correction.

Callbacks are thin: their bodies are the `*_view` functions below, over db.review.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, dcc, html, no_update
from flask import Flask, abort, jsonify, request
from flask_login import current_user

from dashboard.auth import csrf_token, editor, require_editor
from dashboard.data import Data
from dashboard.i18n import category_label
from db import review as rv
from db.reference import CATEGORIES

STATE_LABELS = {
    "unreviewed": "To review",
    "flagged": "Flagged for a look",
    "confirmed": "Confirmed",
    "corrected": "Corrected",
    "rejected": "Rejected",
    "all": "All rows",
}
STATUS_LABELS = {"announced": "announced", "delivered": "delivered", "in_delivery": "in delivery",
                 "unknown": "unknown"}  # fmt: skip
FIELDS = ("donor_code", "category_code", "item", "quantity", "value", "currency", "date", "status")


# --- pure pieces -----------------------------------------------------------------------------------


def review_state_of(search: str | None) -> str:
    state = (parse_qs((search or "").lstrip("?")).get("state") or ["unreviewed"])[0]
    return state if state in rv.QUEUE_STATES else "unreviewed"


def search_with(search: str | None, **changes: Any) -> str:
    """The query string with some keys set (None or empty: removed)."""
    params = parse_qs((search or "").lstrip("?"))
    for k, v in changes.items():
        if v in (None, "", []):
            params.pop(k, None)
        else:
            params[k] = v if isinstance(v, list) else [v]
    qs = urlencode(params, doseq=True)
    return f"?{qs}" if qs else ""


def paragraph_children(segments: list[tuple[str, bool]]) -> list:
    """Text segments as spans, the evidence one highlighted: release text is never parsed as HTML."""
    return [html.Mark(t, className="evidence") if hl else html.Span(t) for t, hl in segments]


def source_link(url: str | None):
    """A link only for an http(s) URL; anything else (a file path) is plain text."""
    url = url or ""
    if url.lower().startswith(("http://", "https://")) and " " not in url:
        return html.A(url, href=url, target="_blank", rel="noopener noreferrer nofollow", id="rv-source")
    return html.Span(url, id="rv-source")


def column_defs() -> list[dict]:
    return [
        {"field": "confidence", "headerName": "Confidence", "width": 115, "type": "rightAligned"},
        {"field": "review_state", "headerName": "Review", "width": 115},
        {"field": "review_flag", "headerName": "Flag", "width": 130},
        {"field": "date", "headerName": "Date", "width": 110},
        {"field": "donor_code", "headerName": "Donor", "width": 90},
        {"field": "category_label", "headerName": "Category", "width": 160},
        {"field": "item", "headerName": "Item", "width": 220, "tooltipField": "item"},
        {"field": "quantity", "headerName": "Quantity", "width": 100, "type": "rightAligned"},
        {"field": "value", "headerName": "Value", "width": 120, "type": "rightAligned"},
        {"field": "currency", "headerName": "Cur.", "width": 80},
        {"field": "status", "headerName": "Status", "width": 110},
        {"field": "evidence", "headerName": "Evidence", "width": 480, "tooltipField": "evidence"},
    ]


# --- views (callback bodies) -------------------------------------------------------------------------


def queue_view(data: Data, search: str | None, req: dict | None) -> dict:
    f = data.parse(search)
    req = req if isinstance(req, dict) else {}
    try:
        start = min(max(0, int(req.get("startRow") or 0)), 10**9)
        end = int(req.get("endRow") or start + 50)
    except (TypeError, ValueError, OverflowError):
        start, end = 0, 50
    with data.engine.connect() as conn:
        rows, total = rv.queue_page(conn, f, review_state_of(search), start, end)
    for r in rows:
        r["category_label"] = category_label(r["category_code"], "en")
    out: dict[str, Any] = {"rowData": rows}
    if total is not None:
        out["rowCount"] = total
    return out


def _detail(data: Data, ann_id: Any) -> dict | None:
    try:
        ann_id = int(ann_id)
    except (TypeError, ValueError):
        return None
    with data.engine.connect() as conn:
        return rv.detail(conn, ann_id)


def editor_view(data: Data, ann_id: Any) -> tuple:
    """The editor's field values, the release id and the release's sentences for one row."""
    d = _detail(data, ann_id)
    if d is None:
        return (*([None] * len(FIELDS)), None, [])
    row = d["row"]
    sentences = [{"label": (t if len(t) <= 160 else t[:157] + "…"), "value": f"{s}:{e}"}
                 for s, e, t in d["sentences"]]  # fmt: skip
    return (*[row[k] for k in FIELDS], d["release"]["id"], sentences)


def detail_view(data: Data, ann_id: Any) -> list:
    """The panel of one row: its release, paragraph with the evidence highlighted, fields, history."""
    d = _detail(data, ann_id)
    if d is None:
        return [html.P("Select a row (j / k to move, c confirm, x reject).", className="hint")]
    row, rel = d["row"], d["release"]
    names = data.donor_names()
    facts = [
        ("Donor", f"{names.get(row['donor_code'], (row['donor_code'],))[0]} ({row['donor_code']})"),
        ("Category", category_label(row["category_code"], "en")),
        ("Item", row["item"]),
        ("Quantity", "" if row["quantity"] is None else f"{row['quantity']:,}"),
        ("Value", "" if row["value"] is None else f"{row['value']:,.0f} {row['currency'] or ''}"),
        ("Date", row["date"]),
        ("Status", STATUS_LABELS.get(row["status"], row["status"])),
        ("Confidence", f"{row['confidence']:.2f}"),
        ("Review", row["review_state"] + (f" — {row['review_flag']}" if row["review_flag"] else "")),
        ("Publisher", f"{rel['publisher'] or ''} ({rel['language'] or '?'})"),
    ]
    panel = [
        html.H3(rel["title"] or rel["source"], className="rv-title"),
        html.Div(["Source: ", source_link(rel["url"])], className="rv-source"),
        html.P(paragraph_children(d["paragraph"]), id="rv-paragraph", className="rv-paragraph"),
        html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v, **{"data-field": k.lower()}))],
                className="rv-facts"),  # fmt: skip
    ]
    if row["review_flag"] == rv.FLAG_EVIDENCE_MISSING:
        panel.insert(1, html.P("The evidence sentence is no longer in the newest version of this release: "
                               "the row was kept as reviewed; check it.", className="notice", role="alert"))  # fmt: skip
    if d["history"]:
        panel.append(html.H4("History"))
        panel.append(
            html.Ul(
                [
                    html.Li(
                        f"{h['created_at']:%Y-%m-%d %H:%M} {h['user_name']}: {h['action']}"
                        + (f" {h['before']} → {h['after']}" if h["action"] == "correct" else "")
                        + (f" — {h['note']}" if h["note"] else "")
                    )
                    for h in d["history"]
                ],
                id="rv-history",
            )
        )
    return panel


# --- write endpoints ---------------------------------------------------------------------------------


def _who():
    user = editor()
    return rv.Reviewer(int(user.id), user.name)


def register_api(server: Flask, data: Data) -> None:
    def known() -> tuple[set[str], set[str]]:
        return set(data.donor_names()), {c for c, *_ in CATEGORIES}

    def done(row: dict):
        data.version(force=True)  # this process's cache: the next page sees the change at once
        out = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        return jsonify({"ok": True, "row": out})

    @server.route("/review/api/announcements/<int:ann_id>", methods=["POST"])
    @require_editor
    def review_announcement(ann_id: int):  # noqa: ANN202
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="a JSON object is expected")
        donors, categories = known()
        try:
            with data.engine.begin() as conn:
                row = rv.apply_review(conn, ann_id, str(body.get("action")), _who(), body.get("changes") or {},
                                      body.get("note"), donors=donors, categories=categories)  # fmt: skip
        except rv.ReviewError as exc:
            return jsonify({"ok": False, "error": str(exc)}), 422
        return done(row)

    @server.route("/review/api/releases/<int:release_id>/announcements", methods=["POST"])
    @require_editor
    def add_announcement(release_id: int):  # noqa: ANN202
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="a JSON object is expected")
        donors, categories = known()
        try:
            start, end = int(body.get("start")), int(body.get("end"))
        except (TypeError, ValueError):
            return jsonify({"ok": False, "error": "select a sentence of the release"}), 422
        try:
            with data.engine.begin() as conn:
                row = rv.add_row(conn, release_id, start, end, body.get("fields") or {}, _who(),
                                 body.get("note"), donors=donors, categories=categories)  # fmt: skip
        except rv.ReviewError as exc:
            return jsonify({"ok": False, "error": str(exc)}), 422
        return done(row)


# --- the page ----------------------------------------------------------------------------------------


def _donor_options(data: Data) -> list[dict]:
    try:
        names = data.donor_names()
    except Exception:  # the page still loads without the database; the queue then says so
        names = {}
    return [{"label": f"{en} ({c})", "value": c} for c, (en, _fr) in sorted(names.items(), key=lambda x: x[1][0])]


def _editor_controls(data: Data) -> html.Div:
    donors = _donor_options(data)
    cats = [{"label": category_label(c, "en"), "value": c} for c, *_ in CATEGORIES]

    def field(label: str, control) -> html.Div:
        return html.Div([html.Label(label, htmlFor=control.id), control], className="field")

    return html.Div(
        [
            dcc.Store(id="rv-release"),
            html.H3("Correct this row"),
            field("Donor", dcc.Dropdown(id="rv-f-donor_code", options=donors, clearable=False)),
            field("Category", dcc.Dropdown(id="rv-f-category_code", options=cats, clearable=False)),
            field("Item", dcc.Input(id="rv-f-item", type="text")),
            field("Quantity", dcc.Input(id="rv-f-quantity", type="text", inputMode="numeric")),
            field("Value", dcc.Input(id="rv-f-value", type="text", inputMode="decimal")),
            field("Currency", dcc.Input(id="rv-f-currency", type="text", maxLength=3)),
            field("Date", dcc.Input(id="rv-f-date", type="text", placeholder="YYYY-MM-DD")),
            field("Status", dcc.Dropdown(id="rv-f-status", clearable=False,
                                         options=[{"label": v, "value": k} for k, v in STATUS_LABELS.items()])),  # fmt: skip
            field("Note", dcc.Textarea(id="rv-note")),
            html.Div(
                [
                    html.Button("Confirm (c)", id="rv-confirm", n_clicks=0, className="button primary"),
                    html.Button("Reject (x)", id="rv-reject", n_clicks=0, className="button"),
                    html.Button("Save correction (s)", id="rv-save", n_clicks=0, className="button"),
                ],
                className="rv-actions",
            ),
            html.H3("Add a missing row"),
            html.P("Pick the sentence of this release that states it; the fields above give its values.",
                   className="hint"),  # fmt: skip
            dcc.Dropdown(id="rv-sentence", options=[], placeholder="Sentence of the release"),
            html.Button("Add row", id="rv-add", n_clicks=0, className="button"),
            html.Div(id="rv-message", role="status", className="rv-message"),
        ],
        className="card rv-editor",
        id="rv-editor",
    )


def _account_bar(user) -> html.Div:
    if user is not None and getattr(user, "is_authenticated", False):
        return html.Div(
            [
                html.Span(f"{user.name} ({user.role})", id="rv-user"),
                html.Form(
                    [dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
                     html.Button("Log out", type="submit", className="button", id="rv-logout")],  # fmt: skip
                    method="post",
                    action="/logout",
                    className="inline-form",
                ),
            ],
            className="header-right",
        )
    return html.Div(html.A("Log in to edit", href="/login?next=/review/", id="rv-login", className="button"),
                    className="header-right")  # fmt: skip


def build_review_layout(data: Data) -> html.Div:
    user = current_user
    can_edit = editor() is not None
    side = [html.Div(id="rv-detail", className="card rv-detail")]
    if can_edit:
        side.append(_editor_controls(data))
    return html.Div(
        [
            dcc.Location(id="rv-url", refresh=False),
            dcc.Store(id="rv-csrf", data=csrf_token() if can_edit else None),
            dcc.Store(id="rv-selected"),
            dcc.Store(id="rv-result"),
            dcc.Store(id="rv-purge"),
            html.Header(
                [html.H1("aidtracker: review"), html.A("← Dashboard", href="/", id="rv-home"),
                 _account_bar(user)],  # fmt: skip
                className="top",
            ),
            html.Div(
                [
                    html.Label("Show", htmlFor="rv-state"),
                    dcc.Dropdown(id="rv-state", options=[{"label": v, "value": k} for k, v in STATE_LABELS.items()],
                                 value="unreviewed", clearable=False, className="rv-state"),  # fmt: skip
                    html.Label("Donor", htmlFor="rv-donor"),
                    dcc.Dropdown(id="rv-donor", options=_donor_options(data), multi=True, className="rv-state"),
                    html.Label("Category", htmlFor="rv-category"),
                    dcc.Dropdown(id="rv-category", multi=True, className="rv-state",
                                 options=[{"label": category_label(c, "en"), "value": c} for c, *_ in CATEGORIES]),  # fmt: skip
                    html.Label("Search", htmlFor="rv-q"),
                    dcc.Input(id="rv-q", type="search", debounce=True, value=""),
                    html.Span("The main view's other filters apply too (from the address).", className="hint"),
                ],
                className="rv-filters",
            ),
            html.Div(
                [
                    html.Div(
                        dag.AgGrid(
                            id="rv-grid",
                            rowModelType="infinite",
                            columnDefs=column_defs(),
                            defaultColDef={"sortable": False, "filter": False, "resizable": True},
                            # no getRowId: the infinite model's loading rows have no data yet, and one id
                            # for all of them ("undefined") selected every row and lost the selection
                            dashGridOptions={
                                "rowSelection": {"mode": "singleRow", "enableClickSelection": True,
                                                 "checkboxes": False},  # fmt: skip
                                "pagination": True,
                                "paginationPageSize": 50,
                                "paginationPageSizeSelector": False,
                                "cacheBlockSize": 50,
                                "maxBlocksInCache": 20,
                                "rowBuffer": 0,
                                "tooltipShowDelay": 300,
                                "enableCellTextSelection": True,
                            },
                            style={"height": "640px", "width": "100%"},
                        ),
                        className="card rv-queue",
                    ),
                    html.Div(side, className="rv-side"),
                ],
                className="rv-main",
            ),
        ],
        className="app review",
        **{"data-can-edit": "1" if can_edit else "0"},
    )


def create_review_app(server: Flask, data: Data, assets_folder: str) -> Dash:
    app = Dash(
        __name__,
        server=server,
        url_base_pathname="/review/",
        assets_folder=assets_folder,
        title="aidtracker: review",
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,  # the editor's controls exist only for editors
    )
    app.layout = lambda: build_review_layout(data)
    register_api(server, data)

    @app.callback(Output("rv-grid", "getRowsResponse"), Input("rv-grid", "getRowsRequest"), State("rv-url", "search"))
    def rows(req, search):
        return queue_view(data, search, req)

    @app.callback(
        Output("rv-url", "search"),
        Input("rv-state", "value"),
        Input("rv-donor", "value"),
        Input("rv-category", "value"),
        Input("rv-q", "value"),
        State("rv-url", "search"),
        prevent_initial_call=True,
    )
    def filters(state, donors, categories, q, search):
        new = search_with(search, state=None if state == "unreviewed" else state, donor=donors or None,
                          category=categories or None, q=q or None)  # fmt: skip
        return new if new != (search or "") else no_update

    @app.callback(
        Output("rv-state", "value"), Output("rv-donor", "value"), Output("rv-category", "value"),
        Output("rv-q", "value"), Input("rv-url", "search"),
    )  # fmt: skip
    def controls(search):
        f = data.parse(search or "")
        return review_state_of(search), list(f.donors), list(f.categories), f.q

    @app.callback(
        Output("rv-selected", "data"),
        Input("rv-grid", "selectedRows"),
    )
    def selected(rows):
        return rows[0]["id"] if rows else no_update

    @app.callback(Output("rv-detail", "children"), Input("rv-selected", "data"), Input("rv-result", "data"))
    def show(ann_id, result):
        return detail_view(data, ann_id)

    # only in an editor's page (a viewer's has none of these outputs, so it never runs there)
    @app.callback(
        *[Output(f"rv-f-{k}", "value") for k in FIELDS],
        Output("rv-release", "data"),
        Output("rv-sentence", "options"),
        Input("rv-selected", "data"),
        Input("rv-result", "data"),
    )
    def fill(ann_id, result):
        if editor() is None:
            return (*([no_update] * len(FIELDS)), no_update, no_update)
        return editor_view(data, ann_id)

    app.clientside_callback(
        """function (result) {
            try {
                var api = window.dash_ag_grid && window.dash_ag_grid.getApi("rv-grid");
                // row ids are the rows' indexes (the loading rows of the infinite model have no data to
                // take an id from): deselect first, so the row that takes the reviewed one's place is
                // selected anew when clicked
                if (api) { api.deselectAll(); api.refreshInfiniteCache(); }
            } catch (e) {}
            return (result && result.message) || "";
        }""",
        Output("rv-message", "children"),
        Input("rv-result", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        """function (search) {
            try {
                var api = window.dash_ag_grid && window.dash_ag_grid.getApi("rv-grid");
                if (api) { api.purgeInfiniteCache(); }
            } catch (e) {}
            return search || "";
        }""",
        Output("rv-purge", "data"),
        Input("rv-url", "search"),
        prevent_initial_call=True,
    )
    from dash import ClientsideFunction

    app.clientside_callback(
        ClientsideFunction(namespace="review", function_name="submit"),
        Output("rv-result", "data"),
        Input("rv-confirm", "n_clicks"),
        Input("rv-reject", "n_clicks"),
        Input("rv-save", "n_clicks"),
        Input("rv-add", "n_clicks"),
        State("rv-selected", "data"),
        State("rv-release", "data"),
        State("rv-sentence", "value"),
        *[State(f"rv-f-{k}", "value") for k in FIELDS],
        State("rv-note", "value"),
        State("rv-csrf", "data"),
        prevent_initial_call=True,
    )
    return app
