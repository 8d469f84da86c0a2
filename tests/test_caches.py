"""The on-disk caches cannot run code or lie: the token cache (SQLite, a checksum per row) and the topics
cache (.npz of plain arrays + JSON sidecar, never a pickle). A truncated, foreign or edited file gives the
right result anyway, with exactly one CacheWarning naming the file, and heals."""
from __future__ import annotations

import ctypes
import hashlib
import io
import json
import logging
import os
import pathlib
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import warnings
import zipfile
from contextlib import contextmanager

import joblib
import numpy as np
import pandas as pd
import pytest

import toolkit.tokenize
import toolkit.topics
from toolkit import paths
from toolkit.cache import CacheWarning
from toolkit.tokenize import (KEEP_CACHES, TOKENIZER_VERSION, Tokenizer, _bundle_checksum, bundle_key, decode_bundle,
                              encode_bundle, prune_caches, text_digest)
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


def test_token_cache_bundle_carries_a_checksum_and_points_each_text_at_it(tok, expected):
    path = filled(tok, expected)
    assert not path.with_name(path.name + "-wal").exists()  # the connection was closed (checkpointed)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        (key, vocab, codes, offsets, digests, checksum), = db.execute("SELECT * FROM bundles").fetchall()
        pointers = db.execute("SELECT key, bundle, position FROM texts").fetchall()
    db.close()
    distinct = list(dict.fromkeys(TEXTS))
    assert key == bundle_key(distinct)
    assert text_digest("破除数据孤岛") == hashlib.sha256("破除数据孤岛".encode()).digest()
    assert digests == b"".join(map(text_digest, distinct))
    assert checksum == _bundle_checksum(key, vocab, codes, offsets, digests)
    assert decode_bundle(key, vocab, codes, offsets, digests, checksum, n_texts=len(distinct)) == \
        [expected[TEXTS.index(t)] for t in distinct]
    assert sorted(pointers) == sorted((text_digest(t), key, i) for i, t in enumerate(distinct))


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
    ("CREATE TABLE tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL, checksum TEXT NOT NULL) WITHOUT ROWID; "
     "CREATE TABLE bundles (key TEXT PRIMARY KEY, vocab TEXT NOT NULL, codes BLOB NOT NULL, offsets BLOB NOT NULL, "
     "checksum TEXT NOT NULL) WITHOUT ROWID",  # version 6's
     "bundles(key, vocab, codes, offsets, checksum), tokens(key, tokens, checksum)"),
    ("CREATE VIEW answer AS SELECT 42 AS value", "no table"),
])
def test_a_database_with_a_foreign_schema_is_set_aside(tok, expected, schema, holds):
    path = tok.cache_path
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.executescript(schema)
    db.close()
    assert_heals(tok, expected, f"token cache {path}: not a token cache of version {TOKENIZER_VERSION} "
                                f"(it holds {holds}); moved to {path.name}.corrupt and rebuilt")


def recording(tok, monkeypatch) -> list[str]:
    """What ``tok`` segments from now on: each call of its segmenter (a batch of texts joined by U+0000)."""
    segmented = []
    cut = tok._cut
    monkeypatch.setattr(tok, "_cut", lambda text: segmented.append(text) or cut(text))
    return segmented


def test_new_texts_among_cached_ones_are_the_only_ones_segmented(tok, expected, monkeypatch):
    """A changed corpus: the texts an older call cached are read from its bundle (through each text's
    pointer), only the new ones are segmented, and the call's own bundle is written."""
    filled(tok, expected)
    segmented = recording(tok, monkeypatch)
    texts = TEXTS + ["建设数据共享平台", "推进数据共享"]
    reference = Tokenizer(cache=False).tokenize_many(texts)
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(texts))
    assert tokens == reference and caught == []
    assert segmented == ["建设数据共享平台\0推进数据共享"]
    assert tokens[1][1] is Tokenizer(cache=False).tokenize("数据孤岛")[0]  # read back interned, as new tokens are
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(texts))
    assert tokens == reference and caught == [] and len(segmented) == 1  # now from its own bundle


