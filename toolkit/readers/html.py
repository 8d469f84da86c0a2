"""Web pages (``.html``, ``.htm``, trafilatura): the page's main text, without the site around it.

The bytes are decoded in the charset the page declares (``<meta charset>``, GB2312/GBK read as their
superset GB18030) where that gives Chinese prose, else as a .txt file is (see
:func:`toolkit.readers.txt.decode`). trafilatura finds the main text (navigation, breadcrumbs, share
widgets, related links and the footer left out); its paragraphs, headings and list items become lines
and a data table one line per row, cells joined by a tab. Where it finds nothing, or much less than the
page shows (under :data:`MIN_MAIN_SHARE` of the visible Chinese characters), the whole visible text is
used instead and the cleaner's chrome rules do what they can; a note says which.

The fields ``title`` and ``date`` come from the page's own metadata only (``<meta name="ArticleTitle">``
and ``PubDate`` of a Chinese government site, Open Graph, Dublin Core, JSON-LD, ``<title>``), never
guessed from the body: a "发布时间" in the text is the web publication time, not the report's.
"""
from __future__ import annotations

import codecs
import copy
import hashlib
import re

from ..errors import EmptyReportError, FormatError
from . import RawReport, ReadOptions, Source
from .check import MIN_JUDGED_CHARACTERS, analyse, reason
from .txt import common_share, decode_with_notes, strip_markup

#: trafilatura's main text must hold at least this share of the visible text's Chinese characters.
MIN_MAIN_SHARE = 0.3
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
#: Charsets whose superset is read instead.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs", "big5hkscs": "big5hkscs"}
_BLOCKS = {"p", "head", "list", "item", "table", "row", "cell", "quote", "code", "div", "main", "doc", "graphic"}
_HEAD = re.compile(r"<head[\s>].*?</head\s*>", re.IGNORECASE | re.DOTALL)
_OPENED, _CLOSED = re.compile(r"<html[\s>]", re.IGNORECASE), re.compile(r"</html\s*>", re.IGNORECASE)
_TITLE_SEPARATOR = re.compile(r"\s*[_|｜]\s*|\s+[-—–]\s+")


# --------------------------------------------------------------------------- decoding

