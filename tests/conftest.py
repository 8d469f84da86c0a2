"""What every test file shares: the seeds fixture, and one line after the run saying why the ../shared
checks were skipped."""
from __future__ import annotations

import pytest

from toolkit import paths


@pytest.fixture(scope="session")
def seeds():
    """The five seed reports (data/raw), loaded once per test session."""
    from toolkit.dataset import load_corpus

    return load_corpus(paths.RAW_DIR)


def pytest_terminal_summary(terminalreporter):
    """After the skip list: how many were skipped for want of ../shared, what it is, and that the toolkit
    works without it (each skip's reason says so too: :func:`toolkit.paths.shared_absent`)."""
    skipped = terminalreporter.stats.get("skipped", [])
    shared = [r for r in skipped if paths.SHARED_ABOUT in str(r.longrepr)]
    if shared:
        terminalreporter.write_line(f"{len(shared)} skipped: {paths.SHARED_DIR} is absent. {paths.SHARED_ABOUT} "
                                    "(README: Tests and ../shared).")
