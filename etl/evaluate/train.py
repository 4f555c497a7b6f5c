"""`aidtracker train CORPUS_DIR...`: rebuild the row classifier of `etl.extract.learned` from corpora.

Deterministic: the same corpus and rules give the same JSON file (weights rounded to 4 decimals), so
CI can retrain and compare with the shipped model (`--check`). Needs scikit-learn (the `train`
extra); the package itself only reads the JSON. Train on development parts only, never on a test
part.

The regularisation C and the threshold are chosen by cross-validation grouped by publisher, the
same kind of split as the held-out test part: rows of one publisher are never both trained on and
scored in one fold. The figures it prints are those out-of-fold scores, not the fit on the training
rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from etl.evaluate import load_expected, match
from etl.extract import learned
from etl.types import Announcement, ReleaseText

C_GRID = (0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 13))  # 0.05 .. 0.60
MIN_COUNT = 2  # a word feature must occur in at least this many training rows
N_FOLDS = 5


@dataclass
class FileRows:
    name: str
    publisher: str
    release: ReleaseText
    rows: list[Announcement]
    expected: list[dict]
    labels: list[int]


def collect(corpus_dir: Path) -> list[FileRows]:
    """Rules-only rows of every listed release, each labelled 1 when it matches an analyst's row."""
    from etl.evaluate import publisher_group
    from etl.extract import extract_rules
    from etl.parse import read_release_file

    expected = load_expected(corpus_dir / "expected.json")
    out = []
    for name in sorted(expected):
        release = read_release_file(corpus_dir / "releases" / name)
        rows = extract_rules(release)
        m = match(expected[name], [r.to_record() | {"donor_code": r.donor_code} for r in rows])
        labels = [0] * len(rows)
        for _, j in m.pairs:
            labels[j] = 1
        out.append(FileRows(name, publisher_group(release.publisher) or "?", release, rows, expected[name], labels))
    return out


def _f1(files: list[FileRows], keep: list[list[bool]]) -> tuple[float, float, float]:
    n_exp = n_pred = n_match = 0
    for f, k in zip(files, keep, strict=True):
        kept = [r.to_record() for r, ok in zip(f.rows, k, strict=True) if ok]
        n_exp += len(f.expected)
        n_pred += len(kept)
        n_match += len(match(f.expected, kept).pairs)
    p = n_match / n_pred if n_pred else 0.0
    r = n_match / n_exp if n_exp else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _fit(files: list[FileRows], c: float):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feats, ys = [], []
    counts: dict[str, int] = {}
    for f in files:
        for r, y in zip(f.rows, f.labels, strict=True):
            fs = learned.row_features(f.release, r, f.rows)
            feats.append(fs)
            ys.append(y)
            for x in fs:
                counts[x] = counts.get(x, 0) + 1
    keep = {x for x, n in counts.items() if n >= MIN_COUNT or not x.startswith("w=")}
    vec = DictVectorizer(sort=True)
    # dense: a few thousand rows, and liblinear refuses the int64 indices of current scipy sparse matrices
    X = vec.fit_transform([{x: 1 for x in fs if x in keep} for fs in feats]).toarray()
    if len(set(ys)) < 2:
        raise ValueError("training rows are all of one class: nothing to learn")
    clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", class_weight="balanced")
    clf.fit(X, ys)
    weights = {name: round(float(w), 4) for name, w in zip(vec.feature_names_, clf.coef_[0], strict=True)}
    return {k: v for k, v in weights.items() if v != 0.0}, round(float(clf.intercept_[0]), 4)


def _folds(files: list[FileRows]) -> list[int]:
    """Fold of each file: publishers are dealt to folds by a stable hash (never split)."""
    def fold(pub: str) -> int:
        return int(hashlib.sha256(pub.encode()).hexdigest(), 16) % N_FOLDS
    return [fold(f.publisher) for f in files]


