"""The divisions of government: which province, prefecture or county a name means, and which
governments a text names.

The table is ``data/geo/divisions.csv`` (31 provinces, 333 prefectures, 2,844 county-level units;
see ``data/geo/README.md``), read on first use and cached. A :class:`Division` is one row::

    >>> resolve("海拉尔区")
    Division(code='150702', name='海拉尔区', short_name='海拉尔', level='county', province='内蒙古自治区', prefecture='呼伦贝尔市')

* :func:`lookup` — every division a name may mean: a full name (海拉尔区), an accepted short form
  (恩施州 for 恩施土家族苗族自治州, 宁夏 for 宁夏回族自治区), else a short name (恩施 → 恩施市 and
  恩施州; 朝阳 → 朝阳市, two 朝阳区 and 朝阳县).
* :func:`resolve` — the one division a name means, or ``None`` when it means none or several;
  ``within`` (a province or prefecture) narrows the candidates: ``resolve("朝阳区", within="北京市")``.
* :func:`find_governments` — the divisions a title or signature names (2025年浙江省政府工作报告,
  海拉尔区人民政府, 2025年广西政府工作报告): full names and accepted short forms, longest first,
  never overlapping.
* :func:`province_abbreviation` — 浙江省 → 浙; :func:`provinces` — ``data/geo/provinces.csv``
  (abbreviations and tile-grid positions, with 香港, 澳门 and 台湾, which the division table does
  not cover).

A municipality (北京市, 天津市, 上海市, 重庆市) is one division of level ``province`` whose prefecture
is itself; its districts and counties have it as their prefecture. A county-level unit administered
directly by its province (天门市, 济源市, Hainan's counties) has an empty prefecture.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from . import paths

#: The levels of the division table (GB/T 2260), from the top.
DIVISION_LEVELS = ("province", "prefecture", "county")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
#: Short forms of autonomous regions that titles use on their own (2025年宁夏政府工作报告).
REGION_SHORT_FORMS = ("内蒙古", "广西", "西藏", "宁夏", "新疆")
#: Names that are everyday words (城区人口, 新城区建设, 河北区域, 和县（市）): they count only when a
#: government follows or a division containing them goes before (see :func:`find_governments`).
COMMON_WORDS = frozenset({
    "城区", "郊区", "矿区", "东区", "西区", "和县",
    "新城区", "老城区", "市中区", "城中区", "城东区", "城西区", "城北区", "城关区", "古城区", "山城区",
    "河北区", "河东区", "河西区", "江南区", "江北区", "海南区", "沙市区", "西市区", "新华区", "中山区",
})
#: Everyday words that end county-level names and let a longer word hide them (滨海城市 → 海城市,
#: 新增城区 → 增城区, 3万山区 → 万山区, 健全州县 → 全州县): such a name, like any of two characters
#: (赵县, 范县 in 示范县), counts only when a government follows, a division containing it goes
#: before, or it stands at the start of the text or after punctuation.
COMMON_ENDINGS = frozenset({"城市", "城区", "山区", "港区", "湖区", "林区", "源区", "州县", "矿区", "郊区", "市区"})
#: What a name may not run into: the 区 of 区域, 区县, 区市; the 县 of 县域, 县区, 县市 (but 县市场监督管理局
#: is fine); the 都市 of 都市圈.
_RUNS_ON = (("区", re.compile(r"域|县|市(?!场)")), ("县", re.compile(r"域|区|市(?!场)")), ("都市", re.compile("圈")))
#: What a two-character name at the start of a clause may not run into (新县城, 和县域, 城区级).
_TWO_CHAR_RUNS_ON = frozenset("域城级区乡镇")
_GOVERNMENT_AFTER = ("人民政府", "政府", "行政公署")


@dataclass(frozen=True)
class Division:
    """One province-, prefecture- or county-level division (a row of ``divisions.csv``).

    ``province`` is the full name of its province (itself for a province); ``prefecture`` the full
    name of the prefecture it is or belongs to (itself for a prefecture, the municipality for a
    municipality and its districts, empty for a province and for a county-level unit directly under
    its province)."""

    code: str
    name: str
    short_name: str
    level: str
    province: str
    prefecture: str

    @property
    def is_municipality(self) -> bool:
        """北京市, 天津市, 上海市, 重庆市: province level, and a city."""
        return self.name in MUNICIPALITIES

    def within(self, area: str) -> bool:
        """Whether this division is, or lies inside, the province or prefecture named ``area`` (a full
        name)."""
        return bool(area) and area in (self.name, self.province, self.prefecture)


@dataclass(frozen=True)
class Province:
    """A row of ``provinces.csv``: a province-level unit, its abbreviation and tile-grid position."""

    code: str
    name: str
    short_name: str
    abbreviation: str
    alt_abbreviation: str
    row: int
    col: int
    in_divisions: bool


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every division of ``divisions.csv``, in the order of their codes."""
    with open(paths.GEO_DIR / "divisions.csv", encoding="utf-8", newline="") as handle:
        return tuple(Division(**row) for row in csv.DictReader(handle))


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    """The rows of ``provinces.csv``: the 31 provinces, then 台湾, 香港, 澳门 (``in_divisions`` False)."""
    with open(paths.GEO_DIR / "provinces.csv", encoding="utf-8", newline="") as handle:
        return tuple(Province(code=row["code"], name=row["name"], short_name=row["short_name"],
                              abbreviation=row["abbreviation"], alt_abbreviation=row["alt_abbreviation"],
                              row=int(row["row"]), col=int(row["col"]), in_divisions=row["in_divisions"] == "yes")
                     for row in csv.DictReader(handle))


