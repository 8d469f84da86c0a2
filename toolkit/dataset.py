"""One call from a folder of report texts to the three tables every analysis starts from.

>>> corpus = load_corpus(paths.RAW_DIR)  # the seed reports in data/raw (or any folder, file or list)
>>> corpus.reports                      # one row per report, with metadata
>>> corpus.sections                     # one row per section, with kind and offsets
>>> corpus.units                        # one row per citable unit, with offsets

Offsets (``start``, ``end``) index the cleaned text in ``corpus.reports.text``, so
``text[start:end]`` is always the exact passage a table row or figure refers to.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .boilerplate import boilerplate_shares
from .corpus import Report, ReportError, guarded, pages_of
from .errors import printable
from .metadata import (FIELD_COLUMNS, FIELDS, PROVENANCE_COLUMNS, describe, duplicates, field_of, label,
                       metadata_files, unique_labels)
from .schema import Column, TableSpec
from .sections import KINDS, SECTION_COLUMNS, UNIT_COLUMNS, UNITS_SPEC, section_table

_C = Column
#: The reports table (``Corpus.reports``, the stage ``reports``, the export's ``reports``): id and label,
#: the metadata fields and where each came from (see :mod:`toolkit.metadata`), duplicates, how the text was
#: read, where it is, and the cleaned text. The codebook of :mod:`toolkit.export` is generated from it.
REPORTS_SPEC = TableSpec(
    "reports", "报告", "reports", "one report (duplicates included, flagged)", ("report_id",),
    "toolkit.dataset.load_corpus", (
        _C("report_id", "string", "报告编号", "report id", "the report's id: its file (or archive member) name "
           "without suffix, qualified by the relative path when names repeat; stem#row for a table row", "unique",
           "toolkit.corpus.read_reports"),
        _C("label", "string", "报告标签", "label", "a readable label: a body's report by its agency and year "
           "(莆田市审计局 2020), a government's by its place and the report's own year (浙江省 2025); the genre is "
           "added where one body has two reports of a year; the report id where nothing is known", "unique",
           "toolkit.metadata.label, unique_labels"),
        *FIELD_COLUMNS,
        _C("source", "string", "来源网站", "publishing website", "the publishing website or 来源 the page names", "",
           "toolkit.corpus.extract_metadata"),
        _C("duplicate_of", "string", "重复于", "duplicate of", "the report_id of the earlier report this one copies "
           "(identical, or Jaccard ≥ 0.8 of rare 8-character shingles); empty if none. Duplicates have no sections "
           "or units", "a report_id", "toolkit.metadata.duplicates"),
        _C("found_by", "string", "政府识别依据", "how the government was found", "where the government was read: "
           "congress:浙江省, agency:梅州市, file name:六安市 …", "", "toolkit.corpus.extract_metadata"),
        *PROVENANCE_COLUMNS,
        _C("format", "string", "文件格式", "format read", "what the report was read from",
           "txt, docx, pdf, html, table", "toolkit.dataset.report_row"),
        _C("encoding", "string", "编码", "encoding", "the text encoding chosen (or the reader: docx, pdf …)", "",
           "toolkit.readers.txt"),
        _C("encoding_confidence", "float", "编码可信度", "encoding confidence",
           "share of common Chinese characters in the decoded text", "0–1", "toolkit.readers.txt.common_share"),
        _C("notes", "string", "备注", "notes", "what reading did besides the usual cleaning, and metadata warnings; "
           "joined by '; '", "", "toolkit.corpus, toolkit.metadata.describe"),
        _C("fields", "string", "其他字段", "other fields", "a table row's columns that are no metadata field, and "
           "(key header) all a crawl export's or saved page's header said (索引号, 栏目 …), as a JSON object (keys "
           "sorted)", "JSON or empty", "toolkit.dataset.report_row"),
        _C("sha256", "string", "校验和", "sha256", "sha256 of the bytes the report came from (the file or archive "
           "member; a table row's text in UTF-8)", "64 hex digits", "toolkit.readers"),
        _C("chars", "integer", "字数", "characters", "length of the cleaned text, in characters", "≥ 1", "len(text)"),
        _C("pages", "integer", "页数", "pages", "a PDF's last page number; empty for other formats", "≥ 1",
           "toolkit.readers.pdf"),
        _C("path", "string", "文件路径", "file path", "the file, relative to the corpus folder (MANIFEST.json "
           "corpus.root), with / as separator", "", "toolkit.export"),
        _C("member", "string", "压缩包成员", "archive member", "the member of a .zip the report was read from; empty "
           "otherwise", "", "toolkit.readers.archive"),
        _C("row", "integer", "表格行号", "table row", "the 1-based row of a table (header not counted); empty "
           "otherwise", "≥ 1", "toolkit.readers.table"),
        _C("text", "string", "正文", "cleaned text", "the cleaned text every offset (start, end) of every table "
           "points into: text[start:end] is the passage", "", "toolkit.corpus.clean")))
#: The columns of ``Corpus.reports`` (:data:`REPORTS_SPEC`).
REPORT_COLUMNS = REPORTS_SPEC.names
#: The type of each column of ``Corpus.reports`` (see :data:`toolkit.sections.SECTION_TYPES`).
REPORT_TYPES = REPORTS_SPEC.types()
#: Units of a paginated report (PDF) also carry the pages they lie on.
UNIT_PAGE_COLUMN = "pages"
#: The columns of ``Corpus.units``: the segmenter's (:data:`toolkit.sections.UNIT_COLUMNS`, ``unit_id`` first),
#: and the share of the unit's sentences found near-identically in another body's report (:mod:`toolkit.boilerplate`).
CORPUS_UNIT_COLUMNS = [*UNIT_COLUMNS, "boilerplate"]
CORPUS_UNIT_TYPES = UNITS_SPEC.types([*CORPUS_UNIT_COLUMNS, UNIT_PAGE_COLUMN])


@dataclass
class Corpus:
    """The reports of a corpus with their sections and units (pandas DataFrames)."""

    reports: pd.DataFrame
    sections: pd.DataFrame
    units: pd.DataFrame
    removed: pd.DataFrame
    errors: list[ReportError] = field(default_factory=list)
    #: What was left out on purpose, in words (duplicates, an export's folder inside the corpus): the
    #: command line prints each as a ``note:`` line, the notebooks in their trust notes.
    notes: list[str] = field(default_factory=list)
    #: The folders the reports were searched in (an export may not be written inside one).
    folders: list[Path] = field(default_factory=list)

    def text(self, report_id: str) -> str:
        """The cleaned text of one report (the text all offsets refer to)."""
        return self.reports.set_index("report_id").at[report_id, "text"]

    def quote(self, report_id: str, start: int, end: int) -> str:
        """The exact words at ``[start, end)`` of a report."""
        return self.text(report_id)[start:end]

    def of_genre(self, *genres: str) -> "Corpus":
        """The reports of these genres (``corpus.of_genre("rule_of_law_report")``; :data:`toolkit.corpus.GENRES`),
        their sections and units. The boilerplate shares stay those computed over the whole corpus."""
        from .corpus import GENRES

        unknown = [g for g in genres if g not in GENRES]
        if unknown or not genres:
            raise ValueError(f"unknown genres {unknown or '(none)'}; use some of {', '.join(GENRES)}")
        ids = set(self.reports.loc[self.reports["genre"].isin(genres), "report_id"])
        keep = {name: table[table["report_id"].isin(ids)].reset_index(drop=True)
                for name, table in (("reports", self.reports), ("sections", self.sections), ("units", self.units),
                                    ("removed", self.removed))}
        return replace(self, **keep)


def section_lengths(sections: pd.DataFrame) -> pd.DataFrame:
    """Characters per report (rows) and section kind (columns, in :data:`toolkit.sections.KINDS` order)."""
    lengths = sections.assign(chars=sections["end"] - sections["start"])
    table = lengths.pivot_table(index="report_id", columns="kind", values="chars", aggfunc="sum", fill_value=0)
    return table.reindex(columns=list(KINDS), fill_value=0)


def parts_found(sections: pd.DataFrame) -> pd.DataFrame:
    """For each report and each of achievements, problems and plans: how the part was found
    (``heading``, ``inline``, both, or empty when the report has no such part)."""
    main = sections[sections["kind"] != "other"]
    found = main.groupby(["report_id", "kind"])["found"].agg(lambda f: "+".join(sorted(set(f))))
    table = found.unstack("kind").reindex(columns=list(KINDS[:3]))
    return table.reindex(sections["report_id"].unique()).fillna("")


#: The parts a report may disclose or omit, as :func:`parts_by_genre` counts them.
PARTS_COUNTED = ("achievements", "problems", "plans", "first_responsibility")


def parts_present(reports: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """For each report (rows, with its ``genre`` and ``label``), whether it has each part of
    :data:`PARTS_COUNTED`: a section of that kind, or (first_responsibility) of that part. A report without
    a problems part is a finding (does the body disclose its shortcomings?), never an error."""
    kinds = sections.groupby("report_id")["kind"].agg(set)
    named = sections.groupby("report_id")["part"].agg(set) if "part" in sections.columns else pd.Series(dtype=object)
    table = reports.set_index("report_id")[["label", "genre"]].copy()
    table["genre"] = table["genre"].fillna("(unknown)")
    for part in PARTS_COUNTED:
        source = named if part == "first_responsibility" else kinds
        table[part] = [part in source.get(rid, set()) for rid in table.index]
    return table


def parts_by_genre(reports: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """How many reports of each genre lack each part (``reports`` of the genre, then one column per part of
    :data:`PARTS_COUNTED`: the reports without it, and its share of the genre's reports)."""
    present = parts_present(reports, sections)
    counts = present.groupby("genre").size().rename("reports")
    missing = (~present[list(PARTS_COUNTED)]).groupby(present["genre"]).sum()
    share = (missing.div(counts, axis=0)).round(2).add_suffix(" (share)")
    return pd.concat([counts, missing.add_prefix("no "), share.add_prefix("no ")], axis=1)


def report_row(report: Report, user: dict | None = None) -> tuple[dict, list[str]]:
    """The row of one report in :attr:`Corpus.reports` (before labels and duplicates), and its notes."""
    meta, notes = describe(report.meta, report.source, report.fields, user)
    extra = {k: v for k, v in report.fields.items() if field_of(k) is None}
    if report.header:  # all a crawl's or saved page's header said (toolkit.header), the fields read or not
        extra["header"] = report.header
    source = report.source
    row = {
        "report_id": report.report_id, "label": report.report_id, **{f: meta[f] for f in FIELDS},
        "source": report.meta.get("source") or report.fields.get("source"), "duplicate_of": None,
        "found_by": report.meta.get("found_by", ""), **{f"{f}_from": meta[f"{f}_from"] for f in FIELDS},
        "format": _format(report),
        "encoding": report.encoding, "encoding_confidence": report.encoding_confidence,
        "notes": "; ".join([*report.notes, *notes]),
        "fields": json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else "",
        "sha256": report.sha256, "chars": len(report.text),
        "pages": (report.pages[-1][1] if report.pages else None),
        "path": printable(str(report.path)), "member": (printable(source.member) if source and source.member is not None
                                                       else None),
        "row": source.row if source else None, "text": report.text,
    }
    return row, notes


def segment_report(report: Report, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sections and units of one report; any failure is a :class:`ReportError` naming its file.
    ``year``: the year the report is about, when known better than the text says (a metadata.csv or a
    table column); it decides which year's plans are "next year's". Default: the year found in the text."""
    return guarded(section_table, report.source or report.path, report.report_id, report.text,
                   report.meta.get("year") if year is None else year)


def _format(report: Report) -> str:
    """What a report was read from: ``txt``, ``docx``, ``pdf``, ``html`` or ``table`` (a row)."""
    if report.source is not None and report.source.row is not None:
        return "table"
    kind = report.encoding.split(":")[0]
    return kind if kind in ("docx", "pdf", "html") else "txt"


def _names(path: Path, member: str | None, folder: Path) -> list[str]:
    """The names a metadata.csv row in ``folder`` may give a report by, the most specific first: the
    archive member, the path relative to the folder, the file name, each as it is and then without its
    suffix (``2020/report``, ``report`` for ``2020/report.txt``)."""
    exact = [member, path.relative_to(folder).as_posix() if path.is_relative_to(folder) else None, path.name]
    names = []
    for name in filter(None, exact):
        names += [name, Path(name).with_suffix("").as_posix()]
    return list(dict.fromkeys(names))


def _user_rows(reports: list[Report], errors: list[ReportError] | None = None,
               skip_bad: bool = False) -> dict[str, dict]:
    """Each report's row of the user's metadata.csv (beside its file, or in the folder it was found in),
    matched by the most specific name (:func:`_names`: member, relative path, file name, each with or
    without its suffix).

    A row that matches no report is a :class:`toolkit.metadata.MetadataError` naming the row (raised,
    or with ``skip_bad`` appended to ``errors``) when its folder was read whole (a folder given, or one
    inside it): a row for a file that is not there, or misspelt, is never ignored in silence. A row for a
    file that could not be read (listed in ``errors``) is not reported twice. A metadata.csv beside a
    file given by itself may describe other files: its other rows are not errors."""
    from .metadata import METADATA_FILE, MetadataError

    folders = {r.path.parent for r in reports} | {r.root for r in reports if r.root is not None}
    tables = metadata_files(folders)
    if not tables:
        return {}
    keys = {folder: table["file"].tolist() for folder, table in tables.items()}
    used: dict[Path, set[int]] = {folder: set() for folder in tables}
    rows: dict[str, dict] = {}
    for r in reports:
        for folder in (r.path.parent, r.root):
            if folder not in tables:
                continue
            names = _names(r.path, r.source.member if r.source else None, folder)
            matched = [i for i, key in enumerate(keys[folder]) if key in names]
            used[folder].update(matched)
            if matched and r.report_id not in rows:
                best = min(matched, key=lambda i: names.index(keys[folder][i]))
                rows[r.report_id] = {k: v for k, v in tables[folder].iloc[best].items() if k != "file"}
    roots = {r.root for r in reports if r.root is not None}
    unread = [(e.path, getattr(e.where, "member", None)) for e in errors or []]
    for folder, table in tables.items():
        if not any(folder == root or folder.is_relative_to(root) for root in roots):
            continue
        failed = {n for path, member in unread if path.is_relative_to(folder) for n in _names(path, member, folder)}
        for i, key in enumerate(keys[folder]):
            if i in used[folder] or key in failed:
                continue
            error = MetadataError(folder / METADATA_FILE,
                                  f"line {i + 2}: {key!r} matches no report read in this folder (name a report "
                                  "file, or its path from this folder, with or without its suffix)")
            if not skip_bad:
                raise error
            if errors is not None:
                errors.append(error)
    return rows


def _file_name(row: dict) -> str:
    """A report's file name, with its archive member or table row (reports.zip:a.txt, shanghai.dta#12)."""
    name = Path(str(row["path"])).name
    if row.get("member"):
        name = f"{name}:{row['member']}"
    if row.get("row") is not None and not pd.isna(row.get("row")):
        name = f"{name}#{row['row']}"
    return name


def report_table(reports: list[Report], errors: list[ReportError] | None = None,
                 skip_bad: bool = False) -> tuple[pd.DataFrame, list[Report]]:
    """:attr:`Corpus.reports` for already-read reports: metadata completed by the user's metadata.csv,
    labels, duplicates. Returns the table and the reports it holds (a report whose description fails is
    raised, or with ``skip_bad`` appended to ``errors`` and left out)."""
    user = _user_rows(reports, errors, skip_bad)
    rows, kept = describe_reports(reports, user, errors, skip_bad)
    return finish_report_table(rows, duplicates([r.text for r in kept])), kept


def describe_reports(reports: Iterable[Report], user: dict[str, dict], errors: list[ReportError] | None = None,
                     skip_bad: bool = False) -> tuple[list[dict], list[Report]]:
    """The rows of some reports in :attr:`Corpus.reports` (before labels and duplicates: see
    :func:`finish_report_table`) and the reports described; ``user``: their metadata.csv rows by id. A report
    whose description fails is raised, or with ``skip_bad`` appended to ``errors`` and left out."""
    rows, kept = [], []
    for r in reports:
        try:
            row, _ = guarded(report_row, r.source or r.path, r, user.get(r.report_id))
        except ReportError as error:
            if not skip_bad:
                raise
            (errors if errors is not None else []).append(error)
            continue
        rows.append(row)
        kept.append(r)
    return rows, kept


def finish_report_table(rows: list[dict], duplicate_of: list[int | None]) -> pd.DataFrame:
    """:attr:`Corpus.reports` from the rows of every report (:func:`describe_reports`) and what each
    duplicates (:func:`toolkit.metadata.duplicates`): ``duplicate_of``, labels that never collide."""
    for row, dup in zip(rows, duplicate_of):
        row["duplicate_of"] = rows[dup]["report_id"] if dup is not None else None
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    labels = [label(row, row["report_id"]) for row in rows]
    table["label"] = unique_labels(labels, table["report_id"].tolist(), [_file_name(row) for row in rows],
                                   table["genre"].tolist())
    # a label the genre could not tell apart is a collision the user should know of
    named = table["label"].str.endswith("]").to_numpy() & pd.Series(labels).duplicated(keep=False).to_numpy()
    table.loc[named, "notes"] = ["; ".join(filter(None, [n, f"another report has the label {lab}: labelled by "
                                                         "its file name"]))
                                 for n, lab in zip(table.loc[named, "notes"], pd.Series(labels)[named])]
    for column in ("year", "issued_year", "pages", "row"):
        table[column] = table[column].astype("Int64")
    return table


def duplicates_note(n: int) -> str | None:
    """The note for ``n`` duplicates left out of sections and units (None when there are none)."""
    if not n:
        return None
    return (f"left out {n} duplicate{'s' if n != 1 else ''} of earlier reports from sections and units "
            "(listed in reports.duplicate_of; keep_duplicates=True keeps them)")


def build_corpus(reports: list[Report], errors: list[ReportError] | None = None, skip_bad: bool = False,
                 keep_duplicates: bool = False, notes: list[str] | None = None) -> Corpus:
    """Describe and segment already-read reports into a :class:`Corpus`.

    Metadata are completed by the user's ``metadata.csv`` (see :mod:`toolkit.metadata`); each report
    gets a readable label; duplicates (the same report twice, or near-identical: see
    :func:`toolkit.metadata.duplicates`) are flagged in ``reports.duplicate_of`` and, unless
    ``keep_duplicates``, left out of the sections and units (so out of every analysis). A report whose
    description or segmentation fails raises its :class:`ReportError`, or, with ``skip_bad``, is left
    out and listed in ``Corpus.errors`` while the others go on. ``notes``: what reading left out on
    purpose (see :attr:`Corpus.notes`), to which the duplicates left out are added.
    """
    errors = list(errors or [])
    folders = sorted({r.root for r in reports if r.root is not None})
    table, reports = report_table(reports, errors, skip_bad)
    sections, units, removed, failed = [], [], [], set()
    years = [None if pd.isna(y) else int(y) for y in table["year"]]  # the user's or the table's year wins
    for r, dup, year in zip(reports, table["duplicate_of"], years):
        if isinstance(dup, str) and not keep_duplicates:
            continue
        try:
            s, u = segment_report(r, year)
        except ReportError as error:
            if not skip_bad:
                raise
            errors.append(error)
            failed.add(r.report_id)
            continue
        if r.pages:
            u[UNIT_PAGE_COLUMN] = [_pages_text(pages_of(r, a, b)) for a, b in zip(u["start"], u["end"])]
        sections.append(s)
        units.append(u)
    for r in reports:
        if r.report_id not in failed:
            removed.extend({"report_id": r.report_id, "line": x.line, "rule": x.rule, "text": x.text}
                           for x in r.removed)
    table = table[~table["report_id"].isin(failed)].reset_index(drop=True)
    unit_columns = CORPUS_UNIT_COLUMNS + ([UNIT_PAGE_COLUMN] if any(UNIT_PAGE_COLUMN in u.columns for u in units) else [])
    units = pd.concat(units, ignore_index=True) if units else pd.DataFrame(columns=UNIT_COLUMNS)
    units["boilerplate"] = boilerplate_shares(units, table)
    return Corpus(
        reports=table,
        sections=pd.concat(sections, ignore_index=True) if sections else pd.DataFrame(columns=SECTION_COLUMNS),
        units=units.reindex(columns=unit_columns),
        removed=pd.DataFrame(removed, columns=["report_id", "line", "rule", "text"]),
        errors=errors,
        notes=[*(notes or []), *filter(None, [None if keep_duplicates else
                                              duplicates_note(int(table["duplicate_of"].notna().sum()))])],
        folders=folders,
    )


def _pages_text(pages: tuple[int, ...]) -> str:
    """Pages as a citation gives them: 3, or 3-4."""
    return "" if not pages else str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"


def relative_path(path: str, root: Path | None) -> str:
    """``path`` relative to the folder ``root`` with / as separator (absolute when it lies outside)."""
    p = Path(path).resolve()
    if root is not None and p.is_relative_to(root):
        return p.relative_to(root).as_posix()
    return p.as_posix()


def reports_for_export(reports: pd.DataFrame, root: Path | None) -> pd.DataFrame:
    """The ``reports`` table of an export (:data:`REPORTS_SPEC`): ``reports`` (``Corpus.reports``) sorted by
    id, each path relative to the corpus folder ``root`` (:func:`relative_path`)."""
    reports = reports.sort_values("report_id", kind="mergesort").reset_index(drop=True)
    reports = reports.assign(path=[relative_path(p, root) if isinstance(p, str) else p for p in reports["path"]])
    return REPORTS_SPEC.typed(reports)
