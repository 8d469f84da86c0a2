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
# # 03 · Topics: what recurs in the problems, what in the plans, and do the plans answer the problems?
#
# One TF-IDF + NMF topic model over the **problem** and **plan** units together
# (`toolkit.topics`), so both kinds are described by the same topics:
#
# 1. **Choosing k.** For every k from 2 to 20: *stability* after Greene, O'Callaghan and Cunningham
#    (2014), the average Jaccard agreement of the top-10 terms between a reference model on all units
#    and models on 20 random 80% samples, topics matched one-to-one (Hungarian algorithm); and *NPMI
#    coherence* of each topic's top-10 terms, counted over the units themselves.
# 2. **Topics** with their Chinese terms, each with its own stability.
# 3. **Problems versus plans**: each topic's share among problem units and among plan units, with
#    95% intervals from a bootstrap that resamples *reports*; which topics lean to which side.
# 4. **Alignment**: within each report, every problem unit's best plan units, scored in topic space
#    and in TF-IDF space; problems no plan answers; a heatmap per report and a corpus-wide table.
# 5. **Representative units**, quoted with their report and offsets so they can be cited.
#
# Run on the five seed reports by default. They give only a handful of problem units: the notebook
# says below which results that leaves too thin to trust. `make figures CORPUS=../shared/corpora/municipal-2024`
# runs the same analysis on 143 municipal 政府工作报告, where the numbers carry weight.

# %% tags=["parameters"]
CORPUS = None
FIGURES = None

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.tokenize import Tokenizer
from toolkit.topic_figures import alignment_figure, selection_figure, topic_prevalence_figure
from toolkit.topics import (TopicModel, align, compare_topics, documents, lean, select_topics, topic_prevalence,
                            trust_notes)

