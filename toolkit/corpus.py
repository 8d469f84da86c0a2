"""Read Chinese government reports into clean paragraph-per-line text with metadata.

The reports are municipal and bureau reports (政府工作报告, 法治政府建设年度报告, work
summaries) as copied from government websites or converted from PDF/DOCX. Each file
goes through::

    decode → normalise → strip_chrome → repair_lines → extract_metadata

and becomes a :class:`Report`. Its ``text`` has one paragraph per line, lines joined by a
single ``"\\n"``, each line stripped of surrounding whitespace, no blank lines. Title,
salutation, signature and date lines are kept: they are content. Every line of page
chrome that is dropped is recorded in ``Report.removed`` and every broken line that is
joined in ``Report.repairs``; nothing else inside a line is changed except the
normalisation of :func:`normalise`.
"""
from __future__ import annotations

import bisect
import csv
import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import numerals
from .errors import BinaryReportError, EmptyReportError, FormatError, ReportError, UndecodableReportError
from .paths import GEO_DIR, LEXICON_DIR, MANIFEST
from .readers import MAX_BYTES, PathLike, RawReport, ReadOptions, Source, discover, read_bytes, read_file, report_ids
from .readers.txt import MIN_COMMON_SHARE, Decoded, common_share, decode, is_markup, strip_markup
from .geo import Zone
from .header import Line, read_header
from .sections import is_bare_heading

__all__ = ["BinaryReportError", "Decoded", "EmptyReportError", "FormatError", "MAX_BYTES", "MIN_COMMON_SHARE",
           "Report", "ReportError", "UndecodableReportError", "clean", "common_share", "decode", "discover",
           "extract_metadata", "is_markup", "normalise", "pages_of", "read_bytes", "read_report", "read_reports",
           "repair_lines", "report_paths", "strip_chrome", "strip_markup"]



# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Removed:
    """A line of page chrome that was removed: its 1-based number in the decoded text."""

    line: int
    text: str
    rule: str


@dataclass(frozen=True)
class Repair:
    """A line broken mid-sentence that was joined to the next one.

    ``line`` is the broken line's 1-based number in the decoded text, ``before`` the last
    characters of the paragraph so far, ``after`` the first characters of the joined piece.
    """

    line: int
    before: str
    after: str


@dataclass(frozen=True)
class Report:
    """One report file, decoded, cleaned and described."""

    report_id: str
    path: Path
    sha256: str
    encoding: str
    text: str
    meta: dict
    removed: tuple[Removed, ...]
    repairs: tuple[Repair, ...]
    #: The share of common Chinese characters in the decoded text (see :func:`toolkit.readers.txt.common_share`).
    encoding_confidence: float = 1.0
    #: What reading did besides the usual cleaning, in words ("HTML markup removed (12 tags)").
    notes: tuple[str, ...] = ()
    #: Where the report is: the file, an archive member, a table row.
    source: Source | None = None
    #: What the format states besides the text (a table row's other columns, a page's title and date).
    fields: dict = field(default_factory=dict)
    #: For a paginated format (PDF): ``(offset, page)`` where each page begins in ``text``.
    pages: tuple[tuple[int, int], ...] = ()
    #: The folder the file was found in (None for a file given by itself): a metadata.csv there describes it.
    root: Path | None = None
    #: The fields of a crawl export's or saved page's header (:mod:`toolkit.header`): ``title``,
    #: ``agency``, ``issued``, ``doc_number``, ``url``, and the others under their own labels (索引号, 栏目).
    header: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- normalising

_HALF_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_HALF_WIDTH[0x3000] = 0x20  # ideographic (full-width) space
_HALF_WIDTH[0xA0] = 0x20  # no-break space (&nbsp; of a web page)


def normalise(text: str) -> str:
    """Unify line ends to ``\\n``; full-width ASCII letters, digits and spaces, and no-break spaces → half-width.

    Chinese punctuation （），：；“”、。 and everything else is kept as it is.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_HALF_WIDTH)


def _numbered(text: str) -> list[Line]:
    """The non-blank lines of ``text``, stripped, with their 1-based line numbers."""
    return [(number, stripped) for number, line in enumerate(text.split("\n"), 1) if (stripped := line.strip())]


#: A paragraph break in text that lost its line breaks (a table cell, a web page flattened): the two
#: ideographic spaces that indent each paragraph of a Chinese document, inside a long line.
_FLATTENED_BREAK = re.compile(r"\s*\u3000{2,}\s*")
_FLATTENED_LINE = 200  # characters: a line this long holding such breaks is several paragraphs


def _paragraph_lines(text: str) -> list[Line]:
    """:func:`_numbered` of the normalised text, where a long line that still shows its paragraphs'
    indentation (……。　　二、……) is split there; its pieces keep the line's number."""
    out: list[Line] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        pieces = (_FLATTENED_BREAK.split(line) if len(line) > _FLATTENED_LINE and "\u3000\u3000" in line
                  else (line,))
        out.extend((number, stripped) for piece in pieces if (stripped := normalise(piece).strip()))
    return out


def _joined(lines: Iterable[Line]) -> str:
    return "\n".join(line for _, line in lines)


# --------------------------------------------------------------------------- shared patterns

