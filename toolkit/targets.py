"""The target ledger: what a government promised for a year, what it later reported, met or missed.

>>> targets = find_targets(corpus)        # targets in the plans of each report (for the year planned)
>>> outcomes = find_outcomes(corpus)      # headline figures in the review of each report (the year reviewed)
>>> table = ledger(corpus)                # one row per government × year × indicator, with a verdict
>>> panel(corpus)                         # which report covers which government-year: gaps and duplicates
>>> amplification(table)                  # 层层加码: each government's target against the level above

**Years.** A report's ``year`` is the year it reviews; its plans are for ``year + 1``. The target for
year *t* comes from the report whose year is *t − 1*; the outcome of *t* from the report whose year is
*t* (the next report of the same government). Reports are arranged by government (level and name) and
year: :func:`panel` lists every government-year between a government's first and last report, with
the reports that cover it (``n`` = 0 is a gap, ``n`` > 1 a duplicate; the ledger then uses the first
report id in sort order and says so in ``note``).

**Indicators** come from ``data/lexicon/indicators.toml`` (:func:`load_indicators`): each a set of
variants (国内生产总值, 地区生产总值, 经济增长速度 …), a unit, a ``measure`` (growth, decline or level) and
which side is ``better``. Every function taking ``indicators`` reads these when given None; pass
``load_indicators(path)`` for another indicator lexicon (and the same to :func:`amplification` as to
:func:`ledger`).

**Finding a figure.** Texts are read sentence by sentence (up to 。！？ or a line break), ignoring
whitespace and reading full-width digits, ％ and dashes as ASCII; offsets always point into the
report text. After a variant, the figure is the first quantity in the indicator's unit (``8%``,
``百分之八至九``, ``1100万人``, ``1.3万亿斤``) before the next variant, a ``；`` or the third comma. The
words between variant and figure must not make it something else: a multi-year figure (年均, 平均每年,
累计, 比2002年 …), a share (比重, 占, 贡献), a part of the year (上半年, 一季度, 同期), or a comparison
(比去年多). A variant preceded in its clause by another place (…市, …区, …县 other than 全市/全省/我区
or the government's own name) or by a sector (工业, 服务业, 县域 …) is that place's or sector's figure and
is skipped. The quantity's range (``6.5%—7%``, ``5–5.5%``, ``百分之八至九``) gives ``value`` and
``high``; the last verb before it gives the sign (``下降0.3%`` is −0.3 for a growth, +0.3 for a decline
measure; ``回落到2.6%`` is a level, 2.6).

**Target or outcome.** Each sentence is oriented: *plan* if it names the year planned (2006年, 一九九一年)
or says 今年, 预期目标, 调控目标, 计划要求, 力争 …; *review* if it names the year reviewed or says 去年,
过去一年, 全年, 年初确定, 预定目标 …; with both, plan if it says 今年. A sentence with neither takes the
orientation of the sentence before it in its paragraph (or of a paragraph ending in a colon that
introduces it), else of its section (plans, achievements). Targets are the first figure of each
indicator in a plan sentence of the report; five-year and long-term goals are left out (a sentence
naming 五年, “十四五”, 2035, 到2025年, 年均 …, or a sentence in a paragraph that names them and does not
itself say 今年). Outcomes are the first figure of each indicator in a review sentence.

**Qualifiers**: 左右, 以上, 以内, 以下, 高于, 低于, 不低于, 不超过, 控制在 (written before the figure;
a qualifier after it wins: 控制在3.5%左右 is 左右), or ``""`` for a bare figure. A relative target
(居民收入增长与经济增长同步) has no number: qualifier ``与经济增长同步`` and ``relative_to`` the indicator
it follows (gdp_growth). A target deliberately not set (我们没有提出全年经济增速具体目标; 不设…目标) is
``status`` ``explicitly_absent``.

**Verdict** (:func:`verdict`), with ``o`` the outcome, ``v`` the target (``high`` its upper end) and
a tolerance ``tol`` of 0.1 point for percentages, 1% of the target for counts:

- ``explicitly_absent``: the report says it sets no target (whatever the outcome);
- ``no_target``: no target found; ``no_outcome``: a target, but no figure in the next report (or no
  figure for the indicator a relative target follows);
- 以上, 不低于: met if ``o ≥ v``; 高于: ``o > v``; 以内, 以下, 控制在, 不超过: ``o ≤ v``; 低于: ``o < v``;
- a range: met if ``o ≥ v`` (its low end) where higher is better, ``o ≤ high`` where lower is better;
- 左右 or a bare figure: met if ``o ≥ v − tol`` where higher is better (7.4% meets 7.5%左右), ``o ≤
  v + tol`` where lower is better (CPI 3.3% misses 3%左右);
- a relative target: met if ``o ≥ r − tol``, ``r`` the outcome of the indicator it follows;
- otherwise ``missed``.

**Amplification** (:func:`amplification`): where two levels cover the same year and indicator, each
government's target against the one directly above it (a province against the national target, a city
against its province): ``gap`` = its target − the one above (low ends), and ``amplified`` when the gap
is on the ``better`` side (a higher growth target, a lower inflation ceiling).
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import numerals, paths
from .errors import IndicatorError
from .schema import Column, TableSpec

INDICATORS = paths.LEXICON_DIR / "indicators.toml"
INDICATORS_SCHEMA = 1

#: find_targets: one row per report × indicator (the first target found).
TARGET_COLUMNS = ["report_id", "level", "government", "province", "city", "year", "indicator", "term", "status",
                  "value", "high", "unit", "qualifier", "relative_to", "start", "end", "text"]
#: find_outcomes: one row per report × indicator (the first headline figure).
OUTCOME_COLUMNS = ["report_id", "level", "government", "province", "city", "year", "indicator", "term", "value",
                   "unit", "start", "end", "text"]
#: ledger: one row per government × year × indicator.
LEDGER_COLUMNS = ["government", "province", "city", "level", "year", "indicator", "target_value", "target_high",
                  "target_qualifier", "target_quote", "outcome_value", "outcome_quote", "verdict", "suspect",
                  "note"]
PANEL_COLUMNS = ["level", "government", "year", "report_ids", "n"]
AMPLIFICATION_COLUMNS = ["year", "indicator", "level", "government", "province", "city", "target_value",
                         "target_high", "target_qualifier", "parent_level", "parent_government", "parent_value",
                         "parent_high", "parent_qualifier", "gap", "amplified"]
VERDICTS = ("met", "missed", "no_outcome", "no_target", "explicitly_absent")
QUALIFIERS = ("左右", "以上", "以内", "以下", "高于", "低于", "不低于", "不超过", "控制在", "")
RELATIVE = "与经济增长同步"
#: The level above each level (national has none).
PARENT_LEVEL = {"province": "national", "prefecture": "province", "county": "prefecture"}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {"id", "name", "label", "unit", "units", "measure", "better", "exclude", "variants", "plausible",
         "plausible_from"}


@dataclass(frozen=True)
class IndicatorVariant:
    term: str
    seen_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    label: str
    unit: str
    units: tuple[tuple[str, float], ...]
    measure: str
    better: str
    variants: tuple[IndicatorVariant, ...]
    exclude: tuple[str, ...] = ()
    plausible: tuple[float, float] = (-math.inf, math.inf)
    plausible_from: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(v.term for v in self.variants)

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    def implausible(self, value) -> bool:
        """Whether a value (in :attr:`unit`) lies outside :attr:`plausible` (NaN is not implausible)."""
        return not _nan(value) and not (self.plausible[0] <= float(value) <= self.plausible[1])


@dataclass(frozen=True)
class Indicators:
    indicators: tuple[Indicator, ...]
    source: str = "<indicators>"

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, key: str) -> Indicator:
        for ind in self.indicators:
            if key in (ind.id, ind.name):
                return ind
        raise KeyError(f"no indicator {key!r} in {self.source}; indicators: {', '.join(self.ids)}")

    def __contains__(self, key: str) -> bool:
        return any(key in (i.id, i.name) for i in self.indicators)

    def table(self) -> pd.DataFrame:
        """One row per variant: indicator, name, unit, term, seen_in (comma-separated), n_seen."""
        rows = [{"indicator": i.id, "name": i.name, "unit": i.unit, "term": v.term, "seen_in": ", ".join(v.seen_in),
                 "n_seen": len(v.seen_in)} for i in self.indicators for v in i.variants]
        return pd.DataFrame(rows, columns=["indicator", "name", "unit", "term", "seen_in", "n_seen"])


def _fail(source, message: str):
    raise IndicatorError(f"{source}: {message}")


def parse_indicators(data: dict, source: str = "<indicators>") -> Indicators:
    """:class:`Indicators` from the parsed TOML, checked: schema, unique ids, known keys, the name among
    the variants, a known measure and side, a factor for every unit of a count."""
    if data.get("schema") != INDICATORS_SCHEMA:
        _fail(source, f"schema must be {INDICATORS_SCHEMA}, not {data.get('schema')!r}")
    if set(data) - {"schema", "indicator"}:
        _fail(source, f"unknown top-level keys {sorted(set(data) - {'schema', 'indicator'})}")
    raw = data.get("indicator")
    if not isinstance(raw, list) or not raw:
        _fail(source, "no [[indicator]] tables")
    out, ids = [], set()
    for n, t in enumerate(raw, 1):
        where = f"indicator {n} ({t.get('id', '?') if isinstance(t, dict) else '?'})"
        if not isinstance(t, dict):
            _fail(source, f"{where} is not a table")
        if set(t) - _KEYS:
            _fail(source, f"{where}: unknown keys {sorted(set(t) - _KEYS)}; expected {sorted(_KEYS)}")
        for key in ("id", "name", "label", "unit", "measure", "better", "variants"):
            if key not in t:
                _fail(source, f"{where}: missing {key!r}")
        if not isinstance(t["id"], str) or not _ID.match(t["id"]) or t["id"] in ids:
            _fail(source, f"{where}: the id must be unique lower-case ASCII, digits and _")
        ids.add(t["id"])
        if t["measure"] not in ("growth", "decline", "level"):
            _fail(source, f"{where}: measure must be growth, decline or level, not {t['measure']!r}")
        if t["better"] not in ("higher", "lower"):
            _fail(source, f"{where}: better must be higher or lower, not {t['better']!r}")
        units = t.get("units", {t["unit"]: 1.0})
        if not isinstance(units, dict) or t["unit"] not in units or \
                not all(isinstance(f, (int, float)) and f > 0 for f in units.values()):
            _fail(source, f"{where}: units must map each unit written (including {t['unit']!r}) to a positive factor")
        variants, terms = [], set()
        for v in t["variants"] if isinstance(t["variants"], list) else _fail(source, f"{where}: variants must be a list"):
            if not isinstance(v, dict) or set(v) - {"term", "seen_in"} or not isinstance(v.get("term"), str) \
                    or not v["term"] or re.search(r"\s", v["term"]) or v["term"] in terms:
                _fail(source, f"{where}: each variant is {{term = \"…\", seen_in = [report ids]}}, once, not {v!r}")
            seen = v.get("seen_in", [])
            if not isinstance(seen, list) or not all(isinstance(s, str) and s for s in seen):
                _fail(source, f"{where}, {v['term']}: seen_in must be a list of report ids")
            terms.add(v["term"])
            variants.append(IndicatorVariant(v["term"], tuple(seen)))
        if t["name"] not in terms:
            _fail(source, f"{where}: the name {t['name']!r} must also be one of its variants")
        exclude = t.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(e, str) and e for e in exclude):
            _fail(source, f"{where}: exclude must be a list of strings")
        plausible = t.get("plausible", [-math.inf, math.inf])
        if not (isinstance(plausible, list) and len(plausible) == 2
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in plausible)
                and plausible[0] < plausible[1]):
            _fail(source, f"{where}: plausible must be [low, high] with low < high, not {plausible!r}")
        if "plausible" in t and not (isinstance(t.get("plausible_from"), str) and t["plausible_from"].strip()):
            _fail(source, f"{where}: plausible needs plausible_from, saying where the range comes from")
        out.append(Indicator(t["id"], t["name"], str(t["label"]), t["unit"],
                             tuple((u, float(f)) for u, f in units.items()), t["measure"], t["better"],
                             tuple(variants), tuple(exclude), (float(plausible[0]), float(plausible[1])),
                             str(t.get("plausible_from", ""))))
    return Indicators(tuple(out), str(source))


def load_indicators(path: str | Path = INDICATORS) -> Indicators:
    """Read and check an indicator lexicon (default ``data/lexicon/indicators.toml``)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise IndicatorError(f"{path}: no such indicator file") from None
    except tomllib.TOMLDecodeError as e:
        raise IndicatorError(f"{path}: not valid TOML ({e})") from None
    return parse_indicators(data, str(path))


