"""Issue 3: a quick run of benchmarks/bench_extract.py (the full one: `python benchmarks/bench_extract.py`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_extract.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_extract", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_corpus_builder_is_deterministic(tmp_path, corpus_dir):
    bench = _load()
    pools = bench.sentence_pools(corpus_dir)
    assert {"en", "fr"} <= set(pools)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = bench.build_corpus(pools, 30, 3, tmp_path / "a")
    b = bench.build_corpus(pools, 30, 3, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    from etl.parse import read_release_file

    langs = {read_release_file(p).language for p in a}
    assert langs <= set(pools) | {None}


def test_regex_splitter():
    bench = _load()
    text = "Le Canada donnera 200 VBTT. Ils seront livrés bientôt! « Merci », a dit M. Reznikov.\n\n• Item one\n• Item two"
    assert bench.regex_split(text)[:2] == ["Le Canada donnera 200 VBTT.", "Ils seront livrés bientôt!"]


@pytest.mark.slow
def test_benchmark_smoke(corpus_dir):
    """300 releases through the real extractor: runs, reports, and is nowhere near the bars' limits."""
    res = subprocess.run(
        [sys.executable, str(BENCH), "--n", "300", "--corpus", str(corpus_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "(a) read + split" in out and "(b) read + extract" in out and "slowdown" in out
    assert "sentence splitter (baseline):" in out
    rate = float(out.split("(b) read + extract")[1].split()[0])
    assert rate >= 100, out  # the bar is 200/s; half of it absorbs a busy test machine


def test_interleaved_timer_keeps_the_ratio_and_the_counts(tmp_path):
    """Each measure's time is its own (a measure twice as slow reads about twice as long) and every
    file is counted once per measure, whatever the slicing."""
    import time

    bench = _load()
    paths = [tmp_path / f"{i}" for i in range(7)]

    def fast(p: Path) -> int:
        time.sleep(0.002)
        return 1

    def slow(p: Path) -> int:
        time.sleep(0.006)
        return 2

    (t_fast, n_fast), (t_slow, n_slow) = bench.timed_interleaved([fast, slow], paths, repeat=2, chunk=3)
    assert (n_fast, n_slow) == (7, 14)
    assert t_fast >= 7 * 0.002 and t_slow >= 7 * 0.006
    assert 2.0 < t_slow / t_fast < 3.5
