"""Plain-text reports (``.txt``): bytes → text, in the encoding the bytes are in.

A byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise strict UTF-8 is tried, then the legacy
encodings GB18030 and Big5 in the order charset-normalizer ranks them, and the first decoding that
reads as Chinese prose wins: GB18030 decodes almost any bytes, so "it decodes" proves nothing, while
garbled text reads as rare characters (:func:`common_share`). A text file that holds HTML (a page
saved as .txt) is read as its visible text.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from html.parser import HTMLParser
from typing import NamedTuple

from ..errors import BinaryReportError, EmptyReportError, UndecodableReportError
from . import RawReport, ReadOptions, Source


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")  # C0 controls except \t \n \v \f \r
_MAX_CONTROL_SHARE = 0.001
#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
#: What a file that is not text starts with, and what it is (a document in another format named .txt).
_MAGIC = ((b"%PDF-", "a PDF document, not text: name it .pdf to read it"),
          (b"PK\x03\x04", "a zip archive (or a .docx/.xlsx, which are zip archives), not text: give it its own suffix "
                         "(.zip, .docx, .xlsx) to read it"),
          (b"PK\x05\x06", "an empty zip archive, not text"),
          (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office document (.doc/.wps/.xls), not text: convert it "
                                               "to .docx first, e.g. soffice --headless --convert-to docx FILE"),
          (b"{\\rtf", "an RTF document, not text"), (b"\x1f\x8b", "a gzip archive, not text"),
          (b"Rar!", "a RAR archive, not text"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive, not text"),
          (b"\x89PNG", "a PNG image, not text"), (b"\xff\xd8\xff", "a JPEG image, not text"),
          (b"GIF8", "a GIF image, not text"))
#: The legacy Chinese encodings a file that is not UTF-8 may be in, as charset-normalizer names them.
LEGACY_ENCODINGS = ("gb18030", "big5")
#: A text is refused as garbled when fewer than this share of its Chinese characters are common ones.
MIN_COMMON_SHARE = 0.9
#: ... judged only on texts with at least this many Chinese characters (a short text may be all names).
MIN_JUDGED_CHARACTERS = 20
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Decoded(NamedTuple):
    """A report's decoded text, the encoding it was read in, and how plausible the result is as Chinese:
    the share of its Chinese characters that are common ones (see :func:`common_share`)."""

    text: str
    encoding: str
    confidence: float


@lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    """The common Chinese characters, simplified and traditional: GB 2312's level-1 hanzi (its 3,755
    most frequent) and Big5's 常用字 block (5,401 characters), read from Python's own codecs."""
    def block(codec: str, leads: range, trails: Iterable[int]) -> set[str]:
        found = set()
        for lead in leads:
            for trail in trails:
                try:
                    found.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass
        return found

    gb2312_level1 = block("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
    big5_common = {c for c in block("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
                   if c.encode("big5") <= b"\xc6\x7e"}
    return frozenset(gb2312_level1 | big5_common)


def common_share(text: str) -> tuple[float, int]:
    """The share of the Chinese characters of ``text`` that are common ones, and how many there are.

    Real prose, simplified or traditional, scores 0.99 to 1 (the rare characters are in names); Big5
    bytes read as GB18030, or GBK bytes read as Big5, score about 0.5: garbled text reads as rare
    characters."""
    common = common_characters()
    han = _HAN.findall(text)
    if not han:
        return 0.0, 0
    return sum(c in common for c in han) / len(han), len(han)


def _sniff(data: bytes) -> str | None:
    """What a file whose bytes are not text is, by its first bytes (a PDF, a zip archive …)."""
    return next((what for magic, what in _MAGIC if data.startswith(magic)), None)


def _plausible(text: str) -> bool:
    share, han = common_share(text)
    return han > 0 and (han < MIN_JUDGED_CHARACTERS or share >= MIN_COMMON_SHARE)


def decode(data: bytes, path) -> Decoded:
    """Decode a report's bytes; return :class:`Decoded` ``(text, encoding, confidence)``.

    A byte-order mark decides (UTF-8, UTF-16 or UTF-32, each recorded with its mark: ``utf-8-sig``,
    ``utf-16-le`` …). Otherwise strict UTF-8 is tried, then the legacy encodings GB18030 and Big5 in
    the order charset-normalizer ranks them; the first decoding that reads as Chinese prose wins (see
    :func:`common_share`). Raises :class:`EmptyReportError`, :class:`BinaryReportError` (another
    format's file, a NUL byte, or more than 1 in 1000 bytes a control character) or
    :class:`UndecodableReportError` (no encoding decodes it, or none gives Chinese prose).
    """
    if not data.strip():
        raise EmptyReportError(path, "empty file" if not data else "only whitespace")
    if what := _sniff(data):
        raise BinaryReportError(path, what)
    bom = next(((mark, encoding) for mark, encoding in _BOMS if data.startswith(mark)), None)
    if bom is None:
        if b"\x00" in data:
            raise BinaryReportError(path, f"NUL byte at offset {data.index(0)}: not text")
        controls = len(_CONTROL_BYTES.findall(data))
        if controls > _MAX_CONTROL_SHARE * len(data):
            raise BinaryReportError(path, f"{controls} control characters in {len(data)} bytes: not text")
    candidates = [bom[1]] if bom else ["utf-8", *_ranked_legacy(data)]
    decoded = []
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if bom and encoding != "utf-8-sig":
            text = text.removeprefix("\ufeff")
        if not text.strip():
            raise EmptyReportError(path, "only whitespace")
        if _HAN.search(text) is None and (bom or encoding == "utf-8"):
            raise UndecodableReportError(path, f"no Chinese characters in {encoding} text: not a Chinese report")
        share, _ = common_share(text)
        if _plausible(text):
            return Decoded(text, encoding, round(share, 4))
        decoded.append((encoding, share))
    if bom and not decoded:
        raise UndecodableReportError(path, f"{bom[1].upper().removesuffix('-SIG')} byte-order mark but not "
                                           f"{bom[1].upper().removesuffix('-SIG').rsplit('-', 1)[0]} text")
    if not decoded:
        raise UndecodableReportError(path, "neither UTF-8, GB18030 nor Big5 throughout: a damaged file, or one that mixes encodings")
    tried = ", ".join(f"{encoding} {share:.0%}" for encoding, share in decoded)
    raise UndecodableReportError(
        path, f"garbled in every encoding tried: too few common Chinese characters ({tried}; "
              f"Chinese prose has at least {MIN_COMMON_SHARE:.0%}): a wrong or mixed encoding")


def _ranked_legacy(data: bytes) -> list[str]:
    """GB18030 and Big5, most likely first, as charset-normalizer ranks them for these bytes."""
    from charset_normalizer import from_bytes

    ranked = [match.encoding for match in from_bytes(data[:200_000], cp_isolation=list(LEGACY_ENCODINGS))]
    return [e for e in ranked if e in LEGACY_ENCODINGS] + [e for e in LEGACY_ENCODINGS if e not in ranked]


_HTML_TAG = re.compile(
    r"<\s*/?\s*(?:html|head|body|meta|title|p|br|div|span|table|tbody|thead|tr|td|th|h[1-6]|ul|ol|li|a|b|i|u|em"
    r"|strong|font|section|article|header|footer|nav|img|script|style|center|blockquote|pre|hr|sub|sup)"
    r"(?:\s[^<>]{0,2000})?/?>|<!doctype\s+html", re.IGNORECASE)
#: Tags that end a line of text; a table cell ends with a tab.
_BLOCK_TAGS = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "h1",
               "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "nav", "ol", "p", "pre", "section", "table",
               "title", "tr", "ul", "center"}
_HIDDEN_TAGS = {"script", "style", "noscript", "template"}


class _VisibleText(HTMLParser):
    """The visible text of an HTML document or fragment, one block per line (standard library parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_startendtag(self, tag, attrs):
        self.tags += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.tags += 1
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def is_markup(text: str) -> bool:
    """True when a text file holds HTML: a doctype, or at least two HTML tags."""
    found = 0
    for _ in _HTML_TAG.finditer(text):
        found += 1
        if found >= 2:
            return True
    return False


def strip_markup(text: str) -> tuple[str, int]:
    """The visible text of HTML (a page saved as .txt, or paragraphs in ``<p>`` tags): blocks on lines
    of their own, table cells separated by tabs, scripts and styles dropped, entities resolved.
    Returns the text and the number of tags removed."""
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts), parser.tags



def read(data: bytes, source: Source, options: ReadOptions) -> list[RawReport]:
    """One report: the decoded text (HTML markup, if any, reduced to its visible text)."""
    text, encoding, confidence = decode(data, source)
    notes = []
    if is_markup(text):
        text, tags = strip_markup(text)
        notes.append(f"HTML markup removed ({tags} tags)")
    return [RawReport(source=source, text=text, encoding=encoding, confidence=confidence,
                      sha256=hashlib.sha256(data).hexdigest(), notes=tuple(notes))]
