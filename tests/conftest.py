"""Fixtures the test modules share."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def seeds():
    """The five seed reports (data/raw), loaded once per test session."""
    from toolkit.dataset import load_corpus
    from toolkit.paths import RAW_DIR

    return load_corpus(RAW_DIR)