_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE = (r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
         r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_DATE_LINE = re.compile(rf"[（(]?\s*{_DATE}\s*[）)]?")
_DATE_SEARCH = re.compile(_DATE)
_ORG_SUFFIX = (r"人民政府|行政公署|管理委员会|委员会|管委会|办公室|办公厅|领导小组|管理局|服务局|局|委|办|厅|院|中心|政府|行署|公署"
               r"|所|站|部|处|署|队")
_ORG_LINE = re.compile(rf"[\u4e00-\u9fff（）()]{{1,30}}?(?:{_ORG_SUFFIX})")
_SIGNATURE_LINE = re.compile(rf"(?P<org>[\u4e00-\u9fff（）()]{{1,30}}?(?:{_ORG_SUFFIX}))(?:\s*{_DATE})?")
_SENTENCE_END = re.compile(r"[。！？；：…!?;:][”’」』）)》】\"']*$")
_SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")
_HEADING_MARK = re.compile(
    r"[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[）)]|\d{1,2}[、.．](?!\d)"
    r"|[一二三四五六七八九十]+是|第[一二三四五六七八九十百\d]+[章节部分篇条，、]|[①-⑳]|——"
)
_DOC_TYPE = r"(?:报告|汇报|总结|情况|计划|要点|思路|打算|安排|方案|意见|通知|通报|决定|规定|办法|请示|函|纪要|公告|公报|讲话)"


# --------------------------------------------------------------------------- page chrome

def _alternatives(*words: str) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


_WIDGET_WORD = _alternatives("页面", "字体", "字号", "字体大小", "对比度", "打印", "打印本页", "打印此页", "关闭",
                             "关闭窗口", "分享", "分享到", "收藏", "收藏本页", "我要纠错", "默认", "微信", "微博", "QQ空间")
_WIDGETS = rf"(?:{_WIDGET_WORD}|[大中小]|[\s:：|｜【】\[\]()（）])+"
_FIELD_NAME = _alternatives("来源", "信息来源", "文章来源", "稿件来源", "作者", "发布者", "发布人", "发布机构", "供稿")
_FIELD_TIME = _alternatives("时间", "发布时间", "发布日期", "更新时间", "日期")
_FIELD_COUNT = _alternatives("浏览", "浏览量", "浏览次数", "访问量", "访问次数", "阅读", "阅读量", "阅读次数",
                             "点击", "点击数", "点击量")
_TIMESTAMP = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_FIELD = (rf"(?:(?:{_FIELD_NAME})\s*[:：]\s*[^\s，。；！？:：]{{0,30}}|(?:{_FIELD_TIME})\s*[:：]\s*(?:{_TIMESTAMP})?"
          rf"|(?:{_FIELD_COUNT})\s*[:：]\s*(?:[\d,]+\s*次?|-)?)")
_META_LABEL = _alternatives("索引号", "文件名称", "标题", "发文字号", "文号", "发文机关", "发布机构", "发文日期",
                            "成文日期", "发布日期", "生效日期", "有效期", "有效性", "废止日期", "公开目录", "公开方式",
                            "公开形式", "公开范围", "公开责任部门", "公开时限", "主题分类", "主题词", "体裁分类",
                            "组配分类", "服务对象", "所属机构", "信息分类")
_FOOTER_LINK = _alternatives("网站地图", "页面纠错", "版权声明", "关于我们", "联系我们", "隐私声明", "网站声明",
                             "使用帮助", "无障碍", "无障碍浏览", "长者模式", "返回顶部", "我为政府网站找错",
                             "政府网站找错", "党政机关")
_DASH = r"[-—–－]"

#: Whole-line chrome rules, each a pattern the entire (stripped) line must match.
CHROME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(pattern)) for name, pattern in (
    # font / contrast / print / share widgets: 页面: 字体: 对比度: 【字号：大 中 小】 打印关闭分享到：
    ("widget", rf"(?=.*(?:{_WIDGET_WORD}|大\s*中\s*小)){_WIDGETS}"),
    ("qr_code", r"[【\[(（]?\s*(?:用)?(?:手机)?(?:扫一扫|扫描二维码)[^，。；！？]{0,20}"),
    ("breadcrumb", r"(?:当前位置|您现在的位置|您的位置|您当前的位置|当前所在位置)\s*[:：].*"
                   r"|首页\s*[>＞»›].*"
                   r"|[^，。；！？>＞»›]+(?:\s*[>＞»›]\s*[^，。；！？>＞»›]+){2,}"
                   r"|[^\s，。；！？]+(?:门户网站|政府网)(?:[\s>＞»›|｜]+[^\s，。；！？>＞»›|｜]+)+"),
    ("pager", r"(?:上一篇|下一篇|上一条|下一条)\s*[:：].*"),
    # 来源:本网  时间:2021-02-05 12:00:00  浏览:-   (optionally followed by widgets)
    ("source_line", rf"[【\[(（]?\s*{_FIELD}(?:[\s|｜】\]）)【\[(（]*{_FIELD})*(?:{_WIDGETS})?"),
    # 文件名称: | |||   索引号：…   发文日期: | 公开形式: | ||
    ("metadata_table", rf"(?=.*[|｜]|\s*索引号|(?:.*(?:{_META_LABEL})\s*[:：]){{2}})"
                       rf"[|｜\s]*(?:{_META_LABEL})\s*[:：][^|｜]*(?:[|｜\s]+(?:(?:{_META_LABEL})\s*[:：][^|｜]*)?)*"),
    ("editor", r"[【\[(（]?\s*(?:责任编辑|责编|编辑|审核|校对|审校|终审)\s*[:：][^，。；！？]{0,40}"),
    ("site_footer", r"[^，。；！？]{0,40}(?:ICP备|ICP证|公网安备|网站标识码|版权所有|Copyright|©)[^，。；！？]{0,60}"
                    r"|(?:主办单位|承办单位|技术支持|网站管理|维护单位|运维单位)\s*[:：].*"
                    rf"|(?:(?:{_FOOTER_LINK})[\s|｜]*)+"),
    # 版记 of an official document: 抄送：… and “[印发机关] 2019 年 12 月 16 日印发”
    ("cc", r"(?:抄送|抄报|分送)\s*[:：].*"),
    ("printed", rf"(?:[^，。；！？\s]{{2,40}}\s*)?{_DATE}\s*印发"),
    # page numbers of a PDF conversion: — 1 —, - 12 -, 第3页, 第3页共23页, 3/23
    ("page_number", rf"{_DASH}+\s*\d{{1,4}}\s*{_DASH}*|{_DASH}*\s*\d{{1,4}}\s*{_DASH}+"
                    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"),
))
_META_FIELD = re.compile(rf"(?:{_META_LABEL})\s*[:：][^。；！？]{{0,80}}")  # one field of a metadata table
_MAX_RESIDUE = 5  # a trailing line without Chinese of at most this many characters is page residue


#: The breadcrumb's label and path (首页 > 政务公开 > 规划信息, or the path run together without
#: separators), where the page's text may go on in the same line after a blank.
_BREADCRUMB = re.compile(r"(?:当前位置|您现在的位置|您的位置|您当前的位置|当前所在位置)\s*[:：]\s*[^\s>＞»›]*"
                         r"(?:\s*[>＞»›]\s*[^\s>＞»›]+)*")
#: A line that holds report text: this long, with at least two sentences. A whole-line rule that ends
#: in "anything" (a breadcrumb's .*, 抄送：.*) never drops such a line: chrome is cut where it ends.
_TEXT_LINE = 100


def _carries_text(line: str) -> bool:
    return len(line) > _TEXT_LINE and len(_SENTENCE_PUNCT.findall(line)) >= 2 and line.count("。") >= 2


def _chrome_rule(line: str) -> str | None:
    """The name of the first chrome rule the whole line matches, if any (none for a line that carries
    report text, see :func:`_carries_text`)."""
    if _carries_text(line):
        return None
    return next((name for name, pattern in CHROME_RULES if pattern.fullmatch(line)), None)


def _cut_breadcrumbs(lines: Sequence[Line]) -> tuple[list[Line], list[Removed]]:
    """A breadcrumb that runs on into the page's text (当前位置： 首页政务公开规划信息 平潭……局关于2022年……
    一、……) is cut where its path ends; the rest of the line stays, under the line's number."""
    out, removed = [], []
    for number, text in lines:
        m = _BREADCRUMB.match(text)
        rest = text[m.end():].strip() if m else ""
        if m and rest and _chrome_rule(rest) is None:
            removed.append(Removed(number, text[:m.end()].strip(), "breadcrumb"))
            text = rest
        out.append((number, text))
    return out, removed


def _strip_chrome(lines: Sequence[Line], keep: frozenset = frozenset()) -> tuple[list[Line], list[Removed]]:
    """Split numbered lines into content and recorded chrome.

    Besides the whole-line rules: two or more consecutive lines that each hold one
    metadata field (标题：… / 发布机构：… / 成文日期：…) are a metadata table; the 印发
    organ standing on its own line just before a “… 日印发” line and the continuation
    lines of a 抄送 list before it go with it; short lines without Chinese at the very
    end (“s”, “23”) are page residue. Lines of the rules in ``keep`` are kept (for a later pass).
    """
    lines, cut = _cut_breadcrumbs(lines)
    rules = [None if (rule := _chrome_rule(text)) in keep else rule for _, text in lines]
    fields = [bool(_META_FIELD.fullmatch(text)) for _, text in lines]
    for i, field in enumerate(fields):
        if field and ((i and fields[i - 1]) or (i + 1 < len(fields) and fields[i + 1])):
            rules[i] = rules[i] or "metadata_table"
    for i in range(1, len(lines)):
        if rules[i] == "printed" and rules[i - 1] is None and _ORG_LINE.fullmatch(lines[i - 1][1]):
            rules[i - 1] = "printed"
    for i, rule in enumerate(rules):
        if rule == "cc":
            following = rules[i + 1:i + 4]
            if "printed" in following:
                for j in range(i + 1, i + 1 + following.index("printed")):
                    rules[j] = rules[j] or "cc"
    for i in reversed(range(len(lines))):
        residue = len(lines[i][1]) <= _MAX_RESIDUE and not _CJK.search(lines[i][1])
        if rules[i] is None and not residue:
            break
        rules[i] = rules[i] or "page_residue"
    kept = [line for line, rule in zip(lines, rules) if rule is None]
    removed = [Removed(number, text, rule) for (number, text), rule in zip(lines, rules) if rule is not None]
    return kept, sorted(cut + removed, key=lambda r: r.line)


def strip_chrome(text: str) -> tuple[str, list[Removed]]:
    """Remove page chrome from normalised text; return the cleaned text and what was removed.

    Only whole lines matching a rule of :data:`CHROME_RULES` (anchored, conservative
    patterns) or one of the block rules of :func:`_strip_chrome` are removed, each
    recorded with its line number in ``text`` and its rule.
    The result is in cleaned form: stripped, non-blank lines joined by ``"\\n"``.
    """
    kept, removed = _strip_chrome(_numbered(text))
    return _joined(kept), removed


# --------------------------------------------------------------------------- broken lines

_LONG_LINE = 60  # characters: longer than any heading or title of the genre
_WRAP_TOLERANCE = 6  # display columns a hard-wrapped line may fall short of the wrap width
_MIN_WRAPPED_LINES = 10
_CONTEXT = 10  # characters recorded on each side of a repair
_MAX_TITLE = 300  # characters: a paragraph longer than this is neither a heading nor a title


