"""Tune the frequencies of data/lexicon/userdict.txt: the smallest that keep every term whole in context.

    .venv/bin/python data/lexicon/tune_userdict.py [CORPUS ...]   # default: data/raw and the municipal corpus

Each term starts at jieba's own suggestion for it alone (the frequency that beats its best split), then,
round by round, the frequency of every term still split somewhere in the corpus is tripled (an
occurrence lost to an overlapping lexicon term, 政务数据|治理 in 政务数据治理, does not count: one of
the two has to lose). The file is
rewritten in place, comments and order kept; terms still split after the last round are listed.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from toolkit import load_corpus, paths
from toolkit.tokenize import USERDICT, Tokenizer, read_userdict, split_occurrences

ROUNDS = 12


def suggested(tokenizer: Tokenizer, term: str) -> int:
    """jieba's suggest_freq(term, tune=True) computed on the dictionary without the user terms."""
    seg = tokenizer._segmenter
    freq = 1.0
    for piece in seg.lcut(term, HMM=False):
        freq *= seg.FREQ.get(piece, 1) / seg.total
    return max(int(math.ceil(freq * seg.total)) + 1, 1)


def main(argv: list[str]) -> int:
    corpora = argv or [paths.RAW_DIR, paths.MUNICIPAL_DIR]
    texts = []
    for c in corpora:
        if Path(c).exists():
            texts += load_corpus(c, skip_bad=True).units["text"].tolist()
    path = paths.LEXICON_DIR / USERDICT
    plain = Tokenizer(backend="jieba", userdict=False, cache=False)
    freqs = {t: suggested(plain, t) for t in read_userdict(path)}
    source = path.read_text(encoding="utf-8")

    def write():
        lines = []
        for line in source.splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) == 2 and fields[0] in freqs:
                line = re.sub(r"^(\S+)\s+\d+", rf"\g<1> {freqs[fields[0]]}", line)
            lines.append(line)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    for round_ in range(ROUNDS):
        write()
        found = split_occurrences(Tokenizer(backend="jieba", cache=False), texts)
        split = found[~found["conflict"]]
        print(f"round {round_}: {len(split)} split occurrences of {split['term'].nunique()} terms "
              f"(and {len(found) - len(split)} where two overlapping terms compete)", file=sys.stderr)
        if split.empty:
            return 0
        for term in split["term"].unique():
            freqs[term] *= 3
    print(split.to_string(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
