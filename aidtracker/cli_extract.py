"""`aidtracker extract`: files and folders in, announcements out, one line per bad file on stderr."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from etl.types import ANNOUNCEMENT_FIELDS

RELEASE_SUFFIXES = {".html", ".htm", ".txt", ".md"}


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files as given; folders expanded to their release files (recursively, sorted).

    A file reached twice (given twice, or given and inside a given folder) is read once.
    """
    seen: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in RELEASE_SUFFIXES and f.is_file())
        else:
            found = [p]
        for f in found:
            key = f.resolve() if f.exists() else f
            if key not in seen:
                seen.add(key)
                yield f


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:300]


def _utf8(stream: TextIO) -> None:
    """JSON Lines and CSV are UTF-8 whatever the locale says."""
    enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if enc and enc != "utf8" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(encoding="utf-8")
        except (ValueError, OSError):  # pragma: no cover - stream already written to
            pass


def run_extract(paths: list[Path], fmt: str, out: TextIO, err: TextIO) -> int:
    """Print announcements of every readable file; exit 1 if any file could not be read."""
    from etl.csvsafe import escape_formula
    from etl.extract import extract
    from etl.parse import read_release_file

    _utf8(out)
    failed = 0
    writer = None
    try:
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
                err.flush()
                continue
            for a in found:
                rec = a.to_record()
                if writer is not None:
                    writer.writerow({k: escape_formula(v) for k, v in rec.items()})
                else:
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
    except BrokenPipeError:  # `aidtracker extract ... | head`: stop quietly
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 1 if failed else 0
