"""toolkit.topics: the estimator's conventions, planted topics recovered, stability and coherence by
hand, k chosen by the written rule, n_jobs-independence, prevalence by kind with report-level
bootstrap, problem→plan alignment, the CLI contract, and real values from the seeds."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from toolkit import load_corpus
from toolkit.paths import MUNICIPAL_DIR, PROJECT_ROOT, RAW_DIR, shared_absent
from toolkit.tokenize import Tokenizer
from toolkit.topics import (DOCUMENT_COLUMNS, KSelection, TopicModel, agreement, align, average_jaccard, choose_k,
                            documents, lean, npmi_coherence, topic_prevalence, top_indices, trust_notes)

# --------------------------------------------------------------------------- planted topics
#: Three themes, each its own vocabulary; every unit draws from one theme (and a little shared noise).
THEMES = {
    "data": ["数据孤岛", "数据共享", "信息系统", "平台", "对接", "专网", "接口", "数据"],
    "region": ["跨省通办", "异地", "协同", "通办", "清单", "省际", "互认", "联办"],
    "law": ["法治", "学法", "普法", "培训", "依法", "行政", "复议", "执法"],
}
NOISE = ["推进", "加强", "工作"]
#: Within a theme, term i is drawn with probability ∝ 1/(i+1): its top terms have a clear order.
ZIPF = np.array([1 / (i + 1) for i in range(8)]) / sum(1 / (i + 1) for i in range(8))


def planted(n_reports: int = 6, per_report: int = 6, seed: int = 1) -> pd.DataFrame:
    """A documents table: in each report, problem units and plan units, each unit about one theme."""
    rng = np.random.default_rng(seed)
    names = list(THEMES)
    rows = []
    for r in range(n_reports):
        start = 0
        for u in range(per_report):
            kind = "problems" if u < per_report // 3 else "plans"
            theme = names[(r + u) % len(names)]
            tokens = list(rng.choice(THEMES[theme], size=12, p=ZIPF)) + list(rng.choice(NOISE, size=1))
            text = "".join(tokens)
            rows.append({"report_id": f"r{r}", "kind": kind, "section_index": 1 if kind == "problems" else 2,
                         "unit_index": u, "start": start, "end": start + len(text), "text": text,
                         "tokens": [str(t) for t in tokens], "theme": theme})
            start += len(text) + 1
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def docs():
    return planted()


@pytest.fixture(scope="module")
def model(docs):
    return TopicModel(3, min_df=1, max_df=1.0).fit(docs[DOCUMENT_COLUMNS])


def theme_of(terms) -> str:
    """The planted theme most of ``terms`` come from."""
    counts = {name: sum(t in vocab for t in terms) for name, vocab in THEMES.items()}
    return max(counts, key=counts.get)


# --------------------------------------------------------------------------- the estimator
def test_fit_returns_self_and_sets_fitted_attributes(docs):
    model = TopicModel(3, min_df=1)
    with pytest.raises(NotFittedError):
        model.top_terms()
    assert model.fit(docs[DOCUMENT_COLUMNS]) is model
    for name in ("vectorizer_", "nmf_", "tfidf_", "terms_", "components_", "weights_", "documents_", "labels_",
                 "reconstruction_err_", "n_iter_", "converged_"):
        assert hasattr(model, name), name
    assert model.components_.shape == (3, len(model.terms_))
    assert model.weights_.shape == (len(docs), 3)
    assert model.converged_


def test_parameters_are_stored_untouched_and_clone():
    model = TopicModel(7, min_df=3, max_df=0.5, sublinear_tf=False, random_state=42)
    assert model.get_params()["n_components"] == 7
    assert model.get_params()["random_state"] == 42
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "components_")


def test_planted_topics_are_recovered(model):
    assert sorted(theme_of(terms) for terms in model.top_term_lists(5)) == sorted(THEMES)
    for terms in model.top_term_lists(5):
        theme = theme_of(terms)
        assert sum(t in THEMES[theme] for t in terms) >= 4, terms


def test_each_unit_weighs_most_on_its_theme(docs, model):
    topic_theme = [theme_of(t) for t in model.top_term_lists(5)]
    predicted = [topic_theme[k] for k in model.weights_.argmax(axis=1)]
    assert predicted == docs["theme"].tolist()


def test_fitting_twice_and_in_two_instances_is_identical(docs):
    a = TopicModel(3, min_df=1, random_state=7).fit(docs[DOCUMENT_COLUMNS])
    first = a.components_.copy()
    a.fit(docs[DOCUMENT_COLUMNS])
    b = TopicModel(3, min_df=1, random_state=7).fit(docs[DOCUMENT_COLUMNS])
    assert np.array_equal(first, a.components_) and np.array_equal(a.components_, b.components_)
    assert np.array_equal(a.weights_, b.weights_)


def test_token_lists_and_dataframe_give_the_same_topics(docs):
    a = TopicModel(3, min_df=1).fit(docs[DOCUMENT_COLUMNS])
    b = TopicModel(3, min_df=1).fit(docs["tokens"].tolist())
    assert np.array_equal(a.components_, b.components_)
    assert b.documents_ is None
    with pytest.raises(ValueError, match="documents DataFrame"):
        b.top_units()


def test_strings_are_refused_as_documents():
    with pytest.raises(TypeError, match="document 0 is a string"):
        TopicModel(2).fit(["数据孤岛 跨省通办", "法治"])


def test_too_many_topics_is_a_clear_error(docs):
    with pytest.raises(ValueError, match="n_components=500"):
        TopicModel(500, min_df=1).fit(docs[DOCUMENT_COLUMNS])
    with pytest.raises(ValueError, match="cannot fit topics on 2 documents"):
        TopicModel(1, min_df=5).fit([["甲乙"], ["丙丁"]])


def test_top_terms_table(model):
    table = model.top_terms(4)
    assert list(table.columns) == ["topic", "label", "rank", "term", "weight"]
    assert len(table) == 12 and table.groupby("topic")["rank"].apply(list).tolist() == [[1, 2, 3, 4]] * 3
    assert (table.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()
    assert table.groupby("topic")["term"].apply(lambda t: "·".join(t.iloc[:3])).tolist() == model.labels_


def test_top_units_cite_their_words(docs, model):
    top = model.top_units(3)
    assert len(top) == 9
    for row in top.itertuples():
        source = docs[(docs.report_id == row.report_id) & (docs.start == row.start)].iloc[0]
        assert (source.end, source.text, source.kind) == (row.end, row.text, row.kind)
        assert theme_of(source.tokens) == theme_of(model.top_term_lists(5)[row.topic])
    assert top.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing).all()
    assert model.top_units(2, topic=1)["topic"].eq(1).all()


def test_unit_weights_are_shares_and_empty_units_are_flagged(docs, model):
    table = model.unit_weights()
    assert np.allclose(table[[0, 1, 2]].sum(axis=1), 1)
    assert not table["no_terms"].any()
    unseen = pd.DataFrame({"report_id": ["x"], "kind": ["plans"], "section_index": [0], "unit_index": [0],
                           "start": [0], "end": [2], "text": ["无关"], "tokens": [["无关", "词语"]]})
    new = model.unit_weights(unseen)
    assert new["no_terms"].tolist() == [True] and new[[0, 1, 2]].isna().all(axis=None)


# --------------------------------------------------------------------------- stability, coherence, choice
def test_average_jaccard_by_hand():
    assert average_jaccard([1, 2, 3], [1, 2, 3]) == 1
    assert average_jaccard([1, 2, 3], [4, 5, 6]) == 0
    assert average_jaccard([1, 2], [2, 1]) == pytest.approx((0 + 1) / 2)
    # depth 1: {1}/{1,4} → 0; depth 2: {1,2}∩{4,1} = 1 of 3; depth 3: {1,2,3}∩{4,1,2} = 2 of 4
    assert average_jaccard([1, 2, 3], [4, 1, 2]) == pytest.approx((0 + 1 / 3 + 2 / 4) / 3)


def test_agreement_matches_topics_whatever_their_order():
    reference = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    assert agreement(reference, reference[[2, 0, 1]]).tolist() == [1, 1, 1]
    other = np.array([[6, 7, 9], [0, 1, 2], [10, 11, 12]])
    scores = agreement(reference, other)
    assert scores[0] == 1 and scores[2] == pytest.approx(average_jaccard([6, 7, 8], [6, 7, 9])) and scores[1] == 0


def test_npmi_by_hand():
    # four documents; terms 0 and 1 always together (in two of them), term 2 never with them
    binary = sp.csc_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    together = math.log(0.5 / (0.5 * 0.5)) / -math.log(0.5)
    assert together == pytest.approx(1.0)
    assert npmi_coherence(binary, np.array([[0, 1]]))[0] == pytest.approx(1.0)
    assert npmi_coherence(binary, np.array([[0, 2]]))[0] == -1
    assert npmi_coherence(binary, np.array([[0, 1, 2]]))[0] == pytest.approx((1 - 1 - 1) / 3)


def test_top_indices_are_stable_on_ties():
    assert top_indices(np.array([[0.5, 0.5, 0.9, 0.1]]), 3).tolist() == [[2, 0, 1]]


def test_choose_k_follows_the_written_rule():
    table = pd.DataFrame({"k": [2, 3, 4, 5, 6], "stability": [0.97, 0.85, 0.70, 0.86, 0.79],
                          "coherence": [0.1, 0.3, 0.9, 0.3, 0.8]})
    assert choose_k(table) == 3  # 2, 3, 5 reach 0.8; 3 and 5 tie on coherence: the smaller
    assert choose_k(table, min_stability=0.95) == 2  # only k = 2 is stable enough
    assert choose_k(table, min_stability=0.7) == 4
    unstable = table.assign(stability=table["stability"] - 0.5)  # none reaches 0.8: within 0.05 of the best
    assert choose_k(unstable) == 2 and choose_k(unstable, tolerance=0.12) == 3


@pytest.fixture(scope="module")
def selection(docs):
    return KSelection(range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1)).fit(docs[DOCUMENT_COLUMNS])


def test_selection_finds_the_planted_k(selection):
    table = selection.table_.set_index("k")
    assert selection.k_ == 3
    assert table.loc[3, "stability"] > 0.9
    assert table.loc[3, "stability"] > table.loc[[2, 4, 5], "stability"].max()
    assert list(table.columns) == ["stability", "stability_sd", "coherence", "unconverged"]
    assert "coherence" in selection.rule_ and "0.8" in selection.rule_ and "0.05" in selection.rule_


def test_selection_model_is_the_reference_model(selection, docs):
    reference = selection.topic_table()
    assert reference["terms"].tolist() == selection.model_.top_term_lists(5)
    assert reference["label"].tolist() == selection.model_.labels_
    assert reference["stability"].between(0, 1).all()
    alone = TopicModel(3, min_df=1).fit(docs[DOCUMENT_COLUMNS])
    assert np.array_equal(alone.components_, selection.model_.components_)


def test_selection_does_not_depend_on_n_jobs(selection, docs):
    parallel = KSelection(range(2, 6), n_samples=6, top_n=5, n_jobs=2, model=TopicModel(min_df=1)).fit(docs[DOCUMENT_COLUMNS])
    pd.testing.assert_frame_equal(parallel.table_, selection.table_)
    pd.testing.assert_frame_equal(parallel.topics_, selection.topics_)


def test_selection_depends_on_random_state_only_through_the_samples(docs, selection):
    again = KSelection(range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1)).fit(docs[DOCUMENT_COLUMNS])
    pd.testing.assert_frame_equal(again.table_, selection.table_)
    other = KSelection(range(2, 6), n_samples=6, top_n=5, random_state=1,
                       model=TopicModel(min_df=1)).fit(docs[DOCUMENT_COLUMNS])
    assert not other.table_["stability"].equals(selection.table_["stability"])


def test_selection_cache_returns_the_same_result_without_refitting(docs, selection, tmp_path, monkeypatch):
    cached = KSelection(range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1), memory=tmp_path)
    pd.testing.assert_frame_equal(cached.fit(docs[DOCUMENT_COLUMNS]).table_, selection.table_)
    import toolkit.topics

    def refit(*args, **kwargs):
        raise AssertionError("the cached selection fitted an NMF again")

    monkeypatch.setattr(toolkit.topics, "_fit_rankings", refit)
    again = clone(cached).set_params(n_jobs=2).fit(docs[DOCUMENT_COLUMNS])  # n_jobs is not part of the key
    pd.testing.assert_frame_equal(again.topics_, selection.topics_)
    with pytest.raises(AssertionError, match="fitted an NMF again"):  # other samples: a new key
        clone(cached).set_params(random_state=3).fit(docs[DOCUMENT_COLUMNS])


def test_selection_refuses_or_clips_impossible_k(docs):
    few = docs[DOCUMENT_COLUMNS].head(6)
    with pytest.raises(ValueError, match="k up to 9 needs at least"):
        KSelection(range(2, 10), n_samples=2, model=TopicModel(min_df=1)).fit(few)
    clipped = KSelection(range(2, 10), n_samples=2, model=TopicModel(min_df=1), clip=True).fit(few)
    assert clipped.skipped_ == [6, 7, 8, 9] and clipped.table_["k"].tolist() == [2, 3, 4, 5]
    with pytest.raises(ValueError, match="sample_fraction"):
        KSelection(sample_fraction=0).fit(few)



def test_an_unconverged_fit_is_said_once_in_plain_words(docs):
    """scikit-learn's ConvergenceWarning ("Maximum number of iterations … reached") never reaches the
    user: a TopicModel says it once in words, a KSelection counts it and says it in its notes."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TopicModel(3, max_iter=2).fit(docs)
    assert not model.converged_
    assert [str(w.message) for w in caught] == ["NMF did not converge in 2 iterations for k = 3; results are still "
                                                "deterministic: the same input gives the same topics"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing at all from a selection
        selection = KSelection(range(3, 4), n_samples=2, model=TopicModel(max_iter=2)).fit(docs)
    assert selection.convergence_note() == ("NMF did not converge in 2 iterations for k = 3 (3 of its 3 fits); "
                                            "results are still deterministic: the same input gives the same topics")
    assert selection.convergence_note() in trust_notes(docs, selection)["warnings"]
    converged = KSelection(range(3, 4), n_samples=2).fit(docs)
    assert converged.convergence_note() is None and not any("converge" in w for w in trust_notes(docs, converged)["warnings"])


def test_every_entry_point_fits_the_one_default_selection(monkeypatch, seeds):
    """select_topics (the notebooks), build (export) and the topics command all make their KSelection
    with default_selection, and on the same corpus they fit the same matrix: same k, same topics."""
    from toolkit import export, topics

    made = []
    real = topics.default_selection

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(topics, "default_selection", spy)
    corpus = seeds
    small = {"n_samples": 3, "n_jobs": 1, "cache": False}
    noted = topics.select_topics(documents(corpus.units, Tokenizer()), range(2, 5), **small)
    exported = export.build(corpus, k_range=range(2, 5), **small)
    assert len(made) == 2 and made[0].get_params() == made[1].get_params()
    assert made[0].get_params()["k_range"] == range(2, 5) and made[0].clip
    assert exported.manifest["parameters"]["topics"]["k"] == noted.k_
    assert exported.tables["topics"]["terms"].tolist() == [" ".join(t) for t in noted.topic_table()["terms"]]
    defaults = real()
    assert (defaults.k_range, defaults.n_samples, defaults.random_state, defaults.clip) == (range(2, 21), 20, 0, True)
    with pytest.raises(ValueError, match="not both"):
        real(8, range(2, 21))


def test_fast_method_chooses_the_same_k_with_the_same_stability(docs, selection):
    kw = dict(k_range=range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1))
    assert selection.method_ == "full"  # auto: few units
    fast = KSelection(**kw, method="fast").fit(docs[DOCUMENT_COLUMNS])
    assert fast.method_ == "fast" and fast.k_ == selection.k_ == 3
    scored = fast.table_["stability"].notna()
    assert 1 <= scored.sum() < len(scored)  # it stopped once k = 3 was certain
    pd.testing.assert_frame_equal(fast.table_[scored], selection.table_[scored])  # same fits, same numbers
    pd.testing.assert_series_equal(fast.table_["coherence"], selection.table_["coherence"])  # all references
    assert fast.table_.loc[~scored, "stability_sd"].isna().all()
    assert fast.topics_.loc[fast.topics_["k"] == 3, "stability"].notna().all()
    assert np.array_equal(fast.model_.components_, selection.model_.components_)
    parallel = KSelection(**kw, method="fast", n_jobs=2).fit(docs[DOCUMENT_COLUMNS])
    pd.testing.assert_frame_equal(parallel.table_, fast.table_)


