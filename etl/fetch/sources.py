"""What `aidtracker refresh` reads: the sources file (TOML) and the SOURCE arguments.

The sources file is `AIDTRACKER_SOURCES`, else `sources.toml` in the user config directory, else
the bundled `etl/sources.example.toml` (real NATO and U.S. DoD feeds plus the bundled sample
releases, so a new user gets data with or without a network). docs/etl.md documents the format:

    [settings]                 # all optional; the defaults are DEFAULT_SETTINGS below
    timeout = 20               # seconds per connect/read
    per_host_delay = 1.0       # seconds between two requests to one host

    [[source]]
    name = "NATO news (English)"
    feed = "https://www.nato.int/cps/rss/en/natohq/rssFeed.xsl/rssFeed.xml"
    filter = "(?i)ukrain"      # keep feed entries whose title/summary/link match

    [[source]]
    page = "https://www.example.org/press/release-1.html"

    [[source]]
    path = "~/releases"        # a file or a folder (.html .htm .txt .md, recursively)

    [[source]]
    samples = true             # the sample releases shipped with aidtracker

Each `[[source]]` has exactly one of `feed`, `page`, `url` (page or feed, decided by what the
server sends), `path` or `samples`. Relative paths are relative to the sources file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from aidtracker.settings import sources_path

RELEASE_SUFFIXES = (".html", ".htm", ".xhtml", ".txt", ".md")
ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048  # releases.source is VARCHAR(2048)


class SourcesError(ValueError):
    """The sources file or a SOURCE argument is wrong; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Fetching limits and run options (the `[settings]` table)."""

    timeout: float = 20.0  # seconds, per connect / read / write
    total_timeout: float = 60.0  # seconds for one response, slow-drip servers included
    max_bytes: int = 5_000_000  # decoded body size limit (also guards against gzip bombs)
    max_redirects: int = 5
    retries: int = 2  # extra attempts on 5xx, 429, timeouts and connection errors
    backoff: float = 1.0  # seconds before the first retry, doubled for each further one
    per_host_delay: float = 1.0  # seconds between two requests to the same host
    user_agent: str | None = None  # default: "aidtracker/<version> (+project URL)"
    max_feed_entries: int = 200
    fetch_workers: int = 4  # threads fetching and reading in parallel (loading stays in order)
    parse_workers: int = 0  # processes parsing and extracting; 0 = automatic, 1 = in-process
    lock_wait: float = 1800.0  # seconds a manual refresh waits for a running one
    max_attempts: int = 5  # failed inputs are retried by later runs until they failed this often

    @classmethod
    def from_mapping(cls, data: dict, where: str) -> Settings:
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in data.items():
            if key not in known:
                raise SourcesError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
            default = getattr(cls(), key)
            if key == "user_agent":
                if not isinstance(value, str) or not value.strip():
                    raise SourcesError(f"{where}: user_agent must be a non-empty string")
                values[key] = value.strip()
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SourcesError(f"{where}: setting {key!r} must be a number, not {value!r}")
            if value < 0 or (
                isinstance(default, int) and not isinstance(default, bool) and value != int(value)
            ):
                raise SourcesError(
                    f"{where}: setting {key!r} must be a non-negative {type(default).__name__}"
                )
            values[key] = type(default)(value)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the sources file or one SOURCE argument."""

    kind: str  # "feed", "page", "url" (page or feed), "path", "samples"
    location: str  # URL or path
    name: str | None = None
    filter: re.Pattern | None = None  # feed entries: title/summary/link must match
    max_entries: int | None = None
    publisher: str | None = None  # used when the release itself names none

    def describe(self) -> str:
        return self.name or self.location


@dataclass(slots=True)
class SourcesConfig:
    settings: Settings
    sources: list[Source] = field(default_factory=list)
    path: Path | None = None  # the file they came from (None: arguments only)


def samples_dir() -> Path:
    """The bundled sample releases (`etl/samples/releases`)."""
    return Path(str(resources.files("etl").joinpath("samples", "releases")))


def example_sources_file() -> Path:
    return Path(str(resources.files("etl").joinpath("sources.example.toml")))


def default_sources_file() -> Path:
    """`AIDTRACKER_SOURCES` / the user's sources.toml when it exists, else the bundled example."""
    path = sources_path()
    if os.environ.get("AIDTRACKER_SOURCES", "").strip():
        return path  # named explicitly: must exist (load_sources_file says so when it does not)
    return path if path.exists() else example_sources_file()


