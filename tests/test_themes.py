"""toolkit.themes: the lexicon, matching on the text, KWIC, prevalence, topic links, suggestions, CLI."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from toolkit import load_corpus, paths
from toolkit.sections import KINDS
from toolkit.themes import _WIDTH  # noqa: I001
from toolkit.errors import ThemeLexiconError
from toolkit.themes import (KWIC_COLUMNS, MATCH_COLUMNS, PREVALENCE_COLUMNS, ThemeMatcher, carriers,
                            cooccurrence, find_matches, kwic, load_lexicon, parse_lexicon, prevalence_by_year,
                            prevalence_matrix, suggest_variants, theme_prevalence, theme_prevalence_figure,
                            topic_links)
from toolkit.tokenize import Tokenizer
from toolkit.topics import TopicModel, documents

MEIZHOU, YIBIN, ZHOUKOU, SHAOYANG, SHANTOU = ("000_5e9c79239d58435b", "001_88c51d3323158176", "002_de44a4c02653ad51",
                                              "003_b9aae7aa9998f3a9", "004_d8afab74e82c466f")


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="module")
def matches(seeds):
    return find_matches(seeds)


def tiny(themes: list[dict]) -> dict:
    return {"schema": 1, "theme": themes}


def units_of(*texts: str, kind: str = "problems") -> pd.DataFrame:
    """One unit per text, each its own report (start 0)."""
    return pd.DataFrame([{"report_id": f"r{i}", "section_index": 0, "kind": kind, "unit_index": 0, "marker": "",
                          "start": 0, "end": len(t), "text": t} for i, t in enumerate(texts)])


# ---------------------------------------------------------------------- the lexicon
def test_lexicon_has_the_themes_the_issue_names(lexicon):
    for theme, terms in {
        "data_silos": ["数据孤岛", "信息孤岛", "数据壁垒", "数据共享难", "数据对接难", "信息共享水平不高", "多套系统", "反复登录", "重复录入"],
        "cross_region": ["跨省通办", "跨城通办", "省内通办", "川渝通办", "异地通办"],
        "one_network": ["一网通办"], "fangguanfu": ["放管服", "简政放权"], "business_environment": ["营商环境"],
        "e_licence": ["电子证照", "免证办"], "service_points": ["便民服务"], "hotline_12345": ["12345"],
        "security": ["网络安全", "数据安全"], "law_study": ["学法用法"],
    }.items():
        assert set(terms) <= set(lexicon[theme].terms), theme
    assert lexicon["数据孤岛"].id == "data_silos"  # the core term names the theme too
    table = lexicon.table()
    assert list(table.columns) == ["theme", "name", "label", "term", "core", "seen_in", "n_seen"]
    assert table.groupby("theme")["core"].sum().eq(1).all()


def test_every_seen_in_claim_is_true(seeds, lexicon):
    """Each variant occurs (as the matcher finds it) in every seed report its seen_in names."""
    for theme in lexicon:
        for variant in theme.variants:
            for report in (r for r in variant.seen_in if r[:3].isdigit()):
                units = seeds.units[seeds.units["report_id"] == report]
                assert len(units), (theme.id, variant.term, report)
                found = find_matches(units, parse_lexicon(tiny([{"id": "x", "name": variant.term, "label": "",
                                                                 "variants": [{"term": variant.term}]}])))
                assert len(found), f"{variant.term} ({theme.id}) is not in {report}"


def test_seen_in_claims_on_the_municipal_corpus(lexicon):
    if not paths.MUNICIPAL_DIR.is_dir():
        pytest.skip(paths.shared_absent(paths.MUNICIPAL_DIR))
    texts = {p.stem: "".join(p.read_text("utf-8").split()) for p in paths.MUNICIPAL_DIR.glob("*.txt")}
    claims = [(v.term, r) for t in lexicon for v in t.variants for r in v.seen_in
              if not r[:3].isdigit() and not r.startswith("gov_reports")]  # national: test_followthrough
    assert len(claims) > 50
    for term, report in claims:
        assert report in texts, f"seen_in names {report}, which is not in the corpus"
        assert term in texts[report], f"{term} is not in {report}"


@pytest.mark.parametrize("data, reason", [
    ({"theme": []}, "schema must be 1"),
    (tiny([]), "no [[theme]] tables"),
    (tiny([{"id": "a", "name": "甲", "label": "", "varients": [{"term": "甲"}]}]), "unknown keys ['varients']"),
    (tiny([{"id": "a", "name": "甲", "label": "", "variants": [{"term": "乙"}]}]), "core term '甲'"),
    (tiny([{"id": "a", "name": "甲", "label": "", "variants": [{"term": "甲"}, {"term": "甲"}]}]), "listed twice"),
    (tiny([{"id": "A b", "name": "甲", "label": "", "variants": [{"term": "甲"}]}]), "id must be"),
    (tiny([{"id": "a", "name": "甲", "label": "", "variants": [{"term": "甲 乙"}]}]), "without spaces"),
    (tiny([{"id": "a", "name": "甲", "label": "", "variants": [{"term": "甲", "seen_in": "r1"}]}]), "seen_in must be"),
    (tiny([{"id": "a", "name": "甲", "label": "", "variants": [{"term": "甲"}]},
           {"id": "a", "name": "乙", "label": "", "variants": [{"term": "乙"}]}]), "used by an earlier theme"),
    (tiny([{"id": "a", "name": "甲", "variants": [{"term": "甲"}]}]), "missing 'label'"),
])
def test_bad_lexicon_is_an_error_naming_file_and_reason(data, reason):
    with pytest.raises(ThemeLexiconError, match="my.toml") as e:
        parse_lexicon(data, "my.toml")
    assert reason in str(e.value)


def test_own_themes_may_list_plain_terms():
    """A researcher's own themes need no evidence: plain terms, tables with or without seen_in, mixed."""
    lex = parse_lexicon(tiny([{"id": "hall", "name": "政务服务大厅", "label": "halls",
                               "variants": ["政务服务大厅", {"term": "办事大厅"}, {"term": "一窗受理", "seen_in": ["r1"]}]}]))
    assert lex["hall"].terms == ("政务服务大厅", "办事大厅", "一窗受理")
    assert [v.seen_in for v in lex["hall"].variants] == [(), (), ("r1",)]
    for bad, reason in ((["甲", 3], "each variant is a term \"…\" or a table {term"), (["甲 乙"], "without spaces"),
                        (["甲", "甲"], "listed twice"), (["乙"], "core term '甲'")):
        with pytest.raises(ThemeLexiconError, match="my.toml") as e:
            parse_lexicon(tiny([{"id": "a", "name": "甲", "label": "", "variants": bad}]), "my.toml")
        assert reason in str(e.value)


