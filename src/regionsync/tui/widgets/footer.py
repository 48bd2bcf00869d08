"""KeysFooter: the screen's keys on one line, drawn by one widget from public Textual APIs only.

` c Copy  s Sync missing  r Refresh … ? Help` on the left, `▏^p palette` on the right — the same line
Textual's Footer draws, but as a single render of the screen's `active_bindings` (each key shown as
`app.get_key_display(binding)`), updated in place. Textual's Footer removes and mounts a widget per
key whenever the bindings change — and they change as the cursor moves between a row that can be
copied and one that cannot (`c Copy` shows, then goes); with fifty job rows on screen that rebuild
and the relayout after it were the costliest thing a cursor move could trigger. Here a change of the
keys is one repaint of one line, and no change at all (the same keys, the same enabled states) is
nothing. A key that does nothing now (`check_action` → None) is dimmed; a click on a key presses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class FooterItem:
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    enabled: bool = True
    tooltip: str = ""


@dataclass(frozen=True)
class FooterKeys:
    """What the footer shows: the keys on the left, and the command palette's key on the right."""

    keys: tuple[FooterItem, ...] = ()
    palette: FooterItem | None = None


class KeysFooter(Widget):
    """The screen's keys (`binding.show`), one per action, and the palette key docked right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keys-footer--key", "keys-footer--description", "keys-footer--separator"
    }
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .keys-footer--key {
            color: $footer-key-foreground; background: $footer-key-background; text-style: bold;
        }
        .keys-footer--description {
            color: $footer-description-foreground; background: $footer-description-background;
        }
        .keys-footer--separator { color: $foreground 20%; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown = FooterKeys()
        self._repaints = 0
        self._places: list[tuple[int, int, FooterItem]] = []
        """Where each key was drawn (first column, end column) — for clicks and tooltips."""

    @property
    def repaints(self) -> int:
        """How many times the keys shown changed (each one repaint of the line)."""
        return self._repaints

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.update_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.update_keys)

    def wanted(self) -> FooterKeys:
        """The keys the screen's bindings say to show now."""
        active = self.screen.active_bindings
        keys: list[FooterItem] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            display = self.app.get_key_display(binding)
            keys.append(FooterItem(binding.key, display, binding.description, enabled, tooltip))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                palette = FooterItem(binding.key, self.app.get_key_display(binding), binding.description,
                                     enabled, binding.tooltip or binding.description)
        return FooterKeys(tuple(keys), palette)

    def update_keys(self) -> None:
        """Show the keys the bindings say, repainting only when they changed."""
        if not self.is_attached:
            return
        wanted = self.wanted()
        if wanted != self.shown:
            self.shown = wanted
            self._repaints += 1
            self.refresh()

    def render(self) -> Text:
        width = self.content_size.width
        key_style = self.get_component_rich_style("keys-footer--key")
        description_style = self.get_component_rich_style("keys-footer--description")
        dim = Style(dim=True)
        right = Text(end="")
        palette = self.shown.palette
        if palette is not None:
            right.append("▏", self.get_component_rich_style("keys-footer--separator"))
            style = Style() if palette.enabled else dim
            right.append(palette.display, key_style + style)
            right.append(f" {palette.description}", description_style + style)
            right.append(" ")
        room = max(0, width - right.cell_len)
        left = Text(end="", no_wrap=True, overflow="crop")
        places: list[tuple[int, int, FooterItem]] = []
        for item in self.shown.keys:
            style = Style() if item.enabled else dim
            start = left.cell_len
            left.append(f" {item.display} ", key_style + style)
            left.append(f"{item.description} ", description_style + style)
            places.append((start, left.cell_len, item))
        if left.cell_len > room:
            left.truncate(room)
        elif left.cell_len < room:
            left.append(" " * (room - left.cell_len))
        if palette is not None:
            places.append((room, room + right.cell_len, palette))
        self._places = places
        return Text.assemble(left, right, end="", no_wrap=True, overflow="crop")

    def _item_at(self, x: int) -> FooterItem | None:
        return next((item for start, end, item in self._places if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._item_at(event.x)
        tooltip = (item.tooltip or item.description) if item is not None else None
        if self.tooltip != tooltip:
            self.tooltip = tooltip

    def on_click(self, event: events.Click) -> None:
        item = self._item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
