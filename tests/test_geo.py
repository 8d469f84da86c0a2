"""toolkit.geo and data/geo: the division table, lookups by name, governments named in titles, provinces."""
from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from toolkit import geo
from toolkit.paths import GEO_DIR, PROJECT_ROOT

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def read(name: str) -> list[dict[str, str]]:
    with open(GEO_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rows():
    return read("divisions.csv")


@pytest.fixture(scope="module")
def build_script():
    spec = importlib.util.spec_from_file_location("build_divisions", GEO_DIR / "build_divisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- divisions.csv

def test_counts_per_level(rows):
    assert Counter(row["level"] for row in rows) == {"province": 31, "prefecture": 333, "county": 2844}


def test_counts_by_kind_match_the_official_ones(rows):
    """民政部's counts at the end of 2021 (293 地级市, 30 自治州, 7 地区, 3 盟; 977 市辖区, 394 县级市, 1301 县,
    117 自治县, 49 旗, 3 自治旗, 1 特区, 1 林区), plus 白杨市 (2023)."""
    def kind(name: str) -> str:
        if name == "神农架林区":
            return "林区"
        return next(s for s in ("自治州", "自治县", "自治旗", "特区", "地区", "盟", "区", "市", "县", "旗") if name.endswith(s))

    prefectures = Counter(kind(row["name"]) for row in rows if row["level"] == "prefecture")
    counties = Counter(kind(row["name"]) for row in rows if row["level"] == "county")
    assert prefectures == {"市": 293, "自治州": 30, "地区": 7, "盟": 3}
    assert counties == {"区": 977, "市": 395, "县": 1301, "自治县": 117, "旗": 49, "自治旗": 3, "特区": 1, "林区": 1}


def test_columns_codes_and_parents(rows):
    assert list(rows[0]) == ["code", "name", "short_name", "level", "province", "prefecture"]
    codes = [row["code"] for row in rows]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    by_code = {row["code"]: row for row in rows}
    provinces = {row["name"] for row in rows if row["level"] == "province"}
    prefectures = {row["name"] for row in rows if row["level"] == "prefecture"}
    for row in rows:
        assert by_code[row["code"][:2] + "0000"]["name"] == row["province"], row
        if row["level"] == "province":
            assert row["province"] == row["name"]
            assert row["prefecture"] == (row["name"] if row["name"] in MUNICIPALITIES else "")
        elif row["level"] == "prefecture":
            assert row["prefecture"] == row["name"] and row["code"].endswith("00")
        elif row["province"] in MUNICIPALITIES:
            assert row["prefecture"] == row["province"]
        elif row["code"][2:4] == "90":  # 省直辖县级行政区划
            assert row["prefecture"] == ""
        else:
            assert row["prefecture"] in prefectures
            assert by_code[row["code"][:4] + "00"]["name"] == row["prefecture"]
    assert provinces == {row["province"] for row in rows}


def test_directly_administered_counties_have_no_prefecture(rows):
    direct = [row["name"] for row in rows if row["level"] == "county" and not row["prefecture"]]
    assert len(direct) == 32
    assert {"济源市", "天门市", "仙桃市", "潜江市", "神农架林区", "琼海市", "白沙黎族自治县", "石河子市", "白杨市"} <= set(direct)


def test_no_placeholders_townships_zones_or_hk_macao_taiwan(rows):
    names = {row["name"] for row in rows}
    assert not {"市辖区", "县"} & names
    assert not any("直辖" in name for name in names)
    assert not any(70 < int(row["code"][4:]) < 80 for row in rows)  # 开发区 and other statistical zones
    assert not {"兰州新区", "苏州工业园区", "加格达奇区", "大柴旦行政委员会"} & names
    assert not any(row["code"][:2] in ("71", "81", "82") for row in rows)
    assert not any(name.endswith(("街道", "镇", "乡")) for name in names)


def test_data_are_current_to_about_2021(rows):
    names = {row["name"]: row for row in rows}
    assert "莱芜市" not in names  # merged into 济南市, 2019
    assert names["莱芜区"]["prefecture"] == "济南市"
    assert names["那曲市"]["level"] == "prefecture" and "那曲地区" not in names
    assert names["黄山区"]["prefecture"] == "黄山市"
    assert {"临平区", "钱塘区", "横州市", "会理市", "沙湾市", "新星市", "西沙区", "白杨市"} <= set(names)
    superseded = {"横县", "会理县", "沙湾县", "江干区", "下城区", "梅列区", "沙县", "孟津县", "吉利区", "偃师市",
                  "西沙群岛", "中沙群岛的岛礁及其海域"}
    assert not superseded & set(names)
    assert [row["code"] for row in rows if row["name"] == "三元区"] == ["350404"]


def test_prefectures_csv_still_agrees(rows):
    """Every unit of the older prefectures.csv (cpca, ~2018) whose name still exists is in divisions.csv
    with the same province and short name; only 莱芜市 and 那曲地区 are gone."""
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    old = read("prefectures.csv")
    assert [r["name"] for r in old if r["name"] not in by_name] == ["莱芜市", "那曲地区"]
    differ = [r["name"] for r in old if r["name"] in by_name and not any(
        d["province"] == r["province"] and d["short_name"] == r["short_name"] for d in by_name[r["name"]])]
    assert differ == []
    # cpca's province-administered cities: county level here; 定州 and 辛集 belong to 保定 and 石家庄.
    county_level = {r["name"]: by_name[r["name"]][0]["prefecture"] for r in old
                    if r["name"] in by_name and by_name[r["name"]][0]["level"] == "county"}
    assert len(county_level) == 17
    assert county_level["定州市"] == "保定市" and county_level["辛集市"] == "石家庄市"
    assert {name for name, prefecture in county_level.items() if prefecture} == {"定州市", "辛集市"}


@pytest.mark.parametrize("name, short", [
    ("浙江省", "浙江"), ("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"),
    ("西藏自治区", "西藏"), ("北京市", "北京"), ("梅州市", "梅州"), ("凉山彝族自治州", "凉山"),
    ("大兴安岭地区", "大兴安岭"), ("锡林郭勒盟", "锡林郭勒"), ("恩施土家族苗族自治州", "恩施"), ("恩施市", "恩施"),
    ("海拉尔区", "海拉尔"), ("鄂温克族自治旗", "鄂温克"), ("莫力达瓦达斡尔族自治旗", "莫力达瓦"), ("东乡族自治县", "东乡"),
    ("积石山保安族东乡族撒拉族自治县", "积石山"), ("龙胜各族自治县", "龙胜"), ("融水苗族自治县", "融水"),
    ("瀍河回族区", "瀍河"), ("浦东新区", "浦东"), ("清新区", "清新"), ("井陉矿区", "井陉"), ("六枝特区", "六枝"),
    ("神农架林区", "神农架"), ("万柏林区", "万柏林"), ("赵县", "赵县"), ("城区", "城区"),
])
def test_short_names(rows, name, short):
    assert {row["short_name"] for row in rows if row["name"] == name} == {short}


def test_build_script_short_names_agree_with_build_prefectures(build_script):
    for row in read("prefectures.csv"):
        if row["name"].endswith(("自治州", "地区", "盟")) or row["adcode"][4:6] == "00":
            assert build_script.short_name(row["name"], "prefecture") == row["short_name"]


PACKAGE_CSV = Path(os.environ.get("PCC_DATA_CSV", "/tmp/pcc/package/data.csv"))


@pytest.mark.skipif(not PACKAGE_CSV.is_file(),
                    reason="the npm package's data.csv is not unpacked (see data/geo/README.md; PCC_DATA_CSV)")
def test_build_reproduces_divisions_csv(build_script, rows):
    assert build_script.build(PACKAGE_CSV) == rows


# --------------------------------------------------------------------------- toolkit.geo

def test_import_is_silent_and_lazy():
    code = "import toolkit.geo as g; print(g.divisions.cache_info().currsize, g._index.cache_info().currsize)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert done.stdout == "0 0\n" and done.stderr == ""


def test_hailar():
    [hailar] = geo.lookup("海拉尔区")
    assert (hailar.level, hailar.prefecture, hailar.province) == ("county", "呼伦贝尔市", "内蒙古自治区")
    assert geo.resolve("海拉尔区") == hailar == geo.resolve("海拉尔")
    assert hailar.code == "150702" and hailar.short_name == "海拉尔"


def test_enshi_city_and_prefecture():
    city, = geo.lookup("恩施市")
    assert (city.level, city.prefecture, city.province) == ("county", "恩施土家族苗族自治州", "湖北省")
    prefecture = geo.resolve("恩施土家族苗族自治州")
    assert prefecture.level == "prefecture" and geo.resolve("恩施州") == prefecture
    assert geo.lookup("恩施") == [prefecture, city]
    assert geo.resolve("恩施") is None
    assert geo.resolve("恩施", within="恩施州") is None  # both are in it
    assert geo.resolve("恩施市", within="湖北省") == city


def test_chaoyang_is_ambiguous():
    found = geo.lookup("朝阳区")
    assert [(d.province, d.prefecture) for d in found] == [("北京市", "北京市"), ("吉林省", "长春市")]
    assert geo.resolve("朝阳区") is None
    assert geo.resolve("朝阳区", within="北京市") == found[0]
    assert geo.resolve("朝阳区", within="北京") == found[0]
    assert geo.resolve("朝阳区", within="长春市") == found[1]
    assert geo.resolve("朝阳区", within="吉林省") == found[1]
    assert geo.resolve("朝阳区", within="浙江省") is None
    assert {d.name for d in geo.lookup("朝阳")} == {"朝阳市", "朝阳区", "朝阳县"}
    assert len(geo.lookup("鼓楼区")) == 4


def test_lookup_prefers_full_names_and_ignores_unknown_names():
    assert [d.name for d in geo.lookup("吉林")] == ["吉林省", "吉林市"]
    assert [d.name for d in geo.lookup(" 吉林市 ")] == ["吉林市"]
    assert [d.name for d in geo.lookup("宁夏")] == ["宁夏回族自治区"]
    assert geo.lookup("莱芜市") == [] and geo.lookup("") == [] and geo.resolve("不存在县") is None
    assert geo.lookup("赵") == []  # a one-character short name is no name


def test_municipalities():
    for name in MUNICIPALITIES:
        division = geo.resolve(name)
        assert (division.level, division.province, division.prefecture) == ("province", name, name)
        assert division.is_municipality and geo.resolve(name[:-1]) == division
        assert [d for d in geo.lookup(name)] == [division]
        [(_, _, found)] = geo.find_governments(f"2025年{name}政府工作报告")
        assert found == division
    assert geo.resolve("朝阳区", within="北京市").prefecture == "北京市"
    assert geo.resolve("浦东新区").prefecture == "上海市"
    assert geo.resolve("城口县").prefecture == "重庆市"
    assert not geo.resolve("浙江省").is_municipality


@pytest.mark.parametrize("text, name, level", [
    ("2025年浙江省政府工作报告", "浙江省", "province"),
    ("海拉尔区人民政府2018年政府工作报告", "海拉尔区", "county"),
    ("恩施市人民政府工作报告", "恩施市", "county"),
    ("恩施州人民政府工作报告", "恩施土家族苗族自治州", "prefecture"),
    ("鄂尔多斯市人民政府", "鄂尔多斯市", "prefecture"),
    ("2025年宁夏政府工作报告", "宁夏回族自治区", "province"),
    ("2025年广西政府工作报告", "广西壮族自治区", "province"),
    ("2024年内蒙古自治区政府工作报告", "内蒙古自治区", "province"),
    ("2024年新疆政府工作报告", "新疆维吾尔自治区", "province"),
    ("西藏自治区人民政府", "西藏自治区", "province"),
    ("大兴安岭地区行政公署", "大兴安岭地区", "prefecture"),
    ("锡林郭勒盟2024年政府工作报告", "锡林郭勒盟", "prefecture"),
    ("凉山彝族自治州人民政府", "凉山彝族自治州", "prefecture"),
    ("天门市人民政府工作报告", "天门市", "county"),
])
def test_find_governments_in_titles(text, name, level):
    [(start, end, division)] = geo.find_governments(text)
    assert (division.name, division.level) == (name, level)
    assert text[start:end] in (division.name, division.short_name, division.short_name + "州")


def test_find_governments_compounds_and_ambiguity():
    found = geo.find_governments("北京市朝阳区人民政府")
    assert [(s, e, d.name, d.prefecture) for s, e, d in found] == [(0, 6, "朝阳区", "北京市")]
    assert [(s, e, d.name) for s, e, d in geo.find_governments("北京市朝阳区", compounds=False)] == \
        [(0, 3, "北京市"), (3, 6, "朝阳区")]
    assert [(s, e, d.prefecture) for s, e, d in geo.find_governments("与北京朝阳区合作")] == [(1, 6, "北京市")]
    assert [(s, e, d.name) for s, e, d in geo.find_governments("浙江省杭州市西湖区人民政府")] == [(0, 9, "西湖区")]
    assert [d.name for _, _, d in geo.find_governments("湖北恩施州恩施市")] == ["恩施市"]
    assert geo.find_governments("鼓楼区人民政府") == []  # 南京, 徐州, 福州, 开封: none rather than a wrong one
    assert len(geo.find_governments("鼓楼区人民政府", keep_ambiguous=True)) == 4
    assert [d.prefecture for _, _, d in geo.find_governments("鼓楼区人民政府", within="福建省")] == ["福州市"]
    assert [d.prefecture for _, _, d in geo.find_governments("福州市人民政府办公厅，鼓楼区")] == ["福州市", "福州市"]


def test_find_governments_longest_first_and_sorted():
    found = geo.find_governments("内蒙古自治区和宁夏回族自治区、长沙市区")
    assert [d.name for _, _, d in found] == ["内蒙古自治区", "宁夏回族自治区", "长沙市"]
    assert [s for s, _, _ in found] == sorted(s for s, _, _ in found)
    assert geo.find_governments("") == []


@pytest.mark.parametrize("text", [
    "城区人口持续增长", "示范县创建，提高县域经济", "打造世界级滨海城市", "南昌都市圈", "3万山区群众",
    "新增城区绿地", "推进渝北区域物流", "南部县区学校", "新县城建设", "老城区改造",
])
def test_find_governments_skips_everyday_words(text):
    assert geo.find_governments(text) == []


def test_find_governments_keeps_short_names_when_government_follows():
    assert [d.name for _, _, d in geo.find_governments("涉县人民政府")] == ["涉县"]
    assert [d.name for _, _, d in geo.find_governments("涉县2024年政府工作报告")] == ["涉县"]
    assert [d.name for _, _, d in geo.find_governments("沛县市场监督管理局")] == ["沛县"]
    assert [d.prefecture for _, _, d in geo.find_governments("阳泉市城区人民政府")] == ["阳泉市"]
    assert [d.name for _, _, d in geo.find_governments("海城市人民政府")] == ["海城市"]


# --------------------------------------------------------------------------- provinces

def test_province_abbreviations():
    provinces = [p for p in geo.provinces() if p.in_divisions]
    abbreviations = [geo.province_abbreviation(p.name) for p in provinces]
    assert len(provinces) == 31 and len(set(abbreviations)) == 31
    assert all(len(a) == 1 for a in abbreviations)
    assert "".join(abbreviations) == "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔滇藏陕甘青宁新"
    assert geo.province_abbreviation("浙江") == "浙" == geo.province_abbreviation("浙江省")
    assert geo.province_abbreviation("内蒙古") == "蒙" and geo.province_abbreviation("贵州省") == "黔"
    assert geo.province_abbreviation("云南") == "滇" and geo.province_abbreviation("香港") == "港"
    with pytest.raises(KeyError):
        geo.province_abbreviation("梅州市")


def test_provinces_csv(rows):
    provinces = geo.provinces()
    assert [p.name for p in provinces if not p.in_divisions] == ["台湾省", "香港特别行政区", "澳门特别行政区"]
    covered = {(p.code, p.name, p.short_name) for p in provinces if p.in_divisions}
    assert covered == {(r["code"], r["name"], r["short_name"]) for r in rows if r["level"] == "province"}
    positions = [(p.row, p.col) for p in provinces]
    assert len(set(positions)) == len(positions) == 34
    assert all(0 <= row < 8 and 0 <= col < 7 for row, col in positions)
    grid = {(p.row, p.col): p.short_name for p in provinces}
    assert grid[(0, 6)] == "黑龙江" and grid[(2, 0)] == "新疆" and grid[(7, 2)] == "海南"
    assert {p.alt_abbreviation for p in provinces} == {"", "蜀", "贵", "云", "秦", "陇"}
