"""`aidtracker extract`: files and folders in, announcements out, one line per bad file on stderr."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from etl.types import ANNOUNCEMENT_FIELDS

RELEASE_SUFFIXES = {".html", ".htm", ".txt", ".md"}


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files as given; folders expanded to their release files (recursively, sorted)."""
    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in RELEASE_SUFFIXES)
        else:
            yield p


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:300]


def run_extract(paths: list[Path], fmt: str, out: TextIO, err: TextIO) -> int:
    """Print announcements of every readable file; exit 1 if any file could not be read."""
    from etl.extract import extract
    from etl.parse import read_release_file

    failed = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(ANNOUNCEMENT_FIELDS), lineterminator="\n")
        writer.writeheader()
    for path in expand_paths(paths):
        try:
            release = read_release_file(path)
            found = extract(release)
        except Exception as exc:  # any bytes in, no traceback out: one line, then the next file
            failed += 1
            err.write(f"aidtracker: {path}: {_one_line(exc)}\n")
            continue
        for a in found:
            rec = a.to_record()
            if writer is not None:
                from etl.csvsafe import escape_formula

                writer.writerow({k: escape_formula(v) for k, v in rec.items()})
            else:
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failed else 0
