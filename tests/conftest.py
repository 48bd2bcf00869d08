"""Fixtures for every test: a throwaway HOME, XDG dirs and plaintext keyring, never the developer's own.

Without this a developer's own config, keyring or environment (REGIONSYNC_*) would decide what a
test sees. Subprocess tests (tests/cli) build their environment from this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest

_CLEARED = (
    "REGIONSYNC_CONFIG",
    "REGIONSYNC_PROFILE",
    "REGIONSYNC_DATA_DIR",
    "REGIONSYNC_TIMEOUT",
    "REGIONSYNC_RETRIES",
    "REGIONSYNC_MAX_BODY",
    "REGIONSYNC_MAX_PAGE_ITEMS",
    "REGIONSYNC_MAX_PAGES",
    "REGIONSYNC_LISTING_SECONDS",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keyrings.alt's plaintext file backend under a temporary HOME/XDG dirs; REGIONSYNC_* unset."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = keyring.core.load_env()
    assert backend is not None and type(backend).__name__ == "PlaintextKeyring"
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)
