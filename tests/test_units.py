"""Units that hold up in analysis (issue 14): one shortcoming per problem unit, the lead-in and the
closing promise apart (column ``role``), no paragraph-sized units in text that lost its line breaks,
and the hand-labelled problem items of 20 real reports (tests/gold/problem_items.csv).

The synthetic texts are written for review, as a second reader would vary the genre; none is copied
from a report."""
from __future__ import annotations

import csv
from functools import lru_cache

import pandas as pd
import pytest

from toolkit import load_corpus
from toolkit.paths import PROJECT_ROOT, SHARED_DIR, shared_absent
from toolkit.sections import MAX_UNIT, ROLES, UNIT_COLUMNS, section_table, segment, units_of

GOLD = PROJECT_ROOT / "tests" / "gold" / "problem_items.csv"
CORPORA = SHARED_DIR / "corpora"


def problem_units(text: str, year: int = 2023) -> list[tuple[str, str]]:
    """(role, text) of the units of the problems sections of ``text``."""
    _, units = section_table("r", text, year)
    rows = units[units.kind == "problems"]
    return list(zip(rows.role, rows.text))


REVIEW = "一、2023年工作回顾\n过去一年，全市地区生产总值增长5.2%，一般公共预算收入增长6%，城乡居民收入稳步提高。\n"
PLANS = "二、2024年工作安排\n今年政府工作的总体要求是：稳中求进。我们将重点抓好以下工作。\n"


# --------------------------------------------------------------------------- the role column
def test_role_column_and_values():
    assert UNIT_COLUMNS[UNIT_COLUMNS.index("marker") + 1] == "role"
    assert ROLES == ("item", "lead_in", "closing", "")
    _, units = section_table("r", REVIEW + "我们也清醒认识到，发展还面临一些问题：产业不强；创新不足。对此，我们将认真加以解决。\n" + PLANS, 2023)
    assert set(units.role) <= set(ROLES)


# --------------------------------------------------------------------------- problems: one unit per shortcoming
def test_semicolon_list_after_colon_lead_in():
    text = REVIEW + ("在看到成绩的同时，我们也清醒认识到，发展还存在不少问题和不足，主要表现在：产业结构偏重，新兴产业规模偏小；"
                     "项目储备不足；民生领域还有短板，公共服务供给不足。对此，我们将采取有力措施，认真加以解决。\n") + PLANS
    assert problem_units(text) == [
        ("lead_in", "在看到成绩的同时，我们也清醒认识到，发展还存在不少问题和不足，主要表现在："),
        ("item", "产业结构偏重，新兴产业规模偏小；"), ("item", "项目储备不足；"), ("item", "民生领域还有短板，公共服务供给不足。"),
        ("closing", "对此，我们将采取有力措施，认真加以解决。")]


def test_comma_list_in_one_sentence_splits_at_commas():
    text = REVIEW + ("同时，我们也清醒地认识到，当前还面临着不少困难和问题，主要表现在：内生动力依然不足，投资增长乏力，"
                     "区域发展不够协调，统筹发展和安全任务艰巨等等。对此，我们将沉着应对挑战。\n") + PLANS
    roles = problem_units(text)
    assert [r for r, _ in roles] == ["lead_in", "item", "item", "item", "item", "closing"]
    assert roles[-2][1] == "统筹发展和安全任务艰巨等等。"


def test_framing_clause_is_the_lead_in_when_the_list_follows_in_the_sentence():
    text = REVIEW + ("我们也清醒地认识到，年度目标完成还有差距；对标高质量发展还有不少短板，主要是：产业链条不长；"
                     "财政收支矛盾突出。我们将直面问题，不回避、不推脱，切实加以解决。\n") + PLANS
    assert problem_units(text) == [
        ("lead_in", "我们也清醒地认识到，"), ("item", "年度目标完成还有差距；"),
        ("item", "对标高质量发展还有不少短板，主要是：产业链条不长；"), ("item", "财政收支矛盾突出。"),
        ("closing", "我们将直面问题，不回避、不推脱，切实加以解决。")]


