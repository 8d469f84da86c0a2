"""The government behind each report (level, government, agency, province, city, county, year), the
user's corrections (table columns, metadata.csv) with their provenance, labels and duplicates, on
synthetic reports of every level and on the shared corpora (skipped with a reason when absent)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import load_corpus
from toolkit.corpus import extract_metadata
from toolkit.metadata import MetadataError, describe, duplicates, label, unique_labels
from toolkit.paths import PROJECT_ROOT, RAW_DIR, SHARED_DIR, shared_absent

CORPORA = SHARED_DIR / "corpora"
PROVINCIAL, ARCHIVES = CORPORA / "provincial-2025", CORPORA / "archives"
NATIONAL, BEIJING_PDF, MUNICIPAL = CORPORA / "national-1954-2022", CORPORA / "beijing-2024-pdf", CORPORA / "municipal-2024"
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
SEEDS = sorted(RAW_DIR.glob("*.txt"))


def needs(folder: Path):
    return pytest.mark.skipif(not folder.is_dir(), reason=shared_absent(folder))


def meta_of(*lines: str, name: str | None = None) -> dict:
    return extract_metadata("\n".join(lines), name=name)


# --------------------------------------------------------------------------- every level, from the text

def test_a_provincial_report_has_no_city():
    meta = meta_of("2026年浙江省政府工作报告", "——2026年1月27日在浙江省第十四届人民代表大会第四次会议上",
                   "各位代表：", "现在，我代表省人民政府，向大会报告工作。", "一、2025年工作回顾",
                   "过去一年，杭州、宁波、温州、杭州、杭州经济较快增长。")
    assert (meta["level"], meta["government"], meta["agency"], meta["province"], meta["city"], meta["county"]) == (
        "province", "浙江省人民政府", "浙江省人民政府", "浙江省", None, None)
    assert (meta["year"], meta["issued"], meta["found_by"]) == (2025, "2026-01-27", "congress:浙江省")


def test_a_municipality_is_its_own_city():
    meta = meta_of("——2025年1月14日在北京市第十六届人民代表大会第三次会议上", "各位代表：")
    assert (meta["level"], meta["province"], meta["city"]) == ("province", "北京市", "北京市")


def test_an_autonomous_region_named_by_its_short_form():
    meta = meta_of("2025年宁夏政府工作报告", "各位代表：", "现在，我代表自治区人民政府向大会报告工作。")
    assert (meta["level"], meta["government"], meta["province"]) == ("province", "宁夏回族自治区人民政府", "宁夏回族自治区")


def test_a_district_names_its_prefecture_as_city():
    meta = meta_of("海拉尔区人民政府2018年政府工作报告", "各位代表：", "现在，我代表区人民政府向大会报告工作。",
                   "一、2017年工作回顾", "过去一年，呼伦贝尔市、满洲里市、满洲里市、满洲里市经济增长。")
    assert (meta["level"], meta["government"], meta["province"], meta["city"], meta["county"]) == (
        "county", "海拉尔区人民政府", "内蒙古自治区", "呼伦贝尔市", "海拉尔区")
    assert meta["year"] == 2017
    assert label(meta, "x") == "海拉尔区 2018"


def test_the_national_report():
    meta = meta_of("政府工作报告", "——2022年3月5日在第十三届全国人民代表大会第五次会议上", "国务院总理 李克强",
                   "各位代表：", "现在，我代表国务院，向大会报告政府工作。", "一、2021年工作回顾", "鞍山市、鞍山市发展。")
    assert (meta["level"], meta["government"], meta["agency"], meta["province"], meta["city"]) == (
        "national", "国务院", "国务院", None, None)
    assert (meta["year"], meta["issued"]) == (2021, "2022-03-05")


def test_a_date_in_chinese_numerals_gives_the_year():
    meta = meta_of("政府工作报告", "——二〇二六年一月二十七日在湖北省第十四届人民代表大会第五次会议上", "各位代表：",
                   "现在，我代表省人民政府向大会报告工作。", "过去一年，全省经济稳中向好。")
    assert (meta["issued"], meta["year"], meta["province"]) == ("2026-01-27", 2025, "湖北省")


def test_nothing_said_stays_empty():
    """A report that names no government: a wrong place is worse than none."""
    meta = meta_of("各位代表：", "现在，我代表市人民政府向大会报告工作。", "一、2023年工作回顾",
                   "过去一年，深圳、广州、佛山、深圳合作深化，深圳市场活跃。")
    assert (meta["level"], meta["government"], meta["province"], meta["city"]) == (None, None, None, None)


def test_the_file_name_fits_the_speaker():
    lines = ("各位代表：", "现在，我代表市人民政府向大会报告工作。", "一、2023年工作回顾")
    assert meta_of(*lines, name="恩施")["government"] == "恩施市人民政府"  # 市, not 恩施州
    assert meta_of(*lines, name="六安")["government"] == "六安市人民政府"
    district = ("各位代表：", "现在，我代表区人民政府向大会报告工作。")
    meta = meta_of(*district, name="吉林")  # no district named 吉林: a district of 吉林市, which one unknown
    assert (meta["level"], meta["government"], meta["city"], meta["county"]) == ("county", None, "吉林市", None)
    assert meta_of(*lines, name="report_2023")["government"] is None


# --------------------------------------------------------------------------- the user's corrections

def _seed_folder(tmp_path: Path, n: int = 2) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in SEEDS[:n]:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_metadata_csv_overrides_with_provenance(tmp_path):
    folder = _seed_folder(tmp_path)
    (folder / "metadata.csv").write_text(f"file,county,year\n{SEEDS[0].name},梅江区,2019\n", encoding="utf-8")
    reports = load_corpus(folder).reports.set_index("report_id")
    first = reports.loc[SEEDS[0].stem]
    assert (first["level"], first["government"], first["county"], first["city"], first["province"]) == (
        "county", "梅江区人民政府", "梅江区", "梅州市", "广东省")
    assert (first["county_from"], first["level_from"], first["government_from"], first["year_from"]) == (
        "metadata.csv", "derived", "derived", "detected")
    # a column called just "year" is the year the report was issued; the text reviews 2020
    assert (first["issued_year"], first["issued_year_from"], first["year"]) == (2019, "metadata.csv", 2020)
    assert first["notes"] == "the text reviews 2020, but the metadata.csv says it was issued in 2019 (-1 years, not the usual 1)"
    second = reports.loc[SEEDS[1].stem]
    assert (second["city"], second["city_from"]) == ("宜宾市", "detected")


def test_metadata_csv_year_under_review(tmp_path):
    folder = _seed_folder(tmp_path, 1)
    (folder / "metadata.csv").write_text(f"file,year_under_review\n{SEEDS[0].name},2018\n", encoding="utf-8")
    row = load_corpus(folder).reports.iloc[0]
    assert (row["year"], row["year_from"]) == (2018, "metadata.csv")


def test_a_bad_metadata_csv_is_an_error_naming_it(tmp_path):
    folder = _seed_folder(tmp_path, 1)
    (folder / "metadata.csv").write_text("file,colour\nx.txt,red\n", encoding="utf-8")
    with pytest.raises(MetadataError) as caught:
        load_corpus(folder)
    assert str(caught.value) == (f"{folder / 'metadata.csv'}: unknown columns ['colour']; use some of genre, level, "
                                 "government, agency, province, city, county, year, issued_year, issued, "
                                 "doc_number, title, url")


def _table_text(year: int, city: str) -> str:
    return (f"各位代表：　　现在，我代表市人民政府，向大会报告工作，请予审议。　　一、{year}年工作回顾　　过去一年，"
            f"{city}经济稳中向好，地区生产总值增长5%。　　二、存在的问题　　发展不平衡问题仍然突出。"
            f"　　三、{year + 1}年工作安排　　我们将继续推进高质量发展，{city}将扩大开放。")


def test_a_headerless_tsv_with_columns(tmp_path):
    table = tmp_path / "reports.txt"
    table.write_text(f"2022\t{_table_text(2021, '宜宾')}\n2023\t{_table_text(2022, '泸州')}\n", encoding="utf-8")
    corpus = load_corpus(table, format="tsv", columns=("year", "text"))
    rows = corpus.reports
    assert list(rows["issued_year"]) == [2022, 2023] and set(rows["issued_year_from"]) == {"table"}
    assert list(rows["year"]) == [2021, 2022] and set(rows["year_from"]) == {"detected"}
    assert set(corpus.sections["kind"]) >= {"achievements", "problems", "plans"}  # one-line rows still segment


def test_a_table_year_under_review_and_place_columns(tmp_path):
    table = tmp_path / "reports.csv"
    pd.DataFrame({"year_under_review": [2021], "province": ["四川"], "city": ["宜宾"],
                  "content": [_table_text(2021, "宜宾")]}).to_csv(table, index=False)
    row = load_corpus(table).reports.iloc[0]
    assert (row["level"], row["government"], row["province"], row["city"], row["year"]) == (
        "prefecture", "宜宾市人民政府", "四川省", "宜宾市", 2021)
    assert (row["city_from"], row["province_from"], row["year_from"], row["government_from"]) == (
        "table", "table", "table", "derived")


def test_a_table_year_that_disagrees_with_the_text_is_noted(tmp_path):
    table = tmp_path / "reports.csv"
    pd.DataFrame({"year": [2025], "text": [_table_text(2021, "宜宾")]}).to_csv(table, index=False)
    row = load_corpus(table).reports.iloc[0]
    assert row["notes"] == "the text reviews 2021, but the table says it was issued in 2025 (+4 years, not the usual 1)"


def test_cli_reports_of_a_headerless_table(tmp_path):
    table = tmp_path / "reports.txt"
    table.write_text(f"2022\t{_table_text(2021, '宜宾')}\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "toolkit", "reports", str(table), "--input-format", "tsv",
                          "--columns", "year,text", "--jsonl"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert (record["issued_year"], record["year"], record["row"], record["format"]) == (2022, 2021, 1, "table")


# --------------------------------------------------------------------------- duplicates

def test_duplicates_identical_and_near_identical():
    texts = [p.read_text(encoding="utf-8") for p in SEEDS[:3]]
    chrome = "首页 > 政务公开 > 工作报告\n" + texts[0] + "\n扫一扫在手机打开当前页\n分享到：微信 微博"
    reflowed = texts[1].replace("\n", "")  # the same report without its line breaks
    assert duplicates([texts[0], texts[1], texts[2], texts[0], chrome, reflowed]) == [None, None, None, 0, 0, 1]


def test_two_years_of_one_government_are_not_duplicates():
    one = SEEDS[0].read_text(encoding="utf-8")
    assert duplicates([one, one[: len(one) // 2]]) == [None, None]


def test_duplicates_are_listed_and_left_out(tmp_path):
    folder = _seed_folder(tmp_path, 2)
    (folder / "copy.txt").write_bytes(SEEDS[0].read_bytes())
    corpus = load_corpus(folder)
    assert corpus.reports.set_index("report_id").loc["copy", "duplicate_of"] == SEEDS[0].stem
    assert "copy" not in set(corpus.units["report_id"])
    assert "copy" in set(load_corpus(folder, keep_duplicates=True).units["report_id"])


# --------------------------------------------------------------------------- the shared corpora

@needs(PROVINCIAL)
@pytest.mark.parametrize("folder", [PROVINCIAL, ARCHIVES])
def test_provincial_docx_and_their_archive(folder):
    if not folder.is_dir():
        pytest.skip(shared_absent(folder))
    reports = load_corpus(folder).reports
    assert len(reports) == 31 and set(reports["level"]) == {"province"}
    assert set(reports["year"]) == {2024}
    named = reports["report_id"].str.extract(r"2025年(.+?)政府工作报告")[0]
    for short, province, city in zip(named, reports["province"], reports["city"]):
        assert province.startswith(short), (short, province)
        assert (city if isinstance(city, str) else None) == (province if province in MUNICIPALITIES else None)
    assert reports["province"].nunique() == 31
    assert set(reports["label"].str[-4:]) == {"2025"}


@needs(NATIONAL)
def test_national_table():
    reports = load_corpus(NATIONAL).reports
    assert len(reports) == 53
    assert set(reports["level"]) == {"national"} and set(reports["government"]) == {"国务院"}
    assert (reports["issued_year"] - reports["year"] == 1).all()
    assert reports["city"].isna().all() and reports["province"].isna().all()
    assert reports["label"].iloc[0] == "国务院 2022"


@needs(BEIJING_PDF)
def test_beijing_pdf_pages_per_unit():
    corpus = load_corpus(BEIJING_PDF)
    row = corpus.reports.iloc[0]
    assert (row["level"], row["province"], row["city"], row["year"], row["format"]) == (
        "province", "北京市", "北京市", 2023, "pdf")
    units = corpus.units
    assert units["pages"].ne("").all()
    assert units["pages"].iloc[0] == "1" and units["pages"].iloc[-1] == str(row["pages"])


@needs(MUNICIPAL)
def test_municipal_national_copies_are_duplicates():
    reports = load_corpus(MUNICIPAL).reports.set_index("report_id")
    assert reports["duplicate_of"].dropna().to_dict() == {"襄阳": "台州", "贵阳": "台州"}


def test_a_given_city_keeps_a_detected_county_inside_it():
    from toolkit.metadata import describe

    detected = meta_of("海拉尔区人民政府2018年政府工作报告", "各位代表：")
    meta, notes = describe(detected, fields={"city": "呼伦贝尔"}, source=None)
    assert (meta["level"], meta["county"], meta["city"], meta["city_from"]) == ("county", "海拉尔区", "呼伦贝尔市", "table")
    meta, _ = describe(detected, fields={"city": "满洲里"}, source=None)  # a county-level city: the county
    assert (meta["level"], meta["government"], meta["county"], meta["city"], meta["government_from"]) == (
        "county", "满洲里市人民政府", "满洲里市", "呼伦贝尔市", "derived")
    meta, _ = describe(detected, fields={"city": "杭州"}, source=None)  # another city: the user is right
    assert (meta["level"], meta["government"], meta["county"], meta["province"]) == (
        "prefecture", "杭州市人民政府", None, "浙江省")


def test_a_given_province_that_contradicts_the_text_empties_the_rest():
    from toolkit.metadata import describe

    detected = meta_of("海拉尔区人民政府2018年政府工作报告", "各位代表：")
    meta, notes = describe(detected, fields={"province": "浙江"}, source=None)
    assert (meta["province"], meta["level"], meta["government"], meta["city"], meta["county"]) == (
        "浙江省", None, None, None, None)
    assert notes == ["the text names a government in 内蒙古自治区, the table says 浙江省: level, government, city and "
                     "county left empty"]


def test_cli_units_contract(tmp_path):
    out = subprocess.run([sys.executable, "-m", "toolkit", "units", str(SEEDS[1]), "--jsonl"], capture_output=True,
                         text=True, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert list(records[0]) == ["report", "section_index", "kind", "unit_index", "marker", "start", "end", "text",
                                "pages", "role", "part", "boilerplate", "unit_id"]
    assert all(r["part"] in ("", "first_responsibility", "other_matters") and 0 <= r["boilerplate"] <= 1 for r in records)
    text = load_corpus(SEEDS[1]).reports.iloc[0]["text"]
    assert all(text[r["start"]:r["end"]] == r["text"] and r["pages"] is None for r in records)


@needs(BEIJING_PDF)
def test_cli_units_of_a_pdf_give_pages():
    out = subprocess.run([sys.executable, "-m", "toolkit", "units", str(BEIJING_PDF), "--jsonl"], capture_output=True,
                         text=True, cwd=PROJECT_ROOT)
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records[0]["pages"] == "1" and records[-1]["pages"] == "13"


def test_a_provincial_web_page_named_by_its_website(tmp_path):
    """A provincial report saved from the web: no title, no session line, the government only in the
    page chrome (the breadcrumb names the provincial portal) and the speaker's level."""
    page = tmp_path / "report.txt"
    page.write_text("\n".join([
        "湖北省人民政府门户网站 > 政务公开 > 政府工作报告",
        "发布时间：2026-01-28 10:00 来源：湖北日报",
        "【字体：大 中 小】 打印",
        "各位代表：",
        "现在，我代表省人民政府，向大会报告工作，请予审议。",
        "一、2025年工作回顾",
        "过去一年，武汉、宜昌、襄阳、武汉、武汉经济较快增长。",
        "二、2026年工作安排",
        "我们将继续推进高质量发展。",
    ]), encoding="utf-8")
    row = load_corpus(page).reports.iloc[0]
    assert (row["level"], row["government"], row["province"], row["year"]) == ("province", "湖北省人民政府", "湖北省", 2025)
    assert row["found_by"] == "website:湖北省人民政府门户网站" and pd.isna(row["city"])


