"""`aidtracker evaluate CORPUS_DIR`: extraction over CORPUS_DIR/releases/ against expected.json.

Matching rule (CONTRACT.md, *Evaluation corpus*): within one file, a predicted announcement
matches an expected one when their donor codes and categories agree; for an expected row flagged
`ambiguous`, the donor alone. Each expected row is matched at most once, unflagged rows first.
Precision = matched / predicted, recall = matched / expected, summed over all files;
`date_accuracy` = share of matched pairs whose dates agree. A ratio with nothing to divide by
(no prediction, no expected row, no matched pair) is reported as 0.0.

Release files that expected.json does not list are not evaluated (a note on stderr says how
many). Exit status: 0 when every release was read and extracted, 1 when some could not be (their
errors are listed, and they count as files with no prediction), 2 when the corpus itself is
unusable (missing or invalid expected.json, no releases folder, a listed file missing).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

UNKNOWN_LANGUAGE = "?"


class EvaluateError(Exception):
    """The corpus cannot be evaluated (one-line message)."""


# ---------------------------------------------------------------------------------------------
# matching (pure)


@dataclass
class MatchResult:
    """Indices into the expected and predicted lists of one file."""

    pairs: list[tuple[int, int]] = field(default_factory=list)  # (expected, predicted)
    missed: list[int] = field(default_factory=list)  # expected rows left unmatched
    false_hits: list[int] = field(default_factory=list)  # predicted rows left unmatched


def match(expected_rows: Sequence[Mapping], predicted_rows: Sequence[Mapping]) -> MatchResult:
    """Pair expected and predicted rows of one file by the matching rule.

    Each row is a mapping with `donor_code` and `category`; expected rows may carry a true
    `ambiguous` flag; `date` is used only to prefer, among equally valid candidates, one whose
    date agrees (this never changes how many rows match, only which). Unflagged expected rows
    are served first, in their order, then the ambiguous ones; among candidates for an
    ambiguous row one of the same category is preferred.
    """
    taken = [False] * len(predicted_rows)
    result = MatchResult()
    matched_expected: set[int] = set()

    def pick(exp: Mapping, same_category: bool) -> int | None:
        fallback = None
        for j, pred in enumerate(predicted_rows):
            if taken[j] or pred.get("donor_code") != exp.get("donor_code"):
                continue
            if same_category and pred.get("category") != exp.get("category"):
                continue
            if pred.get("date") == exp.get("date"):
                return j
            if fallback is None:
                fallback = j
        return fallback

    order = [i for i, e in enumerate(expected_rows) if not e.get("ambiguous")]
    order += [i for i, e in enumerate(expected_rows) if e.get("ambiguous")]
    for i in order:
        exp = expected_rows[i]
        j = pick(exp, same_category=True)
        if j is None and exp.get("ambiguous"):
            j = pick(exp, same_category=False)
        if j is not None:
            taken[j] = True
            matched_expected.add(i)
            result.pairs.append((i, j))
    result.pairs.sort()
    result.missed = [i for i in range(len(expected_rows)) if i not in matched_expected]
    result.false_hits = [j for j, t in enumerate(taken) if not t]
    return result


@dataclass
class Counts:
    n_files: int = 0
    n_expected: int = 0
    n_predicted: int = 0
    n_matched: int = 0
    n_date_ok: int = 0

    def add(self, other: Counts) -> None:
        self.n_files += other.n_files
        self.n_expected += other.n_expected
        self.n_predicted += other.n_predicted
        self.n_matched += other.n_matched
        self.n_date_ok += other.n_date_ok

    def figures(self) -> dict:
        p = self.n_matched / self.n_predicted if self.n_predicted else 0.0
        r = self.n_matched / self.n_expected if self.n_expected else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        da = self.n_date_ok / self.n_matched if self.n_matched else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "date_accuracy": round(da, 4),
            "n_expected": self.n_expected,
            "n_predicted": self.n_predicted,
            "n_matched": self.n_matched,
            "n_files": self.n_files,
        }


def score(expected_rows: Sequence[Mapping], predicted_rows: Sequence[Mapping]) -> tuple[Counts, MatchResult]:
    """Counts and match of one file."""
    m = match(expected_rows, predicted_rows)
    date_ok = sum(1 for i, j in m.pairs if expected_rows[i].get("date") == predicted_rows[j].get("date"))
    c = Counts(1, len(expected_rows), len(predicted_rows), len(m.pairs), date_ok)
    return c, m


# ---------------------------------------------------------------------------------------------
# corpus


def load_expected(path: Path) -> dict[str, list[dict]]:
    """expected.json as {file name: rows with `donor_code`}; `EvaluateError` when invalid."""
    from db.reference import CATEGORY_GROUP
    from etl.extract.donors import code_for

    if not path.is_file():
        raise EvaluateError(f"{path}: not found (the corpus needs an expected.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluateError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise EvaluateError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, list):
        raise EvaluateError(f"{path}: expected a JSON list of {{file, announcements}} entries")
    out: dict[str, list[dict]] = {}
    for n, entry in enumerate(data, 1):
        where = f"{path}: entry {n}"
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise EvaluateError(f"{where}: needs a string 'file'")
        name = entry["file"]
        where = f"{path}: {name}"
        if name in out:
            raise EvaluateError(f"{where}: listed twice")
        rows = entry.get("announcements", [])
        if not isinstance(rows, list):
            raise EvaluateError(f"{where}: 'announcements' must be a list")
        clean = []
        for k, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise EvaluateError(f"{where}: announcement {k} is not an object")
            code = row.get("donor_code") or code_for(str(row.get("donor") or ""))
            if not code:
                raise EvaluateError(f"{where}: announcement {k}: unknown donor {row.get('donor')!r}")
            if row.get("category") not in CATEGORY_GROUP:
                raise EvaluateError(f"{where}: announcement {k}: unknown category {row.get('category')!r}")
            clean.append({**row, "donor_code": code})
        out[name] = clean
    return out


def publisher_group(publisher: str | None) -> str | None:
    """The publisher as a release header names it, without the department in brackets:
    "Regeringskansliet (Försvarsdepartementet)" and "Regeringskansliet" score as one publisher."""
    if not publisher:
        return None
    return re.sub(r"\s*\(.*\)\s*$", "", " ".join(publisher.split())) or None


def _language_from_name(name: str) -> str:
    m = re.match(r"\d+_[^_]+_([a-z]{2})_", name)
    return m.group(1) if m else UNKNOWN_LANGUAGE


@dataclass
class FileResult:
    file: str
    language: str
    expected: list[dict]
    predicted: list[dict]
    counts: Counts
    match: MatchResult
    error: str | None = None
    publisher: str = UNKNOWN_LANGUAGE


def evaluate_corpus(corpus_dir: Path, rules_only: bool = False) -> list[FileResult]:
    """Run extraction (or the rules alone) over every release listed in expected.json and score it."""
    import etl.extract
    from etl.extract.donors import code_for
    from etl.parse import ReleaseError, read_release_file

    extract = etl.extract.extract_rules if rules_only else etl.extract.extract

    corpus_dir = Path(corpus_dir)
    releases = corpus_dir / "releases"
    if not releases.is_dir():
        raise EvaluateError(f"{releases}: no releases folder in the corpus")
    expected = load_expected(corpus_dir / "expected.json")
    missing = [name for name in expected if not (releases / name).is_file()]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise EvaluateError(
            f"{releases}: listed in expected.json but missing: {', '.join(missing[:3])}{more}"
        )
    results = []
    for name in sorted(expected):
        exp_rows = expected[name]
        predicted: list[dict] = []
        error = None
        language = _language_from_name(name)
        publisher = UNKNOWN_LANGUAGE
        try:
            release = read_release_file(releases / name)
            language = release.language or language
            publisher = publisher_group(release.publisher) or publisher
            for a in extract(release):
                rec = a.to_record()
                rec["donor_code"] = rec.get("donor_code") or code_for(rec.get("donor") or "") or ""
                predicted.append(rec)
        except NotImplementedError:
            raise
        except ReleaseError as exc:
            error = str(exc)
        except Exception as exc:  # an extraction bug on one file must not hide the others
            error = f"extraction failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        counts, m = score(exp_rows, predicted)
        results.append(FileResult(name, language, exp_rows, predicted, counts, m, error, publisher))
    return results


def summarize(results: Sequence[FileResult]) -> dict:
    """Overall figures (CONTRACT.md keys first), then per language, errors, misses, false hits."""
    total = Counts()
    per_lang: dict[str, Counts] = {}
    per_pub: dict[str, Counts] = {}
    for r in results:
        total.add(r.counts)
        per_lang.setdefault(r.language, Counts()).add(r.counts)
        per_pub.setdefault(r.publisher, Counts()).add(r.counts)
    summary = total.figures()
    summary["per_language"] = {lang: c.figures() for lang, c in sorted(per_lang.items())}
    summary["per_publisher"] = {pub: c.figures() for pub, c in sorted(per_pub.items())}
    summary["errors"] = [{"file": r.file, "error": r.error} for r in results if r.error]
    summary["misses"] = [
        {
            "file": r.file,
            **_brief(r.expected[i]),
            **({"ambiguous": True} if r.expected[i].get("ambiguous") else {}),
        }
        for r in results
        for i in r.match.missed
    ]
    summary["false_hits"] = [
        {"file": r.file, **_brief(r.predicted[j])} for r in results for j in r.match.false_hits
    ]
    summary["date_mismatches"] = [
        {"file": r.file, **_brief(r.expected[i]), "predicted_date": r.predicted[j].get("date")}
        for r in results
        for i, j in r.match.pairs
        if r.expected[i].get("date") != r.predicted[j].get("date")
    ]
    return summary


def _brief(row: Mapping) -> dict:
    return {
        "donor": row.get("donor") or row.get("donor_code"),
        "donor_code": row.get("donor_code"),
        "category": row.get("category"),
        "item": row.get("item"),
        "date": row.get("date"),
        "evidence": row.get("evidence"),
    }


def _snippet(text: str | None, width: int = 90) -> str:
    s = " ".join((text or "").split())
    return s if len(s) <= width else s[: width - 1] + "…"


def render_text(summary: dict, corpus_dir: Path) -> str:
    lines = [
        f"corpus: {corpus_dir}  ({summary['n_files']} releases, {len(summary['errors'])} unreadable)",
        "",
    ]
    width = max([9] + [len(p) + 1 for p in summary.get("per_publisher", {})])
    head = f"{'language':<{width}}{'files':>6}{'expected':>10}{'predicted':>11}{'matched':>9}"
    head += f"{'precision':>11}{'recall':>8}{'F1':>7}{'dates':>7}"
    lines.append(head)

    def row(label: str, f: dict) -> str:
        return (
            f"{label:<{width}}{f['n_files']:>6}{f['n_expected']:>10}{f['n_predicted']:>11}{f['n_matched']:>9}"
            f"{f['precision']:>11.3f}{f['recall']:>8.3f}{f['f1']:>7.3f}{f['date_accuracy']:>7.3f}"
        )

    for lang, f in summary["per_language"].items():
        lines.append(row(lang, f))
    lines.append(row("all", summary))
    lines.append("")
    if len(summary.get("per_publisher", {})) > 1:
        lines.append(f"{'publisher':<{width}}" + head[width:])
        for pub, f in summary["per_publisher"].items():
            lines.append(row(pub, f))
        lines.append("")
    if summary["errors"]:
        lines.append(f"unreadable releases ({len(summary['errors'])}):")
        lines += [f"  {e['file']}: {e['error']}" for e in summary["errors"]]
        lines.append("")
    if summary.get("figures_only"):
        lines.append("(figures only: misses and false hits not listed)")
        return "\n".join(lines) + "\n"
    lines.append(f"misses ({len(summary['misses'])}):")
    for m in summary["misses"]:
        flag = "  [ambiguous]" if m.get("ambiguous") else ""
        lines.append(f"  {m['file']}  {m['donor']}  {m['category']}  {_snippet(m['item'], 60)}{flag}")
    lines.append("")
    lines.append(f"false hits ({len(summary['false_hits'])}):")
    for h in summary["false_hits"]:
        lines.append(f"  {h['file']}  {h['donor']}  {h['category']}  {_snippet(h['item'], 60)}")
        lines.append(f'      "{_snippet(h["evidence"])}"')
    if summary["date_mismatches"]:
        lines.append("")
        lines.append(f"matched with another date ({len(summary['date_mismatches'])}):")
        for d in summary["date_mismatches"]:
            lines.append(
                f"  {d['file']}  {d['donor']}  {d['category']}  expected {d['date']}, got {d['predicted_date']}"
            )
    return "\n".join(lines) + "\n"


FIGURE_LISTS = ("misses", "false_hits", "date_mismatches")


def run_evaluate(corpus_dir: Path, as_json: bool, out: TextIO, err: TextIO | None = None,
                 rules_only: bool = False, figures_only: bool = False) -> int:
    """Print the figures (text, or one JSON object with `as_json`); see the module docstring.

    `figures_only` leaves out the lists of misses, false hits and date mismatches: for a held-out
    test part, whose errors must not be read before the method is frozen."""
    err = err or sys.stderr
    try:
        results = evaluate_corpus(Path(corpus_dir), rules_only)
    except EvaluateError as exc:
        err.write(f"aidtracker evaluate: error: {exc}\n")
        return 2
    summary = summarize(results)
    listed = {r.file for r in results}
    releases = Path(corpus_dir) / "releases"
    summary["not_in_expected"] = sorted(
        f.name
        for f in releases.iterdir()
        if f.is_file() and not f.name.startswith(".") and f.name not in listed
    )
    if figures_only:
        summary["figures_only"] = True
        for key in FIGURE_LISTS:
            summary[key] = []
    if as_json:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(summary, Path(corpus_dir)))
    for e in summary["errors"]:
        err.write(f"aidtracker evaluate: {e['file']}: {e['error']}\n")
    if summary["not_in_expected"]:
        n = len(summary["not_in_expected"])
        err.write(
            f"aidtracker evaluate: note: {n} file(s) in releases/ not in expected.json, not evaluated\n"
        )
    out.flush()
    return 1 if summary["errors"] else 0
