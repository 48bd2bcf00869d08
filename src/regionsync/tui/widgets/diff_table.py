"""DiffTable: both regions side by side in one virtual table, rows aligned by asset identity.

Three regions per line — primary columns │ gutter │ secondary columns — so the two panes can never
scroll apart, and a blank stands where one side lacks the asset. Rows are keyed by asset identity
and reconciled in place (`reconcile` adds, updates and removes by key; the order is recomputed only
when the set of keys changes); only the lines on screen are ever rendered (Textual's line API), so
5,000 rows cost what 30 do. One table serves every tab: each asset kind is a *page* (its rows, its
cursor, its scroll position), and switching tabs swaps the page — no widget is shown, hidden or
focused, so a tab switch costs one repaint. Colours come from component classes bound to theme variables
(`$sync-ok`, `$sync-drift` …); the status is always a glyph and a word, never colour alone.

Speed (issue #6): the styles a paint needs are looked up once per paint (`_Palette`), each row's rendered
line is kept until the row, the width, the cursor or the styles change (`_StripCache`), and the `/`
filter scans a column of case-folded search texts built once per set of rows — so a keystroke, a tab
switch or a page of scrolling re-renders only what it has never shown before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from regionsync.domain import SyncStatus
from regionsync.tui.model import DiffRow, RowFilter, SideCell
from regionsync.tui.pane_titles import PaneTitle

HEADER_LINES = 2
GUTTER_WIDTH = 16
"""Wide enough for `⟳ copying 100%` with a space either side."""
WIDE_INFO = 19
"""`creating 2024-10-02`: the state and the day of the last change."""
NARROW_INFO = 8
"""Only the state, when the panes are narrow (80 columns)."""

_STATUS_CLASS: dict[SyncStatus, str] = {
    status: "diff-table--status-" + status.value.replace(" ", "-") for status in SyncStatus
}
STRIP_CACHE_SIZE = 4096
"""Rendered lines kept (a few screens of every tab); past it the cache starts again."""


@dataclass(frozen=True)
class Columns:
    """Widths of one line: `␣name␣info␣│gutter│␣name␣info␣` (the right pane takes the odd column)."""

    left: int
    right: int
    info: int

    @staticmethod
    def for_width(width: int) -> Columns:
        panes = max(0, width - GUTTER_WIDTH - 2)
        left = panes // 2
        right = panes - left
        if left >= WIDE_INFO + 3 + 14:
            info = WIDE_INFO
        elif left >= NARROW_INFO + 3 + 8:
            info = NARROW_INFO
        else:
            info = 0
        return Columns(left=left, right=right, info=info)

    def name_width(self, pane: int) -> int:
        return max(1, pane - self.info - (3 if self.info else 2))


@dataclass(frozen=True)
class ReconcileStats:
    """What one `reconcile` changed, by key (the tests use it to prove rows are never rebuilt)."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class _Palette:
    """Every style one paint needs, looked up once per paint (a lookup walks the DOM; a line has ten)."""

    base: Style
    cursor: Style
    dim: tuple[Style, Style]
    """Plain, under the cursor."""
    divider: tuple[Style, Style]
    status: tuple[dict[SyncStatus, Style], dict[SyncStatus, Style]]
    header: Style
    subtitle: Style
    error: Style


@dataclass
class _StripCache:
    """Rendered row lines by row key, valid while the row object, the width, the cursor flag and the
    palette are the ones they were rendered with (rows are immutable: a change is a new object)."""

    palette: _Palette | None = None
    lines: dict[str, tuple[DiffRow, int, bool, Strip]] = field(default_factory=dict)

    def get(self, row: DiffRow, width: int, cursor: bool) -> Strip | None:
        found = self.lines.get(row.key)
        if found is not None and found[0] is row and found[1] == width and found[2] == cursor:
            return found[3]
        return None

    def put(self, row: DiffRow, width: int, cursor: bool, strip: Strip) -> None:
        if len(self.lines) >= STRIP_CACHE_SIZE:
            self.lines.clear()
        self.lines[row.key] = (row, width, cursor, strip)

    def use(self, palette: _Palette) -> None:
        """Start over when the styles changed (theme, focus, CSS)."""
        if palette != self.palette:
            self.palette = palette
            self.lines.clear()