def cross_validate(files: list[FileRows], c: float) -> dict[float, tuple[float, float, float]]:
    """Out-of-fold (precision, recall, F1) for each threshold."""
    folds = _folds(files)
    probs: list[list[float]] = [[] for _ in files]
    for k in range(N_FOLDS):
        train = [f for f, g in zip(files, folds, strict=True) if g != k]
        if not any(g == k for g in folds):
            continue
        w, b = _fit(train, c)
        model = learned.Model(w, b, 0.0)
        for i, (f, g) in enumerate(zip(files, folds, strict=True)):
            if g == k:
                probs[i] = [model.probability(learned.row_features(f.release, r, f.rows)) for r in f.rows]
    return {t: _f1(files, [[p >= t for p in ps] for ps in probs]) for t in THRESHOLDS}


def train(corpus_dirs: list[Path]) -> tuple[dict, dict]:
    """The model as a JSON-ready dict, and a report of the cross-validation."""
    files = [f for d in corpus_dirs for f in collect(Path(d))]
    if not files:
        raise ValueError("no release listed in the corpora")
    rules = _f1(files, [[True] * len(f.rows) for f in files])
    best = None
    grid = {}
    for c in C_GRID:
        for t, prf in cross_validate(files, c).items():
            grid[(c, t)] = prf
            if best is None or prf[2] > grid[best][2] + 1e-9:
                best = (c, t)
    c, t = best
    weights, bias = _fit(files, c)
    corpus_hash = hashlib.sha256()
    for f in files:
        corpus_hash.update(f.name.encode())
        corpus_hash.update(json.dumps(f.expected, sort_keys=True, ensure_ascii=False).encode())
        corpus_hash.update(f.release.text.encode())
    model = {
        "version": learned.MODEL_VERSION,
        "corpus_sha256": corpus_hash.hexdigest(),
        "n_files": len(files),
        "n_rows": sum(len(f.rows) for f in files),
        "C": c,
        "threshold": t,
        "bias": bias,
        "weights": dict(sorted(weights.items())),
    }
    report = {"files": len(files), "rows": sum(len(f.rows) for f in files),
              "publishers": len({f.publisher for f in files}),
              "rules_only": rules, "rules_plus_model_cv": grid[best], "C": c, "threshold": t}
    return model, report


def model_json(model: dict) -> str:
    """The model file's exact text (sorted keys, so a retrain compares byte for byte)."""
    return json.dumps(model, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def run_train(corpus_dirs: list[Path], output: Path, check: bool) -> int:
    """Train and write `output` (or, with `check`, compare with it: 1 when it differs)."""
    import sys

    from etl.evaluate import EvaluateError

    try:
        model, report = train(corpus_dirs)
    except (ValueError, OSError, EvaluateError) as exc:
        sys.stderr.write(f"aidtracker train: error: {exc}\n")
        return 2
    prf = report["rules_only"], report["rules_plus_model_cv"]
    sys.stdout.write(
        f"{report['files']} releases, {report['rows']} rule rows, {report['publishers']} publishers; "
        f"C={report['C']} threshold={report['threshold']}\n"
        f"rules alone          P {prf[0][0]:.3f}  R {prf[0][1]:.3f}  F1 {prf[0][2]:.3f}\n"
        f"rules + model (CV)   P {prf[1][0]:.3f}  R {prf[1][1]:.3f}  F1 {prf[1][2]:.3f}"
        "  (out-of-fold, folds by publisher)\n"
    )
    text = model_json(model)
    if check:
        try:
            shipped = output.read_text(encoding="utf-8")
        except FileNotFoundError:
            shipped = None
        if shipped != text:
            sys.stderr.write(f"aidtracker train: {output} does not reproduce from the corpus: "
                             "retrain with `aidtracker train` and commit it\n")
            return 1
        sys.stdout.write(f"{output}: reproduces from the corpus\n")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {output} ({len(model['weights'])} weights)\n")
    return 0
