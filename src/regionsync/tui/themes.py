"""Themes: one TOML file each in `themes/`, turned into Textual themes, plus the dashboard's own
colour variables (`$sync-ok`, `$sync-drift` …) with defaults any theme may override.

Built-in themes ship inside the wheel as `regionsync/themes`; in a source checkout they are read
from the repository's `themes/` instead. A user's own themes live in `<config dir>/themes/`. A file
that cannot be read never stops the dashboard: `load_themes` returns the good themes and one line
per failure, and the app shows the failures in a single notification.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "regionsync-dark"
"""The theme used when neither `--theme`, the palette nor the preferences name one."""

BUILTIN_THEME_NAMES = ("regionsync-dark", "regionsync-light", "regionsync-high-contrast")

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "sync-ok": "#57AB5A",
    "sync-missing": "#E0A83A",
    "sync-drift": "#C96BD6",
    "sync-extra": "#39B6C4",
    "sync-copying": "#4C9EEB",
    "sync-failed": "#E5534B",
    "sync-unknown": "#E5534B",
    "health-ok": "#57AB5A",
    "health-bad": "#E5534B",
    "job-running": "#4C9EEB",
    "job-failed": "#E5534B",
    "job-done": "#57AB5A",
}
"""The dashboard's colour variables; every theme file may set any of them under [variables]."""

_COLOUR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
                  "background", "surface", "panel", "boost")
_ALLOWED = {f.name for f in fields(Theme)}


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message names the file and the problem."""


@dataclass
class ThemeLoadResult:
    """The themes that loaded, and one line per file that did not."""

    themes: list[Theme] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.themes]


def package_theme_dir() -> Path:
    """Where the wheel puts the built-in themes (`regionsync/themes`)."""
    return Path(__file__).resolve().parent.parent / "themes"


def repo_theme_dir() -> Path:
    """The repository's `themes/` folder (a source checkout or an editable install)."""
    return Path(__file__).resolve().parents[3] / "themes"


def builtin_theme_dir() -> Path:
    """The package's themes when installed from a wheel, else the repository's."""
    packaged = package_theme_dir()
    return packaged if packaged.is_dir() else repo_theme_dir()


def user_theme_dir() -> Path:
    """`<config dir>/themes`: the user's own theme files."""
    from regionsync.locations import config_dir

    return config_dir() / "themes"


def _check_colour(source: str, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{source}: {name} must be a colour string such as \"#4C9EEB\"")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f"{source}: {name} = {value!r} is not a colour") from None
    return value


def parse_theme(text: str, source: str = "<theme>") -> Theme:
    """One theme from TOML text; ThemeFileError naming `source` and the field when it is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{source}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeFileError(f"{source}: unknown field(s) {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{source}: `name` is missing")
    if "primary" not in data:
        raise ThemeFileError(f"{source}: `primary` is missing")
    for colour in _COLOUR_FIELDS:
        if colour in data:
            _check_colour(source, colour, data[colour])
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeFileError(f"{source}: [variables] must be a table")
    for key, value in variables.items():
        if key in THEME_VARIABLE_DEFAULTS:
            _check_colour(source, f"variables.{key}", value)
        elif not isinstance(value, str):
            raise ThemeFileError(f"{source}: variables.{key} must be a string")
    try:
        return Theme(**{**data, "variables": {str(k): str(v) for k, v in variables.items()}})
    except (TypeError, ValueError) as exc:
        raise ThemeFileError(f"{source}: {exc}") from None


def _theme_files(directory: Path) -> list[Path]:
    try:
        return sorted(directory.glob("*.toml"))
    except OSError:
        return []


def load_themes(directories: Iterable[Path] | None = None) -> ThemeLoadResult:
    """Every theme of the built-in directory, then of the user's (a later file of the same name wins)."""
    dirs = list(directories) if directories is not None else [builtin_theme_dir(), user_theme_dir()]
    result = ThemeLoadResult()
    by_name: dict[str, Theme] = {}
    for directory in dirs:
        for path in _theme_files(directory):
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError) as exc:
                result.failures.append(f"{path}: cannot be read ({exc})")
                continue
            except ThemeFileError as exc:
                result.failures.append(str(exc))
                continue
            by_name[theme.name] = theme
    result.themes = list(by_name.values())
    return result


@dataclass(frozen=True)
class ThemeChoice:
    """The theme the dashboard starts with, and what to tell the user about it."""

    name: str
    warning: str = ""
    """Set when the theme asked for does not exist (the one used instead, and the ones there are)."""
    remember: bool = False
    """The theme asked for on the command line was applied: remember it as the user's choice."""


def choose_theme(
    requested: str | None, remembered: str | None, available: Iterable[str], names: Sequence[str]
) -> ThemeChoice:
    """The theme asked for, else the one remembered, else the default (else Textual's dark one)."""
    known = set(available)
    chosen = next((n for n in (requested, remembered, DEFAULT_THEME) if n and n in known), "textual-dark")
    warning = ""
    if requested and requested not in known:
        warning = f"No theme named {requested!r}; using {chosen}. Themes: {', '.join(names)}"
    return ThemeChoice(chosen, warning, remember=bool(requested) and chosen == requested)


def install_themes(app: App[Any], directories: Iterable[Path] | None = None) -> ThemeLoadResult:
    """Load the theme files and register them with `app`; the files that failed, in one notification."""
    loaded = load_themes(directories)
    for theme in loaded.themes:
        app.register_theme(theme)
    if loaded.failures:
        app.notify("\n".join(loaded.failures), title="Some themes could not be loaded", severity="warning")
    return loaded
