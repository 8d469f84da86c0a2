"""toolkit.targets: figures, qualifiers, exclusions, explicit absence, verdicts, panel, amplification,
the indicator lexicon's seen_in claims, and precision/recall against the national gold table."""
from __future__ import annotations

import csv
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from toolkit import load_corpus, paths
from toolkit.targets import (LEDGER_COLUMNS, OUTCOME_COLUMNS, PANEL_COLUMNS, TARGET_COLUMNS, IndicatorError,
                             amplification, cn_number, find_outcomes, find_targets, ledger, load_indicators,
                             panel, parse_indicators, plausible_range, verdict)

NATIONAL = paths.SHARED_DIR / "corpora" / "national-1954-2022"
PROVINCIAL = paths.SHARED_DIR / "corpora" / "provincial-2025"
GOLD = paths.PROJECT_ROOT / "tests" / "gold" / "national_targets.csv"


def corpus_of(*reports: dict) -> SimpleNamespace:
    """A corpus of synthetic reports: dicts with text, year and optionally report_id, level, government,
    province, city; no sections (orientation comes from the sentences)."""
    rows = []
    for i, r in enumerate(reports):
        rows.append({"report_id": r.get("report_id", f"r{i}"), "level": r.get("level", "national"),
                     "government": r.get("government", "国务院"), "province": r.get("province"),
                     "city": r.get("city"), "year": r["year"], "text": r["text"]})
    sections = pd.DataFrame(columns=["report_id", "index", "kind", "start", "end", "text"])
    return SimpleNamespace(reports=pd.DataFrame(rows), sections=sections)


def one_target(text: str, indicator: str = "gdp_growth", **report):
    t = find_targets(corpus_of({"year": 2020, "text": text, **report}))
    t = t[t["indicator"] == indicator]
    assert len(t) == 1, t
    return t.iloc[0]


def one_outcome(text: str, indicator: str = "gdp_growth", **report):
    o = find_outcomes(corpus_of({"year": 2020, "text": text, **report}))
    o = o[o["indicator"] == indicator]
    assert len(o) == 1, o
    return o.iloc[0]


def same(a, b) -> bool:
    return (isinstance(a, float) and math.isnan(a) and isinstance(b, float) and math.isnan(b)) or a == b


# ---------------------------------------------------------------------- figures and qualifiers
@pytest.mark.parametrize("text, value, high, qualifier", [
    ("今年发展主要预期目标是：国内生产总值增长5.5%左右。", 5.5, math.nan, "左右"),
    ("今年发展主要预期目标是：国内生产总值增长6%以上。", 6.0, math.nan, "以上"),
    ("今年发展主要预期目标是：国内生产总值增长6%－6.5%。", 6.0, 6.5, ""),
    ("今年发展主要预期目标是：国内生产总值增长6.5%—7%。", 6.5, 7.0, ""),
    ("今年发展主要预期目标是：地区生产总值增长5–5.5%。", 5.0, 5.5, ""),
    ("今年经济增长速度的宏观调控目标，定为百分之八至九。", 8.0, 9.0, ""),
    ("今年计划国内生产总值增长百分之十二点八。", 12.8, math.nan, ""),
    ("今年地区生产总值增长不低于5%。", 5.0, math.nan, "不低于"),
    ("今年地区生产总值增长高于5%，力争增长6%。", 5.0, math.nan, "高于"),
    ("今年的经济增长预期为７％左右。", 7.0, math.nan, "左右"),
    ("今年国民经济宏观调控的主要目标是：经济增长速度8 ％。", 8.0, math.nan, ""),
])
def test_target_values_and_qualifiers(text, value, high, qualifier):
    row = one_target(text)
    assert row["value"] == value and same(row["high"], high) and row["qualifier"] == qualifier
    assert row["status"] == "set" and row["unit"] == "%" and row["year"] == 2021


