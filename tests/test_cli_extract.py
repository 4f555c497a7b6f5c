"""Issue 3: `aidtracker extract PATH... [--format jsonl|csv]` end to end, in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from etl.types import ANNOUNCEMENT_FIELDS

CONTRACT_FIELDS = [
    "release", "donor", "donor_code", "recipient", "recipient_code", "category", "group", "item",
    "quantity", "value", "currency", "date", "evidence", "confidence",
]  # fmt: skip

# Runs the real command with a stand-in extractor: one row per release, whose item is the
# release's first line, so the tests of the command hold whatever the extraction rules find.
FAKE = textwrap.dedent(
    """
    import sys
    import etl.extract
    from etl.types import Announcement

    def fake(release):
        if "NOTHING" in release.text:
            return []
        first = release.text.splitlines()[0]
        return [Announcement(release.source, "Canada", "CAN", "Ukraine", "UKR", "armoured_vehicles",
                             "lethal", first, 200, None, None, str(release.published or "2023-01-18"),
                             first, 0.9)]

    etl.extract.extract = fake
    from aidtracker.cli import main
    sys.argv[0] = "aidtracker"
    main()
    """
)


def run(*args: str, fake: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", FAKE, *args] if fake else [sys.executable, "-m", "aidtracker.cli", *args]
    return subprocess.run(["env", "PYTHONIOENCODING=", *cmd], capture_output=True, text=True, timeout=300)


@pytest.fixture
def releases(tmp_path) -> Path:
    d = tmp_path / "rel"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(
        "published: 2023-01-18\nlanguage: fr\n---\nLe Canada donnera 200 VBTT.\n", encoding="utf-8"
    )
    (d / "sub" / "b.html").write_text(
        "<html lang=en><body><nav>Menu</nav><article><h1>=SUM(A1) Canada donates</h1><p>Canada will donate "
        "200 armoured personnel carriers to Ukraine, the minister announced today in Kyiv.</p></article></body></html>",
        encoding="utf-8",
    )
    (d / "c.md").write_text("# NOTHING here\n\nNo announcement.\n", encoding="utf-8")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4 \x00\x01")  # not a release suffix: skipped in folders
    return d


def test_jsonl_fields_in_contract_order(releases):
    assert list(ANNOUNCEMENT_FIELDS) == CONTRACT_FIELDS
    res = run("extract", str(releases / "a.txt"))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(rows) == 1
    assert list(rows[0]) == CONTRACT_FIELDS
    assert rows[0]["release"] == str(releases / "a.txt")
    assert rows[0]["item"] == "Le Canada donnera 200 VBTT." and rows[0]["date"] == "2023-01-18"
    assert res.stderr == ""


def test_folder_expansion_and_csv(releases):
    res = run("extract", str(releases), "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == ",".join(CONTRACT_FIELDS)
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["release"] for r in rows] == [str(releases / "a.txt"), str(releases / "sub" / "b.html")]
    html_row = rows[1]
    assert html_row["item"].startswith("'=SUM(A1)")  # spreadsheet formulas are escaped
    assert "Menu" not in html_row["evidence"]
    assert html_row["quantity"] == "200" and html_row["value"] == ""


def test_bad_files_one_line_each_other_rows_still_printed(releases):
    (releases / "zz_binary.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (releases / "empty.html").write_bytes(b"")
    missing = releases / "missing.txt"
    res = run("extract", str(releases), str(missing))
    assert res.returncode == 1
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert {Path(r["release"]).name for r in rows} == {"a.txt", "b.html"}
    err = res.stderr.strip().splitlines()
    assert len(err) == 3, res.stderr
    assert any("zz_binary.txt" in line and "binary file, not a release" in line for line in err)
    assert any("empty.html" in line and "empty" in line for line in err)
    assert any("missing.txt" in line and "no such file" in line for line in err)
    assert "Traceback" not in res.stderr


def test_exit_0_when_nothing_found(releases):
    res = run("extract", str(releases / "c.md"))
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    res = run("extract", str(releases / "c.md"), "--format", "csv")
    assert res.returncode == 0 and res.stdout == ",".join(CONTRACT_FIELDS) + "\n"


def test_same_file_twice_is_read_once(releases):
    res = run("extract", str(releases / "a.txt"), str(releases))
    assert res.returncode == 0
    assert len(res.stdout.splitlines()) == 2


def test_output_is_utf8_whatever_the_locale(releases):
    res = subprocess.run(
        ["env", "LC_ALL=C", "PYTHONUTF8=0", "PYTHONIOENCODING=latin-1", sys.executable, "-c", FAKE, "extract",
         str(releases / "a.txt")],
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.decode("utf-8"))["release"].endswith("a.txt")


# ---------------------------------------------------------------------------------------------
# with the real extraction rules


def _corpus_files(corpus_dir: Path) -> tuple[list[str], list[str]]:
    expected = json.loads((corpus_dir / "expected.json").read_text(encoding="utf-8"))
    with_rows = [e["file"] for e in expected if e["announcements"]]
    without = [e["file"] for e in expected if not e["announcements"]]
    return with_rows, without


def test_real_extraction_jsonl(corpus_dir):
    with_rows, _ = _corpus_files(corpus_dir)
    res = run("extract", str(corpus_dir / "releases"), fake=False)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows, "the development corpus has announcements"
    for r in rows:
        assert list(r) == CONTRACT_FIELDS
        assert r["donor_code"] and r["category"] and len(r["date"]) == 10
        assert 0.0 <= r["confidence"] <= 1.0
    assert {Path(r["release"]).name for r in rows} & set(with_rows)


def test_real_extraction_csv_header(corpus_dir):
    with_rows, _ = _corpus_files(corpus_dir)
    res = run("extract", str(corpus_dir / "releases" / with_rows[0]), "--format", "csv", fake=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == ",".join(CONTRACT_FIELDS)


def test_real_extraction_bad_file_and_nothing_found(corpus_dir, tmp_path):
    _, without = _corpus_files(corpus_dir)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00" * 100)
    files = [str(corpus_dir / "releases" / f) for f in without]
    res = run("extract", *files, fake=False)
    assert res.returncode == 0, res.stderr
    res = run("extract", str(bad), *files, fake=False)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [f"aidtracker: {bad}: binary file, not a release"]
