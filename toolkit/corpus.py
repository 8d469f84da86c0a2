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

import csv
import datetime
import hashlib
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from toolkit.paths import GEO_DIR, MANIFEST

PathLike = str | os.PathLike[str]
#: A non-blank line of a text, stripped, with its 1-based line number.
Line = tuple[int, str]


# --------------------------------------------------------------------------- errors

class ReportError(ValueError):
    """A report that cannot be read; ``str(error) == f"{path}: {reason}"``."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        return type(self), (self.path, self.reason)


class EmptyReportError(ReportError):
    """The file is empty or holds only whitespace (or only page chrome)."""


class BinaryReportError(ReportError):
    """The file holds NUL bytes or control characters: it is not text."""


class UndecodableReportError(ReportError):
    """The file is neither UTF-8 nor GB18030."""


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
    #: The share of common Chinese characters in the decoded text (see :func:`common_share`).
    encoding_confidence: float = 1.0
    #: What reading did besides the usual cleaning, in words ("HTML markup removed (12 tags)").
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- decoding

_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")  # C0 controls except \t \n \v \f \r
_MAX_CONTROL_SHARE = 0.001
#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
#: What a file that is not text starts with, and what it is (a document in another format named .txt).
_MAGIC = ((b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a zip archive (or a .docx/.xlsx, which are zip archives)"),
          (b"PK\x05\x06", "an empty zip archive"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office document (.doc/.wps/.xls)"),
          (b"{\\rtf", "an RTF document"), (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"),
          (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"))
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


def decode(data: bytes, path: PathLike) -> Decoded:
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
        raise BinaryReportError(path, f"{what}, not text")
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


def _joined(lines: Iterable[Line]) -> str:
    return "\n".join(line for _, line in lines)


# --------------------------------------------------------------------------- shared patterns

_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE = (r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
         r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_DATE_LINE = re.compile(rf"[（(]?\s*{_DATE}\s*[）)]?")
_ORG_SUFFIX = (r"人民政府|行政公署|委员会|办公室|办公厅|领导小组|管理局|服务局|局|委|办|厅|院|中心|政府|行署|公署"
               r"|所|站|部|处|署|队")
_ORG_LINE = re.compile(rf"[\u4e00-\u9fff（）()]{{1,30}}?(?:{_ORG_SUFFIX})")
_SIGNATURE_LINE = re.compile(rf"(?P<org>[\u4e00-\u9fff（）()]{{1,30}}?(?:{_ORG_SUFFIX}))(?:\s*{_DATE})?")
_SENTENCE_END = re.compile(r"[。！？；：…!?;:][”’」』）)》】\"']*$")
_SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")
_HEADING_MARK = re.compile(
    r"[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[）)]|\d{1,2}[、.．](?!\d)"
    r"|[一二三四五六七八九十]+是|第[一二三四五六七八九十百\d]+[章节部分篇条，、]|[①-⑳]|——"
)
_DOC_TYPE = r"(?:报告|汇报|总结|情况|计划|要点|方案|意见|通知|通报|决定|规定|办法|请示|函|纪要|公告|公报|讲话)"


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


def _chrome_rule(line: str) -> str | None:
    """The name of the first chrome rule the whole line matches, if any."""
    return next((name for name, pattern in CHROME_RULES if pattern.fullmatch(line)), None)


def _strip_chrome(lines: Sequence[Line]) -> tuple[list[Line], list[Removed]]:
    """Split numbered lines into content and recorded chrome.

    Besides the whole-line rules: two or more consecutive lines that each hold one
    metadata field (标题：… / 发布机构：… / 成文日期：…) are a metadata table; the 印发
    organ standing on its own line just before a “… 日印发” line and the continuation
    lines of a 抄送 list before it go with it; short lines without Chinese at the very
    end (“s”, “23”) are page residue.
    """
    rules = [_chrome_rule(text) for _, text in lines]
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
    return kept, removed


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


def _repair(lines: Sequence[Line]) -> tuple[list[Line], list[Repair]]:
    """Join lines broken in the middle of a sentence; keep the number of each paragraph's first line.

    A line is joined to the next when it ends without sentence-final punctuation, the
    next line does not begin a block (heading, title, date, signature, salutation), and
    the line is a long body line:

    * in a hard-wrapped text (see :func:`_wrap_width`), a line filling the wrap width to
      within a few columns — such a line is never a whole heading or title;
    * otherwise, a line of at least 60 characters whose paragraph is neither a heading
      (一、 （一） 1. 一是 … without a sentence inside) nor a title.
    """
    wrap = _wrap_width([text for _, text in lines])
    paragraphs: list[Line] = []
    repairs: list[Repair] = []
    piece: Line | None = None  # the last physical line added to paragraphs[-1]
    for number, text in lines:
        if piece is not None:
            start, paragraph = paragraphs[-1]
            if wrap:
                long = _width(piece[1]) >= wrap - _WRAP_TOLERANCE
            else:
                long = len(piece[1]) >= _LONG_LINE and not _is_heading(paragraph) and not _is_title(paragraph)
            if long and not _SENTENCE_END.search(piece[1]) and not _starts_block(text):
                space = " " if re.match(r"[A-Za-z]", text) and re.search(r"[A-Za-z]$", paragraph) else ""
                repairs.append(Repair(piece[0], paragraph[-_CONTEXT:], text[:_CONTEXT]))
                paragraphs[-1] = (start, paragraph + space + text)
                piece = (number, text)
                continue
        paragraphs.append((number, text))
        piece = (number, text)
    return paragraphs, repairs


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
def _places() -> tuple[dict[str, tuple[_Place, bool]], re.Pattern[str], dict[str, str]]:
    """From ``data/geo/prefectures.csv``: alias → (city, is it a full name), a regex of all aliases, province names."""
    aliases: dict[str, tuple[_Place, bool]] = {}
    with open(GEO_DIR / "prefectures.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            place = _Place(row["name"], row["short_name"], row["province"])
            aliases[place.short_name] = (place, False)
            aliases[place.name] = (place, True)
            if place.name.endswith("自治州"):
                aliases[place.short_name + "州"] = (place, True)  # 凉山州
    provinces = {place.province: place.province for place, _ in aliases.values()}
    for province in list(provinces):
        provinces[re.sub(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", province)] = province
    return aliases, re.compile(_alternatives(*aliases)), provinces


def _city_mentions(text: str) -> Iterable[_Place]:
    """Every mention of a city in ``text``, by full name or, carefully, by short name.

    A short name followed by 省 区 县 镇 乡 村 路 街 names something else (吉林省, 黄山区,
    朝阳区 of Beijing) and is not counted.
    """
    aliases, pattern, _ = _places()
    for match in pattern.finditer(text):
        place, full = aliases[match.group()]
        if full or not re.match(r"[省区县镇乡村路街]", text[match.end():match.end() + 1]):
            yield place


def _first_city(text: str) -> _Place | None:
    return next(iter(_city_mentions(text)), None)


def _most_named_city(text: str) -> _Place | None:
    """The city the text names most often (ties: the one named first)."""
    counts = Counter(_city_mentions(text))
    return counts.most_common(1)[0][0] if counts else None


def _province_named(text: str) -> str | None:
    """The province ``text`` starts with (广东省…, 北京市…), if any."""
    _, _, provinces = _places()
    return next((full for name, full in provinces.items() if text.startswith(name)), None)


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
_COVERED_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?[^\d\s，。；：,;:]{0,16}?"
                           r"(?:工作回顾|工作总结|总结|回顾|工作情况|建设情况|情况报告|年度报告)")
_SESSION_YEAR = re.compile(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*在[^，。]{0,40}?人民代表大会")
_OPENING_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:以来|度|是|，|,)")
_WEBSITE = re.compile(r"(?:^|(?<=[\s>＞»›|｜:：]))(?P<site>[\u4e00-\u9fffA-Za-z]{2,30}?(?:门户网站|政府网站|政府网|网站))"
                      r"(?=$|[\s>＞»›|｜])")
_SOURCE_FIELD = re.compile(rf"(?:{_FIELD_NAME})\s*[:：]\s*(?P<source>[^\s，。；！？:：]{{1,30}})")
_CN_DIGITS = {char: digit for digit, chars in enumerate(("〇○零", "一", "二", "三", "四", "五", "六", "七", "八", "九"))
              for char in chars}


def _number(text: str) -> int:
    """12, 〇二〇 or 二十三 as an int."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    tens, _, ones = text.partition("十")
    return 10 * (_CN_DIGITS[tens] if tens else 1) + (_CN_DIGITS[ones] if ones else 0)


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


