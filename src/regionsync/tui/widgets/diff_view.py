"""DiffView: the diff area — one DiffTable (a page per asset kind) and, under it, why the highlighted
row has its status (and what the filter keeps)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget

from regionsync.domain import AssetKind
from regionsync.tui.model import DiffRow, RowFilter, short_words
from regionsync.tui.pane_titles import PaneTitle
from regionsync.tui.widgets.diff_table import DiffTable, ReconcileStats


class ReasonLine(Widget):
    """One line under the diff; repainted in place as the cursor moves (never relaid out)."""

    DEFAULT_CSS = """
    ReasonLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    text: reactive[str] = reactive("", layout=False)

    def render(self) -> RenderResult:
        return Text(self.text, no_wrap=True, overflow="ellipsis")


class DiffView(Vertical):
    """The DiffTable plus a one-line explanation of the highlighted row."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    """

    def __init__(self, first: AssetKind, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._first = first
        self._table: DiffTable | None = None
        self._reason: ReasonLine | None = None

    def compose(self) -> ComposeResult:
        yield DiffTable(id="diff-table")
        yield ReasonLine()

    def on_mount(self) -> None:
        self._table = self.query_one(DiffTable)
        self._reason = self.query_one(ReasonLine)
        self._table.show_page(self._first.value)

    @property
    def table(self) -> DiffTable:
        return self._table if self._table is not None else self.query_one(DiffTable)

    @property
    def kind(self) -> AssetKind:
        return AssetKind(self.table.page) if self.table.page else self._first

    def show(self, kind: AssetKind) -> None:
        self.table.show_page(kind.value)
        self._explain(self.table.cursor_row)

    def reconcile(self, kind: AssetKind, rows: list[DiffRow]) -> ReconcileStats:
        stats = self.table.reconcile(rows, page=kind.value)
        if kind is self.kind:
            self._explain(self.table.cursor_row)
        return stats

    def set_titles(self, kind: AssetKind, primary: PaneTitle, secondary: PaneTitle) -> None:
        self.table.set_titles(primary, secondary, page=kind.value)

    def set_filter(self, row_filter: RowFilter) -> None:
        self.table.set_filter(row_filter)
        self._explain(self.table.cursor_row)

    def row(self, kind: AssetKind, key: str) -> DiffRow | None:
        return self.table.row(key, page=kind.value)

    def update_row(self, row: DiffRow) -> None:
        self.table.update_row(row, page=row.kind.value)

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
            parts.append(f"{row.name}: {short_words(row.reason)}")
        reason = self._reason if self._reason is not None else self.query_one(ReasonLine)
        reason.text = " · ".join(parts)
