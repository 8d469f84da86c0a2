"""toolkit.explore without a browser (the tables, the reader's HTML, the widgets driven from Python), kwic's
literal search and labels, a researcher's own themes (API, CLI, notebook parameters), and saved notebooks
without widget state. tests/browser drives the same explorer in JupyterLab."""
from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import cli, load_corpus, notebook_runner, paths
from toolkit.explore import (SEARCH_COLUMNS, Explorer, Focus, _marked, explore, filter_matches, match_counts, page,
                             report_html, search, sort_matches, summary_html, topic_summary)
from toolkit.errors import ThemeLexiconError
from toolkit.themes import find_matches, kwic, load_lexicon, one_line
from toolkit.tokenize import Tokenizer
from toolkit.topics import TopicModel, documents

OWN = """schema = 1
[[theme]]
id = "approval"
name = "审批"
label = "approval"
variants = [{term = "审批"}, {term = "审批服务"}]
"""


@pytest.fixture(scope="module")
def model(seeds):
    return TopicModel(3, random_state=0).fit(documents(seeds.units, Tokenizer()))


def labels_of(corpus, prefixes):
    table = corpus.reports.set_index("report_id")["label"]
    return {table[r] for r in table.index if r[:3] in prefixes}


# --------------------------------------------------------------------------- tables
def test_search_a_theme_lists_its_reports_with_metadata(seeds):
    table = search(seeds, "data_silos")
    assert list(table.columns) == SEARCH_COLUMNS
    assert set(table["label"]) == labels_of(seeds, {"000", "001", "003"})
    assert set(table["kind"]) == {"problems"}
    assert set(table["level"]) == {"prefecture"} and table["year"].notna().all()
    assert "all 14 variants" in table.attrs["searched"] and "数据孤岛" in table.attrs["searched"]
    expected = find_matches(seeds, themes=["data_silos"])
    assert len(table) == len(expected)
    text = seeds.reports.set_index("report_id")["text"]
    for r in table.itertuples():  # every row locates its match in the report text
        assert text[r.report_id][r.start:r.end] == r.match


def test_kwic_literal_and_labels(seeds):
    whole = kwic("跨省通办", seeds)
    alone = kwic("跨省通办", seeds, literal=True)
    assert {"川渝通办", "省内通办"} <= set(whole["term"]) and set(alone["term"]) == {"跨省通办"}
    assert whole.attrs["searched"].startswith("theme cross_region") and "alone" in alone.attrs["searched"]
    assert list(whole.columns[:2]) == ["label", "theme"]  # a Corpus gives the readable label first
    assert "label" not in kwic("跨省通办", seeds.units).columns
    assert "label" in kwic("跨省通办", seeds.units, reports=seeds.reports).columns
    styled = one_line(whole).to_html()
    assert "white-space: nowrap" in styled and styled == one_line(kwic("跨省通办", seeds)).to_html()


def test_filters_sort_counts_and_pages(seeds):
    table = search(seeds, "cross_region")
    assert set(filter_matches(table, kinds=["plans"])["kind"]) == {"plans"}
    one = sorted(set(table["province"]))[0]
    assert set(filter_matches(table, provinces=[one])["province"]) == {one}
    years = filter_matches(table, years=(2021, 2021))
    assert set(years["year"]) == {2021}
    assert filter_matches(table, levels=["county"]).empty
    assert len(filter_matches(table)) == len(table) and filter_matches(table).attrs == table.attrs
    assert set(filter_matches(table, genres=["rule_of_law_report"])["genre"]) == {"rule_of_law_report"}
    assert filter_matches(table, genres=["government_work_report"]).empty
    assert len(filter_matches(table, parts=["(none)"])) == (table["part"] == "").sum()
    marked = table.assign(boilerplate=[0.9] + [0.0] * (len(table) - 1))
    assert len(filter_matches(marked, exclude_boilerplate=True)) == len(table) - 1
    by_year = sort_matches(table, "year", descending=True)
    assert list(by_year["year"]) == sorted(table["year"], reverse=True)
    with pytest.raises(ValueError, match="sort by one of"):
        sort_matches(table, "text")
    counts = match_counts(table)
    assert counts["total"].sum() == len(table) and list(counts["total"]) == sorted(counts["total"], reverse=True)
    rows, number, pages = page(table, 99, size=4)
    assert pages == -(-len(table) // 4) and number == pages - 1 and 0 < len(rows) <= 4
    assert page(table.head(0), 0)[2] == 1
    assert match_counts(table.head(0)).empty


# --------------------------------------------------------------------------- the reader
@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from("数据孤岛<>&\"'\n a"), max_size=40),
       st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45), st.booleans()), max_size=6))
def test_marked_text_gives_back_the_text(text, spans):
    """Whatever the spans (overlapping, empty, out of range), the reader shows the text itself, escaped."""
    spans = [(min(a, b), max(a, b), f) for a, b, f in spans]
    shown = _marked(text, 0, spans)
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == text
    assert "<script" not in shown.lower() and not re.search(r"<(?!/?mark)", shown)


