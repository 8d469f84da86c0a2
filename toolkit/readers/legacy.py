"""Old binary Word and WPS documents (``.doc``, ``.wps``): not read, with the way to convert them.

Their binary formats (OLE compound files) have no reader in pure Python worth trusting with a report's
text; LibreOffice converts them faithfully.
"""
from __future__ import annotations

from ..errors import FormatError
from . import ReadOptions, Source

#: The reason every .doc/.wps file is refused with.
REASON = "an old binary Word/WPS document: convert it to .docx first, e.g. soffice --headless --convert-to docx FILE"


def read(data: bytes, source: Source, options: ReadOptions) -> list:
    """Always raises :class:`FormatError`: convert the file to .docx first (or, for a .docx that was
    merely named .doc, rename it)."""
    if data.startswith(b"PK\x03\x04"):
        raise FormatError(source, "a zip package (a .docx?) named as an old Word/WPS document: rename it to .docx")
    raise FormatError(source, REASON)