@needs(NATIONAL)
def test_cli_targets_contract():
    out = subprocess.run([sys.executable, "-m", "toolkit", "targets", str(NATIONAL), "--jsonl"], capture_output=True,
                         text=True, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert list(records[0]) == ["government", "province", "level", "year", "indicator", "target_value", "target_high",
                                "target_qualifier", "target_quote", "outcome_value", "outcome_quote", "verdict"]
    gdp_2019 = next(r for r in records if r["year"] == 2019 and r["indicator"] == "gdp_growth")
    assert (gdp_2019["target_value"], gdp_2019["target_high"], gdp_2019["outcome_value"], gdp_2019["verdict"]) == (
        6.0, 6.5, 6.1, "met")
    assert set(gdp_2019["target_quote"]) == {"report", "start", "end", "text"}


def test_metadata_csv_the_most_specific_name_wins_and_spaces_are_forgiven(tmp_path):
    folder = tmp_path / "corpus"
    for sub, seed in (("a", SEEDS[0]), ("b", SEEDS[1])):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "r.txt").write_bytes(seed.read_bytes())
    (folder / "metadata.csv").write_text("\ufefffile , province\nr.txt,浙江\n b/r.txt ,广东\n", encoding="utf-8")
    provinces = load_corpus(folder).reports.set_index("report_id")["province"]
    assert provinces.to_dict() == {"a/r": "浙江省", "b/r": "广东省"}


