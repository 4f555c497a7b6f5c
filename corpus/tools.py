"""The real evaluation corpus (issue 14): assemble it, check it, rebuild its external part.

    python corpus/tools.py check                      # every part: headers, labels, split, evidence
    python corpus/tools.py external [--into DIR] [--fetch]
    python corpus/tools.py merged dev --into DIR [--external DIR] [--extra ../shared/corpus]
    python corpus/tools.py collect URL --build DIR --language xx --publisher P --origin official|news \
        --licence L --redistributable yes|no --published YYYY-MM-DD   # a new text, fetched (internet)
    python corpus/tools.py assemble --build DIR --final DIR --external-into DIR --languages nl   # add/update

Layout: `corpus/dev/` and `corpus/test/` hold the releases we may redistribute (official texts whose
publishers allow reuse; each file's header says `licence:` and `redistributable: yes`) with their
`expected.json`. News reports (`redistributable: no`) are not in the repository: `external.json`
lists them (part, URL, header, sha256 of the text, labels), and `external` rebuilds them into
`DIR/dev` and `DIR/test` (default `$AIDTRACKER_EXTERNAL_CORPUS`, else
`~/.cache/aidtracker/corpus-external`): from a local copy when one is there, else with `--fetch`
from each source URL (the text is then the page's main text by trafilatura, checked against the
recorded sha256 and the labels' evidence; a page that changed is reported, never silently used).
The split is by publisher (`split.toml`); `check` fails when a publisher is in both parts.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("dev", "test")
HEADER_KEYS = ("source_url", "publisher", "language", "published", "origin", "licence", "redistributable")


def default_external_dir() -> Path:
    env = os.environ.get("AIDTRACKER_EXTERNAL_CORPUS")
    return Path(env) if env else Path.home() / ".cache" / "aidtracker" / "corpus-external"


def read_file(path: Path) -> tuple[dict[str, str], str]:
    """(header, body) of a corpus file: `key: value` lines, a `---` line, the verbatim text."""
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: no '---' line after the header")
    header = {}
    for line in head.splitlines():
        k, _, v = line.partition(":")
        header[k.strip()] = v.strip()
    return header, body


def test_patterns(split_file: Path = HERE / "split.toml") -> dict[str, list[re.Pattern]]:
    data = tomllib.loads(split_file.read_text(encoding="utf-8"))
    return {lang: [re.compile(p) for p in pats] for lang, pats in data.get("test", {}).items()}


def part_of(header: dict[str, str], patterns: dict[str, list[re.Pattern]]) -> str:
    pats = patterns.get(header.get("language", ""), [])
    return "test" if any(p.search(header.get("publisher", "")) for p in pats) else "dev"


def publisher_key(publisher: str) -> str:
    """The publisher a split keeps on one side: the header's name without bracketed detail."""
    return re.sub(r"\s*\(.*$", "", publisher).strip().lower()


# --- assemble (maintainers: from the annotation folders) -------------------------------------------


