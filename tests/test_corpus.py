"""Tests for toolkit.corpus: decoding, chrome removal, line repair, metadata, files and manifest."""
from __future__ import annotations

import csv
import hashlib
import pickle
import re
from pathlib import Path

import pytest

from toolkit import corpus
from toolkit.corpus import (
    BinaryReportError,
    EmptyReportError,
    ReportError,
    UndecodableReportError,
    decode,
    extract_metadata,
    normalise,
    read_manifest,
    read_report,
    read_reports,
    repair_lines,
    report_paths,
    strip_chrome,
)
from toolkit.paths import GEO_DIR, MANIFEST, MUNICIPAL_DIR, RAW_DIR, shared_absent

SEEDS = sorted(RAW_DIR.glob("*.txt"))
SEED = {path.name[:3]: path for path in SEEDS}
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
BODY = "今年以来，我局认真贯彻落实市委、市政府决策部署，扎实推进法治政府建设，各项工作取得明显成效。"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def prefectures() -> list[dict[str, str]]:
    with open(GEO_DIR / "prefectures.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def assert_clean_form(text: str) -> None:
    """One paragraph per line: single newlines, stripped lines, no blank line, no outer newline."""
    assert text and text == text.strip()
    for line in text.split("\n"):
        assert line and line == line.strip(), repr(line)


# --------------------------------------------------------------------------- decoding

TITLE = "梅州市政务服务数据管理局关于推进政务服务标准化工作的报告"  # 28 Chinese characters: enough to judge


@pytest.mark.parametrize(("data", "encoding"), [
    (TITLE.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TITLE.encode("utf-8"), "utf-8-sig"),
    (TITLE.encode("gb18030"), "gb18030"),
])
def test_decode_records_the_encoding(data: bytes, encoding: str) -> None:
    assert decode(data, "x.txt") == (TITLE, encoding, 1.0)


def test_read_report_from_gb18030_with_crlf_and_full_width(tmp_path: Path) -> None:
    raw = ("梅州市政务服务数据管理局２０２０年工作总结\r\n\r\n\u3000\u3000推进ＡＰＰ建设，完成１２３项。\r\n"
           "梅州市政务服务数据管理局\r\n二〇二〇年十二月二十三日\r\n")
    report = read_report(write(tmp_path, "gb.txt", raw.encode("gb18030")))
    assert report.encoding == "gb18030"
    assert report.text == ("梅州市政务服务数据管理局2020年工作总结\n推进APP建设，完成123项。\n"
                           "梅州市政务服务数据管理局\n二〇二〇年十二月二十三日")
    assert report.meta["issued"] == "2020-12-23"
    assert report.meta["year"] == 2020
    assert report.sha256 == hashlib.sha256(raw.encode("gb18030")).hexdigest()


@pytest.mark.parametrize(("data", "error", "reason"), [
    (b"", EmptyReportError, "empty"),
    (b" \r\n\t\n", EmptyReportError, "whitespace"),
    ("\u3000\u3000\n".encode("utf-8"), EmptyReportError, "whitespace"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryReportError, "a PNG image, not text"),
    (b"GIF89a\x00\x01\x00", BinaryReportError, "a GIF image, not text"),
    ("报告".encode("utf-8") + b"\x00\x01", BinaryReportError, "NUL"),
    (bytes(range(1, 9)) * 50 + "报告".encode("utf-8"), BinaryReportError, "control"),
    (b"\xff\xfe" + b"\x00\xd8", UndecodableReportError, "UTF-16-LE byte-order mark but not UTF-16 text"),
    (b"\x81\x20\xfe\xff\x80", UndecodableReportError, "too short to tell its encoding, or not Chinese"),
    (b"\xef\xbb\xbf\xff\xfe\x81", UndecodableReportError, "byte-order mark"),
])
def test_bad_input_raises_a_specific_error_naming_file_and_reason(
        tmp_path: Path, data: bytes, error: type[ReportError], reason: str) -> None:
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(error) as caught:
        read_report(path)
    assert caught.value.path == path
    assert reason in caught.value.reason
    assert str(caught.value) == f"{path}: {caught.value.reason}"
    assert pickle.loads(pickle.dumps(caught.value)).reason == caught.value.reason


def test_a_file_of_nothing_but_chrome_is_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyReportError, match="chrome"):
        read_report(write(tmp_path, "chrome.txt", "页面:\n字体:\n扫一扫在手机打开当前页\n当前位置：首页 > 政务公开 > 工作报告\n"
                                                  "主办单位：某某市人民政府办公室\n".encode("utf-8")))


