"""Announcement extraction (issue 3): `extract(release) -> list[Announcement]`.

A pure function: no I/O besides reading the bundled lexicon files once. The rules are in
`engine.py`, the words in `lexicons/<lang>.toml` + `lexicons/common.toml`; docs/extraction.md
explains both.
"""

from __future__ import annotations

from etl.types import Announcement, ReleaseText

__all__ = ["extract"]


def extract(release: ReleaseText) -> list[Announcement]:
    """Every aid announcement found in the release text (CONTRACT.md fields + evidence offsets)."""
    from etl.extract.engine import extract_release
    from etl.extract.status import status_of

    found = extract_release(release)
    for a in found:  # the one place status is set: a pure function of the evidence sentence
        a.status = status_of(a.evidence, release.language)
    return found
