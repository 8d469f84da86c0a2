"""Figures of contrasts (issue 16): distinctive words of two groups, themes on a tile map of China, by level.

Each function takes a table of :mod:`toolkit.contrast` and returns a matplotlib figure drawn with
:mod:`toolkit.plotting`'s style and CJK font; write it with :func:`toolkit.plotting.savefig`.
``lang`` is ``"zh"`` (the Chinese term), ``"en"`` (its English gloss from ``data/lexicon/glossary.tsv``)
or ``"both"`` (数据孤岛 (data silos)); see :func:`toolkit.plotting.term_label`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from . import plotting
from .contrast import top_terms
from .corpus import LEVELS

#: Iterations adjustText may take to move labels apart. A fixed count, not its default time limit (1 s),
#: so the same table gives the same figure, byte for byte, on a fast or a busy machine.
ADJUST_ITERATIONS = 400
#: Colours of side A and side B (Okabe–Ito blue and orange).
SIDE_COLOURS = (plotting.PALETTE[0], plotting.PALETTE[1])


def _glossary(glossary, lang):
    return glossary if glossary is not None or lang == "zh" else plotting.load_glossary()


def keyness_figure(table: pd.DataFrame, n: int = 15, *, lang: str = "both", glossary: dict | None = None,
                   names: tuple[str, str] | None = None, title: str | None = None, z_line: float = 1.96):
    """Terms by frequency in both groups (x, log scale) and log-odds z-score (y) of a
    :func:`toolkit.contrast.keyness` table, after scattertext's and the word-shift graph's ideas: every
    term a grey dot; the ``n`` most distinctive of each side coloured and labelled (A above zero, B
    below), labels moved apart so none overlap (adjustText); dashed lines at ±``z_line``; the legend
    below the axes, off the labels. ``names`` names the groups (default: their specs from
    ``table.attrs``). A label adjustText cannot free from every other text is left out, the least
    distinctive first, and listed in ``fig.unlabelled`` (its dot stays coloured)."""
    from adjustText import adjust_text

    lang_glossary = _glossary(glossary, lang)
    names = names or (table.attrs.get("a", "A"), table.attrs.get("b", "B"))
    side_a, side_b = top_terms(table, n)
    fig, ax = plotting.subplots(height=5.2)
    rest = table.drop(index=side_a.index.union(side_b.index))
    ax.scatter(rest["count"], rest["z"], s=4, color="0.75", lw=0, rasterized=False, label="_nolegend_")
    texts, strength = [], []
    for side, colour, name in ((side_a, SIDE_COLOURS[0], names[0]), (side_b, SIDE_COLOURS[1], names[1])):
        ax.scatter(side["count"], side["z"], s=10, color=colour, lw=0, label=f"distinctive of {name}")
        for term, x, y in zip(side["term"], side["count"], side["z"]):
            texts.append(ax.text(x, y, plotting.term_label(term, lang, lang_glossary), fontsize=6, color=colour,
                                 ha="center", va="center"))
            strength.append(abs(float(y)))
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    for level in (z_line, -z_line):
        ax.axhline(level, color="0.5", lw=0.6, ls="--")
    ax.axhline(0, color="0.3", lw=0.5)
    ax.set(xlabel="frequency in both groups (tokens, log scale)",
           ylabel=f"log-odds z-score (> 0: {names[0]}; < 0: {names[1]})")
    attrs = table.attrs
    ax.set_title(title or (f"Distinctive terms: {names[0]} ({attrs.get('units_a', '?')} units) vs "
                           f"{names[1]} ({attrs.get('units_b', '?')} units)"))
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    fig.canvas.draw()  # adjustText needs the text extents
    _, arrows = adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.4},
                            expand=(1.05, 1.2), ensure_inside_axes=True, iter_lim=ADJUST_ITERATIONS)
    fig.unlabelled = _drop_crowded(fig, texts, strength, arrows)
    return fig


def _drop_crowded(fig, texts, strength, arrows) -> list[str]:
    """Hide, least distinctive first, each label that still overlaps another label or leaves the axes
    after adjustText, with its arrow; return the hidden labels (their dots stay)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.axes[0].get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in texts]
    hidden = []
    for i in sorted(range(len(texts)), key=lambda i: (strength[i], i)):
        box = boxes[i]
        outside = box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1
        if outside or any(box.overlaps(boxes[j]) for j in range(len(texts)) if j != i and texts[j].get_visible()):
            texts[i].set_visible(False)
            for arrow in arrows:
                if getattr(arrow, "patchA", None) is texts[i] or getattr(arrow, "arrow_patch", None) is not None \
                        and arrow.arrow_patch.patchA is texts[i]:
                    arrow.set_visible(False)
            hidden.append(texts[i].get_text())
    return hidden


