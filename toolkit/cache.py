"""What the on-disk caches (tokens, topics) share: their warning, setting a bad file aside, atomic writes.

The caches under ``.cache/`` hold data only (SQLite rows, ``.npz`` arrays, JSON) and never pickles: a
file placed there cannot run code. Every entry carries a sha256 checksum that is verified when read, so
a truncated, edited or foreign file cannot return wrong results either: it is set aside (renamed to
``<name>.corrupt``, replacing an older one) or dropped, recomputed, and reported by exactly one
:class:`CacheWarning` naming the file and the reason.

The checksums detect damage and hand edits; they are not signatures (whoever can write the cache can
also recompute them, and can as well edit the lexicon).
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import warnings
from contextlib import suppress
from pathlib import Path

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: The suffix a file that failed its checks is renamed with.
CORRUPT_SUFFIX = ".corrupt"


class CacheWarning(UserWarning):
    """A cache file or entry was unusable (corrupt, foreign, or failing its checksum): it was set aside
    or dropped, and its content recomputed. The message names the file and the reason."""


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
    """Rename ``path`` to ``<name>.corrupt`` (replacing an older one), or remove it where it cannot be
    renamed. Returns what was done, for the warning: ``"moved to <name>.corrupt"`` or ``"removed"``."""
    path = Path(path)
    aside = path.with_name(path.name + CORRUPT_SUFFIX)
    try:
        os.replace(path, aside)
        return f"moved to {aside.name}"
    except FileNotFoundError:
        return "gone"
    except OSError:
        path.unlink(missing_ok=True)
        return "removed"


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
