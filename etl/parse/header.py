"""The `key: value` header block of a release file, its language and date fields."""
from __future__ import annotations

import datetime as dt
import re

from etl.parse.dates import find_publication_date
from etl.parse.decode import ReleaseError
from etl.parse.language import detect_language
from etl.types import ReleaseText

HEADER_KEYS = ("source_url", "publisher", "language", "published")


# ---------------------------------------------------------------------------------------------
# plain text

_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_-]{0,40})[ \t]*:[ \t]*(.*)")
_MAX_HEADER_LINES = 60


def split_header(text: str) -> tuple[dict[str, str], str]:
    """(`key: value` header, body) when the text opens with a header ended by `---`."""
    lines = text.split("\n", _MAX_HEADER_LINES + 2)
    start = 1 if lines and lines[0].strip() == "---" else 0  # YAML-style front matter
    header: dict[str, str] = {}
    for i in range(start, min(len(lines), _MAX_HEADER_LINES + 2)):
        line = lines[i]
        if line.strip() == "---":
            if not header:
                return {}, text
            body = "\n".join(lines[i + 1 :]) if i + 1 < len(lines) else ""
            return header, body
        if not line.strip():
            continue
        if len(line) > 2000:
            return {}, text
        m = _HEADER_LINE.fullmatch(line.strip())
        if not m:
            return {}, text
        header.setdefault(m.group(1).lower().replace("-", "_"), m.group(2).strip())
    return {}, text


def _parse_text(text: str, source: str, url: str | None) -> ReleaseText:
    header, body = split_header(text)
    body = body.strip()
    if not body:
        raise ReleaseError("empty release: no text after the header" if header else "empty file, no text")
    language = _language_code(header.get("language")) or detect_language(body)
    published = _header_date(header.get("published")) or find_publication_date(body)
    return ReleaseText(
        source=source,
        text=body,
        published=published,
        language=language,
        publisher=header.get("publisher") or None,
        title=_first_line(body),
        source_url=header.get("source_url") or url,
        meta={k: v for k, v in header.items() if k not in HEADER_KEYS},
    )


def _first_line(text: str) -> str | None:
    for line in text[:5000].split("\n"):
        line = line.strip(" \t•-–—|*#")
        if line:
            return line[:300]
    return None


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})\b", value)
    if not m:
        return None
    code = m.group(1).lower()
    return _ISO639_2.get(code, code)


_ISO639_2 = {
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "nld": "nl",
    "dut": "nl",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "swe": "sv",
}


def _header_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return find_publication_date(value)
