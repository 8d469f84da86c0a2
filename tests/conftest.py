"""What every test file shares: the stored stages in a folder of the session's own, the seeds fixture,
and one line after the run saying why the ../shared checks were skipped."""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from toolkit import paths


def pytest_configure(config):
    """The session stores its stages (toolkit.pipeline) in a temporary folder, removed at its end: a test
    never reads what another session or ``make figures`` stored, and leaves nothing in .cache/stages.
    (``TOOLKIT_STAGES`` set by the caller is kept.) Progress bars are off unless a test asks for them."""
    if "TOOLKIT_STAGES" not in os.environ:
        folder = tempfile.mkdtemp(prefix="toolkit-test-stages-")
        os.environ["TOOLKIT_STAGES"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ.setdefault("TOOLKIT_PROGRESS", "0")


@pytest.fixture(scope="session")
def seeds():
    """The five seed reports (data/raw), loaded once per test session."""
    from toolkit import load_corpus

    return load_corpus(paths.RAW_DIR)


def pytest_terminal_summary(terminalreporter):
    """After the skip list: how many were skipped for want of ../shared, what it is, and that the toolkit
    works without it (each skip's reason says so too: :func:`toolkit.paths.shared_absent`)."""
    skipped = terminalreporter.stats.get("skipped", [])
    shared = [r for r in skipped if paths.SHARED_ABOUT in str(r.longrepr)]
    if shared:
        terminalreporter.write_line(f"{len(shared)} skipped: {paths.SHARED_DIR} is absent. {paths.SHARED_ABOUT} "
                                    "(README: Tests and ../shared).")