def test_fast_method_scores_every_k_when_none_is_stable_enough(docs, selection):
    """A bar no k reaches: the choice is never certain early, so every k is scored, as the full method does."""
    kw = dict(k_range=range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1), min_stability=1.01)
    full = KSelection(**kw, method="full").fit(docs[DOCUMENT_COLUMNS])
    fast = KSelection(**kw, method="fast").fit(docs[DOCUMENT_COLUMNS])
    pd.testing.assert_frame_equal(fast.table_, full.table_)
    assert fast.k_ == full.k_


def test_decided_only_when_no_unscored_k_can_change_the_choice():
    from toolkit.topics import _decided

    coherence = {2: 0.1, 3: 0.5, 4: 0.4, 5: 0.3}  # scored in the order 3, 4, 5, 2
    assert _decided({3: 0.86}, coherence, 0.8, 0.05) == 3
    assert _decided({3: 0.79}, coherence, 0.8, 0.05) is None  # within 0.05 of the best so far, but not 0.8
    assert _decided({3: 0.70, 4: 0.81}, coherence, 0.8, 0.05) == 4
    assert _decided({3: 0.78, 4: 0.81}, coherence, 0.8, 0.05) is None  # 3 is in while nothing beats 0.83
    assert _decided({3: 0.78, 4: 0.81, 5: 0.9}, coherence, 0.8, 0.05) == 4
    for scored in ({3: 0.86}, {3: 0.70, 4: 0.81}, {3: 0.78, 4: 0.81, 5: 0.9}):  # whatever the rest scores
        k = _decided(scored, coherence, 0.8, 0.05)
        for rest in (0.0, 0.5, 0.95, 1.0):
            full = {**{j: rest for j in coherence}, **scored}
            table = pd.DataFrame({"k": list(full), "stability": list(full.values()),
                                  "coherence": [coherence[j] for j in full]})
            assert choose_k(table) == k, (scored, rest)


