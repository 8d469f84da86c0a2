"""toolkit.export and ``python -m toolkit export``: every table in every format read back equal (Parquet,
CSV, Stata .dta 118, Excel within its cell limit, the R hand-off against scipy's reader and R itself
where it is installed), the codebook and the manifest, byte-identical output, and the bad inputs: a
non-empty folder, an unknown format, a write that fails (disk full, a read-only folder) leaving no file
under its final name and no temporary file."""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import scipy.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import cli, load_corpus, paths
from toolkit import export as ex
from toolkit.export import (EXCEL_CELL_LIMIT, EXPORT_FORMATS, EXPORT_MARKER, SPECS, TABLES, ExportError, build,
                            excel_text,
                            export, parse_formats, stata_name, stata_names, write)
from toolkit.themes import load_lexicon
from toolkit.tokenize import Tokenizer
from toolkit.topics import KSelection, TopicModel, documents

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STATA_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
#: Small, fast topic settings for the tests (the default chooses k over 2-20 with 20 samples each).
FAST = {"k": 3, "n_samples": 3, "n_jobs": 1, "cache": False}
DOCS = paths.PROJECT_ROOT / "docs" / "export.md"


# --------------------------------------------------------------------------- material
def panel_reports(folder: Path) -> Path:
    """Two reports of one city for consecutive years (targets met or not, promises followed through),
    the second longer than an Excel cell (a 38,000-character text), described by a metadata.csv."""
    folder.mkdir(parents=True, exist_ok=True)

    def report(year, review, plans, filler=0):
        return "\n".join([
            f"甲市人民政府{year + 1}年政府工作报告", "各位代表：现在，我代表市人民政府，向大会报告工作，请予审议。",
            f"一、{year}年工作回顾", *review,
            *(["全市上下团结一心，扎实推进各项工作，经济社会发展取得新成效，人民群众获得感幸福感安全感持续增强。" * 4]
              * filler),
            "二、存在的问题", "我们也清醒看到，工作中还存在一些问题和不足：一是经济下行压力较大；二是数据孤岛问题依然存在；"
            "三是营商环境仍需优化。",
            f"三、{year + 1}年工作安排", *plans]) + "\n"

    (folder / "jia2020.txt").write_text(report(
        2020, ["2020年地区生产总值增长5.1%，一般公共预算收入增长3%。", "新建改建农村公路二百公里，具备条件的建制村全部通硬化路。"],
        ["2021年地区生产总值预期增长6%左右，居民消费价格涨幅控制在3%左右。",
         "全面推进农村公路建设，新建改建农村公路二百公里，实现具备条件的建制村通硬化路。",
         "深化放管服改革，推动更多政务服务事项一网通办，打破数据孤岛，优化营商环境。"]), encoding="utf-8")
    (folder / "jia2021.txt").write_text(report(
        2021, ["2021年地区生产总值增长6.5%，居民消费价格上涨2.1%。", "新建改建农村公路二百公里，建制村全部通硬化路，农村公路建设全面推进。",
               "政务服务事项一网通办，营商环境持续优化。"],
        ["2022年地区生产总值预期增长5.5%左右。", "继续推进乡村振兴，巩固拓展脱贫攻坚成果。"], filler=200), encoding="utf-8")
    (folder / "metadata.csv").write_text("file,level,government,year_under_review\njia2020.txt,prefecture,甲市人民政府,2020\n"
                                         "jia2021.txt,prefecture,甲市人民政府,2021\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer(cache=False)


@pytest.fixture(scope="module")
def seed_export(seeds, tokenizer, tmp_path_factory):
    """The seeds exported once in every format."""
    to = tmp_path_factory.mktemp("seeds") / "export"
    return export(seeds, to, "all", tokenizer=tokenizer, **FAST), to


@pytest.fixture(scope="module")
def panel(tokenizer, tmp_path_factory):
    """The two-year synthetic city exported once in every format: targets, follow-through, a long text."""
    corpus = load_corpus(panel_reports(tmp_path_factory.mktemp("panel") / "reports"))
    to = tmp_path_factory.mktemp("panel") / "export"
    return export(corpus, to, "all", tokenizer=tokenizer, k=2, n_samples=2, n_jobs=1, cache=False), to


@pytest.fixture(params=["seeds", "panel"])
def exported(request):
    return request.getfixturevalue("seed_export" if request.param == "seeds" else "panel")


def codebook_types(result, name) -> dict[str, str]:
    return {c.name: c.type for c in result.specs[name].columns}


def no_missing_text(table: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """``table`` as a format without missing text has it: missing text → ''."""
    out = table.copy()
    for column, kind in types.items():
        if kind == "string":
            out[column] = out[column].astype(object).where(out[column].notna(), "")
    return out


def same(a: pd.DataFrame, b: pd.DataFrame, types: dict[str, str]) -> None:
    """Equal column by column: text as text, integers and booleans as numbers, floats to 1e-12."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for column, kind in types.items():
        x, y = a[column].reset_index(drop=True), b[column].reset_index(drop=True)
        if kind == "string":
            assert x.astype(object).tolist() == y.astype(object).tolist(), column
        else:
            xv = pd.to_numeric(x.astype(object).where(x.notna(), np.nan), errors="raise").astype(float).to_numpy()
            yv = pd.to_numeric(y.astype(object).where(y.notna(), np.nan), errors="raise").astype(float).to_numpy()
            np.testing.assert_allclose(xv, yv, rtol=1e-12, atol=0, equal_nan=True, err_msg=column)


# --------------------------------------------------------------------------- tables and codebook
def test_every_table_is_written_in_every_format(seed_export):
    result, to = seed_export
    names = {p.name for p in to.iterdir()}
    expected = {f"{t}.{suffix}" for t in TABLES for suffix in ("parquet", "csv", "dta")}
    expected |= {"tables.xlsx", "dtm.mtx", "vocab.txt", "docvars.csv", "codebook.md", "codebook.json",
                 "MANIFEST.json", EXPORT_MARKER}
    assert names == expected  # and nothing else: no temporary file left
    assert [p.name for p in result.files][-1] == "MANIFEST.json"


def test_tables_have_exactly_the_codebook_columns_and_types(exported):
    result, _ = exported
    for name in TABLES:
        table, spec = result.tables[name], result.specs[name]
        assert list(table.columns) == spec.names, name
        for c in spec.columns:
            dtype = str(table[c.name].dtype)
            assert dtype == {"string": "str", "integer": "Int64", "float": "float64", "boolean": "boolean"}[c.type], \
                (name, c.name, dtype)


def test_codebook_describes_every_column_with_a_valid_stata_name(seed_export):
    result, to = seed_export
    book = json.loads((to / "codebook.json").read_text(encoding="utf-8"))
    described = {t["table"]: t for t in book["tables"]}
    assert list(described) == [*TABLES, "docvars"]
    for name in TABLES:
        columns = described[name]["columns"]
        assert [c["column"] for c in columns] == list(result.tables[name].columns)
        stata = [c["stata"] for c in columns]
        assert len(set(stata)) == len(stata)
        for c in columns:
            assert c["type"] in ex.TYPES and c["label_zh"] and c["label_en"] and c["meaning"], c
            assert STATA_NAME.match(c["stata"]) and c["stata"] not in ex._STATA_RESERVED
            assert len(f"{c['label_zh']} / {c['label_en']}") <= ex.STATA_LABEL_LIMIT, c
    assert [c["column"] for c in described["docvars"]["columns"]] == list(ex.DOCVARS_COLUMNS)
    markdown = (to / "codebook.md").read_text(encoding="utf-8")
    assert "utf-8-sig" in markdown and "GBK" in markdown  # the CSV's BOM and why
    assert "strL" in markdown and "32,767" in markdown and "_truncated" in markdown
    for name in TABLES:
        assert f"## {name} (" in markdown
    assert markdown.count("\n| ") >= sum(len(t["columns"]) for t in book["tables"])
    # the unit_topics columns follow the model: one per topic, with its label
    k = len(result.tables["topics"])
    assert [c for c in result.tables["unit_topics"].columns if c.startswith("topic_")] == [f"topic_{t}" for t in range(k)]


def test_tables_agree_with_the_corpus(seed_export, seeds):
    result, _ = seed_export
    units, tokens = result.tables["units"], result.tables["tokens"]
    assert len(result.tables["reports"]) == len(seeds.reports) and len(units) == len(seeds.units)
    assert units["unit"].tolist() == list(range(1, len(units) + 1))
    assert units["unit_id"].is_unique
    texts = seeds.reports.set_index("report_id")["text"]
    for u in units.sample(20, random_state=0).itertuples():
        assert texts[u.report_id][u.start:u.end] == u.text  # offsets into the cleaned text
    assert tokens.groupby("unit").size().reindex(units["unit"], fill_value=0).tolist() == units["n_tokens"].tolist()
    first = tokens[tokens["unit"] == units.loc[units["n_tokens"].idxmax(), "unit"]]
    assert first["position"].tolist() == list(range(len(first)))
    matches = result.tables["theme_matches"]
    assert all(texts[m.report_id][m.start:m.end] == m.match for m in matches.itertuples())
    assert not result.tables["reports"]["path"].str.startswith("/").any()  # relative to the corpus folder
    assert set(result.tables["theme_prevalence"]["theme"]) == set(load_lexicon().ids)  # every theme, zeros too
    weights = result.tables["unit_topics"]
    shares = weights[[c for c in weights.columns if c.startswith("topic_")]]
    np.testing.assert_allclose(shares[~weights["no_terms"]].sum(axis=1), 1.0)


def test_targets_and_follow_through_are_filled_when_the_corpus_has_them(panel):
    result, _ = panel
    targets, follow = result.tables["targets"], result.tables["follow_through"]
    assert len(targets) and len(follow) and "targets" not in result.notes and "follow_through" not in result.notes
    gdp = targets[(targets["indicator"] == "gdp_growth") & (targets["year"] == 2021)].iloc[0]
    assert (gdp["target_value"], gdp["outcome_value"], gdp["verdict"]) == (6.0, 6.5, "met")
    assert gdp["target_report"] == "jia2020" and "6%左右" in gdp["target_text"]
    texts = result.tables["reports"].set_index("report_id")["text"]
    assert texts["jia2020"][gdp["target_start"]:gdp["target_end"]] == gdp["target_text"]
    assert set(follow["label"]) <= {"reported", "weak", "not_mentioned"}
    assert follow["plan_themes"].str.contains("data_silos").any()  # a list as space-joined ids


def test_empty_tables_keep_their_columns_and_the_manifest_says_why(seed_export):
    result, to = seed_export
    manifest = json.loads((to / "MANIFEST.json").read_text(encoding="utf-8"))
    for name in ("targets", "follow_through"):  # the seeds are bureau reports: no GDP target, one year each
        assert result.tables[name].empty and list(result.tables[name].columns) == SPECS[name].names
        assert manifest["tables"][name]["rows"] == 0 and manifest["tables"][name]["note"]
        assert list(pd.read_parquet(to / f"{name}.parquet").columns) == SPECS[name].names
        assert pd.read_csv(to / f"{name}.csv", encoding="utf-8-sig").columns.tolist() == SPECS[name].names
        frame, meta = pyreadstat.read_dta(to / f"{name}.dta")
        assert frame.empty and list(meta.column_names) == list(stata_names(SPECS[name].names).values())


# --------------------------------------------------------------------------- round trips
def test_parquet_round_trip(exported):
    result, to = exported
    for name in TABLES:
        back = pd.read_parquet(to / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, result.tables[name], check_exact=True)


def test_csv_round_trip_utf8_with_bom(exported):
    result, to = exported
    for name in TABLES:
        raw = (to / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
        types = codebook_types(result, name)
        dtypes = {c: {"string": str, "integer": "Int64", "float": "float64", "boolean": "boolean"}[t]
                  for c, t in types.items()}
        back = pd.read_csv(to / f"{name}.csv", encoding="utf-8-sig", dtype=dtypes, keep_default_na=False,
                           na_values={c: [""] for c, t in types.items() if t != "string"})
        same(back, no_missing_text(result.tables[name], types), types)


def test_stata_round_trip_release_118_with_labels_and_strl(exported):
    result, to = exported
    for name in TABLES:
        path = to / f"{name}.dta"
        assert path.read_bytes().startswith(b"<stata_dta><header><release>118</release>")
        frame, meta = pyreadstat.read_dta(path)
        spec = result.specs[name]
        names = stata_names(spec.names)
        assert list(frame.columns) == [names[c] for c in spec.names]
        assert meta.column_names_to_labels == {names[c.name]: f"{c.zh} / {c.en}" for c in spec.columns}
        assert meta.file_label == f"{name}: {spec.zh} / {spec.en}"
        table = result.tables[name]
        for c in spec.columns:  # a text over 2,045 bytes makes its column a strL (storage width 0)
            if c.type == "string" and len(table) and table[c.name].fillna("").str.encode("utf-8").str.len().max() > 2045:
                assert meta.variable_storage_width[names[c.name]] == 0, (name, c.name)
        frame.columns = spec.names
        types = codebook_types(result, name)
        same(frame, no_missing_text(table, types), types)
    assert any(meta.variable_storage_width.get("text") == 0 for meta in
               [pyreadstat.read_dta(to / "reports.dta", metadataonly=True)[1]])


def xlsx_sheet(wb, name) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(values_only=True))
    width = len(rows[0])  # a read-only sheet leaves out a row's trailing empty cells
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows[1:]], columns=rows[0])


@contextmanager
def workbook(path: Path, read_only: bool = True):
    wb = openpyxl.load_workbook(path, read_only=read_only)
    try:
        yield wb
    finally:
        wb.close()


def test_excel_round_trip_within_the_cell_limit(exported):
    """Every sheet equals its table, up to what a cell can hold: a text cut at 32,767 characters (marked),
    and an empty text read back as an empty cell (None), as a missing one is."""
    result, to = exported
    with workbook(to / "tables.xlsx") as wb:
        sheets = {name: xlsx_sheet(wb, name) for name in wb.sheetnames}
    assert list(sheets) == ["codebook", *TABLES]
    for name in TABLES:
        if name == "tokens":
            continue
        sheet, table = sheets[name], result.tables[name]
        types = codebook_types(result, name)
        for column, kind in types.items():
            if kind == "string" and f"{column}_truncated" in sheet.columns:
                full = table[column].fillna("")
                cut = sheet.pop(f"{column}_truncated").astype(bool)
                assert cut.tolist() == (full.str.len() > EXCEL_CELL_LIMIT).tolist()
                assert (sheet[column].fillna("").str.len() <= EXCEL_CELL_LIMIT).all()
                assert [f.startswith(s) for f, s in zip(full, sheet[column].fillna(""))] == [True] * len(full)
                sheet[column] = [s if not c else f for s, c, f in zip(sheet[column], cut, table[column])]
        assert list(sheet.columns) == list(table.columns)
        same(no_missing_text(sheet, types), no_missing_text(table, types), types)
    tokens = sheets["tokens"]
    long = tokens.assign(token=tokens["tokens"].fillna("").str.split(" ")).explode("token")
    long = long[long["n_tokens"] > 0]
    assert long["token"].tolist() == result.tables["tokens"]["token"].tolist()
    assert long["unit"].tolist() == result.tables["tokens"]["unit"].tolist()


def test_excel_has_the_codebook_first_a_header_and_frozen_panes(seed_export):
    result, to = seed_export
    with workbook(to / "tables.xlsx", read_only=False) as wb:
        assert wb.sheetnames[0] == "codebook"
        assert all(len(n) <= 31 for n in wb.sheetnames)
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2", ws.title
        book = xlsx_sheet(wb, "codebook")
        header = list(next(wb["units"].iter_rows(max_row=1, values_only=True)))
    assert list(book.columns[:3]) == ["table", "column", "type"]
    assert len(book) == sum(len(t["columns"]) for t in result.codebook["tables"])
    assert header == list(result.tables["units"].columns)


def test_a_text_longer_than_an_excel_cell_is_cut_and_marked(panel):
    result, to = panel
    reports = result.tables["reports"].set_index("report_id")
    assert len(reports.loc["jia2021", "text"]) > EXCEL_CELL_LIMIT  # the material is what the test needs
    with workbook(to / "tables.xlsx") as wb:
        sheet = xlsx_sheet(wb, "reports").set_index("report_id")
    assert sheet["text_truncated"].tolist() == [False, True]  # jia2020, jia2021
    assert sheet.loc["jia2021", "text"] == reports.loc["jia2021", "text"][:EXCEL_CELL_LIMIT]
    assert list(sheet.columns).index("text_truncated") == list(sheet.columns).index("text") + 1


def test_characters_excel_refuses_are_replaced_one_for_one_and_counted(seed_export, tmp_path):
    result, _ = seed_export
    units = result.tables["units"].copy()
    units.loc[0, "text"] = "a\x01b\x1fc"
    tables = dict(result.tables, units=units)
    altered = ex.Export(tables, result.notes, result.specs, result.dtm, result.vocab, result.docvars,
                        dict(result.manifest))
    write(altered, tmp_path / "x", "xlsx")
    with workbook(tmp_path / "x" / "tables.xlsx") as wb:
        sheet = xlsx_sheet(wb, "units")
    assert sheet.loc[0, "text"] == "a\ufffdb\ufffdc"
    manifest = json.loads((tmp_path / "x" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["xlsx"]["replaced_characters"] == {"units.text": 2}


def test_a_table_longer_than_a_sheet_continues_on_the_next(seed_export, tmp_path, monkeypatch):
    result, _ = seed_export
    monkeypatch.setattr(ex, "EXCEL_ROW_LIMIT", 51)  # 50 rows per sheet
    write(result, tmp_path / "x", "xlsx")
    with workbook(tmp_path / "x" / "tables.xlsx") as wb:
        parts = [n for n in wb.sheetnames if n == "units" or n.startswith("units_")]
        joined = pd.concat([xlsx_sheet(wb, n) for n in parts], ignore_index=True)
    assert parts == ["units", "units_2", "units_3"]  # 144 units
    assert joined["unit"].tolist() == result.tables["units"]["unit"].tolist()


# --------------------------------------------------------------------------- the R hand-off
def test_r_handoff_against_scipys_reader(exported):
    result, to = exported
    matrix = scipy.io.mmread(to / "dtm.mtx")
    assert (to / "dtm.mtx").read_text(encoding="ascii").startswith("%%MatrixMarket matrix coordinate integer general")
    assert np.issubdtype(matrix.dtype, np.integer)
    vocab = (to / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    docvars = pd.read_csv(to / "docvars.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    units, tokens = result.tables["units"], result.tables["tokens"]
    assert matrix.shape == (len(units), len(vocab)) and vocab == sorted(vocab) and len(set(vocab)) == len(vocab)
    assert docvars["unit"].astype(int).tolist() == units["unit"].tolist()
    assert docvars["unit_id"].tolist() == units["unit_id"].tolist()
    assert list(docvars.columns) == list(ex.DOCVARS_COLUMNS)
    counts = tokens.groupby(["unit", "token"]).size()
    column = {t: j for j, t in enumerate(vocab)}
    expected = np.zeros(matrix.shape, dtype=np.int64)
    for (unit, token), n in counts.items():
        expected[unit - 1, column[token]] = n
    np.testing.assert_array_equal(matrix.toarray(), expected)


def r_snippet() -> str:
    """The R code of docs/export.md: the fenced block after '<!-- r-handoff -->'."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"<!-- r-handoff -->\s*```r\n(.*?)```", text, re.S)
    assert block, "docs/export.md holds the R snippet after <!-- r-handoff -->"
    return block.group(1)


def r_has(*packages: str) -> list[str]:
    """The R packages of ``packages`` that are not installed."""
    code = "cat(Filter(function(p) !requireNamespace(p, quietly = TRUE), commandArgs(TRUE)), sep = '\\n')"
    done = subprocess.run(["Rscript", "-e", code, *packages], capture_output=True, text=True, timeout=120)
    return [p for p in done.stdout.split() if p]


def test_the_readme_shows_the_r_snippet_of_the_docs():
    readme = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert r_snippet() in readme


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (no Rscript on PATH)")
def test_r_reads_the_handoff_with_matrix(seed_export, tmp_path):
    """The part of the snippet before quanteda: Matrix::readMM, vocab.txt and docvars.csv as dimnames."""
    result, to = seed_export
    if missing := r_has("Matrix"):
        pytest.skip(f"R package {', '.join(missing)} not installed")
    base = r_snippet().split("library(quanteda)")[0]
    check = base + ("\ncat(nrow(m), ncol(m), sum(m), length(unique(colnames(m))), rownames(m)[1], "
                    "docvars$kind[1], colnames(m)[ncol(m)], sep = '\\t')\n")
    script = tmp_path / "check.R"
    script.write_text(check, encoding="utf-8")
    done = subprocess.run(["Rscript", str(script)], cwd=to, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    rows, cols, total, distinct, first, kind, last = done.stdout.strip().split("\t")
    units = result.tables["units"]
    assert (int(rows), int(cols), int(total), int(distinct)) == (len(units), len(result.vocab),
                                                                 int(result.dtm.sum()), len(result.vocab))
    assert (first, kind, last) == (units.loc[0, "unit_id"], units.loc[0, "kind"], result.vocab[-1])


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed (no Rscript on PATH)")
def test_r_snippet_makes_a_quanteda_dfm_and_stm_input(seed_export, tmp_path):
    _, to = seed_export
    if missing := r_has("Matrix", "quanteda", "stm", "slam"):
        pytest.skip(f"R packages {', '.join(missing)} not installed: the quanteda/stm part of the snippet "
                    "cannot run here")
    script = tmp_path / "snippet.R"
    script.write_text(r_snippet() + "\nstopifnot(ndoc(d) > 0, length(prep$documents) > 0)\ncat('ok')\n",
                      encoding="utf-8")
    done = subprocess.run(["Rscript", str(script)], cwd=to, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.endswith("ok"), done.stderr


# --------------------------------------------------------------------------- manifest and determinism
def test_manifest_names_what_produced_the_numbers(seed_export):
    result, to = seed_export
    manifest = json.loads((to / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["toolkit"]["version"] == __import__("toolkit").__version__
    git = manifest["toolkit"]["git"]
    if shutil.which("git") and (paths.PROJECT_ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        assert git["commit"] == head and isinstance(git["dirty"], bool)
    # the corpus files and their sha256 are those of data/raw/manifest.csv
    seeds = pd.read_csv(paths.MANIFEST, dtype=str)
    assert manifest["corpus"]["root"] == "raw"
    assert {(f["file"], f["sha256"]) for f in manifest["corpus"]["files"]} == set(zip(seeds["file"], seeds["sha256"]))
    for name, path in (("themes", paths.LEXICON_DIR / "themes.toml"), ("indicators", paths.LEXICON_DIR / "indicators.toml")):
        assert manifest["lexicons"][name] == {"file": f"data/lexicon/{path.name}",
                                              "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert manifest["lexicons"]["tokenizer"]["fingerprint"] == Tokenizer(cache=False).fingerprint
    topics = manifest["parameters"]["topics"]
    assert (topics["k"], topics["random_state"], topics["n_samples"]) == (3, 0, 3)
    assert topics["kinds"] == ["problems", "plans"] and topics["model"]["n_components"] == 3
    assert {n: t["rows"] for n, t in manifest["tables"].items()} == {n: len(t) for n, t in result.tables.items()}
    listed = {f["file"]: f for f in manifest["files"]}
    assert set(listed) == {p.name for p in to.iterdir()} - {"MANIFEST.json", EXPORT_MARKER}
    for name, f in listed.items():
        data = (to / name).read_bytes()
        assert (f["bytes"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert manifest["formats"] == list(EXPORT_FORMATS)


def test_no_file_holds_a_machine_path_or_the_time(seed_export):
    _, to = seed_export
    for path in to.iterdir():
        if path.suffix in (".csv", ".json", ".md", ".txt", ".mtx"):
            text = path.read_text(encoding="utf-8-sig")
            assert str(paths.PROJECT_ROOT) not in text and "/tmp" not in text, path.name
    head = (to / "reports.dta").read_bytes()[:200]
    assert b"<timestamp>\x1101 Jan 1980 00:00</timestamp>" in head
    with zipfile.ZipFile(to / "tables.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert "1980-01-01T00:00:00Z" in core and str(pd.Timestamp.now().year) not in core


def test_same_input_gives_the_same_bytes(seed_export, tmp_path):
    result, first = seed_export
    write(result, tmp_path / "again", "all")
    for path in first.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_second_build_gives_the_same_tables(seed_export, seeds, tokenizer):
    result, _ = seed_export
    again = build(seeds, tokenizer=tokenizer, **FAST)
    for name in TABLES:
        pd.testing.assert_frame_equal(again.tables[name], result.tables[name], check_exact=True)


# --------------------------------------------------------------------------- topics
def test_a_selection_or_a_model_can_be_passed(seeds, tokenizer, seed_export):
    docs = documents(seeds.units, tokenizer)
    selection = KSelection(range(2, 4), n_samples=2, random_state=0).fit(docs)
    result = build(seeds, model=selection, tokenizer=tokenizer)
    topics = result.tables["topics"]
    assert len(topics) == selection.k_ and topics["stability"].notna().all()
    assert topics["terms"].tolist() == [" ".join(t) for t in selection.topic_table()["terms"]]
    assert result.manifest["parameters"]["topics"]["k_rule"] == selection.rule_
    model = TopicModel(2, random_state=0).fit(docs)
    result = build(seeds, model=model, tokenizer=tokenizer)
    assert result.tables["topics"]["stability"].isna().all() and result.tables["topics"]["coherence"].notna().all()
    assert "stability not measured" in result.notes["topics"]
    assert len(result.tables["unit_topics"]) == len(docs)
    with pytest.raises(TypeError, match="KSelection or TopicModel"):
        build(seeds, model="k=3", tokenizer=tokenizer)


def test_too_many_topics_leaves_the_topic_tables_empty_and_says_why(tokenizer, tmp_path):
    corpus = load_corpus(sorted(paths.RAW_DIR.glob("*.txt"))[0])
    result = build(corpus, k=500, n_samples=2, n_jobs=1, cache=False, tokenizer=tokenizer)
    assert result.tables["topics"].empty and result.tables["unit_topics"].empty
    assert result.notes["topics"].startswith("no topics fitted:") and "500" in result.notes["topics"]
    assert len(result.tables["units"]) > 0  # the rest is exported


# --------------------------------------------------------------------------- the specs: one source
def owners() -> dict:
    """Each table's spec, taken from the module that produces the table (not from toolkit.export)."""
    from toolkit import dataset, followthrough, sections, targets, themes, tokenize, topics

    return {"reports": dataset.REPORTS_SPEC, "sections": sections.SECTIONS_SPEC, "units": sections.UNITS_SPEC,
            "tokens": tokenize.TOKENS_SPEC, "theme_matches": themes.THEME_MATCHES_SPEC,
            "theme_prevalence": themes.THEME_PREVALENCE_SPEC, "topics": topics.TOPICS_SPEC,
            "unit_topics": topics.UNIT_TOPICS_SPEC, "targets": targets.TARGETS_SPEC,
            "follow_through": followthrough.FOLLOW_THROUGH_SPEC}


def described(spec) -> list[dict]:
    """A spec's columns as the codebook should describe them."""
    names = stata_names(spec.names)
    return [{"column": c.name, "type": c.type, "stata": names[c.name], "label_zh": c.zh, "label_en": c.en,
             "meaning": c.meaning, "values": c.values, "rule": c.rule or spec.made_by} for c in spec.columns]


def test_every_table_has_exactly_the_columns_of_its_owners_spec(exported):
    result, to = exported
    book = {t["table"]: t for t in json.loads((to / "codebook.json").read_text(encoding="utf-8"))["tables"]}
    k = len(result.tables["topics"])
    for name, spec in owners().items():
        assert SPECS[name] is spec, name  # the export describes the table by its owner's spec, not a copy
        if name == "unit_topics":  # the owner's columns, then one share per topic of the model
            from toolkit.topics import topic_share_columns

            spec = spec.with_columns(topic_share_columns(k, result.tables["topics"]["label"].tolist()))
        assert list(result.tables[name].columns) == spec.names, name
        assert list(pd.read_parquet(to / f"{name}.parquet").columns) == spec.names, name
        assert book[name]["columns"] == described(spec), name
        assert (book[name]["made_by"], book[name]["key"]) == (spec.made_by, list(spec.key)), name


def test_the_codebook_is_generated_from_the_specs(seed_export):
    """A column added to an owner's spec is in the codebook (JSON, Markdown, the workbook's first sheet) with
    its type, labels, meaning and Stata name; the unit id's rule is the function that makes it."""
    from toolkit.schema import Column

    result, _ = seed_export
    added = Column("reading_ease", "float", "易读度", "reading ease", "a column a future version adds", "0–1",
                   "toolkit.sections.reading_ease")
    specs = dict(result.specs, units=owners()["units"].with_columns([added]))
    book = ex.codebook(specs)
    units = next(t for t in book["tables"] if t["table"] == "units")
    assert units["columns"][-1] == described(specs["units"])[-1] == {
        "column": "reading_ease", "type": "float", "stata": "reading_ease", "label_zh": "易读度",
        "label_en": "reading ease", "meaning": "a column a future version adds", "values": "0–1",
        "rule": "toolkit.sections.reading_ease"}
    assert "| reading_ease | float | reading_ease | 易读度 | reading ease | a column a future version adds | 0–1 | " \
           "toolkit.sections.reading_ease |" in ex.codebook_markdown(book)
    tables = dict(result.tables, units=result.tables["units"].assign(reading_ease=0.5))
    altered = ex.Export(tables, result.notes, specs, result.dtm, result.vocab, result.docvars, dict(result.manifest))
    assert ["units", "reading_ease", "float"] in [row[:3] for row in ex.excel_sheets(altered)[0][2]]
    # the owner's spec itself is unchanged
    assert "reading_ease" not in [c["column"] for c in ex.codebook(result.specs)["tables"][2]["columns"]]
    unit_id = next(c for c in units["columns"] if c["column"] == "unit_id")
    assert unit_id["rule"] == "toolkit.sections.unit_id"


def test_the_stored_stages_take_their_types_from_the_specs(seeds):
    """The types the spine stores its tables with are the specs' (one source): the dicts, and the Parquet
    schema of the stored parts."""
    import pyarrow as pa

    from toolkit import dataset, sections, themes
    from toolkit.pipeline import Spine

    specs = owners()
    assert sections.SECTION_TYPES == specs["sections"].types(sections.SECTION_COLUMNS)
    assert sections.UNIT_TYPES == specs["units"].types(sections.UNIT_COLUMNS)
    assert dataset.REPORT_TYPES == specs["reports"].types() and dataset.REPORT_COLUMNS == specs["reports"].names
    assert dataset.CORPUS_UNIT_TYPES == specs["units"].types([*dataset.CORPUS_UNIT_COLUMNS, dataset.UNIT_PAGE_COLUMN])
    assert themes.MATCH_TYPES == specs["theme_matches"].types(themes.MATCH_COLUMNS)
    arrow = {"string": pa.string(), "integer": pa.int64(), "float": pa.float64(), "boolean": pa.bool_()}
    stored_sections, stored_units = Spine(paths.RAW_DIR).segmented()
    for stage, spec in ((stored_sections, specs["sections"]), (stored_units, specs["units"])):
        schema = stage.dataset().schema
        assert {n: schema.field(n).type for n in schema.names} == {n: arrow[t] for n, t in spec.types(schema.names).items()}


def test_a_column_shared_by_tables_has_one_description():
    """The columns several tables carry (report, kind, offsets, the unit's number) are one object; a level
    or a genre allows the values the toolkit gives it."""
    from toolkit.corpus import GENRES, LEVELS
    from toolkit.schema import Column, TableSpec

    specs = owners()
    for name in ("report_id", "kind", "section_index", "unit_index", "start", "end"):
        for table in ("theme_matches", "unit_topics"):
            assert specs[table].column(name) is specs["units"].column(name), (table, name)
    for table in ("tokens", "theme_matches", "unit_topics"):
        assert specs[table].column("unit") == specs["tokens"].column("unit"), table
    assert specs["sections"].column("report_id") is specs["units"].column("report_id")
    levels = [spec.column("level") for spec in specs.values() if "level" in spec.names]
    assert len(levels) == 3 and {c.values for c in levels} == {", ".join(LEVELS)}
    assert specs["reports"].column("genre").values == ", ".join(GENRES)
    with pytest.raises(ValueError, match="type 'text' is none of string, integer, float, boolean"):
        Column("x", "text", "x", "x", "x")
    with pytest.raises(ValueError, match=r"its key \['y'\] is no column"):
        TableSpec("t", "t", "t", "t", ("y",), "", (Column("x", "string", "x", "x", "x"),))
    with pytest.raises(ValueError, match=r"table units lacks the columns \['unit'"):
        specs["units"].typed(pd.DataFrame({"text": ["x"]}))


# --------------------------------------------------------------------------- properties
@SETTINGS
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=60))
def test_stata_names_are_valid_distinct_short_and_deterministic(columns):
    names = stata_names(columns)
    values = [names[c] for c in dict.fromkeys(columns)]
    assert len(set(values)) == len(values)
    for value in values:
        assert STATA_NAME.match(value) and value not in ex._STATA_RESERVED and not re.fullmatch(r"str\d+", value)
    assert stata_names(columns) == names


def test_valid_names_keep_their_names_and_clashes_are_numbered():
    every = [c for spec in SPECS.values() for c in spec.names]
    assert all(stata_name(c) == c for c in every)  # the toolkit's own columns need no renaming
    assert stata_names(["年份", "地区", "x y", "x-y", "2020", "in", "_n", "a" * 40, "a" * 41]) == {
        "年份": "v__", "地区": "v___2", "x y": "x_y", "x-y": "x_y_2", "2020": "v2020", "in": "in_", "_n": "v_n",
        "a" * 40: "a" * 32, "a" * 41: "a" * 30 + "_2"}


CHUNKS = st.sampled_from(["中", "a", "\x01", "\x0b", "😀", "\n", "\t", "𠀀"])


@SETTINGS
@given(st.lists(st.tuples(CHUNKS, st.integers(1, 12_000)), max_size=6))
def test_excel_text_fits_a_cell_and_says_when_it_cut(parts):
    text = "".join(ch * n for ch, n in parts)
    cell, cut, replaced = excel_text(text)
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)
    assert replaced == len(text) - len(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text))
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", cell)
    units = len(cell.encode("utf-16-le")) // 2
    assert units <= EXCEL_CELL_LIMIT
    assert cleaned.startswith(cell)
    assert cut == (cell != cleaned)
    if cut:  # cut as late as the limit allows, never inside a surrogate pair
        nxt = cleaned[len(cell)]
        assert units + (2 if ord(nxt) > 0xFFFF else 1) > EXCEL_CELL_LIMIT


# --------------------------------------------------------------------------- bad input
def test_unknown_format_is_one_clear_error():
    assert parse_formats("all") == EXPORT_FORMATS and parse_formats("csv, DTA") == ("csv", "dta")
    assert parse_formats(["r", "parquet"]) == ("parquet", "r")
    with pytest.raises(ExportError, match=r"^unknown format 'xls': use parquet, csv, dta, xlsx, r or all "
                                          r"\(did you mean xlsx\?\)$"):
        parse_formats("csv,xls")
    with pytest.raises(ExportError, match="no format given"):
        parse_formats(" , ")


def test_a_non_empty_folder_is_refused_unless_overwrite(seed_export, tmp_path):
    result, _ = seed_export
    to = tmp_path / "x"
    to.mkdir()
    (to / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match=r"x: folder exists and is not empty; pass --overwrite") as info:
        write(result, to, "csv")
    assert "\n" not in str(info.value) and str(to) in str(info.value)
    assert [p.name for p in to.iterdir()] == ["notes.txt"]
    write(result, to, "all", overwrite=True)
    write(result, to, "parquet", overwrite=True)  # the earlier export's other formats go; the user's file stays
    assert {p.name for p in to.iterdir()} == {"notes.txt", "codebook.md", "codebook.json", "MANIFEST.json", EXPORT_MARKER,
                                              *(f"{t}.parquet" for t in TABLES)}
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ExportError, match="exists and is not a folder"):
        write(result, tmp_path / "file", "csv", overwrite=True)


def failing_writer(fmt: str, monkeypatch):
    """Make the writer of ``fmt`` write part of its file and then fail as a full disk does."""
    def fail_after_writing(path):
        with open(path, "wb") as f:
            f.write(b"half of a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    if fmt == "parquet":
        monkeypatch.setattr(pq, "write_table", lambda table, where, *a, **k: fail_after_writing(where))
        return "reports.parquet"
    if fmt == "dta":
        monkeypatch.setattr(pyreadstat, "write_dta", lambda frame, where, *a, **k: fail_after_writing(where))
        return "reports.dta"
    if fmt == "xlsx":  # the disk fills up after the sheets, at the styles
        real_writestr = ex._FixedTimeZip.writestr

        def writestr(self, name, data, *args, **kwargs):
            if name == "xl/styles.xml":
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_writestr(self, name, data, *args, **kwargs)
        monkeypatch.setattr(ex._FixedTimeZip, "writestr", writestr)
        return "tables.xlsx"
    real_open = open
    target = {"csv": "reports.csv", "r": "dtm.mtx"}[fmt]

    class Half:  # a file object whose write stores half the data, then fails
        def __init__(self, path):
            self.f = real_open(path, "wb")

        def write(self, data):
            self.f.write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def fake_open(path, mode="r", *args, **kwargs):
        if "w" in mode and Path(path).name.startswith(f".{target}."):  # the temporary file of the target
            return Half(path)
        return real_open(path, mode, *args, **kwargs)
    monkeypatch.setattr(ex, "open", fake_open, raising=False)
    return target


@pytest.mark.parametrize("fmt", ["parquet", "csv", "dta", "xlsx", "r"])
def test_a_failing_write_leaves_no_half_written_file(fmt, seed_export, tmp_path, monkeypatch):
    result, _ = seed_export
    to = tmp_path / "x"
    name = failing_writer(fmt, monkeypatch)
    with pytest.raises(ExportError) as info:
        write(result, to, fmt)
    assert str(info.value) == f"{to / name}: cannot write (No space left on device)"
    left = sorted(p.name for p in to.iterdir())
    assert name not in left and "MANIFEST.json" not in left
    assert not [n for n in left if n.endswith(".tmp")], left


def test_a_failing_write_keeps_the_earlier_file_whole(seed_export, tmp_path, monkeypatch):
    result, _ = seed_export
    to = tmp_path / "x"
    write(result, to, "parquet")
    before = (to / "reports.parquet").read_bytes()
    failing_writer("parquet", monkeypatch)
    with pytest.raises(ExportError):
        write(result, to, "parquet", overwrite=True)
    assert (to / "reports.parquet").read_bytes() == before  # the old file, whole
    assert not (to / "MANIFEST.json").exists()  # no manifest lies about a half-done export
    assert not [p for p in to.iterdir() if p.name.endswith(".tmp")]


def without_permission_override():
    """In a child process of root: drop the capabilities that let root write where permissions say no
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set, so the program it runs is held to
    a folder's permissions as any user is."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_cli(*args) -> subprocess.CompletedProcess:
    """``python -m toolkit ARGS`` in a child process, held to folder permissions even when run by root."""
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True, timeout=300,
                          cwd=paths.PROJECT_ROOT, preexec_fn=without_permission_override if os.geteuid() == 0 else None)


def test_a_read_only_folder_is_one_error_line_and_no_file(tmp_path):
    to = tmp_path / "locked"
    to.mkdir()
    to.chmod(0o555)
    one = str(sorted(paths.RAW_DIR.glob("*.txt"))[0])
    args = ("export", one, "--to", str(to), "--formats", "csv", "--k", "2", "--samples", "2", "--jobs", "1",
            "--no-cache")
    try:
        done = run_cli(*args)
    finally:
        to.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: export: {to / EXPORT_MARKER}: cannot write (Permission denied)\n"
    assert list(to.iterdir()) == []


def test_cli_export_writes_the_tables_and_prints_them(tmp_path, capsys):
    to = tmp_path / "out"
    one = str(sorted(paths.RAW_DIR.glob("*.txt"))[0])
    status = cli.main(["export", one, "--to", str(to), "--formats", "csv,r", "--k", "2", "--samples", "2",
                       "--jobs", "1", "--no-cache", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["formats"] == ["csv", "r"] and out["tables"]["units"]["rows"] > 0
    assert set(out["files"]) == {p.name for p in to.iterdir()} - {EXPORT_MARKER}
    assert "reports.csv" in out["files"] and "dtm.mtx" in out["files"] and "reports.parquet" not in out["files"]
    manifest = json.loads((to / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["topics"]["k"] == 2 and manifest["corpus"]["root"] == "raw"


@pytest.mark.parametrize("args, expected", [
    (["--formats", "xls"], "error: export: unknown format 'xls': use parquet, csv, dta, xlsx, r or all "
                           "(did you mean xlsx?)\n"),
    (["--formats", "stata"], "error: export: unknown format 'stata': use parquet, csv, dta, xlsx, r or all\n"),
    ([], "error: export: {to}: folder exists and is not empty; pass --overwrite (overwrite=True) to replace an "
         "earlier export's files\n"),
])
def test_cli_bad_input_is_one_line_with_status_2(args, expected, tmp_path, capsys):
    to = tmp_path / "busy"
    to.mkdir()
    (to / "x").write_text("x", encoding="utf-8")
    status = cli.main(["export", str(paths.RAW_DIR), "--to", str(to), *args])
    err = capsys.readouterr().err
    assert status == 2 and err == expected.format(to=to)


def test_cli_export_takes_the_reading_options_of_every_verb(tmp_path, capsys):
    parser = cli.parser()
    args = parser.parse_args(["export", "a.tsv", "--to", "x", "--skip-bad", "--input-format", "tsv", "--columns",
                              "year,text", "--max-mb", "5", "--keep-duplicates"])
    assert (args.skip_bad, args.input_format, args.columns, args.max_bytes, args.keep_duplicates, args.formats) == \
        (True, "tsv", ("year", "text"), 5_000_000, True, "parquet")
    status = cli.main(["export", str(tmp_path / "missing"), "--to", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "missing" in err
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


def test_a_token_holding_a_space_is_refused_not_written(seeds):
    class Spaced(Tokenizer):
        def tokenize_many(self, texts):
            return [["数据 孤岛"] if i == 0 else [] for i, _ in enumerate(texts)]
    with pytest.raises(ValueError, match="tokens holding whitespace"):
        build(seeds, tokenizer=Spaced(cache=False), **FAST)


def test_a_text_beginning_with_equals_or_hash_stays_text_in_excel_not_a_formula(seed_export, tmp_path):
    """Regression: openpyxl takes a string beginning with '=' for a formula and '#N/A' for an error, so a
    report text opening with a '====' rule (or a metadata value '=1+1') was computed by Excel, not shown."""
    result, _ = seed_export
    units = result.tables["units"].copy()
    units.loc[0, "text"] = "====\n一、工作回顾"
    units.loc[1, "text"] = "=1+1"
    units.loc[2, "text"] = "#N/A"
    altered = ex.Export(dict(result.tables, units=units), result.notes, result.specs, result.dtm, result.vocab,
                        result.docvars, dict(result.manifest))
    write(altered, tmp_path / "x", "xlsx")
    with workbook(tmp_path / "x" / "tables.xlsx", read_only=False) as wb:
        cells = [wb["units"].cell(row=r, column=list(units.columns).index("text") + 1) for r in (2, 3, 4)]
        assert [(c.value, c.data_type) for c in cells] == [("====\n一、工作回顾", "s"), ("=1+1", "s"), ("#N/A", "s")]
    with zipfile.ZipFile(tmp_path / "x" / "tables.xlsx") as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_exported_files_have_the_mode_the_umask_gives_not_0600(seed_export, tmp_path):
    """Regression: files written through mkstemp kept its private 0600 mode, so co-authors on a shared
    machine could not read an export; they now get 0666 less the umask, as open() gives."""
    result, _ = seed_export
    old = os.umask(0o022)
    try:
        files = write(result, tmp_path / "x", ("csv", "r"))
    finally:
        os.umask(old)
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o644)}


# --------------------------------------------------------------------------- overwrite: only what the toolkit wrote
ADVICE = "not replaced; move it, or export to another folder"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def test_a_foreign_manifest_never_gets_a_users_file_deleted(seed_export, tmp_path):
    """export --overwrite deleted a user's thesis.docx that a foreign MANIFEST.json listed."""
    result, _ = seed_export
    to = tmp_path / "thesis"
    to.mkdir()
    (to / "thesis.docx").write_bytes(b"PK\x03\x04 years of work")
    listing = {"files": [{"file": "thesis.docx", "sha256": hashlib.sha256(b"PK\x03\x04 years of work").hexdigest()}]}
    (to / "MANIFEST.json").write_text(json.dumps(listing), encoding="utf-8")
    before = tree(to)
    with pytest.raises(ExportError) as info:
        write(result, to, "csv", overwrite=True)
    assert str(info.value) == (f"{to / 'MANIFEST.json'}: not written by an export of this toolkit (no record of it "
                               f"in {EXPORT_MARKER}): {ADVICE}")
    assert tree(to) == before  # nothing written, nothing removed
    # the same listing dressed as the toolkit's own manifest: the manifest is replaced, thesis.docx is not
    # a name an export writes, so it is never touched
    (to / "MANIFEST.json").write_text(json.dumps({"toolkit": {"name": "gov-report-toolkit"}, **listing}),
                                      encoding="utf-8")
    write(result, to, "csv", overwrite=True)
    assert (to / "thesis.docx").read_bytes() == b"PK\x03\x04 years of work"
    write(result, to, "parquet", overwrite=True)  # the csv files go (this export wrote them), the thesis stays
    assert (to / "thesis.docx").read_bytes() == b"PK\x03\x04 years of work"
    assert not list(to.glob("*.csv")) and (to / "reports.parquet").is_file()


def test_a_users_file_under_a_table_name_is_not_replaced(seed_export, tmp_path):
    result, _ = seed_export
    to = tmp_path / "x"
    to.mkdir()
    (to / "reports.csv").write_text("my own table\n", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        write(result, to, "csv", overwrite=True)
    assert str(info.value) == (f"{to / 'reports.csv'}: not written by an export of this toolkit (no record of it in "
                               f"{EXPORT_MARKER}): {ADVICE}")
    assert tree(to) == {"reports.csv": b"my own table\n"}


@pytest.mark.parametrize("formats_then", ["csv", "parquet"], ids=["replaced", "removed"])
def test_an_exported_file_edited_since_is_not_replaced_nor_removed(seed_export, tmp_path, formats_then):
    result, _ = seed_export
    to = tmp_path / "x"
    write(result, to, "csv")
    edited = to / "units.csv"
    edited.write_bytes(edited.read_bytes() + b"my note\n")
    before = tree(to)
    with pytest.raises(ExportError) as info:
        write(result, to, formats_then, overwrite=True)
    assert str(info.value) == (f"{edited}: changed since this toolkit exported it (its sha256 is not the one recorded "
                               f"in {EXPORT_MARKER}): {ADVICE}")
    assert tree(to) == before


def test_a_symlink_in_the_way_is_not_replaced(seed_export, tmp_path):
    result, _ = seed_export
    to = tmp_path / "x"
    write(result, to, "csv")
    mine = tmp_path / "mine.csv"
    mine.write_text("mine\n", encoding="utf-8")
    (to / "units.csv").unlink()
    os.symlink(mine, to / "units.csv")
    with pytest.raises(ExportError) as info:
        write(result, to, "csv", overwrite=True)
    assert str(info.value) == f"{to / 'units.csv'}: a symlink to {mine}, not a regular file: {ADVICE}"
    assert (to / "units.csv").is_symlink() and mine.read_text(encoding="utf-8") == "mine\n"


def test_the_marker_records_every_file_and_an_unreadable_one_refuses(seed_export, tmp_path):
    result, _ = seed_export
    to = tmp_path / "x"
    files = write(result, to, "csv,r")
    marker = json.loads((to / EXPORT_MARKER).read_text(encoding="utf-8"))
    assert marker["format"] == "gov-report-toolkit export"
    assert marker["files"] == {p.name: [hashlib.sha256(p.read_bytes()).hexdigest()] for p in files}
    (to / EXPORT_MARKER).write_text("{ not json", encoding="utf-8")
    with pytest.raises(ExportError, match=re.escape(f"{to / EXPORT_MARKER}: cannot be read (")):
        write(result, to, "csv", overwrite=True)


def test_an_interrupted_export_can_be_overwritten(seed_export, tmp_path, monkeypatch):
    """The marker vouches for each file before it takes its name: after a run that failed half way, the
    files it did write are still the toolkit's."""
    result, _ = seed_export
    to = tmp_path / "x"
    write(result, to, "parquet")
    with pytest.MonkeyPatch.context() as mp:
        failing_writer("dta", mp)
        with pytest.raises(ExportError):
            write(result, to, "csv,dta", overwrite=True)  # the csv files are written, then the disk is full
    assert (to / "reports.csv").is_file() and not (to / "MANIFEST.json").exists()
    write(result, to, "csv", overwrite=True)
    assert (to / "MANIFEST.json").is_file() and not list(to.glob("*.parquet"))


def test_an_export_of_an_earlier_version_is_overwritten_by_its_manifest(seed_export, tmp_path):
    """Exports written before the marker existed are checked against their MANIFEST.json instead."""
    result, _ = seed_export
    to = tmp_path / "x"
    write(result, to, "csv")
    (to / EXPORT_MARKER).unlink()
    write(result, to, "parquet", overwrite=True)
    assert not list(to.glob("*.csv")) and (to / EXPORT_MARKER).is_file()
    (to / EXPORT_MARKER).unlink()
    (to / "units.parquet").write_bytes(b"edited")
    with pytest.raises(ExportError, match=re.escape(f"{to / 'units.parquet'}: changed since this toolkit exported "
                                                    "it (its sha256 is not the one recorded in MANIFEST.json)")):
        write(result, to, "parquet", overwrite=True)


def test_an_export_inside_the_corpus_being_read_is_refused(tokenizer, tmp_path, capsys):
    """Exported into the corpus folder, the export's tables were read as reports next time (6 → 1,810)."""
    folder = tmp_path / "corpus"
    shutil.copytree(paths.RAW_DIR, folder, ignore=shutil.ignore_patterns("manifest.csv"))
    corpus = load_corpus(folder)
    for to in (folder / "export", folder, folder / "a" / "b"):
        with pytest.raises(ExportError) as info:
            export(corpus, to, "csv", tokenizer=tokenizer, **FAST)
        assert str(info.value) == (f"{to}: inside the corpus being read ({folder}): reading it again would take the "
                                   "export's tables for reports; export to a folder outside it")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths.RAW_DIR.glob("*.txt"))
    status = cli.main(["export", str(folder), "--to", str(folder / "out"), "--k", "2", "--no-cache"])
    assert status == 2 and capsys.readouterr().err == (
        f"error: export: {folder / 'out'}: inside the corpus being read ({folder}): reading it again would take the "
        "export's tables for reports; export to a folder outside it\n")
