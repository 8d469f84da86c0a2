"""One call from a folder of report texts to the three tables every analysis starts from.

>>> corpus = load_corpus()              # the seed reports in data/raw
>>> corpus.reports                      # one row per report, with metadata
>>> corpus.sections                     # one row per section, with kind and offsets
>>> corpus.units                        # one row per citable unit, with offsets

Offsets (``start``, ``end``) index the cleaned text in ``corpus.reports.text``, so
``text[start:end]`` is always the exact passage a table row or figure refers to.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .corpus import MAX_BYTES, Report, ReportError, guarded, read_reports
from .paths import RAW_DIR
from .sections import KINDS, SECTION_COLUMNS, UNIT_COLUMNS, section_table

REPORT_COLUMNS = ["report_id", "label", "agency", "city", "province", "year", "issued", "doc_number",
                  "source", "title", "encoding", "encoding_confidence", "notes", "sha256", "chars", "path", "text"]


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


def _labels(paths: list[Path]) -> dict[Path, str]:
    """Readable ids from a ``manifest.csv`` (columns ``file``, ``id``) beside the reports, where there is one."""
    labels: dict[Path, str] = {}
    for folder in sorted({p.parent for p in paths}):
        manifest = folder / "manifest.csv"
        if manifest.is_file():
            table = pd.read_csv(manifest, dtype=str).fillna("")
            if {"file", "id"} <= set(table.columns):
                labels.update({folder / f: i for f, i in zip(table["file"], table["id"]) if i})
    return labels


def report_row(report: Report, label: str | None = None) -> dict:
    """The row of one report in :attr:`Corpus.reports`."""
    meta = report.meta
    return {
        "report_id": report.report_id, "label": label or report.report_id,
        **{k: meta.get(k) for k in ("agency", "city", "province", "year", "issued", "doc_number", "source", "title")},
        "encoding": report.encoding, "encoding_confidence": report.encoding_confidence,
        "notes": "; ".join(report.notes), "sha256": report.sha256, "chars": len(report.text),
        "path": str(report.path), "text": report.text,
    }


def segment_report(report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sections and units of one report; any failure is a :class:`ReportError` naming its file."""
    return guarded(section_table, report.path, report.report_id, report.text, report.meta.get("year"))


def build_corpus(reports: list[Report], errors: list[ReportError] | None = None, skip_bad: bool = False) -> Corpus:
    """Segment already-read reports into a :class:`Corpus`.

    A report whose segmentation fails raises its :class:`ReportError`, or, with ``skip_bad``, is left
    out and listed in ``Corpus.errors`` while the others go on.
    """
    labels = _labels([r.path for r in reports])
    errors = list(errors or [])
    rows, sections, units, removed = [], [], [], []
    for r in reports:
        try:
            s, u = segment_report(r)
        except ReportError as error:
            if not skip_bad:
                raise
            errors.append(error)
            continue
        rows.append(report_row(r, labels.get(r.path)))
        sections.append(s)
        units.append(u)
        removed.extend({"report_id": r.report_id, "line": x.line, "rule": x.rule, "text": x.text} for x in r.removed)
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    table["year"] = table["year"].astype("Int64")
    return Corpus(
        reports=table,
        sections=pd.concat(sections, ignore_index=True) if sections else pd.DataFrame(columns=SECTION_COLUMNS),
        units=pd.concat(units, ignore_index=True) if units else pd.DataFrame(columns=UNIT_COLUMNS),
        removed=pd.DataFrame(removed, columns=["report_id", "line", "rule", "text"]),
        errors=errors,
    )


def load_corpus(path: str | Path | list = RAW_DIR, skip_bad: bool = False, max_bytes: int | None = MAX_BYTES) -> Corpus:
    """Read, clean and segment every report at ``path``: a folder (searched recursively for ``*.txt``),
    a file, or a list of them.

    A bad file (empty, binary, undecodable, garbled, too large, not a regular file) or a failure while
    reading or segmenting one report raises :class:`toolkit.corpus.ReportError` naming the file and
    the reason; with ``skip_bad=True`` that report is left out and listed, with its reason, in
    ``Corpus.errors``, and the others are read. ``max_bytes`` is the largest file read (default
    :data:`toolkit.corpus.MAX_BYTES`, 50 MB; None for no limit).
    """
    paths = path if isinstance(path, (list, tuple)) else [path]
    reports, errors = read_reports(paths, skip_bad=skip_bad, max_bytes=max_bytes)
    return build_corpus(reports, errors, skip_bad=skip_bad)
