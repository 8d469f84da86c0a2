r"""Units → tokens: jieba with the project's domain lexicon and stopwords, fast, cached.

>>> from toolkit.tokenize import Tokenizer
>>> tokenizer = Tokenizer()                      # rjieba backend, data/lexicon/, cache in .cache/tokens/
>>> tokenizer.tokenize("推动政务服务跨省通办，破除数据孤岛")
['推动', '政务服务', '跨省通办', '破除', '数据孤岛']
>>> units = tokenizer.tokenize_units(corpus.units)   # a copy of the units with a ``tokens`` column

A :class:`Tokenizer` owns its segmenter: a ``jieba.Tokenizer`` instance (``backend="jieba"``, the
reference) or an ``rjieba.Jieba`` instance (``backend="rjieba"``, the default: jieba-rs, the same
dictionary and algorithm, about 15 times faster). Neither touches the module-level ``jieba.dt`` and
nothing is logged. Both load the same user dictionary, ``data/lexicon/userdict.txt``.

Which tokens are kept (:meth:`Tokenizer.keep`), in this order:

1. a user-dictionary term is always kept (数据孤岛, 十四五, 12345热线, 四免 …);
2. Latin tokens (any ASCII letter: APP, 5G, Micro-LED, 40.5GWh) are split into runs of letters and
   digits as jieba's HMM splits them (``[a-zA-Z0-9]+(?:\.\d+)?%?``: micro, led; 40.5, gwh), lower-cased;
   a run is kept when it is at least 2 characters long and not a number (this also makes the two
   backends agree: jieba-rs keeps 40.5GWh whole where jieba cuts it);
3. tokens without a Chinese character, letter or digit (punctuation, spaces, symbols) are dropped;
4. numbers are dropped: tokens made only of digits, Chinese numerals (一 … 十 百 千 万 亿 两 零 〇) and
   numeric punctuation (2023, 1-2, 95.6%, 三);
5. single characters are dropped (的, 省, 市, 年: too ambiguous for a topic model);
6. stopwords are dropped: the Chinese list of stopwords-iso (:func:`general_stopwords`) and
   ``data/lexicon/stopwords.txt`` (the genre's boilerplate).

Many texts at once (:meth:`Tokenizer.tokenize_many`, rjieba): the texts are joined by U+0000 (a segment
of its own to jieba, which segments the texts on either side of it exactly as it segments them alone)
in batches of about :data:`BATCH_CHARS` characters, each segmented in one call; the segments become one
Arrow string array over the batch's UTF-8 bytes, deduplicated by Arrow, and each distinct segment is
decided once (CJK words and numbers with Arrow's vectorised string functions, the few others by
:meth:`Tokenizer.keep`); the kept tokens are then gathered with numpy. No Python work is done a segment
past the segmenter's own list, and the tokens are those :meth:`Tokenizer.tokenize` gives, text by text
(tested on the corpora and by a property test). With :data:`SEGMENT_AHEAD`, the next batch is segmented
in a helper thread while one is filtered (rjieba lets go of Python's lock while it segments).

The cache (:data:`toolkit.paths.CACHE_DIR` ``/tokens``, git-ignored) keeps the final tokens of each
distinct text in an SQLite file named by a fingerprint of the tokenizer version, the backend and its
options, the stopword list, the bytes of every lexicon file and the bytes of the segmenter's own
dictionary (jieba's ``dict.txt``; for rjieba, its extension module, which holds the same dictionary
compiled in): editing a lexicon file or the dictionary starts a new cache file, so a stale token list is
never read. Two tables, written once a call (one transaction, two statements):

- ``bundles(key, vocab, codes, offsets, texts, checksum)``, one row per call of
  :meth:`Tokenizer.tokenize_many` (a column store of all its tokens): ``key`` is the BLAKE3 hash of the
  call's distinct texts, ``vocab`` its distinct tokens joined by U+001F, ``codes`` every token as an int32
  index into them, ``offsets`` where each text's codes start, ``texts`` each text's sha256
  (:func:`text_digest`), and ``checksum`` the BLAKE3 hash of all of them. The same texts again (a
  notebook run again, the next notebook) read one row, one checksum and no per-text work: about 0.03 s
  for the 10,000 municipal units (a pandas column stored in Arrow is hashed in its own buffers). A call
  with more than :data:`MAX_BUNDLE_TOKENS` tokens is stored as several bundles.
- ``texts(key, bundle, position)``: each text's sha256, pointing at the bundle that holds it (written by
  SQLite from the bundle's ``texts`` in one statement, no Python work a text). A changed corpus finds
  its known texts through them, so only new texts are segmented. A pointer is only a hint: the text's
  sha256 must be the one the bundle holds at that position.

Every checksum is verified on every read. A bundle that fails it (or a pointer that fails its check) is
dropped and its texts recomputed; a file that is not such a database (truncated, not SQLite, another
schema) is renamed ``<name>.corrupt`` and rebuilt; either way one :class:`toolkit.cache.CacheWarning`
names the file and the reason (see :mod:`toolkit.cache`). The file is written without ``fsync`` (a
power cut may damage it: the damage fails these checks like any other). Several processes may fill one
file at once (SQLite's WAL; writers wait their turn). Opening a new cache file removes all but the
newest :data:`KEEP_CACHES` (4) in the folder.

A cache file (or one of SQLite's files beside it) that is not a regular file (a FIFO, a device, a folder,
a symlink) is never opened: it is set aside and rebuilt. A cache that cannot be used at all (a read-only
or full disk, a folder that cannot be made, a file that cannot be moved aside) is bypassed: the tokens
are computed without it, with one :class:`toolkit.cache.CacheWarning`. A cache never stops a run.

jieba's own dictionary cache (``jieba.cache``, a marshal file that jieba trusts without a checksum) is
never read or written: the ``jieba`` backend builds its prefix dictionary from ``dict.txt`` and keeps it
in the cache folder as plain data with a checksum (:func:`_jieba_prefix`); ``cache=False`` neither
reads nor writes it.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
import time
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .errors import WordListError
from .schema import Column, TableSpec
from .sections import UNIT_REF_COLUMN
from .cache import (CacheWarning, EntryError, entry_problem, read_entry, set_aside, sha256,  # noqa: F401 (re-exported)
                    warn, write_atomic)

#: Bump when the segmentation, the filtering rules or the cache's schema change: it is part of the cache
#: fingerprint (3: sha256 keys and a checksum per row; 4: bundles, the tokens of a whole call in one row; 5: bundle keys
#: count UTF-8 bytes, so that Arrow's buffers give them directly, and bundles are hashed with BLAKE3; 6: the
#: segmenter's own dictionary, by its bytes, is part of the fingerprint; 7: no row per text: a bundle holds its texts'
#: digests, and the ``texts`` table points each digest at a bundle).
TOKENIZER_VERSION = "7"
BACKENDS = ("jieba", "rjieba")
USERDICT = "userdict.txt"
STOPWORDS = "stopwords.txt"
#: The lexicon files that take part in tokenizing (and in the cache fingerprint).
LEXICON_FILES = (USERDICT, STOPWORDS)
#: The column :meth:`Tokenizer.tokenize_units` adds.
TOKENS_COLUMN = "tokens"

#: Texts per task when :class:`Tokenizer` segments in parallel (``n_jobs``).
CHUNK = 2000
_SEP = "\x1f"  # joins the tokens of a bundle's vocabulary (no token holds a control character)
#: The bytes of a text's digest (:func:`text_digest`, sha256).
_DIGEST = 32
#: The two tables of a token cache file, exactly as ``sqlite_master`` records them.
_BUNDLE_SCHEMA = ("CREATE TABLE bundles (key TEXT PRIMARY KEY, vocab TEXT NOT NULL, codes BLOB NOT NULL, "
                  "offsets BLOB NOT NULL, texts BLOB NOT NULL, checksum TEXT NOT NULL) WITHOUT ROWID")
_TEXTS_SCHEMA = ("CREATE TABLE texts (key BLOB PRIMARY KEY, bundle TEXT NOT NULL, position INTEGER NOT NULL) "
                 "WITHOUT ROWID")
#: ``sqlite_master`` of a token cache file, exactly.
_TABLES = sorted([("table", "bundles", _BUNDLE_SCHEMA), ("table", "texts", _TEXTS_SCHEMA)])
_BUNDLE_COLUMNS = "vocab, codes, offsets, texts, checksum"
#: The pointer of each of ?2 texts whose digests are ?1, one after the other (a text without one is not
#: returned): SQLite walks the digests itself, one index lookup each, in one statement.
_FIND_TEXTS = ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?2) "
               "SELECT s.i, t.bundle, t.position FROM s CROSS JOIN texts AS t ON t.key = substr(?1, 32 * s.i + 1, 32)")
#: Point each of ?2 texts whose digests are ?1 at its position in the bundle ?3, in one statement.
_POINT_TEXTS = ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?2) "
                "INSERT OR REPLACE INTO texts (key, bundle, position) SELECT substr(?1, 32 * i + 1, 32), ?3, i FROM s")
#: Token cache files kept in the cache folder: opening a new one (another tokenizer version, backend,
#: options or lexicon) removes all but the newest this many, oldest first (by modification time).
KEEP_CACHES = 4
#: A call with more tokens than this is stored as several bundles (SQLite's 1 GB limit on one value; at
#: 4 bytes a code, 50 million tokens are a 200 MB blob).
MAX_BUNDLE_TOKENS = 50_000_000
#: The page size of a new cache file (SQLite's largest): a bundle's megabytes are read in fewer pages.
_PAGE_SIZE = 65536
#: Checkpoint the write-ahead log at about 4 MB, as SQLite's default of 1,000 pages does with 4 KiB pages.
_WAL_PAGES = 4 * 2**20 // _PAGE_SIZE
#: SQLite primary result codes that say nothing about the file's content (busy, locked, read-only,
#: I/O, disk full, cannot open …): the file is not set aside for these, the error is raised, naming it.
_ENVIRONMENT_ERRORS = {3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 23}
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORDLIKE = re.compile(r"[\w]")  # any letter, digit or CJK character
_LATIN_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")
_NUMBER = re.compile(r"[0-9零〇一二三四五六七八九十百千万亿两.,:/%‰‱+\-~～·．]+")


class _Unusable(Exception):
    """A token cache file that is a database, but not a token cache of this version."""


# --------------------------------------------------------------------------- lexicon files
def read_userdict(path: str | Path) -> dict[str, int]:
    """``term frequency`` lines (jieba's user-dictionary format without the tag), ``#`` comments.

    Returns term → frequency in file order. Raises :class:`~toolkit.errors.WordListError` naming the file
    and line for a missing file, a line without a positive integer frequency, a term with spaces, or a
    duplicate.
    """
    path = Path(path)
    if not path.is_file():
        raise WordListError(f"{path}: user dictionary not found")
    terms: dict[str, int] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) <= 0:
            raise WordListError(f"{path}:{number}: expected 'term frequency' (a positive integer), got {raw!r}")
        if fields[0] in terms:
            raise WordListError(f"{path}:{number}: duplicate term {fields[0]!r}")
        terms[fields[0]] = int(fields[1])
    return terms


def read_wordlist(path: str | Path) -> list[str]:
    """One word a line, ``#`` comments and blank lines ignored; :class:`~toolkit.errors.WordListError` if
    missing."""
    path = Path(path)
    if not path.is_file():
        raise WordListError(f"{path}: word list not found")
    words = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(line.split()) != 1:
            raise WordListError(f"{path}:{number}: one word a line expected, got {raw!r}")
        words.append(line)
    return words


def general_stopwords() -> frozenset[str]:
    """The Chinese stopword list of stopwords-iso (PyPI ``stopwordsiso``): function words and particles."""
    import stopwordsiso

    return frozenset(w.strip().lower() for w in stopwordsiso.stopwords("zh") if w.strip())


def _fingerprint_files(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in LEXICON_FILES:
        digest.update(name.encode() + b"\0" + (directory / name).read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class WordLists:
    """The lexicon files of a folder, read: user terms with their frequencies, and stopwords."""

    directory: Path
    userdict: dict[str, int]
    stopwords: frozenset[str]
    #: sha256 of the lexicon files' names and bytes.
    fingerprint: str

    @classmethod
    def read(cls, directory: str | Path | None = None) -> "WordLists":
        directory = Path(directory) if directory is not None else paths.LEXICON_DIR
        userdict = read_userdict(directory / USERDICT)
        stopwords = frozenset(w.lower() for w in read_wordlist(directory / STOPWORDS))
        return cls(directory, userdict, stopwords, _fingerprint_files(directory))


# --------------------------------------------------------------------------- segmenters
#: The first line of a jieba prefix dictionary kept in the token cache folder (:func:`_jieba_prefix`).
_PREFIX_MAGIC = b"toolkit.tokenize jieba prefix dictionary 1\n"


def _jieba_dictionary() -> bytes:
    """The bytes of jieba's own dictionary (its ``dict.txt``)."""
    import jieba

    with jieba.Tokenizer().get_dict_file() as f:
        return f.read()


@functools.lru_cache(maxsize=1)
def _rjieba_dictionary_sha256() -> str:
    """The sha256 of rjieba's extension module, which holds its dictionary (jieba's ``dict.txt``, compiled
    in): the module loaded in this process does not change, so it is hashed once (14 ms)."""
    import rjieba  # noqa: F401 (loads the extension module)

    return sha256(Path(sys.modules["rjieba.rjieba"].__file__).read_bytes())


def _prefix_payload_checksum(digest: str, payload: bytes) -> str:
    return sha256(digest.encode() + b"\n" + payload)


def _read_prefix(path: Path, digest: str, max_bytes: int) -> tuple[dict, int]:
    """A prefix dictionary written by :func:`_write_prefix` for the dictionary whose sha256 is ``digest``:
    a regular file within ``max_bytes``, its checksum and shape verified before it is used. Raises
    :class:`FileNotFoundError` when there is none, :class:`_Unusable` (the reason) for anything else."""
    try:
        data = read_entry(path, max_bytes)
    except EntryError as error:
        raise _Unusable(str(error)) from None
    if not data.startswith(_PREFIX_MAGIC) or b"\n" not in data[len(_PREFIX_MAGIC):]:
        raise _Unusable("not a prefix dictionary of this toolkit")
    head, _, payload = data[len(_PREFIX_MAGIC):].partition(b"\n")
    try:
        header = json.loads(head.decode("utf-8"))
        n, total, checksum = int(header["words"]), int(header["total"]), str(header["sha256"])
        words_bytes = int(header["word_bytes"])
        if header["dictionary"] != digest:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _Unusable("its header is not one of this dictionary") from None
    if checksum != _prefix_payload_checksum(digest, payload):
        raise _Unusable("checksum does not match its content")
    if not (0 <= words_bytes <= len(payload)) or len(payload) - words_bytes != 8 * n:
        raise _Unusable("its content does not match its header")
    words = payload[:words_bytes].decode("utf-8").split("\n") if n else []
    freqs = np.frombuffer(payload[words_bytes:], dtype="<i8")
    if len(words) != n or (n and freqs.min() < 0) or total < 0:
        raise _Unusable("its content does not match its header")
    freq = dict(zip(words, freqs.tolist()))
    if len(freq) != n:
        raise _Unusable("its content does not match its header")
    return freq, total


def _write_prefix(path: Path, digest: str, freq: dict, total: int) -> None:
    """Keep a prefix dictionary (word → frequency, 0 for a prefix) as plain data: the words in UTF-8,
    one a line, and their frequencies as int64, with a sha256 over the dictionary's digest and both."""
    words = "\n".join(freq).encode("utf-8")
    payload = words + np.fromiter(freq.values(), dtype="<i8", count=len(freq)).tobytes()
    header = {"dictionary": digest, "words": len(freq), "word_bytes": len(words), "total": int(total),
              "sha256": _prefix_payload_checksum(digest, payload)}
    write_atomic(path, _PREFIX_MAGIC + json.dumps(header).encode() + b"\n" + payload)


def _jieba_prefix(data: bytes, digest: str, folder: Path | None) -> tuple[dict, int]:
    """jieba's prefix dictionary (word → frequency, and the total) for its dictionary ``data``: built
    from ``data`` (``jieba.Tokenizer.gen_pfdict``, about 1.5 s), or read from ``folder`` (None: no cache)
    where an earlier tokenizer kept it for the same dictionary (``jieba-<sha256[:20]>.dict``, about 0.2 s).

    jieba's own cache (``jieba.cache``, a marshal file without a checksum, trusted by its modification
    time) is never read nor written: an edited one could change the tokens, even with ``cache=False``.
    This one is plain data with a sha256, and its name carries the dictionary's sha256, so a changed
    dictionary never reads an old one. A bad file is set aside (``*.corrupt``) and rebuilt, a folder that
    cannot be written is left alone, each with one :class:`toolkit.cache.CacheWarning`."""
    import jieba

    path = folder / f"jieba-{digest[:20]}.dict" if folder is not None else None
    if path is not None:
        try:
            return _read_prefix(path, digest, max_bytes=4 * len(data) + 1_000_000)
        except FileNotFoundError:
            pass
        except _Unusable as error:
            warn(f"jieba dictionary cache {path}: {error}; {set_aside(path)} and rebuilt")
        except OSError as error:  # its folder cannot be searched
            warn(f"jieba dictionary cache {path}: {error.strerror or error}; not used")
            path = None
    freq, total = jieba.Tokenizer.gen_pfdict(io.BytesIO(data))
    if path is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_prefix(path, digest, freq, total)
            for old in folder.glob("jieba-*.dict"):  # another dictionary's (jieba was upgraded)
                if old != path:
                    with suppress(OSError):
                        old.unlink()
        except OSError as error:
            warn(f"jieba dictionary cache {path}: not written ({error.strerror or error})")
    return freq, total


def _jieba_segmenter(userdict: dict[str, int], data: bytes, digest: str, folder: Path | None):
    """A ``jieba.Tokenizer`` with the prefix dictionary of ``data`` (see :func:`_jieba_prefix`) and the
    user terms. It is marked initialised, so jieba never builds, reads or writes its own cache."""
    import jieba

    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total = _jieba_prefix(data, digest, folder)
    segmenter.initialized = True
    for term, freq in userdict.items():
        segmenter.add_word(term, freq)
    return segmenter


def _rjieba_segmenter(userdict: dict[str, int]):
    import rjieba

    segmenter = rjieba.Jieba()  # jieba-rs with jieba's own dictionary (dict.txt)
    for term, freq in userdict.items():
        segmenter.add_word(term, freq, None)
    return segmenter


# --------------------------------------------------------------------------- the tokenizer
def _decide(token: str, terms, stopwords) -> tuple[str, ...]:
    """What the policy keeps of ``token`` (see the module's docstring), not yet interned."""
    if token in terms:
        return (token,)
    word = token.strip()
    if not word or not _WORDLIKE.search(word) or "_" == word:
        return ()
    if _LATIN.search(word) and not _CJK.search(word):
        runs = (r.lower() for r in _LATIN_RUN.findall(word))
        return tuple(r for r in runs if len(r) >= 2 and not _NUMBER.fullmatch(r) and r not in stopwords)
    if _NUMBER.fullmatch(word) or len(word) < 2 or word in stopwords:
        return ()
    return (word,)


class _Decisions(dict):
    """token → what is kept of it (a tuple of interned strings), decided the first time it is looked up.
    It holds the policy's data, not the tokenizer (no reference cycle keeps a tokenizer alive)."""

    __slots__ = ("terms", "stopwords")

    def __init__(self, terms, stopwords):
        super().__init__()
        self.terms, self.stopwords = terms, stopwords

    def __missing__(self, token: str) -> tuple[str, ...]:
        kept = tuple(map(sys.intern, _decide(token, self.terms, self.stopwords)))
        self[token] = kept
        return kept


# --------------------------------------------------------------------------- many texts at once
#: Characters of text segmented in one call of the segmenter by the batch path (:meth:`Tokenizer._tokens`):
#: large enough that the costs of a call vanish, small enough that the segments of a batch (Python
#: strings, about 45 MB a million characters) stay a small part of a run's memory and that the last
#: batch, which no segmenting overlaps (:data:`SEGMENT_AHEAD`), is short.
BATCH_CHARS = 1 << 18
#: Segment the next batch in a helper thread while this one is filtered (rjieba lets go of Python's lock
#: while it segments): at most two cores, and the same tokens. Off by default: on the shared two-core
#: machine the benchmark runs on, it was no faster than one thread (``bench_tokenize.py`` measures both).
SEGMENT_AHEAD = False
#: Joins the texts of a batch before they are segmented: neither a CJK character, a letter, a digit nor
#: whitespace, so the segmenter makes it a segment of its own and segments the texts on either side of it
#: exactly as it segments them alone (jieba cuts at every such character; tested on the corpora and by a
#: property test).
_TEXT_SEP = "\x00"
#: Joins the segments of a batch to find where each one ends (absent from the texts, checked).
_SEGMENT_SEP = "\x01"
#: Segments made only of CJK ideographs (the blocks where every character is a letter to Python's ``\w``,
#: tested): their fate depends only on their length, the numerals, the terms and the stopwords.
_IDEOGRAPHS_ONLY = "^[\u3400-\u4dbf\u4e00-\u9fff]+$"
#: Segments made only of the characters of a number (:data:`_NUMBER`): dropped, unless a term.
_NUMBER_ONLY = f"^{_NUMBER.pattern}$"


class _Tokens:
    """The tokens of a list of texts as a column store: ``vocab`` (distinct tokens, interned), ``codes``
    (every token as an index into ``vocab``, in order) and ``offsets`` (where each text's codes start,
    n + 1 values). What a bundle of the cache holds, and what the batch path builds without making a list
    per text."""

    __slots__ = ("vocab", "codes", "offsets")

    def __init__(self, vocab: list[str], codes: np.ndarray, offsets: np.ndarray):
        self.vocab, self.codes, self.offsets = vocab, codes, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    @classmethod
    def from_lists(cls, lists: list[list[str]]) -> "_Tokens":
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        offsets = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        if not total:
            return cls([], np.zeros(0, np.int64), offsets)
        flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=total)
        codes, vocab = pd.factorize(flat)
        return cls(list(map(sys.intern, vocab)), codes, offsets)

    @classmethod
    def concat(cls, parts: list["_Tokens"]) -> "_Tokens":
        """The tokens of the texts of ``parts``, one after the other, with one vocabulary."""
        if len(parts) == 1:
            return parts[0]
        index: dict[str, int] = {}
        codes, offsets, start = [], [np.zeros(1, np.int64)], 0
        for part in parts:
            remap = np.fromiter((index.setdefault(t, len(index)) for t in part.vocab), dtype=np.int64,
                                count=len(part.vocab))
            codes.append(remap[part.codes] if len(part.codes) else np.zeros(0, np.int64))
            offsets.append(part.offsets[1:] + start)
            start += part.n_tokens
        return cls(list(index), np.concatenate(codes), np.concatenate(offsets))

    def lists(self) -> list[list[str]]:
        """The tokens of each text, a new list each (equal tokens are one string object): one gather and
        one slice a text, the collector paused."""
        bounds = self.offsets.tolist()
        with _collector_paused():
            if not len(self.codes):
                return [[] for _ in range(len(bounds) - 1)]
            words = np.empty(len(self.vocab), dtype=object)
            words[:] = self.vocab
            tokens = words[self.codes].tolist()
            return [tokens[a:b] for a, b in zip(bounds, bounds[1:])]