params = notebook_runner.resolve_parameters(CORPUS, FIGURES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
labels = dict(zip(corpus.reports["report_id"], corpus.reports["label"]))
docs = documents(corpus.units, Tokenizer())  # problem and plan units; tokens from the tokenizer's cache
counts = docs.groupby("kind")["report_id"].agg(units="size", reports="nunique").reindex(["problems", "plans"])
print(f"corpus {params.name!r}: {corpus.reports.shape[0]} reports")
counts

# %% [markdown]
# ## 1 · Choosing k
#
# Every fit is deterministic (NMF's `nndsvd` start, fixed samples from `random_state=0`), and the 21
# fits per k are spread over all cores; the fitted rankings are cached in `.cache/topics`, so running
# the notebook again, or notebook 04, reuses them. ks larger than the vocabulary or a sample allow are
# left out (listed below).

# %%
selection = select_topics(docs)  # k = 2..20, 20 samples, random_state=0, all cores, cached
model = selection.model_
print(f"{selection.n_documents_} units x {selection.n_terms_} terms; ks left out: {selection.skipped_ or 'none'}")
print(f"rule: {selection.rule_}")
print(f"chosen k = {selection.k_}")
selection.table_.round(3).set_index("k").T

# %%
fig = selection_figure(selection)
written = plotting.savefig(fig, "03-k-selection", directory=params.figures,
                           caption="Topic stability (mean ± sd over 20 80% samples) and NPMI coherence against k; "
                                   "the chosen k marked",
                           question="How many topics does the corpus hold?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# **The rule.** Among the ks whose stability is at least 0.8 (their topics come back, largely, in any
# 80% sample; where no k reaches 0.8, those within 0.05 of the most stable k), take the one with the
# highest NPMI coherence; ties go to the smaller k. Not simply the most stable k: k = 2 is often the
# most stable (any two halves of a corpus come back in every sample) and says little. `unconverged`
# counts the NMF fits of a k that stopped at `max_iter` (out of 21).

# %% [markdown]
# ## 2 · The topics
#
# The chosen model's topics: label (three top terms), the topic's own stability (its mean Jaccard
# agreement with its matched topic across the samples) and coherence, and its ten top terms.

# %%
topics = selection.topic_table()
topics.assign(terms=topics["terms"].map(" ".join)).round(3).set_index("topic")

# %% [markdown]
# **Without boilerplate.** Bureaus copy sentences from a template and from each other; a unit whose
# sentences are mostly found in other bodies' reports (`boilerplate` ≥ 0.5, see notebook 01) can make a
# topic of the template. The same model (same k, same settings) fitted without those units: for each
# topic above, its best match and how far their top-10 rankings agree (average Jaccard; 1 = the same).

# %%
own = documents(corpus.units, Tokenizer(), exclude_boilerplate=True)
print(f"{len(docs) - len(own)} of {len(docs)} units left out as boilerplate")
own_model = TopicModel(**model.get_params()).fit(own) if len(own) > model.n_components else None
(compare_topics(model, own_model) if own_model is not None else "too few units without boilerplate to refit")

# %% [markdown]
# ## 3 · Problems versus plans
#
# A topic's prevalence in a kind of section is the mean of its share over that kind's units; the 95%
# interval resamples reports (1,000 draws). A topic *leans* to one side when the whole interval of
# the difference (plans − problems) lies on that side.

# %%
weights = model.unit_weights()
prev = topic_prevalence(weights, n_boot=1000, random_state=0, labels=model.labels_)
leaning = lean(weights, n_boot=1000, random_state=0, labels=model.labels_)
leaning.round(3).set_index("topic")

# %%
stability = topics.set_index("topic")["stability"]
fig = topic_prevalence_figure(prev, stability)
written = plotting.savefig(fig, "03-prevalence-by-kind", directory=params.figures,
                           caption="Topic prevalence among problem and plan units, with 95% intervals "
                                   "(bootstrap over reports)",
                           question="Which topics lean to the problems, which to the plans?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# ## 4 · Do the plans answer the problems?
#
# Within each report, each problem unit is compared with every plan unit of the same report: cosine
# of their topic shares (do they speak of the same themes?) and of their TF-IDF vectors (do they use
# the same words?). A problem counts as *answered* when its best plan unit reaches 0.5 in topic
# space; the scores themselves are in the tables, so a reader can move the cut.

# %%
alignment = align(model)
summary = alignment.summary()
summary.insert(1, "label", summary["report_id"].map(labels))
print(f"{int(summary['answered'].sum())} of {int(summary['problems'].sum())} problem units answered "
      f"(topic-space cosine >= {alignment.min_score}) in {len(summary)} reports")
summary.sort_values("report_id").round(3).head(20)

# %% [markdown]
# The problem units no plan unit of their report answers:

# %%
unanswered = alignment.unanswered()
print(f"{len(unanswered)} unanswered problem units")
unanswered.assign(label=unanswered["report_id"].map(labels),
                  text=unanswered["text"].str.slice(0, 80))[["label", "start", "end", "topic_score", "tfidf_score",
                                                             "text"]].round(3).head(15)

# %% [markdown]
# Each problem unit with its best plan unit (topic space); offsets are into the report's cleaned text
# (`corpus.quote(report_id, start, end)` gives the exact words).

# %%
best = alignment.best(n=1)
best.assign(label=best["report_id"].map(labels), problem=best["problem"].str.slice(0, 50),
            plan=best["plan"].str.slice(0, 50))[["label", "problem_start", "problem", "score", "plan_start",
                                                 "plan"]].round(3).head(12)

# %% [markdown]
# Heatmaps for the reports with the most problem units (at most six): rows are problem units, columns
# plan units, both labelled by their start offset; the best plan of each problem is boxed, unanswered
# problems carry ×. Panels sit two to a row; a report with many problem units spans several panels,
# and what does not fit on a page goes to the next (`03-alignment-1.png`, `-2` …).

# %%
drawable = summary[summary["report_id"].isin(alignment.aligned_reports())]  # reports with problems and plans
shown = drawable.sort_values(["problems", "report_id"], ascending=[False, True]).head(6)["report_id"]
if len(shown):
    pages = alignment_figure(alignment, sorted(shown), labels=labels)
    written = plotting.savefig(pages, "03-alignment", directory=params.figures,
                               caption="Problem units against plan units of the same report (topic-space cosine); "
                                       "best plan boxed, unanswered problems marked",
                               question="Do the plans of a report answer its problems?")
    print("wrote", ", ".join(path.name for path in written))
else:
    notebook_runner.note("03-alignment not drawn: no report has both problem and plan units to align")

# %% [markdown]
# ## 5 · Representative units
#
# For each topic, the two units that weigh most on it, quoted with their report and offsets.

# %%
quotes = model.top_units(n=2)
assert all(corpus.quote(r, a, b) == t for r, a, b, t in zip(quotes["report_id"], quotes["start"], quotes["end"],
                                                             quotes["text"]))
quotes.assign(label=quotes["report_id"].map(labels), text=quotes["text"].str.slice(0, 90))[
    ["topic", "label", "kind", "start", "end", "share", "text"]].round(3)

# %% [markdown]
# ## How far to trust this
#
# Computed from the data, so it holds for whichever corpus the notebook ran on:

# %%
trust = trust_notes(docs, selection, alignment, corpus=corpus)  # with what the corpus left out (duplicates)
print(f"units per kind: {trust['units']}; reports per kind: {trust['reports']}")
for warning in trust["warnings"]:  # each also listed at the end of `make figures`
    notebook_runner.note(warning)
if not trust["warnings"]:
    print("no warning: enough units and reports for the intervals to mean something")

# %% [markdown]
# What else to keep in mind:
#
# - On the **seed reports**, a problem part is often one or two paragraphs: the lead-in sentence
#   ("…存在一些问题和不足，主要表现在：") can be a unit of its own and forms a *framing* topic (我局,
#   存在, 问题) that says nothing about content. Prevalence differences between problems and plans on
#   the seeds are therefore to be read as illustrations.
# - On **municipal 政府工作报告** the problem part is usually one paragraph that names many themes,
#   against some fifty plan units per report: nearly every problem finds a plan unit on the same
#   themes, so "answered" there says more about the genre than about the promises. The TF-IDF scores
#   (shared words) are the stricter reading.
#
# **Next:** [04-themes](04-themes.ipynb) follows named themes (数据孤岛, 跨省通办, …) through the
# reports and links them to these topics. Back to the [overview](00-overview.ipynb).
