"""Figures: a CJK font that comes with the environment, one readable style, and the only figure writer.

- :func:`use_cjk_font` makes Chinese render on a fresh machine: by default it registers Noto Sans CJK SC
  from the pip package ``noto-cjk-sans-otc`` (SIL OFL 1.1), so every machine draws the same glyphs. A
  system family (PingFang SC, Microsoft YaHei, …) may be chosen instead; nothing happens at import.
- :data:`RC`, :func:`style` and :func:`subplots` give consistent, readable figures.
- :func:`savefig` is the only way figures are written: fixed metadata, dpi and SVG ids, so regenerating
  an unchanged figure gives identical bytes and ``git diff figures/`` stays empty.

Formats: PNG for slides, SVG (text as paths, self-contained) or PDF (searchable text) for papers.
"""
from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import matplotlib as mpl
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

#: Formats :func:`savefig` can write, and the default (PNG for slides, SVG for papers).
FIGURE_FORMATS = ("png", "svg", "pdf")
DEFAULT_FIGURE_FORMATS = ("png", "svg")
#: Fixed resolution of every raster figure (PNG).
DPI = 200
#: Written as PNG ``Software``, SVG ``Creator`` and PDF ``Creator``/``Producer`` instead of the
#: matplotlib version, so a library upgrade that draws the same picture writes the same bytes.
CREATOR = "gov-report-toolkit"
#: Seeds the ids matplotlib gives SVG clip paths and hatches (random otherwise).
SVG_HASHSALT = "gov-report-toolkit"

#: Okabe–Ito: distinguishable with colour-blindness and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")

#: The project style: readable on slides and in print. Apply with :func:`style` or :func:`subplots`.
RC: dict[str, object] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
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


def subplots(*args, family: str | None = None, **kwargs):
    """``plt.subplots`` in the project style with Chinese ready (applies :func:`apply_style`)."""
    import matplotlib.pyplot as plt

    apply_style(family)
    return plt.subplots(*args, **kwargs)


def _metadata(fmt: str, name: str, font: Font, caption: str) -> dict[str, object]:
    if fmt == "png":  # no date is written to a PNG unless asked for
        return {"Software": CREATOR, "Title": name, "Description": caption, "Font": str(font)}
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


def caption_of(png: str | Path) -> str:
    """The caption :func:`savefig` wrote into a PNG (its ``Description``), or "" if it has none."""
    from PIL import Image

    with Image.open(png) as image:
        return image.text.get("Description", "")


def savefig(
    fig,
    name: str,
    formats: Sequence[str] = DEFAULT_FIGURE_FORMATS,
    directory: str | Path | None = None,
    caption: str = "",
) -> tuple[Path, ...]:
    """Write ``fig`` as ``<directory>/<name>.<format>`` for each format; return the paths written.

    ``caption``, one line saying what the figure shows, is written into the file's metadata and listed
    in the figure index (``figures/README.md``, written by ``make figures``).

    ``directory`` defaults to ``figures/`` (:data:`toolkit.paths.FIGURES_DIR`). Metadata, dpi and SVG
    ids are fixed, so saving an unchanged figure again gives identical bytes. The figure stays open.
    """
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [fmt for fmt in formats if fmt not in FIGURE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FIGURE_FORMATS}, got {tuple(formats)}")
    if not name or Path(name).name != name or name.endswith(tuple(f".{fmt}" for fmt in FIGURE_FORMATS)):
        raise ValueError(f"name must be a bare file name without extension, got {name!r}")
    font = FONT_IN_USE or use_cjk_font()
    directory = paths.FIGURES_DIR if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(SAVE_RC):
        for fmt in formats:
            path = directory / f"{name}.{fmt}"
            if fmt == "svg":
                buffer = io.StringIO()
                fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_metadata(fmt, name, font, caption))
                path.write_text(_stable_svg_ids(buffer.getvalue()), encoding="utf-8")
            else:
                fig.savefig(path, format=fmt, dpi=DPI, metadata=_metadata(fmt, name, font, caption))
            written.append(path)
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
