"""Load test (issue 6): gunicorn with 4 workers on PostgreSQL with 100,000 synthetic
announcements, 50 simulated analysts changing filters and downloading CSVs for 60 seconds, and an
`aidtracker refresh` of new local releases running at the same time.

    python benchmarks/load_test.py                         # the full run (about 2-3 minutes)
    python benchmarks/load_test.py --quick                 # 10 s, 10 users, 10,000 rows, 2 workers
    python benchmarks/load_test.py --postgres postgresql://user@127.0.0.1:5432/db   # an existing server
    python benchmarks/load_test.py --json                  # the figures as one JSON object

Without --postgres a throwaway PostgreSQL cluster is started (Debian's packages, as the test
suite does) and removed afterwards; with --postgres a new database is created on that server
and dropped afterwards. Everything talks to 127.0.0.1 only. docs/load-test.md explains the
figures and gives the last measured ones.

Each simulated analyst loops until the time is up (and never more than `--max-actions`
actions): pick a filter state (donors, categories or groups, a date range, the counting mode,
a search word), send the `/_dash-update-component` requests the browser sends after the URL
changes (built from the app's own callback map, so they follow the app), and every few actions
download the CSV of the current selection. Latency is measured per callback request; any
status other than 200, any exception and any CSV that is not a CSV count as errors.

Exit 0 when there were no errors and every row of the concurrent refresh arrived (in the
database, and in the dashboard's own CSV once its data version moved).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------
# the requests a browser sends


def dash_payloads(
    callback_map: dict, search: str, grid_request: dict | None = None, lang: str = "en"
) -> list[dict]:
    """The `/_dash-update-component` bodies the browser sends after the URL changes to `search`
    (plus the grid's first page), built from the app's own callback map so they follow the app."""
    values = {
        ("url", "search"): search,
        ("grid", "getRowsRequest"): grid_request
        or {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}},
        ("ui-lang", "value"): lang,
    }
    out = []
    for key, spec in callback_map.items():
        if spec.get("callback") is None:  # clientside: runs in the browser
            continue
        ids = {(i["id"], i["property"]) for i in spec["inputs"]}
        if ("url", "search") not in ids and ("grid", "getRowsRequest") not in ids:
            continue
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        outs = [{"id": o.component_id, "property": o.component_property} for o in outputs]
        out.append(
            {
                "output": key,
                "outputs": outs if isinstance(spec["output"], list) else outs[0],
                "inputs": [dict(i, value=values.get((i["id"], i["property"]))) for i in spec["inputs"]],
                "state": [dict(s, value=values.get((s["id"], s["property"]))) for s in spec.get("state", [])],
                "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
            }
        )
    return out


def callback_name(key: str) -> str:
    """A short name for a callback key ('..g-donor.figure...g-map.figure..' -> 'g-donor')."""
    return key.strip(".").split(".")[0]


CATEGORIES = [
    "munitions",
    "artillery",
    "air_defence",
    "tanks",
    "drones",
    "financial",
    "humanitarian",
    "medical",
]
GROUPS = ["lethal", "non_lethal", "financial", "humanitarian"]
WORDS = ["HIMARS", "tanks", "Patriot", "ammunition", "grant", "winter"]


def random_search(rnd: random.Random, donors: list[str]) -> str:
    """A filter state an analyst might pick: always a donor or a category (a realistic CSV size)."""
    p: dict[str, object] = {}
    if rnd.random() < 0.8:
        p["donor"] = rnd.sample(donors, rnd.choice([1, 1, 2, 3]))
    if rnd.random() < 0.4 or "donor" not in p:
        if rnd.random() < 0.5:
            p["category"] = rnd.sample(CATEGORIES, rnd.choice([1, 2]))
        else:
            p["group"] = [rnd.choice(GROUPS)]
    if rnd.random() < 0.5:
        y = rnd.choice([2022, 2023, 2024])
        m1 = rnd.randint(1, 12)
        m2 = rnd.randint(m1, 12)
        p["from"], p["to"] = f"{y}-{m1:02d}-01", f"{y}-{m2:02d}-28"
    if rnd.random() < 0.3:
        p["count"] = "mentions"
    if rnd.random() < 0.1:
        p["q"] = rnd.choice(WORDS)
    if rnd.random() < 0.2:
        p["measure"] = "value"
    return "?" + urlencode(p, doseq=True)


# ---------------------------------------------------------------------------------------------
# infrastructure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """A fresh database on the given server, or on a throwaway cluster started here."""

    def __init__(self, server_url: str | None) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.cluster = None
        if server_url is None:
            import importlib.util

            spec = importlib.util.spec_from_file_location("aid_conftest", ROOT / "tests" / "conftest.py")
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            self.cluster = mod.PgServer()
            server_url = self.cluster.url
        parsed = make_url(server_url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.host not in ("127.0.0.1", "localhost", "::1", None):
            raise SystemExit("the load test only talks to 127.0.0.1")
        self.admin_url = parsed.render_as_string(hide_password=False)
        self.name = f"load_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.url = parsed.set(database=self.name).render_as_string(hide_password=False)

    def close(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        try:
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def start_gunicorn(url: str, workers: int, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.app:server", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "10"],
        env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 120
    with httpx.Client(timeout=10, trust_env=False) as client:
        while True:
            try:
                if client.get(f"http://127.0.0.1:{port}/").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log}")
            time.sleep(0.3)
        # every worker imports the app lazily: warm them all up before the clock starts
        for _ in range(4 * workers):
            client.get(f"http://127.0.0.1:{port}/_dash-layout")
    return proc


def release_copies(folder: Path, n: int) -> list[Path]:
    """`n` new release files: the bundled samples with a line that makes each one new."""
    samples = sorted((ROOT / "etl" / "samples" / "releases").iterdir())
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src = samples[i % len(samples)]
        dst = folder / f"load_{i:04d}_{src.name}"
        dst.write_text(src.read_text(encoding="utf-8") + f"\n\nLoad test copy {i} ({uuid.uuid4().hex[:8]}).\n",
                       encoding="utf-8")  # fmt: skip
        out.append(dst)
    return out


# ---------------------------------------------------------------------------------------------
# the analysts


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.requests = 0
        self.csv_downloads = 0
        self.csv_rows = 0
        self.csv_bytes = 0
        self.errors: list[str] = []

    def ok(self, name: str, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.latency.setdefault(name, []).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.requests += 1
            if len(self.errors) < 1000:
                self.errors.append(what[:300])


def analyst(i: int, base: str, callback_map: dict, donors: list[str], stop: threading.Event, stats: Stats,
            max_actions: int, csv_every: int, seed: int) -> None:  # fmt: skip
    import httpx

    rnd = random.Random(seed * 1000 + i)
    with httpx.Client(base_url=base, timeout=120, trust_env=False) as client:
        for n in range(max_actions):
            if stop.is_set():
                return
            search = random_search(rnd, donors)
            for payload in dash_payloads(callback_map, search):
                name = callback_name(payload["output"])
                t0 = time.perf_counter()
                try:
                    r = client.post("/_dash-update-component", json=payload)
                    dt = time.perf_counter() - t0
                    if r.status_code in (200, 204):
                        stats.ok(name, dt)
                    else:
                        stats.error(f"{name} {search}: HTTP {r.status_code} {r.text[:200]}")
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    stats.error(f"{name} {search}: {type(exc).__name__}: {exc}")
            if n % csv_every == csv_every - 1 and not stop.is_set():
                t0 = time.perf_counter()
                try:
                    with client.stream("GET", "/download/announcements.csv" + search) as r:
                        body = b"".join(r.iter_bytes())
                    dt = time.perf_counter() - t0
                    if r.status_code != 200 or not body.startswith(b"release,"):
                        stats.error(f"csv {search}: HTTP {r.status_code} {body[:100]!r}")
                    else:
                        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
                        stats.ok("csv", dt)
                        with stats.lock:
                            stats.csv_downloads += 1
                            stats.csv_rows += rows
                            stats.csv_bytes += len(body)
                except Exception as exc:  # noqa: BLE001
                    stats.error(f"csv {search}: {type(exc).__name__}: {exc}")
            time.sleep(rnd.uniform(0.0, 0.3))  # a short look at the charts


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


# ---------------------------------------------------------------------------------------------
# the run


def run(args) -> dict:
    import httpx
    from bench_dashboard import build  # benchmarks/ is on sys.path when run as a script
    from sqlalchemy import func, select, text

    from dashboard.app import create_app
    from db.engine import make_engine, upgrade
    from db.models import Announcement, EtlRun, Release

    work = Path(tempfile.mkdtemp(prefix="aidtracker-load-"))
    db = Database(args.postgres)
    gunicorn = refresh_proc = None
    result: dict = {
        "users": args.users,
        "duration_s": args.duration,
        "rows": args.rows,
        "workers": args.workers,
    }
    try:
        engine = make_engine(db.url)
        upgrade(engine)
        t0 = time.perf_counter()
        build(engine, args.rows)
        try:  # synthetic rows have no release text: mark them as extracted by today's extractor,
            # or the refresh would extract their placeholder text again (and drop them)
            from etl.load import Loader
            from etl.pipeline import extractor_fingerprint

            Loader(engine).save_fingerprint(extractor_fingerprint())
        except ImportError:  # an ETL without re-extraction
            pass
        result["build_s"] = round(time.perf_counter() - t0, 1)
        with engine.connect() as c:
            donors = [
                r[0] for r in c.execute(text("SELECT DISTINCT donor_code FROM announcements ORDER BY 1"))
            ]
            before = c.execute(select(func.count()).select_from(Announcement)).scalar()
        callback_map = create_app(engine).callback_map  # request shapes only
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        assert urlsplit(base).hostname == "127.0.0.1"
        gunicorn = start_gunicorn(db.url, args.workers, port, work / "gunicorn.log")

        files = release_copies(work / "new-releases", args.refresh_files)
        sources = work / "sources.toml"
        sources.write_text("[settings]\nparse_workers = 1\nper_host_delay = 0\nlock_wait = 600\n")
        env = dict(os.environ, DATABASE_URL=db.url, AIDTRACKER_SOURCES=str(sources), PYTHONPATH=str(ROOT))

        stats = Stats()
        stop = threading.Event()
        users = [
            threading.Thread(
                target=analyst,
                args=(
                    i,
                    base,
                    callback_map,
                    donors,
                    stop,
                    stats,
                    args.max_actions,
                    args.csv_every,
                    args.seed,
                ),
                daemon=True,
            )
            for i in range(args.users)
        ]
        started = time.perf_counter()
        for u in users:
            u.start()
        time.sleep(min(2.0, args.duration / 5))  # the analysts are at work when the refresh starts
        refresh_started = time.perf_counter() - started
        refresh_proc = subprocess.Popen(
            [sys.executable, "-m", "aidtracker.cli", "refresh", str(work / "new-releases")],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        while time.perf_counter() - started < args.duration:
            time.sleep(0.2)
        stop.set()
        for u in users:
            u.join(timeout=180)
        elapsed = time.perf_counter() - started
        out, err = refresh_proc.communicate(timeout=600)
        refresh_done = time.perf_counter() - started

        # the refresh's rows: in the database, and in what the dashboard serves
        with engine.connect() as c:
            run_row = c.execute(select(EtlRun.__table__).order_by(EtlRun.id.desc()).limit(1)).first()
            srcs = [str(f) for f in files]
            loaded = c.execute(
                select(func.count())
                .select_from(Release)
                .where(Release.source.in_(srcs), Release.status == "ok")
            ).scalar()
            rows_in_db = c.execute(
                select(func.count())
                .select_from(Announcement)
                .join(Release)
                .where(Release.source.in_(srcs))
            ).scalar()  # fmt: skip
            after = c.execute(select(func.count()).select_from(Announcement)).scalar()
        time.sleep(2.5)  # past the dashboard's data-version cache
        with httpx.Client(base_url=base, timeout=300, trust_env=False) as client:
            r = client.get("/download/chart/donors.csv?count=mentions")
            served = sum(int(float(row["mentions"])) for row in csv.DictReader(io.StringIO(r.text)))
        all_lat = [x for k, v in stats.latency.items() if k != "csv" for x in v]
        result.update(
            {
                "elapsed_s": round(elapsed, 1),
                "requests": stats.requests,
                "callback_requests": len(all_lat),
                "requests_per_s": round(stats.requests / elapsed, 1),
                "errors": len(stats.errors),
                "error_samples": stats.errors[:5],
                "p50_ms": round(1000 * pct(all_lat, 50), 1),
                "p95_ms": round(1000 * pct(all_lat, 95), 1),
                "max_ms": round(1000 * max(all_lat), 1) if all_lat else None,
                "per_callback": {
                    k: {
                        "n": len(v),
                        "p50_ms": round(1000 * pct(v, 50), 1),
                        "p95_ms": round(1000 * pct(v, 95), 1),
                    }
                    for k, v in sorted(stats.latency.items())
                },
                "csv_downloads": stats.csv_downloads,
                "csv_rows": stats.csv_rows,
                "csv_mb": round(stats.csv_bytes / 1e6, 1),
                "refresh": {
                    "exit": refresh_proc.returncode,
                    "summary": out.strip().splitlines()[-1] if out.strip() else err.strip()[-300:],
                    "started_at_s": round(refresh_started, 1),
                    "finished_at_s": round(refresh_done, 1),
                    "files": len(files),
                    "releases_loaded": loaded,
                    "announcements_added": run_row.announcements_added if run_row else None,
                    "announcements_in_db": rows_in_db,
                    "total_before": before,
                    "total_after": after,
                    "total_served_by_dashboard": served,
                },
            }
        )
        rf = result["refresh"]
        rf["all_arrived"] = bool(
            rf["exit"] == 0
            and loaded == len(files)
            and rows_in_db == rf["announcements_added"]
            and after == before + rows_in_db
            and served == after
        )
        engine.dispose()
        return result
    finally:
        if refresh_proc is not None and refresh_proc.poll() is None:
            refresh_proc.kill()
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        db.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--rows", type=int, default=100_000, help="synthetic announcements")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument(
        "--refresh-files", type=int, default=40, help="new release files for the concurrent refresh"
    )
    ap.add_argument("--max-actions", type=int, default=10_000, help="filter changes per analyst at most")
    ap.add_argument("--csv-every", type=int, default=5, help="a CSV download every N filter changes")
    ap.add_argument("--postgres", help="a PostgreSQL server URL on 127.0.0.1 (default: a throwaway cluster)")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--quick", action="store_true", help="10 s, 10 users, 10,000 rows, 2 workers, 10 files")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration, args.users, args.rows, args.workers, args.refresh_files = 10.0, 10, 10_000, 2, 10
    sys.path.insert(0, str(ROOT / "benchmarks"))
    res = run(args)
    if args.json:
        print(json.dumps(res, indent=2, default=str))
    else:
        rf = res["refresh"]
        print(
            f"load: {res['users']} analysts x {res['elapsed_s']} s on {res['rows']:,} rows, gunicorn {res['workers']} workers\n"
            f"  requests {res['requests']:,} ({res['requests_per_s']}/s), errors {res['errors']}\n"
            f"  callback latency p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, max {res['max_ms']} ms\n"
            f"  CSV downloads {res['csv_downloads']} ({res['csv_rows']:,} rows, {res['csv_mb']} MB)\n"
            f"  refresh: exit {rf['exit']}, {rf['releases_loaded']}/{rf['files']} releases, "
            f"{rf['announcements_in_db']} announcements (run says {rf['announcements_added']}); "
            f"dashboard total {rf['total_before']:,} -> {rf['total_served_by_dashboard']:,}; "
            f"all arrived: {rf['all_arrived']}\n  {rf['summary']}"
        )
        for k, v in res["per_callback"].items():
            print(f"    {k:<28} n={v['n']:<6} p50 {v['p50_ms']:>8} ms  p95 {v['p95_ms']:>8} ms")
        for e in res["error_samples"]:
            print("  error:", e)
    return 0 if res["errors"] == 0 and res["refresh"]["all_arrived"] else 1


if __name__ == "__main__":
    sys.exit(main())
