"""toolkit.contrast and toolkit.contrast_figures: keyness (a worked example by hand, group specs, min_count,
G², determinism), places and levels, the figures (byte-stable), and the English glossary's coverage."""
from __future__ import annotations

import math
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from toolkit import load_corpus, paths, plotting
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.contrast import (KEYNESS_COLUMNS, count_matrix, group_mask, keyness, level_prevalence,
                              place_prevalence, term_matrix, top_terms, topic_prevalence_table)
from toolkit.contrast_figures import keyness_figure, keyness_labels, level_figure, tile_map_figure
from toolkit.themes import find_matches, theme_prevalence
from toolkit.tokenize import Tokenizer, read_userdict
from toolkit.topics import documents


# --------------------------------------------------------------------------- the worked example
def toy() -> pd.DataFrame:
    """Two units in A (problems), two in B (plans), one in neither (achievements)."""
    return pd.DataFrame({
        "report_id": ["r1", "r1", "r2", "r2", "r2"],
        "kind": ["problems", "problems", "plans", "plans", "achievements"],
        "section_index": [1, 1, 2, 2, 3], "unit_index": [0, 1, 0, 1, 0],
        "tokens": [["x", "x", "y"], ["x", "z"], ["y", "y", "z"], ["z", "x"], ["w", "x"]],
    })


def test_worked_example_by_hand():
    # A: x=3 y=1 z=1 (n_a=5); B: x=1 y=2 z=2 (n_b=5); the whole corpus (A, B and the achievements unit):
    # x=5 y=3 z=3 w=1 (12 tokens). prior_scale=1: α0 = 1 × (5 + 5) = 10; α_x = 10 × 5/12 = 4.1667.
    table = keyness(toy(), "kind=problems", "kind=plans", prior_scale=1.0, min_count=0).set_index("term")
    alpha_x = 10 * 5 / 12
    a = 3 + alpha_x                     # 7.1667
    b = 1 + alpha_x                     # 5.1667
    odds_a = a / (5 + 10 - a)           # 7.1667 / 7.8333 = 0.91489
    odds_b = b / (5 + 10 - b)           # 5.1667 / 9.8333 = 0.52542
    log_odds = math.log(odds_a) - math.log(odds_b)   # -0.08895 + 0.64355 = 0.55460
    se = math.sqrt(1 / a + 1 / b)       # sqrt(0.13953 + 0.19355) = 0.57713
    z = log_odds / se                   # 0.55460 / 0.57713 = 0.96096
    assert table.loc["x", "prior"] == pytest.approx(alpha_x)
    assert table.loc["x", "log_odds"] == pytest.approx(log_odds)
    assert table.loc["x", "se"] == pytest.approx(se)
    assert table.loc["x", "z"] == pytest.approx(z)
    assert z == pytest.approx(0.96096, abs=1e-4)
    # w is in neither group: count 0, but its prior share still shrinks nothing else
    assert table.loc["w", "count"] == 0 and table.loc["w", "z"] == pytest.approx(0.0)
    assert table.loc[["x", "y", "z"], ["count_a", "count_b", "units_a", "units_b"]].values.tolist() == [
        [3, 1, 2, 1], [1, 2, 1, 1], [1, 2, 1, 2]]
    assert table.loc["x", "rate_a"] == pytest.approx(3 / 5 * 10_000)
    assert table.loc["x", "favours"] == "a" and table.loc["y", "favours"] == "b"
    # G² of [[3, 1], [2, 4]]: expected 2, 2, 3, 3 → 2(3 ln 3/2 + 1 ln 1/2 + 2 ln 2/3 + 4 ln 4/3) = 1.72609
    g2 = 2 * (3 * math.log(3 / 2) + 1 * math.log(1 / 2) + 2 * math.log(2 / 3) + 4 * math.log(4 / 3))
    assert table.loc["x", "g2"] == pytest.approx(g2) and g2 == pytest.approx(1.72609, abs=1e-5)
    assert table.loc["x", "p"] == pytest.approx(chi2_contingency([[3, 1], [2, 4]], correction=False,
                                                                 lambda_="log-likelihood")[1])
    assert list(table.reset_index().columns) == KEYNESS_COLUMNS
    assert table.attrs["tokens_a"] == 5 and table.attrs["alpha0"] == pytest.approx(10)


