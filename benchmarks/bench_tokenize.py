"""Benchmark toolkit.tokenize on every unit of the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_tokenize.py [CORPUS_DIR] [--jobs 2] [--cold-runs 3] [--warm-runs 5] [--profile]

This process loads the corpus and hands the unit texts (a pandas ``str`` column, as ``corpus.units``
holds them) to fresh processes, one after the other, so that each measurement holds only the texts and
what it measures:

1. ``baseline``: plain ``lcut`` of a ``jieba.Tokenizer`` holding the same dictionary (jieba's dict.txt
   plus data/lexicon/userdict.txt), HMM on, one call per unit, then the same filtering.
2. the toolkit's ``Tokenizer.tokenize_units``, ``--cold-runs`` times, each in a new process: ``cold``
   (rjieba backend, empty cache: segment, filter, write the cache; one thread, as by default) and, in
   the same process just after, ``floor``: rjieba's ``cut`` alone on every unit, one call each, nothing
   else. ``floor_ratio`` is the median over the runs of floor time / cold time, i.e. cold speedup /
   floor speedup, each pair measured in the same conditions (the floor second, in a process whose
   memory the cold run has already touched). The first run also measures
   ``warm`` (a new Tokenizer reading that cache; the median of ``--warm-runs`` new Tokenizers, min–max
   printed), and its ``peak_mb``, the process's peak resident memory (ru_maxrss) before the floor is
   measured: the texts, the tokenizer, its cache and the tokens of every unit, i.e. what tokenizing
   costs. Times are the medians of the runs.
3. ``cold, helper thread``: the same with ``toolkit.tokenize.SEGMENT_AHEAD = True`` (the next batch
   segmented in a helper thread while one is filtered), alternating with step 2's runs, with its own
   floor and ``floor_ratio_helper_thread``.
4. ``cold_jobs``: the same with ``Tokenizer(n_jobs=--jobs)``: chunks segmented in joblib's worker
   processes, their start-up and dictionary loading included.

Times exclude building the tokenizers (printed apart) and loading the corpus (whose peak is printed as
``corpus_mb``). ``identical_units`` compares the final tokens of the cold run with the baseline's; every
unit that differs is listed (and every run must give the same tokens). ``--profile`` prints where a cold
run's time goes (cProfile, the ten largest own times; in a process of its own).
"""
from __future__ import annotations

import difflib
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _column(texts: list[str]):
    import pandas as pd

    return pd.DataFrame({"text": pd.array(texts, dtype="str")})


def run_baseline(texts: list[str]) -> dict:
    """Step 1, in its own process."""
    from toolkit.tokenize import Tokenizer

    reference, built = timed(lambda: Tokenizer(backend="jieba", cache=False))
    lcut = reference._segmenter.lcut
    tokens, seconds = timed(lambda: [reference.filter(lcut(text)) for text in texts])
    return {"tokens": tokens, "seconds": seconds, "built": built}


def run_toolkit(texts: list[str], warm_runs: int, segment_ahead: bool = True) -> dict:
    """Steps 2 and 3, in its own process: a cold run (and the warm runs if asked), then the floor."""
    import toolkit.tokenize
    from toolkit.tokenize import Tokenizer

    toolkit.tokenize.SEGMENT_AHEAD = segment_ahead
    units = _column(texts)
    with tempfile.TemporaryDirectory() as cache_dir:
        fast, built = timed(lambda: Tokenizer(backend="rjieba", cache_dir=cache_dir))
        cold, t_cold = timed(lambda: fast.tokenize_units(units)["tokens"].tolist())
        cache_path = fast.cache_path
        del fast  # one tokenizer at a time, as in a notebook (each holds its dictionary, ~100 MB)
        warm_times = []
        for _ in range(warm_runs):
            again = Tokenizer(backend="rjieba", cache_dir=cache_dir)
            warm, t_warm = timed(lambda: again.tokenize_units(units)["tokens"].tolist())
            assert warm == cold, "the warm run must return what the cold run cached"
            warm_times.append(t_warm)
            del warm, again
        cache_mb = cache_path.stat().st_size / 2**20
    peak = peak_mb()  # before the floor, whose segments of every unit are not what tokenizing holds
    raw = Tokenizer(backend="rjieba", cache=False)
    cut = raw._segmenter.cut
    _, floor = timed(lambda: [cut(text, True) for text in texts])
    return {"tokens": cold, "cold": t_cold, "floor": floor, "warm": warm_times, "built": built,
            "cache_mb": cache_mb, "peak_mb": peak}


def run_jobs(texts: list[str], jobs: int) -> dict:
    """Step 3, in its own process."""
    from toolkit.tokenize import Tokenizer

    units = _column(texts)
    with tempfile.TemporaryDirectory() as cache_dir:
        tokenizer = Tokenizer(backend="rjieba", cache_dir=cache_dir, n_jobs=jobs)
        tokens, seconds = timed(lambda: tokenizer.tokenize_units(units)["tokens"].tolist())
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)  # else this process waits out the workers' idle timeout (300 s)
    return {"tokens": tokens, "seconds": seconds}


