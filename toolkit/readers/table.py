"""Tables of reports (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``, ``.xlsx``, ``.dta``): one report per row.

The text column is found by its name, without regard to case (:data:`TEXT_COLUMNS`: text, content,
full_text, 正文, 全文 …), or named by ``ReadOptions.text_column``; every other column of the row
becomes a field, as a string (empty cells left out). A row is ``Source(path, row=n)``, ``n`` counted
from 1 without the header, its ``sha256`` that of its text in UTF-8. ``ReadOptions.columns`` names the
columns of a table without a header row (``("year", "text")``); ``ReadOptions.format="tsv"`` reads a
.txt file as a table.

CSV, TSV and JSON Lines are decoded as a .txt file is (UTF-8 with or without a byte-order mark,
GB18030, Big5; see :func:`toolkit.readers.txt.decode`); an .xlsx is read from its first sheet.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import re
from pathlib import PurePosixPath

from ..errors import EmptyReportError, FormatError, ReportError
from . import RawReport, ReadOptions, Source
from .txt import common_share, decode

#: The names a text column goes by (matched without regard to case), in order of preference.
TEXT_COLUMNS = ("text", "content", "full_text", "fulltext", "report", "body", "正文", "全文", "内容", "文本")
#: A "column name" longer than this, or holding a sentence's punctuation, is text: the table has no header row.
_MAX_HEADER = 40
_SENTENCE = re.compile(r"[。，；！？]")
_KINDS = {"csv", "tsv", "jsonl", "parquet", "xlsx", "dta"}


def _kind(source: Source, options: ReadOptions) -> str:
    """The table's format: the one ``options.format`` names, else its suffix (``.txt`` read as TSV)."""
    if options.format and options.format.lower().lstrip(".") in _KINDS:
        return options.format.lower().lstrip(".")
    suffix = PurePosixPath(source.member if source.member is not None else source.path.name).suffix.lower().lstrip(".")
    return suffix if suffix in _KINDS else "tsv"


def _string(value) -> str | None:
    """A cell as a field's string; None for an empty cell (None, NaN, NaT, pd.NA, "")."""
    import pandas as pd

    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        return _string(value.item())
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text.strip() else None


def _shown(names) -> str:
    """Column names for a message, each cut to 20 characters."""
    return ", ".join(repr(n if len(str(n)) <= 20 else str(n)[:20] + "…") for n in names)


def _text_column(columns: list[str], source: Source, options: ReadOptions) -> str:
    lowered = {str(column).strip().lower(): column for column in reversed(columns)}
    if options.text_column is not None:
        if options.text_column.strip().lower() in lowered:
            return lowered[options.text_column.strip().lower()]
        raise FormatError(source, f"no column {options.text_column!r} (--text-column) in this table: its columns "
                                  f"are {_shown(columns)}")
    for name in TEXT_COLUMNS:
        if name in lowered:
            return lowered[name]
    if any(len(str(column)) > _MAX_HEADER or _SENTENCE.search(str(column)) for column in columns):
        raise FormatError(source, f"no text column, and the first row reads as a report, not a header: name the "
                                  f"columns with --columns (e.g. --columns year,text)")
    raise FormatError(source, f"no text column (one named {', '.join(TEXT_COLUMNS[:3])}, 正文 …) in this table: its "
                              f"columns are {_shown(columns)}; pass --text-column NAME")


# --------------------------------------------------------------------------- loading

def _decoded(data: bytes, source: Source) -> tuple[str, str]:
    text, encoding, _ = decode(data, source)
    return text.removeprefix("\ufeff"), encoding


def _delimited(data: bytes, source: Source, options: ReadOptions, separator: str):
    """A CSV or TSV table as a DataFrame of strings, notes on rows (by 1-based number), its encoding."""
    import warnings

    import pandas as pd

    text, encoding = _decoded(data, source)
    header = None if options.columns else 0
    try:
        with warnings.catch_warnings():
            # a first row with more fields than the header: pandas would make a column the index, or (with
            # index_col=False) drop the extra fields with only a warning; either loses text
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # the C engine reads fields of any length (the csv module's 128 KB limit does not apply)
            frame = pd.read_csv(io.StringIO(text), sep=separator, header=header, dtype=str, keep_default_na=False,
                                na_filter=False, engine="c", skip_blank_lines=True, index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError) as error:
        what = "TSV" if separator == "\t" else "CSV"
        reason = " ".join(str(error).split())
        if isinstance(error, pd.errors.ParserWarning):
            reason = "a row has more fields than the header"
        overflow = isinstance(error, pd.errors.ParserWarning) or "Expected" in reason
        if separator == "\t" and overflow:
            return _overflowing_tsv(text, source, options, reason) + (f"table:{encoding}",)
        hint = " (a text holding commas must be quoted)" if overflow else ""
        raise FormatError(source, f"not a readable {what} table: {reason}{hint}") from None
    return frame, {}, f"table:{encoding}"