def test_default_prior_is_the_whole_corpus_scaled_to_a_tenth():
    table = keyness(toy(), "kind=problems", "kind=plans", min_count=0).set_index("term")
    assert table.attrs["alpha0"] == pytest.approx(0.1 * 10)
    assert table["prior"].sum() == pytest.approx(1.0)
    assert table.loc["x", "prior"] == pytest.approx(5 / 12)
    given = keyness(toy(), "kind=problems", "kind=plans", prior={"x": 5, "y": 3, "z": 3, "w": 1}, min_count=0)
    assert np.allclose(given.set_index("term").loc[table.index, "z"], table["z"])
    groups = keyness(toy(), "kind=problems", "kind=plans", prior="groups", min_count=0).set_index("term")
    assert "w" not in groups.index and groups.loc["x", "prior"] == pytest.approx(1.0 * 4 / 10)


def test_g2_matches_scipy_on_random_tables():
    rng = np.random.default_rng(3)
    vocab = [f"t{i}" for i in range(30)]
    units = pd.DataFrame({"kind": ["problems"] * 20 + ["plans"] * 30,
                          "tokens": [list(rng.choice(vocab, size=rng.integers(1, 15))) for _ in range(50)]})
    table = keyness(units, "kind=problems", "kind=plans", min_count=1)
    n_a, n_b = table.attrs["tokens_a"], table.attrs["tokens_b"]
    for row in table.itertuples():
        obs = [[row.count_a, row.count_b], [n_a - row.count_a, n_b - row.count_b]]
        g2, p, _, _ = chi2_contingency(obs, correction=False, lambda_="log-likelihood")
        assert row.g2 == pytest.approx(g2, rel=1e-6, abs=1e-8) and row.p == pytest.approx(p, rel=1e-6, abs=1e-8)


def test_min_count_drops_rows_not_counts():
    full = keyness(toy(), "kind=problems", "kind=plans", min_count=0).set_index("term")
    some = keyness(toy(), "kind=problems", "kind=plans", min_count=4).set_index("term")
    assert list(some.index) == ["x"]  # x: 4 in A and B; y, z: 3; w: 0
    assert some.loc["x", "z"] == full.loc["x", "z"]  # totals and prior unchanged
    assert keyness(toy(), "kind=problems", "kind=plans").empty  # default MIN_COUNT = 5


def test_determinism_and_unit_order():
    units = toy()
    one = keyness(units, "kind=problems", "kind=plans", min_count=0)
    shuffled = units.sample(frac=1, random_state=7)
    two = keyness(shuffled, "kind=problems", "kind=plans", min_count=0)
    pd.testing.assert_frame_equal(one, two)
    matrix, terms = count_matrix(units["tokens"])
    assert list(terms) == ["w", "x", "y", "z"] and matrix.toarray()[0].tolist() == [0, 2, 1, 0]


def test_a_prebuilt_term_matrix_gives_the_same_table():
    units = toy()
    tm = term_matrix(units)
    assert tm.shape == (5, 4) and list(tm.terms) == ["w", "x", "y", "z"] and tm.totals.tolist() == [1, 5, 3, 3]
    for a, b in [("kind=problems", "kind=plans"), ("kind=plans", "rest"), ("kind=achievements", "kind=problems")]:
        pd.testing.assert_frame_equal(keyness(units, a, b, min_count=0), keyness(units, a, b, min_count=0, matrix=tm))
    with pytest.raises(ValueError, match="TermMatrix of these 4 units"):
        keyness(units.head(4), "kind=problems", "kind=plans", matrix=tm)
    with pytest.raises(ValueError, match="TermMatrix"):
        keyness(units, "kind=problems", "kind=plans", matrix=count_matrix(units["tokens"]))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=12), min_size=2, max_size=25), st.data())
def test_packed_group_sums_equal_plain_counts(tokens, data):
    """The packed product (counts and units containing each term in one pass) equals counting by hand."""
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(tokens), max_size=len(tokens))))
    units = pd.DataFrame({"kind": np.where(mask, "problems", "plans"), "tokens": tokens})
    tm = term_matrix(units)
    from toolkit.contrast import _group_sums

    counts, units_with = _group_sums(tm, mask)
    for j, term in enumerate(tm.terms):
        chosen = [t for t, m in zip(tokens, mask) if m]
        assert counts[j] == sum(t.count(term) for t in chosen)
        assert units_with[j] == sum(term in t for t in chosen)


