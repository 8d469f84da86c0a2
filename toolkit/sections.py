"""Segment a cleaned report into sections (achievements, problems, plans, other) and citable units.

The rules are written for the genre: yearly reports of Chinese government bodies (法治政府建设年度报告,
work summaries with next-year plans, 政府工作报告). Such a report reviews the year, admits its problems
and promises next year's work, in that order, under headings numbered ``一、`` (sometimes unnumbered
lines such as ``2023年工作回顾``), or with no heading at all for the problems and plans.

The segmenter works on character offsets into the cleaned text (see :mod:`toolkit.corpus`):

1. **Headings.** Top-level headings are ``一、…`` at the start of a line (or after a sentence end in
   text that lost its line breaks) and short unnumbered lines whose words name a part of a report
   (回顾, 不足, 打算, 安排 …). Lower levels (``（一）``/``(一)``, ``1.``/``1、``, ``一是``) only make units.
   Headings never overlap: one that would run on into the next (``一、……：二、……`` in text without
   line breaks) ends where the next begins, and a section keeps the offset where its body begins.
   A table's header row (``目标任务 完成情况``) is no heading. A short report with no heading but lines
   ``一是……``, ``二是……`` has those lines as its parts.
2. **Kinds.** A heading's kind comes from its words (:data:`KIND_RULES`, first match wins, problems
   before plans before achievements) and from a year in it: a year after the year under review means
   plans. A heading that names no kind continues the part it stands in (a task list after
   ``二、2024年工作安排`` is plans); before any problems or plans it is the review (achievements).
   A later five-year plan (``二、“十五五”发展的主要考虑`` in a 2025 report) is plans; a part on the
   government's own conduct (``加强政府自身建设``) after the problems is review, never a problem, and a
   review that resumes after the problems (``过去五年，……``) is achievements.
3. **Inline parts.** Where no heading announces problems, the paragraph of the review that opens by
   admitting them (我们也清醒认识到……, 虽然取得了一些成绩，但……差距) becomes a problems section found
   ``inline``. Where no heading announces plans, the closing paragraphs that open with a look ahead
   (下一步, 下来, 今后, 2020年, 明年 … and 将) become a plans section found ``inline``.
4. **Preamble and closing.** The title, salutation and opening framing sentence before the first part
   and the signature and date after the last are ``other`` sections, and so are the closing appeal
   (``各位代表！……让我们……奋斗！``), appendices (名词解释) and what a web page adds after the end
   (news items after the date, 相关链接, 责任编辑). A leftover of one short sentence never stands alone:
   it joins the section before it.

Every character of the text belongs to exactly one section; units never overlap.

Segmentation takes time linear in the text: its lines are indexed once (:class:`_Lines`) and each
section looks its paragraphs up by bisection, never rescanning the whole text (10,000 headings or a
60 MB text take seconds; see ``benchmarks/bench_sections.py``).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from . import numerals
from .boilerplate import BOILERPLATE_COLUMN
from .schema import Column, TableSpec

KINDS = ("achievements", "problems", "plans", "other")

CN_NUM = "一二三四五六七八九十"

#: Sentence-final punctuation (a heading line does not end with it).
_END = "。！？!?；;…"

# --------------------------------------------------------------------------- heading kinds
#: (kind, pattern) pairs tried in order on a heading's text; the first that matches gives its kind.
#: ``None`` marks words that make a line a heading but name no kind (the part it stands in continues).
KIND_RULES: tuple[tuple[str | None, re.Pattern], ...] = (
    ("other", re.compile(r"其他需要(报告|说明)|其它需要(报告|说明)")),
    # a heading ends on its main noun: ……重点工作完成情况, 今年以来……开展情况 report on the year
    ("achievements", re.compile(r"(?:完成|开展|落实|执行|推进|进展|运行)情况$|以来")),
    # problems are named as such (存在的问题, 问题及原因, 困难和挑战), not in passing (坚持问题导向)
    ("problems", re.compile(r"不足|差距|短板|薄弱|弱项|教训|存在.{0,6}(?:问题|困难|挑战)|面临.{0,6}(?:问题|困难|挑战)|"
                            r"(?:问题|困难|挑战)(?:及|和|与|、|$)")),
    ("plans", re.compile(r"下一步|下步|下阶段|打算|思路|安排|计划|展望|设想|重点工作|重点任务|主要任务|"
                         r"工作任务|目标任务|预期目标|主要目标|奋斗目标|发展目标|总体要求|政策取向|工作建议|意见建议|"
                         r"努力方向|改进措施|整改措施|改进方向|今后|明年|今年")),
    ("achievements", re.compile(r"回顾|总结|成效|成果|成绩|做法|举措|工作情况|开展情况|落实情况|完成情况|"
                                r"进展|履行.*职责|建设情况|推进情况|基本情况|主要工作|年度工作|"
                                r"过去.{0,2}[两三五十]年|[五十]年来")),
    (None, re.compile(r"自身建设|政府建设|工作报告")),
)

#: The parts a 法治政府建设年度报告 must have that its kind does not tell apart (the ``part`` column):
#: the 第一责任人 part (党政主要负责人履行推进法治建设第一责任人职责情况, achievements) and 其他需要报告的
#: 情况 (other). Its three other parts are its achievements, problems and plans.
PARTS: tuple[tuple[str, re.Pattern], ...] = (
    ("first_responsibility", re.compile(r"第一责任人")),
    ("other_matters", re.compile(r"其[他它]需要(?:报告|说明)")),
)


def heading_part(heading: str) -> str:
    """The named part a heading announces (:data:`PARTS`), or ""."""
    return next((part for part, pattern in PARTS if pattern.search(heading)), "")


#: Verbs of solving: "解决了一批老大难问题" reports an achievement, not a problem.
_SOLVED = re.compile(r"(?:解决|破解|化解|补齐|补足|整改|克服|战胜|排查|应对)[^。；，,]{0,20}"
                     r"(?:问题|不足|困难|挑战|短板|差距|弱项|矛盾)")
_PLAN_OPEN = re.compile(r"^(?:[^，,。]{0,12}[，,])?\s*(?:下一步|下步|下来|下阶段|今后|明年|新的一年|展望|接下来|"
                        r"(?:20\d\d|19\d\d)\s*年(?:是|，|,|我|全市|市|将|要|政府|经济|工作)|今年(?:是|政府|经济|工作|，))")

_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")
#: Words that look ahead, anywhere in a sentence's first clause (在今后的工作中，……将……).
_LOOK_AHEAD = re.compile(r"下一步|下步|下阶段|今后|新的一年|明年|接下来|未来")
#: Openings that answer the problems just named (针对以上问题，……将……; 为此，……将……).
_ANSWER = re.compile(r"针对(?:以上|上述|这些|存在的)?[^，,。]{0,10}(?:问题|不足|短板)|为此|对此|下来")


def _solved(text: str, pos: int) -> bool:
    """True when the problem word at ``pos`` is the object of a verb of solving (补齐……短板)."""
    return any(m.start() <= pos < m.end() for m in _SOLVED.finditer(text))


#: A five-year plan by its number: 十四五, “十五五”, "十六五" (十五 alone is the tenth plan, not matched).
_FIVE_YEAR = re.compile(r"十([一二三四五六七八九])五")


def _plan_start(digit: str) -> int:
    """First year of the five-year plan numbered 十 + ``digit``: 十四五 → 2021 (from the third plan,
    1966–1970, the plans follow each other every five years)."""
    return 1966 + 5 * (10 + int(numerals.number(digit)) - 3)


def heading_kind(heading: str, year: int | None = None) -> tuple[str | None, str]:
    """The kind a heading names and why, e.g. ``("plans", "keyword:打算")``; ``(None, "")`` if none.

    A year later than ``year`` (the year under review) makes a heading a plan: ``二、2020年工作思路`` or
    ``三、2024年工作`` in a 2019 or 2023 report; the year under review itself marks the review.
    """
    years = [int(y) for y in _YEAR.findall(heading)] if year is not None else []
    later = [y for y in years if y > year] if years else []
    # a five-year plan that starts after the year under review (“十五五”时期……, in a 2025 report)
    later += [y for y in (_plan_start(m) for m in _FIVE_YEAR.findall(heading)) if year is not None and y > year]
    for kind, pattern in KIND_RULES:
        m = pattern.search(heading)
        if m is None or kind == "problems" and _solved(heading, m.start()):
            continue
        if kind == "achievements" and later:
            break
        return kind, f"keyword:{m.group(0)}"
    if later:
        return "plans", f"year:{later[0]}>{year}"
    if year in years:
        return "achievements", f"year:{year}"
    return None, ""


# --------------------------------------------------------------------------- headings
_L1 = re.compile(rf"[{CN_NUM}]{{1,3}}、")
_L2 = re.compile(rf"[（(][{CN_NUM}]{{1,3}}[）)]")
_L3 = re.compile(r"\d{1,2}(?:[.．、](?!\d))")
_L4 = re.compile(rf"[{CN_NUM}]{{1,3}}是")
_ANY_MARKER = re.compile(rf"(?:{_L1.pattern}|{_L2.pattern}|{_L3.pattern})")

#: Longest text a heading line may have; longer lines are paragraphs that start with a number.
MAX_HEADING = 60
#: Longest unnumbered line taken as a heading (such lines must also name a part of a report).
MAX_BARE_HEADING = 30


@dataclass(frozen=True)
class Heading:
    start: int          # offset of the heading's first character
    end: int            # offset after the heading's text (its line, or its first sentence)
    text: str
    numbered: bool


def _cn_number(s: str) -> int:
    """Value of a marker's Chinese numeral (一 → 1, 十二 → 12, 二十 → 20); 0 when it is none (十十)."""
    try:
        return int(numerals.number(s))
    except ValueError:
        return 0


