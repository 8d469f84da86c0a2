"""Benchmark the choice of k (toolkit.topics.KSelection) on the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_topics.py [CORPUS_DIR] [--units 100000] [--samples 20]
                                                [--skip-speed] [--skip-memory]

What is measured, in one run:

1. **Tokens** come from the tokenizer's cache: the problem and plan units are tokenized once (warming
   the cache, not timed), then :func:`toolkit.topics.documents` is called again and must segment
   nothing (every text is counted); its time is printed.
2. **Speed-up**: the whole selection (k = 2..20, ``--samples`` 80% samples each, plus the reference
   fit: 21 NMF fits per k) with ``n_jobs=1`` (the plain baseline: one process, one BLAS thread per
   fit) and with ``n_jobs=-1`` (joblib processes on every core). The two tables must be identical.
   ``speedup`` = baseline time / parallel time.
3. **Memory at scale**: the problem and plan units replicated (each copy its own report id, its own
   texts and token lists, as distinct units would; tokens interned, as the tokenizer returns them) to
   ``--units`` units, and the same whole selection with ``n_jobs=-1``, in a fresh child process that
   holds nothing else (this process's corpus and earlier selections would otherwise be counted).
   ``peak_mb`` is the highest total memory of that child and its worker processes (sum of
   proportional set sizes, sampled every 0.2 s with psutil; the sum of resident sizes, which counts
   every shared page, libraries and the memory-mapped TF-IDF matrix, once per process, is printed
   beside it as an upper bound). It includes the replicated units themselves. This part takes the
   longest (about 14 times the corpus's selection).

The last line is ``speedup=… peak_mb=…``.
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
                      "peak_mb": memory.peak / 2**20, "peak_rss_mb": memory.peak_rss / 2**20}))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=paths.MUNICIPAL_DIR)
    parser.add_argument("--units", type=int, default=100_000, help="units for the memory measurement")
    parser.add_argument("--samples", type=int, default=20, help="80%% samples per k")
    parser.add_argument("--skip-memory", action="store_true", help="skip the replicated-corpus measurement")
    parser.add_argument("--skip-speed", action="store_true", help="skip the n_jobs=1 / n_jobs=-1 timing")
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

    def select(data, n_jobs):
        return KSelection(K_RANGE, n_samples=args.samples, n_jobs=n_jobs).fit(data)

    fits = len(K_RANGE) * (args.samples + 1)
    speedup = float("nan")
    if not args.skip_speed:
        base, t_base = timed(lambda: select(docs, 1))
        fast, t_fast = timed(lambda: select(docs, -1))
        pd.testing.assert_frame_equal(base.table_, fast.table_)
        pd.testing.assert_frame_equal(base.topics_, fast.topics_)
        print(f"selection k={K_RANGE.start}..{K_RANGE.stop - 1}, {args.samples} samples: {fits} NMF fits on "
              f"{base.n_documents_} units x {base.n_terms_} terms; chosen k = {base.k_}; identical tables")
        print(f"{'n_jobs=1 (baseline)':<22} {t_base:8.1f} s")
        print(f"{'n_jobs=-1 (all cores)':<22} {t_fast:8.1f} s")
        speedup = t_base / t_fast
        del base, fast

    peak_mb = float("nan")
    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            docs_file = Path(tmp) / "docs.pkl"
            docs.to_pickle(docs_file)
            child = subprocess.run([sys.executable, __file__, "--memory-child", str(docs_file), "--units",
                                    str(args.units), "--samples", str(args.samples)],
                                   capture_output=True, text=True, check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        peak_mb = result["peak_mb"]
        print(f"replicated: {result['units']} units x {result['terms']} terms, {fits} NMF fits in "
              f"{result['seconds']:.0f} s, chosen k = {result['k']}; peak memory of the selection's process "
              f"and its workers {peak_mb:.0f} MB (sum of resident sizes, shared pages counted in each: "
              f"{result['peak_rss_mb']:.0f} MB)")
    print(f"speedup={speedup:.2f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