def test_new_texts_in_a_pandas_column_are_the_only_ones_segmented(tok, expected, monkeypatch):
    """The same from a column stored in Arrow: the new texts are taken from it, their digests read from
    its buffers, and their tokens placed among the cached ones."""
    filled(tok, expected)
    segmented = recording(tok, monkeypatch)
    texts = ["推进数据共享", *TEXTS, "建设数据共享平台", "推进数据共享"]
    reference = Tokenizer(cache=False).tokenize_many(texts)
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(pd.Series(texts, dtype="str")))
    assert tokens == reference and caught == []
    assert segmented == ["推进数据共享\0建设数据共享平台"]


def older_bundle(tok, expected):
    """``tok``'s cache holding the bundle of the first three texts only, whose texts TEXTS then looks up
    one by one (its own bundle is absent)."""
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS[:3]))
    assert tokens == expected[:3] and caught == []
    return tok.cache_path


def test_an_edited_older_bundle_is_dropped_and_its_texts_recomputed(tok, expected, monkeypatch):
    path = older_bundle(tok, expected)
    with sqlite3.connect(path) as db:  # the tokens change, the checksum does not
        vocab = db.execute("SELECT vocab FROM bundles").fetchone()[0]
        db.execute("UPDATE bundles SET vocab = ?", (vocab.replace("数据孤岛", "伪造词语"),))
    db.close()
    segmented = recording(tok, monkeypatch)
    assert_heals(tok, expected, f"token cache {path}: 1 entry failed the checksum; dropped and recomputed")
    assert segmented == ["\0".join(dict.fromkeys(TEXTS))]  # once, then the file healed
    with sqlite3.connect(path) as db:
        assert [key for key, in db.execute("SELECT key FROM bundles")] == [bundle_key(list(dict.fromkeys(TEXTS)))]
    db.close()


def test_pointers_to_the_wrong_text_give_one_warning(tok, expected):
    path = older_bundle(tok, expected)
    with sqlite3.connect(path) as db:  # each text pointed at its neighbour's tokens
        db.execute("UPDATE texts SET position = (position + 1) % 3")
    db.close()
    assert_heals(tok, expected, f"token cache {path}: 3 entries failed the checksum; dropped and recomputed")


def test_a_pointer_to_a_bundle_since_dropped_is_a_text_to_segment(tok, expected, monkeypatch):
    path = older_bundle(tok, expected)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM bundles")
    db.close()
    segmented = recording(tok, monkeypatch)
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
    assert tokens == expected and caught == []  # nothing was wrong: the pointers lead nowhere
    assert segmented == ["\0".join(dict.fromkeys(TEXTS))]


def test_a_call_past_the_bundle_limit_is_stored_as_several_bundles(tok, expected, monkeypatch):
    monkeypatch.setattr(toolkit.tokenize, "MAX_BUNDLE_TOKENS", max(map(len, expected)))
    path = filled(tok, expected)
    distinct = list(dict.fromkeys(TEXTS))
    with sqlite3.connect(path) as db:
        keys = sorted(key for key, in db.execute("SELECT key FROM bundles"))
        pointed = sorted(bundle for bundle, in db.execute("SELECT DISTINCT bundle FROM texts"))
    db.close()
    key = bundle_key(distinct)
    assert len(keys) > 1 and keys == pointed and all(k.startswith(f"{key}.") for k in keys)
    again = Tokenizer(cache_dir=tok.cache_dir)
    monkeypatch.setattr(again, "_cut", lambda text: pytest.fail(f"segmented {text!r} again"))
    tokens, caught = cache_warnings(lambda: again.tokenize_many(TEXTS))  # through the pointers
    assert tokens == expected and caught == []


def test_a_second_call_reads_one_bundle_and_segments_nothing(tok, expected, monkeypatch):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:
        (key, vocab, codes, offsets, digests, checksum), = db.execute("SELECT * FROM bundles").fetchall()
    db.close()
    distinct = list(dict.fromkeys(TEXTS))
    assert key == bundle_key(distinct) and decode_bundle(key, vocab, codes, offsets, digests, checksum,
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


def test_an_edited_bundle_read_from_a_pandas_column_is_dropped_and_rebuilt(tok, expected):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:
        vocab = db.execute("SELECT vocab FROM bundles").fetchone()[0]
        db.execute("UPDATE bundles SET vocab = ?", (vocab[::-1],))
    db.close()
    column = pd.Series(TEXTS, dtype="str")
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(column))
    assert tokens == expected
    assert messages(caught) == [f"token cache {path}: 1 entry failed the checksum; dropped and recomputed"]
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(column))
    assert tokens == expected and caught == []


