"""A fingerprint of every extracted row: the sha256 of all rows, every field, sorted.

    python benchmarks/dump_rows.py [--n 2000] [--seed 7] [--corpus DIR] [--out FILE]

Runs `etl.extract.extract` over the development corpus (../shared/corpus/releases, when present),
the bundled samples (etl/samples/releases) and N synthetic releases made by the generator of
benchmarks/bench_extract.py (seed 7 by default), and prints one sha256 over every field of every row
(evidence offsets included), sorted deterministically. A refactoring that keeps behaviour keeps the hash;
`--out` also writes the rows, one JSON object a line, to compare when it does not.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rows(n: int, seed: int, corpus: Path | None) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_extract

    from etl.extract import extract
    from etl.parse import read_release_file

    out: list[str] = []

    def run(paths: list[Path], label: str, strip: str | None = None) -> None:
        for p in paths:
            for a in extract(read_release_file(p)):
                d = dataclasses.asdict(a)
                if strip:
                    d["release"] = d["release"].replace(strip, "<tmp>")
                out.append(json.dumps([label, d], ensure_ascii=False, sort_keys=True))

    shared = corpus or ROOT.parent / "shared" / "corpus"
    if (shared / "releases").is_dir():
        run(sorted(x for x in (shared / "releases").iterdir() if x.is_file()), "corpus")
    run(sorted(x for x in (ROOT / "etl" / "samples" / "releases").iterdir() if x.is_file()), "samples")
    pools = bench_extract.sentence_pools(bench_extract.default_corpus())
    with tempfile.TemporaryDirectory(prefix="aidtracker-dump-") as tmp:
        run(bench_extract.build_corpus(pools, n, seed, Path(tmp)), "synthetic", strip=tmp)
    out.sort()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    lines = rows(args.n, args.seed, args.corpus)
    blob = ("\n".join(lines) + "\n").encode("utf-8")
    if args.out:
        args.out.write_bytes(blob)
    print(f"{hashlib.sha256(blob).hexdigest()}  {len(lines)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
