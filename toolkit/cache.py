"""What the on-disk caches (tokens, topics) share: their warning, setting a bad file aside, atomic writes.

The caches under ``.cache/`` hold data only (SQLite rows, ``.npz`` arrays, JSON) and never pickles: a
file placed there cannot run code. Every entry carries a sha256 checksum that is verified when read, so
a truncated, edited or foreign file cannot return wrong results either: it is set aside (renamed to
``<name>.corrupt``, replacing an older one) or dropped, recomputed, and reported by exactly one
:class:`CacheWarning` naming the file and the reason.

Caches follow the rule inputs follow: an entry is a regular file (not a symlink, FIFO, device, socket or
folder), opened without blocking and checked with ``fstat`` before a byte is read, and its size is
checked against what such an entry can hold before it is read (:func:`read_entry`). Anything else is
set aside, or left alone and bypassed when it cannot be moved, with one :class:`CacheWarning`. A cache
that cannot be used at all (a read-only or full disk, a folder that cannot be made) is bypassed the same
way: the run completes without it. A cache is an optimisation, never a point of failure.

The checksums detect damage and hand edits; they are not signatures (whoever can write the cache can
also recompute them, and can as well edit the lexicon).
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
import warnings
from contextlib import suppress
from pathlib import Path

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: The suffix a file that failed its checks is renamed with.
CORRUPT_SUFFIX = ".corrupt"


class CacheWarning(UserWarning):
    """A cache file or entry was unusable (corrupt, foreign, failing its checksum, not a regular file, on
    a read-only or full disk): it was set aside, dropped or bypassed, and its content recomputed. The
    message names the file and the reason."""


class EntryError(Exception):
    """A cache entry that is not a regular file, is larger than such an entry can be, or cannot be read
    (the message says which, in words)."""


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def entry_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be a cache entry (``"a FIFO (named pipe), not a regular file"``, ``"a symlink to
    /dev/zero, not a regular file"`` …), or None when it is absent or a regular file. Nothing is opened.
    An error examining it (a folder that cannot be searched) is raised: the cache, not the entry, is at fault."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # absent, or its folder is a file: nothing is there
        return None
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"a symlink to {target}, not a regular file"
    kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a regular file")
    return f"{kind}, not a regular file"


def _size(n: int) -> str:
    return f"{n:,} bytes"


def read_entry(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the cache entry ``path``: a regular file (never a symlink), opened without blocking,
    checked with ``fstat`` and refused past ``max_bytes`` before anything is read. Raises
    :class:`FileNotFoundError` when it is absent and :class:`EntryError` (the reason) for anything else."""
    try:
        problem = entry_problem(path)
    except OSError as error:
        raise EntryError(f"cannot be examined ({error.strerror or error})") from None
    if problem is not None:
        raise EntryError(problem)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except (FileNotFoundError, NotADirectoryError):  # absent, or its folder is a file
        raise FileNotFoundError(path) from None
    except OSError as error:  # replaced by a symlink since (ELOOP), or no permission
        raise EntryError(entry_problem(path) or f"cannot be read ({error.strerror or error})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a regular file")
            raise EntryError(f"{kind}, not a regular file")
        if info.st_size > max_bytes:
            raise EntryError(f"{_size(info.st_size)}, more than such an entry can hold ({_size(max_bytes)})")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise EntryError(f"cannot be read ({error.strerror or error})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew while being read
        raise EntryError(f"more than such an entry can hold ({_size(max_bytes)})")
    return data


def warn(message: str) -> None:
    """Issue a :class:`CacheWarning` attributed to the first caller outside the toolkit package."""
    level, frame = 1, sys._getframe(0)  # stacklevel 1 is this function
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        level += 1
        frame = frame.f_back
    warnings.warn(message, CacheWarning, stacklevel=level)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def set_aside(path: str | Path) -> str:
    """Rename ``path`` (a file, a symlink, a FIFO, a folder …) to ``<name>.corrupt``, replacing an older
    one that is not a folder; or remove it where it cannot be renamed (never a folder's content). Returns
    what was done, for the warning: ``"moved to <name>.corrupt"``, ``"removed"``, ``"gone"`` or, when
    nothing could be done (a read-only folder), ``"left in place (<reason>)"``: the caller then bypasses it."""
    path = Path(path)
    aside = path.with_name(path.name + CORRUPT_SUFFIX)
    try:
        os.replace(path, aside)
        return f"moved to {aside.name}"
    except FileNotFoundError:
        return "gone"
    except OSError as error:
        first = error
    if os.path.lexists(aside) and not _is_folder(aside):
        try:  # an older aside in the way (a folder cannot replace a file): remove it, and try again
            os.unlink(aside)
            os.replace(path, aside)
            return f"moved to {aside.name}"
        except OSError:
            pass
    if not _is_folder(path):
        try:
            os.unlink(path)
            return "removed"
        except FileNotFoundError:
            return "gone"
        except OSError as error:
            first = error
    return f"left in place ({first.strerror or first})"


def _is_folder(path: Path) -> bool:
    """A folder itself, not a symlink to one."""
    return os.path.isdir(path) and not os.path.islink(path)


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place: a reader sees the
    old file or the whole new one, and a crash leaves no half-written file under ``path``'s name."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
