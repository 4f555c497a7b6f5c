"""Web pages to main text: trafilatura with bounds, and a streaming fallback."""
from __future__ import annotations

import datetime as dt
import re

from etl.parse.dates import _plausible, find_publication_date
from etl.parse.decode import ReleaseError, normalize_text
from etl.parse.header import _first_line
from etl.parse.language import detect_language
from etl.types import ReleaseText

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