def plausible_range(indicator: str, path: str | Path = INDICATORS) -> tuple[float, float] | None:
    """The values ``indicator`` (an id or a name) can plausibly take, ``(low, high)`` in its unit, from its
    ``plausible = [low, high]`` entry in ``data/lexicon/indicators.toml`` (or ``path``); None where it
    gives none. A target or outcome outside it is suspect: figures mark it rather than plot it silently."""
    found = load_indicators(path)[indicator]  # a KeyError names the file and the indicators it has
    bounds = getattr(found, "plausible", None)  # where the lexicon's parser keeps the range itself
    if bounds is None:
        with open(path, "rb") as f:
            bounds = next(t for t in tomllib.load(f)["indicator"] if t["id"] == found.id).get("plausible")
    if bounds is None:
        return None
    if not (isinstance(bounds, (list, tuple)) and len(bounds) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds) and bounds[0] < bounds[1]):
        raise IndicatorError(f"{path}: indicator {found.id}: plausible must be [low, high] with low < high, "
                             f"not {bounds!r}")
    if not all(math.isfinite(b) for b in bounds):
        return None
    return float(bounds[0]), float(bounds[1])


# ---------------------------------------------------------------------- text
#: Full-width ASCII to ASCII, and dashes and tildes to "-": one character for one, so offsets survive.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({ord(c): "-" for c in "—–―‒−－~～"})
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")