def _marker_number(heading: str) -> int:
    """The number of a heading's marker: 三、 → 3, （十二） → 12, 4. → 4."""
    m = re.match(rf"[（(]?([{CN_NUM}]{{1,3}}|\d{{1,2}})", heading)
    if m is None:
        return 0
    return int(m.group(1)) if m.group(1).isdigit() else _cn_number(m.group(1))


class _Lines:
    """The lines of one text, found once: every line's start, and the start and end of every line that
    is not blank (the paragraphs). Helpers look lines up by bisection instead of rescanning the text
    for each section, which made segmentation quadratic in the number of headings."""

    __slots__ = ("text", "starts", "para_starts", "para_ends")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))
        spans = [m.span() for m in _NONBLANK_LINE.finditer(text)]
        self.para_starts = [a for a, _ in spans]
        self.para_ends = [b for _, b in spans]


#: A line with a character other than whitespace (``str.strip`` and ``\s`` agree on whitespace).
_NONBLANK_LINE = re.compile(r"^[^\n]*\S[^\n]*", re.M)
#: The index of the text segmented last, reused while the same text (the same object) is asked about.
_LAST_LINES: _Lines | None = None


def _lines_of(text: str) -> _Lines:
    """The line index of ``text``, built once per text (a one-slot cache checked by identity)."""
    global _LAST_LINES
    index = _LAST_LINES
    if index is None or index.text is not text:
        index = _LAST_LINES = _Lines(text)
    return index


def _line_end(text: str, pos: int) -> int:
    """Offset of the newline that ends the line holding ``pos`` (``len(text)`` on the last line)."""
    starts = _lines_of(text).starts
    i = bisect_right(starts, pos)
    return starts[i] - 1 if i < len(starts) else len(text)


#: The word a part's heading ends on (一、工作成效, 二、2025年工作思路, 三、存在的问题和不足).
_PART_WORD = re.compile(r"情况|工作|打算|计划|安排|思路|问题|不足|短板|差距|成效|成果|做法|举措|回顾|总结|措施|方向|建议|目标|"
                        r"任务|展望|要点|设想|原因")
#: What the body of a part opens with, where a page ran its heading and body together (……工作思路2025年是……;
#: ……存在的问题在推进……方面; ……完成情况（一）……): a year, a figure, a lower list marker, or the words a
#: report's sentences open with.
_BODY_OPENS = re.compile(r"(?:19|20)\d{2}\s*年|\d|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}是|"
                         r"我[局委办市区县们]|今年|全年|一年来|近年来|过去|在|根据|按照|围绕|坚持|为了|对照|针对|本[局委单]|"
                         r"全[市区县局系]|[市区县][^，。；\n]{1,14}?(?:局|委|办|中心)")
#: The name of a problems or plans part, near the start of a heading (二、存在问题……, 三、下一步工作打算……).
_NAMED_PART = re.compile(r"存在的?(?:主要)?(?:问题|不足|困难)(?:和|与|及)?(?:不足|问题|原因)?|不足(?:和|与|及)原因|"
                         r"(?:下一步|下步|明年|\d{4}年)(?:工作)?(?:打算|计划|安排|思路)")
_NAMED_PART_REACH = 20
#: A lower list marker inside a heading's line: where the first item begins (一、工作成效（一）突出党建引领).
_LOWER_MARKER = re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]|(?<!\d)\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]{1,3}是")


def _fused_end(text: str, start: int, limit: int) -> int | None:
    """Where a part's heading ends when the page ran it together with its body (``二、2025年工作思路2025年是
    “十四五”……``, ``一、2022年财政金融工作完成情况（一）全力以赴……``): after a part's word that the body's
    opening follows, or before the first lower list marker; or after the name of a problems or plans part
    early in the line whose rest is a sentence with a clause in it (``二、存在问题部分执法事项职责边界不清，
    存在……。``); None when none is found before ``limit``."""
    first = re.search(rf"[{_END}]", text[start:limit])  # the heading lies inside the line's first sentence
    limit = start + first.start() if first else limit
    for m in _PART_WORD.finditer(text, start + 2, limit):
        if _BODY_OPENS.match(text, m.end()) and m.end() < limit:
            return m.end()
    m = _LOWER_MARKER.search(text, start + 4, limit)
    if m:
        return m.start()
    m = _NAMED_PART.search(text, start + 2, min(limit, start + 2 + _NAMED_PART_REACH))
    if m and first:
        rest = text[m.end():limit]
        if rest and rest[0] not in "，,、：:和与及" and re.search(r"[，,]", rest):
            return m.end()
    return None


def _heading_end(text: str, start: int, line_end: int) -> int:
    """End offset of a heading that begins at ``start``: its whole line when short, else where it runs
    into its body (:func:`_fused_end`) or its first sentence ends (or the text up to a blank, in text that
    lost its line breaks), whichever is first."""
    if line_end - start <= MAX_HEADING and text[line_end - 1] not in _END:
        return line_end
    limit = min(line_end, start + MAX_HEADING)
    window = text[start + 2:limit]
    m = re.search(rf"[{_END}]|\s", window)
    end = start + 2 + (len(window) if m is None else m.start() + (1 if m.group(0) in _END else 0))
    fused = _fused_end(text, start, limit)
    return min(end, fused) if fused is not None else end


def _inline_heading_end(text: str, start: int, line_end: int, year: int | None) -> int | None:
    """The end of a part's heading written inside a run-on paragraph after a sentence end
    (``……交叉的问题。三、2023年工作计划（一）……``): only where the page ran the heading into its body
    (:func:`_fused_end`) and the heading names a part; None otherwise (a list ``……：一、……；二、……`` inside a
    sentence is no heading)."""
    fused = _fused_end(text, start, min(line_end, start + MAX_HEADING))
    if fused is None or not heading_kind(text[start:fused], year)[1].startswith(("keyword:", "year:")):
        return None
    return fused


#: The first line of the body: longer than a heading, or ending as a sentence or a salutation does.
_BODY_LINE = re.compile(rf"^(?:[^\n]{{{MAX_HEADING + 1}}}|[^\n]*[{_END}：:]$)", re.M)


def find_headings(text: str, year: int | None = None) -> list[Heading]:
    """Top-level headings of a report, in order.

    Numbered ``一、`` headings count when they form a sequence (一、, 二、, …) — a list item ``一、`` inside
    a sentence does not. Unnumbered lines count when they are short, end without sentence punctuation
    and name a part of a report.
    """
    # numbered headings start a line; only in text that lost its line breaks may they follow a
    # sentence end or a blank ("一、2023年工作回顾 过去的一年……")
    broken = text.count("\n") < 5
    numbered: list[Heading] = []
    for level, pattern in enumerate((_L1, _L2, _L3), 1):
        found = []
        start_of_line = rf"(?:^|(?<=[{_END}：:])\s*|(?<=\s))" if broken else r"^"
        for m in re.finditer(rf"{start_of_line}({pattern.pattern})", text, flags=re.M):
            start = m.start(1)
            line_end = _line_end(text, start)
            end = _heading_end(text, start, line_end)
            if level == 1 or end == line_end:  # lower levels head the top only as lines of their own
                found.append(Heading(start, end, text[start:end].strip(), True))
        if level == 1 and not broken:  # a part's heading inside a run-on paragraph, after a sentence end
            for m in re.finditer(rf"(?<=[{_END}：:])[ \t\u3000]*({pattern.pattern})", text):
                start = m.start(1)
                if (end := _inline_heading_end(text, start, _line_end(text, start), year)) is not None:
                    found.append(Heading(start, end, text[start:end].strip(), True))
            found.sort(key=lambda h: h.start)
        lone = [h for h in found if heading_kind(h.text, year)[1].startswith("keyword:")
                and h.end == _line_end(text, h.start)] if level == 1 and len(found) == 1 else []
        # (a part's heading standing alone on its line, 一、2023年工作回顾 before its （一）…, is a heading; a lone
        # 一、 inside a line is a list item)
        found = _in_sequence(found) or lone
        # a lower level is the top level only where no higher one exists and it names the parts
        if found and (level == 1 or any(heading_kind(h.text, year)[1].startswith("keyword:") for h in found)):
            numbered = found
            break

    # an unnumbered line heads a part only after the body has begun: the lines before it are the title
    m = _BODY_LINE.search(text)
    body = m.start() if m else 0
    bare = [Heading(ls, le, text[ls:le].strip(), False) for ls, le in _paragraphs(text, body, len(text))
            if ls > body and is_bare_heading(text[ls:le].strip(), year)]
    if not numbered and not bare and not broken:
        numbered = _enumerated_parts(text, year)
    # an unnumbered heading must not sit inside a numbered heading's line
    taken = {h.start for h in numbered}
    headings = sorted(numbered + [h for h in bare if h.start not in taken], key=lambda h: h.start)
    return _disjoint(text, headings)


def _enumerated_parts(text: str, year: int | None) -> list[Heading]:
    """The parts of a short report built on 一是, 二是, 三是 at the start of lines (no 一、 heading, no part
    heading): each line's first clause is its heading (一是工作开展情况。, 二是存在的问题，……, 三是下一步，
    我局将……), classified by its words; at least two must name a part."""
    found, expected = [], 1
    for m in re.finditer(rf"^[ \t\u3000]*({_L4.pattern})", text, flags=re.M):
        if _cn_number(m.group(1)[:-1]) != expected:
            if expected > 1:
                break  # the first run only: a list inside a part starts again at 一是
            continue
        start = m.start(1)
        line_end = _line_end(text, start)
        clause = re.search(r"[，,。；;：:！？!?]", text[start:min(line_end, start + MAX_HEADING)])
        end = start + clause.start() + (clause.group(0) not in "，,") if clause else min(line_end, start + MAX_HEADING)
        found.append(Heading(start, end, text[start:end].strip(), True))
        expected += 1
    named = sum(heading_kind(h.text, year)[1].startswith(("keyword:", "year:")) for h in found)
    return found if len(found) >= 2 and named >= 2 else []


