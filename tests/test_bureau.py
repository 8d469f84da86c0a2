"""Bureau reports as researchers collect them: portal-crawl exports and saved pages, text broken by a
page's markup, the body behind a report, its genre. Every input here is a synthetic variant written for
a rule of the genre (other header layouts, GBK crawls, run-on text, broken lines, a 新区 body, a county
法治 report); the shared corpus bureau-fujian is checked in tests/test_bureau_corpus.py."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from toolkit.corpus import extract_metadata, read_report, repair_lines
from toolkit import load_corpus
from toolkit.header import read_header
from toolkit.metadata import label, unique_labels

BODY = ("2022年，我局坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，认真落实市委市政府决策部署，"
        "推进法治政府建设。现将工作情况报告如下：")
PARTS = ["一、2022年法治政府建设的主要举措和成效",
         "（一）强化组织保障。局党组高度重视法治政府建设，将其列入重要议事日程，全年召开专题会议4次。",
         "（二）推进“放管服”改革。全年办理审批事项1200件，按时办结率100%。",
         "二、存在的不足和原因",
         "一是学法用法制度还不够完善；二是执法人员业务能力有待提升。",
         "三、党政主要负责人履行推进法治建设第一责任人职责情况",
         "局主要负责人切实履行第一责任人职责，亲自部署、亲自协调法治政府建设重要工作。",
         "四、2023年工作安排",
         "（一）持续深化法治宣传教育，全面落实“谁执法谁普法”普法责任制。",
         "（二）不断提升依法行政水平，推进行政执法规范化建设。",
         "五、其他需要报告的情况",
         "无。"]
SIGNATURE = ["莆田市审计局", "2023年1月10日"]


def _crawl(title: str, agency: str = "市审计局", body: list[str] | None = None, marker: str = "正文:") -> str:
    header = [f"标题: {title}", "发布时间: 2023-01-12 09:58", "文号: ", f"发布机构: {agency}", "栏目: 年度计划总结",
              "原始链接: https://www.example.gov.cn/zwgk/202301/t20230112_1.htm"]
    return "\n".join(header + [marker] + (body if body is not None else [BODY, *PARTS, *SIGNATURE])) + "\n"


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- headers

@pytest.mark.parametrize("marker", ["正文:", "正文：", "==================== 正文 ====================", "【正文】",
                                    "-----", "内容:"])
def test_crawl_export_header_is_read_into_fields_and_left_out_of_the_text(tmp_path, marker):
    path = _write(tmp_path, "1.txt", _crawl("莆田市审计局关于2022年法治政府建设情况的报告", marker=marker))
    report = read_report(path)
    assert report.header["title"] == "莆田市审计局关于2022年法治政府建设情况的报告"
    assert report.header["agency"] == "市审计局"
    assert report.header["issued"] == "2023-01-12"
    assert report.header["url"].startswith("https://www.example.gov.cn/")
    assert report.header["栏目"] == "年度计划总结"
    assert report.text.startswith(BODY)  # no header line, no marker in the report's text
    assert [r.rule for r in report.removed] == ["header"] * 7
    assert report.meta["title"] == "莆田市审计局关于2022年法治政府建设情况的报告"
    assert sorted(report.meta["from_header"]) == ["genre", "title", "url"]  # the agency is the signature's


def test_crawl_header_with_crawler_notes_and_a_gbk_crawl(tmp_path):
    text = "\n".join(["标题: 仙游县司法局2022年法治政府建设年度报告", "发布时间: 2023-02-01 10:00", "发布机构: 仙游县司法局",
                      "原文链接: http://www.xianyou.gov.cn/1.htm", "本地目录: zwgk/202302/1",
                      "页面链接与图片详见 links.tsv(同目录)", "==================== 正文 ====================",
                      BODY, *PARTS, "仙游县司法局", "2023年1月20日"])
    report = read_report(_write(tmp_path, "gbk.txt", text, "gb18030"))
    assert report.encoding == "gb18030"
    assert "links.tsv" not in report.text and "本地目录" not in report.text
    assert report.header["本地目录"] == "zwgk/202302/1"
    meta = report.meta
    assert (meta["level"], meta["government"], meta["county"], meta["city"], meta["province"]) == (
        "county", "仙游县人民政府", "仙游县", "莆田市", "福建省")
    assert (meta["agency"], meta["year"], meta["genre"]) == ("仙游县司法局", 2022, "rule_of_law_report")


def test_marker_line_may_carry_the_first_line_of_the_body(tmp_path):
    text = _crawl("莆田市审计局2022年工作总结及2023年工作计划", body=[]).replace("正文:", "正文: " + BODY) + "\n".join(PARTS)
    report = read_report(_write(tmp_path, "1.txt", text))
    assert report.text.startswith(BODY)
    assert report.meta["genre"] == "work_summary"


def test_saved_page_metadata_table_rows_are_a_header():
    lines = list(enumerate(["当前位置：首页 > 政府信息公开 > 部门文件", "索 引 号\tPT00125-0300-2020-00005\t文号\t莆市审〔2020〕2号",
                            "发布机构\t莆田市审计局\t生成日期\t2020-02-17", "标题\t莆田市审计局关于2019年开展法治政府建设工作报告\t有效性\t有效",
                            BODY], 1))
    header = read_header(lines, skip=lambda line: line.startswith("当前位置"))
    assert header.fields == {"doc_number": "莆市审〔2020〕2号", "agency": "莆田市审计局", "issued": "2020-02-17",
                             "title": "莆田市审计局关于2019年开展法治政府建设工作报告"}
    assert header.extra == {"索引号": "PT00125-0300-2020-00005", "有效性": "有效"}
    assert header.lines == [2, 3, 4]


def test_saved_page_table_as_visible_text_one_cell_a_line():
    cells = ["索引号", "PT00106-0300-2018-00003", "文号", "莆市民宗〔2018〕6号", "发布机构", "莆田市民宗局", "生成日期",
             "2018-01-25", "标题", "莆田市民族与宗教事务局关于2017年法治政府建设情况的报告", "内容概述", BODY]
    header = read_header(list(enumerate(cells, 1)))
    assert header.fields["title"] == "莆田市民族与宗教事务局关于2017年法治政府建设情况的报告"
    assert header.fields["issued"] == "2018-01-25"
    assert 12 not in header.lines  # the body is no value of 内容概述


@pytest.mark.parametrize("opening", [
    ["时间：2023年3月1日", "地点：市政府第一会议室", BODY],  # one field the family knows is no header
    [BODY, "标题：不在顶部的字段", "发布时间：2023-01-01"],  # fields below the text are the text's
])
def test_no_header_where_there_is_none(opening):
    assert read_header(list(enumerate(opening, 1))) is None


# --------------------------------------------------------------------------- chrome cut where it ends

def test_breadcrumb_led_run_on_page_keeps_its_body(tmp_path):
    """A crawled page whose whole body is one line beginning with a breadcrumb: the breadcrumb goes, the
    body stays (once 275 of 4,207 characters were kept, in silence)."""
    body = "平潭综合实验区财政金融局关于2022年工作总结及2023年工作思路 " + "".join(
        ["一、工作开展情况", "（一）全力以赴抓好组织收入。全年完成一般公共预算收入30.88亿元，增长5.2%。" * 20,
         "二、存在问题", "部分项目资金支出进度偏慢，财政收支平衡压力较大。", "三、2023年工作计划", "（一）持续加强财源建设。" * 30])
    line = "当前位置： 首页政务公开规划信息工作进展情况 " + body
    report = read_report(_write(tmp_path, "page.txt", line + "\n"))
    assert report.text == body.strip()
    assert [(r.text, r.rule) for r in report.removed] == [("当前位置： 首页政务公开规划信息工作进展情况", "breadcrumb")]
    assert not any("removed" in note for note in report.notes)


def test_cleaning_that_removes_a_fifth_says_so(tmp_path):
    chrome = ["当前位置：首页 > 政务公开 > 规划信息 > 工作进展情况", "字体：大 中 小 打印本页 关闭窗口", "分享到：微信 微博",
              "主办单位：莆田市人民政府办公室", "网站标识码：3503000001 闽ICP备12345678号", "版权所有：莆田市人民政府"] * 3
    report = read_report(_write(tmp_path, "page.txt", "\n".join(chrome + [BODY, PARTS[0], PARTS[1]]) + "\n"))
    notes = [note for note in report.notes if note.startswith("cleaning removed")]
    assert len(notes) == 1 and "Corpus.removed" in notes[0]


def test_a_long_line_with_sentences_is_never_chrome_whole(tmp_path):
    line = "抄送：" + BODY * 3
    report = read_report(_write(tmp_path, "1.txt", "\n".join([BODY, line, *PARTS]) + "\n"))
    assert line in report.text


# --------------------------------------------------------------------------- broken lines

FRAGMENTED = """今年以来，
我局坚持以习近平新时代中国特色社会主义思想为指导，认真
落实市委市政府决策部署，推进法治政府建设。现将工作情况报告如下：
一、
20
22
年
度法治政府建设的主要举措及成效
（
一）强化组织保障
局党组高度重视法治政府工作，
列入重要议事日程，下发了
《
2022年普法依法治理工作要点》
，
对年度法治建设工作进行全面安排。
（二）深化
“放管服”改革
一是
建立了法律顾问制度，聘请律师担任法律顾问。
二是
严格按照议事规则研究事项，大额资金
30万元以上支出由党组会议讨论决定。
随机
抽取
24
家物业服务企业进行检查。
二、存在的不足
学法用法制度不够完善。
三、2023年工作计划
持续深化法治宣传教育。
莆田
市城市管理局
20
23
年
1
月
18
日
"""


def test_fragmented_crawl_text_is_rejoined_inside_words_and_sentences():
    text, repairs = repair_lines(FRAGMENTED)
    assert text.split("\n") == [
        "今年以来，我局坚持以习近平新时代中国特色社会主义思想为指导，认真落实市委市政府决策部署，推进法治政府建设。现将工作情况报告如下：",
        "一、2022年度法治政府建设的主要举措及成效",
        "（一）强化组织保障",
        "局党组高度重视法治政府工作，列入重要议事日程，下发了《2022年普法依法治理工作要点》，对年度法治建设工作进行全面安排。",
        "（二）深化“放管服”改革",
        "一是建立了法律顾问制度，聘请律师担任法律顾问。",
        "二是严格按照议事规则研究事项，大额资金30万元以上支出由党组会议讨论决定。",
        "随机抽取24家物业服务企业进行检查。",
        "二、存在的不足",
        "学法用法制度不够完善。",
        "三、2023年工作计划",
        "持续深化法治宣传教育。",
        "莆田市城市管理局",
        "2023年1月18日",
    ]
    assert len(repairs) == FRAGMENTED.count("\n") - 14


@pytest.mark.parametrize("broken, whole", [
    ("工作报告在201\n9年完成。", "工作报告在2019年完成。"),  # a year cut in two
    ("按照\n《\n莆田市城市道路挖掘管理办法》执行。", "按照《莆田市城市道路挖掘管理办法》执行。"),  # a lone 《
    ("审批环节大部分控制在\n3个环节，最多不超过4个。", "审批环节大部分控制在3个环节，最多不超过4个。"),  # a count
    ("深入推进\n“双随机、一公开”监管。", "深入推进“双随机、一公开”监管。"),  # a quotation
    ("截止2021年\n12月底，全市完成投资。", "截止2021年12月底，全市完成投资。"),  # a date
    ("四\n是继续认真贯彻落实决策部署。", "四是继续认真贯彻落实决策部署。"),  # a marker cut from its 是
])
def test_line_breaks_inside_a_word_are_rejoined_in_any_text(broken, whole):
    assert repair_lines(broken)[0] == whole


@pytest.mark.parametrize("text", [
    "一、“十一五”时期国民经济和社会发展的回顾\n“十一五”时期是我国发展进程中极不平凡的五年。",  # a heading, then a quote
    "附件\n《政府工作报告》有关内容名词注释",
    "一年来，我们坚持优存量、拓增量，产业质效稳步提升\n今年以来，我局认真贯彻落实市委、市政府决策部署。",
])
def test_whole_lines_of_whole_paragraphs_stay(text):
    assert repair_lines(text) == (text, [])


# --------------------------------------------------------------------------- the body behind a report

@pytest.mark.parametrize("title, agency, government, level, city, county", [
    ("莆田市审计局关于2022年法治政府建设情况的报告", "莆田市审计局", "莆田市人民政府", "prefecture", "莆田市", None),
    ("仙游县审计局2022年工作总结及2023年工作计划", "仙游县审计局", "仙游县人民政府", "county", "莆田市", "仙游县"),
    ("莆田市国资委2022年工作总结和2023年工作计划", "莆田市人民政府国有资产监督管理委员会", "莆田市人民政府", "prefecture",
     "莆田市", None),
    ("平潭综合实验区社会事业局2022年工作总结及2023年工作思路", "平潭综合实验区社会事业局", "平潭综合实验区管理委员会",
     "prefecture", None, None),
    ("福州新区管委会经济发展局2022年法治政府建设年度报告", "福州新区管委会经济发展局", "福州新区管理委员会", None, "福州市", None),
    ("莆田高新技术产业开发区管委会2022年法治政府建设年度报告", "莆田高新技术产业开发区管委会", "莆田高新技术产业开发区管理委员会",
     None, "莆田市", None),
])
def test_agency_and_the_government_behind_it_from_the_header_title(tmp_path, title, agency, government, level, city,
                                                                   county):
    report = read_report(_write(tmp_path, "1.txt", _crawl(title, body=[BODY, *PARTS])))
    meta = report.meta
    assert (meta["agency"], meta["government"], meta["level"], meta["city"], meta["county"]) == (
        agency, government, level, city, county)
    assert meta["province"] == "福建省"
    assert meta["year"] == 2022


def test_agency_from_the_signature_outranks_the_header_agency(tmp_path):
    report = read_report(_write(tmp_path, "1.txt", _crawl("关于2022年法治政府建设情况的报告", agency="市审计局")))
    assert report.meta["agency"] == "莆田市审计局"  # the signature, not the portal's short name


def test_header_agency_is_the_last_resort(tmp_path):
    body = [BODY, *PARTS]
    report = read_report(_write(tmp_path, "1.txt", _crawl("关于2022年法治政府建设情况的报告", agency="莆田市审计局", body=body)))
    assert report.meta["agency"] == "莆田市审计局" and "agency" in report.meta["from_header"]


@pytest.mark.parametrize("title, genre", [
    ("2024年政府工作报告", "government_work_report"),
    ("莆田市水利局关于2023年法治政府建设情况的报告", "rule_of_law_report"),
    ("莆田市民族与宗教事务局关于2017年法治政府建设情况及2018年工作思路的报告", "rule_of_law_report"),
    ("莆田市审计局2020年主要工作总结及2021年工作思路", "work_summary"),
    ("莆田市审计局2023年工作要点", "work_plan"),
    ("莆田市审计局关于开展审计整改专项行动的通知", "other"),
])
def test_genre_from_the_title(title, genre):
    assert extract_metadata(f"{title}\n{BODY}")["genre"] == genre


def test_genre_from_the_framing_sentence_and_from_the_parts():
    assert extract_metadata("今年以来，我局认真履职。现将2019年工作总结暨2020年工作计划汇报如下：\n一、2019年工作总结")["genre"] == \
        "work_summary"
    text = "\n".join([BODY, *PARTS])
    assert extract_metadata(text)["genre"] == "rule_of_law_report"


def test_genre_can_be_given_in_metadata_csv(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    _write(folder, "a.txt", _crawl("莆田市审计局2022年工作情况", body=[BODY, *PARTS]))
    (folder / "metadata.csv").write_text("file,genre\na.txt,工作总结\n", encoding="utf-8")
    reports = load_corpus(folder).reports
    assert (reports.at[0, "genre"], reports.at[0, "genre_from"]) == ("work_summary", "metadata.csv")


def test_labels_name_the_body_and_tell_two_genres_of_one_year_apart():
    meta = {"agency": "莆田市审计局", "government": "莆田市人民政府", "level": "prefecture", "city": "莆田市", "year": 2020,
            "title": "莆田市审计局关于2020年开展法治政府建设工作报告", "genre": "rule_of_law_report"}
    assert label(meta, "x") == "莆田市审计局 2020"
    assert label({**meta, "agency": "莆田市人民政府", "genre": "government_work_report"}, "x") == "莆田市 2020"
    assert unique_labels(["莆田市审计局 2020"] * 2, ["a", "b"], ["a.txt", "b.txt"],
                         genres=["rule_of_law_report", "work_summary"]) == [
        "莆田市审计局 2020 法治政府建设", "莆田市审计局 2020 工作总结"]
    assert unique_labels(["莆田市审计局 2020"] * 2, ["a", "b"], ["a.txt", "b.txt"],
                         genres=["work_summary", "work_summary"]) == [
        "莆田市审计局 2020 [a.txt]", "莆田市审计局 2020 [b.txt]"]


def test_the_cli_prints_the_note_of_a_cleaning_that_removed_a_fifth(tmp_path):
    import subprocess
    import sys

    chrome = ["当前位置：首页 > 政务公开 > 规划信息 > 工作进展情况", "字体：大 中 小 打印本页 关闭窗口", "分享到：微信 微博",
              "主办单位：莆田市人民政府办公室", "网站标识码：3503000001 闽ICP备12345678号", "版权所有：莆田市人民政府"] * 3
    path = _write(tmp_path, "page.txt", "\n".join(chrome + [BODY, PARTS[0], PARTS[1]]) + "\n")
    run = subprocess.run([sys.executable, "-m", "toolkit", "reports", str(path), "--jsonl"], capture_output=True,
                         text=True, check=True)
    assert run.stderr.startswith(f"note: {path}: cleaning removed ")


# --------------------------------------------------------------------------- sections of the genre

def _kinds(text: str, year: int = 2022) -> list[tuple[str, str, str]]:
    from toolkit.sections import segment

    return [(s.kind, s.part, s.heading) for s in segment(text, year)]


def test_the_five_required_parts_of_a_rule_of_law_report():
    text = "\n".join(["莆田市审计局2022年法治政府建设年度报告", BODY, *PARTS, *SIGNATURE])
    assert [k for k in _kinds(text) if k[2]] == [
        ("achievements", "", "一、2022年法治政府建设的主要举措和成效"),
        ("problems", "", "二、存在的不足和原因"),
        ("achievements", "first_responsibility", "三、党政主要负责人履行推进法治建设第一责任人职责情况"),
        ("plans", "", "四、2023年工作安排"),
        ("other", "other_matters", "五、其他需要报告的情况"),
    ]


def test_first_responsibility_as_a_subheading_is_a_section_of_its_own():
    text = "\n".join([BODY, "一、2022年法治政府建设主要举措和成效", "（一）强化组织保障", "全年召开专题会议4次，研究法治政府建设重大事项。",
                      "（二）党政主要负责人履行推进法治建设第一责任人职责情况", "局主要负责人亲自部署、亲自协调法治政府建设重要工作。",
                      "（三）推进严格规范公正文明执法", "全年办理行政处罚案件12件。", "二、存在的不足", "执法人员业务能力有待提升。",
                      "三、2023年工作安排", "持续深化法治宣传教育。"])
    parts = [(k, p) for k, p, h in _kinds(text) if h.startswith("（")]
    assert parts == [("achievements", "first_responsibility"), ("achievements", "")]


@pytest.mark.parametrize("heading, body", [
    ("三、2023年工作计划", "（一）持续深化法治宣传教育，全面落实普法责任制。"),
    ("三、下一步工作打算", "2023年，我局将持续深化法治宣传教育，全面落实普法责任制。"),
    ("三、明年工作思路", "我局将持续深化法治宣传教育，全面落实普法责任制。"),
])
def test_an_inline_part_heading_inside_run_on_text_starts_the_part(heading, body):
    """``…交叉的问题。三、2023年工作计划（一）…``: a part's heading written inside a run-on paragraph."""
    run_on = ("一、2022年工作开展情况" + "（一）强化组织保障。全年召开专题会议4次，研究法治政府建设重大事项。" * 5
              + "二、存在问题" + "部分执法事项职责边界不清，存在职能交叉的问题。" + heading + body * 3)
    text = "\n".join([BODY, run_on, *SIGNATURE])
    kinds = _kinds(text)
    assert [k for k, _, h in kinds if h] == ["achievements", "problems", "plans"]
    assert [h for _, _, h in kinds if h] == ["一、2022年工作开展情况", "二、存在问题", heading]


