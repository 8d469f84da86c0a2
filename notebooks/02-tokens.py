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
# # 02 · Tokens: which words does each unit contribute, with the policy vocabulary kept whole?
#
# A topic model sees only tokens. Generic jieba cuts the vocabulary these reports are about
# (数据孤岛 → 数据 | 孤岛, 跨省通办 → 跨省 | 通办), so this notebook tokenizes every unit with
# `toolkit.tokenize.Tokenizer`: jieba's dictionary plus the project's user dictionary
# (`data/lexicon/userdict.txt`), then drops stopwords (stopwords-iso's Chinese list and the genre's
# boilerplate in `data/lexicon/stopwords.txt`), numbers, punctuation and single characters.
# It shows the most frequent tokens per section kind, how often the lexicon terms occur, and the same
# sentences tokenized with and without the lexicon.

# %% tags=["parameters"]
CORPUS = None
FIGURES = None

# %%
import pandas as pd

from toolkit import load_corpus, notebook_runner, plotting
from toolkit.corpus_figures import lexicon_coverage_figure
from toolkit.tokenize import Tokenizer, split_occurrences, term_counts

params = notebook_runner.resolve_parameters(CORPUS, FIGURES)
corpus = load_corpus(params.corpus, skip_bad=True)  # a bad file is listed (01-corpus), not fatal
tokenizer = Tokenizer()
units = tokenizer.tokenize_units(corpus.units)
print(tokenizer)
print(f"corpus {params.name!r}: {len(units)} units, {units['tokens'].map(len).sum()} tokens, "
      f"{len(set(t for row in units['tokens'] for t in row))} distinct")

# %% [markdown]
# ## Top terms by section kind
#
# The 15 most frequent tokens of each kind of section (count of tokens).

# %%
long = units[["kind", "tokens"]].explode("tokens").dropna()
top = (long.groupby("kind")["tokens"].value_counts().groupby(level=0).head(15)
       .rename("count").reset_index())
top["rank"] = top.groupby("kind").cumcount() + 1
top.assign(cell=top["tokens"] + " " + top["count"].astype(str)).pivot(index="rank", columns="kind", values="cell")

# %% [markdown]
# ## Lexicon coverage
#
# How many tokens each user-dictionary term accounts for, and in how many units it occurs. Terms with
# no occurrence here were collected from the larger municipal corpus.

# %%
coverage = term_counts(units["tokens"], tokenizer.terms).sort_values(["tokens", "term"], ascending=[False, True])
print(f"{(coverage['tokens'] > 0).sum()} of {len(coverage)} lexicon terms occur; "
      f"{coverage['tokens'].sum()} of {units['tokens'].map(len).sum()} tokens are lexicon terms")
coverage.head(25).set_index("term").T

# %%
fig = lexicon_coverage_figure(coverage, n=25)
written = plotting.savefig(fig, "02-lexicon-coverage", directory=params.figures,
                           caption="Occurrences (tokens) of the most frequent user-dictionary terms",
                           question="Which terms of the domain lexicon does the corpus use most?")
print("wrote", ", ".join(path.name for path in written))

# %% [markdown]
# Where a term is not one token, another lexicon term overlapping it won (of 政务数据 and 数据治理 in
# 政务数据治理 only one can be whole); every other occurrence stays whole (tested in
# `tests/test_tokenize.py`):

# %%
split_occurrences(tokenizer, units["text"])[["term", "segments", "conflict", "context"]]

# %% [markdown]
# ## With and without the domain lexicon
#
# The same sentences, segmented by jieba's dictionary alone (`Tokenizer(userdict=False)`) and with the
# project's lexicon; the filtering is the same.

# %%
plain = Tokenizer(userdict=False, cache=False)
sentences = [s for s in ("推进政务服务“跨省通办”“一网通办”，破除数据孤岛",
                         "深化“放管服”改革，推行告知承诺制和容缺受理，实现“最多跑一次”",
                         "依托粤省事、粤商通和12345热线，推动电子证照在政务服务网应用")]
pd.DataFrame({"sentence": sentences,
              "without lexicon": [" | ".join(plain.tokenize(s)) for s in sentences],
              "with lexicon": [" | ".join(tokenizer.tokenize(s)) for s in sentences]})

# %% [markdown]
# **Next:** [03-topics](03-topics.ipynb) models these tokens with TF-IDF and NMF and compares problems with plans.
# Back to the [overview](00-overview.ipynb).