def _lengths(texts) -> np.ndarray:
    """The length in characters of each of ``texts`` (a list of strings or a pyarrow string array)."""
    if isinstance(texts, list):
        return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    import pyarrow.compute as pc

    return pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)


def _joined(texts, start: int, end: int):
    """``texts[start:end]`` joined by :data:`_TEXT_SEP`, as ``(text, data)``: the string and, for a
    pyarrow ``large_string`` array, its UTF-8 bytes (made from Arrow's buffers; None for a list). None when
    the texts are empty or a text holds :data:`_TEXT_SEP` or :data:`_SEGMENT_SEP`."""
    if isinstance(texts, list):
        text = _TEXT_SEP.join(texts[start:end])
        if not text or text.count(_TEXT_SEP) != end - start - 1 or _SEGMENT_SEP in text:
            return None
        return text, None
    _, offsets_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="<i8", count=texts.offset + len(texts) + 1)[texts.offset:]
    first, last = int(offsets[start]), int(offsets[end])
    raw = np.frombuffer(data_buffer, dtype=np.uint8, count=last - first, offset=first) if last > first \
        else np.zeros(0, np.uint8)
    if (raw <= max(ord(_TEXT_SEP), ord(_SEGMENT_SEP))).any():  # (in UTF-8 such a byte is only that character)
        return None
    data = np.insert(raw, offsets[start + 1:end] - first, ord(_TEXT_SEP)).tobytes()
    if not data:
        return None
    return data.decode("utf-8"), data


