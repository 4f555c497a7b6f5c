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

import codecs
import datetime as dt
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from etl.types import ReleaseText

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "AIDTRACKER_MAX_RELEASE_BYTES"

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
HEADER_KEYS = ("source_url", "publisher", "language", "published")
SUPPORTED_LANGUAGES = ("en", "fr", "nl", "da", "de", "sv")

# trafilatura and htmldate log to stderr through logging's last-resort handler otherwise:
# `aidtracker extract` promises one line per bad file and nothing else.
for _name in ("trafilatura", "htmldate", "charset_normalizer"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


class ReleaseError(ValueError):
    """A release that cannot be read; the message is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split())[:300])


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


# ---------------------------------------------------------------------------------------------
# decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_SAMPLE = 1 << 16


def _split_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type:
        return None, None
    parts = [p.strip() for p in content_type.split(";")]
    mime = parts[0].lower() or None
    charset = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            charset = v.strip().strip("\"'")
    return mime, charset


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'-be' when NULs sit on every other byte, as in UTF-16 Latin text."""
    even = sample[0::2]
    odd = sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes to str; `ReleaseError` for binary data. See the module docstring for the order."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _check_text(data[len(bom) :].decode(enc, errors="replace"))
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        enc = _utf16_without_bom(sample)
        if enc is None:
            raise ReleaseError("binary file, not a release")
        return _check_text(data.decode(enc, errors="replace"))
    try:  # valid UTF-8 wins even over a declared single-byte charset (servers often misdeclare)
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if utf8_error.reason == "unexpected end of data" and utf8_error.end == len(data):
        try:  # a multi-byte character cut at the end: drop it
            return _check_text(data[: utf8_error.start].decode("utf-8"))
        except UnicodeDecodeError:
            pass
    # mostly UTF-8 with a few stray bytes: keep UTF-8, stray bytes become U+FFFD
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    multibyte = len(lenient) - len(lenient.encode("ascii", "ignore")) - bad
    if bad and multibyte >= 10 * bad:
        return _check_text(lenient)
    for enc in (_codec(declared), _codec(_meta_charset(sample))):
        if enc and enc not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            try:
                return _check_text(data.decode(enc))
            except (UnicodeDecodeError, ValueError):
                pass
    return _check_text(_detect_and_decode(data))


def _meta_charset(sample: bytes) -> str | None:
    m = _META_CHARSET.search(sample[:4096])
    return m.group(1).decode("ascii") if m else None


def _detect_and_decode(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReleaseError("binary file, not a release")
    enc = _codec(best.encoding) or "cp1252"
    # Western single-byte texts are nearly always cp1252 (a superset of latin-1's printable
    # range); short samples make the detector guess exotic code pages, so prefer cp1252
    # whenever the bytes are valid cp1252.
    if enc not in ("utf-8", "cp1252") and not enc.startswith(("utf_", "utf-")):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return data.decode(enc, errors="replace")


_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufffd]")


def _check_text(text: str) -> str:
    """Refuse what decodes but is not text (many control or replacement characters)."""
    sample = text[:_SAMPLE]
    if not sample:
        return text
    bad = len(_NOT_TEXT.findall(sample))
    if bad > 0.1 * len(sample) + 2:
        raise ReleaseError("binary file, not a release")
    return text


# ---------------------------------------------------------------------------------------------
# normalisation

_DROP = dict.fromkeys(
    [
        *range(0x00, 0x09),  # C0 controls except \t \n
        0x0B,
        0x0E,
        *range(0x0F, 0x20),
        0x7F,
        *range(0x80, 0x85),  # C1 controls (0x85 NEL becomes a newline)
        *range(0x86, 0xA0),
        0x00AD,  # soft hyphen
        0x061C,  # Arabic letter mark
        0x180E,
        *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2065),  # word joiner, invisible operators
        *range(0x2066, 0x2070),  # bidi isolates, deprecated format chars
        0xFEFF,  # BOM / zero-width no-break space
        0xFFF9,
        0xFFFA,
        0xFFFB,
    ]
)
_DROP.update({0x0C: "\n", 0x85: "\n", 0x2028: "\n", 0x2029: "\n\n", 0x1C: "\n", 0x1D: "\n", 0x1E: "\n"})


