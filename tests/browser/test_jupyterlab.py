"""JupyterLab in a real browser at 1280 px wide: the explorer of notebook 07 (choose the data-silo theme, see
the reports where it is named, click a match, read it highlighted in its report, open a topic's unit; no
label or button text cut) and notebook 03's saved outputs (no error, Chinese drawn with a CJK font). Screenshots go to build/screenshots/; with SCREENSHOT=1 the
explorer's are also copied to docs/ (the README's), never otherwise."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from toolkit import load_corpus, paths
from toolkit.themes import find_matches, load_lexicon

from .conftest import SCREENSHOTS, VIEWPORT_WIDTH

RUN_TIMEOUT = 150_000  # ms for notebook 07 to run and draw its widgets
CJK = re.compile(r"[\u4e00-\u9fff]")


def _open(page, url: str, token: str, notebook: str) -> None:
    page.goto(f"{url}/lab/tree/{notebook}?token={token}&reset")
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=90_000)
    # the kernel is up when the status bar says "Python (toolkit) | Idle"
    page.get_by_text(re.compile(r"Python \(toolkit\) \| Idle")).first.wait_for(state="visible", timeout=90_000)


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()


#: The widget texts that must never be cut: labels (descriptions, readouts, our own), buttons, tab titles.
TEXT_ELEMENTS = (".widget-label, .widget-label-basic, .widget-readout, .jupyter-button, .widget-button, "
                 ".toolkit-years, .lm-TabBar-tabLabel")


def _cut_texts(locator) -> list[str]:
    """The visible labels and buttons under ``locator`` whose text does not fit their box (the browser cuts
    it: "r…", "2019 – 202"), as "class: text (text width > box width)"."""
    return locator.evaluate(f"""root => Array.from(root.querySelectorAll({TEXT_ELEMENTS!r}))
        .filter(e => e.offsetParent !== null && e.textContent.trim() && e.scrollWidth > e.clientWidth + 1)
        .map(e => `${{e.className}}: ${{e.textContent.trim()}} (${{e.scrollWidth}} > ${{e.clientWidth}} px)`)""")


def _expected():
    """The seed reports naming the data-silo theme, by label and kind (from the toolkit, not hard-coded)."""
    corpus = load_corpus(paths.RAW_DIR)
    matches = find_matches(corpus, load_lexicon(), themes=["data_silos"])
    labels = corpus.reports.set_index("report_id")["label"]
    return {(labels[r], k) for r, k in zip(matches["report_id"], matches["kind"])}, labels


def test_explorer_search_filter_and_read(lab, page):
    url, token, _ = lab
    expected, labels = _expected()
    assert {r[:3] for r in labels.index if labels[r] in {lab_ for lab_, _ in expected}} == {"000", "001", "003"}
    _open(page, url, token, "07-explore.ipynb")
    _menu(page, "Run", "Run All Cells")
    results = page.locator(".toolkit-results")
    results.wait_for(state="visible", timeout=RUN_TIMEOUT)

    theme = page.locator(".widget-dropdown", has=page.locator("label", has_text=re.compile("^theme$"))).locator("select")
    theme.select_option(value=[o for o in theme.locator("option").all_inner_texts() if "(data_silos)" in o][0])
    status = page.locator(".widget-html", has_text="searched: theme data_silos")
    status.wait_for(state="visible")
    buttons = page.locator(".toolkit-match:visible")
    buttons.first.wait_for(state="visible")
    for label, kind in sorted(expected):  # expect(...) waits for the widgets' updates to arrive
        expect(results).to_contain_text(label)
        expect(results).to_contain_text(kind)
    expect(results).not_to_contain_text("plans")  # the theme is named in problem sections only
    expect(results).not_to_contain_text("achievements")
    counts = page.locator(".widget-html", has_text="matches by report and kind").locator("xpath=following-sibling::*[1]")
    for label, _ in sorted(expected):
        expect(counts).to_contain_text(label)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    explorer = page.locator(".jp-OutputArea-output", has=results)
    explorer.screenshot(path=str(SCREENSHOTS / "explorer-search.png"))
    assert page.viewport_size["width"] == VIEWPORT_WIDTH
    assert not _cut_texts(explorer), f"cut at {VIEWPORT_WIDTH} px: {_cut_texts(explorer)}"
    # each left context ends next to its match: a context wider than its column loses its far (left) end
    assert explorer.locator(".toolkit-left").count() == len(expected_rows := buttons.all()) > 0, expected_rows
    overflow = explorer.locator(".toolkit-left").evaluate_all("""cells => cells.filter(c => {
        const range = document.createRange(); range.selectNodeContents(c);
        const cell = c.closest(".widget-html");  // the grid's cell: what the reader sees of the context
        return range.getBoundingClientRect().right > cell.getBoundingClientRect().right + 1; }).length""")
    assert overflow == 0, f"{overflow} left contexts cut next to their match at {VIEWPORT_WIDTH} px"
    years = explorer.locator(".toolkit-years")
    assert re.fullmatch(r"\d{4}–\d{4}", years.inner_text().strip()), years.inner_text()

    word = buttons.first.inner_text().strip()
    buttons.first.click()
    focus = page.locator("mark.toolkit-focus").first
    focus.wait_for(state="visible")
    assert focus.inner_text().strip() == word
    quote = page.locator(".toolkit-quote")
    assert word in quote.inner_text() and "problems" in quote.inner_text()
    assert page.locator(".toolkit-section").count() >= 3  # the report's sections, coloured by kind
    report = page.locator(".widget-dropdown", has=page.locator("label", has_text=re.compile("^report$")))
    chosen = report.locator("select").evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")
    assert quote.inner_text().split(",")[0] in chosen, f"the reader's report menu shows {chosen!r}"
    explorer.screenshot(path=str(SCREENSHOTS / "explorer-reader.png"))

    # the topic browser: each unit's "read" button shows its whole word, and opens the unit in the reader
    page.locator(".lm-TabBar-tab", has_text="Topics").click()
    read = page.locator(".toolkit-read:visible")
    read.first.wait_for(state="visible")
    assert [b.strip() for b in read.all_inner_texts()] == ["read"] * read.count()
    assert not _cut_texts(explorer), f"cut at {VIEWPORT_WIDTH} px: {_cut_texts(explorer)}"
    read.first.click()
    page.locator("mark.toolkit-focus").first.wait_for(state="visible")

    # a filter: plans only leaves no data-silo match on the seeds
    page.locator(".lm-TabBar-tab", has_text="Search").click()
    kinds = page.locator(".widget-select-multiple", has=page.locator("label", has_text=re.compile("^kind$")))
    kinds.locator("select").select_option("plans")
    page.locator(".widget-html", has_text=re.compile(r"\b0 of \d+ matches")).wait_for(state="visible")
    expect(page.locator(".toolkit-match:visible")).to_have_count(0)  # the widgets update one message at a time
    if os.environ.get("SCREENSHOT") == "1":
        for name in ("explorer-search.png", "explorer-reader.png"):
            shutil.copy2(SCREENSHOTS / name, paths.PROJECT_ROOT / "docs" / name)


def test_notebook_03_outputs_have_no_error_and_draw_chinese(lab, page):
    url, token, _ = lab
    _open(page, url, token, "03-topics.ipynb")
    outputs = page.locator(".jp-OutputArea-output")
    outputs.first.wait_for(state="visible")
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    texts = [t for t in errors.all_inner_texts() if re.search(r"Traceback|Error|Glyph", t)]
    assert not texts, f"notebook 03 shows errors: {texts[:2]}"
    # every output holding Chinese is drawn with a CJK font (no missing-glyph boxes): ask Chromium which
    # fonts it used for the node's text
    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    root = client.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
    nodes = client.send("DOM.querySelectorAll", {"nodeId": root, "selector": ".jp-OutputArea-output td, "
                                                                              ".jp-OutputArea-output pre"})["nodeIds"]
    checked = 0
    for node in nodes:
        if checked >= 40:
            break
        text = client.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
        if not CJK.search(text):
            continue
        client.send("DOM.scrollIntoViewIfNeeded", {"nodeId": node})  # off-screen cells are not laid out
        page.wait_for_timeout(50)
        fonts = client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        names = " ".join(f["familyName"] for f in fonts)
        assert "CJK" in names or "Noto Sans SC" in names, f"Chinese drawn without a CJK font ({names}): {text[:80]}"
        checked += 1
    assert checked > 0, "no output of notebook 03 with Chinese was found to check"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "notebook-03.png"))
