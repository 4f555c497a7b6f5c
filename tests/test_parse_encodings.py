"""Issue 3: encodings, binary, empty and oversize files; arbitrary bytes never crash the reader."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.parse import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    ReleaseError,
    decode_bytes,
    parse_release_bytes,
    read_release_file,
)
from etl.types import ReleaseText

FR = "Le ministère a annoncé l’aide — 200 véhicules blindés pour l’Ukraine, « dès février ». Les États-Unis et le Danemark."
DA = "Danmark har underskrevet en hensigtserklæring med Slovakiet, Norge og Tyskland om støtte til Ukraine."


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("utf-8", FR),
        ("latin-1", FR.replace("’", "'").replace("—", "-").replace("«", '"').replace("»", '"')),
        ("latin-1", DA),
        ("cp1252", FR),
        ("cp1252", DA),
    ],
)
def test_single_byte_and_utf8(tmp_path, encoding, text):
    body = f"language: fr\n---\n{text}\n"
    r = read_release_file(write(tmp_path, "r.txt", body.encode(encoding)))
    assert r.text == text


@pytest.mark.parametrize("bom, encoding", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                            (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe\x00\x00", "utf-32-le")])  # fmt: skip
def test_byte_order_marks(tmp_path, bom, encoding):
    body = f"publisher: Forsvarsministeriet\nlanguage: da\n---\n{DA}\n"
    r = read_release_file(write(tmp_path, "r.txt", bom + body.encode(encoding)))
    assert r.publisher == "Forsvarsministeriet" and r.text == DA and r.language == "da"


def test_utf16_without_bom(tmp_path):
    r = read_release_file(write(tmp_path, "r.txt", DA.encode("utf-16-le")))
    assert r.text == DA


def test_truncated_utf8(tmp_path):
    data = FR.encode("utf-8")
    cut = data[: data.index("é".encode()) + 1]  # half of a two-byte character at the end
    r = read_release_file(write(tmp_path, "r.txt", cut))
    assert r.text == FR[: FR.index("é")]
    cut3 = "Les forces armées — ".encode()[:-2]  # two bytes of a three-byte character
    assert decode_bytes(cut3) == "Les forces armées "


def test_stray_byte_in_utf8_keeps_utf8():
    data = (FR * 5).encode("utf-8") + b"\xff" + " é".encode()
    text = decode_bytes(data)
    assert text.startswith(FR) and "\ufffd" in text


def test_windows_newlines_and_controls(tmp_path):
    r = read_release_file(write(tmp_path, "r.txt", b"language: en\r\n---\r\nLine one.\r\nLine\x07 two.\r\n"))
    assert r.text == "Line one.\nLine two." and r.language == "en"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03" * 100,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nstream\n\x00\x9c\xff\x10" * 50,
        bytes(range(1, 32)) * 40,
    ],
)
def test_binary_files(tmp_path, data):
    with pytest.raises(ReleaseError, match="binary file, not a release"):
        read_release_file(write(tmp_path, "r.txt", data))


@pytest.mark.parametrize("data", [b"", b"   \n\t\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_empty_files_are_errors(tmp_path, data):
    with pytest.raises(ReleaseError, match="empty"):
        read_release_file(write(tmp_path, "r.txt", data))


def test_missing_and_folder(tmp_path):
    with pytest.raises(ReleaseError, match="no such file"):
        read_release_file(tmp_path / "nope.txt")
    with pytest.raises(ReleaseError, match="folder"):
        read_release_file(tmp_path)


def test_oversize_file_is_refused_without_reading_it(tmp_path):
    p = tmp_path / "big.txt"
    with p.open("wb") as fh:  # 20 MB + 1 byte of real text
        line = b"The United States announced more aid for Ukraine today. " * 1000 + b"\n"
        while fh.tell() < DEFAULT_MAX_BYTES:
            fh.write(line)
        fh.truncate(DEFAULT_MAX_BYTES + 1)
    assert p.stat().st_size == DEFAULT_MAX_BYTES + 1
    t0 = time.perf_counter()
    with pytest.raises(ReleaseError, match="too large"):
        read_release_file(p)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(ReleaseError, match="too large"):
        parse_release_bytes(b"x" * 101, "u", "text/plain", max_bytes=100)


def test_size_limit_is_configurable(tmp_path, monkeypatch):
    p = write(tmp_path, "r.txt", b"Norway donates. " * 100)
    monkeypatch.setenv(MAX_BYTES_ENV, "1000")
    with pytest.raises(ReleaseError, match=r"limit 1000\)"):
        read_release_file(p)
    assert read_release_file(p, max_bytes=10_000).text.startswith("Norway donates.")
    monkeypatch.setenv(MAX_BYTES_ENV, "not a number")
    assert read_release_file(p).text.startswith("Norway donates.")


@pytest.mark.slow
def test_huge_single_line_is_linear(tmp_path):
    """A 10 MB release on one line (no newline, no header) reads in well under a few seconds."""
    sentence = (
        "Le Danemark a annoncé qu’il allait livrer des véhicules blindés à l’Ukraine le 21 avril 2023. "
    )
    data = (sentence * (10_000_000 // len(sentence))).encode()
    t0 = time.perf_counter()
    r = read_release_file(write(tmp_path, "huge.txt", data))
    elapsed = time.perf_counter() - t0
    assert len(r.text) > 9_000_000 and r.language == "fr"
    assert elapsed < 5, elapsed


def test_large_single_line_quickly():
    data = ("a:" * 500_000 + " The Netherlands donated 3 March 2022").encode()
    t0 = time.perf_counter()
    r = parse_release_bytes(data, "u", None)
    assert time.perf_counter() - t0 < 3
    assert r.text.endswith("3 March 2022")


def test_error_messages_are_one_line(tmp_path):
    for data in (b"\x00" * 10, b""):
        with pytest.raises(ReleaseError) as info:
            read_release_file(write(tmp_path, "r.txt", data))
        assert "\n" not in str(info.value) and str(info.value)
    assert "\n" not in str(ReleaseError("two\nlines"))


# ---------------------------------------------------------------------------------------------
# property tests: whatever the bytes, a ReleaseText or a ReleaseError, nothing else

_TMP = Path(tempfile.mkdtemp(prefix="aidtracker-hyp-"))
atexit.register(shutil.rmtree, _TMP, True)

html_bits = st.sampled_from(
    [b"<html>", b"<body>", b"<p>", b"</p>", b"<script>", b"</script>", b"<!--", b"-->", b"<?xml ", b"?>",
     b"<meta charset=", b"utf-16", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xe9", b"\xc3", b"---\n",
     b"language: fr\n", b"published: 2023-02-30\n", b"<div class='cookie'>", b"&#0;", b"&#xD800;", b"]]>",
     b"Canada donates 200 vehicles. ", b"\n", b"\r"]
)  # fmt: skip
structured = st.lists(st.one_of(html_bits, st.binary(max_size=20)), max_size=40).map(b"".join)


def _check(data: bytes, suffix: str) -> None:
    path = _TMP / f"h{os.getpid()}{suffix}"
    path.write_bytes(data)
    try:
        r = read_release_file(path)
    except ReleaseError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(r, ReleaseText) and isinstance(r.text, str) and r.text.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".txt", ".html", ".md", ".bin"]))
def test_arbitrary_bytes(data, suffix):
    _check(data, suffix)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=structured, suffix=st.sampled_from([".txt", ".html", ".htm", ".xyz"]))
def test_html_like_bytes(data, suffix):
    _check(data, suffix)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=500),
    content_type=st.sampled_from([None, "text/html", "text/plain; charset=latin-1"]),
)
def test_arbitrary_text(text, content_type):
    try:
        r = parse_release_bytes(text.encode("utf-8", "surrogatepass"), "u", content_type)
    except ReleaseError as exc:
        assert "\n" not in str(exc)
    else:
        assert r.text.strip()


def test_valid_utf8_wins_over_a_misdeclared_charset():
    data = f"<html><body><p>{FR}</p></body></html>".encode()
    r = parse_release_bytes(data, "u", "text/html; charset=iso-8859-1")
    assert FR in r.text


def test_declared_charset_used_when_bytes_are_not_utf8():
    data = f"<html><head><meta charset='iso-8859-15'></head><body><p>{DA} Pris: 5 €.</p></body></html>"
    r = parse_release_bytes(data.encode("iso-8859-15"), "u", None)
    assert DA in r.text and "5 €" in r.text
    assert decode_bytes("Coût: 10 €".encode("cp1252"), "windows-1252") == "Coût: 10 €"
    assert decode_bytes("Coût: 10".encode("latin-1"), "no-such-charset") == "Coût: 10"


def test_devices_and_pipes(tmp_path):
    with pytest.raises(ReleaseError, match="not a regular file"):
        read_release_file("/dev/zero")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    import threading

    def feed():
        with open(fifo, "wb") as fh:
            fh.write(b"Norway donates air defence systems to Ukraine.")

    t = threading.Thread(target=feed)
    t.start()
    assert read_release_file(fifo).text == "Norway donates air defence systems to Ukraine."
    t.join(5)