def _width(text: str) -> int:
    """Display width: 2 columns per wide character (Chinese, full-width, and ambiguous “” — set wide in Chinese)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


def _wrap_width(lines: Sequence[str]) -> int | None:
    """The width a PDF conversion hard-wrapped the text at, if it did.

    A text is hard-wrapped when at least 10 lines, and a third of all lines, are within
    two columns of the commonest line width (counting lines of 20 columns or more).
    """
    widths = Counter(_width(line) for line in lines if _width(line) >= 20)
    if not widths:
        return None
    mode = widths.most_common(1)[0][0]
    near = sum(count for width, count in widths.items() if abs(width - mode) <= 2)
    return mode if near >= max(_MIN_WRAPPED_LINES, len(lines) / 3) else None


def _is_heading(paragraph: str) -> bool:
    """A heading: starts with 一、 （一） 1. 一是 第一， … and has no sentence inside."""
    return bool(_HEADING_MARK.match(paragraph)) and not re.search(r"[。！？；!?;]", paragraph[:-1])


def _unspaced(line: str) -> str:
    """The line without spaces between Chinese characters (政 府 工 作 报 告 → 政府工作报告)."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", line)


def _is_title(paragraph: str) -> bool:
    """A title or subtitle: “——…会议上”, “（…）”, or an unpunctuated line ending in 报告, 总结, …"""
    return (paragraph.startswith("——") or bool(re.fullmatch(r"[（(].*[）)]", paragraph))
            or (not _SENTENCE_PUNCT.search(paragraph) and bool(re.search(rf"{_DOC_TYPE}$", _unspaced(paragraph)))))


def _starts_block(line: str) -> bool:
    """A line that can only begin a paragraph: a heading, title, date, signature or salutation."""
    return bool(_HEADING_MARK.match(line) or _is_title(line) or _DATE_LINE.fullmatch(line)
                or _SIGNATURE_LINE.fullmatch(line) or (len(line) <= 20 and line.endswith(("：", ":"))))


#: A line that only opens what the next line holds: a list marker (一、 （一） 1. 一是), an opening
#: bracket or quote (a web page's markup broke the line after it: “（” / “一）强化组织保障”).
_OPENER_LINE = re.compile(r"(?:[一二三四五六七八九十百]+[、.．是]|[（(][一二三四五六七八九十百\d]{0,3}[）)]?|\d{1,2}[.．、]"
                          r"|第[一二三四五六七八九十百\d]+[章节部分条]?|[《“‘「『【\[〔•·])")
#: A line that can only go on from the one before it: it opens with punctuation that ends or joins a
#: clause (，。、；：) or closes a bracket or quote.
_CONTINUATION = re.compile(r"[，。、；：？！）》」』”’%％…,.;:?!)\]】〕］•·]")
#: What follows a number inside a word: more digits, a unit, a date's parts (201 / 9年, 20 / 年, 24 / 家).
_AFTER_NUMBER = re.compile(r"[\d.．年月日号时分秒%％万亿千百元个件家项次人名余多条户所座台辆套批期届倍]")
#: A count at the start of a line (3个环节, 24家企业, 90%以上): it goes with the words before it.
_COUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:[个件家项次人名条户所座台辆套批倍份%％]|万|亿|余|多)")
_DIGIT = re.compile(r"\d")
#: How a whole title ends (……的报告, ……工作总结): nothing goes on after it.
_TITLE_END = re.compile(r"(?:报告|总结|要点|计划|思路|打算|安排|方案|意见|通知)$")
#: The start of a title cut before its end: 莆田市水利局关于2023年法治政府建设 (/ 情况的报告).
_TITLE_START = re.compile(r"^[^，。；！？]{2,40}(?:关于|(?:19|20)\d{2}\s*年)")
_LATIN = re.compile(r"[A-Za-z]{2}")  # OA与AO交互, APP: a Latin word cut from the sentence before it
_MAX_STUB = 4  # characters: a line this short, without punctuation, is the start of the next (莆田 / 市海洋与渔业局)
#: A text is fragmented when at least this share of its lines (and this many) are short pieces that
#: break off mid-sentence; whole paragraphs that end without a full stop (……（鼓掌）, a heading with a
#: comma) are not pieces.
_FRAGMENTED_SHARE = 0.15
_FRAGMENTED_LINES = 8
_PIECE = 12  # characters: a piece is at most this long
_TAIL_BLOCK = 8  # lines: a signature is looked for among the last lines only, in fragmented text
_MAX_HEADING_RUN = 25  # characters: an item heading this short may go on over the next line …
_MAX_HEADING_PIECE = 20  # … when that line is this short and has no punctuation
_MAX_TITLE_RUN = 60  # characters: a paragraph is checked for being a heading while it is this short


def _open_line(line: str) -> bool:
    """A line that breaks off mid-sentence: no sentence end or colon at its end, and neither a heading,
    a title nor a date."""
    return not (_SENTENCE_END.search(line) or _HEADING_MARK.match(line) or _is_title(line)
                or _DATE_LINE.fullmatch(line))


def _fragmented(lines: Sequence[str]) -> bool:
    """Whether a text's lines break inside sentences and words, as a web page's text does when every
    span of its markup became a line of its own (``一、`` / ``20`` / ``年`` / ``度法治政府建设……``): many
    short lines that do not end a sentence (in the shared corpora, 24–60% of a crawled bureau report's
    lines; at most 13% of any other report's)."""
    pieces = sum(len(line) <= _PIECE and _open_line(line) for line in lines)
    return pieces >= _FRAGMENTED_LINES and pieces >= _FRAGMENTED_SHARE * len(lines)


def _is_item_heading(line: str) -> bool:
    """A short heading line of its own: a marker and a few words without a sentence (（一）强化组织保障)."""
    return bool(_HEADING_MARK.match(line)) and len(line) <= 40 and not _SENTENCE_PUNCT.search(line)


def _inside_word(previous: str, text: str, fragmented: bool, tail: bool, paragraph: str | None = None) -> bool:
    """Whether the break between two lines falls inside a sentence or a word, whatever the text's shape:
    a marker or an opening bracket alone on its line, a line that opens with 、，。）》, a number cut off
    from its digits or unit (201 / 9年, 20 / 年); and in a fragmented text (see :func:`_fragmented`), any
    break after a line that does not end its sentence, unless the paragraph so far (``paragraph``, given
    while it is short) is an item heading (（一）强化组织保障) or what follows begins a block (a heading, a
    title, a date, a part's name, a signature at the end). An item heading goes on over a short line
    without punctuation (二、2023年推进 / 法治政府建设 / 的举措和成效; （二）深化 / “放管服”改革)."""
    if _OPENER_LINE.fullmatch(previous) or _CONTINUATION.match(text) or previous[-1] in "《“‘「『〔【［（(":
        return True
    if re.fullmatch(r"[一二三四五六七八九十]{1,3}", previous) and text[0] in "是、．.":
        return True  # 四 / 是继续……
    if tail and text[0].isdigit() and paragraph and _SIGNATURE_LINE.fullmatch(paragraph) and not _DIGIT.search(paragraph):
        return False  # the signature, then its date: 莆田市城市管理局 / 20 / 23 / 年 …
    if previous[-1] in "年月" and re.match(r"\d{1,2}\s*[月日号]", text):
        return True  # a date in pieces: 2021年 / 12月 / 底
    tail, head = re.search(r"(?<!\d)\d{1,3}$", previous), re.match(r"(\d{1,3})年", text)
    if tail and head and len(tail.group()) + len(head.group(1)) == 4:
        return True  # a year in pieces: 201 / 9年
    if (previous[-1].isdigit() and _AFTER_NUMBER.match(text)) or (text.isdigit() and _CJK.match(previous[-1])):
        # a number cut from its digits or unit; in a text of whole paragraphs only where a line is the bare
        # number (2016 / 年全市……), never two paragraphs that happen to end and begin with figures
        return fragmented or previous.isdigit() or (text.isdigit() and len(text) <= 4)
    if _SENTENCE_END.search(previous):
        return False
    if _CJK.match(previous[-1]) and re.match(r"[\u4e00-\u9fff]{1,2}[，,、]", text) and not _HEADING_MARK.match(text) \
            and not _is_heading(previous):
        return True  # a word cut from its clause: 截止2021年12月 / 底，预计……
    # a quotation or a count cut off from the words before it (……坚持 / “四个统一”，……; 控制在 / 3个环节)
    heading = paragraph is not None and (_is_title(paragraph) or _is_heading(paragraph)
                                         or re.fullmatch(r"(?:附件|附表)\s*\d*|名词(?:解释|注释)|说明", paragraph))
    if not heading and _CJK.match(previous[-1]) and (text[0] in "“《" or _COUNT.match(text) or _LATIN.match(text)):
        return True
    if not fragmented:
        return False
    marked = bool(_HEADING_MARK.match(text) or _DATE_LINE.fullmatch(text))
    if paragraph is not None:
        if _is_item_heading(paragraph) and _PART_END.fullmatch(text):
            return True  # 二、2018年工作 / 计划
        if _TITLE_START.search(paragraph) and not _is_title(paragraph) and _is_title(text) \
                and len(paragraph) + len(text) <= _MAX_TITLE_RUN:
            return True  # a title in two: 莆田市水利局关于2023年法治政府建设 / 情况的报告
        if _DOC_NUMBER.fullmatch(paragraph) or _DATE_LINE.fullmatch(paragraph):
            return False  # 莆应急〔2026〕10号, the letterhead's document number; 2018年1月30日 / （此件主动公开）
        if _is_title(paragraph):  # a whole title (……情况的报告), （此件主动公开）, unless a piece of a word follows
            return (len(text) <= _MAX_STUB and not marked and not _SENTENCE_PUNCT.search(text)
                    and not _TITLE_END.search(paragraph) and not paragraph.endswith(("）", ")")))
        if _is_item_heading(paragraph):
            # a numbered heading is not followed at once by an unnumbered one: a short line is its rest
            # (its last piece may end it: （二）持续 / 深化行政审批制度 / 改革。), but a heading that ends on a
            # part's name is whole (二、存在的不足 / 学法用法制度不够完善。)
            return (len(paragraph) <= _MAX_HEADING_RUN and len(text) <= _MAX_HEADING_PIECE and not marked
                    and not _PART_END.search(paragraph) and not _OPENER_LINE.fullmatch(text)
                    and not _SENTENCE_PUNCT.search(text[:-1]) and text[-1] not in "，,；;")
    if len(previous) <= _MAX_STUB and not marked and not _SENTENCE_PUNCT.search(previous):
        return True  # 莆田 / 市海洋与渔业局
    starts_block = marked or _is_title(text) or is_part_line(text)
    if _DATE_LINE.fullmatch(previous) or (tail and _SIGNATURE_LINE.fullmatch(previous) and len(previous) >= 4):
        return False
    return not starts_block and not (tail and _SIGNATURE_LINE.fullmatch(text) and len(text) >= 4)


