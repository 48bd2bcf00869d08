"""Opening the dashboard: the `ui` command's options, and the demo (emulator and dashboard, no setup)."""

from __future__ import annotations

from pathlib import Path

import typer
from tui_support import SIZE, screen_text, settle
from typer.testing import CliRunner

from regionsync.cli.ui import ui
from regionsync.tui.commands import palette_entries
from regionsync.tui.demo import DEMO_PROFILE, build_demo
from regionsync.tui.screens.main import MainScreen


def test_the_ui_command_takes_profile_config_and_theme() -> None:
    app = typer.Typer()
    app.command()(ui)
    result = CliRunner().invoke(app, ["--help"], env={"NO_COLOR": "1", "COLUMNS": "120"})
    assert result.exit_code == 0
    for option in ("--profile", "--config", "--theme"):
        assert option in result.output


async def test_the_demo_opens_on_the_emulated_pair_with_outage_commands(tmp_path: Path) -> None:
    app = build_demo(tmp_path, clock_speed=0)
    async with app.run_test(size=SIZE) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # type: ignore[attr-defined]
        text = screen_text(app)  # type: ignore[arg-type]
        assert f"profile {DEMO_PROFILE}" in text and "→ missing" in text and "PRIMARY  DI eastus ●" in text
        titles = [entry.title for entry in palette_entries(app)]  # type: ignore[arg-type]
        assert "demo: take eastus down" in titles and "demo: take westus2 down" in titles
    assert (tmp_path / "journal.sqlite3").exists(), "the demo journals in its own directory"
