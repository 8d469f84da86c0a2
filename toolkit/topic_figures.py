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


#: The tallest problem-unit block one heatmap panel shows; a report with more is drawn over several panels.
ALIGNMENT_ROWS = 22
#: Inches per heatmap row, and the room a panel's title and column labels take.
CELL = plotting.row_height(5.5)
PANEL_FIXED = 0.75
#: The room a page's title and colour bar take.
PAGE_FIXED = 0.75


def selection_figure(selection):
    """Stability (mean ± sd over the samples) and NPMI coherence against k, the chosen k marked."""
    table = selection.table_
    fig, (top, bottom) = plotting.subplots(2, 1, height=3.4, sharex=True)
    top.errorbar(table["k"], table["stability"], yerr=table["stability_sd"], marker="o", ms=3, capsize=2)
    top.axhline(selection.min_stability, color="0.6", lw=0.8, ls="--")
    top.set(ylabel="stability\n(top-term Jaccard)", ylim=(0, 1.02))
    bottom.plot(table["k"], table["coherence"], marker="o", ms=3, color=plotting.PALETTE[1])
    bottom.set(xlabel="k (number of topics)", ylabel="NPMI coherence")
    for ax in (top, bottom):
        ax.axvline(selection.k_, color=plotting.PALETTE[3], lw=1)
    top.set_title(f"Choosing k: {selection.n_documents_} units, {selection.n_terms_} terms; chosen k = {selection.k_} "
                  f"(red line; dashed: the stability required)")
    bottom.set_xticks(list(table["k"]))
    return fig


def topic_prevalence_figure(table: pd.DataFrame, stability: pd.Series | None = None):
    """Each topic's mean share among problem units and among plan units, with bootstrap intervals
    (``table``: :func:`toolkit.topics.topic_prevalence`); ``stability`` (by topic) is shown in the labels."""
    kinds = list(dict.fromkeys(table["kind"]))
    topics = list(dict.fromkeys(table["topic"]))
    labels = table.drop_duplicates("topic").set_index("topic")["label"]
    fig, ax = plotting.subplots(height=1.1 + 0.26 * len(topics))
    offsets = np.linspace(-0.18, 0.18, len(kinds)) if len(kinds) > 1 else [0.0]
    for i, kind in enumerate(kinds):
        part = table[table["kind"] == kind].set_index("topic").reindex(topics)
        y = np.arange(len(topics)) + offsets[i]
        err = np.vstack([part["prevalence"] - part["low"], part["high"] - part["prevalence"]])
        err = np.where(np.isfinite(err), err, 0)
        ax.errorbar(part["prevalence"], y, xerr=err, fmt="o", ms=3, capsize=2, color=plotting.PALETTE[i], label=kind)
    names = [f"{t}  {labels[t]}" + (f"  (stab. {stability[t]:.2f})" if stability is not None else "")
             for t in topics]
    ax.set_yticks(range(len(topics)))
    ax.set_yticklabels(names)
    ax.set_ylim(len(topics) - 0.5, -0.5)
    ax.set(xlabel="mean topic share of the units (95% interval: reports resampled)")
    ax.set_title("Topic prevalence among problem and plan units")
    fig.legend(loc="outside upper right", ncol=len(kinds), frameon=False)
    return fig


