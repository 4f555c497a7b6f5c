"""Extraction benchmark: releases per second on one core, with a read+split baseline for scale.

    python benchmarks/bench_extract.py [--n 2000] [--seed 7] [--corpus DIR] [--repeat K] [--html] [--json] [--check]

Builds N release files in a temporary folder by recombining real sentences of the development
corpus (../shared/corpus, else the bundled etl/samples; deterministic for a given seed): each
synthetic release keeps one language, gets a header block like the corpus files (one in ten has
none, so date and language detection run too) and 6 to 30 sentences in paragraphs. With
`--html` they are web pages instead (menu, cookie banner, footer, script around the article),
which measures the trafilatura path; the bar is for text input.

Then, in the same process (one core), over the same files:
  (a) baseline: read each file (`etl.parse.read_release_file`) and split its text into sentences;
  (b) read each file and run `etl.extract.extract` on it.
The measures are interleaved by slices of 50 files and the best time of each slice over the
`--repeat` passes is kept (`timed_interleaved`), so a host that slows down for a few seconds slows
both sides alike. It prints releases/s for both and the ratio (b)/(a) in time, for information.
The bar is >= 200 releases/s for (b); `--check` makes the exit status 1 when it is missed.

The sentence splitter of the baseline is the extraction package's own when it has one (the
output says which), else a simple regular-expression splitter.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BAR_RELEASES_PER_S = 200.0

_SPLIT = re.compile(r"(?<=[.!?»”\"])\s+(?=[«“\"(]?\s?[A-ZÀ-ÖØ-ÞÆØÅ0-9])|\n\s*\n|\n(?=\s*[•\-*]\s)")


def regex_split(text: str) -> list[str]:
    """A simple sentence splitter: ., ! or ? then a capital; blank lines; list bullets."""
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


# Where the extraction package may keep its splitter (first found wins).
SPLITTER_CANDIDATES = (
    ("etl.extract.segment", "split_sentences"),  # the one the extraction engine runs
    ("etl.extract", "split_sentences"),
    ("etl.extract.sentences", "split_sentences"),
    ("etl.extract.sentences", "split"),
    ("etl.extract.segment", "split_sentences"),
    ("etl.extract.text", "split_sentences"),
    ("etl.extract.split", "split_sentences"),
)


def find_splitter() -> tuple[Callable[[str], list], str]:
    for module, name in SPLITTER_CANDIDATES:
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if callable(fn):
            return fn, f"{module}.{name} (the extraction package's)"
    return regex_split, "benchmarks.bench_extract.regex_split (simple regex; etl.extract has none)"


def default_corpus() -> Path:
    shared = ROOT.parent / "shared" / "corpus"
    return shared if (shared / "releases").is_dir() else ROOT / "etl" / "samples"


def sentence_pools(corpus: Path) -> dict[str, list[str]]:
    """Sentences of the corpus by language (from each file's header)."""
    from etl.parse import read_release_file

    pools: dict[str, list[str]] = {}
    for f in sorted((corpus / "releases").iterdir()):
        if not f.is_file():
            continue
        r = read_release_file(f)
        lang = r.language or "en"
        for s in regex_split(r.text):
            if 20 <= len(s) <= 1200:
                pools.setdefault(lang, []).append(s)
    return {k: v for k, v in pools.items() if len(v) >= 10}


PUBLISHERS = {
    "en": ["NATO", "U.S. Department of State", "U.S. Department of Defense"],
    "fr": ["NATO", "Défense nationale (Canada)"],
    "nl": ["Ministerie van Defensie"],
    "da": ["Forsvarsministeriet"],
    "de": ["Bundesministerium der Verteidigung"],
}


HTML_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="https://example.org/{lang}/release-{i}">
<meta property="article:published_time" content="{published}">
<style>body {{ font-family: sans-serif }}</style><script>window.dataLayer = [];</script></head>
<body><div class="cookie-banner">We use cookies. <button>Accept</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/about">About</a></li></ul></nav>
<main><article><h1>{title}</h1>
{paragraphs}
</article></main>
<footer><p>Contact | Privacy | Accessibility</p></footer></body></html>
"""


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_corpus(
    pools: dict[str, list[str]], n: int, seed: int, folder: Path, html: bool = False
) -> list[Path]:
    """N synthetic releases in `folder` (text files with a header block, or HTML pages)."""
    rng = random.Random(seed)
    langs = sorted(pools)
    weights = [len(pools[lang]) for lang in langs]
    paths = []
    for i in range(n):
        lang = rng.choices(langs, weights)[0]
        pool = pools[lang]
        k = rng.randint(6, 30)
        sentences = [rng.choice(pool) for _ in range(k)]
        paragraphs, cur = [], []
        for s in sentences:
            cur.append(s)
            if rng.random() < 0.3:
                paragraphs.append(" ".join(cur))
                cur = []
        if cur:
            paragraphs.append(" ".join(cur))
        day = rng.randint(0, 365 * 3)
        published = time.strftime("%Y-%m-%d", time.gmtime(1_640_995_200 + day * 86_400))
        if html:
            p = folder / f"{i:05d}_bench_{lang}_{published}.html"
            p.write_text(
                HTML_PAGE.format(
                    lang=lang,
                    i=i,
                    published=published,
                    title=_html_escape(paragraphs[0][:120]),
                    paragraphs="\n".join(f"<p>{_html_escape(x)}</p>" for x in paragraphs),
                ),
                encoding="utf-8",
            )
            paths.append(p)
            continue
        body = "\n\n".join(paragraphs)
        if rng.random() < 0.9:
            header = (
                f"source_url: https://example.org/{lang}/release-{i}\npublisher: {rng.choice(PUBLISHERS.get(lang, ['x']))}\n"
                f"language: {lang}\npublished: {published}\n---\n"
            )
        else:
            header = ""
        p = folder / f"{i:05d}_bench_{lang}_{published}.txt"
        p.write_text(header + body + "\n", encoding="utf-8")
        paths.append(p)
    return paths


CHUNK = 50  # files per interleaved slice


def timed_interleaved(
    fns: list[Callable[[Path], int]], paths: list[Path], repeat: int, chunk: int = CHUNK
) -> list[tuple[float, int]]:
    """(time, count) of each measure, interleaved: every slice of `chunk` files is timed under each
    measure in turn, `repeat` times, and the best time per slice and measure is kept and summed.

    On a shared virtual machine the speed of the host drifts by tens of percent over seconds. Timed
    one after the other, the baseline and the extraction would each see different weather; sliced
    and interleaved, each slice's measures run seconds apart, and the minimum over passes drops the
    slices a neighbour slowed down.
    """
    slices = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    best = [[float("inf")] * len(slices) for _ in fns]
    counts = [[0] * len(slices) for _ in fns]
    for _ in range(repeat):
        gc.collect()
        for j, sl in enumerate(slices):
            for k, fn in enumerate(fns):
                t0 = time.perf_counter()
                counts[k][j] = sum(fn(p) for p in sl)
                best[k][j] = min(best[k][j], time.perf_counter() - t0)
    return [(sum(b), sum(c)) for b, c in zip(best, counts, strict=True)]


def run(
    n: int = 2000, seed: int = 7, corpus: Path | None = None, repeat: int = 1, html: bool = False
) -> dict:
    import etl.extract
    from etl.extract import extract
    from etl.parse import read_release_file

    corpus = corpus or default_corpus()
    pools = sentence_pools(corpus)
    split, splitter_name = find_splitter()
    with tempfile.TemporaryDirectory(prefix="aidtracker-bench-") as tmp:
        paths = build_corpus(pools, n, seed, Path(tmp), html=html)
        size = sum(p.stat().st_size for p in paths)
        for p in paths[:20]:  # warm up: imports, lexicons, compiled patterns, file cache
            extract(read_release_file(p))
            split(read_release_file(p).text)

        def read_only(p: Path) -> int:
            return len(read_release_file(p).text)

        def baseline(p: Path) -> int:
            return len(split(read_release_file(p).text))

        def full(p: Path) -> int:
            return len(extract(read_release_file(p)))

        (t_read, _), (t_base, n_sentences), (t_full, n_found) = timed_interleaved(
            [read_only, baseline, full], paths, repeat
        )
    return {
        "n_releases": n,
        "format": "html" if html else "text",
        "seed": seed,
        "corpus": str(corpus),
        "languages": {lang: len(v) for lang, v in sorted(pools.items())},
        "megabytes": round(size / 1e6, 2),
        "splitter": splitter_name,
        "etl": str(Path(etl.extract.__file__).parent),
        "read_releases_per_s": round(n / t_read, 1),
        "baseline_releases_per_s": round(n / t_base, 1),
        "extract_releases_per_s": round(n / t_full, 1),
        "slowdown": round(t_full / t_base, 2),
        "sentences": n_sentences,
        "announcements": n_found,
        "seconds": {"read": round(t_read, 3), "baseline": round(t_base, 3), "extract": round(t_full, 3)},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="number of synthetic releases (default 2000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=None, help="corpus with releases/ (default: dev corpus)")
    ap.add_argument("--repeat", type=int, default=1, help="passes per measure, best kept (default 1)")
    ap.add_argument(
        "--html", action="store_true", help="HTML pages instead of text files (the bar is for text)"
    )
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--check", action="store_true", help="exit 1 when the bar is missed")
    ap.add_argument(
        "--profile", type=int, metavar="K", default=0, help="also print the K costliest functions of extract"
    )
    args = ap.parse_args(argv)
    res = run(args.n, args.seed, args.corpus, args.repeat, args.html)
    if args.html:  # the bar is for text input: report it, never fail on it
        args.check = False
    ok_speed = res["extract_releases_per_s"] >= BAR_RELEASES_PER_S
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        print(
            f"corpus: {res['n_releases']} {res['format']} releases ({res['megabytes']} MB) "
            f"recombined from {res['corpus']}"
        )
        print(f"        sentence pools {res['languages']}, seed {res['seed']}")
        print(f"sentence splitter (baseline): {res['splitter']}")
        print(f"extraction: {res['etl']}")
        print(f"read only            {res['read_releases_per_s']:>9.1f} releases/s")
        print(
            f"(a) read + split     {res['baseline_releases_per_s']:>9.1f} releases/s  ({res['sentences']} sentences)"
        )
        print(
            f"(b) read + extract   {res['extract_releases_per_s']:>9.1f} releases/s  ({res['announcements']} announcements)"
            f"  bar >= {BAR_RELEASES_PER_S:.0f}: {'ok' if ok_speed else 'MISSED'}"
        )
        print(
            f"slowdown (b)/(a)     {res['slowdown']:>9.2f}x"
        )
    if args.profile:
        profile(args.n, args.seed, args.corpus, args.html, args.profile)
    return 1 if args.check and not ok_speed else 0


def profile(n: int, seed: int, corpus: Path | None, html: bool, top: int) -> None:
    """cProfile of extract alone over the same synthetic releases (read beforehand)."""
    import cProfile
    import pstats

    from etl.extract import extract
    from etl.parse import read_release_file

    pools = sentence_pools(corpus or default_corpus())
    with tempfile.TemporaryDirectory(prefix="aidtracker-bench-") as tmp:
        releases = [read_release_file(p) for p in build_corpus(pools, n, seed, Path(tmp), html=html)]
    prof = cProfile.Profile()
    prof.enable()
    for r in releases:
        extract(r)
    prof.disable()
    print(f"\nextract alone, profiled (costliest {top} by own time):")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    sys.exit(main())