def test_sentences_that_each_name_a_shortcoming():
    text = REVIEW + ("我们也清醒地看到，经济社会发展还面临不少困难和挑战。外部环境变化带来的不利影响加深，冲击尤为直接。"
                     "有效需求不足，部分企业经营困难。风险隐患仍然较多。我们必须正视这些问题，切实采取针对性措施予以解决。\n") + PLANS
    assert [r for r, _ in problem_units(text)] == ["lead_in", "item", "item", "item", "closing"]


def test_lead_in_sentence_then_mainly_colon():
    text = REVIEW + "我们也清醒认识到，经济社会发展还存在一些问题和短板。主要是：动能不足；品质不高。此外，工作效率必须进一步提升。对此，我们一定以硬措施创造真业绩。\n" + PLANS
    assert problem_units(text) == [
        ("lead_in", "我们也清醒认识到，经济社会发展还存在一些问题和短板。主要是："), ("item", "动能不足；"), ("item", "品质不高。"),
        ("item", "此外，工作效率必须进一步提升。"), ("closing", "对此，我们一定以硬措施创造真业绩。")]


def test_enumerated_problems_with_lead_in_and_closing():
    text = REVIEW + ("我们也清醒地看到，发展中还存在不少问题。一是产业结构不优，新兴产业规模偏小。二是创新能力不强。"
                     "三是民生短板较多。对以上问题，我们要高度重视并采取措施加以解决。\n") + PLANS
    units = problem_units(text)
    assert [r for r, _ in units] == ["lead_in", "item", "item", "item", "closing"]
    assert units[1][1] == "一是产业结构不优，新兴产业规模偏小。" and units[-1][1].startswith("对以上问题")


def test_numbered_problems_under_a_heading_are_items_and_a_lone_paragraph_splits():
    text = ("某市数据局2023年工作总结\n一、主要成效\n全年办件20万件。\n二、存在的问题\n（一）数据共享不够。部门数据更新不及时。\n"
            "（二）人才缺乏。\n三、2024年工作打算\n推进数据共享。\n")
    assert [r for r, _ in problem_units(text)] == ["item", "item"]
    lone = "某市数据局2023年工作总结\n一、主要成效\n全年办件20万件。\n二、存在的问题\n数据共享机制不健全；部分区县信息化基础薄弱。\n三、2024年工作打算\n推进数据共享。\n"
    assert problem_units(lone) == [("item", "数据共享机制不健全；"), ("item", "部分区县信息化基础薄弱。")]


def test_a_paragraph_of_a_multi_paragraph_part_is_one_shortcoming():
    text = ("某市数据局2023年工作总结\n一、主要成效\n全年办件20万件。\n二、存在的问题\n数据共享不够。部分部门数据更新不及时，影响业务协同。\n"
            "专业人才缺乏。技术力量薄弱，难以支撑平台运维。\n三、2024年工作打算\n推进数据共享。\n")
    assert problem_units(text) == [("item", "数据共享不够。部分部门数据更新不及时，影响业务协同。"),
                                   ("item", "专业人才缺乏。技术力量薄弱，难以支撑平台运维。")]


def test_a_lead_in_paragraph_of_its_own_before_the_list():
    text = REVIEW + "我们也清醒认识到，发展中还存在不少困难和问题：\n一是产业不强。\n二是创新不足。\n" + PLANS
    assert [r for r, _ in problem_units(text)] == ["lead_in", "item", "item"]


def test_closing_promise_after_the_admission_joins_the_problems_no_fragment_section():
    text = REVIEW + "各位代表！我们清醒认识到，发展仍面临不少困难和问题，主要是：外贸依赖过度；项目储备不足。对此，我们将坚定信心决心，坚持问题导向，推动政府工作再上新台阶。\n" + PLANS
    sections = segment(text, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "plans"]
    assert text[sections[1].start:sections[1].end].rstrip().endswith("再上新台阶。")


def test_admissions_in_consecutive_paragraphs_make_one_problems_part():
    text = REVIEW + ("总结一年来的工作，我们清醒地看到，经济社会发展中还存在不少问题和困难。一是结构性矛盾突出。二是社会事业发展滞后。\n"
                     "我们也清醒地看到，政府工作还存在不少缺点。职能转变滞后；办事效率不高。\n") + PLANS
    units = problem_units(text)
    assert [r for r, _ in units] == ["lead_in", "item", "item", "lead_in", "item", "item"]


