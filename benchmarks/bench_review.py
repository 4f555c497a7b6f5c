"""Review view benchmark (issue 15): the queue, a row's panel and a review at 1,000,000 rows.

    python benchmarks/bench_review.py                      # SQLite, 1,000,000 rows
    python benchmarks/bench_review.py --postgres postgresql://user@host:5432/db --no-sqlite

Uses the database of benchmarks/bench_dashboard.py (built once, kept in benchmarks/.data/), gives
it statuses and review states (about 1 row in 30 reviewed: confirmed, corrected, rejected, some
flagged; statuses spread over the four values), then measures, through the functions the review
view's callbacks and endpoints call (dashboard.review.*_view, db.review.apply_review):

- the queue's page (50 rows, lowest confidence first, JSON-encoded as Dash does) for 14 filter
  and review-state changes, first page and later pages;
- the panel of one row (paragraph, history, sentences, the editor's values);
- a review (a correction, then its undo), with the rollups kept cell by cell, committed.

Target: p95 < 300 ms for each.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIOS = [
    "",
    "?donor=USA",
    "?donor=NLD&donor=DNK",
    "?group=lethal",
    "?category=tanks",
    "?from=2023-01-01&to=2023-12-31",
    "?donor=USA&from=2024-01-01&to=2024-06-30",
    "?language=fr",
    "?publisher=Forsvarsministeriet",
    "?min_conf=0.7",
    "?state=flagged",
    "?state=corrected",
    "?state=rejected",
    "?state=confirmed&donor=DEU",
]
PAGES = (0, 50, 1000)
FALLBACK = ["?q=HIMARS", "?state=all"]


def bench_dashboard():
    spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "benchmarks" / "bench_dashboard.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def prepare_reviews(engine) -> float | None:
    """Statuses and review states for the synthetic rows (once per database); seconds taken."""
    from db.rollups import refresh_rollups

    with engine.connect() as conn:
        done = conn.execute(text("SELECT value FROM app_secrets WHERE name = 'bench_review'")).scalar()
    if done:
        return None
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE announcements SET status = CASE id % 10 WHEN 0 THEN 'delivered' WHEN 1 THEN 'in_delivery'"
            " WHEN 2 THEN 'unknown' WHEN 3 THEN 'unknown' ELSE 'announced' END"))  # fmt: skip
        conn.execute(text(
            "UPDATE announcements SET review_state = CASE WHEN id % 83 = 0 THEN 'rejected'"
            " WHEN id % 89 = 0 THEN 'corrected' ELSE 'confirmed' END"
            " WHERE id % 83 = 0 OR id % 89 = 0 OR id % 97 = 0"))  # fmt: skip
        conn.execute(text("UPDATE announcements SET review_flag = 'evidence_missing' WHERE id % 1009 = 0"
                          " AND review_state = 'corrected'"))  # fmt: skip
        refresh_rollups(conn, force=True)
        conn.execute(text("INSERT INTO app_secrets (name, value) VALUES ('bench_review', 'prepared')"))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return time.perf_counter() - t0


def pctl(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def summary(name: str, ms: list[float]) -> str:
    return (f"{name:<34} n={len(ms):>3}  p50 {statistics.median(ms):7.1f} ms  p95 {pctl(ms, 95):7.1f} ms"
            f"  max {max(ms):7.1f} ms")  # fmt: skip


def measure(engine, repeat: int) -> dict[str, list[float]]:
    from dash._utils import to_json
    from flask import Flask
    from flask_caching import Cache

    from dashboard import review as view
    from dashboard.data import Data
    from db.review import Reviewer, apply_review

    app = Flask("bench")
    data = Data(engine, Cache(app, config={"CACHE_TYPE": "SimpleCache"}))
    data.options()
    data.donor_names()  # loaded with the page, not per change
    out: dict[str, list[float]] = {"queue_first_page": [], "queue_later_pages": [], "row_panel": [],
                                   "review_write": [], "fallback_queue": []}  # fmt: skip
    ids: list[int] = []
    for _ in range(repeat):
        for search in SCENARIOS:
            for start in PAGES:
                data._version = None  # noqa: SLF001  cold: the data version is read again
                t0 = time.perf_counter()
                page = view.queue_view(data, search, {"startRow": start, "endRow": start + 50})
                to_json(page)
                ms = (time.perf_counter() - t0) * 1000
                out["queue_first_page" if start == 0 else "queue_later_pages"].append(ms)
                ids += [r["id"] for r in page["rowData"][:2]]
        for search in FALLBACK:
            t0 = time.perf_counter()
            to_json(view.queue_view(data, search, {"startRow": 0, "endRow": 50}))
            out["fallback_queue"].append((time.perf_counter() - t0) * 1000)
    rng = random.Random(15)
    for ann_id in rng.sample(ids, min(len(ids), 40)):
        t0 = time.perf_counter()
        to_json(view.detail_view(data, ann_id))
        to_json(view.editor_view(data, ann_id))
        out["row_panel"].append((time.perf_counter() - t0) * 1000)
    who = Reviewer(None, "bench")
    for ann_id in rng.sample(ids, min(len(ids), 15)):
        with engine.connect() as conn:
            old = conn.execute(text("SELECT item, review_state FROM announcements WHERE id = :i"), {"i": ann_id}).one()
        t0 = time.perf_counter()
        with engine.begin() as conn:
            apply_review(conn, ann_id, "correct", who, {"item": old.item + " (checked)"})
        out["review_write"].append((time.perf_counter() - t0) * 1000)
        with engine.begin() as conn:  # undo, so the database stays as prepared
            conn.execute(text("UPDATE announcements SET item = :it, review_state = :st WHERE id = :i"),
                         {"it": old.item, "st": old.review_state, "i": ann_id})  # fmt: skip
    return out


def run(url: str, label: str, args) -> dict:
    bd = bench_dashboard()
    engine, built = bd.open_db(url, args.rows, args.rebuild)
    if built:
        print(f"[{label}] built: " + ", ".join(f"{k} {v:.1f}" for k, v in built.items()), flush=True)
    prepared = prepare_reviews(engine)
    if prepared is not None:
        print(f"[{label}] review states and statuses set, rollups rebuilt: {prepared:.1f} s", flush=True)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM announcements")).scalar()
        states = dict(conn.execute(text("SELECT review_state, count(*) FROM announcements GROUP BY 1")).all())
    res = measure(engine, args.repeat)
    print(f"\n[{label}] {n:,} announcements; review states {states}")
    for name, ms in res.items():
        target = "" if name == "fallback_queue" else ("  OK" if pctl(ms, 95) < 300 else "  MISS")
        print(summary(name, ms) + target)
    engine.dispose()
    return {"announcements": n, "review_states": states, "ms": res, "built": built, "prepared_s": prepared}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sqlite", default=None, help="SQLite file (default: benchmarks/.data/bench-ROWS.sqlite3)")
    ap.add_argument("--postgres", default=None)
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    bd = bench_dashboard()
    bd.DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = Path(args.sqlite) if args.sqlite else bd.DATA_DIR / f"bench-{args.rows}.sqlite3"
    results = {} if (args.no_sqlite and args.postgres) else {"sqlite": run(f"sqlite:///{path}", "sqlite", args)}
    if args.postgres:
        results["postgres"] = run(args.postgres, "postgres", args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
