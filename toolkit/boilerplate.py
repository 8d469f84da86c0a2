"""Boilerplate: sentences a body shares, near-identically, with a report of another body.

Bureaus write their yearly reports from a template and from each other: two bureaus' problems
paragraphs can be the same words (一是学法用法制度还不够完善). A unit's ``boilerplate`` share is the share of
its sentences that also occur, near-identically, in a report of another body, so that a researcher can
tell a body's own words from the genre's common stock, and leave the latter out of topics and keyness
(``exclude_boilerplate=True``).

>>> shares = boilerplate_shares(corpus.units, corpus.reports)   # one float in [0, 1] per unit

**Sentences.** A unit is cut into sentences after 。！？；!?; (a unit without them is one sentence). A
sentence is compared in a normal form: NFKC, without the list marker it may open with (一是, （二）, 3.),
without whitespace and punctuation, lower-case, every digit written 0 (so 全年办理12件 and 全年办理8件 are
alike). Sentences shorter than :data:`MIN_CHARS` in that form
(一是加强组织领导) say too little to be evidence and are left out of both sides of the share; a unit with
no sentence long enough has share 0.

**Near-identical.** Two sentences are near-identical when the Jaccard similarity of their sets of
character 3-grams is at least :data:`THRESHOLD` (a template sentence with another body's name in it).
It is found without comparing every pair: identical normal forms are grouped first; the distinct forms
get a MinHash signature of :data:`PERMUTATIONS` values, cut into bands of :data:`ROWS`, and forms that
agree on a whole band are candidates; a candidate joins a form's group when the signatures agree on at
least :data:`THRESHOLD` of their values (the estimate of the Jaccard similarity). Groups are closed
transitively (connected components). With 24 values in 6 bands of 4, a pair at similarity 0.8 is a
candidate with probability 0.96, a pair at 0.5 with 0.32 (then refused by the estimate in all but ~2%).

**Another body.** A report's body is its agency, else its government, else the report itself. A group of
near-identical sentences found in the reports of at least two bodies is boilerplate wherever it occurs;
a body repeating its own words from year to year is not.

Everything is array arithmetic (numpy, scipy's connected components) over the corpus's sentences; a
sentence is hashed once, in its normal form. Same input, same output: the hash functions are fixed.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

#: A unit with at least this share of boilerplate is left out by ``exclude_boilerplate=True`` (topics, keyness).
CUTOFF = 0.5
#: Sentences shorter than this (in normal form) are not judged.
MIN_CHARS = 12
#: Jaccard similarity of character 3-grams from which two sentences are near-identical.
THRESHOLD = 0.7
#: MinHash values per sentence, and values per band.
PERMUTATIONS = 24
ROWS = 4
_SHINGLE = 3
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_NOT_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")
_MARKER = re.compile(r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}(?:是|、)|\d{1,2}[.．、](?!\d))")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEEDS = np.random.default_rng(20241207).integers(1, 2 ** 63 - 1, size=(PERMUTATIONS, 2), dtype=np.int64)


def normal_form(sentence: str) -> str:
    """A sentence as it is compared: NFKC, without a list marker at its start (一是, （二）, 3.), no
    whitespace or punctuation, lower-case, digits as 0."""
    text = _MARKER.sub("", unicodedata.normalize("NFKC", sentence).strip(), count=1)
    return _DIGIT.sub("0", _NOT_WORD.sub("", text)).lower()


def _sentences(texts) -> tuple[np.ndarray, list[str]]:
    """(unit position, normal form) of every sentence of every text long enough to be judged."""
    owners, forms = [], []
    for k, text in enumerate(texts):
        for sentence in _SENTENCE_END.split(text):
            form = normal_form(sentence)
            if len(form) >= MIN_CHARS:
                owners.append(k)
                forms.append(form)
    return np.asarray(owners, dtype=np.int64), forms


def _signatures(forms: list[str]) -> np.ndarray:
    """The MinHash signature (``PERMUTATIONS`` uint64 values) of each form's set of 3-grams."""
    lengths = np.fromiter((len(f) for f in forms), dtype=np.int64, count=len(forms))
    codes = np.frombuffer("".join(forms).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # a 3-gram starts at every position but the last two of each form
    grams = lengths - _SHINGLE + 1
    firsts = np.repeat(starts, grams) + (np.arange(grams.sum()) - np.repeat(np.cumsum(grams) - grams, grams))
    h = np.full(len(firsts), np.uint64(_SHINGLE), np.uint64)
    for k in range(_SHINGLE):
        h ^= codes[firsts + k]
        h *= _MIX
        h ^= h >> np.uint64(29)
    offsets = np.concatenate([[0], np.cumsum(grams)[:-1]])
    signatures = np.empty((len(forms), PERMUTATIONS), np.uint64)
    for p, (a, b) in enumerate(_SEEDS):
        permuted = h * np.uint64(a | 1) + np.uint64(b)  # a bijection of the 64-bit integers
        permuted ^= permuted >> np.uint64(31)
        signatures[:, p] = np.minimum.reduceat(permuted, offsets)
    return signatures


def _groups(signatures: np.ndarray) -> np.ndarray:
    """The group (connected component) of each form: forms whose signatures agree on a whole band and
    on at least ``THRESHOLD`` of their values, closed transitively."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(signatures)
    pairs_a, pairs_b = [], []
    for band in range(PERMUTATIONS // ROWS):
        block = signatures[:, band * ROWS:(band + 1) * ROWS]
        key = np.zeros(n, np.uint64)
        for column in block.T:
            key = (key ^ column) * _MIX
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
        head = order[np.maximum.accumulate(np.where(first, np.arange(n), 0))]  # each form's bucket's first form
        members = order[~first]
        heads = head[~first]
        agree = (signatures[members] == signatures[heads]).mean(axis=1) >= THRESHOLD
        pairs_a.append(members[agree])
        pairs_b.append(heads[agree])
    a, b = np.concatenate(pairs_a), np.concatenate(pairs_b)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def bodies(reports: pd.DataFrame) -> pd.Series:
    """Each report's body (``report_id`` → body): its agency, else its government, else itself."""
    body = reports["agency"].astype(object).where(reports["agency"].notna(), reports["government"])
    body = body.astype(object).where(body.notna(), reports["report_id"])
    return pd.Series(body.to_numpy(), index=reports["report_id"].to_numpy())


def boilerplate_shares(units: pd.DataFrame, reports: pd.DataFrame) -> pd.Series:
    """The share of each unit's sentences (those of :data:`MIN_CHARS` characters or more in normal form)
    found near-identically in a report of another body (see the module's docstring); 0 for a unit with
    no such sentence. Indexed like ``units``; rounded to 4 decimals."""
    out = pd.Series(0.0, index=units.index, name="boilerplate")
    if units.empty:
        return out
    owners, forms = _sentences(units["text"].tolist())
    if not forms:
        return out
    distinct, form_of = np.unique(np.asarray(forms, dtype=object), return_inverse=True)
    group = _groups(_signatures(list(distinct)))[form_of]
    body_names = bodies(reports).reindex(units["report_id"].to_numpy()).to_numpy()
    body_codes = pd.factorize(pd.Series(body_names, dtype=object).astype(str))[0][owners]
    # a group is boilerplate when it holds sentences of two bodies or more
    pairs = np.unique(np.stack([group, body_codes], axis=1), axis=0)
    shared = np.bincount(pairs[:, 0], minlength=group.max() + 1) >= 2
    flagged = shared[group]
    judged = np.bincount(owners, minlength=len(units))
    hits = np.bincount(owners, weights=flagged, minlength=len(units))
    share = np.divide(hits, judged, out=np.zeros(len(units)), where=judged > 0)
    out[:] = np.round(share, 4)
    return out


def is_boilerplate(units: pd.DataFrame) -> np.ndarray:
    """The units that ``exclude_boilerplate=True`` leaves out: a boilerplate share of :data:`CUTOFF` or
    more (a ``boilerplate`` column, as :func:`toolkit.dataset.load_corpus` gives)."""
    if "boilerplate" not in units.columns:
        raise ValueError("units lack the 'boilerplate' column: pass corpus.units (toolkit.dataset.load_corpus)")
    return (units["boilerplate"].fillna(0) >= CUTOFF).to_numpy()


def by_report(units: pd.DataFrame, column: str = "kind") -> pd.DataFrame:
    """The boilerplate share of each report's text, by section kind (or ``column="part"``): the share of
    its units' characters weighted by their boilerplate share, 0–1. Reports in rows, kinds in columns,
    ``all`` last; a kind the report lacks is empty."""
    chars = (units["end"] - units["start"]).astype(float)
    table = units.assign(_chars=chars, _shared=chars * units["boilerplate"])
    by = table.groupby(["report_id", column], sort=False)[["_chars", "_shared"]].sum()
    share = (by["_shared"] / by["_chars"]).unstack(column)
    whole = table.groupby("report_id", sort=False)[["_chars", "_shared"]].sum()
    share["all"] = whole["_shared"] / whole["_chars"]
    return share.round(3)