def _disjoint(text: str, headings: list[Heading]) -> list[Heading]:
    """Cut each heading off where the next one begins, so no two overlap: in text that lost its line
    breaks a short line may hold two (``一、：二、``, ``2023年工作回顾 二、存在问题``)."""
    out = []
    for i, h in enumerate(headings):
        nxt = headings[i + 1].start if i + 1 < len(headings) else len(text)
        if h.end > nxt:
            h = Heading(h.start, nxt, text[h.start:nxt].strip(), h.numbered)
        if h.text:
            out.append(h)
    return out


#: Words of a document title or signature (the report's own name, its agency), never of a part heading.
_TITLE_WORDS = re.compile(r"报告$|人民政府|[^\s]{2,}(?:局|厅|委员会|办公室)(?:\s|$)|文件$|^——|会议上|\d\s*月\s*\d{1,2}\s*日")


#: Column words of a table (指标名称 | 目标任务 | 完成情况 | 备注): a header row of them heads no part.
_COLUMN_WORDS = re.compile(r"指标名称|指标|序号|项目名称|项目|单位|计量单位|目标任务|目标值|目标|预期目标|年度目标|完成情况|"
                           r"完成值|实际完成|完成|进度|增速|增长|备注|责任单位|牵头单位|类别|内容|属性|(?:19|20)\d\d年?|"
                           r"(?:19|20)\d\d年(?:目标|完成情况)")
#: The column words that make a header row alone (a line 完成情况 under a table).
_COLUMN_ALONE = re.compile(r"完成情况|指标名称|指标|序号|项目名称|完成值|备注|责任单位|牵头单位|计量单位")


def is_table_header(line: str) -> bool:
    """True for a table's header row: the bare column words 完成情况 or 指标名称, or a short line of cells
    (目标任务\t完成情况) split by tabs or blanks, all column words."""
    cells = line.split()
    if len(cells) >= 2:
        return all(_COLUMN_WORDS.fullmatch(c) for c in cells) and not all(c[:1].isdigit() for c in cells)
    return bool(_COLUMN_ALONE.fullmatch(line.strip()))


def is_bare_heading(line: str, year: int | None = None) -> bool:
    """An unnumbered line that heads a part: short, no sentence punctuation, names a part of a report
    (2023年工作回顾, 2024年工作安排建议, 持之以恒加强政府自身建设) or a year after the one under review,
    and is not a title, signature or date."""
    if not 0 < len(line) <= MAX_BARE_HEADING or re.search(rf"[{_END}：:]|[，,].*[，,]", line) or line[-1] in "，,、":
        return False
    if _ANY_MARKER.match(line) or _L4.match(line) or _DATE_LINE.match(line) or _TITLE_WORDS.search(line):
        return False
    if is_table_header(line):
        return False
    why = heading_kind(line, year)[1]
    return why.startswith("keyword:") or ">" in why


def _in_sequence(headings: list[Heading]) -> list[Heading]:
    """Keep the ``一、`` headings that form runs numbered 一, 二, 三 … (a run may also open at 二 or 三,
    where the first part of a report went unnumbered); a lone ``一、`` is a list item, not a heading."""
    kept: list[Heading] = []
    expected = None
    for h in headings:
        n = _marker_number(h.text)
        if n == expected or n == 1 or (expected is None and n <= 3) or (expected and n == expected + 1):
            # (a run may skip one number, where a heading lost its numeral in conversion)
            kept.append(h)
            expected = n + 1
    return kept if len(kept) >= 2 else []


# --------------------------------------------------------------------------- inline parts
_PROBLEM_NOUN = re.compile(r"问题|不足|事故|困难|挑战|短板|差距|弱项|矛盾|[不未]及预期|[未低]于预期|未达预期|未能实现|隐忧|风险隐患|"
                           r"薄弱环节|有待(?:提高|加强|提升|完善|改进)|滞后|瓶颈|距离")
_PROBLEM_FRAME = re.compile(r"清醒|存在|面临|不容忽视|还有|仍有|尚有|[不未]及预期|[未低]于预期|未达预期|需要特别报告|"
                            r"(?:需要?|要)向.{0,6}说明|看到|认识到|意识到|差距|虽然[^。]{0,60}但")
_PROBLEM_STRONG = re.compile(r"清醒|不容忽视|(?:需要?|要)向.{0,6}说明|需要特别报告|问题和不足|不足和问题")

_SENTENCE_END = re.compile(r"[。！？!?]")
#: A sentence inside a paragraph that turns from the review to the problems (……。但也要看到，……).
_TURN = re.compile(r"(?<=[。！？!?])[ \u3000]*((?:但|但是|然而|同时|当然|与此同时)[^。！？]{0,12}?(?:看到|认识到|意识到)|"
                   r"我们(?:也|还|更)?(?:要|必须|应当)?清醒(?:地)?(?:看到|认识到|意识到))")


def _first_sentence(text: str, start: int, end: int, limit: int = 160, least: int = 30) -> str:
    """The opening of a paragraph: its first sentence, extended past short openers such as
    "各位代表！" or "思危方能居安，知忧才能克难。" to at least ``least`` characters."""
    m = _SENTENCE_END.search(text, min(start + least, end), min(end, start + limit))
    return text[start:(m.end() if m else min(end, start + limit))]


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Paragraph spans inside [start, end), without newlines."""
    index = _lines_of(text)
    starts, ends = index.para_starts, index.para_ends
    spans = []
    i = bisect_right(ends, start)  # the first paragraph that ends after ``start``
    while i < len(starts) and starts[i] < end:
        ls, le = starts[i], ends[i]
        if start <= ls and le <= end:
            spans.append((ls, le))
        else:  # a paragraph cut by the range: keep its part inside, unless that is blank
            s, e = max(ls, start), min(le, end)
            if s < e and text[s:e].strip():
                spans.append((s, e))
        i += 1
    return spans


def is_problem_opening(sentence: str) -> bool:
    """True when a paragraph's first sentence admits problems (我们也清醒认识到……困难和挑战)."""
    if _ANY_MARKER.match(sentence.lstrip()):
        return False
    noun = _PROBLEM_NOUN.search(sentence)
    if noun is None or not _PROBLEM_FRAME.search(sentence):
        return False
    return not _solved(sentence, noun.start())


def is_plan_opening(sentence: str, year: int | None = None) -> bool:
    """True when a paragraph's first sentence turns to future work (下来，……将继续……; 在今后的工作中，
    我局将……; 针对以上问题，我局将……)."""
    s = sentence.lstrip()
    first_clause = re.split(r"[，,。；]", s, maxsplit=1)[0]
    if (_LOOK_AHEAD.search(first_clause) or _ANSWER.match(s)) and "将" in s:
        return True
    if not _PLAN_OPEN.search(s):
        return False
    years = [int(y) for y in _YEAR.findall(s[:12])]
    if years and year is not None and max(years) <= year:
        return False
    return "将" in s or "要" in s or "是" in s[:12] or "工作" in s[:20]


# --------------------------------------------------------------------------- closing
_DATE_LINE = re.compile(r"^\s*(?:(?:19|20)\d\d|[〇○零一二三四五六七八九]{4}|20)\s*年\s*\S{1,3}\s*月\s*\S{1,3}\s*日\s*$")
_SIGNATURE = re.compile(r"^\S{2,30}(?:局|委|办|厅|处|中心|政府|办公室|委员会|小组|公司|集团|党组|党委)(?:[（(][^）)]{2,20}[）)])?$")
#: Lines that open the back matter of an official document: attachments, distribution, contact.
_BACK_MATTER = re.compile(r"^(?:附件\s*(?:\d+\s*)?[:：]|附件\s*$|抄送\s*[:：]|[（(]此件|[（(]?联系人\s*[:：]|\S{2,30}\d{4}\s*年.{1,6}日印发$)")


#: Lines of the web page a report was saved from, after its end: 相关链接, 责任编辑, 【纠错】, the source line
#: (（新华社北京3月12日电）, （《人民日报》1956年6月16日第2版）).
_RESIDUE = re.compile(r"^(?:相关链接|相关阅读|相关新闻|相关文件|延伸阅读|责任编辑|编辑\s*[:：]|来源\s*[:：]|【纠错】|【打印】|"
                      r"打印本页|关闭窗口|分享到|扫一扫|[（(](?:新华社|《人民日报》|人民日报)[^）)]{0,40}[）)]$)")
#: Lines that open an appendix of a work report: 名词解释, 附件1, 附件2 名词解释, 附表, (……附件……).
_APPENDIX = re.compile(r"^(?:名\s?词\s?(?:解\s?释|注\s?释)$|附件\s*\d+$|附件\s*\d+\s*\S{1,20}$|附表\s*\d*(?:$|[:：\s])|"
                       r"[（(][^）)]{0,20}附件[^）)]{0,10}[）)]$)")