def test_an_empty_metadata_csv_is_a_clear_error(tmp_path):
    folder = _seed_folder(tmp_path, 1)
    (folder / "metadata.csv").write_bytes(b"")
    with pytest.raises(MetadataError) as caught:
        load_corpus(folder)
    assert caught.value.reason == "empty file: a header row with a 'file' column is needed"


def test_a_table_file_name_is_never_a_rows_government(tmp_path):
    table = tmp_path / "广东.csv"
    text = "各位代表：　　现在，我代表政府向大会报告工作。　　一、2021年工作回顾　　过去一年经济稳中向好。"
    pd.DataFrame({"text": [text]}).to_csv(table, index=False)
    row = load_corpus(table).reports.iloc[0]
    assert pd.isna(row["province"]) and pd.isna(row["government"])


def test_cli_sections_leaves_duplicates_out_as_units_do(tmp_path):
    folder = _seed_folder(tmp_path, 1)
    (folder / "copy.txt").write_bytes(SEEDS[0].read_bytes())
    def reports_in(*extra):
        out = subprocess.run([sys.executable, "-m", "toolkit", "sections", str(folder), "--jsonl", *extra],
                             capture_output=True, text=True, cwd=PROJECT_ROOT)
        assert out.returncode == 0, out.stderr
        return {json.loads(line)["report"] for line in out.stdout.splitlines()}
    assert reports_in() == {SEEDS[0].stem}
    assert reports_in("--keep-duplicates") == {SEEDS[0].stem, "copy"}