def test_method_is_checked_and_part_of_the_cache_key(docs, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="method must be one of 'auto', 'full', 'fast', not 'quick'"):
        KSelection(range(2, 4), method="quick").fit(docs[DOCUMENT_COLUMNS])
    import toolkit.topics

    kw = dict(k_range=range(2, 6), n_samples=6, top_n=5, model=TopicModel(min_df=1), memory=tmp_path)
    full = KSelection(**kw, method="full").fit(docs[DOCUMENT_COLUMNS])
    fast = KSelection(**kw, method="fast").fit(docs[DOCUMENT_COLUMNS])
    assert len(list(tmp_path.glob("rankings-*.json"))) == 2  # one entry per method, never the other's
    monkeypatch.setattr(toolkit.topics, "_fit_rankings", lambda *a, **k: pytest.fail("fitted again"))
    again = KSelection(**kw, method="fast").fit(docs[DOCUMENT_COLUMNS])  # read back, unscored ks included
    pd.testing.assert_frame_equal(again.table_, fast.table_)
    pd.testing.assert_frame_equal(again.topics_, fast.topics_)
    pd.testing.assert_frame_equal(KSelection(**kw, method="full").fit(docs[DOCUMENT_COLUMNS]).table_, full.table_)
    with pytest.raises(pytest.fail.Exception, match="fitted again"):  # the rule decides where fast stops: a new key
        KSelection(**kw, method="fast", min_stability=0.7).fit(docs[DOCUMENT_COLUMNS])

