"""The dashboard's remembered choices (theme, auto-refresh), in `ui.toml` beside the profiles file.

The profiles file (`config.toml`) has no place for them, so they live in their own small file in
the same directory (`locations.config_dir()`). A missing or unreadable file means defaults; the
dashboard never fails to start because of it.
"""

from __future__ import annotations

import contextlib
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from regionsync.files import write_private

PREFERENCES_FILE_NAME = "ui.toml"


@dataclass(frozen=True)
class UiPreferences:
    """What the dashboard remembers between runs."""

    theme: str | None = None
    """The last theme chosen (with --theme, the palette or Textual's theme picker)."""
    auto_refresh: float | None = None
    """Seconds between automatic refreshes; 0 turns it off; None means the default."""

    def with_theme(self, theme: str) -> UiPreferences:
        return replace(self, theme=theme)


def preferences_path() -> Path:
    """`ui.toml` in the config directory (REGIONSYNC_CONFIG's directory when that is set)."""
    from regionsync.locations import config_dir

    return config_dir() / PREFERENCES_FILE_NAME


def load_preferences(path: Path | None = None) -> UiPreferences:
    """The remembered preferences; defaults when the file is absent or unreadable."""
    path = path or preferences_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return UiPreferences()
    theme = data.get("theme")
    refresh = data.get("auto_refresh")
    return UiPreferences(
        theme=theme if isinstance(theme, str) and theme else None,
        auto_refresh=float(refresh) if isinstance(refresh, int | float) and refresh >= 0 else None,
    )


def save_preferences(preferences: UiPreferences, path: Path | None = None) -> None:
    """Write the preferences atomically (mode 0600); a failure to write is silently ignored."""
    from regionsync.config import render_toml

    path = path or preferences_path()
    data: dict[str, object] = {}
    if preferences.theme:
        data["theme"] = preferences.theme
    if preferences.auto_refresh is not None:
        data["auto_refresh"] = preferences.auto_refresh
    text = "# regionsync dashboard preferences (written by the dashboard)\n" + render_toml(data)
    with contextlib.suppress(OSError):
        write_private(path, text, mode=0o600)
