"""One reader per format, behind one registry: a file's bytes → raw reports.

>>> from toolkit.readers import discover, read_file
>>> found, errors = discover(["corpus/"])              # the report files under a folder (recursively)
>>> items = read_file(found[0].path, ReadOptions())    # RawReports (and ReportErrors, one per bad item)

A reader is a function ``read(data, source, options) -> list[RawReport | ReportError]`` registered by
suffix in :data:`READERS` (a new format is a new module and one line there). A :class:`RawReport`
carries the text as the format gives it (lines separated by ``"\n"``), where it came from
(:class:`Source`: the file, an archive member, a table row), the fields the format itself states (a
table's columns, a page's title and date), and for a PDF the line each page starts on. Everything
after the reader (cleaning, metadata, sections) is blind to the format.
"""
from __future__ import annotations

import io
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import ReportError, printable

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Source:
    """Where a report is: a file, a member of an archive, a row of a table (or a row of a table inside
    an archive). ``str(source)`` is how messages and tables name it: ``reports.zip!浙江.docx``,
    ``reports.tsv#row 12``."""

    path: Path
    member: str | None = None
    row: int | None = None  # the 1-based row of a table, counted without the header

    def __str__(self) -> str:
        text = str(self.path)
        if self.member is not None:
            text += f"!{self.member}"
        if self.row is not None:
            text += f"#row {self.row}"
        return printable(text)

    @property
    def name(self) -> str:
        """The name a report id is made from: the member's or the file's stem (and the row), printable."""
        stem = Path(self.member).stem if self.member is not None else self.path.stem
        return printable(stem if self.row is None else f"{stem}#{self.row}")


@dataclass(frozen=True)
class RawReport:
    """A report as its format gives it, before any cleaning.

    - ``text``: the text, lines separated by ``"\n"`` (a table row's text may have none);
    - ``encoding``: how the text was obtained (``utf-8``, ``gb18030``, ``docx``, ``pdf``, ``html`` …)
      and ``confidence`` (the share of common Chinese characters, see :func:`toolkit.readers.txt.common_share`);
    - ``sha256``: of the bytes the report came from (the file or member; a table row's text in UTF-8);
    - ``fields``: what the format states besides the text (a table row's other columns, a page's title
      and date, a Word file's core properties), as strings;
    - ``chrome``: the 1-based numbers of lines of ``text`` the reader knows to be page chrome (a PDF's
      running headers and footers), each with the rule that says so; the cleaner removes and records them;
    - ``removed``: what the reader left out of ``text`` altogether (a Word file's headers and footers),
      as ``(rule, text)`` pairs;
    - ``pages``: for a paginated format, the 1-based line of ``text`` each page starts on;
    - ``notes``: what the reader did that a user should know, in words.
    """

    source: Source
    text: str
    encoding: str
    sha256: str
    confidence: float = 1.0
    fields: dict = field(default_factory=dict)
    chrome: dict = field(default_factory=dict)
    removed: tuple = ()
    pages: tuple = ()
    notes: tuple = ()


@dataclass(frozen=True)
class ReadOptions:
    """How to read: ``format`` forces a reader (``"tsv"`` for a table saved as .txt); ``columns`` names
    the columns of a table without a header row (``("year", "text")``); ``text_column`` names a table's
    text column; ``max_bytes`` is the largest report read: a file, an archive member, a Word file
    unpacked (None: no limit); ``max_members`` and ``max_unpacked`` bound what an archive, a table or
    an Excel file may hold, unpacked; ``max_ratio`` is how many times its packed size a member of a zip
    (or a part of a .docx/.xlsx) may unpack to, once over 1 MB."""

    format: str | None = None
    columns: tuple[str, ...] | None = None
    text_column: str | None = None
    max_bytes: int | None = 50_000_000
    max_members: int = 10_000
    max_unpacked: int = 2_000_000_000
    max_ratio: int = 100


def _size(n: int) -> str:
    """A file size for a message: 3,734 bytes, 60.0 MB, 1.2 GB."""
    return f"{n:,} bytes" if n < 100_000 else f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.1f} GB"


def data_size(data: bytes | BinaryIO) -> int:
    """The size of what a reader was given: bytes, or an open file."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return len(data)
    return os.fstat(data.fileno()).st_size if hasattr(data, "fileno") else len(data.getbuffer())


def data_head(data: bytes | BinaryIO, n: int) -> bytes:
    """The first ``n`` bytes of what a reader was given (an open file is left at its start)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data[:n])
    data.seek(0)
    head = data.read(n)
    data.seek(0)
    return head


