"""Issue 14: the learned row filter beside the rules (etl.extract.learned) and its training (etl.evaluate.train)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED_CORPUS

import etl.extract
from etl.evaluate.train import model_json, run_train, train
from etl.extract import learned
from etl.parse import read_release_file

SAMPLE = sorted((Path(etl.__file__).parent / "samples" / "releases").iterdir())[0]


def _release():
    return read_release_file(SAMPLE)


def test_keep_rows_without_model_keeps_all():
    rel = _release()
    rows = etl.extract.extract_rules(rel)
    assert rows and learned.keep_rows(rel, rows, None) == rows


def test_model_drops_rows_its_weights_reject():
    rel = _release()
    rows = etl.extract.extract_rules(rel)
    cat = rows[0].category
    model = learned.Model({f"cat={cat}": -20.0}, 5.0, 0.5)
    kept = learned.keep_rows(rel, rows, model)
    assert [r for r in rows if r.category != cat] == kept
    assert learned.Model({}, 0.0, 0.5).probability([]) == 0.5


def test_features_name_rule_outputs_and_words():
    rel = _release()
    rows = etl.extract.extract_rules(rel)
    feats = learned.row_features(rel, rows[0], rows)
    assert f"cat={rows[0].category}" in feats and f"lang={rel.language}" in feats
    assert any(f.startswith("w=") for f in feats) and len(feats) == len(set(feats))


def test_model_file_version_is_checked(tmp_path):
    p = tmp_path / "rows.json"
    p.write_text(json.dumps({"version": 99, "weights": {}, "bias": 0, "threshold": 0.5}))
    learned.load_model.cache_clear()
    try:
        with pytest.raises(ValueError, match="version 99"):
            learned.load_model(p)
        assert learned.load_model(tmp_path / "none.json") is None
    finally:
        learned.load_model.cache_clear()


def test_extract_is_rules_through_the_shipped_model():
    rel = _release()
    model = learned.load_model()
    assert etl.extract.extract(rel) == learned.keep_rows(rel, etl.extract.extract_rules(rel), model)


@pytest.fixture
def half_corpus(tmp_path) -> Path:
    """The shared corpus with every other expected row removed: the rules then find rows an analyst
    did not record, so there is something to learn."""
    if not (SHARED_CORPUS / "expected.json").exists():
        pytest.skip("needs ../shared/corpus")
    c = tmp_path / "half"
    (c / "releases").mkdir(parents=True)
    for f in (SHARED_CORPUS / "releases").iterdir():
        (c / "releases" / f.name).write_bytes(f.read_bytes())
    data = json.loads((SHARED_CORPUS / "expected.json").read_text(encoding="utf-8"))
    for e in data:
        e["announcements"] = e["announcements"][::2]
    (c / "expected.json").write_text(json.dumps(data), encoding="utf-8")
    return c


def test_training_is_deterministic_and_check_compares(half_corpus, tmp_path, capsys):
    a, report = train([half_corpus])
    b, _ = train([half_corpus])
    assert model_json(a) == model_json(b)
    assert report["files"] == 17 and 0.0 <= report["rules_plus_model_cv"][2] <= 1.0
    assert a["weights"] and a["n_files"] == 17
    out = tmp_path / "m.json"
    assert run_train([half_corpus], out, check=True) == 1  # no file yet
    assert run_train([half_corpus], out, check=False) == 0
    assert run_train([half_corpus], out, check=True) == 0
    out.write_text(out.read_text().replace('"threshold"', '"threshold" ', 1))
    assert run_train([half_corpus], out, check=True) == 1
    m = learned.load_model.__wrapped__(out)
    assert m is not None and m.threshold == a["threshold"]


def test_training_on_nothing_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "releases").mkdir()
    (tmp_path / "expected.json").write_text("[]")
    assert run_train([tmp_path], tmp_path / "m.json", check=False) == 2
    assert "no release listed" in capsys.readouterr().err
