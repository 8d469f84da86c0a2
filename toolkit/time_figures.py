"""The figures of notebook 05 (over time): targets against outcomes, and themes rising and falling.

Each function takes the tables of :mod:`toolkit.targets` or :mod:`toolkit.themes` and returns a
matplotlib figure sized for a page (or a list of pages), or None when the table holds nothing to draw;
:func:`toolkit.plotting.savefig` writes it. Years are whole numbers on every axis. A government seen in
three years or more is drawn as a time series, one panel each in a grid sharing both axes; one seen in
one or two years is a dot plot (:func:`target_dots_figure`), never a line. A value outside the
indicator's plausible range (:func:`toolkit.targets.plausible_range`) is suspect: it is drawn as a red
flag (at the edge of the panel when it lies beyond it), never allowed to set the scale, and listed by
:func:`suspect_values`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import plotting

#: At most this many governments get a panel of their own in :func:`ledger_figure` (a grid of 4 × 3).
MAX_GOVERNMENTS = 12
#: A government needs this many years with a value to be drawn as a time series.
SERIES_YEARS = 3
#: Colours of targets, outcomes and flags.
TARGET, OUTCOME, FLAG = plotting.PALETTE[1], plotting.PALETTE[0], plotting.PALETTE[3]
FLOORS = ("以上", "不低于", "高于")


def _plausible(indicator: str):
    from .targets import plausible_range

    try:
        return plausible_range(indicator)
    except KeyError:  # an indicator of the user's own, not in the project's file
        return None


def suspect_values(table: pd.DataFrame, indicator: str = "gdp_growth") -> pd.DataFrame:
    """The targets and outcomes of ``indicator`` in a ledger (:func:`toolkit.targets.ledger`) outside its
    plausible range, or flagged by the ledger's own ``suspect`` column where it has one: one row per
    value, with ``government``, ``year``, ``which`` (target/outcome), ``value``, ``plausible`` and
    ``quote`` (the words it was read from, to check by hand). What figures list under themselves."""
    rows = table[table["indicator"] == indicator]
    bounds = _plausible(indicator)
    out = []
    for r in rows.itertuples(index=False):
        flagged_row = bool(getattr(r, "suspect", False)) if "suspect" in rows.columns else False
        for which, value, quote in (("target", r.target_value, r.target_quote),
                                    ("outcome", r.outcome_value, r.outcome_quote)):
            if value is None or pd.isna(value):
                continue
            outside = bounds is not None and not bounds[0] <= float(value) <= bounds[1]
            if outside or (flagged_row and which == "target" and bounds is None):
                out.append({"government": r.government, "year": int(r.year), "which": which, "value": float(value),
                            "plausible": "" if bounds is None else f"{bounds[0]:g} to {bounds[1]:g}",
                            "quote": (quote or {}).get("text", "") if isinstance(quote, dict) else ""})
    return pd.DataFrame(out, columns=["government", "year", "which", "value", "plausible", "quote"])


def _limits(values: np.ndarray, bounds) -> tuple[float, float]:
    """The value axis: the plausible values with a margin (suspect ones never stretch it)."""
    values = values[np.isfinite(values)]
    if bounds is not None:
        values = values[(values >= bounds[0]) & (values <= bounds[1])]
    if not len(values):
        return (bounds if bounds is not None else (0.0, 1.0))
    low, high = float(values.min()), float(values.max())
    pad = max((high - low) * 0.12, 0.5 if high - low < 4 else 0.0, 1e-6)
    return low - pad, high + pad


def _draw_values(ax, x, values, bounds, limits, *, colour, marker, filled=None, size=16, label=None, z=3):
    """Scatter ``values`` at ``x``; a suspect value (outside ``bounds``) is a red flag, drawn at the edge of
    ``limits`` (▲ above, ▼ below) when it lies beyond them. Returns how many were flagged."""
    values = np.asarray(values, dtype=float)
    x = np.asarray(x, dtype=float)
    filled = np.ones(len(values), bool) if filled is None else np.asarray(filled, bool)
    suspect = np.zeros(len(values), bool) if bounds is None else (values < bounds[0]) | (values > bounds[1])
    ok = ~suspect & np.isfinite(values)
    if (ok & filled).any():
        ax.scatter(x[ok & filled], values[ok & filled], s=size, color=colour, marker=marker, zorder=z, lw=0.8,
                   label=label)
    if (ok & ~filled).any():
        ax.scatter(x[ok & ~filled], values[ok & ~filled], s=size, facecolors="white", edgecolors=colour,
                   marker=marker, zorder=z, lw=0.8)
    for xi, v in zip(x[suspect], values[suspect]):
        if v > limits[1]:
            ax.scatter([xi], [limits[1]], marker="^", s=28, color=FLAG, zorder=5, clip_on=False)
        elif v < limits[0]:
            ax.scatter([xi], [limits[0]], marker="v", s=28, color=FLAG, zorder=5, clip_on=False)
        else:
            ax.scatter([xi], [v], marker="X", s=28, color=FLAG, zorder=5)
    return int(suspect.sum())


def _broken(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` with a gap (NaN) wherever a year is missing, so a line never bridges years without data."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2:
        return x, y
    gaps = np.nonzero(np.diff(x) > 1)[0] + 1
    return np.insert(x, gaps, np.nan), np.insert(y, gaps, np.nan)


def ledger_figure(table: pd.DataFrame, indicator: str = "gdp_growth", name: str = "GDP growth (%)",
                  most: int = MAX_GOVERNMENTS):
    """Targets (a dot, or a bar from low to high end; hollow for 以上/不低于 floors) and outcomes (a line)
    of one indicator by year, one panel per government seen in :data:`SERIES_YEARS` years or more (those
    with the most years first, at most ``most``; the title says how many there are), panels in a grid
    sharing both axes, each titled with its government; a year whose target was deliberately not set is
    marked ×, a missed target ringed, a suspect value flagged red. None when no government has a series
    (see :func:`target_dots_figure` for governments of one or two years)."""
    rows = table[table["indicator"] == indicator]
    drawn = rows[rows["target_value"].notna() | rows["outcome_value"].notna() | (rows["verdict"] == "explicitly_absent")]
    years = drawn.groupby("government")["year"].nunique()
    series = years[years >= SERIES_YEARS]
    if series.empty or drawn["outcome_value"].notna().sum() == 0:
        return None
    order = sorted(series.index, key=lambda g: (-series[g], str(g)))
    governments = order[:most]
    bounds = _plausible(indicator)
    part_all = drawn[drawn["government"].isin(governments)]
    limits = _limits(np.concatenate([part_all["target_value"].astype(float).to_numpy(),
                                     part_all["target_high"].astype(float).to_numpy(),
                                     part_all["outcome_value"].astype(float).to_numpy()]), bounds)
    titles = dict(zip(governments, plotting.fit_labels(governments, 7.5, 3.0)))
    ncols = min(len(governments), plotting.columns_for(list(titles.values()), 7.5))
    nrows = math.ceil(len(governments) / ncols)
    fig, axes = plotting.subplots(nrows, ncols, height=min(plotting.MAX_HEIGHT, 1.0 + 1.55 * nrows), sharex=True,
                                  sharey=True, squeeze=False)
    flagged = 0
    for ax in axes.ravel()[len(governments):]:
        ax.set_visible(False)
    for ax, government in zip(axes.ravel(), governments):
        part = drawn[drawn["government"] == government].sort_values("year")
        outcome = part[part["outcome_value"].notna()]
        values = outcome["outcome_value"].astype(float).to_numpy()
        inside = np.isfinite(values) if bounds is None else (values >= bounds[0]) & (values <= bounds[1])
        ax.plot(*_broken(outcome["year"].to_numpy()[inside], values[inside]), lw=1, color=OUTCOME, zorder=2)
        flagged += _draw_values(ax, outcome["year"], values, bounds, limits, colour=OUTCOME, marker="o", size=9)
        target = part[part["target_value"].notna()]
        low = target["target_value"].astype(float).to_numpy()
        high = target["target_high"].astype(float).fillna(target["target_value"].astype(float)).to_numpy()
        ok = np.ones(len(low), bool) if bounds is None else (low >= bounds[0]) & (high <= bounds[1])
        ax.vlines(target["year"].to_numpy()[ok], low[ok], high[ok], color=TARGET, lw=2.5, alpha=0.8)
        flagged += _draw_values(ax, target["year"], low, bounds, limits, colour=TARGET, marker="o", size=14,
                                filled=~target["target_qualifier"].isin(FLOORS).to_numpy())
        absent = part[part["verdict"] == "explicitly_absent"]
        if len(absent):
            ax.scatter(absent["year"], [limits[0] + 0.06 * (limits[1] - limits[0])] * len(absent), marker="x",
                       color=FLAG, s=20, zorder=3)
        missed = part[(part["verdict"] == "missed") & part["outcome_value"].notna()]
        missed = missed[missed["outcome_value"].astype(float).between(*limits)]
        ax.scatter(missed["year"], missed["outcome_value"].astype(float), s=40, facecolors="none", edgecolors=FLAG,
                   lw=0.8, zorder=4)
        ax.set_title(titles[government], fontsize=7.5)
        plotting.year_axis(ax.xaxis)
    ax0 = axes[0, 0]
    ax0.set_ylim(*limits)
    first, last = int(part_all["year"].min()), int(part_all["year"].max())
    ax0.set_xlim(first - 0.8, last + 0.8)
    for ax in axes[:, 0]:
        ax.set_ylabel(name)
    for ax in axes[-1, :]:
        ax.set_xlabel("year the target is for")
    _legend(fig, flagged, bounds, series=True, absent=bool((part_all["verdict"] == "explicitly_absent").any()),
            missed=bool((part_all["verdict"] == "missed").any()),
            floors=bool(part_all["target_qualifier"].isin(FLOORS).any()))
    shown = "" if len(order) <= most else f": the {most} of {len(order)} governments with the most years"
    fig.suptitle(f"{name}: targets against outcomes by year{shown}")
    return fig


def _legend(fig, flagged: int, bounds, *, series: bool, absent: bool, missed: bool, floors: bool,
            flag: str = "^") -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=OUTCOME, marker="o" if series else "D", ms=3, lw=1 if series else 0,
                      label="outcome (the next report)"),
               Line2D([], [], color=TARGET, marker="o", ms=4, lw=0, label="target (bar: a range)")]
    if floors:
        handles.append(Line2D([], [], color=TARGET, marker="o", ms=4, lw=0, markerfacecolor="white",
                              label="target floor (以上/不低于)"))
    if missed:
        handles.append(Line2D([], [], color=FLAG, marker="o", ms=6, lw=0, markerfacecolor="none", label="missed"))
    if absent:
        handles.append(Line2D([], [], color=FLAG, marker="x", ms=4, lw=0, label="no target set (said so)"))
    if flagged:
        where = "" if bounds is None else f" {bounds[0]:g} to {bounds[1]:g}"
        handles.append(Line2D([], [], color=FLAG, marker=flag, ms=4, lw=0,
                              label=f"suspect: outside{where} (listed below the figure)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3), frameon=False)


def target_dots_figure(table: pd.DataFrame, indicator: str = "gdp_growth", name: str = "GDP growth (%)",
                       *, most: int | None = None) -> list | None:
    """The governments seen in fewer than :data:`SERIES_YEARS` years, as a dot plot: one row per
    government (by name), one panel per year (titled, sharing both axes), the target (dot or range bar;
    hollow for a floor) and the outcome (blue) of that year side by side, a missed target ringed, a
    deliberate absence ×, a suspect value flagged red. More governments than fit on a page (``most``
    rows) go to further pages. None when there is no such government."""
    rows = table[table["indicator"] == indicator]
    drawn = rows[rows["target_value"].notna() | rows["outcome_value"].notna() | (rows["verdict"] == "explicitly_absent")]
    if drawn.empty:
        return None
    years_of = drawn.groupby("government")["year"].nunique()
    governments = sorted(years_of[years_of < SERIES_YEARS].index, key=str)
    if not governments:
        return None
    drawn = drawn[drawn["government"].isin(governments)]
    years = sorted(int(y) for y in drawn["year"].unique())
    bounds = _plausible(indicator)
    limits = _limits(np.concatenate([drawn["target_value"].astype(float).to_numpy(),
                                     drawn["target_high"].astype(float).to_numpy(),
                                     drawn["outcome_value"].astype(float).to_numpy()]), bounds)
    row, fixed = 0.15, 1.35
    most = plotting.rows_per_page(row, fixed) if most is None else most
    figures = []
    ncols = min(4, len(years))
    grid_rows = math.ceil(len(years) / ncols)
    blocks = plotting.pages(governments, max(1, most // grid_rows))
    for number, block in enumerate(blocks, 1):
        fig, axes = plotting.subplots(grid_rows, ncols, height=fixed + row * len(block) * grid_rows, sharex=True,
                                      sharey=True, squeeze=False)
        position = {g: i for i, g in enumerate(block)}
        flagged, absent_any = 0, False
        for ax in axes.ravel()[len(years):]:
            ax.set_visible(False)
        for ax, year in zip(axes.ravel(), years):
            part = drawn[(drawn["year"] == year) & drawn["government"].isin(block)]
            y = part["government"].map(position).to_numpy(dtype=float)
            target = part["target_value"].astype(float).to_numpy()
            high = part["target_high"].astype(float).to_numpy()
            has_range = np.isfinite(target) & np.isfinite(high)
            ok = has_range if bounds is None else has_range & (target >= bounds[0]) & (high <= bounds[1])
            ax.hlines(y[ok] - 0.12, target[ok], high[ok], color=TARGET, lw=2.5, alpha=0.8)
            flagged += _dots(ax, y - 0.12, target, bounds, limits, TARGET,
                             ~part["target_qualifier"].isin(FLOORS).to_numpy())
            flagged += _dots(ax, y + 0.12, part["outcome_value"].astype(float).to_numpy(), bounds, limits, OUTCOME,
                             np.ones(len(part), bool), marker="D", size=9)
            missed = (part["verdict"] == "missed").to_numpy() & np.isfinite(part["outcome_value"].astype(float))
            outcome = part["outcome_value"].astype(float).to_numpy()
            inside = missed & (outcome >= limits[0]) & (outcome <= limits[1])
            ax.scatter(outcome[inside], y[inside] + 0.12, s=36, facecolors="none", edgecolors=FLAG, lw=0.8, zorder=4)
            absent = (part["verdict"] == "explicitly_absent").to_numpy()
            if absent.any():
                absent_any = True
                ax.scatter([limits[0] + 0.04 * (limits[1] - limits[0])] * int(absent.sum()), y[absent] - 0.12,
                           marker="x", color=FLAG, s=16, zorder=3)
            ax.set_title(str(year), fontsize=7.5)
            ax.grid(axis="y", visible=False)
        ax0 = axes[0, 0]
        ax0.set_yticks(range(len(block)), plotting.fit_labels(block, 6.5, 2.2), fontsize=6.5)
        ax0.set_ylim(len(block) - 0.5, -0.5)
        ax0.set_xlim(*limits)
        for ax in axes[-1, :]:
            ax.set_xlabel(name)
        _legend(fig, flagged, bounds, series=False, absent=absent_any, flag=">",
                missed=bool((drawn["verdict"] == "missed").any()),
                floors=bool(drawn["target_qualifier"].isin(FLOORS).any()))
        pages = f" (page {number} of {len(blocks)})" if len(blocks) > 1 else ""
        fig.suptitle(f"{name}: target and outcome of each year, governments seen in one or two years{pages}")
        figures.append(fig)
    return figures


def _dots(ax, y, values, bounds, limits, colour, filled, *, marker="o", size=14) -> int:
    """Values along the x axis at rows ``y`` (the transpose of :func:`_draw_values`); returns the flags."""
    values = np.asarray(values, dtype=float)
    y = np.asarray(y, dtype=float)
    suspect = np.zeros(len(values), bool) if bounds is None else (values < bounds[0]) | (values > bounds[1])
    ok = np.isfinite(values) & ~suspect
    filled = np.asarray(filled, bool)
    ax.scatter(values[ok & filled], y[ok & filled], s=size, color=colour, marker=marker, zorder=3, lw=0.8)
    ax.scatter(values[ok & ~filled], y[ok & ~filled], s=size, facecolors="white", edgecolors=colour, marker=marker,
               zorder=3, lw=0.8)
    for v, yi in zip(values[suspect], y[suspect]):
        if v > limits[1]:
            ax.scatter([limits[1]], [yi], marker=">", s=26, color=FLAG, zorder=5, clip_on=False)
        elif v < limits[0]:
            ax.scatter([limits[0]], [yi], marker="<", s=26, color=FLAG, zorder=5, clip_on=False)
        else:
            ax.scatter([v], [yi], marker="X", s=26, color=FLAG, zorder=5)
    return int(suspect.sum())


def theme_trend_figure(table: pd.DataFrame, themes=None, labels: dict | None = None, max_themes: int = 6):
    """Share of units naming each chosen theme by year, with its 95% interval (a bar; a one-report year's
    Wilson interval and a several-report year's bootstrap interval alike), one panel per theme in a grid
    sharing both axes, each titled; the line breaks where years have no report. With only two years,
    dots with interval bars and no line (two points are not a trend). ``table`` is :func:`toolkit.themes.prevalence_by_year_ci`; ``themes`` the theme ids
    to draw (default: the ``max_themes`` named in most units, the title says so); ``labels`` maps theme
    ids to titles. None when no chosen theme has two years."""
    data = table[table["year"].notna()]
    reach = data.groupby("theme")["units_matched"].sum().sort_values(ascending=False, kind="mergesort")
    named = [t for t in reach.index if reach[t] > 0]
    if themes is None:
        themes = named[:max_themes]
    themes = [t for t in themes if data.loc[data["theme"] == t, "year"].nunique() >= 2]
    if not themes:
        return None
    years = sorted(int(y) for y in data.loc[data["theme"].isin(themes), "year"].unique())
    ncols = min(len(themes), plotting.columns_for([str((labels or {}).get(t, t)) for t in themes], 7.5))
    nrows = math.ceil(len(themes) / ncols)
    fig, axes = plotting.subplots(nrows, ncols, height=min(plotting.MAX_HEIGHT, 0.9 + 1.45 * nrows), sharex=True,
                                  sharey=True, squeeze=False)
    for ax in axes.ravel()[len(themes):]:
        ax.set_visible(False)
    for i, (ax, theme) in enumerate(zip(axes.ravel(), themes)):
        part = data[data["theme"] == theme].sort_values("year")
        colour = plotting.PALETTE[i % len(plotting.PALETTE)]
        x = part["year"].astype(int).to_numpy()
        share, low, high = (part[c].astype(float).to_numpy() * 100 for c in ("share", "low", "high"))
        if len(years) >= SERIES_YEARS:  # an interval bar each year; no line across years without reports
            ax.vlines(x, low, high, color=colour, alpha=0.35, lw=2.2)
            ax.plot(*_broken(x, share), marker="o", ms=2, lw=1, color=colour)
        else:
            err = np.vstack([share - low, high - share])
            ax.errorbar(x, share, yerr=np.where(np.isfinite(err), np.maximum(err, 0), 0), fmt="o", ms=3, capsize=2,
                        color=colour)
        ax.set_title(str((labels or {}).get(theme, theme)), fontsize=7.5)
        plotting.year_axis(ax.xaxis)
    axes[0, 0].set_ylim(bottom=0)
    axes[0, 0].set_xlim(years[0] - (0.6 if len(years) < SERIES_YEARS else 0.5),
                        years[-1] + (0.6 if len(years) < SERIES_YEARS else 0.5))
    for ax in axes[:, 0]:
        ax.set_ylabel("units naming it (%)")
    methods = sorted(set(data.loc[data["theme"].isin(themes), "method"]) - {"none"})
    for ax in axes[-1, :]:
        ax.set_xlabel("year under review")
    shown = f"the {len(themes)} themes named in most units" if len(named) > len(themes) else "each theme"
    fig.suptitle(f"Share of units naming {shown}, by year (bars: 95% interval, {' / '.join(methods) or 'none'})")
    return fig


def amplification_figure(table: pd.DataFrame, indicator: str = "gdp_growth", name: str = "GDP growth target (%)",
                         *, most: int | None = None) -> list | None:
    """层层加码 for one indicator: each government's target (dot) against the target of the government
    above it (open circle) for the same year, one row per government and year, ordered by the gap;
    rows whose gap lies on the stricter side are red; a suspect target is flagged. More rows than fit
    on a page (``most``) go to further pages. ``table`` is :func:`toolkit.targets.amplification`.
    None when it has no row for the indicator; else the pages (a list of figures)."""
    rows = table[table["indicator"] == indicator].sort_values(["gap", "government", "year"], kind="mergesort")
    if rows.empty:
        return None
    from matplotlib.lines import Line2D

    bounds = _plausible(indicator)
    limits = _limits(np.concatenate([rows["target_value"].astype(float).to_numpy(),
                                     rows["parent_value"].astype(float).to_numpy()]), bounds)
    row, fixed = 0.15, 1.15
    most = plotting.rows_per_page(row, fixed) if most is None else most
    blocks = plotting.pages(list(range(len(rows))), most)
    figures = []
    for number, block in enumerate(blocks, 1):
        part = rows.iloc[block]
        fig, ax = plotting.subplots(height=fixed + row * len(part))
        y = np.arange(len(part))
        own = part["target_value"].astype(float).to_numpy()
        parent = part["parent_value"].astype(float).to_numpy()
        ok = np.ones(len(part), bool) if bounds is None else (own >= bounds[0]) & (own <= bounds[1])
        ax.hlines(y[ok], parent[ok], own[ok], color="0.75", lw=1)
        flagged = _dots(ax, y, parent, bounds, limits, "0.3", np.zeros(len(part), bool), size=16)
        amplified = part["amplified"].to_numpy(bool)
        flagged += _dots(ax, y[amplified], own[amplified], bounds, limits, FLAG, np.ones(amplified.sum(), bool), size=16)
        flagged += _dots(ax, y[~amplified], own[~amplified], bounds, limits, OUTCOME, np.ones((~amplified).sum(), bool),
                         size=16)
        ax.set_yticks(y, plotting.fit_labels([f"{g} {yr}" for g, yr in zip(part["government"], part["year"])], 6.5, 2.4),
                      fontsize=6.5)
        ax.set_ylim(len(part) - 0.5, -0.5)
        ax.set_xlim(*limits)
        ax.grid(axis="y", visible=False)
        ax.set(xlabel=name)
        handles = [Line2D([], [], color="0.3", marker="o", markerfacecolor="white", lw=0, ms=4,
                          label="target of the government above"),
                   Line2D([], [], color=OUTCOME, marker="o", lw=0, ms=4, label="own target"),
                   Line2D([], [], color=FLAG, marker="o", lw=0, ms=4, label="own target, stricter than above")]
        if flagged:
            handles.append(Line2D([], [], color=FLAG, marker=">", lw=0, ms=4,
                                  label=f"suspect: outside {bounds[0]:g} to {bounds[1]:g}"))
        fig.legend(handles=handles, loc="outside upper center", ncol=min(4, len(handles)), frameon=False)
        pages = f" (page {number} of {len(blocks)})" if len(blocks) > 1 else ""
        ax.set_title(f"Targets against the level above (层层加码), by gap{pages}")
        figures.append(fig)
    return figures
