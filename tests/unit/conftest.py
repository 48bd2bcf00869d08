"""Unit-test fixtures: a throwaway keyring and config location, never the developer's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keyrings.alt's plaintext file backend under a temporary HOME/XDG dirs; REGIONSYNC_* unset."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    for name in ("REGIONSYNC_CONFIG", "REGIONSYNC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = keyring.core.load_env()
    assert backend is not None and type(backend).__name__ == "PlaintextKeyring"
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)