def test_an_edited_bundle_is_dropped_and_recomputed(tok, expected, monkeypatch):
    path = filled(tok, expected)
    with sqlite3.connect(path) as db:  # one code changed, the checksum not
        codes = db.execute("SELECT codes FROM bundles").fetchone()[0]
        db.execute("UPDATE bundles SET codes = ?", (bytes([codes[0] ^ 1]) + codes[1:],))
    db.close()
    segmented = recording(tok, monkeypatch)
    assert_heals(tok, expected, f"token cache {path}: 1 entry failed the checksum; dropped and recomputed")
    assert segmented == ["\0".join(dict.fromkeys(TEXTS))]  # its texts once (its pointers lead to it: not twice)


@pytest.mark.parametrize("damage", ["offsets", "codes", "texts"])
def test_a_bundle_of_the_wrong_shape_is_refused_even_with_a_valid_checksum(damage):
    lists = [["数据", "孤岛"], [], ["数据"]]
    key = bundle_key(["a", "b", "c"])
    digests = b"".join(map(text_digest, ["a", "b", "c"]))
    vocab, codes, offsets, digests, _ = encode_bundle(key, lists, digests)
    checksum = _bundle_checksum(key, vocab, codes, offsets, digests)
    assert decode_bundle(key, vocab, codes, offsets, digests, checksum, n_texts=3) == lists
    if damage == "offsets":
        offsets = offsets[:-8]  # one text short
    elif damage == "codes":
        codes = codes[:-4] + (7).to_bytes(4, "little")  # a code past the vocabulary
    else:
        digests = digests[:-32]  # one text's digest missing
    checksum = _bundle_checksum(key, vocab, codes, offsets, digests)
    assert decode_bundle(key, vocab, codes, offsets, digests, checksum, n_texts=3) is None


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


@contextmanager
def within(seconds: float):
    """Fail the block with TimeoutError if it takes longer than ``seconds`` (a blocking open of a FIFO
    or a read of /dev/zero is interrupted: the test fails instead of hanging)."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fifo(path):
    os.mkfifo(path)


def _folder(path):
    path.mkdir()
    (path / "inside.txt").write_text("kept", encoding="utf-8")


def _link(target):
    return lambda path: os.symlink(target, path)


#: What may stand where a cache file should be, and how the warning describes it.
NOT_REGULAR = [
    ("fifo", _fifo, "a FIFO (named pipe), not a regular file"),
    ("dev-null", _link("/dev/null"), "a symlink to /dev/null, not a regular file"),
    ("dev-zero", _link("/dev/zero"), "a symlink to /dev/zero, not a regular file"),
    ("folder", _folder, "a folder, not a regular file"),
    ("dangling-symlink", _link("/nonexistent/tokens.sqlite"), "a symlink to /nonexistent/tokens.sqlite, not a regular file"),
]


@pytest.mark.parametrize("name, make, what", NOT_REGULAR, ids=[n for n, _, _ in NOT_REGULAR])
def test_a_token_cache_that_is_not_a_regular_file_is_set_aside_and_rebuilt(tok, expected, name, make, what):
    """A FIFO hung the run, /dev/null and a folder stopped it with "disk I/O error": a cache file is a
    regular file or it is never opened."""
    path = tok.cache_path
    path.parent.mkdir(parents=True)
    make(path)
    with within(30):
        assert_heals(tok, expected, f"token cache {path}: {what}; moved to {path.name}.corrupt and rebuilt")
    aside = path.with_name(path.name + ".corrupt")
    assert os.path.lexists(aside) and path.is_file() and not path.is_symlink()
    if name == "folder":
        assert (aside / "inside.txt").read_text(encoding="utf-8") == "kept"  # moved whole, nothing deleted


@pytest.mark.parametrize("sidecar", ["-wal", "-shm", "-journal"])
def test_a_sqlite_sidecar_that_is_not_a_regular_file_is_removed(tok, expected, sidecar):
    path = filled(tok, expected)
    fifo = path.with_name(path.name + sidecar)
    os.mkfifo(fifo)
    with within(30):
        assert_heals(tok, expected, f"token cache {path}: its {sidecar} file is a FIFO (named pipe), not a regular "
                                    f"file; moved to {path.name}.corrupt, {sidecar} removed and rebuilt")
    assert not fifo.exists()


def test_a_cache_folder_that_is_a_file_is_bypassed(tmp_path, expected):
    (tmp_path / "tokens").write_text("not a folder", encoding="utf-8")
    tok = Tokenizer(cache_dir=tmp_path / "tokens")
    for _ in range(2):  # it stays as it is: each call computes without the cache, with one warning
        tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
        assert tokens == expected
        assert messages(caught) == [f"token cache {tok.cache_path}: its folder cannot be made (File exists); not "
                                    "used: the tokens are computed without it"]
    assert (tmp_path / "tokens").read_text(encoding="utf-8") == "not a folder"


def _max_pages(pages: int):
    """sqlite3.connect whose connections may grow a database to ``pages`` pages only: past them SQLite
    itself answers SQLITE_FULL, "database or disk is full", as on a full disk."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        db.execute(f"PRAGMA max_page_count={pages}")
        return db
    return connect


