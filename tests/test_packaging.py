"""The distribution ships every package and data file that the code loads at run time."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_python_package_is_listed():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("aidtracker", "etl", "db", "dashboard")
        for p in (ROOT / top).rglob("__init__.py")
    }
    missing = found - listed
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_data_files_are_covered_by_package_data():
    import fnmatch

    cfg = _pyproject()["tool"]["setuptools"]
    pkg_data = cfg["package-data"]
    pkg_dir = cfg.get("package-dir", {})
    data_suffixes = {".toml", ".json", ".txt", ".css", ".js", ".mako", ".ini", ".png", ".ico"}
    uncovered = []
    for pkg in cfg["packages"]:
        base = ROOT / pkg_dir.get(pkg, pkg.replace(".", "/"))
        patterns = pkg_data.get(pkg, [])
        for f in base.rglob("*"):
            if not f.is_file() or f.suffix not in data_suffixes:
                continue
            rel = f.relative_to(base).as_posix()
            # a file inside a listed subpackage belongs to that subpackage
            owner = max((p for p in cfg["packages"] if rel.startswith(p[len(pkg) + 1 :].replace(".", "/") + "/")
                         and p.startswith(pkg + ".")), default=None, key=len)
            if owner:
                continue
            if not any(fnmatch.fnmatch(rel, pat) for pat in patterns):
                uncovered.append(f"{pkg}: {rel}")
    assert not uncovered, f"data files not in package-data: {uncovered[:10]}"
