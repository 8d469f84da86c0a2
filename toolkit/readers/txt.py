"""Plain-text reports (``.txt``): bytes → text, in the encoding the bytes are in.

A byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise strict UTF-8 is tried, then the legacy
encodings GB18030 and Big5 in the order charset-normalizer ranks them, and the first decoding that
reads as Chinese prose, as a whole and line by line, wins (:mod:`toolkit.readers.check`, the one text
check of every format): GB18030 decodes almost any bytes, so "it decodes" proves nothing, while garbled
text reads as rare or foreign characters, and another language read as Chinese lacks the most frequent
ones. A file that no encoding reads throughout is read line by line, each line in its own encoding, or
refused naming the first line none reads; UTF-16 and UTF-32 without a byte-order mark are read when
their bytes make it certain; a text with too few Chinese characters to judge is refused ("too short to
tell its encoding, or not Chinese"). A text file that holds HTML (a page saved as .txt) is read as its
visible text.
"""
from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from typing import NamedTuple

from ..errors import BinaryReportError, EmptyReportError, UndecodableReportError
from . import RawReport, ReadOptions, Source
from .check import (MIN_COMMON_SHARE, MIN_JUDGED_CHARACTERS, Counts, analyse, common_characters,  # noqa: F401
                    common_share, counts, is_garbled, reason, snippet, too_short)


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")  # C0 controls except \t \n \v \f \r
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
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
#: A line read in another encoding than the rest of its file must hold this many Chinese characters:
#: on fewer, which encoding is right cannot be told.
MIN_LINE_CHARACTERS = 4
class Decoded(NamedTuple):
    """A report's decoded text, the encoding it was read in, and how plausible the result is as Chinese:
    the share of its Chinese characters that are common ones (see :func:`common_share`)."""

    text: str
    encoding: str
    confidence: float


def _sniff(data: bytes) -> str | None:
    """What a file whose bytes are not text is, by its first bytes (a PDF, a zip archive …)."""
    return next((what for magic, what in _MAGIC if data.startswith(magic)), None)


def decode(data: bytes, path) -> Decoded:
    """Decode a report's bytes; return :class:`Decoded` ``(text, encoding, confidence)``.

    A byte-order mark decides (UTF-8, UTF-16 or UTF-32, each recorded with its mark: ``utf-8-sig``,
    ``utf-16-le`` …). Otherwise strict UTF-8 is tried, then the legacy encodings GB18030 and Big5 in
    the order charset-normalizer ranks them; the first decoding that reads as Chinese prose, as a whole
    and line by line, wins (see :func:`toolkit.readers.check.judge`). A file none reads as a whole is
    read line by line, each line in the encoding that reads it as Chinese (``gb18030+big5``: a file
    pasted together from two sources). UTF-16 or UTF-32 without a byte-order mark is read when its NUL
    bytes sit where that encoding puts them and it reads as Chinese prose. Raises
    :class:`EmptyReportError`, :class:`BinaryReportError` (another format's file, a NUL byte, or more
    than 1 in 1000 bytes a control character) or :class:`UndecodableReportError` (no encoding decodes
    it, none gives Chinese prose, a line that no encoding reads, or too few Chinese characters to tell).
    """
    return decode_with_notes(data, path)[0]