def test_a_disaster_reported_to_the_congress_is_a_problem():
    text = REVIEW + ("各位代表，这里特别要向大会说明，某某燃气爆炸事故给人民生命财产带来重大损失，教训极其深刻。我们将深刻汲取教训，压实安全责任。\n"
                     "同时，我们也清醒地看到，发展中还存在不少困难和问题。产业能级不高；创新能力不足。我们将正视问题，切实加以解决。\n") + PLANS
    units = problem_units(text)
    assert units[0] == ("item", "各位代表，这里特别要向大会说明，某某燃气爆炸事故给人民生命财产带来重大损失，教训极其深刻。")
    assert units[1][0] == "closing" and [r for r, _ in units[2:]] == ["lead_in", "item", "item", "closing"]


def test_plans_enumeration_has_a_lead_in_and_items():
    text = REVIEW + "二、2024年工作安排\n今年我们将重点做好以下工作：一是稳增长。二是促改革。三是惠民生。\n"
    _, units = section_table("r", text, 2023)
    plans = units[units.kind == "plans"]
    assert list(zip(plans.role, plans.marker)) == [("lead_in", ""), ("item", "一是"), ("item", "二是"), ("item", "三是")]


# --------------------------------------------------------------------------- long units
def test_no_unit_over_the_limit_in_text_that_lost_its_line_breaks():
    sentence = "全市推进数字政府建设，新建政务服务事项三百二十项，一网通办率达到百分之九十八。"
    text = "一、2023年工作回顾 " + sentence * 40 + " （一）" + sentence * 60 + " 二、2024年工作安排 " + sentence * 30
    for s in segment(text, 2023):
        units = units_of(text, s)
        assert all(u.end - u.start <= MAX_UNIT for u in units)
        assert all(text[u.start:u.end].strip() == text[u.start:u.end] for u in units)
    no_end = "一、2023年工作回顾\n" + "没有句末标点的长段落" * 200
    units = units_of(no_end, segment(no_end, 2023)[-1])
    assert max(u.end - u.start for u in units) > MAX_UNIT  # nothing to cut at: it stays whole


def test_long_units_cut_at_paragraph_like_boundaries():
    para = "全市推进数字政府建设，新建政务服务事项三百二十项。" * 30  # 750 characters
    text = "一、2023年工作回顾\n" + para + " " + para + " " + para
    units = units_of(text, segment(text, 2023)[-1])
    assert [u.end - u.start for u in units] == [len(para)] * 3


# --------------------------------------------------------------------------- gold
def read_gold() -> pd.DataFrame:
    with GOLD.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    return pd.DataFrame(rows).astype({"item": int, "start": int, "end": int})


