"""Every figure function at the size of a real corpus (31 provinces, 143 reports, 53 years, long labels),
on synthetic tables: each figure is sized for a page (8.5 or 17.5 cm wide, at most 2,400 px either way),
and toolkit.plotting.layout_problems (what savefig checks) finds nothing: no text cut by the canvas, no
text on text, no legend over data or labels, years as integers. Also: the check itself catches each of
those faults, pages split evenly, suspect values are flagged and listed.

FIGURE_DIR=dir keeps the PNGs of these figures for a look by eye."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from toolkit import plotting  # noqa: E402
from toolkit.geo import provinces  # noqa: E402
from toolkit.themes import load_lexicon  # noqa: E402

PROVINCES = [p.name for p in provinces() if p.in_divisions]
LONG = "新疆维吾尔自治区伊犁哈萨克自治州人民政府"  # the longest kind of government name a label carries
#: A label as a crawl export gets it when two reports share a government and year (the file name added).
BUREAU = "莆田市 2021 [1711118_莆田市文化和旅游局关于2021年法治政府建设年度报告的通知（第二版）]"
YEARS = list(range(1954, 2023))
NATIONAL_YEARS = [y for y in YEARS if y not in (1961, 1962, 1963, 1967, 1968, 1969, 1970, 1971, 1972, 1973, 1974, 1976,
                                                1977, 1981, 1982, 1983)]
KEEP = os.environ.get("FIGURE_DIR")


@pytest.fixture(autouse=True)
def _close_figures():
    """Every figure a test opens is closed after it (pyplot keeps them otherwise)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def labels(n: int) -> list[str]:
    """Report labels as a corpus of ``n`` reports has them: most short, every seventh as long as they come."""
    out = []
    for i in range(n):
        if i % 11 == 5:
            out.append(BUREAU.replace("1711118", str(1711118 + i)))
            continue
        place = LONG if i % 7 == 0 else PROVINCES[i % len(PROVINCES)].replace("人民政府", "")
        out.append(f"{place} {2000 + i % 25}" + (f" ({i})" if i % 7 == 0 else ""))
    return out


def title(ax) -> str:
    """A panel's title, wherever it sits (the project's panel titles sit on the left)."""
    return ax.get_title("left") or ax.get_title()


def check(figures, name: str) -> list:
    """Assert every page of a figure is fit to print (and keep its PNG when FIGURE_DIR is set)."""
    figures = figures if isinstance(figures, list) else [figures]
    assert figures, f"{name}: no figure"
    for i, fig in enumerate(figures, 1):
        problems = plotting.layout_problems(fig)
        assert not problems, f"{name} page {i}:\n" + "\n".join(problems)
        width, height = fig.get_size_inches() * plotting.DPI
        assert max(width, height) <= plotting.MAX_PIXELS + 0.5
    if KEEP:
        plotting.savefig(figures, name, formats=("png",), directory=Path(KEEP))
    for fig in figures:
        plt.close(fig)
    return figures


# ---------------------------------------------------------------------- the check itself
def test_the_check_finds_text_cut_by_the_canvas():
    fig, ax = plotting.subplots(width="single", height=2)
    ax.set_title("a title far too long for one column of a journal page: it runs on and on past the edge")
    problems = plotting.layout_problems(fig)
    assert any("(panel title) is cut by the canvas" in p for p in problems), problems


def test_the_check_finds_text_on_text():
    fig, ax = plotting.subplots(width="single", height=2)
    ax.bar(["数据孤岛数据孤岛数据孤岛", "跨省通办跨省通办跨省通办", "一网通办"], [1, 2, 3])
    problems = plotting.layout_problems(fig)
    assert "'数据孤岛数据孤岛数据孤岛' (x tick label) overlaps '跨省通办跨省通办跨省通办' (x tick label)" in problems


