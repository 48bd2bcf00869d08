"""Outages are shown, not hidden; the UI stays responsive while a region hangs or many jobs run."""

from __future__ import annotations

import asyncio

from textual.worker import WorkerState
from tui_support import SIZE, Dashboard, VirtualTime, screen_text, settle

from regionsync.domain import AssetKind, JobState, Service, Side, SyncStatus
from regionsync.emulator import EmulatorTransport
from regionsync.sync.leases import Owner
from regionsync.sync.poller import Poller
from regionsync.sync.session import SyncSession
from regionsync.tui.model import row_key
from regionsync.tui.screens.jobs import JobsScreen

DI = Service.DOCUMENT_INTELLIGENCE


async def test_an_unreachable_region_is_judged_from_its_last_known_listing(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None and main.active_table is not None
        table = main.active_table
        before = {table.rows[k].name: table.rows[k].status for k in table.visible_keys}
        await app.run_action("outage('westus2', True)")
        await settle(pilot)
        rows = {table.rows[k].name: table.rows[k] for k in table.visible_keys}
        assert {name: row.status for name, row in rows.items()} == before, "each asset keeps its verdict"
        for row in rows.values():
            assert "secondary westus2 last seen" in row.reason and "unreachable now" in row.reason
        assert rows["invoice"].status is SyncStatus.IN_SYNC and rows["invoice"].primary is not None
        assert app.health[Side.SECONDARY].reachable is False
        assert app.health[Side.PRIMARY].ok
        text = screen_text(app)
        assert "SECONDARY westus2  ✗ down since 15:30 · connection refused" in text
        assert "│ ✗ unreachable: connection refused" in text, "the secondary pane says so itself"
        assert "secondary last seen 15:30 (unreachable)" in text
        assert not app.check_action("sync_missing", ())
        await app.run_action("outage('westus2', False)")
        await settle(pilot)
        assert table.rows[row_key(DI, AssetKind.MODEL, "invoice")].status is SyncStatus.IN_SYNC
        assert "last seen" not in table.rows[row_key(DI, AssetKind.MODEL, "invoice")].reason
        assert "● reachable" in screen_text(app)


async def test_a_region_never_read_from_this_machine_is_said_plainly(dashboard: Dashboard) -> None:
    dashboard.world.faults.set_outage("westus2", True)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None and main.active_table is not None
        table = main.active_table
        names = {table.rows[k].name: table.rows[k] for k in table.visible_keys}
        assert set(names) == {"invoice", "purchase-order", "receipt", "tax-1099", "w2-2023"}
        for row in names.values():
            assert row.status is SyncStatus.UNKNOWN
            assert "has never been read from this machine" in row.reason and "unreachable" in row.reason
            assert row.primary is not None, "what the primary holds stays visible"
        text = screen_text(app)
        assert "? unknown" in text
        assert "failover readiness 0/6 · 6 unknown" in text


async def test_a_refused_key_is_told_apart_from_an_outage(dashboard: Dashboard) -> None:
    dashboard.wrong_keys.add(dashboard.secondary)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        health = app.health[Side.SECONDARY]
        assert health.reachable is True and health.key_accepted is False
        assert "SECONDARY westus2  ✗ key refused · 15:30:00" in screen_text(app)


async def test_the_ui_answers_keys_while_a_region_hangs(dashboard: Dashboard) -> None:
    world = dashboard.world
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        hang = asyncio.Event()

        async def never(_seconds: float) -> None:
            await hang.wait()

        world.sleep = never
        world.faults.set_latency(60_000, region="westus2")
        await pilot.press("r")
        await pilot.pause()
        [refresh] = [w for w in app.workers if w.group == "refresh"]
        assert refresh.state is WorkerState.RUNNING
        main = app.main_screen
        assert main is not None and main.active_table is not None
        table = main.active_table
        start = table.cursor_index
        await pilot.press("down", "down")
        assert table.cursor_index == start + 2
        await pilot.press("slash", *"drifted", "enter")
        assert [table.rows[k].name for k in table.visible_keys] == ["receipt"]
        await pilot.press("2")
        assert main.active_view is not None and main.active_view.kind is AssetKind.CLASSIFIER
        assert refresh.state is WorkerState.RUNNING, "the hung region is still being waited for"
        hang.set()
        world.faults.set_latency(0, region="westus2")
        await settle(pilot)
        assert refresh.state is WorkerState.SUCCESS


async def test_secondary_down_mid_sync_leaves_jobs_interrupted_and_the_next_start_finishes_them(
    dashboard: Dashboard,
) -> None:
    world = dashboard.world
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        world.faults.set_outage("westus2", True)  # the region goes dark once the plan is on screen
        await pilot.click("#confirm")
        await settle(pilot)
        lines = app.main_screen.jobs_panel.lines.values() if app.main_screen else []
        assert lines and all(line.interrupted and not line.state.finished for line in lines)
    jobs = dashboard.journal().list_jobs()
    assert jobs and {j.state for j in jobs} == {JobState.INTERRUPTED}, [(j.state, j.error) for j in jobs]
    assert all("jobs resume" in (j.error or "") for j in jobs)
    world.faults.set_outage("westus2", False)
    again = dashboard.app(auto_refresh=0)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
    done = dashboard.journal().list_jobs()
    assert {j.id for j in done} == {j.id for j in jobs} and {j.state for j in done} == {JobState.SUCCEEDED}
    target = world.resources["contoso-di-wus2"]
    assert {"purchase-order", "w2-2023"} <= set(target.models) and "mail-sorter" in target.classifiers


def _cron_session(dashboard: Dashboard, owner: Owner) -> SyncSession:
    """Another regionsync process on the same journal (a cron sync on host ops-2)."""
    vtime = VirtualTime(dashboard.world)
    return SyncSession(
        dashboard.profile_name,
        dashboard.profile(),
        journal=dashboard.journal(),
        transport=EmulatorTransport(dashboard.world),
        owner=owner,
        poller=Poller(clock=vtime.clock, sleep=vtime.sleep),  # its polls move the frozen world's clock
    )


OTHER = Owner(host="ops-2", pid=77, started="j1")


def _copies_of(dashboard: Dashboard, name: str) -> int:
    ops = dashboard.world.resources[dashboard.primary].operations.values()
    return sum(1 for op in ops if op.source_asset_id == name)


async def test_a_job_another_process_runs_is_followed_from_the_journal_never_run_here(
    dashboard: Dashboard,
) -> None:
    cron = _cron_session(dashboard, OTHER)
    [(pair, plan)] = await cron.plan(only=["w2-2023"])
    [held] = cron.runner.create_jobs(pair, plan)  # a cron sync on another host holds this job
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        line = main.jobs_panel.lines[held.id]
        assert "run by pid 77 on host ops-2" in line.target and not line.state.finished
        assert _copies_of(dashboard, "w2-2023") == 0, "the dashboard never carries out another's job"
        await app.run_action("jobs")
        await settle(pilot)
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("x")  # cancel: the owner stops it at its next step or poll
        await settle(pilot)
        [done] = await cron.runner.run(pair, [held])
        assert done.state is JobState.CANCELED, done.error
        app._follow_elsewhere()
        await pilot.pause()
        assert main.jobs_panel.lines[held.id].state is JobState.CANCELED
    await cron.aclose()
    assert _copies_of(dashboard, "w2-2023") == 0


async def test_r_on_the_jobs_screen_resumes_an_interrupted_job(dashboard: Dashboard) -> None:
    world = dashboard.world
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_row = app.main_screen.active_table if app.main_screen else None
        assert select_row is not None
        await pilot.press("s")
        await settle(pilot)
        world.faults.set_outage("westus2", True)
        await pilot.click("#confirm")
        await settle(pilot)
        interrupted = dashboard.journal().list_jobs()
        assert interrupted and {j.state for j in interrupted} == {JobState.INTERRUPTED}
        world.faults.set_outage("westus2", False)
        await app.run_action("jobs")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
    states = {j.id: j.state for j in dashboard.journal().list_jobs()}
    assert JobState.SUCCEEDED in states.values(), "the selected job was resumed to success"
    for job in interrupted:
        assert _copies_of(dashboard, job.source_id) <= 1


async def test_when_a_job_another_process_ran_ends_the_rows_show_what_it_did(dashboard: Dashboard) -> None:
    cron = _cron_session(dashboard, OTHER)
    [(pair, plan)] = await cron.plan(only=["w2-2023"])
    [held] = cron.runner.create_jobs(pair, plan)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None and main.active_table is not None
        key = row_key(DI, AssetKind.MODEL, "w2-2023")
        assert main.active_table.rows[key].status is not SyncStatus.IN_SYNC
        [done] = await cron.runner.run(pair, [held])  # the cron sync finishes it
        assert done.state is JobState.SUCCEEDED, done.error
        app._follow_elsewhere()
        await settle(pilot)
        assert main.jobs_panel.lines[held.id].state is JobState.SUCCEEDED
        assert main.active_table.rows[key].status is SyncStatus.IN_SYNC, "refreshed without a key press"
    await cron.aclose()
