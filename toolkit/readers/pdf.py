"""PDF reports (``.pdf``, pypdfium2): the text layer, page by page.

The pages' texts are joined with ``"\n"`` and ``RawReport.pages`` holds the line each page starts on.
Nothing is taken out of the text (the line numbers must stay valid): the page chrome is marked in
``RawReport.chrome`` for the cleaner to remove and record:

* ``running_header`` / ``running_footer``: a line among the first (last) three of a page that repeats,
  digits aside (第3期, 2024年), on at least half the pages besides the first, in a PDF of at least
  three pages; the first page's own head is left alone (it is usually the title);
* ``page_number``: a page number at the top or bottom of a page (after any running header or footer):
  ``— 3 —``, ``- 3 -``, ``3``, ``3/20``, ``第3页``, ``第 3 页 共 20 页``, ``Page 3``.

A PDF without a text layer (a scan), an encrypted one and a broken one are :class:`FormatError`\\ s that
say what to do. A page whose text layer is garbled (a broken font map: ``ϮϬϮϯ`` for 2023, private-use or
rare characters; :func:`toolkit.readers.check.is_garbled`) is left out, its lines kept empty, and noted;
a PDF most of whose pages are garbled is refused.
"""
from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections import Counter

from ..errors import FormatError, UndecodableReportError
from . import RawReport, ReadOptions, Source
from .check import common_share, is_garbled, judge, snippet

#: A PDF with fewer non-space characters than this per page, on average, has no text layer (a scan).
MIN_CHARACTERS_PER_PAGE = 20
#: How many lines at the top and bottom of a page are looked at for running headers and footers.
EDGE_LINES = 3
#: A running header or footer is short.
MAX_CHROME_LENGTH = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_DASH = r"[-—–－―~～]"
_PAGE_NUMBER = re.compile(
    rf"{_DASH}*\s*(?P<n>\d{{1,4}})\s*{_DASH}*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?")
#: PDFium's error codes (FPDF_GetLastError).
_ERR_PASSWORD, _ERR_SECURITY = 4, 5
_PDFIUM_REASON = re.compile(r"\(PDFium: (.*?)\)\.?$")


def _reason(error: Exception) -> str:
    text = str(error)
    found = _PDFIUM_REASON.search(text)
    return found.group(1) if found else text


def _open(data: bytes, source: Source):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code == _ERR_PASSWORD:
            raise FormatError(source, "encrypted PDF: it needs a password to open; save an unprotected copy "
                                      "first (e.g. qpdf --decrypt --password=PASSWORD IN.pdf OUT.pdf)") from None
        if code == _ERR_SECURITY:
            raise FormatError(source, f"encrypted PDF: its security handler is not supported ({_reason(error)}); "
                                      f"save an unprotected copy first") from None
        raise FormatError(source, f"not a readable PDF: {_reason(error)}") from None


_OBJECT = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_STREAM_START = re.compile(rb"stream\r?\n")
#: Streams whose damage does not touch the text: images, XMP metadata, cross-reference streams (PDFium
#: rebuilds those), embedded files, ICC colour profiles.
_NOT_TEXT = re.compile(rb"/Subtype\s*/Image|/Type\s*/(?:Metadata|XRef|EmbeddedFile)|/Alternate\b")
_FLATE_FIRST = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode")


def damaged_streams(data: bytes) -> list[int]:
    """The object numbers of the compressed (FlateDecode) streams a text can depend on (page contents,
    fonts and their Unicode maps, object streams, forms) that do not decompress to their end: a byte
    flipped or a file cut short. PDFium reads around such a stream without a word, and the characters
    whose glyphs or maps were in it are silently missing from the text layer."""
    damaged = []
    objects = list(_OBJECT.finditer(data))
    for i, found in enumerate(objects):
        end = objects[i + 1].start() if i + 1 < len(objects) else len(data)
        start = _STREAM_START.search(data, found.end(), end)
        if start is None:
            continue
        dictionary = data[found.end():start.start()]
        if not _FLATE_FIRST.search(dictionary) or _NOT_TEXT.search(dictionary):
            continue
        stop = data.rfind(b"endstream", start.end(), end)
        decompressor = zlib.decompressobj()
        body = data[start.end():stop if stop >= 0 else end]
        try:
            while body and not decompressor.eof:
                decompressor.decompress(body, 1 << 20)  # bounded output, thrown away
                body = decompressor.unconsumed_tail
        except zlib.error:
            damaged.append(int(found.group(1)))
            continue
        if not decompressor.eof:
            damaged.append(int(found.group(1)))
    return damaged


