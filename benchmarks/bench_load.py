"""Benchmark loading and segmenting every shared corpus, format by format (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_load.py [--repeat N]

Each folder of ../shared/corpora (municipal .txt, provincial .docx, the same as a .zip, the national
.tsv, the Beijing .pdf, the bureau crawl exports and saved pages) is read and segmented with
``load_corpus(..., cache=False)`` (read, clean, metadata, duplicates, sections, units and boilerplate, every
stage computed and stored in a temporary folder: nothing is read back from an earlier run) in this one process, N times (default 3, the best time kept); then all
of them together, as ``load_corpus`` of the six folders. Printed: per format the reports, characters,
seconds and reports/s; the PDF text layer against pdfplumber (the baseline, see bench_pdf.py); the
peak resident memory. The goal (issue 13): everything under 10 s on 2 cores, PDF at least 10x
pdfplumber's pages/s. The last line is ``load_s=… pdf_ratio=… peak_mb=…``.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pdf import DEFAULT_PDF, best_of, with_pdfium, with_pdfplumber  # noqa: E402

from toolkit import load_corpus  # noqa: E402
from toolkit.paths import SHARED_DIR  # noqa: E402

CORPORA = SHARED_DIR / "corpora"
FOLDERS = (("txt", "municipal-2024"), ("docx", "provincial-2025"), ("zip (docx)", "archives"),
           ("tsv", "national-1954-2022"), ("pdf", "beijing-2024-pdf"), ("crawl txt+html", "bureau-fujian"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    missing = [name for _, name in FOLDERS if not (CORPORA / name).is_dir()]
    if missing:
        print(f"benchmark needs {CORPORA} with {', '.join(missing)} (absent): skipped", file=sys.stderr)
        return 2
    print(f"{'format':<12} {'reports':>7} {'characters':>12} {'seconds':>8} {'reports/s':>10}")
    for kind, name in FOLDERS:
        corpus, seconds = best_of(args.repeat, lambda: load_corpus(CORPORA / name, cache=False))
        chars = int(corpus.reports["chars"].sum())
        print(f"{kind:<12} {len(corpus.reports):>7} {chars:>12,} {seconds:>8.2f} {len(corpus.reports) / seconds:>10.1f}")
    everything, load_s = best_of(args.repeat, lambda: load_corpus([CORPORA / name for _, name in FOLDERS], cache=False))
    print(f"{'all':<12} {len(everything.reports):>7} {int(everything.reports['chars'].sum()):>12,} {load_s:>8.2f} "
          f"{len(everything.reports) / load_s:>10.1f}   ({len(everything.units):,} units, "
          f"{everything.reports['duplicate_of'].notna().sum()} duplicates flagged)")
    data = DEFAULT_PDF.read_bytes()
    ours, t_ours = best_of(5, lambda: with_pdfium(data, DEFAULT_PDF))
    _, t_theirs = best_of(5, lambda: with_pdfplumber(DEFAULT_PDF))
    pdf_ratio = t_theirs / t_ours
    print(f"pdf text layer: pypdfium2 {len(ours) / t_ours:.1f} pages/s, pdfplumber {len(ours) / t_theirs:.1f} pages/s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load_s={load_s:.2f} pdf_ratio={pdf_ratio:.1f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