def test_a_full_database_is_bypassed_and_the_run_completes(tok, expected, monkeypatch):
    monkeypatch.setattr(sqlite3, "connect", _max_pages(2))
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))
    assert tokens == expected
    assert messages(caught) == [f"token cache {tok.cache_path}: database or disk is full; not used: the tokens are "
                                "computed without it"]
    monkeypatch.undo()
    tokens, caught = cache_warnings(lambda: tok.tokenize_many(TEXTS))  # the file was kept, and now fills
    assert tokens == expected and caught == []


@contextmanager
def mounted_tmpfs(folder: pathlib.Path, size: str):
    """A tmpfs of ``size`` at ``folder`` (a real small disk), unmounted after; skips where it cannot be made."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real full disk needs a tmpfs, which only root can mount; "
                    "test_a_full_database_is_bypassed_and_the_run_completes simulates it")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()}); "
                    "test_a_full_database_is_bypassed_and_the_run_completes simulates a full disk")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_bypassed_and_the_run_completes(tmp_path):
    texts = TEXTS + [f"第{i}项任务：推进数据共享交换平台建设，破除数据孤岛" for i in range(2000)]
    reference = Tokenizer(cache=False).tokenize_many(texts)
    with mounted_tmpfs(tmp_path / "disk", "64k") as disk:
        tok = Tokenizer(cache_dir=disk / "tokens")
        tokens, caught = cache_warnings(lambda: tok.tokenize_many(texts))
        assert tokens == reference
        assert messages(caught) == [f"token cache {tok.cache_path}: database or disk is full; not used: the "
                                    "tokens are computed without it"]


def _tokenize_in_a_locked_folder(cache_dir: str) -> None:
    """A child's work for the read-only test: tokenize, print the warnings and whether the tokens were right."""
    tokens, caught = cache_warnings(lambda: Tokenizer(cache_dir=cache_dir).tokenize_many(TEXTS))
    print(json.dumps({"right": tokens == Tokenizer(cache=False).tokenize_many(TEXTS), "warnings": messages(caught)}))


