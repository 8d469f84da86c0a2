"""Report metadata a researcher can put in a regression: what was detected in the text, completed or
overridden by what the user knows (a table's columns, a ``metadata.csv`` beside the files), each value
with where it came from; readable labels; duplicates.

>>> table = describe(reports)          # one row per report: the fields, their provenance, labels
>>> duplicates(texts)                  # report → the report it duplicates (identical or near-identical)

**Fields** (:data:`FIELDS`): ``genre`` (government_work_report / rule_of_law_report / work_summary /
work_plan / other: see :data:`toolkit.corpus.GENRES`), ``level`` (national / province / prefecture /
county), ``government``, ``agency``, ``province``, ``city``, ``county``, ``year`` (the year under
review), ``issued_year``, ``issued`` (a date), ``doc_number``, ``title``, ``url``. Each has a
``<field>_from`` column: ``detected`` (read from the text by :func:`toolkit.corpus.extract_metadata`),
``header`` (read from the header of a portal crawl or a saved page, :mod:`toolkit.header`: 标题,
发布机构, 发布时间, 文号, 原文链接; or found in the title it gives), ``document`` (a title the file itself
states: a Word file's core properties, a web page's title; used only where the text gives none),
``table`` (a column of the table the report is a row of), ``metadata.csv`` (the user's file),
``derived`` (computed from other fields, e.g. the government of a city given by a table), or empty when
the value is empty.

**Which year a table's year column holds.** A column called just ``year`` is ambiguous: in the tables
researchers keep (the national series, a Stata file of city reports) it is the year the report was
delivered, so it is read as ``issued_year``; ``year_under_review`` (or ``review_year``) names the other.
The year under review is still detected in the text; where nothing is detected it is taken as the
issued year minus one (a 政府工作报告 reviews the year before it is delivered: ``year_from`` says
``issued_year-1``), and where the two differ by anything but one year the report gets a note.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ReportError
from .schema import Column

#: The metadata fields, in the order tables and the CLI show them.
FIELDS = ("genre", "level", "government", "agency", "province", "city", "county", "year", "issued_year", "issued",
          "doc_number", "title", "url")
PROVENANCE = ("detected", "header", "document", "table", "metadata.csv", "derived", "issued_year-1")
_LEVEL_VALUES = "national, province, prefecture, county"
#: Each field's labels, meaning and values, as the columns of the reports table (:data:`FIELD_COLUMNS`).
_FIELD_LABELS = {
    "genre": ("报告类型", "genre", "the kind of report, from its title (the text's, a crawl header's or the "
              "page's), else its framing sentence or parts (toolkit.corpus.GENRES)",
              "government_work_report, rule_of_law_report, work_summary, work_plan, other"),
    "level": ("行政级别", "level of government", "the level the report speaks for", _LEVEL_VALUES),
    "government": ("政府", "government", "the government behind the report (浙江省人民政府, 国务院)", ""),
    "agency": ("发布机构", "issuing body", "the body that issued it (letterhead, signature, title, a crawl "
               "header's 发布机构); the government itself for a 政府工作报告", ""),
    "province": ("省份", "province", "the province, as the division table names it", "GB/T 2260 names"),
    "city": ("城市", "city (prefecture)", "the prefecture-level city; a municipality is its own city", "GB/T 2260 names"),
    "county": ("县区", "county", "the county-level unit (county, district, county-level city)", "GB/T 2260 names"),
    "year": ("回顾年份", "year under review", "the year the report reviews (the 2025 report reviews 2024)", "a year"),
    "issued_year": ("发布年份", "year issued", "the year the report was issued or delivered", "a year"),
    "issued": ("发布日期", "date issued", "the date of the report (its signature, else its congress session)",
               "YYYY-MM-DD"),
    "doc_number": ("发文字号", "document number", "the letterhead's 发文字号 (汕政数〔2019〕98号)", ""),
    "title": ("标题", "title", "the report's title", ""),
    "url": ("网址", "URL", "where the report was published: a crawl header's 原文链接, a table's or "
            "metadata.csv's column", ""),
}
#: The columns of the reports table (:data:`toolkit.dataset.REPORTS_SPEC`) holding each field, and where
#: each field came from (``<field>_from``), in the order of :data:`FIELDS`.
FIELD_COLUMNS = tuple(
    Column(f, "integer" if f in ("year", "issued_year") else "string", zh, en, meaning + "; empty when unknown", values,
           "toolkit.corpus.extract_metadata, completed by a table's columns or metadata.csv (toolkit.metadata)")
    for f, (zh, en, meaning, values) in ((f, _FIELD_LABELS[f]) for f in FIELDS))
PROVENANCE_COLUMNS = tuple(
    Column(f"{f}_from", "string", f"{zh}来源", f"where {en} came from", f"the provenance of {f}; empty when {f} is "
           "empty", ", ".join(PROVENANCE), "toolkit.metadata.describe")
    for f, (zh, en, _, _) in ((f, _FIELD_LABELS[f]) for f in FIELDS))
METADATA_FILE = "metadata.csv"

#: Column names (lower-cased, spaces and hyphens as underscores) that mean a field. ``year`` alone is
#: the year a report was delivered (see the module's docstring).
COLUMN_FIELDS = {
    **dict.fromkeys(("level", "级别", "层级", "行政级别"), "level"),
    **dict.fromkeys(("government", "gov", "政府"), "government"),
    **dict.fromkeys(("agency", "issuer", "机构", "发文机关", "发布机构"), "agency"),
    **dict.fromkeys(("province", "prov", "area", "region", "省", "省份", "地区"), "province"),
    **dict.fromkeys(("city", "prefecture", "市", "城市", "地级市"), "city"),
    **dict.fromkeys(("county", "district", "县", "区县", "县区"), "county"),
    **dict.fromkeys(("year_under_review", "review_year", "covered_year", "year_reviewed", "回顾年份"), "year"),
    **dict.fromkeys(("year", "issued_year", "year_issued", "report_year", "年份", "年度"), "issued_year"),
    **dict.fromkeys(("issued", "date", "issue_date", "日期", "发布日期", "成文日期"), "issued"),
    **dict.fromkeys(("doc_number", "文号", "发文字号"), "doc_number"),
    **dict.fromkeys(("title", "name", "标题", "题目"), "title"),
    **dict.fromkeys(("url", "link", "链接", "网址"), "url"),
    **dict.fromkeys(("genre", "type", "doc_type", "类型", "文种", "体裁", "报告类型"), "genre"),
}
#: The genres a user may give (a metadata.csv or table column), in the toolkit's words or Chinese ones.
_GENRE_WORDS = {"government_work_report": "government_work_report", "政府工作报告": "government_work_report",
                "rule_of_law_report": "rule_of_law_report", "rule_of_law": "rule_of_law_report",
                "法治政府建设年度报告": "rule_of_law_report", "法治政府建设报告": "rule_of_law_report",
                "work_summary": "work_summary", "工作总结": "work_summary", "work_plan": "work_plan",
                "工作要点": "work_plan", "工作计划": "work_plan", "other": "other", "其他": "other"}
_LEVEL_WORDS = {"national": "national", "国家": "national", "全国": "national", "中央": "national",
                "province": "province", "provincial": "province", "省": "province", "省级": "province",
                "prefecture": "prefecture", "city": "prefecture", "municipal": "prefecture", "市": "prefecture",
                "地级": "prefecture", "地市": "prefecture", "county": "county", "district": "county",
                "县": "county", "县级": "county", "区县": "county", "区": "county"}
_PLACE_FIELDS = ("province", "city", "county")


class MetadataError(ReportError):
    """A metadata.csv that cannot be used (the message names the file and the reason)."""


def field_of(column: str) -> str | None:
    """The metadata field a table or metadata.csv column means, if any."""
    return COLUMN_FIELDS.get(re.sub(r"[\s\-]+", "_", str(column).strip().lower()))


def _year(value) -> int | None:
    match = re.search(r"(?:19|20)\d{2}", str(value))
    return int(match.group()) if match else None


def _place(field: str, value: str):
    """A province/city/county value as the division table names it (浙江 → 浙江省), or None."""
    from . import geo

    level = {"province": "province", "city": "prefecture", "county": "county"}[field]
    found = geo.lookup(value)
    candidates = [d for d in found if d.level == level or (field == "city" and d.is_municipality)]
    if not candidates and field == "city":  # a county-level city given as the city (满洲里)
        candidates = [d for d in found if d.level == "county" and d.name.endswith("市")]
    return candidates[0] if len(candidates) == 1 else None


def normalise_value(field: str, value):
    """A user's value in the toolkit's form: years as ints, levels as :data:`toolkit.corpus.LEVELS`,
    places by their full names (杭州 → 杭州市) where the division table knows them; empty → None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() in ("", "nan", "NaN"):
        return None
    value = str(value).strip()
    if field in ("year", "issued_year"):
        return _year(value)
    if field == "level":
        return _LEVEL_WORDS.get(value.lower(), value.lower())
    if field == "genre":
        return _GENRE_WORDS.get(value.lower(), _GENRE_WORDS.get(value, value.lower()))
    if field in _PLACE_FIELDS:
        division = _place(field, value)
        return division.name if division is not None else value
    return value


