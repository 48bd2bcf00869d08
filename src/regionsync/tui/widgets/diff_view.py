"""DiffView: one tab's content — the DiffTable and, under it, why the highlighted row has its status."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from regionsync.domain import AssetKind, Service
from regionsync.tui.model import DiffRow, RowFilter
from regionsync.tui.widgets.diff_table import DiffTable, PaneTitle, ReconcileStats


class DiffView(Vertical):
    """A DiffTable plus a one-line explanation of the highlighted row (and of the filter)."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > .reason {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def __init__(self, service: Service, kind: AssetKind, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.service = service
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield DiffTable(id=f"table-{self.kind.value}")
        yield Static("", classes="reason", markup=False)

    @property
    def table(self) -> DiffTable:
        return self.query_one(DiffTable)

    def reconcile(self, rows: list[DiffRow]) -> ReconcileStats:
        stats = self.table.reconcile(rows)
        self._explain(self.table.cursor_row)
        return stats

    def set_titles(self, primary: PaneTitle, secondary: PaneTitle) -> None:
        self.table.set_titles(primary, secondary)

    def set_filter(self, row_filter: RowFilter) -> None:
        self.table.set_filter(row_filter)
        self._explain(self.table.cursor_row)

    @on(DiffTable.Highlighted)
    def _highlighted(self, event: DiffTable.Highlighted) -> None:
        self._explain(event.row)

    def _explain(self, row: DiffRow | None) -> None:
        table = self.table
        parts: list[str] = []
        if not table.row_filter.empty:
            parts.append(
                f"filter {table.row_filter.describe()}: {len(table.visible_keys)} of {len(table.rows)}"
            )
        if row is not None:
            parts.append(f"{row.name}: {row.reason}")
        self.query_one(".reason", Static).update(" · ".join(parts))
