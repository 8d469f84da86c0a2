"""What a new user meets in the first hour (issue 28), each through the ``toolkit`` command as it is
typed: the command itself and its help, ``--format`` against ``--formats`` and the "did you mean" of
every verb, keyness's default length, one k for ``topics`` and ``export``, own themes with plain terms,
.doc files beside their converted copies, the skips of ../shared, and the noise of a notebook run
and of an NMF fit that did not converge."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit import cli, paths
from toolkit.themes import load_lexicon

#: The console script ``make venv`` installs beside the venv's Python (pyproject.toml [project.scripts]).
TOOLKIT = Path(sys.executable).with_name("toolkit")
SEEDS = paths.RAW_DIR
README = paths.PROJECT_ROOT / "README.md"
VERBS = tuple(next(a for a in cli.parser()._actions if a.dest == "command").choices)


def toolkit(*args, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``toolkit ARGS`` as a user types it, from a folder of theirs (not the project's)."""
    return subprocess.run([str(TOOLKIT), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or paths.PROJECT_ROOT.parent)


def status_2(out: subprocess.CompletedProcess) -> str:
    """The last line of a refused command (status 2, no traceback), which says why."""
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr and not out.stdout
    return out.stderr.strip().splitlines()[-1]


# --------------------------------------------------------------------------- the command
def test_toolkit_is_a_command_of_the_venv_and_its_help_reads_whole(tmp_path):
    assert TOOLKIT.is_file(), f"{TOOLKIT} missing: `make venv` installs it (pyproject.toml [project.scripts])"
    out = toolkit("--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    module = subprocess.run([sys.executable, "-m", "toolkit", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert module.stdout == out.stdout  # one command, two ways to call it
    text = out.stdout
    assert "``" not in text and "python -m" not in text
    description = text.split("\n\n")[1]
    assert description.startswith("Read Chinese government reports") and description.endswith("every table.")
    for verb in VERBS:  # every verb, with what it prints
        assert re.search(rf"^  toolkit {verb} .*\S", text, re.MULTILINE), verb
    assert max(map(len, text.splitlines())) <= 100


def test_the_readme_calls_the_command_of_the_venv():
    text = README.read_text(encoding="utf-8")
    assert ".venv/bin/toolkit reports" in text
    bare = [line for line in text.splitlines() if re.search(r"(?<!\.venv/bin/)\bpython -m toolkit\b(?!\.)", line)]
    assert not bare, f"python -m toolkit outside the venv fails (no pandas there): {bare}"


# --------------------------------------------------------------------------- --format, --formats, did you mean
def test_export_format_all_points_to_formats(tmp_path):
    out = toolkit("export", SEEDS, "--to", tmp_path / "out", "--format", "all")
    assert status_2(out) == (
        "toolkit export: error: argument --format: invalid choice: 'all' (choose from txt, docx, pdf, html, htm, csv, "
        "tsv, jsonl, parquet, xlsx, dta, zip, doc, wps): this is the format the input is read as; did you mean "
        "--formats all?")
    assert not (tmp_path / "out").exists()
    same = toolkit("export", SEEDS, "--to", tmp_path / "out", "--input-format", "all")
    assert status_2(same).endswith("did you mean --formats all?")


def test_format_is_the_old_name_of_input_format_and_says_so(tmp_path):
    seed = sorted(SEEDS.glob("*.txt"))[0]
    old = toolkit("reports", seed, "--format", "txt", "--jsonl")
    new = toolkit("reports", seed, "--input-format", "txt", "--jsonl")
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert old.stdout == new.stdout and new.stderr == ""
    assert old.stderr == "warning: --format is deprecated: it is how the input is read, now --input-format txt\n"


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_names_the_option_a_typo_is_closest_to(verb, tmp_path):
    before = {"kwic": ["数据孤岛"]}.get(verb, [])
    after = {"keyness": ["--a", "kind=problems"], "export": ["--to", tmp_path / "out"]}.get(verb, [])
    out = toolkit(verb, *before, SEEDS, *after, "--skip-bda")
    assert status_2(out) == f"toolkit {verb}: error: unrecognized arguments: --skip-bda (did you mean --skip-bad " \
                            "for --skip-bda?)"


@pytest.mark.parametrize("args, expected", [
    (["export", SEEDS, "--to", "{tmp}", "--formt", "csv"],
     "toolkit export: error: unrecognized arguments: --formt csv (did you mean --formats for --formt?)"),
    (["export", SEEDS, "--to", "{tmp}", "--formats", "xslx"],
     "error: export: unknown format 'xslx': use parquet, csv, dta, xlsx, r or all (did you mean xlsx?)"),
    (["tokens", SEEDS, "--backend", "rjeiba"],
     "toolkit tokens: error: argument --backend: invalid choice: 'rjeiba' (choose from rjieba, jieba); did you mean "
     "'rjieba'?"),
    (["topics", SEEDS, "--kinds", "problem,plans"],
     "toolkit topics: error: argument --kinds: unknown section kinds ['problem']; use some of achievements, problems, "
     "plans, other (did you mean problems?)"),
    (["units", SEEDS, "--input-format", "dcox"],
     "toolkit units: error: argument --input-format: invalid choice: 'dcox' (choose from txt, docx, pdf, html, htm, "
     "csv, tsv, jsonl, parquet, xlsx, dta, zip, doc, wps); did you mean 'docx'?"),
])
def test_a_value_or_option_close_to_a_known_one_gets_a_did_you_mean(args, expected, tmp_path):
    out = toolkit(*[str(tmp_path / "out") if a == "{tmp}" else a for a in args])
    assert status_2(out) == expected


# --------------------------------------------------------------------------- keyness
def test_keyness_prints_the_top_50_of_each_side_unless_told_all():
    args = ("keyness", SEEDS, "--a", "kind=problems", "--b", "kind=plans", "--min-count", "1")
    every = toolkit(*args, "--top", "all")
    short = toolkit(*args)
    assert every.returncode == short.returncode == 0, every.stderr + short.stderr
    lines, top = every.stdout.splitlines(), short.stdout.splitlines()
    assert len(lines) > 200 and every.stderr == ""
    assert top == lines[:50] + lines[-50:]
    assert short.stderr == f"keyness: the 50 most distinctive terms of each side, of {len(lines):,} (--top all: every " \
                           "term)\n"
    assert toolkit(*args, "--top", "5", "--json").stdout.count('"term"') == 10
    assert status_2(toolkit(*args, "--top", "none")).endswith("expected a number of terms such as 50, or all, got 'none'")


# --------------------------------------------------------------------------- one k
def test_the_topic_options_of_both_verbs_default_to_the_one_selection():
    from toolkit.topics import DEFAULT_SAMPLES, DEFAULT_SEED

    for argv in (["topics", "x"], ["export", "x", "--to", "y"]):
        args = cli.parser().parse_args(argv)
        assert (args.k, args.k_range, args.samples, args.seed) == (None, None, DEFAULT_SAMPLES, DEFAULT_SEED), argv


def test_topics_and_export_choose_the_same_k_and_topics_on_the_seeds(tmp_path):
    """The defaults of both (k by stability over 2-20, 20 samples, seed 0), as a user runs them: one
    code path (toolkit.topics.default_selection), so the same topics, whichever runs first."""
    chosen = toolkit("topics", SEEDS, "--json")
    exported = toolkit("export", SEEDS, "--to", tmp_path / "out", "--formats", "csv", "--json")
    assert chosen.returncode == exported.returncode == 0, chosen.stderr + exported.stderr
    topics = json.loads(chosen.stdout)
    manifest = json.loads((tmp_path / "out" / "MANIFEST.json").read_text(encoding="utf-8"))["parameters"]["topics"]
    with open(tmp_path / "out" / "topics.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(topics["selection"]) > 1 and manifest["k_rule"] == topics["rule"]  # chosen, not fixed
    assert manifest["k"] == topics["k"] == len(rows)
    assert [r["terms"].split() for r in rows] == [t["terms"] for t in topics["topics"]]
    assert [s["k"] for s in manifest["selection"]] == [s["k"] for s in topics["selection"]]


# --------------------------------------------------------------------------- own themes
OWN_THEMES = """schema = 1

[[theme]]
id = "service_hall"
name = "政务服务大厅"
label = "service halls"
variants = ["政务服务大厅", "办事大厅", "一窗受理"]
"""


def test_own_themes_may_list_plain_terms(tmp_path):
    own = tmp_path / "my-themes.toml"
    own.write_text(OWN_THEMES, encoding="utf-8")
    out = toolkit("kwic", "service_hall", SEEDS, "--themes", own, "--jsonl")
    assert out.returncode == 0, out.stderr
    matches = [json.loads(line) for line in out.stdout.splitlines()]
    assert {m["term"] for m in matches} == {"政务服务大厅", "一窗受理"} and {m["theme"] for m in matches} == {"service_hall"}
    assert out.stderr.startswith("kwic: theme service_hall (政务服务大厅), all 3 variants")


def test_the_readme_shows_a_minimal_own_themes_file_that_loads(tmp_path):
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert blocks, "README shows no own-themes file"
    own = tmp_path / "my-themes.toml"
    own.write_text(blocks[0], encoding="utf-8")
    theme = load_lexicon(themes=own).themes[-1]
    assert re.search(r'^variants = \["', blocks[0], re.MULTILINE)  # plain terms, no {term, seen_in} tables
    assert theme.terms and all(not v.seen_in for v in theme.variants)


# --------------------------------------------------------------------------- .doc beside .docx
def docx_file(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(path)
    return path


OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def test_a_doc_converted_in_place_is_read_from_its_docx(tmp_path):
    corpus = tmp_path / "reports"
    corpus.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for name, seed in (("甲市", seeds[0]), ("乙市", seeds[1])):  # soffice --convert-to docx *.doc, in place
        (corpus / f"{name}.doc").write_bytes(OLD_WORD)
        docx_file(corpus / f"{name}.docx", seed.read_text(encoding="utf-8"))
    out = toolkit("reports", corpus, "--jsonl")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ("note: passed over 乙市.doc, an old Word/WPS document: 乙市.docx of the same name beside it "
                          "is read instead (and 1 more such; the reports' notes name them)\n")
    reports = {r["report"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(reports) == {"甲市", "乙市"} and {r["format"] for r in reports.values()} == {"docx"}
    assert reports["甲市"]["notes"] == ("passed over 甲市.doc beside it: an old Word/WPS document of the same name, of "
                                       "which this .docx is read instead")
    (corpus / "丙市.doc").write_bytes(OLD_WORD)  # not converted: still the one error line it was
    alone = toolkit("reports", corpus, "--jsonl")
    assert alone.returncode == 1 and alone.stderr.splitlines()[-1] == (
        f"error: {corpus / '丙市.doc'}: an old binary Word/WPS document: convert it to .docx first, e.g. soffice "
        "--headless --convert-to docx FILE")


# --------------------------------------------------------------------------- ../shared
def test_a_skip_for_want_of_shared_says_what_it_is(tmp_path):
    missing = tmp_path / "no-shared"
    test = "tests/test_contrast.py::test_keyness_figure_labels_have_glosses_on_the_municipal_corpus"
    out = subprocess.run([sys.executable, "-m", "pytest", test, "-vv", "-p", "no:cacheprovider"], capture_output=True,
                         text=True, cwd=paths.PROJECT_ROOT, timeout=300,
                         env={**__import__("os").environ, "TOOLKIT_SHARED": str(missing)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"needs {missing}/corpora/municipal-2024, absent: {paths.SHARED_ABOUT}" in out.stdout
    assert f"1 skipped: {missing} is absent. {paths.SHARED_ABOUT} (README: Tests and ../shared)." in out.stdout


def test_the_readme_names_every_test_file_that_needs_shared():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Tests and ../shared"):]
    section = section[:section.index("\n#", 1)]
    needing = sorted(p.name for p in (paths.PROJECT_ROOT / "tests").glob("test_*.py")
                     if re.search(r'shared_absent\((?!")', p.read_text(encoding="utf-8")))
    assert needing and [name for name in needing if name.removesuffix(".py") not in section] == []
    assert "works without it" in section


# --------------------------------------------------------------------------- noise
def run_notebook(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    """Execute a one-cell notebook as ``make figures`` executes each (toolkit.notebook_runner.execute)."""
    import nbformat

    notebook = tmp_path / "00-tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), notebook)
    script = ("import sys; from pathlib import Path; import toolkit.notebook_runner as r; "
              "r.BUILD_DIR = Path(sys.argv[1]); r.execute(Path(sys.argv[2]))")
    return subprocess.run([sys.executable, "-c", script, str(tmp_path / "build"), str(notebook)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300)


def test_a_notebook_run_leaves_the_kernel_log_out_but_not_a_failure(tmp_path):
    quiet = run_notebook(tmp_path, "print('一')")
    assert quiet.returncode == 0, quiet.stderr
    assert "IPKernelApp" not in quiet.stderr and "KeyboardInterrupt" not in quiet.stderr
    assert quiet.stderr == "" and quiet.stdout == ""
    failed = run_notebook(tmp_path, "1 / 0")
    assert failed.returncode == 1 and "NotebookError: 00-tiny.ipynb failed" in failed.stderr
    assert "ZeroDivisionError" in failed.stderr


#: ``toolkit ARGS`` with NMF stopped after 3 iterations, so that no fit converges.
UNCONVERGED = ("import sys, toolkit.topics as t; t.TopicModel.__init__.__kwdefaults__['max_iter'] = 3; "
               "from toolkit.cli import main; sys.exit(main(sys.argv[1:]))")
NOT_CONVERGED = ("NMF did not converge in 3 iterations for k = 3 (3 of its 3 fits); results are still deterministic: "
                 "the same input gives the same topics")


@pytest.mark.parametrize("verb, args", [
    ("topics", ["--n-boot", "50"]),
    ("export", ["--to", "{tmp}", "--formats", "csv"]),
])
def test_an_nmf_that_did_not_converge_is_said_once_in_plain_words(verb, args, tmp_path):
    command = [sys.executable, "-W", "default", "-c", UNCONVERGED, verb, str(SEEDS), "--k", "3", "--samples", "2",
               "--no-cache", *[str(tmp_path / "out") if a == "{tmp}" else a for a in args]]
    out = subprocess.run(command, capture_output=True, text=True, cwd=paths.PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr and "Maximum number of iterations" not in out.stdout + out.stderr
    assert out.stdout.count(NOT_CONVERGED) == 1
    line = next(line for line in out.stdout.splitlines() if NOT_CONVERGED in line)
    assert line == (f"warning: {NOT_CONVERGED}" if verb == "topics" else f"topics\t3\t{NOT_CONVERGED}")
