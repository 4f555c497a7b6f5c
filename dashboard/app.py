"""`aidtracker serve` (issue 5)."""

from __future__ import annotations


def run_server(host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> int:
    raise NotImplementedError
