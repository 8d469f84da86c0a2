"""The intervals every analysis shares: one cluster bootstrap, one Wilson score interval.

>>> weights = resample_clusters(n_clusters=5, n_boot=1000, random_state=0)
>>> replicates = ratio_replicates(weights, matched_per_report, units_per_report)
>>> low, high = percentile_interval(replicates, ci=0.95)

**The cluster bootstrap.** The units of one report (or of one government-year pair) are not
independent, so a share of units is resampled by *clusters*: each replicate draws the clusters with
replacement (``numpy.random.default_rng(random_state).multinomial``: how many times each cluster is
drawn) and recomputes Σ numerator / Σ denominator over the draw. The interval is the percentile
interval of the replicates: :func:`resample_clusters` draws the weights, :func:`ratio_replicates`
applies them, :func:`percentile_interval` reads the interval (several ratios may share one draw, as the
themes of one level of government do). A ``random_state`` may be a seed or a ``numpy.random.Generator``:
several calls on one Generator draw one after the other, as a loop over groups does.

**The Wilson score interval** (:func:`wilson`) of k successes in n trials, for a share whose cluster
is alone (one report in a year): units taken as independent, so narrower than the truth.
:func:`year_intervals` chooses between the two for the by-year tables.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

__all__ = ["YEAR_COLUMNS", "percentile_interval", "ratio_replicates", "resample_clusters", "wilson", "year_intervals"]

#: Columns of :func:`year_intervals`.
YEAR_COLUMNS = ["group", "year", "reports", "units", "hits", "share", "low", "high", "method"]


def resample_clusters(n_clusters: int, n_boot: int = 1000, random_state=0) -> np.ndarray:
    """The weights of a cluster bootstrap: ``n_boot`` × ``n_clusters`` (float), how many times each
    cluster is drawn in each resample of ``n_clusters`` draws with replacement. No cluster: an
    ``n_boot`` × 0 array (and no random number drawn)."""
    if n_clusters == 0:
        return np.zeros((n_boot, 0))
    rng = np.random.default_rng(random_state)
    return rng.multinomial(n_clusters, np.full(n_clusters, 1 / n_clusters), size=n_boot).astype(float)


def _weighted(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Σ over clusters of weight × value: weights (n_boot × clusters) against values (clusters × …)."""
    return weights @ values if values.ndim <= 2 else np.einsum("br,r...->b...", weights, values)


def ratio_replicates(weights: np.ndarray, numerators, denominators) -> np.ndarray:
    """The bootstrap replicates of Σ ``numerators`` / Σ ``denominators`` under ``weights``
    (:func:`resample_clusters`). ``numerators`` and ``denominators`` have one row per cluster; the
    denominators' shape is a prefix of the numerators' (a topic share's units per kind divide every
    topic of the kind). NaN where a replicate's denominator is 0."""
    numerators, denominators = np.asarray(numerators, float), np.asarray(denominators, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        top, bottom = _weighted(weights, numerators), _weighted(weights, denominators)
        return top / bottom.reshape(bottom.shape + (1,) * (top.ndim - bottom.ndim))


def percentile_interval(replicates, ci: float = 0.95, axis: int = 0) -> tuple:
    """The percentile interval (``low``, ``high``) of bootstrap ``replicates`` along ``axis``, NaN
    replicates left out; NaN where every replicate is NaN."""
    alpha = (1 - ci) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: nothing to resample
        low, high = np.nanquantile(replicates, [alpha, 1 - alpha], axis=axis)
    return low, high


def wilson(k, n, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (arrays); NaN where ``n`` is 0."""
    from scipy.stats import norm

    k, n = np.asarray(k, float), np.asarray(n, float)
    z = norm.ppf(1 - (1 - ci) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def year_intervals(frame: pd.DataFrame, n_boot: int = 1000, ci: float = 0.95, random_state: int = 0) -> pd.DataFrame:
    """Shared by the by-year tables: ``frame`` has ``group``, ``year``, ``report_id``, ``hits`` and ``units``
    per report (a report may have zero hits). Per group and year: ``reports``, ``units``, ``hits``,
    ``share`` = hits / units, ``low``, ``high`` and ``method``: ``bootstrap`` (reports resampled within
    the year, ≥ 2 reports), ``wilson`` (one report: units as independent trials) or ``none``.
    Columns :data:`YEAR_COLUMNS`."""
    rng = np.random.default_rng(random_state)
    rows = []
    for (group, year), part in frame.groupby(["group", "year"], sort=True):
        hits, units = part["hits"].to_numpy(float), part["units"].to_numpy(float)
        row = {"group": group, "year": int(year), "reports": len(part), "units": int(units.sum()),
               "hits": int(hits.sum()), "share": hits.sum() / units.sum() if units.sum() else math.nan}
        if len(part) >= 2 and units.sum() > 0:
            replicates = ratio_replicates(resample_clusters(len(part), n_boot, rng), hits, units)
            row["low"], row["high"] = percentile_interval(replicates, ci)
            row["method"] = "bootstrap"
        elif units.sum() > 0:
            low, high = wilson(hits.sum(), units.sum(), ci)
            row["low"], row["high"], row["method"] = float(low), float(high), "wilson"
        else:
            row["low"], row["high"], row["method"] = math.nan, math.nan, "none"
        rows.append(row)
    return pd.DataFrame(rows, columns=YEAR_COLUMNS)
