"""`aidtracker refresh` (issue 4)."""

from __future__ import annotations


def run_refresh(sources: list[str]) -> int:
    raise NotImplementedError
