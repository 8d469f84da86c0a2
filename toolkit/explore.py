"""Explore a corpus in JupyterLab: search a theme or a term, filter, read the report, browse topics.

    from toolkit.explore import explore
    explore(corpus)                                   # search and reader
    explore(corpus, matches=find_matches(corpus), model=select_topics(docs))   # and the topic browser

:func:`explore` returns an :class:`Explorer`; displayed in a notebook it is a set of ipywidgets tabs:

- **Search**: a theme of the lexicon or any term (``literal`` for the term alone), a table of matches
  (label, kind, province, level, year, left context, match, right context) filtered by kind, province,
  level and year range, sorted by any column, shown a page at a time (only that page goes to the
  browser), with a count of matches by report and kind. Clicking a match opens it in the reader.
- **Reader**: one report with its sections coloured by kind, headings in bold, each unit boxed with
  its citation (section.unit and character offsets), every theme match highlighted and the chosen
  match marked and quoted on top.
- **Topics** (with ``model=``, a fitted :class:`toolkit.topics.TopicModel` or a :class:`KSelection`):
  each topic's top terms with weights, its stability (from a KSelection), its prevalence by kind and
  its most representative units, each a click away from the reader.

The logic is in plain functions that return DataFrames or HTML (:func:`search`, :func:`filter_matches`,
:func:`match_counts`, :func:`report_html`, :func:`topic_summary`), tested without a browser; the widgets
only wire them together. Saved or exported notebooks (HTML, GitHub) show a static summary instead of
the widgets (:meth:`Explorer._repr_mimebundle_`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .sections import KINDS
from .themes import Lexicon, find_matches, kwic, load_lexicon

#: Rows of the match table sent to the browser at a time.
PAGE_SIZE = 20
#: Characters of context either side of a match.
WIDTH = 24
#: Background of each section kind in the reader, and its legend label.
KIND_COLOURS = {"achievements": "#e3f2e9", "problems": "#fde6d6", "plans": "#dcebf7", "other": "#f0f0f0"}
#: Columns of :func:`search` (the table shown, then what locates the match).
SEARCH_COLUMNS = ["label", "kind", "province", "level", "year", "left", "match", "right", "theme", "term",
                  "report_id", "section_index", "unit_index", "start", "end", "genre", "part", "boilerplate"]
#: Columns the match table can be sorted by.
SORTABLE = ["label", "kind", "province", "level", "year", "match", "term"]


# ---------------------------------------------------------------------- tables
def search(corpus, query: str, *, lexicon: Lexicon | None = None, literal: bool = False, width: int = WIDTH
           ) -> pd.DataFrame:
    """Every match of a theme (id or core term: all its variants) or a term in the corpus, with the
    report's label, province, level and year: columns :data:`SEARCH_COLUMNS`, in corpus order.
    ``table.attrs["searched"]`` says what was searched. ``lexicon`` None: the project's
    (:data:`toolkit.themes.LEXICON`)."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    table = kwic(query, corpus.units, width=width, lexicon=lexicon, literal=literal)
    meta = corpus.reports.drop_duplicates("report_id").set_index("report_id")
    out = table.assign(**{c: table["report_id"].map(meta[c]).astype(object)
                          for c in ("label", "province", "level", "genre")},
                       year=pd.to_numeric(table["report_id"].map(meta["year"]), errors="coerce").astype("Int64"))
    unit = ["report_id", "section_index", "unit_index"]
    out = out.merge(corpus.units[unit + ["part", "boilerplate"]], on=unit, how="left")
    out = out[SEARCH_COLUMNS].reset_index(drop=True)
    out.attrs["searched"] = table.attrs["searched"]  # what kwic says it searched
    return out


#: How the explorer names a unit outside the named parts (``part`` empty).
NO_PART = "(none)"


