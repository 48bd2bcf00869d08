"""Snapshots of the jobs panel at 120×36 and 80×24: newest first, an interrupted job (⏸, never a
copy at 0%), and a failed job that a later copy of the same asset superseded (history, not counted
as failed). Frozen clock; the job lines are given to the panel directly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tui_support import SIZE, SMALL, Dashboard, settle

from regionsync.domain import AssetKind, JobState, Service
from regionsync.tui.model import JobLine

DI = Service.DOCUMENT_INTELLIGENCE


def _lines(now: Any) -> list[JobLine]:
    def line(job_id: str, name: str, minutes: int, state: JobState, **kw: Any) -> JobLine:
        started = now - timedelta(minutes=minutes)
        ended = started + timedelta(seconds=40) if state.finished else None
        return JobLine(
            job_id=job_id,
            asset_name=name,
            kind=AssetKind.MODEL,
            service=DI,
            target="westus2",
            step="copy",
            state=state,
            started=started,
            ended=ended,
            **kw,
        )

    return [
        line("j1", "receipt", 30, JobState.FAILED, error="The target refused the copy — fix the key."),
        line("j2", "receipt", 20, JobState.SUCCEEDED, percent=100),
        line("j3", "w2-2023", 10, JobState.INTERRUPTED, percent=40, interrupted=True),
    ]


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=lambda s: f"{s[0]}x{s[1]}")
def test_jobs_panel_interrupted_and_superseded(
    dashboard: Dashboard, snap_compare: Any, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        panel = pilot.app.main_screen.jobs_panel
        now = pilot.app.now()
        for line in _lines(now):
            panel.upsert(line, now)
        await pilot.pause()
        assert panel.border_title == "Jobs"  # the superseded failure is not counted; nothing runs
        assert next(iter(reversed(panel.lines))) == "j3"

    assert snap_compare(dashboard.app(auto_refresh=0), terminal_size=size, run_before=run_before)
