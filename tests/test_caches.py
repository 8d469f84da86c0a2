"""The on-disk caches cannot run code or lie: the token cache (SQLite, a checksum per row) and the topics
cache (.npz of plain arrays + JSON sidecar, never a pickle). A truncated, foreign or edited file gives the
right result anyway, with exactly one CacheWarning naming the file, and heals."""
from __future__ import annotations

import hashlib
import json
import pathlib
import pickle
import re
import sqlite3
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

import toolkit.tokenize
import toolkit.topics
from toolkit import paths
from toolkit.cache import CacheWarning
from toolkit.tokenize import (_SEP, KEEP_CACHES, TOKENIZER_VERSION, Tokenizer, _bundle_checksum, bundle_key,
                              decode_bundle, encode_bundle, entry_checksum, prune_caches, text_key)
from toolkit.topics import DOCUMENT_COLUMNS, KSelection, TopicModel, select_topics

# NMF on these tiny corpora may stop at max_iter; that is not what these tests are about.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TEXTS = ["推动跨省通办", "破除数据孤岛", "推进数据共享交换平台建设", "推动跨省通办", ""]


def cache_warnings(call):
    """``call()``'s result and the messages of the CacheWarnings it issued (all of them, no dedup)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, CacheWarning)]


def messages(caught) -> list[str]:
    return [str(w.message) for w in caught]


# --------------------------------------------------------------------------- token cache
@pytest.fixture(scope="module")
def expected():
    return Tokenizer(cache=False).tokenize_many(TEXTS)


@pytest.fixture
def tok(tmp_path):
    return Tokenizer(cache_dir=tmp_path / "tokens")


def filled(tok, expected):
    """``tok``'s cache file, after one clean run that wrote every text."""
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
    assert tokens == expected and caught == []
    assert tok.cache_path.is_file()
    return tok.cache_path


def assert_heals(tok, expected, warning: str):
    """One call: the right tokens and exactly ``warning``, attributed to this file; the next: no warning."""
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
    assert tokens == expected
    assert messages(caught) == [warning]
    assert caught[0].filename == __file__  # points at the caller, not at the toolkit
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
    assert tokens == expected and caught == []


def test_token_cache_rows_carry_a_checksum_and_the_file_is_closed_wal(tok, expected):
    path = filled(tok, expected)
    assert not path.with_name(path.name + "-wal").exists()  # the connection was closed (checkpointed)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = db.execute("SELECT key, tokens, checksum FROM tokens").fetchall()
    db.close()
    assert len(rows) == len(set(TEXTS))
    by_key = {key: (joined, checksum) for key, joined, checksum in rows}
    joined, checksum = by_key[text_key("破除数据孤岛")]
    assert text_key("破除数据孤岛") == hashlib.sha256("破除数据孤岛".encode()).hexdigest()
    assert joined.split(_SEP) == ["破除", "数据孤岛"] and checksum == entry_checksum(text_key("破除数据孤岛"), joined)