@pytest.mark.parametrize("text, indicator, value, qualifier, unit", [
    ("今年城镇新增就业1100万人以上。", "new_urban_jobs", 1100.0, "以上", "万人"),
    ("今年城镇新增就业人数不低于900万人。", "new_urban_jobs", 900.0, "不低于", "万人"),
    ("今年城镇调查失业率控制在5.5%以内。", "unemployment", 5.5, "以内", "%"),
    ("今年城镇登记失业率控制在4.6%。", "unemployment", 4.6, "控制在", "%"),
    ("今年城镇登记失业率低于4.6%。", "unemployment", 4.6, "低于", "%"),
    ("今年居民消费价格涨幅控制在3.5%左右。", "cpi", 3.5, "左右", "%"),
    ("今年粮食产量保持在1.3万亿斤以上。", "grain_output", 65000.0, "以上", "万吨"),
    ("今年单位国内生产总值能耗降低3%左右。", "energy_intensity", 3.0, "左右", "%"),
    ("今年一般公共预算收入增长5%。", "budget_revenue_growth", 5.0, "", "%"),
    ("今年固定资产投资增长6%左右。", "investment_growth", 6.0, "左右", "%"),
    ("今年社会消费品零售总额增长5.5%左右。", "retail_growth", 5.5, "左右", "%"),
    ("今年进出口增长6%左右。", "trade_growth", 6.0, "左右", "%"),
])
def test_units_and_other_indicators(text, indicator, value, qualifier, unit):
    row = one_target(text, indicator)
    assert (row["value"], row["qualifier"], row["unit"]) == (value, qualifier, unit)


def test_relative_target_has_no_number():
    row = one_target("今年发展主要预期目标是：地区生产总值增长5%左右；居民收入增长与经济增长基本同步。", "income_growth")
    assert row["status"] == "relative" and row["qualifier"] == "与经济增长同步" and row["relative_to"] == "gdp_growth"
    assert math.isnan(row["value"])


def test_chinese_numerals():
    assert [cn_number(x) for x in ("八", "十", "十二点八", "二十一点七", "一百")] == [8, 10, 12.8, 21.7, 100]


# ---------------------------------------------------------------------- outcomes
@pytest.mark.parametrize("text, indicator, value", [
    ("去年，全市地区生产总值增长5.3%。", "gdp_growth", 5.3),
    ("过去一年，国内生产总值达到99.1万亿元，增长6.1%。", "gdp_growth", 6.1),
    ("2020年国民生产总值比上年增长百分之三点九。", "gdp_growth", 3.9),
    ("去年城镇新增就业112万人。", "new_urban_jobs", 112.0),
    ("去年居民消费价格上涨0.2%。", "cpi", 0.2),
    ("去年居民消费价格下降0.3%。", "cpi", -0.3),
    ("去年居民消费价格涨幅回落到2.6%。", "cpi", 2.6),
    ("去年单位国内生产总值能耗下降5.6%。", "energy_intensity", 5.6),
    ("去年一般公共预算收入下降2.1%。", "budget_revenue_growth", -2.1),
])
def test_outcomes(text, indicator, value):
    row = one_outcome(text, indicator)
    assert row["value"] == pytest.approx(value) and row["year"] == 2020
    assert row["text"] in text and 0 <= row["start"] < row["end"]


def test_outcome_skips_five_year_averages_and_other_bases():
    text = ("五年来，国内生产总值年均增长7.1%。2020年同2015年相比，国内生产总值增长40%。"
            "去年国内生产总值比上年增长6.1%，城镇新增就业6600万人以上的五年目标也已完成。")
    o = find_outcomes(corpus_of({"year": 2020, "text": text}))
    assert o.loc[o["indicator"] == "gdp_growth", "value"].tolist() == [6.1]


def test_city_figure_in_a_provincial_report_is_not_the_provinces():
    province = {"level": "province", "government": "江苏省人民政府", "province": "江苏省"}
    text = "去年，南京市地区生产总值增长8%，全省地区生产总值增长5.8%。"
    assert one_outcome(text, **province)["value"] == 5.8
    plans = "今年，苏州市地区生产总值增长8%左右；全省地区生产总值增长5%以上。"
    assert one_target(plans, **province)["value"] == 5.0
    sector = find_targets(corpus_of({"year": 2020, "text": "今年规模以上工业增加值增长6%，服务业地区生产总值增长7%。",
                                     **province}))
    assert sector.empty


def test_five_year_and_2035_goals_are_not_targets():
    text = ("“十四五”时期，国内生产总值年均增长5%以上。到2035年，人均地区生产总值达到中等发达国家水平。"
            "今后五年，城镇新增就业5000万人以上。\n今年主要预期目标是：国内生产总值增长6%以上，城镇新增就业1100万人以上。")
    t = find_targets(corpus_of({"year": 2020, "text": text}))
    assert t.set_index("indicator")["value"].to_dict() == {"gdp_growth": 6.0, "new_urban_jobs": 1100.0}


