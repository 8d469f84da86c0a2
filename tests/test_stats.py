"""toolkit.stats: the one cluster bootstrap (its draws, its ratios, its percentile interval) and the one
Wilson interval that every analysis uses."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.stats import percentile_interval, ratio_replicates, resample_clusters, wilson


def test_draws_are_numpys_multinomial_of_the_seed():
    """The draws every table's intervals were computed with: numpy's default_rng(seed).multinomial over
    equally likely clusters, so a seed gives the same interval as before stats.py."""
    expected = np.random.default_rng(7).multinomial(4, np.full(4, 1 / 4), size=50).astype(float)
    assert np.array_equal(resample_clusters(4, 50, 7), expected)
    assert resample_clusters(0, 5, 7).shape == (5, 0)


def test_a_generator_draws_one_call_after_the_other():
    """A loop over groups passes one Generator: its calls continue the stream rather than restart it."""
    rng = np.random.default_rng(3)
    first, second = resample_clusters(5, 20, rng), resample_clusters(5, 20, rng)
    again = np.random.default_rng(3)
    assert np.array_equal(first, again.multinomial(5, np.full(5, 0.2), size=20))
    assert np.array_equal(second, again.multinomial(5, np.full(5, 0.2), size=20))
    assert not np.array_equal(first, second)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 12), st.integers(1, 30), st.integers(0, 2 ** 32 - 1))
def test_every_resample_draws_as_many_clusters_as_there_are(n_clusters, n_boot, seed):
    weights = resample_clusters(n_clusters, n_boot, seed)
    assert weights.shape == (n_boot, n_clusters)
    assert (weights >= 0).all() and (weights.sum(axis=1) == n_clusters).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=10), st.integers(0, 1000))
def test_the_replicates_are_shares_and_the_interval_holds_them(cells, seed):
    """Hits never exceed units, so every replicate is a share in [0, 1] (NaN only where a resample drew
    units-free clusters alone), and the interval lies among the replicates."""
    hits = np.array([min(h, u) for h, u in cells], float)
    units = np.array([u for _, u in cells], float)
    replicates = ratio_replicates(resample_clusters(len(cells), 200, seed), hits, units)
    finite = replicates[np.isfinite(replicates)]
    assert ((finite >= 0) & (finite <= 1)).all()
    low, high = percentile_interval(replicates)
    if len(finite):
        assert finite.min() <= low <= high <= finite.max()
    else:
        assert math.isnan(low) and math.isnan(high)


def test_unit_weights_give_the_plain_ratio_and_kinds_broadcast_over_topics():
    """Weights of one per cluster give Σ numerators / Σ denominators; a numerators array of clusters ×
    kinds × topics is divided by the units of its kind (clusters × kinds)."""
    rng = np.random.default_rng(0)
    sums, counts = rng.random((6, 2, 3)), rng.integers(1, 5, (6, 2)).astype(float)
    ones = np.ones((1, 6))
    assert np.allclose(ratio_replicates(ones, sums, counts)[0], sums.sum(axis=0) / counts.sum(axis=0)[:, None])
    weights = resample_clusters(6, 30, 1)
    per_kind = np.stack([ratio_replicates(weights, sums[:, g, :], counts[:, g]) for g in range(2)], axis=1)
    assert per_kind.shape == (30, 2, 3)
    assert np.allclose(ratio_replicates(weights, sums, counts), per_kind)


def test_the_interval_of_nothing_is_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high = percentile_interval(np.full((100, 2), np.nan))
    assert np.isnan(low).all() and np.isnan(high).all()


def test_wilson():
    """Values worked by hand (5 of 10 → 0.2366–0.7634; 0 of 20 → 0 to z²/(n + z²) = 0.1611), NaN
    without trials, arrays in, arrays out."""
    low, high = wilson(5, 10)
    assert (float(low), float(high)) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = wilson(0, 20)
    assert (float(low), float(high)) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))
    low, high = wilson(np.array([1, 9]), np.array([10, 10]), ci=0.9)
    assert low.shape == (2,) and (low < np.array([0.1, 0.9])).all() and (high > np.array([0.1, 0.9])).all()
