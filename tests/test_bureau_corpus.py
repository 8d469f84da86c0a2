"""The core genre on real reports: the 20 bureau reports of ../shared/corpora/bureau-fujian (portal-crawl
exports and saved pages of 13 bodies of 莆田市 and 平潭综合实验区, 2016–2025). Their metadata against the
corpus's MANIFEST.tsv, their sections against hand-placed anchors (tests/gold/bureau_sections.csv)."""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from pathlib import Path

import pandas as pd
import pytest

from toolkit.paths import SHARED_DIR

BUREAU = SHARED_DIR / "corpora" / "bureau-fujian"
GOLD = Path(__file__).parent / "gold" / "bureau_sections.csv"
pytestmark = pytest.mark.skipif(not BUREAU.is_dir(), reason=f"{BUREAU} is absent (the shared corpora sit beside "
                                                             "the project as ../shared; see README)")
#: How far the test looks for an anchor the cleaning moved.
REACH = 300


@pytest.fixture(scope="module")
def bureau():
    from toolkit import load_corpus

    return load_corpus(BUREAU)


def _manifest() -> pd.DataFrame:
    manifest = pd.read_csv(BUREAU / "MANIFEST.tsv", sep="\t")
    manifest["report_id"] = manifest["file"].str.rsplit(".", n=1).str[0]
    return manifest


def test_every_report_is_read_whole(bureau):
    assert len(bureau.reports) == 20 and not bureau.errors
    notes = bureau.reports["notes"].fillna("")
    assert not notes.str.contains("cleaning removed").any()  # no body lost to cleaning


def test_metadata_against_the_manifest(bureau):
    """Agency, government, level, province, city and year right in every report (the goal is 95%), and
    no wrong place: a place is either right or empty."""
    table = bureau.reports.merge(_manifest(), on="report_id", suffixes=("", "_manifest"))
    assert len(table) == 20
    genres = {"rule_of_law": "rule_of_law_report", "work_summary": "work_summary"}
    pingtan = table["agency_manifest"].str.startswith("平潭综合实验区")
    expected = pd.DataFrame({
        "agency": table["agency_manifest"],
        "level": table["level_manifest"],
        "year": table["year_under_review"],
        "genre": table["genre_manifest"].map(genres),
        "province": "福建省",
        # 平潭综合实验区 is administered by the province (data/geo/zones.csv): no city
        "city": pingtan.map({True: None, False: "莆田市"}),
        "government": pingtan.map({True: "平潭综合实验区管理委员会", False: "莆田市人民政府"}),
    })
    def plain(value):  # missing values as one thing, years as ints
        return None if pd.isna(value) else int(value) if isinstance(value, float) else value

    right = {column: [plain(a) == plain(b) for a, b in zip(table[column], expected[column])] for column in expected}
    wrong = {column: table.loc[[not ok for ok in oks], "report_id"].tolist() for column, oks in right.items() if not all(oks)}
    assert not wrong, wrong


def _anchor(text: str, start: int, digest: str, report_id: str) -> int:
    """Where an anchor is in today's text: its offset, or the nearest offset within REACH whose 16
    characters have its hash."""
    def at(offset: int) -> bool:
        return hashlib.sha256(text[offset:offset + 16].encode()).hexdigest()[:16] == digest

    for delta in range(REACH + 1):
        for offset in (start - delta, start + delta):
            if 0 <= offset <= len(text) and at(offset):
                return offset
    raise AssertionError(f"{report_id}: the anchor at {start} is not in the text any more (the cleaning changed "
                         f"near it): label it again (see tests/gold/bureau_sections.csv)")


def _agreement(bureau) -> pd.DataFrame:
    gold = pd.read_csv(GOLD, comment="#", keep_default_na=False, dtype={"part": str})
    texts = dict(zip(bureau.reports["report_id"], bureau.reports["text"]))
    rows = []
    for report_id, anchors in gold.groupby("report_id"):
        text = texts[report_id]
        sections = bureau.sections[bureau.sections["report_id"] == report_id].sort_values("start")
        starts = sections["start"].tolist()
        for anchor in anchors.itertuples():
            at = _anchor(text, anchor.start, anchor.sha256_16, report_id)
            while at < len(text) and text[at].isspace():
                at += 1
            section = sections.iloc[bisect_right(starts, at) - 1]
            rows.append({"report_id": report_id, "anchor": anchor.anchor, "kind": anchor.kind, "part": anchor.part,
                         "found_kind": section["kind"], "found_part": section["part"]})
    return pd.DataFrame(rows)


def test_sections_against_the_hand_labels(bureau):
    """The kind at each hand-placed anchor (84 in 20 reports): at least 0.95 right, and the part
    (first_responsibility) at each anchor that names one."""
    table = _agreement(bureau)
    assert len(table) == len(pd.read_csv(GOLD, comment="#"))
    right = (table["kind"] == table["found_kind"])
    wrong = table[~right]
    assert right.mean() >= 0.95, f"{right.mean():.3f} of anchors right; wrong:\n{wrong.to_string()}"
    named = table[table["part"] != ""]
    assert (named["part"] == named["found_part"]).all(), named.to_string()


def test_every_report_has_its_parts_or_says_it_has_none(bureau):
    """A report without a problems part is a finding (researchers study whether bodies disclose their
    shortcomings), never an error: the parts found per report are a table of its own."""
    from toolkit.dataset import parts_found

    found = parts_found(bureau.sections)
    assert len(found) == 20
    # hand-checked: 7 reports name no shortcoming; one (莆田市人民政府 2020) plans nothing
    assert (found["problems"] == "").sum() == 7
    assert found.index[found["plans"] == ""].tolist() == ["1561537_莆田市人民政府关于2020年法治政府建设工作情况的报告"]