def keyness_labels(fig) -> list[str]:
    """The labels a :func:`keyness_figure` drew or left out for want of room (what the glossary test checks)."""
    return [t.get_text() for t in fig.axes[0].texts]


# ---------------------------------------------------------------------- tile map
def _province_index() -> dict[str, object]:
    from .geo import provinces

    index = {}
    for row in provinces():
        for name in (row.name, row.short_name, row.abbreviation):
            index[name] = row
    return index


def _key_name(key, labels: dict | None) -> str:
    if labels and key in labels:
        return labels[key]
    try:
        from .themes import load_lexicon

        lexicon = load_lexicon()
        return lexicon[key].name if key in lexicon else str(key)
    except Exception:  # a topic label, or no lexicon
        return str(key)


def tile_map_figure(table: pd.DataFrame, value: str = "share", *, place: str = "place", key: str | None = "key",
                    keys=None, labels: dict | None = None, lang: str = "both", glossary: dict | None = None,
                    ncols: int = 3, cmap: str = "Blues", fmt: str = "{:.0%}", vmin: float | None = None,
                    vmax: float | None = None, not_covered: bool = True, title: str | None = None):
    """A tile-grid map of China: one square per province (``data/geo/provinces.csv`` row/col), coloured
    by ``value``, with its abbreviation and the value (``fmt``); grey with "–" where the table has no
    value. 台湾, 香港 and 澳门 are drawn as dashed outlines marked "not covered" (no corpus has their
    reports); ``not_covered=False`` leaves them out.

    ``table`` has a ``place`` column (province full name, short name or abbreviation, e.g.
    :func:`toolkit.contrast.place_prevalence`) and ``value``; with a ``key`` column (theme or topic),
    one map per key (``keys``: which, in order; default all), sharing one colour scale. Panel titles are
    the theme's core term (or ``labels[key]``) named in ``lang``."""
    import matplotlib as mpl

    from .geo import provinces

    index = _province_index()
    unknown = sorted({str(p) for p in table[place].dropna() if str(p) not in index})
    if unknown:
        raise ValueError(f"not province-level units: {unknown[:5]}")
    if key is not None and key in table.columns:
        keys = list(dict.fromkeys(table[key])) if keys is None else list(keys)
        parts = [(k, table[table[key] == k]) for k in keys]
    else:
        parts = [(None, table)]
    if not parts:
        raise ValueError("nothing to draw: the table has no rows")
    values = pd.to_numeric(table[value], errors="coerce")
    low = float(np.nanmin(values)) if vmin is None and values.notna().any() else (vmin or 0.0)
    high = float(np.nanmax(values)) if vmax is None and values.notna().any() else (vmax if vmax is not None else 1.0)
    if high <= low:
        high = low + 1e-9
    norm = mpl.colors.Normalize(low, high)
    colormap = mpl.colormaps[cmap]
    rows = provinces()
    n_rows = max(r.row for r in rows) + 1
    n_cols = max(r.col for r in rows) + 1
    ncols = max(1, min(ncols, len(parts)))
    nrows = math.ceil(len(parts) / ncols)
    width = plotting.FULL if ncols > 1 else plotting.SINGLE
    map_height = (width - 0.3) / ncols * n_rows / n_cols
    fig, axes = plotting.subplots(nrows, ncols, width=width, height=min(plotting.MAX_HEIGHT, map_height * nrows + 1.3),
                                  squeeze=False)
    lang_glossary = _glossary(glossary, lang)
    for ax in axes.ravel()[len(parts):]:
        ax.set_visible(False)
    for ax, (k, part) in zip(axes.ravel(), parts):
        by_code = {}
        for p, v in zip(part[place], pd.to_numeric(part[value], errors="coerce")):
            if pd.notna(p):
                by_code[index[str(p)].code] = v
        for row in rows:
            x, y = row.col, n_rows - 1 - row.row
            if not row.in_divisions:
                if not_covered:
                    ax.add_patch(Rectangle((x + 0.05, y + 0.05), 0.9, 0.9, facecolor="white", edgecolor="0.6",
                                           lw=0.6, ls="--"))
                    ax.text(x + 0.5, y + 0.5, row.abbreviation, ha="center", va="center", fontsize=6, color="0.6")
                continue
            v = by_code.get(row.code, np.nan)
            colour = "0.85" if pd.isna(v) else colormap(norm(v))
            ax.add_patch(Rectangle((x + 0.05, y + 0.05), 0.9, 0.9, facecolor=colour, edgecolor="white", lw=0.5))
            dark = not pd.isna(v) and norm(v) > 0.6
            ink = "white" if dark else "0.1"
            ax.text(x + 0.5, y + 0.66, row.abbreviation, ha="center", va="center", fontsize=6, color=ink)
            ax.text(x + 0.5, y + 0.28, "–" if pd.isna(v) else fmt.format(v), ha="center", va="center", fontsize=5,
                    color=ink)
        ax.set_xlim(-0.1, n_cols + 0.1)
        ax.set_ylim(-0.1, n_rows + 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        if k is not None:
            ax.set_title(plotting.term_label(_key_name(k, labels), lang, lang_glossary), fontsize=7.5, loc="center")
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=colormap), ax=axes.ravel().tolist(), shrink=0.5, aspect=40,
                       location="bottom", label=value + "  (grey: no data" + ("; dashed: not covered)" if not_covered else ")"))
    bar.ax.xaxis.set_major_formatter(lambda v, _: fmt.format(v))
    if title:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------- by level
