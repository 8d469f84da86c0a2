"""Benchmark toolkit.tokenize on every unit of the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_tokenize.py [CORPUS_DIR] [--jobs 2] [--profile]

Baseline: plain ``lcut`` of a ``jieba.Tokenizer`` holding the same dictionary (jieba's dict.txt plus
data/lexicon/userdict.txt), HMM on, one call per unit, then the same filtering. Measured against it,
in one process: ``floor`` (rjieba's ``cut`` alone on every unit, nothing else: what no cold run on one
core can beat), ``cold`` (rjieba backend, empty cache: segment, filter, write the cache), ``cold_jobs``
(the same with ``Tokenizer(n_jobs=--jobs)``: chunks segmented in joblib's worker processes, their
start-up and dictionary loading included) and ``warm`` (a new Tokenizer reading that cache). Times
exclude building the tokenizers (printed apart) and loading the corpus. ``identical_units`` compares
the final tokens of the cold run with the baseline's; every unit that differs is listed. ``peak_mb``
is the process's peak resident memory (ru_maxrss) up to the warm run (the corpus, both tokenizers and
their results; the n_jobs run, which unpickles its workers' results, comes after). ``--profile`` prints where a cold run's time goes
(cProfile, the ten largest own times).
"""
from __future__ import annotations

import difflib
import resource
import sys
import tempfile
import time
from pathlib import Path

from toolkit import load_corpus, paths
from toolkit.tokenize import Tokenizer


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=paths.MUNICIPAL_DIR)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the cold_jobs run (default 2)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's ten largest own times of a cold run")
    args = parser.parse_args(argv)
    folder = args.corpus
    if not folder.is_dir():
        print(f"benchmark needs the corpus folder {folder} (absent)", file=sys.stderr)
        return 2
    units = load_corpus(folder, skip_bad=True).units
    texts = units["text"].tolist()
    chars = sum(map(len, texts))
    print(f"corpus {folder.name}: {units['report_id'].nunique()} reports, {len(texts)} units, {chars} characters, "
          f"{len(set(texts))} distinct unit texts")

    reference, built_ref = timed(lambda: Tokenizer(backend="jieba", cache=False))
    lcut = reference._segmenter.lcut
    baseline, t_base = timed(lambda: [reference.filter(lcut(text)) for text in texts])
    raw = Tokenizer(backend="rjieba", cache=False)
    _, t_floor = timed(lambda: [raw._segmenter.cut(text, True) for text in texts])
    del raw

    with tempfile.TemporaryDirectory() as cache_dir:
        fast, built_fast = timed(lambda: Tokenizer(backend="rjieba", cache_dir=cache_dir))
        cold, t_cold = timed(lambda: fast.tokenize_units(units)["tokens"].tolist())
        again = Tokenizer(backend="rjieba", cache_dir=cache_dir)
        warm, t_warm = timed(lambda: again.tokenize_units(units)["tokens"].tolist())
        cache_mb = Path(again.cache_path).stat().st_size / 2**20
    assert warm == cold, "the warm run must return what the cold run cached"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the n_jobs run's results
    with tempfile.TemporaryDirectory() as cache_dir:
        jobs = Tokenizer(backend="rjieba", cache_dir=cache_dir, n_jobs=args.jobs)
        parallel, t_jobs = timed(lambda: jobs.tokenize_units(units)["tokens"].tolist())
    assert parallel == cold, "segmenting in worker processes must give the same tokens"
    if args.profile:
        import cProfile
        import pstats

        with tempfile.TemporaryDirectory() as cache_dir:
            profiled = Tokenizer(backend="rjieba", cache_dir=cache_dir)
            profiler = cProfile.Profile()
            profiler.runcall(profiled.tokenize_units, units)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(10)

    print(f"build: jieba {built_ref:.2f} s, rjieba {built_fast:.2f} s (not in the times below); cache {cache_mb:.1f} MB")
    for name, seconds in (("baseline jieba.lcut", t_base), ("floor (rjieba cut alone)", t_floor),
                          ("cold (rjieba, empty cache)", t_cold), (f"cold, n_jobs={args.jobs}", t_jobs),
                          ("warm (cache)", t_warm)):
        print(f"{name:<28} {seconds:7.3f} s  {chars / seconds / 1e6:7.2f} M chars/s")
    differing = [i for i, (a, b) in enumerate(zip(baseline, cold)) if a != b]
    for i in differing:
        ops = difflib.SequenceMatcher(None, baseline[i], cold[i], autojunk=False).get_opcodes()
        changes = "; ".join(f"{baseline[i][a1:a2]} → {cold[i][b1:b2]}" for op, a1, a2, b1, b2 in ops if op != "equal")
        row = units.iloc[i]
        print(f"differs: {row.report_id} section {row.section_index} unit {row.unit_index}: {changes}")
    identical = 1 - len(differing) / len(texts)
    print(f"ratio_floor={t_base / t_floor:.1f} ratio_cold={t_base / t_cold:.1f} ratio_cold_jobs={t_base / t_jobs:.1f} "
          f"ratio_warm={t_base / t_warm:.1f} identical_units={identical:.4%} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