# --------------------------------------------------------------------------- problems versus plans
def shares(rows) -> pd.DataFrame:
    """A unit_weights-like table from (report, kind, share of topic 0) rows; topic 1 gets the rest."""
    table = pd.DataFrame(rows, columns=["report_id", "kind", 0])
    table[1] = 1 - table[0]
    table["no_terms"] = False
    return table


def test_prevalence_means_and_report_bootstrap():
    table = shares([("a", "problems", 1.0), ("a", "problems", 0.8), ("a", "plans", 0.0),
                    ("b", "problems", 0.6), ("b", "plans", 0.2), ("b", "plans", 0.4)])
    prev = topic_prevalence(table, n_boot=500).set_index(["topic", "kind"])
    assert prev.loc[(0, "problems"), "prevalence"] == pytest.approx(0.8)
    assert prev.loc[(0, "plans"), "prevalence"] == pytest.approx(0.2)
    assert prev.loc[(1, "plans"), "prevalence"] == pytest.approx(0.8)
    assert prev.loc[(0, "problems"), ["units", "reports", "no_terms"]].tolist() == [3, 2, 0]
    # resampling reports: the interval runs from report b alone (0.6) to report a alone (0.9)
    assert prev.loc[(0, "problems"), "low"] == pytest.approx(0.6)
    assert prev.loc[(0, "problems"), "high"] == pytest.approx(0.9)
    assert (prev["low"] <= prev["prevalence"] + 1e-12).all() and (prev["prevalence"] <= prev["high"] + 1e-12).all()
    assert topic_prevalence(table, n_boot=500).equals(topic_prevalence(table, n_boot=500))


