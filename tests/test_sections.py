"""Segmentation into sections and units: seed expectations, genre fixtures, the tiling invariant,
the command-line contract and the municipal corpus."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from toolkit import load_corpus
from toolkit.paths import MUNICIPAL_DIR, PROJECT_ROOT, RAW_DIR
from toolkit.sections import heading_kind, section_table, segment, units_of

MAIN = ("achievements", "problems", "plans")


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(RAW_DIR)


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
    assert list(s.columns) == ["report_id", "index", "kind", "heading", "start", "end", "found", "rule", "text"]
    assert list(u.columns) == ["report_id", "section_index", "kind", "unit_index", "marker", "start", "end", "text"]


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
    assert list(record) == ["report", "agency", "city", "province", "year", "issued", "doc_number", "encoding"]
    assert (record["city"], record["province"], record["year"], record["issued"], record["doc_number"]) == \
        ("汕头市", "广东省", 2019, "2019-12-16", "汕政数〔2019〕98号")


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"\x00\x01\x02binary\x00", "not text"),
                                             (b"\x80\x80\xff\xff" * 20, "neither utf-8 nor gb18030")])
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
        pytest.skip(f"municipal corpus absent: {MUNICIPAL_DIR} (expected ../shared beside the project)")
    corpus = load_corpus(MUNICIPAL_DIR)
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