def assemble(build: Path, final: Path, external_into: Path, languages: list[str], root: Path = HERE) -> int:
    """Add (or update, by file name) the annotated releases of `build/<lang>/` in the corpus:
    redistributable ones into `root/dev|test`, the rest into `external_into` and external.json.
    Labels from `final/<lang>/expected.json` (settled) when there, else annotator A's
    `build/<lang>/expected_a.json`. Entries not in the build are kept as they are."""
    patterns = test_patterns(root / "split.toml")
    load = lambda p: json.loads(p.read_text(encoding="utf-8")) if p.is_file() else []  # noqa: E731
    parts = {p: load(root / p / "expected.json") for p in PARTS}
    ext_parts = {p: load(external_into / p / "expected.json") for p in PARTS}
    manifest = load(root / "external.json")
    added = 0
    for lang in languages:
        settled = final / lang / "expected.json"
        labels_path = settled if settled.is_file() else build / lang / "expected_a.json"
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
        print(f"{lang}: {len(labels)} files, labels from {labels_path}")
        names = {e["file"] for e in labels}
        for p in PARTS:  # a file assembled again replaces its earlier place and labels
            parts[p] = [e for e in parts[p] if e["file"] not in names]
            ext_parts[p] = [e for e in ext_parts[p] if e["file"] not in names]
            for folder in (root / p / "releases", external_into / p / "releases"):
                for name in names:
                    (folder / name).unlink(missing_ok=True)
        manifest = [e for e in manifest if e["file"] not in names]
        for entry in labels:
            src = build / lang / "releases" / entry["file"]
            header, body = read_file(src)
            part = part_of(header, patterns)
            entry = {"file": entry["file"], "announcements": entry["announcements"], "notes": entry.get("notes", "")}
            if header.get("redistributable", "").lower().startswith("yes"):
                dest, bucket = root / part / "releases", parts[part]
            else:
                dest, bucket = external_into / part / "releases", ext_parts[part]
                manifest.append({"part": part, "file": src.name,
                                 "header": {k: header.get(k, "") for k in (*HEADER_KEYS, "retrieved")},
                                 "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
                                 "announcements": entry["announcements"], "notes": entry["notes"]})
            dest.mkdir(parents=True, exist_ok=True)
            (dest / src.name).write_bytes(src.read_bytes())
            bucket.append(entry)
            added += 1
    for part in PARTS:
        _write_json(root / part / "expected.json", sorted(parts[part], key=lambda e: e["file"]))
        _write_json(external_into / part / "expected.json", sorted(ext_parts[part], key=lambda e: e["file"]))
    _write_json(root / "external.json", sorted(manifest, key=lambda e: (e["part"], e["file"])))
    for part in PARTS:
        print(f"{part}: {len(parts[part])} in the repository, {len(ext_parts[part])} external")
    print(f"{added} release(s) assembled")
    return 0


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- external: rebuild the part that is not redistributed ------------------------------------------


def external(into: Path, fetch: bool) -> int:
    """Write the external releases into `into/<part>/`, from the copy there or (fetch) their URLs."""
    manifest = json.loads((HERE / "external.json").read_text(encoding="utf-8"))
    expected: dict[str, list[dict]] = {p: [] for p in PARTS}
    problems = 0
    for n, e in enumerate(manifest, 1):
        path = into / e["part"] / "releases" / e["file"]
        body = None
        if path.is_file():
            _, body = read_file(path)
        elif fetch:
            body = _fetch_text(e["header"]["source_url"])
        status = "missing (use --fetch)" if body is None else "ok"
        if body is not None and hashlib.sha256(body.encode("utf-8")).hexdigest() != e["sha256"]:
            lost = [a["evidence"] for a in e["announcements"] if a["evidence"] not in body]
            status = f"text differs from the annotated one; {len(lost)} evidence sentence(s) not found"
            if lost:
                body = None  # a changed page is never scored against labels it no longer holds
        if body is not None and not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            head = "".join(f"{k}: {v}\n" for k, v in e["header"].items())
            path.write_text(head + "---\n" + body, encoding="utf-8")
        if body is not None:
            expected[e["part"]].append({"file": e["file"], "announcements": e["announcements"], "notes": e["notes"]})
        if status != "ok":
            problems += 1
            print(f"[{n}/{len(manifest)}] {e['file']}: {status}", file=sys.stderr)
    for part in PARTS:
        _write_json(into / part / "expected.json", expected[part])
        print(f"{into / part}: {len(expected[part])} releases")
    return 1 if problems else 0