def test_the_check_finds_a_legend_over_data_and_labels():
    fig, ax = plotting.subplots(height=2)
    ax.scatter([0.05, 0.1], [0.95, 0.9], label="points")
    ax.text(0.02, 0.93, "a data label")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    problems = plotting.layout_problems(fig)
    assert any(p.startswith("the legend covers 'a data label' (data label)") for p in problems), problems
    assert any("the legend covers 2 data points" in p for p in problems), problems


def test_the_check_finds_a_legend_on_bars():
    fig, ax = plotting.subplots(height=2)
    ax.barh(range(5), [5, 5, 5, 5, 5], label="achievements")
    ax.legend(loc="lower right")
    assert any("1 bars or boxes" in p or "bars or boxes" in p for p in plotting.layout_problems(fig))


def test_the_check_finds_fractional_years_sizes_and_small_text():
    fig, ax = plotting.subplots(figsize=(6.4, 9))
    ax.plot([2024, 2025], [5.0, 5.2], marker="o")
    ax.text(2024.5, 5.1, "tiny", fontsize=4)
    problems = plotting.layout_problems(fig)
    assert any("'2024.2' (x tick label) is a year with decimals" in p for p in problems), problems
    assert any(p.startswith("width 16.3 cm is not a page width") for p in problems)
    assert any(p.startswith("height 2700 px at 300 dpi is over 2400 px") for p in problems)
    assert any("'tiny' (data label) is 4 pt" in p for p in problems)
    plotting.year_axis(ax.xaxis)
    assert not any("decimals" in p for p in plotting.layout_problems(fig))


def test_savefig_refuses_a_figure_that_would_not_print_and_names_it(tmp_path):
    fig, ax = plotting.subplots(width="single", height=2)
    ax.set_xlabel("an axis label much too long for a single column: it cannot fit inside the canvas at all")
    with pytest.raises(plotting.FigureLayoutError) as caught:
        plotting.savefig(fig, "01-bad", directory=tmp_path)
    assert str(caught.value).startswith("figure '01-bad' would not print well (1 problem):\n  - 'an axis label")
    assert "(x-axis label) is cut by the canvas" in str(caught.value)
    assert not list(tmp_path.iterdir())  # nothing written


def test_figsize_refuses_what_no_page_holds():
    assert plotting.figsize("single", 2) == (plotting.SINGLE, 2.0)
    with pytest.raises(ValueError, match="split the rows into pages"):
        plotting.figsize("full", 9)
    with pytest.raises(ValueError, match="width must be 'single'"):
        plotting.figsize(6.4, 3)


@pytest.mark.parametrize("n, most, sizes", [(143, 40, [36, 36, 36, 35]), (31, 40, [31]), (80, 40, [40, 40]),
                                            (0, 5, [0]), (7, 1, [1] * 7)])
def test_pages_are_as_even_as_possible(n, most, sizes):
    split = plotting.pages(range(n), most)
    assert [len(p) for p in split] == sizes
    assert [x for p in split for x in p] == list(range(n))


def test_pages_are_written_numbered_and_stale_files_go(tmp_path):
    def page(title):
        fig, ax = plotting.subplots(height=1.5)
        ax.set_title(title)
        return fig

    (tmp_path / "04-x.svg").write_text("old")  # an earlier run's single figure, in a format no longer written
    written = plotting.savefig([page("一"), page("二"), page("三")], "04-x", directory=tmp_path, caption="C")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["04-x-1.pdf", "04-x-1.png", "04-x-2.pdf", "04-x-2.png",
                                                          "04-x-3.pdf", "04-x-3.png"]
    assert plotting.caption_of(written[2]) == "C (page 2 of 3)"
    plotting.savefig(page("one"), "04-x", directory=tmp_path, caption="C", question="Q?")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["04-x.pdf", "04-x.png"]
    assert plotting.caption_of(tmp_path / "04-x.png", "Question") == "Q?"