def _agency(lines: Sequence[str], head: Sequence[str], title: str | None) -> str | None:
    """The issuing body as the text names it, in order of trust.

    A “…文件” letterhead, the signature at the end, the body heading the title, the
    government a 政府工作报告 speaks for (我代表市人民政府 → 市人民政府), and last the
    subject of the opening sentence (今年以来，市行政审批服务局…).
    """
    for line in head:
        if letterhead := _LETTERHEAD.fullmatch(line):
            return letterhead["org"]
    for line in reversed(lines[-_TAIL_LINES:]):
        if signature := _SIGNATURE_LINE.fullmatch(line):
            return signature["org"]
    if title and (titled := _TITLE_AGENCY.match(title)):
        return titled["org"]
    if speaker := _SPEAKER.search("\n".join(lines[:_HEAD_LINES + 2])):
        if speaker["gov"] == "国务院":
            return "国务院"
        return speaker["who"] + ("行政公署" if speaker["gov"] in ("行署", "行政公署") else "人民政府")
    opening = _OPENING_AGENCY.search("\n".join(lines[len(head):len(head) + _OPENING_LINES]))
    return opening["org"] if opening else None


def _qualified(agency: str | None, city: _Place | None) -> str | None:
    """Prefix the city to an agency that names only its level: 市行政审批服务局 → 邵阳市行政审批服务局.

    Done only when the level matches the city's (市 for a …市, 州 for a …州, none for a
    行政公署 of a 地区/盟), so a county-level 市人民政府 inside a 自治州 stays as written.
    """
    if agency is None or city is None:
        return agency
    if agency == "行政公署" and city.name.endswith(("地区", "盟")):
        return city.name + agency
    if agency[0] in "市州" and city.name.endswith(agency[0]):
        return city.name + agency[1:]
    return agency