def _declared(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta charset>``, ``<meta http-equiv>``, an XHTML
    page's XML declaration), as Python names it (a superset where there is one)."""
    found = _META_CHARSET.search(data[:4096]) or _XML_ENCODING.search(data[:4096])
    if not found:
        return None
    try:
        name = codecs.lookup(found.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return _SUPERSETS.get(name.replace("_", "-").replace("cp936", "gbk"), name)


def decode_page(data: bytes, source: Source) -> tuple[str, str, float]:
    """A page's text, the charset it was read in, and how plausible it is as Chinese (see
    :func:`toolkit.readers.txt.common_share`). A byte-order mark decides, then the declared charset if
    the page decodes in it as Chinese prose (pages declare the wrong one often enough), then the
    detection of :func:`toolkit.readers.txt.decode`. A page whose declared charset (or, declaring none,
    UTF-8) decodes it with too little Chinese to judge is read in that charset: whether its visible text
    is a report is judged after the markup is gone."""
    declared = _declared(data)
    for charset in ([] if data.startswith(_BOMS) else [declared or "utf-8"]):
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            continue
        found, bad = analyse(text)
        if not bad and (found.han < MIN_JUDGED_CHARACTERS or reason(found, prose=False) is None):
            return text, charset, round(common_share(text)[0], 4)
    (text, encoding, confidence), _ = decode_with_notes(data, source, short=True)
    return text, encoding, confidence


# --------------------------------------------------------------------------- main text

def _inline(element) -> str:
    """The text of an inline element (``hi``, ``ref`` …), a line break as ``"\n"``."""
    if element.tag == "lb":
        return "\n"
    return (element.text or "") + "".join(_inline(child) + (child.tail or "") for child in element)


def _flush(parts: list[str], lines: list[str]) -> None:
    lines += [line.strip() for line in "".join(parts).split("\n") if line.strip()]
    parts.clear()


def _container(element, lines: list[str]) -> None:
    """A block (paragraph, heading, list item, layout cell …): its own text as lines, its blocks in order."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in _BLOCKS:
            _flush(parts, lines)
            _block(child, lines)
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    _flush(parts, lines)


def _block(element, lines: list[str]) -> None:
    if element.tag != "table":
        _container(element, lines)
        return
    for row in element:
        cells = [cell for cell in row if cell.tag == "cell"] if row.tag == "row" else []
        if not cells or len(cells) == 1 or any(child.tag in _BLOCKS for cell in cells for child in cell):
            _container(row, lines)  # a layout table: the cells' paragraphs are the text
            continue
        texts = [" ".join(_inline(cell).split()) for cell in cells]
        if any(texts):
            lines.append("\t".join(texts))


def main_text(page: str) -> str | None:
    """trafilatura's main text of a page, one paragraph (heading, list item, table row) per line."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(page, output_format="xml", include_comments=False, include_tables=True,
                              include_images=False, include_links=False, favor_recall=True, deduplicate=False,
                              with_metadata=False)
    if not xml:
        return None
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    lines: list[str] = []
    if main is not None:
        _container(main, lines)
    return "\n".join(lines) or None


# --------------------------------------------------------------------------- metadata

def _meta(tree, *names: str) -> str | None:
    wanted = {name.lower() for name in names}
    for element in tree.iterfind(".//meta[@content]"):
        name = (element.get("name") or element.get("property") or "").lower()
        if name in wanted and element.get("content", "").strip():
            return element.get("content").strip()
    return None


def page_fields(page: str) -> dict:
    """``title`` and ``date`` (``YYYY-MM-DD``) from the page's own metadata: trafilatura's reading of the
    ``<head>`` alone (so that neither is guessed from the body), after the ``ArticleTitle`` and ``PubDate``
    of the Chinese government sites' metadata standard."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return {}
    head = tree.find("head")
    if head is None:
        return {}
    alone = lxml.html.Element("html")
    alone.append(copy.deepcopy(head))
    alone.append(lxml.html.Element("body"))
    for script in tree.iterfind(".//body//script[@type='application/ld+json']"):  # JSON-LD is metadata too
        alone[0].append(copy.deepcopy(script))
    metadata = trafilatura.extract_metadata(alone, extensive=False)
    fields = {}
    title = _meta(tree, "ArticleTitle") or metadata.title
    if title:
        first = _TITLE_SEPARATOR.split(title.strip())[0]  # "报告标题_某某市人民政府" → "报告标题"
        fields["title"] = first if len(first) >= 4 else title.strip()
    published = _meta(tree, "PubDate", "publishdate", "firstpublishedtime")
    date = None
    if published and (found := re.match(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})", published)):
        date = f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}"
    date = date or metadata.date
    if date:
        fields["date"] = date
    return fields


# --------------------------------------------------------------------------- reading

def _han(text: str) -> int:
    return len(_HAN.findall(text))


def read(data: bytes, source: Source, options: ReadOptions) -> list[RawReport]:
    """One report: the page's main text (or its whole visible text), title and date as fields."""
    import trafilatura

    page, encoding, confidence = decode_page(data, source)
    page = _XML_DECLARATION.sub("", page, count=1)  # lxml refuses a str that declares its encoding
    visible, _ = strip_markup(_HEAD.sub("", page, count=1))  # the <title> is metadata, not text on the page
    try:
        main = main_text(page)
        fields = page_fields(page)
    except Exception as error:  # noqa: BLE001 - lxml and trafilatura raise many kinds on broken markup
        raise FormatError(source, f"not a readable web page: {type(error).__name__}: {error}") from error
    extractor = f"main text found by trafilatura {trafilatura.__version__}"
    if main and _han(main) >= MIN_MAIN_SHARE * _han(visible):
        text, notes = main, (extractor,)
    elif main:
        text, notes = visible, (f"trafilatura found little main text ({_han(main) / _han(visible):.0%} of the page's "
                                f"Chinese characters): the whole visible text is used",)
    else:
        text, notes = visible, ("trafilatura found no main text: the whole visible text is used",)
    if not text.strip():
        raise EmptyReportError(source, "no visible text in the page (does it load its text with JavaScript?)")
    if _OPENED.search(page[:4096]) and not _CLOSED.search(page[-65536:]):
        notes = (*notes, "the page ends before its </html>: cut short? its text may be incomplete")
    return [RawReport(source=source, text=text, encoding=f"html:{encoding}", confidence=confidence,
                      sha256=hashlib.sha256(data).hexdigest(), fields=fields, notes=notes)]
