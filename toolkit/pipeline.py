"""The stage spine: every stage computed once, stored as tables in chunks, read by every entry point.

>>> spine = Spine("corpus/")               # what the corpus is: its files, how they are read
>>> corpus = spine.corpus()                # reports, sections, units (with unit_id), from stored stages
>>> spine.tokens(Tokenizer())              # one stored table a stage: a Stage (pyarrow dataset, DuckDB view)
>>> spine.query("SELECT kind, count(*) FROM units GROUP BY kind")

A stage is a function of the stages before it and of its own parameters. Its output is a table written
in chunks of reports as Parquet part files under ``.cache/stages/<corpus fingerprint>/<stage>/<key>/``,
with a ``manifest.json`` written last: the stage, its key (the inputs' fingerprints and its parameters),
the schema, and every part's rows, size and BLAKE3 checksum. A stage is read only when its manifest
says it is whole and every part has the size and checksum recorded; a stage without its manifest or
with a corrupt part is set aside and computed again, with one :class:`toolkit.cache.CacheWarning`. A
stage is built in a folder of its process's own and renamed into place once whole: a killed run leaves
no stage (what it left is removed by the next run), and two processes never touch each other's parts.

The stages, in order (each stage's key holds the key of the one it reads, so changing the lexicon
recomputes the theme matches, not the reading):

================  ===========================================  ==========================================
stage             rows                                          computed
================  ===========================================  ==========================================
``cleaned``       one report as read and cleaned (its text,     by chunks of files, in parallel
                  metadata found in it, removed lines, notes)
``reports``       one report described (:data:`toolkit.dataset.   once over the corpus: ids, the user's
                  REPORT_COLUMNS`)                              metadata.csv, labels, duplicates
``sections``      one section (:data:`toolkit.sections.           by chunks of reports, in parallel
                  SECTION_COLUMNS`)
``units``         one unit, with its ``unit_id``                by chunks of reports, in parallel
``boilerplate``   ``unit_id``, ``boilerplate``                  once over the units
``tokens``        ``unit_id``, ``tokens``                       by chunks of units (a Tokenizer's key)
``theme_matches`` one match (:func:`toolkit.themes.find_matches`) by chunks of units (a lexicon's key)
================  ===========================================  ==========================================

``unit_id`` is born in ``units`` (``<report_id>.<section_index>.<unit_index>``) and used by every stage
after it, by the command line's JSON and by the export.

**The corpus fingerprint** is the BLAKE3 hash of what decides the stages: the files found under the
paths (their paths, sizes and contents), how they are read (format, columns, text column, size limits),
and the source of the code that reads and segments them (``toolkit/readers``, ``corpus.py``,
``sections.py`` …) with the data it reads (``data/geo``, ``data/lexicon/agencies.csv``): a change to
any of them is a new corpus, never a stale table.

**Parallel and distributed by one path.** The chunks go through :class:`joblib.Parallel` (``n_jobs``):
all the cores of one machine, or a Dask cluster under ``joblib.parallel_config(backend="dask")``; the
tables are the same either way (the chunks are put back in order).

**Progress.** A stage that takes more than a couple of seconds shows a bar on stderr (tqdm, no widget),
unless ``progress=False`` (the command line's ``--quiet``; ``make figures`` sets ``TOOLKIT_PROGRESS=0``
so that the notebooks' outputs stay the same from run to run).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from stat import S_ISREG
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .cache import CacheWarning, write_atomic
from .corpus import MAX_BYTES
from .readers import PathLike

#: Bumped when a stored stage's layout or meaning changes.
SPINE_VERSION = 1
#: Files read per chunk of the ``cleaned`` stage, reports per chunk of the later ones.
CHUNK_FILES = 64
CHUNK_REPORTS = 256
#: Units per chunk of the token and theme stages.
CHUNK_UNITS = 20_000
#: The most memory DuckDB takes for the stage ``boilerplate`` (it spills to disk beyond).
DUCKDB_MEMORY = "512MB"
STAGE_MANIFEST = "manifest.json"
#: The code and data whose change makes a new corpus fingerprint (relative to the project root).
CODE = ("toolkit/readers", "toolkit/corpus.py", "toolkit/header.py", "toolkit/sections.py", "toolkit/metadata.py",
        "toolkit/geo.py", "toolkit/dataset.py", "toolkit/boilerplate.py", "toolkit/numerals.py", "toolkit/errors.py",
        "toolkit/pipeline.py", "data/geo", "data/lexicon/agencies.csv")


# ---------------------------------------------------------------------------------------------- hashing
def _hasher():
    import blake3

    return blake3.blake3()


def _digest(*parts: bytes | str) -> str:
    h = _hasher()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    h = _hasher()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_fingerprint() -> str:
    """The BLAKE3 hash of the code and data that read and segment a corpus (:data:`CODE`)."""
    h = _hasher()
    for name in CODE:
        path = paths.PROJECT_ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".csv", ".tsv", ".toml", ".txt"):
                h.update(f.relative_to(paths.PROJECT_ROOT).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- progress
def progress_enabled(progress: bool | None) -> bool:
    """Whether bars are shown: ``progress`` if given, else unless ``TOOLKIT_PROGRESS=0``."""
    if progress is not None:
        return bool(progress)
    return os.environ.get("TOOLKIT_PROGRESS", "1") != "0"


#: Seconds a stage runs before its bar appears (tqdm's ``delay``): short stages show none.
PROGRESS_DELAY = 2.0


def _bar(total: int, desc: str, enabled: bool):
    """A text bar on stderr (no widget, so a notebook's output stays plain), shown after :data:`PROGRESS_DELAY`."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=" chunks", file=sys.stderr, delay=PROGRESS_DELAY,
                disable=not enabled, dynamic_ncols=True, leave=False)


# ---------------------------------------------------------------------------------------------- stages
class StageError(Exception):
    """A stored stage that cannot be used (the message says why, in words)."""