def _order(found: Iterable[Division]) -> list[Division]:
    return sorted(set(found), key=lambda d: (DIVISION_LEVELS.index(d.level), d.code))


def _aliases(division: Division) -> list[str]:
    """Accepted short forms that name ``division`` as surely as its full name: 恩施州 for a 自治州, the
    short form of an autonomous region (宁夏)."""
    if division.name.endswith("自治州"):
        return [division.short_name + "州"]
    if division.level == "province" and division.short_name in REGION_SHORT_FORMS:
        return [division.short_name]
    return []


class _Index:
    """The name indexes and the automaton over full names and accepted short forms."""

    def __init__(self, table: Iterable[Division]):
        self.by_name: dict[str, list[Division]] = {}
        self.by_alias: dict[str, list[Division]] = {}
        self.by_short: dict[str, list[Division]] = {}
        for division in table:
            self.by_name.setdefault(division.name, []).append(division)
            for alias in _aliases(division):
                self.by_alias.setdefault(alias, []).append(division)
            if division.short_name != division.name:
                self.by_short.setdefault(division.short_name, []).append(division)
        self.by_alias = {alias: found for alias, found in self.by_alias.items() if alias not in self.by_name}
        self.automaton = ahocorasick.Automaton()
        for key in (*self.by_name, *self.by_alias):
            self.automaton.add_word(key, key)
        self.automaton.make_automaton()

    def exact(self, name: str) -> list[Division]:
        return self.by_name.get(name) or self.by_alias.get(name) or []


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(divisions())


def lookup(name: str) -> list[Division]:
    """Every division ``name`` may mean, provinces first, then prefectures, then counties.

    A full name (海拉尔区; 朝阳区 gives the two of 北京 and 长春) or an accepted short form (恩施州, 宁夏)
    gives only the divisions it names; anything else is taken as a short name (恩施 → 恩施土家族苗族自治州
    and 恩施市; 吉林 → 吉林省 and 吉林市). A short name of one character is never one (赵县 stays 赵县)."""
    name = name.strip()
    index = _index()
    return _order(index.exact(name) or index.by_short.get(name, []))


def _areas(within: str) -> set[str]:
    """The full names of the provinces and prefectures ``within`` may mean (浙江 → 浙江省)."""
    return {d.name for d in lookup(within) if d.level in ("province", "prefecture")}


def resolve(name: str, within: str | None = None) -> Division | None:
    """The one division ``name`` means (see :func:`lookup`), or ``None`` when it means none or several.

    ``within``, a province or prefecture (full or short name), keeps the candidates inside it:
    ``resolve("朝阳区")`` is ``None`` (北京 and 长春), ``resolve("朝阳区", within="北京市")`` is 北京's."""
    found = lookup(name)
    if within is not None:
        areas = _areas(within)
        found = [d for d in found if any(d.within(area) for area in areas)]
    return found[0] if len(found) == 1 else None


def _contains(outer: Division, inner: Division) -> bool:
    return outer != inner and outer.level != "county" and inner.within(outer.name)


@lru_cache(maxsize=None)
def _forms(name: str) -> tuple[str, ...]:
    """The ways a text may name the province or prefecture ``name`` when it qualifies a division inside
    it: its full name, accepted short forms and short name (浙江省, 浙江; 恩施土家族苗族自治州, 恩施州,
    恩施)."""
    division = next((d for d in _index().by_name.get(name, []) if d.level != "county"), None)
    if division is None:
        return ()
    forms = {division.name, *_aliases(division)}
    if len(division.short_name) >= 2:
        forms.add(division.short_name)
    return tuple(sorted(forms, key=len, reverse=True))