def as_file(data: bytes | BinaryIO) -> BinaryIO:
    """What a reader was given as a seekable binary file, at its start."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(data)
    data.seek(0)
    return data


#: A reader: ``(bytes, where they are, options) -> raw reports, and an error for each item that is bad``.
#: The readers of :data:`MANY_REPORTS` are given an open file instead of bytes when they read one from disk.
Reader = Callable[[bytes, Source, ReadOptions], list]

#: The largest report file read, in bytes (``max_bytes`` of :func:`read_bytes` and ``load_corpus``).
MAX_BYTES = ReadOptions.max_bytes


def _registry() -> dict[str, Reader]:
    from . import archive, docx, html, legacy, pdf, table, txt

    return {".txt": txt.read, ".docx": docx.read, ".pdf": pdf.read, ".html": html.read, ".htm": html.read,
            ".csv": table.read, ".tsv": table.read, ".jsonl": table.read, ".parquet": table.read,
            ".xlsx": table.read, ".dta": table.read, ".zip": archive.read, ".doc": legacy.read, ".wps": legacy.read}


READERS: dict[str, Reader] = _registry()
#: The readers of files that hold many reports (tables, archives): their files may be as large as
#: ``ReadOptions.max_unpacked``; each report in them is still bounded by ``max_bytes``.
MANY_REPORTS = frozenset(READERS[s] for s in (".csv", ".tsv", ".jsonl", ".parquet", ".xlsx", ".dta", ".zip"))
#: The suffixes a folder is searched for (matched without regard to case).
SUFFIXES: tuple[str, ...] = tuple(READERS)
#: ``ReadOptions.format`` values: a suffix without its dot.
FORMATS: tuple[str, ...] = tuple(s.lstrip(".") for s in SUFFIXES)


def reader_for(name: str, options: ReadOptions) -> Reader:
    """The reader for a file name (by its suffix, any case), or the one ``options.format`` names."""
    suffix = ("." + options.format.lower().lstrip(".")) if options.format else Path(name).suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    return READERS[".txt"]  # a file given by name with another suffix is read as text


def read_file(path: PathLike, options: ReadOptions | None = None) -> list:
    """The raw reports in one file (a table or an archive holds several), and a :class:`ReportError`
    for each item that cannot be read. Raises the ReportError of a file that cannot be read at all.

    A file of one report is read whole (at most ``max_bytes``); a table or an archive is handed to its
    reader as an open file (at most ``max_unpacked``), which reads what it needs: a zip's directory and
    a Parquet file's footer from the end, a text table in chunks, so that a huge or sparse file is
    refused from what its first (or last) bytes say rather than after reading it whole."""
    options = options or ReadOptions()
    path = Path(path)
    reader = reader_for(path.name, options)
    if reader in MANY_REPORTS:
        # a table or an archive holds many reports: it is bounded by max_unpacked, each report by max_bytes
        with open_regular(path, _bigger(options.max_bytes, options.max_unpacked)) as handle:
            return checked(reader(handle, Source(path), options))
    return checked(reader(read_bytes(path, options.max_bytes), Source(path), options))


def checked(items: list) -> list:
    """A reader's items, each raw report's text judged as Chinese prose by the one check every format
    passes (:func:`toolkit.readers.check.check_report`): refused as an error, or noted."""
    from .check import check_report

    return [check_report(item) if isinstance(item, RawReport) else item for item in items]


def _bigger(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


#: A corpus folder's own documentation, never read as a report (names matched without regard to case).
_DOCUMENTATION = re.compile(r"(?:readme|licen[cs]e|copying|manifest|notice|changelog)(?:[._ -].*)?|metadata\.csv",
                            re.IGNORECASE)
_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _opened(path: Path, max_bytes: int | None, limit: str = "for one report (max_bytes)") -> tuple[int, int]:
    """A file descriptor of a regular file opened without blocking, and its size, checked against
    ``max_bytes``; raises :class:`ReportError` for a FIFO, device, socket or folder (never read), a file
    over the limit, and any OS error (missing, permission, symlink loop)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ReportError(path, f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((what for test, what in _FILE_KINDS if test(info.st_mode)), "not a regular file")
            raise ReportError(path, f"{kind}, not a regular file: not read")
        if max_bytes is not None and info.st_size > max_bytes:
            raise ReportError(path, f"{_size(info.st_size)}, over the {_size(max_bytes)} limit {limit}")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def read_bytes(path: PathLike, max_bytes: int | None = MAX_BYTES) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (None: no limit).

    Raises :class:`ReportError` for a FIFO, device, socket or folder (opened without blocking, never
    read), a file over the limit, and any OS error (missing, permission, symlink loop), each naming
    the file and the reason.
    """
    path = Path(path)
    fd, _ = _opened(path, max_bytes)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as error:
        raise ReportError(path, f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        raise ReportError(path, f"over the {_size(max_bytes)} limit for one report (max_bytes)")
    return data


@contextmanager
def open_regular(path: PathLike, max_bytes: int | None = MAX_BYTES,
                 limit: str = "for a table or an archive (max_unpacked)") -> Iterator[BinaryIO]:
    """A regular file opened for reading (binary, seekable), checked as :func:`read_bytes` checks it but
    not read: its reader reads what it needs. An OS error while reading is a :class:`ReportError`."""
    path = Path(path)
    fd, _ = _opened(path, max_bytes, limit)
    handle = os.fdopen(fd, "rb")
    try:
        yield handle
    except OSError as error:
        raise ReportError(path, f"cannot read: {error.strerror or error}") from None
    finally:
        handle.close()


def _as_list(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    """One path, or several, as a list."""
    return [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)


#: Old binary Word/WPS documents, which are not read (:mod:`toolkit.readers.legacy`) ...
LEGACY_SUFFIXES = (".doc", ".wps")
#: ... and the formats a converted copy of one comes in: a folder holding ``a.doc`` beside ``a.docx``
#: (``soffice --convert-to docx`` in place) reads ``a.docx`` and passes over ``a.doc``, saying so.
CONVERTED_SUFFIXES = (".docx", ".pdf", ".txt", ".html", ".htm")
#: How a report's note begins when an old document beside it was passed over.
PASSED_OVER = "passed over "


@dataclass(frozen=True)
class Found:
    """A report file found under a path the user gave: the file, the folder it was found in (None
    for a file given by itself), and the old Word/WPS documents of the same name beside it that were
    passed over for it (``passed_over``; see :data:`CONVERTED_SUFFIXES`)."""

    path: Path
    root: Path | None
    passed_over: tuple[Path, ...] = ()

    @property
    def note(self) -> str | None:
        """What a user should know about the files passed over for this one, in words (or None)."""
        if not self.passed_over:
            return None
        names = ", ".join(p.name for p in self.passed_over)
        return (f"{PASSED_OVER}{names} beside it: an old Word/WPS document of the same name, of which this "
                f"{self.path.suffix.lower()} is read instead")


def passed_over(notes) -> list[str]:
    """The names of the old documents a report's ``notes`` say were passed over for it (see :attr:`Found.note`)."""
    return [name for note in notes if note.startswith(PASSED_OVER)
            for name in note[len(PASSED_OVER):note.index(" beside it")].split(", ")]


def _pass_over_legacy(here: Path, names: list[str], root: Path) -> list[Found]:
    """The report files of one folder (``names``, sorted), each a :class:`Found`; an old .doc/.wps with a
    file of the same stem in a format of :data:`CONVERTED_SUFFIXES` beside it is left out and named in
    that file's ``passed_over`` (the first such file by name, when there are several)."""
    copies: dict[str, str] = {}
    for name in names:
        stem, suffix = os.path.splitext(name)
        if suffix.lower() in CONVERTED_SUFFIXES:
            copies.setdefault(stem, name)
    passed: dict[str, list[Path]] = {}
    kept = []
    for name in names:
        stem, suffix = os.path.splitext(name)
        if suffix.lower() in LEGACY_SUFFIXES and stem in copies:
            passed.setdefault(copies[stem], []).append(here / name)
        else:
            kept.append(name)
    return [Found(here / name, root, tuple(passed.get(name, ()))) for name in kept]


def _outside(path: Path, real_root: Path) -> ReportError | None:
    """The error for a symlink that is broken, loops, or leads out of the corpus folder; None if it stays in."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop (Python 3.11)
        return ReportError(path, f"broken symlink or symlink loop: {getattr(error, 'strerror', None) or error}")
    if not target.is_relative_to(real_root):
        return ReportError(path, f"symlink to {target}, outside the corpus folder: not followed")
    return None


def _walk(root: Path, notes: list[str] | None = None) -> tuple[list[Found], list[ReportError], Counter]:
    """The report files under a folder, recursively, sorted by relative path; with the entries that
    cannot be read (symlinks that leave the folder, loop or are broken) as errors, and a count of the
    other files by suffix (to say what a folder without reports holds). Symlinks that stay inside the
    folder are followed, each real folder once. A subfolder holding an export of this toolkit (see
    :mod:`toolkit.exported`) is not read: a note saying so is added to ``notes``."""
    from ..exported import export_mark

    found: list[Found] = []
    errors: list[ReportError] = []
    others: Counter = Counter()
    real_root = root.resolve()
    visited = {real_root}
    for folder, dirs, files in os.walk(root, followlinks=True, onerror=lambda e: errors.append(
            ReportError(e.filename or root, f"cannot list folder: {e.strerror or e}"))):
        here = Path(folder)
        mark = export_mark(here, files)
        if mark is not None:  # its tables are not reports (the folder given itself is refused by discover)
            dirs[:] = []
            if notes is not None:
                notes.append(f"{here}: an export of this toolkit (it holds {mark}): not read as reports")
            continue
        keep = []
        for name in sorted(dirs):
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink() and (error := _outside(path, real_root)):
                errors.append(error)
                continue
            real = path.resolve()
            if real in visited:
                errors.append(ReportError(path, f"a second path to the folder {real} (a symlink loop?): not read twice"))
                continue
            visited.add(real)
            keep.append(name)
        dirs[:] = keep
        names = []
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or _DOCUMENTATION.fullmatch(name):
                continue
            if path.suffix.lower() not in SUFFIXES:
                others[path.suffix.lower() or "(no suffix)"] += 1
                continue
            if path.is_symlink() and (error := _outside(path, real_root)):
                errors.append(error)
                continue
            names.append(name)
        found += _pass_over_legacy(here, names, root)
    found.sort(key=lambda f: f.path.relative_to(root).parts)
    return found, errors, others


def discover(paths: PathLike | Iterable[PathLike],
             notes: list[str] | None = None) -> tuple[list[Found], list[ReportError]]:
    """The report files under ``paths``: files as given (any suffix), folders searched recursively for
    the suffixes of :data:`SUFFIXES` (any case), hidden entries and a folder's documentation (README*,
    LICENSE*, MANIFEST*, metadata.csv) left out, and an old .doc/.wps passed over where a converted copy
    of the same name sits beside it (named in that copy's :attr:`Found.passed_over`). Returns what was
    found, and the paths that cannot give a report as errors: a missing path, a folder with no report
    file (saying what it holds), a symlink that leaves its folder, is broken or loops (not followed), a
    folder that is an export of this toolkit. A subfolder that is an export is left out, and ``notes``
    (if given) gets a line saying so."""
    from ..exported import export_mark

    found: list[Found] = []
    errors: list[ReportError] = []
    for item in map(Path, _as_list(paths)):
        if item.is_dir() and (mark := export_mark(item)) is not None:
            errors.append(ReportError(item, f"an export of this toolkit (it holds {mark}): its tables are not read "
                                            "as reports; give one of its tables itself to read it"))
        elif item.is_dir():
            files, problems, others = _walk(item, notes)
            found += files
            errors += problems
            if not files:
                held = ", ".join(f"{n} {suffix}" for suffix, n in sorted(others.items())) or "no files"
                errors.append(ReportError(item, f"no report file in this folder or its subfolders: it holds "
                                                f"{held} (reports are read from {' '.join(SUFFIXES)})"))
        elif item.exists() or item.is_symlink():
            found.append(Found(item, None))
        else:
            errors.append(ReportError(item, "no such file or folder"))
    return found, errors


def report_ids(items: Sequence[tuple[Found, Source]]) -> list[str]:
    """One id per report, unique: its name (the file's or member's stem, ``#row`` for a table row);
    where names repeat, qualified by the file's path relative to its folder (``2023/report``), and
    where that repeats too, by the path with its suffix."""
    def relative(f: Found, source: Source, suffix: bool) -> str:
        base = f.path.relative_to(f.root) if f.root is not None else Path(f.path.parent.name) / f.path.name
        base = (base if suffix else base.with_suffix("")).as_posix()
        if source.member is not None:
            base += "!" + (source.member if suffix else Path(source.member).with_suffix("").as_posix())
        return printable(base if source.row is None else f"{base}#{source.row}")

    names = [source.name for _, source in items]
    counts = Counter(names)
    ids = [n if counts[n] == 1 else relative(f, s, False) for (f, s), n in zip(items, names)]
    repeated = Counter(ids)
    ids = [relative(f, s, True) if repeated[i] > 1 else i for (f, s), i in zip(items, ids)]
    seen: Counter = Counter()
    unique = []
    for i in ids:  # the same file given twice, or the same relative path under two folders
        seen[i] += 1
        unique.append(i if seen[i] == 1 else f"{i}~{seen[i]}")
    return unique