def _segment_offsets(data: bytes, segments: list[str]) -> tuple[bytes, np.ndarray]:
    """``data`` (the UTF-8 bytes of a text) and where each of its ``segments`` starts in them (n + 1
    values), found by joining the segments with :data:`_SEGMENT_SEP` (absent from the text) in C. The
    segments are let go of."""
    n = len(segments)
    ends = np.flatnonzero(np.frombuffer(_SEGMENT_SEP.join(segments).encode("utf-8"), dtype=np.uint8)
                          == ord(_SEGMENT_SEP))
    segments.clear()
    offsets = np.empty(n + 1, np.int64)
    offsets[0], offsets[-1] = 0, len(data)
    offsets[1:-1] = ends - np.arange(n - 1)  # the i-th separator stands after i + 1 segments and i separators
    return data, offsets


def _take(texts, positions: list[int]):
    """The texts at ``positions`` of ``texts`` (a list of strings or a pyarrow string array), of its kind."""
    if len(positions) == len(texts):
        return texts
    if isinstance(texts, list):
        return [texts[i] for i in positions]
    import pyarrow as pa

    return texts.take(pa.array(positions, pa.int64()))


def _batch_bounds(lengths: np.ndarray, chars: int) -> list[tuple[int, int]]:
    """Consecutive ranges ``(start, end)`` of texts of these ``lengths`` holding about ``chars``
    characters each (a separator counted after each text; at least one text a range)."""
    ends = np.cumsum(lengths + 1)
    bounds, start = [], 0
    while start < len(lengths):
        end = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chars, side="right"))
        end = max(end, start + 1)
        bounds.append((start, end))
        start = end
    return bounds


