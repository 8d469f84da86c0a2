"""toolkit.tokenize: lexicon terms whole in their real contexts, the filtering policy, determinism, no
global jieba state or log output, the cache and its invalidation, the CLI contract, backend agreement."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys

import gc

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import load_corpus
from toolkit.paths import LEXICON_DIR, MUNICIPAL_DIR, PROJECT_ROOT, RAW_DIR, shared_absent
from toolkit.errors import LexiconError, WordListError
from toolkit.tokenize import Tokenizer, _arrow_bundle_key, _arrow_strings, bundle_key, read_userdict, split_occurrences


@pytest.fixture(scope="module")
def municipal():
    if not MUNICIPAL_DIR.is_dir():
        pytest.skip(shared_absent(MUNICIPAL_DIR))
    return load_corpus(MUNICIPAL_DIR, skip_bad=True)


@pytest.fixture(scope="module", params=["jieba", "rjieba"])
def tokenizer(request):
    return Tokenizer(backend=request.param, cache=False)


# --------------------------------------------------------------------------- terms whole in context
def test_every_term_occurs_in_the_corpora(seeds, municipal):
    text = "\n".join(seeds.units.text) + "\n".join(municipal.units.text)
    absent = [t for t in read_userdict(LEXICON_DIR / "userdict.txt") if t not in text]
    assert not absent, f"userdict terms found in no report: {absent}"


@pytest.mark.parametrize("corpus_name", ["seeds", "municipal"])
def test_every_term_stays_whole_in_its_contexts(request, tokenizer, corpus_name):
    texts = request.getfixturevalue(corpus_name).units.text.tolist()
    split = split_occurrences(tokenizer, texts)
    broken = split[~split["conflict"]]
    assert broken.empty, broken[["term", "segments", "context"]].to_string()
    # overlaps of two lexicon terms (政务数据|治理) are rare and listed in notebook 02
    assert len(split) <= 12, split[["term", "segments", "context"]].to_string()


def test_without_the_lexicon_jieba_splits_the_terms(seeds):
    plain = Tokenizer(backend="jieba", userdict=False, cache=False)
    split = split_occurrences(plain, seeds.units.text.tolist(), terms=["数据孤岛", "跨省通办", "一网通办"])
    assert set(split["term"]) == {"数据孤岛", "跨省通办", "一网通办"}


def test_yibin_problems_name_the_terms(seeds):
    tok = Tokenizer(cache=False)
    problems = seeds.units[seeds.units.kind == "problems"]
    tokens = {t for text in problems.text for t in tok.tokenize(text)}
    assert {"数据孤岛", "跨省通办"} <= tokens


# --------------------------------------------------------------------------- policy
def test_policy(tokenizer):
    text = "认真贯彻落实习近平新时代中国特色社会主义思想，进一步推动政务服务跨省通办，2023年办件量增长95.6%，三是建设APP和5G、Micro-LED，十四五期间"
    tokens = tokenizer.tokenize(text)
    assert tokens == ["政务服务", "跨省通办", "办件量", "增长", "建设", "app", "5g", "micro", "led", "十四五", "期间"]


@pytest.mark.parametrize("token, kept", [
    ("2023", ()), ("95.6%", ()), ("1-2", ()), ("三", ()), ("一二", ()), ("，", ()), ("  ", ()), ("“", ()),
    ("的", ()), ("省", ()), ("P", ()), ("APP", ("app",)), ("40.5GWh", ("gwh",)), ("进一步", ()), ("因此", ()),
    ("十四五", ("十四五",)), ("四免", ("四免",)), ("12345热线", ("12345热线",)), ("数据", ("数据",)),
])
def test_keep(token, kept):
    assert Tokenizer(cache=False).keep(token) == kept


def test_cut_loses_no_character(seeds, tokenizer):
    text = seeds.units.text.iloc[5]
    assert "".join(tokenizer.cut(text)) == text


def test_deterministic(seeds):
    texts = seeds.units.text.tolist()[:200]
    assert Tokenizer(cache=False).tokenize_many(texts) == Tokenizer(cache=False).tokenize_many(texts)


def test_bad_lexicon_names_file_and_line(tmp_path):
    shutil.copytree(LEXICON_DIR, tmp_path / "lex")
    (tmp_path / "lex" / "userdict.txt").write_text("数据孤岛 many\n", encoding="utf-8")
    with pytest.raises(WordListError, match=r"userdict.txt:1: expected"):
        Tokenizer(lexicon_dir=tmp_path / "lex", cache=False)
    with pytest.raises(WordListError, match="not found"):
        Tokenizer(lexicon_dir=tmp_path / "missing", cache=False)


def test_one_except_catches_every_lexicon_error(tmp_path):
    """A broken word list, theme lexicon or indicator lexicon: each its own kind, one ``except LexiconError``
    for all three (the theme lexicon's and the tokenizer's were two unrelated classes)."""
    from toolkit.targets import load_indicators
    from toolkit.themes import load_lexicon

    broken = tmp_path / "broken.toml"
    broken.write_text("schema = [", encoding="utf-8")
    for load in (lambda: Tokenizer(lexicon_dir=tmp_path / "missing", cache=False), lambda: load_lexicon(broken),
                 lambda: load_indicators(broken)):
        with pytest.raises(LexiconError, match="missing|broken.toml"):
            load()


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        Tokenizer(backend="pkuseg")


# --------------------------------------------------------------------------- global state and logs
def test_no_global_jieba_state_and_no_log_output():
    code = (
        "import logging, sys, io\n"
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"
        "import toolkit.tokenize as t, jieba\n"
        "for b in ('jieba', 'rjieba'):\n"
        "    print(t.Tokenizer(backend=b, cache=False).tokenize('推动跨省通办'))\n"
        "assert not jieba.dt.initialized, 'jieba.dt was initialised'\n"
        "assert jieba.dt.FREQ == {} and jieba.dt.user_word_tag_tab == {}, 'jieba.dt was changed'\n"
        "assert logging.getLogger('jieba').level == logging.DEBUG, 'the jieba logger was left changed'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "['跨省通办']\n['跨省通办']\n"
    assert run.stderr == "", run.stderr


def test_import_prints_nothing():
    run = subprocess.run([sys.executable, "-c", "import toolkit.tokenize"], capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


# --------------------------------------------------------------------------- cache
def test_cache_hit_and_invalidation(tmp_path, seeds, monkeypatch):
    lex = tmp_path / "lex"
    shutil.copytree(LEXICON_DIR, lex)
    texts = seeds.units.text.tolist()[:50]
    first = Tokenizer(lexicon_dir=lex, cache_dir=tmp_path / "cache")
    tokens = first.tokenize_many(texts)
    assert first.cache_path.is_file()

    hit = Tokenizer(lexicon_dir=lex, cache_dir=tmp_path / "cache")
    assert hit.cache_path == first.cache_path
    monkeypatch.setattr(hit, "_cut", lambda text: pytest.fail("cache miss: segmented again"))
    assert hit.tokenize_many(texts) == tokens

    with open(lex / "stopwords.txt", "a", encoding="utf-8") as f:
        f.write("数据\n")
    changed = Tokenizer(lexicon_dir=lex, cache_dir=tmp_path / "cache")
    assert changed.cache_path != first.cache_path
    fresh = changed.tokenize_many(texts)
    assert fresh != tokens and not any("数据" in row for row in fresh)


def test_cache_keyed_by_text(tmp_path):
    tok = Tokenizer(cache_dir=tmp_path)
    assert tok.tokenize_many(["推动跨省通办", "破除数据孤岛", "推动跨省通办"]) == [["跨省通办"], ["破除", "数据孤岛"], ["跨省通办"]]
    assert Tokenizer(cache_dir=tmp_path).tokenize_many(["破除数据孤岛", ""]) == [["破除", "数据孤岛"], []]


# --------------------------------------------------------------------------- tables and CLI
def test_tokenize_units(seeds):
    units = Tokenizer(cache=False).tokenize_units(seeds.units)
    assert list(units.columns) == list(seeds.units.columns) + ["tokens"]
    assert "tokens" not in seeds.units.columns
    assert all(isinstance(t, list) for t in units.tokens)


def test_cli_jsonl(seeds):
    seed = sorted(RAW_DIR.glob("*.txt"))[0]
    run = subprocess.run([sys.executable, "-m", "toolkit", "tokens", str(seed), "--jsonl", "--no-cache"],
                         capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert all(list(r) == ["report", "section_index", "kind", "unit_index", "tokens", "unit_id"] for r in rows)
    units = seeds.units[seeds.units.report_id == seed.stem]
    assert len(rows) == len(units)
    assert rows[3]["tokens"] == Tokenizer(cache=False).tokenize(units.text.iloc[3])


# --------------------------------------------------------------------------- backends
def test_backends_agree_on_the_seeds(seeds):
    texts = seeds.units.text.tolist()
    a = Tokenizer(backend="jieba", cache=False).tokenize_many(texts)
    b = Tokenizer(backend="rjieba", cache=False).tokenize_many(texts)
    differing = [i for i in range(len(texts)) if a[i] != b[i]]
    assert len(differing) <= len(texts) // 1000, [(a[i], b[i]) for i in differing]


def test_equal_tokens_are_one_string_object(tmp_path):
    """Large corpora hold pointers to ~30,000 distinct tokens, not millions of strings."""
    for cache in (False, True):
        tokenizer = Tokenizer(cache=cache, cache_dir=tmp_path)
        first, second = tokenizer.tokenize_many(["推进数据共享交换平台建设", "加强数据共享，完善交换平台"])
        shared = set(first) & set(second)
        assert shared, (first, second)
        for token in shared:
            assert first[first.index(token)] is second[second.index(token)]
        again, = Tokenizer(cache=cache, cache_dir=tmp_path).tokenize_many(["加强数据共享，完善交换平台"])
        assert again == second and all(a is b for a, b in zip(again, second))  # read back from the cache too


# --------------------------------------------------------------------------- in parallel, on a cluster
@pytest.mark.slow
def test_tokenizing_in_parallel_and_on_a_dask_cluster_gives_the_same_tokens(tmp_path, monkeypatch, seeds):
    """n_jobs segments chunks of texts through joblib: local processes, or a Dask cluster's workers under
    joblib.parallel_config(backend="dask"). The tokens are those of one process; only this process writes
    the cache (the workers build their tokenizer without one)."""
    import joblib
    from distributed import Client, LocalCluster

    import toolkit.tokenize as tokenize

    monkeypatch.setattr(tokenize, "CHUNK", 40)  # several tasks even on the seeds
    texts = seeds.units["text"].tolist()
    serial = Tokenizer(cache=False).tokenize_many(texts)
    assert Tokenizer(cache=False, n_jobs=2).tokenize_many(texts) == serial  # joblib's own processes
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, joblib.parallel_config(backend="dask"):
        cached = Tokenizer(cache_dir=tmp_path / "tokens", n_jobs=2)
        assert cached.tokenize_many(texts) == serial
        ran = client.run(lambda: __import__("toolkit.tokenize").tokenize._worker_tokenizer.cache_info().currsize)
        assert sum(ran.values()) >= 1  # the chunks were segmented on the cluster's workers
    assert list((tmp_path / "tokens").glob("tokens-*.sqlite")) == [cached.cache_path]
    again = Tokenizer(cache_dir=tmp_path / "tokens")
    monkeypatch.setattr(again, "_cut", lambda text: pytest.fail("the cache should hold every text"))
    assert again.tokenize_many(texts) == serial


def test_a_worker_with_other_lexicon_files_is_refused(monkeypatch):
    import toolkit.tokenize as tokenize

    monkeypatch.setattr(tokenize, "CHUNK", 2)
    tok = Tokenizer(cache=False, n_jobs=2)
    monkeypatch.setattr(tokenize, "_segment_chunk", lambda spec, texts: ("another", [[] for _ in texts]))
    monkeypatch.setattr("joblib.Parallel", lambda n_jobs: (lambda tasks: [f(*a, **k) for f, a, k in tasks]))
    with pytest.raises(RuntimeError, match="a worker's tokenizer differs"):
        tok.tokenize_many(["推动跨省通办", "破除数据孤岛", "推进数据共享"])


# --------------------------------------------------------------------------- a pandas column, read in Arrow
TEXT = st.one_of(st.sampled_from(["推动跨省通办", "破除数据孤岛", "", "数据共享 APP 5G", "𠀀𠀁 数据", "一\n二"]),
                 st.text(alphabet="推动数据共享孤岛跨省通办 aZ9𠀀\n，。", max_size=12))


@given(st.lists(TEXT, max_size=25), st.integers(0, 4), st.integers(1, 3))
@settings(max_examples=150, deadline=None)
def test_a_column_in_arrow_gives_what_its_list_gives(texts, cut, pieces):
    """Any texts, sliced (an Arrow array with an offset) and split into chunks: the same distinct texts
    in the same order, the same bundle key, and the same tokens as the list of the same strings."""
    parts = [pd.Series(texts[i::pieces], dtype="str") for i in range(pieces)]
    column = pd.concat(parts, ignore_index=True).iloc[cut:]
    listed = column.tolist()
    distinct = list(dict.fromkeys(listed))
    arrow = _arrow_strings(column)
    assert arrow is not None and arrow.to_pylist() == listed
    encoded = arrow.dictionary_encode()
    assert encoded.dictionary.to_pylist() == distinct
    assert _arrow_bundle_key(encoded.dictionary) == bundle_key(distinct)
    assert _arrow_bundle_key(pa.array(texts, pa.large_string())[cut:]) == bundle_key(texts[cut:])
    tokenizer = _plain()
    assert tokenizer.tokenize_many(column) == tokenizer.tokenize_many(listed)


_PLAIN: list = []


def _plain() -> Tokenizer:
    if not _PLAIN:
        _PLAIN.append(Tokenizer(cache=False))
    return _PLAIN[0]


def test_only_a_column_stored_in_arrow_takes_the_arrow_path():
    texts = ["推动跨省通办", "破除数据孤岛"]
    assert _arrow_strings(pd.Series(texts, dtype="str")) is not None
    assert _arrow_strings(pd.Series(texts, dtype=pd.ArrowDtype(pa.string()))) is not None
    assert _arrow_strings(pd.Series(texts, dtype=pd.StringDtype("python"))) is None
    assert _arrow_strings(pd.Series(texts, dtype=object)) is None
    assert _arrow_strings(texts) is None
    assert _arrow_strings(pd.Series(["推动跨省通办", None], dtype="str")) is None  # then an error naming text 1


def test_the_collector_is_left_as_it_was(tmp_path):
    """Tokenizing pauses the cyclic garbage collector while it builds lists, then restores it as it was;
    garbage cycles made before the call are still freed by the next young collection."""
    tokenizer = Tokenizer(cache_dir=tmp_path)
    texts = ["推动跨省通办", "破除数据孤岛"]
    assert gc.isenabled()
    tokenizer.tokenize_many(texts)
    assert gc.isenabled()
    gc.disable()
    try:
        Tokenizer(cache_dir=tmp_path).tokenize_many(texts)  # from the bundle
        assert not gc.isenabled()
    finally:
        gc.enable()

    class Node:
        pass

    gc.collect()
    for _ in range(3):  # garbage cycles made just before a call (as a closed figure leaves)
        cyclic = Node()
        cyclic.self = cyclic
    del cyclic
    for source in (texts, pd.Series(texts, dtype="str")):
        Tokenizer(cache_dir=tmp_path).tokenize_many(source)
        Tokenizer(cache=False).tokenize_many(source)
    gc.collect(1)  # a young collection, not a full one
    assert not [o for o in gc.get_objects() if type(o) is Node]


def test_the_options_that_made_the_segmenter_are_read_only():
    tokenizer = Tokenizer(cache=False)
    for option, value in (("hmm", False), ("backend", "jieba"), ("userdict", False)):
        with pytest.raises(AttributeError):
            setattr(tokenizer, option, value)
    assert (tokenizer.backend, tokenizer.hmm, tokenizer.userdict) == ("rjieba", True, True)


def test_a_lone_surrogate_is_an_error_naming_the_text(tmp_path):
    for tokenizer in (Tokenizer(cache=False), Tokenizer(cache_dir=tmp_path)):
        with pytest.raises(ValueError, match=r"text 1 holds a lone surrogate \(U\+DC80 at character 2\)"):
            tokenizer.tokenize_many(["推动跨省通办", "数据\udc80孤岛"])


def test_a_pyarrow_array_is_read_too(tmp_path):
    tokenizer = Tokenizer(cache_dir=tmp_path)
    expected = [["跨省通办"], ["破除", "数据孤岛"], ["跨省通办"]]
    assert tokenizer.tokenize_many(pa.chunked_array([["推动跨省通办"], ["破除数据孤岛", "推动跨省通办"]])) == expected
    assert tokenizer.tokenize_many(pa.array(["推动跨省通办", "破除数据孤岛", "推动跨省通办"], pa.string())) == expected
    with pytest.raises(TypeError, match="text 1 is not a string"):
        tokenizer.tokenize_many(pa.array(["推动跨省通办", None]))


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_a_dropped_tokenizer_is_freed_at_once(backend):
    """No reference cycle: its dictionary (~100 MB) goes when the last reference does, not at the next
    full collection."""
    import weakref

    tokenizer = Tokenizer(backend=backend, cache=False)
    gc.collect()  # (a first import of jieba leaves cycles of traceback frames, one holding the tokenizer)
    tokenizer.tokenize_many(["推动跨省通办，破除数据孤岛"])
    gone = weakref.ref(tokenizer)
    gc.disable()
    try:
        del tokenizer
        assert gone() is None
    finally:
        gc.enable()


# --------------------------------------------------------------------------- many texts at once (the batch path)
#: Texts the filtering treats each its own way: terms, Latin runs split in several tokens, numbers,
#: numerals, stopwords, single characters, whitespace of every kind, astral characters, the separators
#: the batch path uses (a text holding one goes text by text) and empty texts.
TRICKY = ["推动政务服务跨省通办，破除数据孤岛", "Micro-LED 与 40.5GWh 储能，PM_2.5 下降 3.2%", "APP 5G 12345热线",
          "二〇二三年 一二三 十四五 两个 三", "", "  \t\r\n\u3000 ", "\r", "\n数据", "𠀀𠀁 数据共享 𠮷",
          "一\x00二", "推动\x01跨省通办", "最多跑一次", "a_b _ __init__ x", "ＡＢＣ　１２３ 全角", "的 了 是"]
ALPHABET = "推动数据共享孤岛跨省通办政务服务一二十百两的了是年 aZz09._%-+#&\t\r\n\u3000，。、𠀀\x00\x01\x1f"


def _one_by_one(tokenizer, texts):
    return [tokenizer.tokenize(t) for t in texts]


@pytest.mark.parametrize("ahead", [True, False])
def test_batches_give_what_each_text_gives_alone(seeds, monkeypatch, ahead):
    """Segmenting many texts in one call and filtering them with arrays gives, text by text, what
    tokenize() gives each text alone: on the seeds and the tricky texts, in many small batches (the
    next segmented in a helper thread, or not), from a list and from an Arrow column."""
    import toolkit.tokenize as tokenize

    monkeypatch.setattr(tokenize, "SEGMENT_AHEAD", ahead)
    monkeypatch.setattr(tokenize, "BATCH_CHARS", 1500)
    texts = list(dict.fromkeys(seeds.units["text"].tolist() + TRICKY))
    tokenizer = Tokenizer(cache=False)
    expected = _one_by_one(tokenizer, texts)
    tokens = tokenizer._tokens(texts)
    assert len(tokenize._batch_bounds(tokenize._lengths(texts), tokenize.BATCH_CHARS)) > 10
    assert tokens.lists() == expected
    assert tokenizer._tokens(pa.array(texts, pa.large_string())).lists() == expected
    assert len(set(tokens.vocab)) == len(tokens.vocab)  # one vocabulary for all the batches


def test_batches_give_what_each_text_gives_alone_on_the_municipal_reports(municipal):
    texts = list(dict.fromkeys(municipal.units["text"]))
    tokenizer = Tokenizer(cache=False)
    assert tokenizer._tokens(texts).lists() == _one_by_one(tokenizer, texts)


def test_the_batch_path_gives_the_tokens_of_jieba_itself_on_the_seeds(seeds):
    """The reference: jieba (Python), text by text, against rjieba's batches: the same tokens on every unit."""
    texts = seeds.units["text"].tolist()
    assert Tokenizer(cache=False).tokenize_many(texts) == Tokenizer(backend="jieba", cache=False).tokenize_many(texts)


