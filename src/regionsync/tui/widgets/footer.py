"""KeysFooter: Textual's Footer, updated in place when the keys it shows are ones it already holds.

Textual's Footer rebuilds itself (removes and mounts every key, styles them, then lays out the whole
screen) whenever the bindings change — and they change as the cursor moves between a row that can be
copied and one that cannot (`c Copy` shows, then goes). With fifty job rows on screen that rebuild is
the costliest thing a cursor move can trigger. This footer keeps the keys it has made: when the keys
to show are some of them, in the same order, it only hides the others (`display: none`, so they take
no room: the line reads exactly as a rebuilt one) and flips each shown key's enabled state; anything
else (another set of keys, grouped keys) is rebuilt as Textual does.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KeyShape = tuple[str, str, str, str, str]
"""key, key display, description, action, tooltip: everything a FooterKey shows but its enabled state."""
Placed = tuple[FooterKey, bool | None]
"""A key held, and whether it is shown enabled (True), shown dimmed (False) or hidden (None)."""


class KeysFooter(Footer):
    """A Footer that repaints the keys whose enabled state changed instead of rebuilding."""

    def __init__(self) -> None:
        super().__init__()
        self._rebuilds = 0

    @property
    def rebuilds(self) -> int:
        """How many times the keys were rebuilt rather than updated in place."""
        return self._rebuilds

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    def _wanted(self) -> list[tuple[KeyShape, bool]] | None:
        """The keys `compose` would yield, in order, with their enabled state (None: it would group
        keys, which this footer leaves to Textual)."""
        active = self.screen.active_bindings
        wanted: list[tuple[KeyShape, bool]] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            if binding.group is not None:
                return None
            actions.add(binding.action)
            display = self.app.get_key_display(binding)
            wanted.append(((binding.key, display, binding.description, binding.action, tooltip), enabled))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                shape = (binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                         binding.tooltip or binding.description)
                wanted.append((shape, enabled))
        return wanted

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self._wanted()
        keys = [key for key in self.children if isinstance(key, FooterKey)]
        plan = _place(wanted, keys) if wanted is not None and len(keys) == len(self.children) else None
        if plan is None:
            self._rebuilds += 1
            await self.recompose()
            return
        for key, enabled in plan:
            shown = enabled is not None
            if key.display != shown:
                key.display = shown
            if shown and key._disabled == enabled:
                key._disabled = not enabled
                key.set_class(not enabled, "-disabled")


def _shape(key: FooterKey) -> KeyShape:
    return key.key, key.key_display, key.description, key.action, str(key.tooltip or "")


def _place(wanted: list[tuple[KeyShape, bool]], keys: list[FooterKey]) -> list[Placed] | None:
    """Each key held and whether it is shown enabled (True), shown dimmed (False) or hidden (None), when
    the keys wanted are some of those held, in order; None when they are not."""
    plan: list[Placed] = []
    held = iter(keys)
    for shape, enabled in wanted:
        for key in held:
            if _shape(key) == shape:
                plan.append((key, enabled))
                break
            plan.append((key, None))
        else:
            return None
    plan.extend((key, None) for key in held)
    return plan