_CN = "零〇○一二两三四五六七八九十百千万"


def cn_number(text: str) -> float:
    """A Chinese numeral as a number: 八 → 8, 十二点八 → 12.8, 二十一点七 → 21.7, 一百 → 100, 两百 → 200
    (:func:`toolkit.numerals.number`)."""
    return float(numerals.number(text))


def _compact(text: str) -> tuple[str, list[int]]:
    keep = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in keep).translate(_WIDTH), keep


def _cn_year(year: int) -> list[str]:
    digits = "".join("〇一二三四五六七八九"[int(d)] for d in str(year))
    return [digits, digits.replace("〇", "○"), digits.replace("〇", "零")]


_NUM = r"\d+(?:\.\d+)?"
_CNNUM = f"[{_CN}]+(?:点[{_CN}]+)?"
_FUTURE = re.compile(r"今年|明年|本年度|预期目标|主要目标|调控目标|目标是|目标为|目标定为|目标设定为|计划要求|计划安排|"
                     r"今年计划|力争|预期为|定为|设定为|拟|^提出|着重说明")
_PAST = re.compile(r"去年|过去一年|过去的一年|上一年|全年|年初确定|年初预定|预定目标|超过计划|实际达到|超过预期|"
                   r"超过全年预期|一年来")
_CNDIGIT = "〇○零一二三四五六七八九"
_COUNT = r"(?:\d+|[二两三四五六七八九十]+)"
#: Words that open a stretch about several years, carried to the next sentences of the paragraph until a
#: word of one year: 五年来, 过去五年, 今后五年, “十四五”时期, “十四五”以来, 三年来, a five-year plan draft
#: (规划纲要, 纲要草案). The year's own figure is the one after a word of the year (:data:`_YEAR_WORDS`,
#: the year reviewed or planned) or after none.
_PERIOD = re.compile(
    rf"(?<![{_CNDIGIT}十])五年(?!规划|计划|工作)|[“\"]?[一二三四五六七八九十]+五[”\"]?(?:规划|计划)?(?:实施)?(?:以来|时期|期间|末)|"
    rf"{_COUNT}年来|{_COUNT}年间|本届政府|任期|规划纲要|纲要草案|规划草案|计划草案|规划建议|规划的建议")
#: Words that make what follows them in their sentence a figure of several years, without opening a
#: stretch: 年均, 累计, 连续4年 (连续36年居全国首位), 近三年, 到2030年, 2021—2025年, 2035 …
_SPAN = re.compile(
    rf"年均|平均每年|累计|(?:到|至)(?:\d{{4}}|[{_CNDIGIT}]{{4}})年|"
    rf"\d{{4}}\s*[-—至到]\s*\d{{4}}年|2035|二〇三五|本世纪|远景|中长期|今后一个时期")
#: A streak (粮食连续6年增产, 连续36年居全国首位, 近三年): several years up to the end of its clause only.
_STREAK = re.compile(rf"连续{_COUNT}年|近{_COUNT}年")
#: Where a span's, a streak's or a base year's reach ends: the next item of a list (；), for a streak the
#: next clause, for a base year nowhere in its sentence.
_SPAN_END = {"span": "；;", "streak": "；;，,", "base": ""}
#: Words of one year: the year planned or reviewed is added per report (2026年, 二〇二六年).
_YEAR_WORDS = r"今年|明年|去年|过去一年|过去的一年|这一年|一年来|全年|当年|本年度|上年|同比"
_PART_YEAR = re.compile(r"上半年|下半年|一季度|二季度|三季度|四季度|前三季度|同期|\d+-\d+月|\d+月份")
_GAP_BAD = re.compile(r"平均|每年|比重|占|之比|贡献|每增长|翻|比(?:\d{4}|[" + _CN + r"]{4})年|同期|季度|上半年|"
                      r"人均|比去年多|比上年多|比去年少|多于|指数|比例|(?<!增长)率|覆盖")