def test_normalise_widths_and_line_ends_but_keeps_chinese_punctuation() -> None:
    text = "ＡＢＣ１２３ｘｙｚ\u3000（一）：；“”、。，！？\r\n第二行\r第三行"
    assert normalise(text) == "ABC123xyz （一）：；“”、。，！？\n第二行\n第三行"


# --------------------------------------------------------------------------- chrome

CHROME_LINES = ("扫一扫", "字体", "对比度", "责任编辑", "索引号", "抄送", "页面:", "来源:", "浏览", "当前位置")


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_chrome_is_removed_and_recorded(name: str) -> None:
    report = read_report(SEED[name])
    lines = report.text.split("\n")
    assert report.removed, "every seed carries some page chrome"
    assert not [line for line in lines if line.startswith(CHROME_LINES)]
    decoded = normalise(decode(SEED[name].read_bytes(), SEED[name])[0]).split("\n")
    for removed in report.removed:
        assert decoded[removed.line - 1].strip() == removed.text
        assert removed.rule in {rule for rule, _ in corpus.CHROME_RULES} | {"page_residue", "header"}


def test_seed_removals_by_rule() -> None:
    rules = {name: [removed.rule for removed in read_report(path).removed] for name, path in SEED.items()}
    assert rules == {
        "000": ["widget", "widget", "widget", "breadcrumb", "source_line", "widget"],
        "001": ["qr_code"],
        "002": ["source_line", "widget", "widget", "editor"],
        "003": ["header"] * 5,  # an empty 信息公开 table saved as text (toolkit.header)
        "004": ["cc", "printed", "printed"],
    }


def test_004_keeps_signature_and_date_but_drops_the_distribution_block() -> None:
    lines = read_report(SEED["004"]).text.split("\n")
    assert lines[:4] == ["汕头市政务服务数据管理局文件", "汕政数〔2019〕98号",
                         "市政务服务数据管理局 2019年度法治政府建设情况报告", "市政府："]
    assert lines[-2:] == ["汕头市政务服务数据管理局", "2019 年 12 月 16 日"]


@pytest.mark.parametrize("line", [
    "各单位要及时打印并分享学习材料，确保应知尽知。",
    "来源：市统计局，数据截至2023年底。",
    "时间：2023年全年，地点：全市各县区。",
    "一、推进页面适老化改造，提升字体和对比度显示效果",
    "抄送材料按时报送市政府办公室。",
    "2023年，全市政府网站共发布信息1.2万条，在市政府门户网站开设专栏3个。",
    "12345",
])
def test_content_that_mentions_chrome_words_survives(line: str) -> None:
    text = f"{BODY}\n{line}\n{BODY}"
    assert strip_chrome(text) == (text, [])


@pytest.mark.parametrize(("line", "rule"), [
    ("【字体：大 中 小】【打印】【关闭】", "widget"),
    ("当前位置：首页 > 政务公开 > 工作总结", "breadcrumb"),
    ("发布时间：2024-01-05 09:30  浏览次数：1,024", "source_line"),
    ("索引号：11441400/2020-00123 | 发布机构：梅州市政务服务数据管理局", "metadata_table"),
    ("（责任编辑：王五）", "editor"),
    ("版权所有：梅州市人民政府办公室  粤ICP备05008080号", "site_footer"),
    ("- 12 -", "page_number"),
    ("第 3 页 共 23 页", "page_number"),
    ("上一篇：梅州市政务服务数据管理局2019年法治政府建设年度报告", "pager"),
])
def test_common_web_and_pdf_chrome_is_recognised(line: str, rule: str) -> None:
    text, removed = strip_chrome(f"{BODY}\n{line}\n{BODY}")
    assert text == f"{BODY}\n{BODY}"
    assert removed == [corpus.Removed(2, line, rule)]