def test_prevalence_counts_empty_units_and_needs_two_reports():
    table = shares([("a", "problems", 1.0), ("a", "plans", 0.0)])
    table.loc[2] = ["a", "plans", np.nan, np.nan, True]
    prev = topic_prevalence(table, n_boot=50).set_index(["topic", "kind"])
    assert prev.loc[(0, "plans"), "no_terms"] == 1 and prev.loc[(0, "plans"), "units"] == 1
    assert prev[["low", "high"]].isna().all(axis=None)  # one report: no interval
    assert lean(table, n_boot=50)["leans"].eq("undetermined").all()


def test_lean_names_the_side_of_the_interval():
    rows = [(r, "problems", 0.9) for r in "abcdef"] + [(r, "plans", 0.1) for r in "abcdef"]
    table = lean(shares(rows), n_boot=200).set_index("topic")
    assert table.loc[0, "leans"] == "problems" and table.loc[1, "leans"] == "plans"
    assert table.loc[0, "difference"] == pytest.approx(-0.8)
    mixed = [(r, "problems", 0.5 + (0.3 if i % 2 else -0.3)) for i, r in enumerate("abcdef")] + \
            [(r, "plans", 0.5 + (0.3 if i % 2 == 0 else -0.3)) for i, r in enumerate("abcdef")]
    assert lean(shares(mixed), n_boot=200)["leans"].eq("neither").all()
    with pytest.raises(ValueError, match="two kinds"):
        lean(shares(rows), kinds=("problems",))


