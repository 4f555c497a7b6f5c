"""Release files and pages to `ReleaseText` (owned by the extraction work, issue 3)."""

from __future__ import annotations

from pathlib import Path

from etl.types import ReleaseText


class ReleaseError(ValueError):
    """A release that cannot be read; the message is one line for the user."""


def read_release_file(path: Path) -> ReleaseText:
    raise NotImplementedError
