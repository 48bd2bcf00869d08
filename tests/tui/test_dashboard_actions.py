"""Every key binding and modal of the dashboard, driven with App.run_test() against the emulator.

The demo world's contoso pair (v4.0, eastus → westus2) holds, on the Models tab: invoice and
tax-1099 in sync, receipt drifted, purchase-order and w2-2023 missing, old-payslips extra; on the
Classifiers tab mail-sorter is missing.
"""

from __future__ import annotations

from textual.command import CommandList
from textual.widgets import Button
from tui_support import (
    SIZE,
    Dashboard,
    footer_settled,
    journal_jobs,
    screen_text,
    select_model,
    settle,
    until,
)

from regionsync.domain import AssetKind, JobState, Service, SyncStatus
from regionsync.tui.app import RegionSyncApp
from regionsync.tui.commands import palette_entries
from regionsync.tui.messages import JobProgress
from regionsync.tui.model import row_key
from regionsync.tui.screens.confirm import ConfirmCopyScreen
from regionsync.tui.screens.details import DetailsScreen
from regionsync.tui.screens.help import HelpScreen
from regionsync.tui.screens.jobs import JobsScreen
from regionsync.tui.screens.main import MainScreen

DI = Service.DOCUMENT_INTELLIGENCE


def model_key(name: str) -> str:
    return row_key(DI, AssetKind.MODEL, name)


def main_of(app: RegionSyncApp) -> MainScreen:
    main = app.main_screen
    assert main is not None
    return main






async def test_main_screen_is_a_diff_of_both_regions(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = main_of(app).active_table
        assert table is not None
        statuses = {table.rows[k].name: table.rows[k].status for k in table.visible_keys}
        assert statuses == {
            "invoice": SyncStatus.IN_SYNC,
            "old-payslips": SyncStatus.EXTRA,
            "purchase-order": SyncStatus.MISSING,
            "receipt": SyncStatus.DRIFTED,
            "tax-1099": SyncStatus.IN_SYNC,
            "w2-2023": SyncStatus.MISSING,
        }
        extra = table.rows[model_key("old-payslips")]
        assert extra.primary is None and extra.secondary is not None
        text = screen_text(app)
        assert "failover readiness 2/6" in text
        assert "PRIMARY eastus" in text and "SECONDARY westus2" in text
        assert "● reachable · key ok" in text
        for words in ("═ in sync", "≠ drifted", "→ missing", "← extra"):
            assert words in text, words
        line = next(row for row in text.splitlines() if "← extra" in row)
        assert line.index("old-payslips") > line.index("← extra"), "the extra asset is in the secondary pane"


async def test_copy_shows_the_preflight_and_no_is_the_default(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "purchase-order")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCopyScreen)
        text = screen_text(app)
        assert "Copy model purchase-order to the secondary" in text
        assert "target quota 4/250" in text and "Nothing is deleted" in text
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "no"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert "purchase-order" not in dashboard.world.resources["contoso-di-wus2"].models
    assert journal_jobs(dashboard) == []


async def test_a_copy_from_the_dashboard_leaves_one_target_model_and_one_job(dashboard: Dashboard) -> None:
    target = dashboard.world.resources["contoso-di-wus2"]
    before = set(target.models)
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "purchase-order")
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        table = main_of(app).active_table
        assert table is not None
        assert table.rows[model_key("purchase-order")].status is SyncStatus.IN_SYNC
        select_model(app, "purchase-order")
        assert not app.check_action("copy", ())
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), "an asset in sync cannot be copied again"
        line = next(iter(main_of(app).jobs_panel.lines.values()))
        assert line.state is JobState.SUCCEEDED and line.asset_name == "purchase-order"
        assert "done" in screen_text(app)
    assert set(target.models) - before == {"purchase-order"}
    jobs = journal_jobs(dashboard)
    assert [(j.asset_name, j.state) for j in jobs] == [("purchase-order", JobState.SUCCEEDED)]


async def test_copy_is_offered_only_for_a_copyable_row(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "invoice")
        await footer_settled(pilot)
        assert not app.check_action("copy", ())
        assert "c Copy" not in screen_text(app)
        select_model(app, "w2-2023")
        await footer_settled(pilot)
        assert app.check_action("copy", ())
        assert "c Copy" in screen_text(app)
        select_model(app, "old-payslips")
        await pilot.pause()
        assert not app.check_action("copy", ()), "an extra asset is never copied back"


def palette_offers(app: RegionSyncApp, title: str) -> bool:
    """The open command palette lists a command whose title reads `title` (its search has finished)."""
    return any(
        title in str(commands.get_option_at_index(i).prompt)
        for commands in app.screen.query(CommandList)
        for i in range(commands.option_count)
    )


