"""Topics across the problem and plan sections: TF-IDF + NMF, k chosen by stability, problems vs plans.

>>> docs = documents(corpus.units, Tokenizer())            # problem and plan units, tokenized
>>> selection = KSelection(range(2, 21)).fit(docs)         # stability and coherence for every k
>>> model = selection.model_                               # the TopicModel at the chosen k
>>> model.top_terms()                                      # topic, label, rank, term, weight
>>> topic_prevalence(model.unit_weights(), labels=model.labels_) # share of each topic per kind, with intervals
>>> align(model).unanswered()                              # problems no plan of their report answers

**Documents** are the citable units of :mod:`toolkit.sections` (a numbered item such as （一）… or
一是…, else a paragraph) of the chosen section kinds, with their tokens from
:class:`toolkit.tokenize.Tokenizer` (read from its cache: tokens are never recomputed per fit).

**Stability** (Greene, O'Callaghan and Cunningham 2014, "How many topics? Stability analysis for topic
models"): for each k a reference model is fitted on all units and ``n_samples`` models on random
``sample_fraction`` samples of them. The samples are rows of the one TF-IDF matrix, so vocabulary and
IDF weights are those of the reference. Two topics agree by the average Jaccard of their top-``top_n``
term rankings (the mean, over depths d = 1..t, of the Jaccard index of the first d terms); a sample
model's topics are matched to the reference's by the Hungarian algorithm; a sample's agreement is the
mean over matched pairs, and the stability of k the mean over samples. A topic's own stability is its
matched agreement averaged over the samples.

**Coherence** is NPMI (Bouma 2009) of each pair of a topic's top terms, with probabilities counted as
the share of the corpus's own units containing the terms, averaged over the pairs (a pair that never
co-occurs scores -1, a pair in every unit 1).

Everything is deterministic: NMF starts from ``nndsvd`` (its randomized SVD seeded by
``random_state``) and runs coordinate descent without shuffling; samples and bootstrap draws come from
``numpy.random.default_rng(random_state)``; results do not depend on ``n_jobs``, nor on the joblib
backend (``joblib.parallel_config(backend="dask")`` runs the fits on a Dask cluster, tested).

**Methods** (``KSelection(method=...)``): ``"full"`` scores the stability of every k. ``"fast"`` fits
the reference of every k first (coherence needs nothing else), then fits the samples of one k at a time
(as many at once as fill the workers), most coherent k first, and stops as soon as no unscored k can
change the choice (:func:`_decided`): the chosen k, its stability and every scored k's numbers are
those of the full method, by construction; the unscored ks have a NaN stability. ``"auto"`` (default)
is ``"fast"`` from :data:`FAST_FROM` units on, ``"full"`` below.

**Cache** (``KSelection(memory=folder)``, ``select_topics(cache=True)``: ``.cache/topics``): the fitted
rankings of one ``fit`` are one entry, keyed by a sha256 over the TF-IDF matrix, the samples, the ks,
``top_n``, the NMF parameters, the method (for the fast one also ``min_stability`` and ``tolerance``,
which decide where it stops) and the versions of the selection, scikit-learn, NumPy and SciPy. An entry
is two files: ``rankings-<key[:32]>.json`` (the key, the layout of the arrays and the sha256 of the
archive) and ``rankings-<key[:32]>-<sha256[:16]>.npz`` (``np.savez``: ``top_k<k>``, the top-term indices
of every fit at k, fits × k × top_n, fit 0 being the reference on all units; ``converged``, fits × ks;
for the fast method ``scored``, ks: whether the samples of k were fitted, the rows of the others
repeating the reference).
Both are written under a temporary name and renamed into place, the sidecar last. Archives are read
with ``allow_pickle=False`` after their checksum is verified: nothing in the folder is ever unpickled,
and an entry that is corrupt, foreign or does not match is set aside (``*.corrupt``) and recomputed,
with one :class:`toolkit.cache.CacheWarning` naming the file.
"""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import math
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import scipy.sparse as sp
import sklearn
from joblib import Parallel, delayed, effective_n_jobs
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from . import paths
from .cache import EntryError, read_entry, set_aside, sha256, warn, write_atomic
from .schema import Column, TableSpec, joined
from .sections import KINDS as SECTION_KINDS
from .sections import UNIT_COLUMNS, UNIT_REF_COLUMN, UNITS_SPEC
from .stats import percentile_interval, ratio_replicates, resample_clusters

#: The section kinds topics are fitted on by default: what is wrong, and what is promised.
TOPIC_KINDS = ("problems", "plans")
#: Unit roles (:data:`toolkit.sections.ROLES`) that frame a list rather than name a shortcoming or a task.
FRAMING_ROLES = ("lead_in", "closing")
#: Columns that locate a unit in its report, so a reader can cite its exact words.
CITE_COLUMNS = ["report_id", "kind", "section_index", "unit_index", "start", "end"]
DOCUMENT_COLUMNS = CITE_COLUMNS + ["text", "tokens"]


def documents(units: pd.DataFrame, tokenizer, kinds=TOPIC_KINDS, *, exclude_boilerplate: bool = False) -> pd.DataFrame:
    """The documents a topic model is fitted on: the units of ``kinds`` (``corpus.units``), in corpus
    order, with a ``tokens`` column from ``tokenizer`` (a :class:`toolkit.tokenize.Tokenizer`, whose
    cache makes a second call cheap). Lead-ins ("…还存在一些问题和不足，主要表现在：") and closing promises
    ("对此，我们将…加以解决") are left out (:data:`FRAMING_ROLES`): they frame the list, they name no
    shortcoming or task. With ``exclude_boilerplate``, so are units whose sentences are mostly found in
    other bodies' reports (:func:`toolkit.boilerplate.is_boilerplate`: a share of 0.5 or more). Columns:
    :data:`DOCUMENT_COLUMNS`."""
    kinds = _check_kinds(kinds)
    missing = set(UNIT_COLUMNS) - {"unit_id", "marker", "role", "part"} - set(units.columns)
    if missing:
        raise ValueError(f"units lack the columns {sorted(missing)} (pass corpus.units)")
    if exclude_boilerplate:
        from .boilerplate import is_boilerplate

        units = units[~is_boilerplate(units)]
    chosen = units[units["kind"].isin(kinds)]
    if "role" in chosen.columns:  # the sentence that announces a list, and the promise after it, are framing
        chosen = chosen[~chosen["role"].isin(FRAMING_ROLES)]
    chosen = chosen.reset_index(drop=True)
    docs = chosen[CITE_COLUMNS + ["text"]].copy()
    docs["tokens"] = pd.Series(tokenizer.tokenize_many(docs["text"]), index=docs.index, dtype=object)
    return docs


