"""Figures: a CJK font that comes with the environment, page sizes a journal prints, and the only figure writer.

- :func:`use_cjk_font` makes Chinese render on a fresh machine: by default it registers Noto Sans CJK SC
  from the pip package ``noto-cjk-sans-otc`` (SIL OFL 1.1), so every machine draws the same glyphs. A
  system family (PingFang SC, Microsoft YaHei, …) may be chosen instead; nothing happens at import.
- :data:`RC`, :func:`style` and :func:`subplots` give consistent figures sized for a page: one column
  (:data:`SINGLE`, 8.5 cm) or the full text width (:data:`FULL`, 17.5 cm), at most :data:`MAX_HEIGHT`
  tall, fonts of 6.5–8.5 pt that stay readable printed at that size. :func:`pages` splits rows that
  would not fit into numbered pages.
- :func:`savefig` is the only way figures are written. Before writing it checks the figure
  (:func:`layout_problems`): its size, and with matplotlib's own text extents after a draw, that no
  text is cut by the canvas, no two texts overlap, no legend covers data or a label, no text is too
  small, no year axis has fractional ticks. A figure that fails is not written: the error names it and
  the texts. Metadata, dpi and SVG ids are fixed, so an unchanged figure gives identical bytes.

Formats: PNG (300 dpi) for slides and review, PDF (vector, fonts embedded, searchable text) for
journals; SVG (text as paths) on request.
"""
from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
from matplotlib.rcsetup import cycler

from . import paths

#: The font the toolkit ships with: a pip package, so a fresh ``pip install`` is all it takes.
BUNDLED_DISTRIBUTION = "noto-cjk-sans-otc"
BUNDLED_PACKAGE = "noto_cjk_sans_otc"
BUNDLED_FILE = "NotoSansCJK-Regular.ttc"
#: The face of the collection drawn with Simplified Chinese glyph forms.
BUNDLED_FAMILY = "Noto Sans CJK SC"
#: System families a user may pass to :func:`use_cjk_font` instead (they must be installed).
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
)
#: For the rare glyph the CJK font lacks (matplotlib falls back glyph by glyph).
FALLBACK_FAMILY = "DejaVu Sans"

#: Formats :func:`savefig` can write, and the default: PNG to look at, PDF for a journal (vector, fonts
#: embedded). SVG is written on request only.
FIGURE_FORMATS = ("png", "svg", "pdf")
DEFAULT_FIGURE_FORMATS = ("png", "pdf")
#: Fixed resolution of every raster figure (PNG): what journals ask of line art with text.
DPI = 300
#: Centimetres per inch (matplotlib sizes figures in inches).
CM = 1 / 2.54
#: Page widths, in inches: one column of a two-column journal page, and the full text width.
SINGLE = 8.5 * CM
FULL = 17.5 * CM
WIDTHS = {"single": SINGLE, "full": FULL}
#: No figure is larger than this in either direction, in pixels at :data:`DPI`.
MAX_PIXELS = 2400
#: The tallest figure, in inches (8 in = 20.3 cm: a page less its caption).
MAX_HEIGHT = MAX_PIXELS / DPI
#: The smallest text a printed figure may carry, in points.
MIN_FONT_PT = 5.0
#: Written as PNG ``Software``, SVG ``Creator`` and PDF ``Creator``/``Producer`` instead of the
#: matplotlib version, so a library upgrade that draws the same picture writes the same bytes.
CREATOR = "gov-report-toolkit"
#: Seeds the ids matplotlib gives SVG clip paths and hatches (random otherwise).
SVG_HASHSALT = "gov-report-toolkit"

#: Okabe–Ito: distinguishable with colour-blindness and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")

