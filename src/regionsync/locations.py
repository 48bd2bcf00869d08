"""Where regionsync keeps its files: the config file, the data directory and the journal.

Paths follow the platform's conventions (platformdirs: XDG on Linux, ~/Library on macOS,
%APPDATA% on Windows). Two environment variables (read by settings.py) override them, for tests, CI
and portable setups:

- `REGIONSYNC_CONFIG`   — the config file itself (its directory is the config directory);
- `REGIONSYNC_DATA_DIR` — the data directory (the journal lives there).

Nothing here creates a file or a directory: the code that writes one does, with the right
permissions (0700 directories, 0600 files).
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from regionsync import settings

APP_NAME = "regionsync"
CONFIG_FILE_NAME = "config.toml"
JOURNAL_FILE_NAME = "journal.sqlite3"


def config_file() -> Path:
    """The profiles file: `$REGIONSYNC_CONFIG`, else `<user config dir>/regionsync/config.toml`."""
    return settings.config_file() or Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def config_dir() -> Path:
    """The directory holding the config file (and anything else the user edits, e.g. themes)."""
    return config_file().parent


def data_dir() -> Path:
    """Where regionsync keeps its state: `$REGIONSYNC_DATA_DIR`, else the user data dir."""
    return settings.data_dir() or Path(platformdirs.user_data_dir(APP_NAME))


def journal_file() -> Path:
    """The SQLite journal of every job and step: `<data dir>/journal.sqlite3`."""
    return data_dir() / JOURNAL_FILE_NAME