# --------------------------------------------------------------------------- groups
def test_group_specs():
    units = toy()
    reports = pd.DataFrame({"report_id": ["r1", "r2"], "province": ["广东省", "四川省"], "year": [2019, 2022],
                            "level": ["prefecture", "county"]})
    mask = lambda spec, **kw: group_mask(units, spec, reports=reports, **kw).tolist()  # noqa: E731
    assert mask("kind=problems") == [True, True, False, False, False]
    assert mask("kind=problems,plans") == [True, True, True, True, False]
    assert mask("kind!=plans") == [True, True, False, False, True]
    assert mask("province=广东省") == [True, True, False, False, False]
    assert mask("year=2020-2022") == [False, False, True, True, True]
    assert mask("year=2019") == [True, True, False, False, False]
    assert mask("level=county & kind=plans") == [False, False, True, True, False]
    matches = pd.DataFrame({"theme": ["data_silos", "other"], "report_id": ["r2", "r1"],
                            "section_index": [2, 1], "unit_index": [1, 0]})
    assert mask("theme=data_silos", matches=matches) == [False, False, False, True, False]
    assert group_mask(units, np.array([True, False, False, False, False])).sum() == 1
    with pytest.raises(ValueError, match="column=value"):
        group_mask(units, "problems")
    with pytest.raises(ValueError, match="reports=corpus.reports"):
        group_mask(units, "province=广东省")
    with pytest.raises(ValueError, match="booleans"):
        group_mask(units, [1, 0])
    with pytest.raises(ValueError, match="share"):
        keyness(units, "kind=problems", "kind!=plans")
    rest = keyness(units, "kind=problems", "rest", min_count=0)
    assert rest.attrs["units_b"] == 3


@pytest.fixture(scope="module")
def seed_docs(seeds):
    return documents(seeds.units, Tokenizer())


@pytest.fixture(scope="module")
def glossary():
    return plotting.load_glossary()


def test_keyness_on_the_seeds(seeds, seed_docs):
    table = keyness(seed_docs, "kind=problems", "kind=plans", reports=seeds.reports)
    assert table["z"].is_monotonic_decreasing and (table["count"] >= 5).all()
    a, b = top_terms(table, 10)
    assert "问题" in set(a["term"]) and (a["z"] > 0).all() and (b["z"] < 0).all()
    raw = keyness(seeds, "kind=problems", "kind=plans", tokenizer=Tokenizer())  # a Corpus and a tokenizer
    assert raw.attrs["units_a"] >= table.attrs["units_a"]  # raw units keep lead-ins
    themed = keyness(seeds, "theme=data_silos", "rest", tokenizer=Tokenizer(), min_count=2)
    assert themed.attrs["units_a"] > 0


def test_keyness_figure_is_byte_stable(seed_docs, glossary, tmp_path):
    table = keyness(seed_docs, "kind=problems", "kind=plans")
    fig = keyness_figure(table, n=10, lang="both", glossary=glossary, names=("problems", "plans"))
    labels = keyness_labels(fig)
    assert len(labels) == 20 and any("(" in label for label in labels)
    first = plotting.savefig(fig, "keyness", formats=("png", "svg"), directory=tmp_path / "one")
    again = plotting.savefig(keyness_figure(table, n=10, lang="both", glossary=glossary, names=("problems", "plans")),
                             "keyness", formats=("png", "svg"), directory=tmp_path / "two")
    for a, b in zip(first, again):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_term_label(glossary):
    assert plotting.term_label("数据孤岛", "zh", glossary) == "数据孤岛"
    assert plotting.term_label("数据孤岛", "en", glossary) == "data silos"
    assert plotting.term_label("数据孤岛", "both", glossary) == "数据孤岛 (data silos)"
    assert plotting.term_label("没有的词", "en", glossary) == "没有的词"
    with pytest.raises(ValueError):
        plotting.term_label("数据孤岛", "fr", glossary)


# --------------------------------------------------------------------------- places and levels
def synthetic_prevalence() -> tuple[pd.DataFrame, pd.DataFrame]:
    reports = pd.DataFrame({"report_id": ["a", "b", "c", "d", "e"],
                            "province": ["广东省", "广东省", "四川省", "北京市", None],
                            "level": ["province", "prefecture", "prefecture", "county", "national"]})
    table = pd.DataFrame({"theme": ["data_silos"] * 5, "report_id": list("abcde"), "kind": ["problems"] * 5,
                          "matches": [1, 2, 0, 4, 1], "units_matched": [1, 2, 0, 3, 1], "units": [4, 4, 5, 6, 2]})
    table["share"] = table["units_matched"] / table["units"]
    return table, reports


