"""Derive ``prefectures.csv`` from cpca's ``adcodes.csv`` (cpca 0.5.5, MIT licence).

Usage::

    python data/geo/build_prefectures.py /path/to/cpca/resources/adcodes.csv

cpca's adcodes are 12 digits, ``PP CC DD 000000`` (province, prefecture, county).
Kept rows, each with the province (``PP0000000000``) it belongs to:

* prefecture-level units: ``CC`` not ``00``/``90``, ``DD == 00``, named …市, …自治州, …地区 or …盟;
* the four municipalities (北京市, 天津市, 上海市, 重庆市), whose province is themselves;
* county-level cities and 林区 administered directly by a province (``CC == 90``,
  e.g. 天门市, 潜江市, 济源市): they belong to no prefecture, so they stand in for one.

``short_name`` drops the administrative suffix and, for 自治州, the ethnic names
(梅州市→梅州, 凉山彝族自治州→凉山, 大兴安岭地区→大兴安岭, 锡林郭勒盟→锡林郭勒).
The table is written next to this script, sorted by adcode.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "prefectures.csv"
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PREFECTURE_SUFFIX = re.compile(r"(?:市|自治州|地区|盟)$")
DIRECT_SUFFIX = re.compile(r"(?:市|林区)$")
#: China's 55 minority nationalities, as they appear in the names of 自治州.
ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
    "景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|"
    "保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
TRAILING_ETHNIC = re.compile(rf"(?:{ETHNIC})族?$")


def short_name(name: str) -> str:
    """The name without its administrative suffix (and, for a 自治州, its ethnic names)."""
    if name.endswith("自治州"):
        base = name[: -len("自治州")]
        while (stripped := TRAILING_ETHNIC.sub("", base)) != base and len(stripped) >= 2:
            base = stripped
        return base
    return re.sub(r"(?:市|地区|盟|林区)$", "", name)


def build(adcodes_csv: Path) -> list[dict[str, str]]:
    """Rows ``adcode, name, short_name, province`` for every city-level unit in cpca's table."""
    with open(adcodes_csv, encoding="utf-8", newline="") as handle:
        units = {row["adcode"]: row["name"] for row in csv.DictReader(handle)}
    provinces = {code[:2]: name for code, name in units.items() if code[2:] == "0000000000"}
    rows = []
    for code, name in units.items():
        province, prefecture, county = code[:2], code[2:4], code[4:6]
        if name in MUNICIPALITIES and code[2:] == "0000000000":
            keep = True
        elif prefecture == "90":
            keep = county != "00" and bool(DIRECT_SUFFIX.search(name))
        else:
            keep = prefecture != "00" and county == "00" and bool(PREFECTURE_SUFFIX.search(name))
        if keep:
            rows.append({"adcode": code, "name": name, "short_name": short_name(name),
                         "province": provinces[province]})
    return sorted(rows, key=lambda row: row["adcode"])


def main(argv: list[str]) -> None:
    """Write ``prefectures.csv`` from the cpca csv named on the command line."""
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} PATH/TO/cpca/resources/adcodes.csv")
    rows = build(Path(argv[1]))
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["adcode", "name", "short_name", "province"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main(sys.argv)