#: The project style, for figures printed at :data:`SINGLE` or :data:`FULL` width (fonts in points as
#: printed). Apply with :func:`style` or :func:`subplots`.
RC: dict[str, object] = {
    "figure.figsize": (FULL, 3.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.titlelocation": "left",
    "figure.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": "viridis",
    "savefig.dpi": DPI,
}

#: What must hold while a figure is written, whatever the session's rcParams are.
SAVE_RC: dict[str, object] = {
    "savefig.dpi": DPI,
    "svg.fonttype": "path",  # glyphs as paths: the SVG needs no font installed to look right
    "svg.hashsalt": SVG_HASHSALT,
    # Type 3 (glyph procedures, with a ToUnicode map: text stays searchable). Type 42 embeds Noto's CFF
    # outlines under a TrueType font type, which poppler reports as a mismatch and stricter viewers reject.
    "pdf.fonttype": 3,
}


@dataclass(frozen=True)
class Font:
    """The font figures are drawn with: its family and where it comes from."""

    family: str
    path: Path
    source: str  # "noto-cjk-sans-otc 0.0.1" for the bundled font, "system" otherwise

    def __str__(self) -> str:
        return f"{self.family} ({self.source}: {self.path.name})"


#: The font set by the last :func:`use_cjk_font` call; ``None`` until then. Written into figure metadata.
FONT_IN_USE: Font | None = None


def bundled_font_path() -> Path:
    """The Noto Sans CJK collection inside the installed ``noto-cjk-sans-otc`` package."""
    return Path(str(resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FILE)))


def _register_bundled() -> Path:
    path = bundled_font_path()
    manager = font_manager.fontManager
    if not any(Path(entry.fname) == path for entry in manager.ttflist):
        manager.addfont(str(path))  # every face of the collection: CJK SC, TC, HK, JP, KR (and Mono)
        # A system copy of the same family (say Debian's fonts-noto-cjk, another version) would win the
        # tie in findfont and change the glyphs on that machine only: put the bundled faces first.
        ours = [entry for entry in manager.ttflist if Path(entry.fname) == path]
        manager.ttflist[:] = ours + [entry for entry in manager.ttflist if Path(entry.fname) != path]
    found = Path(_find(BUNDLED_FAMILY))
    if found != path:
        raise RuntimeError(f"{BUNDLED_FAMILY!r} resolves to {found}, not to the bundled {path}")
    return path


def _find(family: str) -> str:
    """The file matplotlib draws ``family`` from; ValueError when no installed font has that family."""
    return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)


def use_cjk_font(family: str | None = None) -> Font:
    """Make matplotlib draw Chinese: set the font family of the session and return the :class:`Font`.

    ``family=None`` (the default) uses Noto Sans CJK SC from the pip package ``noto-cjk-sans-otc``: the
    same glyphs on every machine, nothing to install by hand. A system family (see
    :data:`SYSTEM_FAMILIES`) may be named instead; it must be installed, and there is no silent
    fallback (a figure drawn with another font would not match the committed one).

    Idempotent; :func:`subplots`, :func:`style` and :func:`savefig` call it. Call it (or
    :func:`subplots`) before creating a figure: text takes its font when it is created.
    """
    global FONT_IN_USE
    if family is None:
        path = _register_bundled()
        font = Font(BUNDLED_FAMILY, path, f"{BUNDLED_DISTRIBUTION} {metadata.version(BUNDLED_DISTRIBUTION)}")
    else:
        try:
            path = Path(_find(family))
        except ValueError:
            raise ValueError(
                f"font family {family!r} is not installed; use the bundled one (family=None) "
                f"or one of the installed system families"
            ) from None
        font = Font(family, path, "system")
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [font.family, FALLBACK_FAMILY]
    FONT_IN_USE = font
    return font


def apply_style(family: str | None = None) -> Font:
    """Set :data:`RC` and the CJK font for the rest of the session (what a notebook wants)."""
    font = use_cjk_font(family)
    mpl.rcParams.update(RC)
    return font


@contextlib.contextmanager
def style(family: str | None = None) -> Iterator[Font]:
    """Within the block, figures use :data:`RC`; the CJK font stays set afterwards (see use_cjk_font).

    Create *and* save the figure inside the block: tick labels are made when the figure is drawn.
    """
    font = use_cjk_font(family)
    with mpl.rc_context(RC):
        yield font