def test_explicit_absence():
    text = "今年城镇新增就业900万人以上。需要说明的是，我们没有提出全年经济增速具体目标，主要因为不确定性很大。"
    t = find_targets(corpus_of({"year": 2019, "text": text})).set_index("indicator")
    assert t.loc["gdp_growth", "status"] == "explicitly_absent" and math.isnan(t.loc["gdp_growth", "value"])
    assert t.loc["new_urban_jobs", "status"] == "set"


# ---------------------------------------------------------------------- verdicts
@pytest.mark.parametrize("args, kwargs, expected", [
    ((7.5, math.nan, "左右", 7.4), {}, "met"),
    ((7.5, math.nan, "左右", 7.3), {}, "missed"),
    ((6.0, math.nan, "以上", 5.9), {}, "missed"),
    ((6.0, math.nan, "不低于", 6.0), {}, "met"),
    ((6.0, math.nan, "高于", 6.0), {}, "missed"),
    ((6.0, 6.5, "", 6.0), {}, "met"),
    ((6.0, 6.5, "", 5.9), {}, "missed"),
    ((8.0, math.nan, "", 7.8), {}, "missed"),
    ((3.0, math.nan, "左右", 3.1), {"better": "lower"}, "met"),
    ((3.0, math.nan, "左右", 3.3), {"better": "lower"}, "missed"),
    ((3.0, math.nan, "以内", 3.1), {"better": "lower"}, "missed"),
    ((4.0, math.nan, "控制在", 1.8), {"better": "lower"}, "met"),
    ((4.6, math.nan, "低于", 4.6), {"better": "lower"}, "missed"),
    ((3.0, 3.5, "", 3.4), {"better": "lower"}, "met"),
    ((900.0, math.nan, "以上", 1102.0), {"unit": "万人"}, "met"),
    ((900.0, math.nan, "", 895.0), {"unit": "万人"}, "met"),
    ((6.0, math.nan, "以上", math.nan), {}, "no_outcome"),
    ((math.nan, math.nan, "", 2.3), {"status": "explicitly_absent"}, "explicitly_absent"),
    ((math.nan, math.nan, "", 2.3), {"status": ""}, "no_target"),
    ((math.nan, math.nan, "与经济增长同步", 5.1), {"status": "relative", "reference": 5.2}, "met"),
    ((math.nan, math.nan, "与经济增长同步", 4.8), {"status": "relative", "reference": 5.2}, "missed"),
    ((math.nan, math.nan, "与经济增长同步", 4.8), {"status": "relative"}, "no_outcome"),
])
def test_verdicts(args, kwargs, expected):
    assert verdict(*args, **kwargs) == expected


# ---------------------------------------------------------------------- panel and ledger
def _series():
    plan = "今年主要预期目标是：国内生产总值增长{}%左右，居民收入增长和经济增长同步。"
    review = "去年国内生产总值增长{}%，居民人均可支配收入增长{}%。"
    return corpus_of(
        {"report_id": "a2018", "year": 2018, "text": review.format(6.6, 6.5) + plan.format(6.5)},
        {"report_id": "a2019", "year": 2019, "text": review.format(6.1, 5.8) + plan.format(6)},
        {"report_id": "b2019", "year": 2019, "text": review.format(6.0, 5.8) + plan.format(6)},  # duplicate
        # 2020 is a gap
        {"report_id": "a2021", "year": 2021, "text": review.format(8.1, 8.1) + plan.format(5.5)},
        {"report_id": "a2022", "year": 2022, "text": review.format(3.0, 2.9)},
    )


def test_panel_shows_gaps_and_duplicates():
    p = panel(_series())
    assert list(p.columns) == PANEL_COLUMNS
    assert p["year"].tolist() == [2018, 2019, 2020, 2021, 2022]
    assert p["n"].tolist() == [1, 2, 0, 1, 1]
    assert p.loc[p["year"] == 2019, "report_ids"].iloc[0] == ["a2019", "b2019"]


