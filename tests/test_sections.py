"""Segmentation into sections and units: seed expectations, genre fixtures, the tiling invariant,
the command-line contract and the municipal corpus."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from toolkit import load_corpus
from toolkit.paths import MUNICIPAL_DIR, PROJECT_ROOT, RAW_DIR, shared_absent
from toolkit.sections import heading_kind, section_table, segment, units_of

MAIN = ("achievements", "problems", "plans")


def sections_of(corpus, prefix):
    rid = next(r for r in corpus.reports.report_id if r.startswith(prefix))
    return corpus.sections[corpus.sections.report_id == rid].reset_index(drop=True), corpus.text(rid)


# --------------------------------------------------------------------------- seed expectations
@pytest.mark.parametrize("prefix, kinds", [
    ("000", ["other", "achievements", "problems", "plans", "other"]),
    ("001", ["other", "achievements", "problems", "plans", "other"]),
    ("002", ["other", "achievements", "achievements", "achievements", "problems", "plans", "other", "other"]),
    ("003", ["other", "achievements", "problems", "plans"]),
    ("004", ["other", "achievements", "achievements", "achievements", "achievements", "plans", "other"]),
])
def test_seed_section_kinds(seeds, prefix, kinds):
    table, _ = sections_of(seeds, prefix)
    assert list(table.kind) == kinds, table[["kind", "heading", "found", "rule"]].to_string()


def test_seed_headings_are_classified_by_meaning(seeds):
    table, _ = sections_of(seeds, "000")
    assert list(table.heading[1:4]) == ["一、主要做法和成效", "二、存在不足和原因", "三、下一步工作打算"]
    table, _ = sections_of(seeds, "002")
    assert table.loc[table.kind == "problems", "heading"].item() == "三、存在的不足、原因和问题整改情况"
    assert table.loc[table.heading == "五、其他需要报告的情况", "kind"].item() == "other"


def test_003_problems_paragraph_is_found_inline(seeds):
    table, text = sections_of(seeds, "003")
    problems = table[table.kind == "problems"].iloc[0]
    assert problems.found == "inline" and problems.heading == ""
    assert problems.text.startswith("回顾一年来的工作,虽然取得了一些成绩,但")
    assert "信息共享水平不高" in problems.text
    assert text[problems.start:problems.end] == problems.text
    # the plans of 003 start at its own heading, right after the inline problems
    plans = table[table.kind == "plans"].iloc[0]
    assert plans.start == problems.end and plans.heading == "二、2020年工作思路"


def test_004_closing_plans_found_inline_and_no_problems_invented(seeds):
    table, _ = sections_of(seeds, "004")
    assert "problems" not in set(table.kind)
    plans = table[table.kind == "plans"].iloc[0]
    assert plans.found == "inline" and plans.text.startswith("下来，") and "将继续" in plans.text
    closing = table.iloc[-1]
    assert closing.kind == "other" and "2019 年 12 月 16 日" in closing.text


def test_001_problems_name_data_silos_and_cross_province_services(seeds):
    table, _ = sections_of(seeds, "001")
    problems = table[table.kind == "problems"].text.item()
    assert "数据孤岛" in problems and "跨省通办" in problems
    plans = table[table.kind == "plans"].text.item()
    assert "数据孤岛" not in plans and "一件事一次办" in plans


def test_preamble_and_closing_are_other(seeds):
    table, _ = sections_of(seeds, "000")
    assert table.iloc[0].kind == "other" and "年度报告" in table.iloc[0].text
    assert table.iloc[-1].text.strip().endswith("2020年12月23日")
    assert "梅州市政务服务数据管理局" in table.iloc[-1].text


def test_every_character_in_exactly_one_section_and_at_most_one_unit(seeds):
    for rid, text in zip(seeds.reports.report_id, seeds.reports.text):
        s = seeds.sections[seeds.sections.report_id == rid]
        assert "".join(s.text) == text, rid
        assert list(s.start[1:]) == list(s.end[:-1]) and s.start.iloc[0] == 0 and s.end.iloc[-1] == len(text)
        u = seeds.units[seeds.units.report_id == rid].sort_values("start")
        assert (u.start.values[1:] >= u.end.values[:-1]).all(), rid
        for row in u.itertuples():
            sec = s[s["index"] == row.section_index].iloc[0]
            assert sec.start <= row.start < row.end <= sec.end and row.kind == sec.kind
            assert text[row.start:row.end] == row.text and row.text.strip() == row.text


def test_units_are_numbered_items_else_paragraphs(seeds):
    units = seeds.units
    u000 = units[units.report_id.str.startswith("000") & (units.kind == "problems")]
    # a lead paragraph, then 一是, 二是, 三是 on their own lines
    assert list(u000.marker) == ["", "一是", "二是", "三是"]
    u002 = units[units.report_id.str.startswith("002") & (units.kind == "problems")]
    # one paragraph with an inline enumeration 一是……四是 is split at each item
    assert list(u002.marker) == ["", "一是", "二是", "三是", "四是"]
    assert u002.iloc[1].text.startswith("一是法治工作力量薄弱")
    u004 = units[units.report_id.str.startswith("004")]
    # a sub-heading on its own line opens the unit of the paragraph under it
    item = u004[u004.marker == "（一）"].iloc[0]
    assert item.text.startswith("（一）推进审批服务便民化工作\n出台《汕头市")


# --------------------------------------------------------------------------- genre fixtures
BUREAU = """某市政务服务数据管理局2022年法治政府建设年度报告
市依法治市办：
现将我局2022年法治政府建设情况报告如下：
一、主要举措和成效
（一）深化改革。推进“跨省通办”，一是统一标准。二是优化流程。
（二）建设平台。建成一体化平台。
二、存在的问题
部门之间数据共享难，存在数据孤岛。
三、2023年工作计划
(一)打通数据壁垒。推进数据共享。
(二)推广一网通办。
某市政务服务数据管理局
2022年12月20日"""


def test_fixture_bureau_report():
    sections = segment(BUREAU, 2022)
    assert [s.kind for s in sections] == ["other", "achievements", "problems", "plans", "other"]
    assert "".join(BUREAU[s.start:s.end] for s in sections) == BUREAU
    units = units_of(BUREAU, sections[1])
    assert [u.marker for u in units] == ["（一）", "一是", "二是", "（二）"]
    assert [u.marker for u in units_of(BUREAU, sections[3])] == ["(一)", "(二)"]


WORK_REPORT = """各位代表：
现在，我代表市人民政府向大会报告工作，请予审议。
2023年工作回顾
过去一年，全市地区生产总值增长5%。我们推进一网通办，政务服务事项全部网上可办。
在看到成绩的同时，我们也清醒认识到，发展中还存在不少困难和问题：数据共享不充分，跨省通办事项偏少。
2024年工作安排
2024年是关键一年。我们将重点做好以下工作。
一是推进数据共享。二是扩大跨省通办。
各位代表！让我们团结奋斗，再创佳绩！"""


def test_fixture_work_report_with_unnumbered_headings_and_inline_problems():
    sections = segment(WORK_REPORT, 2023)
    kinds = [(s.kind, s.found) for s in sections]
    assert kinds[:4] == [("other", "inline"), ("achievements", "heading"), ("problems", "inline"), ("plans", "heading")]
    problems = WORK_REPORT[sections[2].start:sections[2].end]
    assert problems.startswith("在看到成绩的同时") and problems.endswith("跨省通办事项偏少。\n")


#: Variants of the genre (written for review, not copied from reports): combined problems-and-plans
#: headings, second-level or Arabic-numbered parts, titles naming both summary and plan, attachments,
#: plans opened by 针对以上问题 / 在今后的工作中, review headings with misleading words.
GENRE = [
    ('T01', 2023, '某市数据局2023年工作总结和2024年工作打算\n一、2023年工作开展情况\n（一）推进数字政府建设。全年新建政务服务事项320项，一网通办率达到98%。\n（二）深化数据共享。建成市级数据共享交换平台，归集数据5.2亿条。\n二、存在的问题及下一步工作打算\n（一）存在的问题\n一是数据共享深度不够，部分部门数据更新不及时。二是专业人才缺乏，技术力量薄弱。\n（二）下一步工作打算\n一是持续推进数据共享，2024年底前完成全部部门数据接入。二是加强人才队伍建设。\n某市数据局\n2023年12月15日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T02', 2023, '某市政务服务管理局2023年法治政府建设年度报告\n现将我局2023年法治政府建设工作情况报告如下：\n一、主要工作及成效\n（一）加强组织领导。局党组专题研究法治政府建设工作4次。\n（二）深化“放管服”改革。全面推行告知承诺制，办理时限压缩60%。\n（三）规范行政执法。全面落实行政执法“三项制度”。\n二、存在问题和改进措施\n我局法治政府建设虽取得一定成效，但仍存在一些不足：一是法治宣传形式较为单一；二是执法人员业务能力有待提升。\n下一步，我局将以习近平法治思想为指导，重点做好以下工作：一是创新普法宣传形式；二是加强执法人员培训，全面提升依法行政水平。\n某市政务服务管理局\n2024年1月10日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T06', 2023, '某市数据资源管理局2023年度工作总结\n（一）工作成效\n全年建成城市大脑中枢平台，接入部门系统65个，上线应用场景30个。\n推进政务数据共享，累计调用接口1.2亿次。\n（二）存在问题\n数据共享机制不健全，部分区县信息化基础薄弱。\n（三）下步打算\n加快推进城市大脑二期建设，完善数据共享考核机制，提升基层信息化水平。\n某市数据资源管理局\n2023年12月18日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T07', 2023, '某市政务服务和数据管理局2023年工作总结\n1.工作总结\n全年完成政务服务事项标准化梳理1500项，网办率达95%。\n2.存在问题\n线上线下融合不够，部分系统重复建设。\n3.下一步工作计划\n推进线上线下深度融合，统筹系统集约化建设。\n某市政务服务和数据管理局\n2023年12月20日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T08', 2023, '某市数据局2023年法治政府建设年度报告\n一、主要举措和成效\n全面落实重大行政决策程序，组织开展合法性审查32件。\n二、存在的不足\n法治宣传教育的针对性有待加强。\n三、2024年工作打算\n加强法治宣传教育，推动依法行政水平持续提升。\n附件：1.2023年度行政执法数据统计表\n2.2023年度法治政府建设工作台账\n某市数据局\n2024年1月15日\n（此件公开发布）\n抄送：市委依法治市办，市司法局。\n某市数据局办公室 2024年1月15日印发',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T10', 2023, '某市政务服务数据管理局2023年工作总结\n一、2023年重点工作完成情况\n（一）数字政府建设。全年完成数字政府项目12个。\n（二）营商环境优化。企业开办全程网办。\n二、坚持问题导向，推进巡察整改\n对照巡察反馈意见，制定整改措施28条，已全部完成。\n三、完善制度规划，夯实发展基础\n编制《数字政府“十四五”规划》，出台管理制度10项。\n四、队伍建设成效明显\n开展业务培训20场次。\n五、存在问题\n基层专业人才不足。\n六、2024年工作打算\n继续深化数字政府建设。\n某市政务服务数据管理局\n2023年12月25日',
     ['other', 'achievements', 'achievements', 'achievements', 'achievements', 'problems', 'plans', 'other']),
    ('T12', 2023, '某市政务服务管理局2023年工作总结和2024年工作计划\n一、2023年工作情况\n（一）主要成效\n全年政务服务事项网上可办率达99%，企业开办一日办结。\n（二）存在问题\n一是部分事项办理标准不统一。\n二是自助终端使用率不高。\n二、2024年工作计划\n（一）推进标准化建设。\n（二）提升自助服务水平。\n某市政务服务管理局\n2023年12月26日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('T15', 2022, '某市政务服务中心2022年法治政府建设情况报告\n2022年，我中心坚持以习近平法治思想为指导，全面推进依法行政。\n一、加强组织领导\n成立法治政府建设领导小组，定期研究部署工作。\n二、规范政务服务\n全面推行政务服务事项清单管理，编制办事指南1200个。\n三、强化法治宣传\n开展“宪法宣传周”等活动15场。\n对照上级要求，我中心法治政府建设工作中还存在一些问题，主要是法治培训覆盖面不够广。\n在今后的工作中，我中心将继续加强法治学习，提高依法行政能力，推动法治政府建设再上新台阶。\n某市政务服务中心\n2022年12月20日\n（联系人：李四，电话：0000-12345678）',
     ['other', 'achievements', 'achievements', 'achievements', 'achievements', 'problems', 'plans', 'other']),
    ('T17', 2023, '某区行政审批局2023年工作总结\n一、主要工作成效\n全年办理审批事项8000件，平均办理时限压缩70%。\n二、存在问题\n一是审批与监管衔接不够顺畅。二是部分窗口人员业务不熟。\n针对以上问题，我局将从以下几个方面加以改进：\n一是健全审管衔接机制。二是加强窗口人员培训。\n中共某区行政审批局党组\n2023年12月22日',
     ['other', 'achievements', 'problems', 'plans', 'other']),
    ('N', 2023, '某市政务服务中心2023年工作情况报告\n全年办件20万件，群众满意率99%。\n推行综合窗口改革。\n下一步，我中心将重点做好以下工作。\n一是深化综合窗口改革，推行无差别受理，实现一窗通办，提升窗口服务效率和群众满意度。\n二是推进政务服务标准化规范化便利化建设，统一办事指南，规范审批流程。\n三是加强窗口队伍建设，开展业务培训，提升窗口人员综合素质和服务水平。\n某市政务服务中心\n2023年12月28日',
     ['other', 'achievements', 'plans', 'other']),
    ('T09', 2023, '某市行政审批局2023年工作总结\n一、深化审批制度改革\n着力解决企业群众办事中存在的堵点难点问题，全年梳理“一件事”事项50项。\n二、优化政务服务环境\n针对群众反映的“多头跑”问题，推行综合窗口改革，实现“一窗通办”。\n三、强化数据赋能\n面对系统多、数据散的困难，我局统筹建设审批一张网，打通系统18个。\n下一步，我局将持续深化审批制度改革，不断提升政务服务水平。\n某市行政审批局\n2023年12月22日',
     ['other', 'achievements', 'achievements', 'achievements', 'plans', 'other']),
]


@pytest.mark.parametrize("name, year, text, kinds", GENRE, ids=[case[0] for case in GENRE])
def test_genre_variants(name, year, text, kinds):
    sections = segment(text, year)
    assert [s.kind for s in sections] == kinds, [(s.kind, s.rule, text[s.start:s.end][:20]) for s in sections]
    assert "".join(text[s.start:s.end] for s in sections) == text


def test_no_headings_gives_one_other_section():
    text = "这是一段没有任何标题的文字。\n它讲了一些工作。"
    sections = segment(text)
    assert [(s.kind, s.start, s.end) for s in sections] == [("other", 0, len(text))]


def test_a_lone_numbered_item_is_not_a_heading():
    text = "会议指出：一、要加强领导。会议要求各单位抓好落实，确保取得实效。"
    assert [s.kind for s in segment(text)] == ["other"]


@pytest.mark.parametrize("heading, year, kind", [
    ("一、主要做法和成效", 2020, "achievements"), ("二、存在不足和原因", 2020, "problems"),
    ("三、下一步工作打算", 2020, "plans"), ("一、2021年度工作情况", 2021, "achievements"),
    ("二、2020年工作思路", 2019, "plans"), ("四、2024年度法治建设初步安排", 2023, "plans"),
    ("五、其他需要报告的情况", 2023, "other"), ("二、2024年重点工作", 2023, "plans"),
    ("二、2024年主要工作", 2023, "plans"), ("2023年工作回顾", 2023, "achievements"),
    ("二、存在的问题及原因", 2023, "problems"), ("三、补齐高质量发展短板", 2023, None),
    ("一、强化组织领导", 2019, None), ("三、全面加强政府自身建设", 2023, None),
])
def test_heading_kind(heading, year, kind):
    assert heading_kind(heading, year)[0] == kind


def test_deterministic(seeds):
    again = load_corpus(RAW_DIR)
    assert again.sections.equals(seeds.sections) and again.units.equals(seeds.units)


def test_section_table_columns():
    s, u = section_table("x", BUREAU, 2022)
    assert list(s.columns) == ["report_id", "index", "kind", "part", "heading", "start", "end", "found", "rule", "text"]
    assert list(u.columns) == ["unit_id", "report_id", "section_index", "kind", "part", "unit_index", "marker", "role",
                               "start", "end", "text"]
    assert u["unit_id"].tolist() == [f"x.{s}.{i}" for s, i in zip(u["section_index"], u["unit_index"])]


# --------------------------------------------------------------------------- command line
def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT.parent)  # any working directory works


def test_cli_sections_jsonl_contract(seeds):
    out = run_cli("sections", str(RAW_DIR), "--jsonl")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert list(records[0]) == ["report", "index", "kind", "heading", "start", "end", "text", "found"]
    assert len(records) == len(seeds.sections)
    assert [r["report"] for r in records] == list(seeds.sections.report_id)
    assert [r["kind"] for r in records] == list(seeds.sections.kind)


def test_cli_reports_jsonl(seeds):
    out = run_cli("reports", str(RAW_DIR / "004_d8afab74e82c466f.txt"), "--jsonl")
    record = json.loads(out.stdout)
    assert list(record) == ["report", "label", "level", "government", "agency", "province", "city", "county", "year",
                            "issued_year", "issued", "doc_number", "title", "source", "url", "duplicate_of", "format",
                            "encoding", "path", "member", "row", "pages", "notes", "genre"]
    assert record["genre"] == "rule_of_law_report"
    assert (record["level"], record["government"], record["city"], record["province"], record["year"],
            record["issued"], record["doc_number"], record["label"]) == \
        ("prefecture", "汕头市人民政府", "汕头市", "广东省", 2019, "2019-12-16", "汕政数〔2019〕98号", "汕头市政务服务数据管理局 2019")


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"\x00\x01\x02binary\x00", "not text"),
                                             (b"\x80\x80\xff\xff" * 20, "neither utf-8, gb18030 nor big5")])
def test_cli_bad_input_is_one_line_exit_1(tmp_path, content, reason):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = run_cli("sections", str(bad), "--jsonl")
    assert out.returncode == 1 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.txt" in lines[0] and "Traceback" not in out.stderr
    assert reason in lines[0].lower()


def test_cli_skip_bad_lists_each_bad_file(tmp_path):
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_good.txt").write_text(BUREAU, encoding="utf-8")
    out = run_cli("sections", str(tmp_path), "--jsonl", "--skip-bad")
    assert out.returncode == 0
    assert "a_empty.txt" in out.stderr and {json.loads(x)["report"] for x in out.stdout.splitlines()} == {"b_good"}
    assert run_cli("sections", str(tmp_path), "--jsonl").returncode == 1


# --------------------------------------------------------------------------- generalisation
def test_municipal_reports_get_all_three_parts():
    if not MUNICIPAL_DIR.is_dir():
        pytest.skip(shared_absent(MUNICIPAL_DIR))
    corpus = load_corpus(MUNICIPAL_DIR, keep_duplicates=True)  # all 143, the national copies too
    kinds = corpus.sections.groupby("report_id").kind.agg(set)
    failures = sorted(r for r, k in kinds.items() if not set(MAIN) <= k)
    share = 1 - len(failures) / len(kinds)
    print(f"\nmunicipal: {len(kinds)} reports, {share:.1%} with achievements, problems and plans; "
          f"failures: {failures}")
    assert len(kinds) == 143
    assert share >= 0.95, f"only {share:.1%}; failures: " + "; ".join(
        f"{r}: {sorted(kinds[r])}" for r in failures)
    # every section tiles its report there too
    for rid, text in zip(corpus.reports.report_id, corpus.reports.text):
        assert "".join(corpus.sections.text[corpus.sections.report_id == rid]) == text, rid