def test_report_html_marks_sections_units_and_the_focus(seeds):
    matches = find_matches(seeds)
    row = search(seeds, "data_silos").iloc[0]
    page_html = report_html(seeds, row["report_id"], matches=matches, focus=Focus(row["report_id"], row["start"],
                                                                                     row["end"]))
    sections = seeds.sections[seeds.sections["report_id"] == row["report_id"]]
    units = seeds.units[seeds.units["report_id"] == row["report_id"]]
    assert page_html.count('class="toolkit-section"') == len(sections)
    assert page_html.count('class="toolkit-unit"') == len(units)
    for u in units.itertuples():
        assert f"§{u.section_index}.{u.unit_index} [{u.start}–{u.end}]" in page_html
    focus = re.findall(r'<mark class="toolkit-focus"[^>]*>([^<]*)</mark>', page_html)
    assert focus and set(focus) == {row["match"]}  # quoted on top and marked in the text
    assert 'class="toolkit-quote"' in page_html and row["label"] in page_html
    with pytest.raises(KeyError, match="no report"):
        report_html(seeds, "nope")


def test_report_html_escapes_markup_in_a_report(tmp_path):
    (tmp_path / "r.txt").write_text("某市数据局2023年工作总结\n一、工作成效\n办理时限<5天且A&B数据共享。\n"
                                    "二、存在问题\n数据孤岛依然存在。\n三、下一步工作打算\n推进数据共享。\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    shown = report_html(corpus, corpus.reports["report_id"][0], matches=find_matches(corpus))
    assert "<5天" not in shown and "&lt;5天且A&amp;B" in shown


# --------------------------------------------------------------------------- topics and the summary
def test_topic_summary(model):
    summary = topic_summary(model, n_terms=5, n_units=2)
    assert sorted(summary) == [0, 1, 2]
    first = summary[0]
    assert len(first["terms"]) == 5 and first["terms"][0][1] >= first["terms"][-1][1]
    assert first["stability"] != first["stability"]  # NaN without a KSelection
    assert set(first["prevalence"]) <= {"problems", "plans"} and len(first["units"]) <= 2


def test_summary_html_for_saved_notebooks(seeds):
    matches = find_matches(seeds)
    shown = summary_html(seeds, matches, load_lexicon())
    assert "static summary" in shown and "数据孤岛 (data_silos)" in shown and f"{len(seeds.reports)} reports" in shown


# --------------------------------------------------------------------------- the widgets from Python
def test_explorer_search_filter_page_and_read(seeds, model):
    ex = explore(seeds, model=model, page_size=3)
    assert isinstance(ex, Explorer) and ex.table.empty and "Choose a theme" in ex.status.value
    ex.theme.value = "data_silos"
    assert set(ex.table["label"]) == labels_of(seeds, {"000", "001", "003"})
    assert ex.page_label.value == f"page 1 of {-(-len(ex.table) // 3)}" and ex.previous.disabled
    shown = [b.description for b in ex._buttons if b.layout.visibility == "visible"]
    assert shown == list(ex.table["match"][:3])
    ex.next.click()
    assert ex.page_label.value.startswith("page 2") and not ex.previous.disabled
    ex.open_match(0)
    assert ex.tabs.selected_index == 1 and "toolkit-focus" in ex.reader.value
    assert ex.report.value == ex._rows.iloc[0]["report_id"]
    ex.kinds.value = ("plans",)
    assert ex.table.empty and all(b.layout.visibility == "hidden" for b in ex._buttons)
    ex.kinds.value = ()
    ex.genres.value = ("work_summary",)
    assert set(ex.table["genre"]) <= {"work_summary"} and len(ex.table) < len(ex.results)
    ex.genres.value = ()
    ex.own_words.value = True
    assert len(ex.table) == len(ex.results) - int((ex.results["boilerplate"] >= 0.5).sum())
    ex.own_words.value = False
    ex.term.value = "跨省通办"  # a typed term replaces the theme
    assert ex.theme.value == "" and set(ex.table["term"]) > {"跨省通办"}
    ex.literal.value = True
    assert set(ex.table["term"]) == {"跨省通办"} and "alone" in ex.status.value
    ex.term.value = "两 个"
    assert ex.table.empty and "without spaces" in ex.status.value
    ex.term.value = "跨省通办"  # back to a search done before: searched again, not left empty
    assert set(ex.table["term"]) == {"跨省通办"}
    ex.term.value = "数据"
    ex.theme.value = "data_silos"  # a chosen theme replaces the typed term; literal: its core term alone
    assert ex.term.value == "" and ex.query() == "data_silos"
    assert set(ex.table["match"]) == {"数据孤岛"} and "the term 数据孤岛 alone" in ex.status.value
    ex.literal.value = False
    ex.theme.value = ""
    ex.theme.value = "data_silos"
    assert len(ex.table) == len(search(seeds, "data_silos"))
    ex.report.value = seeds.reports["report_id"].iloc[-1]  # choosing a report reads it
    assert seeds.reports["label"].iloc[-1] in ex.reader.value
    assert [t for t in range(len(ex.tabs.children))] == [0, 1, 2] and ex.topic_view.value
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "static summary" in bundle["text/html"]


def test_explorer_with_own_themes(seeds, tmp_path):
    own = tmp_path / "mine.toml"
    own.write_text(OWN, encoding="utf-8")
    lexicon = load_lexicon(themes=own)
    ex = explore(seeds, lexicon=lexicon)
    assert ("审批 (approval)", "approval") in ex.theme.options
    ex.theme.value = "approval"
    assert len(ex.table) > 0 and set(ex.table["theme"]) == {"approval"}


# --------------------------------------------------------------------------- own themes
def test_own_themes_are_merged_and_checked(tmp_path):
    base = load_lexicon()
    own = tmp_path / "mine.toml"
    own.write_text(OWN, encoding="utf-8")
    merged = load_lexicon(themes=own)
    assert merged.ids == base.ids + ["approval"] and "mine.toml" in merged.source
    wider = tmp_path / "wider.toml"  # the same id replaces the project's theme, in place
    wider.write_text(OWN.replace('id = "approval"', 'id = "data_silos"'), encoding="utf-8")
    replaced = load_lexicon(themes=[wider])
    assert replaced.ids == base.ids and replaced["data_silos"].name == "审批"
    clash = tmp_path / "clash.toml"
    clash.write_text(OWN.replace('"审批"', '"数据孤岛"', 1).replace('{term = "审批"}', '{term = "数据孤岛"}'),
                     encoding="utf-8")
    with pytest.raises(ThemeLexiconError, match="clash.toml: theme approval: its name '数据孤岛' is the name of theme"):
        load_lexicon(themes=clash)
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\n[[theme]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(ThemeLexiconError, match="broken.toml: theme 1 \\(x\\): missing 'name'"):
        load_lexicon(themes=broken)
    with pytest.raises(ThemeLexiconError, match="no such lexicon file"):
        load_lexicon(themes=tmp_path / "absent.toml")


def test_notebook_parameters_take_own_themes(tmp_path):
    own = tmp_path / "mine.toml"
    own.write_text(OWN, encoding="utf-8")
    params = notebook_runner.resolve_parameters(None, None, own)
    assert params.themes == own.resolve() and params.name == "raw+mine" and not params.is_default
    assert params.figures == paths.BUILD_FIGURES_DIR / "raw+mine"
    assert notebook_runner.resolve_parameters().themes is None
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\n", encoding="utf-8")
    with pytest.raises(ThemeLexiconError, match="bad.toml: schema must be 1"):
        notebook_runner.resolve_parameters(None, None, bad)
    assert notebook_runner.make_figures(["07", "--themes", str(bad)]) == 1


def test_cli_kwic_literal_and_own_themes(tmp_path, capsys):
    own = tmp_path / "mine.toml"
    own.write_text(OWN, encoding="utf-8")
    assert cli.main(["kwic", "跨省通办", str(paths.RAW_DIR), "--literal", "--jsonl"]) == 0
    out, err = capsys.readouterr()
    assert "the term 跨省通办 alone" in err and all('"term": "跨省通办"' in line for line in out.splitlines())
    assert cli.main(["kwic", "approval", str(paths.RAW_DIR), "--themes", str(own), "--jsonl"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") > 0 and "theme approval" in err
    assert cli.main(["kwic", "approval", str(paths.RAW_DIR), "--themes", str(tmp_path / "no.toml")]) == 2
    assert "no.toml: no such lexicon file" in capsys.readouterr().err
    assert cli.main(["keyness", str(paths.RAW_DIR), "--a", "theme=approval", "--themes", str(own), "--json"]) == 0
    capsys.readouterr()
    to = tmp_path / "export"
    assert cli.main(["export", str(paths.RAW_DIR), "--to", str(to), "--formats", "csv", "--k", "2", "--samples", "2",
                     "--jobs", "1", "--no-cache", "--themes", str(own)]) == 0
    matches = pd.read_csv(to / "theme_matches.csv", encoding="utf-8-sig")
    assert "approval" in set(matches["theme"])
    import json

    themes = json.loads((to / "MANIFEST.json").read_text(encoding="utf-8"))["lexicons"]["themes"]
    assert [f["file"] for f in themes["files"]][-1] == "mine.toml"


# --------------------------------------------------------------------------- saved notebooks
def test_saved_notebooks_keep_no_widget_state():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("explore(corpus)")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/html": "<div>static</div>", "text/plain": "Explorer"}, execution_count=1)]
    nb.cells.append(cell)
    notebook_runner.clean_notebook(nb)
    assert "widgets" not in nb.metadata
    assert set(nb.cells[0].outputs[0]["data"]) == {"text/html", "text/plain"}
    saved = nbformat.read(paths.NOTEBOOKS_DIR / "07-explore.ipynb", as_version=4)
    outputs = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs]
    assert any("static summary" in o.get("data", {}).get("text/html", "") for o in outputs)
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_search_columns_are_documented():
    from toolkit import explore as module

    for name in ("search", "filter_matches", "report_html", "topic_summary"):
        assert getattr(module, name).__doc__
    assert isinstance(pd.DataFrame(columns=SEARCH_COLUMNS), pd.DataFrame)