def test_place_prevalence_pools_reports():
    table, reports = synthetic_prevalence()
    places = place_prevalence(table, reports).set_index("place")
    assert places.loc["广东省", "share"] == pytest.approx(3 / 8) and places.loc["广东省", "reports"] == 2
    assert places.loc["四川省", "share"] == 0 and "e" not in places.index and len(places) == 3


def test_level_prevalence_bootstraps_reports():
    table, reports = synthetic_prevalence()
    levels = level_prevalence(table, reports, n_boot=200)
    assert list(levels["level"]) == ["national", "province", "prefecture", "county"]
    prefecture = levels.set_index("level").loc["prefecture"]
    assert prefecture["share"] == pytest.approx(2 / 9) and prefecture["reports"] == 2
    assert 0 <= prefecture["low"] <= prefecture["share"] <= prefecture["high"] <= 2 / 4
    assert levels.set_index("level").loc["county", ["low", "high"]].isna().all()  # one report: no interval
    pd.testing.assert_frame_equal(levels, level_prevalence(table, reports, n_boot=200))


def test_topic_prevalence_table():
    weights = pd.DataFrame({"report_id": ["a", "a", "b"], "kind": ["problems"] * 3, 0: [1.0, 0.5, 0.0],
                            1: [0.0, 0.5, 1.0]})
    long = topic_prevalence_table(weights, labels={0: "数据", 1: "平台"})
    row = long[(long["topic"] == "数据") & (long["report_id"] == "a")].iloc[0]
    assert row["units_matched"] == 1.5 and row["units"] == 2 and row["share"] == 0.75


def test_tile_map_and_level_figures(glossary, tmp_path):
    table, reports = synthetic_prevalence()
    places = place_prevalence(table, reports)
    fig = tile_map_figure(places, lang="both", glossary=glossary)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "粤" in texts and "38%" in texts and "台" in texts and texts.count("–") == 31 - 3
    assert fig.axes[0].get_title() == "数据孤岛 (data silos)"
    first = plotting.savefig(fig, "tiles", formats=("png",), directory=tmp_path / "one")
    again = plotting.savefig(tile_map_figure(places, lang="both", glossary=glossary), "tiles", formats=("png",),
                             directory=tmp_path / "two")
    assert first[0].read_bytes() == again[0].read_bytes()
    left_out = tile_map_figure(places, not_covered=False, lang="zh")
    assert "台" not in [t.get_text() for t in left_out.axes[0].texts]
    short = tile_map_figure(places.assign(place=places["place"].str[:2]), lang="zh")  # short names work too
    assert "38%" in [t.get_text() for t in short.axes[0].texts]
    level = level_figure(level_prevalence(table, reports, n_boot=50), lang="en", glossary=glossary)
    assert [t.get_text() for t in level.axes[0].get_yticklabels()] == ["data silos"]


def test_tile_map_rejects_unknown_places():
    with pytest.raises(ValueError, match="province-level"):
        tile_map_figure(pd.DataFrame({"place": ["广州市"], "share": [0.1]}), lang="zh")


def test_prevalence_on_the_seeds(seeds):
    table = theme_prevalence(find_matches(seeds), seeds)
    places = place_prevalence(table, seeds.reports, kinds="problems")
    assert set(places["place"]) <= {"广东省", "四川省", "河南省", "湖南省"}
    levels = level_prevalence(table, seeds.reports, n_boot=100)
    assert set(levels["level"]) == {"prefecture"} and levels["low"].notna().any()


# --------------------------------------------------------------------------- the glossary
def test_glossary_covers_the_lexicons(glossary):
    themes = tomllib.loads((paths.LEXICON_DIR / "themes.toml").read_text(encoding="utf-8"))["theme"]
    indicators = tomllib.loads((paths.LEXICON_DIR / "indicators.toml").read_text(encoding="utf-8"))["indicator"]
    wanted = ([t["name"] for t in themes] + [i["name"] for i in indicators]
              + list(read_userdict(paths.LEXICON_DIR / "userdict.txt")))
    missing = [t for t in wanted if t not in glossary]
    assert not missing, f"terms without an English gloss in data/lexicon/glossary.tsv: {missing}"