_TO_DROP = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_DROP)) + "]")


def normalize_text(text: str) -> str:
    """Newlines to `\\n`, NFC, invisible and control characters removed. Linear time."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _TO_DROP.search(text):  # rare: a C-speed scan first, the slower translate only when needed
        text = text.translate(_DROP)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


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


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_OPEN = re.compile(r"<(?:!doctype\s+html|html)\b", re.I)
_HTML_TAGS = re.compile(r"<(?:html|head|body|title|meta|div|p|article)\b[^<>]{0,500}>", re.I)
_HTML_LANG = re.compile(r"""<html\b[^>]{0,500}?\blang\s*=\s*["']?\s*([A-Za-z]{2,3})\b""", re.I)


def looks_like_html(text: str, strict: bool = False) -> bool:
    """True for a document that is an HTML page (strict: it must open like one)."""
    head = text[:4096].lstrip()
    if head.startswith("<?xml"):  # XHTML: skip the declaration
        head = head[head.find(">") + 1 :].lstrip()
    while head.startswith("<!--"):  # comments before the doctype (no regex: no backtracking)
        end = head.find("-->")
        if end < 0:
            break
        head = head[end + 3 :].lstrip()
    if _HTML_OPEN.match(head):
        return True
    if strict:
        return False
    return len(_HTML_TAGS.findall(head)) >= 3


# Above this size (about 3 MB of HTML; real releases are under 1 MB) trafilatura takes minutes
# (a 19 MB page: 89 s and 700 MB), the linear lxml fallback seconds.
TRAFILATURA_MAX_CHARS = 3_000_000


def _parse_html(html: str, source: str, url: str | None) -> ReleaseText:
    import trafilatura

    # lxml refuses str input that carries an XML encoding declaration; we decoded already
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1)
    doc = None
    try:
        if len(html) > TRAFILATURA_MAX_CHARS:  # its time grows faster than the page: plain text only
            raise ValueError("page too large for trafilatura")
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            date_extraction_params={
                "extensive_search": False,
                "original_date": True,
                "max_date": dt.date.today().isoformat(),
            },
        )
    except Exception:  # trafilatura gave up on this page; the plain fallback below may still read it
        doc = None
    body = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    fallback: dict[str, str] = {}
    if len(body) < 2000 and html.count("<", 0, 1_000_000) > 256 and _too_deep(html):
        # libxml2 cuts trees at depth 256, so both trafilatura and lxml see part of the page:
        # a streaming reader has no depth limit
        body = _stream_html_text(html) or body
    if not body:
        body, fallback = _fallback_html(html)
    if not body:
        raise ReleaseError("no main text found in the HTML page")
    body = _drop_cookie_lines(normalize_text(body)).strip()
    if not body:
        raise ReleaseError("no main text found in the HTML page")
    title = normalize_text(getattr(doc, "title", None) or fallback.get("title") or "").strip() or None
    if title and not _title_in(title, body):
        text = f"{title}\n\n{body}"
    else:
        text = body
    m = _HTML_LANG.search(html[:20000])
    language = m.group(1).lower() if m else detect_language(text)
    published = (
        _iso_date(getattr(doc, "date", None))
        or _iso_date(fallback.get("date"))
        or find_publication_date(text)
    )
    return ReleaseText(
        source=source,
        text=text,
        published=published,
        language=language,
        publisher=(getattr(doc, "sitename", None) or None),
        title=title or _first_line(text),
        source_url=(getattr(doc, "url", None) or fallback.get("url") or url or None),
        meta={},
    )


_COOKIE_LINE = re.compile(r"cookie", re.I)


def _drop_cookie_lines(body: str) -> str:
    """Cookie notices that the page did not mark as such (short lines about cookies)."""
    if not _COOKIE_LINE.search(body):
        return body
    return "\n".join(line for line in body.split("\n") if len(line) > 500 or not _COOKIE_LINE.search(line))


