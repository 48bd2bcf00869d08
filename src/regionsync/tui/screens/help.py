"""HelpScreen (`?`): the keys, the statuses (glyph and word) and where things come from."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from regionsync.domain import SyncStatus

KEYS: tuple[tuple[str, str], ...] = (
    ("c", "copy the selected asset to the secondary (pre-flight and confirmation first)"),
    ("s", "sync everything missing (the plan first, then one confirmation)"),
    ("r", "refresh both regions now"),
    ("/", "filter by id or name, or by status (missing, drifted, unknown …)"),
    ("enter", "details: both sides' fields, the last job, what to do"),
    ("j", "every job in the journal"),
    ("1-4  [ ]", "switch tab (asset kind)"),
    ("↑ ↓ PgUp PgDn", "move in the diff"),
    ("ctrl+p", "command palette: every action, themes, demo outages"),
    ("?", "this help"),
    ("ctrl+q", "quit (journaled jobs resume next time)"),
)

MEANINGS: dict[SyncStatus, str] = {
    SyncStatus.IN_SYNC: "the secondary holds the same asset: it can serve it now",
    SyncStatus.MISSING: "only on the primary: the secondary could not serve it",
    SyncStatus.DRIFTED: "on both, but the primary changed since (or they differ)",
    SyncStatus.EXTRA: "only on the secondary; sync never deletes it",
    SyncStatus.COPYING: "a copy job is running",
    SyncStatus.FAILED: "the last copy failed; details say why and what to do",
    SyncStatus.UNKNOWN: "a side could not be read (the reason is shown)",
}


def help_tables() -> tuple[Table, Table]:
    keys = Table(show_header=False, box=None, pad_edge=False)
    keys.add_column(style="bold")
    keys.add_column()
    for key, what in KEYS:
        keys.add_row(key, what)
    statuses = Table(show_header=False, box=None, pad_edge=False)
    statuses.add_column(style="bold", no_wrap=True)
    statuses.add_column()
    for status, meaning in MEANINGS.items():
        statuses.add_row(f"{status.glyph} {status.value}", meaning)
    return keys, statuses


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 96; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .section { text-style: bold; color: $accent; padding: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close"),
    ]

    def compose(self) -> ComposeResult:
        keys, statuses = help_tables()
        with Vertical(), VerticalScroll():
            yield Static("Keys", classes="section")
            yield Static(keys)
            yield Static("Statuses (the gutter between the two regions)", classes="section")
            yield Static(statuses)
            yield Static(
                "The left pane is the primary region, the right pane the secondary; rows are aligned by "
                "asset, a blank means that side lacks it. Failover readiness counts the primary's assets "
                "the secondary could serve now; the oldest gap is the recovery point.",
                classes="note",
            )

    def action_close(self) -> None:
        self.dismiss(None)
