"""`aidtracker evaluate` (issue 3)."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO


def run_evaluate(corpus_dir: Path, as_json: bool, out: TextIO) -> int:
    raise NotImplementedError
