"""Named themes (``data/lexicon/themes.toml``) found in the text of reports.

A *theme* (数据孤岛, 跨省通办, …) is a core term and the variants real reports use for it. This module

- reads and checks the lexicon (:func:`load_lexicon`: a wrong key, a duplicate or a missing core term
  is an error naming the file and the theme);
- finds every match in the units of a corpus (:func:`find_matches`), on the *text*, not on tokens:
  longest variant first, across line breaks and spaces, full-width digits and letters read as ASCII, so
  a variant jieba splits, or a PDF line break cuts, still matches; each match keeps its report, section
  kind, unit and offsets into the report text (``corpus.quote(report_id, start, end)`` gives the words);
- shows matches in context (:func:`kwic`, and ``python -m toolkit kwic TERM_OR_THEME PATH... --jsonl``);
- counts them per report and section kind, and per year (:func:`theme_prevalence`, :func:`prevalence_by_year`,
  :func:`theme_prevalence_figure`);
- links themes to the topics of a :class:`toolkit.topics.TopicModel` (:func:`topic_links`);
- proposes candidate variants for a researcher to accept (:func:`suggest_variants`); it never edits
  the lexicon.

**Which lexicon.** What searches the text (:class:`ThemeMatcher`, :func:`find_matches`, :func:`kwic`,
:func:`resolve_term`, :func:`searched`) takes ``lexicon=None`` to mean the project's lexicon,
:data:`LEXICON` (``data/lexicon/themes.toml``); pass ``load_lexicon(themes=...)`` to search your own
themes too. What describes matches already found (:func:`theme_prevalence_figure`, :func:`topic_links`,
:func:`topic_links_figure`, :func:`suggest_variants`, :func:`cooccurrence`) needs the lexicon they were
found with, and has no default: a theme of your own is never left out for want of it. No function
reads a corpus of its own accord: ``units`` is always given.
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import numpy as np
import pandas as pd

from . import paths
from .errors import ThemeLexiconError
from .schema import Column, TableSpec
from .sections import KINDS, UNIT_REF_COLUMN, UNITS_SPEC
from .stats import year_intervals

LEXICON = paths.LEXICON_DIR / "themes.toml"
LEXICON_SCHEMA = 1

_C = Column
_U = UNITS_SPEC.column
#: The ``theme_matches`` table of an export: :func:`find_matches`' columns (:data:`MATCH_COLUMNS`), with the
#: unit's number and the words matched. The codebook of :mod:`toolkit.export` is generated from it.
THEME_MATCHES_SPEC = TableSpec(
    "theme_matches", "主题词匹配", "theme matches", "one match of a theme's variant in a unit",
    ("unit", "start", "theme"), "toolkit.themes.find_matches", (
        UNIT_REF_COLUMN,
        _C("theme", "string", "主题", "theme", "the theme's id (data/lexicon/themes.toml)", "theme ids",
           "toolkit.themes.load_lexicon"),
        _C("term", "string", "变体", "variant", "the variant matched, as the lexicon writes it", "",
           "toolkit.themes.ThemeMatcher"),
        *map(_U, ("report_id", "kind", "section_index", "unit_index", "start", "end")),
        _C("match", "string", "原文", "text matched", "the words matched, as written: reports.text[start:end] (a "
           "line break or full-width letters may differ from term)", "", "toolkit.themes.find_matches")))
#: The ``theme_prevalence`` table (:func:`theme_prevalence`), as exported. The codebook of
#: :mod:`toolkit.export` is generated from it.
THEME_PREVALENCE_SPEC = TableSpec(
    "theme_prevalence", "主题流行度", "theme prevalence", "one theme in one section kind of one report",
    ("theme", "report_id", "kind"), "toolkit.themes.theme_prevalence", (
        _C("theme", "string", "主题", "theme", "the theme's id; every theme of the lexicon is listed", "theme ids",
           "toolkit.themes.theme_prevalence"),
        _U("report_id"), _U("kind"),
        _C("matches", "integer", "匹配数", "matches", "matches of the theme in these units", "≥ 0",
           "toolkit.themes.theme_prevalence"),
        _C("units_matched", "integer", "命中单元数", "units matched", "units with at least one match", "0…units",
           "toolkit.themes.theme_prevalence"),
        _C("units", "integer", "单元数", "units", "units of this kind in this report", "≥ 1",
           "toolkit.themes.theme_prevalence"),
        _C("share", "float", "占比", "share", "units_matched / units", "0–1", "toolkit.themes.theme_prevalence")))
#: One row per match: the theme, the variant matched, and where (offsets into the report text).
MATCH_COLUMNS = ["theme", "term", "report_id", "kind", "section_index", "unit_index", "start", "end"]
#: The type of each column of a match (from :data:`THEME_MATCHES_SPEC`; see :data:`toolkit.sections.SECTION_TYPES`).
MATCH_TYPES = THEME_MATCHES_SPEC.types(MATCH_COLUMNS)
#: :func:`kwic` adds the words before, at and after the match.
KWIC_COLUMNS = MATCH_COLUMNS + ["left", "match", "right"]
#: Prevalence: matches, matched units, units, and the share of units with a match (:data:`THEME_PREVALENCE_SPEC`).
PREVALENCE_COLUMNS = THEME_PREVALENCE_SPEC.names

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_THEME_KEYS = {"id", "name", "label", "description", "exclude", "variants"}
_VARIANT_KEYS = {"term", "seen_in"}
#: How a variant is written, as the errors say it: in a researcher's own themes, and in the project's lexicon.
VARIANT_FORM = 'a term "…" or a table {term = "…", seen_in = [report ids]}'
VARIANT_FORM_PROJECT = ('{term = "…", seen_in = [report ids]} (the project lexicon records where each wording '
                        'was seen; your own themes may list plain terms)')
#: Full-width ASCII (ＡＢＣ１２３) to ASCII: one character for one, so offsets survive.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


@dataclass(frozen=True)
class Variant:
    term: str
    seen_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    label: str
    description: str
    variants: tuple[Variant, ...]
    exclude: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(v.term for v in self.variants)


@dataclass(frozen=True)
class Lexicon:
    """The themes of a lexicon file, in file order. ``lexicon["data_silos"]`` or ``lexicon["数据孤岛"]``
    (id or core term) gives one theme."""

    themes: tuple[Theme, ...]
    source: str = "<lexicon>"

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def __iter__(self):
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def __getitem__(self, key: str) -> Theme:
        for theme in self.themes:
            if key in (theme.id, theme.name):
                return theme
        raise KeyError(f"no theme {key!r} in {self.source}; themes: {', '.join(self.ids)}")

    def __contains__(self, key: str) -> bool:
        return any(key in (t.id, t.name) for t in self.themes)

    def table(self) -> pd.DataFrame:
        """One row per variant: ``theme``, ``name``, ``label``, ``term``, ``core`` (the theme's name),
        ``seen_in`` (report ids, comma-separated) and ``n_seen``."""
        rows = [{"theme": t.id, "name": t.name, "label": t.label, "term": v.term, "core": v.term == t.name,
                 "seen_in": ", ".join(v.seen_in), "n_seen": len(v.seen_in)}
                for t in self.themes for v in t.variants]
        return pd.DataFrame(rows, columns=["theme", "name", "label", "term", "core", "seen_in", "n_seen"])

    def select(self, themes: Iterable[str] | None) -> Lexicon:
        """The lexicon restricted to some themes (ids or core terms), in the order given."""
        if themes is None:
            return self
        return Lexicon(tuple(self[t] for t in themes), self.source)


def _fail(source, message: str):
    raise ThemeLexiconError(f"{source}: {message}")


def _strings(value, source, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(source, f"{where} must be a list of non-empty strings, not {value!r}")
    return tuple(v.strip() for v in value)


def parse_lexicon(data: dict, source: str = "<lexicon>", *, project: bool = False) -> Lexicon:
    """A :class:`Lexicon` from the parsed TOML (a dict), checked: ``schema``, unique theme ids and
    names, known keys only (a misspelt key is an error, not a silently empty field), the core term
    among the variants, no variant twice in a theme, no whitespace inside a term.

    A variant is a plain term (``variants = ["数据壁垒", "信息壁垒"]``) or a table
    ``{term = "数据壁垒", seen_in = ["南通"]}``. ``project=True`` is the rule of the project's own
    lexicon (``data/lexicon/themes.toml``): every variant a table with its ``seen_in``, the reports it
    was seen in (tests check each claim); a researcher's own themes need no such evidence."""
    if data.get("schema") != LEXICON_SCHEMA:
        _fail(source, f"schema must be {LEXICON_SCHEMA}, not {data.get('schema')!r}")
    unknown = set(data) - {"schema", "theme"}
    if unknown:
        _fail(source, f"unknown top-level keys {sorted(unknown)} (expected schema and [[theme]] tables)")
    raw = data.get("theme")
    if not isinstance(raw, list) or not raw:
        _fail(source, "no [[theme]] tables")
    themes, seen_ids, seen_names = [], set(), set()
    for i, t in enumerate(raw, 1):
        where = f"theme {i} ({t.get('id', '?')})" if isinstance(t, dict) else f"theme {i}"
        if not isinstance(t, dict):
            _fail(source, f"{where} is not a table")
        unknown = set(t) - _THEME_KEYS
        if unknown:
            _fail(source, f"{where}: unknown keys {sorted(unknown)}; expected {sorted(_THEME_KEYS)}")
        for key in ("id", "name", "label", "variants"):
            if key not in t:
                _fail(source, f"{where}: missing {key!r}")
        tid, name = t["id"], t["name"]
        if not isinstance(tid, str) or not _ID.match(tid):
            _fail(source, f"{where}: id must be lower-case ASCII letters, digits and _, not {tid!r}")
        if tid in seen_ids or name in seen_names:
            _fail(source, f"{where}: the id or name is used by an earlier theme")
        seen_ids.add(tid)
        seen_names.add(name)
        form = VARIANT_FORM_PROJECT if project else VARIANT_FORM
        if not isinstance(t["variants"], list) or not t["variants"]:
            _fail(source, f"{where}: variants must be a non-empty list; each variant is {form}")
        variants, terms = [], set()
        for v in t["variants"]:
            if isinstance(v, str) and not project:
                v = {"term": v}
            if (not isinstance(v, dict) or set(v) - _VARIANT_KEYS or "term" not in v
                    or (project and "seen_in" not in v)):
                _fail(source, f"{where}: each variant is {form}, not {v!r}")
            term = v["term"]
            if not isinstance(term, str) or not term or re.search(r"\s", term):
                _fail(source, f"{where}: variant term must be a non-empty string without spaces, not {term!r}")
            if term in terms:
                _fail(source, f"{where}: variant {term!r} is listed twice")
            terms.add(term)
            variants.append(Variant(term, _strings(v.get("seen_in", []), source, f"{where}, {term}: seen_in")))
        if name not in terms:
            _fail(source, f"{where}: the core term {name!r} (name) must also be one of its variants")
        themes.append(Theme(tid, name, str(t["label"]), str(t.get("description", "")), tuple(variants),
                            _strings(t.get("exclude", []), source, f"{where}: exclude")))
    return Lexicon(tuple(themes), str(source))


def load_lexicon(path: str | Path = LEXICON, *, themes: str | Path | Iterable[str | Path] | None = None) -> Lexicon:
    """Read and check a theme lexicon (default ``data/lexicon/themes.toml``).

    ``themes``: a researcher's own themes file (or several), in the same TOML form and checked with the
    same errors, merged into the lexicon: its themes come after the project's, and a theme with the
    id of a project theme replaces it (so a researcher can widen a project theme without editing the
    project). A name (core term) used by two different themes is an error. Own themes (and any
    lexicon file other than the project's) may list plain terms as variants; the project's lexicon
    records where each was seen (see :func:`parse_lexicon`). The smallest own themes file::

        schema = 1

        [[theme]]
        id = "data_barriers"
        name = "数据壁垒"
        label = "data barriers"
        variants = ["数据壁垒", "信息壁垒"]
    """
    lexicon = _read_lexicon(Path(path), project=_is_project_lexicon(Path(path)))
    extra = [] if themes is None else [themes] if isinstance(themes, (str, Path)) else list(themes)
    for own in extra:
        lexicon = merge_lexicons(lexicon, _read_lexicon(Path(own)))
    return lexicon


def _is_project_lexicon(path: Path) -> bool:
    """Whether ``path`` is the project's own lexicon (:data:`LEXICON`), read with its stricter rule."""
    try:
        return path.resolve() == LEXICON.resolve()
    except OSError:
        return False


def merge_lexicons(base: Lexicon, own: Lexicon) -> Lexicon:
    """``base`` with the themes of ``own``: same id replaces (in place), a new id is appended."""
    replaced = {t.id: t for t in own if t.id in base.ids}
    merged = [replaced.get(t.id, t) for t in base] + [t for t in own if t.id not in replaced]
    names: dict[str, str] = {}
    for t in merged:
        if t.name in names:
            _fail(own.source, f"theme {t.id}: its name {t.name!r} is the name of theme {names[t.name]} "
                              f"(of {base.source}); give it another name, or the same id to replace that theme")
        names[t.name] = t.id
    return Lexicon(tuple(merged), f"{base.source} + {own.source}")


def _read_lexicon(path: Path, project: bool = False) -> Lexicon:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ThemeLexiconError(f"{path}: no such lexicon file") from None
    except tomllib.TOMLDecodeError as e:
        raise ThemeLexiconError(f"{path}: not valid TOML ({e})") from None
    return parse_lexicon(data, str(path), project=project)


# ---------------------------------------------------------------------- matching
def _normalize(text: str) -> tuple[str, np.ndarray]:
    """``text`` without whitespace and with full-width ASCII made ASCII, and for each of its
    characters the offset of that character in ``text``."""
    keep = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in keep).translate(_WIDTH).lower(), np.array(keep, dtype=np.int64)