def test_the_project_lexicon_keeps_its_evidence_rule(tmp_path, monkeypatch):
    """data/lexicon/themes.toml records where each wording was seen (tests check every claim): there a
    plain term, or a table without seen_in, is refused; any other file may list plain terms."""
    for variant in ("甲", {"term": "甲"}):
        with pytest.raises(ThemeLexiconError) as e:
            parse_lexicon(tiny([{"id": "a", "name": "甲", "label": "", "variants": [variant]}]), "themes.toml",
                          project=True)
        assert str(e.value) == (f"themes.toml: theme 1 (a): each variant is {{term = \"…\", seen_in = [report ids]}} "
                                f"(the project lexicon records where each wording was seen; your own themes may list "
                                f"plain terms), not {variant!r}")
    plain = tmp_path / "themes.toml"
    plain.write_text('schema = 1\n[[theme]]\nid = "a"\nname = "甲"\nlabel = ""\nvariants = ["甲"]\n', encoding="utf-8")
    assert load_lexicon(plain).ids == ["a"] and "a" in load_lexicon(themes=plain).ids  # a user's file
    load_lexicon(paths.LEXICON_DIR / ".." / "lexicon" / "themes.toml")  # the project's, by any path: strict, and passes
    monkeypatch.setattr("toolkit.themes.LEXICON", plain)  # the same file in the project lexicon's place
    with pytest.raises(ThemeLexiconError, match="the project lexicon records where each wording was seen"):
        load_lexicon(plain)