#: The appeal that closes a work report (让我们更加紧密地团结在……周围).
_APPEAL = re.compile(r"让我们.*(?:奋斗|贡献|篇章|前进|奋进|努力|新局面|新征程|新辉煌)")
#: The same appeal without 让我们, as the last paragraph of the body (各位代表！……我们要更加紧密团结在……
#: 周围，……为……努力奋斗！ before the 名词解释 of 四川 2025); thanks (……表示衷心的感谢！) are no appeal.
_LAST_APPEAL = re.compile(r"^各位代表[！!，,](?!.*(?:感谢|谢意|敬意)[！!]$).*[！!]$")


def _closing_start(text: str, start: int) -> int:
    """Start of the closing: the back matter (附件, 抄送, (此件公开发布) …) and the signature and date
    lines before it or at the end; ``len(text)`` when there are none."""
    spans = _paragraphs(text, start, len(text))
    cut = len(text)
    half = start + (len(text) - start) // 2
    for k, (s, e) in enumerate(spans):
        line = text[s:e].strip()
        if _BACK_MATTER.match(line) or _APPENDIX.match(line) or _RESIDUE.match(line):
            cut = s
            break
        # the date that ends the report, when more follows: the web page's news items, a resolution …
        if s >= half and k + 1 < len(spans) and _DATE_LINE.match(line):
            cut = s
            break
    # the closing appeal (各位代表！……让我们……而奋斗！) in the last tenth of the body, or as its last
    # paragraph (各位代表！……努力奋斗！), and what follows it
    floor = start + 9 * (cut - start) // 10
    last = True  # the last paragraph of the body (signature and date lines aside)
    for k in range(len(spans) - 1, -1, -1):
        s, e = spans[k]
        if s >= cut:
            continue
        if s < floor and not last:
            break
        line = text[s:e].strip()
        if _DATE_LINE.match(line) or _SIGNATURE.match(line):
            continue
        if s >= floor and _APPEAL.search(line) and line[-1] in "！!。" or last and len(line) <= 400 and _LAST_APPEAL.match(line):
            cut = s
            if k > 0 and re.fullmatch(r"各位代表[！!，,：:]?", text[spans[k - 1][0]:spans[k - 1][1]].strip()):
                cut = spans[k - 1][0]
            break
        last = False
    for s, e in reversed([(s, e) for s, e in spans if s < cut]):
        line = text[s:e].strip()
        if _DATE_LINE.match(line) or _SIGNATURE.match(line) or _SIGN_OFF.match(line):
            cut = s
        else:
            break
    return cut


#: The formula an official report signs off with, on a line of its own before the signature (特此报告。).
_SIGN_OFF = re.compile(r"^(?:特此(?:报告|汇报|函告|说明)|专此(?:报告|汇报)|以上报告[，,]?请(?:审阅|审议)|妥否[，,]?请(?:批示|审示))[。！!]?$")


# --------------------------------------------------------------------------- preamble
_FRAMING = re.compile(r"报告如下|汇报如下|综合如下|总结如下|报告工作|报告政府工作|作政府工作报告|请予审议|请大会审议|现将|各位代表|"
                      r"特此报告|提出意见")
_FRAMING_END = re.compile(r"(?:报告如下|汇报如下|综合如下|总结如下|提出意见|请予审议)[^。]{0,20}[。：:]")


def _preamble_end(text: str, first: int) -> int:
    """End of the preamble in the text before the first part.

    The preamble is the run of leading title lines (no sentence punctuation), salutations (…：) and
    framing sentences (现将……报告如下, 我代表……报告工作). Body text after them is the review.
    """
    end = 0
    for s, e in _paragraphs(text, 0, first):
        line = text[s:e].strip()
        title = len(line) <= MAX_HEADING and line[-1] not in _END
        salutation = line.endswith(("：", ":")) and len(line) <= 40
        if title or salutation or _FRAMING.search(line[:200]):
            # a framing paragraph may go on into the review in text without line breaks
            if len(line) > 400:
                m = _FRAMING_END.search(text, s, e)
                return m.end() if m else e
            end = e
        else:
            break
    return end


# --------------------------------------------------------------------------- segmentation
@dataclass(frozen=True)
class Section:
    index: int
    kind: str
    heading: str
    start: int
    end: int
    found: str      # "heading" or "inline"
    rule: str       # why it has its kind, e.g. "keyword:打算", "continues:plans", "opening:problems"
    body: int | None = None  # offset after the heading's text, where the units begin (None: no heading)
    part: str = ""  # a named part of the genre (:data:`PARTS`), "" for any other


def segment(text: str, year: int | None = None) -> list[Section]:
    """Split a cleaned report into sections that cover it exactly, in order."""
    if not text:
        return []
    headings = find_headings(text, year)
    closing = _closing_start(text, headings[0].end if headings else 0)
    headings = [h for h in headings if h.start < closing]

    # 1. parts announced by headings, with kinds from their words, else from what they continue
    parts: list[Section] = []
    current = "achievements"
    for i, h in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else closing
        kind, rule = heading_kind(h.text, year)
        if kind == "achievements" and current == "plans" and not rule.startswith("year:"):
            kind = None  # 七、聚力改善民生……创造更多发展成果 in a task list is still a task
        if kind is None and current == "problems" and _SELF_CONDUCT.search(h.text):
            kind, rule = "achievements", "self-conduct:review"  # 三、加强自身建设 after the problems, before the plans
        if kind is None:
            kind, rule = current if current != "other" else "achievements", f"continues:{current}"
        body = _text_end(text, h.start, h.end)
        parts.append(Section(0, kind, h.text, h.start, max(end, h.end), "heading", rule, body, heading_part(h.text)))
        current = kind
    if not parts:
        body = [Section(0, "other", "", 0, len(text), "inline", "no-headings")]
        body = _split_inline(text, body, year, whole_text=True)
        return _finish(text, _join_fragments(text, _finish(text, body)))

    # 2. the text before the first heading: preamble, then review text if any
    lead: list[Section] = []
    pre_end = _preamble_end(text, parts[0].start)
    if pre_end > 0:
        lead.append(Section(0, "other", "", 0, pre_end, "inline", "preamble"))
    if text[pre_end:parts[0].start].strip():
        lead.append(Section(0, "achievements", "", pre_end, parts[0].start, "inline", "before-first-heading"))
    elif pre_end < parts[0].start and lead:
        lead[-1] = replace(lead[-1], end=parts[0].start)
    if not lead:
        parts[0] = replace(parts[0], start=0)
    elif lead[-1].end < parts[0].start:
        lead[-1] = replace(lead[-1], end=parts[0].start)

    sections = _split_review(text, _split_inline(text, _split_subheadings(text, lead + parts, year), year))
    if closing < len(text):
        sections.append(Section(0, "other", "", closing, len(text), "inline", "closing"))
    return _finish(text, _join_fragments(text, _finish(text, sections)))


#: A part on the government's own conduct (加强政府自身建设, 切实加强行署自身建设): it reviews the year's
#: conduct inside the review and promises it after the plans, never a problem.
_SELF_CONDUCT = re.compile(r"自身建设|政府建设")
#: A paragraph that resumes the review after the problems: the five-year review of a report at the end of
#: a government's term (过去五年，……; 五年来，……; 各位代表！过去五年……).
_REVIEW_OPEN = re.compile(r"(?:各位代表[！!，,]\s*)?(?:过去(?:的)?(?:五|十)年|[五十]年来|本届政府(?:成立|履职)以来)")


def _split_review(text: str, sections: list[Section]) -> list[Section]:
    """A review placed after the problems (过去五年，…… after the year's review and its problems
    paragraph) is achievements: a problems section ends before the paragraph that opens the review."""
    out: list[Section] = []
    for s in sections:
        if s.kind == "problems":
            for ps, pe in _paragraphs(text, _body_start(text, s), s.end)[1:]:
                if _REVIEW_OPEN.match(text, ps) and not is_problem_opening(_first_sentence(text, ps, pe)):
                    out.append(replace(s, end=ps))
                    s = Section(0, "achievements", "", ps, s.end, "inline", "opening:review")
                    break
        out.append(s)
    return out


#: Longest fragment: a section without a heading of one sentence this short never stands alone.
MAX_FRAGMENT = 60


def _is_fragment(text: str, s: Section) -> bool:
    """A piece of one short sentence (对此我们将采取有力措施坚决改进。, 各位代表！) left over by the inline
    rules (the rest of a part after a split); a part the rules found
    (a one-sentence problems or plans paragraph), a heading's part, the preamble and the closing are none."""
    if s.kind == "other" or s.found == "heading" or not s.rule.startswith("continues:"):
        return False
    body = text[s.start:s.end].strip()
    return len(body) < MAX_FRAGMENT and len(_SENTENCE.findall(body)) <= 1


def _join_fragments(text: str, sections: list[Section]) -> list[Section]:
    """No fragment section: a fragment joins the section before it, or the one after it when it is first
    or announces what follows (回顾过去五年……，有以下几点。; ……：)."""
    out: list[Section] = []
    for k, s in enumerate(sections):
        if _is_fragment(text, s):
            body = text[s.start:s.end].strip()
            ahead = body.endswith(("：", ":")) or re.search(r"以下|如下", body)
            if out and not (ahead and k + 1 < len(sections)):
                out[-1] = replace(out[-1], end=s.end)
                continue
            if k + 1 < len(sections):
                nxt = sections[k + 1]
                # its units begin with the fragment (and take the next section's heading line in)
                sections[k + 1] = replace(nxt, start=s.start, body=s.start if nxt.body is not None else None)
                continue
        out.append(s)
    return out


#: The plans words of a heading that names problems too (存在的问题及下一步打算, 问题和改进措施).
_PLANS_WORDS = next(pattern for kind, pattern in KIND_RULES if kind == "plans")
_ORDER = {"achievements": 0, "problems": 1, "plans": 2}


