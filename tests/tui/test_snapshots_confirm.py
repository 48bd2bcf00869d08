"""Snapshots of the sync confirmation at 120×36 and 80×24: the plan (scrolled within the modal at
80×24) with its No / Copy buttons docked at the bottom, always on screen. Frozen clock, demo world."""

from __future__ import annotations

from typing import Any

import pytest
from tui_support import SIZE, SMALL, Dashboard, settle


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])
def test_sync_confirmation_with_its_buttons(
    size: tuple[int, int], dashboard: Dashboard, snap_compare: Any
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=size, run_before=run_before)