def test_a_table_of_metadata_fields_one_per_line_is_removed() -> None:
    table = ["标题：梅州市政务服务数据管理局2020年法治政府建设年度报告", "成文日期：2020-12-23", "发布机构：梅州市政务服务数据管理局"]
    text, removed = strip_chrome("\n".join([*table, BODY, "成文日期：2020-12-23", BODY]))
    assert text == f"{BODY}\n成文日期：2020-12-23\n{BODY}"
    assert [(r.line, r.rule) for r in removed] == [(1, "metadata_table"), (2, "metadata_table"), (3, "source_line")]


def test_trailing_page_residue_is_removed() -> None:
    text, removed = strip_chrome(f"{BODY}\n\ns\n— 23\n")
    assert text == BODY
    assert [(r.text, r.rule) for r in removed] == [("s", "page_residue"), ("— 23", "page_number")]


# --------------------------------------------------------------------------- repairs

def test_004_two_page_breaks_are_repaired() -> None:
    report = read_report(SEED["004"])
    assert report.repairs == (
        corpus.Repair(15, "作同研究、同部署、同", "检查，组织精干力量，"),
        corpus.Repair(41, "殊要求的事项外，政务", "服务事项进驻我市政务"),
    )
    assert "同研究、同部署、同检查，组织精干力量" in report.text
    assert "除对场地有特殊要求的事项外，政务服务事项进驻" in report.text


@pytest.mark.parametrize("name", ["000", "001", "002", "003"])
def test_web_seeds_need_no_repair(name: str) -> None:
    assert read_report(SEED[name]).repairs == ()


LONG_HEADING = "（一）坚持稳中求进，推动经济实现质的有效提升和量的合理增长，加快建设现代化产业体系，推进城乡融合发展和区域协调发展，全面提升城市能级"
LONG_TITLE = "中共梅州市政务服务数据管理局党组关于2020年度法治政府建设工作情况和2021年度法治政府建设工作计划和重点任务安排情况的报告"


@pytest.mark.parametrize("first", [
    LONG_HEADING,
    LONG_TITLE,
    "一年来，我们坚持优存量、拓增量，产业质效稳步提升",
    "市政务服务数据管理局党组高度重视法治政府建设工作，将深入推进法治政府建设作为一项重要政治任务。",
])
def test_headings_titles_short_and_finished_lines_are_not_joined(first: str) -> None:
    text = f"{first}\n{BODY}"
    assert repair_lines(text) == (text, [])


def test_the_heading_and_title_cases_are_long_enough_to_matter() -> None:
    assert min(len(LONG_HEADING), len(LONG_TITLE)) >= 60
    text = f"{LONG_HEADING.replace('（一）', '')}\n{BODY}"
    assert repair_lines(text)[0] == text.replace("\n", "")


@pytest.mark.parametrize("second", ["二、存在的不足", "（二）优化营商环境", "2019年12月16日", "汕头市政务服务数据管理局"])
def test_no_join_before_a_heading_date_or_signature(second: str) -> None:
    text = f"{BODY[:-1]}，并对照中央和省的部署要求，全面梳理法治政府建设的职责任务和推进\n{second}"
    assert repair_lines(text) == (text, [])


def test_hard_wrapped_pdf_text_is_rejoined() -> None:
    sentence = "全市上下坚持以习近平新时代中国特色社会主义思想为指导深入贯彻党的二十大精神"
    wrapped = [(sentence * 13)[i:i + 28] for i in range(0, 28 * 12, 28)]
    wrapped[-1] += "。"
    text = "\n".join(["一、2023年工作回顾", *wrapped, "二、2024年工作安排"])
    repaired, repairs = repair_lines(text)
    assert repaired == "\n".join(["一、2023年工作回顾", "".join(wrapped), "二、2024年工作安排"])
    assert [repair.line for repair in repairs] == list(range(2, 13))


# --------------------------------------------------------------------------- metadata

