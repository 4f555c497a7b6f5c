"""Issue 3: `aidtracker evaluate CORPUS_DIR [--json]`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import etl.extract
from aidtracker.cli import main
from db.reference import group_of
from etl.evaluate import run_evaluate
from etl.extract.donors import code_for
from etl.types import Announcement

CONTRACT_KEYS = ["precision", "recall", "f1", "date_accuracy", "n_expected", "n_predicted"]


def _announcement(source: str, a: dict) -> Announcement:
    return Announcement(
        release=source,
        donor=a["donor"],
        donor_code=code_for(a["donor"]),
        recipient="Ukraine",
        recipient_code="UKR",
        category=a["category"],
        group=group_of(a["category"]),
        item=a.get("item") or "",
        quantity=a.get("quantity"),
        value=a.get("value"),
        currency=a.get("currency"),
        date=a["date"],
        evidence=a.get("evidence") or "",
        confidence=0.9,
    )


@pytest.fixture
def oracle(corpus_dir, monkeypatch):
    """An extractor that returns exactly what expected.json says (and one false hit per file)."""
    expected = {e["file"]: e["announcements"] for e in json.loads((corpus_dir / "expected.json").read_text())}

    def fake_extract(release):
        rows = [_announcement(release.source, a) for a in expected[Path(release.source).name]]
        rows.append(
            _announcement(release.source, {"donor": "Iceland", "category": "medical", "date": "2020-01-01"})
        )
        return rows

    monkeypatch.setattr(etl.extract, "extract", fake_extract)
    return expected


def test_oracle_scores_recall_one(corpus_dir, oracle):
    out = io.StringIO()
    assert run_evaluate(corpus_dir, True, out) == 0
    res = json.loads(out.getvalue())
    assert list(res)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    n_exp = sum(len(v) for v in oracle.values())
    n_files = len(oracle)
    assert res["n_expected"] == n_exp and res["n_predicted"] == n_exp + n_files
    assert res["recall"] == 1.0 and res["date_accuracy"] == 1.0
    assert res["precision"] == round(n_exp / (n_exp + n_files), 4)
    assert set(res["per_language"]) >= {"en", "fr"}
    assert sum(v["n_expected"] for v in res["per_language"].values()) == n_exp
    assert len(res["false_hits"]) == n_files and res["misses"] == []


def test_text_report_lists_languages_misses_and_false_hits(corpus_dir, oracle):
    res = CliRunner().invoke(main, ["evaluate", str(corpus_dir)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    header = next(line for line in lines if line.startswith("language"))
    assert all(w in header for w in ("precision", "recall", "F1"))
    assert any(line.startswith("all ") for line in lines)
    assert any(line.startswith("fr ") for line in lines) and any(line.startswith("en ") for line in lines)
    assert "misses (0):" in res.output
    assert f"false hits ({len(oracle)}):" in res.output
    assert "Iceland  medical" in res.output


def test_per_publisher_figures_add_up_and_departments_group(corpus_dir, oracle):
    """Issue 14: figures per publisher (from the release header), summing to the totals."""
    out = io.StringIO()
    assert run_evaluate(corpus_dir, True, out) == 0
    res = json.loads(out.getvalue())
    pubs = res["per_publisher"]
    assert len(pubs) >= 2 and "NATO" in pubs
    assert sum(v["n_expected"] for v in pubs.values()) == res["n_expected"]
    assert sum(v["n_files"] for v in pubs.values()) == res["n_files"]
    text = CliRunner().invoke(main, ["evaluate", str(corpus_dir)]).output
    assert any(line.startswith("publisher ") for line in text.splitlines())
    assert any(line.startswith("NATO ") for line in text.splitlines())


def test_figures_only_hides_the_errors_of_a_test_part(corpus_dir, oracle):
    out = io.StringIO()
    assert run_evaluate(corpus_dir, True, out, figures_only=True) == 0
    res = json.loads(out.getvalue())
    assert res["false_hits"] == [] and res["misses"] == [] and res["n_predicted"] > res["n_expected"]
    text = CliRunner().invoke(main, ["evaluate", str(corpus_dir), "--figures-only"]).output
    assert "Iceland" not in text and "figures only" in text and any(line.startswith("all ") for line in text.splitlines())


def test_rules_only_bypasses_the_row_model(corpus_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(etl.extract, "extract", lambda r: calls.append("model") or [])
    monkeypatch.setattr(etl.extract, "extract_rules", lambda r: calls.append("rules") or [])
    assert run_evaluate(corpus_dir, True, io.StringIO(), rules_only=True) == 0
    assert set(calls) == {"rules"}


def test_publisher_group_drops_the_department():
    from etl.evaluate import publisher_group

    assert publisher_group("Regeringskansliet (Försvarsdepartementet)") == "Regeringskansliet"
    assert publisher_group("  NATO ") == "NATO"
    assert publisher_group(None) is None and publisher_group("") is None


def _copy_corpus(src: Path, dst: Path) -> Path:
    """A writable copy (CI's shared/ copy has no write bits)."""
    shutil.copytree(src, dst, copy_function=shutil.copyfile)
    for p in [dst, *dst.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dst


def test_unreadable_release_is_listed_and_exit_1(corpus_dir, oracle, tmp_path):
    corpus = _copy_corpus(corpus_dir, tmp_path / "c")
    victim = sorted((corpus / "releases").iterdir())[0]
    victim.write_bytes(b"\x00\x01\x02 binary")
    out, err = io.StringIO(), io.StringIO()
    assert run_evaluate(corpus, True, out, err) == 1
    res = json.loads(out.getvalue())
    assert res["errors"] == [{"file": victim.name, "error": "binary file, not a release"}]
    assert f"{victim.name}: binary file, not a release" in err.getvalue()
    assert res["recall"] < 1.0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: (c / "expected.json").unlink(), "expected.json: not found"),
        (lambda c: (c / "expected.json").write_text("[{"), "invalid JSON at line 1"),
        (lambda c: (c / "expected.json").write_text('{"file": "a"}'), "expected a JSON list"),
        (lambda c: (c / "expected.json").write_text('[{"announcements": []}]'), "needs a string 'file'"),
        (
            lambda c: (c / "expected.json").write_text(
                '[{"file": "x.txt", "announcements": [{"donor": "Atlantis", "category": "tanks"}]}]'
            ),
            "unknown donor 'Atlantis'",
        ),
        (
            lambda c: (c / "expected.json").write_text(
                '[{"file": "x.txt", "announcements": [{"donor": "Canada", "category": "boats"}]}]'
            ),
            "unknown category 'boats'",
        ),
        (
            lambda c: (c / "expected.json").write_text('[{"file": "nope.txt", "announcements": []}]'),
            "missing: nope.txt",
        ),
        (lambda c: shutil.rmtree(c / "releases"), "no releases folder"),
    ],
)
def test_bad_corpus_is_a_clear_error(corpus_dir, tmp_path, change, message):
    corpus = _copy_corpus(corpus_dir, tmp_path / "c")
    change(corpus)
    res = subprocess.run(
        [sys.executable, "-m", "aidtracker.cli", "evaluate", str(corpus), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert res.stdout == ""
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_evaluate_json_end_to_end(corpus_dir):
    """The real extractor over the development corpus (CONTRACT.md's keys, sane figures)."""
    res = subprocess.run(
        [sys.executable, "-m", "aidtracker.cli", "evaluate", str(corpus_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in CONTRACT_KEYS:
        assert key in out
    for key in ("precision", "recall", "f1", "date_accuracy"):
        assert 0.0 <= out[key] <= 1.0
    assert out["n_expected"] == sum(
        len(e["announcements"]) for e in json.loads((corpus_dir / "expected.json").read_text())
    )
    assert out["n_predicted"] > 0


def test_release_not_in_expected_is_noted(corpus_dir, oracle, tmp_path):
    corpus = _copy_corpus(corpus_dir, tmp_path / "c")
    (corpus / "releases" / "999_extra_en_2024-01-01.txt").write_text("Canada donates.", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_evaluate(corpus, True, out, err) == 0
    assert json.loads(out.getvalue())["not_in_expected"] == ["999_extra_en_2024-01-01.txt"]
    assert "1 file(s) in releases/ not in expected.json" in err.getvalue()
