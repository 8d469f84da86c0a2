"""Draw the 200 plan units of the follow-through gold (tests/gold/followthrough200.csv) and write the
labelling packet a reader labels them from.

    .venv/bin/python tests/gold/followthrough_sample.py --packet /path/outside/the/repository

The population: every plan unit (framing left out) of every government-year pair of the shared corpora
that has one (toolkit.followthrough.pairs): the national series (37 pairs), and the four municipalities
whose 2024 report is in municipal-2024 and whose 2025 report is in provincial-2025 (read together: 4
pairs). Sorted by corpus, year, planning report and offset; numpy.random.default_rng(SEED).choice draws
200 without replacement; they are numbered F001… in that sorted order. A second draw,
default_rng(SPLIT_SEED).permutation, puts 100 in the half the labelling rule is tuned on (``tune``) and
100 in the half agreement is reported on (``test``).

The gold file holds offsets only (no text; the corpora's licences do not allow shipping it): the
planning report and the unit's start and end, the reviewing report, the half, and the labels
(``label_a``: the first reader's, ``label_b``: the second's). The packet, written outside the
repository, holds the codebook and, per pair, the whole review (the achievement sections of the
reviewing report, the part the measure reads) followed by the plan units to read against it.
Re-running keeps the labels already in the gold file.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import load_corpus, paths
from toolkit.followthrough import _content, pairs, read_gold

SEED = 2027
SPLIT_SEED = 27
N = 200
GOLD = paths.PROJECT_ROOT / "tests" / "gold" / "followthrough200.csv"
CODEBOOK = paths.PROJECT_ROOT / "docs" / "05-codebook.md"
CORPORA = {"national-1954-2022": ["national-1954-2022"],
           "municipal-2024+provincial-2025": ["municipal-2024", "provincial-2025"]}
HEADER = """\
# Promise follow-through gold, 200 plan units: made by tests/gold/followthrough_sample.py (population, seeds,
# split: see its docstring); labelled with the codebook docs/05-codebook.md, each plan unit read against the
# whole review (the achievement sections of the reviewing report). No text is stored: corpus (the shared
# corpora read together), year planned and reviewed, the planning report and the unit's offsets in its text,
# the reviewing report, the half (tune: the labelling rule may be tuned on it; test: agreement reported on it
# only), label_a (the first reader, who also wrote the measure) and label_b (a second reader who sees only
# the codebook and the units; empty until those labels come back).
"""


def corpora() -> dict[str, object]:
    root = paths.SHARED_DIR / "corpora"
    return {name: load_corpus([root / f for f in folders], skip_bad=True) for name, folders in CORPORA.items()}


def population(loaded: dict) -> pd.DataFrame:
    rows = []
    for name, corpus in loaded.items():
        plans = _content(corpus.units, "plans")
        for pair in pairs(corpus).itertuples(index=False):
            for u in plans[plans["report_id"] == pair.plan_report].itertuples(index=False):
                rows.append({"corpus": name, "year": pair.year, "plan_report": pair.plan_report, "start": u.start,
                             "end": u.end, "review_report": pair.review_report})
    return pd.DataFrame(rows).sort_values(["corpus", "year", "plan_report", "start"], kind="mergesort",
                                          ignore_index=True)


def sample(pop: pd.DataFrame) -> pd.DataFrame:
    chosen = np.sort(np.random.default_rng(SEED).choice(len(pop), N, replace=False))
    out = pop.iloc[chosen].reset_index(drop=True)
    out.insert(0, "id", [f"F{i + 1:03d}" for i in range(N)])
    half = np.empty(N, dtype=object)
    order = np.random.default_rng(SPLIT_SEED).permutation(N)
    half[order[:N // 2]], half[order[N // 2:]] = "tune", "test"
    out["half"] = half
    out["label_a"], out["label_b"] = "", ""
    return out


def write_gold(table: pd.DataFrame, path: Path = GOLD) -> None:
    if path.exists():  # keep labels already given
        old = read_gold(path).set_index("id")
        for column in ("label_a", "label_b"):
            table[column] = table["id"].map(old[column]).fillna("") if column in old else ""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        table.to_csv(f, index=False)


def write_packet(table: pd.DataFrame, loaded: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CODEBOOK, folder / "codebook.md")
    lines = ["# Follow-through labelling packet: 200 plan units", "",
             "Label each unit reported, weak or not_mentioned by codebook.md, reading the plan unit against the "
             "WHOLE review printed before its units (the achievement sections of the next year's report). "
             "Write your labels into labels.csv (id,label).", ""]
    for (name, plan_report, review_report), units in table.groupby(["corpus", "plan_report", "review_report"],
                                                                     sort=False):
        corpus = loaded[name]
        review = _content(corpus.units, "achievements")
        review = review[review["report_id"] == review_report]
        year = int(units["year"].iloc[0])
        lines += [f"## Pair: plans for {year} ({plan_report}) against the review of {year} ({review_report})", "",
                  "### The review", ""]
        lines += [f"[R{i + 1}] {t}" for i, t in enumerate(review["text"])]
        lines += ["", "### The plan units to label", ""]
        text = corpus.text(plan_report)
        for u in units.itertuples(index=False):
            lines += [f"**{u.id}** {text[u.start:u.end]}", ""]
    (folder / "units.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table[["id"]].assign(label="").to_csv(folder / "labels.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packet", type=Path, help="folder (outside the repository) for the labelling packet")
    args = parser.parse_args()
    loaded = corpora()
    table = sample(population(loaded))
    write_gold(table)
    if args.packet is not None:
        write_packet(table, loaded, args.packet)
    print(f"{len(table)} units, {table['plan_report'].nunique()} planning reports; wrote {GOLD}")


if __name__ == "__main__":
    main()
