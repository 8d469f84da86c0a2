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

The cache (:data:`toolkit.paths.CACHE_DIR` ``/tokens``, git-ignored) keeps the final tokens of each
distinct text in an SQLite file named by a fingerprint of the tokenizer version, the backend and its
options, the stopword list, the bytes of every lexicon file and the bytes of the segmenter's own
dictionary (jieba's ``dict.txt``; for rjieba, its extension module, which holds the same dictionary
compiled in): editing a lexicon file or the dictionary starts a new cache file, so a stale token list is
never read. Two tables:

- ``tokens(key, tokens, checksum)``, one row per distinct text: ``key`` is the sha256 of the text,
  ``tokens`` the tokens joined by U+001F, ``checksum`` the sha256 of key and tokens;
- ``bundles(key, vocab, codes, offsets, checksum)``, one row per call of :meth:`Tokenizer.tokenize_many`
  (a column store of all its tokens): ``key`` is the BLAKE3 hash of the call's distinct texts, ``vocab`` its
  distinct tokens, ``codes`` every token as an int32 index into them, ``offsets`` where each text's codes
  start. The same texts again (a notebook run again, the next notebook) read one row, one checksum and
  no per-text work: about 0.03 s for the 10,000 municipal units (a pandas column stored in Arrow is
  hashed in its own buffers). A changed corpus falls back to the rows, so only new texts are segmented.

