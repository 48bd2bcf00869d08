"""The command palette: every action of the dashboard in `category: verb` form, built from the
current state (only what can be done now is offered): each key of the main screen, the auto-refresh
interval, resuming or canceling a job, switching profile, themes and, in the demo, faults.

Each entry carries the action it runs (the same action string its key binding names, so a test can
check that every binding is in the palette) and extra words it is found by: typing `resume`, `auto`,
`quit` or the key itself finds the entry even where its title says it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from regionsync.tui.app import RegionSyncApp

AUTO_REFRESH_CHOICES: tuple[tuple[float, str], ...] = (
    (0, "off"),
    (10, "every 10 s"),
    (30, "every 30 s"),
    (60, "every 1 min"),
    (300, "every 5 min"),
)
"""The auto-refresh intervals the palette offers (seconds, words)."""


@dataclass(frozen=True)
class PaletteEntry:
    """One command: what it says, what it does (an action string of the app) and the words it answers to."""

    title: str
    help: str
    action: str
    run: Callable[[], object]
    words: str = ""

    def found_by(self, query: str) -> bool:
        """Every word of `query` begins a word of the title or of the entry's other words."""
        words = f"{self.title} {self.words}".casefold().replace(":", " ").replace("-", " ").split()
        return all(any(w.startswith(q) for w in words) for q in query.casefold().replace("-", " ").split())


def palette_entries(app: RegionSyncApp) -> list[PaletteEntry]:
    """What the palette offers now, in a stable order."""
    entries: list[PaletteEntry] = []

    def add(title: str, help_text: str, action: str, words: str = "") -> None:
        entries.append(PaletteEntry(title, help_text, action, lambda: app.run_action(action), words))

    row = app.selected_row()
    if app.check_action("copy", ()) and row is not None:
        add(f"sync: copy {row.name} to the secondary", "Copy the selected asset (pre-flight first). Key: c",
            "copy", "c copy asset")
    if app.check_action("sync_missing", ()):
        add("sync: copy missing to secondary", "Plan every missing asset, then one confirmation. Key: s",
            "sync_missing", "s sync everything missing all")
    if app.check_action("refresh", ()):
        add("view: refresh", "List both regions again now. Key: r", "refresh", "r reload list again")
        add("view: filter", "Filter the rows by id, name or status. Key: /", "filter", "/ search find")
        add("view: jobs", "Every job in the journal; r resumes, x cancels the selected one. Key: j", "jobs",
            "j job journal list history")
    if app.check_action("details", ()):
        add("view: details", "Both sides' fields, the last job, what to do. Key: enter", "details",
            "enter info why")
    if app.check_action("clear_filter", ()):
        add("view: clear filter", "Show every row again.", "clear_filter", "reset unfilter")
    main = app.main_screen
    if main is not None and app.session_ready:
        for index, title in enumerate(main.tab_titles()):
            action = f"tab({index})"
            if app.check_action("tab", (index,)):
                add(f"view: {title} tab", f"Show the {title.lower()}. Key: {index + 1}", action,
                    f"{index + 1} tab kind switch")
        if len(main.kinds) > 1:
            add("view: next tab", "The next asset kind. Key: ]", "tab_step(1)", "] tab kind switch")
            add("view: previous tab", "The previous asset kind. Key: [", "tab_step(-1)", "[ tab kind switch")
        for seconds, words in AUTO_REFRESH_CHOICES:
            if seconds == app.refresh_every:
                continue
            what = "Stop refreshing on a timer (r still refreshes)." if not seconds else (
                f"List both regions {words} (remembered).")
            add(f"view: auto-refresh {words}", what, f"auto_refresh({seconds:g})",
                "auto refresh interval timer")
    for job_id, title in app.open_jobs():
        add(f"job: resume {title}", "Carry this journaled job on from its last step.",
            f"job('resume', '{job_id}')", "continue restart open interrupted")
        add(f"job: cancel {title}", "Stop this job at its next step (what was copied stays).",
            f"job('cancel', '{job_id}')", "stop abort open")
    if app.session_ready:
        add("job: resume or cancel a job …", "The jobs screen: select one, r resumes it, x cancels it.",
            "jobs", "resume cancel continue stop")
    add("view: help", "Every key of this screen and what each status means. Key: ?", "help", "? keys")
    add("profile: add a profile", "Both resources and their keys (keys go to the OS keyring). Key: a",
        "add_profile", "a new create")
    for name in app.other_profiles():
        add(f"profile: switch to {name}", "Close this profile and open that one (its jobs stay journaled).",
            f"switch_profile('{name}')", "open change use")
    for name in app.theme_names():
        if name != app.theme:
            add(f"theme: {name}", "Switch to this theme (remembered).", f"set_theme('{name}')",
                "colors colours")
    controls = app.emulator
    if controls is not None:
        for region in app.profile_regions():
            if region not in controls.regions:
                continue
            if controls.is_down(region):
                add(f"demo: bring {region} back", f"End the emulated outage of {region}.",
                    f"outage('{region}', False)", "fault up restore")
            else:
                add(f"demo: take {region} down", f"Emulate an outage of {region} (connection refused).",
                    f"outage('{region}', True)", "fault outage")
        add("demo: make the next copy fail", "The next copy started fails half way (the emulator's fault).",
            "fail_next_copy", "fault error break")
        add("demo: clear every fault", "Every region up, no injected failure.", "clear_faults",
            "fault reset restore")
    add("app: quit", "Leave the dashboard; journaled jobs resume next time. Key: q", "quit", "q exit close")
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
            if score <= 0 and entry.found_by(query):
                score = 0.5  # found by its other words (`resume`, `auto`, its key): ranked below the title's
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), entry.run, help=entry.help)