@given(st.lists(st.text(alphabet=ALPHABET, max_size=30), min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_a_batch_of_any_texts_gives_what_each_gives_alone(texts):
    """Whatever the texts hold (the separators, whitespace of every kind next to them, empty texts),
    segmenting them together gives each text's own tokens."""
    tokenizer = _plain()
    assert tokenizer._tokens(texts).lists() == _one_by_one(tokenizer, texts)


def test_the_vectorised_decisions_rest_on_the_ideographs_being_letters():
    """A segment made only of the ideographs of _IDEOGRAPHS_ONLY is decided by its length, the numerals,
    the terms and the stopwords: that holds because each of them is a word character to Python, not
    whitespace, not a Latin letter, and one of _CJK's."""
    import re

    import toolkit.tokenize as tokenize

    ranges = re.fullmatch(r"\^\[(.)-(.)(.)-(.)\]\+\$", tokenize._IDEOGRAPHS_ONLY).groups()
    characters = "".join(chr(c) for a, b in zip(ranges[::2], ranges[1::2]) for c in range(ord(a), ord(b) + 1))
    assert len(characters) == (0x4DBF - 0x3400 + 1) + (0x9FFF - 0x4E00 + 1)
    assert re.fullmatch(r"\w+", characters) and not any(c.isspace() for c in characters)
    assert not tokenize._LATIN.search(characters) and tokenize._CJK.sub("", characters) == ""


def test_a_lone_surrogate_found_in_a_helper_thread_is_an_error_naming_the_text(monkeypatch):
    import toolkit.tokenize as tokenize

    monkeypatch.setattr(tokenize, "SEGMENT_AHEAD", True)
    monkeypatch.setattr(tokenize, "BATCH_CHARS", 8)
    texts = ["推动跨省通办"] * 3 + ["数据\udc80孤岛"] + ["破除数据孤岛"] * 3
    with pytest.raises(ValueError, match=r"text 3 holds a lone surrogate \(U\+DC80 at character 2\)"):
        Tokenizer(cache=False).tokenize_many(texts)