#: After a comma between a variant and its figure, the clause must go on with the variant's verb
#: (国内生产总值达到99.1万亿元，增长6.1%), not name something else (…，城市绿化覆盖率达到24.2%).
_AFTER_COMMA = re.compile(r"^(?:\d{4}年|[〇○零一二三四五六七八九]{4}年|今年|去年|同比|比上年|比去年|较上年|预计|初步核算|按可比价格计算|按不变价格计算|实际|全年|分别|当年|"
                          r"全省|全市|全区|增速|速度|也|仍|又|再|将|要|宏观调控目标|调控目标|目标)*"
                          r"(?:负增长|增长|增加|下降|降低|减少|回落|上涨|上升|提高|达到|达|为|保持|稳定|控制|实现|突破|超过|超|"
                          r"预期|力争|争取|定为|定在|确定为|新增|是|在)")
_VERBS = re.compile(r"负增长|增长|增加|上涨|上升|提高|下降|降低|减少|回落到|回落至|降到|降至|回落")
_NEGATIVE = {"下降", "降低", "减少", "回落", "负增长"}
_RISE = {"增长", "增加", "上涨", "上升", "提高"}
_PREFIX = re.compile(r"(控制在|不低于|不少于|不超过|高于|低于|以内)[^,，]{0,2}$")
_SUFFIX = re.compile(r"^(左右|以上|以内|以下)")
_ABSENT = re.compile(r"(没有|未|不再|不)(提出|设定|设置|设|确定|制定|作)")
_OWN_PLACE = re.compile(r"^(全|本|我)[市区县州省盟旗]$")
_PLACE = re.compile(r"([\u4e00-\u9fff]{1,8}?)(市|州|县|区|盟)(?!场|委|政府)")
_SECTOR = re.compile(r"工业|农业|服务业|产业|制造业|县域|民营|开发区|园区|新区|城区|郊区|城市|电商|贸易")
_RELATIVE_PATTERN = re.compile(r"^(?:实际)?(?:增长)?(?:要|应)?(?:和|与|同)(?:经济增长|经济发展|GDP增长|经济增速)(?:基本)?(?:同步|相适应)")
_CLAUSE_END = "，,；;：:"


def _quantity_pattern(units: list[str]) -> re.Pattern:
    alternatives = "|".join(["%"] + [re.escape(u) for u in sorted(units, key=len, reverse=True)])
    return re.compile(rf"(?P<cn>百分之(?P<ca>{_CNNUM})(?:(?:至|到|-)(?:百分之)?(?P<cb>{_CNNUM}))?)|"
                      rf"(?P<a>{_NUM})(?P<ua>{alternatives})?(?:(?:至|到|-)(?P<b>{_NUM}))?多?(?P<u>{alternatives})")


class _Scanner:
    """One regular expression over every variant and exclusion (longest first); per indicator the
    quantity pattern of its units."""

    def __init__(self, indicators: Indicators):
        self.indicators = indicators
        self.owner: dict[str, str | None] = {}
        for ind in indicators:
            for term in ind.terms:
                self.owner.setdefault(term.translate(_WIDTH), ind.id)
            for ex in ind.exclude:
                self.owner[ex.translate(_WIDTH)] = None
        self.pattern = re.compile("|".join(re.escape(t) for t in sorted(self.owner, key=len, reverse=True)))
        self.quantity = {ind.id: _quantity_pattern([u for u, _ in ind.units if u != "%"]) for ind in indicators}
        self.factor = {ind.id: dict(ind.units) for ind in indicators}

    def mentions(self, s: str) -> list[tuple[str | None, str, int, int]]:
        return [(self.owner[m.group()], m.group(), m.start(), m.end()) for m in self.pattern.finditer(s)]


@dataclass
class _Figure:
    indicator: str
    term: str
    value: float
    high: float
    unit: str
    qualifier: str
    relative_to: str | None
    start: int  # in the compact sentence
    end: int


def _foreign(prefix: str, own: tuple[str, ...]) -> bool:
    """Whether the words of the clause before a variant name another place or a sector."""
    if _SECTOR.search(prefix):
        return True
    for m in _PLACE.finditer(prefix):
        name = m.group()
        if _OWN_PLACE.match(name[-2:]) or any(name and o and (name in o or o in name) for o in own):
            continue
        return True
    return False


def _figures(s: str, scanner: _Scanner, own: tuple[str, ...], scope=None) -> list[_Figure]:
    """Every figure of an indicator in a compact sentence (of the year only, given ``scope``: position →
    ``"year"`` or ``"multi"``)."""
    out = []
    mentions = scanner.mentions(s)
    for k, (ind_id, term, a, b) in enumerate(mentions):
        if ind_id is None:
            continue
        ind = scanner.indicators[ind_id]
        clause_start = max((s.rfind(c, 0, a) for c in _CLAUSE_END), default=-1) + 1
        if _foreign(s[clause_start:a], own):
            continue
        stop = mentions[k + 1][2] if k + 1 < len(mentions) else len(s)
        semi = [i for i in (s.find("；", b), s.find(";", b)) if i >= 0]
        stop = min([stop] + semi)
        commas = [i for i, c in enumerate(s[b:stop], b) if c in "，,"]
        if len(commas) >= 3:
            stop = commas[2]
        window = s[b:stop]
        relative = _RELATIVE_PATTERN.match(s[b:b + 24])
        if relative and ind_id != "gdp_growth":
            if scope is not None and scope(a) == "multi":
                continue
            out.append(_Figure(ind_id, term, math.nan, math.nan, ind.unit, RELATIVE, "gdp_growth", a, b + relative.end()))
            continue
        for q in scanner.quantity[ind_id].finditer(window):
            unit = "%" if q.group("cn") else q.group("u")
            if (unit == "%") != ind.percent:
                continue
            gap = window[:q.start()]
            comma = max(gap.rfind("，"), gap.rfind(","))
            if _GAP_BAD.search(gap) or (comma >= 0 and not _AFTER_COMMA.match(gap[comma + 1:])):
                break
            if scope is not None and scope(b + q.start()) == "multi":
                continue  # a five-year figure; the year's may follow (…年均增长5.6%，2025年增长5.2%)
            if q.group("cn"):
                try:
                    value = cn_number(q.group("ca"))
                    high = cn_number(q.group("cb")) if q.group("cb") else math.nan
                except ValueError:
                    break
            else:
                value = float(q.group("a"))
                high = float(q.group("b")) if q.group("b") else math.nan
                if q.group("ua") and q.group("ua") != q.group("u"):
                    break
            factor = 1.0 if unit == "%" else scanner.factor[ind_id][unit]
            value, high = value * factor, high * factor
            verbs = _VERBS.findall(gap)
            last = verbs[-1] if verbs else ""
            if ind.measure == "growth" and last in _NEGATIVE:
                value, high = -value, -high
            elif ind.measure == "decline" and last in _RISE:
                value, high = -value, -high
            if not math.isnan(high) and high < value:
                value, high = high, value
            after = _SUFFIX.match(window[q.end():])
            before = _PREFIX.search(gap)
            qualifier = after.group(1) if after else (before.group(1).replace("不少于", "不低于") if before else "")
            end = b + q.end() + (after.end() if after else 0)
            out.append(_Figure(ind_id, term, value, high, ind.unit, qualifier, None, a, end))
            break
    return out


