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

Sentences and their signatures are computed unit by unit (in chunks, in parallel, by the spine); the
buckets, the estimates and the bodies are SQL (DuckDB, out of core when the corpus's sentences exceed
memory), the groups scipy's connected components. Same input, same output: the hash functions are fixed.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
import pandas as pd

from .schema import Column

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
#: The ``boilerplate`` column of the units (:data:`toolkit.sections.UNITS_SPEC`).
BOILERPLATE_COLUMN = Column(
    "boilerplate", "float", "套话比例", "boilerplate share", f"the share of the unit's sentences (of {MIN_CHARS} "
    f"characters or more, without punctuation) found near-identically ({_SHINGLE}-gram Jaccard ≥ {THRESHOLD}) in a "
    "report of another body; 0 when none is long enough", "0–1", "toolkit.boilerplate")
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
    """The MinHash signature (``PERMUTATIONS`` uint32 values: the high half of each 64-bit minimum) of
    each form's set of 3-grams."""
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
    signatures = np.empty((len(forms), PERMUTATIONS), np.uint32)
    for p, (a, b) in enumerate(_SEEDS):
        permuted = h * np.uint64(a | 1) + np.uint64(b)  # a bijection of the 64-bit integers
        permuted ^= permuted >> np.uint64(31)
        signatures[:, p] = np.minimum.reduceat(permuted, offsets) >> np.uint64(32)
    return signatures


