"""Contrast two groups of units: which words are distinctive of each, and where themes are named.

- :func:`keyness`: per term, counts and rates in group A and group B, the log-odds ratio with an
  informative Dirichlet prior and its z-score (Monroe, Colaresi and Quinn 2008, "Fightin' Words:
  Lexical Feature Selection and Evaluation for Identifying the Content of Political Conflict",
  *Political Analysis* 16(4)), and Dunning's G² (log-likelihood) with its p-value.
- :func:`group_mask` reads a group: a boolean mask, or a spec string such as ``"kind=problems"``,
  ``"province=广东省"``, ``"level=county"``, ``"year=2019-2021"``, ``"theme=data_silos"`` (units naming
  that theme), ``"kind!=plans"``, joined with ``&`` (``"kind=problems&level=county"``); ``"rest"`` (as
  group B) means every unit not in A.
- :func:`place_prevalence` and :func:`level_prevalence`: theme (or topic) prevalence per province, or
  per level of government with a bootstrap interval over reports (figures: :mod:`toolkit.contrast_figures`).

Counting is done on a sparse unit × term matrix (:func:`count_matrix`): no Python loop over tokens. For
several contrasts on the same units, build it once (:func:`term_matrix`) and pass ``matrix=``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import erfc, xlogy

from .corpus import LEVELS
from .stats import percentile_interval, ratio_replicates, resample_clusters

#: Default ``min_count``: terms seen fewer times than this in A and B together are left out of the table
#: (they are still counted in the token totals and in the prior).
MIN_COUNT = 5
#: Default ``prior_scale``: the informative prior's pseudo-counts add up to this fraction of the tokens of
#: A and B together (α₀ = prior_scale × (n_A + n_B)); each term gets α_w = α₀ × its share of the prior
#: corpus. 0.1: the prior weighs as much as a tenth of the text compared, so it steadies rare terms and
#: barely moves frequent ones.
PRIOR_SCALE = 0.1
#: Rates are given per this many tokens of the group.
PER = 10_000
#: Columns of :func:`keyness`.
KEYNESS_COLUMNS = ["term", "count_a", "count_b", "count", "units_a", "units_b", "rate_a", "rate_b", "prior",
                   "log_odds", "se", "z", "g2", "p", "favours"]

_SPEC = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|=)\s*(.+?)\s*$")
_RANGE = re.compile(r"^(-?\d+)\s*-\s*(-?\d+)$")


# ---------------------------------------------------------------------- the matrix
def count_matrix(tokens) -> tuple[sp.csr_matrix, np.ndarray]:
    """Unit × term counts (CSR, int64) and the terms (sorted, so the same tokens give the same matrix).

    ``tokens`` is a sequence of token lists. The tokens are flattened once and coded with
    :func:`pandas.factorize` (hashing in C); the matrix is built from the codes."""
    lists = list(tokens)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
    codes, terms = pd.factorize(flat)  # by hashing; sorting the (few) terms afterwards is cheaper
    order = np.argsort(terms.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes, terms = rank[codes], terms[order]
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    matrix = sp.csr_matrix((np.ones(len(codes), dtype=np.int64), codes, indptr), shape=(len(lists), len(terms)))
    matrix.sum_duplicates()
    return matrix, np.asarray(terms, dtype=object)


@dataclass(frozen=True, eq=False)
class TermMatrix:
    """The counts of a units table, built once and reused by every contrast on the same units.

    ``counts``: unit × term (CSR, int64), rows in the order of the units table; ``terms``: sorted;
    ``totals``: each term's count over all units (the default prior). Build it with :func:`term_matrix` and pass it as
    ``keyness(units, a, b, matrix=tm)``: a contrast then costs two sparse products and a few vector
    operations (the counting of tokens, most of the cost of a single contrast, is done once)."""

    counts: sp.csr_matrix
    terms: np.ndarray
    totals: np.ndarray
    #: term × unit (CSR), each cell ``count + 2**32 × 1``: one sparse product with a group's 0/1 vector sums
    #: the group's counts (low 32 bits) and its units containing the term (high bits) at once, exactly, while
    #: a group has fewer than 2**32 tokens (:func:`term_matrix` checks the corpus has fewer).
    packed: sp.csr_matrix = field(repr=False)
    term_array: pd.api.extensions.ExtensionArray = field(repr=False)  # the terms as the table's text column

    @property
    def shape(self) -> tuple[int, int]:
        return self.counts.shape


def term_matrix(units_or_tokens, *, tokenizer=None) -> TermMatrix:
    """A :class:`TermMatrix` of a units table with ``tokens`` (or raw units/a Corpus with ``tokenizer``),
    or of a sequence of token lists. Its rows follow the table's rows, whatever its index."""
    data = units_or_tokens
    if hasattr(data, "units") and hasattr(data, "reports"):
        data = data.units
    tokens = _tokens_of(data, tokenizer) if isinstance(data, pd.DataFrame) else data  # row order, whatever the index
    counts, terms = count_matrix(tokens)
    if counts.data.sum() >= _PACK:
        raise ValueError(f"{counts.data.sum():,} tokens: a term matrix holds fewer than 2**32")
    packed = counts.T.tocsr()
    packed.data = packed.data + _PACK
    return TermMatrix(counts, terms, np.asarray(counts.sum(axis=0)).ravel(), packed,
                      pd.array(terms, dtype=pd.StringDtype(na_value=np.nan)))


