"""Zip archives (``.zip``): every member a reader reads, each read by it, in name order.

A member is named ``archive.zip!member`` (``Source(path, member=name)``; a table's rows inside it
``archive.zip!table.tsv#row 3``); a zip inside the zip is read too, at most :data:`MAX_DEPTH` deep,
its members named ``outer.zip!inner.zip!member``. Member names stored without the UTF-8 flag (a zip
made on Chinese Windows stores them in GBK, which Python reads as CP437) are decoded as UTF-8 where
they are valid UTF-8, else as GB18030; an Info-ZIP Unicode Path field, where there is one, decides.

The archive is read from its file (its directory at the end first), never unpacked to disk, within
bounds checked before anything is unpacked, by the sizes the central directory states: at most
``max_members`` members, ``max_unpacked`` bytes unpacked in all, ``max_bytes`` per member, and no member
over 1 MB unpacking to more than ``max_ratio`` (100) times its packed size (a zip bomb: refused whole,
in one line). What is unpacked is counted again, in chunks, so that a member that lies about its size
stops there instead of filling the memory. Members whose names would leave the archive (absolute, or
with ``..`` parts), symbolic links and encrypted members are not read (an error each); folders, hidden
members (``__MACOSX/``, ``.DS_Store``) and documentation (README*, LICENSE*, MANIFEST* …) are skipped.
A Word or Excel file is a zip too: :func:`check_package` holds it to the same bounds (``max_bytes``
for a Word file, one report; ``max_unpacked`` for an Excel table) before python-docx or openpyxl
unpack it.
"""
from __future__ import annotations

import binascii
import bz2
import dataclasses
import lzma
import stat
import struct
import zipfile
import zlib
from collections import Counter
from io import BytesIO
from pathlib import PurePosixPath

from ..errors import FormatError, ReportError
from . import ReadOptions, Source

# The registry (READERS, reader_for) is built from this module and the others, so what this module
# needs of it is looked up when reading, not when the module is imported.

#: How deep zips inside zips are read (the archive itself is depth 1).
MAX_DEPTH = 2
#: A member that unpacks to at most this many bytes is never refused for its ratio (``max_ratio``).
RATIO_GRACE = 1_000_000
_CHUNK = 1 << 20
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_FIELD = 0x7075
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "LZMA"}


# --------------------------------------------------------------------------- names

def _unicode_path(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The name an Info-ZIP Unicode Path extra field gives, if it is there and is for this name."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body, extra = extra[4:4 + size], extra[4 + size:]
        if kind == _UNICODE_PATH_FIELD and len(body) > 5 and body[0] == 1:
            if struct.unpack("<I", body[1:5])[0] == binascii.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name, decoded right: as stored when the UTF-8 flag is set; otherwise (Python read it as
    CP437) the original bytes as UTF-8 where they are valid UTF-8, else as GB18030 (GBK names of a zip
    made on Chinese Windows)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # not a name Python decoded as CP437
        return info.filename
    if (unicode := _unicode_path(info, raw)) is not None:
        return unicode.replace("\\", "/")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding).replace("\\", "/")
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(name: str) -> bool:
    """A name that would leave the archive if it were unpacked: absolute, a drive, or a ``..`` part."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts


def _skipped(name: str) -> bool:
    """A folder, a hidden member (``__MACOSX/``, ``.DS_Store``) or the archive's documentation."""
    from . import _DOCUMENTATION

    path = PurePosixPath(name)
    return (name.endswith("/") or any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
            or bool(_DOCUMENTATION.fullmatch(path.name)))


# --------------------------------------------------------------------------- unpacking within bounds

def _bomb(source: Source, limit: int) -> FormatError:
    from . import _size

    return FormatError(source, f"would unpack to more than {_size(limit)} (max_unpacked): not read (a zip bomb?)")


