"""Benchmark the PDF reader's text-layer extraction (pypdfium2) against pdfplumber (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_pdf.py [PDF] [--repeat N]

Both extract the text layer of every page of the same PDF (default: the 2024 Beijing 政府工作报告 of
the shared corpora), N times each (default 5), in one process; the time is the best of the N runs.
Measured: ``toolkit.readers.pdf.page_texts`` (open, every page's text page, close) and pdfplumber's
``page.extract_text()`` on every page. Printed: pages/s for both, their ratio, and how the two texts
differ once all whitespace is ignored (pdfplumber lays out lines by position, pdfium in content order,
so line breaks and spaces differ by design): the count of differing characters and the first few
differing snippets. The last line is ``pdf_ratio=… same_chars=yes/no``.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
from pathlib import Path

from toolkit.paths import SHARED_DIR
from toolkit.readers import Source
from toolkit.readers.pdf import page_texts

DEFAULT_PDF = SHARED_DIR / "corpora" / "beijing-2024-pdf" / "2024年北京市政府工作报告.pdf"
_SPACE = re.compile(r"\s+")


def best_of(repeat: int, func) -> tuple[object, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return result, best


def with_pdfium(data: bytes, path: Path) -> list[str]:
    texts, _ = page_texts(data, Source(path))
    return texts


def with_pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        print(f"benchmark needs the PDF {args.pdf} (absent): skipped", file=sys.stderr)
        return 2
    data = args.pdf.read_bytes()
    ours, t_ours = best_of(args.repeat, lambda: with_pdfium(data, args.pdf))
    theirs, t_theirs = best_of(args.repeat, lambda: with_pdfplumber(args.pdf))
    pages = len(ours)
    assert len(theirs) == pages, f"page counts differ: pdfium {pages}, pdfplumber {len(theirs)}"
    print(f"{args.pdf.name}: {pages} pages, {len(data):,} bytes; best of {args.repeat} runs each")
    for name, seconds in (("pdfplumber (baseline)", t_theirs), ("toolkit.readers.pdf (pypdfium2)", t_ours)):
        print(f"{name:<32} {seconds * 1000:8.1f} ms  {pages / seconds:8.1f} pages/s")
    ratio = t_theirs / t_ours
    print(f"ratio: {ratio:.1f}x faster than pdfplumber")

    a = _SPACE.sub("", "".join(ours))
    b = _SPACE.sub("", "".join(theirs))
    print(f"characters without whitespace: pdfium {len(a):,}, pdfplumber {len(b):,}")
    differing, shown = 0, 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        differing += max(i2 - i1, j2 - j1)
        if shown < 5:
            shown += 1
            print(f"  {op:<7} at {i1:>6}: pdfium {a[max(0, i1 - 8):i2 + 8]!r} / pdfplumber {b[max(0, j1 - 8):j2 + 8]!r}")
    print(f"differing characters (whitespace ignored): {differing}")
    print(f"pdf_ratio={ratio:.1f} same_chars={'yes' if differing == 0 else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
