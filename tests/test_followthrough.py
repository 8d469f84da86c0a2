"""toolkit.followthrough: pairs, labels on synthetic pairs, thresholds, intervals (deterministic with
random_state), the gold agreement on the national series, theme and topic prevalence by year with
intervals, the trend figure, and the seen_in claims of the lexicon on the national series."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import followthrough as ft
from toolkit import load_corpus, paths
from toolkit.followthrough import (FOLLOW_COLUMNS, FOLLOW_LABELS, PAIR_COLUMNS, SHARE_COLUMNS, by_theme, by_topic,
                                   cohen_kappa, follow_through, gold_agreement, label_unit, pairs, read_gold,
                                   shares, topic_prevalence_by_year)
from toolkit.stats import wilson
from toolkit.themes import find_matches, load_lexicon, parse_lexicon, prevalence_by_year_ci
from toolkit.tokenize import Tokenizer
from toolkit.topics import TopicModel, documents

NATIONAL = paths.SHARED_DIR / "corpora" / "national-1954-2022"
GOLD = paths.PROJECT_ROOT / "tests" / "gold" / "followthrough.csv"


def corpus_of(reports: list[dict]):
    """Synthetic reports: dicts with report_id, year, government and lists ``plans`` and ``achievements``."""
    rep, units = [], []
    for r in reports:
        rep.append({"report_id": r["report_id"], "level": "prefecture", "government": r.get("government", "甲市"),
                    "year": r["year"]})
        offset = 0
        for s, kind in enumerate(("achievements", "plans")):
            for i, text in enumerate(r.get(kind, [])):
                units.append({"report_id": r["report_id"], "section_index": s, "kind": kind, "unit_index": i,
                              "marker": "", "role": "item", "start": offset, "end": offset + len(text), "text": text})
                offset += len(text) + 1
    from types import SimpleNamespace
    return SimpleNamespace(reports=pd.DataFrame(rep), units=pd.DataFrame(units))


PROMISES = ["全面推进农村公路建设，新建改建农村公路二十万公里，实现具备条件的建制村通硬化路",
            "深化放管服改革，推动更多政务服务事项一网通办，优化营商环境",
            "加强海洋渔业资源保护，实行伏季休渔制度，严厉打击非法捕捞行为"]
REVIEW = ["新建改建农村公路二十万公里，具备条件的建制村全部通硬化路，农村公路建设全面推进",
          "营商环境继续改善，市场主体活力增强",
          "城镇新增就业一百万人，居民收入稳步增长"]


@pytest.fixture(scope="module")
def synthetic():
    return corpus_of([{"report_id": "a2020", "year": 2020, "plans": PROMISES},
                      {"report_id": "a2021", "year": 2021, "achievements": REVIEW, "plans": ["今年继续努力工作"]},
                      {"report_id": "b2021", "year": 2021, "government": "乙市", "plans": ["推进某事"]}])


def test_pairs_join_the_plans_of_t_minus_1_with_the_review_of_t(synthetic):
    table = pairs(synthetic)
    assert list(table.columns) == PAIR_COLUMNS
    assert table[["government", "year", "plan_report", "review_report"]].values.tolist() == \
        [["甲市", 2021, "a2020", "a2021"]]  # 乙市 has no report for 2020; a2021's plans wait for 2022


def test_synthetic_pairs_get_their_known_labels(synthetic):
    table = follow_through(synthetic, tokenizer=Tokenizer(cache=False))
    assert list(table.columns) == FOLLOW_COLUMNS
    got = dict(zip(table["unit_index"], table["label"]))
    assert got == {0: "reported", 1: "reported", 2: "not_mentioned"}  # 1: lifted by the shared theme 营商环境
    assert table.iloc[1]["tfidf"] < 0.2  # taken up in other words: lifted by the shared theme 营商环境
    road = table.iloc[0]
    assert road["evidence_report"] == "a2021" and road["evidence_text"] == REVIEW[0]
    assert road["tfidf"] >= 0.5 and road["label"] == "reported"
    env = table.iloc[1]
    assert "business_environment" in env["shared_themes"] and "fangguanfu" not in env["review_themes"]
    units = synthetic.units.set_index(["report_id", "start"])["text"]
    assert units[(road["evidence_report"], road["evidence_start"])] == road["evidence_text"]  # quotable


_EVIDENCE = st.fixed_dictionaries({
    "tfidf": st.floats(0, 1), "shared": st.booleans(), "inrev": st.booleans(), "short": st.booleans(),
    "frame": st.booleans(), "numbers": st.booleans(), "entities": st.booleans(),
    "concreteness": st.floats(0, 6), "evidence_digits": st.booleans(), "vectors": st.floats(-1, 1)})
_ORDER = {"not_mentioned": 0, "weak": 1, "reported": 2}


def test_the_label_rule():
    assert set(ft.COEFFICIENTS["reported"]) == set(ft.COEFFICIENTS["mentioned"]) == {"intercept", *ft.EVIDENCE}
    strong = dict(tfidf=0.6, shared=True, inrev=True, short=False, frame=False, numbers=True, entities=True,
                  concreteness=3.0, evidence_digits=True, vectors=0.9)
    assert label_unit(**strong) == "reported"
    assert label_unit(**dict(strong, tfidf=0.0, shared=False, inrev=False, numbers=False, entities=False,
                        concreteness=0.0, evidence_digits=False, vectors=0.0)) == "not_mentioned"
    assert label_unit(**dict(strong, tfidf=0.05, short=True, vectors=0.2)) == "not_mentioned"  # 各位代表！
    assert label_unit(**dict(strong, vectors=math.nan)) == label_unit(**dict(strong, vectors=0.0))  # no vectors: 0


@settings(max_examples=150, derandomize=True, deadline=None)
@given(_EVIDENCE, st.floats(0, 0.5))
def test_more_shared_wording_never_lowers_a_label(evidence_, more):
    """Both scores grow with the TF-IDF cosine and with a number match: a label can only rise."""
    low = label_unit(**evidence_)
    assert _ORDER[label_unit(**dict(evidence_, tfidf=evidence_["tfidf"] + more))] >= _ORDER[low]
    assert _ORDER[label_unit(**dict(evidence_, numbers=True))] >= _ORDER[label_unit(**dict(evidence_, numbers=False))]


def test_evidence_against_the_whole_review():
    review = ["全市经济平稳增长。", "新建5G基站1.2万个，千兆光网覆盖所有城区。", "三峡工程全面建成，综合效益显著。"]
    found = ft.evidence("新建5G基站1万个，推进千兆光网进小区。", review)
    assert found["numbers"] and not found["entities"] and found["concreteness"] > 0
    assert ft.evidence("加快三峡工程建设。", review)["entities"]  # 加快 leads into the name
    assert not ft.evidence("新建学校10所。", review)["numbers"]
    assert ft.evidence("各位代表！", review)["short"] and ft.evidence("各位代表！", review)["frame"]
    assert ft.evidence("下面，着重讲一下能源和交通。", review)["frame"]
    assert ft.evidence("推进某事", [])["concreteness"] == 0.0


def test_word_vectors_are_checked_before_use(tmp_path):
    vectors = ft.load_vectors()
    assert len(vectors.index) > 5000 and vectors.vectors.shape[1] == 64
    assert abs(float(np.linalg.norm(vectors.mean(["改革", "开放"]))) - 1) < 1e-3
    assert not vectors.mean(["不在词表中的词"]).any()
    digest = ft.VECTORS_SHA256.read_text(encoding="utf-8").split()[0]
    import hashlib

    assert hashlib.sha256(ft.VECTORS.read_bytes()).hexdigest() == digest
    edited = tmp_path / "wordvectors.npz"
    edited.write_bytes(ft.VECTORS.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ft.VectorsError, match="sha256"):
        ft.load_vectors(edited)
    with pytest.raises(ft.VectorsError, match="no such word-vector file"):
        ft.load_vectors(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    (tmp_path / "junk.sha256").write_text(hashlib.sha256(b"not a zip").hexdigest() + "  junk.npz\n")
    with pytest.raises(ft.VectorsError, match="not a word-vector file"):
        ft.load_vectors(junk, tmp_path / "junk.sha256")


def test_kappa():
    """(The Wilson interval is tested in test_stats.)"""
    assert cohen_kappa(["weak", "reported"], ["weak", "reported"]) == 1.0
    assert cohen_kappa(list("aabb"), list("abab"), labels="ab") == pytest.approx(0.0)


def fake_table(n_pairs=12, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_pairs):
        for _ in range(8):
            rows.append({"level": "national", "government": "国务院", "year": 2000 + p,
                         "label": rng.choice(FOLLOW_LABELS),
                         "plan_themes": list(rng.choice(["x", "y"], rng.integers(0, 3))),
                         "dominant_topic": int(rng.integers(0, 3))})
    return pd.DataFrame(rows)


def test_shares_bootstrap_over_pairs_is_deterministic():
    table = fake_table()
    a = shares(table, table["plan_themes"], random_state=7)
    assert list(a.columns) == SHARE_COLUMNS
    assert a.equals(shares(table, table["plan_themes"], random_state=7))
    assert not a.equals(shares(table, table["plan_themes"], random_state=8))
    assert ((a["low"] <= a["share"]) & (a["share"] <= a["high"])).all()
    x = table[table["plan_themes"].map(lambda t: "x" in t)]  # a unit naming x twice counts once
    row = a.set_index("group").loc["x"]
    assert row["plan_units"] == len(x) and row["share"] == pytest.approx((x["label"] == "reported").mean())
    both = shares(table, table["plan_themes"], followed=("reported", "weak"), random_state=7).set_index("group")
    assert (both["share"] >= a.set_index("group")["share"]).all()
    one = shares(table[table["year"] == 2000], table.loc[table["year"] == 2000, "plan_themes"])
    assert one["low"].isna().all()  # one pair: no interval
    topics = by_topic(table, random_state=7)
    assert set(topics["group"]) == {0, 1, 2} and topics["plan_units"].sum() == len(table)
    with pytest.raises(ValueError, match="unknown labels"):
        shares(table, table["plan_themes"], followed="done")


def test_theme_prevalence_by_year_intervals():
    units = pd.DataFrame([{"report_id": r, "section_index": 0, "kind": "plans", "unit_index": i, "start": 10 * i,
                           "end": 10 * i + 6, "text": text}
                          for r, texts in {"p1": ["推进数据共享", "其他工作", "其他工作", "其他工作"],
                                           "p2": ["数据共享平台", "数据共享", "其他工作", "其他工作"],
                                           "n1": ["数据共享", "其他工作"]}.items()
                          for i, text in enumerate(texts)])
    reports = pd.DataFrame({"report_id": ["p1", "p2", "n1"], "year": [2020, 2020, 2021]})
    lex = parse_lexicon({"schema": 1, "theme": [{"id": "share", "name": "数据共享", "label": "",
                                                 "variants": [{"term": "数据共享"}]}]})
    matches = find_matches(units, lex)
    table = prevalence_by_year_ci(matches, units, reports, themes=["share"], random_state=1)
    assert table[["year", "reports", "units", "units_matched", "method"]].values.tolist() == \
        [[2020, 2, 8, 3, "bootstrap"], [2021, 1, 2, 1, "wilson"]]
    assert table["share"].tolist() == [3 / 8, 1 / 2]
    assert tuple(table[["low", "high"]].iloc[1]) == pytest.approx(wilson(1, 2))
    assert table.equals(prevalence_by_year_ci(matches, units, reports, themes=["share"], random_state=1))
    assert (table["low"] <= table["share"]).all() and (table["share"] <= table["high"]).all()


def test_topic_prevalence_by_year_and_trend_figure():
    weights = pd.DataFrame({"report_id": ["a", "a", "b", "b", "c"], "kind": "plans", "no_terms": False,
                            0: [0.9, 0.2, 0.7, 0.1, 0.6], 1: [0.1, 0.8, 0.3, 0.9, 0.4]})
    reports = pd.DataFrame({"report_id": ["a", "b", "c"], "year": [2020, 2020, 2021]})
    table = topic_prevalence_by_year(weights, reports, labels=["甲", "乙"], random_state=0)
    row = table[(table["topic"] == 0) & (table["year"] == 2020)].iloc[0]
    assert (row["hits"], row["units"], row["share"], row["method"], row["label"]) == (2, 4, 0.5, "bootstrap", "甲")
    assert table[table["year"] == 2021]["method"].eq("wilson").all()
    assert table.equals(topic_prevalence_by_year(weights, reports, labels=["甲", "乙"], random_state=0))
    from toolkit.time_figures import theme_trend_figure

    trend = table.rename(columns={"topic": "theme", "hits": "units_matched"})
    fig = theme_trend_figure(trend, themes=[0], labels={0: "甲"})
    assert fig is not None and len(fig.axes) == 1
    assert theme_trend_figure(trend[trend["year"] == 2020]) is None


# ---------------------------------------------------------------------- the national series
@pytest.fixture(scope="module")
def national():
    if not NATIONAL.is_dir():
        pytest.skip(paths.shared_absent(NATIONAL))
    return load_corpus(NATIONAL)


@pytest.fixture(scope="module")
def national_table(national):
    return follow_through(national)


def test_gold_agreement_on_the_national_series(national_table):
    """The first gold: 60 national plan units labelled against the three best TF-IDF matches (not the
    whole review). The old TF-IDF rule was tuned on it (53%, kappa 0.27); the evidence model was not,
    and its reader's rules differ from the codebook's: 48%, kappa 0.21."""
    gold = read_gold(GOLD)
    assert len(gold) == 60 and set(gold["label"]) <= set(FOLLOW_LABELS)
    result = gold_agreement(national_table, gold)
    assert result["missing"] == 0, "gold units no longer start a plan unit: the sections changed"
    assert result["n"] == 60
    print(f"gold agreement: {result['share']:.3f}, kappa {result['kappa']:.3f}")
    assert result["share"] >= 0.42 and result["kappa"] >= 0.12
    assert result["confusion"].to_numpy().sum() == 60


def test_national_follow_through_by_theme(national, national_table):
    pair_table = pairs(national)
    assert len(pair_table) >= 35 and (pair_table["review_report"] != pair_table["plan_report"]).all()
    assert set(national_table["label"]) == set(FOLLOW_LABELS)
    themes = by_theme(national_table, load_lexicon(), random_state=0)
    assert themes.equals(by_theme(national_table, load_lexicon(), random_state=0))
    row = themes.set_index("group").loc["reform_opening"]
    assert row["plan_units"] > 20 and row["pairs"] >= 10 and row["low"] <= row["share"] <= row["high"]


def test_national_topic_follow_through(national, national_table):
    docs = documents(national.units, Tokenizer(), kinds=["plans", "achievements"])
    model = TopicModel(8, random_state=0).fit(docs)
    table = follow_through(national, model=model, pair_table=pairs(national).head(6))
    assert table["topic"].between(0, 1 + 1e-9).all() and (table["dominant_topic"] >= 0).any()
    topics = by_topic(table, model, random_state=0)
    assert set(topics["label"]) <= set(model.labels_)


def test_seen_in_claims_on_the_national_series(national):
    """Each variant occurs in every national report (gov_reports1954-2022#N) its seen_in names."""
    lexicon = load_lexicon()
    claims = [(t.id, v.term, r) for t in lexicon for v in t.variants for r in v.seen_in if r.startswith("gov_reports")]
    assert len(claims) >= 12
    ids = set(national.reports["report_id"])
    for theme, term, report in claims:
        assert report in ids, f"seen_in names {report}, which is not in the national corpus"
        units = national.units[national.units["report_id"] == report]
        single = parse_lexicon({"schema": 1, "theme": [{"id": "x", "name": term, "label": "",
                                                          "variants": [{"term": term}]}]})
        assert len(find_matches(units, single)), f"{term} ({theme}) is not in {report}"


def test_national_themes_rise_and_fall(national):
    table = prevalence_by_year_ci(find_matches(national), national, national.reports,
                                  themes=["reform_opening", "digital_government", "data_sharing", "fangguanfu",
                                          "business_environment"], random_state=0)
    assert set(table["method"]) == {"wilson"}  # one report a year
    share = table.pivot(index="year", columns="theme", values="share")
    assert share.loc[:1986, "reform_opening"].eq(0).all() and share.loc[1987:, "reform_opening"].gt(0).mean() > 0.9
    assert share.loc[:2014, "digital_government"].eq(0).all() and share.loc[2015:, "digital_government"].gt(0).any()


def test_shares_of_a_corpus_without_pairs_is_an_empty_table(seeds):
    """The seeds (one report per government) pair no years: by_theme gives an empty table, no IndexError."""
    lexicon = load_lexicon()
    table = follow_through(seeds, lexicon=lexicon)
    shares_ = by_theme(table, lexicon, random_state=0)
    assert table.empty and shares_.empty


# ---------------------------------------------------------------------- the 200-unit gold (issue 27)
GOLD200 = paths.PROJECT_ROOT / "tests" / "gold" / "followthrough200.csv"
MUNICIPAL = paths.SHARED_DIR / "corpora" / "municipal-2024"
PROVINCIAL = paths.SHARED_DIR / "corpora" / "provincial-2025"


def test_gold200_is_well_formed():
    gold = read_gold(GOLD200)
    assert len(gold) == 200 and gold["id"].is_unique and "text" not in gold.columns
    assert gold["half"].value_counts().to_dict() == {"tune": 100, "test": 100}
    assert set(gold["label_a"]) <= set(FOLLOW_LABELS) and gold["label_a"].notna().all()
    assert (gold["start"] < gold["end"]).all() and (gold["plan_report"] != gold["review_report"]).all()


@pytest.fixture(scope="module")
def municipal_provincial():
    if not (MUNICIPAL.is_dir() and PROVINCIAL.is_dir()):
        pytest.skip(f"shared corpora absent: {MUNICIPAL}, {PROVINCIAL} (expected ../shared beside the project)")
    return load_corpus([MUNICIPAL, PROVINCIAL], skip_bad=True)


def test_gold200_is_the_seeded_draw(national, municipal_provincial):
    """tests/gold/followthrough_sample.py draws the same 200 units from the same population."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sample", paths.PROJECT_ROOT / "tests" / "gold" /
                                                  "followthrough_sample.py")
    sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sample)
    drawn = sample.sample(sample.population({"national-1954-2022": national,
                                             "municipal-2024+provincial-2025": municipal_provincial}))
    gold = read_gold(GOLD200)
    cols = ["id", "corpus", "year", "plan_report", "start", "end", "review_report", "half"]
    assert drawn[cols].astype(str).values.tolist() == gold[cols].astype(str).values.tolist()


def test_held_out_agreement_with_the_200_unit_gold(national_table, municipal_provincial):
    """The label's weights were fitted on the tune half; agreement is stated on the test half only:
    69% and kappa 0.47 when measured (docs/05-over-time.md)."""
    table = pd.concat([national_table, follow_through(municipal_provincial)], ignore_index=True)
    gold = read_gold(GOLD200).rename(columns={"label_a": "label"})
    held_out = gold_agreement(table, gold[gold["half"] == "test"])
    assert held_out["missing"] == 0 and held_out["n"] == 100
    print(f"held-out agreement: {held_out['share']:.2f}, kappa {held_out['kappa']:.2f}")
    assert held_out["share"] >= 0.65 and held_out["kappa"] >= 0.45