def _check_kinds(kinds) -> tuple[str, ...]:
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in SECTION_KINDS]
    if unknown or not kinds:
        close = [c for k in unknown for c in difflib.get_close_matches(str(k), SECTION_KINDS, n=1)]
        raise ValueError(f"unknown section kinds {unknown or kinds}; use some of {', '.join(SECTION_KINDS)}"
                         + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return kinds


def _identity(tokens):
    """The analyzer of the TF-IDF vectorizer: documents arrive tokenized (module level, so it pickles)."""
    return tokens


def _token_lists(X) -> tuple[list, pd.DataFrame | None]:
    """Token lists and, for a documents DataFrame, its other columns (citation and text). An iterator
    (a generator of token lists, e.g. :meth:`toolkit.pipeline.Spine.token_lists`) is passed on as it is,
    each document checked as it comes: TF-IDF reads it once, so the lists are never all in memory."""
    if isinstance(X, pd.DataFrame):
        if "tokens" not in X.columns:
            raise ValueError("a documents DataFrame needs a 'tokens' column (see toolkit.topics.documents)")
        return list(X["tokens"]), X.drop(columns="tokens").reset_index(drop=True)
    if iter(X) is X:
        return _checked(X), None
    docs = list(X)
    for i, d in enumerate(docs):
        _check_document(i, d)
    return docs, None


def _check_document(i: int, document) -> None:
    if isinstance(document, str):
        raise TypeError(f"document {i} is a string; pass lists of tokens (toolkit.tokenize.Tokenizer)")


def _checked(documents):
    for i, document in enumerate(documents):
        _check_document(i, document)
        yield document


def _documents_count(docs) -> str:
    """How many documents a failed TF-IDF was given (an iterator's count is not known: "the")."""
    return str(len(docs)) if hasattr(docs, "__len__") else "the"


def _nmf(k: int, params: dict) -> NMF:
    """The one NMF configuration of the toolkit: deterministic ``nndsvd`` start, no shuffling."""
    return NMF(n_components=k, init="nndsvd", solver="cd", shuffle=False, **params)


class TopicModel(TransformerMixin, BaseEstimator):
    """TF-IDF over pre-tokenized units, factorised by NMF into ``n_components`` topics.

    ``fit`` takes a documents DataFrame (:func:`documents`: a ``tokens`` column, and the citation
    columns that :meth:`top_units` and :meth:`unit_weights` report) or a list of token lists.

    Fitted attributes: ``vectorizer_``, ``nmf_``, ``tfidf_`` (units × terms, rows L2-normalised),
    ``terms_`` (the vocabulary), ``components_`` (topics × terms), ``weights_`` (units × topics,
    NMF's W), ``documents_`` (citation columns and text, when fitted on a DataFrame, else None),
    ``labels_`` (each topic's three top terms), ``reconstruction_err_``, ``n_iter_`` and
    ``converged_`` (False when NMF stopped at ``max_iter``; one ConvergenceWarning says so too, in
    plain words, instead of scikit-learn's).
    """

    def __init__(self, n_components: int = 10, *, min_df=2, max_df=0.95, sublinear_tf: bool = True,
                 max_features: int | None = None, alpha_W: float = 0.0, l1_ratio: float = 0.0,
                 max_iter: int = 1000, tol: float = 1e-4, random_state: int | None = 0):
        self.n_components = n_components
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.max_features = max_features
        self.alpha_W = alpha_W
        self.l1_ratio = l1_ratio
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def _vectorizer(self) -> TfidfVectorizer:
        # float32 halves the matrix every worker maps and copies; NMF keeps the input's precision.
        return TfidfVectorizer(analyzer=_identity, min_df=self.min_df, max_df=self.max_df, dtype=np.float32,
                               sublinear_tf=self.sublinear_tf, max_features=self.max_features)

    def _nmf_params(self) -> dict:
        return {"alpha_W": self.alpha_W, "l1_ratio": self.l1_ratio, "max_iter": self.max_iter, "tol": self.tol,
                "random_state": self.random_state}

    def _vectorize(self, docs: list) -> tuple[TfidfVectorizer, sp.csr_matrix]:
        vectorizer = self._vectorizer()
        try:
            tfidf = vectorizer.fit_transform(docs)
        except ValueError as e:  # "After pruning, no terms remain" / "empty vocabulary"
            raise ValueError(f"cannot fit topics on {_documents_count(docs)} documents: {e}") from None
        return vectorizer, tfidf

    def fit(self, X, y=None):
        """Fit the vectorizer and NMF on ``X``; returns ``self``."""
        docs, cite = _token_lists(X)
        self._fit_matrix(*self._vectorize(docs), cite)
        return self

    def fit_transform(self, X, y=None):
        """Fit, and return the units' topic weights (``weights_``)."""
        return self.fit(X).weights_

    def _fit_matrix(self, vectorizer: TfidfVectorizer, tfidf, cite: pd.DataFrame | None):
        n_docs, n_terms = tfidf.shape
        if not 1 <= self.n_components <= min(n_docs, n_terms):
            raise ValueError(f"n_components={self.n_components} must be between 1 and the {n_docs} documents "
                             f"and {n_terms} terms left after min_df/max_df")
        self.vectorizer_ = vectorizer
        self.tfidf_ = tfidf
        self.nmf_ = _nmf(self.n_components, self._nmf_params())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # said below, once and in plain words
            self.weights_ = self.nmf_.fit_transform(tfidf)
        self.terms_ = vectorizer.get_feature_names_out()
        self.components_ = self.nmf_.components_
        self.reconstruction_err_ = self.nmf_.reconstruction_err_
        self.n_iter_ = self.nmf_.n_iter_
        self.converged_ = self.n_iter_ < self.max_iter
        if not self.converged_:
            warnings.warn(f"NMF did not converge in {self.max_iter} iterations for k = {self.n_components}; "
                          f"{DETERMINISTIC}", ConvergenceWarning, stacklevel=3)
        self.documents_ = cite
        self.labels_ = ["·".join(t) for t in self.top_term_lists(3)]
        return self

    def transform(self, X) -> np.ndarray:
        """Topic weights (units × topics) of new documents, with the topics held fixed."""
        check_is_fitted(self, "components_")
        docs, _ = _token_lists(X)
        return self.nmf_.transform(self.vectorizer_.transform(docs))

    # ------------------------------------------------------------------ reading
    def top_term_lists(self, n: int = 10) -> list[list[str]]:
        """The ``n`` highest-weighted terms of each topic (ties broken by the vocabulary's order)."""
        check_is_fitted(self, "components_")
        return [[str(self.terms_[j]) for j in row] for row in top_indices(self.components_, n)]

    def top_terms(self, n: int = 10) -> pd.DataFrame:
        """One row per topic and rank: ``topic``, ``label``, ``rank`` (1 = highest), ``term``, ``weight``."""
        check_is_fitted(self, "components_")
        rows = [(k, self.labels_[k], r + 1, str(self.terms_[j]), float(self.components_[k, j]))
                for k, row in enumerate(top_indices(self.components_, n)) for r, j in enumerate(row)]
        return pd.DataFrame(rows, columns=["topic", "label", "rank", "term", "weight"])

    def unit_weights(self, X=None, normalize: bool = True) -> pd.DataFrame:
        """The citation columns of each unit and its weight on every topic (integer columns ``0 … k-1``).

        ``X=None`` means the units the model was fitted on. With ``normalize`` each row holds the unit's
        topic shares (summing to 1); a unit with no term of the vocabulary has no share (NaN) and
        ``no_terms`` True, so callers see it instead of losing it.
        """
        check_is_fitted(self, "components_")
        if X is None:
            if self.documents_ is None:
                raise ValueError("the model was fitted on token lists; pass the documents DataFrame")
            weights, cite = self.weights_, self.documents_
        else:
            weights = self.transform(X)
            cite = _token_lists(X)[1]
            if cite is None:
                cite = pd.DataFrame(index=range(len(weights)))
        totals = weights.sum(axis=1)
        table = cite.drop(columns="text", errors="ignore")
        table["no_terms"] = totals == 0
        values = weights / np.where(totals > 0, totals, np.nan)[:, None] if normalize else weights
        return pd.concat([table, pd.DataFrame(values, columns=list(range(weights.shape[1])))], axis=1)

    def top_units(self, n: int = 5, topic: int | None = None) -> pd.DataFrame:
        """The ``n`` units with the highest weight on each topic (or on one ``topic``): the citation
        columns, ``weight`` (NMF's W), ``share`` (of the unit's total weight) and ``text``. What a reader
        quotes to show what a topic means; ties are broken by report and offset."""
        check_is_fitted(self, "components_")
        if self.documents_ is None:
            raise ValueError("the model was fitted on token lists; top units need a documents DataFrame")
        totals = self.weights_.sum(axis=1)
        topics = range(self.n_components) if topic is None else [topic]
        parts = []
        for k in topics:
            table = self.documents_.assign(weight=self.weights_[:, k],
                                           share=np.divide(self.weights_[:, k], totals, out=np.zeros(len(totals)),
                                                           where=totals > 0))
            best = table[table["weight"] > 0].sort_values(["weight", "report_id", "start"],
                                                          ascending=[False, True, True], kind="mergesort").head(n)
            best.insert(0, "topic", k)
            best.insert(1, "label", self.labels_[k])
            best.insert(2, "rank", range(1, len(best) + 1))
            parts.append(best[["topic", "label", "rank"] + CITE_COLUMNS + ["weight", "share", "text"]])
        return pd.concat(parts, ignore_index=True)


def compare_topics(model: "TopicModel", other: "TopicModel", n: int = 10) -> pd.DataFrame:
    """How the topics of ``model`` fare in ``other`` (the same k fitted on other units, e.g. without
    boilerplate): for each topic of ``model``, the topic of ``other`` whose top ``n`` terms agree best
    (average Jaccard of the rankings, :func:`average_jaccard`), the agreement, and both labels. Each
    topic is matched on its own (two may match the same one); ``agreement`` 1 is the same ranking."""
    check_is_fitted(model, "components_")
    check_is_fitted(other, "components_")
    ours, theirs = model.top_term_lists(n), other.top_term_lists(n)
    rows = []
    for k, terms in enumerate(ours):
        scores = [average_jaccard(terms, t) for t in theirs]
        best = int(np.argmax(scores))
        rows.append({"topic": k, "label": model.labels_[k], "match": best, "match_label": other.labels_[best],
                     "agreement": round(float(scores[best]), 3)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- rankings, stability, coherence
def top_indices(components: np.ndarray, n: int) -> np.ndarray:
    """Column indices of the ``n`` largest entries of each row, largest first (stable on ties)."""
    n = min(n, components.shape[1])
    return np.argsort(-components, axis=1, kind="stable")[:, :n]


def average_jaccard(a, b) -> float:
    """Average Jaccard index of two rankings: the mean over depths d of |a[:d] ∩ b[:d]| / |a[:d] ∪ b[:d]|."""
    t = min(len(a), len(b))
    if t == 0:
        return 0.0
    seen_a, seen_b, common, total = set(), set(), 0, 0.0
    for d in range(t):
        x, y = a[d], b[d]
        if x == y:
            common += 1
        else:
            common += (x in seen_b) + (y in seen_a)
        seen_a.add(x)
        seen_b.add(y)
        total += common / (2 * (d + 1) - common)
    return total / t


def agreement(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Each reference topic's average Jaccard with the topic of ``other`` it is matched to (Hungarian
    algorithm, maximising the total). Both are topics × top-t arrays of term indices."""
    scores = np.array([[average_jaccard(r, o) for o in other] for r in reference])
    rows, cols = linear_sum_assignment(scores, maximize=True)
    matched = np.zeros(len(reference))
    matched[rows] = scores[rows, cols]
    return matched


def npmi_coherence(binary: sp.spmatrix, top: np.ndarray) -> np.ndarray:
    """Mean NPMI over the pairs of each row of ``top`` (term indices), from a documents × terms 0/1 matrix."""
    binary = sp.csc_matrix(binary)
    n_docs = binary.shape[0]
    out = np.zeros(len(top))
    for k, terms in enumerate(top):
        sub = binary[:, terms]
        co = (sub.T @ sub).toarray().astype(float)
        p = np.diag(co) / n_docs
        values = []
        for i in range(len(terms)):
            for j in range(i + 1, len(terms)):
                pij = co[i, j] / n_docs
                if pij == 0:
                    values.append(-1.0)
                elif pij == 1:
                    values.append(1.0)
                else:
                    values.append(math.log(pij / (p[i] * p[j])) / -math.log(pij))
        out[k] = float(np.mean(values)) if values else 0.0
    return out


def _fit_rankings(tfidf, rows, ks, top_n: int, params: dict) -> list[tuple[np.ndarray, bool]]:
    """For each k of ``ks``: the top-``top_n`` term indices of each topic of an NMF fitted on
    ``tfidf[rows]`` (all rows when ``rows`` is None), and whether it converged. One BLAS thread, so
    parallel tasks do not compete for the cores."""
    out = []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # counted and reported instead
        X = tfidf if rows is None else tfidf[rows]  # NMF only reads X: a read-only memmap will do
        for k in ks:
            nmf = _nmf(k, params).fit(X)
            out.append((top_indices(nmf.components_, top_n), nmf.n_iter_ < params["max_iter"]))
    return out


def choose_k(table: pd.DataFrame, min_stability: float = 0.8, tolerance: float = 0.05) -> int:
    """The rule that picks k from a stability table (columns ``k``, ``stability``, ``coherence``; see
    :data:`CHOICE_RULE`): the k with the highest coherence among the *stable* ks, those whose stability
    reaches ``min_stability`` (their topics come back, largely, in any 80% sample), or, where no k
    reaches it, those within ``tolerance`` of the most stable k. Ties go to the smaller k.

    Why not the most stable k: k = 2 is often the most stable (two halves of a corpus come back in any
    sample) and says little; among the ks whose topics are reproducible, coherence prefers the one
    whose topics read as themes."""
    bar = min(min_stability, table["stability"].max() - tolerance)
    near = table[table["stability"] >= bar]
    best = near.sort_values(["coherence", "k"], ascending=[False, True], kind="mergesort")
    return int(best["k"].iloc[0])


#: What a fit that stopped at ``max_iter`` still guarantees (said with every convergence note).
DETERMINISTIC = "results are still deterministic: the same input gives the same topics"

CHOICE_RULE = ("k has the highest NPMI coherence among the ks whose stability is at least {min_stability} "
               "(or, where no k reaches it, within {tolerance} of the highest stability); ties: the smaller k")

#: Bump when the stability computation or the cache's layout changes: part of the key of cached
#: results (``memory``). 2: own ``.npz`` + JSON cache instead of joblib.Memory's pickles. 3: the
#: method (full or fast) and its parameters are part of the key.
SELECTION_VERSION = "3"

#: ``KSelection(method=...)``: ``"full"`` scores the stability of every k; ``"fast"`` fits the
#: references of every k first (so coherence is known), then scores stability k by k in order of
#: coherence and stops as soon as the chosen k is certain (see :func:`_decided`); ``"auto"`` is
#: ``"fast"`` from :data:`FAST_FROM` units on, else ``"full"``.
METHODS = ("auto", "full", "fast")
#: From this many units on, ``method="auto"`` uses the fast method. Below it the full method is quick
#: enough (about 3 minutes on municipal-2024's 7,260 units on 2 cores) and gives the whole stability
#: curve, which the notebooks plot.
FAST_FROM = 20_000


def _fit_tasks(tfidf, samples, tasks, top_n: int, params: dict, n_jobs) -> dict:
    """``{(sample, k): (top-term indices, converged)}`` for ``tasks`` (pairs of sample and k), one joblib
    task each, over ``n_jobs`` workers: joblib's processes by default, or whichever backend
    ``joblib.parallel_config`` names (``"dask"``: the workers of a ``dask.distributed.Client``)."""
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_rankings)(tfidf, samples[s], [k], top_n, params) for s, k in tasks)
    return {task: result[0] for task, result in zip(tasks, results)}


def _score_samples(tfidf, samples, ks, top_n: int, params: dict, n_jobs) -> dict:
    """``{(sample, k): (top-term indices of each topic, converged)}`` for the reference (sample 0, all
    units) and every sample, fitted over ``n_jobs`` workers (the full method)."""
    # One task per (sample, k), the largest k first so the slowest fits do not come last.
    tasks = [(s, k) for k in sorted(ks, reverse=True) for s in range(len(samples))]
    return _fit_tasks(tfidf, samples, tasks, top_n, params, n_jobs)


def _decided(scored: dict, coherence: dict, min_stability: float, tolerance: float) -> int | None:
    """The k :func:`choose_k` will pick whatever the stability of the ks not scored yet, or None.

    ``scored`` maps the ks scored so far to their stability, ``coherence`` every k to its coherence;
    the ks are scored in order of coherence (highest first, ties to the smaller k), so every unscored k
    is less coherent than every scored one. The rule's bar, min(``min_stability``, highest stability −
    ``tolerance``), can only rise towards ``min_stability`` as more ks are scored. So the candidate
    (the most coherent scored k at today's bar) is final once its stability reaches ``min_stability``:
    it can never drop below the bar, a more coherent k that is below the bar stays below it, and every
    k still to score is less coherent."""
    bar = min(min_stability, max(scored.values()) - tolerance)
    eligible = [k for k in scored if scored[k] >= bar]
    best = min(eligible, key=lambda k: (-coherence[k], k))
    return best if scored[best] >= min_stability else None


def _score_fast(tfidf, samples, ks, top_n: int, params: dict, n_jobs, coherence_of, min_stability: float,
                tolerance: float) -> dict:
    """The fast method: the references of every k (one round of tasks), their coherence
    (``coherence_of(ranking)``), then the samples of the most coherent ks, a round at a time (as many
    ks as fill the workers), until :func:`_decided`. Returns what :func:`_score_samples` returns for the
    ks it scored, and the references of the others."""
    order = sorted(ks, reverse=True)
    fitted = _fit_tasks(tfidf, samples, [(0, k) for k in order], top_n, params, n_jobs)
    coherence = {k: float(np.mean(coherence_of(fitted[(0, k)][0]))) for k in ks}
    queue = sorted(ks, key=lambda k: (-coherence[k], k))
    per_round = max(1, -(-effective_n_jobs(n_jobs) // max(1, len(samples) - 1)))
    scored = {}
    while queue:
        batch, queue = queue[:per_round], queue[per_round:]
        tasks = [(s, k) for k in sorted(batch, reverse=True) for s in range(1, len(samples))]
        round_ = _fit_tasks(tfidf, samples, tasks, top_n, params, n_jobs)
        for k in batch:  # in order of coherence: the ks of a round after the decision are dropped, so the
            ref = fitted[(0, k)][0]  # result does not depend on how many ks a round held (n_jobs)
            fitted.update({(s, k): round_[(s, k)] for s in range(1, len(samples))})
            per_sample = np.array([agreement(ref, fitted[(s, k)][0]) for s in range(1, len(samples))])
            scored[k] = float(per_sample.mean(axis=1).mean())  # as KSelection.fit computes it, to the bit
            if _decided(scored, coherence, min_stability, tolerance) is not None:
                return fitted
    return fitted


def _selection_key(tfidf, samples, ks, top_n: int, params: dict, method: dict | None = None) -> str:
    """sha256 over everything the fitted rankings depend on (not ``n_jobs``): the TF-IDF matrix (shape,
    data, indices, indptr), the samples, the ks, ``top_n``, the NMF parameters, the method with its
    parameters (``{"method": "full"}`` when None) and the versions."""
    digest = hashlib.sha256()

    def feed(label: str, data) -> None:
        view = memoryview(data).cast("B")
        digest.update(f"{label}:{view.nbytes}\0".encode())
        digest.update(view)

    feed("format", _RankingCache.FORMAT.encode())
    feed("versions", json.dumps([SELECTION_VERSION, sklearn.__version__, np.__version__, scipy.__version__]).encode())
    feed("shape", json.dumps([int(n) for n in tfidf.shape]).encode())
    for name in ("data", "indices", "indptr"):
        array = np.ascontiguousarray(getattr(tfidf, name))
        feed(f"{name}:{array.dtype.str}", array)
    feed("samples", str(len(samples)).encode())
    for sample in samples:
        if sample is None:
            feed("sample:all", b"")
        else:
            array = np.ascontiguousarray(sample)
            feed(f"sample:{array.dtype.str}", array)
    feed("ks", json.dumps([int(k) for k in ks]).encode())
    feed("top_n", str(int(top_n)).encode())
    feed("params", json.dumps(params, sort_keys=True, default=repr).encode())
    feed("method", json.dumps(method or {"method": "full"}, sort_keys=True).encode())
    return digest.hexdigest()


#: The largest sidecar read (a few kilobytes in practice).
MAX_SIDECAR_BYTES = 1_000_000
#: Room for one ``.npy`` header and its zip records in an archive, beyond the array's own bytes.
_NPY_OVERHEAD = 4096


class _BadEntry(Exception):
    """A cache entry that cannot be used: ``path`` is the file at fault, the message the reason,
    ``archive`` the entry's archive when the sidecar named one."""

    def __init__(self, path: Path, reason: str, archive: Path | None = None):
        super().__init__(reason)
        self.path, self.archive = path, archive


class _RankingCache:
    """The fitted rankings of :class:`KSelection`, one entry per call in ``folder``: a JSON sidecar and
    an ``.npz`` of plain arrays (see the module's docstring). Never unpickles anything."""

    FORMAT = "toolkit.topics.KSelection rankings"

    def __init__(self, folder):
        if not isinstance(folder, (str, os.PathLike)):
            raise TypeError(f"memory must be a folder (a str or a path) or None, not {type(folder).__name__}: "
                            "pickled caches such as joblib.Memory are no longer used; pass the folder itself, "
                            "e.g. memory='.cache/topics'")
        self.folder = Path(folder)

    @staticmethod
    def layout(ks, n_fits: int, top_n: int, n_terms: int, scored: bool = False) -> dict:
        """What the arrays of an entry must be: names, shapes and dtypes. With ``scored`` (the fast
        method) an array ``scored`` says which ks had their samples fitted; the sample rows of the others
        repeat the reference and are not read."""
        index = np.dtype(np.intp).str
        arrays = {f"top_k{k}": [[int(n_fits), int(k), int(top_n)], index] for k in ks}
        arrays["converged"] = [[int(n_fits), len(ks)], np.dtype(bool).str]
        if scored:
            arrays["scored"] = [[len(ks)], np.dtype(bool).str]
        return {"ks": [int(k) for k in ks], "fits": int(n_fits), "top_n": int(top_n), "n_terms": int(n_terms),
                "arrays": arrays}

    def _stem(self, key: str) -> str:
        return f"rankings-{key[:32]}"

    def load(self, key: str, layout: dict) -> dict | None:
        """The cached ``{(sample, k): (top-term indices, converged)}`` of ``key``, or None when there is
        none. An unusable entry is set aside, with one :class:`toolkit.cache.CacheWarning`, and None
        returned: the caller recomputes it."""
        sidecar = self.folder / f"{self._stem(key)}.json"
        if not os.path.lexists(sidecar):  # an .npz without its sidecar is an unfinished write: a miss
            return None
        try:
            arrays = self._read(sidecar, key, layout)
        except _BadEntry as bad:
            done = [set_aside(path) for path in (sidecar, bad.archive)
                    if path is not None and os.path.lexists(path)]
            kept = [d for d in done if d.startswith("left in place")]
            warn(f"topics cache {bad.path}: {bad}; " + (f"entry {kept[0]}: not used, recomputed" if kept else
                                                         "entry set aside as *.corrupt and recomputed"))
            return None
        scored = arrays.get("scored", np.ones(len(layout["ks"]), bool))
        return {(s, k): (arrays[f"top_k{k}"][s], bool(arrays["converged"][s, j]))
                for j, k in enumerate(layout["ks"]) for s in range(layout["fits"] if scored[j] else 1)}

    def _read(self, sidecar: Path, key: str, layout: dict) -> dict:
        try:
            data = read_entry(sidecar, MAX_SIDECAR_BYTES)
        except FileNotFoundError:
            raise _BadEntry(sidecar, "sidecar vanished while being read") from None
        except EntryError as error:
            raise _BadEntry(sidecar, f"sidecar is {error}") from None
        try:
            entry = json.loads(data.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise _BadEntry(sidecar, "sidecar is not valid JSON") from None
        stem = self._stem(key)
        if (not isinstance(entry, dict) or entry.get("format") != self.FORMAT
                or entry.get("version") != SELECTION_VERSION or entry.get("key") != key
                or not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("file"), str)
                or not re.fullmatch(rf"{stem}-[0-9a-f]{{16}}\.npz", entry["file"])):
            raise _BadEntry(sidecar, "sidecar is not an entry of this version for this key")
        if entry.get("layout") != layout:
            raise _BadEntry(sidecar, "sidecar's layout does not match the call")
        archive = self.folder / entry["file"]
        try:
            data = read_entry(archive, self.max_archive_bytes(layout))
        except FileNotFoundError:
            raise _BadEntry(sidecar, f"its archive {archive.name} is missing") from None
        except EntryError as error:  # a FIFO, /dev/zero, a folder, a file larger than the entry can be
            raise _BadEntry(archive, str(error), archive) from None
        if sha256(data) != entry["sha256"]:
            raise _BadEntry(archive, f"sha256 does not match its sidecar {sidecar.name}", archive)
        return self._arrays(archive, data, layout)

    @staticmethod
    def _array_bytes(layout: dict) -> dict[str, int]:
        """The bytes of each array of an entry of ``layout``, as ``.npy`` data (without its header)."""
        return {name: int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
                for name, (shape, dtype) in layout["arrays"].items()}

    @classmethod
    def max_archive_bytes(cls, layout: dict) -> int:
        """The most an archive of ``layout`` can hold: its arrays, and room for each member's ``.npy``
        header and zip records. A larger file is refused before it is read."""
        return sum(cls._array_bytes(layout).values()) + _NPY_OVERHEAD * (len(layout["arrays"]) + 1)

    @classmethod
    def _arrays(cls, archive: Path, data: bytes, layout: dict) -> dict:
        if not data.startswith(b"PK\x03\x04"):  # what np.savez writes: a zip archive, nothing else is loaded
            raise _BadEntry(archive, "not an .npz archive", archive)
        sizes = cls._array_bytes(layout)
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                if sorted(npz.files) != sorted(layout["arrays"]):
                    raise _BadEntry(archive, "its arrays do not match the sidecar's layout", archive)
                for info in npz.zip.infolist():  # what a member inflates to, before it is inflated
                    name = info.filename.removesuffix(".npy")
                    if info.file_size > sizes.get(name, 0) + _NPY_OVERHEAD:
                        raise _BadEntry(archive, f"{name} is larger than the sidecar's layout allows", archive)
                arrays = {}
                for name in npz.files:
                    try:
                        arrays[name] = npz[name]
                    except ValueError:  # allow_pickle=False: an object array is refused, not unpickled
                        raise _BadEntry(archive, f"{name} is not an array of plain values", archive) from None
        except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile):
            raise _BadEntry(archive, "not a readable .npz archive", archive) from None
        for name, (shape, dtype) in layout["arrays"].items():
            array = arrays[name]
            if not isinstance(array, np.ndarray) or list(array.shape) != shape or array.dtype.str != dtype:
                raise _BadEntry(archive, "its arrays do not match the sidecar's layout", archive)
            if name.startswith("top_k") and array.size and not (0 <= array.min() and array.max() < layout["n_terms"]):
                raise _BadEntry(archive, f"{name} holds term indices outside the vocabulary", archive)
        return arrays

    def store(self, key: str, layout: dict, fitted: dict) -> None:
        """Write the entry of ``key``: the archive, then the sidecar, each atomically. A folder that
        cannot be written is reported by a warning, not an error (the result is not lost)."""
        ks, n_fits = layout["ks"], layout["fits"]
        scored = np.array([all((s, k) in fitted for s in range(n_fits)) for k in ks], dtype=bool)
        fitted = {(s, k): fitted.get((s, k), fitted[(0, k)]) for k in ks for s in range(n_fits)}  # fast: padded
        arrays = {f"top_k{k}": np.stack([fitted[(s, k)][0] for s in range(n_fits)]).astype(np.intp, copy=False)
                  for k in ks}
        arrays["converged"] = np.array([[fitted[(s, k)][1] for k in ks] for s in range(n_fits)], dtype=bool)
        if "scored" in layout["arrays"]:
            arrays["scored"] = scored
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        data = buffer.getvalue()
        checksum = sha256(data)
        stem = self._stem(key)
        # The archive is named by its checksum: a sidecar always points at the archive written with it,
        # even when two processes store the same entry at once.
        archive = self.folder / f"{stem}-{checksum[:16]}.npz"
        entry = {"format": self.FORMAT, "version": SELECTION_VERSION, "key": key, "file": archive.name,
                 "sha256": checksum, "layout": layout}
        sidecar = self.folder / f"{stem}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(archive, data)
            write_atomic(sidecar, (json.dumps(entry, indent=1) + "\n").encode("utf-8"))
        except OSError as e:
            warn(f"topics cache {sidecar}: not written ({e})")


class KSelection(BaseEstimator):
    """Choose the number of topics by stability (Greene et al. 2014) and NPMI coherence.

    ``fit(docs)`` vectorizes once, then fits, for every k in ``k_range``, a reference NMF on all units
    and ``n_samples`` NMFs on random ``sample_fraction`` samples of them, spread over ``n_jobs``
    processes (joblib; ``None`` means 1, ``-1`` all cores; the result does not depend on it).
    ``model`` (a :class:`TopicModel`) gives the TF-IDF and NMF parameters; its ``n_components`` is
    ignored and its ``random_state`` replaced by this one's. A k larger than the terms or the units of
    a sample is an error, unless ``clip`` is True: then such ks are left out and listed in ``skipped_``.
    ``memory`` (a folder, str or path; None: no cache) caches the fitted rankings, keyed by the TF-IDF
    matrix, the samples, the ks, ``top_n``, the NMF parameters and the versions (not ``n_jobs``): a
    second fit on the same units, in another notebook say, returns at once with the same result. The
    cache holds ``.npz`` arrays and JSON, never pickles (see the module's docstring); a
    ``joblib.Memory`` is refused with a TypeError.

    ``method`` (:data:`METHODS`): ``"full"`` scores every k; ``"fast"`` fits every k's reference,
    then the samples of the most coherent ks first, and stops once the choice is certain (see the
    module's docstring): same k, same numbers for the ks it scored, NaN stability for the others.
    ``"auto"`` (default) is ``"fast"`` from :data:`FAST_FROM` units on. The method (and, for the fast
    one, ``min_stability`` and ``tolerance``, which decide where it stops) are part of the cache key.

    The fits are joblib tasks: under ``joblib.parallel_config(backend="dask")`` with a
    ``dask.distributed.Client`` they run on that Dask cluster (``n_jobs=-1``: all its workers), with
    identical results.

    Fitted attributes:

    - ``table_``: one row per k: ``k``, ``stability`` (mean agreement; NaN for a k the fast method did
      not need to score), ``stability_sd`` (over samples),
      ``coherence`` (mean NPMI of the reference topics), ``unconverged`` (NMF fits of this k that hit
      ``max_iter``, out of the ``n_samples + 1`` fits, or of the reference alone where not scored);
    - ``topics_``: one row per k and reference topic: ``k``, ``topic``, ``stability``, ``coherence``, ``terms``;
    - ``k_``: the chosen k (:func:`choose_k` with ``min_stability`` and ``tolerance``; ``rule_`` says
      how in words);
    - ``model_``: the :class:`TopicModel` at ``k_`` fitted on all units (the reference model);
    - ``n_documents_``, ``n_terms_``: the size of the TF-IDF matrix; ``skipped_``: the ks left out (``clip``);
    - ``method_``: the method used (``"full"`` or ``"fast"``; ``"auto"`` resolved).
    """

    def __init__(self, k_range=range(2, 21), *, n_samples: int = 20, sample_fraction: float = 0.8,
                 top_n: int = 10, min_stability: float = 0.8, tolerance: float = 0.05, n_jobs: int | None = None,
                 random_state: int = 0, model: TopicModel | None = None, clip: bool = False, memory=None,
                 method: str = "auto"):
        self.k_range = k_range
        self.n_samples = n_samples
        self.sample_fraction = sample_fraction
        self.top_n = top_n
        self.min_stability = min_stability
        self.tolerance = tolerance
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.model = model
        self.clip = clip
        self.memory = memory
        self.method = method

    def fit(self, X, y=None):
        """Score every k on ``X`` (a documents DataFrame or token lists); returns ``self``."""
        cache = None if self.memory is None else _RankingCache(self.memory)
        ks = sorted({int(k) for k in self.k_range})
        if not ks or ks[0] < 1:
            raise ValueError(f"k_range must hold positive numbers of topics, not {list(self.k_range)}")
        if not 0 < self.sample_fraction <= 1:
            raise ValueError(f"sample_fraction must be in (0, 1], not {self.sample_fraction}")
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be at least 1, not {self.n_samples}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, not {self.method!r}")
        base = (TopicModel() if self.model is None else clone(self.model)).set_params(random_state=self.random_state)
        docs, cite = _token_lists(X)
        vectorizer, tfidf = base._vectorize(docs)
        tfidf.sum_duplicates()  # canonical CSR: workers never need to sort it in place
        n_docs, n_terms = tfidf.shape
        size = int(round(self.sample_fraction * n_docs))
        limit = min(size, n_terms)
        skipped = [k for k in ks if k > limit]
        if skipped and (not self.clip or len(skipped) == len(ks)):
            raise ValueError(f"k up to {ks[-1]} needs at least that many terms and sampled units; there are "
                             f"{n_terms} terms and {size} units in a {self.sample_fraction:.0%} sample of {n_docs}")
        ks = [k for k in ks if k <= limit]
        rng = np.random.default_rng(self.random_state)
        samples = [None] + [np.sort(rng.choice(n_docs, size=size, replace=False)) for _ in range(self.n_samples)]
        params = base._nmf_params()
        method = self.method if self.method != "auto" else ("fast" if n_docs >= FAST_FROM else "full")
        # The fast method's stopping point depends on the rule, so the rule is part of its key.
        described = {"method": method} if method == "full" else {
            "method": method, "min_stability": float(self.min_stability), "tolerance": float(self.tolerance)}
        binary = (tfidf > 0).astype(np.int32)
        fitted = None
        if cache is not None:
            key = _selection_key(tfidf, samples, ks, self.top_n, params, described)
            layout = cache.layout(ks, len(samples), min(self.top_n, n_terms), n_terms, scored=method == "fast")
            fitted = cache.load(key, layout)
        if fitted is None:
            if method == "full":
                fitted = _score_samples(tfidf, samples, ks, self.top_n, params, self.n_jobs)
            else:
                fitted = _score_fast(tfidf, samples, ks, self.top_n, params, self.n_jobs,
                                     lambda ranking: npmi_coherence(binary, ranking), self.min_stability,
                                     self.tolerance)
            if cache is not None:
                cache.store(key, layout, fitted)
        vocabulary = vectorizer.get_feature_names_out()
        rows, topic_rows = [], []
        for k in ks:
            ref = fitted[(0, k)][0]
            coherence = npmi_coherence(binary, ref)
            fits = [s for s in range(len(samples)) if (s, k) in fitted]  # the fast method: the reference alone
            if len(fits) > 1:
                per_sample = np.array([agreement(ref, fitted[(s, k)][0]) for s in fits[1:]])
                sample_means = per_sample.mean(axis=1)
                stability, stability_sd, per_topic = sample_means.mean(), sample_means.std(), per_sample.mean(axis=0)
            else:
                stability, stability_sd, per_topic = np.nan, np.nan, np.full(k, np.nan)
            rows.append({"k": k, "stability": float(stability), "stability_sd": float(stability_sd),
                         "coherence": float(coherence.mean()),
                         "unconverged": sum(not fitted[(s, k)][1] for s in fits)})
            topic_rows += [{"k": k, "topic": t, "stability": float(per_topic[t]), "coherence": float(coherence[t]),
                            "terms": [str(vocabulary[j]) for j in ref[t]]} for t in range(k)]
        self.table_ = pd.DataFrame(rows, columns=["k", "stability", "stability_sd", "coherence", "unconverged"])
        self.topics_ = pd.DataFrame(topic_rows, columns=["k", "topic", "stability", "coherence", "terms"])
        self.n_documents_, self.n_terms_, self.skipped_, self.method_ = n_docs, n_terms, skipped, method
        self.k_ = choose_k(self.table_, self.min_stability, self.tolerance)
        self.rule_ = CHOICE_RULE.format(min_stability=self.min_stability, tolerance=self.tolerance)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # counted in table_; convergence_note says it
            self.model_ = clone(base).set_params(n_components=self.k_)._fit_matrix(vectorizer, tfidf, cite)
        return self

    def convergence_note(self) -> str | None:
        """In plain words, the fits of the chosen k that stopped at ``max_iter`` before converging
        (None when every one converged): what :func:`trust_notes`, the ``topics`` and ``export``
        commands and the export's notes say, once."""
        check_is_fitted(self, "table_")
        row = self.table_.set_index("k").loc[self.k_]
        if not row["unconverged"]:
            return None
        fits = self.n_samples + 1 if row["stability"] == row["stability"] else 1  # NaN: the reference alone
        max_iter = self.model_.max_iter
        return (f"NMF did not converge in {max_iter} iterations for k = {self.k_} ({int(row['unconverged'])} of "
                f"its {fits} fits); {DETERMINISTIC}")

    def topic_table(self, k: int | None = None) -> pd.DataFrame:
        """The reference topics at ``k`` (default: the chosen k): ``topic``, ``stability``, ``coherence``,
        ``terms``, and ``label`` (the three top terms, as in :attr:`TopicModel.labels_`)."""
        check_is_fitted(self, "table_")
        k = self.k_ if k is None else k
        if k not in set(self.table_["k"]):
            raise ValueError(f"k={k} was not tried; tried {list(self.table_['k'])}")
        table = self.topics_[self.topics_["k"] == k].drop(columns="k").reset_index(drop=True)
        table.insert(1, "label", ["·".join(t[:3]) for t in table["terms"]])
        return table


# ---------------------------------------------------------------------- problems versus plans
def _topic_columns(table: pd.DataFrame) -> list:
    return [c for c in table.columns if isinstance(c, (int, np.integer))]


def _bootstrap(table: pd.DataFrame, kinds, n_boot: int, random_state) -> tuple[np.ndarray, np.ndarray, dict]:
    """Mean topic shares per kind (kinds × topics) and their bootstrap replicates (n_boot × kinds ×
    topics), resampling reports with replacement. Units without a share (``no_terms``) are left out of
    the means and counted in ``info["no_terms"]``."""
    topics = _topic_columns(table)
    empty = table["no_terms"].to_numpy(bool) if "no_terms" in table.columns else np.zeros(len(table), bool)
    kept = table[~empty]
    reports = sorted(table["report_id"].unique())
    index = {r: i for i, r in enumerate(reports)}
    sums = np.zeros((len(reports), len(kinds), len(topics)))
    counts = np.zeros((len(reports), len(kinds)))
    for g, kind in enumerate(kinds):
        part = kept[kept["kind"] == kind]
        rows = part["report_id"].map(index).to_numpy()
        np.add.at(sums[:, g, :], rows, part[topics].to_numpy(float))
        np.add.at(counts[:, g], rows, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        point = sums.sum(axis=0) / counts.sum(axis=0)[:, None]
    boot = ratio_replicates(resample_clusters(len(reports), n_boot, random_state), sums, counts)
    boot[:, (counts > 0).sum(axis=0) < 2, :] = np.nan  # one report: resampling it says nothing
    info = {"units": counts.sum(axis=0).astype(int), "reports": (counts > 0).sum(axis=0),
            "no_terms": np.array([int((empty & (table["kind"] == k).to_numpy()).sum()) for k in kinds])}
    return point, boot, info


def _labels(labels, topics) -> list[str]:
    return [str(t) for t in topics] if labels is None else [labels[t] for t in topics]


def topic_prevalence(weights: pd.DataFrame, kinds=TOPIC_KINDS, n_boot: int = 1000, ci: float = 0.95,
                     random_state: int = 0, labels=None) -> pd.DataFrame:
    """Each topic's prevalence in each kind of section: the mean topic share of its units, with a
    percentile bootstrap interval that resamples *reports* (the units of one report are not
    independent).

    ``weights`` is :meth:`TopicModel.unit_weights` (shares); ``labels`` names the topics (e.g.
    ``model.labels_``). One row per topic and kind: ``topic``, ``label``, ``kind``, ``prevalence``,
    ``low``, ``high`` (NaN when fewer than two reports have units of the kind), ``units`` (units with
    a share), ``no_terms`` (units with no vocabulary term, left out) and ``reports`` (reports with units
    of that kind).
    """
    kinds = _check_kinds(kinds)
    point, boot, info = _bootstrap(weights, kinds, n_boot, random_state)
    low, high = percentile_interval(boot, ci)  # NaN for a kind no report has
    topics = _topic_columns(weights)
    names = _labels(labels, topics)
    rows = [{"topic": t, "label": names[i], "kind": kind, "prevalence": point[g, i], "low": low[g, i],
             "high": high[g, i], "units": int(info["units"][g]), "no_terms": int(info["no_terms"][g]),
             "reports": int(info["reports"][g])}
            for i, t in enumerate(topics) for g, kind in enumerate(kinds)]
    return pd.DataFrame(rows)


def lean(weights: pd.DataFrame, kinds=TOPIC_KINDS, n_boot: int = 1000, ci: float = 0.95, random_state: int = 0,
         labels=None) -> pd.DataFrame:
    """Which topics lean to problems and which to plans: per topic, the prevalence in each of the two
    ``kinds``, their ``difference`` (second minus first) with a bootstrap interval over reports, and
    ``leans``: the kind on whose side the whole interval lies, ``"neither"``, or ``"undetermined"``
    when fewer than two reports have units of each kind (no interval)."""
    kinds = _check_kinds(kinds)
    if len(kinds) != 2:
        raise ValueError(f"lean compares two kinds, not {kinds}")
    point, boot, _ = _bootstrap(weights, kinds, n_boot, random_state)
    low, high = percentile_interval(boot[:, 1] - boot[:, 0], ci)
    topics = _topic_columns(weights)
    table = pd.DataFrame({"topic": topics, "label": _labels(labels, topics), kinds[0]: point[0],
                          kinds[1]: point[1], "difference": point[1] - point[0], "low": low, "high": high})
    table["leans"] = np.select([np.isnan(low) | np.isnan(high), low > 0, high < 0],
                               ["undetermined", kinds[1], kinds[0]], "neither")
    return table


# ---------------------------------------------------------------------- problem → plan alignment
SPACES = ("topic", "tfidf")
#: The topic-space cosine from which a plan unit counts as answering a problem unit (see :func:`align`).
MIN_SCORE = 0.5


@dataclass
class Alignment:
    """Problem-to-plan alignment within each report (see :func:`align`).

    - ``problems``: one row per problem unit: its citation columns and text; for each space
      (``topic``, ``tfidf``) the best plan unit of the same report (``<space>_plan``: its row in
      ``documents``, -1 when the report has no plan unit) and ``<space>_score`` (cosine similarity,
      NaN without a plan unit); and ``answered``.
    - ``pairs``: every (problem, plan) pair of units of the same report with both scores.
    - ``documents``: the model's units (citation columns and text), which ``problem``/``plan`` index.
    - ``kinds``: the problem kind and the plan kind; ``min_score``: the topic-space cut-off.
    """

    problems: pd.DataFrame
    pairs: pd.DataFrame
    documents: pd.DataFrame
    kinds: tuple[str, str]
    min_score: float

    def best(self, n: int = 3, space: str = "topic") -> pd.DataFrame:
        """Each problem unit with its ``n`` best-matching plan units of the same report, quoted with offsets."""
        _check_space(space)
        ranked = self.pairs.sort_values(["problem", space, "plan"], ascending=[True, False, True], kind="mergesort")
        top = ranked.groupby("problem", sort=True).head(n)
        docs = self.documents
        problem, plan = docs.loc[top["problem"]], docs.loc[top["plan"]]
        return pd.DataFrame({
            "report_id": problem["report_id"].to_numpy(),
            "problem_start": problem["start"].to_numpy(), "problem_end": problem["end"].to_numpy(),
            "problem": problem["text"].to_numpy(),
            "rank": top.groupby("problem").cumcount().to_numpy() + 1, "score": top[space].to_numpy(),
            "plan_start": plan["start"].to_numpy(), "plan_end": plan["end"].to_numpy(),
            "plan": plan["text"].to_numpy()})

    def matrix(self, report_id: str, space: str = "topic", width: int = 12) -> pd.DataFrame:
        """Problem units (rows) × plan units (columns) of one report, scored in ``space``; each labelled
        by its start offset and first ``width`` characters."""
        _check_space(space)
        part = self.pairs[self.pairs["report_id"] == report_id]
        if part.empty:
            raise KeyError(f"report {report_id!r} has no pair of problem and plan units to align")
        table = part.pivot(index="problem", columns="plan", values=space)
        table.index = [self._label(i, width) for i in table.index]
        table.columns = [self._label(i, width) for i in table.columns]
        return table

    def _label(self, row: int, width: int) -> str:
        doc = self.documents.loc[row]
        words = " ".join(doc["text"].split())
        return f"{doc['start']}: {words[:width]}{'…' if len(words) > width else ''}"

    def aligned_reports(self) -> list[str]:
        """The reports with at least one problem unit and one plan unit (those :meth:`matrix` can draw)."""
        return sorted(self.pairs["report_id"].unique())

    def unaligned_reports(self) -> list[str]:
        """The reports with problem units but no plan unit: left out of the alignment, named in the trust
        notes (a report may plan nothing, or plan in a part the segmenter did not find)."""
        with_problems = set(self.problems["report_id"])
        return sorted(with_problems - set(self.pairs["report_id"]))

    def unanswered(self) -> pd.DataFrame:
        """The problem units that no plan unit of their report answers (see :func:`align`)."""
        return self.problems[~self.problems["answered"]].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Per report: problem and plan units, problems answered, and the mean best score in each space."""
        plans = self.documents[self.documents["kind"] == self.kinds[1]]
        table = self.problems.groupby("report_id").agg(
            problems=("answered", "size"), answered=("answered", "sum"),
            topic_best=("topic_score", "mean"), tfidf_best=("tfidf_score", "mean"))
        table.insert(1, "plans", plans.groupby("report_id").size().reindex(table.index, fill_value=0))
        return table.reset_index()


def _check_space(space: str) -> None:
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, not {space!r}")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix, dtype=float), where=norms > 0)


ALIGN_COLUMNS = (["report_id", "section_index", "unit_index", "start", "end", "text", "problem"]
                 + [f"{s}_{c}" for s in SPACES for c in ("plan", "score")] + ["answered"])


def align(model: TopicModel, kinds=TOPIC_KINDS, min_score: float = MIN_SCORE) -> Alignment:
    """Match every problem unit to the plan units of the same report, by the cosine similarity of their
    topic weights (``topic``: do they speak of the same themes?) and of their TF-IDF vectors
    (``tfidf``: do they use the same words?).

    A problem unit is ``answered`` when its best plan unit reaches ``min_score`` in topic space (0.5:
    the two units put most of their weight on the same topics). It is a cut-off, not a test: the
    scores are in the tables, and the notebook shows where the cut falls among them. A report without
    plan units answers none of its problems.
    """
    check_is_fitted(model, "components_")
    docs = model.documents_
    if docs is None:
        raise ValueError("align needs a model fitted on a documents DataFrame (toolkit.topics.documents)")
    kinds = _check_kinds(kinds)
    if len(kinds) != 2:
        raise ValueError(f"align matches two kinds (problems, plans), not {kinds}")
    problem_kind, plan_kind = kinds
    kind, report = docs["kind"].to_numpy(), docs["report_id"].to_numpy()
    vectors = {"topic": _unit_rows(model.weights_), "tfidf": sp.csr_matrix(model.tfidf_)}
    pairs, rows = [], []
    for r in sorted(set(report)):
        problems = np.flatnonzero((report == r) & (kind == problem_kind))
        plans = np.flatnonzero((report == r) & (kind == plan_kind))
        if not len(problems):
            continue
        scores = {}
        for space, matrix in vectors.items():
            product = matrix[problems] @ matrix[plans].T
            scores[space] = product.toarray() if sp.issparse(product) else np.asarray(product)
        for i, p in enumerate(problems):
            pairs += [(r, int(p), int(q), float(scores["topic"][i, j]), float(scores["tfidf"][i, j]))
                      for j, q in enumerate(plans)]
            row = {"problem": int(p)}
            for space in SPACES:
                j = int(scores[space][i].argmax()) if len(plans) else None
                row[f"{space}_plan"] = int(plans[j]) if j is not None else -1
                row[f"{space}_score"] = float(scores[space][i, j]) if j is not None else np.nan
            rows.append(row)
    table = pd.DataFrame(rows, columns=ALIGN_COLUMNS[6:-1])
    cite = docs.loc[table["problem"], ALIGN_COLUMNS[:6]].reset_index(drop=True)
    table = pd.concat([cite, table], axis=1)
    table["answered"] = table["topic_score"] >= min_score
    pairs = pd.DataFrame(pairs, columns=["report_id", "problem", "plan", "topic", "tfidf"])
    return Alignment(problems=table[ALIGN_COLUMNS], pairs=pairs, documents=docs, kinds=kinds, min_score=min_score)


#: Below these the problems side is too thin to read (issue 14): units in all, and units per report.
MIN_PROBLEM_UNITS = 100
MIN_UNITS_PER_REPORT = 3
MIN_REPORTS = 20


def trust_notes(docs: pd.DataFrame, selection=None, alignment=None, kinds=TOPIC_KINDS, corpus=None) -> dict:
    """What a reader must know before trusting the topics: units and reports per kind, and warnings
    computed from the data (the same notes in ``toolkit topics --json`` and notebook 03).

    Returns ``{"units": {kind: n}, "reports": {kind: n}, "warnings": [str, …]}``. Warnings: fewer than
    :data:`MIN_PROBLEM_UNITS` problem units, or fewer than :data:`MIN_UNITS_PER_REPORT` per report with
    problems (topic shares then rest on a handful of paragraphs); fewer than :data:`MIN_REPORTS` reports
    (the bootstrap over reports has few distinct resamples); with a ``selection``, no k reaching the
    stability bar, and fits of the chosen k that did not converge; with an ``alignment``, a median under 5
    problem units per report and the reports with problems but no plans (left out of it); with the ``corpus``, what it left out on purpose
    (:attr:`toolkit.dataset.Corpus.notes`: duplicates, an export's folder)."""
    kinds = _check_kinds(kinds)
    units = {k: int((docs["kind"] == k).sum()) for k in kinds}
    reports = {k: int(docs.loc[docs["kind"] == k, "report_id"].nunique()) for k in kinds}
    warnings_ = []
    if "problems" in kinds:
        n, r = units["problems"], reports["problems"]
        if n < MIN_PROBLEM_UNITS or (r and n / r < MIN_UNITS_PER_REPORT):
            warnings_.append(f"the problems side is too thin to read: {n} problem units from {r} reports "
                             f"({n / r if r else 0:.1f} per report; below {MIN_PROBLEM_UNITS} units or "
                             f"{MIN_UNITS_PER_REPORT} per report, topic shares among problems rest on a handful of "
                             "paragraphs): read the intervals, not the points")
        if 0 < r < MIN_REPORTS:
            warnings_.append(f"problem units come from {r} reports: the bootstrap over reports has few distinct "
                             "resamples, so its intervals are rough")
    if selection is not None and selection.table_["stability"].max() < selection.min_stability:
        warnings_.append("no k reaches the stability bar: the topics change with the sample; treat them as "
                         "descriptive")
    if selection is not None and (note := selection.convergence_note()):
        warnings_.append(note)
    if alignment is not None:
        per_report = alignment.problems.groupby("report_id").size()
        if len(per_report) and per_report.median() < 5:
            warnings_.append(f"a median of {per_report.median():.0f} problem units per report: each alignment "
                             "is a few rows; an unanswered problem is one paragraph, not a pattern")
        if lonely := alignment.unaligned_reports():
            warnings_.append(f"{len(lonely)} report{'s' if len(lonely) != 1 else ''} with problem units but no plan "
                             f"unit left out of the alignment: {', '.join(lonely[:5])}"
                             + (f" and {len(lonely) - 5} more" if len(lonely) > 5 else ""))
    if corpus is not None:
        warnings_.extend(getattr(corpus, "notes", []))
    return {"units": units, "reports": reports, "warnings": warnings_}


#: The one default k selection of every entry point: the notebooks (:func:`select_topics`), the
#: ``topics`` and ``export`` commands and :func:`toolkit.export.build` all build it with
#: :func:`default_selection`, so the same corpus gives the same k and the same topics everywhere (and
#: the second of them reads the first one's fits from ``.cache/topics``).
DEFAULT_K_RANGE = range(2, 21)
#: Random 80% samples per k whose agreement with the model on all units measures stability.
DEFAULT_SAMPLES = 20
#: The ``random_state`` of the samples and the NMF fits.
DEFAULT_SEED = 0


def default_selection(k: int | None = None, k_range=None, *, n_samples: int = DEFAULT_SAMPLES,
                      random_state: int = DEFAULT_SEED, n_jobs: int | None = -1, cache: bool = True,
                      method: str = "auto", model: TopicModel | None = None) -> KSelection:
    """The unfitted :class:`KSelection` every entry point fits: k chosen by stability over ``k_range``
    (default :data:`DEFAULT_K_RANGE`, 2–20), the ks the data cannot carry left out and listed in
    ``skipped_`` (``clip``); or, with ``k``, that k alone (its stability still measured; a k larger than
    the data allow is an error). ``n_samples`` samples, ``random_state``, all cores (``n_jobs=-1``; the
    result does not depend on it), the fitted rankings cached in ``.cache/topics`` unless
    ``cache=False``; ``method`` and ``model`` (the TF-IDF and NMF settings): see :class:`KSelection`."""
    if k is not None and k_range is not None:
        raise ValueError("give k (one number of topics) or k_range (the ks to choose from), not both")
    ks = range(k, k + 1) if k is not None else (DEFAULT_K_RANGE if k_range is None else k_range)
    return KSelection(ks, n_samples=n_samples, n_jobs=n_jobs, random_state=random_state, clip=k is None,
                      memory=paths.CACHE_DIR / "topics" if cache else None, method=method, model=model)


def select_topics(docs: pd.DataFrame, k_range=None, *, k: int | None = None, n_samples: int = DEFAULT_SAMPLES,
                  random_state: int = DEFAULT_SEED, n_jobs: int | None = -1, cache: bool = True,
                  method: str = "auto") -> KSelection:
    """The k selection the notebooks use (03 and 04 must see the same model, and the ``topics`` and
    ``export`` commands the same one too): :func:`default_selection` fitted on ``docs``, k chosen by
    stability over ``k_range`` (default 2–20) with ``n_samples`` samples, all cores, ks the data cannot
    carry left out, and the fitted rankings cached in ``.cache/topics`` (so the second notebook reuses
    the first's fits). ``method``: see :class:`KSelection` (``"auto"``: the fast method from
    :data:`FAST_FROM` units on). Inside ``joblib.parallel_config(backend="dask")`` the fits run on the
    Dask cluster of the current ``dask.distributed.Client``."""
    return default_selection(k, k_range, n_samples=n_samples, random_state=random_state, n_jobs=n_jobs,
                             cache=cache, method=method).fit(docs)


# --------------------------------------------------------------------------- the export's tables
#: Top terms of a topic in the ``topics`` table.
TOP_TERMS = 10
_C = Column
#: The ``topics`` table of an export (one row per topic of the model). The codebook of :mod:`toolkit.export`
#: is generated from it.
TOPICS_SPEC = TableSpec(
    "topics", "主题模型", "topics", "one topic of the model (MANIFEST.json parameters.topics gives k and how it was "
    "chosen)", ("topic",), "toolkit.topics.KSelection, TopicModel", (
        _C("topic", "integer", "主题编号", "topic", "the topic's number, 0-based (unit_topics.topic_N)", "0…k-1",
           "toolkit.topics.TopicModel"),
        _C("label", "string", "主题标签", "label", "the topic's three top terms joined by ·", "", "TopicModel.labels_"),
        _C("terms", "string", "高频词", "top terms", f"the {TOP_TERMS} highest-weighted terms, joined by spaces, "
           "highest first", "", "TopicModel.top_term_lists"),
        _C("stability", "float", "稳定性", "stability", "mean average-Jaccard agreement of the topic's top terms with "
           "its match in models fitted on 80% samples (Greene et al. 2014); empty when a fitted model without its "
           "selection was given", "0–1", "toolkit.topics.KSelection"),
        _C("coherence", "float", "一致性", "coherence", "mean NPMI of the pairs of the topic's top terms, counted over "
           "the modelled units", "-1–1", "toolkit.topics.npmi_coherence")))
#: The ``unit_topics`` table of an export (one row per modelled unit), without its ``topic_0`` … columns
#: (:func:`topic_share_columns`, one per topic of the model). The codebook of :mod:`toolkit.export` is
#: generated from it.
UNIT_TOPICS_SPEC = TableSpec(
    "unit_topics", "单元主题权重", "unit topic weights", "one modelled unit (problems and plans by default; lead-ins "
    "and closings left out)", ("unit",), "toolkit.topics.TopicModel.unit_weights", (
        UNIT_REF_COLUMN,
        *map(UNITS_SPEC.column, ("report_id", "kind", "section_index", "unit_index", "start", "end")),
        _C("no_terms", "boolean", "无词", "no terms", "True when the unit has no term of the model's vocabulary (its "
           "shares are then empty)", "True, False", "TopicModel.unit_weights"),
        _C("dominant_topic", "integer", "主导主题", "dominant topic", "the topic with the largest share; empty when "
           "no_terms", "0…k-1", "argmax of topic_0…")))


def topic_share_columns(k: int, labels: list[str] | None = None) -> tuple[Column, ...]:
    """The columns ``topic_0`` … ``topic_{k-1}`` of ``unit_topics``."""
    return tuple(_C(f"topic_{t}", "float", f"主题{t}占比", f"share of topic {t}",
                    f"the unit's share of topic {t}" + (f" ({labels[t]})" if labels else "") + "; the shares of a "
                    "unit sum to 1; empty when no_terms", "0–1", "TopicModel.unit_weights(normalize=True)")
                 for t in range(k))


@dataclass
class TopicTables:
    """The topics of an export (:func:`topics_for_export`): the ``topics`` and ``unit_topics`` tables, the
    spec of ``unit_topics`` with its ``topic_N`` columns, the parameters (for MANIFEST.json), what a table's
    note says (no topics fitted, stability not measured, a fit that did not converge), and the fitted model
    (None when none could be fitted)."""

    topics: pd.DataFrame
    unit_topics: pd.DataFrame
    unit_topics_spec: TableSpec
    parameters: dict
    notes: dict
    model: TopicModel | None


def topics_for_export(corpus_units: pd.DataFrame, units: pd.DataFrame, tokenizer, *, model=None,
                      k: int | None = None, k_range=None, kinds=TOPIC_KINDS, n_samples: int = DEFAULT_SAMPLES,
                      random_state: int = DEFAULT_SEED, n_jobs: int | None = -1, cache: bool = True) -> TopicTables:
    """The ``topics`` and ``unit_topics`` tables of an export (:data:`TOPICS_SPEC`, :data:`UNIT_TOPICS_SPEC`).

    ``model`` is a fitted :class:`KSelection` (its chosen model, with each topic's stability) or
    :class:`TopicModel` (no stability: the column is empty and the note says so). Without one,
    :func:`default_selection` (the selection of the notebooks and of the ``topics`` command: the same corpus,
    the same k) is fitted on the units of ``kinds`` of ``corpus_units`` (``Corpus.units``, in corpus order,
    as the notebooks give them: the same rows, samples, fits and cache entry): k chosen by stability over
    ``k_range`` (default 2–20), or ``k`` alone (its stability from ``n_samples`` samples still measured); a
    corpus too small for it leaves both tables empty, with a note saying why. ``units``: the export's units
    table (:func:`toolkit.sections.units_for_export`), whose numbers the rows of ``unit_topics`` carry."""
    params: dict = {"kinds": list(kinds), "random_state": random_state}
    notes: dict[str, str] = {}
    selection = fitted = None
    if model is not None and hasattr(model, "k_") and hasattr(model, "model_"):
        selection, fitted = model, model.model_
    elif model is not None:
        if not isinstance(model, TopicModel):
            raise TypeError(f"model must be a fitted KSelection or TopicModel, not {type(model).__name__}")
        fitted = model
    else:
        try:
            unfitted = default_selection(k, k_range, n_samples=n_samples, random_state=random_state,
                                         n_jobs=n_jobs, cache=cache)
            ks = unfitted.k_range
            params.update({"k_range": [min(ks), max(ks)] if len(ks) else []})
            selection = unfitted.fit(documents(corpus_units, tokenizer, kinds=kinds))
            fitted = selection.model_
        except ValueError as e:
            notes["topics"] = notes["unit_topics"] = f"no topics fitted: {e}"
    if fitted is None:
        return TopicTables(TOPICS_SPEC.empty(), UNIT_TOPICS_SPEC.empty(), UNIT_TOPICS_SPEC, params, notes, None)
    k_fit = int(fitted.n_components)
    if selection is not None:
        topics = selection.topic_table(k_fit)
        topics["terms"] = [joined(t) for t in topics["terms"]]
        params.update({
            "k": k_fit, "k_rule": (f"fixed: k = {k_fit}, stability measured" if len(selection.table_) == 1
                                   else selection.rule_),
            "n_samples": int(selection.n_samples), "sample_fraction": float(selection.sample_fraction),
            "top_n": int(selection.top_n), "random_state": int(selection.random_state),
            "selection": [{key: (round(float(v), 6) if isinstance(v, float) else int(v)) for key, v in r.items()}
                          for r in selection.table_.to_dict("records")]})
        if k_fit == selection.k_ and (note := selection.convergence_note()):
            notes["topics"] = note
    else:
        binary = (fitted.tfidf_ > 0).astype(np.int32)
        topics = pd.DataFrame({"topic": range(k_fit), "label": fitted.labels_,
                               "terms": [joined(t) for t in fitted.top_term_lists(TOP_TERMS)],
                               "stability": np.nan,
                               "coherence": npmi_coherence(binary, top_indices(fitted.components_, TOP_TERMS))})
        params.update({"k": k_fit, "k_rule": "a fitted TopicModel was given: stability not measured",
                       "random_state": fitted.random_state})
        notes["topics"] = "stability not measured: a fitted TopicModel was given without its KSelection"
        if not fitted.converged_:
            notes["topics"] += f"; NMF did not converge in {fitted.max_iter} iterations for k = {k_fit}; {DETERMINISTIC}"
    params["model"] = dict(fitted.get_params())
    weights = fitted.unit_weights()
    shares = weights[list(range(k_fit))].to_numpy(float)
    no_terms = weights["no_terms"].to_numpy(bool)
    table = weights[["report_id", "kind", "section_index", "unit_index", "start", "end", "no_terms"]].copy()
    unit_no = dict(zip(zip(units["report_id"], units["section_index"], units["unit_index"]), units["unit"]))
    table.insert(0, "unit", [unit_no.get(key) for key in zip(table["report_id"], table["section_index"],
                                                              table["unit_index"])])
    if table["unit"].isna().any():
        raise ValueError("the topic model was fitted on units that are not this corpus's units")
    dominant = np.where(no_terms, -1, np.nan_to_num(shares, nan=-1).argmax(axis=1) if k_fit else -1)
    table["dominant_topic"] = pd.array(dominant, dtype="Int64")
    table.loc[no_terms, "dominant_topic"] = pd.NA
    for t in range(k_fit):
        table[f"topic_{t}"] = shares[:, t]
    spec = UNIT_TOPICS_SPEC.with_columns(topic_share_columns(k_fit, list(fitted.labels_)))
    return TopicTables(TOPICS_SPEC.typed(topics), spec.typed(table.sort_values("unit", kind="mergesort")), spec,
                       params, notes, fitted)
