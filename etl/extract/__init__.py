"""Announcement extraction (issue 3): `extract(release) -> list[Announcement]`.

A pure function: no I/O besides reading the bundled lexicon files and the row model once. The rules
are in `engine.py`, the words in `lexicons/<lang>.toml` + `lexicons/common.toml`; docs/extraction.md
explains both. `extract_rules` is the rules alone; `extract` passes their rows through the learned
row filter of `learned.py` when the package ships a model (`model/rows.json`), else it equals
`extract_rules`.
"""

from __future__ import annotations

from etl.types import Announcement, ReleaseText

__all__ = ["extract", "extract_rules"]


def extract_rules(release: ReleaseText) -> list[Announcement]:
    """Every aid announcement the rules find in the release text (CONTRACT.md fields + offsets)."""
    from etl.extract.engine import extract_release
    from etl.extract.status import status_of

    found = extract_release(release)
    for a in found:  # the one place status is set: a pure function of the evidence sentence
        a.status = status_of(a.evidence, release.language)
    return found


def extract(release: ReleaseText) -> list[Announcement]:
    """Every aid announcement found in the release text: the rules' rows the row model keeps."""
    from etl.extract.learned import keep_rows, load_model

    return keep_rows(release, extract_rules(release), load_model())
