"""Provenance: captions travel in the figure files, and figures/README.md lists every figure."""
from __future__ import annotations

import hashlib

import matplotlib
import pytest

matplotlib.use("Agg")

from toolkit import plotting
from toolkit.notebook_runner import Parameters, corpus_fingerprint, write_figure_index
from toolkit.paths import FIGURES_DIR, MANIFEST, RAW_DIR


def test_caption_is_written_into_the_png(tmp_path):
    fig, ax = plotting.subplots()
    ax.set_title("数据孤岛")
    (png,) = plotting.savefig(fig, "01-x", formats=("png",), directory=tmp_path, caption="某图：问题与计划")
    assert plotting.caption_of(png) == "某图：问题与计划"


def test_index_lists_each_figure_with_notebook_caption_and_manifest_hash(tmp_path):
    fig, ax = plotting.subplots()
    plotting.savefig(fig, "01-lengths", directory=tmp_path, caption="Lengths")
    plotting.savefig(fig, "07-orphan", formats=("pdf",), directory=tmp_path)
    index = write_figure_index(Parameters(RAW_DIR, tmp_path, "raw"), [tmp_path / "01-corpus.ipynb"])
    text = index.read_text(encoding="utf-8")
    digest = hashlib.sha256(MANIFEST.read_bytes()).hexdigest()
    assert digest in text
    assert f"| `01-lengths` | png, svg | 01-corpus | Lengths | `{digest[:12]}` |" in text
    assert "| `07-orphan` | pdf | ? |  |" in text  # no notebook 07: shown, not hidden


def test_fingerprint_without_manifest_hashes_the_texts(tmp_path):
    (tmp_path / "a.txt").write_text("一", encoding="utf-8")
    what, first = corpus_fingerprint(tmp_path)
    (tmp_path / "a.txt").write_text("二", encoding="utf-8")
    assert what == "report files" and corpus_fingerprint(tmp_path)[1] != first


def test_committed_index_lists_every_committed_figure():
    text = (FIGURES_DIR / "README.md").read_text(encoding="utf-8")
    stems = {p.stem for p in FIGURES_DIR.glob("*.png")}
    assert stems and all(f"| `{stem}` |" in text for stem in stems)


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
