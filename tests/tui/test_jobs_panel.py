"""The jobs panel: live progress per job, failed jobs keep their reason, journaled jobs survive a restart."""

from __future__ import annotations

from datetime import timedelta

from tui_support import FROZEN_NOW, SIZE, Dashboard, screen_text, settle

from regionsync.domain import AssetKind, Job, JobState, Service, Side, SyncStatus
from regionsync.sync.journal import Journal
from regionsync.tui.model import row_key
from regionsync.tui.widgets.jobs_panel import JobBar, JobRow

DI = Service.DOCUMENT_INTELLIGENCE


def pending_job(dashboard: Dashboard, name: str) -> Job:
    """A job journaled by a process that died before its first step (as `create_jobs` leaves it)."""
    world = dashboard.world
    source, target = world.resources[dashboard.primary], world.resources[dashboard.secondary]
    created = FROZEN_NOW - timedelta(minutes=3)
    return Job(
        id="", profile=dashboard.profile_name, service=DI, kind=AssetKind.MODEL,
        api_version=dashboard.api_version, source_side=Side.PRIMARY,
        source_endpoint=world.endpoint(source.name), target_endpoint=world.endpoint(target.name),
        source_resource_id=source.resource_id, target_resource_id=target.resource_id,
        source_id=name, target_id=name, asset_name=name, created=created, updated=created,
    )


async def test_a_running_job_shows_step_percent_and_state(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert dashboard.vtime is not None
        dashboard.vtime.hold(dashboard.world.copy_seconds * 0.625)
        main = app.main_screen
        assert main is not None and main.active_table is not None
        main.active_table.select_key(row_key(DI, AssetKind.MODEL, "w2-2023"))
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#confirm")
        for _ in range(200):
            await pilot.pause()
            lines = list(main.jobs_panel.lines.values())
            if lines and lines[0].percent == 62:
                break
        line = lines[0]
        assert line.state is JobState.RUNNING and line.percent == 62
        row = main.jobs_panel.query_one(JobRow)
        assert row.query_one(JobBar).percent == 62
        text = screen_text(app)
        assert "copy model w2-2023 → westus2" in text and "62%" in text
        assert f"step {line.step_index}/{line.step_count} {line.step}" in text
        assert main.active_table.rows[row_key(DI, AssetKind.MODEL, "w2-2023")].gutter == "⟳ copying 62%"
        assert "⟳ copying 62%" in text
        dashboard.vtime.release()
        await settle(pilot)
        assert main.jobs_panel.lines[line.job_id].state is JobState.SUCCEEDED


async def test_a_failed_job_keeps_its_row_and_its_reason(dashboard: Dashboard) -> None:
    dashboard.world.faults.fail_copies(dashboard.primary, 40)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None and main.active_table is not None
        main.active_table.select_key(row_key(DI, AssetKind.MODEL, "purchase-order"))
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        [line] = main.jobs_panel.lines.values()
        assert line.state is JobState.FAILED and line.error.startswith("The primary eastus")
        row = main.jobs_panel.query_one(JobRow)
        assert row.has_class("-failed")
        text = screen_text(app)
        assert "failed: The primary eastus" in text
        failed_row = main.active_table.rows[row_key(DI, AssetKind.MODEL, "purchase-order")]
        assert failed_row.status is SyncStatus.FAILED
        assert "✗ failed" in text
        await pilot.press("enter")
        await settle(pilot)
        assert "The last copy failed" in screen_text(app), "details give the error and what to do"


async def test_journaled_jobs_show_at_start_and_unfinished_ones_resume(dashboard: Dashboard) -> None:
    with Journal(dashboard.journal_path) as journal:
        job = journal.create_job(pending_job(dashboard, "w2-2023"))
        finished = pending_job(dashboard, "invoice").model_copy(update={"state": JobState.SUCCEEDED})
        done = journal.create_job(finished)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        lines = main.jobs_panel.lines
        assert set(lines) == {job.id, done.id}
        assert lines[job.id].state is JobState.SUCCEEDED, "the job left in flight was resumed to the end"
        assert main.active_table is not None
        assert main.active_table.rows[row_key(DI, AssetKind.MODEL, "w2-2023")].status is SyncStatus.IN_SYNC
    assert "w2-2023" in dashboard.world.resources[dashboard.secondary].models
    with Journal(dashboard.journal_path) as journal:
        jobs = journal.list_jobs()
    assert len(jobs) == 2, "resuming never starts a second job"
    assert {j.id: j.state for j in jobs}[job.id] is JobState.SUCCEEDED


async def test_a_worker_failure_is_explained_in_a_modal_not_a_traceback(dashboard: Dashboard) -> None:
    from regionsync.tui.screens.error import ErrorScreen

    with Journal(dashboard.journal_path) as journal:
        journal.create_job(pending_job(dashboard, "orphan").model_copy(update={"service": Service.LANGUAGE}))
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        text = screen_text(app)
        assert "Resuming the journaled jobs failed" in text
        assert "has no language pair" in text and "What to do:" in text and "Traceback" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.main_screen is app.screen, "the dashboard goes on"
