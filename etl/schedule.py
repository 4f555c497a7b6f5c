"""`aidtracker schedule` (issue 4)."""

from __future__ import annotations


def run_schedule(every: str, sources: list[str]) -> int:
    raise NotImplementedError
