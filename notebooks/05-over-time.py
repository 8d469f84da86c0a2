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
# # 05 · Over time: did the government do what it said?
#
# Each year's report reviews the last year and promises the next, so a government's reports, read in
# order, say whether its **targets** were met: the report for year *t* sets them in its plans (地区生产总值
# 增长5.5%左右, 城镇新增就业…万人), the report a year later states the outcome in its review (增长5.3%).
# This notebook arranges the reports by government × year (the panel), pairs targets with outcomes
# (the ledger, `toolkit.targets`), compares each target with the one of the government above it
# (层层加码), and follows the named themes of notebook 04 across the years.
#
# The five seed reports are bureau work summaries: they set no GDP targets, so here the ledger is
# nearly empty. `make figures CORPUS=../shared/corpora/national-1954-2022` runs it on 53 national
# reports (1954–2022); the indicators, the verdict rule and the validation against a hand-read gold
# table are in [docs/05-over-time.md](../docs/05-over-time.md).

# %% tags=["parameters"]
CORPUS = None
FIGURES = None
THEMES = None  # your own themes file (TOML), merged with the project lexicon

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.targets import amplification, ledger, load_indicators, panel, plausible_range, verdicts_by_indicator
from toolkit.followthrough import by_theme, follow_through, labels_by_pair
from toolkit.themes import find_matches, load_lexicon, prevalence_by_year_ci
from toolkit.time_figures import (amplification_figure, ledger_figure, suspect_values, target_dots_figure,
                                   theme_trend_figure)