def test_unreadable_lexicon_files(tmp_path):
    bad = tmp_path / "themes.toml"
    bad.write_text("[[theme]\nid = ", encoding="utf-8")
    with pytest.raises(ThemeLexiconError, match=r"themes.toml: not valid TOML"):
        load_lexicon(bad)
    with pytest.raises(ThemeLexiconError, match="no such lexicon file"):
        load_lexicon(tmp_path / "missing.toml")


# ---------------------------------------------------------------------- matching on the text
def test_matching_is_on_text_across_line_breaks_and_width():
    lex = parse_lexicon(tiny([{"id": "silo", "name": "数据孤岛", "label": "", "variants": [{"term": "数据孤岛"}]},
                              {"id": "hot", "name": "12345", "label": "", "variants": [{"term": "12345"},
                                                                                      {"term": "12345热线"}]}]))
    matcher = ThemeMatcher(lex)
    text = "存在数据\n孤岛问题"  # cut by a line break, as PDF text often is
    (theme, term, a, b), = matcher.find(text)
    assert (theme, term, text[a:b]) == ("silo", "数据孤岛", "数据\n孤岛")
    assert [(m[1], m[2], m[3]) for m in matcher.find("拨打12345热线")] == [("12345热线", 2, 9)]  # longest wins
    assert [m[1] for m in matcher.find("拨打１２３４５反映")] == ["12345"]  # full-width digits
    assert matcher.find("电话0123456") == [] and matcher.find("编号123456") == []  # not inside a longer number
    assert [m[1] for m in matcher.find("12345、12345")] == ["12345", "12345"]


def test_a_variant_jieba_splits_still_matches():
    tokens = Tokenizer(cache=False).tokenize("部门之间信息共享水平不高")
    assert "信息共享水平不高" not in tokens  # jieba splits the phrase ...
    found = find_matches(units_of("部门之间信息共享水平不高。"), themes=["data_silos"])
    assert found["term"].tolist() == ["信息共享水平不高"]  # ... the matcher does not care


def test_excluded_contexts_and_overlaps():
    lex = parse_lexicon(tiny([{"id": "law", "name": "学法", "label": "", "exclude": ["科学法"],
                               "variants": [{"term": "学法"}, {"term": "学法用法"}]},
                              {"id": "net", "name": "网络安全", "label": "",
                               "variants": [{"term": "网络安全"}, {"term": "安全"}]}]))
    matcher = ThemeMatcher(lex)
    assert matcher.find("坚持科学法治") == []
    assert [(m[1], m[2]) for m in matcher.find("带头学法用法，学法")] == [("学法用法", 2), ("学法", 7)]
    # within a theme no overlap; different themes may match the same words
    assert [m[1] for m in matcher.find("网络安全")] == ["网络安全"]


def test_matches_keep_report_kind_unit_and_offsets(seeds, matches):
    assert list(matches.columns) == MATCH_COLUMNS
    texts = seeds.reports.set_index("report_id")["text"]
    lex = load_lexicon()
    for row in matches.itertuples():
        quoted = texts[row.report_id][row.start:row.end]
        assert "".join(quoted.split()) == row.term or row.term.isascii(), row
        assert row.term in lex[row.theme].terms
    units = seeds.units.set_index(["report_id", "section_index", "unit_index"])
    for row in matches.itertuples():
        unit = units.loc[(row.report_id, row.section_index, row.unit_index)]
        assert unit["kind"] == row.kind and unit["start"] <= row.start < row.end <= unit["end"]


