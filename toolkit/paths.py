"""Every path the toolkit uses, derived from the package location (never from the working directory)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
MANIFEST = RAW_DIR / "manifest.csv"
LEXICON_DIR = DATA_DIR / "lexicon"
GEO_DIR = DATA_DIR / "geo"
FIGURES_DIR = PROJECT_ROOT / "figures"
BUILD_DIR = PROJECT_ROOT / "build"
#: Where `make figures CORPUS=…` writes the figures of a corpus of your own (git-ignored).
BUILD_FIGURES_DIR = BUILD_DIR / "figures"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
CACHE_DIR = PROJECT_ROOT / ".cache"

#: The shared material sits beside the project (``../shared``); ``TOOLKIT_SHARED`` overrides it.
SHARED_DIR = Path(os.environ.get("TOOLKIT_SHARED", PROJECT_ROOT.parent / "shared"))
SHARED_CORPORA_DIR = SHARED_DIR / "corpora"
MUNICIPAL_DIR = SHARED_CORPORA_DIR / "municipal-2024"
#: The shared corpora whose figures are committed, under figures/<name>/, and checked by CI (.ci/run reads
#: this list). Any other corpus's figures go to build/figures/<name>/.
SHARED_CORPORA = ("municipal-2024", "provincial-2025", "national-1954-2022", "beijing-2024-pdf", "bureau-fujian")
#: What ``../shared`` is, said by every test that skips without it (and the README, "Tests and ../shared").
SHARED_ABOUT = ("../shared holds the public corpora the toolkit is checked against (TOOLKIT_SHARED points "
                "elsewhere); the toolkit works without it, only these checks are skipped")


def shared_absent(path: str | os.PathLike) -> str:
    """The skip reason of a check that reads ``path`` (a corpus under :data:`SHARED_DIR`) when it is absent."""
    return f"needs {path}, absent: {SHARED_ABOUT}"