def test_ledger_rows_and_verdicts():
    table = ledger(_series())
    assert list(table.columns) == LEDGER_COLUMNS
    gdp = table[table["indicator"] == "gdp_growth"].set_index("year")
    assert gdp.loc[2019, "target_value"] == 6.5 and gdp.loc[2019, "outcome_value"] == 6.1  # a2019, not b2019
    assert gdp.loc[2019, "verdict"] == "missed"  # 6.1 is more than 0.1 below 6.5左右
    assert "a2019 used" in gdp.loc[2019, "note"] and "b2019" in gdp.loc[2019, "note"]
    assert gdp.loc[2020, "verdict"] == "no_outcome" and "no report reviews 2020" in gdp.loc[2020, "note"]
    assert gdp.loc[2021, "verdict"] == "no_target" and gdp.loc[2021, "outcome_value"] == 8.1
    assert gdp.loc[2022, "verdict"] == "missed" and gdp.loc[2022, "target_value"] == 5.5
    assert 2023 not in gdp.index  # a2022 plans nothing
    quote = gdp.loc[2022, "target_quote"]
    assert quote["report"] == "a2021" and set(quote) == {"report", "start", "end", "text"}
    income = table[table["indicator"] == "income_growth"].set_index("year")
    assert income.loc[2019, "target_qualifier"] == "与经济增长同步"
    assert income.loc[2019, "verdict"] == "missed"  # 5.8 against GDP 6.1
    assert income.loc[2022, "verdict"] == "met"  # 2.9 against 3.0, within 0.1


def test_amplification_across_levels():
    plan = "今年主要预期目标是：{}增长{}%左右，居民消费价格涨幅{}%左右。"
    c = corpus_of(
        {"report_id": "n", "year": 2024, "text": plan.format("国内生产总值", 5, 3)},
        {"report_id": "p1", "year": 2024, "level": "province", "government": "江苏省人民政府", "province": "江苏省",
         "text": plan.format("地区生产总值", 5.5, 3)},
        {"report_id": "p2", "year": 2024, "level": "province", "government": "北京市人民政府", "province": "北京市",
         "text": plan.format("地区生产总值", 5, 2.5)},
        {"report_id": "c1", "year": 2024, "level": "prefecture", "government": "南京市人民政府", "province": "江苏省",
         "city": "南京市", "text": plan.format("地区生产总值", 6, 3)},
    )
    a = amplification(ledger(c)).set_index(["government", "indicator"])
    assert a.loc[("江苏省人民政府", "gdp_growth"), "gap"] == 0.5 and a.loc[("江苏省人民政府", "gdp_growth"), "amplified"]
    assert a.loc[("南京市人民政府", "gdp_growth"), "parent_government"] == "江苏省人民政府"
    assert a.loc[("南京市人民政府", "gdp_growth"), "gap"] == 0.5
    assert not a.loc[("北京市人民政府", "gdp_growth"), "amplified"]
    assert a.loc[("北京市人民政府", "cpi"), "amplified"]  # a lower inflation ceiling is stricter
    assert set(a.reset_index()["year"]) == {2025}


# ---------------------------------------------------------------------- the lexicon
def test_lexicon_has_the_indicators_the_issue_names():
    lex = load_indicators()
    for ind, terms in {"gdp_growth": ["地区生产总值", "国内生产总值", "全省生产总值", "经济增长"],
                       "new_urban_jobs": ["城镇新增就业"], "unemployment": ["城镇调查失业率", "城镇登记失业率"],
                       "cpi": ["居民消费价格涨幅"], "budget_revenue_growth": ["一般公共预算收入"],
                       "income_growth": ["居民人均可支配收入"], "grain_output": ["粮食产量"],
                       "energy_intensity": ["单位GDP能耗", "单位国内生产总值能耗"], "investment_growth": ["固定资产投资"],
                       "retail_growth": ["社会消费品零售总额"], "trade_growth": ["进出口"]}.items():
        assert set(terms) <= set(lex[ind].terms), ind
    assert lex["new_urban_jobs"].unit == "万人"
    with pytest.raises(IndicatorError, match="measure"):
        parse_indicators({"schema": 1, "indicator": [{"id": "x", "name": "x", "label": "", "unit": "%",
                                                      "measure": "up", "better": "higher",
                                                      "variants": [{"term": "x"}]}]})


