"""The figures of notebook 05 (over time): targets against outcomes, and themes rising and falling.

Each function takes the tables of :mod:`toolkit.targets` or :mod:`toolkit.themes` and returns a
matplotlib figure (drawn with the project's style and CJK font), or None when the table holds nothing
to draw; :func:`toolkit.plotting.savefig` writes it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import plotting

#: At most this many governments get a panel of their own in :func:`ledger_figure`.
MAX_GOVERNMENTS = 6


def ledger_figure(table: pd.DataFrame, indicator: str = "gdp_growth", name: str = "GDP growth (%)"):
    """Targets (a dot, or a bar from low to high end; hollow for 以上/不低于 floors) and outcomes (a line)
    of one indicator by year, one panel per government (those with the most years first, at most
    :data:`MAX_GOVERNMENTS`); a year whose target was deliberately not set is marked ×. None when no
    government has both a target and an outcome of the indicator."""
    rows = table[table["indicator"] == indicator]
    drawn = rows[rows["target_value"].notna() | rows["outcome_value"].notna() | (rows["verdict"] == "explicitly_absent")]
    usable = drawn.groupby("government")["target_value"].count()
    usable = usable[usable > 0]
    if usable.empty or drawn["outcome_value"].notna().sum() == 0:
        return None
    governments = usable.sort_values(ascending=False, kind="mergesort").index[:MAX_GOVERNMENTS]
    fig, axes = plotting.subplots(len(governments), 1, figsize=(7.2, 1.2 + 2.0 * len(governments)), squeeze=False,
                                  constrained_layout=True)
    for ax, government in zip(axes[:, 0], governments):
        part = drawn[drawn["government"] == government].sort_values("year")
        outcome = part[part["outcome_value"].notna()]
        ax.plot(outcome["year"], outcome["outcome_value"], marker="o", ms=3, lw=1.2, color=plotting.PALETTE[0],
                label="outcome (next report)")
        target = part[part["target_value"].notna()]
        low = target["target_value"].astype(float).to_numpy()
        high = target["target_high"].astype(float).fillna(target["target_value"].astype(float)).to_numpy()
        floor = target["target_qualifier"].isin(["以上", "不低于", "高于"]).to_numpy()
        ax.vlines(target["year"], low, high, color=plotting.PALETTE[1], lw=3, alpha=0.8)
        ax.scatter(target["year"][~floor], low[~floor], s=18, color=plotting.PALETTE[1], zorder=3, label="target")
        ax.scatter(target["year"][floor], low[floor], s=18, facecolors="white", edgecolors=plotting.PALETTE[1],
                   zorder=3, label="target floor (以上/不低于)")
        absent = part[part["verdict"] == "explicitly_absent"]
        if len(absent):
            y = np.nanmedian(outcome["outcome_value"].astype(float)) if len(outcome) else 0.0
            ax.scatter(absent["year"], [y] * len(absent), marker="x", color=plotting.PALETTE[3], s=30, zorder=3,
                       label="no target set (said so)")
        missed = part[part["verdict"] == "missed"]
        ax.scatter(missed["year"], missed["outcome_value"], s=40, facecolors="none", edgecolors=plotting.PALETTE[3],
                   zorder=4, label="missed")
        ax.set_title(government, fontsize=10, loc="left")
        ax.set_ylabel(name)
    axes[0, 0].legend(fontsize=7, ncol=3, loc="upper right", frameon=False)
    axes[-1, 0].set_xlabel("year the target is for")
    return fig


def theme_trend_figure(table: pd.DataFrame, themes=None, labels: dict | None = None, max_themes: int = 6):
    """Share of units naming each chosen theme by year, with its interval (a band; a one-report year's
    Wilson interval and a several-report year's bootstrap interval alike), one panel per theme.
    ``table`` is :func:`toolkit.themes.prevalence_by_year_ci`; ``themes`` the theme ids to draw (default:
    the ``max_themes`` named in most units); ``labels`` maps theme ids to titles. None when no chosen theme
    has two years."""
    data = table[table["year"].notna()]
    if themes is None:
        reach = data.groupby("theme")["units_matched"].sum().sort_values(ascending=False, kind="mergesort")
        themes = [t for t in reach.index if reach[t] > 0][:max_themes]
    themes = [t for t in themes if data.loc[data["theme"] == t, "year"].nunique() >= 2]
    if not themes:
        return None
    fig, axes = plotting.subplots(len(themes), 1, figsize=(7.2, 0.8 + 1.6 * len(themes)), sharex=True, squeeze=False,
                                  constrained_layout=True)
    for i, (ax, theme) in enumerate(zip(axes[:, 0], themes)):
        part = data[data["theme"] == theme].sort_values("year")
        colour = plotting.PALETTE[i % len(plotting.PALETTE)]
        ax.fill_between(part["year"].astype(int), part["low"] * 100, part["high"] * 100, color=colour, alpha=0.2,
                        lw=0, step="mid")
        ax.plot(part["year"].astype(int), part["share"] * 100, marker="o", ms=2.5, lw=1.2, color=colour)
        ax.set_title((labels or {}).get(theme, theme), fontsize=9, loc="left")
        ax.set_ylabel("units (%)")
        ax.set_ylim(bottom=0)
    methods = sorted(set(data.loc[data["theme"].isin(themes), "method"]) - {"none"})
    axes[-1, 0].set_xlabel(f"year under review (band: 95% interval, {' / '.join(methods)})")
    return fig


def amplification_figure(table: pd.DataFrame, indicator: str = "gdp_growth", name: str = "GDP growth target (%)"):
    """层层加码 for one indicator: each government's target (dot) against the target of the government
    above it (open circle) for the same year, one row per government and year, ordered by the gap;
    rows whose gap lies on the stricter side are coloured. ``table`` is
    :func:`toolkit.targets.amplification`. None when it has no row for the indicator."""
    rows = table[table["indicator"] == indicator].sort_values(["gap", "government", "year"], kind="mergesort")
    if rows.empty:
        return None
    fig, ax = plotting.subplots(figsize=(6.4, 1.2 + 0.24 * len(rows)), constrained_layout=True)
    y = np.arange(len(rows))
    colours = [plotting.PALETTE[3] if a else plotting.PALETTE[0] for a in rows["amplified"]]
    ax.hlines(y, rows["parent_value"].astype(float), rows["target_value"].astype(float), color="0.75", lw=1)
    ax.scatter(rows["parent_value"].astype(float), y, s=22, facecolors="white", edgecolors="0.3", zorder=3,
               label="target of the government above")
    ax.scatter(rows["target_value"].astype(float), y, s=22, color=colours, zorder=4,
               label="own target (red: stricter than above)")
    ax.set_yticks(y, [f"{g} {yr}" for g, yr in zip(rows["government"], rows["year"])], fontsize=7)
    ax.set(xlabel=name)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    return fig