def test_issue_facts_on_the_seeds(matches):
    """Data silos in the problems of 000, 001 and 003; cross-region services in 001's problems and in
    004's achievements (跨城通办)."""
    silos = matches[matches["theme"] == "data_silos"]
    where = silos.groupby(["report_id", "kind"])["term"].agg(set)
    assert set(where.index) == {(MEIZHOU, "problems"), (YIBIN, "problems"), (SHAOYANG, "problems")}
    assert {"多套系统", "反复登录", "重复录入"} <= where[(MEIZHOU, "problems")]
    assert "数据孤岛" in where[(YIBIN, "problems")]
    assert where[(SHAOYANG, "problems")] == {"信息共享水平不高"}
    cross = matches[matches["theme"] == "cross_region"]
    assert "跨省通办" in set(cross.loc[(cross["report_id"] == YIBIN) & (cross["kind"] == "problems"), "term"])
    assert set(cross.loc[cross["report_id"] == SHANTOU, ["kind", "term"]].itertuples(index=False)) == \
        {("achievements", "跨城通办")}
    assert cross["report_id"].isin([YIBIN, SHANTOU]).all()


# ---------------------------------------------------------------------- KWIC
def test_kwic_of_a_theme_and_of_a_term(seeds):
    table = kwic("数据孤岛", seeds, width=6)
    assert list(table.columns) == ["label"] + KWIC_COLUMNS  # a Corpus: the readable label first
    assert set(table["term"]) == {"多套系统", "反复登录", "重复录入", "数据孤岛", "数据不共享", "互不联通", "数据对接难",
                                  "信息共享水平不高"}  # the theme's name means all its variants
    row = table[table["term"] == "信息共享水平不高"].iloc[0]
    assert (row["left"], row["match"], row["right"]) == ("实、部门之间", "信息共享水平不高", "、行政许可权")
    assert table["left"].str.len().max() <= 6 and table["right"].str.len().max() <= 6
    only = kwic("数据孤岛", seeds, width=6).query("term == '数据孤岛'")
    literal = kwic("跨城通办", seeds)  # a variant alone means only that term
    assert set(literal["term"]) == {"跨城通办"} and set(literal["theme"]) == {"cross_region"}
    assert len(only) == 2
    free = kwic("政务服务", seeds)  # a term outside the lexicon is searched literally
    assert len(free) > 20 and set(free["theme"]) == {""} and (free["match"] == "政务服务").all()
    assert kwic("不存在的词语", seeds).empty
    assert kwic("data_silos", seeds).equals(kwic("数据孤岛", seeds))


def test_no_corpus_is_read_of_its_own_accord():
    """kwic and find_matches search the units they are given: none given is an error that says what to
    pass, not a silent search of the seed reports; nor does load_corpus read the seeds unasked."""
    with pytest.raises(TypeError, match="units"):
        kwic("跨城通办")
    with pytest.raises(TypeError, match=r"corpus.units or a Corpus .*paths.RAW_DIR"):
        find_matches(None)
    with pytest.raises(TypeError, match=r"path of the reports.*toolkit.paths.RAW_DIR"):
        load_corpus()
    with pytest.raises(TypeError, match=r"path of the reports"):
        load_corpus(skip_bad=True)


def test_kwic_rejects_bad_requests(seeds):
    with pytest.raises(ValueError, match="without spaces"):
        kwic("数据 孤岛", seeds)
    with pytest.raises(ValueError, match="width"):
        kwic("数据孤岛", seeds, width=-1)
    with pytest.raises(ValueError, match="unknown section kinds"):
        find_matches(seeds, kinds=["problem"])


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=paths.PROJECT_ROOT.parent)


