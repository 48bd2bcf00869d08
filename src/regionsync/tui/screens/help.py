"""HelpScreen (`?`): every key of the screen in front — built from that screen's bindings (its own, the
focused widget's and the app's, hidden ones such as `a` included) so it never falls behind them — then
the statuses (glyph and word) and where things come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from regionsync.domain import SyncStatus

KeyLine = tuple[str, str, bool]
"""(keys as shown, what they do, whether they do it now)."""

_SKIPPED = frozenset({"help_quit"})
"""Textual's system bindings that do not belong in a help list (ctrl+c only says how to quit)."""
_GENERIC = frozenset({"app.focus_next", "app.focus_previous", "screen.copy_text", "copy_text"})
"""Keys every Textual screen has (focus, copy text): listed after the screen's own."""


def keys_of(app: App[Any], screen: Screen[Any]) -> list[KeyLine]:
    """Every key of `screen` with what it does: the screen's and the app's keys first (hidden ones
    such as `a` included, and those that do nothing right now, marked so), then the focused widget's
    (moving around). One line per action; keys of the same action joined. On a modal screen only the
    app's priority keys (ctrl+q, ?) reach past it, so only those are listed."""
    chain = binding_chain(app, screen)  # the focused widget, its ancestors, the screen, the app
    ours: list[tuple[DOMNode, Binding]] = []
    widgets: list[tuple[DOMNode, Binding]] = []
    for node, bindings in chain:
        for _key, binding in bindings:
            if binding.action in _SKIPPED or binding.system:
                continue
            if node is app and screen.is_modal and not binding.priority:
                continue
            own = (node is screen or node is app) and binding.action not in _GENERIC
            (ours if own else widgets).append((node, binding))
    lines: dict[tuple[int, str], tuple[list[str], str, bool]] = {}
    for node, binding in ours + widgets:
        now = _can(node, binding.action)
        what = binding.tooltip or binding.description or binding.action
        keys = lines.get((id(node), binding.action), ([], "", now))[0]
        display = app.get_key_display(binding)
        if display not in keys:
            keys.append(display)
        lines[(id(node), binding.action)] = (keys, what, now)  # a subclass's words (declared later) win
    return [(" ".join(keys), what, now) for keys, what, now in lines.values()]


def binding_chain(app: App[Any], screen: Screen[Any]) -> list[tuple[DOMNode, list[tuple[str, Binding]]]]:
    """Each node from the focused widget up to the app with the bindings its class declares (a
    subclass's binding of a key replaces its base's), read from the public `BINDINGS`."""
    focused = screen.focused
    nodes: list[DOMNode] = list(focused.ancestors_with_self) if focused is not None else [screen, app]
    if app not in nodes:
        nodes.append(app)
    chain: list[tuple[DOMNode, list[tuple[str, Binding]]]] = []
    for node in nodes:
        by_key: dict[str, Binding] = {}
        for cls in reversed(type(node).__mro__):
            declared = cls.__dict__.get("BINDINGS")
            if declared:
                for binding in Binding.make_bindings(declared):
                    by_key[binding.key] = binding
        chain.append((node, list(by_key.items())))
    return chain


def _can(node: DOMNode, action: str) -> bool:
    """Whether `action` does something now, as the node's own `check_action` says (None: dimmed)."""
    _namespace, name, parameters = parse_action(action)
    return bool(node.check_action(name, parameters))


MEANINGS: dict[SyncStatus, str] = {
    SyncStatus.IN_SYNC: "the secondary holds the same asset: it can serve it now",
    SyncStatus.MISSING: "only on the primary: the secondary could not serve it",
    SyncStatus.DRIFTED: "on both, but the primary changed since (or they differ)",
    SyncStatus.EXTRA: "only on the secondary; sync never deletes it",
    SyncStatus.COPYING: "a copy job is running",
    SyncStatus.FAILED: "the last copy failed; details say why and what to do",
    SyncStatus.UNKNOWN: "a side could not be read (the reason is shown)",
}


def help_tables(key_lines: Sequence[KeyLine]) -> tuple[Table, Table]:
    keys = Table(show_header=False, box=None, pad_edge=False)
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key, what, now in key_lines:
        keys.add_row(key, what if now else f"{what} (not now)", style=None if now else "dim")
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

    def __init__(self, key_lines: Sequence[KeyLine]) -> None:
        super().__init__()
        self.key_lines = list(key_lines)

    def compose(self) -> ComposeResult:
        keys, statuses = help_tables(self.key_lines)
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