def page_texts(data: bytes, source: Source) -> tuple[list[str], dict]:
    """The text layer of every page (line ends ``"\n"``, control characters dropped), and the document's
    metadata (Title, CreationDate …). Raises :class:`FormatError` for an encrypted or broken PDF."""
    document = _open(data, source)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
            texts.append(_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
        metadata = document.get_metadata_dict(skip_empty=True)
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - a page PDFium cannot load
        raise FormatError(source, f"not a readable PDF: {_reason(error)}") from error
    finally:
        document.close()
    return texts, metadata


def _key(line: str) -> str:
    """A line as a running header or footer repeats: digits aside, spaces aside."""
    return re.sub(r"\s+", "", re.sub(r"\d+", "#", line))


def _is_page_number(line: str, pages: int) -> bool:
    found = _PAGE_NUMBER.fullmatch(line)
    if not found:
        return False
    bare = found.group("n")
    return bare is None or line.strip() != bare or 0 < int(bare) <= pages + 20  # a bare number: a page's


def find_chrome(pages: list[list[tuple[int, str]]]) -> dict[int, str]:
    """``{line number: rule}`` for the running headers and footers and the page numbers of pages given
    as their non-blank ``(line number, stripped line)``."""
    n = len(pages)
    chrome: dict[int, str] = {}
    if n >= 3:
        top, bottom = Counter(), Counter()
        for index, lines in enumerate(pages):
            if index:  # the first page's head is its title, not a running header
                top.update({_key(line) for _, line in lines[:EDGE_LINES] if len(line) <= MAX_CHROME_LENGTH})
            bottom.update({_key(line) for _, line in lines[-EDGE_LINES:] if len(line) <= MAX_CHROME_LENGTH})
        needed = max(2, math.ceil((n - 1) / 2))
        headers = {key for key, count in top.items() if count >= needed and key.strip("#")}
        footers = {key for key, count in bottom.items() if count >= needed and key.strip("#")}
        for index, lines in enumerate(pages):
            head, tail = (lines[:EDGE_LINES] if index else []), lines[-EDGE_LINES:]
            for number, line in tail:
                if _key(line) in footers and not _is_page_number(line, n):
                    chrome[number] = "running_footer"
            for number, line in head:
                if _key(line) in headers and not _is_page_number(line, n):
                    chrome[number] = "running_header"
    for lines in pages:
        for edge in (lines[:EDGE_LINES], lines[::-1][:EDGE_LINES]):  # from the top down, from the bottom up
            for number, line in edge:
                if number in chrome:
                    continue
                if not _is_page_number(line, n):
                    break
                chrome[number] = "page_number"
    return chrome


def _date(value: str) -> str | None:
    """A PDF date (``D:20240208203412+12'34'``) as ``YYYY-MM-DD``."""
    found = re.match(r"(?:D:)?((?:19|20)\d{2})(\d{2})(\d{2})", value.strip())
    if not found or not (1 <= int(found[2]) <= 12 and 1 <= int(found[3]) <= 31):
        return None
    return f"{found[1]}-{found[2]}-{found[3]}"


def read(data: bytes, source: Source, options: ReadOptions) -> list[RawReport]:
    """One report: the pages' text layer, the line each page starts on, the page chrome marked; the
    document's title and creation date as fields where set."""
    texts, metadata = page_texts(data, source)
    if not texts:
        raise FormatError(source, "not a readable PDF: it has no pages")
    if damaged := damaged_streams(data):
        shown = ", ".join(map(str, damaged[:3])) + (f" and {len(damaged) - 3} more" if len(damaged) > 3 else "")
        raise FormatError(source, f"a damaged PDF: {len(damaged)} of its compressed streams (object{'s' if len(damaged) > 1 else ''} "
                                  f"{shown}) do not decompress, so characters would be missing from its text: not read")
    characters = [len(re.sub(r"\s", "", text)) for text in texts]
    if sum(characters) < MIN_CHARACTERS_PER_PAGE * len(texts):
        raise FormatError(source, "no text layer: a scanned PDF needs OCR first")
    # pages are judged one by one in a Chinese text; one too short or in another language is refused whole
    whole = judge("\n".join(texts))
    chinese = whole is None or whole.startswith("garbled")
    garbled = [i for i, text in enumerate(texts)
               if chinese and characters[i] >= MIN_CHARACTERS_PER_PAGE and is_garbled(text)]
    if garbled:
        shown = f"“{snippet(texts[garbled[0]], 16)}”"
        if len(garbled) * 2 > sum(count >= MIN_CHARACTERS_PER_PAGE for count in characters):
            raise UndecodableReportError(source, f"the text layer of {len(garbled)} of {len(texts)} pages is garbled "
                                                 f"({shown}: broken font maps): the PDF needs OCR")
        for i in garbled:  # its lines stay (the page starts where it did), empty
            texts[i] = "\n" * texts[i].count("\n")
    lines: list[str] = []
    starts: list[int] = []
    numbered: list[list[tuple[int, str]]] = []
    for text in texts:
        starts.append(len(lines) + 1)
        page_lines = text.split("\n")
        numbered.append([(len(lines) + i, line.strip()) for i, line in enumerate(page_lines, 1) if line.strip()])
        lines += page_lines
    text = "\n".join(lines)
    notes = []
    if garbled:
        pages = ", ".join(str(i + 1) for i in garbled)
        notes.append(f"page{'s' if len(garbled) > 1 else ''} {pages} of {len(texts)}: the text layer is garbled "
                     f"({shown}: a broken font map), left out; OCR would read {'them' if len(garbled) > 1 else 'it'}")
    blank = [str(i) for i, count in enumerate(characters, 1) if count < MIN_CHARACTERS_PER_PAGE]
    if blank:
        notes.append(f"page{'s' if len(blank) > 1 else ''} {', '.join(blank)} of {len(texts)} "
                     f"{'have' if len(blank) > 1 else 'has'} (almost) no text layer: scanned pages are not read")
    fields = {}
    if metadata.get("Title", "").strip():
        fields["title"] = metadata["Title"].strip()
    if (date := _date(metadata.get("CreationDate", ""))) is not None:
        fields["date"] = date
    share, _ = common_share(text)
    return [RawReport(source=source, text=text, encoding="pdf", confidence=round(share, 4),
                      sha256=hashlib.sha256(data).hexdigest(), fields=fields, chrome=find_chrome(numbered),
                      pages=tuple(starts), notes=tuple(notes))]