def _tail(pieces: list[str], n: int) -> str:
    """The last ``n`` characters of the pieces of a paragraph, reading back only as many pieces as needed
    (a paragraph of a million one-character lines is not joined again for every line)."""
    out: list[str] = []
    size = 0
    for piece in reversed(pieces):
        out.append(piece)
        size += len(piece)
        if size >= n:
            break
    return "".join(reversed(out))[-n:]


#: The words an unnumbered part heading ends with (存在问题, 下一步工作计划, 2023年工作回顾, 主要做法).
_PART_END = re.compile(r"(?:情况|工作|打算|计划|安排|思路|问题|不足|短板|成效|做法|举措|回顾|总结|措施|方向|建议|目标|任务|"
                       r"展望|要点|设想)$")


def is_part_line(line: str) -> bool:
    """An unnumbered line that names a part of a report and ends on its name (存在问题, 下一步工作计划,
    2023年工作回顾): it begins a paragraph even in fragmented text, where a piece of a sentence that
    happens to hold a part's word (《……第一责任人职责规定》和我) does not."""
    return 4 <= len(line) <= 16 and not re.match(r"[《“‘「（(]", line) and bool(_PART_END.search(line)) \
        and is_bare_heading(line)


def _repair(lines: Sequence[Line]) -> tuple[list[Line], list[Repair]]:
    """Join lines broken in the middle of a sentence; keep the number of each paragraph's first line.

    A line is joined to the next when the break falls inside a word or a sentence
    (:func:`_inside_word`: a web page's spans each on a line), or when it ends without
    sentence-final punctuation, the next line does not begin a block (heading, title, date,
    signature, salutation), and the line is a long body line:

    * in a hard-wrapped text (see :func:`_wrap_width`), a line filling the wrap width to
      within a few columns — such a line is never a whole heading or title;
    * otherwise, a line of at least 60 characters whose paragraph is neither a heading
      (一、 （一） 1. 一是 … without a sentence inside) nor a title.
    """
    paragraphs, repairs, _ = _repair_mapped(lines)
    return paragraphs, repairs


def _repair_mapped(lines: Sequence[Line]) -> tuple[list[Line], list[Repair], list[tuple[int, int]]]:
    """:func:`_repair`, and where each physical line went: ``(offset in the joined text, line number)``
    for every line (the joined text is the paragraphs joined by ``"\\n"``). Linear in the text's size."""
    texts = [text for _, text in lines]
    wrap = _wrap_width(texts)
    fragmented = not wrap and _fragmented(texts)
    tail_from = len(lines) - _TAIL_BLOCK
    paragraphs: list[tuple[int, list[str]]] = []  # first line number, pieces (joined at the end)
    repairs: list[Repair] = []
    pieces: list[tuple[int, int]] = []
    offset = 0  # where the next piece starts in the joined text
    previous: Line | None = None  # the last physical line added to paragraphs[-1]
    length = 0  # of paragraphs[-1]
    for k, (number, text) in enumerate(lines):
        if previous is not None:
            if wrap:
                long = _width(previous[1]) >= wrap - _WRAP_TOLERANCE
            else:  # a heading or title is short: a long paragraph is neither (and is not joined again)
                long = len(previous[1]) >= _LONG_LINE and (length > _MAX_TITLE or not _is_heading(
                    paragraph := "".join(paragraphs[-1][1])) and not _is_title(paragraph))
            short = "".join(paragraphs[-1][1]) if length <= _MAX_TITLE_RUN else None
            # a line that breaks off after a comma (……，) is never a paragraph's end
            unfinished = previous[1][-1] in "，,、" and (short is None or not (_is_heading(short) or _is_title(short)))
            joined = ((long or unfinished) and not _SENTENCE_END.search(previous[1]) and not _starts_block(text)) \
                or _inside_word(previous[1], text, fragmented, k >= tail_from, short)
            if joined:
                space = " " if re.match(r"[A-Za-z]", text) and re.search(r"[A-Za-z]$", previous[1]) else ""
                before = _tail(paragraphs[-1][1], _CONTEXT)
                repairs.append(Repair(previous[0], before, text[:_CONTEXT]))
                paragraphs[-1][1].append(space + text)
                pieces.append((offset + len(space), number))
                offset += len(space) + len(text)
                length += len(space) + len(text)
                previous = (number, text)
                continue
            offset += 1  # the newline between paragraphs
        paragraphs.append((number, [text]))
        length = len(text)
        pieces.append((offset, number))
        offset += len(text)
        previous = (number, text)
    return [(number, "".join(parts)) for number, parts in paragraphs], repairs, pieces


def repair_lines(text: str) -> tuple[str, list[Repair]]:
    """Join lines that a PDF conversion broke in the middle of a sentence.

    Returns the text in cleaned form and the joins made (line numbers refer to ``text``).
    See :func:`_repair` for when two lines are joined.
    """
    lines, repairs = _repair(_numbered(text))
    return _joined(lines), repairs


# --------------------------------------------------------------------------- places

@dataclass(frozen=True)
class _Place:
    name: str
    short_name: str
    province: str


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, tuple[_Place, bool]], re.Pattern[str]]:
    """From ``data/geo/prefectures.csv``: alias → (city, is it a full name), a regex of all aliases, province names."""
    aliases: dict[str, tuple[_Place, bool]] = {}
    with open(GEO_DIR / "prefectures.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            place = _Place(row["name"], row["short_name"], row["province"])
            aliases[place.short_name] = (place, False)
            aliases[place.name] = (place, True)
            if place.name.endswith("自治州"):
                aliases[place.short_name + "州"] = (place, True)  # 凉山州
    return aliases, re.compile(_alternatives(*aliases))


def _city_mentions(text: str) -> Iterable[_Place]:
    """Every mention of a city in ``text``, by full name or, carefully, by short name.

    A short name followed by 省 区 县 镇 乡 村 路 街 names something else (吉林省, 黄山区,
    朝阳区 of Beijing) and is not counted.
    """
    aliases, pattern = _places()
    for match in pattern.finditer(text):
        place, full = aliases[match.group()]
        if full or not re.match(r"[省区县镇乡村路街]", text[match.end():match.end() + 1]):
            yield place


# --------------------------------------------------------------------------- metadata

_HEAD_LINES = 8  # the letterhead/title block is within the first lines
_TAIL_LINES = 3  # the signature and date are within the last lines
_OPENING_LINES = 4  # the opening of the body, after the head
_LETTERHEAD = re.compile(rf"(?P<org>.+?(?:{_ORG_SUFFIX}))\s*文件")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔［\[【(（]\s*(?:19|20)\d{2}\s*[〕］\]】)）]\s*第?\s*\d{1,5}\s*号")
_TITLE_AGENCY = re.compile(rf"(?:关于)?(?P<org>[^\d\s，。；]{{2,40}}?(?:{_ORG_SUFFIX}))\s*(?:关于|(?:19|20)\d{{2}}\s*年)")
_SPEAKER = re.compile(r"我代表(?P<who>[^，,。\s]{0,15}?)(?P<gov>国务院|人民政府|行政公署|行署|政府)")
_OPENING_AGENCY = re.compile(rf"^[^，,。\n]{{0,12}}[，,]\s*(?P<org>[市州区县][\u4e00-\u9fff]{{2,30}}?(?:{_ORG_SUFFIX}))",
                             re.MULTILINE)
