"""Snapshots of the dashboard (pytest-textual-snapshot): the main screen, an outage, a job in progress,
the details screen, each theme, 80×24, and the add-profile form with a key typed in.

Deterministic by construction: the emulator's clock is frozen at FROZEN_NOW, the app's `now` too, the
latency timer returns a constant, no job id is on screen, notifications are cleared before the shot.
Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then
look at the SVGs in `__snapshots__/` (or the HTML report pytest writes on a mismatch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tui_support import SIZE, SMALL, Dashboard, footer_settled, settle

from regionsync.domain import AssetKind, JobState, Service
from regionsync.tui.app import make_app
from regionsync.tui.model import row_key

DI = Service.DOCUMENT_INTELLIGENCE
KEY = "typed-secret-key-5v8"


async def _loaded(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


async def _select(pilot: Any, name: str) -> None:
    main = pilot.app.main_screen
    assert main.active_table.select_key(row_key(DI, AssetKind.MODEL, name))
    await footer_settled(pilot)  # the footer follows the selection once it rests


def test_main_screen(dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await _select(pilot, "receipt")

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SIZE, run_before=run_before)


def test_main_screen_80x24(dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await _select(pilot, "w2-2023")

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SMALL, run_before=run_before)


def test_outage_primary_down(dashboard: Dashboard, snap_compare: Any) -> None:
    """Outage day: the primary dark, judged from its last-known listing (README's screenshot)."""

    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await pilot.app.run_action("outage('eastus', True)")
        await _loaded(pilot)

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SIZE, run_before=run_before)


def test_outage(dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await pilot.app.run_action("outage('westus2', True)")
        await _loaded(pilot)

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SIZE, run_before=run_before)


def test_job_in_progress(dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        dashboard.vtime.hold(dashboard.world.copy_seconds * 0.625)  # type: ignore[union-attr]
        await _select(pilot, "w2-2023")
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#confirm")
        main = pilot.app.main_screen
        for _ in range(200):
            await pilot.pause()
            lines = list(main.jobs_panel.lines.values())
            if lines and lines[0].percent == 62 and lines[0].state is JobState.RUNNING:
                break
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SIZE, run_before=run_before)


def test_details_screen(dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await _select(pilot, "receipt")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", ["regionsync-dark", "regionsync-light", "regionsync-high-contrast"])
def test_theme(theme: str, dashboard: Dashboard, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _loaded(pilot)
        await _select(pilot, "purchase-order")

    assert snap_compare(dashboard.app(auto_refresh=0, theme=theme), terminal_size=SIZE, run_before=run_before)


def test_add_profile_form_with_a_key_typed(tmp_path: Path, snap_compare: Any, request: Any) -> None:
    app = make_app(None, config_path=tmp_path / "config.toml", preferences_path=tmp_path / "ui.toml",
                   theme="regionsync-dark")

    async def run_before(pilot: Any) -> None:
        await pilot.press("a")
        await pilot.pause()
        await pilot.click("#primary-key")
        await pilot.press(*KEY)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    stored = Path(request.node.path).parent / "__snapshots__" / "test_snapshots"
    for svg in stored.glob("test_add_profile_form_with_a_key_typed*.svg"):
        assert KEY not in svg.read_text(encoding="utf-8")