@pytest.mark.parametrize("heading, opening", [
    ("二、2025年工作思路", "2025年是“十四五”规划的收官之年，我局将"),
    ("三、法治建设存在的问题", "在推进法治建设方面，我局"),
    ("一、工作成效", "（一）突出党建引领，激发担当作为。"),
])
def test_a_heading_run_into_its_body_ends_where_the_body_opens(heading, opening):
    from toolkit.sections import find_headings

    text = "\n".join([BODY, heading + opening + "全面推进依法行政，取得了积极成效。" * 3, "一、其他", "无。"])
    assert find_headings(text, 2024)[0].text == heading


def test_a_plans_part_that_opens_by_admitting_shortcomings():
    text = "\n".join([BODY, "一、主要做法", "全年召开专题会议4次，研究法治政府建设重大事项。",
                      "二、2023年工作计划2022年，我局在法治建设工作上取得了一定成效，但也存在一些不足，如个别干部法治观念有待进一步提升等。"
                      "2023年，我局将持续深入学习贯彻习近平法治思想。", "（一）加大法治宣传教育。", "精心组织，开展多种形式的学习培训活动。"])
    # the heading's line, the admission, and the plans (the list after them included)
    assert [k for k, _, _ in _kinds(text)] == ["other", "achievements", "plans", "problems", "plans"]