def _split_subheadings(text: str, sections: list[Section], year: int | None) -> list[Section]:
    """Split a part where a heading line of a lower level names a later part: （二）存在问题 inside
    一、2023年工作情况, or （二）下一步工作打算 inside 二、存在的问题及下一步打算. A problems part whose
    heading also names plans (存在问题和改进措施) turns to plans at the first paragraph that looks ahead."""
    has_plans = any(s.kind == "plans" for s in sections)
    out: list[Section] = []
    for s in sections:
        pieces = [s]
        if s.kind in ("achievements", "problems"):
            for ps, pe in _paragraphs(text, _body_start(text, s), s.end):
                line = text[ps:pe].strip()
                current = pieces[-1]
                if not (_L2.match(line) or _L3.match(line)) or len(line) > MAX_HEADING:
                    continue
                # a named part as a subheading (（四）党政主要负责人履行推进法治建设第一责任人职责情况) is a
                # section of its own, of its part's kind, up to the next subheading
                named = heading_part(line)
                if s.kind == "achievements" and (named or s.part) != current.part and not re.search(
                        rf"[{_END}]", line[:-1]):
                    pieces[-1] = replace(current, end=ps)
                    pieces.append(Section(0, current.kind if not named else s.kind, line, ps, s.end, "heading",
                                          f"subheading:part:{named}" if named else f"continues:{s.kind}",
                                          _text_end(text, ps, pe), named or s.part))
                    continue
                if line[-1] in _END:
                    continue
                kind, rule = heading_kind(line, year)
                if kind in _ORDER and _ORDER[kind] > _ORDER.get(current.kind, 3):
                    pieces[-1] = replace(current, end=ps)
                    pieces.append(Section(0, kind, line, ps, s.end, "heading", f"subheading:{rule}",
                                          _text_end(text, ps, pe), heading_part(line)))
            last = pieces[-1]
            if last.kind == "problems" and (_PLANS_WORDS.search(last.heading) or not has_plans):
                for ps, pe in _paragraphs(text, _body_start(text, last), last.end):
                    if is_plan_opening(_first_sentence(text, ps, pe), year):
                        pieces[-1] = replace(last, end=ps)
                        pieces.append(Section(0, "plans", "", ps, last.end, "inline", "opening:plans"))
                        break
        out.extend(p for p in pieces if p.end > p.start)
    return out


def _split_inline(text: str, sections: list[Section], year: int | None, whole_text: bool = False) -> list[Section]:
    """Split out problems and plans paragraphs where no heading announces them."""
    kinds = {s.kind for s in sections if s.found == "heading"}
    if whole_text:  # a text with no headings: the same paragraph rules, over all of it
        sections = [replace(sections[0], kind="achievements", rule="no-headings")]
        pre = _preamble_end(text, len(text))
        if 0 < pre < len(text):
            sections = [Section(0, "other", "", 0, pre, "inline", "preamble"),
                        replace(sections[0], start=pre)]
        closing = _closing_start(text, pre)
        if closing < len(text) and closing > sections[-1].start:
            sections[-1] = replace(sections[-1], end=closing)
            sections.append(Section(0, "other", "", closing, len(text), "inline", "closing"))
    out = list(sections)

    if "problems" not in kinds:
        out = _split_problems(text, out, year)
    if "plans" not in kinds:
        out = _split_plans(text, out, year)
    if whole_text and not any(s.kind in ("problems", "plans") for s in out):
        # no heading and no part found: one `other` section of the body, never invented kinds
        out = [replace(s, kind="other", rule="no-headings") if s.kind == "achievements" else s for s in out]
    return out


def _split_at(sections: list[Section], i: int, cut: int, stop: int, kind: str, rule: str) -> list[Section]:
    """Split section ``i`` into [start, cut) of its own kind, [cut, stop) of ``kind`` and [stop, end)."""
    s = sections[i]
    pieces = []
    if s.start < cut:
        pieces.append(replace(s, end=cut))
    pieces.append(Section(0, kind, "", cut, stop, "inline", rule))
    if stop < s.end:
        pieces.append(Section(0, s.kind, "", stop, s.end, "inline", f"continues:{s.kind}", part=s.part))
    return sections[:i] + pieces + sections[i + 1:]


def _text_end(text: str, start: int, end: int) -> int:
    """``end`` less the whitespace before it: where ``text[start:end].strip()`` ends."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _body_start(text: str, section: Section) -> int:
    """Where a section's body begins: after its heading (the offset kept when the heading was found),
    never before the section's start nor past its end."""
    if section.body is not None:
        return min(max(section.body, section.start), section.end)
    if section.found != "heading" or not section.heading:
        return section.start
    # a Section built by hand, without its body offset: look for its heading inside it
    at = text.find(section.heading, section.start, section.end)
    return section.start if at < 0 else at + len(section.heading)


def _openings(text: str, sections: list[Section], kinds=("achievements",)):
    """(section position, paragraph or sentence start, paragraph end) for the body of sections of ``kinds``."""
    for i, s in enumerate(sections):
        if s.kind not in kinds:
            continue
        for ps, pe in _paragraphs(text, _body_start(text, s), s.end):
            for ss in _sentence_starts(text, ps, pe):
                yield i, ss, pe


def _split_problems(text: str, sections: list[Section], year: int | None) -> list[Section]:
    """The last paragraph of the review that opens by admitting problems becomes a problems section."""
    # the first admission in each paragraph; the last paragraph with one wins, one in the genre's own
    # words (我们也清醒认识到, 问题不容忽视) over one that only names a difficulty
    firsts: dict[int, tuple[int, int, int, bool]] = {}
    for i, ss, pe in _openings(text, sections):
        opening = _first_sentence(text, ss, pe)
        if is_problem_opening(opening):
            strong = bool(_PROBLEM_STRONG.search(opening))
            if pe not in firsts or (strong and not firsts[pe][3]):
                firsts[pe] = (i, ss, pe, strong)
    # a plans part that opens by admitting the year's shortcomings before it turns to plans (二、2022年工作
    # 计划 / 2021年，我局……取得了一定成效，但也存在一些不足，如……。2022年，我局将……)
    for i, s in enumerate(sections):
        if s.kind == "plans" and s.found == "heading":
            for ps, pe in _paragraphs(text, _body_start(text, s), s.end)[:1]:
                opening = _first_sentence(text, ps, pe)
                if is_problem_opening(opening) and not is_plan_opening(opening, year) and pe not in firsts:
                    firsts[pe] = (i, ps, pe, bool(_PROBLEM_STRONG.search(opening)))
            break
    # in the closing paragraph of a review, an admission that does not open it: the turn (……取得明显
    #成效。但也要看到，……) starts the part; a paragraph that ends by promising to solve the problems it
    # names (当前，……关键时期。……还有不少短板……。对这些问题，我们会……加以解决。) is the part
    # (such a turn yields to a paragraph that opens in the genre's own words elsewhere)
    strong = not any(c[3] for c in firsts.values())
    for i, s in enumerate(sections):
        if s.kind != "achievements":
            continue
        for ps, pe in _paragraphs(text, _body_start(text, s), s.end)[-1:]:
            if pe in firsts:
                continue
            for m in _TURN.finditer(text, ps, pe):
                if m.start(1) > ps and is_problem_opening(_first_sentence(text, m.start(1), pe)):
                    firsts[pe] = (i, m.start(1), pe, strong)
                    break
            else:
                sentences = _sentences(text, ps, pe)
                if (len(sentences) > 1 and pe not in firsts and is_closing(text[sentences[-1][0]:sentences[-1][1]])
                        and any(is_problem_opening(text[a:b]) for a, b in sentences[:-1])):
                    firsts[pe] = (i, ps, pe, strong)
    found = sorted(firsts.values(), key=lambda c: (c[3], c[1]))
    best = found[-1][:3] if found else None
    if best is None:
        return sections
    i, cut, stop = best
    s = sections[i]
    # a paragraph found by an opening that ran on past a short first sentence starts at its turn
    # (not past an opener of the admission: 各位代表！思危方能居安，知忧才能克难。)
    turn = _TURN.search(text, cut, min(stop, cut + 160))
    if turn and not is_problem_opening(text[cut:turn.start(1)]) and (
            turn.start(1) - cut > 40 or re.search(r"成效|成绩|成就|取得|进展", text[cut:turn.start(1)])):
        cut = turn.start(1)
    plans_from = None  # where the admission gives way to plans in the same paragraph
    if "\n" not in text[cut:stop]:  # the admission ends where the plans begin, in text without line breaks
        for ss in _sentence_starts(text, cut, stop, every=True):
            sentence = _first_sentence(text, ss, stop, least=0)
            last = not text[ss + len(sentence):stop].strip()
            if last and is_closing(sentence) and not sentence.rstrip().endswith(("：", ":")):
                break  # the promise that ends the admission (对此，我们将……) is no plan
            if ss > cut and is_plan_opening(_first_sentence(text, ss, stop), year):
                stop = plans_from = ss
                break
    # the admission runs to the end of its paragraph, and on over the paragraphs that list the problems
    # (after a "：", or after an admission of one sentence: 我们也清醒地看到，……还存在不少矛盾和问题。
    # then 一是…… or ——…… paragraphs)
    admission = text[cut:stop].rstrip()
    if admission.endswith(("：", ":")) or len(_SENTENCE.findall(admission)) <= 1 and len(admission) <= 120:
        for ps, pe in _paragraphs(text, stop, s.end):
            if _L4.match(text, ps) or _ANY_MARKER.match(text, ps) or text.startswith("——", ps):
                stop = pe
            else:
                break
    # the paragraphs just before that admit problems too (总结一年来的工作，我们清醒地看到……; 这里特别要
    # 向大会说明……事故) belong to the part, and so does the closing promise after it (对此，我们将……)
    paragraphs = _paragraphs(text, _body_start(text, s), s.end)
    k = bisect_right([a for a, _ in paragraphs], cut) - 1
    while k > 0 and paragraphs[k][0] == cut and paragraphs[k - 1][0] > s.start:
        ps, pe = paragraphs[k - 1]
        if not is_problem_opening(_first_sentence(text, ps, pe)):
            break
        cut, k = ps, k - 1
    for ps, pe in paragraphs:
        if ps >= stop:
            if ps - stop <= 2 and pe - ps <= 300 and is_closing(_first_sentence(text, ps, pe)):
                stop = pe
            break
    stop = _next_line_start(text, stop, s.end)
    out = _split_at(sections, i, cut, stop, "problems", "opening:problems")
    if plans_from is not None and stop == plans_from and stop < s.end:
        # the rest of that paragraph looks ahead (下一步，区财金局将……确保财金工作平稳运行。 before 二、2023年
        # ……): plans, unless it is one short promise to solve what was just named (今后要继续采取措施，认真加以解决。)
        k = next(k for k, piece in enumerate(out) if piece.start == stop and piece.found == "inline")
        end = _paragraph_end(text, stop, out[k].end)
        if end - stop > MAX_FRAGMENT and not is_closing(_first_sentence(text, stop, end, least=0)):
            out[k:k + 1] = [p for p in (Section(0, "plans", "", stop, end, "inline", "opening:plans"),
                                        replace(out[k], start=end)) if p.end > p.start]
    return out


