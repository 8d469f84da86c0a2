"""Hand the data on: every table of the toolkit as Parquet, CSV, Stata .dta and Excel, with a codebook
and a manifest, and the document-term matrix for R.

>>> from toolkit.export import export
>>> result = export(corpus, to="build/export", formats="all")   # or ("parquet", "csv"), k=8, model=selection
>>> result.tables["units"]                                       # what was written, as DataFrames
>>> result.files                                                 # the files written, in order

``python -m toolkit export PATH... --to DIR [--formats parquet,csv,dta,xlsx,r|all] [--k 8] [--overwrite]``
does the same from the command line.

**Tables** (:data:`TABLES`; every column of each is described in ``codebook.md`` / ``codebook.json``,
generated from :data:`SPECS`: each table's :class:`toolkit.schema.TableSpec`, which lives in the module that
makes the table, as the function that makes it for the export does): ``reports`` (every metadata field and where it came from), ``sections``,
``units`` (offsets, and pages for PDFs), ``tokens`` (long form: unit, position, token),
``theme_matches``, ``theme_prevalence``, ``topics`` (top terms, stability and coherence of the model),
``unit_topics`` (each modelled unit's topic shares), ``targets`` (the ledger of
:func:`toolkit.targets.ledger`, its quotes flattened) and ``follow_through``
(:func:`toolkit.followthrough.follow_through`). A table that cannot be made on a corpus (no target
found, no government with two consecutive years, too few units for k topics) is written empty with all
its columns, and ``MANIFEST.json`` says why.

**Rows** are sorted (reports by id; sections, units and tokens in report and offset order; matches by
unit and offset): the same input gives the same bytes in every format (Parquet, CSV, .dta, .xlsx,
Matrix Market, codebook). No file holds the time it was written: the .dta header's timestamp and the
.xlsx document properties and zip entries carry a fixed date (:data:`FIXED_DATE`). ``MANIFEST.json``
holds the toolkit's version and git commit, the corpus files with their sha256, the lexicons'
sha256, the parameters (k, random_state …) and the sha256 of every file written, so a paper can cite
exactly what produced its numbers.

**Formats** (:data:`EXPORT_FORMATS`; ``all`` is every one):

- ``parquet`` (default): one ``<table>.parquet`` each (pyarrow), typed; read by R (arrow), Stata 18,
  pandas.
- ``csv``: one ``<table>.csv`` each, UTF-8 *with* a byte-order mark (``utf-8-sig``): Excel on a Chinese
  Windows reads a CSV without one as GBK and garbles every Chinese character.
- ``dta``: one ``<table>.dta`` each, Stata release 118 (Stata 14 and later), UTF-8, through pyreadstat.
  Variable names are valid Stata names of at most 32 characters (:func:`stata_names`; the codebook
  gives each column's), labelled "中文 / English"; a text longer than 2,045 bytes is a strL.
- ``xlsx``: one workbook ``tables.xlsx``, the codebook as its first sheet, then one sheet per table,
  a header row and panes frozen below it. A cell holds at most 32,767 characters (UTF-16 code units,
  as Excel counts): a longer text is cut there and the sheet gets a boolean column
  ``<column>_truncated`` right after the column, True in the rows that were cut. Characters Excel
  refuses (ASCII control characters other than tab, line feed and carriage return) are replaced by
  U+FFFD (one for one, so offsets still hold) and counted in ``MANIFEST.json``. The ``tokens`` sheet
  holds one row per unit with its tokens joined by spaces (the long form has a row per token, near or
  beyond a sheet's 1,048,576 rows); a sheet that would still exceed that continues in ``<table>_2``, …
- ``r``: the document-term matrix of all units for R: ``dtm.mtx`` (Matrix Market, integer counts, one
  row per unit in the order of ``units``, one column per term), ``vocab.txt`` (the terms, one per
  line, UTF-8, in column order) and ``docvars.csv`` (one row per unit, in row order: its id, place in
  its report, kind and the report's metadata). ``docs/export.md`` turns them into a quanteda ``dfm``
  and into stm's input.

**Lists** (a topic's terms, a plan unit's themes) are one text, the items joined by single spaces
(items never contain a space), in every format.

**Writes** are atomic: each file is written under a temporary name in the same folder and renamed into
place, so a failure (disk full, permission) leaves the old file or none, never half of one, and no
temporary file. ``MANIFEST.json`` is removed first and written last: a folder without one holds no
complete export.

**Never deletes what it did not write.** Every export leaves a marker in its folder,
:data:`toolkit.exported.EXPORT_MARKER` (hidden, JSON), written before any table and updated as each file is
renamed into place: the files the toolkit wrote there, each with its sha256. An existing non-empty
folder is refused unless ``overwrite=True``; then a file is replaced, or removed (an earlier export's
file of a format this one does not write), only when the marker lists it and the file still has the
sha256 recorded there (an export of an earlier version, without a marker, is checked against its
``MANIFEST.json``). Any other file in the way (a user's file under a table's name, an exported file
edited since, a symlink or a FIFO) stops the export before anything is written, naming it. Only the
names an export writes are ever considered: a file a foreign ``MANIFEST.json`` lists is never touched,
nor is anything else in the folder. The folder may not lie inside the corpus being read (a folder given
to read, :attr:`toolkit.dataset.Corpus.folders`): the next reading would take its tables for reports
(reading skips a folder holding the marker, and says so).
"""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import math
import os
import re
import subprocess
import tempfile
import textwrap
import zipfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import __version__, paths
from .cache import EntryError, entry_problem, read_entry
from .dataset import REPORTS_SPEC, relative_path, reports_for_export
from .exported import EXPORT_MARKER, MANIFEST_NAME, MARKER_FORMAT, MAX_RECORD_BYTES, toolkit_manifest
from .followthrough import FOLLOW_THROUGH_SPEC, follow_through_for_export
from .schema import TYPES, Column, TableSpec  # noqa: F401 (TYPES: the codebook's types)
from .sections import SECTIONS_SPEC, UNIT_REF_COLUMN, UNITS_SPEC, sections_for_export, units_for_export
from .targets import TARGETS_SPEC, targets_for_export
from .themes import (THEME_MATCHES_SPEC, THEME_PREVALENCE_SPEC, theme_matches_for_export,
                     theme_prevalence_for_export)
