"""Benchmark toolkit.sections.section_table on ever larger texts (run by hand, never in tests).

    .venv/bin/python benchmarks/bench_sections.py [RAW_DIR] [--skip-60mb] [--baseline OLD_SECTIONS_PY]

Segmentation (``segment``, then ``units_of`` for every section: the whole of ``section_table``) must
take time linear in the text: each 4× step in size should cost about 4× the time (``growth`` ≈ 4; a
quadratic segmenter shows ≈ 16). Texts, all built from the cleaned seed reports
(:func:`toolkit.corpus.read_report` on ``RAW_DIR/*.txt``):

* **repeated**: the seed reports one after the other (1×), repeated 4× and 16×;
* **headings**: synthetic reports with 625, 2,500 and 10,000 numbered headings (一、 … 九十九、, over
  and over), each heading's words taken from a seed heading, each followed by a seed paragraph;
* **60 MB**: the seed reports repeated to 60 MB of UTF-8 (a file of that size);
* **one line**: the seed reports without their line breaks, repeated to 5 MB of UTF-8 on a single
  line (text that lost its line breaks).

Each time is the best of several runs for texts under a second, one run above. ``growth`` is the time
ratio per 4× step. With ``--baseline`` (another version of ``toolkit/sections.py``, e.g. from
``git show REV:toolkit/sections.py > /tmp/sections_old.py``) the repeated texts and the headings up to
2,500 are timed with it too and ``speedup`` (its time / this version's) printed; its tables must be
the same. The last line is ``headings_10k_s=… mb60_s=… line5mb_s=… growth_4x=… peak_mb=…`` with the
largest growth of any 4× step and the process's peak resident memory (ru_maxrss).
"""
from __future__ import annotations

import importlib.util
import random
import re
import resource
import sys
import time
from pathlib import Path

from toolkit import paths
from toolkit.corpus import read_report
from toolkit.sections import section_table

CN = "一二三四五六七八九十"
_MARKER = re.compile(rf"^(?:[{CN}]{{1,3}}、|[（(][{CN}]{{1,3}}[）)]|\d{{1,2}}[.．、])")


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 99 → 九十九."""
    tens, ones = divmod(n, 10)
    return ((CN[tens - 1] if tens > 1 else "") + "十" if tens else "") + (CN[ones - 1] if ones else "")


def seed_texts(folder: Path) -> list[str]:
    return [read_report(path).text for path in sorted(folder.glob("*.txt"))]


def with_headings(texts: list[str], n: int) -> str:
    """A report with ``n`` numbered headings, each over a seed paragraph."""
    lines = [line for text in texts for line in text.split("\n") if line.strip()]
    words = sorted({_MARKER.sub("", line) for line in lines if _MARKER.match(line) and len(line) <= 60} - {""})
    paragraphs = [line for line in lines if len(line) > 60]
    rng = random.Random(0)
    out = ["某市数据局2023年工作总结", "市政府："]
    for i in range(n):
        out += [f"{cn_number(i % 99 + 1)}、{rng.choice(words)}", rng.choice(paragraphs)]
    return "\n".join(out + ["某市数据局", "2023年12月20日"])


def repeated(text: str, mb: float, sep: str = "\n") -> str:
    """``text`` repeated (joined by ``sep``) to at least ``mb`` megabytes of UTF-8."""
    copies = -(-int(mb * 1e6) // len((text + sep).encode("utf-8")))
    return sep.join([text] * max(copies, 1))


def load_baseline(path: str):
    """``section_table`` of another version of toolkit/sections.py."""
    spec = importlib.util.spec_from_file_location("baseline_sections", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.section_table


def timed(text: str, table=section_table) -> tuple[float, tuple]:
    """Best time of ``table`` on ``text`` (several runs under a second), with its result."""
    best, spent, runs = float("inf"), 0.0, 0
    while runs < 1 or (spent < 1.0 and runs < 5):
        start = time.perf_counter()
        result = table("bench", text, 2023)
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    return best, result


def series(name: str, texts: list[tuple[str, str]], baseline=None, baseline_max: int = 0) -> list[float]:
    """Time each (label, text) and print it; return the times."""
    times, previous = [], None
    for label, text in texts:
        seconds, (sections, units) = timed(text)
        line = (f"{name:<9} {label:<7} {len(text):>11,} chars {len(text.encode('utf-8')) / 1e6:6.2f} MB "
                f"{len(sections):>7,} sections {len(units):>7,} units {seconds:8.3f} s")
        line += "" if previous is None else f"  growth {seconds / previous:5.2f}"
        if baseline is not None and len(text) <= baseline_max:
            old_seconds, (old_sections, old_units) = timed(text, baseline)
            same = old_sections.equals(sections) and old_units.equals(units)
            line += f"  baseline {old_seconds:7.3f} s  speedup {old_seconds / seconds:5.1f}" + ("" if same else " DIFFERENT")
        print(line, flush=True)
        times.append(seconds)
        previous = seconds
    return times


def main(argv: list[str]) -> int:
    skip_60mb = "--skip-60mb" in argv
    baseline = None
    if "--baseline" in argv:
        at = argv.index("--baseline")
        baseline = load_baseline(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    args = [a for a in argv if not a.startswith("--")]
    folder = Path(args[0]) if args else paths.RAW_DIR
    texts = seed_texts(folder)
    if not texts:
        print(f"benchmark needs report texts in {folder} (none)", file=sys.stderr)
        return 2
    base = "\n".join(texts)
    print(f"seeds {folder}: {len(texts)} reports, {len(base):,} characters")

    repeats = series("repeated", [(f"{k}x", "\n".join([base] * k)) for k in (1, 4, 16)], baseline, 10**9)
    headings = [(f"{n:,}", with_headings(texts, n)) for n in (625, 2_500, 10_000)]
    heads = series("headings", headings, baseline, len(headings[1][1]))
    del headings
    growth = [b / a for times in (repeats, heads) for a, b in zip(times, times[1:])]
    line5mb, = series("one line", [("5 MB", repeated("".join(base.split("\n")), 5, sep=""))])
    mb60, = series("60 MB", [("60 MB", repeated(base, 60))]) if not skip_60mb else [float("nan")]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"headings_10k_s={heads[-1]:.2f} mb60_s={mb60:.2f} line5mb_s={line5mb:.2f} "
          f"growth_4x={max(growth):.1f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
