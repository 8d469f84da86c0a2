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
# # 06 · Contrast: which words set a group apart, and where are themes named?
#
# Researchers compare: problems against plans, one province against the rest, county against city
# governments. The topics of notebook 03 say *which themes*; this notebook says **which words set a
# group apart** (keyness: the log-odds ratio with an informative Dirichlet prior and its z-score, after
# Monroe, Colaresi and Quinn 2008, "Fightin' Words", with Dunning's G²) and **where** themes are named
# (a tile-grid map of China: one square per province, no boundary data) and at which **level** of
# government. Figures label terms in Chinese with their English gloss (`data/lexicon/glossary.tsv`,
# written by people, never machine-translated).
#
# On the seeds (five bureau reports of three provinces, one level) the groups are tiny: the notebook
# says so below. `make figures CORPUS=../shared/corpora/provincial-2025` or `municipal-2024` runs it on
# 31 provinces or 143 cities; the method is in [docs/06-contrast.md](../docs/06-contrast.md).

# %% tags=["parameters"]
CORPUS = None
FIGURES = None
THEMES = None  # your own themes file (TOML), merged with the project lexicon

# %%
import pandas as pd
from IPython.display import display

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.contrast import (keyness, level_prevalence, place_prevalence, term_matrix, top_terms,
                              topic_prevalence_table)
from toolkit.contrast_figures import keyness_figure, level_figure, tile_map_figure
from toolkit.themes import find_matches, load_lexicon, theme_prevalence
from toolkit.tokenize import Tokenizer
from toolkit.topics import documents, select_topics