def _fetch_text(url: str, max_bytes: int = 5_000_000) -> str | None:
    """The page's main text (http(s) only, 20 s timeout, at most `max_bytes`), or None."""
    if not url.lower().startswith(("http://", "https://")):
        print(f"{url}: not an http(s) URL", file=sys.stderr)
        return None
    try:
        import httpx
        import trafilatura

        with httpx.Client(timeout=20, follow_redirects=True) as client, client.stream("GET", url) as r:
            r.raise_for_status()
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError(f"larger than {max_bytes} bytes")
                chunks.append(chunk)
        return trafilatura.extract(b"".join(chunks).decode(r.encoding or "utf-8", "replace")) or None
    except Exception as exc:  # offline, gone, blocked, too big: reported by the caller
        print(f"{url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


# --- collect: a new text from its publisher's page (a machine with internet) -------------------------
# The only way the corpus grows: from the publisher's own page, whose terms the collector states in
# the header. Never from the page store of the project's sandbox (docs/annotation.md, "Provenance").


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:30] or "publisher"


def collect(url: str, build: Path, header: dict[str, str], published: str,
            max_bytes: int = 5_000_000) -> int:
    """Fetch `url`, keep its main text, write `build/<lang>/releases/<file>` with the header, and
    list it unlabelled in `build/<lang>/expected_a.json` for annotator A."""
    lang = header["language"]
    if not re.fullmatch(r"[a-z]{2}", lang):
        print(f"--language {lang!r}: two lower-case letters (ISO 639-1)", file=sys.stderr)
        return 2
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published or ""):
        print(f"--published {published!r}: YYYY-MM-DD", file=sys.stderr)
        return 2
    body = _fetch_text(url, max_bytes)
    if body is None:
        return 1
    folder = build / lang / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    labels_path = build / lang / "expected_a.json"
    labels = json.loads(labels_path.read_text(encoding="utf-8")) if labels_path.is_file() else []
    for p in folder.glob("*.txt"):
        if read_file(p)[0].get("source_url") == url:
            print(f"{url}: already collected as {p.name}", file=sys.stderr)
            return 1
    n = len(list(folder.glob("*.txt"))) + 1
    name = f"{lang}{n:03d}_{_slug(header['publisher'])}_{lang}_{published}.txt"
    full = {"source_url": url, "publisher": header["publisher"], "language": lang, "published": published,
            "origin": header["origin"], "licence": header["licence"],
            "redistributable": header["redistributable"], "retrieved": f"fetched {_dt.date.today().isoformat()} from source_url"}
    (folder / name).write_text("".join(f"{k}: {v}\n" for k, v in full.items()) + "---\n" + body.strip() + "\n",
                               encoding="utf-8")
    labels.append({"file": name, "announcements": [], "notes": "not yet labelled"})
    _write_json(labels_path, labels)
    print(f"{folder / name}: {len(body)} characters; label it in {labels_path}")
    return 0


# --- check ------------------------------------------------------------------------------------------


def check(external_dir: Path | None = None) -> list[str]:
    """Problems of the corpus in the repository (and of the external part when given)."""
    sys.path.insert(0, str(HERE.parent))
    from db.reference import CATEGORY_GROUP

    patterns = test_patterns()
    problems: list[str] = []
    publishers: dict[str, set[str]] = {p: set() for p in PARTS}
    roots = [HERE] + ([external_dir] if external_dir else [])
    for root in roots:
        for part in PARTS:
            exp_path = root / part / "expected.json"
            if not exp_path.is_file():
                continue
            entries = json.loads(exp_path.read_text(encoding="utf-8"))
            listed = {e["file"] for e in entries}
            on_disk = {p.name for p in (root / part / "releases").glob("*.txt")}
            problems += [f"{part}/{f}: listed but missing" for f in sorted(listed - on_disk)]
            problems += [f"{part}/{f}: not listed in expected.json" for f in sorted(on_disk - listed)]
            for e in entries:
                if e["file"] not in on_disk:
                    continue
                header, body = read_file(root / part / "releases" / e["file"])
                where = f"{part}/{e['file']}"
                problems += [f"{where}: header has no {k}" for k in HEADER_KEYS if not header.get(k)]
                if root == HERE and not header.get("redistributable", "").lower().startswith("yes"):
                    problems.append(f"{where}: not redistributable, yet in the repository")
                if part_of(header, patterns) != part:
                    problems.append(f"{where}: split.toml puts it in {part_of(header, patterns)}")
                publishers[part].add(publisher_key(header.get("publisher", "")))
                for a in e["announcements"]:
                    if a.get("evidence") not in body:
                        problems.append(f"{where}: evidence not verbatim: {str(a.get('evidence'))[:60]!r}")
                    if a.get("category") not in CATEGORY_GROUP:
                        problems.append(f"{where}: category {a.get('category')!r} is not a CONTRACT code")
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(a.get("date"))):
                        problems.append(f"{where}: date {a.get('date')!r} is not YYYY-MM-DD")
    # the external part's split is checked from its manifest, whether or not its texts are here
    for e in json.loads((HERE / "external.json").read_text(encoding="utf-8")):
        if part_of(e["header"], patterns) != e["part"]:
            problems.append(f"external {e['file']}: listed in {e['part']}, split.toml puts it in {part_of(e['header'], patterns)}")
        publishers[e["part"]].add(publisher_key(e["header"].get("publisher", "")))
    both = publishers["dev"] & publishers["test"]
    problems += [f"publisher {p!r} is in both parts" for p in sorted(both)]
    return problems


