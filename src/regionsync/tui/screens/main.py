"""MainScreen: the header, a tab per asset kind (each a diff of the two regions), the jobs panel, the
footer. It lays the widgets out and routes the filter; the app feeds it data and owns every action."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from regionsync.domain import AssetKind, Service
from regionsync.tui.model import KIND_TITLES, DiffRow, parse_filter
from regionsync.tui.widgets.diff_table import DiffTable
from regionsync.tui.widgets.diff_view import DiffView
from regionsync.tui.widgets.filter_bar import FilterBar
from regionsync.tui.widgets.header import AppHeader
from regionsync.tui.widgets.jobs_panel import JobsPanel


def tab_id(kind: AssetKind) -> str:
    return f"tab-{kind.value}"


class MainScreen(Screen[None]):
    """The diff of the profile's two regions, one tab per asset kind."""

    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabbedContent > ContentSwitcher { height: 1fr; }
    MainScreen TabPane { padding: 0; height: 1fr; }
    """

    def __init__(self, profile: str, tabs: Sequence[tuple[Service, AssetKind]]) -> None:
        super().__init__(id="main")
        self.profile = profile
        order = list(KIND_TITLES)
        self.tabs = sorted(tabs, key=lambda t: order.index(t[1]))

    def compose(self) -> ComposeResult:
        yield AppHeader(self.profile)
        yield FilterBar(id="filter")
        with TabbedContent(id="tabs"):
            for service, kind in self.tabs:
                with TabPane(KIND_TITLES[kind], id=tab_id(kind)):
                    yield DiffView(service, kind, id=f"view-{kind.value}")
        yield JobsPanel()
        yield Footer()

    def on_mount(self) -> None:
        table = self.active_table
        if table is not None:
            table.focus()

    # -- typed accessors -----------------------------------------------------------------------------

    @property
    def header(self) -> AppHeader:
        return self.query_one(AppHeader)

    @property
    def jobs_panel(self) -> JobsPanel:
        return self.query_one(JobsPanel)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def tabbed(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    def view(self, kind: AssetKind) -> DiffView | None:
        found = self.query(f"#view-{kind.value}")
        return found.first(DiffView) if found else None

    @property
    def views(self) -> list[DiffView]:
        return list(self.query(DiffView))

    @property
    def active_view(self) -> DiffView | None:
        active = self.tabbed.active
        for view in self.views:
            if tab_id(view.kind) == active:
                return view
        return None

    @property
    def active_table(self) -> DiffTable | None:
        view = self.active_view
        return view.table if view is not None else None

    @property
    def selected_row(self) -> DiffRow | None:
        table = self.active_table
        return table.cursor_row if table is not None else None

    # -- tabs and filter -----------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        if 0 <= index < len(self.tabs):
            self.tabbed.active = tab_id(self.tabs[index][1])
            self._focus_table()

    def step_tab(self, step: int) -> None:
        ids = [tab_id(kind) for _, kind in self.tabs]
        if ids:
            current = ids.index(self.tabbed.active) if self.tabbed.active in ids else 0
            self.show_tab((current + step) % len(ids))

    def _focus_table(self) -> None:
        table = self.active_table
        if table is not None:
            table.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self._focus_table()
        self.app.refresh_bindings()

    def open_filter(self) -> None:
        self.filter_bar.open()

    def apply_filter(self, query: str) -> None:
        row_filter = parse_filter(query)
        for view in self.views:
            view.set_filter(row_filter)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.apply_filter(event.query)
        if event.done:
            self._focus_table()
