"""Dashboard benchmark (issue 5): a filter change on 1,000,000 synthetic announcements.

    python benchmarks/bench_dashboard.py                       # SQLite, 1,000,000 rows
    python benchmarks/bench_dashboard.py --rows 200000 --repeat 3
    python benchmarks/bench_dashboard.py --postgres postgresql://user@host:5432/db

Builds the database once (kept in benchmarks/.data/, reused while its row count matches; pass
--rebuild to start again), refreshes the rollups as the ETL does, then measures:

- baseline: the naive `SELECT donor_code, category_code, count(*) FROM announcements GROUP BY 1, 2`;
- each callback of a filter change (headline, release count, donor chart + map, category chart,
  time chart, first table page) through the functions the callbacks call, with the cache cold for every call;
- first page load: transferred bytes with gzip (Flask test client: the page, its scripts and
  styles, the layout, the dependencies and the map outline);
- the CSV export of every row (1,000,000 at the default size): peak memory in a subprocess.

Targets: p95 < 300 ms and < half the baseline per callback; page < 2 MB; CSV export < 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

DATA_DIR = ROOT / "benchmarks" / ".data"

# code, weight, publishers (name, language)
DONORS = [
    ("USA", 22, [("U.S. Department of Defense", "en"), ("U.S. Department of State", "en")]),
    ("DEU", 9, [("Bundesministerium der Verteidigung", "de"), ("Auswärtiges Amt", "de")]),
    ("GBR", 8, [("UK Ministry of Defence", "en"), ("GOV.UK Prime Minister's Office", "en")]),
    ("POL", 5, [("Ministerstwo Obrony Narodowej", "pl")]),
    ("NLD", 5, [("Ministerie van Defensie", "nl"), ("Rijksoverheid", "nl")]),
    ("DNK", 5, [("Forsvarsministeriet", "da")]),
    ("CAN", 5, [("National Defence Canada", "en"), ("Défense nationale Canada", "fr")]),
    ("FRA", 5, [("Ministère des Armées", "fr"), ("Élysée", "fr")]),
    ("SWE", 3, [("Regeringskansliet", "sv")]),
    ("NOR", 3, [("Regjeringen", "no")]),
    ("ITA", 2, [("Ministero della Difesa", "it")]),
    ("ESP", 2, [("Ministerio de Defensa", "es")]),
    ("BEL", 2, [("La Défense", "fr"), ("Defensie België", "nl")]),
    ("CZE", 2, [("Ministerstvo obrany", "cs")]),
    ("FIN", 2, [("Puolustusministeriö", "fi")]),
    ("EST", 1.5, [("Kaitseministeerium", "et")]),
    ("LVA", 1, [("Aizsardzības ministrija", "lv")]),
    ("LTU", 1, [("Krašto apsaugos ministerija", "lt")]),
    ("AUS", 1.5, [("Australian Department of Defence", "en")]),
    ("JPN", 1, [("Ministry of Foreign Affairs of Japan", "en")]),
    ("PRT", 0.7, [("Ministério da Defesa Nacional", "pt")]),
    ("GRC", 0.5, [("Hellenic Ministry of Defence", "el")]),
    ("ROU", 0.7, [("Ministerul Apărării Naționale", "ro")]),
    ("SVK", 0.7, [("Ministerstvo obrany SR", "sk")]),
    ("SVN", 0.4, [("Ministrstvo za obrambo", "sl")]),
    ("HRV", 0.4, [("Ministarstvo obrane", "hr")]),
    ("BGR", 0.4, [("Министерство на отбраната", "bg")]),
    ("LUX", 0.4, [("Gouvernement du Luxembourg", "fr")]),
    ("IRL", 0.3, [("Department of Foreign Affairs Ireland", "en")]),
    ("AUT", 0.3, [("Bundesministerium für europäische und internationale Angelegenheiten", "de")]),
    ("CHE", 0.3, [("Swiss Federal Council", "fr")]),
    ("NZL", 0.3, [("New Zealand Ministry of Defence", "en")]),
    ("KOR", 0.3, [("Ministry of Foreign Affairs of Korea", "en")]),
    ("TUR", 0.2, [("Ministry of National Defence of Türkiye", "en")]),
    ("ISL", 0.2, [("Government of Iceland", "en")]),
    ("NATO", 3, [("NATO (nato.int news, English version)", "en"), ("OTAN (nato.int actualités)", "fr")]),
    ("EU", 4, [("European Commission", "en"), ("Council of the EU", "en"), ("Conseil de l'UE", "fr")]),
]
CATEGORY_WEIGHTS = {
    "munitions": 14, "artillery": 6, "rocket_artillery": 3, "air_defence": 8, "missiles": 3,
    "anti_tank": 4, "armoured_vehicles": 7, "tanks": 3, "aircraft": 2, "drones": 6, "small_arms": 4,
    "other_military": 10, "medical": 4, "communications": 3, "engineering": 3, "training": 4,
    "logistics": 4, "other_non_lethal": 5, "financial": 9, "humanitarian": 8,
}  # fmt: skip
ITEMS = {
    "munitions": ["155mm artillery rounds", "munitions for HIMARS", "105mm ammunition", "mortar rounds"],
    "artillery": ["M777 howitzers", "CAESAR self-propelled howitzers", "120mm mortars", "PzH 2000"],
    "rocket_artillery": ["HIMARS launchers", "M270 MLRS", "MARS II launchers"],
    "air_defence": ["NASAMS", "IRIS-T SLM system", "Patriot interceptors", "Stinger missiles", "Gepard"],
    "missiles": ["Harpoon coastal defence", "Storm Shadow missiles", "advanced missile systems"],
    "anti_tank": ["Javelin anti-armour systems", "NLAW", "TOW missiles", "AT4 anti-armour weapons"],
    "armoured_vehicles": ["M113 APCs", "Bradley IFVs", "MRAPs", "CV90 infantry fighting vehicles"],
    "tanks": ["Leopard 2 tanks", "Abrams tanks", "Challenger 2 tanks", "Leopard 1A5 tanks"],
    "aircraft": ["F-16 aircraft", "Mi-17 helicopters", "Sea King helicopters"],
    "drones": ["Switchblade drones", "Puma UAS", "counter-drone systems", "maritime drones"],
    "small_arms": ["small arms and ammunition", "grenade launchers", "machine guns"],
    "other_military": ["military assistance package (total)", "patrol boats", "counter-battery radars"],
    "medical": ["medical supplies", "field hospital", "ambulances"],
    "communications": ["satellite communication terminals", "secure radios"],
    "engineering": ["demining equipment", "pontoon bridges", "generators"],
    "training": ["training of Ukrainian soldiers", "pilot training"],
    "logistics": ["fuel", "trucks and spare parts"],
    "other_non_lethal": ["helmets and body armour", "winter clothing", "night-vision devices"],
    "financial": ["budget support grant", "macro-financial assistance loan", "reconstruction fund"],
    "humanitarian": ["humanitarian aid", "food assistance", "emergency shelter"],
}
VERBS = ["will provide", "announced", "is sending", "has pledged", "will deliver", "committed"]
CURRENCIES = [("USD", 0.92), ("EUR", 1.0), ("GBP", 1.16), ("DKK", 0.134), ("SEK", 0.088), ("CAD", 0.68)]
START = dt.date(2022, 2, 24)
END = dt.date(2026, 10, 31)


def generate(n_rows: int, seed: int = 7):
    """(releases, announcements) as lists of tuples, in release-date order."""
    rnd = random.Random(seed)
    donors = [d[0] for d in DONORS]
    weights = [d[1] for d in DONORS]
    pubs = {d[0]: d[2] for d in DONORS}
    cats = list(CATEGORY_WEIGHTS)
    cat_w = list(CATEGORY_WEIGHTS.values())
    span = (END - START).days
    sizes: list[int] = []  # announcements per release
    total = 0
    while total < n_rows:
        sizes.append(min(1 + int(rnd.expovariate(1 / 7)), 16, n_rows - total))
        total += sizes[-1]
    day_of = sorted(int(span * (rnd.random() ** 0.8)) for _ in sizes)  # busier early
    releases, rows = [], []
    recent: dict[tuple[str, str], list[tuple[str, int]]] = {}
    aid = 0
    fetched = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for rid, (day, k) in enumerate(zip(day_of, sizes, strict=True), start=1):
        published = START + dt.timedelta(days=day)
        donor = rnd.choices(donors, weights)[0]
        publisher, lang = rnd.choice(pubs[donor])
        url = f"https://example.org/{donor.lower()}/press/{published:%Y/%m}/{rid}"
        releases.append(
            (rid, url, url, publisher, lang, f"Release {rid}", published, fetched,
             hashlib.sha256(str(rid).encode()).hexdigest(), None, "ok", 1, True)
        )  # fmt: skip
        for _ in range(k):
            aid += 1
            d = donor if rnd.random() < 0.85 else rnd.choices(donors, weights)[0]
            c = rnd.choices(cats, cat_w)[0]
            item = rnd.choice(ITEMS[c])
            pool = recent.setdefault((d, c), [])
            if pool and rnd.random() < 0.15 and day - pool[-1][1] <= 7:
                key = pool[-1][0]  # a report of a recent pledge: same key
            else:
                key = f"{d}:{c}:{published}:{aid:x}"
                pool.append((key, day))
                del pool[:-3]
            qty = rnd.choice([None, None, rnd.randint(1, 500), rnd.randint(1000, 300000)])
            value = currency = eur = None
            if rnd.random() < 0.3:
                currency, rate = rnd.choice(CURRENCIES)
                value = float(rnd.choice([1, 2, 5, 10, 25, 50, 100, 250, 400, 1000]) * 1_000_000)
                eur = round(value * rate, 2)
            conf = rnd.choice([0.35, 0.6, 0.75, 0.85, 0.95, 0.95])
            verb = rnd.choice(VERBS)
            qtxt = f"{qty:,} " if qty else ""
            evidence = f"On {published:%d %B %Y} the government {verb} {qtxt}{item} to Ukraine."
            rows.append(
                (aid, rid, d, "UKR", c, item, qty, value, currency, eur, None, published, evidence,
                 None, None, conf, key)
            )  # fmt: skip
    return releases, rows


RELEASE_COLS = (
    "id, source, canonical_url, publisher, language, title, published, fetched_at, content_hash, "
    "raw_text, status, attempts, is_current"
)
ANN_COLS = (
    "id, release_id, donor_code, recipient_code, category_code, item, quantity, value, currency, "
    "value_eur, value_usd, date, evidence, evidence_start, evidence_end, confidence, pledge_key"
)


def build(engine: Engine, n_rows: int) -> dict:
    """Fill an upgraded, empty database with `n_rows` synthetic announcements; returns timings."""
    from db.rollups import refresh_rollups

    t0 = time.perf_counter()
    releases, rows = generate(n_rows)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY releases ({RELEASE_COLS}) FROM STDIN") as cp:
                for r in releases:
                    cp.write_row(r)
            with cur.copy(f"COPY announcements ({ANN_COLS}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
            cur.execute("SELECT setval('announcements_id_seq', (SELECT max(id) FROM announcements))")
            cur.execute("SELECT setval('releases_id_seq', (SELECT max(id) FROM releases))")
        else:
            cur.execute("PRAGMA synchronous=OFF")
            ph = lambda n: ",".join("?" * n)  # noqa: E731
            cur.executemany(f"INSERT INTO releases ({RELEASE_COLS}) VALUES ({ph(13)})", releases)  # noqa: S608
            for i in range(0, len(rows), 50_000):
                cur.executemany(
                    f"INSERT INTO announcements ({ANN_COLS}) VALUES ({ph(17)})",  # noqa: S608
                    rows[i : i + 50_000],
                )
        cur.execute(
            "INSERT INTO etl_runs (started_at, finished_at, status, releases_seen, releases_new, releases_updated,"
            " releases_failed, announcements_added, announcements_removed)"
            " VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'ok', 0, 0, 0, 0, 0, 0)"
        )
        raw.commit()
    finally:
        raw.close()
    t_insert = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        refresh_rollups(conn)
    t_rollups = time.perf_counter() - t0
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return {"generate_s": t_gen, "insert_s": t_insert, "refresh_rollups_s": t_rollups}


def open_db(url: str, n_rows: int, rebuild: bool) -> tuple[Engine, dict | None]:
    from db.engine import downgrade, make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM announcements")).scalar()
    if have == n_rows and not rebuild:
        return engine, None
    if have:
        downgrade(engine, "base")
        upgrade(engine)
    print(f"building {n_rows:,} synthetic announcements ...", flush=True)
    return engine, build(engine, n_rows)


# --- measurements ---------------------------------------------------------------------------------

SCENARIOS = [
    "?donor=USA",
    "?donor=DEU",
    "?donor=NLD&donor=DNK",
    "?donor=POL&count=mentions",
    "?group=lethal",
    "?category=tanks",
    "?from=2023-01-01&to=2023-12-31",
    "?donor=USA&from=2024-01-01&to=2024-06-30",
    "?donor=GBR&measure=value",
    "?group=financial&time=cumulative",
    "?min_conf=0.7",
    "?publisher=Forsvarsministeriet",
    "?language=fr&cat=treemap",
    "",
]
FALLBACK = ["?q=HIMARS", "?donor=USA&from=2023-03-15&to=2023-05-10", "?min_conf=0.65"]
CALLBACKS = ("headline", "releases", "donor_and_map", "category", "time", "status", "table_first_page")


def pctl(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def measure_callbacks(engine: Engine, scenarios: list[str], repeat: int) -> dict[str, list[float]]:
    """Milliseconds per callback, each call with a cold cache (a new cache and data version),
    including the JSON encoding of its result as Dash does it."""
    from dash._utils import to_json
    from flask import Flask
    from flask_caching import Cache

    from dashboard import callbacks as cb
    from dashboard.data import Data

    fns = {
        "headline": cb.headline_view,
        "releases": cb.releases_view,
        "donor_and_map": cb.donor_view,
        "category": cb.category_view,
        "time": cb.time_view,
        "status": cb.status_view,  # issue 15: the chart split by status
        "table_first_page": lambda d, s: cb.rows_view(d, s, {"startRow": 0, "endRow": 50}),
    }
    app = Flask("bench")
    out: dict[str, list[float]] = {k: [] for k in fns}
    out["filter_change_total"] = []
    for _ in range(repeat):
        for search in scenarios:
            total = 0.0
            for name, fn in fns.items():
                cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
                data = Data(engine, cache)
                data.options()  # the page's option lists are loaded with the page, not per filter change
                data.donor_names()
                data._version = None  # noqa: SLF001  cold: the data version is read again too
                t0 = time.perf_counter()
                to_json(fn(data, search))
                ms = (time.perf_counter() - t0) * 1000
                out[name].append(ms)
                total += ms
            out["filter_change_total"].append(total)
    return out


def measure_baseline(engine: Engine, repeat: int) -> list[float]:
    sql = text("SELECT donor_code, category_code, count(*) FROM announcements GROUP BY 1, 2")
    times = []
    with engine.connect() as conn:
        for _ in range(repeat):
            t0 = time.perf_counter()
            conn.execute(sql).all()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def page_bytes(engine: Engine) -> dict:
    """Bytes transferred (gzip/deflate) by a first page load, through the Flask test client."""
    from dashboard.app import create_app

    app = create_app(engine)
    client = app.server.test_client()
    headers = {"Accept-Encoding": "gzip, deflate"}  # what Chromium sends over plain http
    sizes: dict[str, int] = {}
    index = client.get("/", headers=headers)
    sizes["/"] = len(index.get_data())
    html = index.get_data()
    if index.headers.get("Content-Encoding") == "gzip":
        import gzip

        html = gzip.decompress(html)
    html = html.decode("utf-8")
    urls = re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )
    urls += ["/_dash-layout", "/_dash-dependencies", "/assets/topojson/world_110m.json", "/_favicon.ico"]
    # the chunks that the first render loads on demand: graph, dropdown, slider, date picker, the grid
    urls += [
        f"/_dash-component-suites/dash/dcc/async-{c}.js"
        for c in ("graph", "dropdown", "slider", "datepicker")
    ]
    urls += ["/_dash-component-suites/dash_ag_grid/async-community.js"]
    for url in dict.fromkeys(urls):
        if url.startswith("http"):
            continue
        r = client.get(url, headers=headers)
        sizes[url] = len(r.get_data())
    # plus the first callbacks (charts, headline, first table page): their JSON, gzipped
    import gzip

    from dashboard import callbacks as cb
    from dashboard.data import Data

    data = Data(engine)
    views = cb.filter_change_views(data, "")
    payload = json.dumps(
        views, default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o)
    )
    sizes["callbacks (gzip)"] = len(gzip.compress(payload.encode()))
    return {"total_bytes": sum(sizes.values()), "files": sizes}


def csv_child(url: str) -> None:
    """Run in a subprocess: stream the whole export and print its peak memory as JSON."""
    import tracemalloc

    from dashboard.app import create_app
    from db.engine import make_engine

    app = create_app(make_engine(url))
    client = app.server.test_client()
    rss0 = _vm("VmHWM")
    tracemalloc.start()
    t0 = time.perf_counter()
    resp = client.get("/download/announcements.csv?count=mentions", buffered=False)
    n_bytes = lines = 0
    for chunk in resp.response:
        n_bytes += len(chunk)
        lines += chunk.count(b"\n")
    resp.close()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _vm("VmHWM")
    print(json.dumps({
        "rows": lines - 1, "bytes": n_bytes, "seconds": seconds, "tracemalloc_peak_mb": peak / 2**20,
        "peak_rss_mb": rss1 / 1024, "rss_before_export_mb": rss0 / 1024,
    }))  # fmt: skip


def _vm(key: str) -> int:
    """A /proc/self/status figure in kB (VmHWM: this process's peak RSS; unlike ru_maxrss it is not
    inherited from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def csv_memory(url: str) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--csv-child", url], capture_output=True, text=True, timeout=3600
    )
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "failed"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def summary(name: str, ms: list[float]) -> str:
    return f"{name:<22} p50 {statistics.median(ms):8.1f} ms   p95 {pctl(ms, 95):8.1f} ms   n={len(ms)}"