@dataclass
class _Page:
    """The rows of one tab, and where its cursor and scroll were."""

    rows: dict[str, DiffRow] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    search: list[str] | None = None
    """Each row's case-folded search text, in `order` (None: to be rebuilt)."""
    visible: list[str] = field(default_factory=list)
    filter: RowFilter = field(default_factory=RowFilter)
    cursor: int = 0
    cursor_key: str | None = None
    scroll_y: int = 0
    titles: tuple[PaneTitle, PaneTitle] = (PaneTitle("PRIMARY"), PaneTitle("SECONDARY"))
    last_reconcile: ReconcileStats = field(default_factory=ReconcileStats)


def _fit(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _centre(text: str, width: int) -> str:
    room = max(0, width - cell_len(text))
    return _fit(" " * (room // 2) + text, width)


class DiffTable(ScrollView, can_focus=True):
    """The two regions of one asset kind as a diff: keyed rows, a cursor, a filter."""

    DEFAULT_CSS = """
    DiffTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    DiffTable > .diff-table--header { text-style: bold; color: $foreground; }
    DiffTable > .diff-table--subtitle { color: $text-muted; }
    DiffTable > .diff-table--error { color: $error; text-style: bold; }
    DiffTable > .diff-table--divider { color: $panel-lighten-2; }
    DiffTable > .diff-table--dim { color: $text-muted; }
    DiffTable > .diff-table--cursor { background: $panel; text-style: bold; }
    DiffTable:focus > .diff-table--cursor { background: $primary 35%; text-style: bold; }
    DiffTable > .diff-table--status-in-sync { color: $sync-ok; }
    DiffTable > .diff-table--status-missing { color: $sync-missing; text-style: bold; }
    DiffTable > .diff-table--status-drifted { color: $sync-drift; text-style: bold; }
    DiffTable > .diff-table--status-extra { color: $sync-extra; }
    DiffTable > .diff-table--status-copying { color: $sync-copying; text-style: bold; }
    DiffTable > .diff-table--status-failed { color: $sync-failed; text-style: bold reverse; }
    DiffTable > .diff-table--status-unknown { color: $sync-unknown; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-table--header",
        "diff-table--subtitle",
        "diff-table--error",
        "diff-table--divider",
        "diff-table--dim",
        "diff-table--cursor",
        *_STATUS_CLASS.values(),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="diff-up", tooltip="Previous asset."),
        Binding("down", "cursor(1)", "Down", show=False, id="diff-down", tooltip="Next asset."),
        Binding("pageup", "page(-1)", "Page up", show=False, id="diff-page-up", tooltip="A page up."),
        Binding("pagedown", "page(1)", "Page down", show=False, id="diff-page-down", tooltip="A page down."),
        Binding("home", "jump(0)", "First", show=False, id="diff-first", tooltip="First asset."),
        Binding("end", "jump(-1)", "Last", show=False, id="diff-last", tooltip="Last asset."),
    ]

    class Highlighted(Message):
        """The cursor is on another row (or on none)."""

        def __init__(self, table: DiffTable, row: DiffRow | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> DiffTable:
            return self.table

    class Activated(Message):
        """A row was double-clicked (the keyboard's `enter` is the app's Details binding)."""

        def __init__(self, table: DiffTable, row: DiffRow) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> DiffTable:
            return self.table

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._pages: dict[str, _Page] = {"": _Page()}
        self._page_name = ""
        self._page = self._pages[""]
        self._filter = RowFilter()
        self._announced: tuple[str, str | None] | None = None
        self._empty_text = "no assets of this kind on either side"
        self._strips = _StripCache()
        self._palette: _Palette | None = None

    # -- pages (one per tab) -------------------------------------------------------------------

    def _store(self, page: str | None) -> _Page:
        name = self._page_name if page is None else page
        found = self._pages.get(name)
        if found is None:
            found = self._pages[name] = _Page()
        return found

    @property
    def page(self) -> str:
        return self._page_name

    def show_page(self, page: str) -> None:
        """Show another page (tab): its rows, cursor and scroll position come back as they were."""
        if page == self._page_name:
            return
        self._page.scroll_y = int(self.scroll_offset.y)
        self._page_name = page
        self._page = self._store(page)
        if self._page.filter != self._filter:
            self._refilter(self._page)
        self._update_virtual_size()
        self.scroll_to(y=self._page.scroll_y, animate=False, immediate=True)
        self._after_change(self._page)

    # -- data in ---------------------------------------------------------------------------------

    def set_titles(self, primary: PaneTitle, secondary: PaneTitle, *, page: str | None = None) -> None:
        store = self._store(page)
        if (primary, secondary) != store.titles:
            store.titles = (primary, secondary)
            if store is self._page:
                self.refresh(Region(0, 0, self.size.width, HEADER_LINES))

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.refresh()

    def reconcile(self, rows: Iterable[DiffRow], *, page: str | None = None) -> ReconcileStats:
        """Make the page hold exactly `rows`: add new keys, update changed rows in place, drop gone ones."""
        store = self._store(page)
        new = {row.key: row for row in rows}
        removed = [k for k in store.rows if k not in new]
        added = updated = unchanged = 0
        status_changed = searched_changed = False
        for key, row in new.items():
            before = store.rows.get(key)
            if before is None:
                added += 1
            elif before != row:
                updated += 1
                status_changed = status_changed or before.status is not row.status
                searched_changed = searched_changed or before.ids != row.ids
            else:
                unchanged += 1
                continue
            store.rows[key] = row
        for key in removed:
            del store.rows[key]
        if added or removed or searched_changed:
            store.search = None
        if added or removed:
            store.order = sorted(store.rows, key=lambda k: (store.rows[k].name.casefold(), k))
            self._refilter(store)
        elif status_changed and self._filter.statuses:
            self._refilter(store)
        store.last_reconcile = ReconcileStats(added, updated, len(removed), unchanged)
        if (added or updated or removed) and store is self._page:
            self._after_change(store)
        return store.last_reconcile

    def update_row(self, row: DiffRow, *, page: str | None = None) -> bool:
        """Replace one row in place (e.g. copy progress); False when the key is not on the page."""
        store = self._store(page)
        before = store.rows.get(row.key)
        if before is None or before == row:
            return False
        store.rows[row.key] = row
        if before.ids != row.ids:  # the name is the key's: only the ids can change what is searched
            store.search = None
        if self._filter.statuses and before.status is not row.status:
            self._refilter(store)
            if store is self._page:
                self._after_change(store)
            return True
        if store is self._page:
            self._refresh_key(row.key)
            if row.key == store.cursor_key:
                self._announce(force=True)
        return True

    def set_filter(self, row_filter: RowFilter) -> None:
        """Show only the rows `row_filter` matches (every page; hidden pages catch up when shown)."""
        if row_filter == self._filter:
            return
        self._filter = row_filter
        self._refilter(self._page)
        self._after_change(self._page)

    # -- data out (of the page shown) ------------------------------------------------------------

    @property
    def row_filter(self) -> RowFilter:
        return self._filter

    @property
    def rows(self) -> dict[str, DiffRow]:
        """Every row of the page shown, by key (filtered out or not)."""
        return self._page.rows

    @property
    def visible_keys(self) -> Sequence[str]:
        return self._page.visible

    @property
    def cursor_row(self) -> DiffRow | None:
        key = self._page.cursor_key
        return self._page.rows.get(key) if key else None

    @property
    def cursor_index(self) -> int:
        return self._page.cursor

    @property
    def last_reconcile(self) -> ReconcileStats:
        return self._page.last_reconcile

    def row(self, key: str, *, page: str | None = None) -> DiffRow | None:
        return self._store(page).rows.get(key)

    def page_rows(self, page: str) -> dict[str, DiffRow]:
        return self._store(page).rows

    def select_key(self, key: str) -> bool:
        position = self._position(self._page, key)
        if position is None:
            return False
        self._move_to(position)
        return True

    # -- filtering and cursor --------------------------------------------------------------------

    def _refilter(self, store: _Page) -> None:
        """What `RowFilter.matches` keeps, computed over the page's search column in one pass."""
        row_filter = store.filter = self._filter
        if row_filter.empty:
            store.visible = list(store.order)
        else:
            if store.search is None:
                store.search = [store.rows[k].search_text() for k in store.order]
            keyed: Iterable[tuple[str, str]] = zip(store.order, store.search, strict=True)
            if row_filter.statuses:
                rows, statuses = store.rows, row_filter.statuses
                keyed = [(k, text) for k, text in keyed if rows[k].status in statuses]
            words = row_filter.words
            if len(words) == 1:
                word = words[0]
                store.visible = [k for k, text in keyed if word in text]
            else:
                store.visible = [k for k, text in keyed if all(w in text for w in words)]

    @staticmethod
    def _position(store: _Page, key: str) -> int | None:
        """Where `key` is among the rows shown (None: filtered out or gone). Looked up by a scan, no
        index of every row kept: it is asked once per change of the rows, not once per paint."""
        visible = store.visible
        if store.cursor < len(visible) and visible[store.cursor] == key:
            return store.cursor
        try:
            return visible.index(key)
        except ValueError:
            return None

    def _after_change(self, store: _Page) -> None:
        """Keep the cursor on its row if it is still shown, else at the same height; repaint."""
        position = None if store.cursor_key is None else self._position(store, store.cursor_key)
        if position is not None:
            store.cursor = position
        else:
            store.cursor = min(store.cursor, max(0, len(store.visible) - 1))
        store.cursor_key = store.visible[store.cursor] if store.visible else None
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce()

    def _announce(self, *, force: bool = False) -> None:
        current = (self._page_name, self._page.cursor_key)
        if force or current != self._announced:
            self._announced = current
            self.post_message(self.Highlighted(self, self.cursor_row))

    def _move_to(self, position: int) -> None:
        store = self._page
        if not store.visible:
            return
        position = max(0, min(position, len(store.visible) - 1))
        if position == store.cursor:
            return
        previous = store.cursor
        store.cursor = position
        store.cursor_key = store.visible[position]
        if not self._scroll_cursor_into_view():
            self._refresh_position(previous)
            self._refresh_position(position)
        self._announce()

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_LINES)

    def _scroll_cursor_into_view(self) -> bool:
        """Scroll so the cursor row shows; True when the view moved (then everything repaints)."""
        top = int(self.scroll_offset.y)
        page = self._page_height()
        cursor = self._page.cursor
        target = top
        if cursor < top:
            target = cursor
        elif cursor >= top + page:
            target = cursor - page + 1
        if target != top:
            self.scroll_to(y=target, animate=False, immediate=True)
            self.refresh()
            return True
        return False

    def _refresh_key(self, key: str) -> None:
        """Repaint the line of row `key` if it is on screen (a scan of the lines shown, not the page)."""
        top = int(self.scroll_offset.y)
        shown = self._page.visible[top : top + max(0, self.size.height - HEADER_LINES)]
        if key in shown:
            self._refresh_position(top + shown.index(key))

    def _refresh_position(self, position: int) -> None:
        line = position - int(self.scroll_offset.y) + HEADER_LINES
        if HEADER_LINES <= line < self.size.height:
            self.refresh_line(line)

    def _update_virtual_size(self) -> None:
        """Follow the number of rows shown (the scrollbar's range); unchanged sizes cost nothing."""
        size = Size(self.scrollable_content_region.width, len(self._page.visible) + HEADER_LINES)
        if size != self.virtual_size:
            self.virtual_size = size

    def action_cursor(self, step: int) -> None:
        self._move_to(self._page.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self._page.cursor + direction * self._page_height())

    def action_jump(self, where: int) -> None:
        self._move_to(len(self._page.visible) - 1 if where < 0 else where)

    def on_resize(self, _event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def on_mount(self) -> None:
        self._update_virtual_size()

    async def _on_click(self, event: events.Click) -> None:
        line = event.y
        if line < HEADER_LINES:
            return
        position = int(self.scroll_offset.y) + line - HEADER_LINES
        if 0 <= position < len(self._page.visible):
            self._move_to(position)
            if event.chain >= 2 and self.cursor_row is not None:
                self.post_message(self.Activated(self, self.cursor_row))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._palette = None  # looked up afresh once per paint: styles may have changed since the last
        return super().render_lines(crop)

    def _current_palette(self) -> _Palette:
        palette = self._palette
        if palette is None:
            base = self.rich_style
            cursor = base + self.get_component_rich_style("diff-table--cursor", partial=True)

            def over(name: str) -> tuple[Style, Style]:
                partial = self.get_component_rich_style(name, partial=True)
                return base + partial, cursor + partial

            statuses = {status: over(name) for status, name in _STATUS_CLASS.items()}
            palette = self._palette = _Palette(
                base=base,
                cursor=cursor,
                dim=over("diff-table--dim"),
                divider=over("diff-table--divider"),
                status=({s: pair[0] for s, pair in statuses.items()},
                        {s: pair[1] for s, pair in statuses.items()}),
                header=over("diff-table--header")[0],
                subtitle=over("diff-table--subtitle")[0],
                error=over("diff-table--error")[0],
            )
            self._strips.use(palette)
        return palette

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        palette = self._current_palette()
        base = palette.base
        if y < HEADER_LINES:
            return self._title_line(Columns.for_width(width), palette, width, subtitle=y == 1)
        position = int(self.scroll_offset.y) + y - HEADER_LINES
        store = self._page
        if 0 <= position < len(store.visible):
            row = store.rows[store.visible[position]]
            cursor = position == store.cursor
            strip = self._strips.get(row, width, cursor)
            if strip is None:
                strip = self._row_line(row, Columns.for_width(width), palette, width, cursor=cursor)
                self._strips.put(row, width, cursor, strip)
            return strip
        if position == 0 and not store.visible:
            text = (
                self._empty_text if self._filter.empty
                else f"nothing matches the filter {self._filter.describe()}"
            )
            return Strip([Segment(_fit("  " + text, width), palette.dim[0])], width)
        return Strip.blank(width, base)

    def _title_line(self, columns: Columns, palette: _Palette, width: int, *, subtitle: bool) -> Strip:
        left, right = self._page.titles
        base = palette.base
        header = palette.subtitle if subtitle else palette.header
        divider = Segment("│", palette.divider[0])

        def pane(title: PaneTitle, size: int) -> Segment:
            text = title.subtitle if subtitle else title.title
            style = palette.error if subtitle and title.error else header
            return Segment(_fit(" " + text, size), style)

        gutter = "" if subtitle else "status"
        segments = [
            pane(left, columns.left),
            divider,
            Segment(_centre(gutter, GUTTER_WIDTH), header),
            divider,
            pane(right, columns.right),
        ]
        return Strip(segments, width).adjust_cell_length(width, base)

    @staticmethod
    def _row_line(row: DiffRow, columns: Columns, palette: _Palette, width: int, *, cursor: bool) -> Strip:
        which = 1 if cursor else 0
        base = palette.cursor if cursor else palette.base
        dim = palette.dim[which]
        divider = Segment("│", palette.divider[which])
        segments: list[Segment] = []
        DiffTable._side(segments, row.primary, columns, columns.left, base, dim)
        segments.append(divider)
        segments.append(Segment(_fit(" " + row.gutter, GUTTER_WIDTH), palette.status[which][row.status]))
        segments.append(divider)
        DiffTable._side(segments, row.secondary, columns, columns.right, base, dim)
        return Strip(segments, width).adjust_cell_length(width, base)

    @staticmethod
    def _side(
        segments: list[Segment], cell: SideCell | None, columns: Columns, size: int, base: Style, dim: Style
    ) -> None:
        if cell is None:
            segments.append(Segment(" " * size, base))
            return
        name_width = columns.name_width(size)
        segments.append(Segment(" " + _fit(cell.label, name_width) + " ", base))
        if columns.info:
            info = cell.info if columns.info >= WIDE_INFO else cell.state
            segments.append(Segment(_fit(info, columns.info) + " ", dim))
