"""The header a portal crawl or a saved page puts above a report, read into fields.

Researchers collect bureau reports by crawling government portals, and the crawl comes in one of a
family of layouts. Each puts a few labelled fields above the report's text:

1. **A crawl export** (``page.txt``): one ``label: value`` line a field (half- or full-width colon),
   perhaps a crawler's own notes (``页面链接与图片详见 links.tsv(同目录)``, ``本地目录: …``), then a body
   marker (``正文:``, ``==================== 正文 ====================``, ``【正文】``, a rule of ``-`` or
   ``=``) or simply the first line that is not a field::

       标题: 莆田市审计局关于2020年开展法治政府建设工作报告
       发布时间: 2021-01-06 16:34
       文号:
       发布机构: 市审计局
       原始链接: https://www.putian.gov.cn/…
       正文:
       根据《法治政府建设实施纲要……

2. **A saved page's 信息公开 table**, as the page reader gives a table (one row a line, cells joined by
   a tab): ``索 引 号<TAB>PT00125-0300-2020-00005<TAB>文号<TAB>莆市审〔2020〕2号``.
3. **The same table as visible text**, each cell on a line of its own: ``索引号`` / ``PT00106-…`` /
   ``文号`` / ``莆市民宗〔2018〕6号`` … (a page read whole, without its markup).

The header is looked for at the top of the text only (after page chrome such as a breadcrumb), and is
a header only when it holds at least :data:`MIN_FIELDS` fields the family knows. Its lines are left
out of the report's text (recorded as removed, rule ``header``) and its fields become metadata with
provenance ``header``: 标题 → ``title``; 发布机构 / 来源 → ``agency``; 发布时间 / 成文日期 → ``issued``;
文号 → ``doc_number``; 原文链接 → ``url``; the others (索引号, 栏目, 有效性 …) are kept under their
own labels in ``fields``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: A non-blank line of a text, stripped, with its 1-based line number (:mod:`toolkit.corpus` uses it too).
Line = tuple[int, str]

#: Header labels (spaces removed) → the metadata field they give. Labels mapped to None are kept in
#: ``Header.extra`` under their own name.
LABELS: dict[str, str | None] = {
    **dict.fromkeys(("标题", "文章标题", "信息标题", "公文标题", "题目", "文件名称", "信息名称", "名称"), "title"),
    **dict.fromkeys(("发布机构", "发文机关", "发文单位", "发布单位", "发文机构", "制发机关", "来源", "信息来源",
                     "文章来源", "来源单位", "所属机构", "发布部门", "责任部门"), "agency"),
    **dict.fromkeys(("发布时间", "发布日期", "成文日期", "生成日期", "发文日期", "印发日期", "公开日期", "发表时间",
                     "日期", "时间"), "issued"),
    **dict.fromkeys(("文号", "发文字号", "文件编号", "发文文号"), "doc_number"),
    **dict.fromkeys(("原文链接", "原始链接", "原文地址", "来源链接", "页面地址", "页面链接", "链接", "网址", "url",
                     "URL", "source_url"), "url"),
    **dict.fromkeys(("索引号", "栏目", "所属栏目", "主题分类", "公开目录", "信息分类", "分类", "体裁分类", "组配分类",
                     "本地目录", "有效性", "效力状态", "内容概述", "关键词", "主题词", "公开方式", "公开范围",
                     "公开形式", "作者", "浏览次数", "点击数", "更新时间", "生效日期", "废止日期", "有效期",
                     "服务对象"), None),
}
#: Fields a header needs before it is read as one (a report may open with one labelled line of its own).
MIN_FIELDS = 2
#: The header is looked for among the first lines only.
MAX_HEADER_LINES = 40
#: Longest label of a ``label: value`` line that the family does not know (a crawler's own note).
_MAX_UNKNOWN_LABEL = 6

_LABEL_TEXT = "|".join(sorted((re.escape(k) for k in LABELS), key=len, reverse=True))
#: ``标题: …``, ``发 布 时 间：…`` (a label spaced out to fill a table cell), a label with an empty value.
_FIELD_LINE = re.compile(r"(?P<label>[\u4e00-\u9fffA-Za-z_](?:\s?[\u4e00-\u9fffA-Za-z_]){0,7})\s*[:：]\s*(?P<value>.*)")
#: The line that ends a crawl export's header: 正文:, ===== 正文 =====, 【正文】, 内容: …, or a rule.
_BODY_MARKER = re.compile(r"[=\-*#_~·—]*\s*[【\[]?\s*(?:正文|正文内容|内容|全文)\s*[】\]]?\s*(?P<colon>[:：])?\s*"
                          r"[=\-*#_~·—]*\s*(?P<rest>.*)|[=\-*_~—]{3,}")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _label(text: str) -> str:
    """A label as the table knows it: spaces removed (索 引 号 → 索引号)."""
    return re.sub(r"\s+", "", text)


@dataclass
class Header:
    """The fields of a header and the lines it took.

    ``fields``: metadata field → value (``title``, ``agency``, ``issued`` as YYYY-MM-DD, ``doc_number``,
    ``url``), the first non-empty value of each; ``extra``: the other labels' values; ``lines``: the
    1-based numbers of the header's lines (fields, notes, the body marker); ``rest``: text on a body
    marker's line after ``正文:`` (the first line of the body), by line number."""

    fields: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    rest: dict = field(default_factory=dict)
    #: How many labels of the family the header holds (empty values too: ``文号:`` is a field).
    known: int = 0

    def add(self, label: str, value: str) -> None:
        value = value.strip(" \t|｜")
        key = _label(label)
        target = LABELS.get(key)
        self.known += key in LABELS
        if not value:
            return
        if target is None:
            self.extra.setdefault(key, value)
        elif target == "issued":
            found = _ISO_DATE.search(value)
            if found and "issued" not in self.fields:
                self.fields["issued"] = f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}"
        else:
            self.fields.setdefault(target, value)


