"""Release files and fetched pages to `ReleaseText`.

One core, `parse_release_bytes`, serves files (`read_release_file`) and web pages fetched by the
ETL. What it does, in order (docs/parsing.md has the user's view):

1. size limit (`max_bytes`, default 20 MB or `AIDTRACKER_MAX_RELEASE_BYTES`), empty input;
2. decoding: BOM (UTF-8/16/32), strict UTF-8 (a sequence cut at the end is dropped, a few
   stray bytes become U+FFFD), declared charset (HTTP or <meta>), else charset-normalizer;
   NUL bytes or control characters without a UTF-16 pattern mean a binary file;
3. normalisation, before any text is produced: newlines to `\\n`, NFC, zero-width, bidi and
   other control characters removed (no-break spaces are kept: they are part of the evidence);
4. HTML (by suffix, content type or sniffing): main text by trafilatura (menus, footers, cookie
   banners, scripts and styles dropped), title, date (htmldate via trafilatura), `<html lang>`,
   canonical URL; plain text: optional `key: value` header ended by `---`, then the body;
5. what the header or page does not give: publication date from the first full date in the
   opening of the text, language from stop-word counts.

Every failure is a `ReleaseError` with a one-line message; nothing else escapes.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from etl.parse.dates import DATE_SEARCH_CHARS, MONTHS, find_publication_date, iter_dates  # noqa: F401  (the package's API)
from etl.parse.decode import ReleaseError, _split_content_type, decode_bytes, normalize_text  # noqa: F401  (the package's API)
from etl.parse.header import HEADER_KEYS, _parse_text, split_header  # noqa: F401  (the package's API)
from etl.parse.html import TRAFILATURA_MAX_CHARS, _parse_html, looks_like_html  # noqa: F401  (the package's API)
from etl.parse.language import LANGUAGE_SAMPLE_CHARS, STOPWORDS, detect_language  # noqa: F401  (the package's API)
from etl.types import ReleaseText

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "AIDTRACKER_MAX_RELEASE_BYTES"

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED_LANGUAGES = ("en", "fr", "nl", "da", "de", "sv")

# trafilatura and htmldate log to stderr through logging's last-resort handler otherwise:
# `aidtracker extract` promises one line per bad file and nothing else.
for _name in ("trafilatura", "htmldate", "charset_normalizer"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


def max_release_bytes() -> int:
    """The size limit in force: `AIDTRACKER_MAX_RELEASE_BYTES` when set, else 20 MB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if raw:
        try:
            value = int(raw)
            if value > 0:
                return value
        except ValueError:
            pass
    return DEFAULT_MAX_BYTES


# ---------------------------------------------------------------------------------------------
# entry points


def read_release_file(path: Path | str, *, max_bytes: int | None = None) -> ReleaseText:
    """Read one release file (.html/.htm, .txt, .md; other suffixes are sniffed)."""
    path = Path(path)
    limit = max_bytes or max_release_bytes()
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ReleaseError("is a folder, not a release file")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):  # devices, sockets
            raise ReleaseError("not a regular file")
        if st.st_size > limit:
            raise ReleaseError(f"file too large: {st.st_size} bytes (limit {limit})")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)  # a pipe or a growing file: never more than the limit
    except ReleaseError:
        raise
    except FileNotFoundError:
        raise ReleaseError("no such file") from None
    except PermissionError:
        raise ReleaseError("permission denied") from None
    except OSError as exc:
        raise ReleaseError(f"cannot read file: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    content_type = (
        "text/html" if suffix in HTML_SUFFIXES else "text/plain" if suffix in TEXT_SUFFIXES else None
    )
    return parse_release_bytes(data, str(path), content_type=content_type, max_bytes=limit)


def parse_release_bytes(
    data: bytes,
    source: str,
    content_type: str | None = None,
    url: str | None = None,
    *,
    max_bytes: int | None = None,
) -> ReleaseText:
    """Turn the bytes of a release (a file's, or a fetched page's) into a `ReleaseText`.

    `content_type` may be a MIME type with parameters ("text/html; charset=iso-8859-1"); None
    means sniff. `url` is the page's address (the canonical URL found in the page wins).
    """
    limit = max_bytes or max_release_bytes()
    if len(data) > limit:
        raise ReleaseError(f"release too large: {len(data)} bytes (limit {limit})")
    if not data.strip():
        raise ReleaseError("empty file, no text")
    try:
        return _parse(bytes(data), source, content_type, url)
    except ReleaseError:
        raise
    except RecursionError:
        raise ReleaseError("document nested too deeply to read") from None
    except Exception as exc:  # any bytes in: one clear line out, never a traceback
        raise ReleaseError(f"cannot read release: {type(exc).__name__}: {exc}") from None


def _parse(data: bytes, source: str, content_type: str | None, url: str | None) -> ReleaseText:
    mime, declared = _split_content_type(content_type)
    text = normalize_text(decode_bytes(data, declared))
    if not text.strip():
        raise ReleaseError("empty file, no text")
    if (
        mime in ("text/html", "application/xhtml+xml")
        or (mime not in ("text/plain", "text/markdown") and looks_like_html(text))
        or (mime in ("text/plain", "text/markdown") and looks_like_html(text, strict=True))
    ):
        return _parse_html(text, source, url)
    return _parse_text(text, source, url)