def run(url: str, label: str, args) -> dict:
    engine, built = open_db(url, args.rows, args.rebuild)
    if built:
        print(f"[{label}] built: " + ", ".join(f"{k} {v:.1f}" for k, v in built.items()), flush=True)
    baseline = measure_baseline(engine, max(5, args.repeat * 2))
    cbs = measure_callbacks(engine, SCENARIOS, args.repeat)
    fallback = measure_callbacks(engine, FALLBACK, 1)
    base_p50 = statistics.median(baseline)
    print(f"\n[{label}] {args.rows:,} announcements")
    print(summary("baseline GROUP BY", baseline))
    result = {"baseline_ms": baseline, "callbacks_ms": cbs, "fallback_ms": fallback, "built": built}
    for name, ms in cbs.items():
        p95 = pctl(ms, 95)
        ok = "OK" if p95 < 300 and p95 < base_p50 / 2 else "MISS"
        print(
            summary(name, ms)
            + f"   p95/baseline p50 = {p95 / base_p50:.2f}  {ok if name != 'filter_change_total' else ''}"
        )
    print("fallback (base table; not in the target):")
    for name, ms in fallback.items():
        print("  " + summary(name, ms))
    if not args.skip_page:
        pb = page_bytes(engine)
        result["page"] = pb
        print(f"first page load: {pb['total_bytes'] / 1e6:.2f} MB transferred (gzip)  target < 2 MB")
    if not args.skip_csv:
        mem = csv_memory(url)
        result["csv"] = mem
        print(f"CSV export: {json.dumps(mem)}  target < 300 MB")
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="rounds over the filter-change scenarios")
    ap.add_argument(
        "--sqlite", default=None, help="SQLite file (default: benchmarks/.data/bench-ROWS.sqlite3)"
    )
    ap.add_argument("--postgres", default=None, help="also run on this PostgreSQL database URL")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true", help="with --postgres: skip the SQLite run")
    ap.add_argument("--skip-csv", action="store_true")
    ap.add_argument("--skip-page", action="store_true")
    ap.add_argument("--json", default=None, help="write all measurements to this file")
    ap.add_argument("--csv-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.csv_child:
        csv_child(args.csv_child)
        return 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = Path(args.sqlite) if args.sqlite else DATA_DIR / f"bench-{args.rows}.sqlite3"
    results = (
        {} if (args.no_sqlite and args.postgres) else {"sqlite": run(f"sqlite:///{path}", "sqlite", args)}
    )
    if args.postgres:
        results["postgres"] = run(args.postgres, "postgres", args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