def _table_row(line: str) -> list[tuple[str, str]] | None:
    """A saved page's metadata row, ``label<TAB>value<TAB>label<TAB>value``, as pairs; None for any
    other line (every label must be one the family knows)."""
    if "\t" not in line:
        return None
    cells = [c.strip() for c in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    pairs = []
    for k in range(0, len(cells), 2):
        label, value = cells[k], cells[k + 1] if k + 1 < len(cells) else ""
        if _label(label) not in LABELS:
            return None
        pairs.append((label, value))
    return pairs or None


def _fields(line: str, known_only: bool) -> list[tuple[str, str]] | None:
    """A line of ``label: value`` fields as (label, value) pairs: one field, or several in cells split
    by ``|`` (``公开目录: | 公开责任部门: | ||``, a metadata table saved as text); None when any cell is
    no field."""
    cells = [c for c in re.split(r"\s*[|｜]\s*(?=[^|｜:：]{1,10}[:：])", line) if c.strip(" |｜")]
    found = [_field(cell.strip(), known_only) for cell in cells]
    return found if found and all(found) else None


def _field(line: str, known_only: bool) -> tuple[str, str] | None:
    """A ``label: value`` line as (label, value): a label the family knows, or (not ``known_only``) a
    crawler's own short label (本地目录, 采集时间)."""
    m = _FIELD_LINE.fullmatch(line)
    if m is None:
        return None
    label = _label(m["label"])
    if label in LABELS:
        return m["label"], m["value"]
    if not known_only and len(label) <= _MAX_UNKNOWN_LABEL and m["value"].strip() and not re.search(r"[，。；！？]", m["value"]):
        return m["label"], m["value"]  # (a label of its own with nothing after it is a salutation: 市政府：)
    return None


def _marker(line: str) -> re.Match[str] | None:
    m = _BODY_MARKER.fullmatch(line)
    if m is None:
        return None
    # 正文 with text after it needs its colon (正文: 2020年，……); a line 内容丰富…… is no marker
    if m.group("rest") and not m.group("colon"):
        return None
    return m


def read_header(lines: Sequence[Line], skip: Callable[[str], bool] = lambda line: False) -> Header | None:
    """The header at the top of ``lines``, or None when there is none.

    The header may follow lines that ``skip`` says are page chrome (a breadcrumb); it runs over field
    lines (of the three layouts of the module's docstring) and, where a body marker follows, the
    crawler's notes before it. It ends at the marker (taken too) or at the first other line."""
    window = list(lines[:MAX_HEADER_LINES])
    i = 0
    while i < len(window) and skip(window[i][1]) and not _table_row(window[i][1]) and not _fields(window[i][1], True):
        i += 1
    header = Header()
    pending: list[int] = []  # lines of notes, taken only if a marker follows
    while i < len(window):
        number, text = window[i]
        if (marker := _marker(text)) is not None and header.known:
            header.lines += pending + [number]
            if marker.group("rest"):
                header.rest[number] = marker.group("rest")
            break
        if (pairs := _table_row(text)) is not None:
            for label, value in pairs:
                header.add(label, value)
        elif (found := _fields(text, known_only=not header.known)) is not None:
            for label, value in found:
                header.add(label, value)
        elif _label(text) in LABELS:  # a label on a line of its own, its value on the next (if any)
            value = window[i + 1] if i + 1 < len(window) else None
            if value is not None and (_label(value[1]) in LABELS or _marker(value[1]) is not None
                                      or _table_row(value[1]) or len(value[1]) > 100 or "。" in value[1]):
                value = None
            header.add(text, value[1] if value else "")
            header.lines += pending + [number] + ([value[0]] if value else [])
            pending = []
            i += 2 if value else 1
            continue
        elif header.known and len(text) <= 80 and not re.search(r"[，。；！？]", text):
            pending.append(number)  # a crawler's note, if a marker follows
            i += 1
            continue
        else:
            break
        header.lines += pending + [number]
        pending = []
        i += 1
    if header.known < MIN_FIELDS:
        return None
    return header
