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

import codecs
import dataclasses
import datetime
import hashlib
import io
import json
import re
from pathlib import PurePosixPath

from ..errors import BinaryReportError, EmptyReportError, FormatError, ReportError, UndecodableReportError
from . import RawReport, ReadOptions, Source, _size, as_file, data_head, data_size
from .txt import common_share, decode_with_notes

#: The names a text column goes by (matched without regard to case), in order of preference.
TEXT_COLUMNS = ("text", "content", "full_text", "fulltext", "report", "body", "正文", "全文", "内容", "文本")
#: A "column name" longer than this, or holding a sentence's punctuation, is text: the table has no header row.
_MAX_HEADER = 40
_SENTENCE = re.compile(r"[。，；！？]")
_KINDS = {"csv", "tsv", "jsonl", "parquet", "xlsx", "dta"}
#: The most characters an Excel cell holds.
EXCEL_CELL = 32_767


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


# --------------------------------------------------------------------------- text tables

#: A text table (CSV, TSV, JSON Lines) up to this size is decoded whole, as a .txt file is; a larger one
#: is decoded in chunks as it is parsed, in the encoding its first 8 MB are in.
WHOLE_TEXT = 8_000_000
_CHUNK = 1 << 20
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
#: Rows parsed at a time from a CSV or TSV table.
_ROWS = 10_000


class _Decoding(io.TextIOBase):
    """A large text table's bytes decoded as they are read, in one encoding, a chunk at a time: a NUL
    byte, bytes that do not decode, or too many control characters stop it with the table's error (a
    sparse or damaged file is refused where its damage starts, not after it is read whole)."""

    def __init__(self, handle, encoding: str, source: Source) -> None:
        super().__init__()
        self.handle, self.source, self.name = handle, source, encoding.upper().removesuffix("-SIG")
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.wide = encoding.startswith(("utf-16", "utf-32"))
        self.offset = self.controls = 0
        self.pending, self.done, self.first = "", False, True

    def readable(self) -> bool:
        return True

    def _more(self) -> None:
        chunk = self.handle.read(_CHUNK)
        if not self.wide:
            if (nul := chunk.find(0)) >= 0:
                raise BinaryReportError(self.source, f"NUL byte at offset {self.offset + nul}: not text")
            self.controls += len(_CONTROL_BYTES.findall(chunk))
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise UndecodableReportError(
                self.source, f"not {self.name} throughout (as its first {_size(WHOLE_TEXT)} are): bytes near offset "
                             f"{self.offset + error.start:,} do not decode (a damaged file, or one that mixes "
                             f"encodings)") from None
        self.offset += len(chunk)
        if self.first:
            text, self.first = text.removeprefix("\ufeff"), False
        if not chunk:
            self.done = True
            if self.controls > 0.001 * self.offset:
                raise BinaryReportError(self.source, f"{self.controls} control characters in {self.offset} bytes: "
                                                     f"not text")
        self.pending += text

    def read(self, size: int | None = -1) -> str:
        while not self.done and (size is None or size < 0 or len(self.pending) < size):
            self._more()
        if size is None or size < 0:
            out, self.pending = self.pending, ""
        else:
            out, self.pending = self.pending[:size], self.pending[size:]
        return out


def _text(data, source: Source):
    """A text table's text as a stream, its encoding and the notes of how it was decoded: a table of up
    to :data:`WHOLE_TEXT` bytes decoded whole (see :func:`toolkit.readers.txt.decode`), a larger one in
    chunks as it is read (:class:`_Decoding`), in the encoding of its first 8 MB."""
    if data_size(data) <= WHOLE_TEXT:
        raw = data if isinstance(data, (bytes, bytearray)) else as_file(data).read()
        (text, encoding, _), notes = decode_with_notes(bytes(raw), source, short=True)
        return io.StringIO(text.removeprefix("\ufeff")), encoding, notes
    handle = as_file(data)
    head = handle.read(WHOLE_TEXT)
    cut = head.rfind(b"\n") + 1 or len(head)
    (_, encoding, _), notes = decode_with_notes(head[:cut], source, short=True)
    if "+" in encoding:
        raise UndecodableReportError(source, f"its lines are in several encodings ({', '.join(encoding.split('+'))}): "
                                             f"a table over {WHOLE_TEXT // 1_000_000} MB is read in one encoding only")
    handle.seek(0)
    return _Decoding(handle, encoding, source), encoding, notes


