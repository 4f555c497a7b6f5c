"""Bytes to text: byte-order marks, declared and detected charsets, what is not text; normalisation."""
from __future__ import annotations

import codecs
import re
import unicodedata


class ReleaseError(ValueError):
    """A release that cannot be read; the message is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split())[:300])


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
