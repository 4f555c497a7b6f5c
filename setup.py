"""Build hook: the extraction engine's modules compiled with mypyc, when a C compiler is at hand.

Everything else is in pyproject.toml. The six modules of `ACCELERATED` are type-checked Python; mypyc
turns them into one C extension (`etl.extract._compiled__mypyc` plus a small module per file) that
gives the same rows about 20 % faster (docs/extraction.md, "Speed"). The `.py` files are installed
too, and `etl/extract/__init__.py` falls back to them when the extension is missing, out of date
(an editable install whose sources were edited since the build), or `AIDTRACKER_PURE_PYTHON=1`.

The build never fails for want of mypyc or a compiler: it prints why and installs pure Python.
`AIDTRACKER_PURE_PYTHON=1` at build time skips the compilation.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PACKAGE = "etl/extract"
ACCELERATED = ("engine", "prefilter", "numbers", "fastre", "dates", "lexicon")
MANIFEST = "_compiled.json"  # written next to the modules: which sources the extension was built from
GROUP = "etl.extract._compiled"  # mypyc's shared library: etl/extract/_compiled__mypyc.*.so


def source_hashes(folder: Path) -> dict[str, str]:
    return {f"{m}.py": hashlib.sha256((folder / f"{m}.py").read_bytes()).hexdigest() for m in ACCELERATED}


class MypycBuildExt(build_ext):
    """Runs mypyc only when extensions are really built (not for every metadata query of pip), and
    degrades to a pure-Python install on any failure."""

    def finalize_options(self) -> None:
        self.distribution.ext_modules = self._mypyc_extensions()
        super().finalize_options()

    def _mypyc_extensions(self) -> list[Extension]:
        if os.environ.get("AIDTRACKER_PURE_PYTHON"):
            print("aidtracker: AIDTRACKER_PURE_PYTHON is set; the extraction engine stays pure Python")
            return []
        old = os.getcwd()
        try:
            from mypyc.build import mypycify

            os.chdir(ROOT)  # mypycify takes paths relative to the project and writes C to ./build
            exts = mypycify(["--ignore-missing-imports", *(f"{PACKAGE}/{m}.py" for m in ACCELERATED)],
                            group_name=GROUP, opt_level="3")
        except (Exception, SystemExit) as exc:  # no mypyc, a type error: pure Python still works
            _not_compiled(exc)
            return []
        finally:
            os.chdir(old)
        for ext in exts:  # mypyc names its files relative to the project; pip may build from elsewhere
            ext.sources = [s if os.path.isabs(s) else str(ROOT / s) for s in ext.sources]
            ext.include_dirs = [d if os.path.isabs(d) else str(ROOT / d) for d in ext.include_dirs]
        return exts

    def run(self) -> None:
        if not self.extensions:
            return
        try:
            super().run()
        except (Exception, SystemExit) as exc:  # no compiler, no Python headers
            _not_compiled(exc)
            # nothing of an earlier build may ship with these sources (pip builds in ./build)
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            (Path(self.build_lib) / PACKAGE / MANIFEST).unlink(missing_ok=True)
            if self.inplace:
                (ROOT / PACKAGE / MANIFEST).unlink(missing_ok=True)
            self.extensions = []
            return
        manifest = json.dumps(source_hashes(ROOT / PACKAGE), indent=1, sort_keys=True)
        targets = [Path(self.build_lib) / PACKAGE]
        if self.inplace:
            targets.append(ROOT / PACKAGE)  # an editable install imports from the source tree
        for folder in targets:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / MANIFEST).write_text(manifest + "\n", encoding="utf-8")

    def get_outputs(self) -> list[str]:
        outs = super().get_outputs()
        if self.extensions:
            outs.append(str(Path(self.build_lib) / PACKAGE / MANIFEST))
        return outs


def _not_compiled(exc: BaseException) -> None:
    print(f"aidtracker: the extraction engine is not compiled ({type(exc).__name__}: {exc}); "
          "it runs as pure Python, about 20 % slower", file=sys.stderr)


# A placeholder extension: it makes setuptools run build_ext (and tag the wheel for this platform);
# MypycBuildExt.run replaces it with mypyc's.
setup(
    ext_modules=[Extension(f"{GROUP}__mypyc", sources=[])],
    cmdclass={"build_ext": MypycBuildExt},
)
