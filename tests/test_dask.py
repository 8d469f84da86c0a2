"""The k selection's fits on a Dask cluster (joblib's ``dask`` backend): identical results.

A :class:`distributed.LocalCluster` of two worker processes, one thread each, stands in for a user's
cluster (``Client("tcp://scheduler:8786")``); the selection itself is unchanged: it only asks joblib
for parallel tasks, and ``joblib.parallel_config(backend="dask")`` sends them to the cluster.
"""
from __future__ import annotations

import logging
import time

import joblib
import pandas as pd
import pytest

from toolkit.tokenize import Tokenizer
from toolkit.topics import KSelection, documents, select_topics

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_docs(seeds):
    return documents(seeds.units, Tokenizer(cache=False))


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        yield client


def test_selection_on_a_dask_cluster_is_identical_to_joblib_processes(seed_docs, client):
    start = time.perf_counter()
    local = select_topics(seed_docs, cache=False)  # n_jobs=-1: joblib's own processes (loky)
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = select_topics(seed_docs, cache=False)
    # the fits ran on the cluster's workers, not in this process
    assert stream.data and {task["worker"] for task in stream.data} <= set(client.scheduler_info()["workers"])
    pd.testing.assert_frame_equal(local.table_, remote.table_)
    pd.testing.assert_frame_equal(local.topics_, remote.topics_)
    assert local.k_ == remote.k_ and local.skipped_ == remote.skipped_
    assert time.perf_counter() - start < 60


def test_fast_method_on_a_dask_cluster_is_identical(seed_docs, client):
    """The fast method sends rounds of tasks (the references, then the samples of the most coherent ks):
    each round goes through whichever backend joblib is configured with."""
    kw = {"k_range": range(2, 13), "n_samples": 10, "clip": True, "method": "fast", "min_stability": 0.6}
    local = KSelection(**kw, n_jobs=2).fit(seed_docs)
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = KSelection(**kw, n_jobs=-1).fit(seed_docs)
    assert stream.data
    pd.testing.assert_frame_equal(local.table_, remote.table_)
    pd.testing.assert_frame_equal(local.topics_, remote.topics_)
    assert local.k_ == remote.k_ and local.method_ == remote.method_ == "fast"
    assert local.table_["stability"].notna().sum() < len(local.table_)  # it stopped before the last k