def _paragraph_end(text: str, pos: int, limit: int) -> int:
    """The end of the paragraph holding ``pos`` (its newline included), at most ``limit``."""
    end = text.find("\n", pos, limit)
    return limit if end < 0 else end + 1


def _split_plans(text: str, sections: list[Section], year: int | None) -> list[Section]:
    """From the paragraph that turns to future work, the rest of the report (up to its closing) is plans.

    The turn is looked for after the problems, if any. Else an opening that looks ahead in so many
    words (下一步，我局将……; 在今后的工作中，……将……) counts anywhere after the first paragraph, and one
    that names a year or "this year" only in the last third of the text: a review also says what was
    done "in 2019" or "this year".
    """
    for k, s in enumerate(sections):  # the problems part already gave way to the plans (see _split_problems)
        if s.kind == "plans" and s.rule == "opening:plans":
            return sections[:k + 1] + [replace(x, kind="plans", rule="continues:plans") if x.kind == "achievements"
                                       else x for x in sections[k + 1:]]
    after = max((s.end for s in sections if s.kind == "problems"), default=None)
    explicit_after = after
    if after is None:
        body = [s for s in sections if s.kind != "other"]
        after = body[0].start + 2 * (body[-1].end - body[0].start) // 3 if body else len(text)
        explicit_after = _next_line_start(text, text.find("\n", body[0].start), len(text)) if body else len(text)
    restarts = _restarts(text, sections)
    for i, ss, pe in _openings(text, sections):
        opening = _first_sentence(text, ss, pe)
        explicit = bool(_LOOK_AHEAD.search(re.split(r"[，,。；]", opening, maxsplit=1)[0]))
        # before a list that starts again at （一）, an opening that names a later year turns to the plans
        # (……（八）文化旅游市场稳步复苏。 2021年是……开局之年，……今年的重点工作有以下八个方面： （一）……)
        restart = any(0 <= r - pe <= _RESTART_REACH for r in restarts)
        if (ss >= after or (explicit or restart) and ss >= explicit_after) and is_plan_opening(opening, year):
            out = _split_at(sections, i, ss, sections[i].end, "plans", "opening:plans")
            k = out.index(next(s for s in out if s.start == ss))
            return out[:k + 1] + [replace(s, kind="plans", rule="continues:plans") if s.kind == "achievements" else s
                                  for s in out[k + 1:]]
    return sections


#: Characters between a plans opening and the list that starts again after it.
_RESTART_REACH = 400


def _restarts(text: str, sections: list[Section]) -> list[int]:
    """Where a part's numbered list starts again at 1 (（一） after （八）): the start of each heading
    numbered 1 that follows a heading numbered more than 1."""
    out, last = [], 0
    for s in sections:
        if s.found != "heading" or not s.heading:
            continue
        n = _marker_number(s.heading)
        if n == 1 and last > 1:
            out.append(s.start)
        last = n or last
    return out


def _sentence_starts(text: str, start: int, end: int, every: bool = False):
    """The paragraph start, and for paragraphs over 2000 characters (lost line breaks) or with
    ``every`` each sentence start."""
    yield start
    if every or end - start > 2000:
        for m in re.finditer(r"(?<=[。！？!?])\s*", text[start:end]):
            if start + m.end() < end:
                yield start + m.end()


def _next_line_start(text: str, pos: int, limit: int) -> int:
    """Past the newline that ends a line at ``pos``; ``pos`` itself when it is inside a line."""
    return pos + 1 if pos < limit and text[pos] == "\n" else pos


def _finish(text: str, sections: list[Section]) -> list[Section]:
    """Drop empty pieces, merge a piece into nothing, renumber; the sections tile the text."""
    out = []
    pos = 0
    for s in sections:
        s = replace(s, start=pos) if s.start != pos else s
        if text[s.start:s.start + 1] == "\n" and out:  # a line's newline stays with its line
            out[-1] = replace(out[-1], end=s.start + 1)
            s = replace(s, start=s.start + 1)
        if s.end <= s.start:
            pos = max(pos, s.start)
            continue
        if not text[s.start:s.end].strip() and out:
            out[-1] = replace(out[-1], end=s.end)
        else:
            out.append(s)
        pos = s.end
    if out and out[-1].end < len(text):
        out[-1] = replace(out[-1], end=len(text))
    return [replace(s, index=i) for i, s in enumerate(out)]


# --------------------------------------------------------------------------- units
#: The roles of a unit (the ``role`` column): a shortcoming or task of a list, the sentence that
#: announces the list, the sentence that promises to solve what it names, or an ordinary paragraph.
ROLES = ("item", "lead_in", "closing", "")

#: Longest unit: a longer passage (text that lost its line breaks) is cut at sentence ends.
MAX_UNIT = 1500


@dataclass(frozen=True)
class Unit:
    section_index: int
    unit_index: int
    start: int
    end: int
    marker: str
    role: str = ""