@dataclass
class _Sentence:
    start: int
    end: int
    compact: str
    orientation: str | None  # "plan", "review" or None
    own_cue: bool  # the orientation comes from the sentence itself, not from its neighbours
    cues: list[tuple[int, str]]  # (position in compact, "year", "multi", "span" or "streak"), in order
    scope_in: str  # the scope at the start of the sentence: "year", or "multi" carried from the one before

    @property
    def scope_out(self) -> str:
        carried = [kind for _, kind in self.cues if kind not in _SPAN_END]
        return carried[-1] if carried else self.scope_in

    def scope(self, position: int) -> str:
        """Whether a figure at ``position`` (in ``compact``) is of one year or of several: the last cue
        before it (a span reaching to the next ；, a streak to the next clause), else what the sentence
        inherits."""
        found = self.scope_in
        for at, kind in self.cues:
            if at >= position:
                break
            if kind in _SPAN_END:
                if not any(c in _SPAN_END[kind] for c in self.compact[at:position]):
                    found = "multi"
            else:
                found = kind
        return found


def _first(pattern: re.Pattern, words: list[str], s: str) -> int:
    """Position of the first cue (a match of ``pattern`` or one of ``words``) in ``s``, or -1."""
    found = [m.start() for m in [pattern.search(s)] if m] + [s.find(w) for w in words if w in s]
    return min(found) if found else -1


_BASE = re.compile(r"(?:同|与|和|比|较)(\d{4}|[" + _CNDIGIT + r"]{4})年")


def _cues(s: str, year_words: re.Pattern, year: int | None) -> list[tuple[int, str]]:
    """Where a compact sentence turns to several years: ``multi`` for a stretch (:data:`_PERIOD`),
    ``span`` for what follows up to the next ； (:data:`_SPAN`), ``base`` for the rest of the sentence (a
    base year other than the year before the one reviewed or planned: 1986年同1978年相比，…；…财政收入…增长
    98%), ``streak`` up to the next clause
    (:data:`_STREAK`: 实现连续6年增产；城镇新增就业1102万人 keeps the jobs of the year); or to one year:
    ``year`` (:data:`_YEAR_WORDS`,
    the year reviewed or planned). A year word inside a multi-year phrase (2021—2025年, 到2025年) does
    not count."""
    multi = [(m.start(), m.end(), "multi") for m in _PERIOD.finditer(s)]
    multi += [(m.start(), m.end(), "span") for m in _SPAN.finditer(s)]
    multi += [(m.start(), m.end(), "streak") for m in _STREAK.finditer(s)]
    if year is not None:
        for m in _BASE.finditer(s):
            try:
                base = numerals.year(m.group(1))
            except ValueError:
                continue
            if base not in (year - 1, year):
                multi.append((m.start(), m.end(), "base"))
    ones = [(m.start(), "year") for m in year_words.finditer(s)
            if not any(a < m.end() and m.start() < b for a, b, _ in multi)]
    return sorted([(a, kind) for a, _, kind in multi] + ones)


def _sentences(text: str, sections: pd.DataFrame, year: int | None) -> list[_Sentence]:
    """The sentences of a report with their orientation (plan or review) and the words that make what
    follows them a figure of one year or of several (a sentence without such words inherits the scope of
    the one before it in its paragraph: 过去五年，我们…。城镇新增就业560万人 is a five-year figure)."""
    planned, reviewed = [], []
    if year is not None:
        planned = [f"{year + 1}年"] + [f"{y}年" for y in _cn_year(year + 1)]
        reviewed = [f"{year}年"] + [f"{y}年" for y in _cn_year(year)]
    year_words = re.compile("|".join([_YEAR_WORDS] + [re.escape(y) + r"(?![-—至到])" for y in planned + reviewed]))
    bounds = sorted(zip(sections["start"], sections["end"], sections["kind"])) if len(sections) else []
    out: list[_Sentence] = []
    previous_end = 0
    for m in _SENTENCE.finditer(text):
        raw = m.group()
        compact, _ = _compact(raw)
        if not compact:
            continue
        new_paragraph = not out or "\n" in text[previous_end:m.start()]
        previous_end = m.end()
        fut = _first(_FUTURE, [y for y in planned if not any(r in compact for r in reviewed)], compact)
        past = _first(_PAST, [r for r in reviewed if not any(y in compact for y in planned)], compact)
        carried = out and (not new_paragraph or out[-1].compact.endswith((":", "：")))
        if fut >= 0 and (past < 0 or fut < past):
            orientation, own = "plan", True
        elif past >= 0:
            orientation, own = "review", True
        elif carried:
            orientation, own = out[-1].orientation, False
        else:
            kind = next((k for s, e, k in bounds if s <= m.start() < e), None)
            orientation, own = {"plans": "plan", "achievements": "review"}.get(kind), False
        scope_in = out[-1].scope_out if carried else "year"
        out.append(_Sentence(m.start(), m.end(), compact, orientation, own, _cues(compact, year_words, year),
                             scope_in))
    return out


def _report_meta(report) -> dict:
    get = report.get if hasattr(report, "get") else (lambda k, d=None: getattr(report, k, d))
    return {k: get(k, None) for k in ("report_id", "level", "government", "province", "city")}


