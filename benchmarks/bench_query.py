"""Queries over stored stages without loading them (run by hand, never in tests): DuckDB against pyarrow's
datasets and compute functions, and pandas reading every part (the plain way), on about 1.5 million units.

    .venv/bin/python benchmarks/bench_query.py [--copies 146] [--keep DIR]

The stages: the units of ../shared/corpora/municipal-2024 (10,326 units) as the spine stores them, with
their theme matches and tokens, written ``--copies`` times as Parquet parts of one stage each (report ids
made distinct per copy: 146 copies are 1.5 million units, 20,878 reports). Three queries, each run by
the three engines in a fresh process (its time and the peak resident memory of that process):

- ``prevalence``: the share of units matching each theme, by section kind and province (matches joined
  to units joined to reports, counted, divided);
- ``keyness``: the count of every token in problem units and in plan units (the counts keyness needs);
- ``kwic``: every unit holding 营商环境, with 20 characters of context either side.

The engines must agree (the same numbers, the same matches). The last line is
``units=… duckdb_s=… arrow_s=… pandas_s=… duckdb_mb=… arrow_mb=… pandas_mb=…`` (sums over the queries;
peaks the largest of the three).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ("prevalence", "keyness", "kwic")
ENGINES = ("duckdb", "arrow", "pandas")
TERM = "营商环境"
WIDTH = 20


def build(folder: Path, copies: int) -> int:
    """Write the stages ``units``, ``reports``, ``theme_matches``, ``tokens`` (``copies`` parts each)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from toolkit import load_corpus, paths
    from toolkit.themes import find_matches, load_lexicon
    from toolkit.tokenize import Tokenizer

    corpus = load_corpus(paths.MUNICIPAL_DIR, skip_bad=True)
    units = corpus.units[["unit_id", "report_id", "kind", "text"]].copy()
    reports = corpus.reports[["report_id", "province", "level"]].copy()
    matches = find_matches(corpus.units, load_lexicon()).merge(
        corpus.units[["report_id", "section_index", "unit_index", "unit_id"]])[["unit_id", "theme"]]
    tokens = pd.DataFrame({"unit_id": units["unit_id"], "tokens": Tokenizer().tokenize_many(units["text"])})
    for name in ("units", "reports", "theme_matches", "tokens"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for c in range(copies):
        mark = f"~{c}"
        for name, table in (("units", units), ("reports", reports), ("theme_matches", matches), ("tokens", tokens)):
            part = table.copy()
            for column in ("unit_id", "report_id"):
                if column in part:
                    part[column] = part[column] + mark
            pq.write_table(pa.Table.from_pandas(part, preserve_index=False), folder / name / f"part-{c:05d}.parquet",
                           compression="zstd")
    return len(units) * copies


def parts(folder: Path, name: str) -> list[str]:
    return sorted(str(p) for p in (folder / name).glob("part-*.parquet"))


# ---------------------------------------------------------------------------------------------- engines
def run_duckdb(folder: Path, query: str):
    import duckdb

    con = duckdb.connect()
    for name in ("units", "reports", "theme_matches", "tokens"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({parts(folder, name)!r})")
    if query == "prevalence":
        return con.execute("""
            WITH n AS (SELECT u.kind, coalesce(r.province, '') AS province, count(*) AS units
                       FROM units u JOIN reports r USING (report_id) GROUP BY ALL),
                 m AS (SELECT t.theme, u.kind, coalesce(r.province, '') AS province, count(DISTINCT t.unit_id) AS matched
                       FROM theme_matches t JOIN units u USING (unit_id) JOIN reports r USING (report_id) GROUP BY ALL)
            SELECT m.theme, m.kind, m.province, m.matched, n.units, m.matched / n.units AS share
            FROM m JOIN n USING (kind, province) ORDER BY ALL""").df()
    if query == "keyness":
        return con.execute("""
            SELECT token, count(*) FILTER (WHERE kind = 'problems') AS a, count(*) FILTER (WHERE kind = 'plans') AS b
            FROM (SELECT u.kind, unnest(t.tokens) AS token FROM tokens t JOIN units u USING (unit_id)
                  WHERE u.kind IN ('problems', 'plans'))
            GROUP BY token ORDER BY token""").df()
    return con.execute(f"""
        SELECT unit_id, substr(text, greatest(p - {WIDTH}, 1), least(p - 1, {WIDTH})) AS left_,
               substr(text, p + {len(TERM)}, {WIDTH}) AS right_
        FROM (SELECT unit_id, text, instr(text, '{TERM}') AS p FROM units WHERE contains(text, '{TERM}'))
        ORDER BY unit_id""").df()


def run_arrow(folder: Path, query: str):
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    units = ds.dataset(parts(folder, "units"))
    if query == "prevalence":
        reports = ds.dataset(parts(folder, "reports")).to_table(columns=["report_id", "province"])
        reports = reports.set_column(1, "province", pc.fill_null(reports["province"], ""))
        kinds = units.to_table(columns=["unit_id", "report_id", "kind"]).join(reports, "report_id")
        n = kinds.group_by(["kind", "province"]).aggregate([("unit_id", "count")]).rename_columns(
            ["kind", "province", "units"])
        matched = ds.dataset(parts(folder, "theme_matches")).to_table().group_by(["theme", "unit_id"]).aggregate([])
        m = matched.join(kinds, "unit_id").group_by(["theme", "kind", "province"]).aggregate(
            [("unit_id", "count")]).rename_columns(["theme", "kind", "province", "matched"])
        out = m.join(n, ["kind", "province"]).to_pandas()
        out["share"] = out["matched"] / out["units"]
        return out[["theme", "kind", "province", "matched", "units", "share"]].sort_values(
            ["theme", "kind", "province", "matched", "units", "share"]).reset_index(drop=True)
    if query == "keyness":
        ids = {kind: units.to_table(columns=["unit_id"], filter=pc.field("kind") == kind)["unit_id"].combine_chunks()
               for kind in ("problems", "plans")}
        counts = {}
        for batch in ds.dataset(parts(folder, "tokens")).to_batches():
            for kind in ("problems", "plans"):
                lists = batch["tokens"].filter(pc.is_in(batch["unit_id"], value_set=ids[kind]))
                if len(lists):
                    vc = pc.value_counts(pc.list_flatten(lists))
                    counts.setdefault(kind, []).append(vc.flatten())
        frames = []
        for kind, column in (("problems", "a"), ("plans", "b")):
            table = pa.Table.from_arrays([pa.concat_arrays([c[0] for c in counts[kind]]),
                                          pa.concat_arrays([c[1] for c in counts[kind]])], names=["token", column])
            frames.append(table.group_by("token").aggregate([(column, "sum")]).rename_columns(["token", column])
                          .to_pandas().set_index("token"))
        out = frames[0].join(frames[1], how="outer").fillna(0).astype("int64").reset_index()
        return out.sort_values("token").reset_index(drop=True)
    hits = units.to_table(columns=["unit_id", "text"], filter=pc.match_substring(pc.field("text"), TERM)).to_pandas()
    p = hits["text"].str.find(TERM)
    return pd.DataFrame({"unit_id": hits["unit_id"],
                         "left_": [t[max(i - WIDTH, 0):i] for t, i in zip(hits["text"], p)],
                         "right_": [t[i + len(TERM):i + len(TERM) + WIDTH] for t, i in zip(hits["text"], p)]}
                        ).sort_values("unit_id").reset_index(drop=True)


def run_pandas(folder: Path, query: str):
    """The plain way: every part read into one DataFrame, then pandas."""
    import pandas as pd

    def read(name, columns=None):
        return pd.concat([pd.read_parquet(p, columns=columns) for p in parts(folder, name)], ignore_index=True)

    units = read("units")
    if query == "prevalence":
        reports = read("reports")
        kinds = units[["unit_id", "report_id", "kind"]].merge(reports[["report_id", "province"]].fillna({"province": ""}))
        n = kinds.groupby(["kind", "province"]).size().rename("units").reset_index()
        m = (read("theme_matches").drop_duplicates().merge(kinds).groupby(["theme", "kind", "province"]).size()
             .rename("matched").reset_index())
        out = m.merge(n)
        out["share"] = out["matched"] / out["units"]
        return out[["theme", "kind", "province", "matched", "units", "share"]].sort_values(
            ["theme", "kind", "province", "matched", "units", "share"]).reset_index(drop=True)
    if query == "keyness":
        tokens = read("tokens").merge(units[["unit_id", "kind"]])
        tokens = tokens[tokens["kind"].isin(["problems", "plans"])].explode("tokens")
        out = tokens.groupby(["tokens", "kind"]).size().unstack(fill_value=0)
        out = out.rename(columns={"problems": "a", "plans": "b"})[["a", "b"]].rename_axis("token").reset_index()
        return out.sort_values("token").reset_index(drop=True)
    hits = units[units["text"].str.contains(TERM, regex=False)]
    p = hits["text"].str.find(TERM)
    return pd.DataFrame({"unit_id": hits["unit_id"],
                         "left_": [t[max(i - WIDTH, 0):i] for t, i in zip(hits["text"], p)],
                         "right_": [t[i + len(TERM):i + len(TERM) + WIDTH] for t, i in zip(hits["text"], p)]}
                        ).sort_values("unit_id").reset_index(drop=True)


def child(folder: str, engine: str, query: str, out: str) -> None:
    """One query by one engine; its seconds and the peak resident memory of this process while it ran
    (sampled every 20 ms: ru_maxrss would count the parent's peak, which Linux keeps across exec)."""
    import threading

    import psutil

    process, peak, stop = psutil.Process(), [0], threading.Event()

    def sample():
        while not stop.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    table = {"duckdb": run_duckdb, "arrow": run_arrow, "pandas": run_pandas}[engine](Path(folder), query)
    seconds = time.perf_counter() - start
    stop.set()
    thread.join()
    peak[0] = max(peak[0], process.memory_info().rss)
    table.to_parquet(out)
    print(json.dumps({"seconds": seconds, "peak_mb": peak[0] / 2**20, "rows": len(table)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=146)
    parser.add_argument("--keep", type=Path, help="build the stages here (kept), or reuse them if there")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "stages"
        if not (folder / "units").is_dir():
            t = time.perf_counter()
            n = build(folder, args.copies)
            print(f"built {n:,} units in {time.perf_counter() - t:.0f} s", flush=True)
        n = sum(__import__("pyarrow.parquet").parquet.ParquetFile(p).metadata.num_rows for p in parts(folder, "units"))
        totals = {e: 0.0 for e in ENGINES}
        peaks = {e: 0.0 for e in ENGINES}
        for query in QUERIES:
            results = {}
            for engine in ENGINES:
                out = Path(tmp) / f"{query}-{engine}.parquet"
                done = subprocess.run([sys.executable, __file__, "--child", str(folder), engine, query, str(out)],
                                      capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(done.stderr)
                row = json.loads(done.stdout.strip().splitlines()[-1])
                totals[engine] += row["seconds"]
                peaks[engine] = max(peaks[engine], row["peak_mb"])
                results[engine] = pd.read_parquet(out)
                print(f"{query:11s} {engine:7s} {row['seconds']:7.2f} s  peak {row['peak_mb']:7.0f} MB  "
                      f"rows {row['rows']:,}", flush=True)
            for engine in ENGINES[1:]:
                a, b = results["duckdb"], results[engine]
                b = b.rename_axis(columns=None)
                pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                              check_exact=False)
            print(f"{query:11s} the three engines agree", flush=True)
        print(f"units={n} " + " ".join(f"{e}_s={totals[e]:.2f}" for e in ENGINES) + " "
              + " ".join(f"{e}_mb={peaks[e]:.0f}" for e in ENGINES))


if __name__ == "__main__":
    main()
