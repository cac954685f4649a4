"""Shared test fixtures: the real-data folder (optional) and a fresh in-memory database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def real_data_dir() -> Path | None:
    """../shared/data beside the repository (or $REGIMEBOT_TEST_DATA), if present."""
    candidates = [os.environ.get("REGIMEBOT_TEST_DATA"), REPO.parent / "shared" / "data"]
    for c in candidates:
        if c and Path(c, "DXY.csv").is_file():
            return Path(c)
    return None


@pytest.fixture
def shared_data() -> Path:
    """The real daily history folder; the test is skipped when it is absent."""
    path = real_data_dir()
    if path is None:
        pytest.skip("../shared/data is not present")
    return path


@pytest.fixture
def memory_store():
    """A Store on an in-memory database, closed after the test."""
    from regimebot.storage.store import Store

    store = Store.open()
    yield store
    store.close()
