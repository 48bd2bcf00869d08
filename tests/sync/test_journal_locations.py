"""Where the journal and the config live: platformdirs by default, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionsync import locations


def test_locations_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONSYNC_CONFIG", str(tmp_path / "cfg" / "profiles.toml"))
    monkeypatch.setenv("REGIONSYNC_DATA_DIR", str(tmp_path / "state"))
    assert locations.config_file() == tmp_path / "cfg" / "profiles.toml"
    assert locations.config_dir() == tmp_path / "cfg"
    assert locations.data_dir() == tmp_path / "state"
    assert locations.journal_file() == tmp_path / "state" / "journal.sqlite3"


def test_locations_default_to_the_platform_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGIONSYNC_CONFIG", raising=False)
    monkeypatch.setenv("REGIONSYNC_DATA_DIR", "")
    assert locations.config_file().name == "config.toml"
    assert "regionsync" in locations.config_file().parts
    assert "regionsync" in locations.data_dir().parts
    assert locations.journal_file().parent == locations.data_dir()