def _title_in(title: str, body: str) -> bool:
    """The page title (or its part before a " | Site" / " - Site" suffix) opens the main text."""
    head = " ".join(body[:1000].split()).casefold()
    for part in (title, *re.split(r"\s+[|–—-]\s+", title)[:1]):
        key = " ".join(part.split()).casefold()[:80]
        if len(key) >= 12 and key in head:
            return True
    return False


def _iso_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        d = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return d if _plausible(d) else None


_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form",
    "iframe", "svg", "button", "select", "object", "embed", "canvas",
)  # fmt: skip
_BOILERPLATE = re.compile(
    r"cookie|consent|gdpr|banner|menu|navbar|breadcrumb|footer|sidebar|share|social", re.I
)
_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section", "article",
               "blockquote", "pre", "dd", "dt", "td", "th", "main", "ul", "ol", "table"}  # fmt: skip


def _too_deep(html: str) -> bool:
    """Whether libxml2 hits its nesting limit on this page."""
    import lxml.html

    parser = lxml.html.HTMLParser()
    try:
        lxml.html.document_fromstring(html, parser=parser)
    except Exception:
        return False
    return any("depth" in (e.message or "").lower() for e in parser.error_log)


def _stream_html_text(html: str) -> str:
    """Last resort: text outside scripts, styles, menus and footers, by html.parser (no tree)."""
    from html.parser import HTMLParser

    skip_tags = set(_DROP_TAGS)
    block_tags = _BLOCK_TAGS

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in skip_tags:
                self.skip += 1
            elif tag in block_tags:
                self.parts.append("\n")

        def handle_startendtag(self, tag, attrs):
            if tag in block_tags:
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in skip_tags:
                self.skip = max(0, self.skip - 1)
            elif tag in block_tags:
                self.parts.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    c = Collector()
    try:
        c.feed(html)
        c.close()
    except Exception:
        return ""
    lines = (" ".join(line.split()) for line in "".join(c.parts).split("\n"))
    return "\n".join(line for line in lines if line)


_META_DATE_XPATH = (
    "//meta[@property='article:published_time' or @name='date' or @name='dcterms.date' or "
    "@name='DC.date.issued' or @itemprop='datePublished' or @name='publication_date']/@content"
)


def _fallback_html(html: str) -> tuple[str, dict[str, str]]:
    """Text of the page body without scripts, styles, menus, footers and banners, and the
    page's title, canonical URL and date from its head. Linear in the page (lxml only)."""
    import lxml.html

    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except Exception:
        return "", {}
    if any("depth" in (e.message or "").lower() for e in parser.error_log):
        return "", {}  # libxml2 cut the tree at its depth limit: the streaming reader will do
    found: dict[str, str] = {}
    try:
        title = root.findtext(".//title")
        if title and title.strip():
            found["title"] = " ".join(title.split())
        for href in root.xpath("//link[@rel='canonical']/@href")[:1]:
            if str(href).startswith(("http://", "https://")):
                found["url"] = str(href).strip()
        for content in root.xpath(_META_DATE_XPATH)[:1]:
            found["date"] = str(content).strip()[:10]
    except Exception:  # metadata is a bonus: never lose the text over it
        pass
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
        marks = f"{el.get('id', '')} {el.get('class', '')} {el.get('role', '')}"
        if el.tag not in ("html", "body") and _BOILERPLATE.search(marks) and el.getparent() is not None:
            el.drop_tree()
    body = root.find("body")
    if body is None:
        body = root
    parts: list[str] = []
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line), found


# ---------------------------------------------------------------------------------------------
# dates