def test_gold_file_holds_offsets_only():
    gold = read_gold()
    assert list(gold.columns) == ["corpus", "report_id", "item", "start", "end"]
    assert (gold.start < gold.end).all() and gold.report_id.nunique() == 19  # the 20th has no problems part
    header = [line for line in GOLD.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("default_rng(20240614)" in line for line in header) and any("Rule:" in line for line in header)


@lru_cache(maxsize=None)
def corpus_of(name: str):
    return load_corpus(CORPORA / name)


def one_unit_share(gold: pd.DataFrame) -> tuple[float, list]:
    """The share of gold items that are exactly one unit: a unit of a problems section with role
    ``item`` whose span covers the item's span and overlaps no other gold item of the report."""
    hits, misses = 0, []
    for (name, rid), items in gold.groupby(["corpus", "report_id"], sort=False):
        units = corpus_of(name).units
        units = units[(units.report_id == rid) & (units.kind == "problems") & (units.role == "item")]
        spans = list(zip(items.start, items.end))
        for a, b in spans:
            one = any(s <= a and b <= e and not any(max(s, x) < min(e, y) for x, y in spans if (x, y) != (a, b))
                      for s, e in zip(units.start, units.end))
            hits += one
            if not one:
                misses.append((rid, a, b))
    return hits / len(gold), misses


def test_gold_problem_items_are_one_unit_each():
    gold = read_gold()
    absent = sorted({c for c in gold.corpus if not (CORPORA / c).is_dir()})
    if absent:
        pytest.skip(shared_absent(', '.join(str(CORPORA / c) for c in absent)))
    for name, rid in gold[["corpus", "report_id"]].drop_duplicates().itertuples(index=False):
        reports = corpus_of(name).reports
        assert rid in set(reports.report_id), f"{rid} is no longer a report of {name}: the gold offsets are stale"
    share, misses = one_unit_share(gold)
    print(f"\ngold: {len(gold)} items, {share:.1%} exactly one unit; misses: {misses}")
    assert share >= 0.9, misses


# --------------------------------------------------------------------------- part boundaries
def test_problems_start_at_the_turn_inside_the_closing_review_paragraph():
    text = REVIEW + ("过去一年的成绩来之不易，全市经济社会发展取得了明显成效。但也要看到，发展中还存在不少困难和问题：产业不强；"
                     "创新不足。\n") + PLANS
    sections = segment(text, 2023)
    problems = next(s for s in sections if s.kind == "problems")
    assert text[problems.start:].startswith("但也要看到，") and sections[problems.index - 1].kind == "achievements"


def test_a_review_paragraph_that_ends_by_promising_to_solve_what_it_names_is_the_problems_part():
    text = REVIEW + ("当前，本市正处于全面振兴的关键时期。特别是新兴产业尚未形成有效支撑，部分企业生产经营困难，安全风险隐患不容忽视，"
                     "等等。对这些问题，我们会高度重视，有效加以解决。\n") + PLANS
    kinds = [(s.kind, text[s.start:s.start + 5]) for s in segment(text, 2023)]
    assert kinds == [("achievements", "一、202"), ("problems", "当前，本市"), ("plans", "二、202")]


def test_closing_appeal_and_appendices_are_other():
    text = (REVIEW + "我们也清醒认识到，发展还面临一些问题：产业不强；创新不足。\n" + PLANS + "（一）稳增长。扩大有效投资。\n" * 20
            + "各位代表！\n新征程上，让我们更加紧密地团结在以习近平同志为核心的党中央周围，为谱写新篇章而团结奋斗！\n"
            + "名词解释\n1.“两重”：国家重大战略实施和重点领域安全能力建设。\n")
    sections = segment(text, 2023)
    assert sections[-1].kind == "other" and text[sections[-1].start:].startswith("各位代表！\n新征程上")
    assert sections[-2].kind == "plans" and "名词解释" not in text[sections[-2].start:sections[-2].end]


def test_closing_appeal_without_rang_women_before_the_glossary_is_other():
    text = (REVIEW + "我们也清醒认识到，发展还面临一些问题：产业不强；创新不足。\n" + PLANS + "（一）稳增长。扩大有效投资。\n" * 20
            + "各位代表！迎难而上，惟有实干。我们要更加紧密团结在党中央周围，坚定信心、扎实工作，为建设现代化新城市努力奋斗！\n"
            + "名词解释\n1.“两新”：大规模设备更新和消费品以旧换新。\n")
    sections = segment(text, 2023)
    assert sections[-1].kind == "other" and text[sections[-1].start:].startswith("各位代表！迎难而上")
    assert sections[-2].kind == "plans"
    # thanks at the end of a review are no appeal
    thanks = REVIEW + PLANS + "各位代表！成绩来之不易，在此，我代表市人民政府，向全市人民表示衷心的感谢！\n"
    assert [s.kind for s in segment(thanks, 2023)] == ["achievements", "plans"]


def test_a_table_header_line_is_not_a_heading():
    from toolkit.sections import is_bare_heading, is_table_header
    for line in ("完成情况", "指标名称", "目标任务 完成情况", "目标任务\t完成情况", "指标名称\t2023年目标\t完成情况"):
        assert is_table_header(line) and not is_bare_heading(line, 2023), line
    for line in ("2023年工作回顾", "2024年 工作安排", "存在的问题"):
        assert not is_table_header(line) and is_bare_heading(line, 2023), line
    text = (PLANS.replace("二、", "一、") + "主要指标完成情况如下：\n指标名称\t目标\t完成情况\n地区生产总值增长\t5%\t5.2%\n"
            + "二、存在的问题\n产业结构偏重。\n")
    assert [s.kind for s in segment(text, 2023)] == ["plans", "problems"]


def test_the_coming_five_year_plan_is_plans():
    from toolkit.sections import heading_kind
    for heading in ("二、“十五五”发展的主要考虑", '二、"十五五"发展的主要考虑', "今后五年的主要目标任务",
                    "“十五五”时期经济社会发展的主要目标", "三、十六五规划的基本思路"):
        assert heading_kind(heading, 2025)[0] == "plans", heading
    assert heading_kind("一、“十四五”时期发展成就回顾", 2025)[0] == "achievements"
    assert heading_kind("二、“十四五”发展的主要考虑", 2020)[0] == "plans"  # 十四五 begins in 2021
    text = ("一、2025年和“十四五”时期工作回顾\n过去五年，全市地区生产总值年均增长5.5%。\n"
            "二、“十五五”发展的主要考虑\n“十五五”时期是基本实现现代化的关键时期，我们将锚定目标。\n"
            "三、2026年重点工作\n今年我们将重点抓好以下工作。\n")
    assert [s.kind for s in segment(text, 2025)] == ["achievements", "plans", "plans"]


def test_a_part_on_the_governments_own_conduct_follows_its_place():
    review_of_conduct = ("一、2023年工作回顾\n全市地区生产总值增长5.2%。\n二、加强政府自身建设\n我们坚持依法行政，办理人大代表建议200件。\n"
                         "三、存在的问题\n产业结构偏重，创新能力不强。\n四、2024年工作安排\n我们将重点抓好以下工作。\n"
                         "五、全面加强政府自身建设\n我们将始终把纪律和规矩挺在前面。\n")
    assert [s.kind for s in segment(review_of_conduct, 2023)] == [
        "achievements", "achievements", "problems", "plans", "plans"]
    after_problems = ("一、2023年工作情况\n全局办理行政审批事项1200件。\n二、存在的问题\n信息化水平不高。\n"
                      "三、加强自身建设\n全年开展业务培训12次，干部队伍素质不断提高。\n四、2024年工作打算\n我局将持续深化改革。\n")
    assert [s.kind for s in segment(after_problems, 2023)] == ["achievements", "problems", "achievements", "plans"]


def test_a_review_after_the_problems_is_achievements():
    text = (REVIEW + "我们也清醒认识到，发展还面临一些问题：产业不强；创新不足。对此，我们将认真加以解决。\n"
            "过去五年，是极不平凡的五年。全市经济总量跨上新台阶，城乡面貌发生深刻变化。\n"
            "五年来，我们坚持改革开放，营商环境持续优化。\n" + PLANS)
    sections = segment(text, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "achievements", "plans"]
    assert text[sections[2].start:].startswith("过去五年，")
    # the same under a problems heading: the five-year review resumes after it
    headed = (REVIEW + "二、存在的问题\n产业结构偏重，创新能力不强。\n过去五年，全市经济总量跨上新台阶。\n"
              + PLANS.replace("二、", "三、"))
    assert [s.kind for s in segment(headed, 2023)] == ["achievements", "problems", "achievements", "plans"]
    # an admission that opens with 五年来 stays a problem
    admission = (REVIEW + "五年来我们取得的成就是巨大的，但前进中仍然存在不少困难和问题。产业结构不合理。\n" + PLANS)
    assert "problems" in [s.kind for s in segment(admission, 2023)]


def test_a_one_sentence_fragment_joins_its_neighbour():
    text = (REVIEW + "我们也清醒地看到，当前还存在一些突出的困难和问题。主要是，有效需求不足；部分企业经营困难。\n"
            "今后要继续采取措施，认真加以解决。\n" + PLANS)
    sections = segment(text, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "plans"]
    assert text[sections[1].start:sections[1].end].rstrip().endswith("今后要继续采取措施，认真加以解决。")
    salutation = text.replace("今后要继续采取措施，认真加以解决。", "各位代表！")
    assert [s.kind for s in segment(salutation, 2023)] == ["achievements", "problems", "plans"]
    # a fragment that announces what follows joins the next section
    ahead = (REVIEW + "我们也清醒地看到，当前还存在一些困难：有效需求不足；部分企业经营困难。\n过去五年，全市经济总量跨上新台阶。\n"
             "回顾五年工作，有以下几点体会。\n（一）必须坚持改革开放。\n坚持改革开放是我们的制胜法宝。\n" + PLANS)
    sections = segment(ahead, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "achievements", "plans"]
    # a fragment that announces the part after it joins that part, and stays a unit of its own
    announces = (REVIEW + "我们也清醒地看到，当前还存在一些困难：有效需求不足；部分企业经营困难。\n回顾五年工作，我们有以下几点体会。\n"
                 "二、必须坚持改革开放\n坚持改革开放是我们的制胜法宝。\n" + PLANS.replace("二、", "三、"))
    sections = segment(announces, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "achievements", "plans"]
    assert announces[sections[2].start:].startswith("回顾五年工作")
    _, units = section_table("r", announces, 2023)
    assert "回顾五年工作，我们有以下几点体会。" in set(units.text)
    from toolkit.sections import _SENTENCE
    assert all(len(ahead[s.start:s.end].strip()) >= 60 or len(_SENTENCE.findall(ahead[s.start:s.end])) > 1
               for s in sections if s.rule.startswith("continues:"))


def test_a_one_sentence_admission_runs_on_over_its_list():
    text = (REVIEW + "我们也清醒地看到，经济社会发展中仍然存在不少矛盾和问题。\n——经济结构矛盾突出，城乡发展不平衡。\n"
            "——就业压力依然较大。\n一是政府职能转变还不到位。\n" + PLANS)
    sections = segment(text, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "plans"]
    assert [r for r, _ in problem_units(text)] == ["lead_in", "item", "item", "item"]


def test_web_page_residue_after_the_end_is_other():
    body = REVIEW + "我们也清醒认识到，发展还面临一些问题：产业不强；创新不足。\n" + PLANS + "（一）稳增长。扩大有效投资，全年实施重点项目300个。\n" * 3
    news = ("某市人民政府\n2024年1月20日\n市人大会议闭幕 通过关于政府工作报告的决议\n本报讯 昨天上午，市十七届人大四次会议胜利闭幕。"
            "会议批准了政府工作报告，号召全市人民团结奋斗。\n相关链接\n2023年政府工作报告\n责任编辑：王五\n")
    text = body + news
    sections = segment(text, 2023)
    assert [s.kind for s in sections] == ["achievements", "problems", "plans", "other"]
    assert text[sections[-1].start:] == news
    # without a signature, the page's own lines still close the report
    for residue in ("相关链接\n2023年政府工作报告\n", "责任编辑：王五\n", "（新华社北京3月12日电）\n"):
        sections = segment(body + residue, 2023)
        assert sections[-1].kind == "other" and (body + residue)[sections[-1].start:] == residue, residue


def test_yishi_erShi_lines_are_the_parts_of_a_short_report():
    text = ("某区行政审批局2023年工作总结\n今年以来，我局认真履行职责，各项工作有序推进，取得了较好成效。\n"
            "一是工作开展情况。全年办理审批事项8000件，平均办理时限压缩70%。\n"
            "二是存在的问题。审批与监管衔接不够顺畅，部分窗口人员业务不熟。\n"
            "三是下一步，我局将健全审管衔接机制，加强窗口人员培训。\n某区行政审批局\n2023年12月22日\n")
    sections = segment(text, 2023)
    assert [(s.kind, s.heading) for s in sections if s.found == "heading"] == [
        ("achievements", "一是工作开展情况。"), ("problems", "二是存在的问题。"), ("plans", "三是下一步")]
    assert [s.kind for s in sections] == ["other", "achievements", "achievements", "problems", "plans", "other"]
    # 一是 lines of a list inside a report with 一、 headings stay items
    listed = REVIEW + "一是审批工作开展情况良好。\n二是窗口服务完成情况较好。\n" + PLANS
    assert [s.heading for s in segment(listed, 2023)] == ["一、2023年工作回顾", "二、2024年工作安排"]