def _year(lines: Sequence[str], head: Sequence[str]) -> int | None:
    """The year the report covers.

    The first “YYYY年(度)…工作回顾/总结/工作情况/建设情况/年度报告” (2019年工作总结暨2020年工作计划 →
    2019); else, for a 政府工作报告, the year before its session (2024年1月16日在…人民代表大会 →
    2023); else the first year the opening of the body dwells on (2023年是…, 2019年以来，…).
    """
    text = "\n".join(lines)
    if covered := _COVERED_YEAR.search(text):
        return int(covered[1])
    if session := _SESSION_YEAR.search(text):
        return int(session[1]) - 1
    opening = _OPENING_YEAR.search("\n".join(lines[len(head):len(head) + _OPENING_LINES]))
    return int(opening[1]) if opening else None


def _issued(lines: Sequence[str]) -> str | None:
    """The signing date: a date line (or signature + date line) among the last lines."""
    for line in reversed(lines[-_TAIL_LINES:]):
        if (dated := _DATE_LINE.fullmatch(line)) or ((dated := _SIGNATURE_LINE.fullmatch(line)) and dated["y"]):
            return _iso_date(dated)
    return None


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


def extract_metadata(text: str, removed: Sequence[Removed] = ()) -> dict:
    """Describe a cleaned report: agency, city, province, year, issued, doc_number, source, title.

    * ``agency``: the issuing body (see :func:`_agency`); when the text names only its level
      (市行政审批服务局) the city is prefixed (邵阳市行政审批服务局).
    * ``city``: full name (梅州市) of the city the agency, the title or the letterhead names;
      failing that, the city the text names most often. None for a national report (国务院)
      or a provincial body.
    * ``province``: the city's, from ``data/geo/prefectures.csv``.
    * ``year``: the year covered (see :func:`_year`); ``issued``: the signing date near the
      end (not a web publication time); ``doc_number``: the letterhead's 发文字号;
      ``source``: the publishing website or 来源 the page names, looked up in ``removed`` too.
    """
    lines = text.split("\n") if text else []
    head = _head(lines)
    title = _title(head)
    agency = _agency(lines, head, title)
    named = _first_city(agency or "") or _first_city(title or "") or _first_city("\n".join(head))
    province = _province_named(agency or "")
    national_or_provincial = agency == "国务院" or (province is not None and named is None)
    city = named or (None if national_or_provincial else _most_named_city(text))
    return {
        "agency": _qualified(agency, city),
        "city": city.name if city else None,
        "province": city.province if city else province,
        "year": _year(lines, head),
        "issued": _issued(lines),
        "doc_number": _doc_number(head),
        "source": _source(lines, removed),
        "title": title,
    }


# --------------------------------------------------------------------------- markup in a text file

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


# --------------------------------------------------------------------------- files

