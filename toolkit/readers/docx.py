"""Word reports (``.docx``, python-docx): the body's paragraphs and tables in the order they stand.

A table is kept where it stands among the paragraphs, one line per row, its cells joined by a tab (a
cell's own line breaks become spaces; a merged cell is written once). Headers and footers are page
chrome: left out of the text and recorded in ``RawReport.removed`` as ``("docx_header", text)`` and
``("docx_footer", text)``. The core properties' title and creation date become the fields ``title``
and ``date`` (``YYYY-MM-DD``) where they are set.
"""
from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from ..errors import EmptyReportError, FormatError
from . import RawReport, ReadOptions, Source
from .txt import common_share

#: What an old binary Office file (or a password-protected .docx, which is one) starts with.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A creation date before this year is a template's or a broken clock's, not the report's.
_EARLIEST_YEAR = 1980


#: Elements whose content is not the document's visible text: properties, deleted or moved-away text
#: (``w:del``, ``w:moveFrom``), a content control's settings, and the fallback branch of alternate content
#: (``mc:Fallback`` repeats ``mc:Choice`` in an older form: one branch is read, never both).
_HIDDEN = {"w:pPr", "w:rPr", "w:sdtPr", "w:sdtEndPr", "w:del", "w:moveFrom", "w:customXmlPr", "w:smartTagPr",
           "w:fldData", "mc:Fallback"}
_MATH = {"m:oMath", "m:oMathPara"}


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"


@lru_cache(maxsize=1)
def _tags() -> tuple[str, str, frozenset[str], frozenset[str], str, str, str, str]:
    def clark(name: str) -> str:
        prefix, local = name.split(":")
        return {"w": _W, "mc": _MC, "m": _M}[prefix] + local

    return (clark("w:r"), clark("w:p"), frozenset(map(clark, _HIDDEN)), frozenset(map(clark, _MATH)),
            clark("m:t"), clark("w:txbxContent"), clark("mc:Fallback"), clark("w:tbl"))


def _paragraph_lines(p, parent) -> list[str]:
    """A paragraph's lines: its visible text in document order (runs inside hyperlinks, tracked insertions
    ``w:ins`` and moves ``w:moveTo``, smart tags, simple fields ``w:fldSimple``, inline content controls
    ``w:sdt``, custom XML; equations as their characters; deleted text left out), a manual line break
    ending a line; then the lines of any text box anchored in it, each once."""
    run, _, hidden, math, math_text, _, _, _ = _tags()
    parts: list[str] = []
    boxes: list = []

    def walk(element) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in hidden:
                continue
            if tag == run:
                parts.append(child.text)
                boxes.extend(_text_boxes(child))
            elif tag in math:
                parts.append("".join(t.text or "" for t in child.iter(math_text)))
            else:
                walk(child)

    walk(p)
    lines = "".join(parts).split("\n")  # a manual line break (w:br) is a line end
    for box in boxes:
        lines += _lines(box, parent)
    return lines


def _text_boxes(run) -> list:
    """The text boxes (``w:txbxContent``) drawn in a run, outermost only (a box inside a box is read with
    it), none from the fallback branch of alternate content."""
    _, _, _, _, _, box, fallback, _ = _tags()
    found = []
    for element in run.iter(box):
        ancestor, inside = element.getparent(), False
        while ancestor is not None and ancestor is not run:
            if ancestor.tag in (box, fallback):
                inside = True
                break
            ancestor = ancestor.getparent()
        if not inside:
            found.append(element)
    return found


def _cell_text(cell) -> str:
    """A table cell's text on one line: its paragraphs' (and nested tables') lines joined by spaces."""
    return " ".join(line.strip() for line in _lines(cell._tc, cell) if line.strip())


def _table_lines(table) -> list[str]:
    """One line per row, the cells joined by a tab; a cell merged across columns is written once."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a horizontally merged cell appears once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _blocks(container, parent):
    """The paragraphs and tables of a body (or header, footer, cell, text box) element in document order,
    those inside content controls (``w:sdt``, which ``iter_inner_content`` passes over) and custom XML
    included."""
    from docx.oxml.ns import qn
    from docx.table import Table

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield child
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, parent)
        elif child.tag == qn("w:customXml"):
            yield from _blocks(child, parent)


def _lines(container, parent) -> list[str]:
    """The lines of the paragraphs and table rows of a body, header, footer, cell or text box, in the
    order they stand."""
    lines: list[str] = []
    for block in _blocks(container, parent):
        if hasattr(block, "rows"):
            lines += _table_lines(block)
        else:
            lines += _paragraph_lines(block, parent)
    return lines


def _chrome(document) -> list[tuple[str, str]]:
    """The text of every header and footer (first-page and even-page ones too), each line once."""
    found: list[tuple[str, str]] = []
    for section in document.sections:
        for rule, parts in (("docx_header", (section.header, section.first_page_header, section.even_page_header)),
                            ("docx_footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            for part in parts:
                if part.is_linked_to_previous:  # no definition of its own: the previous section's, already seen
                    continue
                for text in _lines(part._element, part):
                    if text.strip() and (rule, text.strip()) not in found:
                        found.append((rule, text.strip()))
    return found


def _fields(document) -> dict:
    properties = document.core_properties
    fields = {}
    if properties.title and properties.title.strip():
        fields["title"] = properties.title.strip()
    created = properties.created
    if created is not None and created.year >= _EARLIEST_YEAR:
        fields["date"] = created.date().isoformat()
    return fields


def read(data: bytes, source: Source, options: ReadOptions) -> list[RawReport]:
    """One report: the body's text, headers and footers recorded as removed, title and date as fields.
    Raises :class:`FormatError` for a file python-docx cannot open (a damaged or renamed file)."""
    from docx import Document

    from .archive import check_package

    if data.startswith(_OLE_MAGIC):
        raise FormatError(source, "not a readable Word file: an old binary .doc (or a password-protected .docx) "
                                  "inside: convert it to .docx first, e.g. soffice --headless --convert-to docx FILE")
    check_package(data, source, options, "Word file", options.max_bytes)
    try:
        document = Document(io.BytesIO(data))
        lines = _lines(document.element.body, document._body)
        removed = _chrome(document)
        fields = _fields(document)
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml errors …
        raise FormatError(source, f"not a readable Word file: {_reason(error)}") from error
    text = "\n".join(lines)
    if not text.strip():
        raise EmptyReportError(source, "no text in the Word file's body")
    share, _ = common_share(text)
    return [RawReport(source=source, text=text, encoding="docx", confidence=round(share, 4),
                      sha256=hashlib.sha256(data).hexdigest(), fields=fields, removed=tuple(removed))]


def _reason(error: Exception) -> str:
    """An exception as the reason of a message: its text, or its type where the text says nothing."""
    from docx.opc.exceptions import PackageNotFoundError

    if isinstance(error, PackageNotFoundError):
        return "not a zip package (a .docx is one)"
    if isinstance(error, KeyError):
        return f"a part is missing: {error}"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
