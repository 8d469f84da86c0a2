"""The stage spine (toolkit.pipeline): the same tables as reading in memory, read back instead of computed
again, recomputed when an input changes (and only from the stage it feeds), healed when a stored stage is
corrupt or partial, the same in chunks on several processes or on a Dask cluster, and queried in SQL."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit.corpus
import toolkit.dataset
from toolkit import paths, pipeline
from toolkit.cache import CacheWarning
from toolkit.corpus import read_reports
from toolkit.dataset import build_corpus
from toolkit.pipeline import STAGE_MANIFEST, Spine, Stage, load_corpus, prune, write_part
from toolkit.themes import load_lexicon


def plain(table: pd.DataFrame) -> pd.DataFrame:
    """A table with missing text as None and a fresh index, to compare values whatever the dtypes."""
    table = table.reset_index(drop=True).astype(object)
    return table.where(table.notna(), None)


def same_corpus(a, b) -> None:
    for name in ("reports", "sections", "units", "removed"):
        pd.testing.assert_frame_equal(plain(getattr(a, name)), plain(getattr(b, name)), obj=name)
    assert [str(e) for e in a.errors] == [str(e) for e in b.errors]
    assert a.notes == b.notes and a.folders == b.folders


@pytest.fixture
def folder(tmp_path) -> Path:
    """The seed reports, one of them twice (a duplicate), and one that cannot be read."""
    corpus = tmp_path / "corpus"
    shutil.copytree(paths.RAW_DIR, corpus, ignore=shutil.ignore_patterns("manifest.csv"))
    first = sorted(corpus.glob("*.txt"))[0]
    (corpus / "copy").mkdir()
    shutil.copy(first, corpus / "copy" / first.name)
    (corpus / "empty.txt").write_bytes(b"")
    return corpus


@pytest.fixture
def stages(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "stages"
    monkeypatch.setenv("TOOLKIT_STAGES", str(root))
    return root


def refuse(*args, **kwargs):
    raise AssertionError("computed again: the stored stage should have been read")


def test_the_spine_gives_the_tables_of_reading_in_memory(folder, stages):
    spine = load_corpus(folder, skip_bad=True)
    reports, errors = read_reports(folder, skip_bad=True)
    same_corpus(spine, build_corpus(reports, errors, skip_bad=True))
    assert spine.reports["duplicate_of"].notna().sum() == 1 and len(spine.errors) == 1
    assert "empty.txt" in str(spine.errors[0])
    assert spine.units["unit_id"].is_unique and spine.units.columns[0] == "unit_id"


def test_without_skip_bad_the_first_bad_report_is_raised(folder, stages):
    with pytest.raises(toolkit.corpus.ReportError, match="empty.txt"):
        load_corpus(folder)


def test_a_second_load_reads_the_stored_stages(folder, stages, monkeypatch):
    first = load_corpus(folder, skip_bad=True)
    monkeypatch.setattr(toolkit.corpus, "clean", refuse)
    monkeypatch.setattr(toolkit.dataset, "section_table", refuse)
    same_corpus(first, load_corpus(folder, skip_bad=True))


def test_a_changed_file_is_read_again(folder, stages):
    before = load_corpus(folder, skip_bad=True)
    target = sorted(folder.glob("*.txt"))[1]
    target.write_text(target.read_text(encoding="utf-8") + "\n五、下一步工作打算\n一是加强数据共享，打破数据孤岛。\n",
                      encoding="utf-8")
    after = load_corpus(folder, skip_bad=True)
    assert after.units["text"].str.contains("打破数据孤岛").any()
    assert not before.units["text"].str.contains("打破数据孤岛").any()


def test_a_changed_metadata_csv_describes_again_without_reading(folder, stages, monkeypatch):
    load_corpus(folder, skip_bad=True)
    name = sorted(folder.glob("*.txt"))[1].name
    (folder / "metadata.csv").write_text(f"file,year_under_review\n{name},2001\n", encoding="utf-8")
    monkeypatch.setattr(toolkit.corpus, "clean", refuse)  # the files are not read again
    after = load_corpus(folder, skip_bad=True)
    assert after.reports.loc[after.reports["path"].str.endswith(name), "year"].tolist() == [2001]


def test_a_new_lexicon_finds_its_matches_without_reading_again(folder, stages, monkeypatch, tmp_path):
    spine = Spine(folder, skip_bad=True)
    project = spine.theme_matches(load_lexicon()).read()
    own = tmp_path / "own.toml"
    own.write_text('schema = 1\n\n[[theme]]\nid = "hall"\nname = "政务服务"\nlabel = "services"\n'
                   'variants = ["政务服务"]\n', encoding="utf-8")
    monkeypatch.setattr(toolkit.corpus, "clean", refuse)
    monkeypatch.setattr(toolkit.dataset, "section_table", refuse)
    mine = Spine(folder, skip_bad=True).theme_matches(load_lexicon(themes=own)).read()
    assert "hall" in set(mine["theme"]) and "hall" not in set(project["theme"])
    units = spine.corpus().units.set_index("unit_id")
    for row in mine.head(20).itertuples():  # a match's offsets are its words in its unit
        assert row.term in units.at[row.unit_id, "text"]


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "no manifest", "foreign manifest"])
def test_a_broken_stage_is_computed_again_with_one_warning(folder, stages, damage):
    spine = Spine(folder, skip_bad=True)
    before = spine.corpus()
    _, units = spine.segmented()
    part = units.parts()[0]
    if damage == "flip a byte":
        data = bytearray(part.read_bytes())
        data[len(data) // 2] ^= 0xFF
        part.write_bytes(bytes(data))
    elif damage == "truncate":
        part.write_bytes(part.read_bytes()[:100])
    elif damage == "no manifest":
        (units.folder / STAGE_MANIFEST).unlink()
    else:
        (units.folder / STAGE_MANIFEST).write_text('{"stage": "units", "version": 1, "key": {}, "parts": []}')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        after = Spine(folder, skip_bad=True).corpus()
    said = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(said) == 1 and "stored stage 'units'" in said[0] and "computed again" in said[0]
    same_corpus(before, after)


def test_a_stage_being_built_elsewhere_is_neither_discarded_nor_clobbered(folder, stages, monkeypatch):
    """Two notebooks (or a benchmark beside a command) computing the same corpus at once: the second
    process finds the stage absent and computes it too, without removing the first one's parts (which
    once crashed the first with FileNotFoundError); whichever finishes second keeps the stage in place."""
    spine = Spine(folder, skip_bad=True)
    stage = spine._stage("cleaned", {"corpus": spine.fingerprint, "rate": spine.rate})
    with monkeypatch.context() as other:  # another (living) process's build, begun and not finished
        other.setattr(pipeline.os, "getpid", os.getppid)
        first = pipeline._Writer(stage)
    building = stage.folder
    assert building.is_dir() and building != first.final
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # nothing here is broken: no warning
        done = Spine(folder, skip_bad=True).cleaned()  # this process computes the same stage meanwhile
    assert building.is_dir() and done.problem() is None
    part = write_part(building, 0, pd.DataFrame({"x": [1]}), {"x": "integer"})
    first.add(part)
    finished = first.finish()  # second to finish: the stage in place is whole, so it is kept
    assert finished.folder == done.folder and finished.problem() is None and not building.exists()
    assert [p.name for p in done.folder.parent.iterdir()] == [done.folder.name]
    reports, errors = read_reports(folder, skip_bad=True)
    same_corpus(load_corpus(folder, skip_bad=True), build_corpus(reports, errors, skip_bad=True))


def test_a_build_left_by_a_process_that_is_gone_is_removed(folder, stages):
    spine = Spine(folder, skip_bad=True)
    stage = spine._stage("cleaned", {"corpus": spine.fingerprint, "rate": spine.rate})
    stage.folder.parent.mkdir(parents=True)
    left = stage.folder.with_name(f".{stage.folder.name}.building-999999999-deadbeef")
    left.mkdir()
    (left / "part-00000.parquet").write_bytes(b"half")
    spine.cleaned()
    assert not left.exists() and stage.problem() is None


def test_chunks_on_several_processes_give_the_same_tables(folder, stages, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_FILES", 2)
    monkeypatch.setattr(pipeline, "CHUNK_REPORTS", 2)
    one = Spine(folder, skip_bad=True, n_jobs=1, root=stages / "one")
    two = Spine(folder, skip_bad=True, n_jobs=2, root=stages / "two")
    same_corpus(one.corpus(), two.corpus())
    assert len(two.cleaned().parts()) == 3 and len(two.segmented()[1].parts()) >= 3


def test_long_stages_show_progress_on_stderr_unless_quiet(folder, stages, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "PROGRESS_DELAY", 0)
    Spine(folder, skip_bad=True, progress=True, root=stages / "shown").corpus()
    shown = capsys.readouterr()
    assert "reading" in shown.err and "segmenting" in shown.err and shown.out == ""
    Spine(folder, skip_bad=True, progress=False, root=stages / "quiet").corpus()
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TOOLKIT_PROGRESS", "0")  # what make figures sets for the notebooks
    Spine(folder, skip_bad=True, root=stages / "env").corpus()
    assert capsys.readouterr().err == ""


def test_cli_quiet_silences_the_bars(folder, stages):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "toolkit", "units", str(folder), "--skip-bad", "--quiet", "--jsonl"],
                          capture_output=True, text=True, env={**os_environ(), "TOOLKIT_PROGRESS": "1"})
    assert done.returncode == 0, done.stderr
    assert "chunks" not in done.stderr and "empty.txt" in done.stderr  # the skipped file is still said
    import json

    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows and all(r["unit_id"] == f"{r['report']}.{r['section_index']}.{r['unit_index']}" for r in rows)


def test_unit_ids_name_the_units_place(seeds):
    units = seeds.units
    assert units["unit_id"].is_unique
    assert (units["unit_id"] == units["report_id"] + "." + units["section_index"].astype(str) + "."
            + units["unit_index"].astype(str)).all()


def test_queries_run_over_the_stored_stages(folder, stages):
    spine = Spine(folder, skip_bad=True)
    corpus = spine.corpus()
    counted = spine.query("SELECT kind, count(*) AS n FROM units GROUP BY kind ORDER BY kind")
    assert dict(zip(counted["kind"], counted["n"])) == corpus.units["kind"].value_counts().sort_index().to_dict()
    joined = spine.query("SELECT r.label, count(*) AS n FROM units u JOIN reports r USING (report_id) "
                         "GROUP BY r.label ORDER BY r.label")
    expected = corpus.units.merge(corpus.reports[["report_id", "label"]]).groupby("label").size()
    assert dict(zip(joined["label"], joined["n"])) == expected.to_dict()


def test_cache_false_leaves_nothing_behind(folder, stages):
    load_corpus(folder, skip_bad=True, cache=False)
    assert not stages.exists() or not any(stages.iterdir())


def test_prune_keeps_the_corpora_used_last(tmp_path):
    import os

    for n in range(5):
        (tmp_path / f"corpus{n}").mkdir()
        os.utime(tmp_path / f"corpus{n}", (n, n))
    gone = prune(tmp_path, keep="corpus0", corpora=3)
    assert sorted(p.name for p in gone) == ["corpus1", "corpus2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus0", "corpus3", "corpus4"]


def test_make_clean_removes_the_stages():
    assert pipeline.Spine([paths.RAW_DIR]).root.is_relative_to(paths.CACHE_DIR) or "TOOLKIT_STAGES" in os_environ()
    assert "rm -rf build .cache" in (paths.PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")


def os_environ():
    import os

    return os.environ


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=6),
       names=st.lists(st.binary(max_size=12), min_size=1, max_size=6))
def test_a_part_reads_back_what_was_written(tmp_path, texts, names):
    """Whatever the strings (empty, None, any code point but lone surrogates, which Arrow cannot hold) and
    whatever a file name's bytes (not UTF-8 too), a stored part gives back the same values."""
    n = min(len(texts), len(names))
    texts = [t if t is None else t.encode("utf-8", "replace").decode("utf-8") for t in texts[:n]]
    frame = pd.DataFrame({"text": texts, "path": names[:n], "n": range(n)})
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    part = write_part(folder, 0, frame, {"text": "string", "path": "binary", "n": "integer"})
    back = Stage(folder, "test", {})
    back.__dict__["manifest"] = {"parts": [part]}
    read = back.read()
    assert [None if pd.isna(v) else v for v in read["text"]] == texts
    assert read["path"].tolist() == names[:n] and read["n"].tolist() == list(range(n))


@pytest.mark.slow
def test_a_dask_cluster_gives_the_tables_of_one_machine(folder, stages, monkeypatch):
    """Reading and segmenting in chunks on a LocalCluster (joblib's dask backend), as on a user's cluster
    sharing the file system: the same tables as in this process."""
    distributed = pytest.importorskip("distributed")
    import joblib

    monkeypatch.setattr(pipeline, "CHUNK_FILES", 2)
    monkeypatch.setattr(pipeline, "CHUNK_REPORTS", 2)
    local = Spine(folder, skip_bad=True, n_jobs=1, root=stages / "local").corpus()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
            remote = Spine(folder, skip_bad=True, n_jobs=-1, root=stages / "cluster").corpus()
        assert stream.data  # the chunks ran on the cluster's workers
    same_corpus(local, remote)