from .tokenize import TOKENS_SPEC
from .topics import DEFAULT_SAMPLES, DEFAULT_SEED, TOPIC_KINDS, TOPICS_SPEC, UNIT_TOPICS_SPEC, topics_for_export

#: The formats, in the order they are written; ``all`` means every one.
EXPORT_FORMATS = ("parquet", "csv", "dta", "xlsx", "r")
DEFAULT_EXPORT_FORMATS = ("parquet",)
CODEBOOK_MD = "codebook.md"
CODEBOOK_JSON = "codebook.json"
WORKBOOK = "tables.xlsx"
R_FILES = ("dtm.mtx", "vocab.txt", "docvars.csv")
#: Excel's limits: characters in a cell (UTF-16 code units), rows in a sheet, characters in a sheet name.
EXCEL_CELL_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576
EXCEL_SHEET_NAME_LIMIT = 31
#: Stata's limits: a variable name, a variable or dataset label (characters), a str# (bytes; longer is strL).
STATA_NAME_LIMIT = 32
STATA_LABEL_LIMIT = 80
STATA_STR_LIMIT = 2045
STATA_RELEASE = 118
#: The date every file that must hold one carries (zip entries cannot be older than 1980).
FIXED_DATE = datetime(1980, 1, 1)
_STATA_TIMESTAMP = b"01 Jan 1980 00:00"  # 17 bytes, the length the dta header's timestamp has
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_STATA_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
                   "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}


class ExportError(ValueError):
    """An export that cannot be written; the message is one line naming the path (or the option) and the
    reason."""


# ---------------------------------------------------------------------- the tables' columns
#: Each table's spec, from the module that produces it (:mod:`toolkit.schema`): the codebook is generated
#: from these, and every table is written with exactly their columns and types.
SPECS: dict[str, TableSpec] = {s.name: s for s in (
    REPORTS_SPEC, SECTIONS_SPEC, UNITS_SPEC, TOKENS_SPEC, THEME_MATCHES_SPEC, THEME_PREVALENCE_SPEC, TOPICS_SPEC,
    UNIT_TOPICS_SPEC, TARGETS_SPEC, FOLLOW_THROUGH_SPEC)}
#: The tables an export writes, in this order (sheets of the workbook, sections of the codebook).
TABLES = tuple(SPECS)

#: docvars.csv of the R hand-off: one row per unit, in the matrix's row order.
DOCVARS_COLUMNS = ("unit", "unit_id", "report_id", "section_index", "kind", "unit_index", "role", "n_tokens",
                   "label", "level", "government", "agency", "province", "city", "county", "year", "issued_year")


# ---------------------------------------------------------------------- Stata names
def stata_name(name: str) -> str:
    """``name`` as a valid Stata name (before making names unique): ASCII letters, digits and ``_``
    (anything else becomes ``_``), starting with a letter, not a reserved word, at most 32 characters."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", str(name))
    if not s or not s[0].isalpha() or not s[0].isascii():
        s = "v" + s
    if s in _STATA_RESERVED or re.fullmatch(r"str(?:[1-9]\d{0,3})", s):
        s += "_"
    return s[:STATA_NAME_LIMIT]


def stata_names(columns: Iterable[str]) -> dict[str, str]:
    """A deterministic map of column names to distinct valid Stata names (:func:`stata_name`); a name
    taken earlier gets ``_2``, ``_3`` … (cut to fit 32 characters). The codebook records the map."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        base = stata_name(column)
        name, n = base, 1
        while name in taken:
            n += 1
            suffix = f"_{n}"
            name = base[:STATA_NAME_LIMIT - len(suffix)] + suffix
        taken.add(name)
        out[column] = name
    return out


def stata_label(column: Column) -> str:
    """"中文 / English", cut to Stata's 80 characters."""
    return f"{column.zh} / {column.en}"[:STATA_LABEL_LIMIT]


# ---------------------------------------------------------------------- Excel cells
def excel_text(value: str) -> tuple[str, bool, int]:
    """A text as an Excel cell may hold it: the characters Excel refuses replaced by U+FFFD, cut to
    32,767 UTF-16 code units (never inside a surrogate pair). Returns the text, whether it was cut and
    how many characters were replaced."""
    cleaned, replaced = _EXCEL_ILLEGAL.subn("\ufffd", value)
    if len(cleaned) <= EXCEL_CELL_LIMIT // 2:  # fits whatever its characters
        return cleaned, False, replaced
    units = len(cleaned.encode("utf-16-le")) // 2
    if units <= EXCEL_CELL_LIMIT:
        return cleaned, False, replaced
    cut, size = [], 0
    for ch in cleaned:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > EXCEL_CELL_LIMIT:
            break
        cut.append(ch)
        size += width
    return "".join(cut), True, replaced


# ---------------------------------------------------------------------- building the tables
@dataclass
class Export:
    """What an export holds: the tables (DataFrames, as written), why a table is empty, the R hand-off,
    the codebook and the manifest; ``files`` once written."""

    tables: dict[str, pd.DataFrame]
    notes: dict[str, str]
    specs: dict[str, TableSpec]
    dtm: sp.csr_matrix
    vocab: np.ndarray
    docvars: pd.DataFrame
    manifest: dict
    files: list[Path] = field(default_factory=list)
    #: The folders the corpus was read from: an export may not be written inside one.
    corpus_folders: list[Path] = field(default_factory=list)

    @property
    def codebook(self) -> dict:
        return codebook(self.specs)