def test_kwic_cli_jsonl(seeds):
    out = run_cli("kwic", "跨省通办", str(paths.RAW_DIR), "--jsonl")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert list(rows[0]) == ["report", "kind", "unit", "start", "end", "left", "match", "right", "theme", "term", "unit_id"]
    assert all(r["unit_id"] == f"{r['report']}.{r['unit'][0]}.{r['unit'][1]}" for r in rows)
    expected = kwic("跨省通办", seeds)
    assert [(r["report"], r["kind"], tuple(r["unit"]), r["start"], r["end"], r["match"]) for r in rows] == \
        list(zip(expected["report_id"], expected["kind"], zip(expected["section_index"], expected["unit_index"]),
                 expected["start"], expected["end"], expected["match"]))
    again = run_cli("kwic", "跨省通办", str(paths.RAW_DIR), "--jsonl")
    assert again.stdout == out.stdout
    bad = run_cli("kwic", "数据孤岛", str(paths.RAW_DIR), "--lexicon", str(paths.RAW_DIR / "manifest.csv"))
    assert bad.returncode == 2 and "manifest.csv: not valid TOML" in bad.stderr


# ---------------------------------------------------------------------- prevalence
def test_prevalence_counts_units_and_keeps_zeros(seeds, matches):
    table = theme_prevalence(matches, seeds.units, themes=load_lexicon().ids)
    assert list(table.columns) == PREVALENCE_COLUMNS
    cells = seeds.units.groupby(["report_id", "kind"]).size()
    assert len(table) == len(load_lexicon()) * len(cells)  # every theme x (report, kind), zeros included
    row = table.set_index(["theme", "report_id", "kind"]).loc[("data_silos", MEIZHOU, "problems")]
    assert row["matches"] == 3 and row["units_matched"] == 1 and row["units"] == cells[(MEIZHOU, "problems")]
    assert row["share"] == pytest.approx(1 / cells[(MEIZHOU, "problems")])
    assert table["matches"].sum() == len(matches)
    assert (table["units_matched"] <= table["units"]).all() and (table["units_matched"] <= table["matches"]).all()


def test_prevalence_by_year_sums_reports(seeds, matches):
    table = theme_prevalence(matches, seeds.units)
    years = prevalence_by_year(table, seeds.reports)
    assert sorted(years["year"].dropna().unique()) == [2019, 2020, 2021, 2023]
    y2019 = years[(years["year"] == 2019) & (years["theme"] == "cross_region") & (years["kind"] == "achievements")]
    assert y2019[["reports", "reports_matched"]].iloc[0].tolist() == [2, 1]  # 邵阳 and 汕头, 汕头's 跨城通办
    assert years["matches"].sum() == table["matches"].sum() and years["units"].sum() == table["units"].sum()
    with pytest.raises(ValueError, match="not in the reports table"):
        prevalence_by_year(table, seeds.reports.iloc[:2])


def test_prevalence_matrix_and_figure(seeds, matches, lexicon):
    table = theme_prevalence(matches, seeds.units)
    matrix = prevalence_matrix(table)
    assert matrix.loc["data_silos", ("problems", YIBIN)] == pytest.approx(0.5)
    assert matrix.shape[1] == 3 * 5
    (fig,) = theme_prevalence_figure(table, lexicon, labels=dict(zip(seeds.reports["report_id"], seeds.reports["label"])))
    assert len(fig.axes) == 4  # three panels and the colour bar
    assert "梅州市政务服务数据管理局 2020" in [t.get_text() for t in fig.axes[2].get_xticklabels()]


# ---------------------------------------------------------------------- themes and topics
@pytest.fixture(scope="module")
def model_and_docs(seeds):
    docs = documents(seeds.units, Tokenizer(), kinds=KINDS)
    return TopicModel(6, random_state=0).fit(docs), docs


def test_topic_links(model_and_docs, matches, lexicon):
    model, docs = model_and_docs
    links = topic_links(model, matches, lexicon)
    lex = lexicon
    assert len(links) == len(lex) * 6
    shares = links.dropna(subset=["unit_share"]).groupby("theme")["unit_share"].sum()
    assert np.allclose(shares, 1.0)  # the matched units' topic shares sum to 1 per theme
    env = links[links["theme"] == "business_environment"]
    assert env["terms_in_vocabulary"].iloc[0] == 1 and env["term_weight"].sum() > 0
    best = carriers(links)
    assert list(best["theme"]) == lex.ids
    top = env.loc[env["unit_share"].idxmax(), "topic"]
    assert best.set_index("theme").loc["business_environment", "topic"] == top