@dataclass
class Stage:
    """One stored table: Parquet part files and the manifest that vouches for them.

    ``folder`` holds ``part-NNNNN.parquet`` and ``manifest.json``; :meth:`is_whole` checks the manifest
    and every part (size and BLAKE3); :meth:`read`, :meth:`dataset` and :meth:`parts` read it."""

    folder: Path
    name: str
    key: dict

    @cached_property
    def manifest(self) -> dict:
        with open(self.folder / STAGE_MANIFEST, encoding="utf-8") as handle:
            return json.load(handle)

    def problem(self) -> str | None:
        """Why the stored stage cannot be read (None when it is whole; "absent" when there is none)."""
        if not (self.folder / STAGE_MANIFEST).is_file():
            return "absent" if not self.folder.exists() else "incomplete (no manifest: a run was stopped?)"
        try:
            manifest = self.manifest
        except (OSError, ValueError) as error:
            return f"its manifest is unreadable ({error})"
        if manifest.get("version") != SPINE_VERSION or manifest.get("key") != self.key:
            return "its manifest is another stage's"
        for part in manifest.get("parts", []):
            path = self.folder / part["file"]
            if not path.is_file() or path.is_symlink():
                return f"{part['file']} is missing or not a regular file"
            if path.stat().st_size != part["bytes"]:
                return f"{part['file']} has {path.stat().st_size:,} bytes, not the {part['bytes']:,} recorded"
            if _file_digest(path) != part["blake3"]:
                return f"{part['file']} fails its checksum"
        return None

    def parts(self) -> list[Path]:
        return [self.folder / part["file"] for part in self.manifest["parts"]]

    @property
    def rows(self) -> int:
        return sum(part["rows"] for part in self.manifest["parts"])

    def dataset(self):
        """The stage as a :class:`pyarrow.dataset.Dataset` over its parts (scanned, never loaded whole)."""
        import pyarrow.dataset as ds

        return ds.dataset([str(p) for p in self.parts()], format="parquet")

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The whole table (or some columns) as a DataFrame, parts in order."""
        import pyarrow.parquet as pq

        tables = [pq.read_table(p, columns=list(columns) if columns else None) for p in self.parts()]
        if not tables:
            return pd.DataFrame(columns=columns or self.manifest.get("columns", []))
        import pyarrow as pa

        return pa.concat_tables(tables).to_pandas()

    def iter_parts(self, columns: Sequence[str] | None = None) -> Iterable[pd.DataFrame]:
        import pyarrow.parquet as pq

        for p in self.parts():
            yield pq.read_table(p, columns=list(columns) if columns else None).to_pandas()


def arrow_table(frame: pd.DataFrame, types: dict[str, str] | None = None):
    """``frame`` as an Arrow table, its columns of the types ``types`` declares (string, integer, float,
    boolean: :data:`toolkit.sections.SECTION_TYPES` …), so that every part of a stage has one schema
    whatever its values (a column empty in one chunk is still a string column)."""
    import pyarrow as pa

    arrow = {"string": pa.string(), "integer": pa.int64(), "float": pa.float64(), "boolean": pa.bool_(),
             "binary": pa.binary()}
    columns = []
    for name in frame.columns:
        values = frame[name]
        kind = (types or {}).get(name)
        if kind is None:
            columns.append(pa.array(values, from_pandas=True))
        elif kind in ("string", "binary"):
            columns.append(pa.array([None if _value(v) is None else v for v in values], arrow[kind]))
        else:
            columns.append(pa.array(values.astype(object).where(values.notna(), None), arrow[kind], from_pandas=True))
    return pa.Table.from_arrays(columns, names=[str(c) for c in frame.columns])


def write_part(folder: Path, index: int, frame: pd.DataFrame, types: dict[str, str] | None = None) -> dict:
    """Write ``frame`` (columns of ``types``: :func:`arrow_table`) as part ``index`` of a stage
    (``part-NNNNN.parquet``, renamed into place once whole) and return what the manifest records of it:
    file, rows, bytes, BLAKE3. Runs where the chunk was computed (a worker process, or a Dask worker on a
    shared file system)."""
    return write_table_part(folder, index, arrow_table(frame, types))


def write_table_part(folder: Path, index: int, table) -> dict:
    """Write an Arrow table as part ``index`` of a stage (see :func:`write_part`)."""
    import pyarrow.parquet as pq

    name = f"part-{index:05d}.parquet"
    path = folder / name
    tmp = path.with_name("." + name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return {"file": name, "rows": table.num_rows, "bytes": path.stat().st_size, "blake3": _file_digest(path),
            "columns": table.column_names}


def _strings(values):
    import pyarrow as pa

    return pa.array([str(v) for v in values], pa.string())


class _Writer:
    """Gathers a stage's parts (written here or by workers) into a folder of this process's own, writes
    its manifest last, then renames the folder into place: a killed run leaves no stage that reads as
    whole, and two processes computing the same stage (two notebooks, two commands) never write into, or
    discard, each other's parts; the first to finish wins and the other keeps its result. While it is
    being built, ``stage.folder`` is the private folder (what the workers are given)."""

    def __init__(self, stage: Stage):
        self.stage = stage
        self.final = stage.folder
        self.final.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{self.final.name}.building-"
        for left in self.final.parent.glob(prefix + "*"):
            # a build that was stopped: this process's own earlier attempt, or a process that is gone
            pid = left.name[len(prefix):].split("-")[0]
            if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
                _discard(left)
        stage.folder = self.final.with_name(f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        stage.folder.mkdir()
        self.parts: list[dict] = []

    def write(self, frame: pd.DataFrame, types: dict[str, str] | None = None) -> None:
        self.add(write_part(self.stage.folder, len(self.parts), frame, types))

    def add(self, part: dict | None) -> None:
        if part is not None:
            self.parts.append(part)

    def finish(self, extra: dict | None = None) -> Stage:
        parts = sorted(self.parts, key=lambda p: p["file"])
        columns = parts[0]["columns"] if parts else []
        manifest = {"stage": self.stage.name, "version": SPINE_VERSION, "key": self.stage.key,
                    "parts": [{k: v for k, v in p.items() if k != "columns"} for p in parts], "columns": columns,
                    **(extra or {})}
        # ASCII: a file name that is not UTF-8 (a lone surrogate) is written escaped, and read back as it was
        write_atomic(self.stage.folder / STAGE_MANIFEST, json.dumps(manifest, indent=1).encode())
        built, self.stage.folder = self.stage.folder, self.final
        self.stage.__dict__.pop("manifest", None)
        for _ in range(3):
            try:
                os.rename(built, self.final)
                return self.stage
            except OSError:
                # another process put the same stage in place first: keep it when whole, else replace it
                if self.stage.problem() is None:
                    _discard(built)
                    return self.stage
                _discard(self.final)
        raise StageError(f"{self.final}: the stage {self.stage.name!r} could not be put in place")

    def abandon(self) -> None:
        """Remove what was built (the stage stays absent)."""
        _discard(self.stage.folder)
        self.stage.folder = self.final


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _discard(folder: Path) -> None:
    """Remove a stage's folder (never following a symlink out of the cache)."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


