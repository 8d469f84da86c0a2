"""Benchmark the export (toolkit.export) on the municipal corpus (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_export.py [CORPUS_DIR] [--repeat 2]

What is measured, in one run (tokens come from the tokenizer's cache, warmed first and not timed):

1. **Topics**: a model at k = 8 (the k the stability rule chooses on the municipal corpus, as the
   export's default selection does; stability from 20 samples: 21 NMF fits, all cores, no cache),
   fitted once and passed to the export as ``model=`` (a paper passes the model its notebook fitted).
   Printed, not counted in ``export_s``.
2. **Build**: every table from the corpus and the model (``toolkit.export.build``): tokens, theme
   matches and prevalence, unit weights, the targets ledger, follow-through, the document-term matrix.
3. **Write**, format by format (parquet, csv, dta, xlsx, r) into a fresh temporary folder, with the
   codebook and the manifest: what ``export(corpus, formats="all", model=...)`` costs after the build.
4. **Baseline**: the same tables written by plain ``DataFrame.to_csv`` (no BOM, no temporary file,
   no codebook, no types), the bare dump a researcher would otherwise write by hand, and plain
   ``DataFrame.to_parquet``.

``export_s`` = build + every format (the best of ``--repeat`` runs); ``ratio`` = export_s / the plain
to_csv baseline. The goal is export_s under 20 s. The last line is ``export_s=… ratio=…``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from toolkit import load_corpus, paths
from toolkit.export import EXPORT_FORMATS, TABLES, WRITERS, build, write
from toolkit.tokenize import Tokenizer
from toolkit.topics import KSelection, documents
from toolkit.topics import DEFAULT_SAMPLES

#: The k notebook 03 (and the export's default selection) chooses on the municipal corpus.
DEFAULT_K = 8


def best(times: list[float]) -> str:
    return f"{min(times):.2f} s" + (f" (runs: {', '.join(f'{t:.2f}' for t in times)})" if len(times) > 1 else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(paths.MUNICIPAL_DIR), help="default: ../shared/corpora/municipal-2024")
    parser.add_argument("--repeat", type=int, default=2, help="runs of build and write (the best is reported)")
    args = parser.parse_args(argv)
    corpus_dir = Path(args.corpus)
    if not corpus_dir.exists():
        print(f"bench_export: {corpus_dir} not found: nothing measured (the shared corpora sit beside the project, "
              "or set TOOLKIT_SHARED)", file=sys.stderr)
        return 0

    t = time.perf_counter()
    corpus = load_corpus(corpus_dir, skip_bad=True)
    print(f"corpus {corpus_dir.name}: {len(corpus.reports)} reports, {len(corpus.units)} units "
          f"(read and segmented in {time.perf_counter() - t:.1f} s, not counted)")
    tokenizer = Tokenizer()
    tokenizer.tokenize_many(corpus.units["text"].tolist())  # warm the token cache

    t = time.perf_counter()
    docs = documents(corpus.units, tokenizer)
    selection = KSelection(range(DEFAULT_K, DEFAULT_K + 1), n_samples=DEFAULT_SAMPLES, n_jobs=-1, random_state=0,
                           memory=None).fit(docs)
    print(f"topics: k = {DEFAULT_K} on {len(docs)} units, stability from {DEFAULT_SAMPLES} samples "
          f"({DEFAULT_SAMPLES + 1} NMF fits, no cache): {time.perf_counter() - t:.2f} s (not counted: passed as model=)")

    builds, writes, totals, bases, parquet_bases = [], {f: [] for f in EXPORT_FORMATS}, [], [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = build(corpus, model=selection, tokenizer=tokenizer)
        builds.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            for f in EXPORT_FORMATS:  # each format alone, into its own folder (the codebook and manifest with each)
                t = time.perf_counter()
                write(result, Path(tmp) / f, f)
                writes[f].append(time.perf_counter() - t)
            t = time.perf_counter()
            for name in TABLES:
                result.tables[name].to_csv(Path(tmp) / f"{name}.plain.csv", index=False)
            bases.append(time.perf_counter() - t)
            t = time.perf_counter()
            for name in TABLES:
                result.tables[name].to_parquet(Path(tmp) / f"{name}.plain.parquet", index=False)
            parquet_bases.append(time.perf_counter() - t)
            size = {f: sum(p.stat().st_size for p in (Path(tmp) / f).iterdir()) for f in EXPORT_FORMATS}
        totals.append(builds[-1] + sum(writes[f][-1] for f in EXPORT_FORMATS))

    rows = {name: len(table) for name, table in result.tables.items()}
    print("rows: " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    print(f"build (every table, the dtm): {best(builds)}")
    for f in EXPORT_FORMATS:
        print(f"write {f:<8} {best(writes[f])}  ({size[f] / 1e6:.1f} MB, codebook and manifest included)")
    print(f"baseline: plain DataFrame.to_csv of the same tables {best(bases)}; plain to_parquet {best(parquet_bases)}")
    export_s, baseline = min(totals), min(bases)
    print(f"export, build + every format: {best(totals)} (goal: under 20 s)")
    print(f"export_s={export_s:.2f} ratio={export_s / baseline:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