def _delimited(data, source: Source, options: ReadOptions, separator: str):
    """The rows of a CSV or TSV table as records (column → string), notes on rows (by 1-based number),
    its encoding and the columns; parsed ``_ROWS`` rows at a time."""
    import warnings

    import pandas as pd

    stream, encoding, notes = _text(data, source)
    header = None if options.columns else 0
    columns, records = None, []
    try:
        with warnings.catch_warnings():
            # a first row with more fields than the header: pandas would make a column the index, or (with
            # index_col=False) drop the extra fields with only a warning; either loses text
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # the C engine reads fields of any length (the csv module's 128 KB limit does not apply)
            with pd.read_csv(stream, sep=separator, header=header, dtype=str, keep_default_na=False, na_filter=False,
                             engine="c", skip_blank_lines=True, index_col=False, chunksize=_ROWS) as chunks:
                for frame in chunks:
                    if columns is None:
                        columns = _named(frame, source, options)
                    frame.columns = columns
                    records += frame.to_dict("records")
    except ReportError:
        raise
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError) as error:
        what = "TSV" if separator == "\t" else "CSV"
        reason = " ".join(str(error).split())
        if isinstance(error, pd.errors.ParserWarning):
            reason = "a row has more fields than the header"
        overflow = isinstance(error, pd.errors.ParserWarning) or "Expected" in reason
        if separator == "\t" and overflow:
            if isinstance(stream, io.StringIO):  # decoded whole: read it again from the start
                stream.seek(0)
            else:
                stream, _, _ = _text(data, source)
            frame, row_notes = _overflowing_tsv(stream.read(), source, options, reason)
            columns = [str(column) for column in frame.columns]
            frame.columns = columns
            return frame.to_dict("records"), row_notes, f"table:{encoding}", columns, notes
        hint = " (a text holding commas must be quoted)" if overflow else ""
        raise FormatError(source, f"not a readable {what} table: {reason}{hint}") from None
    if columns is None:
        raise FormatError(source, f"not a readable {'TSV' if separator == chr(9) else 'CSV'} table: no rows")
    return records, {}, f"table:{encoding}", columns, notes


def _named(frame, source: Source, options: ReadOptions) -> list[str]:
    """The column names of a table's first chunk: as the table has them, or as ``--columns`` names them."""
    if options.columns:
        if len(options.columns) != len(frame.columns):
            raise FormatError(source, f"{len(frame.columns)} columns, but --columns names {len(options.columns)}: "
                                      f"{', '.join(options.columns)}")
        return list(options.columns)
    return [str(column) for column in frame.columns]


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