_YEAR_NUMBER = r"(?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3}"  # 2024, 二〇二四
_COVERED_YEAR = re.compile(rf"({_YEAR_NUMBER})\s*年度?[^\d\s，。；：,;:]{{0,16}}?"
                           r"(?:工作回顾|工作总结|总结|回顾|工作情况|建设情况|情况报告|年度报告|法治政府建设|法治建设|依法行政)")
_OPENING_YEAR = re.compile(rf"({_YEAR_NUMBER})\s*年(?:以来|度|是|，|,)")
#: A term-end report: it reviews the five years of a government's term (一、过去五年工作回顾).
_FIVE_YEARS = re.compile(r"过去五年(?:的)?(?:工作)?回顾|五年(?:来)?(?:的)?工作回顾|本届政府(?:工作)?回顾")
#: The opening of a 政府工作报告: "——2024年1月16日在亳州市第五届人民代表大会第三次会议上" (the date may
#: be elsewhere on the line, or missing; 全国 for the national congress).
_SESSION = re.compile(r"在\s*(?P<place>[^在，,。；\n]{0,24}?)\s*第?\s*[〇○零一二三四五六七八九十百\d]{1,4}\s*届\s*"
                      r"(?P<national>全国)?\s*人民代表大会")
_WEBSITE = re.compile(r"(?:^|(?<=[\s>＞»›|｜:：]))(?P<site>[\u4e00-\u9fffA-Za-z]{2,30}?(?:门户网站|政府网站|政府网|网站))"
                      r"(?=$|[\s>＞»›|｜])")
_SOURCE_FIELD = re.compile(rf"(?:{_FIELD_NAME})\s*[:：]\s*(?P<source>[^\s，。；！？:：]{{1,30}})")
def _number(text: str) -> int:
    """12, 〇二〇, 二〇二六 or 二十三 as an int (:func:`toolkit.numerals.number`)."""
    return int(numerals.number(text))


def _iso_date(match: re.Match[str]) -> str | None:
    """The ``YYYY-MM-DD`` of a match of ``_DATE``, if it is a real date."""
    try:
        return datetime.date(*(_number(match.group(part)) for part in "ymd")).isoformat()
    except (ValueError, KeyError):
        return None


def _head(lines: Sequence[str]) -> list[str]:
    """The letterhead/title block: the first lines, up to the salutation or first body line."""
    head = []
    for line in lines[:_HEAD_LINES]:
        if _SENTENCE_END.search(line) or len(line) >= _LONG_LINE:
            break
        head.append(line)
    return head


def _title(head: Sequence[str]) -> str | None:
    """The first head line that reads as a title (spaces between Chinese characters removed)."""
    for line in map(_unspaced, head):
        if (not _SENTENCE_PUNCT.search(line) and not line.startswith("—") and not _LETTERHEAD.fullmatch(line)
                and re.search(rf"{_DOC_TYPE}$", line)):
            return line
    return None


def _agency(lines: Sequence[str], head: Sequence[str], title: str | None,
            header_agency: str | None = None) -> tuple[str | None, str]:
    """The issuing body as the text names it, in order of trust, and where it was found.

    A “…文件” letterhead, the signature at the end, the body heading the title (the text's own, else the
    one a crawl's header gives: 莆田市审计局关于2020年……), the government a 政府工作报告 speaks for
    (我代表市人民政府 → 市人民政府), the header's 发布机构/来源 (a portal's own short name, 市审计局, so only
    here), and last the subject of the opening sentence (今年以来，市行政审批服务局…). A short form the
    text uses for a body whose full name is the same everywhere (国资委) is written out (see
    :func:`_expanded`)."""
    agency, rule = None, ""
    for line in head:
        if letterhead := _LETTERHEAD.fullmatch(line):
            agency, rule = letterhead["org"], "letterhead"
            break
    if agency is None:
        for line in reversed(lines[-_TAIL_LINES:]):
            if signature := _SIGNATURE_LINE.fullmatch(line):
                agency, rule = signature["org"], "signature"
                break
    if agency is None and title and (titled := _TITLE_AGENCY.match(title)):
        agency, rule = titled["org"], "title"
    if agency is None and (speaker := _SPEAKER.search("\n".join(lines[:_HEAD_LINES + 2]))):
        if speaker["gov"] == "国务院":
            agency = "国务院"
        else:
            agency = speaker["who"] + ("行政公署" if speaker["gov"] in ("行署", "行政公署") else "人民政府")
        rule = "speaker"
    if agency is None and header_agency and _ORG_LINE.fullmatch(header_agency):
        agency, rule = header_agency, "header"
    if agency is None and (opening := _OPENING_AGENCY.search("\n".join(lines[len(head):len(head) + _OPENING_LINES]))):
        agency, rule = opening["org"], "opening"
    return _expanded(agency), rule