MONTHS: Mapping[str, int] = {
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # fr
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7,
    "déc": 12,
    # nl
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
    "oktober": 10, "mrt": 3, "okt": 10,
    # da
    "januar": 1, "februar": 2, "marts": 3, "maj": 5,
    # de
    "märz": 3, "maerz": 3, "dezember": 12, "dez": 12,
}  # fmt: skip

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DATE_RE = re.compile(
    rf"""
    \b(?P<d1>[0-3]?\d)(?:er|st|nd|rd|th|\.)?[ \t\u00a0]{{1,5}}(?:de[ \t]{{1,3}})?(?P<m1>{_MONTH_RE})\.?,?[ \t\u00a0]{{1,5}}(?P<y1>(?:19|20)\d\d)\b
    | \b(?P<m2>{_MONTH_RE})\.?[ \t\u00a0]{{1,5}}(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?[ \t\u00a0]{{1,5}}(?P<y2>(?:19|20)\d\d)\b
    | \b(?P<y3>(?:19|20)\d\d)-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)\b
    | \b(?P<d4>[0-3]?\d)\.(?P<m4>[01]?\d)\.(?P<y4>(?:19|20)\d\d)\b
    """,
    re.I | re.X,
)
DATE_SEARCH_CHARS = 5000


def _plausible(d: dt.date) -> bool:
    return dt.date(1990, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=1)


def iter_dates(text: str):
    """(match start, date) for every full date written in `text`, in order.

    Handles "21 Apr. 2023", "21 avril 2023", "1er mars 2022", "21. April 2023", "2. oktober 2022",
    "April 21, 2023", "Sept. 9, 2022", "2023-04-21" and "21.04.2023".
    """
    for m in _DATE_RE.finditer(text):
        g = m.groupdict()
        try:
            if g["d1"]:
                d = dt.date(int(g["y1"]), MONTHS[g["m1"].lower()], int(g["d1"]))
            elif g["d2"]:
                d = dt.date(int(g["y2"]), MONTHS[g["m2"].lower()], int(g["d2"]))
            elif g["d3"]:
                d = dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
            else:
                d = dt.date(int(g["y4"]), int(g["m4"]), int(g["d4"]))
        except (ValueError, KeyError):
            continue
        yield m.start(), d


def find_publication_date(text: str) -> dt.date | None:
    """The first plausible full date in the opening of the text (None when there is none)."""
    for _, d in iter_dates(text[:DATE_SEARCH_CHARS]):
        if _plausible(d):
            return d
    return None


# ---------------------------------------------------------------------------------------------
# language

STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to in is that for on with as was by it are be this from at has have will "
        "which an were their its also been not or said today new our we".split()
    ),
    "fr": frozenset(
        "le la les des du de et est une un que qui dans pour sur par au aux avec pas ce cette "
        "sont été ses leur nous il elle ont plus son sa".split()
    ),
    "nl": frozenset(
        "de het een en van in is dat op te voor met zijn niet aan ook als door er bij om "
        "worden wordt heeft naar dit deze die nog wij onder".split()
    ),
    "da": frozenset(
        "og i at det er en til på af med for som den de har ikke der om et fra vi blev "
        "kan skal også være ved efter".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es "
        "werden wird wurde hat sind bei aus nach einer".split()
    ),
    "sv": frozenset(
        "och att är till av inte ett för också från ska sig men så var även när eller bara "
        "detta denna dessa enligt mot under".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
LANGUAGE_SAMPLE_CHARS = 20000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language the text is in (en/fr/nl/da/de/sv), None when unclear.

    Counts the commonest function words of each language over the first 20,000 characters;
    the winner needs at least 3 hits and a clear lead over the runner-up.
    """
    counts = dict.fromkeys(STOPWORDS, 0)
    for m in _WORD.finditer(text[:LANGUAGE_SAMPLE_CHARS]):
        w = m.group(0).lower()
        if "'" in w or "’" in w:  # French elisions: l'Ukraine, d’un
            head = w.split("'")[0].split("’")[0]
            if head in ("l", "d", "qu", "n", "s", "j", "c"):
                counts["fr"] += 1
            continue
        for lang, words in STOPWORDS.items():
            if w in words:
                counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, n1), (_, n2) = ranked[0], ranked[1]
    if n1 < 3 or n1 < 1.2 * n2:
        return None
    return best