def _qualifier(text: str, start: int, division: Division) -> int:
    """The length of the name of a province or prefecture containing ``division`` that ends at
    ``start`` (北京 before 朝阳区, 浙江省 before 杭州市), else 0."""
    for outer in {division.prefecture, division.province} - {"", division.name}:
        for form in _forms(outer):
            if text.startswith(form, start - len(form)) and start >= len(form):
                return len(form)
    return 0


def _guarded(key: str, divisions: list[Division]) -> bool:
    """Whether a full name may hide inside a longer word (see :data:`COMMON_ENDINGS`)."""
    if key in _index().by_alias:
        return False
    return len(key) <= 2 or (key[-2:] in COMMON_ENDINGS and all(d.level == "county" for d in divisions))


def find_governments(text: str, within: str | None = None, *, compounds: bool = True,
                     keep_ambiguous: bool = False) -> list[tuple[int, int, Division]]:
    """``(start, end, division)`` of every division ``text`` names, in the order of the text.

    Full names (浙江省, 鄂尔多斯市, 海拉尔区, 北京市) and accepted short forms (恩施州; 宁夏, 广西, 西藏,
    新疆, 内蒙古 for the autonomous regions) are found, the longest first, never overlapping; short
    names alone are not (梅州 is not a government). Made for titles, signatures and letterheads; in
    running text a name inside a longer word can still be taken (亚运城市 → 运城市).

    * A name does not run on into 区域, 县域, 县区, 县市 or 都市圈 (渝北区域, 南部县区, 南昌都市圈).
    * An everyday word (:data:`COMMON_WORDS`: 城区, 老城区, 河北区) counts only when
      人民政府/政府/行政公署 follows or a division containing it goes right before (阳泉市城区, 北京西城区).
    * A name that may hide inside a longer word (two characters: 范县 in 示范县; :data:`COMMON_ENDINGS`:
      海城市 in 滨海城市) counts in those cases too, or at the start of the text or after punctuation
      (a two-character name then not running into 域, 城, 级, 区, 乡, 镇: 新县城).
    * A name several divisions bear (朝阳区, 鼓楼区) is narrowed to those inside the province or
      prefecture named right before it (北京市朝阳区, 北京朝阳区), inside ``within``, or inside a
      division named elsewhere in the text without ambiguity (福州市…鼓楼区). If more than one remains
      the name is left out — a wrong place is worse than none — unless ``keep_ambiguous``, which
      reports every candidate (same span, one tuple each).

    With ``compounds`` (the default) a chain of names, each inside the one before (北京市朝阳区,
    浙江省杭州市西湖区, 湖北恩施州恩施市), is one match spanning the chain, its division the last one;
    without, each name found is a match of its own."""
    if not text:
        return []
    index = _index()
    areas = _areas(within) if within is not None else None
    candidates = []
    for last, key in index.automaton.iter(text):
        start, end = last - len(key) + 1, last + 1
        if any(key.endswith(tail) and after.match(text, end) for tail, after in _RUNS_ON):
            continue
        divisions = index.exact(key)
        if areas is not None:
            divisions = [d for d in divisions if any(d.within(a) for a in areas)]
        qualified = {d: q for d in divisions if (q := _qualifier(text, start, d))}
        if qualified:
            divisions = list(qualified)
        if not divisions:
            continue
        if key in COMMON_WORDS:
            if not (qualified or text.startswith(_GOVERNMENT_AFTER, end)):
                continue
        elif _guarded(key, divisions) and not (
                qualified or text.startswith(_GOVERNMENT_AFTER, end)
                or ((start == 0 or not text[start - 1].isalnum())
                    and (len(key) >= 3 or text[end:end + 1] not in _TWO_CHAR_RUNS_ON))):
            continue
        candidates.append((start, end, divisions, max(qualified.values(), default=0)))
    taken: list[tuple[int, int, list[Division], int]] = []
    for candidate in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(candidate[1] <= t[0] or candidate[0] >= t[1] for t in taken):
            taken.append(candidate)
    taken.sort(key=lambda c: c[0])
    sure = [ds[0] for _, _, ds, _ in taken if len(ds) == 1]
    out: list[tuple[int, int, Division]] = []
    for start, end, divisions, qualifier in taken:
        if len(divisions) > 1:
            divisions = [d for d in divisions if any(_contains(s, d) for s in sure)] or divisions
        if len(divisions) > 1:
            if keep_ambiguous:
                out.extend((start, end, d) for d in _order(divisions))
            continue
        division = divisions[0]
        if compounds:
            if out and out[-1][1] == start and _contains(out[-1][2], division):
                start = out.pop()[0]
            elif qualifier and (not out or out[-1][1] <= start - qualifier):
                start -= qualifier
        out.append((start, end, division))
    return out


