"""Boilerplate shares: sentences a unit shares, near-identically, with a report of another body."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from toolkit.boilerplate import boilerplate_shares, by_report, is_boilerplate, normal_form

TEMPLATE = "一是学法用法制度还不够完善，领导干部运用法治思维的能力有待进一步提升。"
OWN = ["全年办理行政审批事项一千二百件，按时办结率达到百分之百。", "新建水利工程三处，完成河道整治四十公里，群众满意度明显提高。",
       "组织开展食品安全专项检查二十次，查处违法案件十五起。", "推动文旅融合发展，新增国家级旅游景区两家。"]


def _corpus(units: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """units as (report_id, agency, text); one report per id."""
    reports = pd.DataFrame({"report_id": [r for r, _, _ in units], "agency": [a for _, a, _ in units],
                            "government": None}).drop_duplicates("report_id")
    table = pd.DataFrame({"report_id": [r for r, _, _ in units], "text": [t for _, _, t in units]})
    table["start"] = 0
    table["end"] = table["text"].str.len()
    table["kind"] = "problems"
    return table, reports


def test_a_sentence_two_bodies_share_is_boilerplate_in_both():
    units, reports = _corpus([("a", "莆田市审计局", TEMPLATE + OWN[0]), ("b", "莆田市水利局", TEMPLATE + OWN[1])])
    assert boilerplate_shares(units, reports).tolist() == [0.5, 0.5]


def test_a_body_repeating_itself_from_year_to_year_is_not_boilerplate():
    units, reports = _corpus([("a2020", "莆田市审计局", TEMPLATE + OWN[0]), ("a2021", "莆田市审计局", TEMPLATE + OWN[1])])
    assert boilerplate_shares(units, reports).tolist() == [0.0, 0.0]


def test_near_identical_sentences_count_and_different_ones_do_not():
    near = TEMPLATE.replace("还不够", "尚不够").replace("一是", "二是")  # another list marker, one word changed
    units, reports = _corpus([("a", "甲局", TEMPLATE), ("b", "乙局", near), ("c", "丙局", OWN[2]), ("d", "丁局", OWN[3])])
    assert boilerplate_shares(units, reports).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_figures_do_not_make_sentences_differ():
    units, reports = _corpus([("a", "甲局", "全年办理行政审批事项1200件，按时办结率达到100%。"),
                              ("b", "乙局", "全年办理行政审批事项875件，按时办结率达到98%。")])
    assert normal_form("办结率达到100%。") == normal_form("办结率达到98%。").replace("00", "000", 1)[:len("办结率达到000")]
    assert boilerplate_shares(units, reports).tolist() == [1.0, 1.0]


def test_short_sentences_are_not_judged():
    units, reports = _corpus([("a", "甲局", "一是加强组织领导。" + OWN[0]), ("b", "乙局", "一是加强组织领导。" + OWN[1])])
    assert boilerplate_shares(units, reports).tolist() == [0.0, 0.0]  # 一是加强组织领导 is too short to judge


def test_the_body_is_the_agency_else_the_government_else_the_report():
    units, reports = _corpus([("a", None, TEMPLATE), ("b", None, TEMPLATE)])
    assert boilerplate_shares(units, reports).tolist() == [1.0, 1.0]  # two reports, no body known: two bodies
    reports["government"] = "莆田市人民政府"
    assert boilerplate_shares(units, reports).tolist() == [0.0, 0.0]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["甲局", "乙局", "丙局"]), st.lists(st.sampled_from([TEMPLATE, *OWN]),
                                                                          min_size=1, max_size=4)),
                min_size=1, max_size=8))
def test_shares_match_the_definition_on_exact_copies(drawn):
    """On sentences that are either copies or far apart, the share is the definition computed by hand."""
    rows = [(f"r{k}", body, "".join(sentences)) for k, (body, sentences) in enumerate(drawn)]
    units, reports = _corpus(rows)
    shares = boilerplate_shares(units, reports).tolist()
    bodies_of: dict[str, set] = {}
    for body, sentences in drawn:
        for s in sentences:
            bodies_of.setdefault(s, set()).add(body)
    expected = [round(sum(len(bodies_of[s]) >= 2 for s in sentences) / len(sentences), 4) for _, sentences in drawn]
    assert shares == expected
    assert shares == boilerplate_shares(units, reports).tolist()  # the same again


def test_exclude_boilerplate_in_documents_and_keyness(seeds):
    from toolkit.contrast import keyness
    from toolkit.tokenize import Tokenizer
    from toolkit.topics import documents

    units = seeds.units.copy()
    units.loc[units.index[:40], "boilerplate"] = 0.75
    tokenizer = Tokenizer()
    all_docs = documents(units, tokenizer).merge(units[["report_id", "start", "boilerplate"]], on=["report_id", "start"])
    own_docs = documents(units, tokenizer, exclude_boilerplate=True)
    assert 0 < len(own_docs) == len(all_docs) - int(is_boilerplate(all_docs).sum()) < len(all_docs)
    docs = documents(units, tokenizer, kinds=("achievements", "problems", "plans", "other"))
    table = keyness(docs.merge(units[["report_id", "start", "boilerplate"]], on=["report_id", "start"]),
                    "kind=problems", "kind=plans", exclude_boilerplate=True)
    assert table.attrs["exclude_boilerplate"] is True
    assert table.attrs["units_a"] + table.attrs["units_b"] < (docs["kind"].isin(["problems", "plans"])).sum()


def test_by_report_weighs_units_by_their_characters():
    units = pd.DataFrame({"report_id": ["a", "a", "b"], "kind": ["problems", "problems", "plans"], "start": [0, 10, 0],
                          "end": [10, 40, 20], "boilerplate": [1.0, 0.0, 0.5]})
    table = by_report(units)
    assert table.loc["a", "problems"] == 0.25 and table.loc["b", "plans"] == 0.5 and np.isnan(table.loc["a", "plans"])


def test_units_without_the_column_are_an_error():
    with pytest.raises(ValueError, match="boilerplate"):
        is_boilerplate(pd.DataFrame({"text": ["x"]}))
