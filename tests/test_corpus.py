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
        assert e["header"]["source_url"].startswith("http") and e["header"]["redistributable"].startswith("no")


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


def _manifest(tmp_path: Path, body: str) -> Path:
    import hashlib

    entry = {"part": "dev", "file": "x001_pub_en_2024-01-02.txt",
             "header": {"source_url": "https://example.org/a", "publisher": "Pub", "language": "en",
                        "published": "2024-01-02", "origin": "news", "licence": "news",
                        "redistributable": "no", "retrieved": 'search pages "pub aid ukraine"'},
             "sha256": hashlib.sha256(body.encode()).hexdigest(), "notes": "",
             "announcements": [{"evidence": "Pub's country sends 5 tanks to Ukraine."}]}
    path = tmp_path / "m.json"
    path.write_text(json.dumps([entry]), encoding="utf-8")
    return path


def test_put_accepts_an_identical_copy_after_trimming_the_page_store_marker(tmp_path, capsys):
    body = "Pub's country sends 5 tanks to Ukraine.\n\nMore text."
    manifest = _manifest(tmp_path, body)
    (tmp_path / "copy.txt").write_text(" date 2024-01 " + body + "\n", encoding="utf-8")
    assert tools.put("x001_pub_en_2024-01-02.txt", tmp_path / "copy.txt", manifest, tmp_path / "out") == 0
    assert "identical" in capsys.readouterr().out
    header, got = tools.read_file(tmp_path / "out" / "dev" / "releases" / "x001_pub_en_2024-01-02.txt")
    assert got == body and header["retrieved"] == 'search pages "pub aid ukraine"'
    assert tools.todo(manifest, tmp_path / "out") == 0


def test_put_refuses_a_copy_that_lost_an_evidence_sentence(tmp_path, capsys):
    manifest = _manifest(tmp_path, "Pub's country sends 5 tanks to Ukraine.")
    (tmp_path / "copy.txt").write_text("Pub’s country sends 5 tanks to Ukraine.", encoding="utf-8")  # curly quote
    assert tools.todo(manifest, tmp_path / "out") == 1
    assert tools.put("x001_pub_en_2024-01-02.txt", tmp_path / "copy.txt", manifest, tmp_path / "out") == 1
    assert "refused, 1 of 1" in capsys.readouterr().err
    assert not (tmp_path / "out" / "dev").exists()
    (tmp_path / "copy.txt").write_text("Other words. Pub's country sends 5 tanks to Ukraine.", encoding="utf-8")
    assert tools.put("x001_pub_en_2024-01-02.txt", tmp_path / "copy.txt", manifest, tmp_path / "out") == 0
    assert "holds all 1 evidence" in capsys.readouterr().out
