"""MainScreen: the header, a tab per asset kind over the diff of the two regions, the jobs panel, the
footer. It lays the widgets out and routes tabs and the filter; the app feeds it data and owns every
action. The tabs share one DiffTable (a page per kind), so switching tabs is a repaint, not a relayout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Tab, Tabs

from regionsync.domain import AssetKind, Service
from regionsync.tui.model import KIND_TITLES, DiffRow, parse_filter
from regionsync.tui.widgets.diff_table import DiffTable
from regionsync.tui.widgets.diff_view import DiffView
from regionsync.tui.widgets.filter_bar import FilterBar
from regionsync.tui.widgets.footer import KeysFooter
from regionsync.tui.widgets.header import AppHeader
from regionsync.tui.widgets.jobs_panel import JobsPanel

W = TypeVar("W", bound=Widget)


def tab_id(kind: AssetKind) -> str:
    return f"tab-{kind.value}"


class MainScreen(Screen[None]):
    """The diff of the profile's two regions, one tab per asset kind."""

    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen Tabs { height: 2; }
    """

    def __init__(self, profile: str, tabs: Sequence[tuple[Service, AssetKind]]) -> None:
        super().__init__(id="main")
        self.profile = profile
        order = list(KIND_TITLES)
        self.tabs = sorted(dict.fromkeys(tabs), key=lambda t: order.index(t[1]))
        self.kinds = [kind for _, kind in self.tabs] or [AssetKind.MODEL]
        self._children_by_name: dict[str, Widget] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(self.profile)
        yield FilterBar(id="filter")
        tabs = Tabs(*(Tab(KIND_TITLES[kind], id=tab_id(kind)) for kind in self.kinds), id="tabs")
        tabs.can_focus = False
        yield tabs
        yield DiffView(self.kinds[0], id="diff")
        yield JobsPanel()
        yield KeysFooter()

    def on_mount(self) -> None:
        self.diff.table.focus()

    # -- typed accessors (looked up once: progress updates use them many times a second) --------------

    @property
    def header(self) -> AppHeader:
        return self._child("header", AppHeader)

    @property
    def jobs_panel(self) -> JobsPanel:
        return self._child("jobs", JobsPanel)

    @property
    def filter_bar(self) -> FilterBar:
        return self._child("filter", FilterBar)

    @property
    def diff(self) -> DiffView:
        return self._child("diff", DiffView)

    def _child(self, name: str, kind: type[W]) -> W:
        found = self._children_by_name.get(name)
        if found is None or not found.is_attached:
            found = self._children_by_name[name] = self.query_one(kind)
        return found  # type: ignore[return-value]

    @property
    def active_view(self) -> DiffView:
        return self.diff

    @property
    def active_table(self) -> DiffTable:
        return self.diff.table

    @property
    def selected_row(self) -> DiffRow | None:
        return self.diff.table.cursor_row

    def tab_titles(self) -> list[str]:
        """The tabs' titles, in the order the keys 1-4 select them."""
        return [KIND_TITLES[kind] for kind in self.kinds]

    def has_kind(self, kind: AssetKind) -> bool:
        return kind in self.kinds

    # -- tabs and filter -----------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        if 0 <= index < len(self.kinds):
            self.query_one(Tabs).active = tab_id(self.kinds[index])

    def step_tab(self, step: int) -> None:
        current = self.kinds.index(self.diff.kind) if self.diff.kind in self.kinds else 0
        self.show_tab((current + step) % len(self.kinds))

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        kind = AssetKind(event.tab.id.removeprefix("tab-"))
        self.diff.show(kind)
        self.diff.table.focus()

    def open_filter(self) -> None:
        self.filter_bar.open()

    def apply_filter(self, query: str) -> None:
        self.diff.set_filter(parse_filter(query))

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.apply_filter(event.query)
        if event.done:
            self.diff.table.focus()
