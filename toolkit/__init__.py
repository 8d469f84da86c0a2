"""gov-report-toolkit: load, segment, tokenize and model Chinese government reports.

Start with :func:`load_corpus`; every other stage takes its tables. Importing the package prints
nothing and touches no global jieba state.
"""
from .corpus import (BinaryReportError, EmptyReportError, Report, ReportError, UndecodableReportError,
                     read_report, read_reports)
from .dataset import Corpus
from .pipeline import load_corpus
from .sections import segment

__version__ = "0.1.0"

__all__ = ["BinaryReportError", "Corpus", "EmptyReportError", "Report", "ReportError",
           "UndecodableReportError", "load_corpus", "read_report", "read_reports", "segment", "__version__"]
