"""The whole pipeline on the stage spine, up to 100,000 reports (run by hand, never in tests): read →
describe → sections → boilerplate → tokens → themes → one topic fit, each stage stored as Parquet parts
(toolkit.pipeline), at three sizes; then the speed-up of reading and segmenting on 2 cores against 1, and
a notebook's corpus read back from stored stages.

    .venv/bin/python benchmarks/bench_pipeline.py [--reports 100000] [--steps 3] [--k 10]

**The corpus.** Every report of ../shared/corpora/municipal-2024 (.txt), provincial-2025 (.docx),
national-1954-2022 (.tsv) and bureau-fujian (crawl exports: bureau-sized reports), read once, then written
as .txt files into a temporary folder, copy after copy, until there are ``--reports`` files. Each copy is
made distinct: every sentence and every line ends with the copy's mark (（样本ab）, the copy's number in
letters, so that the boilerplate check's normal form, which writes digits as 0, still tells copies
apart): no cache, no de-duplication and no boilerplate grouping can make a copy free, every sentence is
a new one. Read with ``keep_duplicates=True``.

**Sizes.** ``--reports`` / 4**(steps-1), …, ``--reports`` (6,250, 25,000 and 100,000 by default). Each size
runs in a fresh child process with empty stages and an empty token cache, on all cores. Per stage: the
seconds and the peak resident memory of the child **and its worker processes** (summed, sampled every
0.2 s with psutil; the stages run one after another in one process, as in a notebook):

- ``load``: :meth:`Spine.cleaned` and :meth:`Spine.reports` (decode, page chrome, metadata, duplicates);
- ``sections``: :meth:`Spine.segmented` (sections and units);
- ``boilerplate``: :meth:`Spine.boilerplate` (sentences by chunks, grouped in DuckDB);
- ``tokens``: :meth:`Spine.tokens`, cold (an empty token cache);
- ``themes``: :meth:`Spine.theme_matches` of the whole lexicon;
- ``topics``: one :class:`toolkit.topics.TopicModel` fit (k = ``--k``) on the problem and plan units,
  streamed from the stage ``tokens`` (:meth:`Spine.token_lists`).

Then the growth of each stage's time with the corpus (the ratio per 4× step, and b of time ∝ size^b
between the smallest and the largest size; goal b ≤ 1.05); ``load_speedup``: reading and segmenting
``--speedup-reports`` reports (default 2,000) on all cores against ``n_jobs=1``, each in a fresh process
(goal ≥ 1.7 on 2 cores); ``cached_load_s``: ``load_corpus`` of the municipal corpus in a fresh process
once its stages are stored (the notebooks' case; goal < 1 s). Goals: 10,000 reports under 1.5 GB,
100,000 under 3 GB and 60 minutes. The last line is
``reports=… minutes=… peak_mb=… load_speedup=… cached_load_s=…``.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

STAGES = ("load", "sections", "boilerplate", "tokens", "themes", "topics")
SOURCES = ("municipal-2024", "provincial-2025", "national-1954-2022", "bureau-fujian")
_END = re.compile(r"([。；！？])")


class Peak:
    """The peak resident memory of this process and its children (joblib's workers), summed, sampled
    every ``interval`` seconds while running."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._process = psutil.Process()

    def _rss(self) -> int:
        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def __enter__(self):
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def mark(copy: int) -> str:
    """The copy's mark: its number in letters (a, b, …, z, ba, bb, …)."""
    letters = ""
    while True:
        copy, digit = divmod(copy, 26)
        letters = chr(ord("a") + digit) + letters
        if not copy:
            return f"（样本{letters}）"


def source_texts() -> list[str]:
    from toolkit import load_corpus, paths

    texts = []
    for name in SOURCES:
        source = paths.SHARED_DIR / "corpora" / name
        if not source.exists():
            raise SystemExit(f"bench_pipeline needs {source} (absent: put ../shared beside the project)")
        texts += load_corpus(source, skip_bad=True, keep_duplicates=True, progress=False).reports["text"].tolist()
    return texts


def write_corpus(folder: Path, n_reports: int, texts: list[str]) -> None:
    """Write ``n_reports`` distinct .txt reports into ``folder`` from ``texts``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_reports):
        copy, source = divmod(i, len(texts))
        m = mark(copy)
        body = "\n".join(_END.sub(r"\1" + m, line) + m if line.strip() else line
                         for line in texts[source].splitlines())
        (folder / f"r{i:06d}.txt").write_text(body + "\n", encoding="utf-8")


def run_size(folder: str, stages: str, k: int) -> dict:
    """One size, in this (child) process: the stages in order, seconds and peak RSS each."""
    from toolkit.pipeline import Spine
    from toolkit.themes import load_lexicon
    from toolkit.tokenize import Tokenizer
    from toolkit.topics import TopicModel

    out = {}
    with tempfile.TemporaryDirectory() as cache:
        spine = Spine(folder, skip_bad=True, keep_duplicates=True, root=stages, progress=False)
        tokenizer = Tokenizer(cache_dir=cache)
        state = {}
        steps = {
            "load": lambda: (spine.cleaned(), spine.reports()),
            "sections": spine.segmented,
            "boilerplate": spine.boilerplate,
            "tokens": lambda: state.update(tokens=spine.tokens(tokenizer)),
            "themes": lambda: spine.theme_matches(load_lexicon()),
            "topics": lambda: state.update(model=TopicModel(k, random_state=0).fit(spine.token_lists(tokenizer))),
        }
        for stage in STAGES:
            with Peak() as peak:
                start = time.perf_counter()
                steps[stage]()
                seconds = time.perf_counter() - start
            out[stage] = {"seconds": seconds, "peak_mb": peak.peak / 2**20}
            print(json.dumps({"stage": stage, **out[stage]}), file=sys.stderr, flush=True)
        out["units"] = spine.segmented()[1].rows
        out["tokens_count"] = int(spine.query("SELECT sum(len(tokens)) AS n FROM tokens", tokenizer=tokenizer)["n"][0])
        out["documents"] = state["model"].tfidf_.shape[0]
    return out


def run_load(folder: str, stages: str, n_jobs: int) -> dict:
    """Reading and segmenting alone, with ``n_jobs`` processes (empty stages)."""
    from toolkit.pipeline import Spine

    spine = Spine(folder, skip_bad=True, keep_duplicates=True, root=stages, n_jobs=n_jobs, progress=False)
    start = time.perf_counter()
    spine.reports()
    spine.segmented()
    return {"seconds": time.perf_counter() - start}


def run_cached(stages: str) -> dict:
    """``load_corpus`` of the municipal corpus, its stages stored (a fresh process: imports not counted)."""
    import os

    os.environ["TOOLKIT_STAGES"] = stages
    from toolkit import load_corpus, paths

    load_corpus(paths.MUNICIPAL_DIR, skip_bad=True, progress=False)  # stored once
    start = time.perf_counter()
    corpus = load_corpus(paths.MUNICIPAL_DIR, skip_bad=True, progress=False)
    return {"seconds": time.perf_counter() - start, "units": len(corpus.units)}


def child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", json.dumps(args)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports at the largest size (default 100,000)")
    parser.add_argument("--steps", type=int, default=3, help="sizes, each 4× the last (default 3: 1×, 4×, 16×)")
    parser.add_argument("--k", type=int, default=10, help="topics of the one fit (default 10)")
    parser.add_argument("--speedup-reports", type=int, default=2_000, help="reports of the load speed-up (2,000)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *rest = json.loads(args.child)
        result = {"size": lambda f, s, k: run_size(f, s, int(k)), "load": lambda f, s, j: run_load(f, s, int(j)),
                  "cached": run_cached}[what](*rest)
        print(json.dumps(result))
        return
    sizes = [max(1, args.reports // 4 ** (args.steps - 1 - i)) for i in range(args.steps)]
    results = {}
    texts = source_texts()
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder, stages = Path(tmp) / f"corpus-{n}", Path(tmp) / f"stages-{n}"
            start = time.perf_counter()
            write_corpus(folder, n, texts)
            print(f"\n{n} reports ({len(texts)} sources replicated) written in {time.perf_counter() - start:.0f} s",
                  flush=True)
            results[n] = r = child("size", str(folder), str(stages), str(args.k))
            print(f"{r['units']:,} units, {r['tokens_count']:,} tokens, {r['documents']:,} documents in the topic fit")
            for stage in STAGES:
                print(f"  {stage:<12} {r[stage]['seconds']:8.1f} s   peak {r[stage]['peak_mb']:7.0f} MB")
            print(f"  {'total':<12} {sum(r[s]['seconds'] for s in STAGES) / 60:8.1f} min", flush=True)
            for path in (folder, stages):
                subprocess.run(["rm", "-rf", str(path)], check=True)
        print("\ngrowth of each stage's time (per 4× step; b in time ∝ size^b, smallest to largest):")
        growth = {}
        for stage in STAGES:
            times = [results[n][stage]["seconds"] for n in sizes]
            steps = " ".join(f"×{b / a:.1f}" for a, b in zip(times, times[1:]))
            b = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0]) if len(sizes) > 1 else float("nan")
            growth[stage] = b
            print(f"  {stage:<12} {steps:<16} b = {b:.2f}")
        folder = Path(tmp) / "speedup"
        write_corpus(folder, args.speedup_reports, texts)
        one = child("load", str(folder), str(Path(tmp) / "one"), "1")["seconds"]
        many = child("load", str(folder), str(Path(tmp) / "many"), "-1")["seconds"]
        print(f"\nload + sections of {args.speedup_reports:,} reports: 1 process {one:.1f} s, all cores {many:.1f} s "
              f"({one / many:.2f}×)")
        cached = child("cached", str(Path(tmp) / "cached"))
        print(f"municipal corpus from stored stages: {cached['seconds']:.2f} s ({cached['units']:,} units)")
    last = results[sizes[-1]]
    print(f"reports={sizes[-1]} minutes={sum(last[s]['seconds'] for s in STAGES) / 60:.1f} "
          f"peak_mb={max(last[s]['peak_mb'] for s in STAGES):.0f} load_speedup={one / many:.2f} "
          f"cached_load_s={cached['seconds']:.2f} growth={','.join(f'{s}:{b:.2f}' for s, b in growth.items())}")


if __name__ == "__main__":
    main()