def figsize(width: str | float = "full", height: float = 3.0) -> tuple[float, float]:
    """A figure size in inches for a page: ``width`` ``"single"`` (8.5 cm), ``"full"`` (17.5 cm) or
    one of those in inches; ``height`` in inches, at most :data:`MAX_HEIGHT`. A figure that needs more
    rows than fit is split with :func:`pages`, not made taller."""
    w = WIDTHS.get(width, width) if isinstance(width, str) else float(width)
    if isinstance(w, str) or not any(math.isclose(w, v, rel_tol=0.005) for v in WIDTHS.values()):
        raise ValueError(f"width must be 'single' ({SINGLE:.2f} in) or 'full' ({FULL:.2f} in), not {width!r}")
    if not 0 < height <= MAX_HEIGHT + 1e-9:
        raise ValueError(f"height must be in (0, {MAX_HEIGHT:g}] inches ({MAX_PIXELS} px at {DPI} dpi), "
                         f"not {height:.2f}: split the rows into pages (toolkit.plotting.pages)")
    return (w, float(height))


def subplots(*args, family: str | None = None, width: str | float = "full", height: float | None = None,
             **kwargs):
    """``plt.subplots`` in the project style with Chinese ready (applies :func:`apply_style`), sized by
    :func:`figsize` (``width`` "single" or "full", ``height`` in inches) unless ``figsize`` is given."""
    import matplotlib.pyplot as plt

    apply_style(family)
    if "figsize" not in kwargs:
        kwargs["figsize"] = figsize(width, RC["figure.figsize"][1] if height is None else height)
    return plt.subplots(*args, **kwargs)


def row_height(fontsize: float) -> float:
    """Inches a row of labels ``fontsize`` points high needs so that neighbours never touch (the CJK
    font's line box is about 1.45 times its size)."""
    return fontsize * 1.6 / 72


def text_width(text: str, fontsize: float) -> float:
    """The width, in inches, of ``text`` drawn in the figures' font at ``fontsize`` points (before any
    layout: for choosing how many panels fit side by side)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    use_cjk_font()
    width, _, _ = text_to_path.get_text_width_height_descent(str(text), FontProperties(size=fontsize), ismath=False)
    return width / 72


def fit_labels(labels: Sequence[str], fontsize: float, width: float) -> list[str]:
    """``labels`` shortened to at most ``width`` inches at ``fontsize``: a label too long keeps its
    beginning (the government and year) and its end, with "…" between; labels that were different stay
    different (a shortened label that would repeat another keeps more of its characters)."""
    labels = [str(label) for label in labels]

    def cut(label: str, keep: int) -> str:
        if keep >= len(label):
            return label
        head = max(1, (keep * 2 + 2) // 3)
        return label[:head] + "…" + label[len(label) - (keep - head):] if keep > head else label[:head] + "…"

    def longest(label: str) -> int:
        low, high = 1, len(label)  # the most characters kept that still fit
        while low < high:
            mid = (low + high + 1) // 2
            if text_width(cut(label, mid), fontsize) <= width:
                low = mid
            else:
                high = mid - 1
        return low

    keep = [len(label) if text_width(label, fontsize) <= width else longest(label) for label in labels]
    for _ in range(max((len(label) for label in labels), default=0)):
        shown = [cut(label, k) for label, k in zip(labels, keep)]
        seen: dict[str, set[str]] = {}
        for label, short in zip(labels, shown):
            seen.setdefault(short, set()).add(label)
        clash = [i for i, short in enumerate(shown) if len(seen[short]) > 1 and keep[i] < len(labels[i])]
        if not clash:
            return shown
        for i in clash:
            keep[i] += 1
    return [cut(label, k) for label, k in zip(labels, keep)]


def columns_for(titles: Sequence[str], fontsize: float, *, most: int = 3, width: float = FULL, label: float = 0.6) -> int:
    """How many panels titled ``titles`` fit side by side in ``width`` inches (at most ``most``), each
    losing ``label`` inches to its tick labels: the titles must not run into each other."""
    longest = max((text_width(t, fontsize) for t in titles), default=0.0)
    for n in range(max(1, most), 0, -1):
        if longest <= (width - 0.3) / n - label * (1 if n > 1 else 0.5):
            return n
    return 1


def rows_per_page(row_height: float, fixed: float, *, height: float = MAX_HEIGHT) -> int:
    """How many rows of ``row_height`` inches fit beside ``fixed`` inches of titles, labels and legend
    in a figure at most ``height`` inches tall (at least one)."""
    return max(1, int((height - fixed) // row_height))


def pages(items: Sequence, most: int) -> list[list]:
    """``items`` cut into as few pages as hold at most ``most`` each, the pages as even as possible and
    in order (143 reports at 40 a page: 36, 36, 36, 35). One page when they fit."""
    items = list(items)
    if most < 1:
        raise ValueError(f"a page holds at least one item, not {most}")
    n = max(1, math.ceil(len(items) / most))
    size, extra = divmod(len(items), n)
    out, at = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(items[at:at + step])
        at += step
    return out


def year_axis(axis) -> None:
    """Ticks of a year axis at whole years only, written without decimals (2024, never 2024.2)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, nbins="auto", min_n_ticks=1))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}" if float(v).is_integer() else ""))


