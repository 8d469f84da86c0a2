"""Provenance: captions and questions travel in the figure files, and INDEX.md in each figures folder lists
every figure with its notebook, question and caption, and the exact corpus and commit it was made from."""
from __future__ import annotations

import hashlib

import matplotlib
import pytest

matplotlib.use("Agg")

from toolkit import notebook_runner, paths, plotting  # noqa: E402
from toolkit.notebook_runner import INDEX, Parameters, corpus_fingerprint, write_figure_index  # noqa: E402
from toolkit.paths import FIGURES_DIR, MANIFEST, RAW_DIR  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Every figure a test opens is closed after it (pyplot keeps them otherwise)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def small(title="数据孤岛"):
    fig, ax = plotting.subplots(height=1.5)
    ax.set_title(title)
    return fig


def test_caption_and_question_are_written_into_the_png(tmp_path):
    (png, _) = plotting.savefig(small(), "01-x", directory=tmp_path, caption="某图：问题与计划", question="问什么？")
    assert plotting.caption_of(png) == "某图：问题与计划"
    assert plotting.caption_of(png, "Question") == "问什么？"


def test_index_lists_each_figure_with_notebook_question_caption_corpus_and_commit(tmp_path):
    plotting.savefig(small(), "01-lengths", directory=tmp_path, caption="Lengths", question="How long?")
    plotting.savefig([small("一"), small("二")], "04-prevalence", directory=tmp_path, caption="Shares")
    plotting.savefig(small(), "06-map", directory=tmp_path / "en", caption="Map (English)", question="Where?")
    plotting.savefig(small(), "07-orphan", formats=("pdf",), directory=tmp_path)
    notebooks = [paths.NOTEBOOKS_DIR / "01-corpus.ipynb", paths.NOTEBOOKS_DIR / "04-themes.ipynb",
                 paths.NOTEBOOKS_DIR / "06-contrast.ipynb"]
    index = write_figure_index(Parameters(RAW_DIR, tmp_path, "raw"), notebooks, "5 reports")
    assert index.name == INDEX == "INDEX.md"
    text = index.read_text(encoding="utf-8")
    digest = hashlib.sha256(MANIFEST.read_bytes()).hexdigest()
    assert f"- **Corpus**: `data/raw` (5 reports), manifest.csv sha256 `{digest}`." in text
    commit = notebook_runner._git_commit()
    assert commit is not None and f"`{commit[0]}`" in text  # outside figures/: the commit itself
    assert "| `01-lengths` | 01-corpus | How long? | Lengths | png, pdf |" in text
    # pages are one figure; without a question of its own, the notebook's question
    question = notebook_runner._notebook_question(paths.NOTEBOOKS_DIR / "04-themes.ipynb")
    assert question.startswith("where do 数据孤岛")
    assert f"| `04-prevalence-1` … `04-prevalence-2` (2 pages) | 04-themes | {question} | Shares | png, pdf |" in text
    assert "| `en/06-map` | 06-contrast | Where? | Map (English) | png, pdf |" in text
    assert "| `07-orphan` | ? |  |  | pdf |" in text  # no notebook 07 given: shown, not hidden


def test_the_committed_index_points_to_the_commit_of_the_figures(tmp_path, monkeypatch):
    """In figures/ (committed) the index cannot hold the commit that will hold it: it says how to find it."""
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(paths, "FIGURES_DIR", tmp_path / "figures")
    folder = tmp_path / "figures" / "some-corpus"
    plotting.savefig(small(), "01-x", directory=folder, caption="X")
    text = write_figure_index(Parameters(RAW_DIR, folder, "some-corpus")).read_text(encoding="utf-8")
    assert "git log -1 --format='%H %cs' -- figures/some-corpus/<figure>.png" in text


def test_fingerprint_without_manifest_hashes_the_texts(tmp_path):
    (tmp_path / "a.txt").write_text("一", encoding="utf-8")
    what, first = corpus_fingerprint(tmp_path)
    (tmp_path / "a.txt").write_text("二", encoding="utf-8")
    assert what == "report files" and corpus_fingerprint(tmp_path)[1] != first


@pytest.mark.parametrize("folder", [FIGURES_DIR] + [FIGURES_DIR / name for name in paths.SHARED_CORPORA
                                                    if (FIGURES_DIR / name).is_dir()])
def test_committed_index_lists_every_committed_figure(folder):
    text = (folder / INDEX).read_text(encoding="utf-8")
    figures = notebook_runner._figures_in(folder)
    assert figures and all(f"| `{base}` |" in text or f"| `{stems[0]}` … `{stems[-1]}`" in text
                           for base, stems in figures.items())
    assert not (folder / "README.md").exists()  # the index's former name


def test_a_corpus_of_your_own_goes_to_build_a_shared_one_to_figures(tmp_path):
    own = tmp_path / "municipal-2024"  # named like a shared corpus, but not the shared one
    own.mkdir()
    assert notebook_runner.resolve_parameters(own).figures == paths.BUILD_FIGURES_DIR / "municipal-2024"
    shared = paths.SHARED_CORPORA_DIR / "provincial-2025"
    if shared.is_dir():
        assert notebook_runner.resolve_parameters(shared).figures == FIGURES_DIR / "provincial-2025"


def test_ci_and_the_runner_agree_on_the_shared_corpora():
    run = (paths.PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "from toolkit.paths import SHARED_CORPORA" in run  # the one list, read by CI


def test_runner_stops_at_once_when_no_report_can_be_read(tmp_path):
    from toolkit.notebook_runner import NotebookError, preflight

    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(NotebookError) as caught:
        preflight(tmp_path)
    assert str(caught.value) == (f"{tmp_path}: no report could be read (1 unreadable; the first: {tmp_path / 'a.doc'}: "
                                 "an old binary Word/WPS document: convert it to .docx first, e.g. soffice "
                                 "--headless --convert-to docx FILE)")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotebookError, match="no report file in this folder or its subfolders: it holds no files"):
        preflight(empty)


def test_a_shared_corpus_is_named_alike_wherever_the_shared_folder_is(tmp_path, monkeypatch):
    """A clone whose ../shared is a symlink (or TOOLKIT_SHARED elsewhere) wrote /real/path/corpora/… into
    a committed INDEX.md, so the figures' check failed on a file no figure had changed."""
    real = tmp_path / "elsewhere" / "corpora" / "bureau-x"
    real.mkdir(parents=True)
    (tmp_path / "project").mkdir()
    (tmp_path / "shared").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "project")
    for shared in (tmp_path / "shared" / "corpora", tmp_path / "elsewhere" / "corpora"):
        monkeypatch.setattr(paths, "SHARED_CORPORA_DIR", shared)
        for given in (real, tmp_path / "shared" / "corpora" / "bureau-x", tmp_path / "project" / ".." / "shared"
                      / "corpora" / "bureau-x"):
            assert notebook_runner._shown_corpus(given) == "../shared/corpora/bureau-x"
    own = tmp_path / "project" / "data" / "mine"
    own.mkdir(parents=True)
    assert notebook_runner._shown_corpus(own) == "data/mine"
    assert notebook_runner._shown_corpus(tmp_path / "elsewhere") == "../elsewhere"
