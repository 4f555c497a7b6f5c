"""Issue 14: the real evaluation corpus in corpus/ (dev and test parts, split by publisher)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
spec = importlib.util.spec_from_file_location("corpus_tools", CORPUS / "tools.py")
tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tools)


def test_corpus_in_the_repository_is_clean():
    """Headers with licence, redistributable texts only, verbatim evidence, CONTRACT codes, dates,
    every file where split.toml puts it, and no publisher in both parts."""
    assert tools.check() == []


@pytest.mark.parametrize("part", tools.PARTS)
def test_both_parts_exist_and_list_their_files(part):
    entries = json.loads((CORPUS / part / "expected.json").read_text(encoding="utf-8"))
    assert len(entries) >= 5
    assert {e["file"] for e in entries} == {p.name for p in (CORPUS / part / "releases").glob("*.txt")}


def test_external_manifest_describes_each_file():
    manifest = json.loads((CORPUS / "external.json").read_text(encoding="utf-8"))
    assert manifest, "the news reports are listed for rebuilding"
    for e in manifest:
        assert e["part"] in tools.PARTS and len(e["sha256"]) == 64
        assert e["header"]["source_url"].startswith("http")
        # a text outside the repository is either not redistributable or says why it is outside
        assert e["header"]["redistributable"].startswith("no") or len(e.get("why_external", "")) > 20, e["file"]


def test_split_keeps_publishers_apart(tmp_path):
    """The check catches a publisher on both sides and a file in the wrong part."""
    pats = tools.test_patterns()
    assert tools.part_of({"language": "sv", "publisher": "SVT"}, pats) == "test"
    assert tools.part_of({"language": "sv", "publisher": "Sida"}, pats) == "dev"
    assert tools.publisher_key("Regeringskansliet (Försvarsdepartementet)") == "regeringskansliet"


def test_external_rebuild_from_a_local_copy_reports_missing(tmp_path, capsys):
    assert tools.external(tmp_path, fetch=False) == 1  # nothing there, no fetching in tests
    assert "missing (use --fetch)" in capsys.readouterr().err
    assert json.loads((tmp_path / "test" / "expected.json").read_text()) == []