# --------------------------------------------------------------------------- zones

#: The kinds of body outside GB/T 2260 a zone's name ends with, longest first.
ZONE_KINDS = ("高新技术产业开发区", "高新技术开发区", "经济技术开发区", "综合保税区", "自由贸易试验区", "自贸试验区",
              "综合实验区", "综合试验区", "经济开发区", "高新区", "开发区", "新区", "片区", "合作区", "保税区", "自贸区",
              "试验区", "实验区", "工业园区", "产业园区", "度假区")
_ZONE_KIND = re.compile("|".join(ZONE_KINDS))
_ZONE_SUFFIX = ("管理委员会", "管委会", "管理局")


@dataclass(frozen=True)
class Zone:
    """A body of government that is no division of GB/T 2260: a 国家级新区, a 综合实验区, a 开发区, a
    片区 (a row of ``data/geo/zones.csv``, or one found by the rule of :func:`find_zone`).

    ``city`` is the prefecture that administers it (empty where the province does), ``county`` the
    county a zone named after one lies in, ``level`` the level its administration ranks at where that
    can be told (empty otherwise), ``source`` the row's source or the rule that found it."""

    name: str
    kind: str
    province: str
    city: str = ""
    county: str = ""
    level: str = ""
    source: str = ""

    @property
    def government(self) -> str:
        """The zone's administration: 平潭综合实验区管理委员会."""
        return self.name + "管理委员会"


def _comment_free(handle) -> Iterable[str]:
    return (line for line in handle if not line.startswith("#"))


@lru_cache(maxsize=1)
def zones() -> tuple[tuple[str, Zone], ...]:
    """``(name or alias, zone)`` for every row of ``data/geo/zones.csv``, longest names first."""
    out = []
    with open(paths.GEO_DIR / "zones.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(_comment_free(handle)):
            zone = Zone(name=row["name"], kind=row["kind"], province=row["province"], city=row["city"],
                        level=row["level"], source=row["source"])
            out += [(name, zone) for name in (row["name"], *filter(None, row["aliases"].split(";")))]
    return tuple(sorted(out, key=lambda pair: -len(pair[0])))


def _zone_place(text: str, start: int) -> Division | None:
    """The one division whose name (full or short, of two characters or more) a zone's name begins
    with or ends with right before its kind word at ``start`` (莆田 of 莆田高新技术产业开发区, 福州 of
    ……自由贸易试验区福州片区, 厦门 of 厦门火炬高新区)."""
    run = re.search(r"[\u4e00-\u9fff]{0,10}$", text[:start]).group()
    names = [run[-n:] for n in range(min(len(run), 8), 1, -1)] + [run[:n] for n in range(min(len(run), 8), 1, -1)]
    for name in names:
        found = lookup(name)
        if len(found) == 1:
            return found[0]
    return None


def find_zone(text: str | None) -> Zone | None:
    """The zone ``text`` (an agency's name, a title) names: a row of ``data/geo/zones.csv`` (the
    longest name or alias found), else a name ending in a zone's kind (:data:`ZONE_KINDS`) that
    begins or ends with one division's name (莆田高新技术产业开发区 → 莆田市; 仙游经济开发区 → 仙游县 of
    莆田市), placed in that division's province and prefecture; None otherwise."""
    if not text:
        return None
    for name, zone in zones():
        if name in text:
            return zone
    for m in _ZONE_KIND.finditer(text):
        place = _zone_place(text, m.start())
        if place is None:
            continue
        run = re.search(r"[\u4e00-\u9fff（）()]{0,16}$", text[:m.start()]).group()
        name = run + m.group()
        return Zone(name=name, kind=m.group(), province=place.province,
                    city=place.prefecture if place.level != "province" else "",
                    county=place.name if place.level == "county" else "", level="",
                    source=f"rule: a {m.group()} named after {place.name}")
    return None


def province_abbreviation(province: str) -> str:
    """The one-character abbreviation of a province-level unit, by full or short name: 浙江省 → 浙,
    内蒙古 → 蒙, 贵州省 → 黔, 云南 → 滇, 上海市 → 沪, 香港 → 港. ``KeyError`` for anything else."""
    province = province.strip()
    for row in provinces():
        if province in (row.name, row.short_name):
            return row.abbreviation
    raise KeyError(f"not a province-level unit: {province!r}")