# ---------------------------------------------------------------------- the layout check
class FigureLayoutError(ValueError):
    """A figure that would not print well: the message names the figure and each problem's texts."""


@dataclass(frozen=True)
class DrawnText:
    """A text as drawn: its string, what it is (title, tick label, legend, …) and its box in pixels."""

    text: str
    role: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (pixels, origin bottom left)
    size: float  # points

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return f"{shown!r} ({self.role})"


@contextlib.contextmanager
def _recording_texts(into: list) -> Iterator[None]:
    """Within the block, every Text matplotlib actually draws (visible, not empty, ticks inside the view)
    is appended to ``into``, with the renderer it was drawn by."""
    from matplotlib.text import Text

    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip() and (self.get_alpha() is None or self.get_alpha() > 0):
            into.append((self, renderer))

    Text.draw = draw
    try:
        yield
    finally:
        Text.draw = original


def _roles(fig) -> dict[int, str]:
    """What each text of ``fig`` is, in words, for the error message: {id(text): role}."""
    roles: dict[int, str] = {}

    def legend_roles(legend):
        for t in list(legend.get_texts()) + [legend.get_title()]:
            roles[id(t)] = "legend"

    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for tick in list(axis.majorTicks) + list(axis.minorTicks):
                roles[id(tick.label1)] = roles[id(tick.label2)] = f"{name} tick label"
            roles[id(axis.label)] = f"{name}-axis label"
            roles[id(axis.offsetText)] = f"{name}-axis offset"
        for title in (ax.title, ax._left_title, ax._right_title):
            roles[id(title)] = "panel title"
        for t in ax.texts:
            roles[id(t)] = "data label"
        if ax.get_legend() is not None:
            legend_roles(ax.get_legend())
    for legend in fig.legends:
        legend_roles(legend)
    for attr, role in (("_suptitle", "figure title"), ("_supxlabel", "figure x label"), ("_supylabel", "figure y label")):
        if getattr(fig, attr, None) is not None:
            roles[id(getattr(fig, attr))] = role
    return roles


def _legends(fig) -> list:
    return [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)


def _data_points(ax) -> np.ndarray:
    """The data an axes draws, as points in pixels: line vertices, markers and collection offsets (bars
    and other patches are boxes, checked apart). Points outside the axes are not drawn."""
    points = []
    for line in ax.lines:
        if line.get_visible():
            xy = np.asarray(line.get_xydata(), dtype=float)
            if len(xy):
                points.append(line.get_transform().transform(xy))
    for collection in ax.collections:
        if not collection.get_visible():
            continue
        offsets = np.asarray(collection.get_offsets(), dtype=float)
        if len(offsets) and np.isfinite(offsets).any():
            points.append(collection.get_offset_transform().transform(offsets))
        else:
            for path in collection.get_paths():
                if len(path.vertices):
                    points.append(collection.get_transform().transform(path.vertices))
    if not points:
        return np.empty((0, 2))
    xy = np.vstack(points)
    xy = xy[np.isfinite(xy).all(axis=1)]
    box = ax.bbox
    inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
    return xy[inside]