def _corpus_root(reports: pd.DataFrame, root) -> Path | None:
    if root is not None:
        return Path(root).resolve()
    files = [Path(p) for p in reports["path"].dropna()]
    if not files:
        return None
    return Path(os.path.commonpath([str(p.resolve().parent) for p in files]))


def _sha256_file(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _git() -> dict:
    """The project's git commit and whether the working tree has changes (None when not a checkout)."""
    def run(*args):
        return subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), *args], capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()
    try:
        commit = run("rev-parse", "HEAD")
        dirty = bool(run("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None, "note": "not a git checkout (or git is not installed)"}
    return {"commit": commit, "dirty": dirty}


def _lexicon_entry(source, fallback: dict) -> dict:
    path = Path(str(source))
    if path.is_file():
        shown = path.resolve()
        shown = shown.relative_to(paths.PROJECT_ROOT).as_posix() if shown.is_relative_to(paths.PROJECT_ROOT) \
            else path.name
        return {"file": shown, "sha256": _sha256_file(path)}
    blob = json.dumps(fallback, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    parts = [Path(p) for p in str(source).split(" + ")]
    if len(parts) > 1 and all(p.is_file() for p in parts):  # the project lexicon merged with own themes files
        files = [_lexicon_entry(p, {}) for p in parts]
        return {"file": None, "files": files, "sha256": hashlib.sha256(blob).hexdigest(),
                "note": "merged in this order (a later theme with an earlier id replaces it): sha256 of the result"}
    return {"file": None, "sha256": hashlib.sha256(blob).hexdigest(), "note": "built in memory: sha256 of its content"}


#: What the manifest says of a table left empty (any other: "the corpus has none").
EMPTY_NOTES = {
    "theme_matches": "no variant of any theme of the lexicon is found in the units",
    "targets": "no target or outcome of an indicator (data/lexicon/indicators.toml) found in any report with a year",
    "follow_through": "no pair of reports: follow-through needs one government's reports for two consecutive years "
                      "(plans of t-1, achievements of t)",
}


def build(corpus, *, model=None, k: int | None = None, k_range=None, kinds=TOPIC_KINDS,
          n_samples: int = DEFAULT_SAMPLES, random_state: int = DEFAULT_SEED, n_jobs: int | None = -1, tokenizer=None,
          lexicon=None, indicators=None, cache: bool = True, root=None) -> Export:
    """Every table of :data:`TABLES` for ``corpus`` (a :class:`toolkit.Corpus`), each made by the module that
    owns it, the R hand-off and the manifest, without writing anything.

    Topics (:func:`toolkit.topics.topics_for_export`): ``model`` is a fitted
    :class:`toolkit.topics.KSelection` (its chosen model, with each topic's stability) or
    :class:`toolkit.topics.TopicModel` (no stability: the column is empty and the manifest says so).
    Without one, :func:`toolkit.topics.default_selection` (the selection of the notebooks and of the
    ``topics`` command: the same corpus, the same k) is fitted on the units of ``kinds``: k chosen by
    stability over ``k_range`` (default 2–20, :data:`toolkit.topics.DEFAULT_SAMPLES` samples each: up to 399
    NMF fits, minutes on a large corpus the first time), or ``k`` alone (21 fits: seconds; its stability from
    ``n_samples`` samples still measured); its fits are cached in ``.cache/topics`` (so an export holds the
    topics notebook 03 shows, read from its fits) unless ``cache=False``. A fit of the chosen k that did not
    converge is said in the topics' note, once. ``tokenizer``, ``lexicon`` (themes) and
    ``indicators`` default to the project's. ``root``: the corpus folder paths are given relative to
    (default: the folder holding every report).
    """
    from .targets import load_indicators
    from .themes import load_lexicon
    from .tokenize import Tokenizer

    tokenizer = Tokenizer(cache=cache) if tokenizer is None else tokenizer
    lexicon = load_lexicon() if lexicon is None else lexicon
    indicators = load_indicators() if indicators is None else indicators
    specs = dict(SPECS)
    root_dir = _corpus_root(corpus.reports, root)
    units, token_lists = units_for_export(corpus.units, tokenizer.tokenize_many)
    dtm, vocab = _document_terms(token_lists)  # refuses a token holding whitespace before the long work
    tables = {"reports": reports_for_export(corpus.reports, root_dir),
              "sections": sections_for_export(corpus.sections, units), "units": units,
              "tokens": _tokens_table(units, token_lists)}
    tables["theme_matches"] = theme_matches_for_export(units, lexicon)
    tables["theme_prevalence"] = theme_prevalence_for_export(tables["theme_matches"], units, lexicon)
    topics = topics_for_export(corpus.units, units, tokenizer, model=model, k=k, k_range=k_range, kinds=kinds,
                               n_samples=n_samples, random_state=random_state, n_jobs=n_jobs, cache=cache)
    tables["topics"], tables["unit_topics"] = topics.topics, topics.unit_topics
    specs["unit_topics"] = topics.unit_topics_spec
    tables["targets"] = targets_for_export(corpus, indicators)
    tables["follow_through"] = follow_through_for_export(corpus, tokenizer, topics.model, lexicon)
    tables = {name: tables[name] for name in TABLES}
    notes = dict(topics.notes)
    for name, table in tables.items():
        if table.empty and name not in ("topics", "unit_topics"):
            notes[name] = EMPTY_NOTES.get(name, "the corpus has none")
    manifest = _manifest(corpus, tables, notes, root_dir, tokenizer, lexicon, indicators, topics.parameters)
    return Export(tables, notes, specs, dtm, vocab, _docvars(units, tables["reports"]), manifest,
                  corpus_folders=_corpus_folders(corpus, root))


def _tokens_table(units: pd.DataFrame, token_lists: list[list[str]]) -> pd.DataFrame:
    """The ``tokens`` table (:data:`toolkit.tokenize.TOKENS_SPEC`): one row per token of each unit, in order."""
    lengths = units["n_tokens"].to_numpy(np.int64)
    return TOKENS_SPEC.typed(pd.DataFrame({
        "unit": np.repeat(units["unit"].to_numpy(np.int64), lengths),
        "position": np.concatenate([np.arange(n, dtype=np.int64) for n in lengths]) if len(lengths) else
        np.array([], dtype=np.int64),
        "token": pd.array([t for lst in token_lists for t in lst], dtype=pd.StringDtype(na_value=np.nan)),
    }))


def _document_terms(token_lists: list[list[str]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """The document-term matrix of the R hand-off (one row per unit, token counts) and its vocabulary. A
    token holding whitespace is a ValueError: it could be neither a line of vocab.txt nor space-joined."""
    from .contrast import count_matrix

    if token_lists:
        dtm, vocab = count_matrix(token_lists)
    else:
        dtm, vocab = sp.csr_matrix((0, 0), dtype=np.int64), np.array([], dtype=object)
    bad = [t for t in vocab if not t or any(ch.isspace() or ch in "\x85\u2028\u2029" for ch in t)]
    if bad:  # the tokenizer never makes one; a custom one could, and would break vocab.txt and joined lists
        raise ValueError(f"tokens holding whitespace cannot be lines of vocab.txt or space-joined: {bad[:3]}")
    return dtm.tocsr(), np.asarray(vocab, dtype=object)


def _docvars(units: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """docvars.csv of the R hand-off: each unit's place and kind, with its report's metadata."""
    meta = reports.set_index("report_id")
    docvars = units[["unit", "unit_id", "report_id", "section_index", "kind", "unit_index", "role", "n_tokens"]].join(
        meta[["label", "level", "government", "agency", "province", "city", "county", "year", "issued_year"]],
        on="report_id")
    return _docvars_spec().typed(docvars)


def _corpus_folders(corpus, root=None) -> list[Path]:
    """The folders ``corpus`` was read from (and ``root``), resolved."""
    folders = [Path(f) for f in getattr(corpus, "folders", None) or []] + ([Path(root)] if root is not None else [])
    return sorted({f.resolve() for f in folders})


def _docvars_spec() -> TableSpec:
    by_name = {c.name: c for s in (SPECS["units"], SPECS["reports"]) for c in s.columns}
    return TableSpec("docvars", "文档变量", "document variables", "one unit, in the row order of dtm.mtx", ("unit",),
                     "toolkit.export", tuple(by_name[c] for c in DOCVARS_COLUMNS))


def _manifest(corpus, tables, notes, root_dir, tokenizer, lexicon, indicators, topic_params) -> dict:
    files = sorted({p for p in corpus.reports["path"].dropna()})
    corpus_files = [{"file": relative_path(p, root_dir), "sha256": _sha256_file(Path(p))} for p in files]
    lexicons = {
        "themes": _lexicon_entry(lexicon.source, {"themes": [t.__dict__ for t in lexicon]}),
        "indicators": _lexicon_entry(indicators.source, {"indicators": [i.__dict__ for i in indicators]}),
        "tokenizer": {"fingerprint": tokenizer.fingerprint, "lexicon_sha256": tokenizer.lexicon.fingerprint,
                      "backend": tokenizer.backend, "hmm": tokenizer.hmm, "userdict": tokenizer.userdict},
    }
    return {
        "toolkit": {"name": "gov-report-toolkit", "version": __version__, "git": _git()},
        "corpus": {"root": root_dir.name if root_dir is not None else None, "reports": int(len(tables["reports"])),
                   "files": corpus_files},
        "lexicons": lexicons,
        "parameters": {"topics": topic_params},
        "tables": {name: {"rows": int(len(tables[name])), "columns": int(tables[name].shape[1]),
                          **({"note": notes[name]} if name in notes else {})} for name in TABLES},
    }


# ---------------------------------------------------------------------- the codebook
FORMAT_NOTES = {
    "parquet": "one `<table>.parquet` per table (pyarrow; the default format). Types as in this codebook: text is a "
               "UTF-8 string, integer a 64-bit integer, float a double, boolean a boolean; a missing value is null. "
               "Read with arrow::read_parquet (R), pandas.read_parquet, or Stata 18's import parquet.",
    "csv": "one `<table>.csv` per table, encoded UTF-8 with a byte-order mark (utf-8-sig): Excel on a Chinese Windows "
           "reads a CSV without one as GBK and garbles every Chinese character. Comma-separated, one header row, "
           "`\\n` line ends, a field holding a comma, a quote or a line break in double quotes. A missing value (text "
           "or number) is an empty field; booleans are True/False; floats have all their digits.",
    "dta": f"one `<table>.dta` per table: Stata release {STATA_RELEASE} (Stata 14 and later), UTF-8, written by "
           "pyreadstat. Variable names are the stata column below (valid names of at most 32 characters), "
           "variable labels '中文 / English', the dataset label the table's. Text longer than 2,045 bytes is a strL; "
           "a missing text is the empty string (Stata has no missing text); integers are long (double where a "
           "value exceeds 2^31), booleans 0/1, a missing number is '.'. The header's timestamp is fixed "
           "(01 Jan 1980 00:00) so the same input gives the same file.",
    "xlsx": f"one workbook `{WORKBOOK}`: this codebook as its first sheet, then one sheet per table, a header row, "
            "panes frozen below it (A2). A cell holds at most 32,767 characters (UTF-16 code units, as Excel counts): "
            "a longer text is cut there and a boolean column `<column>_truncated` follows the column, True in the "
            "rows that were cut. Characters Excel refuses (ASCII control characters other than tab and line breaks) "
            "are replaced by U+FFFD, one for one, and counted in MANIFEST.json. Every text is a text cell, even one "
            "beginning with = (never a formula). The tokens sheet holds one row "
            "per unit (unit, n_tokens, tokens: the unit's tokens joined by spaces, in order) instead of one per "
            "token. A table with more than 1,048,575 rows continues in sheets `<table>_2`, `<table>_3` …",
    "r": "`dtm.mtx`: Matrix Market coordinate integer general, one row per unit (units.unit order), one column per "
         "term (`vocab.txt` order), the token counts; `vocab.txt`: the terms, one per line, UTF-8, sorted by code "
         "point; `docvars.csv` (UTF-8 with BOM): one row per unit in the matrix's row order, the columns listed "
         "under docvars. Every unit of every kind is a row (a unit with no token an empty row): subset with "
         "`docvars$kind`. docs/export.md turns them into a quanteda dfm and stm's input.",
}
CONVENTIONS = (
    "Offsets: start and end index the report's cleaned text (reports.text), 0-based, end exclusive: "
    "reports.text[start:end] is the passage a row refers to.",
    "Lists (a topic's terms, a unit's themes) are one text, the items joined by single spaces.",
    "Empty means unknown or not applicable; the meaning of each column says which.",
    "Rows are sorted: the same input gives the same bytes.",
)


def codebook(specs: dict[str, TableSpec]) -> dict:
    """The codebook as JSON-ready data: the formats, the conventions, and every column of every table with
    its type, labels, meaning, allowed values, the rule or function that makes it and its Stata name."""
    tables = []
    for spec in [*(specs[name] for name in TABLES), _docvars_spec()]:
        names = stata_names(spec.names)
        tables.append({
            "table": spec.name, "label_zh": spec.zh, "label_en": spec.en, "row": spec.row, "key": list(spec.key),
            "made_by": spec.made_by,
            "columns": [{"column": c.name, "type": c.type, "stata": names[c.name], "label_zh": c.zh,
                         "label_en": c.en, "meaning": c.meaning, "values": c.values, "rule": c.rule or spec.made_by}
                        for c in spec.columns]})
    return {"title": "gov-report-toolkit export: codebook", "formats": FORMAT_NOTES, "conventions": list(CONVENTIONS),
            "tables": tables}


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, width=110, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def codebook_markdown(book: dict) -> str:
    lines = [f"# {book['title']}", "",
             "Every table of this export, each column with its type, labels, meaning, allowed values, the rule or",
             "function that makes it, and its Stata name. MANIFEST.json says what produced the numbers (toolkit",
             "version and commit, corpus files and sha256, lexicons, parameters) and why a table is empty.", "",
             "## Formats", ""]
    lines += [line for name, text in book["formats"].items() for line in _wrapped(f"- **{name}**: {text}")]
    lines += ["", "## Conventions", ""] + [line for c in book["conventions"] for line in _wrapped(f"- {c}")]
    for t in book["tables"]:
        lines += ["", f"## {t['table']} ({t['label_zh']} / {t['label_en']})", "",
                  f"One row: {t['row']}. Key: {', '.join(t['key'])}. Made by `{t['made_by']}`.", "",
                  "| column | type | stata | 中文 | English | meaning | values | made by |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(_md_cell(c[k]) for k in ("column", "type", "stata", "label_zh", "label_en",
                                                             "meaning", "values", "rule")) + " |"
                  for c in t["columns"]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- writing
def parse_formats(formats) -> tuple[str, ...]:
    """``"all"``, ``"csv,dta"``, ``("parquet", "csv")`` → the formats in :data:`EXPORT_FORMATS` order; an
    unknown name is an :class:`ExportError`."""
    items = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    items = [f for f in items if f]
    if not items:
        raise ExportError(f"no format given: use {', '.join(EXPORT_FORMATS)} or all")
    if "all" in items:
        return EXPORT_FORMATS
    unknown = [f for f in items if f not in EXPORT_FORMATS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], (*EXPORT_FORMATS, "all"), n=1)
        raise ExportError(f"unknown format {unknown[0]!r}: use {', '.join(EXPORT_FORMATS)} or all"
                          + (f" (did you mean {close[0]}?)" if close else ""))
    return tuple(f for f in EXPORT_FORMATS if f in items)


def export_files(formats=DEFAULT_EXPORT_FORMATS) -> list[str]:
    """The names of the files an export in ``formats`` writes, in the order it writes them (the marker
    aside)."""
    names = [CODEBOOK_MD, CODEBOOK_JSON]
    for f in parse_formats(formats):
        names += {"parquet": [f"{t}.parquet" for t in TABLES], "csv": [f"{t}.csv" for t in TABLES],
                  "dta": [f"{t}.dta" for t in TABLES], "xlsx": [WORKBOOK], "r": list(R_FILES)}[f]
    return names + [MANIFEST_NAME]


#: Every name an export may write: the only names ``overwrite`` ever replaces or removes.
EXPORT_NAMES = frozenset(export_files(EXPORT_FORMATS))


def _read_record(to: Path) -> tuple[dict[str, set[str]], str | None]:
    """What the toolkit wrote in ``to``: file name → the sha256 each may have, from the marker (or, for
    an export of an earlier version, from its MANIFEST.json), and the name of the file it came from
    (None: no record). A marker that cannot be read is an :class:`ExportError`."""
    marker = to / EXPORT_MARKER
    if os.path.lexists(marker):
        try:
            entry = json.loads(read_entry(marker, MAX_RECORD_BYTES).decode("utf-8"))
            if not (isinstance(entry, dict) and entry.get("format") == MARKER_FORMAT
                    and isinstance(entry.get("files"), dict)):
                raise ValueError("not a marker of this toolkit")
            record = {str(name): {str(s) for s in shas} for name, shas in entry["files"].items()
                      if isinstance(shas, list)}
        except (EntryError, OSError, ValueError) as e:
            raise ExportError(f"{marker}: cannot be read ({e}): --overwrite replaces nothing without it; "
                              "remove the folder's files by hand, or export to another folder") from None
        return record, EXPORT_MARKER
    manifest = toolkit_manifest(to / MANIFEST_NAME)
    if manifest is not None and isinstance(manifest.get("files"), list):
        record = {str(f["file"]): {str(f["sha256"])} for f in manifest["files"]
                  if isinstance(f, dict) and "file" in f and "sha256" in f}
        record[MANIFEST_NAME] = {_sha256_file(to / MANIFEST_NAME)}
        return record, MANIFEST_NAME
    return {}, None


def _check_replaceable(to: Path, formats) -> tuple[dict[str, set[str]], list[str]]:
    """Before an export overwrites ``to``: every file it would replace (a name it writes) or remove (an
    earlier export's file it does not write again) must be a regular file the record lists with the
    sha256 it still has. Returns the record and the names to remove; the first file that fails is an
    :class:`ExportError` naming it, and nothing is written."""
    record, source = _read_record(to)
    planned = export_files(formats)
    stale = sorted(n for n in record if n in EXPORT_NAMES and n not in planned)
    advice = "move it, or export to another folder"
    for name in planned + stale:
        path = to / name
        if not os.path.lexists(path):
            continue
        problem = entry_problem(path)
        if problem is not None:
            raise ExportError(f"{path}: {problem}: not replaced; {advice}")
        if name not in record:
            raise ExportError(f"{path}: not written by an export of this toolkit (no record of it in "
                              f"{source or EXPORT_MARKER}): not replaced; {advice}")
        if _sha256_file(path) not in record[name]:
            raise ExportError(f"{path}: changed since this toolkit exported it (its sha256 is not the one "
                              f"recorded in {source}): not replaced; {advice}")
    return record, stale


def _inside(to: Path, folders) -> Path | None:
    """The first of ``folders`` that ``to`` is, or lies inside (symlinks resolved), or None."""
    target = to.resolve()
    return next((f for f in folders if target == Path(f).resolve() or target.is_relative_to(Path(f).resolve())),
                None)


def check_target(to, overwrite: bool = False, formats=DEFAULT_EXPORT_FORMATS, corpus_folders=()) -> Path:
    """The folder an export may write to: created if missing; refused (:class:`ExportError`) if it is a
    file, lies inside one of ``corpus_folders`` (the corpus being read), or holds anything and
    ``overwrite`` is False; with ``overwrite``, if a file in the way is not one the toolkit wrote there
    (see the module's docstring)."""
    return _target(to, overwrite, formats, corpus_folders)[0]


def _target(to, overwrite: bool, formats, corpus_folders) -> tuple[Path, dict[str, set[str]], list[str]]:
    """:func:`check_target`, with the record of what the toolkit wrote there and the names to remove."""
    to = Path(to)
    if to.exists() and not to.is_dir():
        raise ExportError(f"{to}: exists and is not a folder")
    corpus = _inside(to, corpus_folders)
    if corpus is not None:
        raise ExportError(f"{to}: inside the corpus being read ({corpus}): reading it again would take the "
                          "export's tables for reports; export to a folder outside it")
    if to.is_dir():
        try:
            busy = any(to.iterdir())
        except OSError as e:
            raise ExportError(f"{to}: cannot read the folder ({e.strerror or e})") from None
        if busy and not overwrite:
            raise ExportError(f"{to}: folder exists and is not empty; pass --overwrite (overwrite=True) to "
                              "replace an earlier export's files")
        if busy:
            return (to, *_check_replaceable(to, formats))
    return to, {}, []


class _Recorder:
    """The marker of one export while it is written: each file's new sha256 is added to what the marker
    allows for its name before the file is renamed into place, so that a run killed at any point leaves a
    marker that still vouches for every file the toolkit wrote."""

    def __init__(self, folder: Path, record: dict[str, set[str]]):
        self.folder = folder
        self.allowed = {name: set(shas) for name, shas in record.items() if name in EXPORT_NAMES}
        self.written: dict[str, str] = {}
        self._save(self.allowed)

    def allow(self, name: str, sha: str) -> None:
        self.allowed.setdefault(name, set()).add(sha)
        self.written[name] = sha
        self._save(self.allowed)

    def finish(self, names: list[str]) -> None:
        """The final marker: exactly the files of this export, each with its one sha256."""
        self.allowed = {name: {self.written[name]} for name in names}
        self._save(self.allowed)

    def forget(self, name: str) -> None:
        self.allowed.pop(name, None)
        self._save(self.allowed)

    def _save(self, allowed: dict[str, set[str]]) -> None:
        entry = {"format": MARKER_FORMAT, "version": 1,
                 "note": "the files an export of gov-report-toolkit wrote here, with their sha256: "
                         "export --overwrite replaces only these, unchanged",
                 "files": {name: sorted(shas) for name, shas in sorted(allowed.items())}}
        _atomic(self.folder / EXPORT_MARKER, lambda tmp: tmp.write_bytes(_json_bytes(entry)))


#: The marker of the export being written (set by :func:`write`; :func:`_atomic` reports each file to it).
_RECORDER: ContextVar[_Recorder | None] = ContextVar("export_recorder", default=None)


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` through ``write(temporary_path)`` and rename it into place; on any failure remove
    the temporary file, and raise an OSError as an :class:`ExportError` naming ``path``."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as e:
        raise ExportError(f"{path}: cannot write ({e.strerror or e})") from None
    tmp = Path(tmp)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file 0600: give it the mode open() would
        recorder = _RECORDER.get()
        if recorder is not None and path.name != EXPORT_MARKER and path.parent == recorder.folder:
            recorder.allow(path.name, _sha256_file(tmp))  # recorded before it takes the name
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise ExportError(f"{path}: cannot write ({e.strerror or e})") from None
        raise
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    def write(tmp: Path):
        with open(tmp, "wb") as f:
            f.write(data)
    return _atomic(path, write)


def _parquet(result: Export, to: Path) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = []
    for name in TABLES:
        table = pa.Table.from_pandas(result.tables[name], preserve_index=False)
        out.append(_atomic(to / f"{name}.parquet", lambda tmp, t=table: pq.write_table(t, tmp)))
    return out


def _csv_bytes(table: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def _csv(result: Export, to: Path) -> list[Path]:
    return [_write_bytes(to / f"{name}.csv", _csv_bytes(result.tables[name])) for name in TABLES]


def _stata_frame(table: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, dict[str, str]]:
    names = stata_names(spec.names)
    out = {}
    for c in spec.columns:
        s = table[c.name]
        if c.type == "string":
            s = s.astype(object).where(s.notna(), "")
        elif c.type in ("integer", "boolean"):
            values = s.astype("Float64")
            small = values.dropna().abs().max() if values.notna().any() else 0
            s = s.astype("Int32") if small < 2**31 - 1 else s.astype("float64")
        out[names[c.name]] = s
    labels = {names[c.name]: stata_label(c) for c in spec.columns}
    return pd.DataFrame(out), labels


def _fix_dta_timestamp(path: Path) -> None:
    with open(path, "r+b") as f:
        head = f.read(512)
        at = head.find(b"<timestamp>")
        if at < 0 or head[at + 11] != len(_STATA_TIMESTAMP):
            return
        f.seek(at + 12)
        f.write(_STATA_TIMESTAMP)


def _dta(result: Export, to: Path) -> list[Path]:
    import pyreadstat

    out = []
    for name in TABLES:
        spec = result.specs[name]
        frame, labels = _stata_frame(result.tables[name], spec)

        def write(tmp: Path, frame=frame, labels=labels, spec=spec):
            pyreadstat.write_dta(frame, tmp, version=STATA_RELEASE - 104, column_labels=labels,
                                 file_label=f"{spec.name}: {spec.zh} / {spec.en}"[:STATA_LABEL_LIMIT])
            _fix_dta_timestamp(tmp)
        out.append(_atomic(to / f"{name}.dta", write))
    return out


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry :data:`FIXED_DATE` (openpyxl stamps them with the current time)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = self.compression if compress_type is None else compress_type
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as f:
            self.writestr(arcname or os.path.basename(filename), f.read(), compress_type, compresslevel)


def _excel_rows(table: pd.DataFrame, spec: TableSpec, replaced: dict) -> tuple[list[str], list[list]]:
    """The header and the rows of a sheet: texts made Excel-safe (:func:`excel_text`), a
    ``<column>_truncated`` column after any column with a cut cell, missing values as empty cells."""
    header, columns = [], []
    for c in spec.columns:
        s = table[c.name]
        if c.type == "string":
            cells, cut = [], []
            for v in s.tolist():
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    cells.append(None)
                    cut.append(False)
                    continue
                text, was_cut, n = excel_text(v)
                if n:
                    replaced[c.name] = replaced.get(c.name, 0) + n
                cells.append(text)
                cut.append(was_cut)
            header.append(c.name)
            columns.append(cells)
            if any(cut):
                header.append(f"{c.name}_truncated")
                columns.append(cut)
        else:
            values = s.astype(object).where(s.notna(), None).tolist()
            if c.type == "integer":
                values = [None if v is None else int(v) for v in values]
            elif c.type == "boolean":
                values = [None if v is None else bool(v) for v in values]
            else:
                values = [None if v is None or math.isnan(v) else float(v) for v in values]
            header.append(c.name)
            columns.append(values)
    return header, [list(r) for r in zip(*columns)] if columns and len(table) else []


def _tokens_by_unit(result: Export) -> tuple[pd.DataFrame, TableSpec]:
    units = result.tables["units"]
    tokens = result.tables["tokens"]
    joined = tokens.groupby("unit", sort=True)["token"].agg(" ".join)
    frame = pd.DataFrame({"unit": units["unit"], "n_tokens": units["n_tokens"],
                          "tokens": units["unit"].map(joined).fillna("")})
    spec = TableSpec("tokens", "词", "tokens", "one unit with its tokens", ("unit",), "toolkit.tokenize", (
        UNIT_REF_COLUMN,
        Column("n_tokens", "integer", "词数", "tokens", "number of tokens", "≥ 0", ""),
        Column("tokens", "string", "词", "tokens", "the unit's tokens, in order, joined by spaces", "", "")))
    return frame, spec


def excel_sheets(result: Export, replaced: dict | None = None) -> list[tuple[str, list[str], list[list]]]:
    """The sheets of ``tables.xlsx`` as (name, header, rows): the codebook, then each table (``tokens``
    one row per unit), a table longer than a sheet split into ``<table>_2`` …"""
    replaced = {} if replaced is None else replaced
    book = result.codebook
    keys = ("column", "type", "stata", "label_zh", "label_en", "meaning", "values", "rule")
    rows = [[t["table"], *(c[k] for k in keys)] for t in book["tables"] for c in t["columns"]]
    sheets = [("codebook", ["table", *keys], rows)]
    for name in TABLES:
        if name == "tokens":
            table, spec = _tokens_by_unit(result)
        else:
            table, spec = result.tables[name], result.specs[name]
        found: dict = {}
        header, body = _excel_rows(table, spec, found)
        for column, n in found.items():
            replaced[f"{name}.{column}"] = n
        per_sheet = EXCEL_ROW_LIMIT - 1
        chunks = [body[i:i + per_sheet] for i in range(0, len(body), per_sheet)] or [[]]
        for i, chunk in enumerate(chunks):
            sheet = name if i == 0 else f"{name}_{i + 1}"
            sheets.append((sheet[:EXCEL_SHEET_NAME_LIMIT], header, chunk))
    return sheets


def _excel_cell(ws, value):
    """``value`` as openpyxl should write it: a text that openpyxl would take for a formula (``=…``) or an
    error (``#N/A`` …) is forced to stay text, so Excel shows the words rather than computing them."""
    if type(value) is str and value[:1] in ("=", "#"):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _xlsx(result: Export, to: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    replaced: dict = {}
    sheets = excel_sheets(result, replaced)
    result.manifest.setdefault("xlsx", {})["replaced_characters"] = replaced

    def write(tmp: Path):
        wb = Workbook(write_only=True)
        wb.properties.creator = "gov-report-toolkit"
        wb.properties.created = wb.properties.modified = FIXED_DATE
        try:
            for name, header, rows in sheets:
                ws = wb.create_sheet(name)
                ws.freeze_panes = "A2"
                ws.append(header)
                for row in rows:
                    ws.append([_excel_cell(ws, v) for v in row])
            with _FixedTimeZip(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                ExcelWriter(wb, archive).save()
        finally:  # after a failure, close the sheets' streams rather than leave them to the garbage collector
            for ws in wb.worksheets:
                if not getattr(ws, "closed", True):
                    with suppress(Exception):
                        ws.close()
    return [_atomic(to / WORKBOOK, write)]


def _r(result: Export, to: Path) -> list[Path]:
    import scipy.io

    def mtx(tmp: Path):
        with open(tmp, "wb") as f:
            scipy.io.mmwrite(f, result.dtm.tocoo(), field="integer",
                             comment=" units x terms: rows = docvars.csv rows, columns = vocab.txt lines")
    vocab = "".join(f"{t}\n" for t in result.vocab).encode("utf-8")
    return [_atomic(to / "dtm.mtx", mtx), _write_bytes(to / "vocab.txt", vocab),
            _write_bytes(to / "docvars.csv", _csv_bytes(result.docvars))]


WRITERS: dict[str, Callable[[Export, Path], list[Path]]] = {
    "parquet": _parquet, "csv": _csv, "dta": _dta, "xlsx": _xlsx, "r": _r}


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, default=_json_default) + "\n").encode("utf-8")


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (set, tuple, range)):
        return list(value)
    return str(value)


def write(result: Export, to, formats=DEFAULT_EXPORT_FORMATS, overwrite: bool = False) -> list[Path]:
    """Write an :class:`Export` into the folder ``to`` in ``formats`` (see :func:`parse_formats`), with
    ``codebook.md``, ``codebook.json`` and, last, ``MANIFEST.json``; the marker first and last. Returns
    the files written (the marker aside). What ``overwrite`` may replace: see the module's docstring."""
    formats = parse_formats(formats)
    to, record, stale = _target(to, overwrite, formats, result.corpus_folders)
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"{to}: cannot create the folder ({e.strerror or e})") from None
    recorder = _Recorder(to, record)
    token = _RECORDER.set(recorder)
    try:
        manifest_path = to / MANIFEST_NAME
        if os.path.lexists(manifest_path):  # checked above: the toolkit's own
            try:
                manifest_path.unlink()
            except OSError as e:
                raise ExportError(f"{manifest_path}: cannot remove the earlier manifest ({e.strerror or e})") from None
        book = result.codebook
        files = [_write_bytes(to / CODEBOOK_MD, codebook_markdown(book).encode("utf-8")),
                 _write_bytes(to / CODEBOOK_JSON, _json_bytes(book))]
        for f in formats:
            files += WRITERS[f](result, to)
        for name in stale:  # an earlier export's files this one does not rewrite (another format), if unchanged
            old = to / name
            if entry_problem(old) is None and _sha256_file(old) in record.get(name, ()):
                with suppress(OSError):
                    old.unlink()
                    recorder.forget(name)
        manifest = dict(result.manifest, formats=list(formats),
                        files=[{"file": p.name, "bytes": p.stat().st_size, "sha256": recorder.written[p.name]}
                               for p in files])
        files.append(_write_bytes(manifest_path, _json_bytes(manifest)))
        recorder.finish([p.name for p in files])
    finally:
        _RECORDER.reset(token)
    result.manifest = manifest
    result.files = files
    return files


def export(corpus, to, formats=DEFAULT_EXPORT_FORMATS, *, overwrite: bool = False, **options) -> Export:
    """Build every table of ``corpus`` (:func:`build`; ``options`` are its keywords: ``model``, ``k``,
    ``random_state`` …) and write them to the folder ``to`` (:func:`write`). The folder and the formats
    are checked before anything is computed. Returns the :class:`Export`, its ``files`` set."""
    formats = parse_formats(formats)
    check_target(to, overwrite, formats, _corpus_folders(corpus, options.get("root")))
    result = build(corpus, **options)
    write(result, to, formats, overwrite=overwrite)
    return result


__all__ = ["CODEBOOK_JSON", "CODEBOOK_MD", "DEFAULT_EXPORT_FORMATS", "EXCEL_CELL_LIMIT", "EXPORT_FORMATS",
           "EXPORT_MARKER", "EXPORT_NAMES", "Export", "ExportError", "MANIFEST_NAME", "SPECS", "TABLES", "WORKBOOK",
           "build", "check_target",
           "export_files",
           "codebook", "codebook_markdown", "excel_sheets", "excel_text", "export", "parse_formats", "stata_name",
           "stata_names", "write"]