def _key(term: str) -> str:
    return term.translate(_WIDTH).lower()


def _ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


class ThemeMatcher:
    """Finds the variants of some themes in texts (one Aho-Corasick automaton over every variant and
    exclusion, built once). Within a theme, matches do not overlap: leftmost first, then longest
    (跨省通办 inside 跨省通办事项 is one match; 12345热线 is one match, not 12345 and 热线). A match
    lying inside one of the theme's ``exclude`` strings is dropped, and a term that begins or ends with
    an ASCII letter or digit does not match next to another one (12345 is not found in 123456).
    ``lexicon`` None: the project's (:data:`LEXICON`)."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = load_lexicon() if lexicon is None else lexicon
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list] = {}
        for theme in self.lexicon:
            for term in theme.terms:
                entries.setdefault(_key(term), []).append(("term", theme.id, term))
            for ex in theme.exclude:
                entries.setdefault(_key(ex), []).append(("exclude", theme.id, ex))
        for key, values in entries.items():
            self._automaton.add_word(key, (len(key), tuple(values)))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        """``(theme, term, start, end)`` of every match in ``text``; offsets into ``text``, sorted."""
        if not text:
            return []
        compact, where = _normalize(text)
        hits: dict[str, list] = {}
        excluded: dict[str, list] = {}
        for last, (length, values) in self._automaton.iter(compact):
            start = last - length + 1
            for role, theme, term in values:
                (hits if role == "term" else excluded).setdefault(theme, []).append((start, last + 1, term))
        out = []
        for theme, found in hits.items():
            spans = excluded.get(theme, [])
            end_taken = -1
            for start, end, term in sorted(found, key=lambda h: (h[0], -(h[1] - h[0]))):
                if start < end_taken or any(s <= start and end <= e for s, e, _ in spans):
                    continue
                a, b = int(where[start]), int(where[end - 1]) + 1
                if (_ascii_alnum(term[0]) and a > 0 and _ascii_alnum(text[a - 1].translate(_WIDTH))) or \
                        (_ascii_alnum(term[-1]) and b < len(text) and _ascii_alnum(text[b].translate(_WIDTH))):
                    continue
                out.append((theme, term, a, b))
                end_taken = end
        return sorted(out, key=lambda m: (m[2], self.lexicon.ids.index(m[0])))


def _check_units(units: pd.DataFrame) -> None:
    missing = {"report_id", "kind", "section_index", "unit_index", "start", "end", "text"} - set(units.columns)
    if missing:
        raise ValueError(f"units lack the columns {sorted(missing)} (pass corpus.units)")


def _units_of(units) -> pd.DataFrame:
    if units is None:
        raise TypeError("pass the units to search: corpus.units or a Corpus (the seed reports: "
                        "load_corpus(toolkit.paths.RAW_DIR))")
    return units.units if hasattr(units, "units") else units


def find_matches(units, lexicon: Lexicon | None = None, themes: Iterable[str] | None = None,
                 kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Every match of the lexicon's themes (or of some ``themes``) in ``units`` (``corpus.units`` or a
    :class:`toolkit.Corpus`), in corpus order; ``lexicon`` None: the project's (:data:`LEXICON`).
    ``kinds`` keeps some section kinds only. Columns :data:`MATCH_COLUMNS`; ``start``/``end`` are
    offsets into the report text."""
    units = _units_of(units)
    _check_units(units)
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown section kinds {sorted(unknown)}; use some of {', '.join(KINDS)}")
        units = units[units["kind"].isin(kinds)]
    matcher = ThemeMatcher((load_lexicon() if lexicon is None else lexicon).select(themes))
    rows = []
    for u in units[["report_id", "kind", "section_index", "unit_index", "start", "text"]].itertuples(index=False):
        for theme, term, a, b in matcher.find(u.text):
            rows.append((theme, term, u.report_id, u.kind, u.section_index, u.unit_index, u.start + a, u.start + b))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS).astype(
        {"section_index": "int64", "unit_index": "int64", "start": "int64", "end": "int64"})