def test_truncated_token_cache_is_set_aside_and_rebuilt(tok, expected):
    path = filled(tok, expected)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    assert_heals(tok, expected, f"token cache {path}: database disk image is malformed; "
                                f"moved to {path.name}.corrupt and rebuilt")
    assert path.with_name(path.name + ".corrupt").read_bytes() == data[:len(data) // 2]


def test_a_file_that_is_not_a_database_is_set_aside(tok, expected):
    path = tok.cache_path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database, just text\n" * 100)
    path.with_name(path.name + ".corrupt").write_bytes(b"an older one")  # replaced
    assert_heals(tok, expected, f"token cache {path}: file is not a database; moved to {path.name}.corrupt and rebuilt")
    assert path.with_name(path.name + ".corrupt").read_bytes() == b"not a database, just text\n" * 100


@pytest.mark.parametrize("schema, holds", [
    ("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "notes(id, body)"),
    ("CREATE TABLE tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL)", "tokens(key, tokens)"),  # version 2's
    ("CREATE VIEW answer AS SELECT 42 AS value", "no table"),
])
def test_a_database_with_a_foreign_schema_is_set_aside(tok, expected, schema, holds):
    path = tok.cache_path
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.execute(schema)
    db.close()
    assert_heals(tok, expected, f"token cache {path}: not a token cache of version {TOKENIZER_VERSION} "
                                f"(it holds {holds}); moved to {path.name}.corrupt and rebuilt")


def rows_only(path):
    """Drop the bundles, so that the next call reads the cache one row per text."""
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM bundles")
    db.close()


def test_an_edited_row_is_dropped_and_recomputed(tok, expected, monkeypatch):
    path = filled(tok, expected)
    rows_only(path)
    with sqlite3.connect(path) as db:  # the tokens change, the checksum does not
        changed = db.execute("UPDATE tokens SET tokens = ? WHERE key = ?", (f"伪造{_SEP}词语", text_key("破除数据孤岛")))
        assert changed.rowcount == 1
    db.close()
    segmented = []
    cut = tok._cut
    monkeypatch.setattr(tok, "_cut", lambda text: segmented.append(text) or cut(text))
    assert_heals(tok, expected, f"token cache {path}: 1 entry failed the checksum; dropped and recomputed")
    assert segmented == ["破除数据孤岛"]  # only the bad row was recomputed, and the file healed


def test_several_bad_rows_give_one_warning(tok, expected):
    path = filled(tok, expected)
    rows_only(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tokens SET checksum = 'x'")
    db.close()
    assert_heals(tok, expected, f"token cache {path}: {len(set(TEXTS))} entries failed the checksum; "
                                "dropped and recomputed")


def test_a_second_call_reads_one_bundle_and_segments_nothing(tok, expected, monkeypatch):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:
        (key, vocab, codes, offsets, checksum), = db.execute("SELECT * FROM bundles").fetchall()
    db.close()
    distinct = list(dict.fromkeys(TEXTS))
    assert key == bundle_key(distinct) and decode_bundle(key, vocab, codes, offsets, checksum,
                                                         n_texts=len(distinct)) == [expected[TEXTS.index(t)]
                                                                                   for t in distinct]
    again = Tokenizer(cache_dir=tok.cache_dir)
    monkeypatch.setattr(again, "_cut", lambda text: pytest.fail(f"segmented {text!r} again"))
    tokens, caught = cache_warnings(lambda: again.tokenize_many(TEXTS))
    assert tokens == expected and caught == []
    assert tokens[0] is not expected[0]  # new lists: the caller may change them
    shared = ["建设数据共享平台", "推进数据共享"]
    tok.tokenize_many(shared)
    read = Tokenizer(cache_dir=tok.cache_dir).tokenize_many(shared)  # from the bundle
    assert read[0][1] == read[1][0] == "数据共享" and read[0][1] is read[1][0]  # one string object per token


def test_a_pandas_column_is_keyed_in_arrow_and_finds_the_bundle_of_its_list(tok, expected, monkeypatch):
    column = pd.Series(TEXTS, dtype="str")
    assert toolkit.tokenize._arrow_strings(column) is not None  # the Arrow path is the one taken
    assert tok.tokenize_many(column) == expected
    with sqlite3.connect(tok.cache_path) as db:
        keys = [key for key, in db.execute("SELECT key FROM bundles")]
    db.close()
    assert keys == [bundle_key(list(dict.fromkeys(TEXTS)))]
    again = Tokenizer(cache_dir=tok.cache_dir)
    monkeypatch.setattr(again, "_cut", lambda text: pytest.fail(f"segmented {text!r} again"))
    assert again.tokenize_many(TEXTS) == expected  # a list of the same texts reads the column's bundle
    tokens = again.tokenize_many(column)
    assert tokens == expected and tokens[0] is tokens[3]  # equal texts share one list, as from a list
    units = again.tokenize_units(pd.DataFrame({"text": column.set_axis(list("abcde"))}))
    assert units["tokens"].tolist() == expected and list(units.index) == list("abcde")


@pytest.mark.parametrize("texts", [["推动跨省通办", None], pd.Series(["推动跨省通办", None], dtype="str"),
                                   pd.Series(["推动跨省通办", float("nan")], dtype=object)])
def test_a_missing_text_is_an_error_naming_its_position(tok, texts):
    with pytest.raises(TypeError, match=r"text 1 is not a string \((None|nan)\)"):
        tok.tokenize_many(texts)


def test_an_edited_bundle_read_from_a_pandas_column_is_dropped_and_rebuilt(tok, expected, monkeypatch):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:
        vocab = db.execute("SELECT vocab FROM bundles").fetchone()[0]
        db.execute("UPDATE bundles SET vocab = ?", (vocab[::-1],))
    db.close()
    monkeypatch.setattr(tok, "_cut", lambda text: pytest.fail(f"segmented {text!r} again: the rows were good"))
    column = pd.Series(TEXTS, dtype="str")
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(column))
    assert tokens == expected
    assert messages(caught) == [f"token cache {path}: 1 entry failed the checksum; dropped and recomputed"]
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(column))
    assert tokens == expected and caught == []


def test_an_edited_bundle_is_dropped_and_rebuilt_from_the_rows(tok, expected, monkeypatch):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:  # one code changed, the checksum not
        codes = db.execute("SELECT codes FROM bundles").fetchone()[0]
        db.execute("UPDATE bundles SET codes = ?", (bytes([codes[0] ^ 1]) + codes[1:],))
    db.close()
    monkeypatch.setattr(tok, "_cut", lambda text: pytest.fail(f"segmented {text!r} again: the rows were good"))
    assert_heals(tok, expected, f"token cache {path}: 1 entry failed the checksum; dropped and recomputed")


@pytest.mark.parametrize("damage", ["offsets", "codes"])
def test_a_bundle_of_the_wrong_shape_is_refused_even_with_a_valid_checksum(damage):
    lists = [["数据", "孤岛"], [], ["数据"]]
    key = bundle_key(["a", "b", "c"])
    vocab, codes, offsets, _ = encode_bundle(key, lists)
    assert decode_bundle(key, vocab, codes, offsets, _bundle_checksum(key, vocab, codes, offsets), n_texts=3) == lists
    if damage == "offsets":
        offsets = offsets[:-8]  # one text short
    else:
        codes = codes[:-4] + (7).to_bytes(4, "little")  # a code past the vocabulary
    assert decode_bundle(key, vocab, codes, offsets, _bundle_checksum(key, vocab, codes, offsets), n_texts=3) is None


def test_old_cache_files_are_pruned_to_the_newest(tmp_path):
    folder = tmp_path / "tokens"
    folder.mkdir()
    import os

    for i in range(KEEP_CACHES + 3):
        old = folder / f"tokens-old{i}.sqlite"
        old.write_bytes(b"x")
        (folder / f"tokens-old{i}.sqlite-wal").write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    (folder / "unrelated.txt").write_text("kept")
    tok = Tokenizer(cache_dir=folder)
    tok.tokenize_many(TEXTS)  # creates this tokenizer's file, keeping the newest KEEP_CACHES - 1 others
    left = sorted(p.name for p in folder.glob("tokens-*.sqlite"))
    newest = [f"tokens-old{i}.sqlite" for i in range(KEEP_CACHES + 3)][-(KEEP_CACHES - 1):]
    assert left == sorted(newest + [tok.cache_path.name])
    assert not (folder / "tokens-old0.sqlite-wal").exists() and (folder / "unrelated.txt").exists()
    assert prune_caches(folder, keep=KEEP_CACHES) == []  # nothing more to remove


def _fill_in_a_process(cache_dir: str, texts: list[str]) -> list[list[str]]:
    return Tokenizer(cache_dir=cache_dir).tokenize_many(texts)


@pytest.mark.parametrize("processes", [2, 6])
def test_processes_filling_one_cache_at_once_agree(tmp_path, processes):
    """Several processes fill the same cache file at the same moment (overlapping texts, each its own
    order): every one gets the tokens an uncached tokenizer gives, none fails on a locked database, and
    the file then answers for every text."""
    import concurrent.futures
    import multiprocessing
    import random

    from toolkit import load_corpus

    texts = load_corpus(paths.RAW_DIR).units["text"].tolist()
    texts += [t[::-1] for t in texts]  # more rows to write at once
    plain = Tokenizer(cache=False)
    reference = dict(zip(texts, plain.tokenize_many(texts)))
    orders = []
    for p in range(processes):
        chosen = random.Random(p).sample(texts, k=len(texts) * 2 // 3)
        orders.append(chosen)
    folder = tmp_path / "tokens"
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        results = list(pool.map(_fill_in_a_process, [str(folder)] * processes, orders))
    for chosen, got in zip(orders, results):
        assert got == [reference[t] for t in chosen]
    tokens, caught = cache_warnings(lambda: Tokenizer(cache_dir=folder).tokenize_many(texts))
    assert tokens == [reference[t] for t in texts] and caught == []
    assert len(list(folder.glob("tokens-*.sqlite"))) == 1


def test_a_cache_path_that_cannot_be_opened_is_an_error_naming_it(tok):
    """Not every SQLite error means a bad file: one that cannot be opened (here a folder) is left alone."""
    tok.cache_path.mkdir(parents=True)
    with pytest.raises(sqlite3.OperationalError, match=re.escape(f"token cache {tok.cache_path}: unable to open")):
        tok.tokenize_many(TEXTS)
    assert tok.cache_path.is_dir()


# --------------------------------------------------------------------------- topics cache
THEMES = {"data": ["数据孤岛", "数据共享", "信息系统", "平台", "对接", "专网"],
          "region": ["跨省通办", "异地", "协同", "通办", "清单", "省际"],
          "law": ["法治", "学法", "普法", "培训", "依法", "执法"]}


@pytest.fixture(scope="module")
def docs():
    rng = np.random.default_rng(0)
    rows = []
    for u in range(24):
        theme = list(THEMES)[u % 3]
        tokens = [str(t) for t in rng.choice(THEMES[theme], size=8)]
        rows.append({"report_id": f"r{u // 6}", "kind": "problems" if u % 6 < 2 else "plans", "section_index": 1,
                     "unit_index": u, "start": 0, "end": 8, "text": "".join(tokens), "tokens": tokens})
    return pd.DataFrame(rows)[DOCUMENT_COLUMNS]


def selection(memory=None) -> KSelection:
    return KSelection(range(2, 4), n_samples=2, top_n=5, model=TopicModel(min_df=1), memory=memory)


@pytest.fixture(scope="module")
def reference(docs):
    return selection().fit(docs)


def entry(folder) -> tuple[pathlib.Path, pathlib.Path]:
    sidecars, archives = sorted(folder.glob("rankings-*.json")), sorted(folder.glob("rankings-*.npz"))
    assert len(sidecars) == len(archives) == 1, sorted(p.name for p in folder.iterdir())
    return sidecars[0], archives[0]


def assert_same(fitted, reference):
    pd.testing.assert_frame_equal(fitted.table_, reference.table_)
    pd.testing.assert_frame_equal(fitted.topics_, reference.topics_)
    assert fitted.k_ == reference.k_


def assert_recomputed(folder, docs, reference, warning: str):
    """One fit: the reference result and exactly ``warning``; the entry is rewritten, the next fit reads
    it without a warning and without fitting."""
    fitted, caught = cache_warnings(lambda: selection(folder).fit(docs))
    assert_same(fitted, reference)
    assert messages(caught) == [warning]
    assert caught[0].filename == __file__
    entry(folder)
    assert sorted(p.name for p in folder.glob("*.corrupt"))  # the bad entry was set aside
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(toolkit.topics, "_fit_rankings", lambda *a, **k: pytest.fail("fitted again"))
        fitted, caught = cache_warnings(lambda: selection(folder).fit(docs))
    assert_same(fitted, reference)
    assert caught == []


def test_topics_cache_entry_is_arrays_and_json(tmp_path, docs, reference):
    fitted, caught = cache_warnings(lambda: selection(tmp_path).fit(docs))
    assert_same(fitted, reference)
    assert caught == []
    sidecar, archive = entry(tmp_path)
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert set(meta) == {"format", "version", "key", "file", "sha256", "layout"}
    assert meta["file"] == archive.name and archive.name.startswith(sidecar.stem + "-")
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == meta["sha256"]
    with np.load(archive, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["converged", "top_k2", "top_k3"]
        assert npz["top_k3"].shape == (3, 3, 5) and npz["converged"].shape == (3, 2)
        assert npz["converged"].dtype == bool
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_select_topics_caches_in_the_cache_folder(tmp_path, docs, reference, monkeypatch):
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path)
    kwargs = dict(k_range=range(2, 4), n_samples=2, n_jobs=1)
    first = select_topics(docs, **kwargs)
    entry(tmp_path / "topics")
    monkeypatch.setattr(toolkit.topics, "_fit_rankings", lambda *a, **k: pytest.fail("fitted again"))
    second = select_topics(docs, **kwargs)
    pd.testing.assert_frame_equal(first.topics_, second.topics_)
    with pytest.raises(pytest.fail.Exception, match="fitted again"):
        select_topics(docs, cache=False, **kwargs)


def test_a_corrupt_npz_is_set_aside_and_recomputed(tmp_path, docs, reference):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    data = archive.read_bytes()
    archive.write_bytes(data[:len(data) // 2])
    assert_recomputed(tmp_path, docs, reference,
                      f"topics cache {archive}: sha256 does not match its sidecar {sidecar.name}; "
                      "entry set aside as *.corrupt and recomputed")


def test_an_edited_sidecar_checksum_is_set_aside_and_recomputed(tmp_path, docs, reference):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    meta["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    assert_recomputed(tmp_path, docs, reference,
                      f"topics cache {archive}: sha256 does not match its sidecar {sidecar.name}; "
                      "entry set aside as *.corrupt and recomputed")


@pytest.mark.parametrize("edit, reason", [
    (lambda meta: "{ not json", "sidecar is not valid JSON"),
    (lambda meta: json.dumps({**meta, "version": "1"}), "sidecar is not an entry of this version for this key"),
    (lambda meta: json.dumps({**meta, "file": "../../elsewhere.npz"}),
     "sidecar is not an entry of this version for this key"),
    (lambda meta: json.dumps({**meta, "layout": {**meta["layout"], "top_n": 4}}),
     "sidecar's layout does not match the call"),
])
def test_a_foreign_sidecar_is_set_aside_and_recomputed(tmp_path, docs, reference, edit, reason):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    sidecar.write_text(edit(json.loads(sidecar.read_text(encoding="utf-8"))), encoding="utf-8")
    assert_recomputed(tmp_path, docs, reference,
                      f"topics cache {sidecar}: {reason}; entry set aside as *.corrupt and recomputed")


def test_a_missing_archive_is_recomputed(tmp_path, docs, reference):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    archive.unlink()
    assert_recomputed(tmp_path, docs, reference, f"topics cache {sidecar}: its archive {archive.name} is missing; "
                                                 "entry set aside as *.corrupt and recomputed")


def test_an_archive_without_its_sidecar_is_a_silent_miss(tmp_path, docs, reference):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    sidecar.unlink()  # as a crash between the two writes would leave it
    fitted, caught = cache_warnings(lambda: selection(tmp_path).fit(docs))
    assert_same(fitted, reference)
    assert caught == []
    assert entry(tmp_path) == (sidecar, archive)


class Plant:
    """Unpickling this creates ``marker``: what a planted pickle could do, harmlessly."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_the_plant_does_run_when_unpickled(tmp_path):
    """The payload of the next test is live: pickle.loads does create the marker."""
    marker = tmp_path / "proof"
    pickle.loads(pickle.dumps(Plant(marker)))
    assert marker.exists()


@pytest.mark.parametrize("where", ["archive", "object-array"])
def test_a_planted_pickle_is_never_unpickled(tmp_path, docs, reference, where):
    folder, marker = tmp_path / "topics", tmp_path / "marker"
    payload = pickle.dumps(Plant(marker))
    selection(folder).fit(docs)
    sidecar, archive = entry(folder)
    # joblib.Memory's old layout and a stray pickle: never opened
    old = folder / "joblib" / "toolkit" / "topics" / "_score_samples" / ("0" * 32)
    old.mkdir(parents=True)
    (old / "output.pkl").write_bytes(payload)
    (old / "metadata.json").write_text("{}", encoding="utf-8")
    (folder / "rankings.pkl").write_bytes(payload)
    if where == "archive":  # a pickle in place of the archive, its checksum put in the sidecar
        archive.write_bytes(payload)
        reason = "not an .npz archive"
    else:  # a real .npz whose member is a pickled object array
        with np.load(archive) as npz:
            arrays = dict(npz)
        arrays["top_k2"] = np.array([Plant(marker)], dtype=object)
        with open(archive, "wb") as f:
            np.savez(f, **arrays)
        reason = "top_k2 is not an array of plain values"
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    meta["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    assert not marker.exists()

    assert_recomputed(folder, docs, reference,
                      f"topics cache {archive}: {reason}; entry set aside as *.corrupt and recomputed")
    assert not marker.exists()
    assert (old / "output.pkl").read_bytes() == payload  # left alone, not read


def test_a_joblib_memory_is_refused(tmp_path, docs):
    message = ("memory must be a folder (a str or a path) or None, not Memory: pickled caches such as "
               "joblib.Memory are no longer used; pass the folder itself, e.g. memory='.cache/topics'")
    with pytest.raises(TypeError, match=re.escape(message)):
        selection(joblib.Memory(tmp_path, verbose=0)).fit(docs)
    assert list(tmp_path.rglob("rankings-*")) == []


def test_a_str_folder_works_as_a_path(tmp_path, docs, reference):
    assert_same(selection(str(tmp_path)).fit(docs), reference)
    entry(tmp_path)