def _own_names(meta: dict) -> tuple[str, ...]:
    names = []
    for key in ("government", "province", "city"):
        value = meta.get(key)
        if isinstance(value, str) and value:
            names.append(value.replace("人民政府", ""))
    return tuple(names)


def _year_of(value) -> int | None:
    try:
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            return None
        return int(value)
    except (TypeError, ValueError):
        return None


def _scan(corpus, indicators: Indicators | None):
    """Targets and outcomes of every report of a corpus, in one pass over each text."""
    indicators = load_indicators() if indicators is None else indicators
    scanner = _Scanner(indicators)
    reports = corpus.reports
    sections = corpus.sections
    by_report = {rid: g for rid, g in sections.groupby("report_id", sort=False)} if len(sections) else {}
    targets, outcomes = [], []
    for report in reports.itertuples(index=False):
        meta = _report_meta(report)
        year = _year_of(getattr(report, "year", None))
        text = report.text if isinstance(report.text, str) else ""
        own = _own_names(meta)
        sents = _sentences(text, by_report.get(report.report_id, sections.iloc[:0]), year)
        found_t: dict[str, tuple] = {}
        seen_o: set[str] = set()
        absent: dict[str, tuple] = {}
        for sent in sents:
            if sent.orientation is None or _PART_YEAR.search(sent.compact):
                continue
            is_plan = sent.orientation == "plan"
            quote_text = text[sent.start:sent.end].strip()
            if _ABSENT.search(sent.compact) and "目标" in sent.compact:
                for ind_id, term, a, b in scanner.mentions(sent.compact):
                    if ind_id and ind_id not in absent:
                        absent[ind_id] = (term, sent)
            for fig in _figures(sent.compact, scanner, own, sent.scope):
                row = dict(meta, indicator=fig.indicator, term=fig.term, value=fig.value, unit=fig.unit,
                           start=sent.start, end=sent.end, text=quote_text)
                if is_plan:
                    rank = (not sent.own_cue, sent.start)
                    if fig.indicator not in found_t or rank < found_t[fig.indicator][0]:
                        found_t[fig.indicator] = (rank, dict(
                            row, year=None if year is None else year + 1,
                            status="relative" if fig.relative_to else "set", high=fig.high,
                            qualifier=fig.qualifier, relative_to=fig.relative_to))
                elif not fig.relative_to and fig.indicator not in seen_o:
                    seen_o.add(fig.indicator)
                    outcomes.append(dict(row, year=year))
        targets.extend(row for _, row in found_t.values())
        seen_t = set(found_t)
        for ind_id, (term, sent) in absent.items():
            if ind_id in seen_t:
                continue
            targets.append(dict(meta, year=None if year is None else year + 1, indicator=ind_id, term=term,
                                status="explicitly_absent", value=math.nan, high=math.nan,
                                unit=indicators[ind_id].unit, qualifier="", relative_to=None, start=sent.start,
                                end=sent.end, text=text[sent.start:sent.end].strip()))
    t = pd.DataFrame(targets, columns=TARGET_COLUMNS)
    o = pd.DataFrame(outcomes, columns=OUTCOME_COLUMNS)
    for frame in (t, o):
        frame["year"] = frame["year"].astype("Int64")
        frame[["start", "end"]] = frame[["start", "end"]].astype("int64")
    order = {i: n for n, i in enumerate(indicators.ids)}
    t = t.sort_values(["report_id", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c,
                      kind="mergesort").reset_index(drop=True)
    o = o.sort_values(["report_id", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c,
                      kind="mergesort").reset_index(drop=True)
    return t, o


def find_targets(corpus, indicators: Indicators | None = None) -> pd.DataFrame:
    """The targets each report sets for the year it plans (its ``year`` + 1): one row per report and
    indicator (the first found), columns :data:`TARGET_COLUMNS`. ``status`` is ``set``, ``relative``
    (与经济增长同步: no value, ``relative_to`` the indicator followed) or ``explicitly_absent`` (the
    report says it sets none). ``start``/``end``/``text``: the sentence quoted, offsets into the report
    text (``corpus.quote(report_id, start, end)``)."""
    return _scan(corpus, indicators)[0]


def find_outcomes(corpus, indicators: Indicators | None = None) -> pd.DataFrame:
    """The headline figure of each indicator in each report's review of its ``year``: one row per
    report and indicator (the first figure of the government's own, not a city's, a sector's or a
    five-year average), columns :data:`OUTCOME_COLUMNS`; 下降0.3% is −0.3 for a growth."""
    return _scan(corpus, indicators)[1]


# ---------------------------------------------------------------------- panel, verdicts, ledger
def _government_key(frame: pd.DataFrame) -> pd.Series:
    return frame["level"].fillna("").astype(str) + "|" + frame["government"].fillna("").astype(str)


def panel(corpus) -> pd.DataFrame:
    """Every government-year (the year reviewed) from a government's first report to its last, with the
    reports that cover it: ``n`` = 0 is a gap, ``n`` > 1 a duplicate. Reports without a year are left
    out. Columns :data:`PANEL_COLUMNS`."""
    reports = corpus.reports if hasattr(corpus, "reports") else corpus
    rows = []
    frame = reports[["report_id", "level", "government", "year"]].copy()
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    frame = frame.dropna(subset=["year"])
    for (level, government), group in frame.groupby([frame["level"].fillna(""), frame["government"].fillna("")],
                                                     sort=True):
        years = group["year"].astype(int)
        for y in range(years.min(), years.max() + 1):
            ids = sorted(group.loc[years == y, "report_id"])
            rows.append({"level": level, "government": government, "year": y, "report_ids": ids, "n": len(ids)})
    out = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    out["year"] = out["year"].astype("int64")
    out["n"] = out["n"].astype("int64")
    return out


def tolerance(value: float, unit: str) -> float:
    """0.1 point for a percentage, 1% of the value for a count."""
    return 0.1 if unit == "%" else abs(value) * 0.01


def verdict(target_value: float, target_high: float, qualifier: str, outcome: float, *, better: str = "higher",
            unit: str = "%", status: str = "set", reference: float = math.nan) -> str:
    """The verdict of one target against its outcome, by the rule in the module docstring. ``status``
    is that of :func:`find_targets` (``None`` or ``""`` when no target was found); ``reference`` is the
    outcome a relative target follows."""
    eps = 1e-9
    if status == "explicitly_absent":
        return "explicitly_absent"
    if not status:
        return "no_target"
    if status == "relative" or qualifier == RELATIVE:
        if _nan(outcome) or _nan(reference):
            return "no_outcome"
        return "met" if outcome >= reference - tolerance(reference, unit) - eps else "missed"
    if _nan(outcome) or _nan(target_value):
        return "no_outcome"
    v, o = target_value, outcome
    if qualifier in ("以上", "不低于"):
        ok = o >= v - eps
    elif qualifier == "高于":
        ok = o > v + eps
    elif qualifier in ("以内", "以下", "控制在", "不超过"):
        ok = o <= (v if _nan(target_high) else target_high) + eps
    elif qualifier == "低于":
        ok = o < v - eps
    elif not _nan(target_high):
        ok = o >= v - eps if better == "higher" else o <= target_high + eps
    elif better == "higher":
        ok = o >= v - tolerance(v, unit) - eps
    else:
        ok = o <= v + tolerance(v, unit) + eps
    return "met" if ok else "missed"


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def _quote(row) -> dict | None:
    if row is None:
        return None
    return {"report": row["report_id"], "start": int(row["start"]), "end": int(row["end"]), "text": row["text"]}


def ledger(corpus, indicators: Indicators | None = None, *, targets: pd.DataFrame | None = None,
           outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per government × year × indicator that has a target, an explicit absence or an outcome,
    for the years a government's reports plan or review: the target (from the report of ``year`` − 1),
    the outcome (from the report of ``year``), quotes as ``{report, start, end, text}`` and the verdict
    (:func:`verdict`). Where several reports cover a government-year the first report id is used and
    ``note`` says so; a year whose planning or reviewing report is missing says that too. ``suspect``
    is True when the target (either end) or the outcome lies outside the indicator's plausible range
    (``plausible`` in ``data/lexicon/indicators.toml``): the row is kept, to be read before it is used.
    Columns :data:`LEDGER_COLUMNS`."""
    indicators = load_indicators() if indicators is None else indicators
    if targets is None or outcomes is None:
        t, o = _scan(corpus, indicators)
        targets = t if targets is None else targets
        outcomes = o if outcomes is None else outcomes
    reports = corpus.reports
    cover = panel(corpus)
    chosen: dict[tuple, str] = {}
    notes: dict[tuple, list[str]] = {}
    for r in cover.itertuples(index=False):
        key = (r.level, r.government, r.year)
        if r.n:
            chosen[key] = r.report_ids[0]
        if r.n > 1:
            notes.setdefault(key, []).append(f"{r.n} reports review {r.year}: {', '.join(r.report_ids)}; "
                                             f"{r.report_ids[0]} used")
    meta = reports.set_index("report_id")[["level", "government", "province", "city"]]
    t_index = {(r["report_id"], r["indicator"]): r for r in targets.to_dict("records")}
    o_index = {(r["report_id"], r["indicator"]): r for r in outcomes.to_dict("records")}
    govs = cover.groupby(["level", "government"], sort=True)
    rows = []
    for (level, government), group in govs:
        first = chosen.get((level, government, int(group["year"].min())))
        info = meta.loc[first] if first is not None else None
        years = range(int(group["year"].min()), int(group["year"].max()) + 2)
        for year in years:
            planner = chosen.get((level, government, year - 1))
            reviewer = chosen.get((level, government, year))
            if planner is None and reviewer is None:
                continue
            note = list(notes.get((level, government, year - 1), [])) + \
                [n for n in notes.get((level, government, year), []) if n not in notes.get((level, government, year - 1), [])]
            if planner is None and year - 1 >= group["year"].min():
                note.append(f"no report reviews {year - 1}: targets for {year} unknown")
            if reviewer is None and year <= group["year"].max():
                note.append(f"no report reviews {year}: outcomes unknown")
            for ind in indicators:
                tr = t_index.get((planner, ind.id)) if planner else None
                orow = o_index.get((reviewer, ind.id)) if reviewer else None
                if tr is None and orow is None:
                    continue
                status = tr["status"] if tr is not None else ""
                reference = math.nan
                if tr is not None and tr["status"] == "relative":
                    ref = o_index.get((reviewer, tr["relative_to"])) if reviewer else None
                    reference = ref["value"] if ref is not None else math.nan
                outcome = orow["value"] if orow is not None else math.nan
                rows.append({
                    "government": government, "province": None if info is None else info["province"],
                    "city": None if info is None else info["city"], "level": level, "year": year,
                    "indicator": ind.id,
                    "target_value": tr["value"] if tr is not None else math.nan,
                    "target_high": tr["high"] if tr is not None else math.nan,
                    "target_qualifier": ("explicitly_absent" if status == "explicitly_absent" else
                                         tr["qualifier"]) if tr is not None else None,
                    "target_quote": _quote(tr), "outcome_value": outcome, "outcome_quote": _quote(orow),
                    "suspect": any(ind.implausible(x) for x in (
                        tr["value"] if tr is not None else math.nan, tr["high"] if tr is not None else math.nan,
                        outcome)),
                    "verdict": verdict(tr["value"] if tr is not None else math.nan,
                                       tr["high"] if tr is not None else math.nan,
                                       tr["qualifier"] if tr is not None else "", outcome, better=ind.better,
                                       unit=ind.unit, status=status, reference=reference),
                    "note": "; ".join(note)})
    out = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    out["year"] = out["year"].astype("int64")
    out["suspect"] = out["suspect"].astype(bool)
    return out


def verdicts_by_indicator(table: pd.DataFrame) -> pd.DataFrame:
    """Verdict counts per indicator (rows) × verdict (columns), every verdict shown."""
    counts = pd.crosstab(table["indicator"], table["verdict"]) if len(table) else pd.DataFrame()
    return counts.reindex(columns=list(VERDICTS), fill_value=0)


def amplification(table: pd.DataFrame, indicators: Indicators | None = None) -> pd.DataFrame:
    """层层加码: each target against the target of the government directly above it for the same year and
    indicator (a province against the national government; a city against its province, matched by the
    ``province`` column). ``gap`` = target − parent target (low ends of ranges); ``amplified`` is True
    when the gap lies on the indicator's ``better`` side (higher growth, lower inflation). Rows without
    a numeric target on both sides are left out. Columns :data:`AMPLIFICATION_COLUMNS`."""
    indicators = load_indicators() if indicators is None else indicators
    better = {i.id: i.better for i in indicators}
    numeric = table[table["target_value"].notna()]
    rows = []
    for r in numeric.itertuples(index=False):
        parent_level = PARENT_LEVEL.get(r.level)
        if parent_level is None:
            continue
        parents = numeric[(numeric["level"] == parent_level) & (numeric["year"] == r.year)
                          & (numeric["indicator"] == r.indicator)]
        if parent_level != "national":
            parents = parents[parents["province"] == r.province]
            if parent_level == "prefecture":
                parents = parents[parents["city"] == r.city]
        if parents.empty:
            continue
        p = parents.iloc[0]
        gap = float(r.target_value) - float(p["target_value"])
        side = better.get(r.indicator, "higher")
        rows.append({"year": r.year, "indicator": r.indicator, "level": r.level, "government": r.government,
                     "province": r.province, "city": r.city, "target_value": r.target_value,
                     "target_high": r.target_high, "target_qualifier": r.target_qualifier,
                     "parent_level": parent_level, "parent_government": p["government"],
                     "parent_value": p["target_value"], "parent_high": p["target_high"],
                     "parent_qualifier": p["target_qualifier"], "gap": round(gap, 6),
                     "amplified": bool(gap > 1e-9 if side == "higher" else gap < -1e-9)})
    return pd.DataFrame(rows, columns=AMPLIFICATION_COLUMNS)


__all__ = ["AMPLIFICATION_COLUMNS", "INDICATORS", "Indicator", "IndicatorError", "IndicatorVariant", "Indicators",
           "LEDGER_COLUMNS", "OUTCOME_COLUMNS", "PANEL_COLUMNS", "QUALIFIERS", "RELATIVE", "TARGET_COLUMNS", "VERDICTS",
           "amplification", "cn_number", "find_outcomes", "find_targets", "ledger", "load_indicators", "panel",
           "parse_indicators", "plausible_range", "tolerance", "verdict", "verdicts_by_indicator"]


# --------------------------------------------------------------------------- the export's table
_C = Column
#: The ``targets`` table of an export: :func:`ledger`, its quotes flattened. The codebook of
#: :mod:`toolkit.export` is generated from it.
TARGETS_SPEC = TableSpec(
    "targets", "目标台账", "targets ledger", "one government × year × indicator with a target, an explicit absence "
    "or an outcome", ("government", "level", "year", "indicator"), "toolkit.targets.ledger", (
        _C("government", "string", "政府", "government", "the government (reports.government)", "", ""),
        _C("province", "string", "省份", "province", "its province", "", ""),
        _C("city", "string", "城市", "city", "its city", "", ""),
        _C("level", "string", "行政级别", "level of government", "its level", "national, province, prefecture, county",
           ""),
        _C("year", "integer", "年份", "year", "the year the target is for and the outcome of", "a year",
           "the planning report's year + 1; the reviewing report's year"),
        _C("indicator", "string", "指标", "indicator", "the indicator's id (data/lexicon/indicators.toml)",
           "indicator ids", "toolkit.targets.load_indicators"),
        _C("target_value", "float", "目标值", "target", "the target (the low end of a range); empty without a number",
           "", "toolkit.targets.find_targets"),
        _C("target_high", "float", "目标上限", "target high", "the high end of a range target", "",
           "toolkit.targets.find_targets"),
        _C("target_qualifier", "string", "目标限定词", "qualifier", "左右, 以上 … written with the target; 与经济增长同步 "
           "for a relative target; explicitly_absent when none is set", "", ""),
        _C("target_report", "string", "目标出处", "target report", "the report quoted for the target", "",
           "the report reviewing year - 1"),
        _C("target_start", "integer", "目标起始位置", "target start", "offset of the target's sentence", "≥ 0", ""),
        _C("target_end", "integer", "目标结束位置", "target end", "end offset of the target's sentence", "", ""),
        _C("target_text", "string", "目标原文", "target quote", "the target's sentence", "", ""),
        _C("outcome_value", "float", "实际值", "outcome", "the figure reported for the year", "",
           "toolkit.targets.find_outcomes"),
        _C("outcome_report", "string", "实际出处", "outcome report", "the report quoted for the outcome", "",
           "the report reviewing year"),
        _C("outcome_start", "integer", "实际起始位置", "outcome start", "offset of the outcome's sentence", "≥ 0", ""),
        _C("outcome_end", "integer", "实际结束位置", "outcome end", "end offset of the outcome's sentence", "", ""),
        _C("outcome_text", "string", "实际原文", "outcome quote", "the outcome's sentence", "", ""),
        _C("verdict", "string", "结论", "verdict", "the target against the outcome", ", ".join(VERDICTS),
           "toolkit.targets.verdict"),
        _C("suspect", "boolean", "可疑", "suspect", "True when the target (either end) or the outcome lies outside the "
           "indicator's plausible range (data/lexicon/indicators.toml: GDP growth -10…20%): read the quotes before "
           "using the row; figures draw it as a flagged point", "True, False",
           "toolkit.targets.ledger, Indicator.plausible"),
        _C("note", "string", "说明", "note", "gaps and duplicated years of the panel", "", "toolkit.targets.ledger")))


def targets_for_export(corpus, indicators: Indicators) -> pd.DataFrame:
    """The ``targets`` table of an export (:data:`TARGETS_SPEC`): the :func:`ledger` of ``corpus`` with
    ``indicators``, each quote (a dict) flattened into its report, start, end and text."""
    table = ledger(corpus, indicators)
    flat = table.drop(columns=["target_quote", "outcome_quote"])
    for side in ("target", "outcome"):
        quotes = table[f"{side}_quote"]
        for part in ("report", "start", "end", "text"):
            flat[f"{side}_{part}"] = [q[part] if isinstance(q, dict) else None for q in quotes]
    return TARGETS_SPEC.typed(flat)