@lru_cache(maxsize=1)
def _agency_forms() -> tuple[tuple[str, str], ...]:
    """(short form, full name) of ``data/lexicon/agencies.csv``, longest short form first."""
    with open(LEXICON_DIR / "agencies.csv", encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    return tuple(sorted(((row["short"], row["full"]) for row in rows), key=lambda pair: -len(pair[0])))


def _expanded(agency: str | None) -> str | None:
    """An agency's name with the short form of its body written out, where the full name is the same
    in every government (莆田市国资委 → 莆田市人民政府国有资产监督管理委员会; see data/lexicon/agencies.csv);
    any other name as it is."""
    if not agency:
        return agency
    for short, full in _agency_forms():
        if agency.endswith(short) and not agency.endswith(full):
            return agency[:-len(short)] + full
    return agency


def _qualified(agency: str | None, place: "geo.Division | None") -> str | None:
    """Prefix the government's name to an agency that names only its level: 市行政审批服务局 →
    邵阳市行政审批服务局, 区政务服务中心 → 海拉尔区政务服务中心.

    Done only when the level word matches the place's name (市 for a …市, 州 for a …州, 区 for a …区,
    none for a 行政公署 of a 地区/盟), so a county-level 市人民政府 inside a 自治州 stays as written."""
    if agency is None or place is None:
        return agency
    if agency == "行政公署" and place.name.endswith(("地区", "盟")):
        return place.name + agency
    if agency[0] in "省市州区县旗盟" and place.name.endswith(agency[0]) and not agency.startswith(place.name):
        return place.name + agency[1:]
    return agency


#: A line that opens with a date (——2026年1月28日在…, 二〇二六年一月二十八日在…): a session line even
#: further down than the title block (after a web page's chrome, a long title).
_DATED_LINE = re.compile(r"\s*[—─－\-]*\s*[（(]?\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年")
_SESSION_LINES = 24


def _session(lines: Sequence[str]) -> re.Match[str] | None:
    """The session of a people's congress the report was delivered at, named in its opening lines (第
    may be left out: 在浙江省十四届人民代表大会…), or on a line opening with a date a little further down."""
    opening = "\n".join(lines[:_HEAD_LINES + 2])[:600]
    if found := _SESSION.search(opening):
        return found
    later = "\n".join(lines[:_SESSION_LINES])[:2000]
    for found in _SESSION.finditer(later):
        if _DATED_LINE.match(later, later.rfind("\n", 0, found.start()) + 1):
            return found
    return None


def _session_date(lines: Sequence[str]) -> str | None:
    """The date of the session a 政府工作报告 was delivered at: on the line that names the session."""
    if (session := _session(lines)) is None:
        return None
    start = session.string.rfind("\n", 0, session.start()) + 1
    dated = _DATE_SEARCH.search(session.string, start, session.end())
    return _iso_date(dated) if dated else None


def _year(lines: Sequence[str], head: Sequence[str], title: str | None = None) -> int | None:
    """The year the report covers.

    The first “YYYY年(度)…工作回顾/总结/工作情况/建设情况/年度报告/法治政府建设” (2019年工作总结暨2020年
    工作计划 → 2019; 二〇二四年工作回顾 → 2024; 关于2020年开展法治政府建设工作报告 → 2020), in the title a
    crawl's header gives first, then in the text; else, for a 政府工作报告, the year before its session
    (2024年1月16日在…人民代表大会 → 2023); else none for a term-end report that reviews five years
    (过去五年工作回顾: the year its table or metadata.csv says it was issued decides, minus one); else the
    first year the opening of the body dwells on (2023年是…, 2019年以来，…).
    """
    for text in (title or "", "\n".join(lines)):
        if covered := _COVERED_YEAR.search(text):
            return _number(covered[1])
    if session_date := _session_date(lines):
        return int(session_date[:4]) - 1
    if _FIVE_YEARS.search("\n".join(lines[:_SESSION_LINES])[:3000]):
        return None  # a term-end report: its opening years are of the five; the issue year decides
    opening = _OPENING_YEAR.search("\n".join(lines[len(head):len(head) + _OPENING_LINES]))
    return _number(opening[1]) if opening else None


def _issued(lines: Sequence[str]) -> str | None:
    """The date of the report: a date line (or signature + date line) among the last lines, else the
    date of the congress session it was delivered at (both may be in Chinese numerals)."""
    for line in reversed(lines[-_TAIL_LINES:]):
        if (dated := _DATE_LINE.fullmatch(line)) or ((dated := _SIGNATURE_LINE.fullmatch(line)) and dated["y"]):
            return _iso_date(dated)
    return _session_date(lines)


def _doc_number(head: Sequence[str]) -> str | None:
    """This document's number: a standalone 发文字号 line such as 汕政数〔2019〕98号 in the letterhead."""
    return next((line for line in head if _DOC_NUMBER.fullmatch(line)), None)


def _source(lines: Sequence[str], removed: Sequence[Removed]) -> str | None:
    """The publishing website named as a token of its own (breadcrumb, footer), else a 来源 field's value."""
    candidates = [r.text for r in removed] + list(lines)
    for line in candidates:
        if site := _WEBSITE.search(line):
            return site["site"]
    for line in (r.text for r in removed if r.rule == "source_line"):
        if (field := _SOURCE_FIELD.search(line)) and field["source"] not in ("本网", "本站", "原创"):
            return field["source"]
    return None


#: The levels of government, from the top; a county includes districts and county-level cities.
LEVELS = ("national", "province", "prefecture", "county")
#: Metadata fields in the order tables and the CLI show them.
METADATA_FIELDS = ("level", "government", "agency", "province", "city", "county", "year", "issued", "doc_number",
                   "source", "title")
_NATIONAL_AGENCY = re.compile(r"^(?:国务院|中华人民共和国国务院|中央人民政府)")
_BODY_MIN_MENTIONS = 3  # a level-only agency's city from the body: named at least this often …
_BODY_MIN_SHARE = 2 / 3  # … and at least this share of the body's city mentions


def _first_division(*texts: str | None):
    """The first division of government named in the first of ``texts`` that names one (full names:
    浙江省, 梅州市, 海拉尔区, and the short forms of autonomous regions: 宁夏, 广西)."""
    from . import geo

    for text in texts:
        if text and (found := geo.find_governments(text)):
            return found[0][2]
    return None


#: The level a report speaks for, in its own words: 我代表市人民政府, 我代表行署; else 全州/我州 ….
_SPEAKS_FOR = re.compile(r"我代表(?P<who>省|自治区|市|州|盟|地区|区|县|旗)?(?:人民政府|政府|行政公署|行署)")
_OURS = re.compile(r"我(自治区|省|市|州|盟|区|县|旗)(?!委|长|级|直)")
_WHOLE = re.compile(r"全(自治区|市|州|盟|区|县|旗)(?!委|长|级|直)")
_SELF_MIN = 3  # 全州 … counted at least this often to say the level
#: Which divisions a level word fits: 区 is a district or an autonomous region (全区 of 广西).
_WORD_FITS = {"省": ("省",), "自治区": ("自治区",), "市": ("市",), "州": ("州",), "盟": ("盟",),
              "地区": ("地区", "盟"), "行署": ("地区", "盟"), "区": ("区",), "县": ("县",), "旗": ("旗",)}


@dataclass(frozen=True)
class _Within:
    """A county-level report inside a known prefecture, the county itself not named."""

    prefecture: object


def _level_word(lines: Sequence[str]) -> str | None:
    """The word a report uses for its own level: the speaker's (我代表市人民政府 → 市, 我代表行署 → 行署),
    else the commonest of 我省/我市/我州/我区/我县 …, else of 全市/全州/全区/全县 … if said often enough."""
    speaks = _SPEAKS_FOR.search("\n".join(lines[:_HEAD_LINES + 2]))
    if speaks is not None:
        return speaks["who"] or ("行署" if "行" in speaks.group() else None)
    text = "\n".join(lines)
    ours = Counter(_OURS.findall(text))
    if ours:
        return ours.most_common(1)[0][0]
    whole = Counter(_WHOLE.findall(text))  # 全省 is left out: 居全省第一 compares, it does not speak for
    if whole:
        word, n = whole.most_common(1)[0]
        return word if n >= _SELF_MIN else None
    return None


def _fits(place, word: str | None) -> bool:
    """Whether a division is of the kind a level word names (a …市 for 市, a …区 or 自治区 for 区 …)."""
    return word is None or place.name.endswith(_WORD_FITS[word])


def _named_division(name: str, word: str | None):
    """The one division a file's name is (六安, 海拉尔区; 恩施 with 我代表市人民政府: 恩施市, not 恩施州)."""
    from . import geo

    stem = name.strip()
    if not (2 <= len(stem) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+", stem)):
        return None
    candidates = geo.lookup(stem)
    fitting = [d for d in candidates if _fits(d, word)]
    if len(fitting) == 1:
        return fitting[0]
    prefectures = [d for d in candidates if d.level == "prefecture"]
    if not fitting and word in ("区", "县", "旗") and len(prefectures) == 1:
        return _Within(prefectures[0])  # 黄山.txt holding the report of a district of 黄山市 not named
    return None


def _government(lines: Sequence[str], head: Sequence[str], title: str | None, agency: str | None, text: str,
                name: str | None = None, site: str | None = None):
    """The government behind a report and how it was found: ``(division or "national" or None, rule)``.

    In order of trust: the congress the report was delivered at (在浙江省第十四届人民代表大会…上;
    全国人民代表大会: national); the speaker (我代表国务院: national); the issuing body (letterhead,
    signature, title: 梅州市政务服务数据管理局); the title; the title block; the file's name where it is
    exactly a division's (六安.txt, 海拉尔区.docx) and fits the level the speaker names (我代表市人民政府:
    a 市; 我代表区人民政府 in 黄山.txt: a district of 黄山市, which one unknown); the website that published
    it (湖北省人民政府门户网站, from the page's breadcrumb or footer), when it fits that level too. Never the
    first place the body names. Only for a body that names its level alone (市行政审批服务局) is the city the body names
    far more than any other taken (at least 3 times and 2/3 of all city mentions)."""
    if session := _session(lines):
        if session["national"]:
            return "national", "congress:全国人民代表大会"
        if place := _first_division(session["place"]):
            return place, f"congress:{place.name}"
    if agency and _NATIONAL_AGENCY.match(agency):
        return "national", f"agency:{agency}"
    from . import geo

    for rule, candidate in (("agency", agency), ("title", title), ("head", "\n".join(head))):
        if place := _first_division(candidate):
            return place, f"{rule}:{place.name}"
        if rule != "head" and (zone := geo.find_zone(candidate)) is not None:
            return zone, f"{rule}:{zone.name} (zone: {zone.source})"
    word = _level_word(lines)
    if name and (place := _named_division(name, word)) is not None:
        if isinstance(place, _Within):
            return place, f"file name:{place.prefecture.name} (a county-level report inside it: {word})"
        return place, f"file name:{place.name}"
    if word and site and (place := _first_division(site)) is not None and _fits(place, word):
        return place, f"website:{site}"
    if agency and agency[0] in "市州":  # a body that names only its level: 市行政审批服务局
        counts = Counter(_city_mentions(text))
        if counts:
            city, n = counts.most_common(1)[0]
            if n >= _BODY_MIN_MENTIONS and n >= _BODY_MIN_SHARE * sum(counts.values()):
                from . import geo

                place = geo.resolve(city.name)
                if place is not None and _fits(place, agency[0]):
                    return place, f"body:{city.name} named {n} of {sum(counts.values())} times"
    return None, ""


def _government_fields(place) -> dict:
    """level, government, province, city, county of a division (or of the national government)."""
    if place == "national":
        return {"level": "national", "government": "国务院", "province": None, "city": None, "county": None}
    if isinstance(place, _Within):
        return {"level": "county", "government": None, "province": place.prefecture.province,
                "city": place.prefecture.name, "county": None}
    if place is None:
        return {"level": None, "government": None, "province": None, "city": None, "county": None}
    if isinstance(place, Zone):
        return {"level": place.level or None, "government": place.government, "province": place.province,
                "city": place.city or None, "county": place.county or None}
    seat = "行政公署" if place.level == "prefecture" and place.name.endswith(("地区", "盟")) else "人民政府"
    if place.level == "province":
        city = place.name if place.is_municipality else None
        return {"level": "province", "government": place.name + "人民政府", "province": place.name, "city": city,
                "county": None}
    if place.level == "prefecture":
        return {"level": "prefecture", "government": place.name + seat, "province": place.province,
                "city": place.name, "county": None}
    return {"level": "county", "government": place.name + "人民政府", "province": place.province,
            "city": place.prefecture or None, "county": place.name}


#: The kinds of report (the ``genre`` field): a government's 政府工作报告; a body's 法治政府建设年度报告
#: (every department of every government since the 2019 规定); a work summary (2022年工作总结及2023年工作
#: 计划, 年度工作报告); a work plan alone (工作要点, 工作计划); anything else.
GENRES = ("government_work_report", "rule_of_law_report", "work_summary", "work_plan", "other")
#: (genre, words of a title), tried in order: 法治政府建设情况及2018年工作思路的报告 is a rule-of-law report.
_GENRE_TITLES = (
    ("government_work_report", re.compile(r"政府工作报告|在.{0,20}人民代表大会.{0,12}上的报告")),
    ("rule_of_law_report", re.compile(r"法治政府|法治建设|依法行政|法治工作")),
    ("work_summary", re.compile(r"总结|工作报告|工作情况|年度报告|工作回顾|述职")),
    ("work_plan", re.compile(r"工作要点|工作计划|工作安排|工作思路|工作打算|工作重点|计划$|要点$")),
)
#: The sentence that frames a report by naming it: 现将2019年工作总结暨2020年工作计划汇报如下.
_FRAMING_NAME = re.compile(r"现将(?P<what>[^。：:\n]{2,60}?)(?:报告|汇报|总结|综述)如下")
#: The first part a 法治政府建设年度报告 must have (党政主要负责人履行推进法治建设第一责任人职责情况), on a line
#: of its own (a heading), not in passing.
_FIRST_RESPONSIBLE = re.compile(r"第一责任人.{0,4}职责")
_PART_HEADING = 60


def _genre(title: str | None, lines: Sequence[str], title_rule: str) -> tuple[str | None, str]:
    """The kind of report (:data:`GENRES`) and how it was told: from its title (the text's, a crawl
    header's or the document's), else from the text: a congress session or 我代表……政府向大会报告工作
    (a 政府工作报告), a part on the 第一责任人 duty (a 法治政府建设 report), a heading of next year's plans
    after a review (a work summary). None where nothing tells."""
    if title:
        for genre, words in _GENRE_TITLES:
            if words.search(title):
                return genre, title_rule
        return "other", title_rule
    opening = "\n".join(lines[:_HEAD_LINES + 2])
    if _session(lines) or re.search(r"我代表.{0,12}(?:政府|国务院|行署|行政公署).{0,6}向大会", opening):
        return "government_work_report", "text:session"
    # a part on the 第一责任人 duty is what a 法治政府建设 report must have
    if any(len(line) <= _PART_HEADING and _FIRST_RESPONSIBLE.search(line) for line in lines):
        return "rule_of_law_report", "text:第一责任人"
    # the framing sentence names the report: 现将2019年工作总结暨2020年工作计划汇报如下 (工作情况 alone names none)
    if framing := _FRAMING_NAME.search("\n".join(lines[:_HEAD_LINES + _OPENING_LINES])):
        for genre, words in _GENRE_TITLES:
            if (found := words.search(framing["what"])) and found.group() not in ("工作情况", "工作报告"):
                return genre, "text:framing"
    return None, ""


def extract_metadata(text: str, removed: Sequence[Removed] = (), name: str | None = None,
                     header: dict | None = None, document_title: str | None = None) -> dict:
    """Describe a cleaned report: :data:`METADATA_FIELDS`, ``genre``, ``found_by`` (how the government
    was found) and ``from_header`` (the fields a crawl's header gave, see :mod:`toolkit.header`).

    * ``level`` (:data:`LEVELS`), ``government`` (浙江省人民政府, 海拉尔区人民政府, 国务院), ``province``,
      ``city`` (a provincial report has none, except the four municipalities, which are their own city;
      a county's city is its prefecture) and ``county``: from the government found by :func:`_government`
      in the division table (``data/geo/divisions.csv``) or, for a body outside it (平潭综合实验区, a 新区,
      a 开发区), in ``data/geo/zones.csv``; empty when the text does not say: a wrong place is worse than
      none.
    * ``agency``: the issuing body (see :func:`_agency`); the government itself for a 政府工作报告; when
      the text names only its level (市行政审批服务局) the place is prefixed (邵阳市行政审批服务局).
    * ``year``: the year under review (see :func:`_year`); ``issued``: the date of the report (its
      signature, else its congress session, else the header's 发布时间); ``doc_number``: the letterhead's
      发文字号, else the header's 文号; ``source``: the publishing website or 来源 the page names, looked up
      in ``removed`` too; ``title``: the text's own, else the header's; ``url``: the header's 原文链接.
    * ``genre`` (:data:`GENRES`) and ``genre_by``: see :func:`_genre`.
    """
    header = header or {}
    lines = text.split("\n") if text else []
    head = _head(lines)
    title = _title(head)
    from_header = set()
    if title is None and header.get("title"):
        title = _unspaced(header["title"])
        from_header.add("title")
    title_rule = "header title" if "title" in from_header else "title"
    if title is None and document_title and _title([document_title]):
        title, title_rule = _title([document_title]), "document title"  # a page's own title (ArticleTitle)
    agency, agency_by = _agency(lines, head, title, header.get("agency"))
    if agency_by == "header" or (agency_by == "title" and "title" in from_header):
        from_header.add("agency")
    site = _source(lines, removed)
    place, found_by = _government(lines, head, title, agency, text, name, site)
    fields = _government_fields(place)
    congress = found_by.startswith("congress:") or bool(agency and _SPEAKER.search(
        "\n".join(lines[:_HEAD_LINES + 2])) and agency.endswith(("人民政府", "国务院", "行政公署")))
    if congress and fields["government"]:
        agency = fields["government"]
    elif place not in (None, "national") and not isinstance(place, _Within):
        agency = _qualified(agency, place)
    issued = _issued(lines)
    if issued is None and header.get("issued"):
        issued = header["issued"]
        from_header.add("issued")
    doc_number = _doc_number(head)
    if doc_number is None and header.get("doc_number"):
        doc_number = header["doc_number"]
        from_header.add("doc_number")
    if header.get("url"):
        from_header.add("url")
    genre, genre_by = _genre(title, lines, title_rule)
    if genre_by == "header title":
        from_header.add("genre")
    return {
        **fields,
        "agency": agency,
        "year": _year(lines, head, title if title_rule != "title" else None),
        "issued": issued,
        "doc_number": doc_number,
        "source": site,
        "title": title if title_rule != "document title" else None,  # describe() fills it, as the document's
        "url": header.get("url"),
        "genre": genre,
        "genre_by": genre_by,
        "found_by": found_by,
        "from_header": sorted(from_header),
    }


# --------------------------------------------------------------------------- reports

#: Cleaning that removes more than this share of a text's characters as page chrome says so in a note.
MAX_REMOVED_SHARE = 0.2


def _header(lines: list[Line]) -> tuple[list[Line], list[Removed], dict]:
    """The lines without the crawl's or saved page's header (see :mod:`toolkit.header`), the header's
    lines as removed (rule ``header``), and its fields (the metadata fields it gives, then the others
    under their own labels)."""
    header = read_header(lines, skip=lambda text: _chrome_rule(text) is not None)
    if header is None:
        return lines, [], {}
    taken = set(header.lines)
    removed = [Removed(number, text if number not in header.rest else text[:len(text) - len(header.rest[number])].strip(),
                       "header") for number, text in lines if number in taken]
    kept = [(number, header.rest.get(number, text)) for number, text in lines
            if number not in taken or number in header.rest]
    return kept, removed, {**header.fields, **header.extra}


def clean(raw: RawReport, report_id: str | None = None) -> Report:
    """A raw report (see :mod:`toolkit.readers`) cleaned and described: normalised, the header of a
    crawl export or saved page read into fields (:mod:`toolkit.header`), page chrome removed (the
    reader's and the cleaner's, each recorded), broken lines joined, metadata extracted. Cleaning that
    removes more than :data:`MAX_REMOVED_SHARE` of the text's characters (the header aside: it becomes
    metadata) says so in the report's notes. Raises :class:`EmptyReportError` when nothing but chrome
    is left."""
    numbered = _paragraph_lines(raw.text)
    chrome = [(number, line) for number, line in numbered if number in raw.chrome]
    lines = [(number, line) for number, line in numbered if number not in raw.chrome]
    lines, header_lines, header = _header(lines)
    if not raw.pages and _fragmented([text for _, text in lines]):
        # a fragmented text's chrome is spelled in pieces too (莆田市 / 应急管理局办公室 / 20 / 26 / 年 … 日印发;
        # 抄送： / 市委依法治市办 / 。): it is looked for again once the lines are joined, and each paragraph of
        # chrome is recorded under its first line's number
        # (whole lines of chrome go first, as in any text; a 抄送 list and its 印发 line once they are whole)
        kept, first = _strip_chrome(lines, keep=frozenset({"cc", "printed", "page_residue"}))
        joined, repairs, pieces = _repair_mapped(kept)
        paragraphs, again = _strip_chrome(joined)
        removed = sorted(first + again, key=lambda r: r.line)
    else:
        kept, removed = _strip_chrome(lines)
        paragraphs, repairs, pieces = _repair_mapped(kept) if kept else ([], [], [])
    removed = sorted([Removed(number, line, raw.chrome[number]) for number, line in chrome] + header_lines
                     + removed, key=lambda r: r.line)
    removed = [Removed(0, text, rule) for rule, text in raw.removed] + removed
    if not paragraphs:
        raise EmptyReportError(raw.source, "nothing but page chrome" + (" and markup" if raw.notes else ""))
    notes = list(raw.notes)
    total = sum(len(text) for _, text in lines)
    lost = max(total - sum(len(text) for _, text in paragraphs), 0)
    if total and lost > MAX_REMOVED_SHARE * total:
        notes.append(f"cleaning removed {lost / total:.0%} of the text's characters as page chrome "
                     f"({lost:,} of {total:,}; each line is in Corpus.removed): check that no report text went")
    cleaned = _joined(paragraphs)
    return Report(
        report_id=report_id or raw.source.name,
        path=raw.source.path,
        sha256=raw.sha256,
        encoding=raw.encoding,
        text=cleaned,
        # a table row's file names the table, not the report's government
        meta=extract_metadata(cleaned, removed, None if raw.source.row is not None
                              else Path(raw.source.member or raw.source.path.name).stem, header,
                              raw.fields.get("title") if raw.source.row is None else None),
        removed=tuple(removed),
        repairs=tuple(repairs),
        encoding_confidence=raw.confidence,
        notes=tuple(notes),
        source=raw.source,
        fields=dict(raw.fields),
        pages=_page_map(pieces, raw.pages),
        header=header,
    )


def _page_map(pieces: list[tuple[int, int]], pages: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """``(offset, page)`` where each page begins in the cleaned text, from the (offset, source line) of
    every piece of it and the source line each page starts on; empty for a text without pages."""
    if not pages:
        return ()
    out: list[tuple[int, int]] = []
    for offset, line in pieces:
        page = bisect.bisect_right(pages, line)  # 1-based: pages[0] is the first line of page 1
        if not out or out[-1][1] != page:
            out.append((offset, page))
    return tuple(out)


def pages_of(report: Report, start: int, end: int) -> tuple[int, ...]:
    """The pages of a paginated report that ``text[start:end]`` lies on (empty for other formats)."""
    if not report.pages:
        return ()
    offsets = [offset for offset, _ in report.pages]
    first = max(bisect.bisect_right(offsets, start) - 1, 0)
    last = max(bisect.bisect_right(offsets, max(end - 1, start)) - 1, 0)
    return tuple(sorted({page for _, page in report.pages[first:last + 1]}))


def read_report(path: PathLike, report_id: str | None = None, max_bytes: int | None = MAX_BYTES,
                options: ReadOptions | None = None) -> Report:
    """Read, clean and describe the one report in a file; raise a :class:`ReportError` if it is not
    usable, or if the file holds several reports (a table, an archive: use :func:`read_reports`).

    ``report_id`` defaults to the file's stem (:func:`toolkit.readers.discover` makes ids unique
    across a corpus)."""
    options = replace(options or ReadOptions(), max_bytes=max_bytes)
    items = read_file(path, options)
    if len(items) != 1:
        raise ReportError(path, f"holds {len(items)} reports: read it with read_reports or load_corpus")
    if isinstance(items[0], ReportError):
        raise items[0]
    return guarded(clean, items[0].source, items[0], report_id)


def read_reports(paths: PathLike | Iterable[PathLike], skip_bad: bool = False,
                 max_bytes: int | None = MAX_BYTES, options: ReadOptions | None = None,
                 notes: list[str] | None = None) -> tuple[list[Report], list[ReportError]]:
    """Read every report under ``paths`` (see :func:`toolkit.readers.discover`): files, folders
    (searched recursively), and the reports inside tables and archives.

    With ``skip_bad=False`` the first bad file, item or path raises its ReportError; with
    ``skip_bad=True`` bad ones are skipped and returned with their reasons, and the others are read.
    An unexpected failure inside the toolkit on one report is a ReportError too ("internal error …"),
    so it never takes the other reports down. Report ids are unique: a file's (or member's) stem, with
    the row for a table, qualified by the relative path where names repeat. ``notes`` (if given) gets
    a line for each folder left out on purpose (an export of this toolkit inside a folder read).
    """
    options = replace(options or ReadOptions(), max_bytes=max_bytes)
    found, errors = discover(paths, notes)
    if errors and not skip_bad:
        raise errors[0]
    raws: list[RawReport] = []
    for f in found:
        try:
            items = guarded(read_file, f.path, f.path, options)
        except ReportError as error:
            if not skip_bad:
                raise
            errors.append(error)
            continue
        for item in items:
            if isinstance(item, ReportError):
                if not skip_bad:
                    raise item
                errors.append(item)
            else:  # an old .doc passed over for this file is said in its notes
                raws.append((f, replace(item, notes=(*item.notes, f.note)) if f.note else item))
    reports: list[Report] = []
    for (f, raw), report_id in zip(raws, report_ids([(f, raw.source) for f, raw in raws])):
        try:
            reports.append(replace(guarded(clean, raw.source, raw, report_id), root=f.root))
        except ReportError as error:
            if not skip_bad:
                raise
            errors.append(error)
    return reports, errors


def report_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The report files under ``paths`` (see :func:`toolkit.readers.discover`); the first path that
    gives none raises its :class:`ReportError`."""
    found, errors = discover(paths)
    if errors:
        raise errors[0]
    return [f.path for f in found]


def guarded(function, where, *args):
    """``function(*args)``, with any exception other than a ReportError turned into one naming ``where``
    (the original is chained as its cause, for ``--debug``)."""
    try:
        return function(*args)
    except ReportError:
        raise
    except Exception as error:  # noqa: BLE001 - one report must not take the others down
        raise ReportError(where, f"internal error while reading: {type(error).__name__}: {error}") from error


MANIFEST_COLUMNS = ("file", "id", "sha256", "source", "retrieved")


def read_manifest(path: PathLike = MANIFEST) -> pd.DataFrame:
    """The raw-data manifest (``file,id,sha256,source,retrieved``), all columns as strings, empty as ``""``."""
    manifest = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in MANIFEST_COLUMNS if column not in manifest.columns]
    if missing:
        raise ValueError(f"{path}: manifest lacks columns {', '.join(missing)}")
    return manifest
