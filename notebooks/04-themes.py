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
# # 04 · Themes: where do 数据孤岛, 跨省通办 and the other named themes appear — as problem or as plan?
#
# Researchers come with named themes. `data/lexicon/themes.toml` lists them: each with its core term,
# the variants real reports use, and the reports each variant was seen in. `toolkit.themes` finds
# them in the **text** (not in the tokens: a variant jieba splits, or a line break cuts, still
# matches), longest variant first, and keeps for every match its report, section kind, unit and
# offsets. This notebook shows
#
# 1. the lexicon;
# 2. keyword-in-context tables for 数据孤岛 and 跨省通办;
# 3. prevalence per theme, report and section kind (matches, and the share of units), by year, and a heatmap;
# 4. which topics of notebook 03's model carry each theme;
# 5. candidate variants, ranked, for a researcher to accept into the lexicon (never added automatically).
#
# `make figures CORPUS=../shared/corpora/municipal-2024` runs it on 143 municipal 政府工作报告.

# %% tags=["parameters"]
CORPUS = None
FIGURES = None
THEMES = None  # your own themes file (TOML), merged with the project lexicon

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.sections import KINDS
from toolkit.themes import (carriers, find_matches, kwic, load_lexicon, one_line, prevalence_by_year, suggest_variants,
                            theme_prevalence, theme_prevalence_figure, topic_links, topic_links_figure)
from toolkit.tokenize import Tokenizer
from toolkit.topics import documents, select_topics

params = notebook_runner.resolve_parameters(CORPUS, FIGURES, THEMES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
labels = dict(zip(corpus.reports["report_id"], corpus.reports["label"]))
lexicon = load_lexicon(themes=params.themes)
print(f"corpus {params.name!r}: {corpus.reports.shape[0]} reports, {len(corpus.units)} units; "
      f"lexicon {lexicon.source.split('/')[-1]}: {len(lexicon)} themes, {len(lexicon.table())} variants")

# %% [markdown]
# ## 1 · The lexicon
#
# One row per theme; `seen in` counts the reports (seeds and municipal corpus) each theme's variants
# were recorded in. `lexicon.table()` has one row per variant with its reports.

# %%
table = lexicon.table()
table.groupby("theme", sort=False).agg(
    name=("name", "first"), label=("label", "first"), variants=("term", " ".join),
    unseen=("n_seen", lambda n: int((n == 0).sum())))

# %% [markdown]
# ## 2 · Keyword in context
#
# Every match of the theme 数据孤岛 (all its variants; `kwic("数据孤岛", corpus)`, or on the command line
# `.venv/bin/toolkit kwic 数据孤岛 data/raw --jsonl`), with 20 characters either side, in report order;
# `kwic(term, corpus, literal=True)` finds the term alone. `start`/`end` are offsets into the report's cleaned
# text. Notebook 07 lets you click from a match to its report.

# %%
matches = find_matches(corpus, lexicon)
silos = kwic("数据孤岛", corpus, width=20, lexicon=lexicon)
print(f"{len(silos)} matches of the data-silo theme in {silos['report_id'].nunique()} reports; by kind: "
      f"{silos['kind'].value_counts().to_dict()}")
one_line(silos[["label", "kind", "start", "left", "match", "right"]].head(20))

# %%
cross = kwic("跨省通办", corpus, width=20, lexicon=lexicon)
print(f"{len(cross)} matches of the cross-region theme in {cross['report_id'].nunique()} reports; by kind: "
      f"{cross['kind'].value_counts().to_dict()}")
one_line(cross[["label", "kind", "start", "left", "match", "right"]].head(20))

# %% [markdown]
# ## 3 · Prevalence
#
# Per theme and section kind: matches, units with a match, and the share of units with a match,
# summed over the reports (the per-report table is `theme_prevalence(...)`, one row per theme, report and kind,
# zeros included).

# %%
prev = theme_prevalence(matches, corpus.units, themes=lexicon.ids)
overall = prev.groupby(["theme", "kind"], sort=False)[["matches", "units_matched", "units"]].sum()
overall["share"] = overall["units_matched"] / overall["units"]
reports_with = prev[prev["matches"] > 0].groupby(["theme", "kind"])["report_id"].nunique()
overall["reports"] = reports_with.reindex(overall.index, fill_value=0)
overall.round(3).unstack("kind").reindex(lexicon.ids)[["reports", "matches", "share"]]

# %% [markdown]
# By year (the year a report is about, from its title). On the seeds every year has one or two
# reports, so a year's row is a report's row; the municipal corpus is a single year.

# %%
by_year = prevalence_by_year(prev, corpus.reports)
by_year[by_year["kind"].isin(["problems", "plans"])].pivot_table(
    index="theme", columns=["kind", "year"], values="reports_matched", aggfunc="sum").reindex(lexicon.ids)

# %%
pages = theme_prevalence_figure(prev, lexicon, labels=labels)  # every report, as many pages as it takes
written = plotting.savefig(pages, "04-theme-prevalence", directory=params.figures,
                           caption="Share of units naming each theme, by report and section kind "
                                   "(grey: the report has no such section)",
                           question="Which themes does each report name among its problems, plans and achievements?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# ## 4 · Themes and topics
#
# The topic model of notebook 03 (same units, same k selection: read from its cache). For each theme,
# the topic that carries it: by the mean topic share of the units that name the theme (`unit_share`),
# and by the weight of the theme's variants in the topic's terms (`term_weight`; only variants that are
# terms of the model's vocabulary count).

# %%
tokenizer = Tokenizer()
selection = select_topics(documents(corpus.units, tokenizer))
model = selection.model_
links = topic_links(model, matches, lexicon)
print(f"model: k = {selection.k_} topics over {selection.n_documents_} problem and plan units")
carriers(links).set_index("theme").round(3)

# %%
fig = topic_links_figure(links, lexicon)
written = plotting.savefig(fig, "04-theme-topics", directory=params.figures,
                           caption="Mean topic shares of the problem and plan units that name each theme",
                           question="Which topics carry each theme?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# ## 5 · Growing the lexicon
#
# Candidate variants of 数据孤岛 and 跨省通办: tokens found in units that name the theme (at least twice)
# and rarely in other units of the same section kinds (`z`: the log odds ratio over its standard error,
# so a token seen twice does not outrank one seen twenty times; `lift` for reading), and close to those
# units in topic space (`topic_similarity`). They are
# suggestions: a researcher reads them in context (`kwic(term, corpus)`) and adds the good ones, with the
# report they were seen in, to `data/lexicon/themes.toml`.

# %%
all_units = documents(corpus.units, tokenizer, kinds=KINDS)
suggested = pd.concat({theme: suggest_variants(theme, all_units, matches, lexicon, model=model, top=12)
                       for theme in ("数据孤岛", "跨省通办")}, names=["theme", None])
print(suggested.groupby(level="theme", sort=False).size().rename("candidates").to_dict())
suggested.reset_index(level=1, drop=True).set_index("rank", append=True).round(3)

# %% [markdown]
# **Next:** [05-over-time](05-over-time.ipynb) follows a government across years: its targets, met or
# missed, and these themes rising and falling. Back to the [overview](00-overview.ipynb).
