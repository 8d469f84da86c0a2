"""Benchmark toolkit.contrast.keyness on the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_keyness.py [CORPUS_DIR] [--repeat 3]

Every unit of the corpus (all section kinds) is tokenized once (the tokenizer's cache; not timed), then
keyness of problems against plans is computed, with the whole corpus as prior, min_count=1:

- ``keyness_s``: one contrast by :func:`toolkit.contrast.keyness` on the units' :class:`TermMatrix`
  (built once per units table by :func:`toolkit.contrast.term_matrix`, as notebook 06 does for its
  contrasts): sparse products and vector arithmetic; best of ``--repeat`` runs;
- ``first_s``: one contrast without a prebuilt matrix (the tokens are counted in the call), and
  ``matrix_s``: building the matrix alone;
- the baseline: the same table (counts, units containing each term, rates, log-odds, z, G², p) from
  a pure-Python loop over ``collections.Counter`` s of the tokens and ``math`` per term (p from
  ``math.erfc``), best of ``--repeat`` runs. The tables must agree (to 1e-6, relative or absolute).

``ratio`` = baseline seconds / keyness seconds (goal: keyness < 1 s and ratio ≥ 20); ``first_ratio``
the same for a contrast that counts its tokens. The last line is ``keyness_s=… ratio=… first_ratio=…``.
"""
from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np

from toolkit import load_corpus, paths
from toolkit.contrast import PER, PRIOR_SCALE, keyness, term_matrix
from toolkit.tokenize import Tokenizer


def baseline(tokens, kinds, a="problems", b="plans", prior_scale=PRIOR_SCALE) -> dict[str, tuple]:
    """term → (count_a, count_b, units_a, units_b, rate_a, rate_b, log_odds, z, g2, p), by Counters and a
    loop over the terms."""
    count_a, count_b, corpus, units_a, units_b = Counter(), Counter(), Counter(), Counter(), Counter()
    for toks, kind in zip(tokens, kinds):
        corpus.update(toks)
        if kind == a:
            count_a.update(toks)
            units_a.update(set(toks))
        elif kind == b:
            count_b.update(toks)
            units_b.update(set(toks))
    n_a, n_b = sum(count_a.values()), sum(count_b.values())
    total = sum(corpus.values())
    alpha0 = prior_scale * (n_a + n_b)
    n = n_a + n_b
    out = {}
    for term, c in corpus.items():
        ya, yb = count_a.get(term, 0), count_b.get(term, 0)
        if ya + yb == 0:
            continue
        alpha = alpha0 * c / total
        pa, pb = ya + alpha, yb + alpha
        delta = math.log(pa / (n_a + alpha0 - pa)) - math.log(pb / (n_b + alpha0 - pb))
        z = delta / math.sqrt(1 / pa + 1 / pb)
        row = ya + yb
        g2 = 0.0
        for o, e in ((ya, row * n_a / n), (yb, row * n_b / n), (n_a - ya, (n - row) * n_a / n),
                     (n_b - yb, (n - row) * n_b / n)):
            if o > 0:
                g2 += o * math.log(o / e)
        g2 = max(2 * g2, 0.0)
        out[term] = (ya, yb, units_a.get(term, 0), units_b.get(term, 0), ya / n_a * PER, yb / n_b * PER, delta,
                     z, g2, math.erfc(math.sqrt(g2 / 2)))  # χ² upper tail, 1 df
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=paths.MUNICIPAL_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    units = Tokenizer().tokenize_units(corpus.units)  # every unit, all kinds; warms the cache
    tokens, kinds = list(units["tokens"]), list(units["kind"])
    print(f"{len(units)} units, {sum(map(len, tokens))} tokens; problems {kinds.count('problems')}, "
          f"plans {kinds.count('plans')}")

    def best(run):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - start)
        return min(times), result

    matrix_s, matrix = best(lambda: term_matrix(units))
    print(f"term matrix: {matrix_s:.3f} s (best of {args.repeat}), {matrix.shape[0]} units × {matrix.shape[1]} terms")
    first, first_table = best(lambda: keyness(units, "kind=problems", "kind=plans", min_count=1))
    print(f"keyness, counting its tokens: {first:.4f} s (best of {args.repeat})")
    fast, table = best(lambda: keyness(units, "kind=problems", "kind=plans", min_count=1, matrix=matrix))
    print(f"keyness on the term matrix: {fast:.4f} s (best of {args.repeat}), {len(table)} terms")
    import pandas as pd

    pd.testing.assert_frame_equal(first_table, table)

    slow, slow_table = best(lambda: baseline(tokens, kinds))
    print(f"baseline (Counters, a loop per term): {slow:.3f} s (best of {args.repeat}), {len(slow_table)} terms")

    if set(table["term"]) != set(slow_table):
        raise SystemExit("the two tables have different terms")
    ref = np.array([slow_table[t] for t in table["term"]], dtype=float)
    columns = ["count_a", "count_b", "units_a", "units_b", "rate_a", "rate_b", "log_odds", "z", "g2", "p"]
    ours = table[columns].to_numpy(float)
    # G² sums four terms of either sign: near 0 the two orders of summing differ by ~1e-10 absolute
    if not np.allclose(ours, ref, rtol=1e-6, atol=1e-6):
        worst = np.nanmax(np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-9))
        column = columns[int(np.nanargmax(np.nanmax(
            np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-9), axis=0)))]
        raise SystemExit(f"the tables differ (largest relative difference {worst}, in {column})")
    print("same numbers: counts, units, rates, log-odds, z, G² and p agree (to 1e-6, relative or absolute)")
    print(f"keyness_s={fast:.4f} ratio={slow / fast:.1f} first_ratio={slow / first:.1f}")


if __name__ == "__main__":
    main()
