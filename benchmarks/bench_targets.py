"""Benchmark the target ledger (toolkit.targets.ledger) on the national corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_targets.py [CORPUS_DIR] [--repeat 3]

Loads the corpus once (timed apart: the ledger's budget does not include reading the TSV), then builds
the ledger ``--repeat`` times (targets, outcomes, panel and verdicts for every report; the best time
is reported). The goal is under 5 s for the 53 national reports on 2 cores. The last line is
``ledger_s=… reports=… rows=… met=… missed=… no_outcome=… no_target=… explicitly_absent=…``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit import load_corpus, paths  # noqa: E402
from toolkit.targets import VERDICTS, ledger  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(paths.SHARED_DIR / "corpora" / "national-1954-2022"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.corpus).exists():
        print(f"corpus absent: {args.corpus}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    corpus = load_corpus(args.corpus)
    print(f"load: {time.perf_counter() - t0:.2f} s for {len(corpus.reports)} reports")
    times, table = [], None
    for i in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        table = ledger(corpus)
        times.append(time.perf_counter() - t0)
        print(f"ledger run {i + 1}: {times[-1]:.2f} s, {len(table)} rows")
    counts = table["verdict"].value_counts()
    print(" ".join([f"ledger_s={min(times):.2f}", f"reports={len(corpus.reports)}", f"rows={len(table)}"]
                   + [f"{v}={int(counts.get(v, 0))}" for v in VERDICTS]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