def _overflowing_tsv(text: str, source: Source, options: ReadOptions, reason: str):
    """A TSV whose rows have more fields than its header, because the text in its last column holds tabs
    (a report's paragraphs separated by tabs, one report per line): each row split into as many fields
    as the header has, the last one's tabs read as line breaks. Refused where the text column is not
    the last one."""
    import pandas as pd

    lines = [line for line in text.split("\n") if line.strip()]
    columns = list(options.columns) if options.columns else lines.pop(0).rstrip("\r").split("\t")
    text_column = _text_column(columns, source, options)
    if text_column != columns[-1]:
        raise FormatError(source, f"not a readable TSV table: {reason} (tabs inside a text are read as line breaks "
                                  f"only when the text column is the last one)")
    rows, notes = [], {}
    for number, line in enumerate(lines, 1):
        fields = line.rstrip("\r").split("\t", len(columns) - 1)
        fields += [""] * (len(columns) - len(fields))
        if tabs := fields[-1].count("\t"):
            notes[number] = [f"{tabs} tab{'s' if tabs > 1 else ''} inside the text (more fields than the header "
                             f"has) read as line breaks"]
            fields[-1] = fields[-1].replace("\t", "\n")
        rows.append(fields)
    return pd.DataFrame(rows, columns=columns, dtype=str), notes


def _jsonl(data: bytes, source: Source) -> tuple[list, str, list]:
    """The rows of a JSON Lines file (an error for each line that is not a JSON object), its encoding."""
    text, encoding = _decoded(data, source)
    rows, errors, number = [], [], 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        number += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append((number, f"not a JSON object: {error.msg} at column {error.colno}"))
            rows.append(None)
            continue
        if not isinstance(row, dict):
            errors.append((number, f"not a JSON object but a {type(row).__name__}"))
            rows.append(None)
            continue
        rows.append(row)
    return rows, f"table:{encoding}", errors


def _binary(data: bytes, source: Source, options: ReadOptions, kind: str):
    import pandas as pd

    notes = []
    try:
        if kind == "parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        elif kind == "xlsx":
            from .archive import check_package

            check_package(data, source, options, "Excel file")
            with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as workbook:
                names = workbook.sheet_names
                frame = pd.read_excel(workbook, sheet_name=names[0], header=None if options.columns else 0)
            if len(names) > 1:
                notes.append(f"the first sheet ({names[0]!r}) is read; {len(names) - 1} other sheet"
                             f"{'s are' if len(names) > 2 else ' is'} not")
        else:
            frame = pd.read_stata(io.BytesIO(data), convert_categoricals=True)
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - pyarrow, openpyxl and pandas' Stata reader raise many kinds
        names = {"parquet": "Parquet file", "xlsx": "Excel file", "dta": "Stata file"}
        reason = " ".join(str(error).split()) or type(error).__name__
        raise FormatError(source, f"not a readable {names[kind]}: {reason}") from None
    return frame, kind, notes


# --------------------------------------------------------------------------- reading

def read(data: bytes, source: Source, options: ReadOptions) -> list:
    """A report per row (an error for each row without text). Raises :class:`FormatError` for a table
    that cannot be read or has no text column."""
    kind = _kind(source, options)
    notes: list[str] = []  # on every row
    row_notes: dict[int, list[str]] = {}
    bad: list[tuple[int, str]] = []
    if kind == "jsonl":
        rows, encoding, bad = _jsonl(data, source)
        columns = list(dict.fromkeys(key for row in rows if row for key in row))
        if options.columns:
            raise FormatError(source, "--columns is for a table without a header row; JSON Lines name their fields")
        records = rows
    else:
        if kind in ("csv", "tsv"):
            frame, row_notes, encoding = _delimited(data, source, options, "," if kind == "csv" else "\t")
        else:
            frame, encoding, notes = _binary(data, source, options, kind)
        if options.columns:
            if len(options.columns) != len(frame.columns):
                raise FormatError(source, f"{len(frame.columns)} columns, but --columns names {len(options.columns)}: "
                                          f"{', '.join(options.columns)}")
            frame.columns = list(options.columns)
        columns = [str(column) for column in frame.columns]
        frame.columns = columns
        records = frame.to_dict("records")
    if not records:
        raise EmptyReportError(source, "a table without rows")
    text_column = _text_column(columns, source, options)
    errors = dict(bad)
    items: list = []
    for number, record in enumerate(records, 1):
        where = dataclasses.replace(source, row=number)
        if number in errors:
            items.append(ReportError(where, errors[number]))
            continue
        text = _string(record.get(text_column))
        if text is None:
            items.append(EmptyReportError(where, f"empty text in column {text_column!r}"))
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fields = {str(key): value for key, cell in record.items()
                  if key != text_column and (value := _string(cell)) is not None}
        share, _ = common_share(text)
        items.append(RawReport(source=where, text=text, encoding=encoding, confidence=round(share, 4),
                               sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), fields=fields,
                               notes=tuple(notes + row_notes.get(number, []))))
    return items
