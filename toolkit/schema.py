"""The columns of the toolkit's tables, described once.

Each table's :class:`TableSpec` lives next to the module that produces the table: ``reports`` in
:mod:`toolkit.dataset` (its metadata fields in :mod:`toolkit.metadata`), ``sections`` and ``units`` in
:mod:`toolkit.sections` (the units' ``boilerplate`` column in :mod:`toolkit.boilerplate`), ``tokens`` in
:mod:`toolkit.tokenize`, ``theme_matches`` and ``theme_prevalence`` in :mod:`toolkit.themes`, ``topics``
and ``unit_topics`` in :mod:`toolkit.topics`, ``targets`` in :mod:`toolkit.targets`, ``follow_through``
in :mod:`toolkit.followthrough`. The stored stages take their column types from these specs
(:data:`toolkit.sections.SECTION_TYPES` …, read by :mod:`toolkit.pipeline`), and the export's codebook
is generated from them (:func:`toolkit.export.codebook`).

This module imports no sibling, so every module can import it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The types a column may have (Parquet: string, int64, double, boolean).
TYPES = ("string", "integer", "float", "boolean")


@dataclass(frozen=True)
class Column:
    """One column of a table, as the codebook describes it."""

    name: str
    type: str  #: string, integer, float or boolean
    zh: str  #: short Chinese label
    en: str  #: short English label
    meaning: str
    values: str = ""  #: allowed values or range
    rule: str = ""  #: the function or rule that makes it (empty: the table's ``made_by``)

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is none of {', '.join(TYPES)}")


@dataclass(frozen=True)
class TableSpec:
    """A table: its name, labels, what one row is, its key, what makes it, and its columns in order."""

    name: str
    zh: str
    en: str
    row: str  #: what one row is
    key: tuple[str, ...]
    made_by: str
    columns: tuple[Column, ...]

    def __post_init__(self):
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column is named twice in {names}")
        if missing := [k for k in self.key if k not in names]:
            raise ValueError(f"table {self.name}: its key {missing} is no column")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name`` (a KeyError naming the table when it has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")

    def types(self, names: Iterable[str] | None = None) -> dict[str, str]:
        """Column name → type, for ``names`` (default: every column), in that order."""
        return {n: self.column(n).type for n in (self.names if names is None else names)}

    def with_columns(self, extra: Iterable[Column]) -> "TableSpec":
        """The same table with ``extra`` columns after its own (``unit_topics``' ``topic_0`` …)."""
        return TableSpec(self.name, self.zh, self.en, self.row, self.key, self.made_by, self.columns + tuple(extra))

    def typed(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with exactly this spec's columns, in its order, each of its type: text as pandas' str
        (missing: NaN), integers as nullable Int64, floats as float64, booleans as nullable boolean. A
        column the spec has and ``table`` lacks is a ValueError."""
        missing = [c for c in self.names if c not in table.columns]
        if missing:
            raise ValueError(f"table {self.name} lacks the columns {missing}")
        out = {}
        for c in self.columns:
            s = table[c.name]
            if c.type == "string":
                s = s.astype(object).where(s.notna(), None).astype(pd.StringDtype(na_value=np.nan))
            elif c.type == "integer":
                s = pd.to_numeric(s, errors="raise").astype("Int64")
            elif c.type == "float":
                s = pd.to_numeric(s, errors="raise").astype("float64")
            else:
                s = s.astype("boolean")
            out[c.name] = s.reset_index(drop=True)
        return pd.DataFrame(out, columns=self.names)

    def empty(self) -> pd.DataFrame:
        """The table without rows, with every column of its type."""
        return self.typed(pd.DataFrame(columns=self.names))


def joined(items) -> str:
    """A list as one text, the items joined by single spaces (how every table writes a list: a topic's
    terms, a unit's themes); a text stays itself, None is empty."""
    if isinstance(items, (list, tuple, np.ndarray)):
        return " ".join(str(i) for i in items)
    return "" if items is None else str(items)