class _TooLong(ValueError):
    """A JSON number with more digits than Python converts."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _TooLong(len(text.lstrip("-")))
    return int(text)


_MAX_DIGITS = 4300  # Python's int_max_str_digits


def _lines(stream, max_bytes: int | None):
    """The lines of a text stream, read in chunks; a line longer than ``max_bytes`` characters is given as
    None (it is not kept whole in memory)."""
    pending, dropping = "", False
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split("\n")
        for line in complete:
            if dropping:
                dropping = False
                yield None
            else:
                yield line
        if max_bytes is not None and len(pending) > max_bytes:
            pending, dropping = "", True
    if dropping:
        yield None
    elif pending:
        yield pending


def _jsonl(data, source: Source, options: ReadOptions) -> tuple[list, str, list, tuple]:
    """The rows of a JSON Lines file (an error for each line that is not a JSON object, is nested too
    deep, holds a number too long or is over the size limit), its encoding and how it was decoded."""
    stream, encoding, notes = _text(data, source)
    rows, errors, number = [], [], 0
    for line_number, line in enumerate(_lines(stream, options.max_bytes), 1):
        if line is not None and not line.strip():
            continue
        number += 1
        problem = None
        if line is None:
            problem = f"over the {_size(options.max_bytes)} limit for one report (max_bytes)"
        else:
            try:
                row = json.loads(line, parse_int=_integer)
            except json.JSONDecodeError as error:
                problem = f"not a JSON object: {error.msg} at column {error.colno}"
            except RecursionError:
                problem = "not a JSON object Python can read: nested too deeply (more than about 1,000 levels)"
            except _TooLong as error:
                problem = (f"not a JSON object Python can read: a number too long ({error.args[0]:,} digits; at most "
                           f"{_MAX_DIGITS:,} are read)")
            else:
                if not isinstance(row, dict):
                    problem = f"not a JSON object but a {type(row).__name__}"
        if problem is not None:
            where = f"line {line_number}: " if line_number != number else ""
            errors.append((number, where + problem))
            rows.append(None)
            continue
        rows.append(row)
    return rows, f"table:{encoding}", errors, notes


# --------------------------------------------------------------------------- binary tables

_INDEX = re.compile(r"__index_level_\d+__")


def _parquet(data, source: Source, options: ReadOptions) -> tuple[list, list]:
    """The rows of a Parquet file as records, and its columns, read a batch at a time; refused before any
    row is read when its row groups state more than ``max_unpacked`` bytes unpacked."""
    import pyarrow.parquet as pq

    head = data_head(data, 4)
    try:
        parquet = pq.ParquetFile(as_file(data))
        metadata = parquet.metadata
        unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        names = [name for name in parquet.schema_arrow.names if not _INDEX.fullmatch(name)]
    except Exception as error:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError …
        what = "a damaged Parquet file" if head == b"PAR1" else "not a Parquet file"
        raise FormatError(source, f"not a readable Parquet file: {what} ({_said(error)})") from None
    if options.max_unpacked is not None and unpacked > options.max_unpacked:
        raise FormatError(source, f"would unpack to {_size(unpacked)}, over the {_size(options.max_unpacked)} limit "
                                  f"(max_unpacked): not read")
    records: list = []
    try:
        for batch in parquet.iter_batches(batch_size=1000, columns=names, use_pandas_metadata=False):
            records += batch.to_pylist()
    except Exception as error:  # noqa: BLE001 - a damaged page, bad compressed data, text that is not UTF-8 …
        raise FormatError(source, f"not a readable Parquet file: a damaged Parquet file ({_said(error)})") from None
    return records, names


def _said(error: Exception) -> str:
    """An exception in a message: its text on one line (its type where it says nothing)."""
    if isinstance(error, UnicodeDecodeError):
        return "a text that is not UTF-8"
    return " ".join(str(error).split()) or type(error).__name__


def _binary(data, source: Source, options: ReadOptions, kind: str):
    import pandas as pd

    notes = []
    if kind == "parquet":
        records, columns = _parquet(data, source, options)
        if options.columns:
            if len(options.columns) != len(columns):
                raise FormatError(source, f"{len(columns)} columns, but --columns names {len(options.columns)}: "
                                          f"{', '.join(options.columns)}")
            records = [dict(zip(options.columns, record.values())) for record in records]
            columns = list(options.columns)
        return records, [str(c) for c in columns], kind, notes
    try:
        if kind == "xlsx":
            from .archive import check_package

            check_package(data, source, options, "Excel file", options.max_unpacked)
            with pd.ExcelFile(as_file(data), engine="openpyxl") as workbook:
                names = workbook.sheet_names
                frame = pd.read_excel(workbook, sheet_name=names[0], header=None if options.columns else 0)
            if len(names) > 1:
                notes.append(f"the first sheet ({names[0]!r}) is read; {len(names) - 1} other sheet"
                             f"{'s are' if len(names) > 2 else ' is'} not")
        else:
            frame = pd.read_stata(as_file(data), convert_categoricals=True)
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl and pandas' Stata reader raise many kinds
        names = {"xlsx": "Excel file", "dta": "Stata file"}
        raise FormatError(source, f"not a readable {names[kind]}: {_said(error)}") from None
    if options.columns:
        frame.columns = _named(frame, source, options)
    columns = [str(column) for column in frame.columns]
    frame.columns = columns
    try:
        records = frame.to_dict("records")
    except UnicodeDecodeError as error:
        raise FormatError(source, f"not a readable {'Excel' if kind == 'xlsx' else 'Stata'} file: "
                                  f"{_said(error)}") from None
    return records, columns, kind, notes


# --------------------------------------------------------------------------- reading

def read(data, source: Source, options: ReadOptions) -> list:
    """A report per row (an error for each row without text, or whose text is over ``max_bytes``).
    ``data``: the table's bytes, or an open file. Raises :class:`FormatError` for a table that cannot be
    read or has no text column."""
    kind = _kind(source, options)
    notes: list[str] = []  # on every row
    row_notes: dict[int, list[str]] = {}
    bad: list[tuple[int, str]] = []
    if kind == "jsonl":
        if options.columns:
            raise FormatError(source, "--columns is for a table without a header row; JSON Lines name their fields")
        records, encoding, bad, read_notes = _jsonl(data, source, options)
        notes += read_notes
        columns = list(dict.fromkeys(key for row in records if row for key in row))
    elif kind in ("csv", "tsv"):
        records, row_notes, encoding, columns, read_notes = _delimited(data, source, options,
                                                                       "," if kind == "csv" else "\t")
        notes += read_notes
    else:
        records, columns, encoding, notes = _binary(data, source, options, kind)
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
        # surrogatepass: a lone surrogate (from a JSON escape) is refused by the text check, not here
        if options.max_bytes is not None and len(text) > options.max_bytes // 4 \
                and (size := len(text.encode("utf-8", "surrogatepass"))) > options.max_bytes:
            items.append(ReportError(where, f"{_size(size)}, over the {_size(options.max_bytes)} limit for one report "
                                            f"(max_bytes)"))
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        cut = [f"a text of {EXCEL_CELL:,} characters, as many as an Excel cell holds: it may have been cut"] \
            if kind == "xlsx" and len(text) == EXCEL_CELL else []
        fields = {str(key): value for key, cell in record.items()
                  if key != text_column and (value := _string(cell)) is not None}
        share, _ = common_share(text)
        items.append(RawReport(source=where, text=text, encoding=encoding, confidence=round(share, 4),
                               sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), fields=fields,
                               notes=tuple(notes + row_notes.get(number, []) + cut)))
    return items