_PACK = np.int64(2**32)
_FAVOURS = pd.array(["a", "b"], dtype=pd.StringDtype(na_value=np.nan))  # the text column's dtype (pandas' str)


def _group_sums(matrix: TermMatrix, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per term, the group's count and the number of its units containing the term (one sparse product)."""
    packed = matrix.packed @ mask.astype(np.int64)
    return packed % _PACK, packed // _PACK


# ---------------------------------------------------------------------- groups
def _units_and_reports(data, reports):
    if hasattr(data, "units") and hasattr(data, "reports"):  # a Corpus
        return data.units, data.reports if reports is None else reports
    if not isinstance(data, pd.DataFrame):
        raise TypeError("pass a units table (corpus.units or toolkit.topics.documents) or a Corpus")
    return data, reports


def _values(units: pd.DataFrame, column: str, reports: pd.DataFrame | None) -> pd.Series:
    if column in units.columns:
        return units[column].reset_index(drop=True)
    if reports is not None and column in reports.columns and "report_id" in units.columns:
        return units["report_id"].map(reports.drop_duplicates("report_id").set_index("report_id")[column]
                                      ).reset_index(drop=True)
    where = "the units" + ("" if reports is None else " or the reports")
    hint = "" if reports is not None else " (pass reports=corpus.reports for report metadata)"
    raise ValueError(f"no column {column!r} in {where}{hint}")


def _theme_mask(units: pd.DataFrame, theme: str, matches: pd.DataFrame | None) -> np.ndarray:
    key = ["report_id", "section_index", "unit_index"]
    missing = set(key) - set(units.columns)
    if missing:
        raise ValueError(f"a theme group needs units with {key}; these lack {sorted(missing)}")
    if matches is None:
        from .themes import find_matches, load_lexicon

        lexicon = load_lexicon()
        if theme not in lexicon:
            raise ValueError(f"unknown theme {theme!r}; themes: {', '.join(lexicon.ids)}")
        if "text" not in units.columns:
            raise ValueError("a theme group needs the units' text, or matches=toolkit.themes.find_matches(...)")
        matches = find_matches(units, lexicon, themes=[theme])
    hit = matches.loc[matches["theme"] == theme, key].drop_duplicates()
    index = pd.MultiIndex.from_frame(units[key])
    return index.isin(pd.MultiIndex.from_frame(hit)) if len(hit) else np.zeros(len(units), bool)


def _condition(units, spec: str, reports, matches) -> np.ndarray:
    found = _SPEC.match(spec)
    if not found:
        raise ValueError(f"a group is a boolean mask or 'column=value' (e.g. 'kind=problems', "
                         f"'year=2019-2021', 'theme=data_silos'), not {spec!r}")
    column, op, value = found.groups()
    if column == "theme":
        mask = _theme_mask(units, value, matches)
    else:
        values = _values(units, column, reports)
        span = _RANGE.match(value)
        if span and column == "year":
            low, high = sorted(int(v) for v in span.groups())
            years = pd.to_numeric(values, errors="coerce")
            mask = ((years >= low) & (years <= high)).to_numpy(bool)
        else:
            wanted = [v.strip() for v in value.split(",")]
            if values.dtype != object and pd.api.types.is_string_dtype(values.dtype):  # text already
                mask = values.isin(wanted).to_numpy(bool, na_value=False)
            else:
                as_text = values.astype(object).where(values.notna(), "").astype(str)
                mask = as_text.isin(wanted).to_numpy(bool)
    return ~mask if op == "!=" else mask


def group_mask(units, spec, *, reports: pd.DataFrame | None = None, matches: pd.DataFrame | None = None
               ) -> np.ndarray:
    """The units of a group, as a boolean array over the rows of ``units``.

    ``spec`` is a boolean mask (array or Series, one value per unit) or a string: ``column=value``
    (several values: ``kind=problems,plans``), ``column!=value``, ``year=2019-2021`` (inclusive),
    ``theme=<id>`` (units with a match of that theme: ``matches`` from :func:`toolkit.themes.find_matches`;
    not given, the project's lexicon is searched in the units' text, so a theme of your own needs its
    ``matches``), several conditions joined by ``&``. A column that the
    units lack is looked up in ``reports`` (``corpus.reports``) by ``report_id``."""
    units, reports = _units_and_reports(units, reports)
    if isinstance(spec, str):
        mask = np.ones(len(units), bool)
        for part in spec.split("&"):
            mask &= _condition(units, part, reports, matches)
        return mask
    mask = np.asarray(spec)
    if mask.dtype != bool or mask.shape != (len(units),):
        raise ValueError(f"a group mask must be {len(units)} booleans (one per unit), got {mask.dtype} {mask.shape}")
    return mask


# ---------------------------------------------------------------------- keyness
def _tokens_of(units: pd.DataFrame, tokenizer) -> list:
    if "tokens" in units.columns:
        return list(units["tokens"])
    if tokenizer is None:
        raise ValueError("units have no 'tokens' column: pass tokenizer=toolkit.tokenize.Tokenizer() "
                         "(or toolkit.topics.documents(units, tokenizer))")
    return tokenizer.tokenize_many(units["text"])


def _prior_counts(prior, counts_all: np.ndarray, counts_ab: np.ndarray, terms: np.ndarray) -> np.ndarray:
    if isinstance(prior, str):
        if prior == "corpus":
            return counts_all.astype(float)
        if prior == "groups":
            return counts_ab.astype(float)
        if prior == "uniform":
            return np.ones(len(terms))
        raise ValueError(f"prior is 'corpus', 'groups', 'uniform' or term counts, not {prior!r}")
    given = pd.Series(prior, dtype=float)
    return given.reindex(terms).fillna(0).to_numpy() + 0.0


def keyness(units_or_tokens, group_a, group_b="rest", *, tokenizer=None, reports: pd.DataFrame | None = None,
            matches: pd.DataFrame | None = None, prior="corpus", prior_scale: float = PRIOR_SCALE,
            min_count: int = MIN_COUNT, matrix: TermMatrix | None = None,
            exclude_boilerplate: bool = False) -> pd.DataFrame:
    """Which terms are distinctive of group A against group B: one row per term, most A-ish first.

    ``units_or_tokens``: a units table with a ``tokens`` column (:func:`toolkit.topics.documents`,
    :meth:`toolkit.tokenize.Tokenizer.tokenize_units`), or raw units (``corpus.units``) or a Corpus with
    ``tokenizer``. ``group_a``/``group_b``: see :func:`group_mask` (``"rest"``: every unit not in A);
    the groups must not overlap.

    Method (Monroe, Colaresi and Quinn 2008, eqs. 16, 18–22). With y_aw, y_bw the counts of term w and
    n_a, n_b the tokens of the groups, the prior pseudo-counts are α_w = α₀ · c_w / Σc, where c are the
    counts of ``prior`` — ``"corpus"`` (default: every unit passed in, whether in A, B or neither),
    ``"groups"`` (A and B), ``"uniform"``, or a mapping term → count — and α₀ = ``prior_scale`` ·
    (n_a + n_b) (:data:`PRIOR_SCALE` = 0.1). Then

        log_odds = log((y_aw+α_w) / (n_a+α₀−y_aw−α_w)) − log((y_bw+α_w) / (n_b+α₀−y_bw−α_w))
        se = sqrt(1/(y_aw+α_w) + 1/(y_bw+α_w)),   z = log_odds / se.

    ``g2`` is the log-likelihood ratio of the 2 × 2 table (term, other tokens) × (A, B),
    2 Σ O ln(O/E), and ``p`` its upper tail under χ² with 1 degree of freedom (no correction for the
    number of terms tested). ``favours`` is "a" or "b" (the sign of ``log_odds``).

    Columns :data:`KEYNESS_COLUMNS`: counts, ``count`` = count_a + count_b, ``units_a``/``units_b``
    (units containing the term), rates per :data:`PER` tokens, ``prior`` (α_w). Terms with ``count``
    below ``min_count`` (:data:`MIN_COUNT` = 5) are left out, and so are terms neither counted nor in the
    prior (a ``"groups"`` or given prior gives a term no pseudo-count: absent from one group, its z is
    NaN and its log-odds infinite; the default prior has none such); ties in z are broken by term, so the order
    is deterministic. ``table.attrs`` holds the groups, their units and tokens, α₀ and the prior.

    ``matrix``: a :class:`TermMatrix` of the same units (:func:`term_matrix`), so that several contrasts
    count the tokens once; without it the tokens are counted on each call. The numbers are the same.

    ``exclude_boilerplate``: leave out of both groups the units whose sentences are mostly found in other
    bodies' reports (:func:`toolkit.boilerplate.is_boilerplate`), so that the terms a genre's template
    repeats do not look distinctive; the corpus prior still counts every unit.
    """
    units, reports = _units_and_reports(units_or_tokens, reports)
    units = units.reset_index(drop=True)
    mask_a = group_mask(units, group_a, reports=reports, matches=matches)
    if isinstance(group_b, str) and group_b.strip() == "rest":
        mask_b = ~mask_a
    else:
        mask_b = group_mask(units, group_b, reports=reports, matches=matches)
    if exclude_boilerplate:
        from .boilerplate import is_boilerplate

        own = ~is_boilerplate(units)
        mask_a, mask_b = mask_a & own, mask_b & own
    if (mask_a & mask_b).any():
        raise ValueError(f"the groups share {int((mask_a & mask_b).sum())} units; contrast disjoint groups")
    if not mask_a.any() or not mask_b.any():
        raise ValueError(f"group {'A' if not mask_a.any() else 'B'} has no units")
    if int(min_count) < 0 or not prior_scale > 0:
        raise ValueError("min_count must be ≥ 0 and prior_scale > 0")
    if matrix is None:
        matrix = term_matrix(units, tokenizer=tokenizer)
    elif not isinstance(matrix, TermMatrix) or matrix.shape[0] != len(units):
        raise ValueError(f"matrix= is a TermMatrix of these {len(units)} units (toolkit.contrast.term_matrix"
                         f"(units)), got {type(matrix).__name__} with {getattr(matrix, 'shape', ('?',))[0]} rows")
    # group sums as sparse products (term × unit) · (unit × 2 masks): no row slicing, no copy of the matrix
    # one product per group (faster than a 2-column product) gives both sums, packed (see TermMatrix.packed)
    (y_a, d_a), (y_b, d_b) = _group_sums(matrix, mask_a), _group_sums(matrix, mask_b)
    n_a, n_b = int(y_a.sum()), int(y_b.sum())
    if n_a == 0 or n_b == 0:
        raise ValueError(f"group {'A' if n_a == 0 else 'B'} has no tokens")
    c = _prior_counts(prior, matrix.totals, y_a + y_b, matrix.terms)
    if c.sum() <= 0 or (c < 0).any():
        raise ValueError("the prior needs non-negative counts with a positive total")
    alpha0 = float(prior_scale) * (n_a + n_b)
    alpha = alpha0 * c / c.sum()
    count = y_a + y_b
    keep = np.flatnonzero((count >= int(min_count)) & ((count > 0) | (alpha > 0)))  # before the arithmetic
    y_a, y_b, alpha = y_a[keep], y_b[keep], alpha[keep]
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero prior on a term one group lacks: ±inf, NaN z
        log_odds, se = _log_odds(y_a, y_b, n_a, n_b, alpha, alpha0)
        z = log_odds / se
    # most A-ish first; the terms are sorted, so a stable sort on −z breaks ties by term (NaN z last)
    order = np.argsort(-z, kind="stable")
    rows = keep[order]
    y_a, y_b, alpha, log_odds, se, z = (v[order] for v in (y_a, y_b, alpha, log_odds, se, z))
    g2 = _g2(y_a, y_b, n_a, n_b)
    table = pd.DataFrame({
        "term": matrix.term_array.take(rows), "count_a": y_a, "count_b": y_b, "count": count[rows],
        "units_a": d_a[rows], "units_b": d_b[rows], "rate_a": y_a / n_a * PER, "rate_b": y_b / n_b * PER,
        "prior": alpha, "log_odds": log_odds, "se": se, "z": z, "g2": g2, "p": erfc(np.sqrt(g2 / 2)),
        "favours": _FAVOURS.take((log_odds < 0).view(np.int8))}, copy=False)
    table.attrs = {"a": _describe(group_a), "b": _describe(group_b), "exclude_boilerplate": bool(exclude_boilerplate),
                   "units_a": int(mask_a.sum()),
                   "units_b": int(mask_b.sum()), "tokens_a": n_a, "tokens_b": n_b, "alpha0": alpha0,
                   "prior": prior if isinstance(prior, str) else "given", "min_count": int(min_count)}
    return table


def _describe(spec) -> str:
    return spec if isinstance(spec, str) else "mask"


def _log_odds(y_a, y_b, n_a, n_b, alpha, alpha0):
    a, b = y_a + alpha, y_b + alpha
    log_odds = np.log(a / (n_a + alpha0 - a)) - np.log(b / (n_b + alpha0 - b))
    return log_odds, np.sqrt(1 / a + 1 / b)


def _g2(y_a, y_b, n_a, n_b):
    """G² of the 2 × 2 tables [[y_a, y_b], [n_a − y_a, n_b − y_b]], one per term (0·ln 0 = 0).

    2 Σ O ln(O/E) with E = row × column / n, written as 2 (Σ O ln O − Σ row ln row − Σ col ln col + n ln n)."""
    y_a, y_b = np.asarray(y_a, float), np.asarray(y_b, float)
    n = n_a + n_b
    row = y_a + y_b
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = xlogy(y_a, y_a) + xlogy(y_b, y_b) + xlogy(n_a - y_a, n_a - y_a) + xlogy(n_b - y_b, n_b - y_b)
        margins = xlogy(row, row) + xlogy(n - row, n - row) + xlogy(n_a, n_a) + xlogy(n_b, n_b) - xlogy(n, n)
    return np.maximum(2 * (cells - margins), 0.0)


def top_terms(table: pd.DataFrame, n: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` most distinctive terms of each side of a :func:`keyness` table (z > 0 for A, < 0 for B)."""
    a = table[table["z"] > 0].nlargest(n, "z", keep="first")
    b = table[table["z"] < 0].nsmallest(n, "z", keep="first")
    return a, b


# ---------------------------------------------------------------------- places and levels
PLACE_COLUMNS = ["key", "place", "reports", "units", "units_matched", "share"]


def _key_column(table: pd.DataFrame) -> str:
    for key in ("theme", "topic"):
        if key in table.columns:
            return key
    raise ValueError("a prevalence table has a 'theme' (toolkit.themes.theme_prevalence) or 'topic' column "
                     "(topic_prevalence_table)")


def topic_prevalence_table(weights: pd.DataFrame, labels=None) -> pd.DataFrame:
    """Topic shares per unit (:meth:`toolkit.topics.TopicModel.unit_weights`) summed per topic, report and
    kind, in the shape of :func:`toolkit.themes.theme_prevalence`: ``units_matched`` is the sum of the topic's
    shares (the expected number of units about it), ``share`` = units_matched / units (the mean share)."""
    topics = [c for c in weights.columns if isinstance(c, (int, np.integer))]
    data = weights[~weights["no_terms"]] if "no_terms" in weights.columns else weights
    sums = data.groupby(["report_id", "kind"], sort=True)[topics].sum()
    sizes = data.groupby(["report_id", "kind"], sort=True).size()
    long = sums.stack().rename("units_matched").reset_index().rename(columns={"level_2": "topic"})
    long["units"] = long.set_index(["report_id", "kind"]).index.map(sizes)
    long["share"] = long["units_matched"] / long["units"]
    if labels is not None:
        long["topic"] = long["topic"].map(lambda t: labels[t])
    return long[["topic", "report_id", "kind", "units_matched", "units", "share"]]


def _with(table: pd.DataFrame, reports: pd.DataFrame, column: str, kinds) -> pd.DataFrame:
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        table = table[table["kind"].isin(kinds)]
    meta = reports.drop_duplicates("report_id").set_index("report_id")
    missing = set(table["report_id"]) - set(meta.index)
    if missing:
        raise ValueError(f"reports {sorted(missing)[:5]} are not in the reports table")
    if column not in meta.columns:
        raise ValueError(f"the reports have no {column!r} column")
    return table.assign(place=table["report_id"].map(meta[column]))


def place_prevalence(table: pd.DataFrame, reports: pd.DataFrame, by: str = "province",
                     kinds=None) -> pd.DataFrame:
    """Theme (or topic) prevalence per place: ``table`` is :func:`toolkit.themes.theme_prevalence` (or
    :func:`topic_prevalence_table`), ``reports`` gives each report's ``by`` (``province`` by default).
    Pooled over the reports of a place and the section ``kinds`` (default: all in the table):
    ``share`` = units matched / units. Columns :data:`PLACE_COLUMNS` (``key``: the theme or topic).
    Reports without a place are left out."""
    key = _key_column(table)
    data = _with(table, reports, by, kinds).dropna(subset=["place"])
    out = data.groupby([key, "place"], sort=True).agg(
        reports=("report_id", "nunique"), units=("units", "sum"), units_matched=("units_matched", "sum")
    ).reset_index().rename(columns={key: "key"})
    out["share"] = out["units_matched"] / out["units"].where(out["units"] > 0)
    return out[PLACE_COLUMNS]


LEVEL_COLUMNS = ["key", "level", "reports", "units", "units_matched", "share", "low", "high"]


def level_prevalence(table: pd.DataFrame, reports: pd.DataFrame, kinds=None, by: str = "level",
                     n_boot: int = 1000, ci: float = 0.95, random_state: int = 0) -> pd.DataFrame:
    """Theme (or topic) prevalence by level of government (``by``: any report column), with a
    percentile bootstrap interval that resamples the *reports* of each level (the units of a report are
    not independent): ``share`` = Σ units matched / Σ units over the level's reports; ``low``/``high``
    NaN for a level with fewer than two reports. Levels in the order of :data:`toolkit.corpus.LEVELS`, then others."""
    key = _key_column(table)
    data = _with(table, reports, by, kinds).dropna(subset=["place"])
    per_report = data.groupby([key, "place", "report_id"], sort=True)[["units", "units_matched"]].sum()
    rng = np.random.default_rng(random_state)
    places = sorted(data["place"].unique(), key=lambda p: (LEVELS.index(p) if p in LEVELS else len(LEVELS), str(p)))
    keys = list(dict.fromkeys(data[key]))
    rows = []
    for place in places:
        part = per_report.xs(place, level="place")
        report_ids = sorted(part.index.get_level_values("report_id").unique())
        weights = resample_clusters(len(report_ids), n_boot, rng)  # one draw of the reports for every key
        for k in keys:
            cell = part.xs(k, level=key).reindex(report_ids, fill_value=0) if k in part.index.get_level_values(key) \
                else pd.DataFrame({"units": 0, "units_matched": 0.0}, index=report_ids)
            units, matched = cell["units"].to_numpy(float), cell["units_matched"].to_numpy(float)
            share = matched.sum() / units.sum() if units.sum() else np.nan
            low = high = np.nan
            if len(report_ids) >= 2:
                low, high = percentile_interval(ratio_replicates(weights, matched, units), ci)
            rows.append({"key": k, "level": place, "reports": len(report_ids), "units": int(units.sum()),
                         "units_matched": matched.sum(), "share": share, "low": low, "high": high})
    return pd.DataFrame(rows, columns=LEVEL_COLUMNS)
