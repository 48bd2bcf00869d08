"""Themes from themes/*.toml: loaded, chosen (--theme, palette, remembered), broken files reported;
NO_COLOR respected with the status still readable (glyph and word)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.filter import Monochrome, NoColor
from tui_support import SIZE, Dashboard, screen_text, settle

from regionsync.tui.preferences import UiPreferences, load_preferences, save_preferences
from regionsync.tui.themes import (
    BUILTIN_THEME_NAMES,
    THEME_VARIABLE_DEFAULTS,
    ThemeFileError,
    builtin_theme_dir,
    load_themes,
    parse_theme,
)


def test_the_shipped_themes_load_with_every_dashboard_variable() -> None:
    result = load_themes([builtin_theme_dir()])
    assert result.failures == []
    assert sorted(result.names) == sorted(BUILTIN_THEME_NAMES)
    for theme in result.themes:
        assert set(THEME_VARIABLE_DEFAULTS) <= set(theme.variables), theme.name
    light = next(t for t in result.themes if t.name == "regionsync-light")
    assert light.dark is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "x"\nprimary = "#123456"\nsparkle = 1\n', "unknown field(s) sparkle"),
        ('name = "x"\nprimary = "not a colour"\n', "primary = 'not a colour' is not a colour"),
        ('primary = "#123456"\n', "`name` is missing"),
        ('name = "x"\nprimary = "#123456"\n[variables]\nsync-ok = "nope"\n', "variables.sync-ok"),
        ('name = "x\n', "not valid TOML"),
    ],
)
def test_a_wrong_theme_file_is_named_with_its_problem(text: str, problem: str) -> None:
    with pytest.raises(ThemeFileError) as info:
        parse_theme(text, "mine.toml")
    assert str(info.value).startswith("mine.toml: ") and problem in str(info.value)


def test_one_broken_user_theme_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "mine"\nprimary = "#336699"\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = 7\n', encoding="utf-8")
    result = load_themes([builtin_theme_dir(), tmp_path])
    assert "mine" in result.names and "bad" not in result.names
    assert len(result.failures) == 1 and "bad.toml" in result.failures[0]


def test_preferences_round_trip_and_tolerate_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "ui.toml"
    save_preferences(UiPreferences(theme="regionsync-light", auto_refresh=15), path)
    assert load_preferences(path) == UiPreferences(theme="regionsync-light", auto_refresh=15.0)
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("theme = [", encoding="utf-8")
    assert load_preferences(path) == UiPreferences()


async def test_theme_flag_applies_and_is_remembered(dashboard: Dashboard) -> None:
    prefs = dashboard.tmp / "config" / "ui.toml"
    app = dashboard.app(auto_refresh=0, theme="regionsync-high-contrast")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "regionsync-high-contrast"
        assert app.theme_variables["sync-ok"] == "#00FF66", "the theme's own status colours apply"
    assert load_preferences(prefs).theme == "regionsync-high-contrast"
    again = dashboard.app(auto_refresh=0)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "regionsync-high-contrast", "the last choice is used without --theme"
        await again.run_action("set_theme('regionsync-light')")
        await pilot.pause()
        assert again.theme == "regionsync-light"
    assert load_preferences(prefs).theme == "regionsync-light"


async def test_an_unknown_theme_falls_back_and_says_so(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0, theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "regionsync-dark"
        assert any("No theme named 'no-such-theme'" in n.message for n in app._notifications)


async def test_no_color_is_respected_and_statuses_stay_readable(
    dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.no_color
        assert any(isinstance(f, Monochrome | NoColor) for f in app._filters)
        text = screen_text(app)
        for words in ("═ in sync", "≠ drifted", "→ missing", "← extra"):
            assert words in text


def test_the_theme_asked_for_wins_then_the_remembered_one_then_the_default() -> None:
    from regionsync.tui.themes import DEFAULT_THEME, choose_theme

    available = ["textual-dark", "regionsync-dark", "regionsync-light", "mine"]
    names = ["regionsync-dark", "regionsync-light", "mine"]
    asked = choose_theme("mine", "regionsync-light", available, names)
    assert (asked.name, asked.warning, asked.remember) == ("mine", "", True)
    remembered = choose_theme(None, "regionsync-light", available, names)
    assert (remembered.name, remembered.remember) == ("regionsync-light", False)
    assert choose_theme(None, "gone", available, names).name == DEFAULT_THEME
    assert choose_theme(None, None, ["textual-dark"], []).name == "textual-dark"
    unknown = choose_theme("nope", None, available, names)
    assert unknown.name == DEFAULT_THEME and not unknown.remember
    assert unknown.warning == (
        "No theme named 'nope'; using regionsync-dark. Themes: regionsync-dark, regionsync-light, mine"
    )