def decode_with_notes(data: bytes, path, short: bool = False) -> tuple[Decoded, tuple[str, ...]]:
    """:func:`decode`, and what a user should know about how the text was read (a file without a
    byte-order mark read as UTF-16, lines read in another encoding), as notes. ``short``: a text with
    too few Chinese characters to judge is not refused here but read in the first encoding that decodes
    it without a garbled line (a table, whose rows are judged one by one; a web page, whose markup is not
    its text)."""
    if not data.strip():
        raise EmptyReportError(path, "empty file" if not data else "only whitespace")
    if what := _sniff(data):
        raise BinaryReportError(path, what)
    bom = next(((mark, encoding) for mark, encoding in _BOMS if data.startswith(mark)), None)
    if bom is not None:
        return _with_bom(data, path, bom[1], short)
    if b"\x00" in data:
        return _wide_without_bom(data, path)
    controls = len(_CONTROL_BYTES.findall(data))
    if controls > _MAX_CONTROL_SHARE * len(data):
        raise BinaryReportError(path, f"{controls} control characters in {len(data)} bytes: not text")
    tried: list[tuple[str, str, Counts, list[int]]] = []
    encodings = ["utf-8", *_ranked_legacy(data)]
    for encoding in encodings:
        text, cut = _decoded(data, encoding)
        if text is None:
            continue
        if not text.strip():
            raise EmptyReportError(path, "only whitespace")
        found, bad = analyse(text)
        refused = reason(found, prose=False)
        if not bad and (refused is None or (short and found.han < MIN_JUDGED_CHARACTERS)):
            notes = (f"the file ends inside a character (cut short?): its last {cut} byte{'s' if cut > 1 else ''} "
                     f"left out",) if cut else ()
            return Decoded(text, encoding, _confidence(found)), notes
        if encoding == "utf-8" and refused is not None and not refused.startswith("garbled"):
            raise UndecodableReportError(path, refused)  # valid UTF-8: its counts are certain
        tried.append((encoding, text, found, bad))
    # too few Chinese characters in any reading (even one that replaces what does not decode) to judge
    if tried and (han := max(found.han for _, _, found, _ in tried)) < MIN_JUDGED_CHARACTERS:
        raise UndecodableReportError(path, too_short(han))
    if not tried and max(counts(data.decode(e, errors="replace")).han for e in encodings) < MIN_JUDGED_CHARACTERS:
        raise UndecodableReportError(path, f"neither UTF-8, GB18030 nor Big5: {too_short(0).split(': ', 1)[1]}")
    return _line_by_line(data, path, encodings, tried)


def _confidence(found: Counts) -> float:
    """:func:`common_share` from a text's counts (rounded as a report records it)."""
    return round((found.han - found.rare) / found.han, 4) if found.han else 0.0


def _decoded(data: bytes, encoding: str) -> tuple[str | None, int]:
    """``data`` decoded strictly, and how many bytes of a character cut at its very end were left out (a
    file cut short in the middle of a multi-byte character); None where it does not decode."""
    try:
        return data.decode(encoding), 0
    except UnicodeDecodeError as error:
        if error.end != len(data) or len(data) - error.start > 3 or error.reason not in (
                "unexpected end of data", "incomplete multibyte sequence"):
            return None, 0
        try:
            return data[:error.start].decode(encoding), len(data) - error.start
        except UnicodeDecodeError:
            return None, 0


def _with_bom(data: bytes, path, encoding: str, short: bool = False) -> tuple[Decoded, tuple[str, ...]]:
    name = encoding.upper().removesuffix("-SIG")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UndecodableReportError(path, f"{name} byte-order mark but not {name.rsplit('-', 1)[0]} text") from None
    if encoding != "utf-8-sig":
        text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EmptyReportError(path, "only whitespace")
    found, bad = analyse(text)
    if (refused := reason(found, prose=False)) is not None and not (short and found.han < MIN_JUDGED_CHARACTERS):
        raise UndecodableReportError(path, refused)
    if bad:
        raise UndecodableReportError(path, _garbled_line(text, bad, encoding))
    return Decoded(text, encoding, _confidence(found)), ()


def _garbled_line(text: str, bad: list[int], encoding: str) -> str:
    line = text.split("\n")[bad[0] - 1]
    more = f" (and {len(bad) - 1} other line{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
    name = encoding.upper().removesuffix("-SIG")
    return (f"line {bad[0]}{more} reads as garbled text in {name} (“{snippet(line)}”): a damaged file, or one that "
            f"mixes encodings")


