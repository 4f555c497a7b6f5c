"""Inter-annotator agreement: annotator A as reference, B as prediction, CONTRACT's matching rule.

    python corpus/agree.py A.json B.json [--common] [--diff out.json]
    python corpus/agree.py corpus corpus/second_reading/fr_b.json --common   # A = the corpus's labels

`--common` scores only the files B labelled (a second reading still in progress); `--diff` writes the
rows only one of them has, per file, for the settling step.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.evaluate import match  # noqa: E402


def load(path: str) -> dict[str, list[dict]]:
    """A label file, or (`corpus`) the labels the corpus holds: both parts and external.json."""
    if path == "corpus":
        here = Path(__file__).resolve().parent
        paths = [here / "dev" / "expected.json", here / "test" / "expected.json", here / "external.json"]
        return {e["file"]: e.get("announcements", []) for p in paths
                for e in json.loads(p.read_text(encoding="utf-8"))}
    return {e["file"]: e.get("announcements", []) for e in json.loads(Path(path).read_text(encoding="utf-8"))}


def main(argv: list[str]) -> int:
    a, b = load(argv[1]), load(argv[2])
    tot: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # files, rows A, rows B, matched, agreeing
    diffs = []
    for f in sorted(set(b) if "--common" in argv else set(a) | set(b)):
        ra, rb = a.get(f, []), b.get(f, [])
        m = match(ra, rb)
        for k in (f[:2], "all"):
            t = tot[k]
            t[0] += 1
            t[1] += len(ra)
            t[2] += len(rb)
            t[3] += len(m.pairs)
            t[4] += int(not m.missed and not m.false_hits)
        if m.missed or m.false_hits:
            diffs.append({"file": f, "only_a": [ra[i] for i in m.missed], "only_b": [rb[j] for j in m.false_hits]})
    print(f"{'lang':5} {'files':>5} {'rows A':>6} {'rows B':>6} {'match':>5} {'P':>6} {'R':>6} {'F1':>6} {'files agree':>11}")
    for k in sorted(tot, key=lambda k: (k == "all", k)):
        n, na, nb, mm, fe = tot[k]
        p = mm / nb if nb else 0.0
        r = mm / na if na else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{k:5} {n:5} {na:6} {nb:6} {mm:5} {p:6.3f} {r:6.3f} {f1:6.3f} {fe:5}/{n}")
    if "--diff" in argv:
        out = Path(argv[argv.index("--diff") + 1])
        out.write_text(json.dumps(diffs, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