def test_suggestions_are_ranked_and_never_added(model_and_docs, seeds, matches, lexicon):
    model, docs = model_and_docs
    before = (paths.LEXICON_DIR / "themes.toml").read_bytes()
    table = suggest_variants("跨省通办", docs, matches, lexicon, min_units=1, model=model)
    assert list(table.columns) == ["rank", "term", "units_with_theme", "units", "lift", "z", "topic_similarity"]
    assert table["rank"].tolist() == list(range(1, len(table) + 1)) and len(table) > 0
    variants = load_lexicon()["cross_region"].terms
    assert not any(t in v for t in table["term"] for v in variants)  # no variant nor a piece of one
    assert (paths.LEXICON_DIR / "themes.toml").read_bytes() == before
    assert suggest_variants("跨省通办", docs, matches, lexicon, min_units=1, model=model).equals(table)


def test_suggestions_find_a_planted_variant():
    """A wording that keeps company with a theme's variants, and nowhere else, ranks first."""
    lex = parse_lexicon(tiny([{"id": "silo", "name": "数据孤岛", "label": "", "variants": [{"term": "数据孤岛"}]}]))
    texts = ["存在数据孤岛和烟囱林立问题", "打破数据孤岛与烟囱林立", "数据孤岛仍然烟囱林立，要推进共享"] + \
            [f"推进第{i}项工作，提升服务水平，推进共享" for i in range(20)]
    units = units_of(*texts)
    docs = documents(units, Tokenizer(cache=False), kinds=["problems"])
    table = suggest_variants("silo", docs, find_matches(units, lex), lexicon=lex)
    assert table["term"].iloc[0] == "烟囱林立" or table["term"].iloc[0] in {"烟囱", "林立"}
    assert "推进" not in set(table["term"].head(3))


def test_cooccurrence_is_symmetric(seeds, matches, lexicon):
    table = cooccurrence(matches, seeds.units, lexicon)
    assert (table.values == table.values.T).all()
    assert table.loc["data_silos", "data_silos"] == 3  # one unit each in 000, 001 and 003


# ---------------------------------------------------------------------- generalisation
def test_municipal_matching_generalises():
    if not paths.MUNICIPAL_DIR.is_dir():
        pytest.skip(paths.shared_absent(paths.MUNICIPAL_DIR))
    corpus = load_corpus(paths.MUNICIPAL_DIR)
    found = find_matches(corpus)
    by_theme = found.groupby("theme")["report_id"].nunique()
    assert by_theme["business_environment"] >= 130  # 营商环境 is in nearly every 政府工作报告
    assert by_theme["cross_region"] >= 30 and by_theme["hotline_12345"] >= 50
    table = theme_prevalence(found, corpus.units)
    assert table["matches"].sum() == len(found)
    # every match quotes its variant (spaces and line breaks aside)
    texts = corpus.reports.set_index("report_id")["text"]
    quoted = [("".join(texts[r][a:b].split())) for r, a, b in zip(found["report_id"], found["start"], found["end"])]
    # full-width letters and signs read as ASCII (崇左 writes 互联网＋政务服务)
    assert all(q.translate(_WIDTH).lower() == t.lower() or t.isascii() for q, t in zip(quoted, found["term"]))


def test_suggestions_for_a_theme_no_unit_names(model_and_docs, matches, lexicon):
    """A corpus where a theme never occurs (provincial reports never say 数据孤岛) gives no candidates, not
    a TypeError from an empty float array."""
    _, docs = model_and_docs
    none = matches.iloc[0:0]
    table = suggest_variants("数据孤岛", docs, none, lexicon)
    assert table.empty and list(table.columns) == ["rank", "term", "units_with_theme", "units", "lift", "z",
                                                   "topic_similarity"]
