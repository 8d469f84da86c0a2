"""Fit the weights of :func:`toolkit.followthrough.label_unit` on the ``tune`` half of the 200-unit gold and
report each evidence variant's agreement on the held-out ``test`` half.

    .venv/bin/python tests/gold/followthrough_fit.py

For every plan unit of the gold, :func:`toolkit.followthrough.follow_through` gives the evidence
(TF-IDF cosine, themes, numbers, named things, concreteness, word vectors). Each variant is a set of
evidence; for each, two logistic regressions (is the unit taken up at all; is it reported) are fitted
on the tune half, their C chosen among 0.03, 0.1, 0.3, 1, 3 by 5-fold cross-validation within the tune
half (three shuffles, mean kappa), and agreement (share, Cohen's kappa with label_a) is reported on the
test half only. The last variant's weights, written back on the raw scale, are printed as the
``COEFFICIENTS`` of toolkit/followthrough.py. Needs the shared corpora.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

from toolkit import followthrough as ft
from toolkit import load_corpus, paths

GOLD = paths.PROJECT_ROOT / "tests" / "gold" / "followthrough200.csv"
ROOT = paths.SHARED_DIR / "corpora"
BASE = ["tfidf", "shared", "inrev", "short", "frame"]
VARIANTS = {
    "TF-IDF cosine and themes": BASE,
    "+ number and named-thing matches": BASE + ["numbers", "entities"],
    "+ concreteness of the matching review units": BASE + ["numbers", "entities", "concreteness", "evidence_digits"],
    "+ word vectors": BASE + ["numbers", "entities", "concreteness", "evidence_digits", "vectors"],
    "TF-IDF, themes and word vectors only": BASE + ["vectors"],
}
GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


def features() -> pd.DataFrame:
    gold = ft.read_gold(GOLD)
    corpora = [load_corpus(ROOT / "national-1954-2022"),
               load_corpus([ROOT / "municipal-2024", ROOT / "provincial-2025"], skip_bad=True)]
    table = pd.concat([ft.follow_through(c) for c in corpora], ignore_index=True)
    keyed = table.set_index(["plan_report", "start"])
    rows = []
    for g in gold.itertuples(index=False):
        r = keyed.loc[(g.plan_report, g.start)]
        framing = ft.evidence(r["text"], [])
        rows.append({"id": g.id, "half": g.half, "gold": g.label_a, "second": g.label_b, "tfidf": r["tfidf"],
                     "shared": bool(r["shared_themes"]), "inrev": bool(r["review_themes"]),
                     "short": framing["short"], "frame": framing["frame"], "numbers": r["numbers"],
                     "entities": r["entities"], "concreteness": r["concreteness"],
                     "evidence_digits": bool(ft._DIGIT.search(r["evidence_text"])), "vectors": r["vectors"],
                     "rule": r["label"]})
    return pd.DataFrame(rows)


def fit(train: pd.DataFrame, cols: list[str], c: float):
    from sklearn.linear_model import LogisticRegression

    x = train[cols].to_numpy(float)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    models = {kind: LogisticRegression(C=c).fit((x - mu) / sd, target.astype(int))
              for kind, target in (("mentioned", train["gold"] != "not_mentioned"),
                                   ("reported", train["gold"] == "reported"))}
    weights = {kind: {"intercept": round(float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum()), 6),
                      **{k: round(float(w), 6) for k, w in zip(cols, m.coef_[0] / sd)}}
               for kind, m in models.items()}

    def predict(frame: pd.DataFrame) -> np.ndarray:
        xf = frame[cols].to_numpy(float)
        score = {kind: weights[kind]["intercept"] + xf @ np.array([weights[kind][k] for k in cols]) for kind in weights}
        return np.where(score["reported"] >= 0, "reported", np.where(score["mentioned"] >= 0, "weak", "not_mentioned"))

    return predict, weights


def cross_validated(tune: pd.DataFrame, cols: list[str], c: float) -> float:
    from sklearn.model_selection import StratifiedKFold

    kappas = []
    for seed in (0, 1, 2):
        predicted = np.empty(len(tune), dtype=object)
        for train, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(tune, tune["gold"]):
            predicted[held] = fit(tune.iloc[train], cols, c)[0](tune.iloc[held])
        kappas.append(ft.cohen_kappa(tune["gold"], predicted))
    return float(np.mean(kappas))


def main() -> None:
    warnings.filterwarnings("ignore")
    data = features()
    tune, test = data[data["half"] == "tune"].reset_index(drop=True), data[data["half"] == "test"].reset_index(drop=True)
    print(f"the current label on the test half: share {np.mean(test['rule'] == test['gold']):.2f}, "
          f"kappa {ft.cohen_kappa(test['gold'], test['rule']):.2f}")
    if (data["second"] != "").all():  # the second, independent reader (label_b): not used for any fit
        print(f"the current label against the second reader, test half: share "
              f"{np.mean(test['rule'] == test['second']):.2f}, kappa {ft.cohen_kappa(test['second'], test['rule']):.2f}; "
              f"all 200: share {np.mean(data['rule'] == data['second']):.2f}, "
              f"kappa {ft.cohen_kappa(data['second'], data['rule']):.2f}")
        print(f"the two readers: share {np.mean(data['gold'] == data['second']):.2f}, "
              f"kappa {ft.cohen_kappa(data['gold'], data['second']):.2f} (test half "
              f"{ft.cohen_kappa(test['gold'], test['second']):.2f})")
    weights = None
    for name, cols in VARIANTS.items():
        cv, c = max((cross_validated(tune, cols, c), c) for c in GRID)
        predict, w = fit(tune, cols, c)
        held = predict(test)
        print(f"{name:46s} C={c:<4} tune CV kappa {cv:.2f} | test share {np.mean(held == test['gold']):.2f}, "
              f"kappa {ft.cohen_kappa(test['gold'], held):.2f}")
        if name == "+ word vectors":
            weights = w
    print("COEFFICIENTS =", json.dumps(weights, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
