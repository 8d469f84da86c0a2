"""Benchmark the choice of k (toolkit.topics.KSelection) on the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_topics.py [CORPUS_DIR] [--units 100000] [--samples 20]
                                                [--agree-units N] [--skip-speed] [--skip-memory]

What is measured, in one run:

1. **Tokens** come from the tokenizer's cache: the problem and plan units are tokenized once (warming
   the cache, not timed), then :func:`toolkit.topics.documents` is called again and must segment
   nothing (every text is counted); its time is printed.
2. **Full against fast**: the whole selection (k = 2..20, ``--samples`` 80% samples each, plus the
   reference fit: 21 NMF fits per k) on the corpus with ``method="full"`` (every sample fitted from
   scratch, the method of Greene et al.) and ``method="fast"`` (samples warm-started from the
   reference, stopped once their top terms settle), both with ``n_jobs=-1``. Printed: both times, both
   chosen ks, and the largest difference in stability over the ks (coherence must be identical: the
   references are the same fits). ``speedup`` = full time / fast time. ``--agree-units N`` does the
   same on the units replicated to N (as in 3), where ``method="auto"`` chooses the fast method.
3. **Scale**: the problem and plan units replicated (each copy its own report id, its own texts and
   token lists, as distinct units would; tokens interned, as the tokenizer returns them) to
   ``--units`` units, and the whole selection with the default ``method="auto"`` (fast from
   ``toolkit.topics.FAST_FROM`` units on) and ``n_jobs=-1``, in a fresh child process that holds
   nothing else (this process's corpus and earlier selections would otherwise be counted).
   ``peak_mb`` is the highest total memory of that child and its worker processes (sum of
   proportional set sizes, sampled every 0.2 s with psutil; the sum of resident sizes, which counts
   every shared page, libraries and the memory-mapped TF-IDF matrix, once per process, is printed
   beside it as an upper bound). It includes the replicated units themselves. ``minutes_100k`` is that
   selection's time when it is the real thing (``--units 100000 --samples 20``), else ``nan`` (a run
   with fewer samples gives the memory figure without the full time; its time is printed above).

The last line is ``speedup=… peak_mb=… minutes_100k=…``.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from toolkit import load_corpus, paths
from toolkit.tokenize import Tokenizer
from toolkit.topics import KSelection, documents

K_RANGE = range(2, 21)


class PeakMemory:
    """Samples the memory of this process and all its descendants until stopped.

    ``peak`` is the highest sum of their proportional set sizes (PSS: a page shared by n processes,
    such as a shared library or the memory-mapped TF-IDF matrix, counts 1/n in each), which is the memory
    the tree really holds; ``peak_rss`` the highest sum of resident set sizes, which counts shared pages
    once per process (an upper bound)."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak, self.peak_rss, self._stop = interval, 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process(os.getpid())
        pss = rss = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            pss, rss = pss + getattr(info, "pss", info.rss), rss + info.rss
        self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def replicate(docs: pd.DataFrame, n_units: int) -> pd.DataFrame:
    """``docs`` repeated (copy i of report r becomes report ``r#i``) and cut to ``n_units`` rows. Each
    copy is unpickled afresh, so it owns its texts and token lists, as distinct units would; the
    tokens are interned, as :meth:`toolkit.tokenize.Tokenizer.tokenize_many` returns them."""
    copies = -(-n_units // len(docs))
    frozen = pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL)
    parts = []
    for i in range(copies):
        part = pickle.loads(frozen)
        part["tokens"] = [list(map(sys.intern, tokens)) for tokens in part["tokens"]]
        parts.append(part.assign(report_id=part["report_id"] + f"#{i}"))
    return pd.concat(parts, ignore_index=True).head(n_units)


def memory_child(docs_file: Path, n_units: int, samples: int) -> None:
    """The memory measurement, run in a child process: only the replicated units and the selection."""
    big = replicate(pd.read_pickle(docs_file), n_units)
    gc.collect()
    with PeakMemory() as memory:
        scaled, seconds = timed(lambda: KSelection(K_RANGE, n_samples=samples, n_jobs=-1).fit(big))
    print(json.dumps({"units": len(big), "terms": scaled.n_terms_, "k": scaled.k_, "seconds": seconds,
                      "method": scaled.method_, "scored": scaled.table_.dropna()["k"].tolist(),
                      "fits": len(scaled.table_) + samples * int(scaled.table_["stability"].notna().sum()),
                      "stability": scaled.table_["stability"].tolist(),
                      "peak_mb": memory.peak / 2**20, "peak_rss_mb": memory.peak_rss / 2**20}))