def _enumeration_starts(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Offsets of an inline enumeration 一是……二是……三是 inside a paragraph (in sequence only)."""
    found = []
    expected = 1
    for m in re.finditer(rf"(?:^|(?<=[。；;：:，,！？\s]))([{CN_NUM}]{{1,3}}是)", text[start:end]):
        n = _cn_number(m.group(1)[:-1])
        if n == expected:
            found.append((start + m.start(1), m.group(1)))
            expected += 1
    return found if len(found) >= 2 else []


#: A sentence end (with the closing quotes or brackets that follow it).
_SENTENCE = re.compile(r"[。！？!?][”’」』）)]*")
#: The sentence that ends a problems part by promising to solve them (对此，我们将……认真加以解决).
_CLOSING_OPEN = re.compile(r"^(?:[^，,。]{0,8}[，,])?\s*(?:对此|对于?(?:这些|以上|上述|此类)|面对(?:这些|上述|以上)|"
                           r"针对(?:这些|以上|上述)|对(?:以上|上述|这些)|知不足|我们(?:一定|将|要|必须|务必|会|定将)|"
                           r"我们.{0,6}(?:正视|直面|重视)|必须|务必|要(?:正视|直面))")
#: Openings that answer the list just named, a closing whatever words follow (对此，……).
_ANSWERING = re.compile(r"对此|对于?(?:这些|以上|上述|此类)|面对(?:这些|上述|以上)|针对|对(?:以上|上述|这些)")
_CLOSING_WORDS = re.compile(r"解决|改进|克服|应对|直面|正视|整改|改正|不辜负|加以|破解|措施|奋进|力行|重视|汲取|吸取|教训")
#: The admission that announces a list of problems (我们也清醒认识到，……面临不少困难和挑战，主要是：).
_ADMISSION = re.compile(r"清醒|看到|认识到|意识到|存在|面临|不容忽视")
#: The clause that frames the list, ending in its comma (……我们也清醒地认识到，).
_FRAME_CLAUSE = re.compile(r"(?:认识到|看到|意识到|清醒)[^，,：:；;。]{0,4}[，,：:]")
_MAINLY = re.compile(r"\s*主要(?:是|有|表现在|体现在|表现为)[：:]")
#: What a lead-in sentence names: the problems to come (……还存在不少缺点。).
_LIST_NOUN = re.compile(r"问题|不足|困难|挑战|短板|差距|弱项|矛盾|缺点|缺陷|风险")


def is_closing(sentence: str) -> bool:
    """True for a sentence that promises to solve the problems just named (对此，我们将……切实加以解决;
    对于这些问题，我们一定……; 我们将正视问题，……)."""
    s = sentence.strip()
    m = _CLOSING_OPEN.match(s)
    if m is None or _ANY_MARKER.match(s):
        return False
    return bool(_ANSWERING.search(m.group(0)) or _CLOSING_WORDS.search(s))


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of [start, end), each with its end punctuation, the last running to ``end``."""
    spans, pos = [], start
    for m in _SENTENCE.finditer(text, start, end):
        if text[pos:m.end()].strip():
            spans.append((pos, m.end()))
        pos = m.end()
    if text[pos:end].strip():
        spans.append((pos, end))
    return spans


def _clauses(text: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    """[start, end) cut after each of ``seps`` outside quotes and brackets (each piece keeps its mark)."""
    spans, pos, depth = [], start, 0
    for i in range(start, end):
        c = text[i]
        if c in "“‘「『（(《【":
            depth += 1
        elif c in "”’」』）)》】":
            depth = max(depth - 1, 0)
        elif c in seps and depth == 0:
            if text[pos:i + 1].strip():
                spans.append((pos, i + 1))
            pos = i + 1
    if text[pos:end].strip():
        spans.append((pos, end))
    return spans


def _promise_start(sentences: list[tuple[int, int]], text: str) -> int | None:
    """Where the trailing closing sentences of a passage begin (None: there are none). The first
    sentence never counts: a passage is not all closing."""
    cut = None
    for a, b in reversed(sentences[1:]):
        if is_closing(text[a:b]):
            cut = a
        else:
            break
    return cut


def _lead_in_end(text: str, start: int, end: int) -> int | None:
    """End of the lead-in of a paragraph that opens by admitting problems, or None.

    The lead-in is the first sentence up to its "：" (……主要表现在：), else the whole first sentence when
    it ends before the list begins (……还存在一些问题和短板。主要是：……), else its framing clause (我们也
    清醒认识到，) when the list follows in the same sentence."""
    sentences = _sentences(text, start, end)
    if not sentences:
        return None
    a, b = sentences[0]
    first = text[a:b]
    if not (_ADMISSION.search(first) and (_LIST_NOUN.search(first) or _FRAME_CLAUSE.search(first))):
        return None
    semi = min((i for i in (first.find("；"), first.find(";")) if i >= 0), default=len(first))
    colon = min((i for i in (first.find("："), first.find(":")) if i >= 0), default=len(first))
    if colon < semi:
        return a + colon + 1
    if semi == len(first) and len(sentences) > 1 and _LIST_NOUN.search(first):
        m = _MAINLY.match(text, b)
        return m.end() if m else b
    m = _FRAME_CLAUSE.search(first)
    if m and m.end() < semi:
        return a + m.end()
    return None


def _list_pieces(text: str, start: int, end: int, commas: bool) -> list[tuple[int, int]]:
    """The items of a list written inline: cut at "；" and sentence ends, else (``commas``, a list
    after a lead-in in one sentence) at its commas; "等等" stays with the item before it."""
    pieces = _clauses(text, start, end, "；;。！？!?")
    if len(pieces) == 1 and commas:
        pieces = _clauses(text, start, end, "，,")
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        bit = text[a:b].strip(" \t\u3000，,；;。")
        if merged and (len(bit) < 4 or re.fullmatch(r"等等?", bit)):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > 1 and len(text[merged[0][0]:merged[0][1]].strip()) < 4:
        merged[:2] = [(merged[0][0], merged[1][1])]
    return merged


def _problem_paragraph(text: str, start: int, end: int, alone: bool) -> list[tuple[int, int, str]]:
    """(start, end, role) of the units of one paragraph of a problems part without an enumeration:
    its lead-in, one unit per shortcoming, its closing. A paragraph that does not open with an
    admission is one shortcoming unless it is the part's only paragraph (then its clauses are)."""
    sentences = _sentences(text, start, end)
    close = _promise_start(sentences, text)
    body_end = close if close is not None else end
    lead = _lead_in_end(text, start, body_end)
    out: list[tuple[int, int, str]] = []
    if lead is not None and lead < body_end and text[lead:body_end].strip():
        out.append((start, lead, "lead_in"))
        out += [(a, b, "item") for a, b in _list_pieces(text, lead, body_end, commas=True)]
    elif alone or lead is not None:
        out += [(a, b, "item") for a, b in _list_pieces(text, start, body_end, commas=False)]
    else:
        out.append((start, body_end, "item"))
    if close is not None:
        out.append((close, end, "closing"))
    return out


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most :data:`MAX_UNIT` characters, cut at sentence ends (preferably
    one followed by a blank or a list marker, where a paragraph began before the line breaks were
    lost); a stretch without a sentence end stays whole."""
    pieces, pos = [], start
    while end - pos > MAX_UNIT:
        limit = pos + MAX_UNIT
        best = good = None
        for m in _SENTENCE.finditer(text, pos + 1, limit):
            cut = m.end()
            best = cut
            if cut - pos >= MAX_UNIT // 3 and (text[cut:cut + 1].isspace() or _ANY_MARKER.match(text, cut)
                                               or _L4.match(text, cut) or text.startswith("各位代表", cut)):
                good = cut
        cut = good or best
        if cut is None or cut >= end:
            break
        pieces.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    pieces.append((pos, end))
    return pieces


def _enumerated(text: str, first: int, ps: int, pe: int, marker: str, enum, kind: str) -> list[tuple[int, int, str, str]]:
    """The units of a paragraph with an inline enumeration: the text before 一是 (a lead-in when it
    announces the list), each item, and in a problems part the closing after the last item."""
    starts = list(enum)
    lead = None
    if starts[0][0] == ps:  # the paragraph opens with 一是 (under its item heading, if any)
        starts[0] = (first, starts[0][1])
    else:
        lead = (first, starts[0][0], marker)
    ends = [o for o, _ in starts[1:]] + [pe]
    out = []
    if lead is not None:
        before = text[lead[0]:lead[1]].strip()
        announces = kind == "problems" or before.endswith(("：", ":")) or len(before) <= 60
        out.append((lead[0], lead[1], lead[2], "lead_in" if announces and kind != "achievements" or
                    kind == "problems" else ""))
    for (a, mk), b in zip(starts, ends):
        out.append((a, b, mk, "item"))
    if kind == "problems":
        a, b, mk, _ = out[-1]
        close = _promise_start(_sentences(text, a, b), text)
        if close is not None:
            out[-1] = (a, close, mk, "item")
            out.append((close, b, "", "closing"))
    return out


def units_of(text: str, section: Section) -> list[Unit]:
    """The citable units of a section: its numbered items, else its paragraphs, each with its role.

    A paragraph is one unit, split further at an inline enumeration (一是……二是……). A short item
    heading on a line of its own (（一）推进审批服务便民化工作) opens the unit that follows it. The
    section's own heading line belongs to no unit. In a problems part each shortcoming is a unit
    (``role`` ``item``): the paragraph that admits them is cut into its lead-in (``lead_in``), the
    shortcomings it lists (一是……; "；"-separated clauses; sentences; the commas of a one-sentence
    list) and the closing promise (``closing``, 对此，我们将……加以解决). No unit is longer than
    :data:`MAX_UNIT` characters unless it has no sentence end.
    """
    body_start = _body_start(text, section)
    problems = section.kind == "problems"
    paragraphs = []
    for ps, pe in _paragraphs(text, body_start, section.end):
        line = text[ps:pe]
        ps += len(line) - len(line.lstrip())
        pe -= len(line) - len(line.rstrip())
        if ps < pe:
            paragraphs.append((ps, pe))
    body = [(ps, pe) for ps, pe in paragraphs if not (_ANY_MARKER.match(text, ps) and pe - ps <= MAX_HEADING
                                                      and text[pe - 1] not in _END)]
    alone = len(body) == 1
    spans: list[tuple[int, int, str, str]] = []
    pending = None  # start of a heading-only line waiting for its body
    for k, (ps, pe) in enumerate(paragraphs):
        m = _ANY_MARKER.match(text, ps)
        marker = m.group(0) if m else ""
        if marker and pe - ps <= MAX_HEADING and text[pe - 1] not in _END:
            if pending is not None:
                spans.append((*pending, "item" if problems else ""))
            pending = (ps, pe, marker)
            continue
        first = ps
        if pending is not None:
            first, marker = pending[0], pending[2]
            pending = None
        enum = _enumeration_starts(text, ps, pe)
        if enum:
            spans.extend(_enumerated(text, first, ps, pe, marker, enum, section.kind))
            continue
        if not marker:
            m4 = _L4.match(text, ps)
            marker = m4.group(0) if m4 else ""
        if problems and not marker:
            pieces = _problem_paragraph(text, ps, pe, alone)
            if text[ps:pe].endswith(("：", ":")) and pe - ps <= 200 and len(pieces) == 1:
                pieces = [(ps, pe, "lead_in")]  # a paragraph of its own announcing the list below
            elif k == 0 and len(paragraphs) > 1 and len(_sentences(text, ps, pe)) == 1 and is_problem_opening(text[ps:pe]):
                pieces = [(ps, pe, "lead_in")]  # ……仍然存在不少矛盾和问题。 then ——…… paragraphs
            elif len(pieces) == 1 and k == len(paragraphs) - 1 and k > 0 and is_closing(_first_sentence(text, ps, pe)):
                pieces = [(ps, pe, "closing")]
            for j, (a, b, role) in enumerate(pieces):
                spans.append((first if j == 0 else a, b, "", role))
        else:
            spans.append((first, pe, marker, "item" if problems or marker else ""))
    if pending is not None:
        spans.append((*pending, "item" if problems else ""))
    units = []
    for a, b, mk, role in spans:
        for j, (x, y) in enumerate(_split_long(text, a, b) if b - a > MAX_UNIT else [(a, b)]):
            while y > x and text[y - 1].isspace():
                y -= 1
            while x < y and text[x].isspace():
                x += 1
            if y > x:
                units.append(Unit(section.index, len(units), x, y, mk if j == 0 else "", role))
    return units


# --------------------------------------------------------------------------- tables
_C = Column
_PAGES_COLUMNS = (
    _C("pages", "string", "页码", "pages", "the PDF pages it lies on, as a citation gives them: 3, or 3-4; "
       "empty for other formats", "N or N-M", "toolkit.corpus.pages_of"),
    _C("page_first", "integer", "起始页", "first page", "first page of pages; empty for other formats", "≥ 1",
       "from pages"),
    _C("page_last", "integer", "结束页", "last page", "last page of pages; empty for other formats", "≥ 1",
       "from pages"),
)
_REPORT_COLUMN = _C("report_id", "string", "报告编号", "report id", "the report (reports.report_id)", "", "")
_KIND_COLUMN = _C("kind", "string", "部分类型", "section kind", "the kind of section", ", ".join(KINDS),
                  "toolkit.sections.heading_kind and the inline rules")
_PART_COLUMN = _C("part", "string", "规定部分", "named part", "a part a 法治政府建设年度报告 must have that the kind "
                  "does not tell apart: first_responsibility (党政主要负责人履行推进法治建设第一责任人职责情况, "
                  "achievements), other_matters (其他需要报告的情况, other); empty for any other section",
                  "first_responsibility, other_matters, (empty)", "toolkit.sections.heading_part")
_START_COLUMN = _C("start", "integer", "起始位置", "start offset", "offset of the first character in the report's "
                   "cleaned text (reports.text), 0-based", "≥ 0", "toolkit.sections")
_END_COLUMN = _C("end", "integer", "结束位置", "end offset", "offset after the last character: text[start:end]",
                 "> start", "toolkit.sections")

#: The ``sections`` table (one row per section), as stored (:data:`SECTION_COLUMNS`) and exported (with the
#: pages of its units). The codebook of :mod:`toolkit.export` is generated from it.
SECTIONS_SPEC = TableSpec(
    "sections", "部分", "sections", "one section of a report: achievements, problems, plans or other",
    ("report_id", "index"), "toolkit.sections.section_table", (
        _REPORT_COLUMN,
        _C("index", "integer", "部分序号", "section index", "the section's place in its report, 0-based", "≥ 0",
           "toolkit.sections.segment"),
        _KIND_COLUMN, _PART_COLUMN,
        _C("heading", "string", "标题", "heading", "the heading line, empty for a section found inline", "",
           "toolkit.sections.find_headings"),
        _START_COLUMN, _END_COLUMN,
        _C("found", "string", "识别方式", "found by", "how the section was found", "heading, inline",
           "toolkit.sections.segment"),
        _C("rule", "string", "分类规则", "rule", "why it has its kind (keyword:打算, continues:plans, "
           "opening:problems, preamble, closing …)", "", "toolkit.sections.segment"),
        *[replace(c, meaning=c.meaning.replace("it lies on", "of its units (the heading's page may be earlier)"))
          for c in _PAGES_COLUMNS],
        _C("text", "string", "正文", "text", "the section's words: reports.text[start:end]", "",
           "toolkit.sections.section_table")))
#: The ``unit`` column of a table whose rows belong to a unit (tokens, theme matches, unit topics).
UNIT_REF_COLUMN = _C("unit", "integer", "单元序号", "unit number", "the unit (units.unit)", "1…N", "toolkit.export")
#: The ``units`` table (one row per unit), as stored (:data:`UNIT_COLUMNS`, then ``boilerplate`` and
#: ``pages``: :data:`toolkit.dataset.CORPUS_UNIT_COLUMNS`) and exported (numbered, with page bounds and
#: the number of tokens). The codebook of :mod:`toolkit.export` is generated from it.
UNITS_SPEC = TableSpec(
    "units", "单元", "units", "one citable unit: a shortcoming, a task or a paragraph",
    ("report_id", "section_index", "unit_index"), "toolkit.sections.units_of", (
        _C("unit", "integer", "单元序号", "unit number", "the unit's number: its row in units (1-based), in "
           "dtm.mtx and in docvars.csv", "1…N", "toolkit.export (units sorted by report, section, unit)"),
        _C("unit_id", "string", "单元编号", "unit id", "report_id.section_index.unit_index", "unique",
           "toolkit.sections.unit_id"),
        _REPORT_COLUMN,
        _C("section_index", "integer", "部分序号", "section index", "the section in its report (sections.index)",
           "≥ 0", "toolkit.sections"),
        _KIND_COLUMN, _PART_COLUMN,
        _C("unit_index", "integer", "单元序号(部分内)", "unit index in section", "the unit within its section, "
           "0-based", "≥ 0", "toolkit.sections.units_of"),
        _C("marker", "string", "序号标记", "list marker", "the list marker that opens it (（一）, 一是, 2.), "
           "empty for a paragraph", "", "toolkit.sections.units_of"),
        _C("role", "string", "角色", "role", "item: one shortcoming or task; lead_in: the sentence announcing a "
           "list; closing: the promise after a list of problems; empty: a paragraph",
           ", ".join(r for r in ROLES if r) + ", (empty)", "toolkit.sections.units_of"),
        _START_COLUMN, _END_COLUMN, *_PAGES_COLUMNS, BOILERPLATE_COLUMN,
        _C("n_tokens", "integer", "词数", "tokens", "number of tokens (rows of tokens for this unit)", "≥ 0",
           "toolkit.tokenize.Tokenizer"),
        _C("text", "string", "正文", "text", "the unit's words: reports.text[start:end]", "",
           "toolkit.sections.units_of")))
SECTION_COLUMNS = ["report_id", "index", "kind", "part", "heading", "start", "end", "found", "rule", "text"]
#: A unit's ``unit_id`` (:func:`unit_id`) is made with it and kept by every table after (the stored stages,
#: the command line's JSON, the export).
UNIT_COLUMNS = ["unit_id", "report_id", "section_index", "kind", "part", "unit_index", "marker", "role", "start", "end",
                "text"]
#: The type of each column as stored (:mod:`toolkit.pipeline`) and exported: string, integer, float, boolean
#: (from :data:`SECTIONS_SPEC`, :data:`UNITS_SPEC`).
SECTION_TYPES = SECTIONS_SPEC.types(SECTION_COLUMNS)
UNIT_TYPES = UNITS_SPEC.types(UNIT_COLUMNS)


def unit_id(report_id: str, section_index: int, unit_index: int) -> str:
    """A unit's id: ``<report_id>.<section_index>.<unit_index>`` (its place in its report, which the same
    text read by the same code always gives; unique in a corpus, as report ids are)."""
    return f"{report_id}.{section_index}.{unit_index}"


def section_table(report_id: str, text: str, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sections and units of one report as DataFrames (columns :data:`SECTION_COLUMNS`, :data:`UNIT_COLUMNS`)."""
    sections = segment(text, year)
    srows, urows = [], []
    for s in sections:
        srows.append([report_id, s.index, s.kind, s.part, s.heading, s.start, s.end, s.found, s.rule,
                      text[s.start:s.end]])
        for u in units_of(text, s):
            urows.append([unit_id(report_id, s.index, u.unit_index), report_id, s.index, s.kind, s.part, u.unit_index, u.marker, u.role, u.start, u.end,
                          text[u.start:u.end]])
    return pd.DataFrame(srows, columns=SECTION_COLUMNS), pd.DataFrame(urows, columns=UNIT_COLUMNS)


def _page_bounds(pages: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first and last page of each ``pages`` text (3, 3-4; empty: NA)."""
    text = pages.fillna("").astype(str)
    first = pd.to_numeric(text.str.split("-").str[0], errors="coerce").astype("Int64")
    last = pd.to_numeric(text.str.split("-").str[-1], errors="coerce").astype("Int64")
    return first, last


def _page_span(first, last) -> str | None:
    if pd.isna(first):
        return None
    return str(int(first)) if first == last else f"{int(first)}-{int(last)}"


def units_for_export(units: pd.DataFrame, tokenize) -> tuple[pd.DataFrame, list[list[str]]]:
    """The ``units`` table of an export (:data:`UNITS_SPEC`): ``units`` (``Corpus.units``) sorted by report,
    section and unit, numbered 1…N (``unit``), with the bounds of their pages and their number of tokens;
    and their token lists, in the table's order. ``tokenize``: texts → token lists
    (:meth:`toolkit.tokenize.Tokenizer.tokenize_many`)."""
    units = units.sort_values(["report_id", "section_index", "unit_index"], kind="mergesort").reset_index(drop=True)
    if "pages" not in units.columns:
        units["pages"] = None
    units["page_first"], units["page_last"] = _page_bounds(units["pages"])
    if "unit_id" not in units.columns:  # units of a user's own table
        units.insert(0, "unit_id", [unit_id(*k) for k in zip(units["report_id"], units["section_index"],
                                                              units["unit_index"])])
    units.insert(0, "unit", np.arange(1, len(units) + 1, dtype=np.int64))
    token_lists = list(tokenize(units["text"])) if len(units) else []
    units["n_tokens"] = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    return UNITS_SPEC.typed(units), token_lists


def sections_for_export(sections: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The ``sections`` table of an export (:data:`SECTIONS_SPEC`): ``sections`` (``Corpus.sections``) sorted
    by report and index, with the pages of their ``units`` (the export's, :func:`units_for_export`)."""
    sections = sections.sort_values(["report_id", "index"], kind="mergesort").reset_index(drop=True)
    bounds = units.groupby(["report_id", "section_index"]).agg(page_first=("page_first", "min"),
                                                               page_last=("page_last", "max"))
    sections = sections.join(bounds, on=["report_id", "index"])
    sections["pages"] = [_page_span(a, b) for a, b in zip(sections["page_first"], sections["page_last"])]
    return SECTIONS_SPEC.typed(sections)
