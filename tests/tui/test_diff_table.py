"""DiffTable on its own: keyed rows reconciled in place, the filter, the cursor, aligned rendering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from tui_support import screen_text

from regionsync.domain import AssetKind, Service, SyncStatus
from regionsync.tui.model import DiffRow, SideCell, parse_filter, row_key
from regionsync.tui.themes import THEME_VARIABLE_DEFAULTS
from regionsync.tui.widgets.diff_table import Columns, DiffTable, PaneTitle

DI = Service.DOCUMENT_INTELLIGENCE


def make_row(name: str, status: SyncStatus, *, primary: bool = True, secondary: bool = True) -> DiffRow:
    cell = SideCell(name=name, id=name, state="ready", changed_at=datetime(2024, 10, 2, 9, 30, tzinfo=UTC))
    return DiffRow(
        key=row_key(DI, AssetKind.MODEL, name), service=DI, kind=AssetKind.MODEL, name=name, status=status,
        reason=f"{name} is {status.value}", primary=cell if primary else None,
        secondary=cell if secondary else None,
    )


ROWS = [
    make_row("alpha", SyncStatus.IN_SYNC),
    make_row("bravo", SyncStatus.MISSING, secondary=False),
    make_row("charlie", SyncStatus.EXTRA, primary=False),
    make_row("delta", SyncStatus.DRIFTED),
]


class TableApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(THEME_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield DiffTable(id="t")

    @property
    def table(self) -> DiffTable:
        return self.query_one(DiffTable)


async def test_rows_are_reconciled_by_key_in_place() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.table
        stats = table.reconcile(ROWS)
        assert (stats.added, stats.updated, stats.removed) == (4, 0, 0)
        alpha = table.rows[ROWS[0].key]
        changed = [ROWS[0], replace(ROWS[1], status=SyncStatus.COPYING, percent=10), ROWS[3],
                   make_row("echo", SyncStatus.MISSING, secondary=False)]
        stats = table.reconcile(changed)
        assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (1, 1, 1, 2)
        assert table.rows[ROWS[0].key] is alpha, "an unchanged row is the same object: nothing rebuilt"
        assert [table.rows[k].name for k in table.visible_keys] == ["alpha", "bravo", "delta", "echo"]
        await pilot.pause()
        assert "⟳ copying 10%" in screen_text(app)


async def test_the_cursor_stays_on_its_row_through_changes_and_filters() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.table
        table.reconcile(ROWS)
        table.focus()
        await pilot.press("down", "down", "down")
        assert table.cursor_row is not None and table.cursor_row.name == "delta"
        table.reconcile([make_row("aardvark", SyncStatus.MISSING, secondary=False), *ROWS])
        assert table.cursor_row is not None and table.cursor_row.name == "delta"
        table.set_filter(parse_filter("drifted"))
        assert table.cursor_row is not None and table.cursor_row.name == "delta"
        table.set_filter(parse_filter("missing"))
        assert [table.rows[k].name for k in table.visible_keys] == ["aardvark", "bravo"]
        table.set_filter(parse_filter("zzz"))
        assert table.cursor_row is None
        await pilot.pause()
        assert "nothing matches the filter “zzz”" in screen_text(app)


async def test_panes_are_aligned_with_a_blank_where_a_side_lacks_the_asset() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.table
        table.set_titles(PaneTitle("PRIMARY eastus"), PaneTitle("SECONDARY westus2", "✗ unreachable", True))
        table.reconcile(ROWS)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" PRIMARY eastus") and "SECONDARY westus2" in lines[0]
        assert "✗ unreachable" in lines[1]
        gutter = lines[0].index("│")
        for line in lines[2:6]:
            assert line.index("│") == gutter, "every row puts its gutter at the same column"
        bravo = next(line for line in lines if "→ missing" in line)
        assert bravo.rstrip().endswith("│"), "the secondary pane is blank for an asset it lacks"
        charlie = next(line for line in lines if "← extra" in line)
        assert charlie[:gutter].strip() == "", "the primary pane is blank for an extra asset"


async def test_paging_moves_a_screen_at_a_time_and_keeps_the_cursor_visible() -> None:
    app = TableApp()
    rows = [make_row(f"m{n:04d}", SyncStatus.IN_SYNC) for n in range(500)]
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.table
        table.reconcile(rows)
        table.focus()
        await pilot.press("pagedown")
        page = table.cursor_index
        assert page > 1
        await pilot.press("end")
        assert table.cursor_index == 499
        await pilot.pause()
        assert "m0499" in screen_text(app)
        await pilot.press("home")
        assert table.cursor_index == 0


def test_columns_narrow_to_the_state_at_80_columns() -> None:
    wide, narrow = Columns.for_width(119), Columns.for_width(79)
    assert wide.info == 19 and narrow.info == 8
    assert wide.left + wide.right + 16 + 2 == 119
