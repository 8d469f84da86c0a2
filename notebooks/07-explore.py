# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (toolkit)
#     language: python
#     name: toolkit
# ---

# %% [markdown]
# # 07 · Explore: search a theme, filter, read the sentence in its report, browse topics
#
# The other notebooks give tables and figures; this one lets you **click through** to the text behind
# them, inside JupyterLab (run it with `make lab`, then *Run ▸ Run All Cells*):
#
# 1. **Search.** Pick a theme (数据孤岛 gives every variant: 信息孤岛, 数据壁垒 …) or type a term; tick
#    *literal* for the term alone. The table lists each match with its report (label, kind of section,
#    province, level, year) and its context. Narrow it with the kind, province, level and year filters;
#    sort it with *sort by*. Twenty rows are shown at a time (◀ ▶); the counts below the table say how
#    many matches each report has in each kind of section.
# 2. **Click a match** (the bold word in the middle column): the **Reader** tab opens the report, the
#    unit that holds the match quoted on top with its citation (report, kind, §section.unit and its
#    character offsets), then the whole report: sections coloured by kind, headings in bold, each unit
#    in a dashed box with its offsets, every theme match highlighted and the chosen one outlined.
# 3. **Topics.** Each topic of notebook 03's model: its top terms with their weights, its stability,
#    its mean share in problem and plan units, and its most representative units (*read* opens them).
#
# Saved or exported (HTML, GitHub), the cell below shows a static summary instead of the widgets.
# `make figures CORPUS=…` runs it on another corpus; `THEMES=my-themes.toml` adds your own themes.

# %% tags=["parameters"]
CORPUS = None
FIGURES = None
THEMES = None

# %%
from toolkit import load_corpus, notebook_runner
from toolkit.explore import explore
from toolkit.themes import find_matches, load_lexicon
from toolkit.tokenize import Tokenizer
from toolkit.topics import documents, select_topics

params = notebook_runner.resolve_parameters(CORPUS, FIGURES, THEMES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
lexicon = load_lexicon(themes=params.themes)
matches = find_matches(corpus, lexicon)
selection = select_topics(documents(corpus.units, Tokenizer()))  # notebook 03's model (its cached fits)
print(f"corpus {params.name!r}: {len(corpus.reports)} reports, {len(corpus.units)} units, "
      f"{len(matches)} matches of {len(lexicon)} themes; topics: k = {selection.k_}")

# %%
explore(corpus, matches=matches, model=selection, lexicon=lexicon)

# %% [markdown]
# The same tables without widgets, for a paper or a script: `toolkit.explore.search(corpus, "数据孤岛")`
# (the matches with their report's metadata), `match_counts(...)`, `report_html(corpus, report_id)`,
# and `toolkit.themes.kwic(term, corpus, literal=True)`; `one_line(table)` shows a KWIC table with each
# context on one line.
#
# **Back to the [overview](00-overview.ipynb).**
