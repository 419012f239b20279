"""Shared fixtures: the spaCy analyzer is loaded once per session (it is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE_CORPUS = SHARED / "corpus" / "syria-us-russia"


@pytest.fixture(scope="session")
def analyzer():
    from crosscheck.nlp import Analyzer

    return Analyzer()


def needs(path: Path) -> Path:
    """Skip (with the reason) when shared data is not on this machine."""
    if not path.exists():
        pytest.skip(f"{path} is not available on this machine")
    return path