PREFECTURE = dict(level="prefecture", county=None, url=None, from_header=[])
SEED_META = {
    "000": dict(PREFECTURE, government="梅州市人民政府", agency="梅州市政务服务数据管理局", city="梅州市",
                province="广东省", year=2020, issued="2020-12-23", doc_number=None, source="梅州市人民政府门户网站",
                title="梅州市政务服务数据管理局2020年法治政府建设年度报告", found_by="agency:梅州市",
                genre="rule_of_law_report", genre_by="title"),
    "001": dict(PREFECTURE, government="宜宾市人民政府", agency="宜宾市政务服务和非公经济发展局", city="宜宾市",
                province="四川省", year=2021, issued="2021-12-06", doc_number=None, source=None, title=None,
                found_by="agency:宜宾市", genre="rule_of_law_report", genre_by="text:framing"),
    "002": dict(PREFECTURE, government="周口市人民政府", agency="周口市行政审批和政务信息管理局", city="周口市",
                province="河南省", year=2023, issued="2023-12-25", doc_number=None, source="市行政审批和政务信息管理局",
                title="周口市行政审批和政务信息管理局 2023年度法治政府建设情况", found_by="agency:周口市",
                genre="rule_of_law_report", genre_by="title"),
    # the agency names only its level (市行政审批服务局): the body names 邵阳市 and no other city
    "003": dict(PREFECTURE, government="邵阳市人民政府", agency="邵阳市行政审批服务局", city="邵阳市",
                province="湖南省", year=2019, issued=None, doc_number=None, source=None, title=None,
                found_by="body:邵阳市 named 7 of 7 times", genre="work_summary", genre_by="text:framing"),
    "004": dict(PREFECTURE, government="汕头市人民政府", agency="汕头市政务服务数据管理局", city="汕头市",
                province="广东省", year=2019, issued="2019-12-16", doc_number="汕政数〔2019〕98号", source=None,
                title="市政务服务数据管理局 2019年度法治政府建设情况报告", found_by="agency:汕头市",
                genre="rule_of_law_report", genre_by="title"),
}


@pytest.mark.parametrize("name", sorted(SEED_META))
def test_seed_metadata(name: str) -> None:
    assert read_report(SEED[name]).meta == SEED_META[name]


def test_source_is_found_only_in_the_removed_chrome() -> None:
    report = read_report(SEED["000"])
    assert "门户网站" not in report.text.split("\n")[0]
    assert extract_metadata(report.text)["source"] is None
    assert extract_metadata(report.text, report.removed)["source"] == "梅州市人民政府门户网站"


def test_government_work_report_metadata() -> None:
    text = "\n".join([
        "政 府 工 作 报 告",
        "——2024年1月16日在亳州市第五届人民代表大会第三次会议上",
        "各位代表：",
        "现在，我代表市人民政府，向大会报告政府工作，请予审议。",
        "一、2023年工作回顾",
        "过去一年，亳州经济运行稳中向好，亳州中药材产业加快发展，合肥都市圈合作不断深化。",
    ])
    meta = extract_metadata(text)
    assert (meta["agency"], meta["city"], meta["province"], meta["year"], meta["title"]) == (
        "亳州市人民政府", "亳州市", "安徽省", 2023, "政府工作报告")


def test_a_government_work_report_covers_the_year_before_its_session() -> None:
    text = "政府工作报告\n——2024年1月16日在亳州市第五届人民代表大会第三次会议上\n各位代表：\n一、过去五年工作回顾"
    assert extract_metadata(text)["year"] == 2023


def test_city_by_short_names_ignores_provinces_and_districts() -> None:
    text = ("今年以来，市行政审批服务局围绕吉林省部署，吉林省、吉林省、吉林省各地经验值得借鉴。"
            "黄山区、黄山区、黄山区交流。通化市营商环境持续优化，通化企业满意度提升，通化经验得到推广。")
    meta = extract_metadata(text)
    assert (meta["city"], meta["province"], meta["agency"]) == ("通化市", "吉林省", "通化市行政审批服务局")
    assert meta["found_by"] == "body:通化市 named 3 of 3 times"