def test_near_duplicates_are_caught_however_common_the_boilerplate():
    """Boilerplate shared by more than 50 reports counts neither in the overlap nor in the sizes."""
    import numpy as np

    rng = np.random.default_rng(0)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def text(n):
        return "".join(rng.choice(chars, n))

    boilerplate = text(3000)
    own = text(3000)
    copy = own[:2900] + text(100)  # the same report, its last paragraph different
    others = [boilerplate + text(3000) for _ in range(55)]
    result = duplicates([boilerplate + own, *others, boilerplate + copy])
    assert result[-1] == 0 and all(d is None for d in result[1:-1])


def _duplicates_by_sets(texts, threshold=0.8, most=50):
    """The definition of :func:`duplicates`, with Python sets of the shingles themselves (no hashing)."""
    import re
    from collections import Counter

    squeezed = [re.sub(r"\s+", "", t) for t in texts]
    shingles = [{t.lower()[k:k + 8] for k in range(len(t) - 7)} for t in squeezed]
    df = Counter(s for text in shingles for s in text)
    rare = [{s for s in text if df[s] <= most} for text in shingles]
    shared = [{s for s in text if df[s] >= 2} for text in rare]
    out = []
    for i, t in enumerate(squeezed):
        if t in squeezed[:i]:
            out.append(squeezed.index(t))
            continue
        out.append(None)
        for j in range(i):
            common = len(shared[i] & shared[j])
            union = len(rare[i]) + len(rare[j]) - common
            if common and union > 0 and common / union >= threshold:
                out[i] = out[j] if out[j] is not None else j
                break
    return out