# --------------------------------------------------------------------------- alignment
def test_alignment_pairs_each_problem_with_the_plan_on_its_theme(docs, model):
    result = align(model)
    problems = docs[docs.kind == "problems"]
    assert len(result.problems) == len(problems)
    for row in result.problems.itertuples():
        theme = docs.loc[row.problem, "theme"]
        assert docs.loc[row.problem, "report_id"] == row.report_id
        for space in ("topic", "tfidf"):
            plan = getattr(row, f"{space}_plan")
            assert docs.loc[plan, "report_id"] == row.report_id and docs.loc[plan, "kind"] == "plans"
            assert docs.loc[plan, "theme"] == theme, (space, row.text, docs.loc[plan, "text"])
    assert result.problems["answered"].all()
    per_report = docs.groupby("report_id")["kind"].value_counts().unstack()
    assert len(result.pairs) == int((per_report["problems"] * per_report["plans"]).sum())


def test_a_problem_no_plan_takes_up_is_unanswered(docs):
    changed = docs.copy()
    # report r0's plans now only speak of law; its problems of data and region stay unanswered
    plans = changed.index[(changed.report_id == "r0") & (changed.kind == "plans")]
    for i in plans:
        changed.at[i, "tokens"] = ["法治", "学法", "普法", "培训", "依法", "执法"]
    model = TopicModel(3, min_df=1).fit(changed[DOCUMENT_COLUMNS])
    result = align(model)
    unanswered = result.unanswered()
    r0 = changed[(changed.report_id == "r0") & (changed.kind == "problems")]
    assert set(unanswered["problem"]) == set(r0.index[r0.theme != "law"])
    assert set(unanswered["report_id"]) == {"r0"}


def test_alignment_tables(docs, model):
    result = align(model)
    best = result.best(2, space="tfidf")
    assert best.groupby(["report_id", "problem_start"]).size().eq(2).all()
    assert list(best.columns) == ["report_id", "problem_start", "problem_end", "problem", "rank", "score",
                                  "plan_start", "plan_end", "plan"]
    matrix = result.matrix("r1")
    assert matrix.shape == (2, 4)  # r1's problem units × its plan units
    assert all(label.split(":")[0].isdigit() for label in matrix.index)
    summary = result.summary().set_index("report_id")
    assert summary.loc["r1", ["problems", "plans"]].tolist() == [2, 4]
    with pytest.raises(KeyError, match="nowhere"):
        result.matrix("nowhere")
    with pytest.raises(ValueError, match="space"):
        result.best(space="words")