def _raw_stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The compressed bytes of a member, in chunks (for the methods whose decompressors zipfile cannot bound)."""
    handle = archive.fp
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            raise zipfile.BadZipFile("truncated member")
        left -= len(chunk)
        yield chunk


class _LzmaInZip:
    """The LZMA stream of a zip member (a 4-byte header, the properties, a raw LZMA1 stream), decompressed
    with a bound on each call's output."""

    def __init__(self) -> None:
        self.head = b""
        self.inner = None

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self.inner is None:
            self.head += data
            if len(self.head) < 4 or len(self.head) < 4 + struct.unpack("<H", self.head[2:4])[0]:
                return b""
            size = struct.unpack("<H", self.head[2:4])[0]
            filters = [lzma._decode_filter_properties(lzma.FILTER_LZMA1, self.head[4:4 + size])]  # as zipfile does
            self.inner = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters)
            data, self.head = self.head[4 + size:], b""
        return self.inner.decompress(data, max_length)

    @property
    def needs_input(self) -> bool:
        return self.inner is None or self.inner.needs_input

    @property
    def eof(self) -> bool:
        return self.inner is not None and self.inner.eof


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A member's bytes as they are unpacked, in chunks of at most about 1 MB, never past the size it states.

    Stored and deflated members are read through zipfile, which bounds each chunk it inflates and stops at
    the size the member states (its CRC then fails if it lied); bzip2 and LZMA members, which zipfile would
    decompress unbounded, are decompressed here, each call's output bounded, stopped where they outgrow
    their stated size, and their CRC checked."""
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                yield chunk
        return
    decompressor = bz2.BZ2Decompressor() if info.compress_type == zipfile.ZIP_BZIP2 else _LzmaInZip()
    crc, size = 0, 0
    for chunk in _raw_stream(archive, info):
        while True:
            out = decompressor.decompress(chunk, _CHUNK)
            chunk = b""
            size += len(out)
            if size > info.file_size:  # zipfile stops a deflated member there too
                raise zipfile.BadZipFile(f"{info.filename!r} unpacks to more than the {info.file_size:,} bytes it states")
            crc = zlib.crc32(out, crc)
            yield out
            if decompressor.eof or decompressor.needs_input:
                break
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for {info.filename!r}")


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A member's bytes, or None once more than ``limit`` bytes have come out (unpacking stops there)."""
    out = bytearray()
    for chunk in _chunks(archive, info):
        out += chunk
        if len(out) > limit:
            return None
    return bytes(out)


def _ratio(info: zipfile.ZipInfo, options: ReadOptions) -> float | None:
    """How many times its packed size a member states it unpacks to, when that is over ``max_ratio`` (and
    the member over :data:`RATIO_GRACE` unpacked); None otherwise."""
    if info.file_size <= RATIO_GRACE:
        return None
    ratio = info.file_size / max(info.compress_size, 1)
    return ratio if ratio > options.max_ratio else None


def _ratio_bomb(source: Source, info: zipfile.ZipInfo, name: str, ratio: float, options: ReadOptions) -> FormatError:
    from . import _size

    return FormatError(source, f"{name} would unpack to {_size(info.file_size)}, {ratio:,.0f} times its packed size "
                               f"(at most {options.max_ratio} times, max_ratio): not read (a zip bomb?)")


def check_package(data, source: Source, options: ReadOptions, what: str, limit: int | None) -> None:
    """Before a library unpacks a zip-based package (a .docx, an .xlsx; bytes or a seekable file) into
    memory: refuse one that is not a zip, uses a method it could lie with, states more than ``limit``
    bytes unpacked (each part and in all; None: no limit) or a part over ``max_ratio`` times its packed
    size; then unpack every part in bounded chunks, counting, and refuse one that outgrows the size it
    states (the library then unpacks exactly what was counted)."""
    from . import _size

    try:
        package = zipfile.ZipFile(BytesIO(data) if isinstance(data, (bytes, bytearray)) else data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise FormatError(source, f"not a readable {what}: not a zip package ({error})") from None
    with package:
        infos = package.infolist()
        if len(infos) > options.max_members:
            raise FormatError(source, f"not a readable {what}: {len(infos):,} parts, over the limit of "
                                      f"{options.max_members:,} (max_members)")
        odd = sorted({_METHODS.get(info.compress_type, str(info.compress_type)) for info in infos
                      if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)})
        if odd:
            raise FormatError(source, f"not a readable {what}: parts compressed with {', '.join(odd)}, which Office "
                                      f"never writes")
        total = sum(info.file_size for info in infos)
        option = "max_bytes" if limit == options.max_bytes else "max_unpacked"
        if limit is not None and total > limit:
            raise FormatError(source, f"would unpack to {_size(total)}, over the {_size(limit)} limit ({option}): "
                                      f"not read (a zip bomb?)")
        for info in infos:
            if (ratio := _ratio(info, options)) is not None:
                raise _ratio_bomb(source, info, f"its part {info.filename}", ratio, options)
        for info in infos:
            try:
                for _ in _chunks(package, info):
                    pass
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as error:
                reason = f"its part {info.filename} is damaged ({error})"
                if str(error).startswith("Bad CRC-32"):  # damaged, or a deflated part that goes on past its stated size
                    reason = f"its part {info.filename} is damaged, or unpacks to more than the {info.file_size:,} " \
                             f"bytes it states (a bad CRC-32)"
                raise FormatError(source, f"not a readable {what}: {reason}") from None


