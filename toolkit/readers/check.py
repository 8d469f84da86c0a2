"""The one check every reader's text passes: does it read as Chinese prose?

Reports in this toolkit are Chinese. Whatever the format (a .txt decoded in a guessed encoding, a Word
file, a PDF's text layer, a web page, a table's row), the text a reader gives is judged the same way:

* it must hold at least :data:`MIN_JUDGED_CHARACTERS` Chinese characters: with fewer, neither its
  encoding nor its language can be told ("too short to tell its encoding, or not Chinese");
* Chinese must outnumber the letters of other scripts (Latin, Greek, Cyrillic …): an English, Greek
  or Russian text is not a report here;
* at least :data:`MIN_COMMON_SHARE` of its Chinese (and foreign) characters must be common ones:
  garbled text (bytes read in the wrong encoding, a PDF whose font maps are broken) reads as rare
  characters, kana, Greek, Coptic or private-use characters;
* and line by line (:func:`garbled_lines`): one garbled line in a long text does not move the share
  of the whole, so each line (a PDF's page, a table's row) is judged by the same rule.

:func:`judge` gives the reason a text is refused (or None); :func:`check_report` applies it to every
raw report a reader returns (``toolkit.readers.read_file`` calls it), turning a refused text into an
:class:`~toolkit.errors.UndecodableReportError` and noting garbled lines.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable
from functools import lru_cache

from ..errors import UndecodableReportError, printable

#: A text is refused as garbled when fewer than this share of its Chinese characters are common ones.
MIN_COMMON_SHARE = 0.9
#: A text with fewer Chinese characters than this cannot be judged: it is refused (too short to tell).
MIN_JUDGED_CHARACTERS = 20
#: A line (or page) is garbled when at least this many of its characters are rare or foreign ...
GARBLED_MIN = 3
#: ... and they are at least this share of its Chinese and foreign characters (real lines: at most 0.14).
GARBLED_SHARE = 0.25

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: What a Chinese report is written with: ASCII and Latin letters, punctuation and symbols of every
#: kind, CJK characters, radicals, punctuation, compatibility and full-width forms. Anything else (the
#: letters of other scripts, private-use characters, U+FFFD) is foreign: in a Chinese text, the mark of
#: a wrong encoding or a broken font map.
_USED = ("\\x00-\u036f"  # ASCII, Latin-1, Latin Extended A/B, IPA, spacing modifiers, combining marks
         "\u1e00-\u1eff"  # Latin Extended Additional
         "\u2000-\u2bff"  # punctuation, super/subscripts, currency, letterlike, number forms, arrows, math,
                          # technical, enclosed alphanumerics, box drawing, shapes, symbols, dingbats
         "\u2e80-\u2fff"  # CJK radicals, Kangxi radicals (what some PDFs give for 一, 二 …), description
         "\u3000-\u303f"  # CJK symbols and punctuation
         "\u3200-\u4dbf"  # enclosed CJK, CJK compatibility, extension A
         "\u4dc0-\u9fff"  # hexagrams, CJK unified ideographs
         "\uf900-\ufaff"  # CJK compatibility ideographs
         "\ufe10-\ufe1f\ufe30-\ufe6f"  # vertical, compatibility and small forms
         "\uff00-\uffef"  # half-width and full-width forms
         "\ufff0-\ufffc"  # specials, but not U+FFFD, the replacement character
         "\U00020000-\U0003ffff"  # CJK extensions B-H, compatibility supplement
         "\U0001f000-\U0001faff")  # emoji and pictographs (not garble: no encoding produces them by mistake)
_FOREIGN = re.compile(f"[^{_USED}\\s]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]")


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


#: About 200 of the most frequent characters of written Chinese (function words, 的 一 是 不 了 …, and the
#: words of any report: 发展 工作 建设), simplified and traditional. Chinese prose is 33% to 50% made of
#: them (measured: every report of the seeds and the shared corpora); another language's text read as
#: Chinese is made of common characters too, but not of these: Korean in EUC-KR read as GB18030 3%,
#: Japanese 0%, GBK read as Big5 1%, Big5 read as GB18030 6%.
FREQUENT = ("的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也对對生能而子那得于於"
            "着著下自之年过過发發后後作里裡用道行所然家种種事成方多经經么麼去法学學如都同现現当當动動面起看定天分"
            "还還进進好小部其些主样樣理心本前开開但因只从從想实實日者意无無力与與长長机機民第公此已工使情明性全三"
            "又关關点點正业業外将將两兩高间間由问問很最重并並物手应應向文体體政相见見被利新制加建务務设設展等及各推")
#: Chinese prose has at least this share of :data:`FREQUENT` characters among its Chinese ones.
MIN_FREQUENT_SHARE = 0.1
_MARK, _FREQUENT_MARK = "\x01", "\x02"


@lru_cache(maxsize=1)
def _marking() -> dict[int, str]:
    """A str.translate table that turns every common Chinese character into :data:`_MARK`, and the most
    frequent ones into ``_FREQUENT_MARK`` (one character for one: offsets stay), so that what is left of
    the Chinese characters are the rare ones."""
    table = dict.fromkeys(map(ord, common_characters()), _MARK)
    table.update(dict.fromkeys(map(ord, FREQUENT), _FREQUENT_MARK))
    return table


_ODD = re.compile(f"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^{_USED}\\s]")


@dataclasses.dataclass(frozen=True)
class Counts:
    """What a text is made of: Chinese characters (``han``), the rare ones among them and the most
    frequent ones, foreign characters (other scripts' letters, private use, U+FFFD) and Latin letters."""

    han: int
    rare: int
    foreign: int
    latin: int
    frequent: int = 0  # Chinese characters among the most frequent ones (:data:`FREQUENT`)

    @property
    def odd(self) -> int:
        """Rare Chinese and foreign characters: what garbled text is made of."""
        return self.rare + self.foreign

    @property
    def share(self) -> float:
        """The share of common Chinese characters among the Chinese and foreign ones (1.0 for none)."""
        judged = self.han + self.foreign
        return (judged - self.odd) / judged if judged else 1.0


def _counts(text: str, marked: str) -> Counts:
    frequent = marked.count(_FREQUENT_MARK) - text.count(_FREQUENT_MARK)
    common = marked.count(_MARK) - text.count(_MARK) + frequent
    rare = len(_HAN.findall(marked))
    return Counts(han=common + rare, rare=rare, foreign=len(_FOREIGN.findall(marked)),
                  latin=len(_LATIN.findall(marked)), frequent=frequent)


def counts(text: str) -> Counts:
    """The :class:`Counts` of a text."""
    return _counts(text, text.translate(_marking()))


def common_share(text: str) -> tuple[float, int]:
    """The share of the Chinese characters of ``text`` that are common ones, and how many there are.

    Real prose, simplified or traditional, scores 0.99 to 1 (the rare characters are in names); Big5
    bytes read as GB18030, or GBK bytes read as Big5, score about 0.5: garbled text reads as rare
    characters."""
    c = counts(text)
    return ((c.han - c.rare) / c.han if c.han else 0.0), c.han


def is_garbled(text: str) -> bool:
    """True for a line (or a page) that reads as garbled: at least :data:`GARBLED_MIN` rare or foreign
    characters, and they are at least :data:`GARBLED_SHARE` of its Chinese and foreign characters. Real
    lines score at most 0.14 (a short line with a rare name); Big5 read as GB18030, UTF-8 read as GBK,
    a PDF's shifted glyph codes (``ϮϬϮϯ`` for 2023) score 0.3 to 1."""
    return _garbled(counts(text))


def _garbled(c: Counts) -> bool:
    return c.odd >= GARBLED_MIN and c.odd >= GARBLED_SHARE * (c.han + c.foreign)


def _garbled_lines(text: str, marked: str) -> list[int]:
    found = [m.start() for m in _ODD.finditer(marked)]
    if len(found) < GARBLED_MIN:
        return []
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    lines: list[int] = []
    for position in found:
        number = bisect.bisect_right(starts, position)
        if not lines or lines[-1] != number:
            lines.append(number)
    bad = []
    for number in lines:
        start, end = starts[number - 1], (starts[number] - 1 if number < len(starts) else len(text))
        if _garbled(_counts(text[start:end], marked[start:end])):
            bad.append(number)
    return bad


def garbled_lines(text: str) -> list[int]:
    """The 1-based numbers of the lines of ``text`` that read as garbled (:func:`is_garbled`)."""
    return _garbled_lines(text, text.translate(_marking()))


def analyse(text: str) -> tuple[Counts, list[int]]:
    """The :class:`Counts` of a text and its garbled lines, in one pass."""
    marked = text.translate(_marking())
    return _counts(text, marked), _garbled_lines(text, marked)


#: How the reason of a text in another language begins.
NOT_CHINESE = "not Chinese"
#: How the reason of a text of common Chinese characters that do not make prose begins.
NOT_PROSE = "not Chinese prose"


def too_short(han: int) -> str:
    """The reason a text with too few Chinese characters is refused."""
    held = "no Chinese characters" if not han else f"only {han} Chinese character{'s' if han > 1 else ''}"
    return f"{held}: too short to tell its encoding, or not Chinese"


def judge(text: str, prose: bool = True) -> str | None:
    """Why ``text`` is not Chinese prose, or None when it is: too few Chinese characters to tell, more
    letters of other scripts than Chinese characters (Latin ones counted only when ``prose``: a web
    page's markup is Latin), or too few common characters (garbled). Lines are judged by
    :func:`garbled_lines`."""
    return reason(counts(text), prose)


def reason(c: Counts, prose: bool = True) -> str | None:
    """:func:`judge` on a text's :class:`Counts`."""
    if c.han < MIN_JUDGED_CHARACTERS:
        return too_short(c.han)
    other = c.foreign + (c.latin if prose else 0)
    if other > c.han:
        return f"{NOT_CHINESE}: {other:,} letters of other scripts against {c.han:,} Chinese characters"
    if c.share < MIN_COMMON_SHARE:
        return (f"garbled: {c.share:.0%} of its characters are common Chinese ones (Chinese prose has at least "
                f"{MIN_COMMON_SHARE:.0%}): a wrong encoding, or a broken font map")
    if c.frequent < MIN_FREQUENT_SHARE * c.han:
        return (f"{NOT_PROSE}: {c.frequent / c.han:.0%} of its Chinese characters are among the most frequent ones "
                f"(Chinese prose has 33% or more): another language read as Chinese, or a wrong encoding")
    return None


def snippet(text: str, length: int = 12) -> str:
    """The start of a line for a message: stripped, cut to ``length`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


#: The encodings of formats whose text is Unicode in the file (nothing was decoded by a guess).
UNICODE_FORMATS = ("docx", "pdf", "parquet", "xlsx", "dta")


def check_report(raw):
    """A reader's raw report judged as Chinese prose (:func:`judge`, :func:`garbled_lines`): the same raw
    report, or an :class:`UndecodableReportError` saying why its text is refused. A garbled line refuses
    a text that was decoded from bytes in a guessed encoding (a .txt, a web page, a text table's row:
    ``toolkit.readers.txt.decode`` refuses or repairs these first); in a format that stores Unicode (Word,
    PDF, Parquet, Excel, Stata) it is what the file holds, and is noted instead."""
    if (surrogate := _SURROGATE.search(raw.text)) is not None:  # a JSON escape such as \\ud800 can make one
        return UndecodableReportError(raw.source, f"a lone surrogate ({printable(surrogate.group())}) at character "
                                                  f"{surrogate.start():,}: not valid Unicode (a damaged file)")
    if any(_SURROGATE.search(key + value) for key, value in raw.fields.items()):
        raw = dataclasses.replace(raw, fields={printable(key): printable(value) for key, value in raw.fields.items()})
    found, bad = analyse(raw.text)
    refused = reason(found)
    if refused is not None:
        return UndecodableReportError(raw.source, refused)
    if not bad:
        return raw
    lines = raw.text.split("\n")
    if raw.encoding not in UNICODE_FORMATS:
        more = f" (and {len(bad) - 1} other line{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
        shown = snippet(lines[bad[0] - 1])
        return UndecodableReportError(raw.source, f"line {bad[0]}{more} reads as garbled text (“{shown}”): a damaged "
                                                  f"file, or one that mixes encodings")
    where = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    if raw.pages:
        pages = sorted({bisect.bisect_right(raw.pages, number) for number in bad})
        where += f" (page{'s' if len(pages) > 1 else ''} {', '.join(map(str, pages))})"
    note = (f"line{'s' if len(bad) > 1 else ''} {where} read{'' if len(bad) > 1 else 's'} as garbled text "
            f"(“{snippet(lines[bad[0] - 1])}”): kept as the file has it")
    return dataclasses.replace(raw, notes=(*raw.notes, note))