def test_figures_draw_what_the_tables_hold(docs, model, selection):
    from toolkit.topic_figures import alignment_figure, topic_prevalence_figure, selection_figure

    fig = selection_figure(selection)
    top, bottom = fig.axes
    assert list(top.lines[0].get_xdata()) == list(selection.table_["k"])
    assert [line.get_xdata()[0] for line in bottom.lines[1:]] == [selection.k_]  # the chosen k marked
    prev = topic_prevalence(model.unit_weights(), n_boot=50, labels=model.labels_)
    fig = topic_prevalence_figure(prev)
    assert len(fig.axes[0].get_yticklabels()) == model.n_components
    changed = docs.copy()  # r0's plans only speak of law: its other problems are unanswered
    changed.loc[(changed.report_id == "r0") & (changed.kind == "plans"), "tokens"] = pd.Series(
        [["法治", "学法", "普法", "培训", "依法", "执法"]] * len(changed), index=changed.index)
    result = align(TopicModel(3, min_df=1).fit(changed[DOCUMENT_COLUMNS]))
    (fig,) = alignment_figure(result, ["r0", "r1"])  # one page
    assert len(fig.axes) == 3  # two reports and the colour bar
    unanswered = {f"{a}" for a in result.unanswered().query("report_id == 'r0'")["start"]}
    marked = {t.get_text().split(" ")[1].rstrip(":") for t in fig.axes[0].get_yticklabels() if t.get_text().startswith("×")}
    assert marked == unanswered and len(marked) >= 2
    with pytest.raises(ValueError, match="at least one report"):
        alignment_figure(result, [])


@pytest.fixture(scope="module")
def seed_docs(seeds):
    return documents(seeds.units, Tokenizer(cache=False))


def test_seed_documents_are_the_problem_and_plan_units(seeds, seed_docs):
    units = seeds.units[seeds.units.kind.isin(["problems", "plans"]) & ~seeds.units.role.isin(["lead_in", "closing"])]
    assert list(seed_docs.columns) == DOCUMENT_COLUMNS
    # the two lead-ins ("…存在一些问题和不足，主要表现在：") frame the lists: left out
    assert len(seed_docs) == len(units) and seed_docs["kind"].value_counts().to_dict() == {"plans": 20, "problems": 10}
    for row in seed_docs.itertuples():
        assert seeds.quote(row.report_id, row.start, row.end) == row.text
    yibin = seed_docs[(seed_docs.report_id == "001_88c51d3323158176") & (seed_docs.kind == "problems")]
    assert "数据孤岛" in yibin.iloc[0]["tokens"] and "跨省通办" in yibin.iloc[1]["tokens"]
    with pytest.raises(ValueError, match="unknown section kinds"):
        documents(seeds.units, Tokenizer(cache=False), kinds=("problem",))


def test_seed_alignment_meizhou_hall_problem_meets_the_service_plan(seed_docs):
    """梅州 2020: 一是政务服务"只进一扇门"仍未充分实现 (the hall shared with 梅江区) is answered by
    （三）继续提升综合政务服务能力水平 (the hall's functions, 一窗受理), in both spaces."""
    result = align(TopicModel(10).fit(seed_docs))
    row = result.problems[result.problems.text.str.startswith("一是政务服务“只进一扇门”")].iloc[0]
    for space in ("topic", "tfidf"):
        plan = seed_docs.loc[getattr(row, f"{space}_plan"), "text"]
        assert plan.startswith("(三)继续提升综合政务服务能力水平"), (space, plan)
    assert row.answered


# --------------------------------------------------------------------------- the CLI
def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", "topics", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT.parent, timeout=300)


