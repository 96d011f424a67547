"""Shared fixtures and Hypothesis settings for the symact test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The checkout the tests run in (generated/, templates/ and the README live here).
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
