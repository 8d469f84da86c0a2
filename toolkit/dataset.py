"""One call from a folder of report texts to the three tables every analysis starts from.

>>> corpus = load_corpus()              # the seed reports in data/raw
>>> corpus.reports                      # one row per report, with metadata
>>> corpus.sections                     # one row per section, with kind and offsets
>>> corpus.units                        # one row per citable unit, with offsets

Offsets (``start``, ``end``) index the cleaned text in ``corpus.reports.text``, so
``text[start:end]`` is always the exact passage a table row or figure refers to.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .corpus import MAX_BYTES, Report, ReportError, guarded, pages_of, read_reports
from .errors import printable
from .metadata import FIELDS, describe, duplicates, field_of, label, metadata_files, unique_labels
from .paths import RAW_DIR
from .readers import ReadOptions
from .sections import KINDS, SECTION_COLUMNS, UNIT_COLUMNS, section_table

#: The columns of ``Corpus.reports``: id and label, the metadata fields and where each came from (see
#: :mod:`toolkit.metadata`), duplicates, how the text was read, where it is, and the cleaned text.
REPORT_COLUMNS = (["report_id", "label", *FIELDS, "source", "duplicate_of", "found_by",
                   *[f"{f}_from" for f in FIELDS],
                   "format", "encoding", "encoding_confidence", "notes", "fields", "sha256", "chars", "pages",
                   "path", "member", "row", "text"])
#: Units of a paginated report (PDF) also carry the pages they lie on.
UNIT_PAGE_COLUMN = "pages"


@dataclass
class Corpus:
    """The reports of a corpus with their sections and units (pandas DataFrames)."""

    reports: pd.DataFrame
    sections: pd.DataFrame
    units: pd.DataFrame
    removed: pd.DataFrame
    errors: list[ReportError] = field(default_factory=list)

    def text(self, report_id: str) -> str:
        """The cleaned text of one report (the text all offsets refer to)."""
        return self.reports.set_index("report_id").at[report_id, "text"]

    def quote(self, report_id: str, start: int, end: int) -> str:
        """The exact words at ``[start, end)`` of a report."""
        return self.text(report_id)[start:end]


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


def report_row(report: Report, user: dict | None = None) -> tuple[dict, list[str]]:
    """The row of one report in :attr:`Corpus.reports` (before labels and duplicates), and its notes."""
    meta, notes = describe(report.meta, report.source, report.fields, user)
    extra = {k: v for k, v in report.fields.items() if field_of(k) is None}
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


def _user_rows(reports: list[Report]) -> dict[str, dict]:
    """Each report's row of the user's metadata.csv (beside its file, or in the folder it was found in)."""
    folders = {r.path.parent for r in reports} | {r.root for r in reports if r.root is not None}
    tables = metadata_files(folders)
    if not tables:
        return {}
    rows: dict[str, dict] = {}
    for r in reports:
        for folder in (r.path.parent, r.root):
            table = tables.get(folder)
            if table is None:
                continue
            keys = [k for k in (r.source.member if r.source else None,
                                r.path.relative_to(folder).as_posix() if r.path.is_relative_to(folder) else None,
                                r.path.name) if k]
            # the most specific name first: the member, the relative path, then the bare file name
            match = next((m for key in keys if not (m := table[table["file"] == key]).empty), None)
            if match is not None:
                rows[r.report_id] = {k: v for k, v in match.iloc[0].items() if k != "file"}
                break
    return rows


def report_table(reports: list[Report], errors: list[ReportError] | None = None,
                 skip_bad: bool = False) -> tuple[pd.DataFrame, list[Report]]:
    """:attr:`Corpus.reports` for already-read reports: metadata completed by the user's metadata.csv,
    labels, duplicates. Returns the table and the reports it holds (a report whose description fails is
    raised, or with ``skip_bad`` appended to ``errors`` and left out)."""
    user = _user_rows(reports)
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
    for row, dup in zip(rows, duplicates([r.text for r in kept])):
        row["duplicate_of"] = kept[dup].report_id if dup is not None else None
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    table["label"] = unique_labels([label(row, row["report_id"]) for row in rows], table["report_id"].tolist())
    for column in ("year", "issued_year", "pages", "row"):
        table[column] = table[column].astype("Int64")
    return table, kept


def build_corpus(reports: list[Report], errors: list[ReportError] | None = None, skip_bad: bool = False,
                 keep_duplicates: bool = False) -> Corpus:
    """Describe and segment already-read reports into a :class:`Corpus`.

    Metadata are completed by the user's ``metadata.csv`` (see :mod:`toolkit.metadata`); each report
    gets a readable label; duplicates (the same report twice, or near-identical: see
    :func:`toolkit.metadata.duplicates`) are flagged in ``reports.duplicate_of`` and, unless
    ``keep_duplicates``, left out of the sections and units (so out of every analysis). A report whose
    description or segmentation fails raises its :class:`ReportError`, or, with ``skip_bad``, is left
    out and listed in ``Corpus.errors`` while the others go on.
    """
    errors = list(errors or [])
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
    unit_columns = UNIT_COLUMNS + ([UNIT_PAGE_COLUMN] if any(UNIT_PAGE_COLUMN in u.columns for u in units) else [])
    return Corpus(
        reports=table,
        sections=pd.concat(sections, ignore_index=True) if sections else pd.DataFrame(columns=SECTION_COLUMNS),
        units=(pd.concat(units, ignore_index=True).reindex(columns=unit_columns) if units
               else pd.DataFrame(columns=UNIT_COLUMNS)),
        removed=pd.DataFrame(removed, columns=["report_id", "line", "rule", "text"]),
        errors=errors,
    )


def _pages_text(pages: tuple[int, ...]) -> str:
    """Pages as a citation gives them: 3, or 3-4."""
    return "" if not pages else str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"


def load_corpus(path: str | Path | list = RAW_DIR, skip_bad: bool = False, max_bytes: int | None = MAX_BYTES, *,
                format: str | None = None, columns=None, text_column: str | None = None,
                keep_duplicates: bool = False) -> Corpus:
    """Read, clean and segment every report at ``path``: a folder (searched recursively for report
    files: .txt, .docx, .pdf, .html/.htm, tables .csv/.tsv/.jsonl/.parquet/.xlsx/.dta, .zip archives),
    a file, or a list of them. ``format``, ``columns`` and ``text_column`` say how to read a table
    (see :class:`toolkit.readers.ReadOptions`): ``format="tsv", columns=("year", "text")`` for a
    headerless table saved as .txt.

    A bad file (empty, binary, undecodable, garbled, too large, not a regular file) or a failure while
    reading or segmenting one report raises :class:`toolkit.corpus.ReportError` naming the file and
    the reason; with ``skip_bad=True`` that report is left out and listed, with its reason, in
    ``Corpus.errors``, and the others are read. ``max_bytes`` is the largest file read (default
    :data:`toolkit.corpus.MAX_BYTES`, 50 MB; None for no limit).
    """
    paths = path if isinstance(path, (list, tuple)) else [path]
    options = ReadOptions(format=format, columns=tuple(columns) if columns else None, text_column=text_column)
    reports, errors = read_reports(paths, skip_bad=skip_bad, max_bytes=max_bytes, options=options)
    if not reports:
        raise errors[0] if len(errors) == 1 else ReportError(
            paths[0] if len(paths) == 1 else ", ".join(map(str, paths)),
            f"no report could be read ({len(errors)} skipped: see Corpus.errors of load_corpus(skip_bad=True))")
    return build_corpus(reports, errors, skip_bad=skip_bad, keep_duplicates=keep_duplicates)