def test_long_labels_are_cut_in_the_middle_and_stay_distinct():
    labels = ["莆田市 2021 [1704379_莆田市人民政府关于2021年法治政府建设工作情况的报告]",
              "莆田市 2021 [1704379_莆田市人民政府关于2021年法治政府建设工作情况的报告（修订）]",
              "莆田市 2020 [1590146_莆田市文化和旅游局2020年工作总结及2021年工作计划]", "上海市 2025"]
    fitted = plotting.fit_labels(labels, 6.5, 1.6)
    assert fitted[3] == "上海市 2025"  # what fits is left alone
    assert len(set(fitted)) == 4  # different labels stay different
    for label, short in zip(labels[:3], fitted[:3]):
        head, tail = short.split("…")
        assert label.startswith(head) and label.endswith(tail) and head.startswith("莆田市 202")
        assert plotting.text_width(short, 6.5) <= 1.6


def test_discard_removes_a_figure_and_its_pages_only(tmp_path):
    def fig():
        f, ax = plotting.subplots(height=1.5)
        ax.set_title("x")
        return f

    plotting.savefig([fig(), fig()], "05-gdp-targets", directory=tmp_path)
    plotting.savefig(fig(), "05-gdp-targets-dots", directory=tmp_path)
    removed = plotting.discard("05-gdp-targets", tmp_path)
    assert sorted(p.name for p in removed) == ["05-gdp-targets-1.pdf", "05-gdp-targets-1.png", "05-gdp-targets-2.pdf",
                                                "05-gdp-targets-2.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["05-gdp-targets-dots.pdf", "05-gdp-targets-dots.png"]


# ---------------------------------------------------------------------- notebooks 00–02
@pytest.mark.parametrize("n", [5, 31, 143])
def test_report_and_section_lengths(n):
    from toolkit.corpus_figures import report_lengths_figure, section_lengths_figure

    rng = np.random.default_rng(n)
    index = labels(n)
    check(report_lengths_figure(pd.Series(rng.integers(3_000, 60_000, n), index=index)), f"00-report-lengths-{n}")
    table = pd.DataFrame(rng.integers(0, 20_000, (n, 4)), index=index,
                         columns=["achievements", "problems", "plans", "other"])
    fig = check(section_lengths_figure(table), f"01-section-lengths-{n}")[0]
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    if n > 40:
        assert shown[0].startswith("其余 ") and shown[0].endswith(" 份的平均")  # "others", the rule in the title
        assert "最长的" in title(fig.axes[0])
    else:
        assert len(shown) == n


def test_lexicon_coverage():
    from toolkit.corpus_figures import lexicon_coverage_figure

    terms = [f"术语{i}" + ("很长的一个政务服务领域词语" if i % 5 == 0 else "") for i in range(300)]
    coverage = pd.DataFrame({"term": terms, "tokens": np.arange(300)[::-1], "units": 1})
    fig = check(lexicon_coverage_figure(coverage), "02-lexicon-coverage")[0]
    assert "共 299 个出现" in title(fig.axes[0])


# ---------------------------------------------------------------------- notebook 03
def test_topic_figures_at_twenty_topics():
    from toolkit.topic_figures import selection_figure, topic_prevalence_figure

    ks = list(range(2, 21))
    table = pd.DataFrame({"k": ks, "stability": np.linspace(0.95, 0.6, len(ks)), "stability_sd": 0.05,
                          "coherence": np.linspace(0.1, 0.3, len(ks))})
    selection = SimpleNamespace(table_=table, min_stability=0.8, k_=8, n_documents_=41_233, n_terms_=12_004)
    check(selection_figure(selection), "03-k-selection")
    rows = [{"kind": kind, "topic": t, "label": "·".join(["数据共享", "营商环境优化", "一网通办"]), "prevalence": 0.05 + 0.01 * t,
             "low": 0.04 + 0.01 * t, "high": 0.07 + 0.01 * t} for kind in ("problems", "plans") for t in range(20)]
    stability = pd.Series(np.linspace(0.6, 0.99, 20))
    fig = check(topic_prevalence_figure(pd.DataFrame(rows), stability), "03-prevalence-by-kind")[0]
    assert len(fig.axes[0].get_yticklabels()) == 20


class FakeAlignment:
    """What alignment_figure reads of a toolkit.topics.Alignment: matrix() and min_score."""

    min_score = 0.5

    def __init__(self, shapes: dict):
        self.shapes = shapes

    def matrix(self, report, space="topic", width=8):
        rows, cols = self.shapes[report]
        rng = np.random.default_rng(rows * 1000 + cols)
        return pd.DataFrame(rng.random((rows, cols)) * 0.8,
                            index=[f"{1000 + 97 * i}: 一是数据共享不够充分"[: 6 + width] + "…" for i in range(rows)],
                            columns=[f"{20000 + 131 * j}: 推进" for j in range(cols)])


def test_alignment_of_large_reports_goes_to_panels_and_pages():
    from toolkit.topic_figures import alignment_figure

    shapes = {f"r{i}": (rows, cols) for i, (rows, cols) in enumerate([(61, 120), (45, 95), (33, 80), (12, 50), (3, 140),
                                                                       (1, 2)])}
    names = {r: f"{LONG} {2020 + i}" if i % 2 else f"{BUREAU}{i}" for i, r in enumerate(shapes)}
    pages = check(alignment_figure(FakeAlignment(shapes), list(shapes), labels=names), "03-alignment")
    assert len(pages) > 1
    titles = [title(ax) for fig in pages for ax in fig.axes if ax.get_visible() and title(ax)]
    assert any("problems 1–21 of 61" in t for t in titles) and any("problems 42–61 of 61" in t for t in titles)
    rows = sum(len(ax.get_yticklabels()) for fig in pages for ax in fig.axes if ax.get_visible() and title(ax))
    assert rows == sum(r for r, _ in shapes.values())  # every problem unit drawn once


# ---------------------------------------------------------------------- notebook 04
def prevalence_table(n_reports: int) -> tuple[pd.DataFrame, dict]:
    lexicon = load_lexicon()
    rng = np.random.default_rng(n_reports)
    rows = []
    for r in range(n_reports):
        for kind in ("problems", "plans", "achievements"):
            units = int(rng.integers(0, 60)) if kind != "problems" or r % 9 else 0
            for theme in lexicon.ids:
                matched = int(rng.binomial(units, 0.1)) if units else 0
                rows.append({"theme": theme, "report_id": f"r{r:03d}", "kind": kind, "matches": matched,
                             "units_matched": matched, "units": units, "share": matched / units if units else np.nan})
    return pd.DataFrame(rows), dict(zip([f"r{r:03d}" for r in range(n_reports)], labels(n_reports)))


@pytest.mark.parametrize("n", [5, 53, 143])
def test_theme_prevalence_pages_every_report(n):
    from toolkit.themes import theme_prevalence_figure

    table, names = prevalence_table(n)
    pages = check(theme_prevalence_figure(table, load_lexicon(), labels=names), f"04-theme-prevalence-{n}")
    drawn = pd.Series([t.get_text() for fig in pages for t in fig.axes[2].get_xticklabels()]).value_counts()
    assert len(drawn) == n and drawn.nunique() == 1  # every report, once a page of themes, each its own label
    full = set(names.values())
    assert all(label in full or any(name.startswith(label.split("…")[0]) and name.endswith(label.split("…")[1])
                                    for name in full) for label in drawn.index)  # long labels cut in the middle


def test_theme_topics_at_twenty_topics():
    from toolkit.themes import topic_links_figure

    lexicon = load_lexicon()
    links = pd.DataFrame([{"theme": t, "topic": k, "label": "数据共享·营商环境优化·一网通办", "unit_share": (k % 5) / 5,
                           "term_weight": 0.1, "terms_in_vocabulary": 1, "units": 3} for t in lexicon.ids
                          for k in range(20)])
    check(topic_links_figure(links, lexicon), "04-theme-topics")


# ---------------------------------------------------------------------- notebook 05
def ledger_rows(governments, years_of, rng, *, suspect=None) -> pd.DataFrame:
    rows = []
    for g in governments:
        for y in years_of(g):
            target = round(float(rng.normal(6, 1.2)), 1)
            outcome = round(float(target + rng.normal(0, 1.2)), 1)
            if suspect == (g, y):
                target = 24.2
            rows.append({"government": g, "year": y, "indicator": "gdp_growth", "target_value": target,
                         "target_high": target + 0.5 if y % 5 == 0 else np.nan,
                         "target_qualifier": "以上" if y % 3 == 0 else "左右",
                         "target_quote": {"report": "x", "start": 0, "end": 9, "text": f"增长{target}%左右"},
                         "outcome_value": outcome, "outcome_quote": {"report": "y", "start": 0, "end": 5, "text": "增长"},
                         "verdict": "met" if outcome >= target else "missed", "level": "province"})
    return pd.DataFrame(rows)


def test_targets_of_31_provinces_are_a_dot_plot_with_the_outlier_flagged():
    from toolkit.time_figures import ledger_figure, suspect_values, target_dots_figure

    rng = np.random.default_rng(31)
    governments = [p + "人民政府" for p in PROVINCES]
    table = ledger_rows(governments, lambda g: [2024, 2025], rng, suspect=(governments[3], 2025))
    assert ledger_figure(table) is None  # two years each: no time series
    pages = check(target_dots_figure(table), "05-gdp-targets-dots")
    fig = pages[0]
    assert [title(ax) for ax in fig.axes if ax.get_visible()] == ["2024", "2025"]
    assert len(fig.axes[0].get_yticklabels()) == 31
    low, high = fig.axes[0].get_xlim()
    assert high < 15  # the 24.2% target does not set the scale …
    flags = [c for ax in fig.axes for c in ax.collections if (c.get_facecolor()[:, :3] == matplotlib.colors.to_rgb(
        plotting.PALETTE[3])).all() and len(c.get_offsets()) == 1 and c.get_offsets()[0][0] == pytest.approx(high)]
    assert len(flags) == 1  # … it is a red flag at the edge
    assert any("suspect: outside -10 to 20" in t.get_text() for t in fig.legends[0].get_texts())
    listed = suspect_values(table)
    assert listed[["government", "year", "which", "value"]].values.tolist() == [[governments[3], 2025, "target", 24.2]]


def test_national_targets_over_53_years_have_integer_years():
    from toolkit.time_figures import ledger_figure, target_dots_figure

    rng = np.random.default_rng(53)
    table = ledger_rows(["中华人民共和国国务院"], lambda g: NATIONAL_YEARS, rng)
    fig = check(ledger_figure(table), "05-gdp-targets-national")[0]
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and all(t.isdigit() for t in ticks)
    line = fig.axes[0].lines[0]
    assert np.isnan(line.get_xdata()).any()  # no line across the years without reports
    assert target_dots_figure(table) is None


def test_many_governments_over_years_are_a_grid_sharing_axes():
    from toolkit.time_figures import ledger_figure

    rng = np.random.default_rng(20)
    governments = [f"{p}人民政府" for p in PROVINCES[:20]]
    table = ledger_rows(governments, lambda g: range(2015, 2016 + len(g) % 6 + 3), rng)
    fig = check(ledger_figure(table), "05-gdp-targets-grid")[0]
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 12 and all(title(ax) for ax in shown)
    assert len({round(ax.get_position().x0, 3) for ax in shown}) > 1  # a grid, not one column
    assert len({ax.get_ylim() for ax in shown}) == 1 and len({ax.get_xlim() for ax in shown}) == 1
    assert "the 12 of 20 governments with the most years" in fig.get_suptitle()


def test_amplification_of_143_cities_pages():
    from toolkit.time_figures import amplification_figure

    rng = np.random.default_rng(143)
    n = 143
    table = pd.DataFrame({"indicator": "gdp_growth", "government": [f"{s.split()[0]}市人民政府" for s in labels(n)],
                          "year": 2024, "target_value": rng.normal(5.5, 0.6, n).round(1), "parent_value": 5.0})
    table.loc[7, "target_value"] = 31.0
    table["gap"] = table["target_value"] - table["parent_value"]
    table["amplified"] = table["gap"] > 0
    pages = check(amplification_figure(table), "05-amplification")
    assert sum(len(fig.axes[0].get_yticklabels()) for fig in pages) == n


@pytest.mark.parametrize("years", [NATIONAL_YEARS, [2023, 2024]])
def test_theme_trends(years):
    from toolkit.time_figures import theme_trend_figure

    rng = np.random.default_rng(len(years))
    lexicon = load_lexicon()
    rows = [{"theme": t, "year": y, "reports": 1, "units": 200, "units_matched": int(rng.integers(0, 30)),
             "share": s, "low": max(0, s - 0.03), "high": s + 0.03, "method": "wilson"}
            for t in lexicon.ids for y in years for s in [rng.random() * 0.15]]
    names = {t.id: f"{t.name} {t.label}" for t in lexicon}
    fig = check(theme_trend_figure(pd.DataFrame(rows), labels=names), f"05-theme-trends-{len(years)}")[0]
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 6 and all(title(ax) for ax in shown)
    assert len({round(ax.get_position().x0, 3) for ax in shown}) > 1  # a grid, not one column
    if len(years) == 2:
        assert all(not ax.lines or all(len(line.get_xdata()) <= 2 and line.get_linestyle() == "None"
                                       for line in ax.lines if line.get_marker() == "o") for ax in shown)


# ---------------------------------------------------------------------- notebook 06
def test_keyness_with_long_glosses():
    from toolkit.contrast_figures import keyness_figure

    glossary = plotting.load_glossary()
    terms = sorted(glossary)[:400]
    rng = np.random.default_rng(6)
    table = pd.DataFrame({"term": terms, "count": rng.integers(5, 5000, len(terms)), "z": rng.normal(0, 4, len(terms))})
    table = table.sort_values("z", ascending=False, kind="mergesort").reset_index(drop=True)
    table.attrs.update(units_a=1234, units_b=45678)
    for lang in ("both", "en"):
        fig = check(keyness_figure(table, 15, lang=lang, glossary=glossary, names=("problems 问题", "plans 计划")),
                    f"06-keyness-{lang}")[0]


def test_tile_maps_of_31_provinces_and_levels():
    from toolkit.contrast_figures import level_figure, tile_map_figure

    rng = np.random.default_rng(31)
    lexicon = load_lexicon()
    keys = ["data_silos", "cross_region", "business_environment"]
    places = pd.DataFrame([{"key": k, "place": p, "reports": 1, "units": 100, "units_matched": 10,
                            "share": rng.random() * 0.3} for k in keys for p in PROVINCES])
    names = {t.id: t.name for t in lexicon}
    for lang in ("both", "en"):
        check(tile_map_figure(places, keys=keys, labels=names, lang=lang), f"06-theme-map-{lang}")
    topics = pd.concat([places.assign(key=k) for k in ("法治·建设·政府", "执法·行政·规范", "数据·平台·共享", "服务·办理·群众")])
    for n in (1, 2, 4):  # a corpus with two topics drew two maps whose titles the canvas cut
        order = list(dict.fromkeys(topics["key"]))[:n]
        check(tile_map_figure(topics, keys=order, lang="zh"), f"06-topic-map-{n}")
    levels = pd.DataFrame([{"key": t, "level": level, "reports": 40, "units": 1000, "units_matched": 50, "share": 0.05,
                            "low": 0.03, "high": 0.08} for t in lexicon.ids
                           for level in ("national", "province", "prefecture", "county")])
    for lang in ("both", "en"):
        check(level_figure(levels, labels=names, lang=lang), f"06-theme-levels-{lang}")
