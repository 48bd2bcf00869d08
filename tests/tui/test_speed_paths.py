"""The dashboard's fast paths show exactly what the slow ones would: the footer updated in place,
job rows that repaint only when in view, the filter input, full collections held off only while
listings are read."""

from __future__ import annotations

import gc

from tui_support import SIZE, Dashboard, footer_settled, screen_text, settle, until

from regionsync.domain import AssetKind, JobState, ProgressEvent, Service
from regionsync.tui.app import FULL_COLLECTIONS_OFF, young_collections_only
from regionsync.tui.messages import JobProgress
from regionsync.tui.model import JobLine, row_key
from regionsync.tui.widgets.footer import KeysFooter

DI = Service.DOCUMENT_INTELLIGENCE


def footer_line(text: str) -> str:
    return text.rstrip().splitlines()[-1]


async def test_the_footer_follows_the_selection_and_reads_like_a_rebuilt_one(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        table = main.active_table
        assert table is not None
        seen: dict[str, str] = {}
        for name in ("purchase-order", "invoice", "old-payslips", "w2-2023"):
            assert table.select_key(row_key(DI, AssetKind.MODEL, name))
            await footer_settled(pilot)  # the footer settles after the cursor stops
            seen[name] = footer_line(screen_text(app))
        assert "Copy" in seen["purchase-order"] and "Copy" in seen["w2-2023"]
        assert "Copy" not in seen["invoice"] and "Copy" not in seen["old-payslips"]
        assert seen["purchase-order"] == seen["w2-2023"], "the same keys read the same, however reached"
        footer = main.query_one(KeysFooter)
        repainted = footer.repaints
        footer.refresh(recompose=True)  # what a plain Footer does on every change
        await footer_settled(pilot)
        assert footer_line(screen_text(app)) == seen["w2-2023"]
        assert footer.repaints == repainted, "the same keys are not drawn again"


async def test_progress_for_a_job_out_of_view_shows_when_it_scrolls_back(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        panel = main.jobs_panel
        now = app.now()
        for i in range(30):
            panel.upsert(JobLine(job_id=f"job-{i:02d}", asset_name=f"asset-{i:02d}", target="westus2"), now)
        await pilot.pause()
        last = "job-00"  # newest first: the oldest job is the one below the fold
        event = ProgressEvent(
            job_id=last,
            asset_name="asset-00",
            step="copy",
            step_index=2,
            step_count=3,
            state=JobState.RUNNING,
            percent=73,
        )
        app.post_message(JobProgress(event))
        await pilot.pause()
        panel.scroll_end(animate=False)
        await until(pilot, lambda: "asset-00" in screen_text(app), "job-00 scrolled into view")
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "asset-00" in line)
        assert "73%" in row and "step 2/3 copy" in row


async def test_a_filter_typed_key_by_key_is_applied_in_full(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        for ch in "purchase-order":
            await pilot.press(ch)
        await pilot.pause()
        main = app.main_screen
        assert main is not None and main.active_table is not None
        names = {main.active_table.rows[k].name for k in main.active_table.visible_keys}
        assert names == {"purchase-order"}


async def test_a_refresh_holds_off_full_collections_only_while_it_builds(dashboard: Dashboard) -> None:
    app = dashboard.app(auto_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        usual = gc.get_threshold()
        assert usual[2] != FULL_COLLECTIONS_OFF, "the thresholds are back once the listings are read"
        with young_collections_only():
            assert gc.get_threshold() == (usual[0], usual[1], FULL_COLLECTIONS_OFF)
            with young_collections_only():  # a pre-flight while a refresh reads: one change
                assert gc.get_threshold()[2] == FULL_COLLECTIONS_OFF
            assert gc.get_threshold()[2] == FULL_COLLECTIONS_OFF, "the outer build still runs"
        assert gc.get_threshold() == usual and gc.isenabled()
        app.action_refresh()
        await settle(pilot)
        assert gc.get_threshold() == usual
