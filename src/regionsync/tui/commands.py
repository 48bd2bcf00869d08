"""The command palette: every action of the dashboard in `category: verb` form, built from the
current state (only what can be done now is offered), plus themes and, in the demo, outages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from regionsync.tui.app import RegionSyncApp


@dataclass(frozen=True)
class PaletteEntry:
    title: str
    help: str
    run: Callable[[], object]


def palette_entries(app: RegionSyncApp) -> list[PaletteEntry]:
    """What the palette offers now, in a stable order."""
    entries: list[PaletteEntry] = []

    def add(title: str, help_text: str, action: str) -> None:
        entries.append(PaletteEntry(title, help_text, lambda: app.run_action(action)))

    row = app.selected_row()
    if app.check_action("copy", ()) and row is not None:
        add(f"sync: copy {row.name} to the secondary", "Copy the selected asset (pre-flight first).", "copy")
    if app.check_action("sync_missing", ()):
        add("sync: copy missing to secondary", "Plan every missing asset, then one confirmation.",
            "sync_missing")
    if app.check_action("refresh", ()):
        add("view: refresh", "List both regions again now.", "refresh")
        add("view: filter", "Filter the rows by id, name or status.", "filter")
        add("view: jobs", "Every job in the journal.", "jobs")
    if app.check_action("details", ()):
        add("view: details", "Both sides' fields, the last job, what to do.", "details")
    if app.check_action("clear_filter", ()):
        add("view: clear filter", "Show every row again.", "clear_filter")
    if app.session_ready:
        if app.refresh_every:
            add("view: auto-refresh off", "Stop refreshing on a timer.", "auto_refresh(0)")
        else:
            add("view: auto-refresh every 30 s", "Refresh both regions every 30 seconds.", "auto_refresh(30)")
    add("view: help", "Keys and what each status means.", "help")
    add("profile: add a profile", "Both resources and their keys (keys go to the OS keyring).", "add_profile")
    for name in app.theme_names():
        if name != app.theme:
            add(f"theme: {name}", "Switch to this theme (remembered).", f"set_theme('{name}')")
    controls = app.emulator
    if controls is not None:
        for region in app.profile_regions():
            if region not in controls.regions:
                continue
            if controls.is_down(region):
                add(f"demo: bring {region} back", f"End the emulated outage of {region}.",
                    f"outage('{region}', False)")
            else:
                add(f"demo: take {region} down", f"Emulate an outage of {region} (connection refused).",
                    f"outage('{region}', True)")
    return entries


class RegionSyncCommands(Provider):
    """The dashboard's own commands (Textual's system commands stay available beside them)."""

    @property
    def _app(self) -> RegionSyncApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for entry in palette_entries(self._app):
            yield DiscoveryHit(entry.title, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in palette_entries(self._app):
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), entry.run, help=entry.help)