def compare(docs: pd.DataFrame, samples: int, label: str) -> float:
    """Full and fast method on ``docs``, same run; prints times, ks and differences; returns the speed-up."""
    def select(method):
        return KSelection(K_RANGE, n_samples=samples, n_jobs=-1, method=method).fit(docs)

    full, t_full = timed(lambda: select("full"))
    fast, t_fast = timed(lambda: select("fast"))
    pd.testing.assert_series_equal(full.table_["coherence"], fast.table_["coherence"])  # the same references
    diff = (fast.table_["stability"] - full.table_["stability"]).abs()
    worst = int(full.table_["k"][diff.idxmax()])
    fits = len(K_RANGE) * (samples + 1)
    made = len(fast.table_) + samples * int(fast.table_["stability"].notna().sum())
    print(f"{label}: selection k={K_RANGE.start}..{K_RANGE.stop - 1}, {samples} samples: {fits} NMF fits on "
          f"{full.n_documents_} units x {full.n_terms_} terms")
    print(f"{'method=full':<14} {t_full:8.1f} s  chosen k = {full.k_} (stability {_at(full, full.k_):.3f})")
    print(f"{'method=fast':<14} {t_fast:8.1f} s  chosen k = {fast.k_} (stability {_at(fast, fast.k_):.3f}); "
          f"{made} of the {fits} fits; same k: {full.k_ == fast.k_}; stability of the {int(diff.notna().sum())} ks it "
          f"scored: largest difference {diff.max():.3f} (k = {worst}); coherence identical (the same references)")
    table = full.table_[["k", "stability", "unconverged"]].assign(fast=fast.table_["stability"],
                                                                 difference=fast.table_["stability"] - full.table_["stability"])
    print(table.round(3).to_string(index=False))
    return t_full / t_fast


def _at(selection, k) -> float:
    return float(selection.table_.set_index("k").loc[k, "stability"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=paths.MUNICIPAL_DIR)
    parser.add_argument("--units", type=int, default=100_000, help="units for the memory measurement")
    parser.add_argument("--samples", type=int, default=20, help="80%% samples per k")
    parser.add_argument("--skip-memory", action="store_true", help="skip the replicated-corpus measurement")
    parser.add_argument("--skip-speed", action="store_true", help="skip the full / fast comparison on the corpus")
    parser.add_argument("--agree-units", type=int, default=0, help="also compare full and fast on this many "
                        "replicated units")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)  # internal: see memory_child
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.units, args.samples)
        return 0
    if not args.corpus.is_dir():
        print(f"benchmark needs the corpus folder {args.corpus} (absent)", file=sys.stderr)
        return 2

    units = load_corpus(args.corpus, skip_bad=True).units
    tokenizer = Tokenizer()
    documents(units, tokenizer)  # warm the cache (if it was cold)
    segmented = []
    cut = tokenizer._cut
    tokenizer._cut = lambda text: segmented.append(text) or cut(text)
    docs, t_docs = timed(lambda: documents(units, tokenizer))
    assert not segmented, f"{len(segmented)} texts were segmented again instead of read from the cache"
    print(f"corpus {args.corpus.name}: {units['report_id'].nunique()} reports, {len(docs)} problem and plan units "
          f"({docs['kind'].value_counts().to_dict()}); tokens read from the cache in {t_docs:.2f} s, "
          f"0 texts segmented; {os.cpu_count()} cores")

    speedup = float("nan")
    if not args.skip_speed:
        speedup = compare(docs, args.samples, args.corpus.name)
    if args.agree_units:
        speedup_big = compare(replicate(docs, args.agree_units), args.samples, f"replicated to {args.agree_units}")
        print(f"speed-up at {args.agree_units} units: {speedup_big:.2f}")
        gc.collect()

    peak_mb = minutes = float("nan")
    fits = len(K_RANGE) * (args.samples + 1)
    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            docs_file = Path(tmp) / "docs.pkl"
            docs.to_pickle(docs_file)
            child = subprocess.run([sys.executable, __file__, "--memory-child", str(docs_file), "--units",
                                    str(args.units), "--samples", str(args.samples)],
                                   capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        peak_mb = result["peak_mb"]
        if args.units == 100_000 and args.samples == 20:
            minutes = result["seconds"] / 60
        print(f"replicated: {result['units']} units x {result['terms']} terms, method {result['method']}: "
              f"{result['fits']} of the {fits} NMF fits (samples scored for k = {result['scored']}) in {result['seconds']:.0f} s ({result['seconds'] / 60:.1f} min), "
              f"chosen k = {result['k']}; peak memory of the selection's process "
              f"and its workers {peak_mb:.0f} MB (sum of resident sizes, shared pages counted in each: "
              f"{result['peak_rss_mb']:.0f} MB)")
    print(f"speedup={speedup:.2f} peak_mb={peak_mb:.0f} minutes_100k={minutes:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