def resolve_term(term_or_theme: str, lexicon: Lexicon | None = None, *, literal: bool = False) -> Lexicon:
    """What :func:`kwic` looks for: a theme id or core term means the whole theme (every variant); any
    other string, or any string with ``literal=True``, means that string alone (with the theme it is a
    variant of, if any, as its theme). ``lexicon`` None: the project's (:data:`LEXICON`)."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    if not isinstance(term_or_theme, str) or not term_or_theme.strip() or re.search(r"\s", term_or_theme.strip()):
        raise ValueError(f"expected a theme or a term without spaces, not {term_or_theme!r}")
    key = term_or_theme.strip()
    if key in lexicon and not literal:
        return lexicon.select([key])
    if literal and key in lexicon.ids:  # a theme's id, literally: its core term alone
        key = lexicon[key].name
    owners = [t for t in lexicon if key in t.terms]
    theme = owners[0] if owners else None
    single = Theme(theme.id if theme else "", key, theme.label if theme else "", "", (Variant(key),),
                   theme.exclude if theme else ())
    return Lexicon((single,), f"{key!r}")


def _context(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def searched(term_or_theme: str, lexicon: Lexicon | None = None, *, literal: bool = False) -> str:
    """In words, what :func:`kwic` searches for ``term_or_theme``: a whole theme with its variants, or one term
    (``lexicon`` None: the project's, :data:`LEXICON`)."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    theme = resolve_term(term_or_theme, lexicon, literal=literal).themes[0]
    if not literal and term_or_theme.strip() in lexicon:
        return f"theme {theme.id} ({theme.name}), all {len(theme.variants)} variants: {'、'.join(theme.terms)}"
    owner = f" (a variant of theme {theme.id}; literal=False searches the whole theme)" if theme.id else ""
    return f"the term {theme.terms[0]} alone{owner}"


def kwic(term_or_theme: str, units, *, width: int = 20, lexicon: Lexicon | None = None,
         kinds: Iterable[str] | None = None, literal: bool = False, reports: pd.DataFrame | None = None
         ) -> pd.DataFrame:
    """Keyword in context: every match of a theme (its id or core term: all its variants) or of one
    term (``literal=True``: the string alone, even when it is a theme's core term), in ``units``
    (``corpus.units`` or a Corpus), with ``width`` characters of the unit's text on either side
    (whitespace shown as one space); ``lexicon`` None: the project's (:data:`LEXICON`). Columns :data:`KWIC_COLUMNS`, preceded by
    ``label`` (宜宾市 2021) when the reports are known (a Corpus, or ``reports=corpus.reports``);
    ``match`` is the text as written (a variant cut by a line break keeps it). ``table.attrs["searched"]``
    says in words what was searched (:func:`searched`); :func:`one_line` shows the table with each
    context on one line."""
    if int(width) < 0:
        raise ValueError(f"width must be at least 0, not {width}")
    if reports is None and hasattr(units, "reports"):
        reports = units.reports
    units = _units_of(units)
    _check_units(units)
    table = _kwic(units, resolve_term(term_or_theme, lexicon, literal=literal), width, kinds)
    if reports is not None and "label" in reports.columns:
        labels = reports.drop_duplicates("report_id").set_index("report_id")["label"]
        table.insert(0, "label", table["report_id"].map(labels).astype(object))
    table.attrs["searched"] = searched(term_or_theme, lexicon, literal=literal)
    return table


class OneLine:
    """A table shown with each cell on one line (:func:`one_line`): HTML in a notebook, the table's text
    elsewhere (never an object address, so a saved notebook is the same on every run)."""

    def __init__(self, table: pd.DataFrame, styler):
        self.table, self.styler = table, styler

    def to_html(self) -> str:
        return self.styler.to_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        caption = f"searched: {self.table.attrs['searched']}\n" if "searched" in self.table.attrs else ""
        return caption + self.table.to_string(index=False)


def one_line(table: pd.DataFrame) -> OneLine:
    """A KWIC table for display in a notebook: contexts on one line (``white-space: nowrap``), the left
    context aligned right against the match, the match in bold, what was searched as the caption."""
    styler = table.style.hide(axis="index").set_uuid("kwic")  # fixed ids: the same table, the same HTML
    styler = styler.set_properties(**{"white-space": "nowrap"})
    if "left" in table.columns:
        styler = styler.set_properties(subset=["left"], **{"text-align": "right"})
    if "match" in table.columns:
        styler = styler.set_properties(subset=["match"], **{"font-weight": "bold"})
    if "searched" in table.attrs:
        styler = styler.set_caption(f"searched: {table.attrs['searched']}")
    return OneLine(table, styler)


def _kwic(units: pd.DataFrame, lexicon: Lexicon, width: int, kinds) -> pd.DataFrame:
    matches = find_matches(units, lexicon, kinds=kinds)
    if matches.empty:
        return pd.DataFrame(columns=KWIC_COLUMNS)
    keyed = units.set_index(["report_id", "section_index", "unit_index"])[["start", "text"]]
    located = keyed.loc[list(zip(matches["report_id"], matches["section_index"], matches["unit_index"]))]
    left, match, right = [], [], []
    for (ustart, text), a, b in zip(located.itertuples(index=False), matches["start"], matches["end"]):
        a, b = a - ustart, b - ustart
        left.append(_context(text[max(0, a - width):a]))
        match.append(text[a:b])
        right.append(_context(text[b:b + width]))
    return matches.assign(left=left, match=match, right=right)[KWIC_COLUMNS]


# ---------------------------------------------------------------------- prevalence
def theme_prevalence(matches: pd.DataFrame, units, themes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per theme, report and section kind: ``matches`` (count), ``units_matched`` (units with at least
    one match), ``units`` (units of that kind in that report) and ``share`` = units_matched / units.
    Every theme × (report, kind) that has units gets a row, zeros included; a theme with no match
    anywhere is still listed when named in ``themes`` (default: the themes of ``matches``)."""
    units = _units_of(units)
    themes = list(dict.fromkeys(matches["theme"])) if themes is None else list(themes)
    sizes = units.groupby(["report_id", "kind"], sort=False).size().rename("units").reset_index()
    grid = pd.DataFrame({"theme": themes}).merge(sizes, how="cross")
    cell = ["theme", "report_id", "kind"]
    counted = matches.groupby(cell).size().rename("matches").to_frame().join(
        matches.drop_duplicates(cell + ["section_index", "unit_index"]).groupby(cell).size().rename("units_matched"))
    table = grid.merge(counted.reset_index(), on=cell, how="left")
    table[["matches", "units_matched"]] = table[["matches", "units_matched"]].fillna(0).astype("int64")
    table["share"] = table["units_matched"] / table["units"]
    order = {k: i for i, k in enumerate(KINDS)}
    table = table.sort_values(["theme", "report_id", "kind"], key=lambda c: c.map(order) if c.name == "kind" else
                              (c.map({t: i for i, t in enumerate(themes)}) if c.name == "theme" else c),
                              kind="mergesort")
    return table[PREVALENCE_COLUMNS].reset_index(drop=True)


def theme_matches_for_export(units: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """The ``theme_matches`` table of an export (:data:`THEME_MATCHES_SPEC`): every match of ``lexicon`` in
    ``units`` (the export's, numbered: :func:`toolkit.sections.units_for_export`), with its unit's number and
    the words matched, by unit, offset and the lexicon's order of themes."""
    matches = find_matches(units, lexicon)
    unit_no = dict(zip(zip(units["report_id"], units["section_index"], units["unit_index"]), units["unit"]))
    text_of = dict(zip(units["unit"], units["text"]))
    start_of = dict(zip(units["unit"], units["start"]))
    matches.insert(0, "unit", [unit_no[key] for key in zip(matches["report_id"], matches["section_index"],
                                                            matches["unit_index"])])
    matches["match"] = [text_of[u][a - start_of[u]:b - start_of[u]]
                        for u, a, b in zip(matches["unit"], matches["start"], matches["end"])]
    order = {t: i for i, t in enumerate(lexicon.ids)}
    matches = matches.sort_values(["unit", "start", "end", "theme"], key=lambda c: c.map(order) if c.name == "theme"
                                  else c, kind="mergesort")
    return THEME_MATCHES_SPEC.typed(matches)


def theme_prevalence_for_export(matches: pd.DataFrame, units: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """The ``theme_prevalence`` table of an export (:data:`THEME_PREVALENCE_SPEC`): :func:`theme_prevalence`
    of every theme of ``lexicon`` (zeros included) over the export's ``units`` and ``matches``."""
    if not len(units):
        return THEME_PREVALENCE_SPEC.empty()
    return THEME_PREVALENCE_SPEC.typed(theme_prevalence(matches, units, themes=lexicon.ids))


def prevalence_by_year(table: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """:func:`theme_prevalence` summed over the reports of each year (``reports``: ``corpus.reports``, whose
    ``year`` column dates them): ``theme``, ``year``, ``kind``, ``reports``, ``reports_matched``,
    ``matches``, ``units_matched``, ``units``, ``share``. Reports without a year are counted under
    year ``<NA>`` rather than dropped."""
    years = reports.set_index("report_id")["year"]
    missing = set(table["report_id"]) - set(years.index)
    if missing:
        raise ValueError(f"reports {sorted(missing)[:5]} are not in the reports table")
    data = table.assign(year=table["report_id"].map(years).astype("Int64"),
                        matched=(table["matches"] > 0).astype("int64"))
    out = data.groupby(["theme", "year", "kind"], sort=False, dropna=False).agg(
        reports=("report_id", "nunique"), reports_matched=("matched", "sum"), matches=("matches", "sum"),
        units_matched=("units_matched", "sum"), units=("units", "sum")).reset_index()
    out["share"] = out["units_matched"] / out["units"]
    return out.sort_values("year", kind="mergesort", na_position="last").reset_index(drop=True)


def prevalence_matrix(table: pd.DataFrame, kinds: Iterable[str] = ("problems", "plans", "achievements"),
                      value: str = "share", labels: dict | None = None) -> pd.DataFrame:
    """The heatmap's matrix: rows are themes, columns (report, kind) pairs, cells ``value``
    (``share``, ``matches`` or ``units_matched``); a report without units of a kind has an empty
    (NaN) cell, not a zero. ``labels`` renames the reports (e.g. report id to label)."""
    kinds = list(kinds)
    themes = list(dict.fromkeys(table["theme"]))
    data = table[table["kind"].isin(kinds)]
    matrix = data.pivot_table(index="theme", columns=["kind", "report_id"], values=value, aggfunc="first")
    reports = list(dict.fromkeys(table["report_id"]))
    columns = pd.MultiIndex.from_product([kinds, reports], names=["kind", "report_id"])
    matrix = matrix.reindex(index=themes, columns=columns)
    if labels:
        matrix = matrix.rename(columns=labels, level="report_id")
    return matrix


#: Font size of the heatmap's theme and report labels (points); rows and columns are sized to it.
HEATMAP_FONT = 5.5


def theme_prevalence_figure(table: pd.DataFrame, lexicon: Lexicon,
                            kinds: Iterable[str] = ("problems", "plans", "achievements"), labels: dict | None = None,
                            value: str = "share", max_reports: int | None = None) -> list:
    """Heatmaps of :func:`theme_prevalence`: one panel per section kind, stacked, sharing their columns (rows:
    themes with their core term and label; columns: reports, by label; colour: ``value``; grey: the report
    has no such section), one colour scale for all. Every report is drawn: as many columns a page as fit
    at full page width beside the theme labels (or ``max_reports``), the pages as even as possible and
    titled with the reports they hold; a lexicon too long for one page is cut by themes too. Returns the
    pages (a list of figures). ``lexicon``: the one the matches were found with (it names the rows)."""
    import matplotlib as mpl

    from . import plotting

    kinds = list(kinds)
    full = prevalence_matrix(table, kinds, value)
    reports = list(dict.fromkeys(table["report_id"]))
    names = {r: str((labels or {}).get(r, r)) for r in reports}
    reports = sorted(reports, key=lambda r: (names[r], r))
    names = dict(zip(reports, plotting.fit_labels([names[r] for r in reports], HEATMAP_FONT, 1.3)))
    theme_names = {t: f"{lexicon[t].name}  {lexicon[t].label}" if t in lexicon else str(t) for t in full.index}
    values = full.to_numpy(dtype=float)
    vmax = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    vmax = vmax if vmax > 0 else 1.0
    cmap = mpl.colormaps["Blues"].with_extremes(bad="#d9d9d9")
    cell = plotting.row_height(HEATMAP_FONT)
    row_labels = max(plotting.text_width(n, HEATMAP_FONT) for n in theme_names.values())
    column_labels = max(plotting.text_width(names[r], HEATMAP_FONT) for r in reports)
    fixed = 0.6 + 0.2 * len(kinds) + column_labels  # titles and the report labels
    themes_per_page = max(1, int((plotting.MAX_HEIGHT - fixed) // (cell * len(kinds))))
    reports_per_page = max_reports or max(1, int((plotting.FULL - 1.0 - row_labels) // cell))
    theme_pages = plotting.pages(list(full.index), themes_per_page)
    report_pages = plotting.pages(reports, reports_per_page)
    if len(theme_pages) * len(report_pages) > 1:
        fixed += 0.15  # the page's second title line
    figures = []
    total = len(theme_pages) * len(report_pages)
    for themes in theme_pages:
        for shown in report_pages:
            height = min(plotting.MAX_HEIGHT, fixed + cell * len(themes) * len(kinds))
            fig, axes = plotting.subplots(len(kinds), 1, height=height, sharex=True, squeeze=False)
            image = None
            for ax, kind in zip(axes[:, 0], kinds):
                block = full[kind].reindex(index=themes, columns=shown).to_numpy(dtype=float)
                image = ax.imshow(np.ma.masked_invalid(block), aspect="auto", cmap=cmap, vmin=0, vmax=vmax,
                                  interpolation="nearest")
                ax.set_title(kind, fontsize=7.5)
                ax.set_yticks(range(len(themes)))
                ax.set_yticklabels([theme_names[t] for t in themes], fontsize=HEATMAP_FONT)
                ax.tick_params(length=0)
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(False)
            bottom = axes[-1, 0]
            bottom.set_xticks(range(len(shown)))
            bottom.set_xticklabels([names[r] for r in shown], rotation=90, fontsize=HEATMAP_FONT)
            fig.colorbar(image, ax=axes[:, 0].tolist(), shrink=0.6, aspect=30, pad=0.01,
                         label={"share": "share of units with a match"}.get(value, value))
            part = ""
            if len(report_pages) > 1:
                first, last = reports.index(shown[0]) + 1, reports.index(shown[-1]) + 1
                part += f", reports {first}–{last} of {len(reports)} by label"
            if len(theme_pages) > 1:
                part += f", themes {list(full.index).index(themes[0]) + 1}–{list(full.index).index(themes[-1]) + 1}"
            pages = f"\npage {len(figures) + 1} of {total}{part}" if total > 1 else ""
            fig.suptitle(f"Theme prevalence by report and section kind (grey: no such section){pages}")
            figures.append(fig)
    return figures


# ---------------------------------------------------------------------- themes and topics
def topic_links(model, matches: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """Which topics of a fitted :class:`toolkit.topics.TopicModel` carry each theme, two ways:

    - ``term_weight``: the summed weight of the theme's variants in the topic's component, each
      component scaled to sum 1 (only variants that are terms of the model's vocabulary count; a
      variant jieba splits into several tokens has no weight of its own; ``terms_in_vocabulary`` says
      how many count);
    - ``unit_share``: the mean topic share of the model's units that hold a match of the theme
      (``units`` of them; NaN where none does).

    ``lexicon``: the one the ``matches`` were found with. One row per theme of it and topic: ``theme``,
    ``topic``, ``label``, ``term_weight``, ``terms_in_vocabulary``, ``unit_share``, ``units``."""
    components = np.asarray(model.components_, dtype=float)
    totals = components.sum(axis=1, keepdims=True)
    scaled = np.divide(components, totals, out=np.zeros_like(components), where=totals > 0)
    index = {str(t): j for j, t in enumerate(model.terms_)}
    weights = model.unit_weights()
    keys = ["report_id", "section_index", "unit_index"]
    topics = list(range(model.n_components))
    rows = []
    for theme in lexicon:
        cols = [index[t] for t in theme.terms if t in index]
        term_weight = scaled[:, cols].sum(axis=1) if cols else np.zeros(len(topics))
        hit = matches.loc[matches["theme"] == theme.id, keys].drop_duplicates()
        matched = weights.merge(hit, on=keys, how="inner")
        matched = matched[~matched["no_terms"]]
        share = matched[topics].mean(axis=0).to_numpy(dtype=float) if len(matched) else np.full(len(topics), np.nan)
        rows += [{"theme": theme.id, "topic": k, "label": model.labels_[k], "term_weight": float(term_weight[k]),
                  "terms_in_vocabulary": len(cols), "unit_share": float(share[k]), "units": len(matched)}
                 for k in topics]
    return pd.DataFrame(rows, columns=["theme", "topic", "label", "term_weight", "terms_in_vocabulary",
                                       "unit_share", "units"])


def topic_links_figure(links: pd.DataFrame, lexicon: Lexicon, value: str = "unit_share"):
    """A heatmap of :func:`topic_links`: themes (rows) by topics (columns, with their labels), cells
    ``value``; a theme no modelled unit names stays blank. ``lexicon``: the one given to
    :func:`topic_links`."""
    from . import plotting

    ids = [t.id for t in lexicon if t.id in set(links["theme"])]
    grid = links.pivot(index="theme", columns="topic", values=value).reindex(ids)
    topic_labels = links.drop_duplicates("topic").set_index("topic")["label"]
    names = {t.id: f"{t.name}  {t.label}" for t in lexicon}
    height = min(plotting.MAX_HEIGHT, 1.7 + 0.15 * len(grid))
    fig, ax = plotting.subplots(height=height)
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="Greens", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks(range(grid.shape[1]))
    ax.set_xticklabels([f"{k} {topic_labels[k]}" for k in grid.columns], rotation=90, fontsize=6)
    ax.set_yticks(range(len(grid)))
    ax.set_yticklabels([names[t] for t in grid.index], fontsize=6.5)
    ax.tick_params(length=0)
    ax.grid(False)
    fig.colorbar(image, ax=ax, shrink=0.8, label={"unit_share": "mean topic share of the units naming the theme",
                                                  "term_weight": "weight of the theme's terms"}.get(value, value))
    ax.set_title("Which topics carry each theme (blank: no modelled unit names it)")
    return fig


def carriers(links: pd.DataFrame, by: str = "unit_share") -> pd.DataFrame:
    """For each theme, the topic that carries it most (by ``unit_share`` or ``term_weight``), with
    both measures; themes with no matched unit in the model have no carrier (NaN topic)."""
    rows = []
    for theme, group in links.groupby("theme", sort=False):
        values = group[by]
        if values.isna().all() or (values.fillna(0) <= 0).all():
            rows.append({"theme": theme, "topic": np.nan, "label": "", "term_weight": np.nan,
                         "unit_share": np.nan, "units": int(group["units"].iloc[0])})
            continue
        best = group.loc[values.idxmax()]
        rows.append({"theme": theme, "topic": int(best["topic"]), "label": best["label"],
                     "term_weight": best["term_weight"], "unit_share": best["unit_share"], "units": int(best["units"])})
    return pd.DataFrame(rows, columns=["theme", "topic", "label", "term_weight", "unit_share", "units"])


# ---------------------------------------------------------------------- growing the lexicon
def suggest_variants(theme: str, docs: pd.DataFrame, matches: pd.DataFrame, lexicon: Lexicon,
                     model=None, min_units: int = 2, top: int = 20, same_kinds: bool = True) -> pd.DataFrame:
    """Candidate variants of a theme for a researcher to judge (never added to the lexicon).

    ``docs`` are tokenized units (:func:`toolkit.topics.documents`, any kinds); ``matches`` come from
    :func:`find_matches` on the same units with ``lexicon``. A candidate is a token of at least two characters that is
    not a variant and not part of one (those co-occur trivially), found in at least ``min_units`` of
    the units that match the theme. With ``same_kinds`` the comparison is among units of the section
    kinds the theme is matched in (else words of the kind, 存在 and 问题 for a theme named only among
    problems, would rank high). Columns:

    - ``units_with_theme``: matched units holding the token; ``units``: all units holding it;
    - ``lift``: how much more often the token occurs in matched units than in the others, smoothed
      ``((a + 0.5) / (A + 1)) / ((b + 0.5) / (B + 1))`` (a, b: units holding it with and without the
      theme; A, B: units with and without the theme);
    - ``z``: the log odds ratio of the same 2 × 2 table (0.5 added to each cell) over its standard
      error: distinctive *and* seen often enough to tell (a token seen twice has a high lift and a
      wide error);
    - ``topic_similarity`` (with ``model``): cosine between the token's topic loadings (its column of
      the components) and the mean topic shares of the matched units; NaN without a model or when the
      token is not in the model's vocabulary;
    - ``rank``: by ``z`` (then units_with_theme); with a model, by the mean of the two percentile
      ranks, z and similarity, for tokens that have both (a token outside the model's vocabulary
      keeps its z percentile). Ties go to the token seen first in the corpus.
    """
    chosen = lexicon[theme]
    keys = ["report_id", "section_index", "unit_index"]
    hit = set(map(tuple, matches.loc[matches["theme"] == chosen.id, keys].itertuples(index=False)))
    if same_kinds:
        docs = docs[docs["kind"].isin(set(matches.loc[matches["theme"] == chosen.id, "kind"]))]
    in_theme = np.array([k in hit for k in zip(docs["report_id"], docs["section_index"], docs["unit_index"])],
                        dtype=bool)  # bool even when no unit is left
    n_in, n_out = int(in_theme.sum()), int((~in_theme).sum())
    if n_in == 0:
        return pd.DataFrame(columns=["rank", "term", "units_with_theme", "units", "lift", "z", "topic_similarity"])
    with_theme: dict[str, int] = {}
    everywhere: dict[str, int] = {}
    for tokens, inside in zip(docs["tokens"], in_theme):
        for token in dict.fromkeys(tokens):
            everywhere[token] = everywhere.get(token, 0) + 1
            if inside:
                with_theme[token] = with_theme.get(token, 0) + 1
    variants = chosen.terms
    rows = []
    for token, a in with_theme.items():
        if a < min_units or len(token) < 2 or token.isdigit() or any(token in v for v in variants):
            continue
        b = everywhere[token] - a
        lift = ((a + 0.5) / (n_in + 1)) / ((b + 0.5) / (n_out + 1))
        cells = np.array([a, n_in - a, b, n_out - b], dtype=float) + 0.5
        z = (math.log(cells[0] / cells[1]) - math.log(cells[2] / cells[3])) / math.sqrt((1 / cells).sum())
        rows.append({"term": token, "units_with_theme": a, "units": everywhere[token], "lift": lift, "z": z})
    table = pd.DataFrame(rows, columns=["term", "units_with_theme", "units", "lift", "z"])
    table["topic_similarity"] = np.nan
    if model is not None and len(table):
        weights = model.unit_weights()
        matched = weights.merge(pd.DataFrame(sorted(hit), columns=keys), on=keys, how="inner")
        matched = matched[~matched["no_terms"]]
        topics = list(range(model.n_components))
        if len(matched):
            centre = matched[topics].mean(axis=0).to_numpy(dtype=float)
            index = {str(t): j for j, t in enumerate(model.terms_)}
            sims = []
            for term in table["term"]:
                j = index.get(term)
                if j is None:
                    sims.append(np.nan)
                    continue
                col = np.asarray(model.components_[:, j], dtype=float)
                norm = np.linalg.norm(col) * np.linalg.norm(centre)
                sims.append(float(col @ centre / norm) if norm > 0 else 0.0)
            table["topic_similarity"] = sims
    if len(table):
        order = table.sort_values(["z", "units_with_theme"], ascending=False, kind="mergesort").index
        score = pd.Series(np.arange(1, len(table) + 1) / len(table), index=order).reindex(table.index)
        similar = table["topic_similarity"].notna()
        if similar.any():
            sims = table.loc[similar, "topic_similarity"].rank(ascending=False, method="first") / similar.sum()
            score[similar] = (score[similar] + sims) / 2
        table = table.assign(_score=score).sort_values("_score", kind="mergesort").drop(columns="_score")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.head(top).reset_index(drop=True)


def cooccurrence(matches: pd.DataFrame, units, lexicon: Lexicon) -> pd.DataFrame:
    """Units in which two themes both match (themes × themes of ``lexicon``, the one the ``matches`` were
    found with; the diagonal: units matching the theme)."""
    keys = ["report_id", "section_index", "unit_index"]
    ids = [t.id for t in lexicon]
    sets = {t: set(map(tuple, matches.loc[matches["theme"] == t, keys].itertuples(index=False))) for t in ids}
    return pd.DataFrame([[len(sets[a] & sets[b]) for b in ids] for a in ids], index=ids, columns=ids)


__all__ = ["KWIC_COLUMNS", "LEXICON", "LEXICON_SCHEMA", "Lexicon", "MATCH_COLUMNS", "PREVALENCE_COLUMNS", "Theme",
           "ThemeMatcher", "Variant", "carriers", "cooccurrence", "find_matches", "kwic", "load_lexicon", "parse_lexicon",
           "prevalence_by_year", "prevalence_by_year_ci", "prevalence_matrix", "resolve_term", "suggest_variants",
           "theme_prevalence", "theme_prevalence_figure", "topic_links", "topic_links_figure"]


def prevalence_by_year_ci(matches: pd.DataFrame, units, reports: pd.DataFrame, themes: Iterable[str] | None = None,
                          kinds: Iterable[str] | None = None, n_boot: int = 1000, ci: float = 0.95,
                          random_state: int = 0) -> pd.DataFrame:
    """The share of units naming each theme by year under review (section ``kinds`` pooled; default all),
    with an interval: a percentile bootstrap over the reports of the year (``n_boot`` draws,
    ``random_state``) where a year has at least two reports, else a Wilson score interval over the units
    of its one report (units taken as independent, so narrower than the truth; ``method`` says which).
    Columns: ``theme``, ``year``, ``reports``, ``units``, ``units_matched``, ``share``, ``low``, ``high``,
    ``method``. Reports without a year are left out."""
    units = _units_of(units)
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        units = units[units["kind"].isin(kinds)]
        matches = matches[matches["kind"].isin(kinds)]
    table = theme_prevalence(matches, units, themes)
    per_report = table.groupby(["theme", "report_id"], sort=False)[["units_matched", "units"]].sum().reset_index()
    years = reports.set_index("report_id")["year"]
    per_report["year"] = pd.to_numeric(per_report["report_id"].map(years), errors="coerce")
    per_report = per_report.dropna(subset=["year"])
    frame = per_report.rename(columns={"theme": "group", "units_matched": "hits"})
    out = year_intervals(frame, n_boot, ci, random_state).rename(columns={"group": "theme", "hits": "units_matched"})
    order = {t: i for i, t in enumerate(dict.fromkeys(table["theme"]))}
    return out.sort_values(["theme", "year"], key=lambda c: c.map(order) if c.name == "theme" else c,
                           kind="mergesort").reset_index(drop=True)