def test_plausible_range_is_read_from_the_lexicon(tmp_path):
    assert plausible_range("gdp_growth") == (-10.0, 20.0)
    assert plausible_range("国内生产总值") == (-10.0, 20.0)  # by name too
    text = (paths.LEXICON_DIR / "indicators.toml").read_text(encoding="utf-8")
    without = tmp_path / "without.toml"
    without.write_text(text.replace("plausible = [-10, 20]\n", ""), encoding="utf-8")
    assert plausible_range("gdp_growth", without) is None
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("plausible = [-10, 20]", "plausible = [20, -10]"), encoding="utf-8")
    with pytest.raises(IndicatorError, match=r"gdp_growth.*plausible must be \[low, high\] with low < high"):
        plausible_range("gdp_growth", bad)
    with pytest.raises(KeyError, match="no indicator 'no_such'"):
        plausible_range("no_such")


def _compact(text: str) -> str:
    return "".join(text.split()).translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})


def test_every_seen_in_claim_is_true():
    lex = load_indicators()
    claims = [(i.id, v.term, r) for i in lex for v in i.variants for r in v.seen_in]
    assert claims
    texts = {}
    for folder in (NATIONAL, PROVINCIAL):
        if not folder.is_dir():
            pytest.skip(paths.shared_absent(folder))
        c = load_corpus(folder)
        texts.update({r: _compact(t) for r, t in zip(c.reports["report_id"], c.reports["text"])})
    for ind, term, report in claims:
        assert report in texts, f"{ind}/{term}: unknown report {report}"
        assert _compact(term) in texts[report], f"{term} ({ind}) is not in {report}"


