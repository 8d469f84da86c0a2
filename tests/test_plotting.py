"""toolkit.plotting: Chinese renders with the bundled font, figures are sized for a page, and saving is
byte-stable (PNG, PDF and SVG). The layout check itself is tested in test_figure_layout.py."""
from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from toolkit import paths, plotting  # noqa: E402

LABELS = ["数据孤岛", "跨省通办", "一网通办", "政务服务"]


@pytest.fixture
def chinese_figure():
    """A figure with Chinese in the title, axis labels, tick labels and legend (and a minus sign)."""
    fig, ax = plotting.subplots(width="single", height=2.4)
    ax.bar(LABELS, [3, -1, 4, 2], label="提及次数")
    ax.set_title("问题与计划：主题提及次数")
    ax.set_xlabel("主题")
    ax.set_ylabel("次数（−1 表示减少）")
    fig.legend(loc="outside lower center")
    yield fig
    plt.close(fig)


def test_use_cjk_font_is_the_bundled_noto_and_idempotent():
    font = plotting.use_cjk_font()
    assert font.family == "Noto Sans CJK SC"
    assert font.path.name == "NotoSansCJK-Regular.ttc"
    assert font.path.parent.name == "noto_cjk_sans_otc"
    assert plotting.FONT_IN_USE == font
    entries = len(font_manager.fontManager.ttflist)
    assert plotting.use_cjk_font() == font  # a second call registers nothing more
    assert len(font_manager.fontManager.ttflist) == entries
    assert Path(font_manager.findfont("Noto Sans CJK SC", fallback_to_default=False)) == font.path
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"


def test_a_missing_system_font_is_an_error_not_a_silent_fallback():
    with pytest.raises(ValueError, match="not installed"):
        plotting.use_cjk_font("No Such Font SC")
    assert plotting.FONT_IN_USE.family == "Noto Sans CJK SC"  # unchanged by the failed call


def test_chinese_labels_have_every_glyph(chinese_figure, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s) …" would raise here
        chinese_figure.canvas.draw()
        plotting.savefig(chinese_figure, "glyphs", formats=plotting.FIGURE_FORMATS, directory=tmp_path)
    ticks = [label.get_fontname() for label in chinese_figure.axes[0].get_xticklabels()]
    assert set(ticks) == {"Noto Sans CJK SC"}


def test_the_glyph_check_would_catch_a_latin_only_font():
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = plt.figure()
        fig.text(0.5, 0.5, "数据孤岛")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.canvas.draw()
        plt.close(fig)


@pytest.mark.parametrize("fmt", plotting.FIGURE_FORMATS)
def test_saving_twice_gives_identical_bytes(chinese_figure, tmp_path, fmt):
    (first,) = plotting.savefig(chinese_figure, "twice", formats=(fmt,), directory=tmp_path / "a")
    (second,) = plotting.savefig(chinese_figure, "twice", formats=(fmt,), directory=tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size > 1000


def test_a_new_figure_with_the_same_content_gives_the_same_bytes(tmp_path):
    written = []
    for run in ("a", "b"):
        fig, ax = plotting.subplots()
        ax.plot([0, 1, 2], [2, 0, 1])
        ax.set_title("同一张图")
        written.append(plotting.savefig(fig, "same", directory=tmp_path / run))
        plt.close(fig)
    for first, second in zip(*written):
        assert first.read_bytes() == second.read_bytes()


def test_savefig_writes_fixed_metadata(chinese_figure, tmp_path):
    png, svg, pdf = plotting.savefig(chinese_figure, "meta", formats=("png", "svg", "pdf"), directory=tmp_path)
    assert [p.name for p in (png, svg, pdf)] == ["meta.png", "meta.svg", "meta.pdf"]

    from PIL import Image

    with Image.open(png) as image:
        assert image.text["Software"] == plotting.CREATOR
        assert "Noto Sans CJK SC" in image.text["Font"]
        assert image.info["dpi"] == pytest.approx((plotting.DPI, plotting.DPI), abs=0.01)
        assert image.size == (int(plotting.SINGLE * plotting.DPI), int(2.4 * plotting.DPI))  # 8.5 cm wide
    text = svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in text
    assert "Matplotlib v" not in text
    assert "Noto Sans CJK SC" in text
    raw = pdf.read_bytes()
    assert b"/CreationDate" not in raw and b"/ModDate" not in raw
    assert b"NotoSansCJK" in raw  # the glyphs are embedded from the bundled font
    assert b"/Subtype /Type3" in raw and b"/CharProcs" in raw  # embedded as glyph procedures: no font needed
    import pdfplumber

    with pdfplumber.open(pdf) as document:  # and the text stays searchable
        assert "问题与计划" in document.pages[0].extract_text()


def test_savefig_defaults_to_the_project_figures_folder(monkeypatch, tmp_path, chinese_figure):
    monkeypatch.setattr(paths, "FIGURES_DIR", tmp_path / "figures")
    written = plotting.savefig(chinese_figure, "default-folder")
    assert [p.relative_to(tmp_path) for p in written] == [
        Path("figures/default-folder.png"),
        Path("figures/default-folder.pdf"),
    ]


@pytest.mark.parametrize("name", ["", "sub/name", "name.png"])
def test_savefig_rejects_names_that_are_not_bare(chinese_figure, tmp_path, name):
    with pytest.raises(ValueError, match="bare file name"):
        plotting.savefig(chinese_figure, name, directory=tmp_path)


def test_savefig_rejects_unknown_formats(chinese_figure, tmp_path):
    with pytest.raises(ValueError, match="formats"):
        plotting.savefig(chinese_figure, "x", formats=("jpg",), directory=tmp_path)


def test_style_is_a_context():
    with matplotlib.rc_context({"axes.spines.top": True}):
        with plotting.style() as font:
            assert font.family == "Noto Sans CJK SC"
            assert matplotlib.rcParams["axes.spines.top"] is False
            assert matplotlib.rcParams["savefig.dpi"] == plotting.DPI
        assert matplotlib.rcParams["axes.spines.top"] is True


def test_svg_clip_ids_do_not_depend_on_invisible_float_noise(tmp_path):
    """Matplotlib names a clip rectangle by a hash of its exact coordinates; a layout engine can move
    one by 1e-12 between runs. savefig numbers clip paths instead, so the bytes stay the same."""
    written = []
    for i, shift in enumerate((0.0, 1e-12)):
        fig, ax = plotting.subplots(width="single", height=2)
        ax.imshow([[0, 1], [1, 0]])
        ax.set_position([0.1 + shift, 0.1, 0.8, 0.8])
        (svg,) = plotting.savefig(fig, "clip", formats=("svg",), directory=tmp_path / str(i))
        written.append(svg.read_bytes())
    assert b'<clipPath id="clip1">' in written[0] and b'url(#clip1)' in written[0]
    assert written[0] == written[1]
