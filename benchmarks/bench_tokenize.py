"""Benchmark toolkit.tokenize on every unit of the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_tokenize.py [CORPUS_DIR]

Baseline: plain ``lcut`` of a ``jieba.Tokenizer`` holding the same dictionary (jieba's dict.txt plus
data/lexicon/userdict.txt), HMM on, one call per unit, then the same filtering. Measured against it,
in one process: ``cold`` (rjieba backend, empty cache: segment, filter, write the cache) and ``warm``
(a new Tokenizer reading that cache). Times exclude building the tokenizers (printed apart) and loading
the corpus. ``identical_units`` compares the final tokens of the cold run with the baseline's; every unit
that differs is listed. ``peak_mb`` is the process's peak resident memory (ru_maxrss).
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
    folder = Path(argv[0]) if argv else paths.MUNICIPAL_DIR
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

    with tempfile.TemporaryDirectory() as cache_dir:
        fast, built_fast = timed(lambda: Tokenizer(backend="rjieba", cache_dir=cache_dir))
        cold, t_cold = timed(lambda: fast.tokenize_units(units)["tokens"].tolist())
        again = Tokenizer(backend="rjieba", cache_dir=cache_dir)
        warm, t_warm = timed(lambda: again.tokenize_units(units)["tokens"].tolist())
        cache_mb = Path(again.cache_path).stat().st_size / 2**20
    assert warm == cold, "the warm run must return what the cold run cached"

    print(f"build: jieba {built_ref:.2f} s, rjieba {built_fast:.2f} s (not in the times below); cache {cache_mb:.1f} MB")
    for name, seconds in (("baseline jieba.lcut", t_base), ("cold (rjieba, empty cache)", t_cold),
                          ("warm (cache)", t_warm)):
        print(f"{name:<28} {seconds:7.3f} s  {chars / seconds / 1e6:7.2f} M chars/s")
    differing = [i for i, (a, b) in enumerate(zip(baseline, cold)) if a != b]
    for i in differing:
        ops = difflib.SequenceMatcher(None, baseline[i], cold[i], autojunk=False).get_opcodes()
        changes = "; ".join(f"{baseline[i][a1:a2]} → {cold[i][b1:b2]}" for op, a1, a2, b1, b2 in ops if op != "equal")
        row = units.iloc[i]
        print(f"differs: {row.report_id} section {row.section_index} unit {row.unit_index}: {changes}")
    identical = 1 - len(differing) / len(texts)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ratio_cold={t_base / t_cold:.1f} ratio_warm={t_base / t_warm:.1f} "
          f"identical_units={identical:.4%} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