def test_the_body_names_the_city_only_of_a_level_only_agency_and_only_when_it_dominates() -> None:
    twice = "今年以来，市行政审批服务局推进改革。通化市营商环境持续优化，通化企业满意度提升，长春、吉林交流。"
    assert extract_metadata(twice)["city"] is None  # named twice of four: too weak
    provincial = "今年以来，省政务服务中心推进改革。深圳市、深圳市、深圳市、深圳市先行先试。"
    assert extract_metadata(provincial)["city"] is None  # a provincial body: never the city its body names


def test_a_national_report_has_no_city() -> None:
    meta = extract_metadata("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n北京、上海、广州加快发展。")
    assert (meta["agency"], meta["city"], meta["province"]) == ("国务院", None, None)


def test_a_cited_document_number_is_not_the_reports() -> None:
    meta = read_report(SEED["000"]).meta
    assert "梅市普办〔2020〕23号" in read_report(SEED["000"]).text
    assert meta["doc_number"] is None


# --------------------------------------------------------------------------- files

def test_reading_is_deterministic() -> None:
    first, errors = read_reports(RAW_DIR)
    second, _ = read_reports(RAW_DIR)
    assert not errors and len(first) == len(SEEDS) == 5
    assert first == second


def test_every_seed_is_in_clean_form() -> None:
    for report in read_reports(RAW_DIR)[0]:
        assert_clean_form(report.text)


def test_report_paths_expands_folders_and_rejects_missing(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "c.md"):
        write(tmp_path, name, BODY.encode("utf-8"))
    assert report_paths([tmp_path, tmp_path / "c.md"]) == [tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.md"]
    assert report_paths(str(tmp_path / "a.txt")) == [tmp_path / "a.txt"]
    with pytest.raises(ReportError, match="no such file"):
        report_paths([tmp_path / "missing.txt"])


def test_read_reports_raises_or_skips_bad_files(tmp_path: Path) -> None:
    write(tmp_path, "a_good.txt", BODY.encode("utf-8"))
    write(tmp_path, "b_empty.txt", b"")
    write(tmp_path, "c_binary.txt", b"\x00\x01\x02")
    with pytest.raises(EmptyReportError):
        read_reports(tmp_path)
    reports, errors = read_reports([tmp_path, tmp_path / "missing.txt"], skip_bad=True)
    assert [report.report_id for report in reports] == ["a_good"]
    # paths that give no report are found before any file is read
    assert [(type(error), error.path.name) for error in errors] == [
        (ReportError, "missing.txt"), (EmptyReportError, "b_empty.txt"), (BinaryReportError, "c_binary.txt")]


# --------------------------------------------------------------------------- manifest and geo table

def test_manifest_matches_the_raw_files() -> None:
    manifest = read_manifest()
    assert list(manifest.columns) == ["file", "id", "sha256", "source", "retrieved"]
    on_disk = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SEEDS}
    assert dict(zip(manifest["file"], manifest["sha256"])) == on_disk
    assert manifest["id"].is_unique and all(re.fullmatch(r"[a-z]+-\d{4}", id_) for id_ in manifest["id"])


def test_manifest_ids_and_sources_agree_with_the_texts() -> None:
    manifest = read_manifest(MANIFEST).set_index("file")
    for path in SEEDS:
        meta = read_report(path).meta
        row = manifest.loc[path.name]
        assert row["id"].endswith(f"-{meta['year']}")
        assert row["source"] == (meta["source"] or "")


def test_prefecture_table() -> None:
    rows = prefectures()
    by_name = {row["name"]: row for row in rows}
    prefecture_level = [row for row in rows if row["adcode"][2:4] != "90" and row["adcode"][2:] != "0000000000"]
    municipalities = [row for row in rows if row["adcode"][2:] == "0000000000"]
    assert 330 <= len(prefecture_level) <= 336
    assert [row["name"] for row in municipalities] == ["北京市", "天津市", "上海市", "重庆市"]
    assert all(row["province"] == row["name"] for row in municipalities)
    assert len({row["short_name"] for row in rows}) == len(rows)
    assert {name: by_name[name]["short_name"] for name in ("梅州市", "凉山彝族自治州", "大兴安岭地区", "锡林郭勒盟")} == {
        "梅州市": "梅州", "凉山彝族自治州": "凉山", "大兴安岭地区": "大兴安岭", "锡林郭勒盟": "锡林郭勒"}
    assert by_name["梅州市"]["province"] == "广东省" and by_name["凉山彝族自治州"]["province"] == "四川省"


