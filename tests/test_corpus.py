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


@pytest.fixture()
def page_server():
    """A publisher's page on 127.0.0.1 (tests never leave the machine), and a page too big to keep."""
    from etl_testserver import Route, TestServer

    html = (b"<html><head><title>Aid</title></head><body><nav>Menu Home Contact</nav><article><h1>New package"
            b"</h1><p>Today the Netherlands announced a new military support package for Ukraine worth 100 million"
            b" euros, including armoured vehicles and ammunition for air defence.</p><p>The minister said the"
            b" package would be delivered before the winter, in close cooperation with partners.</p></article>"
            b"<footer>Cookies Privacy</footer></body></html>")
    server = TestServer()
    server.routes["/page"] = Route(body=html)
    server.routes["/big"] = Route(body=b"x" * 200_000)
    yield server.base
    server.close()


HEADER = {"language": "nl", "publisher": "Rijksoverheid", "origin": "official",
          "licence": "rijksoverheid.nl, CC0", "redistributable": "yes"}


def test_collect_fetches_the_main_text_and_lists_it_for_labelling(page_server, tmp_path, capsys):
    assert tools.collect(f"{page_server}/page", tmp_path, HEADER, "2024-05-01") == 0
    (path,) = (tmp_path / "nl" / "releases").glob("*.txt")
    assert path.name == "nl001_rijksoverheid_nl_2024-05-01.txt"
    header, body = tools.read_file(path)
    assert header["source_url"].endswith("/page") and header["retrieved"].startswith("fetched ")
    assert "armoured vehicles" in body and "Cookies" not in body  # main text, not the page chrome
    labels = json.loads((tmp_path / "nl" / "expected_a.json").read_text())
    assert labels == [{"file": path.name, "announcements": [], "notes": "not yet labelled"}]
    assert tools.collect(f"{page_server}/page", tmp_path, HEADER, "2024-05-01") == 1  # nothing twice
    assert "already collected" in capsys.readouterr().err


def test_collect_refuses_bad_input_and_bounds_the_download(page_server, tmp_path, capsys):
    assert tools.collect("file:///etc/passwd", tmp_path, HEADER, "2024-05-01") == 1
    assert tools.collect(f"{page_server}/page", tmp_path, HEADER, "1 May 2024") == 2
    assert tools.collect(f"{page_server}/page", tmp_path, {**HEADER, "language": "Dutch"}, "2024-05-01") == 2
    assert tools.collect(f"{page_server}/big", tmp_path, HEADER, "2024-05-01", max_bytes=100_000) == 1
    err = capsys.readouterr().err
    assert "not an http(s) URL" in err and "larger than 100000 bytes" in err
    assert not (tmp_path / "nl" / "releases").exists()


def test_assemble_adds_a_new_language_and_keeps_the_rest(page_server, tmp_path):
    """A collected, labelled Dutch text joins the corpus; nothing already there is lost."""
    import shutil

    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("second_reading", "*.py"))
    before = {p: json.loads((root / p / "expected.json").read_text()) for p in tools.PARTS}
    n_external = len(json.loads((root / "external.json").read_text()))
    build = tmp_path / "build"
    assert tools.collect(f"{page_server}/page", build, HEADER, "2024-05-01") == 0
    labels = json.loads((build / "nl" / "expected_a.json").read_text())
    labels[0]["announcements"] = [{"donor": "Netherlands", "donor_code": "NLD", "category": "armoured_vehicles",
                                   "evidence": "x", "date": "2024-05-01"}]
    (build / "nl" / "expected_a.json").write_text(json.dumps(labels))
    for _ in range(2):  # assembling twice changes nothing more
        assert tools.assemble(build, tmp_path / "final", tmp_path / "ext", ["nl"], root=root) == 0
        dev = json.loads((root / "dev" / "expected.json").read_text())
        assert len(dev) == len(before["dev"]) + 1 and dev[0]["file"] in {e["file"] for e in before["dev"]}
        assert json.loads((root / "test" / "expected.json").read_text()) == before["test"]
        assert len(json.loads((root / "external.json").read_text())) == n_external
        assert (root / "dev" / "releases" / "nl001_rijksoverheid_nl_2024-05-01.txt").is_file()
        assert len(list((root / "dev" / "releases").glob("*.txt"))) == len(before["dev"]) + 1