# ---------------------------------------------------------------------- gold
def read_gold() -> list[dict]:
    with open(GOLD, encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _num(x) -> float:
    return float(x) if x not in ("", None) else math.nan


def test_gold_table_is_well_formed():
    rows = read_gold()
    assert len({r["year"] for r in rows if r["indicator"] == "gdp_growth"}) >= 20
    assert {r["indicator"] for r in rows} >= {"gdp_growth", "cpi"}
    for r in rows:
        assert r["target_status"] in ("set", "explicitly_absent")
        assert int(r["target_start"]) < int(r["target_end"])
        assert "text" not in r


@pytest.fixture(scope="module")
def national():
    if not NATIONAL.is_dir():
        pytest.skip(paths.shared_absent(NATIONAL))
    return load_corpus(NATIONAL)


def gold_scores(table: pd.DataFrame, gold: list[dict]) -> tuple[float, float, list[str]]:
    """Precision and recall of the ledger's target-outcome pairs (rows with a target or an explicit
    absence) against the gold, on the gold's indicators and years; a pair is right when status, target
    value, high, qualifier and outcome all agree and the target quote holds the gold's offsets."""
    want = {(int(g["year"]), g["indicator"]): g for g in gold}
    years = {y for y, _ in want}
    indicators = {i for _, i in want}
    got = table[(table["level"] == "national") & table["indicator"].isin(indicators) & table["year"].isin(years)
                & (table["verdict"] != "no_target")]
    right, misses = 0, []
    for r in got.itertuples(index=False):
        g = want.get((r.year, r.indicator))
        if g is None:
            misses.append(f"extra: {r.year} {r.indicator} target {r.target_value} {r.target_qualifier}")
            continue
        status = "explicitly_absent" if r.verdict == "explicitly_absent" else "set"
        q = r.target_quote
        checks = [status == g["target_status"], same(float(r.target_value), _num(g["target_value"])),
                  same(float(r.target_high), _num(g["target_high"])),
                  (r.target_qualifier or "") in (g["target_qualifier"], "explicitly_absent"),
                  same(float(r.outcome_value), _num(g["outcome_value"])),
                  q["report"] == g["target_report"] and q["start"] <= int(g["target_start"]) < q["end"]]
        if g["outcome_report"]:
            o = r.outcome_quote
            checks.append(o is not None and o["report"] == g["outcome_report"]
                          and o["start"] <= int(g["outcome_start"]) < o["end"])
        if all(checks):
            right += 1
        else:
            misses.append(f"wrong: {r.year} {r.indicator}: got {r.target_value}/{r.target_high}/{r.target_qualifier} "
                          f"-> {r.outcome_value}; gold {g['target_value']}/{g['target_high']}/{g['target_qualifier']} "
                          f"-> {g['outcome_value']}")
    found = {(r.year, r.indicator) for r in got.itertuples(index=False)}
    misses += [f"missed: {y} {i}" for (y, i) in want if (y, i) not in found]
    precision = right / len(got) if len(got) else 0.0
    recall = right / len(want)
    return precision, recall, misses


def test_precision_and_recall_against_the_national_gold(national):
    table = ledger(national)
    precision, recall, misses = gold_scores(table, read_gold())
    print(f"gold: precision {precision:.3f}, recall {recall:.3f}; misses: {misses}")
    assert precision >= 0.95 and recall >= 0.95, misses


def test_national_2020_sets_no_gdp_target(national):
    t = find_targets(national)
    row = t[(t["year"] == 2020) & (t["indicator"] == "gdp_growth")]
    assert row["status"].tolist() == ["explicitly_absent"]
    assert "经济增速" in national.quote(row["report_id"].iloc[0], int(row["start"].iloc[0]), int(row["end"].iloc[0]))


def test_columns(national):
    assert list(find_targets(national).columns) == TARGET_COLUMNS
    assert list(find_outcomes(national).columns) == OUTCOME_COLUMNS


def test_a_five_year_plan_named_later_in_the_sentence_is_left_out():
    c = corpus_of({"report_id": "n", "year": 1985, "text": "综合考虑这些任务的要求，“七五”计划草案规定，在不断提高经济效益的前提下，"
                   "五年内全国工农业总产值增长百分之三十八，国民生产总值增长百分之四十四。"})
    assert find_targets(c).empty


def test_amplification_figure_draws_each_government_against_the_level_above():
    import matplotlib

    matplotlib.use("Agg")
    from toolkit.time_figures import amplification_figure

    table = pd.DataFrame({"indicator": ["gdp_growth"] * 2, "government": ["江苏省人民政府", "北京市人民政府"],
                          "year": [2025, 2025], "target_value": [5.5, 5.0], "parent_value": [5.0, 5.0],
                          "gap": [0.5, 0.0], "amplified": [True, False]})
    (fig,) = amplification_figure(table)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["北京市人民政府 2025", "江苏省人民政府 2025"]
    assert amplification_figure(table.iloc[0:0]) is None


# ---------------------------------------------------------------------- first-year and term-end reports
#: Synthetic reports of the shapes that review five years and one year together: a first-year-of-plan
#: report (delivered in 2026: it reviews 2025 and the “十四五” period, plans 2026, and presents the
#: “十五五” plan draft) and a term-end report (delivered in 2023: 过去五年工作回顾, then 2022, then the
#: next five years and 2023). In each, the year's outcomes are GDP 5.2% and 112万 new urban jobs, the
#: year's targets GDP 5% and 105万; every other figure is a five-year one.
_HEAD_2026 = "——2026年1月28日在江苏省第十四届人民代表大会第五次会议上\n各位代表：\n"
_PLAN_2026 = ("三、2026年工作安排\n今年是“十五五”规划开局之年，做好今年工作意义重大。综合考虑，今年经济社会发展的主要预期目标是："
              "地区生产总值增长5%左右，城镇新增就业105万人以上，城镇调查失业率5.5%左右。\n")
_DRAFT = ("二、“十五五”时期的主要目标任务\n根据省委建议，省政府编制了《江苏省国民经济和社会发展第十五个五年规划纲要（草案）》，"
          "提请大会审议。纲要草案提出的主要指标是：地区生产总值增长保持在合理区间、城市建成区绿化覆盖率达到24.2%，"
          "城镇新增就业五年550万人以上，居民收入增长和经济增长同步。\n")
FIRST_YEAR = {
    "five_years_first": (
        _HEAD_2026 + "一、2025年和“十四五”时期工作回顾\n“十四五”时期是极不平凡的五年。五年来，全省地区生产总值从11.6万亿元增加到"
        "14.1万亿元，年均增长5.6%，城镇新增就业累计达到560万人。过去五年，城镇新增就业年均112.4万人。\n"
        "2025年是“十四五”规划收官之年。一年来，全省地区生产总值14.1万亿元、增长5.2%，城镇新增就业112万人，城镇调查失业率4.5%。\n"
        + _DRAFT + _PLAN_2026),
    "year_after_level_in_a_five_year_sentence": (
        _HEAD_2026 + "一、2025年和“十四五”时期工作回顾\n“十四五”以来，全省地区生产总值连跨4个万亿台阶，2025年达到14.1万亿元、增长5.2%。"
        "五年来，城镇新增就业560万人，2025年城镇新增就业112万人。\n" + _DRAFT + _PLAN_2026),
    "year_first_then_period": (
        _HEAD_2026 + "一、2025年和“十四五”时期工作回顾\n过去一年，全省地区生产总值增长5.2%，城镇新增就业112万人。"
        "“十四五”时期，地区生产总值年均增长5.6%，城镇新增就业560万人。\n" + _DRAFT + _PLAN_2026),
    "five_year_paragraph_without_cue_words": (
        _HEAD_2026 + "一、2025年和“十四五”时期工作回顾\n过去五年，我们攻坚克难、砥砺前行。全省地区生产总值增长31%，"
        "城镇新增就业560万人。\n2025年，全省地区生产总值增长5.2%，城镇新增就业112万人。\n" + _DRAFT + _PLAN_2026),
}
_TERM_END = ("——2023年1月14日在江苏省第十四届人民代表大会第一次会议上\n一、过去五年工作回顾\n五年来，全省地区生产总值年均增长"
             "5.6%，城镇新增就业累计达到560万人。过去五年，我们坚定不移推动高质量发展。城镇新增就业560万人，居民人均可支配收入增长"
             "40%。\n2022年，面对超预期因素冲击，全省地区生产总值增长5.2%，城镇新增就业112万人。\n"
             "二、今后五年的目标任务\n今后五年，地区生产总值年均增长5.5%左右，城镇新增就业500万人以上。\n"
             "三、2023年工作安排\n今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业105万人以上。\n")


def _shaped(text: str, year: int) -> tuple[dict, dict]:
    c = corpus_of({"year": year, "text": text, "level": "province", "government": "江苏省人民政府",
                   "province": "江苏省"})
    t = find_targets(c).set_index("indicator")
    o = find_outcomes(c).set_index("indicator")
    return t["value"].to_dict(), o["value"].to_dict()


@pytest.mark.parametrize("shape", sorted(FIRST_YEAR))
def test_first_year_reports_give_the_years_figures_only(shape):
    targets, outcomes = _shaped(FIRST_YEAR[shape], 2025)
    assert outcomes.get("gdp_growth") == 5.2 and outcomes.get("new_urban_jobs") == 112.0, outcomes
    assert targets.get("gdp_growth") == 5.0 and targets.get("new_urban_jobs") == 105.0, targets
    assert 24.2 not in targets.values() and 550.0 not in targets.values()


def test_term_end_report_gives_the_years_figures_only():
    targets, outcomes = _shaped(_TERM_END, 2022)
    assert outcomes.get("gdp_growth") == 5.2 and outcomes.get("new_urban_jobs") == 112.0, outcomes
    assert targets.get("gdp_growth") == 5.0 and targets.get("new_urban_jobs") == 105.0, targets


def test_a_plan_draft_paragraph_sets_no_target():
    t = find_targets(corpus_of({"year": 2025, "text": _DRAFT}))
    assert t.empty, t


def test_a_multi_year_streak_is_not_the_years_outcome():
    o = find_outcomes(corpus_of({"year": 2024, "text": "去年城镇新增就业连续4年超过90万人，吸引高校毕业生就业创业。"}))
    assert o.empty, o


def test_own_place_words_after_other_words_are_not_another_place():
    province = {"level": "province", "government": "北京市人民政府", "province": "北京市", "city": "北京市"}
    assert one_outcome("去年预计全市地区生产总值增长5.2%左右。", **province)["value"] == 5.2


def test_bu_shao_yu_is_a_floor():
    row = one_target("今年实现城镇新增就业不少于26万人。", "new_urban_jobs")
    assert (row["value"], row["qualifier"]) == (26.0, "不低于")


# ---------------------------------------------------------------------- plausible ranges, suspect rows
def test_every_indicator_has_a_plausible_range_and_its_source():
    for ind in load_indicators():
        low, high = ind.plausible
        assert math.isfinite(low) and math.isfinite(high) and low < high, ind.id
        assert len(ind.plausible_from) > 20, ind.id
    assert load_indicators()["gdp_growth"].plausible == (-10.0, 20.0)
    base = {"id": "x", "name": "x", "label": "", "unit": "%", "measure": "growth", "better": "higher",
            "variants": [{"term": "x"}]}
    with pytest.raises(IndicatorError, match="plausible must be"):
        parse_indicators({"schema": 1, "indicator": [dict(base, plausible=[5, 1], plausible_from="a source")]})
    with pytest.raises(IndicatorError, match="plausible_from"):
        parse_indicators({"schema": 1, "indicator": [dict(base, plausible=[1, 5])]})


def test_a_figure_outside_the_plausible_range_is_flagged_suspect():
    c = corpus_of({"report_id": "a", "year": 2024, "text": "今年主要预期目标是：地区生产总值增长24.2%，城镇新增就业20万人。"},
                  {"report_id": "b", "year": 2025, "text": "去年地区生产总值增长5.1%，城镇新增就业21万人。"})
    table = ledger(c).set_index("indicator")
    assert table["suspect"].dtype == bool
    assert table.loc["gdp_growth", "suspect"] and not table.loc["new_urban_jobs", "suspect"]
    assert table.loc["gdp_growth", "target_value"] == 24.2  # kept, to be read


def test_sector_trade_is_not_the_governments_trade():
    assert find_outcomes(corpus_of({"year": 2023, "text": "去年跨境电商进出口增长109%，对非贸易进出口增长126.7%。"})).empty


@pytest.mark.parametrize("folder", [NATIONAL, PROVINCIAL], ids=["national", "provincial"])
def test_no_gdp_target_outside_the_plausible_range_on_the_shared_corpora(folder):
    if not folder.is_dir():
        pytest.skip(f"shared corpus absent: {folder} (expected ../shared beside the project)")
    table = ledger(load_corpus(folder))
    gdp = table[table["indicator"] == "gdp_growth"]
    assert gdp["target_value"].notna().sum() >= 25
    assert not gdp["suspect"].any(), gdp[gdp["suspect"]]
    assert gdp["target_value"].dropna().between(-10, 20).all()


def test_a_streak_reaches_the_end_of_its_clause_only():
    """The national report reviewing 2009: the grain streak must not take the jobs of the year with it."""
    text = "去年国内生产总值比上年增长8.7%；粮食产量53082万吨，再创历史新高，实现连续6年增产；城镇新增就业1102万人。"
    assert one_outcome(text, "new_urban_jobs", year=2009)["value"] == 1102.0


@pytest.mark.parametrize("shape", sorted(FIRST_YEAR))
def test_target_outcome_pairs_across_a_first_year_report(shape):
    """A 2025 report's targets for 2025 against the 2026 report's review of 2025 (the pair the issue
    measured at 0.76): both pairs right in every shape, no five-year figure taken as an outcome."""
    plan_2025 = ("——2025年1月14日在江苏省第十四届人民代表大会第三次会议上\n二、2025年工作安排\n今年经济社会发展主要预期目标是："
                 "地区生产总值增长5%以上，城镇新增就业120万人以上，居民消费价格涨幅2%左右。\n")
    province = {"level": "province", "government": "江苏省人民政府", "province": "江苏省"}
    c = corpus_of({"report_id": "p2025", "year": 2024, "text": plan_2025, **province},
                  {"report_id": "p2026", "year": 2025, "text": FIRST_YEAR[shape], **province})
    table = ledger(c).set_index(["year", "indicator"])
    gdp, jobs = table.loc[(2025, "gdp_growth")], table.loc[(2025, "new_urban_jobs")]
    assert (gdp["target_value"], gdp["outcome_value"], gdp["verdict"]) == (5.0, 5.2, "met")
    assert (jobs["target_value"], jobs["outcome_value"], jobs["verdict"]) == (120.0, 112.0, "missed")
    assert not table["suspect"].any()
    assert table.loc[(2026, "gdp_growth"), "target_value"] == 5.0


def test_a_base_year_holds_for_its_whole_sentence():
    text = ("1986年同1978年相比，国民生产总值由3480亿元增加到9380亿元，增长102%；国家财政收入由1121亿元增加到2220亿元，"
            "增长98%。去年财政收入增长6%。")
    o = find_outcomes(corpus_of({"year": 1986, "text": text}))
    assert o.set_index("indicator")["value"].to_dict() == {"budget_revenue_growth": 6.0}