@given(st.lists(st.text(alphabet="数据孤岛跨省通办推进共享Aa", min_size=0, max_size=40), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 7), st.integers(0, 40)), max_size=6))
@settings(max_examples=200, deadline=None)
def test_duplicates_are_what_the_sets_of_shingles_say(texts, copies):
    """Random small corpora with near copies (a text cut at some point): the 64-bit keys give exactly
    what sets of the shingles themselves give."""
    texts = list(texts)
    for source, cut in copies:
        base = texts[source % len(texts)]
        texts.append(base[:cut] + "文" + base[cut:])
    assert duplicates(texts) == _duplicates_by_sets(texts)


def test_shingle_hashes_tell_every_shingle_apart():
    from toolkit.metadata import shingle_hashes

    text = SEEDS[0].read_text(encoding="utf-8").replace("\n", "")
    assert len(shingle_hashes(text)) == len({text.lower()[k:k + 8] for k in range(len(text) - 7)})
    assert len(shingle_hashes("数据孤岛")) == 0 and len(shingle_hashes("")) == 0
    assert list(shingle_hashes("ABCDEFGH")) == list(shingle_hashes("abcdefgh"))  # lower-cased, as before


def test_a_near_copy_is_found_among_many_texts():
    """A report and its copy with a paragraph or two less, among 2,000 other texts. (The hashing
    vectorizer this replaced lost such a copy once its 2**22 buckets held ~100 shingles each, which
    28,000 reports would do: shown by shrinking its buckets to 2**14 on the municipal corpus.)"""
    import numpy as np

    rng = np.random.default_rng(1)
    chars = np.array([chr(c) for c in range(0x4E00, 0x4E00 + 6000)])
    report = "".join(rng.choice(chars, 6000))
    copy = report[:2000] + report[2600:]  # a paragraph or two less
    texts = [report, *("".join(rng.choice(chars, 800)) for _ in range(2000)), copy]
    result = duplicates(texts)
    assert result[-1] == 0 and all(d is None for d in result[:-1])


