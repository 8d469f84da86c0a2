"""What marks a folder as an export of this toolkit: :mod:`toolkit.export` writes the mark, and reading a
corpus (:func:`toolkit.readers.discover`) skips a folder that holds one, so that exporting into the corpus
folder never makes the export's tables reports the next time the corpus is read.

The mark is :data:`EXPORT_MARKER`, a small JSON file listing every file the export wrote there with its
sha256 (the record ``export --overwrite`` checks before it replaces or removes anything). A folder
written by an export of an earlier version, which had no marker, is recognised by its ``MANIFEST.json``
(a JSON object whose ``toolkit.name`` is this toolkit's).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .cache import EntryError, read_entry

#: The marker every export leaves in its folder (hidden: it is the toolkit's bookkeeping, not a table).
EXPORT_MARKER = ".gov-report-toolkit-export.json"
#: Its ``format`` field.
MARKER_FORMAT = "gov-report-toolkit export"
MANIFEST_NAME = "MANIFEST.json"
#: The ``toolkit.name`` of every MANIFEST.json the toolkit writes.
TOOLKIT_NAME = "gov-report-toolkit"
#: The largest marker or manifest read (a manifest lists a few dozen files and the corpus's files).
MAX_RECORD_BYTES = 50_000_000


def toolkit_manifest(path: str | os.PathLike) -> dict | None:
    """The content of ``path`` when it is a MANIFEST.json this toolkit wrote (a regular file holding a
    JSON object whose ``toolkit.name`` is :data:`TOOLKIT_NAME`), else None. Never blocks or reads past
    :data:`MAX_RECORD_BYTES`."""
    try:
        manifest = json.loads(read_entry(path, MAX_RECORD_BYTES).decode("utf-8"))
    except (OSError, EntryError, ValueError):
        return None
    if isinstance(manifest, dict) and isinstance(manifest.get("toolkit"), dict) \
            and manifest["toolkit"].get("name") == TOOLKIT_NAME:
        return manifest
    return None


def export_mark(folder: str | os.PathLike, names=None) -> str | None:
    """The name of the file that marks ``folder`` as an export of this toolkit (:data:`EXPORT_MARKER`, or
    an earlier version's ``MANIFEST.json``), or None. ``names``: the folder's entries when the caller
    has listed them already."""
    folder = Path(folder)
    if names is None:
        try:
            names = os.listdir(folder)
        except OSError:
            return None
    if EXPORT_MARKER in names:
        return EXPORT_MARKER
    if MANIFEST_NAME in names and toolkit_manifest(folder / MANIFEST_NAME) is not None:
        return MANIFEST_NAME
    return None