def _column_ticks(n: int, width_in: float, font_pt: float = 5.0) -> list[int]:
    """Which of ``n`` columns get a label, so that labels ``font_pt`` high, rotated, never touch in a
    panel ``width_in`` inches wide."""
    room = max(1, int(width_in * 72 / (font_pt * 1.5)))
    step = max(1, -(-n // room))
    return list(range(0, n, step))


def alignment_figure(alignment, report_ids, space: str = "topic", labels: dict | None = None, width: int = 8,
                     rows: int = ALIGNMENT_ROWS) -> list:
    """Heatmaps of problem units (rows) against plan units (columns) of each report, cells the cosine in
    ``space``; the best plan of each problem is boxed, and problems left unanswered are marked ×
    (topic space, cut-off ``alignment.min_score``). Panels sit two to a row; a report with more than
    ``rows`` problem units is drawn over several panels, each titled with the rows it holds; panels
    that do not fit on one page go to the next. Returns the pages (a list of figures)."""
    report_ids = list(report_ids)
    if not report_ids:
        raise ValueError("no report to draw: alignment_figure needs at least one report id")
    panels = []
    # a title starts where its heatmap does, right of the row labels: it may be as wide as a half-page heatmap
    title_width = (plotting.FULL - 0.4) / 2 - 1.35
    names = dict(zip(report_ids, plotting.fit_labels([(labels or {}).get(r, r) for r in report_ids], 6.5,
                                                     title_width)))
    for report in report_ids:
        mat = alignment.matrix(report, space, width=width)
        values = mat.to_numpy(dtype=float)
        best = np.nanargmax(np.where(np.isfinite(values), values, -1), axis=1)
        answered = (np.nanmax(np.where(np.isfinite(values), values, -np.inf), axis=1) >= alignment.min_score
                    if space == "topic" else np.ones(len(values), bool))
        blocks = plotting.pages(range(len(mat)), rows)
        for block in blocks:
            rows_shown = (f"{len(mat)} problems" if len(blocks) == 1
                          else f"problems {block[0] + 1}–{block[-1] + 1} of {len(mat)}")
            panels.append({"report": report, "mat": mat.iloc[block], "best": best[block], "answered": answered[block],
                           "title": f"{names[report]}\n{rows_shown} × {mat.shape[1]} plans"})
    ncols = min(2, len(panels))
    grid_rows = [panels[i:i + ncols] for i in range(0, len(panels), ncols)]
    heights = [max(len(p["mat"]) for p in row) for row in grid_rows]
    page_rows, current, used = [], [], PAGE_FIXED
    for row, h in zip(grid_rows, heights):
        need = PANEL_FIXED + CELL * h
        if current and used + need > plotting.MAX_HEIGHT:
            page_rows.append(current)
            current, used = [], PAGE_FIXED
        current.append((row, h))
        used += need
    page_rows.append(current)
    figures = []
    panel_width = (plotting.FULL - 0.4) / ncols - 1.3  # less the row labels
    for number, page in enumerate(page_rows, 1):
        height = PAGE_FIXED + sum(PANEL_FIXED + CELL * h for _, h in page)
        fig, axes = plotting.subplots(len(page), ncols, height=min(height, plotting.MAX_HEIGHT), squeeze=False,
                                      gridspec_kw={"height_ratios": [max(h, 2) for _, h in page]})
        image = None
        for (row, _), ax_row in zip(page, axes):
            for ax in ax_row[len(row):]:
                ax.set_visible(False)
            for ax, panel in zip(ax_row, row):
                mat = panel["mat"]
                image = ax.imshow(mat.to_numpy(dtype=float), aspect="auto", cmap="Blues", vmin=0, vmax=1,
                                  interpolation="nearest")
                for i, j in enumerate(panel["best"]):
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=plotting.PALETTE[3], lw=0.6))
                ax.set_yticks(range(len(mat)))
                ax.set_yticklabels([("× " if not ok else "") + name for name, ok in zip(mat.index, panel["answered"])],
                                   fontsize=5.5)
                ticks = _column_ticks(mat.shape[1], panel_width)
                ax.set_xticks(ticks)
                ax.set_xticklabels([str(mat.columns[j]).split(":")[0] for j in ticks], rotation=90, fontsize=5)
                ax.set_title(panel["title"], fontsize=6.5)
                ax.tick_params(length=0)
                ax.grid(False)
        fig.colorbar(image, ax=axes.ravel().tolist(), location="bottom", shrink=0.4, aspect=40,
                     label=f"cosine ({space} space); red box: each problem's best plan; ×: unanswered")
        pages = f" (page {number} of {len(page_rows)})" if len(page_rows) > 1 else ""
        fig.suptitle("Which plan units answer each problem unit (rows: problems, columns: plans, by start offset)"
                     + pages)
        figures.append(fig)
    return figures