params = notebook_runner.resolve_parameters(CORPUS, FIGURES, THEMES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
indicators = load_indicators()
print(f"corpus {params.name!r}: {len(corpus.reports)} reports; {len(indicators)} indicators in "
      f"data/lexicon/indicators.toml")

# %% [markdown]
# ## 1 · The panel: which government reported on which year
#
# One row per government and year, from its first report to its last: `n` = 0 is a gap (no report
# for that year), `n` > 1 a duplicate. Gaps and duplicates are shown, not hidden.

# %%
years = panel(corpus)
print(f"{years['government'].nunique()} governments, {len(years)} government-years; "
      f"{int((years['n'] == 0).sum())} gaps, {int((years['n'] > 1).sum())} duplicated years")
years.head(12)

# %% [markdown]
# ## 2 · The target ledger
#
# One row per government × year × indicator: the target set in the plans of the report for that year
# (value, upper end of a range, qualifier 左右/以上/以内 …), the outcome stated in the review of the next
# report, and the verdict (`met`, `missed`, `no_outcome`: a target whose outcome the next report does
# not state, itself a finding; `no_target`; `explicitly_absent`: the report says it sets none). Both
# quotes keep their report and offsets.

# %%
book = ledger(corpus, indicators)
verdicts_by_indicator(book)

# %%
shown = book[book["target_value"].notna() | (book["verdict"] == "explicitly_absent")]
shown.assign(target_quote=shown["target_quote"].map(lambda q: q and q["text"][:50]),
             outcome_quote=shown["outcome_quote"].map(lambda q: q and q["text"][:40]))[
    ["government", "year", "indicator", "target_value", "target_high", "target_qualifier", "outcome_value",
     "verdict", "target_quote"]].tail(15)

# %% [markdown]
# GDP growth, targets against outcomes. A government with reports for three years or more is a time
# series (one panel each, in a grid sharing both axes); one with one or two years is a dot plot (one
# row each, one panel per year): two points are not a trend. A value outside the indicator's plausible
# range (`plausible` in `data/lexicon/indicators.toml`, here GDP growth −10 to 20%) is suspect: it is
# drawn as a red flag, at the panel's edge when it lies beyond it, never allowed to set the scale, and
# listed below with the words it was read from, to be checked by hand.

# %%
figures = {"05-gdp-targets": (ledger_figure(book, "gdp_growth", "GDP growth (%)"),
                              "GDP growth targets (dots, range bars) and outcomes (line) by year, one panel a government",
                              "Did each government meet its GDP growth target, year after year?"),
           "05-gdp-targets-dots": (target_dots_figure(book, "gdp_growth", "GDP growth (%)"),
                                   "GDP growth target and outcome of each year, governments seen in one or two years",
                                   "What GDP growth did each government aim for, and reach?")}
for name, (fig, caption, question) in figures.items():
    if fig is None:
        plotting.discard(name, params.figures)  # nothing to draw here: no figure of an earlier run stays
        continue
    written = plotting.savefig(fig, name, directory=params.figures, caption=caption, question=question)
    print("wrote", ", ".join(path.name for path in written))
if all(fig is None for fig, _, _ in figures.values()):
    print("no government here has a GDP target or outcome: nothing to draw")
suspect = suspect_values(book, "gdp_growth")
bounds = plausible_range("gdp_growth")
print(f"suspect values (outside {bounds[0]:g} to {bounds[1]:g}%): {len(suspect)}" if bounds else
      "no plausible range for GDP growth in data/lexicon/indicators.toml: no value is flagged")
suspect

# %% [markdown]
# ## 3 · Targets across levels (层层加码)
#
# Where reports of several levels cover the same year: each government's target against the one of
# the government above it (a province against the national target, a city against its province).
# `gap` is the difference of the low ends; `amplified` says whether it lies on the stricter side.

# %%
stacked = amplification(book, indicators)
print(f"{len(stacked)} comparisons with the level above" + ("" if len(stacked) else
      " (this corpus has no two levels for the same year: try a folder with national and provincial reports)"))
stacked.head(10)

# %%
pages = amplification_figure(stacked, "gdp_growth")
if pages is None:
    plotting.discard("05-amplification", params.figures)
else:
    written = plotting.savefig(pages, "05-amplification", directory=params.figures,
                               caption="GDP growth targets against the target of the government above (层层加码)",
                               question="Do governments set higher targets than the level above them?")
    print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# ## 4 · Promises followed through
#
# Every plan unit of the report for year *t* against the whole review of the report that reviews *t*:
# shared wording (TF-IDF), shared themes, a measured quantity or a named project named again in the
# review, the figures of the review passages that match it, and word vectors. `reported`, `weak`,
# `not_mentioned` come from weights fitted on half of a hand-labelled gold (docs/05-codebook.md); on the
# other half they agree with the reader on 69% of units, Cohen's kappa 0.47 (docs/05-over-time.md).
# Shares per theme with a 95% bootstrap interval over government-year pairs.

# %%
lexicon = load_lexicon(themes=params.themes)  # the project's themes, and your own (THEMES=)
followed = follow_through(corpus, lexicon=lexicon)
print(f"{followed['plan_report'].nunique()} plan reports paired with the review of their year; "
      f"{len(followed)} plan units")
labels_by_pair(followed)

# %%
by_theme(followed, lexicon, random_state=0).round(3)

# %%
followed[followed["label"] == "reported"][["year", "text", "tfidf", "evidence_text"]].head(5)

# %% [markdown]
# ## 5 · Themes over time
#
# The share of units naming each theme of the lexicon (notebook 04), by the year under review, with a
# 95% interval: a bootstrap over the reports of a year where it has several, a Wilson interval over the
# units of its one report otherwise (narrower than the truth: units of one report are not independent).

# %%
trend = prevalence_by_year_ci(find_matches(corpus, lexicon), corpus.units, corpus.reports, random_state=0)
names = {t.id: f"{t.name} {t.label}" for t in lexicon}
fig = theme_trend_figure(trend, labels=names)
if fig is None:
    plotting.discard("05-theme-trends", params.figures)
    print(f"the reports cover {trend['year'].nunique()} year(s): nothing to follow over time")
else:
    written = plotting.savefig(fig, "05-theme-trends", directory=params.figures,
                               caption="Share of units naming each theme by year under review, with 95% intervals",
                               question="Which themes rise and fall over the years?")
    print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# ## How far to trust this
#
# - A verdict rests on two extractions, each checked against a hand-read gold table on the national
#   series only (docs/05-over-time.md): on other corpora, read the quotes before citing a verdict.
# - `no_outcome` is frequent where the next report states the outcome in words (超额完成) or not at all.
# - Follow-through reads the review's words, not whether a promise was kept. On 100 held-out
#   hand-labelled plan units the labels agree 69% of the time (Cohen's kappa 0.47, below the 0.6 a
#   paper would want): use them to find and quote the promises a review takes up, and to compare large
#   groups with their intervals, not to say of one promise that it was kept.
# - Most themes are named by few plan units; their intervals are wide, and the Wilson intervals of a
#   one-report-per-year series are too narrow.
# - What the corpus left out on purpose (duplicates of an earlier report, an export's folder inside it),
#   printed below when there is any: a year whose report was filed twice counts once.

# %%
for note in corpus.notes:
    print(f"note: {note}")

# %% [markdown]
# **Next:** [06-contrast](06-contrast.ipynb) contrasts groups: distinctive words, provinces, levels.
# Back to the [overview](00-overview.ipynb).
