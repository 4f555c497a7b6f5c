"""Issue 16: imports run one way. settings at the bottom; etl and db never import the dashboard or
the CLI; the dashboard reaches the ETL through its public functions only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def project_imports(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): imports(p) for p in (ROOT / package).rglob("*.py")}


def test_settings_imports_nothing_of_the_project():
    found = imports(ROOT / "aidtracker" / "settings.py")
    assert not {m for m in found if m.split(".")[0] in ("aidtracker", "etl", "db", "dashboard")}


@pytest.mark.parametrize("package", ["etl", "db"])
def test_lower_layers_never_import_the_dashboard_or_the_cli(package):
    bad = {f: sorted(m for m in ms if m.split(".")[0] == "dashboard" or
                     (m.startswith("aidtracker") and m != "aidtracker.settings" and m != "aidtracker"))
           for f, ms in project_imports(package).items()}
    assert {f: ms for f, ms in bad.items() if ms} == {}


def test_dashboard_uses_the_etl_through_public_functions():
    used = {m for ms in project_imports("dashboard").values() for m in ms if m.split(".")[0] == "etl"}
    assert used <= {"etl.pipeline", "etl.csvsafe"}, used
    src = (ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")
    assert "from etl.pipeline import load_samples" in src