Every checksum is verified on every read. A row that fails it is dropped and recomputed; a file that is
not such a database (truncated, not SQLite, another schema) is renamed ``<name>.corrupt`` and rebuilt;
either way one :class:`toolkit.cache.CacheWarning` names the file and the reason (see :mod:`toolkit.cache`).
Several processes may fill one file at once (SQLite's WAL; writers wait their turn). Opening a new cache
file removes all but the newest :data:`KEEP_CACHES` (4) in the folder.

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
#: segmenter's own dictionary, by its bytes, is part of the fingerprint).
TOKENIZER_VERSION = "6"
BACKENDS = ("jieba", "rjieba")
USERDICT = "userdict.txt"
STOPWORDS = "stopwords.txt"
#: The lexicon files that take part in tokenizing (and in the cache fingerprint).
LEXICON_FILES = (USERDICT, STOPWORDS)
#: The column :meth:`Tokenizer.tokenize_units` adds.
TOKENS_COLUMN = "tokens"

#: Texts per task when :class:`Tokenizer` segments in parallel (``n_jobs``).
CHUNK = 2000
_SEP = "\x1f"  # joins the tokens of one text in the cache (no token holds a control character)
#: The one table of a token cache file, exactly as ``sqlite_master`` records it.
_SCHEMA = "CREATE TABLE tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL, checksum TEXT NOT NULL) WITHOUT ROWID"
_BUNDLE_SCHEMA = ("CREATE TABLE bundles (key TEXT PRIMARY KEY, vocab TEXT NOT NULL, codes BLOB NOT NULL, "
                  "offsets BLOB NOT NULL, checksum TEXT NOT NULL) WITHOUT ROWID")
#: ``sqlite_master`` of a token cache file, exactly.
_TABLES = sorted([("table", "bundles", _BUNDLE_SCHEMA), ("table", "tokens", _SCHEMA)])
#: Token cache files kept in the cache folder: opening a new one (another tokenizer version, backend,
#: options or lexicon) removes all but the newest this many, oldest first (by modification time).
KEEP_CACHES = 4
#: A call with more tokens than this is not stored as a bundle (SQLite's 1 GB limit on one value; at
#: 4 bytes a code, 50 million tokens are a 200 MB blob): its texts are still cached one row each.
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

        A cached row that fails its checksum is recomputed, a cache file that is not a token cache is
        set aside and rebuilt: the tokens returned are always those :meth:`tokenize` gives, and a
        :class:`toolkit.cache.CacheWarning` (one per call) names the file and what was wrong."""
        arrow = _arrow_strings(texts)
        if arrow is not None:
            encoded = arrow.dictionary_encode()  # the distinct texts in order of first occurrence
            distinct_arrow, positions = encoded.dictionary, encoded.indices.to_numpy()
            lists = self._distinct_tokens(_arrow_bundle_key(distinct_arrow) if self.cache else "",
                                          len(distinct_arrow), distinct_arrow.to_pylist)
            table = np.fromiter(lists, dtype=object, count=len(lists))
            return table[positions].tolist()
        texts = texts.to_pylist() if hasattr(texts, "to_pylist") else list(texts)  # (a pyarrow array with nulls)
        distinct = list(dict.fromkeys(texts))
        if not all(isinstance(t, str) for t in distinct):
            position, text = next((i, t) for i, t in enumerate(texts) if not isinstance(t, str))
            raise TypeError(f"text {position} is not a string ({text!r}): every text to tokenize must be one")
        try:
            lists = self._distinct_tokens(bundle_key(distinct) if self.cache else "", len(distinct),
                                          lambda: distinct)
        except UnicodeEncodeError:
            position, text = next((i, t) for i, t in enumerate(texts) if _SURROGATE.search(t))
            at = _SURROGATE.search(text).start()
            raise ValueError(f"text {position} holds a lone surrogate (U+{ord(text[at]):04X} at character {at}), "
                             f"which is not Unicode text: decode its file again (with errors='replace')") from None
        found = dict(zip(distinct, lists))
        return [found[t] for t in texts]

    def _distinct_tokens(self, bundle: str, n: int, get_texts) -> list[list[str]]:
        """The tokens of each of ``n`` distinct texts, in order: from the cache's bundle ``bundle`` (the
        texts' :func:`bundle_key`) when it holds them, else segmented or read row by row.
        ``get_texts()`` gives the texts themselves, and is called only when they are needed."""
        if not self.cache:
            distinct = get_texts()
            found = self._segment_many(distinct)
            return [found[t] for t in distinct]
        return self._cached(bundle, n, get_texts)

    def _segment_many(self, texts: list[str]) -> dict[str, list[str]]:
        """The tokens of each of ``texts`` (distinct), segmented here or, with ``n_jobs``, in chunks of
        :data:`CHUNK` texts through joblib: its processes, or any backend ``joblib.parallel_config``
        names (``backend="dask"`` with a ``dask.distributed.Client``: the cluster's workers). Workers only
        segment and filter; this process alone writes the cache."""
        if self.n_jobs in (None, 1) or len(texts) <= CHUNK:
            with _collector_paused():
                return {t: self.tokenize(t) for t in texts}  # the kept forms are interned once (keep)
        from joblib import Parallel, delayed

        spec = self._spec()
        chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
        results = Parallel(n_jobs=self.n_jobs)(delayed(_segment_chunk)(spec, chunk) for chunk in chunks)
        found, mine = {}, self.fingerprint
        for chunk, (fingerprint, lists) in zip(chunks, results):
            if fingerprint != mine:
                raise RuntimeError(f"a worker's tokenizer differs from this one (its lexicon files at "
                                   f"{self.lexicon.directory} changed, or another toolkit version): refusing its tokens")
            with _collector_paused():
                found.update(zip(chunk, ([sys.intern(t) for t in tokens] for tokens in lists)))
        return found

    def _spec(self) -> tuple:
        return (str(self.lexicon.directory.resolve()), self.backend, self.hmm, self.userdict)

    def tokenize_units(self, units: pd.DataFrame, column: str = "text") -> pd.DataFrame:
        """A copy of ``units`` (e.g. ``corpus.units``) with a ``tokens`` column: the list of final tokens."""
        out = units.copy()
        out[TOKENS_COLUMN] = pd.Series(self.tokenize_many(units[column]), index=units.index, dtype=object)
        return out

    # ---- the cache

    def _cached(self, bundle: str, n: int, get_texts) -> list[list[str]]:
        """Tokens of each of ``n`` distinct texts, read from the cache file or computed and added to it.
        A file that turns out not to be a token cache, at any step, is set aside and the lookup done once
        more on a new file (texts already segmented are not segmented again)."""
        if not n:
            return []
        path = self.cache_path
        computed: dict[str, list[str]] = {}
        distinct: list[str] = []

        def texts() -> list[str]:
            if not distinct:
                distinct.extend(get_texts())
            return distinct

        def compute(missing: list[str]) -> dict[str, list[str]]:
            missing = [t for t in missing if t not in computed]
            computed.update(self._segment_many(missing))
            return computed

        def bypass(reason: str) -> list[list[str]]:
            warn(f"token cache {path}: {reason}; not used: the tokens are computed without it")
            found = compute(texts())
            return [found[t] for t in distinct]

        aside = ""  # the reason the first file was set aside, and what was done with it
        for attempt in (1, 2):
            try:
                problem = _entry_problem(path)
                if problem is not None:  # a FIFO, a device, a folder, a symlink …: never opened
                    raise _Unusable(problem)
                lists, bad = self._lookup(path, bundle, n, texts, compute)
            except (sqlite3.DatabaseError, _Unusable, OSError) as error:
                reason = str(error) if not isinstance(error, OSError) else (
                    f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""))
                code = getattr(error, "sqlite_errorcode", None)
                environmental = isinstance(error, OSError) or (code is not None and code & 0xFF in _ENVIRONMENT_ERRORS)
                if environmental or attempt == 2:  # the disk, not the file: bypassed, left as it is
                    return bypass(f"{aside}, and the new file failed too ({reason})" if aside else reason)
                done = _set_aside_cache(path)
                if os.path.lexists(path):  # it cannot be moved (a read-only folder): never used
                    return bypass(f"{reason}; {done}")
                aside = f"{reason}; {done}"
                continue
            if aside:
                warn(f"token cache {path}: {aside} and rebuilt")
            if bad:
                entries = "1 entry" if bad == 1 else f"{bad} entries"
                warn(f"token cache {path}: {entries} failed the checksum; dropped and recomputed")
            return lists
        raise AssertionError("unreachable")

    def _lookup(self, path: Path, bundle: str, n: int, texts, compute) -> tuple[list[list[str]], int]:
        """The tokens of each of ``n`` distinct texts: from the bundle of exactly these texts (one row,
        one checksum; ``texts()`` is not called), else from their rows, computing (``compute(missing)``,
        text → tokens) and writing the missing and the bad ones, and then the bundle. Returns the token
        lists, in the texts' order, and the number of entries that failed the checksum."""
        bad = 0
        with closing(self._connect(path)) as db:
            row = db.execute("SELECT vocab, codes, offsets, checksum FROM bundles WHERE key = ?", (bundle,)).fetchone()
            if row is not None:
                lists = decode_bundle(bundle, *row, n_texts=n)
                if lists is not None:
                    return lists, 0
                bad += 1
            distinct = texts()
            keys = {t: text_key(t) for t in distinct}
            rows = {}
            key_list = list(keys.values())
            for i in range(0, len(key_list), 900):  # SQLite's limit on bound parameters
                chunk = key_list[i:i + 900]
                rows.update((key, (joined, checksum)) for key, joined, checksum in db.execute(
                    f"SELECT key, tokens, checksum FROM tokens WHERE key IN ({','.join('?' * len(chunk))})", chunk))
            found, missing = {}, []
            with _collector_paused():
                for text, key in keys.items():
                    row = rows.get(key)
                    if row is not None:
                        joined, checksum = row
                        if isinstance(joined, str) and checksum == entry_checksum(key, joined):
                            found[text] = list(map(sys.intern, joined.split(_SEP))) if joined else []
                            continue
                        bad += 1
                    missing.append(text)
            new = []
            computed = compute(missing)  # segmented all at once (in parallel with n_jobs)
            for text in missing:
                found[text] = tokens = computed[text]
                joined = _SEP.join(tokens)
                new.append((keys[text], joined, entry_checksum(keys[text], joined)))
            lists = [found[t] for t in distinct]
            encoded = encode_bundle(bundle, lists)
            with db:  # one transaction: the new rows and the bundle
                if new:
                    db.executemany("INSERT OR REPLACE INTO tokens (key, tokens, checksum) VALUES (?, ?, ?)", new)
                if encoded is not None:
                    db.execute("INSERT OR REPLACE INTO bundles (key, vocab, codes, offsets, checksum) "
                               "VALUES (?, ?, ?, ?, ?)", (bundle, *encoded))
        return lists, bad

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
            for attempt in range(200):  # switching to WAL needs a moment alone with the file
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    with db:
                        db.execute("BEGIN IMMEDIATE")  # one process at a time creates the tables
                        tables = sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
                        if not tables:
                            db.execute(_SCHEMA)
                            db.execute(_BUNDLE_SCHEMA)
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


def encode_bundle(key: str, lists: list[list[str]]):
    """A bundle row for ``lists`` (the tokens of each text): the vocabulary joined by U+001F, each
    token's code (int32, little-endian) and each text's offset into the codes (int64, n + 1 values),
    with the BLAKE3 hash of key and all three. None when there are more than :data:`MAX_BUNDLE_TOKENS`."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    total = int(lengths.sum())
    if total > MAX_BUNDLE_TOKENS:
        return None
    flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=total)
    codes, vocab = pd.factorize(flat) if total else (np.zeros(0, np.int64), np.zeros(0, object))
    vocab_joined = _SEP.join(vocab)
    code_bytes = codes.astype("<i4").tobytes()
    offset_bytes = np.concatenate([[0], np.cumsum(lengths)]).astype("<i8").tobytes()
    return vocab_joined, code_bytes, offset_bytes, _bundle_checksum(key, vocab_joined, code_bytes, offset_bytes)


def decode_bundle(key: str, vocab_joined, code_bytes, offset_bytes, checksum, *, n_texts: int):
    """The token lists of a bundle row, or None when it fails its checksum or its shape."""
    if not (isinstance(vocab_joined, str) and isinstance(code_bytes, bytes) and isinstance(offset_bytes, bytes)):
        return None
    if checksum != _bundle_checksum(key, vocab_joined, code_bytes, offset_bytes):
        return None
    # each distinct token once (one string object for all its occurrences in the bundle)
    vocab = np.array(vocab_joined.split(_SEP) if vocab_joined else [], dtype=object)
    if len(code_bytes) % 4 or len(offset_bytes) != 8 * (n_texts + 1):
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


def _bundle_checksum(key: str, vocab_joined: str, code_bytes: bytes, offset_bytes: bytes) -> str:
    """The BLAKE3 hash of a bundle row's key and content."""
    from blake3 import blake3

    digest = blake3(f"{key}\n".encode())
    digest.update(vocab_joined.encode("utf-8"))
    digest.update(b"\0")
    digest.update(code_bytes)
    digest.update(b"\0")
    digest.update(offset_bytes)
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _worker_tokenizer(spec: tuple) -> "Tokenizer":
    """A worker's tokenizer for ``spec``, built once per worker process (loading the dictionary takes
    about 0.3 s) and kept for its next chunks: an explicit instance, never jieba's global one."""
    lexicon_dir, backend, hmm, userdict = spec
    return Tokenizer(lexicon_dir, backend=backend, hmm=hmm, userdict=userdict, cache=False)


def _segment_chunk(spec: tuple, texts: list[str]) -> tuple[str, list[list[str]]]:
    """A task of :meth:`Tokenizer._segment_many`: the tokens of ``texts``, and the fingerprint of the
    tokenizer that made them (checked by the caller)."""
    tokenizer = _worker_tokenizer(spec)
    return tokenizer.fingerprint, [tokenizer.tokenize(t) for t in texts]


def text_key(text: str) -> str:
    """The cache key of a text: the sha256 of its UTF-8 bytes."""
    return sha256(text.encode("utf-8"))


def entry_checksum(key: str, joined: str) -> str:
    """The checksum of a cache row: the sha256 of its key and its joined tokens."""
    return sha256(f"{key}\n{joined}".encode("utf-8"))


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
