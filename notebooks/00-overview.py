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
# # 00 · Overview: what do municipal reports say they did, what went wrong, and what comes next?
#
# Municipal government-service and data bureaus (政务服务数据管理局, 大数据局) publish yearly reports with
# three recurring parts: **achievements** (主要做法和成效), **problems** (存在的问题和不足) and
# **plans** (下一步工作计划). This project reads those reports to ask:
#
# 1. **Which themes recur?** Do the same problems come back from city to city and year to year —
#    data silos (数据孤岛), services across provinces (跨省通办), one-stop online services (一网通办)?
# 2. **Do the plans answer the problems?** Is a problem named in one section addressed by the plans
#    that follow it, or do plans and problems talk past each other?
#
# Every table and figure points back to the exact words of a report (character offsets into the
# cleaned text), and every step below is a notebook that imports its logic from the `toolkit` package.

# %% [markdown]
# ## The steps
#
# | notebook | question it answers | status |
# |---|---|---|
# | [00-overview](00-overview.ipynb) | what the project asks, the corpus at a glance, the environment | this notebook |
# | [01-corpus](01-corpus.ipynb) | loading and segmentation: reports → cleaned text, metadata, sections (achievements / problems / plans), units | available |
# | [02-tokens](02-tokens.ipynb) | tokens per unit: jieba with the project's lexicon and stopwords | available |
# | [03-topics](03-topics.ipynb) | topics (TF-IDF + NMF, k chosen by stability), problems versus plans, problem → plan alignment | available |
# | [04-themes](04-themes.ipynb) | named themes (数据孤岛, 跨省通办, …): keyword in context, prevalence, links to topics | available |
# | [05-over-time](05-over-time.ipynb) | a government across years: targets met or missed, promises followed through, themes rising and falling | available |
# | [06-contrast](06-contrast.ipynb) | which words set a group apart (keyness), where themes are named (tile map), at which level | available |
#
# ## Running it
#
# * `make figures` executes every `notebooks/NN-*.ipynb` in order, headless, in the project's
#   `.venv`: outputs go back into the notebooks, figures into `figures/`. Run twice, it changes nothing.
# * `make figures CORPUS=../shared/corpora/municipal-2024` runs the same notebooks on another folder of
#   reports: the executed copies go to `build/notebooks/municipal-2024/`, the figures to
#   `figures/municipal-2024/` (a shared corpus, its figures committed); a corpus of your own writes them to
#   `build/figures/<its folder name>/`. Each figures folder has an `INDEX.md` to cite them by.
# * `make test` runs the package tests and checks with nbval that every notebook still produces the
#   outputs saved in it; `make lab` opens JupyterLab here.
#
# The next cell holds the parameters (tagged `parameters`): `CORPUS = None` means the project's
# `data/raw`, `FIGURES = None` means `figures/` (`figures/<name>/` for a shared corpus,
# `build/figures/<corpus folder>/` for any other).

# %% tags=["parameters"]
CORPUS = None
FIGURES = None

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.corpus_figures import report_lengths_figure

params = notebook_runner.resolve_parameters(CORPUS, FIGURES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
reports = corpus.reports.set_index("report_id")
print(f"corpus {params.name!r}: {len(reports)} reports read, {len(corpus.errors)} unreadable")

# %% [markdown]
# ## The corpus at a glance
#
# Who wrote each report (its label names the government and the report's year), at which level of
# government, its length (characters of the cleaned text, page chrome removed) and how often it names
# the two themes above. [01-corpus](01-corpus.ipynb) shows how the
# text is cleaned and cut into sections.

# %%
glance = pd.DataFrame(
    {
        "report": reports["label"],
        "level": reports["level"],
        "agency": reports["agency"],
        "characters": reports["chars"],
        "数据孤岛": reports["text"].str.count("数据孤岛"),
        "跨省通办": reports["text"].str.count("跨省通办"),
    }
)
glance.head(10)

# %%
(glance[["数据孤岛", "跨省通办"]] > 0).sum().rename("reports naming it").to_frame()

# %%
fig = report_lengths_figure(glance.set_index("report")["characters"])  # a histogram when the bars would not fit
written = plotting.savefig(
    fig, "00-report-lengths", directory=params.figures, caption="Length of each report (characters of cleaned text)",
    question="How long is each report?",
)
print("wrote", ", ".join(path.name for path in written), f"(font: {plotting.FONT_IN_USE.family})")

# %% [markdown]
# **Next:** [01-corpus](01-corpus.ipynb) loads these reports, strips the page chrome and cuts each into
# sections and units.
#
# The environment this notebook ran in (`toolkit.notebook_runner.versions()`: Python, the toolkit and
# its direct dependencies, as pinned in `requirements.lock`):

# %%
for name, version in notebook_runner.versions().items():
    print(f"{name:<20} {version}")

# %% [markdown]
# ## Hand the data on
#
# Most researchers finish elsewhere: a regression in Stata or R, a table in Excel for co-authors, an stm
# or quanteda model. `toolkit.export` writes every table of the toolkit (reports, sections, units, tokens,
# themes, topics, targets, follow-through) as Parquet, CSV, Stata `.dta` and Excel, and the
# document-term matrix for R, with a codebook describing every column and a manifest naming what
# produced the numbers (`.venv/bin/toolkit export PATH --to DIR --formats all` does the same; see
# [docs/export.md](../docs/export.md)). Here the corpus goes to `build/export/`:

# %%
from toolkit import paths
from toolkit.export import export

to = paths.PROJECT_ROOT / "build" / ("export" if params.name == "raw" else f"export-{params.name}")
exported = export(corpus, to=to, formats="all", overwrite=True)
print(f"wrote {len(exported.files)} files to {to.relative_to(paths.PROJECT_ROOT)}/")
for name, info in exported.manifest["tables"].items():
    print(f"{name:<17} {info['rows']:>7,} rows" + (f"  ({info['note']})" if "note" in info else ""))
print()
print("\n".join((to / "codebook.md").read_text(encoding="utf-8").splitlines()[:12]))