params = notebook_runner.resolve_parameters(CORPUS, FIGURES, THEMES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
docs = documents(corpus.units, Tokenizer(), kinds=("achievements", "problems", "plans"))
glossary = plotting.load_glossary()
print(f"corpus {params.name!r}: {len(corpus.reports)} reports, {len(docs)} units; glossary: {len(glossary)} terms")

# %% [markdown]
# ## 1 · Problems against plans
#
# Every term of the problem and plan units: `count_a`/`count_b` (problems/plans), rates per 10,000
# tokens, the log-odds ratio and its z-score (|z| > 1.96: distinctive at the usual 5% level, one term
# at a time), G² and its p-value. The prior is the whole corpus (α₀ = 0.1 × the tokens compared);
# terms seen fewer than 5 times are left out of the table.

# %%
counts = term_matrix(docs)  # the tokens are counted once; each contrast below reuses the counts
key = keyness(docs, "kind=problems", "kind=plans", reports=corpus.reports, matrix=counts)
print(f"{len(key)} terms; tokens: problems {key.attrs['tokens_a']:,}, plans {key.attrs['tokens_b']:,}")
key.head(10)[["term", "count_a", "count_b", "rate_a", "rate_b", "log_odds", "z", "g2", "p"]].round(3)

# %%
fig = keyness_figure(key, 15, lang="both", glossary=glossary, names=("problems 问题", "plans 计划"))
english = keyness_figure(key, 15, lang="en", glossary=glossary, names=("problems", "plans"))
question = "Which words set problem units apart from plan units?"
written = plotting.savefig(fig, "06-keyness-problems-plans", directory=params.figures,
                           caption="Distinctive terms of problem against plan units: frequency and log-odds z",
                           question=question)
written += plotting.savefig(english, "06-keyness-problems-plans", directory=params.figures / "en",
                            caption="Distinctive terms of problem against plan units (English glosses)",
                            question=question)
print("wrote", ", ".join(str(path.relative_to(params.figures)) for path in written))
print("left unlabelled for want of room (their dots stay coloured):", ", ".join(fig.unlabelled) or "none")

# %% [markdown]
# ## 2 · One province against the rest
#
# The province with the most reports against every other unit (units of reports without a province,
# e.g. national ones, count as the rest). Its distinctive terms are often its place names and its own
# programmes: read them as what sets its reports apart, not as what it does better.

# %%
provinces = corpus.reports.dropna(subset=["province"]).groupby("province").size()
if len(provinces) < 2:
    print(f"{len(provinces)} province(s) in this corpus: no province to contrast with the rest")
else:
    chosen_province = sorted(provinces.items(), key=lambda item: (-item[1], item[0]))[0][0]
    own = keyness(docs, f"province={chosen_province}", "rest", reports=corpus.reports, matrix=counts)
    print(f"{chosen_province} ({provinces[chosen_province]} reports, {own.attrs['units_a']} units) against "
          f"the rest ({own.attrs['units_b']} units)")
    side_a, side_b = top_terms(own, 8)
    display(pd.concat([side_a.assign(side=chosen_province), side_b.assign(side="rest")])
            [["side", "term", "count_a", "count_b", "z"]].round(2).reset_index(drop=True))

# %% [markdown]
# ## 3 · Where themes are named: a tile map of the provinces
#
# The share of units naming each theme, pooled over each province's reports (all section kinds), one
# square per province placed roughly where it lies (`data/geo/provinces.csv`); grey: no report from
# that province; 港澳台, outside the division table, are drawn as dashed outlines.

# %%
lexicon = load_lexicon(themes=params.themes)
matches = find_matches(corpus, lexicon)
table = theme_prevalence(matches, corpus.units)
places = place_prevalence(table, corpus.reports)
chosen = ["data_silos", "cross_region", "business_environment"]
print(f"{places['place'].nunique()} provinces with reports; "
      + ", ".join(f"{t}: named in {int((places[places['key'] == t]['units_matched'] > 0).sum())} provinces"
                  for t in chosen))
names = {t.id: t.name for t in lexicon}
fig = tile_map_figure(places, keys=chosen, labels=names, lang="both", glossary=glossary)
question = "Where are the themes named?"
written = plotting.savefig(fig, "06-theme-map", directory=params.figures,
                           caption="Share of units naming three themes, by province (tile-grid map)", question=question)
written += plotting.savefig(tile_map_figure(places, keys=chosen, labels=names, lang="en", glossary=glossary),
                            "06-theme-map", directory=params.figures / "en",
                            caption="Share of units naming three themes, by province (English)", question=question)
print("wrote", ", ".join(str(path.relative_to(params.figures)) for path in written))

# %% [markdown]
# Topics, too: each province's mean topic share over its problem and plan units, for the three largest
# topics of notebook 03's model (the same k selection, read from its cache). A topic is named by its
# three top terms; the English version glosses each term.

# %%
selection = select_topics(documents(corpus.units, Tokenizer()))  # notebook 03's model (cached fits)
model = selection.model_
topic_table = topic_prevalence_table(model.unit_weights())
topic_places = place_prevalence(topic_table, corpus.reports)
sizes = topic_table.groupby("topic")["units_matched"].sum()
largest = sorted(sizes.index, key=lambda k: (-sizes[k], k))[:3]
zh = {k: model.labels_[k] for k in largest}
en = {k: "·".join(plotting.term_label(t, "en", glossary) for t in model.labels_[k].split("·")) for k in largest}
print("largest topics:", "; ".join(f"{k}: {zh[k]} ({en[k]})" for k in largest))
question = "Where are the largest topics spoken of?"
written = plotting.savefig(tile_map_figure(topic_places, keys=largest, labels=zh, lang="zh", glossary=glossary),
                           "06-topic-map", directory=params.figures,
                           caption="Mean topic share of problem and plan units, by province (three largest topics)",
                           question=question)
written += plotting.savefig(tile_map_figure(topic_places, keys=largest, labels=en, lang="zh", glossary=glossary),
                            "06-topic-map", directory=params.figures / "en",
                            caption="Mean topic share of problem and plan units, by province (English)",
                            question=question)
print("wrote", ", ".join(str(path.relative_to(params.figures)) for path in written))

# %% [markdown]
# ## 4 · By level of government
#
# The share of units naming each theme per level (national, province, prefecture, county), with a 95%
# bootstrap interval over the reports of the level.

# %%
levels = level_prevalence(table, corpus.reports)
levels[levels["key"].isin(chosen)].round(3)

# %%
shown = levels[levels["key"].isin(chosen)]
question = "At which level of government are the themes named?"
written = plotting.savefig(level_figure(shown, labels=names, lang="both", glossary=glossary), "06-theme-levels",
                           directory=params.figures,
                           caption="Share of units naming three themes by level of government, with 95% intervals",
                           question=question)
written += plotting.savefig(level_figure(shown, labels=names, lang="en", glossary=glossary), "06-theme-levels",
                            directory=params.figures / "en",
                            caption="Share of units naming three themes by level of government (English)",
                            question=question)
print("wrote", ", ".join(str(path.relative_to(params.figures)) for path in written))

# %% [markdown]
# ## How far to trust this
#
# - A z-score is computed one term at a time: among thousands of terms some pass 1.96 by chance.
#   Read the top of each side, and quote its units (notebook 04's KWIC) before writing about a word.
# - One province against the rest compares a few reports with many: a term used in one of its reports
#   can top the list. Check `units_a` (the units containing the term) before reading a term as the
#   province's.
# - A province's square pools its reports: one report makes a province on this map. The counts of
#   reports per province are in `places["reports"]`.
# - Levels with a single report have no interval.
# - Duplicates of an earlier report are left out of every count (a note below says how many, if any).

# %%
thin = places.groupby("place")["reports"].max()
print(f"provinces with one report: {int((thin == 1).sum())} of {len(thin)}; "
      f"levels present: {sorted(corpus.reports['level'].dropna().unique())}")
for note in corpus.notes:
    print(f"note: {note}")

# %% [markdown]
# **Back to the [overview](00-overview.ipynb).**
