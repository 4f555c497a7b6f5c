"""The extraction engine compiled by mypyc at install time (setup.py), and its fallback to the .py files.

The compiled modules must give exactly the rows of the .py files, and must not be used when they were
built from other sources (an editable install edited since its build). CI sets
AIDTRACKER_REQUIRE_COMPILED=1 so that a build that silently fell back to pure Python fails here.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import etl.extract as pkg
from etl.extract import ACCELERATED, compiled_state

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
CORPUS = ROOT.parent / "shared" / "corpus"
if not (CORPUS / "releases").is_dir():
    CORPUS = ROOT / "etl" / "samples"


def _fake_build(folder: Path, manifest: bool = True) -> None:
    """Sources, an 'extension' per module and, optionally, the manifest of the sources' hashes."""
    hashes = {}
    for m in ACCELERATED:
        src = folder / f"{m}.py"
        src.write_text(f"NAME = {m!r}\n", encoding="utf-8")
        (folder / f"{m}{SUFFIX}").write_bytes(b"\x7fELF not really")
        hashes[f"{m}.py"] = hashlib.sha256(src.read_bytes()).hexdigest()
    if manifest:
        (folder / "_compiled.json").write_text(json.dumps(hashes), encoding="utf-8")


def test_without_an_extension_the_engine_is_pure_python(tmp_path):
    for m in ACCELERATED:
        (tmp_path / f"{m}.py").write_text("", encoding="utf-8")
    assert compiled_state(tmp_path, {}) == "pure"


def test_an_extension_built_from_these_sources_is_used(tmp_path):
    _fake_build(tmp_path)
    assert compiled_state(tmp_path, {}) == "compiled"


def test_an_edited_source_makes_the_extension_stale(tmp_path):
    _fake_build(tmp_path)
    with (tmp_path / "engine.py").open("a", encoding="utf-8") as f:
        f.write("# a rule added after the build\n")
    assert compiled_state(tmp_path, {}) == "stale"


def test_an_extension_of_unknown_origin_is_stale(tmp_path):
    _fake_build(tmp_path, manifest=False)
    assert compiled_state(tmp_path, {}) == "stale"
    (tmp_path / "_compiled.json").write_text("{not json", encoding="utf-8")
    assert compiled_state(tmp_path, {}) == "stale"


def test_the_pure_python_switch_wins(tmp_path):
    _fake_build(tmp_path)
    assert compiled_state(tmp_path, {"AIDTRACKER_PURE_PYTHON": "1"}) == "disabled"


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def _require_compiled() -> None:
    if pkg.IMPLEMENTATION != "compiled":
        if os.environ.get("AIDTRACKER_REQUIRE_COMPILED"):
            pytest.fail(f"the extraction engine is not compiled here ({pkg.IMPLEMENTATION}); "
                        "setup.py's build printed why during `pip install`")
        pytest.skip(f"the extraction engine is not compiled here ({pkg.IMPLEMENTATION})")


_WHERE = "import etl.extract as p, etl.extract.engine as e, etl.extract.numbers as n; " \
         "print(p.IMPLEMENTATION, e.__file__, n.__file__)"


def test_the_switch_imports_the_py_files(tmp_path):
    env = {**os.environ, "AIDTRACKER_PURE_PYTHON": "1"}
    out = _python(_WHERE, env, tmp_path)
    assert out.returncode == 0, out.stderr
    state, engine_file, numbers_file = out.stdout.split()
    assert state in ("pure", "disabled")
    assert engine_file.endswith("engine.py") and numbers_file.endswith("numbers.py")


def test_the_installed_engine_is_compiled_and_used(tmp_path):
    _require_compiled()
    env = {k: v for k, v in os.environ.items() if k != "AIDTRACKER_PURE_PYTHON"}
    state, engine_file, _ = _python(_WHERE, env, tmp_path).stdout.split()
    assert state == "compiled"
    assert engine_file.endswith(SUFFIX)


def test_an_edited_copy_runs_its_py_files_and_says_so(tmp_path):
    """An editable checkout edited after its build: the edit takes effect, with a warning."""
    _require_compiled()
    copy = tmp_path / "etl"
    shutil.copytree(Path(pkg.__file__).parent.parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "samples"))
    with (copy / "extract" / "engine.py").open("a", encoding="utf-8") as f:
        f.write("\nEDITED_AFTER_THE_BUILD = True\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("AIDTRACKER_PURE_PYTHON", None)
    out = _python("import etl.extract as p, etl.extract.engine as e; "
                  "print(p.IMPLEMENTATION, e.__file__, e.EDITED_AFTER_THE_BUILD)", env, tmp_path)
    assert out.returncode == 0, out.stderr
    state, engine_file, edited = out.stdout.split()
    assert (state, edited) == ("stale", "True")
    assert engine_file == str(copy / "extract" / "engine.py")
    assert "pip install -e ." in out.stderr  # the RuntimeWarning tells how to rebuild


_DUMP = """
import dataclasses, json, sys
from pathlib import Path
from etl.extract import extract
from etl.parse import read_release_file
for p in sorted(Path(sys.argv[1]).rglob("*")):
    if p.is_file() and p.suffix in (".txt", ".html", ".md"):
        for a in extract(read_release_file(p)):
            print(p.name, json.dumps(dataclasses.asdict(a), sort_keys=True, default=str))
"""


@pytest.mark.slow
def test_compiled_and_pure_python_give_the_same_rows(tmp_path):
    """Every row of the corpus and of 400 synthetic releases, field for field, in both builds."""
    _require_compiled()
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.bench_extract import build_corpus, sentence_pools
    finally:
        sys.path.remove(str(ROOT))
    synthetic = tmp_path / "synthetic"
    synthetic.mkdir()
    build_corpus(sentence_pools(CORPUS), 400, 5, synthetic)
    shutil.copytree(CORPUS / "releases", tmp_path / "corpus")
    script = tmp_path / "dump.py"
    script.write_text(_DUMP, encoding="utf-8")
    outs = {}
    for mode, extra in (("compiled", {}), ("pure", {"AIDTRACKER_PURE_PYTHON": "1"})):
        env = {k: v for k, v in os.environ.items() if k != "AIDTRACKER_PURE_PYTHON"} | extra
        run = subprocess.run([sys.executable, str(script), str(tmp_path)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        outs[mode] = run.stdout.splitlines()
    assert len(outs["compiled"]) > 1000  # the synthetic releases announce plenty
    assert outs["compiled"] == outs["pure"]


def test_setup_compiles_the_modules_the_package_checks():
    """setup.py cannot import the package at build time: its list and manifest name are kept equal here."""
    import ast

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    consts = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name) and t.id in ("ACCELERATED", "MANIFEST", "PACKAGE")}
    assert consts["ACCELERATED"] == ACCELERATED
    assert consts["MANIFEST"] == "_compiled.json"
    assert consts["PACKAGE"] == "etl/extract"