def _form_id(form: str) -> int:
    """A form's 64-bit identity (BLAKE2b; signed, as SQL's BIGINT)."""
    return int.from_bytes(hashlib.blake2b(form.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


#: The columns of the sentence table (:func:`sentence_tables`): one row per sentence judged.
SENTENCE_COLUMNS = ["unit", "body", "form_id"]
#: The columns of the form table: one row per distinct normal form (its id, not its text), with its MinHash
#: signature.
FORM_COLUMNS = ["form_id", *[f"s{p}" for p in range(PERMUTATIONS)]]


def sentence_tables(units: pd.DataFrame, unit_numbers, body_codes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sentences of some units (``units["text"]``, numbered ``unit_numbers``, of bodies ``body_codes``)
    long enough to be judged, and their distinct normal forms with their signatures: what
    :func:`group_shares` reads. Computed chunk by chunk (the spine's stage ``boilerplate``): a form found
    in two chunks has the same row in both."""
    owners, forms = _sentences(units["text"].tolist())
    if not forms:
        return pd.DataFrame(columns=SENTENCE_COLUMNS), pd.DataFrame(columns=FORM_COLUMNS)
    distinct, form_of = np.unique(np.asarray(forms, dtype=object), return_inverse=True)
    ids = np.fromiter((_form_id(f) for f in distinct), dtype=np.int64, count=len(distinct))
    sentences = pd.DataFrame({"unit": np.asarray(unit_numbers, np.int64)[owners],
                              "body": np.asarray(body_codes, np.int64)[owners], "form_id": ids[form_of]})
    signatures = _signatures(list(distinct))
    form_table = pd.DataFrame({"form_id": ids, **{f"s{p}": signatures[:, p] for p in range(PERMUTATIONS)}})
    return sentences, form_table


def group_shares(con, sentences: str, forms: str) -> pd.DataFrame:
    """Each unit's boilerplate share from the sentence and form tables (:func:`sentence_tables`), named
    ``sentences`` and ``forms`` in the DuckDB connection ``con`` (tables, views over Parquet parts or
    DataFrames), computed in SQL, so out of core where the tables are larger than memory: per band of
    ``ROWS`` values, every form of a bucket (forms agreeing on the band) against the bucket's first form
    (the least id), kept where the signatures agree on ``THRESHOLD`` of their values;
    the groups closed transitively (scipy's connected components); a group is boilerplate when its
    sentences come from two bodies or more. Returns ``unit``, ``judged`` (sentences long enough),
    ``shared`` (of them, in a boilerplate group): units without a sentence judged are absent."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    agree = " + ".join(f"(a.s{p} = h.s{p})::INTEGER" for p in range(PERMUTATIONS))
    # the candidate pairs that pass, of every band, stay in DuckDB (spilled beyond its memory limit); only
    # the distinct edges come out, between forms numbered 0… in the order of their ids (int32)
    con.execute("CREATE OR REPLACE TEMP TABLE bp_edges (member BIGINT, head BIGINT)")
    for band in range(PERMUTATIONS // ROWS):
        # only the band's columns are read to find the candidates; the whole signatures only for them
        key = ", ".join(f"s{p}" for p in range(band * ROWS, (band + 1) * ROWS))
        con.execute(f"""
            INSERT INTO bp_edges
            WITH k AS (SELECT DISTINCT form_id, hash({key}) AS bucket FROM {forms}),
                 heads AS (SELECT bucket, min(form_id) AS head FROM k GROUP BY bucket HAVING count(*) > 1),
                 edges AS (SELECT k.form_id AS member, heads.head FROM k JOIN heads USING (bucket)
                           WHERE k.form_id <> heads.head),
                 a AS (SELECT DISTINCT * FROM {forms} WHERE form_id IN (SELECT member FROM edges)),
                 h AS (SELECT DISTINCT * FROM {forms} WHERE form_id IN (SELECT head FROM edges))
            SELECT e.member, e.head FROM edges e JOIN a ON a.form_id = e.member JOIN h ON h.form_id = e.head
            WHERE ({agree}) / {float(PERMUTATIONS)} >= {THRESHOLD}""")
    con.execute("""CREATE OR REPLACE TEMP TABLE bp_nodes AS
                   SELECT form_id, (row_number() OVER (ORDER BY form_id) - 1)::INTEGER AS node
                   FROM (SELECT member AS form_id FROM bp_edges UNION SELECT head FROM bp_edges)""")
    nodes = con.execute("SELECT form_id FROM bp_nodes ORDER BY node").fetchnumpy()["form_id"].astype(np.int64)
    edges = con.execute("""SELECT DISTINCT m.node AS member, h.node AS head FROM bp_edges e
                           JOIN bp_nodes m ON m.form_id = e.member JOIN bp_nodes h ON h.form_id = e.head""").fetchnumpy()
    con.execute("DROP TABLE bp_edges")
    n = len(nodes)
    graph = coo_matrix((np.ones(len(edges["member"]), np.int8), (edges["member"].astype(np.int32),
                                                                  edges["head"].astype(np.int32))), shape=(n, n))
    del edges
    groups = connected_components(graph, directed=False)[1] if n else np.zeros(0, np.int64)
    # a group is named by one of its forms (its least id); a form in no pair is a group of its own
    first = np.full(groups.max() + 1 if n else 0, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, groups, nodes)
    con.register("bp_groups_frame", pd.DataFrame({"form_id": nodes, "grp": first[groups] if n else nodes}))
    return con.execute("""
        WITH named AS (SELECT s.unit, s.body, coalesce(g.grp, s.form_id) AS grp
                       FROM sentences s LEFT JOIN bp_groups_frame g USING (form_id)),
             shared AS (SELECT grp FROM named GROUP BY grp HAVING count(DISTINCT body) >= 2)
        SELECT named.unit, count(*) AS judged, count(shared.grp) AS shared
        FROM named LEFT JOIN shared USING (grp)
        GROUP BY named.unit ORDER BY named.unit""".replace("FROM sentences s", f"FROM {sentences} s")).df()


def body_codes(reports: pd.DataFrame) -> dict[str, int]:
    """Each report's body (:func:`bodies`) as a number: ``report_id`` → code."""
    body = bodies(reports)
    codes = pd.factorize(pd.Series(body.to_numpy(), dtype=object).astype(str))[0]
    return dict(zip(body.index, codes.tolist()))


def bodies(reports: pd.DataFrame) -> pd.Series:
    """Each report's body (``report_id`` → body): its agency, else its government, else itself."""
    body = reports["agency"].astype(object).where(reports["agency"].notna(), reports["government"])
    body = body.astype(object).where(body.notna(), reports["report_id"])
    return pd.Series(body.to_numpy(), index=reports["report_id"].to_numpy())


def shares_of(counts: pd.DataFrame, n_units: int) -> np.ndarray:
    """The share of each of ``n_units`` units (numbered 0…) from :func:`group_shares`' counts, to 4 decimals."""
    judged = np.zeros(n_units)
    shared = np.zeros(n_units)
    judged[counts["unit"].to_numpy()] = counts["judged"].to_numpy()
    shared[counts["unit"].to_numpy()] = counts["shared"].to_numpy()
    return np.round(np.divide(shared, judged, out=np.zeros(n_units), where=judged > 0), 4)


def boilerplate_shares(units: pd.DataFrame, reports: pd.DataFrame) -> pd.Series:
    """The share of each unit's sentences (those of :data:`MIN_CHARS` characters or more in normal form)
    found near-identically in a report of another body (see the module's docstring); 0 for a unit with
    no such sentence. Indexed like ``units``; rounded to 4 decimals. The same computation as the spine's
    stage ``boilerplate`` (:func:`sentence_tables`, :func:`group_shares`), on tables in memory."""
    import duckdb

    out = pd.Series(0.0, index=units.index, name="boilerplate")
    if units.empty:
        return out
    codes = body_codes(reports)
    sentences, forms = sentence_tables(units, np.arange(len(units)), [codes.get(r, -1) for r in units["report_id"]])
    if sentences.empty:
        return out
    with duckdb.connect() as con:
        con.execute("SET threads TO 1")
        con.register("sentences_frame", sentences)
        con.register("forms_frame", forms)
        counts = group_shares(con, "sentences_frame", "forms_frame")
    out[:] = shares_of(counts, len(units))
    return out


def is_boilerplate(units: pd.DataFrame) -> np.ndarray:
    """The units that ``exclude_boilerplate=True`` leaves out: a boilerplate share of :data:`CUTOFF` or
    more (a ``boilerplate`` column, as :func:`toolkit.load_corpus` gives)."""
    if "boilerplate" not in units.columns:
        raise ValueError("units lack the 'boilerplate' column: pass corpus.units (toolkit.load_corpus)")
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
