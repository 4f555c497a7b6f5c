"""`aidtracker export --format csv|parquet|jsonl` (issue 15): the announcements of the database
for reuse, with their status and review state.

Rows: every mention of current releases (`--filter` takes the dashboard's query string, e.g.
`"donor=USA&from=2023-01-01"`; `count=pledges` for first mentions only); rejected rows only with
`--include-rejected`. Columns: db.queries.EXPORT_FIELDS (CONTRACT.md's announcement fields,
value_eur, source_url, publisher, status, review_state). Streamed: memory stays flat. CSV cells
a spreadsheet would run as formulas are escaped, as in the dashboard's download."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from db.queries import EXPORT_FIELDS, Filters, iter_export

FORMATS = ("csv", "parquet", "jsonl")
BATCH = 10_000


def export_filters(query: str | None) -> Filters:
    f = Filters.parse(query or "")
    if "count=pledges" not in (query or ""):
        f = replace(f, mentions=True)
    return f


def records(engine: Engine, f: Filters, include_rejected: bool = False) -> Iterator[tuple]:
    return iter_export(engine, f, counted=not include_rejected)


def write_csv(rows, out: IO[str]) -> int:
    from dashboard.export import csv_lines

    n = 0

    def counted():
        nonlocal n
        for r in rows:
            n += 1
            yield r

    for chunk in csv_lines(EXPORT_FIELDS, counted()):
        out.write(chunk)
    return n


def write_jsonl(rows, out: IO[str]) -> int:
    n = 0
    for r in rows:
        out.write(json.dumps(dict(zip(EXPORT_FIELDS, r, strict=True)), ensure_ascii=False) + "\n")
        n += 1
    return n


def parquet_schema():
    import pyarrow as pa

    types = {"quantity": pa.int64(), "value": pa.float64(), "confidence": pa.float64(), "value_eur": pa.float64()}
    return pa.schema([(name, types.get(name, pa.string())) for name in EXPORT_FIELDS])


def write_parquet(rows, path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # an optional dependency
        raise RuntimeError("parquet needs pyarrow: pip install 'aidtracker[parquet]'") from exc
    schema = parquet_schema()
    n = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batch: list[tuple] = []

        def flush() -> None:
            cols = list(zip(*batch, strict=True)) if batch else [[] for _ in EXPORT_FIELDS]
            writer.write_table(pa.Table.from_arrays([pa.array(c, type=schema.field(i).type)
                                                     for i, c in enumerate(cols)], schema=schema))  # fmt: skip

        for r in rows:
            batch.append(r)
            n += 1
            if len(batch) >= BATCH:
                flush()
                batch = []
        if batch or n == 0:
            flush()
    return n


def run_export(engine: Engine, fmt: str, output: Path | None, query: str | None, include_rejected: bool,
               out: IO[str] = sys.stdout) -> int:  # fmt: skip
    """Writes the export; returns the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rows = records(engine, export_filters(query), include_rejected)
    if fmt == "parquet":
        if output is None:
            raise ValueError("parquet is binary: give --output PATH")
        return write_parquet(rows, output)
    writer = write_csv if fmt == "csv" else write_jsonl
    if output is None:
        return writer(rows, out)
    newline = "" if fmt == "csv" else None
    with open(output, "w", encoding="utf-8", newline=newline) as fh:
        return writer(rows, fh)