def level_figure(table: pd.DataFrame, *, labels: dict | None = None, lang: str = "both", glossary: dict | None = None,
                 title: str | None = None):
    """Prevalence by level of government (:func:`toolkit.contrast.level_prevalence`): one row per theme
    (or topic), one dot per level with its bootstrap interval over reports, levels in the order national,
    province, prefecture, county."""
    lang_glossary = _glossary(glossary, lang)
    keys = list(dict.fromkeys(table["key"]))
    levels = sorted(table["level"].unique(), key=lambda p: (LEVELS.index(p) if p in LEVELS else len(LEVELS), str(p)))
    fig, ax = plotting.subplots(height=min(plotting.MAX_HEIGHT, 1.2 + 0.1 * len(levels) + 0.26 * len(keys)))
    offsets = np.linspace(-0.25, 0.25, len(levels)) if len(levels) > 1 else [0.0]
    for i, level in enumerate(levels):
        part = table[table["level"] == level].set_index("key").reindex(keys)
        y = np.arange(len(keys)) + offsets[i]
        err = np.vstack([part["share"] - part["low"], part["high"] - part["share"]]).astype(float)
        err = np.where(np.isfinite(err), np.maximum(err, 0), 0)
        reports = int(part["reports"].max()) if part["reports"].notna().any() else 0
        ax.errorbar(part["share"].astype(float), y, xerr=err, fmt="o", ms=3, capsize=2,
                    color=plotting.PALETTE[i % len(plotting.PALETTE)], label=f"{level} ({reports} report{'' if reports == 1 else 's'})")
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels([plotting.term_label(_key_name(k, labels), lang, lang_glossary) for k in keys])
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of units naming the theme (95% interval: reports resampled within each level)")
    fig.legend(loc="outside lower center", ncol=min(4, len(levels)), frameon=False)
    ax.set_title(title or "Prevalence by level of government")
    return fig
