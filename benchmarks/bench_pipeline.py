"""The whole pipeline at three sizes (run by hand, never in tests): load → sections → tokens → themes →
one topic fit, on the shared corpora replicated to about 10,000 reports.

    .venv/bin/python benchmarks/bench_pipeline.py [--reports 10000] [--steps 3] [--k 10]

The corpus: every report of ../shared/corpora/municipal-2024 (.txt), provincial-2025 (.docx) and
national-1954-2022 (.tsv), read once, then written as .txt files into a temporary folder, copy after
copy, until there are ``--reports`` files. Each copy is made distinct (every line ends with the copy's
mark, （样本N）), so no cache or de-duplication can make a copy free: every unit is a new text. The
corpus is read with ``keep_duplicates=True`` (copies of one report are near-duplicates by design).

Sizes: ``--reports`` / 4**(steps-1), …, ``--reports`` (1×, 4×, 16× by default: 625, 2,500 and 10,000
reports). Each size runs in a fresh child process (so caches in memory and the previous size's
tables count nowhere) with an empty token cache. Per stage it prints the seconds and the peak resident
memory of the child (sampled every 0.1 s with psutil; the stages run one after another, so a stage's
peak includes what earlier stages hold, as in a notebook):

- ``load``: :func:`toolkit.corpus.read_reports` (decode, page chrome, metadata, duplicates);
- ``sections``: :func:`toolkit.dataset.build_corpus` (sections and units);
- ``tokens``: :meth:`toolkit.tokenize.Tokenizer.tokenize_units` on every unit, cold (empty cache);
- ``themes``: :func:`toolkit.themes.find_matches` of the whole lexicon in every unit;
- ``topics``: one :class:`toolkit.topics.TopicModel` fit (k = ``--k``) on the problem and plan units.

Then, per stage, how its time grows with the corpus: the ratio of times per 4× step and the exponent
b of time ∝ size^b between the smallest and the largest size (1: linear). The last line is
``reports=… seconds=… peak_mb=… growth=stage:b,…``.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

STAGES = ("load", "sections", "tokens", "themes", "topics")
SOURCES = ("municipal-2024", "provincial-2025", "national-1954-2022")


class Peak:
    """The peak resident memory of this process while running, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._process = psutil.Process()

    def __enter__(self):
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def write_corpus(folder: Path, n_reports: int) -> int:
    """Write ``n_reports`` distinct .txt reports into ``folder`` from the shared corpora; return the number
    of source reports."""
    from toolkit import load_corpus, paths

    texts = []
    for name in SOURCES:
        source = paths.SHARED_DIR / "corpora" / name
        if not source.exists():
            raise SystemExit(f"bench_pipeline needs {source} (absent: put ../shared beside the project)")
        texts += load_corpus(source, skip_bad=True, keep_duplicates=True).reports["text"].tolist()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_reports):
        copy, source = divmod(i, len(texts))
        mark = f"（样本{copy}）"
        body = "\n".join(line + mark if line.strip() else line for line in texts[source].splitlines())
        (folder / f"r{i:06d}.txt").write_text(body + "\n", encoding="utf-8")
    return len(texts)


def run_size(folder: str, k: int) -> dict:
    """One size, in this (child) process: the stages in order, seconds and peak RSS each."""
    from toolkit.corpus import read_reports
    from toolkit.dataset import build_corpus
    from toolkit.themes import find_matches
    from toolkit.tokenize import Tokenizer
    from toolkit.topics import TopicModel

    out = {}
    with tempfile.TemporaryDirectory() as cache:
        state = {}
        steps = {
            "load": lambda: state.update(reports=read_reports(folder, skip_bad=True)[0]),
            "sections": lambda: state.update(corpus=build_corpus(state["reports"], keep_duplicates=True)),
            "tokens": lambda: state.update(units=Tokenizer(cache_dir=cache).tokenize_units(state["corpus"].units)),
            "themes": lambda: state.update(matches=find_matches(state["corpus"])),
            "topics": lambda: state.update(model=TopicModel(k, random_state=0).fit(
                state["units"][state["units"]["kind"].isin(["problems", "plans"])])),
        }
        for stage in STAGES:
            with Peak() as peak:
                start = time.perf_counter()
                steps[stage]()
                seconds = time.perf_counter() - start
            out[stage] = {"seconds": seconds, "peak_mb": peak.peak / 2**20}
        out["units"] = len(state["corpus"].units)
        out["tokens"]["count"] = int(state["units"]["tokens"].map(len).sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000, help="reports at the largest size (default 10,000)")
    parser.add_argument("--steps", type=int, default=3, help="sizes, each 4× the last (default 3: 1×, 4×, 16×)")
    parser.add_argument("--k", type=int, default=10, help="topics of the one fit (default 10)")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "K"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(args.child[0], int(args.child[1]))))
        return
    sizes = [max(1, args.reports // 4 ** (args.steps - 1 - i)) for i in range(args.steps)]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder = Path(tmp) / f"corpus-{n}"
            sources = write_corpus(folder, n)
            done = subprocess.run([sys.executable, __file__, "--child", str(folder), str(args.k)],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"size {n} failed:\n{done.stderr[-3000:]}")
            results[n] = json.loads(done.stdout.strip().splitlines()[-1])
            r = results[n]
            print(f"\n{n} reports ({sources} sources replicated), {r['units']} units, {r['tokens']['count']} tokens")
            for stage in STAGES:
                print(f"  {stage:<9} {r[stage]['seconds']:8.2f} s   peak {r[stage]['peak_mb']:7.0f} MB")
            print(f"  {'total':<9} {sum(r[s]['seconds'] for s in STAGES):8.2f} s", flush=True)
            for f in folder.iterdir():
                f.unlink()
    print("\ngrowth of each stage's time (per 4× step; b in time ∝ size^b, smallest to largest):")
    growth = {}
    for stage in STAGES:
        times = [results[n][stage]["seconds"] for n in sizes]
        steps = " ".join(f"×{b / a:.1f}" for a, b in zip(times, times[1:]))
        b = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0]) if len(sizes) > 1 else float("nan")
        growth[stage] = b
        print(f"  {stage:<9} {steps:<16} b = {b:.2f}")
    last = results[sizes[-1]]
    print(f"reports={sizes[-1]} seconds={sum(last[s]['seconds'] for s in STAGES):.0f} "
          f"peak_mb={max(last[s]['peak_mb'] for s in STAGES):.0f} "
          f"growth={','.join(f'{s}:{b:.2f}' for s, b in growth.items())}")


if __name__ == "__main__":
    main()