def _interned(array) -> list[str]:
    """The strings of a pyarrow ``large_string`` array (none holding U+001F), interned: joined by Arrow
    and split by Python, faster than making them one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(array):
        return []
    as_list = pa.LargeListArray.from_arrays(pa.array([0, len(array)], pa.int64()), array)
    joined = pc.binary_join(as_list, pa.scalar(_SEP, pa.large_string()))[0].as_py()
    return list(map(sys.intern, joined.split(_SEP)))


class Tokenizer:
    """Segment with jieba (or jieba-rs) and the domain lexicon, then keep the tokens worth modelling.

    Parameters
    ----------
    lexicon_dir : folder with ``userdict.txt`` and ``stopwords.txt`` (default ``data/lexicon``).
    backend : ``"rjieba"`` (default, fast) or ``"jieba"`` (the reference implementation).
    hmm : let jieba's HMM join characters the dictionary does not know (jieba's default, True).
    userdict : False segments with jieba's dictionary only (to show what the lexicon changes); the
        stopwords still apply.
    cache : keep final tokens in ``cache_dir`` (default ``.cache/tokens``), and with the jieba backend its
        prefix dictionary; False disables both (no cache at all, jieba's own included).
    n_jobs : segment texts not in the cache in parallel, :data:`CHUNK` texts a task, through joblib
        (``-1``: all cores; under ``joblib.parallel_config(backend="dask")``, a Dask cluster's workers).
        The tokens are the same; the cache is written by this process only. Default None: here.

    Attributes: ``dictionary_sha256``, the sha256 of the segmenter's own dictionary (jieba's
    ``dict.txt``, or rjieba's extension module that holds it), part of :attr:`fingerprint`.
    """

    def __init__(self, lexicon_dir: str | Path | None = None, backend: str = "rjieba", hmm: bool = True,
                 userdict: bool = True, cache: bool = True, cache_dir: str | Path | None = None,
                 n_jobs: int | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.lexicon = WordLists.read(lexicon_dir)
        # backend, hmm and userdict make the segmenter, so they are read-only (see the properties below)
        self._backend, self._hmm, self._userdict = backend, hmm, userdict
        self.cache, self.n_jobs = cache, n_jobs
        self.cache_dir = Path(cache_dir) if cache_dir is not None else paths.CACHE_DIR / "tokens"
        self.terms = dict(self.lexicon.userdict) if userdict else {}
        self.stopwords = (general_stopwords() | self.lexicon.stopwords) - set(self.terms)
        # _cut closes over the segmenter, not over self: no reference cycle, so a tokenizer (and its
        # dictionary, ~100 MB) is freed as soon as it is dropped, not at the next full garbage collection
        if backend == "jieba":
            data = _jieba_dictionary()
            self.dictionary_sha256 = sha256(data)
            segmenter = self._segmenter = _jieba_segmenter(self.terms, data, self.dictionary_sha256,
                                                           self.cache_dir if cache else None)
            del data
            self._cut = lambda text: segmenter.lcut(text, HMM=hmm)
        else:
            self.dictionary_sha256 = _rjieba_dictionary_sha256()
            segmenter = self._segmenter = _rjieba_segmenter(self.terms)
            self._cut = lambda text: segmenter.cut(text, hmm)
        self._kept = _Decisions(self.terms, self.stopwords)  # token → what is kept of it, memoised
        self._values = None  # the terms and stopwords as Arrow arrays, made on first use (_value_sets)

    # ---- identity
    @property
    def backend(self) -> str:
        """``"rjieba"`` or ``"jieba"`` (read-only: the segmenter was built with it; make a new Tokenizer)."""
        return self._backend

    @property
    def hmm(self) -> bool:
        """Whether jieba's HMM joins unknown characters (read-only, as :attr:`backend`)."""
        return self._hmm

    @property
    def userdict(self) -> bool:
        """Whether the user dictionary was loaded (read-only, as :attr:`backend`)."""
        return self._userdict

    @property
    def fingerprint(self) -> str:
        """What the cached tokens depend on: version, backend, options, stopwords, lexicon files (the user
        dictionary among them) and the segmenter's own dictionary (:attr:`dictionary_sha256`)."""
        digest = hashlib.sha256()
        for part in (TOKENIZER_VERSION, self.backend, str(self.hmm), str(self.userdict), self.lexicon.fingerprint,
                     "\n".join(sorted(self.stopwords)), self.dictionary_sha256):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    @property
    def cache_path(self) -> Path:
        """The SQLite file holding this tokenizer's cached tokens."""
        return self.cache_dir / f"tokens-{self.fingerprint[:20]}.sqlite"

    def __repr__(self) -> str:
        lexicon_dir = self.lexicon.directory.resolve()
        if lexicon_dir.is_relative_to(paths.PROJECT_ROOT):  # no machine-specific path in notebook outputs
            lexicon_dir = lexicon_dir.relative_to(paths.PROJECT_ROOT)
        return (f"Tokenizer(backend={self.backend!r}, hmm={self.hmm}, userdict={self.userdict}, "
                f"terms={len(self.terms)}, stopwords={len(self.stopwords)}, lexicon_dir='{lexicon_dir}')")

    # ---- segmentation and filtering
    def cut(self, text: str) -> list[str]:
        """Every segment of ``text``, nothing dropped (``''.join(cut(text)) == text``)."""
        return self._cut(text)

    def keep(self, token: str) -> tuple[str, ...]:
        """What is kept of ``token``: ``()`` when the policy drops it, else its kept form(s) (Latin
        tokens are lower-cased and may split into runs), interned: equal tokens are one string object."""
        return self._kept[token]

    def filter(self, segments: list[str]) -> list[str]:
        """The kept form of each segment that the policy keeps, in order (interned). Each distinct segment
        is decided once per tokenizer (on first sight, by the decisions table's ``__missing__``); the rest
        is one dict lookup a segment, inside iterator operations: no Python loop per token."""
        return list(chain.from_iterable(map(self._kept.__getitem__, segments)))

    def tokenize(self, text: str) -> list[str]:
        """The final tokens of one text (not cached; see :meth:`tokenize_many`)."""
        return self.filter(self._cut(text))

    def tokenize_many(self, texts) -> list[list[str]]:
        """The final tokens of each text: each distinct text is segmented once, and looked up in or
        added to the cache. Equal tokens are one string object (interned): a corpus of 100,000 units
        holds some 30,000 distinct tokens, and millions of pointers to them instead of millions of
        strings (about 90 bytes each). Equal texts share one list.

        ``texts`` is any iterable of strings. A pandas column of pyarrow-backed strings (pandas' default
        ``str``, as in ``corpus.units["text"]``) is deduplicated and keyed in Arrow's own buffers: a text
        becomes a Python string only when it has to be segmented.

        The texts not in the cache are segmented in batches of about :data:`BATCH_CHARS` characters
        (:meth:`_tokens`): the tokens are those :meth:`tokenize` gives, text by text.

        A cached entry that fails its checksum is recomputed, a cache file that is not a token cache is
        set aside and rebuilt: the tokens returned are always those :meth:`tokenize` gives, and a
        :class:`toolkit.cache.CacheWarning` (one per call) names the file and what was wrong."""
        arrow = _arrow_strings(texts)
        if arrow is not None:
            encoded = arrow.dictionary_encode()  # the distinct texts in order of first occurrence
            distinct_arrow, positions = encoded.dictionary, encoded.indices.to_numpy()
            lists = self._distinct_tokens(_arrow_bundle_key(distinct_arrow) if self.cache else "",
                                          len(distinct_arrow), lambda: distinct_arrow,
                                          lambda: _arrow_digests(distinct_arrow))
            table = np.fromiter(lists, dtype=object, count=len(lists))
            return table[positions].tolist()
        texts = texts.to_pylist() if hasattr(texts, "to_pylist") else list(texts)  # (a pyarrow array with nulls)
        distinct = list(dict.fromkeys(texts))
        if not all(isinstance(t, str) for t in distinct):
            position, text = next((i, t) for i, t in enumerate(texts) if not isinstance(t, str))
            raise TypeError(f"text {position} is not a string ({text!r}): every text to tokenize must be one")
        try:
            lists = self._distinct_tokens(bundle_key(distinct) if self.cache else "", len(distinct),
                                          lambda: distinct, lambda: b"".join(map(text_digest, distinct)))
        except UnicodeEncodeError:
            position, text = next((i, t) for i, t in enumerate(texts) if _SURROGATE.search(t))
            at = _SURROGATE.search(text).start()
            raise ValueError(f"text {position} holds a lone surrogate (U+{ord(text[at]):04X} at character {at}), "
                             f"which is not Unicode text: decode its file again (with errors='replace')") from None
        found = dict(zip(distinct, lists))
        return [found[t] for t in texts]

    def _distinct_tokens(self, bundle: str, n: int, get_texts, get_digests) -> list[list[str]]:
        """The tokens of each of ``n`` distinct texts, in order: from the cache's bundle ``bundle`` (the
        texts' :func:`bundle_key`) when it holds them, else from older bundles or segmented.
        ``get_texts()`` gives the texts themselves (a list of strings, or a pyarrow ``large_string`` array),
        ``get_digests()`` their :func:`text_digest` one after the other; each is called only when needed."""
        if not self.cache:
            return self._compute(get_texts()).lists()
        return self._cached(bundle, n, get_texts, get_digests)

    # ---- segmenting many texts
    def _compute(self, texts, meanwhile=None) -> _Tokens:
        """The tokens of each of ``texts`` (distinct), segmented here or, with ``n_jobs``, in chunks of
        :data:`CHUNK` texts through joblib: its processes, or any backend ``joblib.parallel_config``
        names (``backend="dask"`` with a ``dask.distributed.Client``: the cluster's workers). Workers only
        segment and filter; this process alone writes the cache. ``meanwhile``: see :meth:`_tokens`."""
        if self.n_jobs in (None, 1) or len(texts) <= CHUNK:
            return self._tokens(texts, meanwhile)
        from joblib import Parallel, delayed

        if meanwhile is not None:
            meanwhile()
        texts = texts if isinstance(texts, list) else texts.to_pylist()
        spec = self._spec()
        chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
        results = Parallel(n_jobs=self.n_jobs)(delayed(_segment_chunk)(spec, chunk) for chunk in chunks)
        parts, mine = [], self.fingerprint
        for fingerprint, part in results:
            if fingerprint != mine:
                raise RuntimeError(f"a worker's tokenizer differs from this one (its lexicon files at "
                                   f"{self.lexicon.directory} changed, or another toolkit version): refusing its tokens")
            parts.append(_Tokens(list(map(sys.intern, part.vocab)), part.codes, part.offsets))
        return _Tokens.concat(parts)

    def _tokens(self, texts, meanwhile=None, ahead: bool | None = None) -> _Tokens:
        """The tokens of each of ``texts`` (a list of strings, or a pyarrow ``large_string`` array without
        nulls), exactly as :meth:`tokenize` gives them, in batches of about :data:`BATCH_CHARS`
        characters. With rjieba, each batch is segmented in one call (:meth:`_segment_batch`; with
        :data:`SEGMENT_AHEAD`, the next batch in a helper thread while this one is filtered) and filtered
        with array operations (:meth:`_filter_batch`); with jieba (the reference), text by text. The
        batches' vocabularies are made one by Arrow, and each distinct token becomes one interned string.
        ``meanwhile()``, if given, is called while the first batch is segmented (work that does not need
        the tokens); ``ahead`` overrides :data:`SEGMENT_AHEAD`."""
        import pyarrow as pa

        vocabs, codes, offsets = [], [], [np.zeros(1, np.int64)]
        size = total = 0
        bounds = _batch_bounds(_lengths(texts), BATCH_CHARS)
        if self.backend == "rjieba":
            batches = self._segmented(texts, bounds, meanwhile, SEGMENT_AHEAD if ahead is None else ahead)
        else:
            if meanwhile is not None:
                meanwhile()
            batches = ((start, end, None) for start, end in bounds)
        for start, end, segmented in batches:
            found = self._filter_batch(end - start, *_segment_offsets(*segmented)) if segmented is not None else None
            if found is None:  # the jieba backend, or texts holding a separator: text by text
                batch = texts[start:end] if isinstance(texts, list) else texts.slice(start, end - start).to_pylist()
                with _collector_paused():
                    plain = _Tokens.from_lists([self.tokenize(t) for t in batch])
                found = (pa.array(plain.vocab, pa.large_string()), plain.codes, plain.offsets)
            vocab, local, text_offsets = found
            vocabs.append(vocab)
            codes.append(local + size)
            offsets.append(text_offsets[1:] + total)
            size, total = size + len(vocab), total + int(text_offsets[-1])
        if not size:
            return _Tokens([], np.zeros(total, np.int64), np.concatenate(offsets))
        encoded = pa.concat_arrays(vocabs).dictionary_encode()  # the same token in two batches: one id
        remap = encoded.indices.to_numpy()
        return _Tokens(_interned(encoded.dictionary), remap[np.concatenate(codes)], np.concatenate(offsets))

    def _segmented(self, texts, bounds, meanwhile=None, ahead: bool = True):
        """``(start, end, segmented)`` for each batch ``texts[start:end]`` of ``bounds``, in order, where
        ``segmented`` is what :meth:`_segment_batch` gives. With ``ahead`` and more than one batch, the
        next batch is segmented in a helper thread while the caller filters this one: rjieba lets go of
        Python's lock while it segments, so the two overlap on two cores. ``meanwhile()`` is called while
        the first batch is segmented."""
        if not ahead or len(bounds) < 2:
            if meanwhile is not None:
                meanwhile()
            for start, end in bounds:
                yield start, end, self._segment_batch(texts, start, end)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="toolkit-segment") as pool:
            pending = pool.submit(self._segment_batch, texts, *bounds[0])
            if meanwhile is not None:
                meanwhile()
            for k, (start, end) in enumerate(bounds):
                segmented = pending.result()
                if k + 1 < len(bounds):
                    pending = pool.submit(self._segment_batch, texts, *bounds[k + 1])
                yield start, end, segmented

    def _segment_batch(self, texts, start: int, end: int):
        """The segments of ``texts[start:end]`` joined by :data:`_TEXT_SEP` (a segment of its own to the
        segmenter, which segments the texts on either side of it exactly as it segments them alone) and
        segmented in one call, as ``(data, segments)``: the UTF-8 bytes of the joined texts and the list
        of segments. None when a text holds :data:`_TEXT_SEP` or :data:`_SEGMENT_SEP`."""
        joined = _joined(texts, start, end)
        if joined is None:
            return None
        text, data = joined
        segments = self._cut(text)
        if data is None:
            data = text.encode("utf-8")  # (a copy of the UTF-8 the segmenter asked Python for, kept in the string)
        return data, segments

    def _filter_batch(self, n_texts: int, data: bytes, offsets: np.ndarray):
        """The tokens of each of the ``n_texts`` texts of a segmented batch (:meth:`_segment_batch`), as
        ``(vocab, codes, offsets)`` (``vocab`` an Arrow string array, where a token may appear twice), or
        None when a separator did not stay a segment of its own (never seen: the batch then goes text by
        text).

        The segments become one Arrow string array over ``data`` and are deduplicated by Arrow. Each
        distinct segment is decided once: those made of CJK ideographs or of a number's characters with
        Arrow's vectorised string functions, the rest (Latin, punctuation, mixed) by :meth:`keep`. The
        kept tokens of every segment are then gathered with numpy: no Python work a segment."""
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(offsets) - 1
        encoded = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data)).dictionary_encode()
        codes, dictionary = encoded.indices.to_numpy(), encoded.dictionary
        del encoded

        # each distinct segment decided once: how many tokens it gives (0, 1, or a Latin token's runs) and which
        terms, stopwords = self._value_sets()
        term = pc.is_in(dictionary, value_set=terms).to_numpy(zero_copy_only=False)
        number = pc.match_substring_regex(dictionary, _NUMBER_ONLY).to_numpy(zero_copy_only=False)
        ideographs = pc.match_substring_regex(dictionary, _IDEOGRAPHS_ONLY).to_numpy(zero_copy_only=False)
        short = pc.utf8_length(dictionary).to_numpy() < 2
        stop = pc.is_in(dictionary, value_set=stopwords).to_numpy(zero_copy_only=False)
        whole = np.flatnonzero(term | (ideographs & ~number & ~short & ~stop))  # kept as they are
        others = np.flatnonzero(~(term | number | ideographs))  # decided by keep()
        # each distinct segment's id: a kept token's (0, 1, …), -1 dropped, -2 the separator, -3 - j the
        # j-th segment giving several tokens (a Latin token's runs, in runs[j])
        ids = np.full(len(dictionary), -1, np.int32)  # (int32: half the memory of each batch's codes)
        ids[whole] = np.arange(len(whole), dtype=np.int32)
        extra: list[str] = []  # the tokens kept of the other segments, after the whole ones
        runs: list[list[int]] = []
        keep = self._kept.__getitem__
        for at, segment in zip(others.tolist(), dictionary.take(others).to_pylist()):
            kept = keep(segment)
            if len(kept) == 1:
                ids[at] = len(whole) + len(extra)
            elif kept:
                ids[at] = -3 - len(runs)
                runs.append(list(range(len(whole) + len(extra), len(whole) + len(extra) + len(kept))))
            extra.extend(kept)
        if n_texts > 1:
            separator = pc.index(dictionary, _TEXT_SEP).as_py()
            if separator < 0 or ids[separator] != -1:
                return None
            ids[separator] = -2

        stream = ids[codes]
        stream = stream[stream != -1]  # the kept segments and the separators, in order
        if runs:  # each segment giving several tokens becomes its run of ids
            several = stream <= -3
            which = -3 - stream[several]
            lengths = np.array([len(r) for r in runs], np.int64)[which]
            repeats = np.ones(len(stream), np.int64)
            repeats[several] = lengths
            at = (np.cumsum(repeats) - repeats)[several]  # where each run starts once expanded
            stream = np.repeat(stream, repeats)
            flat = np.array([i for r in runs for i in r], np.int64)
            run_starts = np.concatenate([[0], np.cumsum([len(r) for r in runs])])[which]
            within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            stream[np.repeat(at, lengths) + within] = flat[np.repeat(run_starts, lengths) + within]
        # the texts' boundaries: the separators, each a segment of its own that gives no token
        bounds = np.flatnonzero(stream == -2)
        if len(bounds) != n_texts - 1:
            return None  # a separator joined to a neighbour: never seen, but then text by text
        token_codes = stream[stream >= 0] if len(bounds) else stream
        text_offsets = np.empty(n_texts + 1, np.int64)
        text_offsets[0], text_offsets[-1] = 0, len(token_codes)
        text_offsets[1:-1] = bounds - np.arange(len(bounds))
        vocab = pa.concat_arrays([dictionary.take(pa.array(whole)), pa.array(extra, pa.large_string())])
        return vocab, token_codes, text_offsets

    def _value_sets(self):
        """The terms and the stopwords as Arrow arrays (made on first use), for :meth:`_filter_batch`."""
        if self._values is None:
            import pyarrow as pa

            self._values = (pa.array(sorted(self.terms), pa.large_string()),
                            pa.array(sorted(self.stopwords), pa.large_string()))
        return self._values

    def _spec(self) -> tuple:
        return (str(self.lexicon.directory.resolve()), self.backend, self.hmm, self.userdict)

    def tokenize_units(self, units: pd.DataFrame, column: str = "text") -> pd.DataFrame:
        """A copy of ``units`` (e.g. ``corpus.units``) with a ``tokens`` column: the list of final tokens."""
        out = units.copy()
        out[TOKENS_COLUMN] = pd.Series(self.tokenize_many(units[column]), index=units.index, dtype=object)
        return out

    # ---- the cache

    def _cached(self, bundle: str, n: int, get_texts, get_digests) -> list[list[str]]:
        """Tokens of each of ``n`` distinct texts, read from the cache file or computed and added to it.
        A file that turns out not to be a token cache, at any step, is set aside and the lookup done once
        more on a new file (texts already segmented are not segmented again)."""
        if not n:
            return []
        path = self.cache_path
        source: list = []
        digests: list[bytes] = []
        done: list[tuple[list[int], _Tokens]] = []  # what was segmented, kept for a second attempt

        def texts():
            if not source:
                source.append(get_texts())
            return source[0]

        def keys() -> bytes:
            if not digests:
                digests.append(get_digests())
            return digests[0]

        def compute(missing: list[int], meanwhile=None) -> _Tokens:
            """The tokens of the texts at positions ``missing``, segmented once for both attempts."""
            if not done:
                done.append((missing, self._compute(_take(texts(), missing), meanwhile)))
                return done[0][1]
            if meanwhile is not None:
                meanwhile()
            before, tokens = done[0]
            if before == missing:
                return tokens
            known = dict(zip(before, tokens.lists()))
            todo = [i for i in missing if i not in known]
            known.update(zip(todo, self._compute(_take(texts(), todo)).lists()))
            return _Tokens.from_lists([known[i] for i in missing])

        def bypass(reason: str) -> list[list[str]]:
            warn(f"token cache {path}: {reason}; not used: the tokens are computed without it")
            return compute(list(range(n))).lists()

        aside = ""  # the reason the first file was set aside, and what was done with it
        for attempt in (1, 2):
            try:
                problem = _entry_problem(path)
                if problem is not None:  # a FIFO, a device, a folder, a symlink …: never opened
                    raise _Unusable(problem)
                lists, bad = self._lookup(path, bundle, n, keys, compute)
            except (sqlite3.DatabaseError, _Unusable, OSError) as error:
                reason = str(error) if not isinstance(error, OSError) else (
                    f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""))
                code = getattr(error, "sqlite_errorcode", None)
                environmental = isinstance(error, OSError) or (code is not None and code & 0xFF in _ENVIRONMENT_ERRORS)
                if environmental or attempt == 2:  # the disk, not the file: bypassed, left as it is
                    return bypass(f"{aside}, and the new file failed too ({reason})" if aside else reason)
                done_with_file = _set_aside_cache(path)
                if os.path.lexists(path):  # it cannot be moved (a read-only folder): never used
                    return bypass(f"{reason}; {done_with_file}")
                aside = f"{reason}; {done_with_file}"
                continue
            if aside:
                warn(f"token cache {path}: {aside} and rebuilt")
            if bad:
                entries = "1 entry" if bad == 1 else f"{bad} entries"
                warn(f"token cache {path}: {entries} failed the checksum; dropped and recomputed")
            return lists
        raise AssertionError("unreachable")

    def _lookup(self, path: Path, bundle: str, n: int, keys, compute) -> tuple[list[list[str]], int]:
        """The tokens of each of ``n`` distinct texts: from the bundle of exactly these texts (one row,
        one checksum; ``keys()`` is not called), else from the older bundles that hold some of them
        (found through the ``texts`` table by each text's digest, ``keys()``), computing the rest
        (``compute(positions)``, a :class:`_Tokens`); the texts' bundle is then written, with a pointer
        to it for each text. Returns the token lists, in the texts' order, and the number of entries
        (bundles, pointers) that failed their checks."""
        bad = 0
        with closing(self._connect(path)) as db:
            row = db.execute(f"SELECT {_BUNDLE_COLUMNS} FROM bundles WHERE key = ?", (bundle,)).fetchone()
            if row is not None:
                lists = decode_bundle(bundle, *row, n_texts=n)
                if lists is not None:
                    return lists, 0
                bad += 1
            failed = {bundle} if row is not None else set()
            wanted: dict[str, list[tuple[int, object]]] = {}
            found: dict[int, list[str]] = {}
            if db.execute("SELECT EXISTS (SELECT 1 FROM texts)").fetchone()[0]:
                for i, key, position in db.execute(_FIND_TEXTS, (keys(), n)):
                    wanted.setdefault(key, []).append((i, position))
            # else a new file: nothing to find, and the digests are made while the texts are segmented
            for key, pointers in wanted.items():
                if key in failed:
                    continue
                row = db.execute(f"SELECT {_BUNDLE_COLUMNS} FROM bundles WHERE key = ?", (key,)).fetchone()
                if row is None:
                    continue  # a bundle since dropped: its texts are computed
                stored = row[3]
                lists = decode_bundle(key, *row, n_texts=len(stored) // _DIGEST, intern=True) \
                    if isinstance(stored, bytes) else None
                if lists is None:
                    bad += 1
                    failed.add(key)
                    continue
                for i, position in pointers:
                    if isinstance(position, int) and 0 <= position < len(lists) and \
                            stored[_DIGEST * position:_DIGEST * (position + 1)] == keys()[_DIGEST * i:_DIGEST * (i + 1)]:
                        found[i] = lists[position]
                    else:
                        bad += 1
            missing = [i for i in range(n) if i not in found]
            computed = compute(missing, keys)  # segmented all at once (in parallel with n_jobs)
            digests = keys()
            if len(digests) != _DIGEST * n:
                raise AssertionError(f"{len(digests)} bytes of digests for {n} texts")
            if found:
                new = iter(computed.lists())
                lists = [found[i] if i in found else next(new) for i in range(n)]
                tokens = _Tokens.from_lists(lists)
            else:
                lists, tokens = None, computed
            with db:  # one transaction: the bad bundles dropped, the new bundle and its pointers written
                for key in failed:
                    db.execute("DELETE FROM bundles WHERE key = ?", (key,))
                _store(db, bundle, tokens, digests)
        return (lists if lists is not None else tokens.lists()), bad

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        """A connection to the cache file ``path`` (created if absent, pruning old cache files), in WAL
        mode, whose schema has been checked: :class:`_Unusable` for a database holding anything else. The
        caller closes it. Several processes may fill one file at once: writers wait for each other (up to
        60 s), and the file's creation is retried while another process holds it."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OSError(error.errno, f"its folder cannot be made ({error.strerror or error})") from None
        if not os.path.lexists(path):
            prune_caches(path.parent, keep=KEEP_CACHES, current=path)
        db = sqlite3.connect(path, timeout=60)
        try:
            db.execute(f"PRAGMA page_size={_PAGE_SIZE}")  # a new file only: a bundle is a few large values
            db.execute(f"PRAGMA wal_autocheckpoint={_WAL_PAGES}")
            # no fsync: a file a power cut damaged fails its checks and is rebuilt, like any other damage
            db.execute("PRAGMA synchronous=OFF")
            for attempt in range(200):  # switching to WAL needs a moment alone with the file
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    with db:
                        db.execute("BEGIN IMMEDIATE")  # one process at a time creates the tables
                        tables = sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
                        if not tables:
                            db.execute(_BUNDLE_SCHEMA)
                            db.execute(_TEXTS_SCHEMA)
                            tables = _TABLES
                    break
                except sqlite3.OperationalError as error:
                    if getattr(error, "sqlite_errorcode", 0) & 0xFF != 5 or attempt == 199:  # 5: SQLITE_BUSY
                        raise
                    time.sleep(0.05)
            if tables != _TABLES:
                held = []
                for kind, name, _ in sorted(tables, key=lambda row: str(row[1])):
                    if kind == "table" and not str(name).startswith("sqlite_"):
                        columns = [row[1] for row in db.execute("SELECT * FROM pragma_table_info(?)", (name,))]
                        held.append(f"{name}({', '.join(columns)})")
                raise _Unusable(f"not a token cache of version {TOKENIZER_VERSION} "
                                f"(it holds {', '.join(held) or 'no table'})")
        except BaseException:
            db.close()
            raise
        return db


def _sidecars(path: Path) -> list[Path]:
    """SQLite's own files beside a cache file: the write-ahead log, its index, the rollback journal."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _entry_problem(path: Path) -> str | None:
    """Why the cache file ``path`` or one of its SQLite sidecars cannot be opened safely, or None."""
    problem = entry_problem(path)
    if problem is not None:
        return problem
    for sidecar in _sidecars(path):
        if (problem := entry_problem(sidecar)) is not None:
            return f"its {sidecar.name[len(path.name):]} file is {problem}"
    return None


def _set_aside_cache(path: Path) -> str:
    """Set the cache file ``path`` aside (see :func:`toolkit.cache.set_aside`) after removing its SQLite
    sidecars (a sidecar that is a folder is set aside too). Returns what was done with the file."""
    done = []
    for sidecar in _sidecars(path):
        if os.path.isdir(sidecar) and not os.path.islink(sidecar):
            done.append(f"{sidecar.name[len(path.name):]} {set_aside(sidecar)}")
        elif os.path.lexists(sidecar):
            try:
                sidecar.unlink()
                done.append(f"{sidecar.name[len(path.name):]} removed")
            except OSError as error:
                done.append(f"{sidecar.name[len(path.name):]} left in place ({error.strerror or error})")
    if os.path.lexists(path):
        done.insert(0, set_aside(path))
    return ", ".join(done) or "gone"


def prune_caches(directory: Path, keep: int = KEEP_CACHES, current: Path | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` token cache files (``tokens-*.sqlite``, with their SQLite
    sidecars) of ``directory``, counting ``current`` (about to be created) as the newest. Returns the
    files removed. A file another process is using is left (it is removed next time)."""
    def modified(p: Path) -> float:
        try:
            return p.lstat().st_mtime  # a symlink's own time: a broken one is not an error here
        except OSError:
            return 0.0

    files = sorted((p for p in directory.glob("tokens-*.sqlite") if p != current),
                   key=lambda p: (modified(p), p.name), reverse=True)
    removed = []
    for old in files[max(0, keep - (current is not None)):]:
        try:
            for sidecar in _sidecars(old):
                sidecar.unlink(missing_ok=True)
            old.unlink()
            removed.append(old)
        except OSError:
            pass
    return removed


def bundle_key(texts: list[str]) -> str:
    """The key of the bundle of ``texts`` (distinct, in order): the BLAKE3 hash of their lengths in UTF-8
    bytes (int64, little-endian) and then of their UTF-8 bytes one after the other (the lengths make it
    unambiguous). An Arrow string array gives the same key from its own buffers (:func:`_arrow_bundle_key`).
    BLAKE3 rather than sha256: as strong, and 3.5 times as fast on the megabytes of a corpus."""
    from blake3 import blake3

    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    digest = blake3(np.fromiter(map(len, encoded), dtype="<i8", count=len(encoded)).tobytes())
    digest.update(b"".join(encoded))
    return digest.hexdigest()


def _arrow_bundle_key(array) -> str:
    """:func:`bundle_key` of the texts of a pyarrow ``large_string`` array without nulls, read from its
    offsets and data buffers (no Python string is made)."""
    from blake3 import blake3

    _, offsets_buffer, data = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="<i8", count=array.offset + len(array) + 1)[array.offset:]
    digest = blake3(np.diff(offsets).astype("<i8").tobytes())
    if len(array):
        digest.update(memoryview(data)[offsets[0]:offsets[-1]])
    return digest.hexdigest()


def _arrow_strings(texts):
    """``texts`` as one pyarrow ``large_string`` array when it is a pandas column (or array) stored in
    Arrow, or a pyarrow string array, holding no missing value; else None (the caller then reads it as
    Python strings)."""
    import pyarrow as pa

    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        chunked = texts
    else:
        array = getattr(texts, "array", texts)
        if not isinstance(array, pd.arrays.ArrowStringArray) and not (
                isinstance(array, pd.arrays.ArrowExtensionArray) and str(array.dtype) in ("string[pyarrow]",
                                                                                           "large_string[pyarrow]")):
            return None
        chunked = array.__arrow_array__()
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)) or chunked.null_count:
        return None
    try:  # 64-bit offsets first: combining more than 2 GiB of text in 32-bit ones would overflow
        if not pa.types.is_large_string(chunked.type):
            chunked = chunked.cast(pa.large_string())
        return chunked.combine_chunks() if isinstance(chunked, pa.ChunkedArray) else chunked
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a block builds token lists, and restore it as it was.

    The tokens of 10,000 units are 10,000 new lists holding 700,000 references, none of them in a
    reference cycle. Left running, the collector would walk them some fifteen times while they are being
    made, and now and then start a full collection that walks every object of the process, the corpus
    included (50–150 ms). Paused, it walks them once when it resumes (5–7 ms for 10,000 units)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def encode_bundle(key: str, tokens, digests: bytes):
    """A bundle row for ``tokens`` (a :class:`_Tokens`, or the token list of each text) and ``digests``
    (each text's :func:`text_digest`, one after the other): the vocabulary joined by U+001F, each token's
    code (int32, little-endian), each text's offset into the codes (int64, n + 1 values) and the digests,
    with the BLAKE3 hash of key and all four."""
    if not isinstance(tokens, _Tokens):
        tokens = _Tokens.from_lists(tokens)
    vocab_joined = _SEP.join(tokens.vocab)
    code_bytes = tokens.codes.astype("<i4").tobytes()
    offset_bytes = tokens.offsets.astype("<i8").tobytes()
    return (vocab_joined, code_bytes, offset_bytes, digests,
            _bundle_checksum(key, vocab_joined, code_bytes, offset_bytes, digests))


def decode_bundle(key: str, vocab_joined, code_bytes, offset_bytes, text_digests, checksum, *, n_texts: int,
                  intern: bool = False):
    """The token lists of a bundle row, or None when it fails its checksum or its shape. Equal tokens are
    one string object; ``intern`` makes them the process's interned strings too (for texts read among
    new ones, whose tokens are interned)."""
    if not (isinstance(vocab_joined, str) and isinstance(code_bytes, bytes) and isinstance(offset_bytes, bytes)
            and isinstance(text_digests, bytes)):
        return None
    if checksum != _bundle_checksum(key, vocab_joined, code_bytes, offset_bytes, text_digests):
        return None
    # each distinct token once (one string object for all its occurrences in the bundle)
    words = vocab_joined.split(_SEP) if vocab_joined else []
    vocab = np.array(list(map(sys.intern, words)) if intern else words, dtype=object)
    if len(code_bytes) % 4 or len(offset_bytes) != 8 * (n_texts + 1) or len(text_digests) != _DIGEST * n_texts:
        return None
    codes = np.frombuffer(code_bytes, dtype="<i4")
    offsets = np.frombuffer(offset_bytes, dtype="<i8")
    if offsets[0] != 0 or offsets[-1] != len(codes) or (np.diff(offsets) < 0).any() or \
            (len(codes) and (codes.min() < 0 or codes.max() >= len(vocab))):
        return None
    bounds = offsets.tolist()
    with _collector_paused():
        tokens = vocab[codes].tolist() if len(codes) else []
        return [tokens[a:b] for a, b in zip(bounds, bounds[1:])]


def _bundle_checksum(key: str, vocab_joined: str, code_bytes: bytes, offset_bytes: bytes, text_digests: bytes) -> str:
    """The BLAKE3 hash of a bundle row's key and content."""
    from blake3 import blake3

    digest = blake3(f"{key}\n".encode())
    digest.update(vocab_joined.encode("utf-8"))
    for part in (code_bytes, offset_bytes, text_digests):
        digest.update(b"\0")
        digest.update(part)
    return digest.hexdigest()


def _store(db: sqlite3.Connection, key: str, tokens: _Tokens, digests: bytes) -> None:
    """Write ``tokens`` as the bundle ``key`` and point each of its texts (by its digest) at it, inside
    the caller's transaction. More than :data:`MAX_BUNDLE_TOKENS` tokens are written as several bundles
    of consecutive texts (``<key>.1``, ``<key>.2`` …; a text with more tokens than that alone is not
    stored): only their pointers find them."""
    parts = [(key, 0, len(tokens))]
    if tokens.n_tokens > MAX_BUNDLE_TOKENS:
        parts, start, offsets = [], 0, tokens.offsets
        while start < len(tokens):
            end = int(np.searchsorted(offsets, offsets[start] + MAX_BUNDLE_TOKENS, side="right")) - 1
            if end > start:
                parts.append((f"{key}.{len(parts) + 1}", start, end))
            start = max(end, start + 1)
    for name, start, end in parts:
        if (start, end) == (0, len(tokens)):
            part = tokens
        else:
            a, b = tokens.offsets[start], tokens.offsets[end]
            part = _Tokens(tokens.vocab, tokens.codes[a:b], tokens.offsets[start:end + 1] - a)
        text_digests = digests[_DIGEST * start:_DIGEST * end]
        db.execute(f"INSERT OR REPLACE INTO bundles (key, {_BUNDLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                   (name, *encode_bundle(name, part, text_digests)))
        db.execute(_POINT_TEXTS, (text_digests, end - start, name))


@functools.lru_cache(maxsize=4)
def _worker_tokenizer(spec: tuple) -> "Tokenizer":
    """A worker's tokenizer for ``spec``, built once per worker process (loading the dictionary takes
    about 0.3 s) and kept for its next chunks: an explicit instance, never jieba's global one."""
    lexicon_dir, backend, hmm, userdict = spec
    return Tokenizer(lexicon_dir, backend=backend, hmm=hmm, userdict=userdict, cache=False)


def _segment_chunk(spec: tuple, texts: list[str]) -> tuple[str, _Tokens]:
    """A task of :meth:`Tokenizer._compute`: the tokens of ``texts``, and the fingerprint of the
    tokenizer that made them (checked by the caller)."""
    tokenizer = _worker_tokenizer(spec)
    return tokenizer.fingerprint, tokenizer._tokens(texts, ahead=False)  # the workers keep the cores busy


def text_digest(text: str) -> bytes:
    """How the cache finds a text in the bundles: the sha256 of its UTF-8 bytes (32 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _arrow_digests(array) -> bytes:
    """:func:`text_digest` of each text of a pyarrow ``large_string`` array, one after the other, read
    from its buffers."""
    _, offsets_buffer, data = array.buffers()
    bounds = np.frombuffer(offsets_buffer, dtype="<i8", count=array.offset + len(array) + 1)[array.offset:].tolist()
    view = memoryview(data) if data is not None else memoryview(b"")
    return b"".join([hashlib.sha256(view[a:b]).digest() for a, b in zip(bounds, bounds[1:])])


# --------------------------------------------------------------------------- diagnostics
def split_occurrences(tokenizer: Tokenizer, texts, terms=None) -> pd.DataFrame:
    """Every occurrence of a lexicon term in ``texts`` that the segmenter does not keep inside one segment.

    Columns: ``term``, ``text_index``, ``start``, ``end``, ``segments`` (the segments covering the
    occurrence), ``conflict`` (True when one of those segments is another lexicon term overlapping this
    occurrence: of two overlapping terms, as 政务数据 and 数据治理 in 政务数据治理, only one can be whole)
    and ``context`` (10 characters either side). Empty when every term stays whole.
    """
    terms = list(tokenizer.lexicon.userdict if terms is None else terms)
    lexicon = set(tokenizer.lexicon.userdict) | set(terms)
    rows = []
    for index, text in enumerate(texts):
        present = [t for t in terms if t in text]
        if not present:
            continue
        bounds, pos = [], 0
        for s in tokenizer.cut(text):
            bounds.append((pos, pos + len(s), s))
            pos += len(s)
        for term in present:
            start = text.find(term)
            while start != -1:
                end = start + len(term)
                covering = [b for b in bounds if b[1] > start and b[0] < end]
                if len(covering) != 1:
                    conflict = any(c[2] in lexicon and (c[0] < start or c[1] > end) for c in covering)
                    rows.append({"term": term, "text_index": index, "start": start, "end": end,
                                 "segments": [c[2] for c in covering], "conflict": conflict,
                                 "context": text[max(0, start - 10):end + 10]})
                start = text.find(term, start + 1)
    return pd.DataFrame(rows, columns=["term", "text_index", "start", "end", "segments", "conflict", "context"])


def term_counts(tokens: pd.Series, terms) -> pd.DataFrame:
    """For each term: how many tokens equal it, and in how many units it occurs as a token."""
    terms = list(terms)
    counts = dict.fromkeys(terms, 0)
    units = dict.fromkeys(terms, 0)
    for row in tokens:
        seen = set()
        for t in row:
            if t in counts:
                counts[t] += 1
                seen.add(t)
        for t in seen:
            units[t] += 1
    return pd.DataFrame({"term": terms, "tokens": [counts[t] for t in terms], "units": [units[t] for t in terms]})


#: The ``tokens`` table of an export (long form: one row per token of a unit). The codebook of
#: :mod:`toolkit.export` is generated from it.
TOKENS_SPEC = TableSpec(
    "tokens", "词", "tokens", "one token of one unit (long form)", ("unit", "position"),
    "toolkit.tokenize.Tokenizer.tokenize_units", (
        UNIT_REF_COLUMN,
        Column("position", "integer", "位置", "position", "the token's place among the unit's kept tokens, 0-based "
               "(stopwords, numbers and punctuation are not kept, so positions are not offsets)", "≥ 0",
               "toolkit.tokenize.Tokenizer"),
        Column("token", "string", "词", "token", "the token: jieba (rjieba) with data/lexicon/userdict.txt, stopwords "
               "removed", "no spaces", "toolkit.tokenize.Tokenizer")))
