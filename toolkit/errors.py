"""The errors of reading a report: each names where the report is (a file, an archive member, a table
row) and the reason, so that ``str(error) == f"{where}: {reason}"`` is the one line a user sees."""
from __future__ import annotations

import os
from pathlib import Path


class ReportError(ValueError):
    """A report that cannot be read; ``str(error) == f"{where}: {reason}"``.

    ``where`` is a path, or a :class:`toolkit.readers.Source` (a file, an archive member, a table row);
    ``path`` is always the file on disk.
    """

    def __init__(self, where: str | os.PathLike | object, reason: str) -> None:
        self.where = where if hasattr(where, "path") else Path(where)
        self.path = Path(getattr(self.where, "path", self.where))
        self.reason = reason
        super().__init__(f"{self.where}: {reason}")

    def __reduce__(self):
        return type(self), (self.where, self.reason)


class EmptyReportError(ReportError):
    """The file is empty or holds only whitespace (or only page chrome)."""


class BinaryReportError(ReportError):
    """The file is not text: another format's file, NUL bytes or control characters."""


class UndecodableReportError(ReportError):
    """No encoding the toolkit reads (UTF-8/16/32, GB18030, Big5) gives Chinese prose."""


class FormatError(ReportError):
    """A file of a known format that cannot be read as a report (a scanned PDF, an old .doc, a broken
    archive, a table without a text column …); the reason says what to do."""