# ---------------------------------------------------------------------------------------------- records
#: The columns of the ``cleaned`` stage: what :class:`toolkit.corpus.Report` holds (nested values as JSON),
#: where it was found (``position``: file number × 10⁶ + item), and what finds its duplicates
#: (:func:`toolkit.metadata.squeezed_digest`, :func:`toolkit.metadata.duplicate_keys` as uint64 bytes).
CLEANED_COLUMNS = ["position", "path", "member", "row", "root", "sha256", "encoding", "encoding_confidence", "text",
                   "meta", "removed", "repairs", "notes", "fields", "pages", "header", "dup_digest", "dup_keys"]
CLEANED_TYPES = {**{c: "string" for c in CLEANED_COLUMNS}, "position": "integer", "row": "integer",
                 "encoding_confidence": "float", "path": "binary", "member": "binary", "root": "binary",
                 "dup_digest": "binary", "dup_keys": "binary"}
#: The columns of a stored error: the position of the report (or file), where (as printed), the file,
#: member and row, the reason, the kind of error, the report's id where it has one.
ERROR_COLUMNS = ["position", "where", "path", "member", "row", "reason", "kind", "report_id"]
_PER_FILE = 1_000_000  # positions: file number × this + the item's number in its file


def _json(value) -> str:
    """``value`` as JSON (Chinese as it is; escaped only where a string holds a lone surrogate, as a file name
    that is not UTF-8 does, so that the JSON is always valid UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, sort_keys=True, default=str)
    return text


def _fs(path) -> bytes | None:
    """A path as stored: its bytes on the file system (a name that is not UTF-8 kept as it is)."""
    return None if path is None else os.fsencode(path)


def _path(value) -> Path | None:
    value = _value(value)
    return None if value is None else Path(os.fsdecode(value))


def report_record(report, position: int, rate: int) -> dict:
    """A cleaned report as a row of the ``cleaned`` stage (duplicate keys sampled at ``rate``)."""
    from .metadata import duplicate_keys, squeezed_digest

    source = report.source
    return {"position": position, "path": _fs(report.path),
            "member": _fs(source.member) if source and source.member is not None else None,
            "row": source.row if source else None, "root": _fs(report.root), "sha256": report.sha256,
            "encoding": report.encoding, "encoding_confidence": float(report.encoding_confidence),
            "text": report.text, "meta": _json(report.meta),
            "removed": _json([[r.line, r.text, r.rule] for r in report.removed]),
            "repairs": _json([[r.line, r.before, r.after] for r in report.repairs]),
            "notes": _json(list(report.notes)), "fields": _json(report.fields), "pages": _json(report.pages),
            "header": _json(report.header), "dup_digest": squeezed_digest(report.text),
            "dup_keys": duplicate_keys(report.text, rate).tobytes()}


def record_report(row: dict, report_id: str):
    """The :class:`toolkit.corpus.Report` a row of the ``cleaned`` stage holds, under ``report_id``."""
    from .corpus import Removed, Repair, Report
    from .readers import Source

    path = _path(row["path"])
    member = _value(row["member"])
    return Report(report_id=report_id, path=path, sha256=row["sha256"], encoding=row["encoding"], text=row["text"],
                  meta=json.loads(row["meta"]), removed=tuple(Removed(*r) for r in json.loads(row["removed"])),
                  repairs=tuple(Repair(*r) for r in json.loads(row["repairs"])),
                  encoding_confidence=float(row["encoding_confidence"]), notes=tuple(json.loads(row["notes"])),
                  source=Source(path, None if member is None else os.fsdecode(member), _number(row["row"])),
                  fields=json.loads(row["fields"]), pages=tuple(tuple(p) for p in json.loads(row["pages"])),
                  root=_path(row["root"]), header=json.loads(row["header"]))


def _value(value):
    """None for a missing value of a stored table (None, NaN, pandas' NA), else the value."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


def _number(value) -> int | None:
    value = _value(value)
    return None if value is None else int(value)


def error_record(error, position: int, report_id: str | None = None) -> dict:
    """A :class:`toolkit.errors.ReportError` as a stored row (:data:`ERROR_COLUMNS`)."""
    where = error.where
    return {"position": position, "where": str(where), "path": str(error.path),
            "member": getattr(where, "member", None), "row": getattr(where, "row", None), "reason": error.reason,
            "kind": type(error).__name__, "report_id": report_id}


def record_error(row: dict):
    """The error (of its kind: :class:`toolkit.errors.ReportError` or one of its subclasses) a stored row
    describes."""
    from . import errors, metadata
    from .readers import Source

    kind = getattr(errors, str(row["kind"]), None) or getattr(metadata, str(row["kind"]), None)
    if not (isinstance(kind, type) and issubclass(kind, errors.ReportError)):
        kind = errors.ReportError
    path = Path(row["path"])
    member, number = _value(row.get("member")), _number(row.get("row"))
    where = Source(path, member, number) if (member is not None or number is not None) else path
    return kind(where, row["reason"])


# ---------------------------------------------------------------------------------------------- chunks
def _clean_chunk(folder: Path, index: int, found: list, start: int, options, rate: int):
    """Read and clean the files of one chunk (``found``, numbered from ``start``) and write their rows as
    part ``index`` of the ``cleaned`` stage. Returns the part (None when no report was read), the errors,
    and (file number, source) of each report, for their ids."""
    from .corpus import clean, guarded
    from .errors import ReportError
    from .readers import read_file

    records, errors, sources = [], [], []
    for k, f in enumerate(found, start):
        try:
            items = guarded(read_file, f.path, f.path, options)
        except ReportError as error:
            errors.append(error_record(error, k * _PER_FILE))
            continue
        for i, item in enumerate(items):
            position = k * _PER_FILE + i
            if isinstance(item, ReportError):
                errors.append(error_record(item, position))
                continue
            if f.note:  # an old .doc passed over for this file is said in its notes
                item = replace(item, notes=(*item.notes, f.note))
            try:
                report = replace(guarded(clean, item.source, item, item.source.name), root=f.root)
            except ReportError as error:
                errors.append(error_record(error, position))
                continue
            records.append(report_record(report, position, rate))
            sources.append((position, k, item.source))
    part = write_part(folder, index, pd.DataFrame(records, columns=CLEANED_COLUMNS), CLEANED_TYPES) if records else None
    return part, errors, sources


def _segment_chunk(folders: tuple[Path, Path], index: int, rows: list[dict], years: list, ids: list[str]):
    """Sections and units of one chunk of cleaned reports (with their years and ids), written as part
    ``index`` of the ``sections`` and ``units`` stages. Returns the two parts and the errors."""
    from .corpus import pages_of
    from .dataset import CORPUS_UNIT_TYPES, UNIT_PAGE_COLUMN, _pages_text, segment_report
    from .errors import ReportError
    from .sections import SECTION_TYPES

    sections, units, errors = [], [], []
    for row, year, report_id in zip(rows, years, ids):
        report = record_report(row, report_id)
        try:
            s, u = segment_report(report, year)
        except ReportError as error:
            errors.append(error_record(error, row["position"], report_id))
            continue
        u[UNIT_PAGE_COLUMN] = ([_pages_text(pages_of(report, a, b)) for a, b in zip(u["start"], u["end"])]
                               if report.pages else None)
        sections.append(s)
        units.append(u)
    if not sections:
        return None, None, errors
    s = pd.concat(sections, ignore_index=True)
    u = pd.concat(units, ignore_index=True)
    return (write_part(folders[0], index, s, SECTION_TYPES), write_part(folders[1], index, u, CORPUS_UNIT_TYPES),
            errors)


def _sentence_chunk(work: Path, index: int, path: Path, offset: int, codes: dict[str, int]) -> list[dict | None]:
    """The sentences and forms (:func:`toolkit.boilerplate.sentence_tables`) of one part of the stage
    ``units`` (its units numbered from ``offset``), written as part ``index`` of each."""
    import pyarrow.parquet as pq

    from .boilerplate import sentence_tables

    units = pq.read_table(path, columns=["report_id", "text"]).to_pandas()
    sentences, forms = sentence_tables(units, np.arange(offset, offset + len(units)),
                                       [codes.get(r, -1) for r in units["report_id"]])
    if sentences.empty:
        return [None, None]
    return [write_part(work / "sentences", index, sentences), write_part(work / "forms", index, forms)]


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _parallel(function: Callable, tasks: Iterable[tuple], n_jobs, bar) -> Iterable:
    """``function(*task)`` for every task, through joblib (processes, or a Dask cluster under
    ``joblib.parallel_config(backend="dask")``), yielded in task order as they are done; the bar advances
    with each. Tasks are taken as workers free up (never all at once); ``n_jobs`` 1 runs them here."""
    from joblib import Parallel, delayed

    if n_jobs == 1:
        for task in tasks:
            yield function(*task)
            bar.update(1)
        return
    for result in Parallel(n_jobs=n_jobs, return_as="generator")(delayed(function)(*task) for task in tasks):
        yield result
        bar.update(1)


class _Named:
    """What :func:`toolkit.dataset._user_rows` reads of a report (its id, file, folder, member), without its text."""

    def __init__(self, report_id: str, row: dict):
        from .readers import Source

        self.report_id, self.path, self.root = report_id, _path(row["path"]), _path(row["root"])
        member = _value(row["member"])
        self.source = Source(self.path, None if member is None else os.fsdecode(member), _number(row["row"]))


# ---------------------------------------------------------------------------------------------- the spine
def stages_root() -> Path:
    """Where stages are stored: ``TOOLKIT_STAGES`` if set, else ``.cache/stages`` in the project."""
    return Path(os.environ.get("TOOLKIT_STAGES") or paths.CACHE_DIR / "stages")


@dataclass
class Spine:
    """The stored stages of one corpus (see the module's docstring).

    ``paths``: files and folders, as :func:`toolkit.dataset.load_corpus` takes them; ``options``: a
    :class:`toolkit.readers.ReadOptions`; ``skip_bad``: list bad reports instead of raising the first;
    ``keep_duplicates``: segment duplicates too; ``root``: where stages are stored (default
    :func:`stages_root`); ``n_jobs``: processes for the chunks (None: all cores when there are several
    chunks; 1: this process only); ``progress``: bars on stderr (None: unless ``TOOLKIT_PROGRESS=0``)."""

    paths: Sequence
    options: object = None
    skip_bad: bool = False
    keep_duplicates: bool = False
    root: Path | None = None
    n_jobs: int | None = None
    progress: bool | None = None

    def __post_init__(self):
        from .readers import ReadOptions

        self.paths = list(self.paths) if isinstance(self.paths, (list, tuple)) else [self.paths]
        self.options = self.options or ReadOptions()
        self.root = Path(self.root) if self.root is not None else stages_root()

    def jobs_for(self, items: int, chunk: int = CHUNK_REPORTS) -> int:
        """The processes for ``items`` in chunks of ``chunk``: ``n_jobs``, or when None all cores where
        there are several chunks (one chunk runs here: starting processes would cost more)."""
        if self.n_jobs is not None:
            return self.n_jobs
        return -1 if items > chunk else 1

    # ------------------------------------------------------------------ what the corpus is
    @cached_property
    def discovered(self) -> tuple[list, list, list[str]]:
        """The report files found (:class:`toolkit.readers.Found`), the paths that gave none (errors), and
        what discovery left out on purpose (notes)."""
        from .readers import discover

        notes: list[str] = []
        found, errors = discover(self.paths, notes)
        return found, errors, notes

    @cached_property
    def fingerprint(self) -> str:
        """The corpus fingerprint (see the module's docstring)."""
        found, errors, notes = self.discovered
        o = self.options
        parts = [f"spine {SPINE_VERSION}", code_fingerprint(), _json(dataclasses_asdict(o)),
                 _json([str(e) for e in errors]), _json(notes)]
        for f in found:
            stat = f.path.stat()
            parts.append(_json([str(f.path), str(f.root) if f.root else None, stat.st_size, f.note]))
            # a FIFO or a device is never read here (it could block): reading it says what it is
            parts.append(_file_digest(f.path) if S_ISREG(stat.st_mode) else f"not a regular file {stat.st_mode:o}")
        return _digest(*parts)[:32]

    @cached_property
    def rate(self) -> int:
        """The sampling rate of the duplicate keys (:func:`toolkit.metadata.sampling_rate`), from the size
        of the files (about two bytes a character)."""
        from .metadata import sampling_rate

        found, _, _ = self.discovered
        return sampling_rate(sum(f.path.stat().st_size for f in found if f.path.is_file()) // 2)

    def _stage(self, name: str, key: dict) -> Stage:
        folder = self.root / self.fingerprint / name / _digest(_json(key))[:16]
        return Stage(folder, name, key)

    def _whole(self, stage: Stage) -> bool:
        """Whether a stored stage can be read; a broken one is removed, with one warning, to be computed again."""
        problem = stage.problem()
        if problem is None:
            _touch(stage.folder.parent.parent)
            return True
        if problem != "absent":
            _discard(stage.folder)
            warnings.warn(f"{stage.folder}: the stored stage {stage.name!r} is {problem}; computed again",
                          CacheWarning, stacklevel=3)
        return False

    def _bar(self, total: int, desc: str):
        return _bar(total, desc, progress_enabled(self.progress))

    # ------------------------------------------------------------------ cleaned, reports
    def cleaned(self) -> Stage:
        """Every report read and cleaned, by chunks of files (stage ``cleaned``); its manifest holds the
        errors and each report's id by position."""
        stage = self._stage("cleaned", {"corpus": self.fingerprint, "rate": self.rate})
        if self._whole(stage):
            return stage
        prune(self.root, keep=self.fingerprint)
        found, _, _ = self.discovered
        writer = _Writer(stage)
        tasks = [(stage.folder, n, list(chunk), start, self.options, self.rate)
                 for n, (start, chunk) in enumerate(zip(range(0, len(found), CHUNK_FILES), _chunks(found, CHUNK_FILES)))]
        errors, sources = [], []
        with self._bar(len(tasks), "reading") as bar:
            for part, errs, srcs in _parallel(_clean_chunk, tasks, self.jobs_for(len(found), CHUNK_FILES), bar):
                writer.add(part)
                errors += errs
                sources += srcs
        return writer.finish({"errors": errors, "ids": _report_ids(found, sources)})

    def _metadata_files(self) -> list[list[str]]:
        """The user's metadata.csv files that may describe the reports, with their BLAKE3 (part of the key
        of the stage ``reports``: a changed metadata.csv describes the reports again)."""
        from .metadata import METADATA_FILE

        found, _, _ = self.discovered
        folders = {f.path.parent for f in found} | {f.root for f in found if f.root is not None}
        files = [folder / METADATA_FILE for folder in sorted(folders)]
        return [[str(f), _file_digest(f)] for f in files if f.is_file()]

    def reports(self) -> tuple[Stage, Stage]:
        """The reports described (stage ``reports``: :data:`toolkit.dataset.REPORT_COLUMNS` but the text)
        and their texts (stage ``texts``: ``report_id``, ``text``), made part by part: only the rows, never
        every text, are held at once."""
        cleaned = self.cleaned()
        key = {"cleaned": cleaned.key, "skip_bad": self.skip_bad, "metadata": self._metadata_files()}
        stage, texts = self._stage("reports", key), self._stage("texts", key)
        if self._whole(stage) and self._whole(texts):
            return stage, texts
        from .dataset import REPORT_TYPES, _user_rows, describe_reports, finish_report_table
        from .metadata import duplicates_of_keys

        ids = cleaned.manifest["ids"]
        _, discover_errors, _ = self.discovered
        errors = [*discover_errors, *(record_error(e) for e in cleaned.manifest["errors"])]
        before = len(errors)
        named = [_Named(ids[str(p)], r) for part in cleaned.iter_parts(["position", "path", "member", "row", "root"])
                 for p, r in zip(part["position"], part.to_dict("records"))]
        user = _user_rows(named, errors, self.skip_bad)
        del named
        rows, digests, keys = [], [], []
        text_writer = _Writer(texts)
        for part in cleaned.iter_parts():
            records = part.to_dict("records")
            reports = [record_report(r, ids[str(r["position"])]) for r in records]
            described, kept = describe_reports(reports, user, errors, self.skip_bad)
            kept_ids = {r.report_id for r in kept}
            for r, record in zip(reports, records):
                if r.report_id in kept_ids:
                    digests.append(record["dup_digest"])
                    keys.append(np.frombuffer(record["dup_keys"], np.uint64))
            for row in described:
                row.pop("text")
            rows += described
            if kept:
                text_writer.write(pd.DataFrame({"report_id": [r.report_id for r in kept],
                                                "text": [r.text for r in kept]}), REPORT_TYPES)
        table = finish_report_table(rows, duplicates_of_keys(digests, keys))
        del rows, digests, keys
        writer = _Writer(stage)
        for chunk in _chunks(range(len(table)), CHUNK_REPORTS * 8):
            writer.write(table.iloc[chunk.start:chunk.stop].drop(columns="text"), REPORT_TYPES)
        new = [error_record(e, -1) for e in errors[before:]]
        return writer.finish({"errors": new}), text_writer.finish()

    # ------------------------------------------------------------------ sections, units
    def segmented(self) -> tuple[Stage, Stage]:
        """Sections and units of every report (stages ``sections`` and ``units``), by chunks of reports in
        parallel; duplicates are left out unless ``keep_duplicates``. A unit's ``unit_id`` is made here."""
        reports, _ = self.reports()
        cleaned = self.cleaned()
        key = {"reports": reports.key, "keep_duplicates": self.keep_duplicates}
        sections, units = self._stage("sections", key), self._stage("units", key)
        if self._whole(sections) and self._whole(units):
            return sections, units
        table = reports.read(["report_id", "year", "duplicate_of"])
        wanted = table if self.keep_duplicates else table[table["duplicate_of"].isna()]
        year_of = {r: (None if pd.isna(y) else int(y)) for r, y in zip(wanted["report_id"], wanted["year"])}
        ids = cleaned.manifest["ids"]
        section_writer, unit_writer = _Writer(sections), _Writer(units)
        folders = (sections.folder, units.folder)

        counts = [sum(ids[str(p)] in year_of for p in part["position"]) for part in cleaned.iter_parts(["position"])]

        def tasks():
            n = 0
            for part in cleaned.iter_parts():
                rows = [r for r in part.to_dict("records") if ids[str(r["position"])] in year_of]
                for chunk in _chunks(rows, CHUNK_REPORTS):
                    chunk_ids = [ids[str(r["position"])] for r in chunk]
                    yield folders, n, list(chunk), [year_of[i] for i in chunk_ids], chunk_ids
                    n += 1

        errors = []
        with self._bar(sum(-(-c // CHUNK_REPORTS) for c in counts), "segmenting") as bar:
            for s, u, errs in _parallel(_segment_chunk, tasks(), self.jobs_for(len(year_of)), bar):
                section_writer.add(s)
                unit_writer.add(u)
                errors += errs
        if errors and not self.skip_bad:
            section_writer.abandon()
            unit_writer.abandon()
            raise record_error(errors[0])
        return section_writer.finish({"errors": errors}), unit_writer.finish()

    def boilerplate(self) -> Stage:
        """Each unit's boilerplate share (stage ``boilerplate``: ``unit_id``, ``boilerplate``), as
        :func:`toolkit.boilerplate.boilerplate_shares` computes it: the sentences and their signatures
        by chunks of units in parallel (each part of ``units``), the groups in DuckDB over those tables
        (out of core: at most :data:`DUCKDB_MEMORY` in memory, the rest spilled beside the stage)."""
        _, units = self.segmented()
        reports, _ = self.reports()
        stage = self._stage("boilerplate", {"units": units.key})
        if self._whole(stage):
            return stage
        import duckdb

        from .boilerplate import body_codes, group_shares, shares_of

        codes = body_codes(reports.read(["report_id", "agency", "government"]))
        writer = _Writer(stage)
        work = stage.folder / ".work"
        for name in ("sentences", "forms"):
            (work / name).mkdir(parents=True)
        offsets = np.concatenate([[0], np.cumsum([p["rows"] for p in units.manifest["parts"]])]).tolist()
        tasks = [(work, n, path, offsets[n], codes) for n, path in enumerate(units.parts())]
        written = []
        with self._bar(len(tasks), "boilerplate") as bar:
            for done in _parallel(_sentence_chunk, tasks, self.jobs_for(units.rows, CHUNK_UNITS), bar):
                written += [p for p in done if p]
        files = {name: sorted(str(p) for p in (work / name).glob("part-*.parquet")) for name in ("sentences", "forms")}
        if files["sentences"]:
            with duckdb.connect() as con:
                con.execute(f"SET threads TO {os.cpu_count() or 1}")
                con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
                con.execute(f"SET temp_directory = '{work / 'spill'}'")
                con.execute("SET preserve_insertion_order = false")
                for name, parts in files.items():
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({parts!r})")
                counts = group_shares(con, "sentences", "forms")
        else:
            counts = pd.DataFrame({"unit": [], "judged": [], "shared": []})
        shares = shares_of(counts, units.rows)
        _discard(work)
        for n, part in enumerate(units.iter_parts(["unit_id"])):
            writer.write(pd.DataFrame({"unit_id": part["unit_id"], "boilerplate": shares[offsets[n]:offsets[n + 1]]}),
                         {"unit_id": "string", "boilerplate": "float"})
        return writer.finish()

    # ------------------------------------------------------------------ the corpus
    def errors(self, segmented: bool = True) -> list:
        """Every report or path left out, with its reason (as :attr:`toolkit.dataset.Corpus.errors`);
        without ``segmented``, those of reading and describing only (nothing is segmented for them)."""
        _, discover_errors, _ = self.discovered
        cleaned = self.cleaned()
        errors = [*discover_errors, *(record_error(e) for e in cleaned.manifest["errors"])]
        if cleaned.rows:
            reports, _ = self.reports()
            errors += [record_error(e) for e in reports.manifest["errors"]]
            if segmented:
                sections, _ = self.segmented()
                errors += [record_error(e) for e in sections.manifest["errors"]]
        return errors

    def described(self) -> pd.DataFrame:
        """The reports described (:attr:`toolkit.dataset.Corpus.reports` without the text), from the stage
        ``reports``: nothing is segmented. Empty when no report could be read."""
        from .dataset import REPORT_COLUMNS

        columns = [c for c in REPORT_COLUMNS if c != "text"]
        if not self.cleaned().rows:
            return pd.DataFrame(columns=columns)
        reports, _ = self.reports()
        return _typed_reports(reports.read())[columns]

    def corpus(self):
        """The :class:`toolkit.dataset.Corpus` of the stored stages (computed where absent): reports with
        their texts, sections, units with ``unit_id`` and ``boilerplate``, removed lines, errors, notes.
        Without ``skip_bad`` the first bad report (or path) raises its error."""
        from .dataset import CORPUS_UNIT_COLUMNS, REPORT_COLUMNS, UNIT_PAGE_COLUMN, Corpus, duplicates_note
        from .errors import ReportError
        from .sections import SECTION_COLUMNS, UNIT_COLUMNS

        found, discover_errors, notes = self.discovered
        if discover_errors and not self.skip_bad:
            raise discover_errors[0]
        cleaned = self.cleaned()
        if not self.skip_bad and cleaned.manifest["errors"]:
            raise record_error(cleaned.manifest["errors"][0])
        if not cleaned.rows:
            errors = self.errors()
            where = self.paths[0] if len(self.paths) == 1 else ", ".join(map(str, self.paths))
            raise errors[0] if len(errors) == 1 else ReportError(
                where, f"no report could be read ({len(errors)} skipped: see Corpus.errors of "
                "load_corpus(skip_bad=True))")
        reports, texts = self.reports()
        sections, units = self.segmented()
        boilerplate = self.boilerplate()
        errors = self.errors()
        failed = {e["report_id"] for e in sections.manifest["errors"]}
        table = _typed_reports(reports.read().merge(texts.read(), on="report_id", how="left")[REPORT_COLUMNS])
        table = table[~table["report_id"].isin(failed)].reset_index(drop=True)
        section_table = sections.read() if sections.rows else pd.DataFrame(columns=SECTION_COLUMNS)
        if units.rows:
            unit_table = units.read().merge(boilerplate.read(), on="unit_id", how="left")
        else:
            unit_table = pd.DataFrame(columns=CORPUS_UNIT_COLUMNS)
        paged = UNIT_PAGE_COLUMN in unit_table and unit_table[UNIT_PAGE_COLUMN].notna().any()
        unit_table = unit_table.reindex(columns=[*CORPUS_UNIT_COLUMNS, *([UNIT_PAGE_COLUMN] if paged else [])])
        removed = _removed(cleaned, set(table["report_id"]))
        notes = [*notes, *filter(None, [None if self.keep_duplicates else
                                        duplicates_note(int(table["duplicate_of"].notna().sum()))])]
        folders = sorted({f.root for f in found if f.root is not None})
        return Corpus(reports=table, sections=section_table, units=unit_table, removed=removed, errors=errors,
                      notes=notes, folders=folders)

    # ------------------------------------------------------------------ later stages
    def tokens(self, tokenizer) -> Stage:
        """The tokens of every unit (stage ``tokens``: ``unit_id``, ``kind``, ``role``, ``tokens``), by chunks of
        units, keyed on the tokenizer's fingerprint (its backend, dictionary, user dictionary, stopwords):
        a new word list tokenizes again, and what follows, never the reading."""
        _, units = self.segmented()
        stage = self._stage("tokens", {"units": units.key, "tokenizer": tokenizer.fingerprint})
        if self._whole(stage):
            return stage
        import pyarrow as pa

        writer = _Writer(stage)
        with self._bar(max(-(-units.rows // CHUNK_UNITS), 1), "tokenizing") as bar:
            for part in units.iter_parts(["unit_id", "kind", "role", "text"]):
                for chunk in _chunks(range(len(part)), CHUNK_UNITS):
                    rows = part.iloc[chunk.start:chunk.stop]
                    lists = tokenizer.tokenize_many(rows["text"])
                    table = pa.table({"unit_id": pa.array(rows["unit_id"].tolist(), pa.string()),
                                      "kind": pa.array(rows["kind"].tolist(), pa.string()),
                                      "role": pa.array([_value(r) for r in rows["role"]], pa.string()),
                                      "tokens": pa.array(list(lists), pa.list_(pa.string()))})
                    writer.add(write_table_part(stage.folder, len(writer.parts), table))
                    bar.update(1)
        return writer.finish()

    def token_lists(self, tokenizer, kinds: Sequence[str] = ("problems", "plans"), *,
                    exclude_boilerplate: bool = False) -> Iterable[list[str]]:
        """The token lists of :func:`toolkit.topics.documents` (the units of ``kinds`` but the framing
        lead-ins and closings; with ``exclude_boilerplate``, not the boilerplate), in the same order, read
        one stored part at a time: what :class:`toolkit.topics.TopicModel` fits on a corpus too large to
        hold every unit's tokens (``TopicModel(k).fit(spine.token_lists(tokenizer))``)."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        from .boilerplate import CUTOFF
        from .topics import FRAMING_ROLES, _check_kinds

        kinds = _check_kinds(kinds)
        left_out = set()
        if exclude_boilerplate:
            for part in self.boilerplate().iter_parts():
                left_out.update(part.loc[part["boilerplate"].fillna(0) >= CUTOFF, "unit_id"])
        for path in self.tokens(tokenizer).parts():
            table = pq.read_table(path, columns=["unit_id", "kind", "role", "tokens"])
            keep = pc.and_(pc.is_in(table["kind"], value_set=_strings(kinds)),
                           pc.invert(pc.is_in(pc.fill_null(table["role"], ""), value_set=_strings(FRAMING_ROLES))))
            if left_out:
                keep = pc.and_(keep, pc.invert(pc.is_in(table["unit_id"], value_set=_strings(sorted(left_out)))))
            yield from table.filter(keep)["tokens"].to_pylist()

    def theme_matches(self, lexicon) -> Stage:
        """Every match of every theme (stage ``theme_matches``: ``unit_id`` and
        :func:`toolkit.themes.find_matches`' columns), by chunks of units, keyed on the lexicon."""
        from .themes import MATCH_TYPES, find_matches

        _, units = self.segmented()
        stage = self._stage("theme_matches", {"units": units.key, "lexicon": lexicon_fingerprint(lexicon)})
        if self._whole(stage):
            return stage
        writer = _Writer(stage)
        key = ["report_id", "section_index", "unit_index"]
        with self._bar(max(-(-units.rows // CHUNK_UNITS), 1), "matching themes") as bar:
            for part in units.iter_parts():
                for chunk in _chunks(range(len(part)), CHUNK_UNITS):
                    rows = part.iloc[chunk.start:chunk.stop]
                    matches = find_matches(rows, lexicon).merge(rows[key + ["unit_id"]], on=key, how="left")
                    writer.write(matches[["unit_id", *[c for c in matches.columns if c != "unit_id"]]],
                                 {"unit_id": "string", **MATCH_TYPES})
                    bar.update(1)
        return writer.finish()

    # ------------------------------------------------------------------ queries
    def query(self, sql: str, *, tokenizer=None, lexicon=None) -> pd.DataFrame:
        """Run ``sql`` (DuckDB) over the stored stages, each a view: ``reports``, ``texts``, ``sections``,
        ``units``, ``boilerplate``, and with a ``tokenizer`` ``tokens``, with a ``lexicon``
        ``theme_matches``. Only the columns and row groups the query needs are read from the parts."""
        import duckdb

        reports, texts = self.reports()
        sections, units = self.segmented()
        views = {"reports": reports, "texts": texts, "sections": sections, "units": units,
                 "boilerplate": self.boilerplate()}
        if tokenizer is not None:
            views["tokens"] = self.tokens(tokenizer)
        if lexicon is not None:
            views["theme_matches"] = self.theme_matches(lexicon)
        with duckdb.connect() as con:
            con.execute(f"SET threads TO {max(os.cpu_count() or 1, 1)}")
            for name, stage in views.items():
                files = [str(p) for p in stage.parts()]
                if files:
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({files!r})")
            return con.execute(sql).df()


def dataclasses_asdict(options) -> dict:
    """The reading options as plain values (for the fingerprint)."""
    import dataclasses

    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(options).items()}


def lexicon_fingerprint(lexicon) -> str:
    """A theme lexicon's identity: its themes and variants (what :func:`toolkit.themes.find_matches` reads)."""
    themes = [[t.id, t.name, sorted(v.term for v in t.variants)] for t in lexicon]
    return _digest(_json(themes))[:32]


def _typed_reports(table: pd.DataFrame) -> pd.DataFrame:
    """The reports table as :func:`toolkit.dataset.finish_report_table` types it (years, pages and rows as
    nullable integers)."""
    for column in ("year", "issued_year", "pages", "row"):
        table[column] = table[column].astype("Int64")
    return table


def _report_ids(found: list, sources: list[tuple[int, int, object]]) -> dict[str, str]:
    """Each report's id (:func:`toolkit.readers.report_ids`, over the whole corpus), by its position."""
    from .readers import report_ids

    ids = report_ids([(found[k], source) for _, k, source in sources])
    return {str(position): i for (position, _, _), i in zip(sources, ids)}


def _removed(cleaned: Stage, kept: set[str]) -> pd.DataFrame:
    """The lines cleaning removed from the reports ``kept`` (:attr:`toolkit.dataset.Corpus.removed`)."""
    ids = cleaned.manifest["ids"]
    rows = []
    for part in cleaned.iter_parts(["position", "removed"]):
        for position, removed in zip(part["position"], part["removed"]):
            report_id = ids[str(position)]
            if report_id in kept:
                rows.extend({"report_id": report_id, "line": line, "rule": rule, "text": text}
                            for line, text, rule in json.loads(removed))
    return pd.DataFrame(rows, columns=["report_id", "line", "rule", "text"])


# ---------------------------------------------------------------------------------------------- upkeep
#: Corpora whose stages are kept (the most recently used): older ones are removed when a new one is stored.
KEEP_CORPORA = 16


def _touch(folder: Path) -> None:
    """Mark a corpus's stages as used now (what :func:`prune` keeps)."""
    try:
        os.utime(folder)
    except OSError:
        pass


def prune(root: Path, keep: str | None = None, corpora: int = KEEP_CORPORA) -> list[Path]:
    """Remove the stages of all but the ``corpora`` most recently used corpora under ``root`` (never
    ``keep``, the one being stored). Returns the folders removed."""
    if not root.is_dir():
        return []
    folders = sorted((f for f in root.iterdir() if f.is_dir() and not f.is_symlink() and f.name != keep),
                     key=lambda f: f.stat().st_mtime, reverse=True)
    gone = folders[max(corpora - 1, 0):]
    for folder in gone:
        _discard(folder)
    return gone


# ---------------------------------------------------------------------------------------------- load_corpus
def load_corpus(path: PathLike | list | None = None, skip_bad: bool = False, max_bytes: int | None = MAX_BYTES, *,
                format: str | None = None, columns=None, text_column: str | None = None,
                keep_duplicates: bool = False, n_jobs: int | None = None, progress: bool | None = None,
                cache: bool = True):
    """Read, clean and segment every report at ``path``: a folder (searched recursively for report
    files: .txt, .docx, .pdf, .html/.htm, tables .csv/.tsv/.jsonl/.parquet/.xlsx/.dta, .zip archives),
    a file, or a list of them. ``path`` has no default: the toolkit reads no corpus unasked
    (``load_corpus()`` is a TypeError; the seed reports are ``load_corpus(toolkit.paths.RAW_DIR)``). Returns a
    :class:`toolkit.dataset.Corpus` read from the stored stages of the corpus (:class:`Spine`): computed
    the first time, read back every time after (the same files, options and code), so every notebook,
    the command line and the export share one reading. ``cache=False`` computes them in a temporary
    folder removed afterwards.

    ``format``, ``columns`` and ``text_column`` say how to read a table (see
    :class:`toolkit.readers.ReadOptions`): ``format="tsv", columns=("year", "text")`` for a headerless
    table saved as .txt.

    A bad file (empty, binary, undecodable, garbled, too large, not a regular file) or a failure while
    reading or segmenting one report raises :class:`toolkit.corpus.ReportError` naming the file and
    the reason; with ``skip_bad=True`` that report is left out and listed, with its reason, in
    ``Corpus.errors``, and the others are read. ``max_bytes`` is the largest file read (default
    :data:`toolkit.corpus.MAX_BYTES`, 50 MB; None for no limit). ``n_jobs``: processes for reading and
    segmenting (None: all cores for a corpus of several chunks); ``progress``: bars on stderr for stages
    that take more than two seconds (None: unless ``TOOLKIT_PROGRESS=0``).
    """
    import tempfile

    from .readers import ReadOptions

    if path is None:
        raise TypeError("load_corpus needs the path of the reports: a folder, a file or a list of them "
                        "(the seed reports: load_corpus(toolkit.paths.RAW_DIR))")
    options = ReadOptions(format=format, columns=tuple(columns) if columns else None, text_column=text_column,
                          max_bytes=max_bytes)
    spine = Spine(path, options, skip_bad=skip_bad, keep_duplicates=keep_duplicates, n_jobs=n_jobs,
                  progress=progress)
    if cache:
        return spine.corpus()
    with tempfile.TemporaryDirectory(prefix="toolkit-stages-") as root:
        spine.root = Path(root)
        return spine.corpus()