#: What a gloss may not hold: brackets (a label would read "工程 (programmes (projects))"), Chinese, semicolons,
#: leading, trailing or doubled spaces.
NOT_A_GLOSS = re.compile(r"[()\[\]{}（）【】;；]|[\u3000-\u9fff]|^\s|\s$|\s{2}")


def _bad_glosses(glossary: dict) -> dict:
    return {term: gloss for term, gloss in glossary.items() if NOT_A_GLOSS.search(gloss)}


def test_glosses_read_as_english(glossary):
    """A gloss sits inside "term (gloss)": one sense in plain English, no brackets of its own."""
    bad = _bad_glosses(glossary)
    assert not bad, f"glosses not in plain English form (data/lexicon/glossary.tsv; a second sense goes in the " \
                    f"source column after 'also:'): {bad}"
    labels = [plotting.term_label(term, "both", glossary) for term in glossary]
    assert all(label.count("(") == 1 and label.endswith(")") for label in labels)


def test_the_gloss_form_check_catches_each_fault():
    glossary = {"工程": "programmes (projects)", "重点": "key [priorities]", "清醒": "sober; clear-eyed", "数据": "数据 data",
                "左右": " about", "实体": "in  person", "群众": "the public", "万亩": "10,000 mu of land"}
    assert set(_bad_glosses(glossary)) == {"工程", "重点", "清醒", "数据", "左右", "实体"}


def _unglossed(labels, glossary) -> list[str]:
    return [label for label in labels if label not in glossary]


def test_keyness_figure_labels_have_glosses_on_the_seeds(seed_docs, glossary):
    table = keyness(seed_docs, "kind=problems", "kind=plans")
    missing = _unglossed(keyness_labels(keyness_figure(table, lang="zh", glossary=glossary)), glossary)
    assert not missing, f"labelled in the keyness figure without a gloss (add to glossary.tsv): {missing}"


@pytest.mark.skipif(not paths.MUNICIPAL_DIR.is_dir(), reason=paths.shared_absent(paths.MUNICIPAL_DIR))
def test_keyness_figure_labels_have_glosses_on_the_municipal_corpus(glossary):
    corpus = load_corpus(paths.MUNICIPAL_DIR)
    docs = documents(corpus.units, Tokenizer(), kinds=("problems", "plans"))
    table = keyness(docs, "kind=problems", "kind=plans", reports=corpus.reports)
    missing = _unglossed(keyness_labels(keyness_figure(table, lang="zh", glossary=glossary)), glossary)
    assert not missing, f"labelled in the keyness figure without a gloss (add to glossary.tsv): {missing}"


@pytest.mark.parametrize("name", paths.SHARED_CORPORA)
def test_notebook_06_keyness_labels_have_glosses_on_every_shared_corpus(name, glossary):
    """The 15 terms of each side notebook 06 labels, as it computes them (achievements in the prior)."""
    folder = paths.SHARED_CORPORA_DIR / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is not beside the project")
    corpus = load_corpus(folder, skip_bad=True)
    docs = documents(corpus.units, Tokenizer(), kinds=("achievements", "problems", "plans"))
    table = keyness(docs, "kind=problems", "kind=plans", reports=corpus.reports)
    side_a, side_b = top_terms(table, 15)
    missing = _unglossed(list(side_a["term"]) + list(side_b["term"]), glossary)
    assert not missing, f"{name}: labelled in notebook 06's keyness figure without a gloss (add to glossary.tsv): " \
                        f"{missing}"


def test_cli_keyness_json():
    import json
    import subprocess
    import sys

    from toolkit.paths import PROJECT_ROOT, RAW_DIR

    out = subprocess.run([sys.executable, "-m", "toolkit", "keyness", str(RAW_DIR), "--a", "kind=problems", "--b",
                          "kind=plans", "--top", "3", "--json"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["a"], result["b"]) == ("kind=problems", "kind=plans")
    terms = result["terms"]
    assert terms[0]["favours"] == "a" and terms[-1]["favours"] == "b" and len(terms) == 6
    assert {"term", "count_a", "count_b", "log_odds", "z", "g2", "p"} <= set(terms[0])
    bad = subprocess.run([sys.executable, "-m", "toolkit", "keyness", str(RAW_DIR), "--a", "colour=red"],
                         capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert bad.returncode == 2 and bad.stderr.startswith("error: keyness: ")
