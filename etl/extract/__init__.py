"""Announcement extraction (issue 3): `extract(release) -> list[Announcement]`.

A pure function: no I/O besides reading the bundled lexicon files once. The rules are in
`engine.py`, the words in `lexicons/<lang>.toml` + `lexicons/common.toml`; docs/extraction.md
explains both.

The engine's modules may be compiled by mypyc at install time (setup.py). The compiled modules are
used only when they were built from exactly the `.py` files beside them (`_compiled.json` holds the
sources' hashes), so an edit to an editable install takes effect at once, as pure Python, until the
next `pip install -e .`; `AIDTRACKER_PURE_PYTHON=1` forces pure Python.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

from etl.types import Announcement, ReleaseText

__all__ = ["extract", "IMPLEMENTATION"]

ACCELERATED = ("engine", "prefilter", "numbers", "fastre", "dates", "lexicon")  # as setup.py compiles
_HERE = Path(__file__).resolve().parent


def compiled_state(folder: Path, environ: dict[str, str] | os._Environ[str]) -> str:
    """How the engine's modules in `folder` should be imported:

    "compiled" (the extension is there and was built from these sources), "pure" (no extension),
    "disabled" (AIDTRACKER_PURE_PYTHON set) or "stale" (an extension built from other sources)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    built = [p for p in folder.iterdir() if p.name.startswith(ACCELERATED) and p.name.endswith(suffixes)]
    if not built:
        return "pure"
    if environ.get("AIDTRACKER_PURE_PYTHON"):
        return "disabled"
    try:
        manifest = json.loads((folder / "_compiled.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "stale"  # an extension of unknown origin
    for m in ACCELERATED:
        src = folder / f"{m}.py"
        if not src.exists():
            continue  # compiled-only distribution: nothing to compare with
        if manifest.get(f"{m}.py") != hashlib.sha256(src.read_bytes()).hexdigest():
            return "stale"
    return "compiled"


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Imports the engine's modules from their `.py` files even where a compiled one sits beside them."""

    def __init__(self, folder: Path):
        self.names = {f"{__name__}.{m}": folder / f"{m}.py" for m in ACCELERATED}

    def find_spec(self, fullname, path=None, target=None):
        src = self.names.get(fullname)
        return importlib.util.spec_from_file_location(fullname, src) if src is not None else None


IMPLEMENTATION = compiled_state(_HERE, os.environ)
if IMPLEMENTATION in ("stale", "disabled"):
    sys.meta_path.insert(0, _SourceFirst(_HERE))
    if IMPLEMENTATION == "stale":
        warnings.warn(
            "aidtracker: the compiled extraction engine was built from other sources than the .py files "
            f"in {_HERE}; using the .py files (pure Python, about 20 % slower). Rebuild with `pip install -e .`",
            RuntimeWarning, stacklevel=2)


def extract(release: ReleaseText) -> list[Announcement]:
    """Every aid announcement found in the release text (CONTRACT.md fields + evidence offsets)."""
    from etl.extract.engine import extract_release
    from etl.extract.status import status_of

    found = extract_release(release)
    for a in found:  # the one place status is set: a pure function of the evidence sentence
        a.status = status_of(a.evidence, release.language)
    return found