def test_plans_without_a_heading_before_a_list_that_starts_again():
    review = [line for n in "一二三四" for line in (f"（{n}）第{n}项工作成效明显。", "全年完成目标任务，各项工作取得明显成效。" * 3)]
    plans = [line for n in "一二三" for line in (f"（{n}）坚持第{n}项工作，着力推进高质量发展。", "全面落实各项任务，确保取得实效。" * 3)]
    text = "\n".join([BODY, *review, "2023年是全面贯彻党的二十大精神的开局之年，做好今年各项工作意义重大。今年的重点工作有以下三个方面：",
                      *plans])
    kinds = [k for k, _, _ in _kinds(text)]
    assert kinds == ["other"] + ["achievements"] * 4 + ["plans"] * 4


def test_a_salutation_after_a_saved_pages_table_is_the_reports():
    lines = list(enumerate(["发布机构\t莆田市民宗局\t生成日期\t2018-01-25", "标题\t关于2017年法治政府建设情况的报告\t有效性\t有效",
                            "市政府：", BODY], 1))
    assert read_header(lines).lines == [1, 2]


def test_a_bodys_plans_pair_with_the_same_bodys_next_review():
    """Two bureaus of one government: each body's report of t-1 plans what its own report of t reviews."""
    from toolkit.dataset import build_corpus
    from toolkit.followthrough import pairs

    work = {"莆田市审计局": ("全年完成审计项目46个，查出违规金额3.2亿元。", "深化大数据审计，推进审计全覆盖。"),
            "莆田市水利局": ("全年办理水事违法案件11起，整治河湖四乱问题853个。", "强化河湖清四乱，完善水行政执法机制。")}

    def report(agency, year):  # two bodies' reports that are no copies of each other
        done, next_ = work[agency]
        return "\n".join([f"{agency}{year}年法治政府建设年度报告", f"{year}年，{agency}坚持依法行政。" + done * (year - 2019),
                          f"一、{year}年法治政府建设的主要举措和成效", done, f"二、{year + 1}年工作安排", next_ * (year - 2019),
                          agency, f"{year + 1}年1月10日"])

    import tempfile
    from pathlib import Path

    from toolkit.corpus import read_reports

    with tempfile.TemporaryDirectory() as folder:
        for agency in ("莆田市审计局", "莆田市水利局"):
            for year in (2021, 2022):
                (Path(folder) / f"{agency}{year}.txt").write_text(report(agency, year), encoding="utf-8")
        corpus = build_corpus(read_reports([folder])[0])
    table = pairs(corpus)
    assert sorted(zip(table["agency"], table["plan_report"], table["review_report"])) == [
        ("莆田市审计局", "莆田市审计局2021", "莆田市审计局2022"), ("莆田市水利局", "莆田市水利局2021", "莆田市水利局2022")]