def filter_matches(table: pd.DataFrame, *, kinds=None, provinces=None, levels=None, years=None, genres=None,
                   parts=None, exclude_boilerplate: bool = False) -> pd.DataFrame:
    """The rows of a :func:`search` table in some kinds, provinces, levels, genres and parts (``None`` or
    empty: all; :data:`NO_PART` for units of no named part) and a year range ``(low, high)``, inclusive
    (rows without a year are kept only when no range is given); with ``exclude_boilerplate``, not in a unit
    whose sentences are mostly another body's words (:func:`toolkit.boilerplate.is_boilerplate`)."""
    keep = np.ones(len(table), bool)
    part = table["part"].fillna("").replace("", NO_PART) if "part" in table.columns else None
    for column, wanted in (("kind", kinds), ("province", provinces), ("level", levels), ("genre", genres),
                           ("part", parts)):
        if wanted:
            values = part if column == "part" else table[column]
            keep &= values.isin(list(wanted)).to_numpy(bool)
    if exclude_boilerplate:
        from .boilerplate import is_boilerplate

        keep &= ~is_boilerplate(table)
    if years is not None:
        low, high = years
        year = table["year"].astype("Float64")
        keep &= ((year >= low) & (year <= high)).fillna(False).to_numpy(bool)
    out = table[keep]
    out.attrs = dict(table.attrs)
    return out


def sort_matches(table: pd.DataFrame, by: str = "label", descending: bool = False) -> pd.DataFrame:
    """Sorted by one of :data:`SORTABLE`, then by report and offset (a stable, deterministic order)."""
    if by not in SORTABLE:
        raise ValueError(f"sort by one of {', '.join(SORTABLE)}, not {by!r}")
    out = table.sort_values([by, "report_id", "start"], ascending=[not descending, True, True], kind="mergesort",
                            na_position="last")
    out.attrs = dict(table.attrs)
    return out


