"""Figures of the topic analysis (notebook 03): the choice of k, prevalence by kind, alignment heatmaps.

Each function returns a matplotlib figure drawn with :mod:`toolkit.plotting`'s style and CJK font;
write it with :func:`toolkit.plotting.savefig`. Kept apart from :mod:`toolkit.topics` so the worker
processes of the k selection never import matplotlib.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from . import plotting


def selection_figure(selection):
    """Stability (mean ± sd over the samples) and NPMI coherence against k, the chosen k marked."""
    table = selection.table_
    fig, (top, bottom) = plotting.subplots(2, 1, figsize=(6.4, 4.6), sharex=True, constrained_layout=True)
    top.errorbar(table["k"], table["stability"], yerr=table["stability_sd"], marker="o", ms=3, capsize=2)
    top.axhline(selection.min_stability, color="0.6", lw=0.8, ls="--")
    top.set(ylabel="stability\n(top-term Jaccard)", ylim=(0, 1.02))
    bottom.plot(table["k"], table["coherence"], marker="o", ms=3, color=plotting.PALETTE[1])
    bottom.set(xlabel="k (number of topics)", ylabel="NPMI coherence")
    for ax in (top, bottom):
        ax.axvline(selection.k_, color=plotting.PALETTE[3], lw=1)
    top.set_title(f"Choosing k: {selection.n_documents_} units, {selection.n_terms_} terms; chosen k = {selection.k_}",
                  fontsize=10)
    bottom.set_xticks(list(table["k"]))
    return fig


def topic_prevalence_figure(table: pd.DataFrame, stability: pd.Series | None = None):
    """Each topic's mean share among problem units and among plan units, with bootstrap intervals
    (``table``: :func:`toolkit.topics.topic_prevalence`); ``stability`` (by topic) is shown in the labels."""
    kinds = list(dict.fromkeys(table["kind"]))
    topics = list(dict.fromkeys(table["topic"]))
    labels = table.drop_duplicates("topic").set_index("topic")["label"]
    fig, ax = plotting.subplots(figsize=(6.4, 1.2 + 0.42 * len(topics)), constrained_layout=True)
    offsets = np.linspace(-0.18, 0.18, len(kinds)) if len(kinds) > 1 else [0.0]
    for i, kind in enumerate(kinds):
        part = table[table["kind"] == kind].set_index("topic").reindex(topics)
        y = np.arange(len(topics)) + offsets[i]
        err = np.vstack([part["prevalence"] - part["low"], part["high"] - part["prevalence"]])
        err = np.where(np.isfinite(err), err, 0)
        ax.errorbar(part["prevalence"], y, xerr=err, fmt="o", ms=4, capsize=2, color=plotting.PALETTE[i], label=kind)
    names = [f"{t}  {labels[t]}" + (f"  (stab. {stability[t]:.2f})" if stability is not None else "")
             for t in topics]
    ax.set_yticks(range(len(topics)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="mean topic share of the units (95% interval: reports resampled)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Topic prevalence among problem and plan units", fontsize=10)
    return fig


def alignment_figure(alignment, report_ids, space: str = "topic", labels: dict | None = None, width: int = 8):
    """One heatmap per report: its problem units (rows) against its plan units (columns), cells the
    cosine in ``space``; the best plan of each problem is boxed, and problems left unanswered are
    marked × (topic space, cut-off ``alignment.min_score``)."""
    report_ids = list(report_ids)
    if not report_ids:
        raise ValueError("no report to draw: alignment_figure needs at least one report id")
    mats = [alignment.matrix(r, space, width=width) for r in report_ids]
    heights = [max(2, m.shape[0]) for m in mats]
    fig, axes = plotting.subplots(len(mats), 1, figsize=(7.2, 1.0 + sum(0.3 * h + 0.9 for h in heights)),
                                  gridspec_kw={"height_ratios": heights}, squeeze=False, constrained_layout=True)
    image = None
    for ax, report, mat in zip(axes[:, 0], report_ids, mats):
        values = mat.to_numpy(dtype=float)
        image = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
        best = np.nanargmax(np.where(np.isfinite(values), values, -1), axis=1)
        for i, j in enumerate(best):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=plotting.PALETTE[3], lw=0.8))
        answered = np.nanmax(values, axis=1) >= alignment.min_score if space == "topic" else np.ones(len(values), bool)
        ax.set_yticks(range(len(mat)))
        ax.set_yticklabels([("× " if not ok else "") + name for name, ok in zip(mat.index, answered)], fontsize=6)
        ax.set_xticks(range(mat.shape[1]))
        ax.set_xticklabels([c.split(":")[0] for c in mat.columns], rotation=90, fontsize=5)
        ax.set_title(f"{(labels or {}).get(report, report)}: {mat.shape[0]} problem × {mat.shape[1]} plan units",
                     fontsize=8, loc="left")
        ax.tick_params(length=0)
        ax.grid(False)
    fig.colorbar(image, ax=axes[:, 0].tolist(), shrink=0.6, label=f"cosine ({space} space)")
    fig.suptitle("Which plan units answer each problem unit (rows: problems by offset; columns: plans by offset)",
                 fontsize=9)
    return fig