def without_permission_override():
    """In a child of root: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so the
    program it runs is held to a folder's permissions as any user is (as in test_export)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("filled_before", [False, True], ids=["empty", "filled"])
def test_a_read_only_cache_folder_is_bypassed(tmp_path, expected, filled_before):
    folder = tmp_path / "tokens"
    folder.mkdir()
    tok = Tokenizer(cache_dir=folder)
    if filled_before:
        filled(tok, expected)
    folder.chmod(0o555)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import test_caches; "
            "test_caches._tokenize_in_a_locked_folder(sys.argv[2])")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(pathlib.Path(__file__).parent), str(folder)],
                              capture_output=True, text=True, timeout=120, cwd=paths.PROJECT_ROOT,
                              preexec_fn=without_permission_override if os.geteuid() == 0 else None)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["right"] is True
    # SQLite cannot make the file; or it opens it, and cannot make its -wal and -shm beside it
    reason = "attempt to write a readonly database" if filled_before else "unable to open database file"
    assert result["warnings"] == [f"token cache {tok.cache_path}: {reason}; not used: the tokens are computed "
                                  "without it"]


def test_cli_tokens_and_topics_complete_with_a_broken_cache(tmp_path, monkeypatch, capsys):
    """The verbs that cache: one warning line, the same output as without the cache, status 0."""
    from toolkit import cli

    report = sorted(paths.RAW_DIR.glob("*.txt"))[1]
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")
    assert cli.main(["tokens", str(report), "--jsonl", "--no-cache"]) == 0
    plain = capsys.readouterr().out
    path = Tokenizer().cache_path
    path.parent.mkdir(parents=True)
    os.symlink("/dev/null", path)
    with within(60):
        assert cli.main(["tokens", str(report), "--jsonl"]) == 0
    out = capsys.readouterr()
    assert out.out == plain
    assert out.err == (f"warning: token cache {path}: a symlink to /dev/null, not a regular file; moved to "
                       f"{path.name}.corrupt and rebuilt\n")
    path.unlink()
    os.mkfifo(path)
    with within(120):
        status = cli.main(["topics", str(report), "--k", "2", "--samples", "2", "--jobs", "1", "--n-boot", "10",
                           "--json"])
    out = capsys.readouterr()
    assert status == 0 and json.loads(out.out)["k"] == 2
    assert out.err == (f"warning: token cache {path}: a FIFO (named pipe), not a regular file; moved to "
                       f"{path.name}.corrupt and rebuilt\n")


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



@pytest.mark.parametrize("name, make, what", NOT_REGULAR, ids=[n for n, _, _ in NOT_REGULAR])
@pytest.mark.parametrize("which", ["archive", "sidecar"])
def test_a_topics_entry_that_is_not_a_regular_file_is_set_aside_and_recomputed(tmp_path, docs, reference, which,
                                                                                name, make, what):
    """The fit's .npz replaced by a FIFO hung the run; by a symlink to /dev/zero it was read until memory
    ran out. An entry is a regular file, or it is never opened."""
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    path = archive if which == "archive" else sidecar
    path.unlink()
    make(path)
    with within(30):
        assert_recomputed(tmp_path, docs, reference, f"topics cache {path}: {'' if which == 'archive' else 'sidecar is '}"
                                                     f"{what}; entry set aside as *.corrupt and recomputed")


@pytest.mark.parametrize("which", ["archive", "sidecar"])
def test_a_topics_entry_larger_than_it_can_be_is_refused_before_it_is_read(tmp_path, docs, reference, which):
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    path = archive if which == "archive" else sidecar
    with open(path, "r+b") as f:  # 2 GB, sparse: nothing is written to the disk
        f.truncate(2_000_000_000)
    with within(30):
        fitted, caught = cache_warnings(lambda: selection(tmp_path).fit(docs))
    assert_same(fitted, reference)
    (message,) = messages(caught)
    assert re.fullmatch(rf"topics cache {re.escape(str(path))}: {'sidecar is ' if which == 'sidecar' else ''}"
                        r"2,000,000,000 bytes, more than such an entry can hold \([\d,]+ bytes\); entry set aside "
                        r"as \*\.corrupt and recomputed", message), message


def test_an_archive_member_that_inflates_past_its_layout_is_refused(tmp_path, docs, reference):
    """A checksum does not stop a bomb written by whoever can write the cache: what a member inflates to
    is checked against the layout before it is inflated."""
    selection(tmp_path).fit(docs)
    sidecar, archive = entry(tmp_path)
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    with np.load(archive) as npz:
        arrays = dict(npz)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array if name != "top_k2" else np.zeros((3, 2, 50_000), array.dtype))
            z.writestr(f"{name}.npy", buffer.getvalue())
    # within the size an archive of this layout may have on disk, 2.4 MB inflated
    assert archive.stat().st_size < toolkit.topics._RankingCache.max_archive_bytes(meta["layout"])
    meta["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    assert_recomputed(tmp_path, docs, reference, f"topics cache {archive}: top_k2 is larger than the sidecar's "
                                                 "layout allows; entry set aside as *.corrupt and recomputed")


# --------------------------------------------------------------------------- jieba's dictionary cache
POISON_TEXT = "我们将继续深化改革"


def poisoned_marshal_cache(folder: pathlib.Path) -> pathlib.Path:
    """jieba's own cache (``jieba.cache``, marshal, no checksum) with one word planted: 续深."""
    import marshal

    import jieba

    clean = jieba.Tokenizer()
    freq, total = clean.gen_pfdict(clean.get_dict_file())
    freq["续深"] = 10 ** 9
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "jieba.cache", "wb") as f:
        marshal.dump((freq, total), f)
    return folder / "jieba.cache"


