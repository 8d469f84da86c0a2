"""Promise follow-through: did the review of year *t* take up what the plans for year *t* promised?

>>> pairs(corpus)                                   # government × year: the planning and the reviewing report
>>> table = follow_through(corpus, lexicon=lexicon) # one row per plan unit: best evidence, scores, label
>>> by_theme(table, lexicon)                        # share followed through per theme, bootstrap interval
>>> by_topic(table, model)                          # ... per dominant topic of a fitted TopicModel
>>> topic_prevalence_by_year(model.unit_weights(), corpus.reports)   # topics over time, with intervals

**Pairs.** A report's ``year`` is the year it reviews; its plans are for ``year + 1`` (as in
:mod:`toolkit.targets`). For each government (level and name) and year *t*, the *planning* report is
the one whose year is *t − 1*, the *reviewing* report the one whose year is *t*; where a year has
several reports the first report id in sort order is used (as :func:`toolkit.targets.ledger` does) and
``note`` says so. A pair needs plan units in the first and achievement units in the second.

**Matching.** Every plan unit of the planning report is compared with every achievement unit of the
reviewing report (lead-ins and closing promises, :data:`toolkit.topics.FRAMING_ROLES`, are left out on
both sides):

- ``tfidf``: the cosine of their TF-IDF vectors (sublinear tf, fitted on the units of that pair only,
  tokens from :class:`toolkit.tokenize.Tokenizer`); the achievement unit with the highest cosine is the
  evidence quoted (``evidence_report``, ``evidence_start``, ``evidence_end``, ``evidence_text``);
- ``themes``: the lexicon's themes (:mod:`toolkit.themes`, matched on the text) the plan unit names and
  the evidence unit names too; ``shared_themes`` is the list, ``review_themes`` those the plan unit names
  that any achievement unit of the review names;
- ``topic`` (only with a fitted :class:`toolkit.topics.TopicModel`): the cosine of the topic weights of
  the plan unit and of its evidence unit, and the plan unit's dominant topic (not used by the label);
- against the *whole* review (:func:`evidence`): ``numbers`` (a measured quantity of the plan, 新建5G基站
  1万个, named with a number in the review: 新建5G基站1.2万个), ``entities`` (a named project, place or
  rule of the plan named in the review), ``concreteness`` (the figures in the three review units that
  share most character trigrams with the plan unit) and ``vectors`` (the best cosine of mean word
  vectors, :func:`load_vectors`: trained on the MIT municipal and provincial corpora, shipped in
  ``data/vectors/`` with their build script and sha256).

**Labels** (:func:`label_unit`, weights :data:`COEFFICIENTS`): two logistic scores over that evidence (plus
whether the evidence unit holds a figure, and whether the plan unit is an address, lead-in or closing
that promises nothing), fitted on the ``tune`` half of ``tests/gold/followthrough200.csv`` (200 plan
units of 41 government-year pairs, each read against the whole review by the codebook
``docs/05-codebook.md``). ``reported`` where the reported score is ≥ 0, else ``weak`` where the
mentioned score is ≥ 0, else ``not_mentioned``.

**Agreement** (docs/05-over-time.md; recomputed by ``tests/test_followthrough.py``): on the 100 held-out
``test`` units, 69% of labels agree with the reader's, Cohen's kappa 0.47 (the old TF-IDF rule: 33%,
kappa 0.07). Which evidence to keep was decided by this held-out kappa, as the issue asked, so the
figure is slightly optimistic; and one reader labelled the gold (the inter-coder kappa is pending). A
label is a pointer to the quotes, not a measurement: most errors are reported/weak confusions (a review
that restates a promise in general words against one that reports it done). Read the evidence before
citing a label.

**Intervals.** :func:`by_theme` and :func:`by_topic` resample government-year *pairs* with replacement
(the plan units of one pair are not independent), ``n_boot`` draws (1,000) from
``numpy.random.default_rng(random_state)``, percentile interval (:mod:`toolkit.stats`).
:func:`topic_prevalence_by_year` and :func:`toolkit.themes.prevalence_by_year_ci` resample reports within
a year with at least two reports, and give a Wilson score interval over units for a year with one report
(units taken as independent: narrower than the truth; :func:`toolkit.stats.year_intervals`).
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from . import paths
from .schema import Column, TableSpec, joined
from .stats import percentile_interval, ratio_replicates, resample_clusters, year_intervals
from .topics import FRAMING_ROLES

#: The word vectors (data/vectors/wordvectors.npz, built by data/vectors/build_vectors.py from the MIT
#: municipal-2024 and provincial-2025 corpora) and the file holding their sha256.
VECTORS = paths.DATA_DIR / "vectors" / "wordvectors.npz"
VECTORS_SHA256 = paths.DATA_DIR / "vectors" / "wordvectors.sha256"
#: A plan unit shorter than this (characters: 各位代表！) promises nothing.
SHORT_CHARS = 12
#: The evidence of a plan unit (:func:`evidence`) and the weight of each in the two decisions of
#: :func:`label_unit`: is the unit taken up at all (``mentioned``: weak or reported), is it ``reported``.
#: Two logistic regressions (scikit-learn, C = 3 chosen by 5-fold cross-validation within the half),
#: fitted on the 100 ``tune`` units of tests/gold/followthrough200.csv (label_a) on standardised
#: features and written back on the raw scale; a unit is reported where the ``reported`` score is
#: ≥ 0, else weak where the ``mentioned`` score is ≥ 0, else not_mentioned. tests/gold/followthrough_fit.py
#: refits them and prints each evidence variant's held-out agreement.
EVIDENCE = ("tfidf", "shared", "inrev", "short", "frame", "numbers", "entities", "concreteness",
            "evidence_digits", "vectors")
COEFFICIENTS = {
    "mentioned": {"intercept": -8.5853, "tfidf": 7.912283, "shared": 1.848042, "inrev": -1.070387,
                  "short": -11.927554, "frame": 0.277879, "numbers": 2.430681, "entities": -0.437268,
                  "concreteness": -0.049954, "evidence_digits": 1.189589, "vectors": 10.061484},
    "reported": {"intercept": -2.590798, "tfidf": 8.901051, "shared": 2.9958, "inrev": -0.68509,
                 "short": -9.65767, "frame": 1.258148, "numbers": 0.355656, "entities": 0.123327,
                 "concreteness": 0.210725, "evidence_digits": 1.333446, "vectors": -0.40871},
}
FOLLOW_LABELS = ("reported", "weak", "not_mentioned")

PAIR_COLUMNS = ["level", "government", "agency", "year", "plan_report", "review_report", "plan_units", "review_units",
                "note"]
_C = Column
#: The ``follow_through`` table (:func:`follow_through`), as exported (its lists of themes space-joined). The
#: codebook of :mod:`toolkit.export` is generated from it.
FOLLOW_THROUGH_SPEC = TableSpec(
    "follow_through", "承诺落实", "promise follow-through", "one plan unit of year t-1's report against the review "
    "of year t", ("level", "government", "year", "section_index", "unit_index"),
    "toolkit.followthrough.follow_through", (
        _C("level", "string", "行政级别", "level of government", "the government's level",
           "national, province, prefecture, county", ""),
        _C("government", "string", "政府", "government", "the government", "", ""),
        _C("year", "integer", "年份", "year", "the year promised for and reviewed", "a year", ""),
        _C("plan_report", "string", "计划报告", "plan report", "the report whose plans hold the unit", "",
           "toolkit.followthrough.pairs"),
        _C("section_index", "integer", "部分序号", "section index", "the plan unit's section", "≥ 0", ""),
        _C("unit_index", "integer", "单元序号(部分内)", "unit index in section", "the plan unit", "≥ 0", ""),
        _C("start", "integer", "起始位置", "start offset", "the plan unit's start in plan_report", "≥ 0", ""),
        _C("end", "integer", "结束位置", "end offset", "the plan unit's end", "", ""),
        _C("text", "string", "计划原文", "plan text", "the plan unit's words", "", ""),
        _C("tfidf", "float", "TF-IDF相似度", "TF-IDF cosine", "cosine with the best achievement unit of the review",
           "0–1", "toolkit.followthrough.follow_through"),
        _C("numbers", "boolean", "数量匹配", "number match", "a measured quantity of the plan unit (新建5G基站1万个) is "
           "named with a number in the review", "True, False", "toolkit.followthrough.evidence"),
        _C("entities", "boolean", "名称匹配", "named-thing match", "a named project, place or rule of the plan unit is "
           "named in the review", "True, False", "toolkit.followthrough.evidence"),
        _C("concreteness", "float", "具体程度", "concreteness", "log(1 + digits) of the three review units sharing "
           "most character trigrams with the plan unit", "≥ 0", "toolkit.followthrough.evidence"),
        _C("vectors", "float", "词向量相似度", "word-vector cosine", "best cosine of mean word vectors (data/vectors) "
           "with a review unit", "-1–1", "toolkit.followthrough.load_vectors"),
        _C("topic", "float", "主题相似度", "topic cosine", "cosine of the topic weights of the unit and its evidence "
           "(the exported model)", "0–1", ""),
        _C("dominant_topic", "integer", "主导主题", "dominant topic", "the plan unit's dominant topic; -1 when it has "
           "none", "-1…k-1", ""),
        _C("plan_themes", "string", "计划主题", "plan themes", "themes the plan unit names, space-joined", "theme ids",
           ""),
        _C("shared_themes", "string", "共同主题", "shared themes", "of those, the themes the evidence unit names too, "
           "space-joined", "theme ids", ""),
        _C("review_themes", "string", "回顾中主题", "themes in review", "of those, the themes any achievement unit of "
           "the review names, space-joined", "theme ids", ""),
        _C("evidence_report", "string", "证据报告", "evidence report", "the reviewing report", "", ""),
        _C("evidence_section", "integer", "证据部分序号", "evidence section", "the evidence unit's section", "≥ 0", ""),
        _C("evidence_unit", "integer", "证据单元序号", "evidence unit", "the evidence unit within it", "≥ 0", ""),
        _C("evidence_start", "integer", "证据起始位置", "evidence start", "its start offset", "≥ 0", ""),
        _C("evidence_end", "integer", "证据结束位置", "evidence end", "its end offset", "", ""),
        _C("evidence_text", "string", "证据原文", "evidence text", "the evidence unit's words", "", ""),
        _C("label", "string", "落实判断", "label", "the evidence's reading, fitted on a hand-labelled gold "
           "(docs/05-over-time.md: held-out kappa 0.47; a pointer to the quotes, not a measurement)",
           ", ".join(FOLLOW_LABELS), "toolkit.followthrough.label_unit")))
#: The columns of :func:`follow_through` (:data:`FOLLOW_THROUGH_SPEC`).
FOLLOW_COLUMNS = FOLLOW_THROUGH_SPEC.names
SHARE_COLUMNS = ["group", "label", "plan_units", "pairs", "reported", "weak", "not_mentioned", "share", "low", "high"]


def _content(units: pd.DataFrame, kind: str) -> pd.DataFrame:
    part = units[units["kind"] == kind]
    if "role" in part.columns:
        part = part[~part["role"].isin(FRAMING_ROLES)]
    return part


def pairs(corpus) -> pd.DataFrame:
    """Every government-year *t* with a report planning it (year *t − 1*, plan units) and a report
    reviewing it (year *t*, achievement units): ``level``, ``government``, ``year``, ``plan_report``,
    ``review_report``, ``plan_units``, ``review_units`` (content units: framing left out) and ``note``
    (a duplicated year, and which report was used). A body's reports pair with the same body's reports of
    the same genre (莆田市审计局's 法治政府建设 report of 2020 with its report of 2021, not with another bureau
    of 莆田市, nor with its own work summary); a government's 政府工作报告 with its own."""
    columns = [c for c in ("report_id", "level", "government", "agency", "genre", "year") if c in corpus.reports]
    reports = corpus.reports[columns].copy()
    reports["year"] = pd.to_numeric(reports["year"], errors="coerce")
    reports = reports.dropna(subset=["year"])
    plans = _content(corpus.units, "plans").groupby("report_id").size()
    achieved = _content(corpus.units, "achievements").groupby("report_id").size()
    rows = []
    body = reports["agency"] if "agency" in reports else pd.Series("", index=reports.index)
    genre = reports["genre"] if "genre" in reports else pd.Series("", index=reports.index)
    key = [reports["level"].fillna(""), reports["government"].fillna(""), body.fillna(reports["government"]).fillna(""),
           genre.fillna("")]
    for (level, government, agency, _), group in reports.groupby(key, sort=True):
        by_year = {int(y): sorted(g["report_id"]) for y, g in group.groupby("year")}
        for t in sorted(by_year):
            if t - 1 not in by_year:
                continue
            planning, reviewing = by_year[t - 1], by_year[t]
            p, r = planning[0], reviewing[0]
            if plans.get(p, 0) == 0 or achieved.get(r, 0) == 0:
                continue
            notes = [f"{len(ids)} reports for {y}; used {ids[0]}" for y, ids in ((t - 1, planning), (t, reviewing))
                     if len(ids) > 1]
            rows.append({"level": level, "government": government, "agency": agency, "year": t, "plan_report": p,
                         "review_report": r,
                         "plan_units": int(plans[p]), "review_units": int(achieved[r]), "note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num((a @ b.T) / (na * nb.T))


class VectorsError(ValueError):
    """Word vectors that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class WordVectors:
    """Unit-length word vectors: ``index`` word → row of ``vectors``."""

    index: dict
    vectors: np.ndarray

    def mean(self, tokens) -> np.ndarray:
        """The unit-length mean of the vectors of the tokens it knows (zeros when it knows none)."""
        rows = [self.index[t] for t in tokens if t in self.index]
        if not rows:
            return np.zeros(self.vectors.shape[1], np.float32)
        v = self.vectors[rows].mean(axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n else v


_VECTORS: dict = {}


def load_vectors(path: str | Path = VECTORS, sha256: str | Path | None = VECTORS_SHA256) -> WordVectors:
    """The word vectors of ``path`` (a ``.npz`` of ``words`` and ``vectors``, read without pickles),
    after checking its sha256 against the first word of ``sha256`` (a file); cached per path."""
    path = Path(path)
    if path in _VECTORS:
        return _VECTORS[path]
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise VectorsError(f"{path}: no such word-vector file (data/vectors/build_vectors.py makes it)") from None
    if sha256 is not None:
        want = Path(sha256).read_text(encoding="utf-8").split()[0]
        got = hashlib.sha256(blob).hexdigest()
        if got != want:
            raise VectorsError(f"{path}: sha256 {got} is not the {want} of {sha256}; rebuild it with "
                               "data/vectors/build_vectors.py")
    try:
        with np.load(path, allow_pickle=False) as data:
            words, vectors = list(data["words"]), data["vectors"].astype(np.float32)
    except (ValueError, KeyError, OSError) as e:
        raise VectorsError(f"{path}: not a word-vector file ({e})") from None
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise VectorsError(f"{path}: {len(words)} words but vectors of shape {vectors.shape}")
    _VECTORS[path] = WordVectors({str(w): i for i, w in enumerate(words)}, vectors)
    return _VECTORS[path]


_CJK = re.compile(r"[\u4e00-\u9fff]+")
_DIGIT = re.compile(r"\d")
#: A measured quantity in a plan (新建5G基站1万个: the words before the number are its head, 5G基站).
_MEASURE = re.compile(r"([\u4e00-\u9fff]{2,4})(?:\d+(?:\.\d+)?|[一二三四五六七八九十两百千万亿]+)(?:万|亿)?"
                      r"(?:个|公里|万人|亿元|元|户|套|所|座|台|亩|公顷|吨|项|家|条|千瓦|%|人次|辆)")
_VERB = re.compile(r"^(?:新增|新建|达到|增加|增长|减少|降低|完成|建成|改造|解决|提高|开工|超过|突破|实现|再|要|力争|累计|全年|今年)+")
#: A named thing: quoted (“一网通办”, 《纲要》) or a name ending in a kind of project, place or rule.
_NAMED = re.compile(r"[“《]([^”》]{2,20})[”》]|([\u4e00-\u9fff]{2,10}(?:工程|计划|铁路|高铁|大桥|机场|水库|试验区|自贸区|新区|"
                    r"基地|行动|战略|条例|法|规划|纲要|制度|试点|基金|平台|走廊|博览会|峰会|中心))")
#: A lead-in, address or closing (when the unit is short): 以下, 各位代表, 让我们…奋斗, a bare heading.
_FRAME = re.compile(r"以下|如下|下面|各位代表|让我们|奋斗|总体要求|指导思想|^[（(]?[一二三四五六七八九十]+[）)、]")


#: Words that lead into a name without being part of it (加快三峡工程 → 三峡工程).
_LEAD = re.compile(r"^(?:加快|推进|推动|实施|启动|建设|建成|开工|完成|加强|深化|做好|办好|抓好|支持|开展|扩大|继续|全面|大力|"
                   r"积极|着力|稳步|深入|认真|切实|进一步|抓紧|规划|筹建|新建|改造|落实|编制|制定|出台|修订|健全|完善)+")


@lru_cache(maxsize=1 << 16)
def _grams(text: str, n: int = 3) -> frozenset:
    """The character n-grams of the Chinese runs of a text (cached: a review's units are compared with
    every plan unit of its pair)."""
    return frozenset(run[i:i + n] for run in _CJK.findall(text) for i in range(len(run) - n + 1))


def evidence(plan_text: str, review_texts, review_joined: str | None = None) -> dict:
    """The text evidence of one plan unit against the whole review (its achievement units):

    - ``numbers``: a measured quantity of the plan (its head: 新建5G基站1万个 → 5G基站) is named in the
      review with a number within eight characters (新建5G基站1.2万个);
    - ``entities``: a named thing of the plan (a quoted name, 三峡工程, 自贸试验区 …, at least four
      characters) is named in the review;
    - ``concreteness``: log(1 + the digits of the three review units that share most character
      trigrams with the plan unit): a review that reports a promise gives figures;
    - ``short`` and ``frame``: an address, lead-in or closing that promises nothing."""
    review_texts = list(review_texts)
    joined = "".join(review_texts) if review_joined is None else review_joined
    heads = set()
    for m in _MEASURE.finditer(plan_text):
        head = _VERB.sub("", m.group(1))
        if len(head) >= 2:
            heads.add(head[-3:])
    numbers = any(re.search(re.escape(h) + r".{0,8}?\d", joined) for h in heads)
    named = {a or _LEAD.sub("", b) for a, b in _NAMED.findall(plan_text)}
    entities = any(e in joined for e in named if len(e) >= 4)
    grams = _grams(plan_text)
    concreteness = 0.0
    if grams and review_texts:
        overlap = sorted(((len(grams & _grams(t)), k) for k, t in enumerate(review_texts)), key=lambda x: -x[0])
        concreteness = math.log1p(sum(len(_DIGIT.findall(review_texts[k])) for _, k in overlap[:3]))
    return {"numbers": numbers, "entities": entities, "concreteness": concreteness,
            "short": len(plan_text) < SHORT_CHARS,
            "frame": bool(_FRAME.search(plan_text)) and len(plan_text) < 60}


def label_unit(tfidf: float, shared: bool, inrev: bool, short: bool, frame: bool, numbers: bool, entities: bool,
               concreteness: float, evidence_digits: bool, vectors: float) -> str:
    """The label of one plan unit from its evidence (:data:`EVIDENCE`, weights :data:`COEFFICIENTS`):
    ``reported`` where the reported score is ≥ 0, else ``weak`` where the mentioned score is ≥ 0, else
    ``not_mentioned``."""
    x = {"tfidf": tfidf, "shared": shared, "inrev": inrev, "short": short, "frame": frame, "numbers": numbers,
         "entities": entities, "concreteness": concreteness, "evidence_digits": evidence_digits,
         "vectors": 0.0 if math.isnan(vectors) else vectors}

    def score(kind: str) -> float:
        w = COEFFICIENTS[kind]
        return w["intercept"] + sum(w[k] * float(x[k]) for k in EVIDENCE)

    if score("reported") >= 0:
        return "reported"
    return "weak" if score("mentioned") >= 0 else "not_mentioned"


def _themes_by_unit(units: pd.DataFrame, lexicon) -> dict:
    from .themes import find_matches

    if units.empty:
        return {}
    found = find_matches(units, lexicon)
    out: dict = {}
    for r, s, u, theme in zip(found["report_id"], found["section_index"], found["unit_index"], found["theme"]):
        out.setdefault((r, s, u), [])
        if theme not in out[(r, s, u)]:
            out[(r, s, u)].append(theme)
    return out


def follow_through(corpus, tokenizer=None, model=None, lexicon=None, pair_table: pd.DataFrame | None = None,
                   vectors: WordVectors | None = None) -> pd.DataFrame:
    """One row per plan unit of every pair (:func:`pairs`): where it is, its scores, its best evidence in
    the review and its ``label``. Columns :data:`FOLLOW_COLUMNS` (``topic`` and ``dominant_topic`` are
    NaN / -1 without a ``model``; theme columns are lists of theme ids). ``tokenizer`` None: a
    ``Tokenizer()`` on the project's word lists; ``lexicon`` None: the project's theme lexicon
    (:data:`toolkit.themes.LEXICON`)."""
    from .themes import load_lexicon
    from .tokenize import Tokenizer

    tokenizer = Tokenizer() if tokenizer is None else tokenizer
    lexicon = load_lexicon() if lexicon is None else lexicon
    pair_table = pairs(corpus) if pair_table is None else pair_table
    vectors = load_vectors() if vectors is None else vectors
    units = corpus.units
    plans_all = _content(units, "plans")
    achieved_all = _content(units, "achievements")
    needed = set(pair_table["plan_report"]) | set(pair_table["review_report"])
    themes = _themes_by_unit(pd.concat([plans_all[plans_all["report_id"].isin(needed)],
                                        achieved_all[achieved_all["report_id"].isin(needed)]]), lexicon)
    rows = []
    for pair in pair_table.itertuples(index=False):
        plan = plans_all[plans_all["report_id"] == pair.plan_report]
        review = achieved_all[achieved_all["report_id"] == pair.review_report]
        ptok = tokenizer.tokenize_many(plan["text"])
        rtok = tokenizer.tokenize_many(review["text"])
        vectorizer = TfidfVectorizer(analyzer=lambda t: t, sublinear_tf=True, min_df=1)
        try:
            matrix = vectorizer.fit_transform(ptok + rtok)
            sims = (matrix[:len(ptok)] @ matrix[len(ptok):].T).toarray()
        except ValueError:  # no tokens at all
            sims = np.zeros((len(ptok), len(rtok)))
        best = sims.argmax(axis=1) if len(rtok) else np.zeros(len(ptok), int)
        if model is not None:
            pw, rw = model.transform(ptok), model.transform(rtok)
            topic_sims = _cosine_rows(pw, rw)
            dominant = np.where(pw.sum(axis=1) > 0, pw.argmax(axis=1), -1)
        review_keys = list(zip(review["report_id"], review["section_index"], review["unit_index"]))
        review_themes = {t for k in review_keys for t in themes.get(k, [])}
        review_texts = list(review["text"])
        joined = "".join(review_texts)
        rvec = np.stack([vectors.mean(t) for t in rtok]) if rtok else np.zeros((0, vectors.vectors.shape[1]))
        for i, u in enumerate(plan.itertuples(index=False)):
            j = int(best[i])
            ev = review.iloc[j]
            own = themes.get((u.report_id, u.section_index, u.unit_index), [])
            shared = [t for t in own if t in themes.get(review_keys[j], [])]
            in_review = [t for t in own if t in review_themes]
            score = float(sims[i, j])
            topic = float(topic_sims[i, j]) if model is not None else math.nan
            found = evidence(u.text, review_texts, joined)
            wv = float((rvec @ vectors.mean(ptok[i])).max()) if len(rvec) else 0.0
            rows.append({"level": pair.level, "government": pair.government, "year": pair.year,
                         "plan_report": u.report_id, "section_index": u.section_index, "unit_index": u.unit_index,
                         "start": u.start, "end": u.end, "text": u.text, "tfidf": score,
                         "numbers": found["numbers"], "entities": found["entities"],
                         "concreteness": found["concreteness"], "vectors": wv, "topic": topic,
                         "dominant_topic": int(dominant[i]) if model is not None else -1,
                         "plan_themes": own, "shared_themes": shared, "review_themes": in_review,
                         "evidence_report": ev["report_id"], "evidence_section": int(ev["section_index"]),
                         "evidence_unit": int(ev["unit_index"]), "evidence_start": int(ev["start"]),
                         "evidence_end": int(ev["end"]), "evidence_text": ev["text"],
                         "label": label_unit(score, bool(shared), bool(in_review), found["short"], found["frame"],
                                        found["numbers"], found["entities"], found["concreteness"],
                                        bool(_DIGIT.search(ev["text"])), wv)})
    out = pd.DataFrame(rows, columns=FOLLOW_COLUMNS)
    return out.astype({"year": "int64", "section_index": "int64", "unit_index": "int64", "start": "int64",
                       "end": "int64", "dominant_topic": "int64"}) if len(out) else out


# ---------------------------------------------------------------------- shares with intervals
def _pair_key(table: pd.DataFrame) -> pd.Series:
    return table["level"].astype(str) + "|" + table["government"].astype(str) + "|" + table["year"].astype(str)


def shares(table: pd.DataFrame, groups: pd.Series, followed=("reported",), n_boot: int = 1000, ci: float = 0.95,
           random_state: int = 0, labels: dict | None = None) -> pd.DataFrame:
    """The share of plan units followed through (``label`` in ``followed``) per group, with a percentile
    bootstrap interval resampling government-year pairs. ``groups`` is aligned with ``table`` and holds
    one group or a list of groups per unit (a unit naming two themes counts in both). Columns
    :data:`SHARE_COLUMNS`; ``low``/``high`` are NaN with fewer than two pairs in a group."""
    followed = (followed,) if isinstance(followed, str) else tuple(followed)
    unknown = set(followed) - set(FOLLOW_LABELS)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}; use some of {', '.join(FOLLOW_LABELS)}")
    keys = _pair_key(table)
    pair_ids = sorted(set(keys))
    index = {p: i for i, p in enumerate(pair_ids)}
    exploded = pd.DataFrame({"pair": keys.map(index).to_numpy(), "group": list(groups), "label": table["label"].to_numpy()})
    exploded["group"] = exploded["group"].map(lambda g: list(dict.fromkeys(g)) if isinstance(g, (list, tuple)) else g)
    exploded = exploded.explode("group").dropna(subset=["group"])
    names = list(dict.fromkeys(exploded["group"]))
    gindex = {g: i for i, g in enumerate(names)}
    counts = np.zeros((len(pair_ids), len(names)))
    hits = np.zeros((len(pair_ids), len(names)))
    rows_g = exploded["group"].map(gindex).to_numpy(dtype=np.int64)
    pairs_g = exploded["pair"].to_numpy(dtype=np.int64)  # integers even when no unit is left
    np.add.at(counts, (pairs_g, rows_g), 1)
    np.add.at(hits, (pairs_g, rows_g), exploded["label"].isin(followed).to_numpy(float))
    replicates = ratio_replicates(resample_clusters(len(pair_ids), n_boot, random_state), hits, counts)
    low, high = percentile_interval(replicates, ci) if len(names) else ([], [])
    rows = []
    for g, name in enumerate(names):
        part = exploded[exploded["group"] == name]
        n_pairs = int((counts[:, g] > 0).sum())
        rows.append({"group": name, "label": (labels or {}).get(name, str(name)), "plan_units": len(part),
                     "pairs": n_pairs, **{lab: int((part["label"] == lab).sum()) for lab in FOLLOW_LABELS},
                     "share": hits[:, g].sum() / counts[:, g].sum(),
                     "low": low[g] if n_pairs >= 2 else math.nan, "high": high[g] if n_pairs >= 2 else math.nan})
    out = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    return out.sort_values(["plan_units", "group"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def by_theme(table: pd.DataFrame, lexicon, followed=("reported",), n_boot: int = 1000, ci: float = 0.95,
             random_state: int = 0) -> pd.DataFrame:
    """:func:`shares` per theme: the plan units naming each theme (``plan_themes``), how many the review
    took up; ``label`` is the theme's core term and English label, from ``lexicon`` (the one given to
    :func:`follow_through`). Columns :data:`SHARE_COLUMNS`."""
    names = {t.id: f"{t.name} {t.label}" for t in lexicon}
    return shares(table, table["plan_themes"], followed, n_boot, ci, random_state, names)


def by_topic(table: pd.DataFrame, model=None, followed=("reported",), n_boot: int = 1000, ci: float = 0.95,
             random_state: int = 0) -> pd.DataFrame:
    """:func:`shares` per dominant topic (``dominant_topic``, from :func:`follow_through` with a
    ``model``); units without a topic term (-1) are left out. ``label``: the model's ``labels_``."""
    if (table["dominant_topic"] < 0).all():
        raise ValueError("no dominant topics: run follow_through(corpus, model=...) with a fitted TopicModel")
    groups = table["dominant_topic"].where(table["dominant_topic"] >= 0)
    names = dict(enumerate(model.labels_)) if model is not None else None
    return shares(table, groups, followed, n_boot, ci, random_state, names)


def labels_by_pair(table: pd.DataFrame) -> pd.DataFrame:
    """Labels per pair: ``government``, ``year``, ``plan_units`` and the count of each label."""
    counts = table.groupby(["government", "year", "label"]).size().unstack("label", fill_value=0)
    counts = counts.reindex(columns=list(FOLLOW_LABELS), fill_value=0)
    counts.insert(0, "plan_units", counts.sum(axis=1))
    return counts.reset_index()


# ---------------------------------------------------------------------- agreement with a gold sample
def cohen_kappa(a, b, labels=FOLLOW_LABELS) -> float:
    """Cohen's kappa of two label sequences (1 = perfect, 0 = chance)."""
    a, b = list(a), list(b)
    if len(a) != len(b) or not a:
        raise ValueError("two non-empty label sequences of the same length")
    observed = np.mean([x == y for x, y in zip(a, b)])
    expected = sum((a.count(lab) / len(a)) * (b.count(lab) / len(b)) for lab in labels)
    return float((observed - expected) / (1 - expected)) if expected < 1 else 1.0


def read_gold(path) -> pd.DataFrame:
    """A gold CSV whose header lines start with ``#`` (read line by line: report ids hold ``#`` too)."""
    import io

    with open(path, encoding="utf-8") as f:
        body = "".join(line for line in f if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body))


