"""Announcement extraction (issue 3)."""

from __future__ import annotations

from etl.types import Announcement, ReleaseText


def extract(release: ReleaseText) -> list[Announcement]:
    raise NotImplementedError