def merged(part: str, into: Path, external_dir: Path, extra: list[Path]) -> int:
    """One folder (releases/ + expected.json) holding a part from the repository, the external
    folder and any `extra` corpora (e.g. ../shared/corpus), for `aidtracker evaluate` and `train`."""
    (into / "releases").mkdir(parents=True, exist_ok=True)
    for old in (into / "releases").iterdir():
        old.unlink()
    entries = []
    for root in [HERE / part, external_dir / part, *extra]:
        exp = root / "expected.json"
        if not exp.is_file():
            continue
        for e in json.loads(exp.read_text(encoding="utf-8")):
            (into / "releases" / e["file"]).write_bytes((root / "releases" / e["file"]).read_bytes())
            entries.append(e)
    _write_json(into / "expected.json", entries)
    print(f"{into}: {len(entries)} releases")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--external", type=Path, default=None, help="also check this external folder")
    x = sub.add_parser("external")
    x.add_argument("--into", type=Path, default=None)
    x.add_argument("--fetch", action="store_true", help="download the releases missing from --into")
    m = sub.add_parser("merged", help="one folder with a part from the repository, external and extra corpora")
    m.add_argument("part", choices=PARTS)
    m.add_argument("--into", type=Path, required=True)
    m.add_argument("--external", type=Path, default=None)
    m.add_argument("--extra", type=Path, action="append", default=[])
    k = sub.add_parser("collect", help="fetch a new release from its publisher's page into a build folder")
    k.add_argument("url")
    k.add_argument("--build", type=Path, required=True)
    k.add_argument("--language", required=True)
    k.add_argument("--publisher", required=True)
    k.add_argument("--origin", choices=("official", "news"), required=True)
    k.add_argument("--licence", required=True, help="the publisher's reuse terms, as its site states them")
    k.add_argument("--redistributable", choices=("yes", "no"), required=True)
    k.add_argument("--published", required=True, help="the release date as the page states it, YYYY-MM-DD")
    a = sub.add_parser("assemble")
    a.add_argument("--build", type=Path, required=True)
    a.add_argument("--final", type=Path, required=True)
    a.add_argument("--external-into", type=Path, default=None)
    a.add_argument("--languages", default="en,fr,de,nl,da,sv")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        problems = check(args.external)
        for p in problems:
            print(p)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    if args.cmd == "merged":
        return merged(args.part, args.into, args.external or default_external_dir(), args.extra)
    if args.cmd == "collect":
        header = {"language": args.language, "publisher": args.publisher, "origin": args.origin,
                  "licence": args.licence, "redistributable": args.redistributable}
        return collect(args.url, args.build, header, args.published)
    if args.cmd == "external":
        return external(args.into or default_external_dir(), args.fetch)
    return assemble(args.build, args.final, args.external_into or default_external_dir(),
                    [x for x in args.languages.split(",") if (args.build / x / "expected_a.json").is_file()])


if __name__ == "__main__":
    sys.exit(main())