#: The high bytes of the UTF-16 code units of a Chinese text: ASCII (0x00), general punctuation, letterlike
#: symbols, arrows, math, enclosed numbers (0x20-0x27), CJK punctuation (0x30-0x33), CJK ideographs and
#: extension A (0x34-0x9F), compatibility ideographs (0xF9-0xFA), full-width and small forms (0xFE-0xFF).
_CJK_HIGH_BYTES = bytes([0x00, *range(0x20, 0x28), *range(0x30, 0xA0), 0xF9, 0xFA, 0xFE, 0xFF])
#: The encodings without a byte-order mark a file with NUL bytes may be in: code unit width, and the
#: offsets (within a unit) of the byte that must be zero and of the high byte of a BMP character.
_WIDE = (("utf-32-le", 4, (3, 2), 1), ("utf-32-be", 4, (0, 1), 2), ("utf-16-le", 2, (), 1), ("utf-16-be", 2, (), 0))


def _wide_pattern(data: bytes, width: int, zero: tuple[int, ...], high: int) -> bool:
    """True when ``data`` has the byte pattern of Chinese text in this UTF-16/32: the bytes that are
    zero for every character of the basic plane are, and at least 95% of the high bytes of the code
    units are those of ASCII, CJK and their punctuation (:data:`_CJK_HIGH_BYTES`)."""
    if len(data) % width or len(data) < 16 * width or data.count(0) > (0.8 if width == 4 else 0.55) * len(data):
        return False  # too short to tell, or more zeros than text in this encoding has (a sparse file)
    view = memoryview(data)
    if any(view[offset::width].tobytes().strip(b"\x00") for offset in zero):
        return False
    highs = view[high::width].tobytes()
    return len(highs.translate(None, _CJK_HIGH_BYTES)) <= 0.05 * len(highs)


def _wide_without_bom(data: bytes, path) -> tuple[Decoded, tuple[str, ...]]:
    """A file with NUL bytes and no byte-order mark: UTF-32 or UTF-16 when its bytes have the pattern of
    Chinese text in that encoding (:func:`_wide_pattern`) and it reads as Chinese prose; otherwise not
    text, saying what it probably is."""
    likely = None
    for encoding, width, zero, high in _WIDE:
        if not _wide_pattern(data, width, zero, high):
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        found, bad = analyse(text)
        refused = reason(found, prose=False) or (_garbled_line(text, bad, encoding) if bad else None)
        if refused is None and not _CONTROL_TEXT.search(text):
            name = encoding.upper()
            return (Decoded(text, encoding, _confidence(found)),
                    (f"{name} without a byte-order mark: read as {name}, as its NUL bytes and its text show",))
        likely = likely or (encoding, refused or "control characters in it")
    offset = data.index(0)
    if likely is None:
        raise BinaryReportError(path, f"NUL byte at offset {offset}: not text")
    name = likely[0].upper()
    raise BinaryReportError(path, f"NUL byte at offset {offset}: probably {name} text without a byte-order mark "
                                  f"(its NUL bytes sit where {name} puts them), but read so it is not a report: "
                                  f"{likely[1]}")


def _unread(lines: list[bytes], failed: list[int], encodings: list[str], main: int, tried: list) -> str:
    """The reason a file is refused when some of its lines read as Chinese in no encoding."""
    chinese = sum(1 for line in lines if any(b >= 0x80 for b in line))
    if tried and len(failed) * 2 > chinese:  # most lines: the file is garbled, not a line of it
        return _garbled_everywhere(tried)
    number = failed[0]
    more = f" (and {len(failed) - 1} other line{'s' if len(failed) > 2 else ''})" if len(failed) > 1 else ""
    line = lines[number - 1]
    readings = [(e, line.decode(e)) for e in encodings if _decodes(line, e)]
    if not readings:
        return f"line {number}{more}: neither UTF-8, GB18030 nor Big5 (a damaged file, or one that mixes encodings)"
    short = [(e, text) for e, text in readings if not is_garbled(text)]
    if short:
        encoding, text = short[0]
        return (f"line {number}{more} is not {encodings[main].upper()} as the rest is, and too short to tell its "
                f"encoding (“{snippet(text)}” in {encoding.upper()}): a damaged file, or one that mixes encodings")
    tried_names = ", ".join(e.upper() for e in encodings)
    return (f"line {number}{more} reads as garbled text in every encoding tried (“{snippet(readings[0][1])}”, tried "
            f"{tried_names}): a damaged file, or one that mixes encodings")