def run_profile(texts: list[str]) -> str:
    """``--profile``: where a one-thread cold run's time goes (cProfile's ten largest own times; cProfile
    sees one thread), in its own process."""
    import cProfile
    import io
    import pstats

    import toolkit.tokenize
    from toolkit.tokenize import Tokenizer

    toolkit.tokenize.SEGMENT_AHEAD = False
    units = _column(texts)
    with tempfile.TemporaryDirectory() as cache_dir:
        profiled = Tokenizer(backend="rjieba", cache_dir=cache_dir)
        profiler = cProfile.Profile()
        profiler.runcall(profiled.tokenize_units, units)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
    return out.getvalue()


def alone(func, *args):
    """``func(*args)`` in a new process (spawned: it holds the arguments and nothing else of this one)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


def main(argv: list[str]) -> int:
    import argparse

    from toolkit import load_corpus, paths

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=paths.MUNICIPAL_DIR)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the cold_jobs run (default 2)")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="cold runs, each in a new process with its floor, and as many with a helper thread (default 3)")
    parser.add_argument("--warm-runs", type=int, default=5, help="warm runs, each a new Tokenizer (default 5)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's ten largest own times of a cold run")
    args = parser.parse_args(argv)
    folder = args.corpus
    if not folder.is_dir():
        print(f"benchmark needs the corpus folder {folder} (absent)", file=sys.stderr)
        return 2
    units = load_corpus(folder, skip_bad=True).units
    texts = units["text"].tolist()
    corpus_mb = peak_mb()
    chars = sum(map(len, texts))
    print(f"corpus {folder.name}: {units['report_id'].nunique()} reports, {len(texts)} units, {chars} characters, "
          f"{len(set(texts))} distinct unit texts")

    base = alone(run_baseline, texts)
    runs, ahead = [], []
    for i in range(args.cold_runs):  # alternating, so that both kinds meet the same conditions
        runs.append(alone(run_toolkit, texts, args.warm_runs if i == 0 else 0, False))
        ahead.append(alone(run_toolkit, texts, 0, True))
    jobs = alone(run_jobs, texts, args.jobs)
    mine = runs[0]
    baseline, cold = base["tokens"], mine["tokens"]
    assert all(run["tokens"] == cold for run in runs + ahead), "every cold run must give the same tokens"
    assert jobs["tokens"] == cold, "segmenting in worker processes must give the same tokens"
    if args.profile:
        print(alone(run_profile, texts))
    median = statistics.median
    t_base, t_warm = base["seconds"], median(mine["warm"])
    t_cold, t_ahead = median(r["cold"] for r in runs), median(r["cold"] for r in ahead)
    t_floor = median(r["floor"] for r in runs + ahead)
    floor_ratio = median(r["floor"] / r["cold"] for r in runs)
    floor_ratio_ahead = median(r["floor"] / r["cold"] for r in ahead)
    print(f"build: jieba {base['built']:.2f} s, rjieba {mine['built']:.2f} s (not in the times below); "
          f"cache {mine['cache_mb']:.1f} MB")
    for name, seconds in (("baseline jieba.lcut", t_base), ("floor (rjieba cut alone)", t_floor),
                          ("cold (rjieba, empty cache)", t_cold), ("cold, helper thread", t_ahead),
                          (f"cold, n_jobs={args.jobs}", jobs["seconds"]),
                          (f"warm (cache, median of {len(mine['warm'])})", t_warm)):
        print(f"{name:<28} {seconds:7.3f} s  {chars / seconds / 1e6:7.2f} M chars/s")
    for name, kind in (("cold", runs), ("helper thread", ahead)):
        print(f"{name} runs (floor / cold): " + ", ".join(f"{r['floor']:.3f} / {r['cold']:.3f} s" for r in kind))
    print(f"warm runs: {min(mine['warm']):.3f}–{max(mine['warm']):.3f} s")
    differing = [i for i, (a, b) in enumerate(zip(baseline, cold)) if a != b]
    for i in differing:
        ops = difflib.SequenceMatcher(None, baseline[i], cold[i], autojunk=False).get_opcodes()
        changes = "; ".join(f"{baseline[i][a1:a2]} → {cold[i][b1:b2]}" for op, a1, a2, b1, b2 in ops if op != "equal")
        row = units.iloc[i]
        print(f"differs: {row.report_id} section {row.section_index} unit {row.unit_index}: {changes}")
    identical = 1 - len(differing) / len(texts)
    print(f"ratio_floor={t_base / t_floor:.1f} ratio_cold={t_base / t_cold:.1f} "
          f"ratio_cold_helper_thread={t_base / t_ahead:.1f} ratio_cold_jobs={t_base / jobs['seconds']:.1f} "
          f"ratio_warm={t_base / t_warm:.1f} identical_units={identical:.4%} peak_mb={mine['peak_mb']:.0f} "
          f"corpus_mb={corpus_mb:.0f} floor_ratio={floor_ratio:.2f} floor_ratio_helper_thread={floor_ratio_ahead:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
