"""The figures of notebooks 00–02: report lengths, section lengths by kind, the lexicon's coverage.

Each function takes a table and returns a matplotlib figure sized for a page (:mod:`toolkit.plotting`);
write it with :func:`toolkit.plotting.savefig`, which checks its layout. Where a corpus has more reports
than a page holds, the figure says which it shows and by what rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import plotting


def _thousands(axis) -> None:
    """Counts written 35,000, not 35000."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))

#: Height of one bar row (inches) and the room titles, axis labels and the legend take.
ROW = 0.15
FIXED = 0.95
#: The widest a report's label may be beside its bar (inches; a longer one is shortened in the middle).
LABEL_WIDTH = 2.4
#: Section kinds as the figures name them, in the order of toolkit.sections.KINDS.
KIND_NAMES = {"achievements": "成绩 achievements", "problems": "问题 problems", "plans": "计划 plans",
              "other": "其他 other"}


def report_lengths_figure(lengths: pd.Series, *, most: int | None = None):
    """Characters of each report's cleaned text: one bar per report, longest on top, while they fit on a
    page (``most`` rows; default what fits); beyond that, the distribution (a histogram of all
    reports) with the median, the shortest and the longest named in the title. ``lengths`` is indexed
    by report label."""
    lengths = pd.Series(lengths, dtype=float).dropna()
    if lengths.empty:
        raise ValueError("no report to draw: report_lengths_figure needs at least one length")
    most = plotting.rows_per_page(ROW, FIXED) if most is None else most
    if len(lengths) <= most:
        shown = lengths.sort_values(kind="mergesort")
        fig, ax = plotting.subplots(height=FIXED + ROW * len(shown))
        ax.barh(range(len(shown)), shown.to_numpy(), height=0.7, color=plotting.PALETTE[0])
        ax.set_yticks(range(len(shown)), plotting.fit_labels(shown.index, 7, LABEL_WIDTH))
        ax.set_ylim(-0.6, len(shown) - 0.4)
        ax.set(title=f"每份报告的字数（清理后的正文，{len(shown)} 份）", xlabel="字数", ylabel="")
        ax.grid(axis="y", visible=False)
        _thousands(ax.xaxis)
        return fig
    fig, ax = plotting.subplots(height=2.6)
    bins = np.histogram_bin_edges(lengths.to_numpy(), bins="auto")
    ax.hist(lengths.to_numpy(), bins=bins if len(bins) <= 41 else 40, color=plotting.PALETTE[0], edgecolor="white",
            linewidth=0.4)
    ax.axvline(lengths.median(), color=plotting.PALETTE[3], lw=1)
    shortest, longest = plotting.fit_labels([lengths.idxmin(), lengths.idxmax()], 8.5, 1.6)
    ax.set(title=f"每份报告的字数：{len(lengths)} 份，中位数 {lengths.median():,.0f}（红线）；"
                 f"最短 {shortest} {lengths.min():,.0f}，最长 {longest} {lengths.max():,.0f}",
           xlabel="字数（清理后的正文）", ylabel="报告数")
    _thousands(ax.xaxis)
    return fig


def section_lengths_figure(lengths: pd.DataFrame, *, most: int | None = None):
    """Characters of each report per section kind, stacked bars, one row per report. When the reports do
    not fit on a page (``most`` rows; default what fits), the longest ``most - 1`` are drawn and one
    last row gives the mean of the others ("others: mean of n reports"); the title says so. ``lengths``
    is :func:`toolkit.dataset.section_lengths` indexed by report label."""
    if lengths.empty:
        raise ValueError("no report to draw: section_lengths_figure needs at least one row")
    most = plotting.rows_per_page(ROW, FIXED + 0.25) if most is None else most
    order = lengths.sum(axis=1).sort_values(ascending=False, kind="mergesort").index
    title = f"各报告中各类内容的字数（{len(lengths)} 份）"
    if len(lengths) > most:
        top, rest = order[: most - 1], order[most - 1:]
        shown = lengths.loc[top]
        others = lengths.loc[rest].mean().rename(f"其余 {len(rest)} 份的平均")
        shown = pd.concat([shown, others.to_frame().T])
        title = f"各报告中各类内容的字数：最长的 {len(top)} 份，其余 {len(rest)} 份取平均（共 {len(lengths)} 份）"
    else:
        shown = lengths.loc[order]
    shown = shown.iloc[::-1]  # the longest on top
    fig, ax = plotting.subplots(height=FIXED + 0.25 + ROW * len(shown))
    left = np.zeros(len(shown))
    for i, kind in enumerate(shown.columns):
        values = shown[kind].to_numpy(dtype=float)
        ax.barh(range(len(shown)), values, left=left, height=0.75, color=plotting.PALETTE[i % len(plotting.PALETTE)],
                label=KIND_NAMES.get(kind, kind))
        left += values
    ax.set_yticks(range(len(shown)), plotting.fit_labels(shown.index, 7, LABEL_WIDTH))
    ax.set_ylim(-0.6, len(shown) - 0.4)
    if len(lengths) > most:
        ax.axhline(0.5, color="0.3", lw=0.6, ls=":")
    ax.grid(axis="y", visible=False)
    ax.set(title=title, xlabel="字数（清理后的正文）", ylabel="")
    _thousands(ax.xaxis)
    fig.legend(loc="outside upper center", ncol=len(shown.columns), frameon=False)
    return fig


def lexicon_coverage_figure(coverage: pd.DataFrame, n: int = 25):
    """Tokens of the ``n`` most frequent user-dictionary terms that occur (``coverage``:
    :func:`toolkit.tokenize.term_counts`), most frequent on top; the title says how many terms occur."""
    found = coverage[coverage["tokens"] > 0].sort_values(["tokens", "term"], ascending=[False, True], kind="mergesort")
    if found.empty:
        raise ValueError("no lexicon term occurs: nothing to draw")
    shown = found.head(n).iloc[::-1]
    fig, ax = plotting.subplots(height=FIXED + ROW * len(shown))
    ax.barh(range(len(shown)), shown["tokens"].to_numpy(), height=0.7, color=plotting.PALETTE[0])
    ax.set_yticks(range(len(shown)), list(shown["term"]))
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.grid(axis="y", visible=False)
    more = f"出现最多的 {len(shown)} 个（共 {len(found)} 个出现）" if len(found) > len(shown) else f"{len(shown)} 个出现的词"
    ax.set(title=f"领域词典中各词的出现次数：{more}", xlabel="词元数", ylabel="")
    _thousands(ax.xaxis)
    return fig