def match_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Matches per report (label) and section kind, with a total column, most matches first."""
    if table.empty:
        return pd.DataFrame(columns=["label", "total"])
    counts = table.groupby(["label", "kind"], dropna=False).size().unstack("kind", fill_value=0)
    counts = counts[[k for k in KINDS if k in counts.columns]]
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.sort_values(["total", "label"], ascending=[False, True]).reset_index()


def page(table: pd.DataFrame, number: int, size: int = PAGE_SIZE) -> tuple[pd.DataFrame, int, int]:
    """Page ``number`` (0-based, clipped to the pages there are) of ``table``: (rows, number, pages)."""
    pages = max(1, -(-len(table) // size))
    number = min(max(0, int(number)), pages - 1)
    return table.iloc[number * size:(number + 1) * size], number, pages


# ---------------------------------------------------------------------- the reader
@dataclass(frozen=True)
class Focus:
    """A match to mark in the reader: its report and character offsets."""

    report_id: str
    start: int
    end: int


def _marked(text: str, offset: int, spans: list[tuple[int, int, bool]]) -> str:
    """``text`` (starting at ``offset`` in the report) escaped, with ``spans`` (report offsets; True: the
    focus) wrapped in <mark>."""
    out, at = [], 0
    for start, end, focus in sorted(spans):
        a, b = max(start - offset, at), min(end - offset, len(text))
        if b <= a:
            continue
        out.append(html.escape(text[at:a]))
        cls = ' class="toolkit-focus" id="toolkit-focus"' if focus else ""
        style = "background:#ffd54f;outline:2px solid #d55e00" if focus else "background:#fff59d"
        out.append(f'<mark{cls} style="{style}">{html.escape(text[a:b])}</mark>')
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out)


def legend_html() -> str:
    chips = "".join(f'<span style="background:{c};padding:1px 6px;margin-right:6px">{k}</span>'
                    for k, c in KIND_COLOURS.items())
    return (f'<div style="font-size:90%;margin:4px 0">{chips}<mark style="background:#fff59d">theme match</mark> '
            f'<mark style="background:#ffd54f;outline:2px solid #d55e00">chosen match</mark> '
            f'<span style="border:1px dashed #888;padding:0 3px">unit §section.unit [start–end]</span></div>')


def report_html(corpus, report_id: str, *, matches: pd.DataFrame | None = None, focus: Focus | None = None) -> str:
    """One report as HTML: its sections in order, each coloured by kind with its heading in bold; each
    unit in a dashed box headed by its citation (§section.unit [start–end], offsets into the report
    text); theme matches (``matches`` rows of this report, e.g. :func:`toolkit.themes.find_matches`)
    highlighted; ``focus`` marked and quoted first. Text is escaped; whitespace kept."""
    reports = corpus.reports.drop_duplicates("report_id").set_index("report_id")
    if report_id not in reports.index:
        raise KeyError(f"no report {report_id!r} in the corpus")
    text = reports.at[report_id, "text"]
    label = reports.at[report_id, "label"]
    sections = corpus.sections[corpus.sections["report_id"] == report_id].sort_values("start")
    units = corpus.units[corpus.units["report_id"] == report_id].sort_values("start")
    spans = []
    if matches is not None and len(matches):
        mine = matches[matches["report_id"] == report_id]
        spans = [(int(a), int(b), False) for a, b in zip(mine["start"], mine["end"])]
    if focus is not None and focus.report_id == report_id:
        spans = [s for s in spans if (s[0], s[1]) != (focus.start, focus.end)] + [(focus.start, focus.end, True)]
    parts = [f'<div class="toolkit-reader" style="line-height:1.7">'
             f'<div style="font-weight:bold;font-size:110%">{html.escape(str(label))} '
             f'<span style="color:#666;font-weight:normal">{html.escape(report_id)}</span></div>', legend_html()]
    if focus is not None and focus.report_id == report_id:
        hit = units[(units["start"] <= focus.start) & (units["end"] >= focus.end)]
        if len(hit):
            u = hit.iloc[0]
            parts.append(f'<div class="toolkit-quote" style="border-left:4px solid #d55e00;padding:4px 8px;'
                         f'margin:6px 0;white-space:pre-wrap">{html.escape(str(label))}, {u["kind"]} '
                         f'§{int(u["section_index"])}.{int(u["unit_index"])} [{int(u["start"])}–{int(u["end"])}]: '
                         f'{_marked(text[u["start"]:u["end"]], int(u["start"]), spans)}</div>')
    for s in sections.itertuples(index=False):
        colour = KIND_COLOURS.get(s.kind, KIND_COLOURS["other"])
        parts.append(f'<div class="toolkit-section" data-kind="{s.kind}" style="background:{colour};padding:4px 8px;'
                     f'margin:4px 0;white-space:pre-wrap"><div style="font-size:80%;color:#555">{s.kind} '
                     f'§{int(s.index)} [{int(s.start)}–{int(s.end)}]</div>')
        at = int(s.start)
        inside = units[(units["section_index"] == s.index)]
        for u in inside.itertuples(index=False):
            if u.start > at:  # the heading, or text between units
                parts.append(f"<b>{_marked(text[at:u.start], at, spans)}</b>")
            parts.append(f'<span class="toolkit-unit" style="border:1px dashed #888;padding:0 2px;margin:1px;'
                         f'display:inline"><sup style="color:#666">§{int(u.section_index)}.{int(u.unit_index)} '
                         f'[{int(u.start)}–{int(u.end)}]</sup>{_marked(text[u.start:u.end], int(u.start), spans)}</span>')
            at = max(at, int(u.end))
        if at < int(s.end):
            tail = text[at:int(s.end)]
            parts.append(f"<b>{_marked(tail, at, spans)}</b>" if inside.empty else _marked(tail, at, spans))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


# ---------------------------------------------------------------------- topics
def topic_summary(model, *, selection=None, n_terms: int = 10, n_units: int = 3) -> dict[int, dict]:
    """Per topic: ``label``, ``terms`` (term, weight), ``stability`` (NaN without a KSelection),
    ``prevalence`` (mean share per kind) and ``units`` (the most representative, with text)."""
    from .topics import KSelection

    if isinstance(model, KSelection):
        model, selection = model.model_, model
    stability = {}
    if selection is not None:
        stability = selection.topic_table().set_index("topic")["stability"].to_dict()
    terms = model.top_terms(n_terms)
    weights = model.unit_weights()
    topics = [c for c in weights.columns if isinstance(c, (int, np.integer))]
    by_kind = weights[~weights["no_terms"]].groupby("kind")[topics].mean()
    best = model.top_units(n_units)
    out = {}
    for k in range(model.n_components):
        out[k] = {"label": model.labels_[k],
                  "terms": list(terms.loc[terms["topic"] == k, ["term", "weight"]].itertuples(index=False, name=None)),
                  "stability": float(stability.get(k, np.nan)),
                  "prevalence": {kind: float(by_kind.at[kind, k]) for kind in by_kind.index},
                  "units": best[best["topic"] == k].drop(columns=["topic", "label"]).to_dict("records")}
    return out


def topic_html(summary: dict) -> str:
    """One topic of :func:`topic_summary` as HTML: stability, prevalence by kind, terms with weight bars."""
    top = max((w for _, w in summary["terms"]), default=1.0) or 1.0
    rows = "".join(f'<tr><td>{html.escape(t)}</td><td style="width:160px"><div style="background:#0072B2;height:10px;'
                   f'width:{150 * w / top:.0f}px"></div></td><td>{w:.3f}</td></tr>' for t, w in summary["terms"])
    stability = "—" if np.isnan(summary["stability"]) else f"{summary['stability']:.2f}"
    kinds = ", ".join(f"{k} {v:.1%}" for k, v in summary["prevalence"].items())
    return (f'<div><b>{html.escape(summary["label"])}</b> · stability {stability} · mean share by kind: {kinds}'
            f'<table style="margin-top:4px">{rows}</table></div>')


# ---------------------------------------------------------------------- static summary
def summary_html(corpus, matches: pd.DataFrame, lexicon: Lexicon, model=None) -> str:
    """What a saved notebook shows instead of the widgets: the corpus, the theme counts by kind, and how
    to get the interactive explorer."""
    reports = corpus.reports
    counts = (matches.groupby(["theme", "kind"]).size().unstack("kind", fill_value=0) if len(matches)
              else pd.DataFrame())
    names = {t.id: t.name for t in lexicon}
    rows = []
    for t in lexicon.ids:
        if t in counts.index:
            cells = "".join(f"<td>{int(counts.at[t, k]) if k in counts.columns else 0}</td>" for k in KINDS)
            rows.append(f"<tr><td>{html.escape(names[t])} ({t})</td>{cells}</tr>")
    head = "".join(f"<th>{k}</th>" for k in KINDS)
    topics = "" if model is None else f"; a topic model with k = {getattr(model, 'k_', getattr(model, 'n_components', '?'))}"
    return (f'<div class="toolkit-explorer-static"><p><b>Explorer</b> (static summary: run the notebook in '
            f'JupyterLab to search, filter and read): {len(reports)} reports, {len(corpus.units)} units, '
            f'{len(matches)} theme matches{topics}.</p><table><tr><th>theme</th>{head}</tr>{"".join(rows)}</table></div>')


def _table_html(table: pd.DataFrame) -> str:
    """A small table as HTML, numbers right-aligned, text escaped."""
    if table.empty:
        return ""
    cell = "padding:2px 10px"
    head = "".join(f'<th style="{cell};text-align:left">{html.escape(str(c))}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(
        f'<td style="{cell};text-align:{"right" if isinstance(v, (int, float, np.integer, np.floating)) else "left"}">'
        f"{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in table.itertuples(index=False))
    return f"<table><tr>{head}</tr>{rows}</table>"


# ---------------------------------------------------------------------- the widgets
class Explorer:
    """The interactive explorer (see the module's docstring). Build it with :func:`explore`.

    Attributes a test or a user can drive: ``theme`` (Dropdown), ``term`` (Text), ``literal`` (Checkbox),
    ``kinds``/``provinces``/``levels``/``genres``/``parts`` (SelectMultiple), ``own_words`` (Checkbox: leave out
    boilerplate), ``years`` (IntRangeSlider or None), ``sort_by``,
    ``descending``, ``table`` (the current filtered, sorted matches), ``open_match(i)`` (row i of the
    current page into the reader), ``report`` (the reader's Dropdown), ``reader`` (HTML), ``tabs``.
    """

    def __init__(self, corpus, matches: pd.DataFrame | None = None, model=None, *, lexicon: Lexicon | None = None,
                 page_size: int = PAGE_SIZE, width: int = WIDTH):
        import ipywidgets as w

        self.corpus, self.model = corpus, model
        self.lexicon = load_lexicon() if lexicon is None else lexicon
        self.matches = find_matches(corpus, self.lexicon) if matches is None else matches
        self.page_size, self.width = int(page_size), int(width)
        self.results = pd.DataFrame(columns=SEARCH_COLUMNS)
        self.table = self.results
        self._page, self._searched = 0, None
        reports = corpus.reports.drop_duplicates("report_id")

        # search controls
        self.theme = w.Dropdown(options=[("— a term (type it) —", "")] + [(f"{t.name} ({t.id})", t.id)
                                                                         for t in self.lexicon],
                                value="", description="theme")
        self.term = w.Text(placeholder="or type a term, e.g. 一网通办", description="term", continuous_update=False)
        self.literal = w.Checkbox(value=False, description="this term alone (literal)", indent=False)
        options = lambda col: sorted(str(v) for v in reports[col].dropna().unique())  # noqa: E731
        # descriptions as wide as their words, so the lists keep room for 新疆维吾尔自治区 at 1280 px
        narrow = dict(style={"description_width": "initial"}, layout=w.Layout(width="auto", flex="1 1 auto"))
        self.kinds = w.SelectMultiple(options=[k for k in KINDS], description="kind", rows=4, **narrow)
        self.provinces = w.SelectMultiple(options=options("province"), description="province", rows=4, **narrow)
        self.levels = w.SelectMultiple(options=options("level"), description="level", rows=4, **narrow)
        self.genres = w.SelectMultiple(options=options("genre"), description="genre", rows=4, **narrow)
        named = sorted({p for p in corpus.units["part"].dropna().unique() if p})
        self.parts = w.SelectMultiple(options=[NO_PART, *named], description="part", rows=4, **narrow)
        self.own_words = w.Checkbox(value=False, description="leave out boilerplate (units ≥ 50% other bodies' words)",
                                    indent=False, layout=w.Layout(width="auto", min_width="max-content"))
        years = pd.to_numeric(reports["year"], errors="coerce").dropna().astype(int)
        # the slider's own readout has a fixed width that cuts "2019 – 2021": a label of our own instead
        self.years = (w.IntRangeSlider(value=(years.min(), years.max()), min=years.min(), max=years.max(),
                                       description="years", readout=False, layout=w.Layout(width="240px"),
                                       style={"description_width": "initial"})
                      if len(years) and years.min() < years.max() else None)
        self.years_label = w.Label(layout=w.Layout(width="auto", min_width="max-content", flex="0 0 auto"))
        self.years_label.add_class("toolkit-years")
        if self.years is not None:
            self.years.observe(lambda _: self._show_years(), names="value")
            self._show_years()
        self.sort_by = w.Dropdown(options=SORTABLE, value="label", description="sort by")
        self.descending = w.Checkbox(value=False, description="descending", indent=False)
        self.status = w.HTML()
        self.counts = w.HTML()
        fit = dict(width="auto", min_width="max-content", flex="0 0 auto")  # a button never cuts its text
        self.previous = w.Button(description="◀ previous", layout=w.Layout(**fit))
        self.next = w.Button(description="next ▶", layout=w.Layout(**fit))
        self.page_label = w.Label()
        # a fixed grid of cells, refilled per page: only one page is ever in the browser
        columns = ["label", "kind", "province", "level", "year", "left", "match", "right"]
        header = [w.HTML(f"<b>{c}</b>") for c in columns]
        self._cells = [[w.HTML() for _ in columns] for _ in range(self.page_size)]
        self._buttons = []
        for i, row in enumerate(self._cells):
            button = w.Button(layout=w.Layout(width="auto", min_width="max-content", visibility="hidden"),
                              tooltip="open in the reader")
            button.add_class("toolkit-match")
            button.on_click(lambda _, i=i: self.open_match(i))
            row[columns.index("match")] = button
            self._buttons.append(button)
        self.grid = w.GridBox(header + [c for row in self._cells for c in row], layout=w.Layout(
            grid_template_columns="repeat(5, max-content) minmax(8em, 1fr) max-content minmax(8em, 1fr)",
            grid_gap="2px 10px", align_items="center"))
        self.grid.add_class("toolkit-results")
        self.theme.observe(self._on_theme, names="value")
        for control in (self.literal, self.kinds, self.provinces, self.levels, self.genres, self.parts, self.own_words,
                        self.sort_by, self.descending) + ((self.years,) if self.years else ()):
            control.observe(self._refresh, names="value")
        self.term.observe(self._on_term, names="value")
        self.previous.on_click(lambda _: self._show(self._page - 1))
        self.next.on_click(lambda _: self._show(self._page + 1))
        filters = [self.kinds, self.provinces, self.levels]
        more = [self.genres, self.parts, w.VBox(([w.HBox([self.years, self.years_label], layout=w.Layout(flex="0 0 auto"))]
                                                 if self.years else []) + [self.own_words])]
        search_tab = w.VBox([w.HBox([self.theme, self.term, self.literal]), w.HBox(filters), w.HBox(more),
                             w.HBox([self.sort_by, self.descending]), self.status, self.grid,
                             w.HBox([self.previous, self.page_label, self.next]), w.HTML("<b>matches by report and kind</b>"),
                             self.counts])

        # reader
        labels = sorted(zip(reports["label"].astype(str), reports["report_id"]))
        self.report = w.Dropdown(options=[(f"{lab} · {rid}", rid) for lab, rid in labels], description="report",
                                 layout=w.Layout(width="auto", max_width="100%"))  # as wide as its longest report
        self.reader = w.HTML(layout=w.Layout(max_height="640px", overflow="auto"))
        self.reader.add_class("toolkit-reader-box")
        self._quiet = False
        self.report.observe(lambda change: None if self._quiet else self.read(change["new"]), names="value")
        reader_tab = w.VBox([self.report, self.reader])

        children, titles = [search_tab, reader_tab], ["Search", "Reader"]
        if model is not None:
            children.append(self._topic_tab(w))
            titles.append("Topics")
        self.tabs = w.Tab(children=children)
        for i, title in enumerate(titles):
            self.tabs.set_title(i, title)
        self.widget = self.tabs
        self._refresh()
        if labels:
            self.read(self.report.value)

    # -- search
    def _on_term(self, change) -> None:
        if change["new"].strip() and self.theme.value:
            self.theme.value = ""  # a typed term replaces the theme (this refreshes)
        else:
            self._refresh()

    def _on_theme(self, change) -> None:
        if change["new"] and self.term.value.strip():
            self.term.value = ""  # a chosen theme replaces the typed term (this refreshes)
        else:
            self._refresh()

    def query(self) -> str:
        return self.term.value.strip() or self.theme.value

    def _refresh(self, *_) -> None:
        query = self.query()
        key = (query, self.literal.value)
        if not query:
            self.results, self._searched = pd.DataFrame(columns=SEARCH_COLUMNS), None
            self.status.value = "Choose a theme or type a term."
        elif key != self._searched:  # a filter or the order changed: the matches stay
            try:
                self.results = search(self.corpus, query, lexicon=self.lexicon, literal=self.literal.value,
                                      width=self.width)
                self._searched = key
            except ValueError as e:
                self.results = self.table = pd.DataFrame(columns=SEARCH_COLUMNS)
                self._searched = None
                self.status.value = f'<span style="color:#b00">{html.escape(str(e))}</span>'
                self.counts.value = ""
                self._show(0)
                return
        self.table = sort_matches(filter_matches(self.results, kinds=self.kinds.value, provinces=self.provinces.value,
                                                 levels=self.levels.value, years=self._year_range(),
                                                 genres=self.genres.value, parts=self.parts.value,
                                                 exclude_boilerplate=self.own_words.value),
                                  self.sort_by.value, self.descending.value)
        if query:
            self.status.value = (f"<b>{len(self.table)}</b> of {len(self.results)} matches in "
                                 f"{self.table['report_id'].nunique()} reports · searched: "
                                 f"{html.escape(self.results.attrs.get('searched', query))}")
        counts = match_counts(self.table)
        self.counts.value = _table_html(counts)
        self._show(0)

    def _show_years(self) -> None:
        low, high = self.years.value
        self.years_label.value = f"{low}–{high}" if low != high else str(low)

    def _year_range(self):
        if self.years is None or self.years.value == (self.years.min, self.years.max):
            return None  # the whole range: keep reports without a year too
        return self.years.value

    def _show(self, number: int) -> None:
        rows, self._page, pages = page(self.table, number, self.page_size)
        self.page_label.value = f"page {self._page + 1} of {pages}"
        self.previous.disabled, self.next.disabled = self._page == 0, self._page >= pages - 1
        self._rows = rows
        for i, cells in enumerate(self._cells):
            for cell in cells:  # rows past the last match take no room
                cell.layout.display = None if i < len(rows) else "none"
            if i < len(rows):
                r = rows.iloc[i]
                values = [r["label"], r["kind"], r["province"], r["level"], r["year"]]
                for cell, v in zip(cells[:5], values):
                    cell.value = "" if pd.isna(v) else html.escape(str(v))
                # right-aligned in a flex box as wide as the column (width 0, min-width 100%: the text does not
                # widen the cell): a context too long loses its far end, never the words next to the match
                cells[5].value = (f'<div class="toolkit-left" style="display:flex;justify-content:flex-end;overflow:hidden;'
                                  f'white-space:nowrap;width:0;min-width:100%">'
                                  f'<span>{html.escape(r["left"])}</span></div>')
                cells[6].description = r["match"]
                cells[6].layout.visibility = "visible"
                cells[7].value = f'<div style="white-space:nowrap;overflow:hidden">{html.escape(r["right"])}</div>'
            else:
                for cell in cells[:6] + cells[7:]:
                    cell.value = ""
                cells[6].description = ""
                cells[6].layout.visibility = "hidden"

    def open_match(self, i: int) -> None:
        """Open row ``i`` of the current page in the reader, the match marked and quoted."""
        r = self._rows.iloc[i]
        self.read(r["report_id"], Focus(r["report_id"], int(r["start"]), int(r["end"])))

    # -- reader
    def read(self, report_id: str, focus: Focus | None = None) -> None:
        """Show ``report_id`` in the reader (and switch to it when a match or unit is chosen)."""
        if self.report.value != report_id:
            self._quiet = True  # the dropdown follows the click without reading the report twice
            try:
                self.report.value = report_id
            finally:
                self._quiet = False
        self.reader.value = report_html(self.corpus, report_id, matches=self.matches, focus=focus)
        if focus is not None:
            self.tabs.selected_index = 1

    # -- topics
    def _topic_tab(self, w):
        self.topics = topic_summary(self.model)
        self.topic = w.Dropdown(options=[(f"{k}: {s['label']}", k) for k, s in self.topics.items()], description="topic")
        self.topic_view = w.HTML()
        self.topic_units = w.VBox()
        self.topic.observe(lambda change: self._show_topic(change["new"]), names="value")
        self._show_topic(self.topic.value)
        return w.VBox([self.topic, self.topic_view, w.HTML("<b>most representative units</b>"), self.topic_units])

    def _show_topic(self, k: int) -> None:
        import ipywidgets as w

        summary = self.topics[k]
        self.topic_view.value = topic_html(summary)
        labels = self.corpus.reports.drop_duplicates("report_id").set_index("report_id")["label"]
        rows = []
        for u in summary["units"]:
            button = w.Button(description="read", tooltip="open in the reader",
                              layout=w.Layout(width="auto", min_width="max-content", flex="0 0 auto"))
            button.add_class("toolkit-read")
            button.on_click(lambda _, u=u: self.read(u["report_id"], Focus(u["report_id"], int(u["start"]),
                                                                           int(u["end"]))))
            quote = html.escape(str(u.get("text", ""))[:300])
            rows.append(w.HBox([button, w.HTML(f'{html.escape(str(labels.get(u["report_id"], u["report_id"])))}, '
                                               f'{u["kind"]} §{u["section_index"]}.{u["unit_index"]} '
                                               f'[{u["start"]}–{u["end"]}] · share {u["share"]:.2f}: {quote}')]))
        self.topic_units.children = rows

    # -- display
    def _repr_mimebundle_(self, **kwargs):
        """The widgets in JupyterLab; elsewhere (HTML export, GitHub) a static summary, never an error."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data or {})
        data["text/html"] = summary_html(self.corpus, self.matches, self.lexicon, self.model)
        data["text/plain"] = (f"Explorer: {len(self.corpus.reports)} reports, {len(self.corpus.units)} units, "
                              f"{len(self.matches)} theme matches (run in JupyterLab to explore)")
        return data


def explore(corpus, matches: pd.DataFrame | None = None, model=None, *, lexicon: Lexicon | None = None,
            page_size: int = PAGE_SIZE) -> Explorer:
    """The explorer of a corpus (see the module's docstring): display it in a notebook cell. ``lexicon``
    None: the project's (:data:`toolkit.themes.LEXICON`); with ``matches`` of your own themes, pass the
    lexicon they were found with."""
    return Explorer(corpus, matches, model, lexicon=lexicon, page_size=page_size)
