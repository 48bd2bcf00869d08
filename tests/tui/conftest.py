"""Dashboard test fixtures (helpers live in tui_support.py: conftest modules are not importable when
several test folders run together)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import Dashboard, demo_world


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's config file and journal in the test's folder (HOME, keyring: tests/conftest.py)."""
    monkeypatch.setenv("REGIONSYNC_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("REGIONSYNC_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dashboard:
    return Dashboard(world=demo_world(), tmp=tmp_path, monkeypatch=monkeypatch)