def gold_agreement(table: pd.DataFrame, gold: pd.DataFrame) -> dict:
    """Agreement of :func:`follow_through` with a hand-labelled ``gold`` (columns ``plan_report``,
    ``start``, ``label``: the plan unit beginning at that offset): ``n`` (gold units found in the table),
    ``missing`` (gold units not found: the sections changed), ``share`` agreeing, ``kappa``, and the
    ``confusion`` table (gold rows × predicted columns)."""
    keyed = {(str(r), int(s)): lab for r, s, lab in zip(table["plan_report"], table["start"], table["label"])}
    found = [(g.label, keyed.get((str(g.plan_report), int(g.start)))) for g in gold.itertuples(index=False)]
    pairs_ = [(g, p) for g, p in found if p is not None]
    gold_labels = [g for g, _ in pairs_]
    predicted = [p for _, p in pairs_]
    confusion = pd.crosstab(pd.Categorical(gold_labels, FOLLOW_LABELS), pd.Categorical(predicted, FOLLOW_LABELS),
                            rownames=["gold"], colnames=["predicted"], dropna=False)
    return {"n": len(pairs_), "missing": len(found) - len(pairs_),
            "share": float(np.mean([g == p for g, p in pairs_])) if pairs_ else math.nan,
            "kappa": cohen_kappa(gold_labels, predicted) if pairs_ else math.nan, "confusion": confusion}