def test_the_table_year_decides_which_plans_are_next_years(tmp_path):
    """Regression: segmentation took the year found in the text, not the table's (or metadata.csv's). A
    report whose text names no year of its own, given 2020 (issued) by its table, has its 三、2021年工作
    read as next year's plans."""
    import csv

    from toolkit.dataset import segment_report

    body = ("某县行政审批服务局工作总结\n一、工作开展情况\n全面推进一网通办，办理事项一千件，群众满意度持续提升。\n"
            "二、存在的问题\n数据共享不够充分，部门之间协同不足。\n三、2021年工作\n推动跨省通办，深化数据共享，提升服务水平。")
    with open(tmp_path / "r.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["year", "text"], ["2020", body]])
    corpus = load_corpus(tmp_path / "r.csv")
    assert corpus.reports.loc[0, "year"] == 2019
    kinds = dict(zip(corpus.sections["heading"], corpus.sections["kind"]))
    assert kinds["三、2021年工作"] == "plans"
    from toolkit.corpus import read_reports

    report = read_reports(tmp_path / "r.csv")[0][0]
    assert report.meta.get("year") is None  # the text alone does not know the year ...
    sections, _ = segment_report(report)
    assert dict(zip(sections["heading"], sections["kind"]))["三、2021年工作"] != "plans"  # ... nor the plans


# --------------------------------------------------------------------------- metadata.csv rows (issue 25)
#: A work summary that names no government: what it is comes from the user's metadata.csv.
NAMELESS = ("2023年工作总结\n一、主要工作成效\n过去一年，我们深化政务服务改革，推进数据共享交换平台建设，一网通办事项不断增加。\n"
            "二、存在的问题\n部门之间数据共享不够，数据孤岛问题依然存在，基层人员力量不足。\n"
            "三、2024年工作打算\n继续推进跨省通办，优化营商环境，提升政务服务水平。\n")


def _nameless_folder(tmp_path: Path, rows: str, names=("r.txt",)) -> Path:
    folder = tmp_path / "corpus"
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(NAMELESS, encoding="utf-8")
    (folder / "metadata.csv").write_text(rows, encoding="utf-8")
    return folder


def test_a_metadata_csv_row_may_name_a_file_without_its_suffix(tmp_path):
    """A row naming report2020 for report2020.txt was ignored with exit status 0."""
    folder = _nameless_folder(tmp_path, "file,province\nr,浙江\n2020/s,广东\n", names=("r.txt", "2020/s.txt"))
    reports = load_corpus(folder).reports.set_index("report_id")
    assert reports["province"].to_dict() == {"r": "浙江省", "s": "广东省"}
    assert set(reports["province_from"]) == {"metadata.csv"}
    # the file's own name, when the folder has it too, is more specific than its stem
    (folder / "metadata.csv").write_text("file,province\nr,浙江\nr.txt,福建\n2020/s.txt,广东\n", encoding="utf-8")
    assert load_corpus(folder).reports.set_index("report_id").at["r", "province"] == "福建省"


def test_a_metadata_csv_row_that_matches_no_report_is_an_error_naming_it(tmp_path):
    folder = _nameless_folder(tmp_path, "file,province\nr.txt,浙江\nreprot.txt,广东\n")
    csv = folder / "metadata.csv"
    message = (f"{csv}: line 3: 'reprot.txt' matches no report read in this folder (name a report file, or its path "
               "from this folder, with or without its suffix)")
    with pytest.raises(MetadataError) as caught:
        load_corpus(folder)
    assert str(caught.value) == message
    corpus = load_corpus(folder, skip_bad=True)  # listed, and the rest goes on
    assert [str(e) for e in corpus.errors] == [message]
    assert corpus.reports.set_index("report_id").at["r", "province"] == "浙江省"
    done = subprocess.run([sys.executable, "-m", "toolkit", "reports", str(folder), "--jsonl"], capture_output=True,
                          text=True, cwd=PROJECT_ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {message}\n")
    done = subprocess.run([sys.executable, "-m", "toolkit", "reports", str(folder), "--jsonl", "--skip-bad"],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert (done.returncode, done.stderr, len(done.stdout.splitlines())) == (0, f"skipped {message}\n", 1)


def test_a_row_for_a_file_that_could_not_be_read_is_not_reported_twice(tmp_path):
    folder = _nameless_folder(tmp_path, "file,province\nr.txt,浙江\nempty,广东\n")
    (folder / "empty.txt").write_bytes(b"")
    corpus = load_corpus(folder, skip_bad=True)
    assert [str(e) for e in corpus.errors] == [f"{folder / 'empty.txt'}: empty file"]


def test_a_metadata_csv_beside_a_file_given_alone_may_describe_others(tmp_path):
    folder = _nameless_folder(tmp_path, "file,province\nr.txt,浙江\nother.txt,广东\n")
    corpus = load_corpus(folder / "r.txt")
    assert corpus.errors == [] and corpus.reports.at[0, "province"] == "浙江省"


@pytest.mark.parametrize("column, value, expected", [
    ("province", "浙江", ("province", "浙江省人民政府", "浙江省", None, None, "浙江省 2023")),
    ("province", "北京", ("province", "北京市人民政府", "北京市", "北京市", None, "北京市 2023")),
    ("city", "杭州", ("prefecture", "杭州市人民政府", "浙江省", "杭州市", None, "杭州市 2023")),
    ("county", "建德", ("county", "建德市人民政府", "浙江省", "杭州市", "建德市", "建德市 2023")),
])
def test_a_row_that_gives_a_place_completes_government_level_and_label(tmp_path, column, value, expected):
    """A row giving the province left the government empty. A place given, and nothing in the text below
    it, is that place's government."""
    folder = _nameless_folder(tmp_path, f"file,{column}\nr.txt,{value}\n")
    row = load_corpus(folder).reports.iloc[0]
    assert (row["level"], row["government"], row["province"], row["city"] if pd.notna(row["city"]) else None,
            row["county"] if pd.notna(row["county"]) else None, row["label"]) == expected
    assert (row["level_from"], row["government_from"]) == ("derived", "derived")


def test_a_province_row_keeps_a_lower_government_the_text_names():
    from toolkit.metadata import describe

    detected = meta_of("海拉尔区人民政府2018年政府工作报告", "各位代表：")
    meta, notes = describe(detected, user={"province": "内蒙古"}, source=None)
    assert (meta["level"], meta["government"], meta["level_from"], notes) == ("county", "海拉尔区人民政府", "detected", [])
    meta, _ = describe(meta_of("各位代表：现在我向大会报告工作。"), user={"province": "Atlantis"}, source=None)
    assert (meta["province"], meta["government"], meta["level"]) == ("Atlantis", None, None)  # unknown: nothing derived


# ---------------------------------------------------------------------- issue 27: sessions, term-end years, labels
@pytest.mark.parametrize("opening", [
    "——2026年1月28日在浙江省第十四届人民代表大会第五次会议上",
    "——二〇二六年一月二十八日在浙江省十四届人民代表大会五次会议上",  # no 第, a date in Chinese numerals
    "二○二六年一月二十八日在浙江省第十四届人民代表大会第五次会议上",
])
def test_a_session_line_gives_the_government_and_the_year(opening):
    from toolkit.corpus import extract_metadata

    meta = extract_metadata(f"政府工作报告\n{opening}\n各位代表：\n现在，我代表省人民政府，向大会报告工作。")
    assert (meta["government"], meta["year"], meta["issued"]) == ("浙江省人民政府", 2025, "2026-01-28")


def test_a_session_line_below_a_web_pages_chrome():
    from toolkit.corpus import extract_metadata

    chrome = ["首页 > 政务公开 > 政府工作报告", "字号：大 中 小", "打印本页", "关闭窗口", "来源：某网站", "发布时间：2026-02-03",
              "分享到：", "浏览次数：12", "政府工作报告", "（全文）", "2026年政府工作报告"]
    meta = extract_metadata("\n".join(chrome) + "\n——2026年1月28日在江苏省第十四届人民代表大会第五次会议上\n各位代表：\n"
                            "现在，我代表省人民政府，向大会报告工作。")
    assert (meta["government"], meta["year"]) == ("江苏省人民政府", 2025)


def test_a_term_end_reports_year_comes_from_its_issued_year():
    """一、过去五年工作回顾: the opening's years are of the five (2020年是…, 2018年以来); a table's issued
    year 2023 gives 2022."""
    from toolkit.corpus import extract_metadata

    text = ("各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议。\n一、过去五年工作回顾\n"
            "2020年是极不平凡的一年。2018年以来，我们坚持稳中求进。\n二、2023年工作安排\n今年主要预期目标是……")
    detected = extract_metadata(text)
    assert detected["year"] is None
    meta, notes = describe(detected, SimpleNamespace(row=3), {"year": 2023, "city": "上海"})
    assert (meta["year"], meta["year_from"], meta["issued_year"]) == (2022, "issued_year-1", 2023) and not notes


def test_two_reports_never_share_a_label(tmp_path):
    """Two different reports both labelled 上海市 2023: each gets its file name (and row), and a note."""
    body = "各位代表：\n现在，我代表市人民政府，向大会报告工作。\n一、过去五年工作回顾\n五年来，我们{}。\n"
    pd.DataFrame({"text": [body.format("坚持稳中求进，城市功能显著增强"), body.format("推进改革开放，民生持续改善")],
                  "year": [2023, 2023], "city": ["上海", "上海"]}).to_csv(tmp_path / "shanghai.csv", index=False)
    reports = load_corpus(tmp_path / "shanghai.csv").reports
    assert reports["label"].is_unique, reports["label"].tolist()
    assert all(lab.startswith("上海市 2023 [shanghai.csv#") for lab in reports["label"]), reports["label"].tolist()
    assert reports["notes"].str.contains("another report has the label 上海市 2023").all()
    assert unique_labels(["甲 2020", "甲 2020", "乙"], ["r1", "r2", "r3"], ["a.txt", "a.txt", "b.txt"]) == \
        ["甲 2020 [r1]", "甲 2020 [r2]", "乙"]  # the same file name twice: the ids
