"""Issue 3: HTML releases: main text only, metadata, scripts never kept."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.parse import ReleaseError, looks_like_html, parse_release_bytes, read_release_file

ARTICLE = [
    "Aujourd’hui, la ministre de la Défense Anita Anand a annoncé que le Canada donnera à l’Ukraine "
    "200 véhicules blindés de transport de troupes Senator.",
    "Ces véhicules, qui répondent à un besoin précis exprimé par l’Ukraine, seront livrés dans les "
    "prochains mois. La ministre a également rencontré son homologue ukrainien à Kyiv.",
    "Le Canada a fourni plus de 1 milliard de dollars en aide militaire depuis février 2022, et "
    "continuera de soutenir l'Ukraine aussi longtemps qu'il le faudra.",
]


def page(charset: str = "utf-8", lang: str = "fr-CA", extra_head: str = "") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{charset}">
<title>Le Canada annonce une aide à l’Ukraine - Défense nationale</title>
<link rel="canonical" href="https://www.canada.ca/fr/nouvelles/2023/01/aide.html">
<meta property="article:published_time" content="2023-01-18T10:00:00-05:00">
<style>body {{ color: red }} .STYLE_MARKER {{ }}</style>
<script>var SCRIPT_MARKER = "never keep this";</script>
{extra_head}
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>COOKIE_MARKER Nous utilisons des cookies.
<button>Accepter tous les cookies</button></p></div>
<nav class="main-menu"><ul><li><a href="/">NAV_MARKER Accueil</a></li><li><a href="/x">Ministères</a></li></ul></nav>
<header><p>HEADER_MARKER Gouvernement du Canada</p></header>
<main><article>
<h1>Le Canada annonce une aide à l’Ukraine</h1>
{paragraphs}
<script>document.write("INLINE_SCRIPT_MARKER")</script>
<noscript>NOSCRIPT_MARKER enable javascript</noscript>
</article></main>
<footer><p>FOOTER_MARKER Avis, confidentialité, contactez-nous</p></footer>
<script src="/analytics.js"></script>
</body></html>"""


MARKERS = ["STYLE_MARKER", "SCRIPT_MARKER", "INLINE_SCRIPT_MARKER", "NOSCRIPT_MARKER", "COOKIE_MARKER",
           "NAV_MARKER", "HEADER_MARKER", "FOOTER_MARKER", "<p>", "{", "document.write"]  # fmt: skip


def test_main_text_without_boilerplate(tmp_path):
    p = tmp_path / "release.html"
    p.write_text(page(), encoding="utf-8")
    r = read_release_file(p)
    for para in ARTICLE:
        assert para in r.text
    for marker in MARKERS:
        assert marker not in r.text, marker
    assert r.text.startswith("Le Canada annonce une aide à l’Ukraine")
    assert r.title and r.title.startswith("Le Canada annonce une aide")
    assert r.language == "fr"
    assert r.published == dt.date(2023, 1, 18)
    assert r.source_url == "https://www.canada.ca/fr/nouvelles/2023/01/aide.html"
    assert r.source == str(p)


def test_fetched_page_with_declared_charset():
    data = page(charset="windows-1252").encode("cp1252")
    r = parse_release_bytes(
        data, "https://example.test/a", "text/html; charset=windows-1252", url="https://example.test/a"
    )
    assert ARTICLE[0] in r.text
    # the meta charset alone is enough, and so is sniffing without a content type
    assert ARTICLE[1] in parse_release_bytes(data, "https://example.test/a", None).text


def test_page_url_used_when_no_canonical():
    html = page().replace(
        '<link rel="canonical" href="https://www.canada.ca/fr/nouvelles/2023/01/aide.html">', ""
    )
    r = parse_release_bytes(html.encode(), "u", "text/html", url="https://example.test/page")
    assert r.source_url == "https://example.test/page"


def test_language_detected_without_lang_attribute():
    html = page().replace(' lang="fr-CA"', "")
    assert parse_release_bytes(html.encode(), "u", "text/html").language == "fr"


def test_date_from_text_when_page_has_none():
    html = (
        "<html><head><title>Dutch aid</title></head><body><article><h1>Nederland levert pantservoertuigen</h1>"
        "<p>Den Haag, 19 april 2022. Nederland gaat zwaar materieel leveren aan Oekraïne, waaronder "
        "pantservoertuigen. Dat schrijft de minister aan de Tweede Kamer en het is een belangrijke stap.</p>"
        "</article></body></html>"
    )
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert r.published == dt.date(2022, 4, 19)
    assert r.language == "nl"


def test_xml_declaration_and_xhtml():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + page()
    r = parse_release_bytes(html.encode(), "u.xhtml", "application/xhtml+xml")
    assert ARTICLE[0] in r.text


def test_tiny_page_falls_back_to_body_text():
    html = "<html><body><nav>Menu</nav><div>Sweden sends aid.</div><script>x()</script></body></html>"
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert "Sweden sends aid." in r.text
    assert "x()" not in r.text


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><script>var a = 1;</script><style>p{}</style></head><body></body></html>",
        "<html><body><!-- nothing --></body></html>",
        "<html>",
    ],
)
def test_page_without_text_is_an_error(html):
    with pytest.raises(ReleaseError, match="no main text|empty"):
        parse_release_bytes(html.encode(), "u", "text/html")