_YEAR_WITH_DECIMALS = re.compile(r"^(1[89]|2[01])\d\d[.,]\d+$")


def layout_problems(fig, *, dpi: float = DPI) -> list[str]:
    """What would keep ``fig`` out of a journal, drawn at ``dpi`` with matplotlib's own text extents:

    - its size: width :data:`SINGLE` or :data:`FULL`, neither side over :data:`MAX_PIXELS`;
    - a text (title, label, tick label, legend, annotation) cut by the canvas;
    - two texts overlapping;
    - a legend over a text that is not its own, over data points, or over a bar;
    - a text smaller than :data:`MIN_FONT_PT`;
    - a year axis with fractional ticks (2024.2).

    Returns one line per problem (empty: the figure is fine). :func:`savefig` calls it."""
    problems = []
    width, height = fig.get_size_inches()
    if not any(math.isclose(width, w, rel_tol=0.005) for w in WIDTHS.values()):
        problems.append(f"width {width / CM:.1f} cm is not a page width: single column {SINGLE / CM:.1f} cm "
                        f"or full width {FULL / CM:.1f} cm (toolkit.plotting.figsize)")
    for side, inches in (("width", width), ("height", height)):
        if inches * dpi > MAX_PIXELS + 0.5:
            problems.append(f"{side} {inches * dpi:.0f} px at {dpi:g} dpi is over {MAX_PIXELS} px: show the top rows "
                            f"and 'others', or split into pages (toolkit.plotting.pages)")
    original_dpi = fig.dpi
    drawn: list = []
    try:
        fig.set_dpi(dpi)
        with _recording_texts(drawn):
            fig.canvas.draw()
        texts, seen, roles = [], set(), _roles(fig)
        for text, renderer in drawn:
            if id(text) in seen:
                continue
            seen.add(id(text))
            box = text.get_window_extent(renderer)
            if box.width <= 0 or box.height <= 0:
                continue
            texts.append((text, DrawnText(text.get_text(), roles.get(id(text), "text"), tuple(box.extents), text.get_fontsize())))
        tolerance = dpi / 72 * 0.5  # half a point: anti-aliasing, not layout
        canvas = fig.bbox
        for _, t in texts:
            x0, y0, x1, y1 = t.box
            if x0 < canvas.x0 - tolerance or y0 < canvas.y0 - tolerance or x1 > canvas.x1 + tolerance \
                    or y1 > canvas.y1 + tolerance:
                problems.append(f"{t} is cut by the canvas")
            if t.size < MIN_FONT_PT - 1e-9:
                problems.append(f"{t} is {t.size:g} pt, under {MIN_FONT_PT:g} pt: unreadable in print")
            if t.role.endswith("tick label") and _YEAR_WITH_DECIMALS.match(t.text.replace("−", "-")):
                problems.append(f"{t} is a year with decimals: years are integers (toolkit.plotting.year_axis)")
        if len(texts) > 1:
            boxes = np.array([t.box for _, t in texts])
            wide = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0], boxes[None, :, 0])
            tall = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1], boxes[None, :, 1])
            overlap = np.triu((wide > tolerance) & (tall > tolerance), k=1)
            for i, j in zip(*np.nonzero(overlap)):
                problems.append(f"{texts[i][1]} overlaps {texts[j][1]}")
        for legend in _legends(fig):
            frame = legend.get_window_extent()
            own = {id(t) for t in legend.get_texts()} | {id(legend.get_title())}
            for text, t in texts:
                if id(text) in own:
                    continue
                x0, y0, x1, y1 = t.box
                if min(x1, frame.x1) - max(x0, frame.x0) > tolerance and min(y1, frame.y1) - max(y0, frame.y0) > tolerance:
                    problems.append(f"the legend covers {t}")
            axes = [legend.axes] if getattr(legend, "axes", None) is not None else fig.axes
            for ax in axes:
                points = _data_points(ax)
                covered = ((points[:, 0] > frame.x0) & (points[:, 0] < frame.x1) & (points[:, 1] > frame.y0)
                           & (points[:, 1] < frame.y1)).sum() if len(points) else 0
                bars = sum(1 for patch in ax.patches if patch.get_visible() and patch.get_window_extent().overlaps(frame))
                if covered or bars:
                    what = ", ".join(f"{n} {w}" for n, w in ((covered, "data points"), (bars, "bars or boxes")) if n)
                    title = ax.get_title() or ax.get_title("left") or "an axes"
                    problems.append(f"the legend covers {what} of {title!r}: put it outside the axes")
    finally:
        fig.set_dpi(original_dpi)
    return problems


