"""CSV downloads: the filtered announcements (streamed) and each chart's aggregated data.

`GET /download/announcements.csv?<filters>` streams every selected row (not just the visible page):
the CONTRACT.md announcement fields, then `value_eur`, `source_url` and `publisher`. Rows are read
with a server-side cursor (PostgreSQL) or in chunks (SQLite) and written as they come, so memory
stays flat whatever the number of rows. Cells that a spreadsheet would run as a formula are escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Flask, Response, abort, request, stream_with_context

from dashboard import figures
from dashboard.data import Data
from db.queries import EXPORT_FIELDS, iter_export
from etl.csvsafe import escape_formula

FLUSH_BYTES = 64 * 1024


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text in chunks of about FLUSH_BYTES, formula cells escaped."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([escape_formula(v) for v in row])
        if buf.tell() >= FLUSH_BYTES:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _csv_response(chunks: Iterator[str], filename: str) -> Response:
    return Response(
        stream_with_context(c.encode("utf-8") for c in chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


CHARTS = ("donors", "categories", "months", "map")


def chart_table(name: str, data: Data, search: str) -> tuple[list[str], list[list]]:
    """The aggregated data behind one chart, as a header and rows."""
    from urllib.parse import parse_qs

    f = data.parse(search)
    view = figures.View.parse(parse_qs(search.lstrip("?")), mentions=f.mentions)
    measure = "mentions" if f.mentions else "pledges"
    if name in ("donors", "map"):
        rows = figures.donor_rows(data.donor_category(f), data.donor_names(), view)
        if name == "map":
            rows = [
                r for r in rows if len(r["donor_code"]) == 3 and r["donor_code"] not in figures.ORGANISATIONS
            ]
        groups = [g for g in figures.GROUPS]
        header = ["donor_code", "donor", measure, "value_eur"] + [f"{measure}_{g}" for g in groups]
        header += [f"value_eur_{g}" for g in groups]
        body = [
            [r["donor_code"], r["donor"], r["n"], r["value_eur"]]
            + [r[f"n_{g}"] for g in groups]
            + [r[f"value_eur_{g}"] for g in groups]
            for r in rows
        ]
        return header, body
    if name == "categories":
        rows = figures.category_rows(data.donor_category(f), view)
        return ["category_code", "category", "group", measure, "value_eur"], [
            [r["category_code"], r["category"], r["group"], r["n"], r["value_eur"]] for r in rows
        ]
    # months: the plain monthly series (count and value per group), whatever the chart shows
    per: dict[str, dict] = {}
    for r in data.month_category(f):
        d = per.setdefault(r["month"], {})
        g = figures.CATEGORY_GROUP.get(r["category_code"], "lethal")
        d[f"n_{g}"] = d.get(f"n_{g}", 0) + r["n"]
        d[f"v_{g}"] = d.get(f"v_{g}", 0.0) + (r["value_eur"] or 0.0)
    groups = list(figures.GROUPS)
    header = ["month"] + [f"{measure}_{g}" for g in groups] + [f"value_eur_{g}" for g in groups]
    body = [
        [m] + [per[m].get(f"n_{g}", 0) for g in groups] + [per[m].get(f"v_{g}", 0.0) for g in groups]
        for m in sorted(per)
    ]
    return header, body


def register(server: Flask, data: Data) -> None:
    @server.route("/download/announcements.csv")
    def download_announcements():  # noqa: ANN202
        f = data.parse(request.query_string.decode("utf-8", "replace"))
        rows = iter_export(data.engine, f)
        return _csv_response(csv_lines(EXPORT_FIELDS, rows), "aidtracker-announcements.csv")

    @server.route("/download/chart/<name>.csv")
    def download_chart(name: str):  # noqa: ANN202
        if name not in CHARTS:
            abort(404)
        header, body = chart_table(name, data, request.query_string.decode("utf-8", "replace"))
        return _csv_response(csv_lines(header, body), f"aidtracker-{name}.csv")