def test_cli_topics_json_is_complete_and_identical_twice():
    args = [str(RAW_DIR), "--kinds", "problems,plans", "--k-range", "2-5", "--samples", "4", "--n-boot", "200",
            "--no-cache", "--json"]
    first, second = run_cli(*args), run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    result = json.loads(first.stdout)
    assert list(result) == ["reports", "kinds", "units", "terms", "k", "rule", "selection", "skipped", "topics", "notes"]
    assert result["units"] == {"problems": 10, "plans": 20} and result["reports"] == 5
    assert [s["k"] for s in result["selection"]] == [2, 3, 4, 5] and result["k"] in (2, 3, 4, 5)
    assert len(result["topics"]) == result["k"]
    topic = result["topics"][0]
    assert list(topic) == ["topic", "label", "terms", "stability", "coherence", "prevalence", "leans"]
    assert set(topic["prevalence"]) == {"problems", "plans"} and len(topic["terms"]) == 10
    assert topic["leans"] in ("problems", "plans", "neither")


def test_cli_topics_fixed_k_and_errors():
    fixed = run_cli(str(RAW_DIR), "--k", "4", "--samples", "2", "--n-boot", "50", "--no-cache", "--json")
    assert fixed.returncode == 0, fixed.stderr
    result = json.loads(fixed.stdout)
    assert result["k"] == 4 and [s["k"] for s in result["selection"]] == [4]
    too_many = run_cli(str(RAW_DIR), "--k", "300", "--json")
    assert too_many.returncode == 2 and "k up to 300" in too_many.stderr and not too_many.stdout
    bad_kind = run_cli(str(RAW_DIR), "--kinds", "problems,wishes")
    assert bad_kind.returncode == 2 and "unknown section kinds" in bad_kind.stderr


# --------------------------------------------------------------------------- the municipal corpus
@pytest.fixture(scope="module")
def municipal_docs():
    if not MUNICIPAL_DIR.is_dir():
        pytest.skip(shared_absent(MUNICIPAL_DIR))
    return documents(load_corpus(MUNICIPAL_DIR).units, Tokenizer())


def test_municipal_topics_generalise(municipal_docs):
    """On 143 政府工作报告 a 12-topic model finds topics a reader recognises, and the problem units of
    nearly every report get a plan unit to compare with."""
    model = TopicModel(12).fit(municipal_docs)
    assert model.converged_
    blank = municipal_docs[model.unit_weights()["no_terms"]]
    assert len(blank) <= 5 and (blank.empty or blank["tokens"].map(len).max() <= 2), blank[["report_id", "text"]]
    labels = [set(terms) for terms in model.top_term_lists(10)]
    for expected in ("乡村", "就业", "旅游", "生态", "安全"):
        assert any(expected in terms for terms in labels), (expected, model.labels_)
    result = align(model)
    assert result.problems["report_id"].nunique() >= 130
    assert (result.problems["topic_plan"] >= 0).mean() > 0.97
    # a 政府工作报告's problem paragraph names the themes its many plan units take up
    assert result.problems["answered"].mean() > 0.9
    assert result.problems["topic_score"].median() > result.problems["tfidf_score"].median()


def test_trust_notes_warn_when_the_problems_side_is_thin():
    from toolkit.topics import trust_notes

    docs = pd.DataFrame({"kind": ["problems"] * 6 + ["plans"] * 40,
                         "report_id": ["a", "b", "c", "d", "e", "f"] + ["a"] * 40})
    notes = trust_notes(docs)
    assert notes["units"] == {"problems": 6, "plans": 40} and notes["reports"] == {"problems": 6, "plans": 1}
    assert notes["warnings"][0].startswith("the problems side is too thin to read: 6 problem units from 6 reports "
                                           "(1.0 per report;")
    many = pd.DataFrame({"kind": ["problems"] * 150, "report_id": [f"r{i % 30}" for i in range(150)]})
    assert trust_notes(many, kinds=("problems",))["warnings"] == []


def test_documents_leave_lead_ins_and_closings_out():
    units = pd.DataFrame({
        "report_id": ["r"] * 4, "section_index": [1] * 4, "kind": ["problems"] * 4, "unit_index": range(4),
        "marker": [""] * 4, "role": ["lead_in", "item", "item", "closing"], "start": [0, 10, 20, 30],
        "end": [10, 20, 30, 40], "text": ["还存在一些问题，主要表现在：", "一是数据共享不够。", "二是营商环境有待优化。", "对此，我们将认真解决。"]})
    docs = documents(units, Tokenizer(cache=False))
    assert docs["text"].tolist() == ["一是数据共享不够。", "二是营商环境有待优化。"]