def check_layout(fig, name: str = "figure") -> None:
    """Raise :class:`FigureLayoutError` naming ``name`` and every problem :func:`layout_problems` finds."""
    problems = layout_problems(fig)
    if problems:
        shown = problems[:12] + ([f"… and {len(problems) - 12} more"] if len(problems) > 12 else [])
        raise FigureLayoutError(f"figure {name!r} would not print well ({len(problems)} problem"
                                f"{'' if len(problems) == 1 else 's'}):\n  - " + "\n  - ".join(shown))


# ---------------------------------------------------------------------- writing
def _metadata(fmt: str, name: str, font: Font, caption: str, question: str) -> dict[str, object]:
    if fmt == "png":  # no date is written to a PNG unless asked for
        return {"Software": CREATOR, "Title": name, "Description": caption, "Question": question, "Font": str(font)}
    if fmt == "svg":
        return {"Creator": CREATOR, "Date": None, "Title": name, "Description": f"{caption} (font: {font})"}
    return {
        "Creator": CREATOR,
        "Producer": CREATOR,
        "CreationDate": None,
        "ModDate": None,
        "Title": name,
        "Subject": f"{caption} (font: {font})",
    }


def caption_of(png: str | Path, key: str = "Description") -> str:
    """The caption :func:`savefig` wrote into a PNG (its ``Description``; ``key="Question"``: the question
    it answers), or "" if it has none."""
    from PIL import Image

    with Image.open(png) as image:
        return image.text.get(key, "")


