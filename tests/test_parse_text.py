"""Issue 3: text releases: header block, body, publication date and language from the text."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.parse import (
    ReleaseError,
    detect_language,
    find_publication_date,
    iter_dates,
    normalize_text,
    parse_release_bytes,
    read_release_file,
    split_header,
)

HEADER = """source_url: https://www.nato.int/cps/en/natohq/news_214045.htm?selectedLocale=fr
publisher: NATO
language: fr
published: 2023-04-21
desk: press office
---
Le secrétaire général de l’OTAN à Ramstein

Il s’est également félicité que d’autres Alliés aient annoncé qu’ils allaient livrer des véhicules.
"""


def test_header_block_is_read_and_removed(tmp_path):
    p = tmp_path / "001_nato_fr.txt"
    p.write_text(HEADER, encoding="utf-8")
    r = read_release_file(p)
    assert r.source == str(p)
    assert r.source_url == "https://www.nato.int/cps/en/natohq/news_214045.htm?selectedLocale=fr"
    assert r.publisher == "NATO"
    assert r.language == "fr"
    assert r.published == dt.date(2023, 4, 21)
    assert r.meta == {"desk": "press office"}
    assert r.text.startswith("Le secrétaire général de l’OTAN à Ramstein")
    assert "published:" not in r.text and "---" not in r.text
    assert r.title == "Le secrétaire général de l’OTAN à Ramstein"


def test_corpus_files_read_with_their_header(corpus_dir):
    files = sorted((corpus_dir / "releases").glob("*.txt"))
    assert len(files) >= 10
    for f in files:
        r = read_release_file(f)
        lang, date = f.stem.split("_")[2], f.stem.split("_")[3]
        assert r.language == lang, f.name
        assert r.published == dt.date.fromisoformat(date), f.name
        assert r.source_url.startswith("http"), f.name
        assert r.text and not r.text.startswith("source_url")


def test_corpus_language_detected_without_header(corpus_dir):
    """Strip the header: the language the text is in is still found."""
    for f in sorted((corpus_dir / "releases").glob("*.txt")):
        _, body = split_header(f.read_text(encoding="utf-8"))
        r = parse_release_bytes(body.encode("utf-8"), f.name, "text/plain")
        assert r.language == f.stem.split("_")[2], f.name
        if r.published is not None:  # when a date is written near the top it is the right one
            assert r.published == dt.date.fromisoformat(f.stem.split("_")[3]), f.name


def test_no_header_date_and_language_from_text():
    body = "Netherlands to deliver armoured vehicles\n\n • 21 Apr. 2023 -\n\nThe Netherlands will deliver..."
    r = parse_release_bytes(body.encode(), "x.txt", "text/plain")
    assert r.published == dt.date(2023, 4, 21)
    assert r.language == "en"
    assert r.meta == {} and r.publisher is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Publié le 21 avril 2023 à Bruxelles", dt.date(2023, 4, 21)),
        ("21 Apr. 2023 - | Last updated", dt.date(2023, 4, 21)),
        ("WASHINGTON, April 21, 2023 — The Department", dt.date(2023, 4, 21)),
        ("Sept. 9, 2022 | By DoD News", dt.date(2022, 9, 9)),
        ("le 1er mars 2022, le Canada", dt.date(2022, 3, 1)),
        ("Nieuwsbericht | 19-04-2022 | 19 april 2022", dt.date(2022, 4, 19)),
        ("Berlin, 21. April 2023", dt.date(2023, 4, 21)),
        ("Nyhed 2. oktober 2022", dt.date(2022, 10, 2)),
        ("Date: 2024-01-23", dt.date(2024, 1, 23)),
        ("den 23.01.2024 in Berlin", dt.date(2024, 1, 23)),
        ("no date at all, only the year 2023 and 31 February 2023", None),
    ],
)
def test_dates_in_supported_languages(text, expected):
    assert find_publication_date(text) == expected


def test_iter_dates_gives_positions():
    text = "On 3 March 2022 and then on April 5, 2022."
    assert [(text[i : i + 2], d) for i, d in iter_dates(text)] == [
        ("3 ", dt.date(2022, 3, 3)),
        ("Ap", dt.date(2022, 4, 5)),
    ]


@pytest.mark.parametrize(
    "text, lang",
    [
        ("The United States is announcing today a new package of security assistance for Ukraine.", "en"),
        (
            "Le Canada a annoncé aujourd’hui qu’il donnera à l’Ukraine des véhicules blindés de transport.",
            "fr",
        ),
        (
            "Nederland gaat zwaar materieel leveren aan Oekraïne, waaronder pantservoertuigen. Dat is het plan.",
            "nl",
        ),
        (
            "Danmark har underskrevet en hensigtserklæring med Slovakiet, og det er en stor donation til Ukraine.",
            "da",
        ),
        (
            "Deutschland wird der Ukraine weitere Flugabwehrsysteme liefern, die von der Bundeswehr sind.",
            "de",
        ),
        ("12345 67890", None),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_header_variants():
    # YAML-style front matter, upper-case keys, language with region, blank lines inside
    data = (
        "---\nLanguage: en-GB\n\nPublished: 2022-07-01\nSource-URL: https://x.test/a\n---\nBody text here.\n"
    )
    r = parse_release_bytes(data.encode(), "a.md", "text/markdown")
    assert (r.language, r.published, r.source_url, r.text) == (
        "en",
        dt.date(2022, 7, 1),
        "https://x.test/a",
        "Body text here.",
    )


def test_invalid_header_date_falls_back():
    data = "published: 21 April 2023\n---\nText without a date.\n"
    assert parse_release_bytes(data.encode(), "a.txt", "text/plain").published == dt.date(2023, 4, 21)
    data = "published: soon\n---\nThe release of 3 March 2022.\n"
    assert parse_release_bytes(data.encode(), "a.txt", "text/plain").published == dt.date(2022, 3, 3)


def test_text_that_only_looks_like_a_header_is_kept():
    data = "Note: this is a title line\nAnd here the text goes on\n---\nmore\n"
    r = parse_release_bytes(data.encode(), "a.txt", "text/plain")
    assert r.text == data.strip() and r.meta == {}
    data = "WASHINGTON: The Department announced today.\n\nMore text, no separator."
    assert parse_release_bytes(data.encode(), "a.txt", "text/plain").text == data


def test_header_without_body_is_an_error():
    with pytest.raises(ReleaseError, match="no text after the header"):
        parse_release_bytes(b"language: en\npublished: 2023-01-01\n---\n\n  \n", "a.txt", "text/plain")


def test_normalisation_keeps_evidence_characters():
    raw = "M.\u00a0Stoltenberg a\u200b remercié\u00ad\r\nles E\u0301tats-Unis\u202e.\rFin\ufeff"
    assert normalize_text(raw) == "M.\u00a0Stoltenberg a remercié\nles États-Unis.\nFin"


def test_evidence_is_a_substring_of_text(corpus_dir):
    """Normalisation happens before the text exists: expected evidence is found verbatim."""
    import json

    expected = json.loads((corpus_dir / "expected.json").read_text(encoding="utf-8"))
    n = 0
    for entry in expected:
        r = read_release_file(corpus_dir / "releases" / entry["file"])
        for a in entry["announcements"]:
            if a.get("evidence"):
                n += 1
                assert a["evidence"] in r.text, (entry["file"], a["evidence"])
    assert n > 20


def test_markdown_and_unknown_suffix(tmp_path):
    p = tmp_path / "r.md"
    p.write_text("# Canada donates\n\nCanada will donate 200 armoured vehicles to Ukraine.", encoding="utf-8")
    r = read_release_file(p)
    assert r.text.startswith("# Canada donates") and r.title == "Canada donates"
    q = tmp_path / "release.dat"
    q.write_text("The United States announced a package on 3 March 2022.", encoding="utf-8")
    assert read_release_file(q).published == dt.date(2022, 3, 3)


def test_html_in_a_txt_file_is_read_as_html(tmp_path):
    p = tmp_path / "saved.txt"
    p.write_text(
        "<!DOCTYPE html><html lang='en'><body><script>alert(1)</script>"
        "<p>Norway will donate air defence systems to Ukraine, the minister said today.</p></body></html>",
        encoding="utf-8",
    )
    r = read_release_file(p)
    assert "alert" not in r.text and "Norway will donate" in r.text and "<p>" not in r.text


@pytest.mark.parametrize(
    "value, code", [("fra", "fr"), ("FR", "fr"), ("nl-BE", "nl"), ("dan", "da"), ("French", None)]
)
def test_header_language_codes(value, code):
    r = parse_release_bytes(f"language: {value}\n---\n12345\n".encode(), "a.txt", "text/plain")
    assert r.language == code