#: Suffixes of the report files a folder is searched for (matched without regard to case).
SUFFIXES = (".txt",)
#: The largest report file read, in bytes (``max_bytes`` of :func:`read_report` and :func:`load_corpus`).
MAX_BYTES = 50_000_000
#: A corpus folder's own documentation, never read as a report (names matched without regard to case).
_DOCUMENTATION = re.compile(r"(?:readme|licen[cs]e|copying|manifest|notice|changelog)(?:[._ -].*)?|metadata\.csv",
                            re.IGNORECASE)
_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _size(n: int) -> str:
    """A file size for a message: 3,734 bytes, 60.0 MB, 1.2 GB."""
    return f"{n:,} bytes" if n < 100_000 else f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.1f} GB"


def read_bytes(path: PathLike, max_bytes: int | None = MAX_BYTES) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (None: no limit).

    Raises :class:`ReportError` for a FIFO, device, socket or folder (opened without blocking, never
    read), a file over the limit, and any OS error (missing, permission, symlink loop), each naming
    the file and the reason.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ReportError(path, f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((what for test, what in _FILE_KINDS if test(info.st_mode)), "not a regular file")
            raise ReportError(path, f"{kind}, not a regular file: not read")
        if max_bytes is not None and info.st_size > max_bytes:
            raise ReportError(path, f"{_size(info.st_size)}, over the {_size(max_bytes)} limit for one "
                                    f"report (max_bytes)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as error:
        raise ReportError(path, f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        raise ReportError(path, f"over the {_size(max_bytes)} limit for one report (max_bytes)")
    return data


def read_report(path: PathLike, report_id: str | None = None, max_bytes: int | None = MAX_BYTES) -> Report:
    """Read, clean and describe one report file; raise a :class:`ReportError` if it is not usable.

    ``report_id`` defaults to the file's stem (:func:`discover` makes ids unique across a corpus).
    """
    path = Path(path)
    data = read_bytes(path, max_bytes)
    text, encoding, confidence = decode(data, path)
    notes = []
    if is_markup(text):
        text, tags = strip_markup(text)
        notes.append(f"HTML markup removed ({tags} tags)")
    kept, removed = _strip_chrome(_numbered(normalise(text)))
    if not kept:
        raise EmptyReportError(path, "nothing but page chrome" + (" and markup" if notes else ""))
    paragraphs, repairs = _repair(kept)
    cleaned = _joined(paragraphs)
    return Report(
        report_id=report_id or path.stem,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=cleaned,
        meta=extract_metadata(cleaned, removed),
        removed=tuple(removed),
        repairs=tuple(repairs),
        encoding_confidence=confidence,
        notes=tuple(notes),
    )


def _as_list(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    """One path, or several, as a list."""
    return [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)


@dataclass(frozen=True)
class Found:
    """A report file found under a path the user gave: the file, and the folder it was found in (None
    for a file given by itself)."""

    path: Path
    root: Path | None


def _outside(path: Path, real_root: Path) -> ReportError | None:
    """The error for a symlink that is broken, loops, or leads out of the corpus folder; None if it stays in."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop (Python 3.11)
        return ReportError(path, f"broken symlink or symlink loop: {getattr(error, 'strerror', None) or error}")
    if not target.is_relative_to(real_root):
        return ReportError(path, f"symlink to {target}, outside the corpus folder: not followed")
    return None


def _walk(root: Path) -> tuple[list[Found], list[ReportError], Counter]:
    """The report files under a folder, recursively, sorted by relative path; with the entries that
    cannot be read (symlinks that leave the folder, loop or are broken) as errors, and a count of the
    other files by suffix (to say what a folder without reports holds). Symlinks that stay inside the
    folder are followed, each real folder once."""
    found: list[Found] = []
    errors: list[ReportError] = []
    others: Counter = Counter()
    real_root = root.resolve()
    visited = {real_root}
    for folder, dirs, files in os.walk(root, followlinks=True, onerror=lambda e: errors.append(
            ReportError(e.filename or root, f"cannot list folder: {e.strerror or e}"))):
        here = Path(folder)
        keep = []
        for name in sorted(dirs):
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink() and (error := _outside(path, real_root)):
                errors.append(error)
                continue
            real = path.resolve()
            if real in visited:
                errors.append(ReportError(path, f"a second path to the folder {real} (a symlink loop?): not read twice"))
                continue
            visited.add(real)
            keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or _DOCUMENTATION.fullmatch(name):
                continue
            if path.suffix.lower() not in SUFFIXES:
                others[path.suffix.lower() or "(no suffix)"] += 1
                continue
            if path.is_symlink() and (error := _outside(path, real_root)):
                errors.append(error)
                continue
            found.append(Found(path, root))
    found.sort(key=lambda f: f.path.relative_to(root).parts)
    return found, errors, others


def discover(paths: PathLike | Iterable[PathLike]) -> tuple[list[Found], list[ReportError]]:
    """The report files under ``paths``: files as given (any suffix), folders searched recursively for
    ``*.txt`` (any case), hidden entries and a folder's documentation (README*, LICENSE*, MANIFEST*,
    metadata.csv) left out. Returns what was found, and the paths that cannot give a report as errors:
    a missing path, a folder with no report file (saying what it holds), a symlink that leaves its
    folder, is broken or loops (not followed)."""
    found: list[Found] = []
    errors: list[ReportError] = []
    for item in map(Path, _as_list(paths)):
        if item.is_dir():
            files, problems, others = _walk(item)
            found += files
            errors += problems
            if not files:
                held = ", ".join(f"{n} {suffix}" for suffix, n in sorted(others.items())) or "no files"
                errors.append(ReportError(item, f"no report files ({', '.join('*' + s for s in SUFFIXES)}, "
                                                f"searched recursively) in this folder: it holds {held}"))
        elif item.exists() or item.is_symlink():
            found.append(Found(item, None))
        else:
            errors.append(ReportError(item, "no such file or folder"))
    return found, errors


def report_ids(found: Sequence[Found]) -> list[str]:
    """One id per file, unique: the file's stem; where stems repeat, the path relative to its folder
    without the suffix (``2023/report``), and where that repeats too, with it."""
    def relative(f: Found, suffix: bool) -> str:
        base = f.path.relative_to(f.root) if f.root is not None else Path(f.path.parent.name) / f.path.name
        return (base if suffix else base.with_suffix("")).as_posix()

    stems = Counter(f.path.stem for f in found)
    ids = [f.path.stem if stems[f.path.stem] == 1 else relative(f, False) for f in found]
    repeated = Counter(ids)
    ids = [relative(f, True) if repeated[i] > 1 else i for f, i in zip(found, ids)]
    seen: Counter = Counter()
    unique = []
    for i in ids:  # the same file given twice, or the same relative path under two folders
        seen[i] += 1
        unique.append(i if seen[i] == 1 else f"{i}#{seen[i]}")
    return unique


def report_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The report files under ``paths`` (see :func:`discover`); the first path that gives none raises
    its :class:`ReportError`."""
    found, errors = discover(paths)
    if errors:
        raise errors[0]
    return [f.path for f in found]


def read_reports(paths: PathLike | Iterable[PathLike], skip_bad: bool = False,
                 max_bytes: int | None = MAX_BYTES) -> tuple[list[Report], list[ReportError]]:
    """Read every report under ``paths`` (see :func:`discover`).

    With ``skip_bad=False`` the first bad file (or path) raises its ReportError; with
    ``skip_bad=True`` bad files are skipped and returned with their reasons, and the others are read.
    An unexpected failure inside the toolkit on one report is a ReportError too ("internal error …"),
    so it never takes the other reports down.
    """
    found, errors = discover(paths)
    if errors and not skip_bad:
        raise errors[0]
    reports: list[Report] = []
    for f, report_id in zip(found, report_ids(found)):
        try:
            reports.append(guarded(read_report, f.path, f.path, report_id, max_bytes))
        except ReportError as error:
            if not skip_bad:
                raise
            errors.append(error)
    return reports, errors


def guarded(function, path: Path, *args):
    """``function(*args)``, with any exception other than a ReportError turned into one naming ``path``
    (the original is chained as its cause, for ``--debug``)."""
    try:
        return function(*args)
    except ReportError:
        raise
    except Exception as error:  # noqa: BLE001 - one report must not take the others down
        raise ReportError(path, f"internal error while reading: {type(error).__name__}: {error}") from error


MANIFEST_COLUMNS = ("file", "id", "sha256", "source", "retrieved")


def read_manifest(path: PathLike = MANIFEST) -> pd.DataFrame:
    """The raw-data manifest (``file,id,sha256,source,retrieved``), all columns as strings, empty as ``""``."""
    manifest = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in MANIFEST_COLUMNS if column not in manifest.columns]
    if missing:
        raise ValueError(f"{path}: manifest lacks columns {', '.join(missing)}")
    return manifest