# --------------------------------------------------------------------------- municipal corpus

needs_municipal = pytest.mark.skipif(not MUNICIPAL_DIR.is_dir(),
                                     reason=shared_absent(MUNICIPAL_DIR))


@pytest.fixture(scope="module")
def municipal() -> list[corpus.Report]:
    reports, errors = read_reports(MUNICIPAL_DIR, skip_bad=True)
    assert not errors, "\n".join(map(str, errors))
    return reports


@needs_municipal
def test_municipal_manifest_cities_are_in_the_prefecture_table() -> None:
    short_names = {row["short_name"] for row in prefectures()}
    with open(MUNICIPAL_DIR / "MANIFEST.tsv", encoding="utf-8") as handle:
        files = [line.split("\t")[0] for line in handle if line.strip() and not line.startswith(("#", "file\t"))]
    assert len(files) == 143
    assert [name for name in files if Path(name).stem not in short_names] == []


@needs_municipal
def test_every_municipal_report_loads_in_clean_form(municipal: list[corpus.Report]) -> None:
    assert len(municipal) == 143
    for report in municipal:
        assert_clean_form(report.text)


@needs_municipal
def test_municipal_government_matches_the_file_name(municipal: list[corpus.Report]) -> None:
    """Every municipal report names the government of its file; the corpus's known defects are read
    as what they are: three copies of the national report, a district of 黄山市, the county-level city
    恩施市, and the county-level cities 天门 and 潜江 that no prefecture administers."""
    from toolkit import geo

    special = {
        "台州": ("national", "国务院", None, None), "襄阳": ("national", "国务院", None, None),
        "贵阳": ("national", "国务院", None, None),
        "黄山": ("county", "黄山区人民政府", "黄山市", "黄山区"),
        "恩施": ("county", "恩施市人民政府", "恩施土家族苗族自治州", "恩施市"),
        "天门": ("county", "天门市人民政府", None, "天门市"), "潜江": ("county", "潜江市人民政府", None, "潜江市"),
    }
    failures = []
    for report in municipal:
        meta = report.meta
        got = (meta["level"], meta["government"], meta["city"], meta["county"])
        if report.report_id in special:
            expected = special[report.report_id]
        else:
            place = next(d for d in geo.lookup(report.report_id) + geo.lookup(report.report_id + "市")
                         if d.level == "prefecture" or d.is_municipality)
            level = "province" if place.level == "province" else "prefecture"
            seat = "行政公署" if place.name.endswith(("地区", "盟")) else "人民政府"
            expected = (level, place.name + seat, place.prefecture or place.name, None)
        if got != expected:
            failures.append(f"{report.path.name}: {got} != {expected} ({meta['found_by']})")
    assert not failures, "\n".join(failures)


@needs_municipal
def test_municipal_reports_cover_2023(municipal: list[corpus.Report]) -> None:
    failures = [f"{report.path.name}: year={report.meta['year']}" for report in municipal if report.meta["year"] != 2023]
    assert len(failures) <= 0.05 * len(municipal), "year failures:\n" + "\n".join(failures)


@needs_municipal
def test_municipal_page_residue_is_chrome(municipal: list[corpus.Report]) -> None:
    by_id = {report.report_id: report for report in municipal}
    for name in ("益阳", "承德", "百色", "黄山"):
        last = by_id[name].text.split("\n")[-1]
        assert _CHINESE.search(last) and not last.startswith(("党政机关", "湘公网安备", "—")), f"{name}: {last}"
        assert by_id[name].removed, name
    assert len([r for r in by_id["承德"].removed if r.rule == "page_number"]) == 23

