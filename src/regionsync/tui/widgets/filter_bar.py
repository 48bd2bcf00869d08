"""FilterBar: the `/` input that narrows every tab to matching ids or statuses as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Label


class FilterInput(Input):
    """An Input whose text never relays out the screen.

    Textual's Input sets its virtual (scrollable) width to the text's on every keystroke, and that
    reactive asks for a layout — of the whole screen, fifty job rows included: the costliest part of
    a filter keystroke. The input's own size never depends on its text (`width: 1fr; height: 1`), and
    a ScrollView reads its scroll limits from `virtual_size` itself, so a repaint is all it needs.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class FilterBar(Horizontal):
    """Hidden until `/`; `enter` keeps the filter and returns to the table, `escape` clears it."""

    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; background: $panel; }
    FilterBar.-open { display: block; }
    FilterBar > Label { width: auto; padding: 0 1; color: $accent; text-style: bold; }
    FilterBar > Input { border: none; height: 1; width: 1fr; padding: 0 1; background: $panel; }
    FilterBar > Input:focus { border: none; background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", tooltip="Show every row again.", id="filter-clear"),
    ]

    class Changed(Message):
        """The filter text changed (`done` when the user pressed enter or escape)."""

        def __init__(self, bar: FilterBar, query: str, *, done: bool = False) -> None:
            super().__init__()
            self.bar = bar
            self.query = query
            self.done = done

        @property
        def control(self) -> FilterBar:
            return self.bar

    def compose(self) -> ComposeResult:
        yield Label("filter")
        yield FilterInput(
            placeholder="id or name, or a status: missing, drifted, unknown … (enter: keep, esc: clear)",
            id="filter-input",
        )

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def query_text(self) -> str:
        return self.input.value

    def open(self) -> None:
        self.add_class("-open")
        self.input.cursor_blink = False
        self.input.focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.remove_class("-open")
        self.post_message(self.Changed(self, event.value, done=True))

    def action_clear(self) -> None:
        with self.prevent(Input.Changed):
            self.input.value = ""
        self.remove_class("-open")
        self.post_message(self.Changed(self, "", done=True))