def test_jiebas_own_marshal_cache_is_never_read(tmp_path, monkeypatch):
    """An edited jieba.cache changed the tokens, even with --no-cache, and the poisoned tokens stayed in
    the token cache: jieba's cache is never read, wherever it is (.cache/jieba, or the system's temp)."""
    import tempfile

    import jieba

    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))
    poisoned_marshal_cache(tmp_path / "cache" / "jieba")
    poisoned_marshal_cache(tmp_path / "system-tmp")
    live = jieba.Tokenizer()  # the poison is live: jieba itself reads it and cuts 续深
    live.tmp_dir = str(tmp_path / "cache" / "jieba")
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)  # jieba logs "Loading model from cache …"
    try:
        assert "续深" in live.lcut(POISON_TEXT)
    finally:
        logger.setLevel(level)
    for cache in (True, False):
        tok = Tokenizer(backend="jieba", userdict=False, cache=cache)
        assert "续深" not in tok.cut(POISON_TEXT)
        assert tok.cut(POISON_TEXT) == ["我们", "将", "继续", "深化改革"]
        assert "续深" not in tok.tokenize_many([POISON_TEXT])[0]
    assert sorted(p.name for p in (tmp_path / "cache" / "jieba").iterdir()) == ["jieba.cache"]  # not rewritten


def test_the_jieba_prefix_cache_is_plain_data_checked_when_read(tmp_path):
    folder = tmp_path / "tokens"
    first = Tokenizer(backend="jieba", cache_dir=folder)
    (path,) = folder.glob("jieba-*.dict")
    assert path.name == f"jieba-{first.dictionary_sha256[:20]}.dict"
    assert path.read_bytes().startswith(b"toolkit.tokenize jieba prefix dictionary 1\n")
    again, caught = cache_warnings(lambda: Tokenizer(backend="jieba", cache_dir=folder))
    assert caught == [] and again._segmenter.FREQ == first._segmenter.FREQ
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40  # a frequency changed, the checksum not
    path.write_bytes(bytes(data))
    healed, caught = cache_warnings(lambda: Tokenizer(backend="jieba", cache_dir=folder))
    assert messages(caught) == [f"jieba dictionary cache {path}: checksum does not match its content; moved to "
                                f"{path.name}.corrupt and rebuilt"]
    assert healed._segmenter.FREQ == first._segmenter.FREQ
    path.unlink()
    os.symlink("/dev/zero", path)
    with within(30):
        healed, caught = cache_warnings(lambda: Tokenizer(backend="jieba", cache_dir=folder))
    assert messages(caught) == [f"jieba dictionary cache {path}: a symlink to /dev/zero, not a regular file; moved "
                                f"to {path.name}.corrupt and rebuilt"]
    assert healed._segmenter.FREQ == first._segmenter.FREQ and path.is_file() and not path.is_symlink()


def test_no_cache_means_no_jieba_dictionary_cache_either(tmp_path):
    Tokenizer(backend="jieba", cache=False, cache_dir=tmp_path / "tokens").tokenize_many(TEXTS)
    assert not (tmp_path / "tokens").exists()


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_the_token_cache_is_keyed_on_the_segmenters_dictionary(tmp_path, monkeypatch, backend):
    """A changed dictionary (here one planted word) gives another cache file: its tokens are never read
    for the real dictionary, and the real dictionary's file never holds them."""
    folder = tmp_path / "tokens"
    clean = Tokenizer(backend=backend, userdict=False, cache_dir=folder)
    assert clean.tokenize_many([POISON_TEXT]) == [["继续", "深化改革"]]
    if backend == "jieba":
        real = toolkit.tokenize._jieba_dictionary()
        monkeypatch.setattr(toolkit.tokenize, "_jieba_dictionary", lambda: real + "续深化 1000000 n\n".encode())
    else:  # rjieba's dictionary is compiled into its module: another module is another dictionary
        monkeypatch.setattr(toolkit.tokenize, "_rjieba_dictionary_sha256", lambda: "0" * 64)
    changed = Tokenizer(backend=backend, userdict=False, cache_dir=folder)
    assert changed.dictionary_sha256 != clean.dictionary_sha256
    assert changed.cache_path != clean.cache_path
    if backend == "jieba":
        assert changed.tokenize_many([POISON_TEXT]) == [["续深化", "改革"]]
    monkeypatch.undo()
    again = Tokenizer(backend=backend, userdict=False, cache_dir=folder)
    assert again.cache_path == clean.cache_path
    assert again.tokenize_many([POISON_TEXT]) == [["继续", "深化改革"]]