def figure_files(directory: str | Path, name: str) -> list[Path]:
    """The files a figure ``name`` has in ``directory``: ``name.<format>`` and its pages ``name-<n>.<format>``."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    pattern = re.compile(rf"^{re.escape(name)}(-\d+)?\.({'|'.join(FIGURE_FORMATS)})$")
    return sorted(p for p in directory.iterdir() if pattern.match(p.name))


def discard(name: str, directory: str | Path | None = None) -> list[Path]:
    """Remove the files of figure ``name`` (and its pages) from ``directory``: what a notebook calls when
    a corpus gives nothing to draw, so no figure of an earlier run stays behind looking current."""
    directory = paths.FIGURES_DIR if directory is None else Path(directory)
    removed = figure_files(directory, name)
    for path in removed:
        path.unlink()
    return removed


def savefig(
    fig,
    name: str,
    formats: Sequence[str] = DEFAULT_FIGURE_FORMATS,
    directory: str | Path | None = None,
    caption: str = "",
    question: str = "",
) -> tuple[Path, ...]:
    """Write ``fig`` as ``<directory>/<name>.<format>`` for each format; return the paths written.

    ``fig`` may be a list of figures, the pages of one figure (:func:`pages`): they are written as
    ``<name>-1``, ``<name>-2``, … Before anything is written every figure is checked
    (:func:`check_layout`): a figure that would not print well raises :class:`FigureLayoutError` naming
    it and its texts. The figure's files of an earlier run that this one does not write (a page or a
    format fewer) are removed, so the folder holds exactly what the last save drew.

    ``caption``, one line saying what the figure shows, and ``question``, the question it answers, are
    written into the file's metadata and listed in the figure index (``INDEX.md``, written by ``make
    figures``). ``directory`` defaults to ``figures/`` (:data:`toolkit.paths.FIGURES_DIR`). Metadata,
    dpi and SVG ids are fixed, so saving an unchanged figure again gives identical bytes. The figure
    stays open.
    """
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [fmt for fmt in formats if fmt not in FIGURE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FIGURE_FORMATS}, got {tuple(formats)}")
    if not name or Path(name).name != name or name.endswith(tuple(f".{fmt}" for fmt in FIGURE_FORMATS)):
        raise ValueError(f"name must be a bare file name without extension, got {name!r}")
    figures = list(fig) if isinstance(fig, (list, tuple)) else [fig]
    if not figures:
        raise ValueError(f"no figure to write as {name!r}")
    names = [name] if len(figures) == 1 else [f"{name}-{i}" for i in range(1, len(figures) + 1)]
    for figure, stem in zip(figures, names):
        check_layout(figure, stem)
    font = FONT_IN_USE or use_cjk_font()
    directory = paths.FIGURES_DIR if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stale = set(figure_files(directory, name))
    written = []
    with mpl.rc_context(SAVE_RC):
        for i, (figure, stem) in enumerate(zip(figures, names), 1):
            note = f" (page {i} of {len(figures)})" if len(figures) > 1 else ""
            for fmt in formats:
                path = directory / f"{stem}.{fmt}"
                meta = _metadata(fmt, stem, font, caption + note, question)
                if fmt == "svg":
                    buffer = io.StringIO()
                    figure.savefig(buffer, format=fmt, dpi=DPI, metadata=meta)
                    path.write_text(_stable_svg_ids(buffer.getvalue()), encoding="utf-8")
                else:
                    figure.savefig(path, format=fmt, dpi=DPI, metadata=meta)
                written.append(path)
    for path in stale - set(written):
        path.unlink()
    return tuple(written)


_CLIP_ID = re.compile(r'<clipPath id="(p[0-9a-f]+)">')


def _stable_svg_ids(svg: str) -> str:
    """Number the SVG's clip paths in order of appearance. Matplotlib names a clip rectangle by a
    hash of its coordinates, and a layout engine can move one by 1e-12 between runs: invisible, but
    it changes the name and so the bytes."""
    names = {old: f"clip{i}" for i, old in enumerate(dict.fromkeys(_CLIP_ID.findall(svg)), 1)}
    if not names:
        return svg
    return re.sub(r"\b(" + "|".join(map(re.escape, names)) + r")\b", lambda m: names[m.group(1)], svg)


# ---------------------------------------------------------------------- English glosses of labels
#: Where :func:`load_glossary` reads by default: term, gloss, source/notes (tab-separated, '#' comments).
GLOSSARY = paths.LEXICON_DIR / "glossary.tsv"
#: The ``lang`` values of :func:`term_label` and of the figures that take it.
LANGS = ("zh", "en", "both")


def load_glossary(path: str | Path | None = None) -> dict[str, str]:
    """The English gloss of each term of ``data/lexicon/glossary.tsv`` (or ``path``): {term: gloss}.

    The glosses are written by hand; nothing is translated at run time. A line with other than three
    tab-separated fields, an empty gloss or a term listed twice is an error naming the line."""
    path = GLOSSARY if path is None else Path(path)
    glossary: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[0].strip() or not fields[1].strip():
            raise ValueError(f"{path}:{number}: expected term<TAB>gloss<TAB>source, got {line!r}")
        term = fields[0].strip()
        if term in glossary:
            raise ValueError(f"{path}:{number}: {term!r} is listed twice")
        glossary[term] = fields[1].strip()
    return glossary


def term_label(term: str, lang: str = "zh", glossary: dict[str, str] | None = None) -> str:
    """How a figure names ``term``: ``"zh"`` the term, ``"en"`` its gloss, ``"both"`` 数据孤岛 (data silos).

    ``glossary`` defaults to :func:`load_glossary`. A term without a gloss is shown as written (in
    ``"en"`` too), so a figure never silently drops a label; the glossary test lists such terms."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if lang == "zh":
        return term
    gloss = (load_glossary() if glossary is None else glossary).get(term)
    if gloss is None:
        return term
    return gloss if lang == "en" else f"{term} ({gloss})"