@pytest.mark.parametrize("depth", [300, 10_000, 100_000])
def test_deeply_nested_page_is_read(depth):
    """libxml2 stops at depth 256; the streaming reader takes over (no recursion, no limit)."""
    html = (
        "<html><body><script>var s = '<div>';</script><nav>NAV_MARKER</nav>"
        + "<div>" * depth
        + "Canada donates 200 armoured vehicles to Ukraine.<style>p {}</style>"
        + "</div>" * depth
        + "</body></html>"
    )
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert r.text == "Canada donates 200 armoured vehicles to Ukraine."


def test_looks_like_html():
    assert looks_like_html("  <!doctype html><html>")
    assert looks_like_html("<!-- saved --><html lang=en>")
    assert looks_like_html("<div><p>a</p><p>b</p></div>")
    assert not looks_like_html("The <b>bold</b> claim.")
    assert not looks_like_html("<div><p>a</p><p>b</p></div>", strict=True)


def test_title_not_repeated_when_the_headline_opens_the_text():
    html = (
        "<html><head><title>Denmark donates artillery | Ministry of Defence</title></head><body><article>"
        "<h1>Denmark donates artillery</h1><p>Denmark will donate 19 Caesar howitzers to Ukraine, the minister "
        "said on Monday. The systems will be delivered over the coming months, together with ammunition.</p>"
        "</article></body></html>"
    )
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert r.text.count("Denmark donates artillery") == 1
    html2 = html.replace("<h1>Denmark donates artillery</h1>", "")
    r2 = parse_release_bytes(html2.encode(), "u", "text/html")
    assert r2.text.startswith("Denmark donates artillery\n\nDenmark will donate")  # site suffix dropped


ARTICLE_EN = (
    "<p>Canada will donate 200 armoured personnel carriers to Ukraine, the minister announced today in Kyiv.</p>"
    "<p>The vehicles will be delivered in the coming months, the department said in a statement on Wednesday.</p>"
)


@pytest.mark.parametrize(
    "banner",
    [
        '<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"><p>BANNER We use cookies to improve your '
        'experience.</p><button id="onetrust-accept-btn-handler">Accept All Cookies</button></div></div>',
        '<div id="CybotCookiebotDialog"><h2>BANNER This website uses cookies</h2><div>We use cookies to '
        "personalise content and ads.</div></div>",
        '<div role="dialog" class="cc-window cc-banner"><span class="cc-message">BANNER This website uses '
        "cookies to ensure you get the best experience.</span></div>",
    ],
)
def test_cookie_banners_dropped(banner):
    html = f"<html><body>{banner}<main><article><h1>Canada donates</h1>{ARTICLE_EN}</article></main></body></html>"
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert "BANNER" not in r.text and "Canada will donate 200" in r.text


def test_unmarked_cookie_notice_dropped():
    html = (
        f"<html><body><main><article><h1>Canada donates</h1>{ARTICLE_EN}</article></main><div class='notice'>"
        "<p>BANNER Notice: we use cookies on this site to give you the best experience and measure traffic.</p>"
        "</div></body></html>"
    )
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert "BANNER" not in r.text and "The vehicles will be delivered" in r.text


def test_very_large_page_is_read_in_linear_time():
    """trafilatura's time grows faster than the page: past TRAFILATURA_MAX_CHARS the lxml reader."""
    import time

    from etl.parse import TRAFILATURA_MAX_CHARS

    paragraphs = "".join(
        f"<p>Paragraph {i}: Denmark donates Leopard tanks to Ukraine, the ministry said in a statement.</p>\n"
        for i in range(TRAFILATURA_MAX_CHARS // 90 + 1000)
    )
    html = (
        '<html lang="en"><head><title>Denmark donates tanks</title>'
        '<link rel="canonical" href="https://www.fmn.dk/en/news/tanks/">'
        '<meta property="article:published_time" content="2023-03-03T09:00:00+01:00">'
        "<script>var SCRIPT_MARKER = 1;</script></head><body>"
        "<nav>NAV_MARKER home news</nav><div class='cookie-banner'>COOKIE_MARKER</div>"
        f"<main><article><h1>Denmark donates tanks</h1>{paragraphs}</article></main>"
        "<footer>FOOTER_MARKER contact</footer></body></html>"
    )
    assert len(html) > TRAFILATURA_MAX_CHARS
    t0 = time.perf_counter()
    r = parse_release_bytes(html.encode(), "u", "text/html")
    assert time.perf_counter() - t0 < 20
    assert r.text.startswith("Denmark donates tanks\nParagraph 0: Denmark donates")
    for marker in ("SCRIPT_MARKER", "NAV_MARKER", "COOKIE_MARKER", "FOOTER_MARKER"):
        assert marker not in r.text
    assert (r.title, r.source_url, r.published, r.language) == (
        "Denmark donates tanks",
        "https://www.fmn.dk/en/news/tanks/",
        dt.date(2023, 3, 3),
        "en",
    )
