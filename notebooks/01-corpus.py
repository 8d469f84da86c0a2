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
# # 01 · Corpus: what is in each report, and where are its achievements, problems and plans?
#
# Before any theme can be counted, each report has to be read the same way: decoded, freed of the
# web page around it (font and print widgets, view counts, empty metadata tables), mended where PDF
# conversion broke sentences, and cut into **sections** of four kinds — `achievements`, `problems`,
# `plans`, `other` (title, salutation, signature) — and into citable **units** (numbered items such as
# （一）… or 一是…, else paragraphs). This notebook shows the result for the corpus and how each part
# was found: under its own **heading** (二、存在的不足及原因) or **inline**, from the words a paragraph
# opens with (我们也清醒认识到…… for problems, 下来，……将继续…… for plans).
#
# Every section and unit carries `start`/`end` character offsets into the cleaned text, so any number
# later in the analysis can be traced back to the exact words of a report.

# %% tags=["parameters"]
CORPUS = None
FIGURES = None

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.boilerplate import by_report as boilerplate_by_report
from toolkit.corpus_figures import section_lengths_figure
from toolkit.dataset import parts_by_genre, parts_found, parts_present, section_lengths

params = notebook_runner.resolve_parameters(CORPUS, FIGURES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
print(f"corpus {params.name!r}: {len(corpus.reports)} reports, {len(corpus.sections)} sections, "
      f"{len(corpus.units)} units")

# %% [markdown]
# ## The reports and their metadata
#
# Each report names the government behind it: its `level` (national, province, prefecture, county),
# the `government`, the issuing `agency`, and its `province`, `city` and `county` from the division
# table in `data/geo/divisions.csv`. They are read from the congress session it was delivered at, the
# speaker, the issuing body, the title or the file's name, never from the first place its body
# names; what the text does not say stays empty. `year` is the year under review, `issued` the date
# of the report. `found_by` says how the government was found, and each field's `…_from` column where
# its value came from (`detected`, `table`, `metadata.csv`, `derived`). `label` is made from the fields.

# %%
shown = ["label", "genre", "level", "government", "agency", "province", "city", "county", "year", "issued", "format",
         "found_by"]
corpus.reports.set_index("report_id")[shown].head(20)

# %% [markdown]
# **Genres.** `genre` says what kind of report each is: a government's `government_work_report`, a body's
# `rule_of_law_report` (法治政府建设年度报告, every department of every government each year since 2019), a
# `work_summary` (2022年工作总结及2023年工作计划), a `work_plan` (工作要点) or `other`: from its title (the
# text's own, a portal crawl's header, the web page's), else from the sentence that frames it (现将……报告如下)
# or its parts. Portal crawls carry a header (标题, 发布机构, 发布时间, 文号, 原文链接): its fields are read with
# provenance `header` and its lines kept out of the text.

# %%
corpus.reports.groupby(["genre", "level"], dropna=False).size().rename("reports").to_frame()

# %% [markdown]
# Where the reports came from: their formats (text, Word, PDF, web pages, table rows, archive members)
# and how the text was decoded, with the share of common Chinese characters (`encoding_confidence`,
# 1.0 for clean text; a garbled text is refused below 0.9).

# %%
corpus.reports.groupby(["format", "encoding"]).agg(reports=("report_id", "size"),
                                                   min_confidence=("encoding_confidence", "min"))

# %% [markdown]
# **Duplicates**: the same report filed twice (identical or near-identical text) is flagged with the
# report it copies and left out of every analysis below.

# %%
duplicated = corpus.reports[corpus.reports["duplicate_of"].notna()]
print(f"{len(duplicated)} duplicate(s)" + ("" if duplicated.empty else ":"))
duplicated[["report_id", "label", "duplicate_of"]]

# %% [markdown]
# Reports that could not be read, with the reason (none when the list is empty), and what reading
# noted about the others:

# %%
print("\n".join(map(str, corpus.errors)) or "every report was read")
notes = corpus.reports.loc[corpus.reports["notes"] != "", ["label", "notes"]]
notes.head(10)

# %% [markdown]
# ## What was removed as page chrome
#
# Nothing is dropped silently: every removed line is kept in `corpus.removed` with the rule that
# matched it.

# %%
corpus.removed.groupby("rule").size().rename("lines removed").to_frame()

# %%
corpus.removed.head(12)

# %% [markdown]
# ## Sections of each report
#
# One row per section, in report order. `found` says whether a heading announced the part or a
# paragraph's opening words did; `rule` says why it has its kind (`keyword:打算`, `year:2020>2019`,
# `continues:plans` for a heading that names no part and continues the one before it,
# `opening:problems` for an inline part).

# %%
shown = corpus.sections.assign(chars=corpus.sections["end"] - corpus.sections["start"])
shown = shown[["report_id", "index", "kind", "found", "rule", "heading", "start", "end", "chars"]]
shown[shown["report_id"].isin(corpus.reports["report_id"].head(5))]

# %% [markdown]
# How each report's three parts were found (empty: the report has no such part — 004 has no problems
# part, and the segmenter does not invent one):

# %%
found = parts_found(corpus.sections)
print(f"{(found != '').all(axis=1).mean():.1%} of reports have achievements, problems and plans")
found.head(20)

# %% [markdown]
# **Which reports disclose their shortcomings?** A report without a problems part is a finding, not an
# error: researchers ask which bodies disclose their shortcomings at all. For each genre, how many
# reports lack each part (a 法治政府建设 report must have all of them, the 第一责任人 part included):

# %%
parts_by_genre(corpus.reports, corpus.sections)

# %%
present = parts_present(corpus.reports, corpus.sections)
missing = present[~present[["problems", "plans"]].all(axis=1)]
print(f"{len(missing)} of {len(present)} reports lack a problems or a plans part" + (":" if len(missing) else ""))
missing.head(20)

# %% [markdown]
# ## The problems, in the reports' own words
#
# The problems sections (here the first 300 characters of each), with the offsets that cite them.

# %%
problems = corpus.sections[corpus.sections["kind"] == "problems"]
for row in problems.head(8).itertuples():
    print(f"[{row.report_id} {row.start}:{row.end}, {row.found}] {row.text[:300].strip()}\n")

# %% [markdown]
# ## Units
#
# The units of the problems and plans sections are what later notebooks model. Each is a numbered item
# or a paragraph; `marker` is its numbering (（一）, 一是, 1.) where it has one.

# %%
lengths_per_unit = corpus.units["end"] - corpus.units["start"]
corpus.units.assign(chars=lengths_per_unit).groupby("kind")["chars"].describe(percentiles=[0.5, 0.9, 0.99]).round(0)

# %%
corpus.units[corpus.units["kind"] == "problems"][["report_id", "section_index", "unit_index", "marker",
                                                   "start", "end", "text"]].head(10)

# %% [markdown]
# ## Boilerplate
#
# Bodies write from templates and from each other. A unit's `boilerplate` is the share of its sentences
# (of 12 characters or more) that also occur, near-identically, in a report of **another** body (a body
# repeating its own words from year to year does not count). Per report and kind, weighted by characters
# (0: every sentence its own; 1: all shared), most shared first:

# %%
shared = boilerplate_by_report(corpus.units)
shared.index = corpus.reports.set_index("report_id").loc[shared.index, "label"]
print(f"{(corpus.units['boilerplate'] > 0).mean():.1%} of units share a sentence with another body's report; "
      f"{(corpus.units['boilerplate'] >= 0.5).mean():.1%} are mostly shared (left out by exclude_boilerplate=True)")
shared.sort_values("all", ascending=False).head(15)

# %%
by_part = boilerplate_by_report(corpus.units.assign(part=corpus.units["part"].replace("", "(none)")), "part")
by_part.mean().round(3).rename("mean share over reports").to_frame()

# %% [markdown]
# The units most shared, quoted with their offsets:

# %%
corpus.units.sort_values(["boilerplate", "report_id", "start"], ascending=[False, True, True]).head(8)[
    ["report_id", "kind", "start", "end", "boilerplate", "text"]].assign(text=lambda t: t["text"].str.slice(0, 60))

# %% [markdown]
# ## Section lengths by kind
#
# Characters of each report per section kind: the review dominates the bureau reports, while the
# problems part is short everywhere — a reason to treat problem-level statistics on few reports with
# care in the next notebooks.

# %%
lengths = section_lengths(corpus.sections)
lengths.index = corpus.reports.set_index("report_id").loc[lengths.index, "label"]
fig = section_lengths_figure(lengths)  # the longest reports that fit on a page, the others as their mean
written = plotting.savefig(fig, "01-section-lengths", directory=params.figures,
                           caption="Characters per section kind (achievements, problems, plans, other) in each report",
                           question="How much of each report is achievements, problems and plans?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# **Next:** [02-tokens](02-tokens.ipynb) tokenizes the units with jieba and the project's domain lexicon.
# Back to the [overview](00-overview.ipynb).