def read_metadata_file(path: str | Path) -> pd.DataFrame:
    """A user's ``metadata.csv``: a ``file`` column (a file name, a path relative to the folder, or an
    archive member) and any of the field columns (:data:`COLUMN_FIELDS`); UTF-8 (with or without BOM)."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise MetadataError(path, "empty file: a header row with a 'file' column is needed") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, csv.Error) as error:
        raise MetadataError(path, f"cannot read: {error}") from None
    table.columns = [c.strip() for c in table.columns]  # "file , year" as spreadsheets write it
    table = table.apply(lambda column: column.str.strip())
    if "file" not in table.columns:
        raise MetadataError(path, "no 'file' column (the name of the report file each row describes)")
    unknown = [c for c in table.columns if c != "file" and field_of(c) is None]
    if unknown:
        raise MetadataError(path, f"unknown columns {unknown}; use some of {', '.join(FIELDS)}")
    duplicated = table["file"][table["file"].duplicated()].tolist()
    if duplicated:
        raise MetadataError(path, f"files listed twice: {duplicated}")
    return table


def metadata_files(folders: Iterable[Path]) -> dict[Path, pd.DataFrame]:
    """The ``metadata.csv`` of each folder that has one."""
    return {folder: read_metadata_file(folder / METADATA_FILE) for folder in sorted(set(folders))
            if (folder / METADATA_FILE).is_file()}


def _keys(source, root: Path | None) -> list[str]:
    """The names a metadata.csv row may use for a report: member, relative path, file name."""
    keys = []
    if source.member is not None:
        keys.append(source.member)
    if root is not None:
        try:
            keys.append(source.path.relative_to(root).as_posix())
        except ValueError:
            pass
    keys.append(source.path.name)
    return keys


def describe(detected: dict, source=None, fields: dict | None = None, user: dict | None = None) -> tuple[dict, list[str]]:
    """The metadata of one report: ``detected`` (from :func:`toolkit.corpus.extract_metadata`),
    completed and overridden by a table row's ``fields`` (for a report that is not a table row, ``fields``
    are the document's own properties and only fill a missing title) and then by the user's
    ``metadata.csv`` row ``user`` (both column → value). Returns the fields with their ``<field>_from`` provenance, and the
    notes a user should read (a table year that disagrees with the text)."""
    values = {f: detected.get(f) for f in FIELDS}
    header = set(detected.get("from_header") or ())
    origin = {f: ("header" if f in header else "detected") if values[f] is not None else "" for f in FIELDS}
    if values["issued"] and values["issued_year"] is None:
        values["issued_year"], origin["issued_year"] = _year(values["issued"]), "derived"
    given: dict[str, str] = {}
    if source is not None and source.row is None:  # a document's own properties (a Word file's, a page's)
        fields, document = {}, fields or {}
        if values["title"] is None and document.get("title"):
            values["title"], origin["title"] = str(document["title"]).strip(), "document"
    for layer, label in ((fields or {}, "table"), (user or {}, METADATA_FILE)):
        for column, raw in layer.items():
            field = field_of(column)
            if field is None or (value := normalise_value(field, raw)) is None:
                continue
            values[field], origin[field] = value, label
            given[field] = label
    notes = []
    if any(f in given for f in _PLACE_FIELDS):
        notes += _derive_government(values, origin, given, detected)
    if values["issued_year"] is not None:
        if values["year"] is None:
            values["year"], origin["year"] = values["issued_year"] - 1, "issued_year-1"
        elif values["issued_year"] - values["year"] not in (0, 1) and origin["year"] == "detected":
            notes.append(f"the text reviews {values['year']}, but the {origin['issued_year']} says it was issued in "
                         f"{values['issued_year']} ({values['issued_year'] - values['year']:+d} years, not the usual 1)")
    out = dict(values)
    out.update({f"{f}_from": origin[f] if values[f] is not None else "" for f in FIELDS})
    return out, notes


def _derive_government(values: dict, origin: dict, given: dict, detected: dict) -> list[str]:
    """After a user gave places: make level, government and the other places agree with the most
    specific place given (county, else city, else province), unless the user gave them too. Returns
    notes on conflicts with what the text said.

    A province alone (no city or county given): where the text names a government in another province,
    level, government, city and county are left empty, with a note; where it names the province's own
    government or a lower one (a prefecture, a county), that is kept; where it names none below the
    province (nothing, or the national government), the report is the province's own: level
    ``province``, government ``<province>人民政府`` (a municipality is its own city), marked ``derived``."""
    from . import geo

    if "city" in given and "county" not in given and (place := geo.resolve(values["city"])) is not None \
            and place.level == "county":  # a county-level city given as the city: it is the county
        values["county"], origin["county"] = place.name, given["city"]
        values["city"], origin["city"] = place.prefecture or None, "derived"
        given = {**given, "county": given["city"]}
    if "county" in given:
        division = geo.resolve(values["county"], within=values["city"] or values["province"])
        level, seat = "county", values["county"]
        city = division.prefecture if division is not None else values["city"]
    elif "city" in given:
        if detected.get("level") == "county" and detected.get("city") == values["city"]:
            return []  # the text names a county of that city: it stays the county's report
        seat = city = values["city"]
        level = "province" if city in geo.MUNICIPALITIES else "prefecture"
        if "county" not in given:
            values["county"], origin["county"] = None, "derived"
    else:  # a province alone: keep a government the text found inside it, drop one that lies elsewhere,
        # and where the text names none below the province, it is the province's own government
        if detected.get("province") not in (None, values["province"]):
            for field in ("level", "government", "city", "county"):
                if field not in given:
                    values[field], origin[field] = None, "derived"
            return [f"the text names a government in {detected['province']}, the {given['province']} says "
                    f"{values['province']}: level, government, city and county left empty"]
        if detected.get("level") in ("province", "prefecture", "county"):
            return []  # the province's own government, or a lower one the text names: kept as detected
        if getattr(geo.resolve(values["province"]), "level", None) != "province":
            return []  # not a province the division table knows: nothing to derive from it
        seat, level = values["province"], "province"
        city = seat if seat in geo.MUNICIPALITIES else None  # a municipality is its own city
        if "county" not in given and values["county"] is not None:
            values["county"], origin["county"] = None, "derived"
    division = geo.resolve(seat, within=values["province"]) if "province" in given else geo.resolve(seat)
    if "province" not in given and division is not None:
        values["province"], origin["province"] = division.province, "derived"
    if "level" not in given:
        values["level"], origin["level"] = level, "derived"
    if "city" not in given and city != values["city"]:
        values["city"], origin["city"] = city, "derived"
    if "government" not in given:
        suffix = "行政公署" if level == "prefecture" and seat.endswith(("地区", "盟")) else "人民政府"
        values["government"], origin["government"] = seat + suffix, "derived"
    return []


# --------------------------------------------------------------------------- labels

def label(meta: dict, fallback: str) -> str:
    """A readable label from the fields: a body's report by its agency and year (莆田市审计局 2020,
    梅州市政务服务数据管理局 2020), a government's by its place and the report's own year (浙江省 2025 for
    the 2025 report reviewing 2024, 海拉尔区 2018, 国务院 2022); ``fallback`` (the report id) where
    neither is known. The year is the first a title names, else the issued year, else the year under
    review."""
    agency, government = meta.get("agency"), meta.get("government")
    place = (meta.get("county") or meta.get("city") if meta.get("level") in ("county", "prefecture") else None) \
        or (meta.get("province") if meta.get("level") == "province" else None) \
        or ("国务院" if meta.get("level") == "national" else None)
    if agency and agency not in (government, "国务院") and meta.get("genre") != "government_work_report" \
            and not agency.endswith(("人民政府", "行政公署")):
        place = agency  # a bureau's report: the body, not its government
    if place is None:
        return fallback
    title_year = _year(meta.get("title") or "")
    year = title_year or meta.get("issued_year") or meta.get("year")
    return f"{place} {year}" if year else place


#: How a label names a report's genre when one body has reports of two genres in a year.
GENRE_TAGS = {"government_work_report": "政府工作报告", "rule_of_law_report": "法治政府建设",
              "work_summary": "工作总结", "work_plan": "工作计划", "other": "其他"}


def unique_labels(labels: Sequence[str], ids: Sequence[str], names: Sequence[str | None] | None = None,
                  genres: Sequence[str | None] | None = None) -> list[str]:
    """Labels made unique. A label several reports share gets each report's genre where that tells them
    apart (莆田市审计局 2020 法治政府建设, 莆田市审计局 2020 工作总结), else the report's file name in brackets
    (上海市 2023 [shanghai.dta#12], 梅州市 2020 [梅州2020.docx]: ``names``, a file name with its archive
    member or table row), else its report id where no name is given or the names repeat too."""
    labels = list(labels)
    if genres is not None:
        counts = pd.Series(labels).value_counts()
        tagged = [f"{lab} {GENRE_TAGS[g]}" if counts[lab] > 1 and g in GENRE_TAGS else lab
                  for lab, g in zip(labels, genres)]
        again = pd.Series(tagged).value_counts()
        labels = [t if again[t] == 1 else lab for lab, t in zip(labels, tagged)]
    names = list(ids) if names is None else [n or rid for n, rid in zip(names, ids)]
    counts = pd.Series(labels).value_counts()
    named = [f"{lab} [{name}]" if counts[lab] > 1 else lab for lab, name in zip(labels, names)]
    again = pd.Series(named).value_counts()
    return [f"{lab} [{rid}]" if counts[lab] > 1 and again[n] > 1 else n for lab, n, rid in zip(labels, named, ids)]


# --------------------------------------------------------------------------- duplicates

#: Near-identical: this share of the two texts' rare 8-character shingles in common (Jaccard).
NEAR_DUPLICATE = 0.8
SHINGLE = 8
#: Shingles found in more reports than this are boilerplate (slogans, formulae), not evidence of a copy.
MAX_SHINGLE_REPORTS = 50
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection of the 64-bit integers
_SHIFT = np.uint64(29)
#: Shingle keys a corpus is compared by at most (about 8 bytes each): a larger corpus samples its shingles
#: (:func:`sampling_rate`), so finding duplicates among 100,000 reports needs no more memory than among 2,000.
KEY_BUDGET = 1 << 25
_BLOCK = 1 << 20  # keys handled at once when finding the shared ones (8 MB temporaries)


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct ``SHINGLE``-character shingles of ``text`` (lower-cased, as it is), each as a 64-bit
    hash, sorted. The hash is computed for every shingle at once with array operations (each character
    xor-ed in, then a multiplication and a shift, both bijections): no Python string per shingle."""
    codes = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    h = np.full(n, np.uint64(SHINGLE), np.uint64)
    for k in range(SHINGLE):
        h ^= codes[k:k + n]
        h *= _MIX  # wraps modulo 2**64
        h ^= h >> _SHIFT
    return _distinct_sorted(h)


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """``values`` sorted, each once (``np.unique``, without its hashing pass)."""
    values = np.sort(values)
    return values[_run_starts(values)]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Of a sorted array: True where a value differs from the one before it (the first of each run)."""
    if not len(values):
        return np.zeros(0, bool)
    return np.concatenate([[True], values[1:] != values[:-1]])


def squeezed_digest(text: str) -> bytes:
    """The identity of a text for exact duplicates: the BLAKE3 digest of the text without whitespace."""
    import blake3

    return blake3.blake3(re.sub(r"\s+", "", text).encode("utf-8", "surrogatepass")).digest(16)


def sampling_rate(chars: int, budget: int = KEY_BUDGET) -> int:
    """The rate at which :func:`duplicate_keys` samples shingles for a corpus of about ``chars`` characters:
    1 (every shingle) up to ``budget`` characters, else the power of two that keeps about ``budget`` keys."""
    rate = 1
    while chars > budget * rate:
        rate *= 2
    return rate


def duplicate_keys(text: str, rate: int = 1) -> np.ndarray:
    """The shingle hashes of ``text`` that :func:`duplicates_of_keys` compares (sorted, distinct): all of
    them at ``rate`` 1, else those whose top log2(rate) bits are 0 (one in ``rate``, the same shingles in
    every text, so the Jaccard similarity of two samples estimates that of the texts)."""
    h = shingle_hashes(re.sub(r"\s+", "", text))
    if rate > 1:
        h = h[(h >> np.uint64(64 - (rate.bit_length() - 1))) == 0]
    return h


def duplicates(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[int | None]:
    """For each text, the index of an earlier text it duplicates, else None.

    Identical texts (after cleaning, ignoring whitespace) are duplicates; so are near-identical ones:
    the Jaccard similarity of their sets of 8-character shingles reaches ``threshold``, counting only
    shingles found in at most :data:`MAX_SHINGLE_REPORTS` texts (so the genre's boilerplate does not
    make two different reports alike). The same report with different page chrome, a title line more
    or a paragraph less, is caught; two reports of one government in two years are not. Each duplicate
    points to the first text of its group (of several earlier candidates, the first).

    Every shingle is told apart by a 64-bit hash (less the bits that number the texts: 49 bits for
    30,000 texts), so shingles of different texts do not share a bucket however large the corpus. (A
    hashing vectorizer's 2**22 buckets hold ~86 shingles each at 28,000 reports: nearly every bucket then
    looks like boilerplate, and a report copied with a paragraph less was no longer found.) Memory: about
    9 bytes per character of the corpus, besides the texts. The spine (:mod:`toolkit.pipeline`) computes
    the keys report by report and, above :data:`KEY_BUDGET` characters, compares a sample of the shingles
    (:func:`sampling_rate`), so its memory stays bounded however large the corpus."""
    return duplicates_of_keys([squeezed_digest(t) for t in texts], [duplicate_keys(t) for t in texts], threshold)


def duplicates_of_keys(digests: Sequence[bytes], hashes: Sequence[np.ndarray],
                       threshold: float = NEAR_DUPLICATE) -> list[int | None]:
    """:func:`duplicates` of texts given by their :func:`squeezed_digest` and :func:`duplicate_keys` (computed
    where the texts are, in chunks, so that the texts need not be in memory together)."""
    from scipy import sparse

    first: dict[bytes, int] = {}
    out: list[int | None] = []
    for i, d in enumerate(digests):
        out.append(first[d] if d in first else None)
        first.setdefault(d, i)
    n_texts = len(digests)
    if n_texts < 2:
        return out
    bits = (n_texts - 1).bit_length()  # the low bits of a key number its text
    low = np.uint64((1 << bits) - 1)
    # one key a shingle of each text: its hash less the low bits (still sorted), and the text's number,
    # written into one array made at once
    keys = np.empty(sum(len(h) for h in hashes), np.uint64)
    end = 0
    for i, h in enumerate(hashes):
        part = h & ~low
        part = part[_run_starts(part)]
        keys[end:end + len(part)] = part | np.uint64(i)
        end += len(part)
    keys = keys[:end]
    keys.sort()
    shift = np.uint64(bits)
    # a key whose shingle is another key's too: the few that can be shared (copies, boilerplate), found in
    # blocks so that no array of a full key's size is made beside the keys themselves
    repeated = np.zeros(len(keys), bool)
    sizes = np.zeros(n_texts, np.int64)
    for a in range(0, len(keys), _BLOCK):
        b, lo = min(a + _BLOCK, len(keys)), max(a - 1, 0)
        shingles = keys[lo:b] >> shift
        same = shingles[1:] == shingles[:-1]  # keys lo+1 … b-1: the same shingle as the key before
        repeated[lo + 1:b] |= same
        repeated[lo:b - 1] |= same
        sizes += np.bincount((keys[a:b] & low).astype(np.int64), minlength=n_texts)
        del shingles, same
    shared = keys[np.flatnonzero(repeated)]
    del repeated, keys
    shingle = shared >> shift
    starts = np.flatnonzero(_run_starts(shingle))
    del shingle
    text = (shared & low).astype(np.int32)
    del shared
    df = np.diff(np.append(starts, len(text)))  # in how many texts each shared shingle is (2 or more)
    # boilerplate (shingles of many texts) counts neither in the overlap nor in the sizes
    boilerplate = np.repeat(df > MAX_SHINGLE_REPORTS, df)
    sizes -= np.bincount(text[boilerplate], minlength=n_texts)
    text = text[~boilerplate]
    del boilerplate
    lengths = df[df <= MAX_SHINGLE_REPORTS]
    # texts × rare shared shingles, built by columns: the keys are already grouped by shingle
    rare = sparse.csc_matrix((np.ones(len(text), np.float32), text, np.concatenate([[0], np.cumsum(lengths)])),
                             shape=(n_texts, len(lengths)))
    inter = (rare @ rare.T).tocsr()
    inter.sort_indices()
    inter = inter.tocoo()
    for i, j, common in zip(inter.row, inter.col, inter.data):
        if j >= i or out[i] is not None:
            continue
        union = sizes[i] + sizes[j] - common
        if union > 0 and common / union >= threshold:
            out[i] = out[j] if out[j] is not None else int(j)
    return out