def check_url(url: str) -> str:
    """The URL when its scheme is http or https and it has a host; `SourcesError` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise SourcesError(
            f"refused URL scheme {parts.scheme or '(none)'!r}: only http and https: {url[:200]}"
        )
    if not parts.hostname:
        raise SourcesError(f"URL without a host: {url[:200]}")
    if len(url) > MAX_URL_LENGTH:
        raise SourcesError(f"URL longer than {MAX_URL_LENGTH} characters: {url[:200]}...")
    return url.strip()


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def source_from_arg(arg: str) -> Source:
    """A SOURCE argument: an http(s) URL (page or feed) or a local file/folder."""
    m = _SCHEME.match(arg)
    if m and len(m.group(1)) > 1:  # "C:" is a Windows drive, not a scheme
        return Source("url", check_url(arg))
    return Source("path", str(Path(arg).expanduser().resolve()))


def load_sources_file(path: Path) -> SourcesConfig:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourcesError(f"sources file {path} does not exist (see docs/etl.md for the format)") from None
    except OSError as exc:
        raise SourcesError(f"sources file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"sources file {path}: not valid TOML: {exc}") from None
    return parse_sources(data, path)


_KINDS = ("feed", "page", "url", "path", "samples")
_SOURCE_KEYS = {*_KINDS, "name", "filter", "max_entries", "publisher", "enabled"}


def parse_sources(data: dict, path: Path | None = None) -> SourcesConfig:
    where = str(path) if path else "sources"
    unknown = set(data) - {"settings", "source"}
    if unknown:
        raise SourcesError(
            f"{where}: unknown top-level key(s) {sorted(unknown)}: use [settings] and [[source]]"
        )
    settings_data = data.get("settings", {})
    if not isinstance(settings_data, dict):
        raise SourcesError(f"{where}: [settings] must be a table")
    settings = Settings.from_mapping(settings_data, f"{where} [settings]")
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{where}: use [[source]] tables for sources")
    base = path.parent if path else Path.cwd()
    sources: list[Source] = []
    for i, entry in enumerate(entries, 1):
        at = f"{where} source #{i}"
        if not isinstance(entry, dict):
            raise SourcesError(f"{at}: must be a table")
        unknown = set(entry) - _SOURCE_KEYS
        if unknown:
            raise SourcesError(f"{at}: unknown key(s) {sorted(unknown)}")
        if entry.get("enabled", True) is False:
            continue
        kinds = [k for k in _KINDS if k in entry]
        if len(kinds) != 1:
            raise SourcesError(f"{at}: needs exactly one of {', '.join(_KINDS)} (has {kinds or 'none'})")
        kind = kinds[0]
        value = entry[kind]
        if kind == "samples":
            if value is not True:
                raise SourcesError(f"{at}: samples must be true")
            location = str(samples_dir())
        elif not isinstance(value, str) or not value.strip():
            raise SourcesError(f"{at}: {kind} must be a non-empty string")
        elif kind == "path":
            p = Path(os.path.expandvars(value)).expanduser()
            location = str((p if p.is_absolute() else base / p).resolve())
        else:
            try:
                location = check_url(value)
            except SourcesError as exc:
                raise SourcesError(f"{at}: {exc}") from None
        pattern = None
        if "filter" in entry:
            try:
                pattern = re.compile(entry["filter"])
            except (re.error, TypeError) as exc:
                raise SourcesError(f"{at}: filter is not a valid regular expression: {exc}") from None
        max_entries = entry.get("max_entries")
        if max_entries is not None and (not isinstance(max_entries, int) or max_entries < 1):
            raise SourcesError(f"{at}: max_entries must be a positive integer")
        for key in ("name", "publisher"):
            if key in entry and not isinstance(entry[key], str):
                raise SourcesError(f"{at}: {key} must be a string")
        sources.append(
            Source(
                kind="path" if kind == "samples" else kind,
                location=location,
                name=entry.get("name") or ("bundled sample releases" if kind == "samples" else None),
                filter=pattern,
                max_entries=max_entries,
                publisher=entry.get("publisher"),
            )
        )
    return SourcesConfig(settings=settings, sources=sources, path=path)


def resolve(args: list[str], sources_file: Path | None = None) -> SourcesConfig:
    """The configuration of one run: SOURCE arguments (settings still come from the sources file
    when there is one) or, without arguments, the sources file's own list."""
    file = sources_file or default_sources_file()
    if args:
        settings = Settings()
        if file.exists():
            settings = load_sources_file(file).settings
        return SourcesConfig(settings=settings, sources=[source_from_arg(a) for a in args], path=None)
    return load_sources_file(file)


def with_settings(config: SourcesConfig, **changes) -> SourcesConfig:
    return SourcesConfig(
        settings=replace(config.settings, **changes), sources=config.sources, path=config.path
    )


def release_files(folder: Path) -> list[Path]:
    """Release files of a folder, recursively, in a stable order (hidden files skipped)."""
    found = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.is_file() and p.suffix.lower() in RELEASE_SUFFIXES:
            found.append(p)
    return sorted(found)
