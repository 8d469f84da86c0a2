"""The errors of reading a report: each names where the report is (a file, an archive member, a table
row) and the reason, so that ``str(error) == f"{where}: {reason}"`` is the one line a user sees; and the
errors of a lexicon (:class:`LexiconError` and its kinds: themes, the tokenizer's word lists,
indicators), each naming the file and the reason."""
from __future__ import annotations

import os
from pathlib import Path


def printable(text: str) -> str:
    """A name or text as it can be printed and stored: a file name that is not valid UTF-8 (Python holds
    its bytes as lone surrogates) with those bytes escaped (``r\\xff.txt``), any other lone surrogate
    escaped (``\\ud800``); valid text unchanged."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ReportError(ValueError):
    """A report that cannot be read; ``str(error) == f"{where}: {reason}"`` (a file name that is not valid
    UTF-8 shown escaped, see :func:`printable`).

    ``where`` is a path, or a :class:`toolkit.readers.Source` (a file, an archive member, a table row);
    ``path`` is always the file on disk.
    """

    def __init__(self, where: str | os.PathLike | object, reason: str) -> None:
        self.where = where if hasattr(where, "path") else Path(where)
        self.path = Path(getattr(self.where, "path", self.where))
        self.reason = reason
        super().__init__(f"{printable(str(self.where))}: {reason}")

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


class LexiconError(ValueError):
    """A lexicon that cannot be used: the message names the file (and the line, where there is one) and
    the reason. ``except LexiconError`` catches the three kinds below."""


class ThemeLexiconError(LexiconError):
    """A theme lexicon (``data/lexicon/themes.toml``, or a user's own themes) that cannot be used."""


class WordListError(LexiconError):
    """The tokenizer's word lists (``userdict.txt``, ``stopwords.txt``): a file missing or a line that
    cannot be read."""


class IndicatorError(LexiconError):
    """An indicator lexicon (``data/lexicon/indicators.toml``) that cannot be used."""