def _garbled_everywhere(tried: list) -> str:
    if all(found.share >= MIN_COMMON_SHARE for _, _, found, _ in tried):  # common characters, but not prose
        shares = ", ".join(f"{encoding} {found.frequent / max(found.han, 1):.0%}" for encoding, _, found, _ in tried)
        return (f"not Chinese prose in any encoding tried: too few of the most frequent Chinese characters ({shares}; "
                f"Chinese prose has 33% or more): another language read as Chinese, or a wrong encoding")
    shares = ", ".join(f"{encoding} {found.share:.0%}" for encoding, _, found, _ in tried)
    return (f"garbled in every encoding tried: too few common Chinese characters ({shares}; Chinese prose has "
            f"at least {MIN_COMMON_SHARE:.0%}): a wrong or mixed encoding")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _line_by_line(data: bytes, path, encodings: list[str], tried: list) -> tuple[Decoded, tuple[str, ...]]:
    """A file that no encoding reads as Chinese prose throughout, read line by line: each line in the
    encoding most lines read in, else in the first other one that reads it as Chinese (on at least
    :data:`MIN_LINE_CHARACTERS` Chinese characters). Raises naming the first line no encoding reads."""
    lines = data.split(b"\n")
    readings: list[list[str | None]] = []
    for line in lines:
        row = []
        for encoding in encodings:
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError:
                row.append(None)
                continue
            row.append(None if is_garbled(text) else text)
        readings.append(row)
    ranks = sorted(range(len(encodings)), key=lambda i: -sum(row[i] is not None for row in readings))
    main = ranks[0]
    chosen: list[str] = []
    others: dict[str, list[int]] = {}
    failed: list[int] = []
    for number, row in enumerate(readings, 1):
        if row[main] is not None:
            chosen.append(row[main])
            continue
        other = next((i for i in ranks[1:] if row[i] is not None
                      and counts(row[i]).han >= MIN_LINE_CHARACTERS), None)
        if other is None:
            failed.append(number)
            chosen.append("")
            continue
        chosen.append(row[other])
        others.setdefault(encodings[other], []).append(number)
    if failed:
        raise UndecodableReportError(path, _unread(lines, failed, encodings, main, tried))
    text = "\n".join(chosen)
    found = counts(text)
    if found.han < MIN_JUDGED_CHARACTERS:
        raise UndecodableReportError(path, too_short(found.han))
    name = encodings[main]
    if (refused := reason(found, prose=False)) is not None or not others:  # garbled, no line enough to show it
        raise UndecodableReportError(path, _garbled_everywhere(tried) if tried else refused)
    notes = []
    for encoding, numbers in others.items():
        shown = ", ".join(map(str, numbers[:5])) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
        notes.append(f"line{'s' if len(numbers) > 1 else ''} {shown} in {encoding.upper()}, the rest in "
                     f"{name.upper()}: each line read in its own encoding")
    return Decoded(text, "+".join([name, *others]), _confidence(found)), tuple(notes)


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
    (text, encoding, confidence), read_notes = decode_with_notes(data, source)
    notes = list(read_notes)
    if is_markup(text):
        text, tags = strip_markup(text)
        notes.append(f"HTML markup removed ({tags} tags)")
    return [RawReport(source=source, text=text, encoding=encoding, confidence=confidence,
                      sha256=hashlib.sha256(data).hexdigest(), notes=tuple(notes))]