async def test_sync_missing_shows_the_plan_then_copies_everything_missing(dashboard: Dashboard) -> None:
    world = dashboard.world
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmCopyScreen)
        text = screen_text(app)
        assert "Sync everything missing to the secondary" in text
        for line in ("copy model purchase-order", "copy model w2-2023", "copy classifier mail-sorter"):
            assert line in text, line
        assert "✗ model receipt: drifted" in text, "a drifted asset is refused, not replaced"
        assert "press c to replace" in text
        await pilot.click("#confirm")
        await settle(pilot)
        assert main_of(app).jobs_panel.lines and all(
            line.state is JobState.SUCCEEDED for line in main_of(app).jobs_panel.lines.values()
        )
        assert not app.check_action("sync_missing", ()), "nothing is missing any more"
    target = world.resources["contoso-di-wus2"]
    assert {"purchase-order", "w2-2023"} <= set(target.models)
    assert "mail-sorter" in target.classifiers
    assert target.models["receipt"].description == "Receipts", "the drifted copy was left alone"
    names = sorted(j.asset_name for j in journal_jobs(dashboard))
    assert names == ["mail-sorter", "purchase-order", "w2-2023"]


async def test_copy_of_a_drifted_asset_asks_to_replace_and_escape_keeps_it(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "receipt")
        await pilot.press("c")
        await settle(pilot)
        text = screen_text(app)
        assert "Replace the secondary's outdated model receipt" in text
        assert "is DELETED first" in text
        assert str(app.screen.query_one("#confirm", Button).label) == "Replace"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert dashboard.world.resources["contoso-di-wus2"].models["receipt"].description == "Receipts"
    assert journal_jobs(dashboard) == []


async def test_refresh_reconciles_rows_in_place(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = main_of(app).active_table
        assert table is not None
        select_model(app, "tax-1099")
        invoice = table.rows[model_key("invoice")]
        dashboard.world.add_model("contoso-di-eus", "bank-statement", description="Bank statements")
        await pilot.press("r")
        await settle(pilot)
        assert table.last_reconcile.added == 1 and table.last_reconcile.removed == 0
        assert table.last_reconcile.unchanged == 6, "rows that did not change are not touched"
        assert table.rows[model_key("invoice")] is invoice
        assert table.rows[model_key("bank-statement")].status is SyncStatus.MISSING
        assert table.cursor_row is not None and table.cursor_row.name == "tax-1099", "the cursor stays put"


async def test_filter_by_status_and_by_id(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = main_of(app).active_table
        assert table is not None
        await pilot.press("slash")
        await pilot.press(*"missing")
        await pilot.pause()
        assert [table.rows[k].name for k in table.visible_keys] == ["purchase-order", "w2-2023"]
        assert "filter missing: 2 of 6" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is table, "enter keeps the filter and returns to the table"
        await pilot.press("slash")
        await pilot.press(*(["backspace"] * 7), *"tax")
        await pilot.pause()
        assert [table.rows[k].name for k in table.visible_keys] == ["tax-1099"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(table.visible_keys) == 6


async def test_details_show_both_sides_and_what_to_do(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "receipt")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        assert "Receipts, retrained November" in text and "Receipts" in text
        assert "≠ drifted" in text and "What to do" in text and "Press c to replace" in text
        assert "no copy job in the journal" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_jobs_and_help_screens_open_and_close(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JobsScreen)
        assert "The journal holds no job for this profile yet." in screen_text(app)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("end")  # the statuses come after every key of the screen
        await pilot.pause()
        help_text = screen_text(app)
        for status in SyncStatus:
            assert f"{status.glyph} {status.value}" in help_text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_tab_keys_switch_asset_kind(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_of(app)
        await pilot.press("2")
        await pilot.pause()
        assert main.active_view is not None and main.active_view.kind is AssetKind.CLASSIFIER
        table = main.active_table
        assert table is not None and [table.rows[k].name for k in table.visible_keys] == ["mail-sorter"]
        assert app.focused is table
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert main.active_view is not None and main.active_view.kind is AssetKind.MODEL


async def test_palette_offers_what_can_be_done_now(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select_model(app, "invoice")
        titles = [entry.title for entry in palette_entries(app)]
        assert "sync: copy missing to secondary" in titles
        assert "view: refresh" in titles and "view: details" in titles
        assert "theme: regionsync-light" in titles and "theme: regionsync-dark" not in titles
        assert "demo: take westus2 down" in titles and "demo: take eastus down" in titles
        assert not any(t.startswith("sync: copy invoice") for t in titles)
        select_model(app, "w2-2023")
        assert "sync: copy w2-2023 to the secondary" in [e.title for e in palette_entries(app)]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"take westus2 down")
        offered = "demo: take westus2 down"
        await until(pilot, lambda: palette_offers(app, offered), "the palette lists the command typed")
        await pilot.press("enter")
        await settle(pilot)
        assert dashboard.world.faults.is_down("westus2")
        assert "demo: bring westus2 back" in [e.title for e in palette_entries(app)]
        assert "✗ unreachable: connection refused" in screen_text(app)


def test_progress_messages_coalesce_per_job_only() -> None:
    from regionsync.domain import ProgressEvent

    def event(job: str, percent: int) -> JobProgress:
        return JobProgress(ProgressEvent(job_id=job, asset_name="a", step="copy", step_index=2, step_count=3,
                                         state=JobState.RUNNING, percent=percent))

    assert event("j1", 60).can_replace(event("j1", 40))
    assert not event("j2", 60).can_replace(event("j1", 40))