# --------------------------------------------------------------------------- reading

def read(data, source: Source, options: ReadOptions) -> list:
    """The reports in every member a reader reads (an error for each member that cannot be read); ``data``:
    the archive's bytes, or an open file.
    Raises :class:`FormatError` for a broken archive, one over the limits, and one with no member a
    reader reads (saying what it holds)."""
    return _read(data, source, options, 1, [options.max_unpacked])


def _read(data: bytes, source: Source, options: ReadOptions, depth: int, budget: list[int]) -> list:
    """:func:`read` at a depth, with what is left of the bytes the whole archive may unpack to (shared
    with the zips inside it)."""
    from . import as_file, data_head, data_size

    if data_head(data, 4) == b"PK\x05\x06" and data_size(data) <= 22 + 0xFFFF:
        raise FormatError(source, "an empty zip archive: no members")
    try:
        archive = zipfile.ZipFile(as_file(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise FormatError(source, f"not a readable zip archive: {error}") from None
    with archive:
        return _read_members(archive, source, options, depth, budget)


def _read_members(archive: zipfile.ZipFile, source: Source, options: ReadOptions, depth: int,
                  budget: list[int]) -> list:
    from . import READERS, _size, reader_for

    infos = archive.infolist()
    if len(infos) > options.max_members:
        raise FormatError(source, f"holds {len(infos):,} members, over the limit of {options.max_members:,} "
                                  f"(max_members): not read")
    prefix = f"{source.member}!" if source.member is not None else ""
    items: list = []
    wanted: list[tuple[str, zipfile.ZipInfo]] = []
    others: Counter = Counter()
    for info in infos:
        name = member_name(info)
        if _unsafe(name):
            items.append(ReportError(source, f"unsafe member name: {name}: not read"))
            continue
        if _skipped(name):
            continue
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in READERS or (suffix == ".zip" and depth >= MAX_DEPTH):
            others[suffix or "(no suffix)"] += 1
            continue
        wanted.append((name, info))
    if not wanted:
        if items:
            return items
        held = ", ".join(f"{n} {suffix}" for suffix, n in sorted(others.items())) or "only folders and documentation"
        deeper = f" (zips more than {MAX_DEPTH} deep are not read)" if ".zip" in others else ""
        raise FormatError(source, f"no member in a format the toolkit reads: it holds {held}{deeper}")
    wanted.sort(key=lambda pair: pair[0])
    if sum(info.file_size for _, info in wanted) > budget[0]:
        raise _bomb(source, options.max_unpacked)
    for name, info in wanted:
        if (ratio := _ratio(info, options)) is not None:
            raise _ratio_bomb(source, info, f"its member {name}", ratio, options)
    member_options = dataclasses.replace(options, format=None)
    for name, info in wanted:
        where = Source(source.path, member=prefix + name)
        if stat.S_ISLNK(info.external_attr >> 16):
            items.append(ReportError(where, "a symbolic link, not a file: not read"))
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            items.append(ReportError(where, "an encrypted member (a password is needed): not read"))
            continue
        if options.max_bytes is not None and info.file_size > options.max_bytes:
            items.append(ReportError(where, f"{_size(info.file_size)}, over the {_size(options.max_bytes)} limit "
                                            f"for one report (max_bytes)"))
            continue
        limit = budget[0] if options.max_bytes is None else min(budget[0], options.max_bytes)
        try:
            member = _unpack(archive, info, limit)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as error:
            # zipfile names the member as it decoded it (a GBK name as CP437): the message uses the right name
            reason = str(error).replace(repr(info.filename), repr(name)).replace(info.filename, name)
            items.append(ReportError(where, f"not a readable member of the archive: {reason}"))
            continue
        if member is None:
            if limit == budget[0]:
                raise _bomb(source, options.max_unpacked)
            items.append(ReportError(where, f"unpacks to more than the {_size(options.max_bytes)} limit for one "
                                            f"report (max_bytes)"))
            continue
        budget[0] -= len(member)
        nested = PurePosixPath(name).suffix.lower() == ".zip"
        try:
            if nested:
                found = _read(member, where, member_options, depth + 1, budget)
            else:
                found = reader_for(name, member_options)(member, where, member_options)
        except ReportError as error:
            if nested and error.reason == _bomb(source, options.max_unpacked).reason:
                raise _bomb(source, options.max_unpacked) from None  # the zip inside makes the whole one a bomb
            items.append(error)
            continue
        except Exception as error:  # noqa: BLE001 - one bad member must not take the others down
            items.append(ReportError(where, f"internal error while reading: {type(error).__name__}: {error}"))
            continue
        items += found
    return items