# --------------------------------------------------------------------------- read whole: a property
SENTENCES = ["局党组高度重视法治政府建设工作，将其列入重要议事日程。", "全年办理行政审批事项1200件，按时办结率100%。",
             "一是学法用法制度还不够完善；二是执法人员业务能力有待提升。", "2023年，我局将持续深化法治宣传教育。",
             "推进“放管服”改革，印发《莆田市城市道路挖掘管理办法》。", "截止2021年12月底，预计资产总额突破1300亿元，增长20%。"]
HEADINGS = ["一、2022年法治政府建设的主要举措和成效", "（一）强化组织保障", "二、存在的不足和原因", "三、2023年工作安排",
            "1.优化行政审批服务事项。"]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(st.one_of(st.sampled_from(HEADINGS),
                                     st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4).map("".join)),
                           min_size=1, max_size=12),
       breaks=st.lists(st.integers(min_value=1, max_value=40), max_size=60),
       header=st.booleans(), breadcrumb=st.booleans(), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_no_text_loses_its_body(tmp_path_factory, paragraphs, breaks, header, breadcrumb, encoding):
    """Whatever the crawl did to a report (a header, a breadcrumb running on into the text, line breaks
    inside words and sentences), every character of its body reaches the cleaned text, in order, and
    nothing else does; the sections tile the cleaned text."""
    from toolkit.corpus import normalise
    from toolkit.sections import segment

    body = "\n".join([SENTENCES[0] + SENTENCES[1], *paragraphs])  # long enough to tell its encoding
    pieces, position = [], 0  # break the body at the drawn distances, as a page's spans would
    for step in breaks:
        if position + step >= len(body):
            break
        pieces.append(body[position:position + step])
        position += step
    broken = "\n".join(pieces + [body[position:]])
    text = broken
    if breadcrumb:
        text = "当前位置： 首页政务公开规划信息工作进展情况 " + text
    if header:
        text = "标题: 莆田市审计局关于2022年法治政府建设情况的报告\n发布时间: 2023-01-12 09:58\n发布机构: 市审计局\n正文:\n" + text
    path = tmp_path_factory.mktemp("crawl") / "report.txt"
    path.write_bytes(text.encode(encoding))
    report = read_report(path)
    assert re.sub(r"\s", "", report.text) == re.sub(r"\s", "", normalise(body))
    sections = segment(report.text, 2022)
    assert sections[0].start == 0 and sections[-1].end == len(report.text)
    assert all(a.end == b.start for a, b in zip(sections, sections[1:]))