# ---------------------------------------------------------------------- topics over time
def topic_prevalence_by_year(weights: pd.DataFrame, reports: pd.DataFrame, kinds=None, labels=None,
                             n_boot: int = 1000, ci: float = 0.95, random_state: int = 0) -> pd.DataFrame:
    """Each topic's prevalence by year under review: the share of units whose *dominant* topic it is
    (``weights``: :meth:`toolkit.topics.TopicModel.unit_weights`; units without topic terms left out),
    with an interval by :func:`toolkit.stats.year_intervals` (bootstrap over the reports of a year, Wilson over units
    for a one-report year). Columns: ``topic``, ``label``, ``year``, ``reports``, ``units``, ``hits``
    (units dominated by the topic), ``share``, ``low``, ``high``, ``method``."""
    topics = [c for c in weights.columns if isinstance(c, (int, np.integer))]
    data = weights[~weights["no_terms"]] if "no_terms" in weights.columns else weights
    if kinds is not None:
        data = data[data["kind"].isin([kinds] if isinstance(kinds, str) else list(kinds))]
    years = reports.set_index("report_id")["year"]
    dominant = data[topics].to_numpy(float).argmax(axis=1)
    frame = pd.DataFrame({"report_id": data["report_id"].to_numpy(), "dominant": dominant})
    frame["year"] = frame["report_id"].map(years)
    frame = frame.dropna(subset=["year"])
    sizes = frame.groupby("report_id").size()
    parts = []
    for t in topics:
        hits = frame[frame["dominant"] == t].groupby("report_id").size().reindex(sizes.index, fill_value=0)
        parts.append(pd.DataFrame({"group": t, "report_id": sizes.index, "year": sizes.index.map(years),
                                   "hits": hits.to_numpy(), "units": sizes.to_numpy()}))
    out = year_intervals(pd.concat(parts, ignore_index=True), n_boot, ci, random_state) if parts else \
        year_intervals(pd.DataFrame(columns=["group", "year", "report_id", "hits", "units"]))
    out = out.rename(columns={"group": "topic"})
    out.insert(1, "label", [(labels[t] if labels is not None else str(t)) for t in out["topic"]])
    return out


def follow_through_for_export(corpus, tokenizer, model, lexicon) -> pd.DataFrame:
    """The ``follow_through`` table of an export (:data:`FOLLOW_THROUGH_SPEC`): :func:`follow_through` of
    ``corpus`` (``model``: the exported topic model, or None), its lists of themes space-joined, sorted by
    government, year and unit; empty (with every column) when the corpus has no pair of reports."""
    table = follow_through(corpus, tokenizer, model=model, lexicon=lexicon)
    if table.empty:
        return FOLLOW_THROUGH_SPEC.empty()
    for c in ("plan_themes", "shared_themes", "review_themes"):
        table[c] = [joined(v) for v in table[c]]
    table = table.sort_values(["level", "government", "year", "section_index", "unit_index"], kind="mergesort")
    return FOLLOW_THROUGH_SPEC.typed(table)
