"""RegionSyncApp: bindings, workers and message routing for the dashboard — and `make_app`, the one
factory the CLI, the demo and the tests use.

The app owns the SyncSession (created inside the app's event loop by `session_factory`), the
workers that call the engine, and the health meter. Widgets never do I/O: a worker calls the engine
and posts a message (`InventoryRefreshed`, `PlanReady`, `JobsFinished`); the runner's progress
callback posts `JobProgress`; the handlers below push the data down into the widgets. Every worker
is async, has its own group and `exit_on_error=False`; one `Worker.StateChanged` handler turns a
failure into the error's what / why / what to do.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from regionsync.domain import Job, ProgressEvent, Side, SyncStatus
from regionsync.errors import RegionSyncError, as_error
from regionsync.sync.watch import watched_by
from regionsync.tui.commands import RegionSyncCommands
from regionsync.tui.emulator_controls import EmulatorControls
from regionsync.tui.health import HealthMeter, Timer
from regionsync.tui.job_tracker import JobTracker
from regionsync.tui.messages import (
    CopyIntent,
    InventoryRefreshed,
    JobAction,
    JobProgress,
    JobsFinished,
    PlanReady,
)
from regionsync.tui.model import (
    DiffRow,
    SideHealth,
    narrow_plans,
    profile_readiness,
    rows_of,
)
from regionsync.tui.pane_titles import pane_titles
from regionsync.tui.preferences import UiPreferences, load_preferences, save_preferences
from regionsync.tui.profile_flow import (
    PROFILE_GROUP,
    AddProfileFlow,
    config_file,
    existing_profiles,
    open_profile_session,
)
from regionsync.tui.screens.add_profile import AddProfileScreen
from regionsync.tui.screens.confirm import ConfirmCopyScreen
from regionsync.tui.screens.details import AssetDetails, DetailsScreen
from regionsync.tui.screens.error import ErrorScreen
from regionsync.tui.screens.help import HelpScreen, keys_of
from regionsync.tui.screens.jobs import JobsScreen
from regionsync.tui.screens.main import MainScreen
from regionsync.tui.screens.welcome import WelcomeScreen
from regionsync.tui.themes import THEME_VARIABLE_DEFAULTS, choose_theme, install_themes
from regionsync.tui.widgets.diff_table import DiffTable

if TYPE_CHECKING:
    from regionsync.domain import AssetPair
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan
    from regionsync.sync.session import SyncSession

SessionFactory = Callable[[], "SyncSession"]
ProfileOpener = Callable[[str], "SyncSession"]
Now = Callable[[], datetime]

JOBS_SCREEN_LIMIT = 500
FOLLOW_EVERY = 2.0
"""Seconds between looks at the journal for jobs another process runs (their live progress)."""
HEAP_SWEEP_EVERY = 20
"""Refreshes between two full garbage collections (see `_settle_heap`)."""
FOOTER_SETTLE = 0.08
"""Seconds the selection must rest before the footer is rebuilt for it."""
DEFAULT_AUTO_REFRESH = 30.0
"""Seconds between automatic refreshes when neither make_app nor the preferences say."""

_WORKER_TITLES = {
    "refresh": "Refreshing the regions failed",
    "plan": "The pre-flight failed",
    "resume": "Resuming the journaled jobs failed",
    PROFILE_GROUP: "Saving the profile failed",
}

_MAIN_ACTIONS = frozenset(
    {"copy", "sync_missing", "refresh", "filter", "clear_filter", "details", "jobs", "tab", "tab_step",
     "auto_refresh"}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class _YoungOnly:
    """How many bulk builds run now, and the collector's thresholds before the first."""

    depth = 0
    thresholds: tuple[int, int, int] = (700, 10, 10)


FULL_COLLECTIONS_OFF = 1_000_000
"""The third generation's threshold while a bulk build runs: no full collection before it ends."""


@contextmanager
def young_collections_only() -> Iterator[None]:
    """While listings are read, or turned into rows, the cyclic garbage collector collects only its
    young generations: never the whole heap.

    A listing of tens of thousands of assets, and its rows, are hundreds of thousands of objects that
    all live until the next refresh; full collections, started by the count of objects that survive
    the young ones, walk the whole heap again and again while they are built and find nothing to free
    (measured: two of ~120 ms in a 1.8 s start at 20,000 rows a side, ~460 ms at 50,000). The young
    collections go on, so the short-lived cycles of the build (each page's request and response) are
    freed as before and memory does not grow. At the end what survives is frozen as `_settle_heap`
    freezes it, so the build is not walked by one full collection right after. Overlapping builds
    (a refresh and a pre-flight) share the one change of thresholds.
    """
    if _YoungOnly.depth == 0:
        _YoungOnly.thresholds = gc.get_threshold()
        young, middle, _old = _YoungOnly.thresholds
        gc.set_threshold(young, middle, FULL_COLLECTIONS_OFF)
    _YoungOnly.depth += 1
    try:
        yield
    finally:
        _YoungOnly.depth -= 1
        if _YoungOnly.depth == 0:
            gc.set_threshold(*_YoungOnly.thresholds)
            gc.freeze()


class RegionSyncApp(App[None]):
    """The dashboard. Build it with `make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "regionsync"
    COMMANDS = App.COMMANDS | {RegionSyncCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", tooltip="Copy the selected asset to the secondary (pre-flight first).",
                id="copy"),
        Binding("s", "sync_missing", "Sync missing", id="sync-missing",
                tooltip="Plan a copy of every missing asset; one confirmation starts them all."),
        Binding("r", "refresh", "Refresh", tooltip="List both regions again now.", id="refresh"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter by id, name or status.",
                id="filter"),
        Binding("enter", "details", "Details", key_display="⏎",
                tooltip="Both sides' fields, the last job and what to do.", id="details"),
        Binding("j", "jobs", "Jobs", tooltip="Every job in the journal.", id="jobs"),
        Binding("question_mark", "help", "Help", key_display="?", priority=True,
                tooltip="Every key of the screen in front, and the statuses.", id="help"),
        Binding("q", "quit", "Quit", show=False, tooltip="Quit; journaled jobs resume next time (as ctrl+q).",
                id="quit"),
        Binding("a", "add_profile", "Add profile", show=False,
                tooltip="Add a profile: both resources and their keys (keys go to the OS keyring).",
                id="add-profile"),
        Binding("1", "tab(0)", "Tab 1", show=False, tooltip="The first asset kind's tab.", id="tab-1"),
        Binding("2", "tab(1)", "Tab 2", show=False, tooltip="The second asset kind's tab.", id="tab-2"),
        Binding("3", "tab(2)", "Tab 3", show=False, tooltip="The third asset kind's tab.", id="tab-3"),
        Binding("4", "tab(3)", "Tab 4", show=False, tooltip="The fourth asset kind's tab.", id="tab-4"),
        Binding("left_square_bracket", "tab_step(-1)", "Previous tab", key_display="[", show=False,
                tooltip="The previous asset kind's tab.", id="tab-previous"),
        Binding("right_square_bracket", "tab_step(1)", "Next tab", key_display="]", show=False,
                tooltip="The next asset kind's tab.", id="tab-next"),
    ]

    def __init__(
        self,
        *,
        session_factory: SessionFactory | None,
        profile_name: str = "",
        theme: str | None = None,
        emulator: EmulatorControls | None = None,
        now: Now = utc_now,
        auto_refresh: float | None = None,
        timer: Timer = time.perf_counter,
        open_profile: ProfileOpener | None = None,
        problem: RegionSyncError | None = None,
        config_path: Path | None = None,
        preferences_path: Path | None = None,
        theme_dirs: Iterable[Path] | None = None,
    ) -> None:
        super().__init__()
        self._session_factory = session_factory
        self.profile_name = profile_name
        self._requested_theme = theme
        self.emulator = emulator
        self.now = now
        self._requested_refresh = auto_refresh
        self.refresh_every = 0.0
        self._timer = timer
        self._open_profile = open_profile
        self._problem = problem
        self._config_path = config_path
        self._preferences_path = preferences_path
        self._theme_dirs = list(theme_dirs) if theme_dirs is not None else None
        self._theme_names: list[str] = []
        self._preferences = UiPreferences()
        self._remember_theme = False
        self.session: SyncSession | None = None
        self.meter = HealthMeter(timer)
        self.statuses: list[ServiceStatus] = []
        self.health: dict[Side, SideHealth] = {}
        self.jobs = JobTracker()
        self._refreshing = False
        self._refresh_again = False
        self._refresh_timer: Any = None
        self._runs = 0
        self._copyable_count = 0
        self._binding_state: tuple[object, ...] = ()
        self._footer_timer: Any = None
        self._refreshes = 0
        self._session_timers: list[Any] = []

    # -- start and stop -----------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(THEME_VARIABLE_DEFAULTS)

    async def on_mount(self) -> None:
        self._install_themes()
        if self._session_factory is None:
            await self.push_screen(WelcomeScreen(self._problem))
            return
        await self._open_session(self._session_factory)

    def _install_themes(self) -> None:
        self._theme_names = install_themes(self, self._theme_dirs).names
        self._preferences = load_preferences(self._preferences_path)
        refresh = self._requested_refresh
        if refresh is None:
            refresh = self._preferences.auto_refresh
        self.refresh_every = max(0.0, DEFAULT_AUTO_REFRESH if refresh is None else refresh)
        choice = choose_theme(self._requested_theme, self._preferences.theme, self.available_themes,
                              self.theme_names())
        self.theme = choice.name
        if choice.warning:
            self.notify(choice.warning, severity="warning")
        if choice.remember:
            self._save_theme(self.theme)
        self._remember_theme = True

    async def _open_session(self, factory: SessionFactory) -> None:
        try:
            session = factory()
        except Exception as error:  # a profile that cannot be opened is explained, never a traceback
            await self.push_screen(WelcomeScreen(as_error(error)))
            return
        self.session = session
        session.runner.on_event = self._on_progress_event
        self.meter.instrument(session)
        targets: dict[str, str] = {}
        for pair in session.pairs:
            for side in Side:
                targets.setdefault(pair.info(side).endpoint, pair.info(side).region)
        self.jobs.set_targets(targets)
        tabs = [(pair.service, kind) for pair in session.pairs for kind in pair.primary.kinds]
        main = MainScreen(self.profile_name or session.profile_name, tabs)
        if isinstance(self.top_screen, WelcomeScreen):
            await self.switch_screen(main)
        else:
            await self.push_screen(main)
        self._show_pane_titles()
        main.header.show_health(self.meter.pending())
        self._load_journal()
        self.start_refresh()
        if session.journal.unfinished_jobs(session.profile_name):
            self.run_worker(self._resume(), group="resume", exit_on_error=False,
                            description="Resuming journaled jobs")
        self._session_timers = [
            self.set_interval(1.0, self._tick, name="elapsed"),
            self.set_interval(FOLLOW_EVERY, self._follow_elsewhere, name="follow-elsewhere"),
        ]

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what `_settle_heap` froze is ordinary garbage again once the app is gone
        session = self.session
        if session is None:
            return
        self.session = None
        try:
            await session.aclose()
            await asyncio.sleep(0)
        finally:
            session.journal.close()

    # -- state the bindings, the palette and the tests read ------------------------------------------

    @property
    def top_screen(self) -> object | None:
        """The screen on top, or None while the app starts or shuts down (`self.screen` raises then).
        The command palette does not count: what it offers is what the screen under it can do."""
        stack = [screen for screen in self.screen_stack if not isinstance(screen, CommandPalette)]
        return stack[-1] if stack else None

    @property
    def session_ready(self) -> bool:
        return self.session is not None and isinstance(self.top_screen, MainScreen)

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def selected_row(self) -> DiffRow | None:
        main = self.main_screen
        return main.selected_row if main is not None else None

    def theme_names(self) -> list[str]:
        return list(self._theme_names)

    def profile_regions(self) -> list[str]:
        if self.session is None:
            return []
        return list(dict.fromkeys(p.info(side).region for p in self.session.pairs for side in Side))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _MAIN_ACTIONS:
            return True
        if not self.session_ready:
            return False
        if action == "copy":
            row = self.selected_row()
            return row is not None and row.copyable and self._can_copy(row)
        if action == "sync_missing":
            return self._copyable_count > 0
        if action == "details":
            return self.selected_row() is not None
        if action == "clear_filter":
            main = self.main_screen
            return main is not None and bool(main.filter_bar.query_text)
        if action == "tab" and parameters:
            main = self.main_screen
            return main is not None and isinstance(parameters[0], int) and parameters[0] < len(main.kinds)
        return True

    def open_jobs(self, limit: int = 10) -> list[tuple[str, str]]:
        """(id, `copy model X → westus2`) of the profile's unfinished jobs, newest first: the palette's
        resume and cancel entries."""
        session = self.session
        if session is None:
            return []
        jobs = sorted(session.journal.unfinished_jobs(session.profile_name), key=lambda j: (j.created, j.id),
                      reverse=True)
        return [(job.id, self.jobs.line_of(job).title) for job in jobs[:limit]]

    def other_profiles(self) -> list[str]:
        """The config file's profiles other than the one open (the palette's `profile: switch to`)."""
        current = self.session.profile_name if self.session is not None else self.profile_name
        return [name for name in existing_profiles(config_file(self._config_path)) if name != current]

    def _can_copy(self, row: DiffRow) -> bool:
        if self.session is None:
            return False
        for pair in self.session.pairs:
            if pair.service is row.service:
                return pair.primary.can_copy(row.kind)
        return False

    def _bindings_changed(self) -> None:
        """Refresh the footer when what it would show changed — once the cursor settles, not on every
        row a fast scroll passes (rebuilding the footer costs more than moving the cursor)."""
        row = self.selected_row()
        state = (
            type(self.top_screen).__name__,
            row is not None,
            row is not None and row.copyable,
            self._copyable_count > 0,
        )
        if state != self._binding_state:
            self._binding_state = state
            if self._footer_timer is None:
                self._footer_timer = self.set_timer(FOOTER_SETTLE, self._refresh_footer, name="footer")

    def _refresh_footer(self) -> None:
        self._footer_timer = None
        if self.top_screen is not None:
            self.refresh_bindings()

    # -- refresh --------------------------------------------------------------------------------------

    def start_refresh(self) -> None:
        """List both regions again (at most one refresh at a time; a request meanwhile runs after it)."""
        if self.session is None:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.run_worker(self._refresh(), group="refresh", exit_on_error=False,
                        description="Listing both regions")

    async def _refresh(self) -> None:
        assert self.session is not None
        self.meter.start()
        with young_collections_only():
            statuses = await self.session.status()
        self.post_message(InventoryRefreshed(statuses, self.meter.summary(statuses, self.now()),
                                              self._watched_words()))

    def _refresh_finished(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.start_refresh()
            return
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        if self.refresh_every > 0 and self.session is not None:
            self._refresh_timer = self.set_timer(self.refresh_every, self.start_refresh, name="auto-refresh")

    def _watched_words(self) -> str:
        """`watched by pid 4242 on ops-1, next check 06:10` when a live `regionsync watch` holds the
        profile (its journal row), else ''."""
        session = self.session
        if session is None:
            return ""
        now = self.now()
        state = watched_by(session.journal, session.profile_name, now=now)
        return state.words(now) if state is not None else ""

    @on(InventoryRefreshed)
    def _inventory_refreshed(self, message: InventoryRefreshed) -> None:
        main = self.main_screen
        self.statuses = message.statuses
        self.health = message.health
        if main is None:
            return
        copyable = 0
        shown = main.jobs_panel.lines
        with young_collections_only(), self.batch_update():
            for status in message.statuses:
                for kind_diff in status.kinds:
                    if not main.has_kind(kind_diff.kind):
                        continue
                    rows = self.jobs.with_live_jobs(rows_of(status, kind_diff), shown)
                    copyable += sum(1 for r in rows if r.copyable and r.status is not SyncStatus.DRIFTED)
                    main.diff.reconcile(kind_diff.kind, rows)
            self._copyable_count = copyable
            self._show_pane_titles()
            main.header.show_health(message.health)
            ready = profile_readiness(message.statuses)  # complete exactly when each service's is
            main.header.show_readiness(ready.words(now=self.now()), complete=ready.complete)
            main.header.show_watched(message.watched)
        self._bindings_changed()
        self._settle_heap()

    def _settle_heap(self) -> None:
        """Keep the cyclic garbage collector from pausing key presses.

        After a refresh the inventory (two listings of thousands of assets, and their rows) is most of
        the heap and lives until the next refresh; a full collection walks all of it — 100-200 ms with
        5,000 rows a side, long enough to be felt if it lands on a key press. `gc.freeze()` moves what
        exists now out of the collector's sight (reference counting still frees it when the next
        refresh replaces it). Every `HEAP_SWEEP_EVERY` refreshes the frozen heap is collected once, so
        cyclic garbage frozen by chance does not pile up.
        """
        self._refreshes += 1
        if self._refreshes % HEAP_SWEEP_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def _show_pane_titles(self) -> None:
        main = self.main_screen
        if main is None or self.session is None:
            return
        by_service = {s.service: s for s in self.statuses}
        for pair in self.session.pairs:
            status = by_service.get(pair.service)
            for kind in pair.primary.kinds:
                if not main.has_kind(kind):
                    continue
                diff = next((k for k in status.kinds if k.kind is kind), None) if status else None
                infos = (pair.info(Side.PRIMARY), pair.info(Side.SECONDARY))
                main.diff.set_titles(kind, *pane_titles(infos, kind, pair.api_version, diff, self.health))

    # -- jobs -----------------------------------------------------------------------------------------

    def _load_journal(self) -> None:
        main = self.main_screen
        if self.session is None or main is None:
            return
        jobs = self.session.journal.list_jobs(profile=self.session.profile_name, limit=200)
        now = self.now()
        for line in self.jobs.at_start(jobs):
            main.jobs_panel.upsert(line, now)

    def _on_progress_event(self, event: ProgressEvent) -> None:
        """The runner's callback (called on the app's loop): hand the event to the UI as a message."""
        self.post_message(JobProgress(event))

    @on(JobProgress)
    def _job_progress(self, message: JobProgress) -> None:
        event = message.event
        main, session = self.main_screen, self.session
        if main is None or session is None:
            return
        now = self.now()
        panel = main.jobs_panel
        done = self.jobs.progress(event, now, panel.lines.get(event.job_id), session.journal.get_job)
        line = done.line
        panel.upsert(line, now)
        if done.key is None or line.kind is None:
            return
        if not done.finished:
            row = main.diff.row(line.kind, done.key)
            if row is not None:
                main.diff.update_row(row.with_job(line))
            return
        if done.failed:
            self.notify(f"{line.title}: {line.error}", title="Copy failed", severity="error", timeout=8)
        self.start_refresh()

    @on(JobsFinished)
    def _jobs_finished(self, message: JobsFinished) -> None:
        main = self.main_screen
        if main is None:
            return
        now = self.now()
        for line in self.jobs.finished(message.jobs, now, main.jobs_panel.lines):
            main.jobs_panel.upsert(line, now)
        self.start_refresh()

    async def _resume(self, jobs: list[Job] | None = None) -> None:
        assert self.session is not None
        done = await self.session.resume(jobs)
        self.post_message(JobsFinished(done))
        self._follow_elsewhere()

    @on(JobAction)
    def _job_action(self, message: JobAction) -> None:
        """`r` / `x` on the jobs screen: resume the job here, or ask for it to be canceled (its owner —
        this process or another — stops it at its next step or poll; nobody's job ends at once)."""
        session = self.session
        if session is None:
            return
        job = session.journal.get_job(message.job_id)
        if job is None or job.state.finished:
            return
        if message.action == "cancel":
            outcome, holder = session.runner.leases.request_cancel(job.id)
            words = {
                "canceled": f"Canceled {job.asset_name}: nothing was running it.",
                "requested": f"Cancel asked: {holder.owner.words() if holder else 'its owner'} stops "
                f"{job.asset_name} at its next step.",
            }.get(outcome, f"{job.asset_name} had already ended.")
            self.notify(words, title="jobs cancel")
            self._follow_elsewhere()
            return
        holder = session.runner.leases.holder(job)
        if holder is not None:
            self.notify(holder.words(), title="running elsewhere", severity="warning")
            return
        self.run_worker(
            self._resume([job]), group="resume", exit_on_error=False, description="Resuming a job"
        )

    def _follow_elsewhere(self) -> None:
        """Jobs another live regionsync runs (a cron sync, a watch): shown in the panel with their
        progress as the journal has it, never carried out here."""
        session, main = self.session, self.main_screen
        if session is None or main is None:
            return
        mine = session.runner.heartbeat.jobs
        held = []
        for job in session.journal.unfinished_jobs(session.profile_name):
            holder = None if job.id in mine else session.runner.leases.holder(job)
            if holder is not None:
                held.append((job, holder.owner.words()))
        now = self.now()
        lines = self.jobs.follow(held, session.journal.get_job)
        for line in lines:
            main.jobs_panel.upsert(line, now)
        if any(line.state.finished for line in lines):
            self.start_refresh()  # another process copied something: the rows show what it did

    def _tick(self) -> None:
        main = self.main_screen
        if main is None:
            return
        try:
            panel = main.jobs_panel
        except NoMatches:  # the app is closing: its widgets are being removed, the timer not yet stopped
            return
        panel.tick(self.now())

    # -- copy and sync: plan (pre-flight) → confirm → execute --------------------------------------------

    def action_copy(self) -> None:
        row = self.selected_row()
        if row is None or not row.copyable:
            return
        intent = CopyIntent(
            names=(row.name,), kind=row.kind.value, service=row.service.value,
            replace_drifted=row.status is SyncStatus.DRIFTED,
        )
        self._start_plan(intent)

    def action_sync_missing(self) -> None:
        self._start_plan(CopyIntent())

    def _start_plan(self, intent: CopyIntent) -> None:
        self.notify("Checking both regions and the target's quota …", timeout=2)
        self.run_worker(self._plan(intent), group="plan", exclusive=True, exit_on_error=False,
                        description="Pre-flight")

    async def _plan(self, intent: CopyIntent) -> None:
        assert self.session is not None
        self.meter.start()
        with young_collections_only():
            statuses = await self.session.status()
        self.post_message(InventoryRefreshed(statuses, self.meter.summary(statuses, self.now()),
                                              self._watched_words()))
        plans = await self.session.plan(
            only=list(intent.names) or None, replace_drifted=intent.replace_drifted, statuses=statuses
        )
        self.post_message(PlanReady(intent, narrow_plans(plans, intent)))

    @on(PlanReady)
    def _plan_ready(self, message: PlanReady) -> None:
        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._execute(message.plans)

        self.push_screen(ConfirmCopyScreen(message.intent, message.plans), answered)

    def _execute(self, plans: list[tuple[ResourcePair, Plan]]) -> None:
        if self.session is None or not any(plan.copies for _, plan in plans):
            return
        self._runs += 1
        self.run_worker(self._run(plans), group=f"run-{self._runs}", exit_on_error=False,
                        description="Copying")

    async def _run(self, plans: list[tuple[ResourcePair, Plan]]) -> None:
        assert self.session is not None
        jobs = await self.session.execute([(pair, plan) for pair, plan in plans if plan.copies])
        self.post_message(JobsFinished(jobs))

    # -- the other actions --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.start_refresh()

    def action_filter(self) -> None:
        main = self.main_screen
        if main is not None:
            main.open_filter()

    def action_clear_filter(self) -> None:
        main = self.main_screen
        if main is not None:
            main.filter_bar.action_clear()

    def action_tab(self, index: int) -> None:
        main = self.main_screen
        if main is not None:
            main.show_tab(index)

    def action_tab_step(self, step: int) -> None:
        main = self.main_screen
        if main is not None:
            main.step_tab(step)

    def action_details(self) -> None:
        row = self.selected_row()
        if row is None or self.session is None:
            return
        status = next((s for s in self.statuses if s.service is row.service), None)
        pair = _pair_of(status, row) if status is not None else None
        if pair is None or status is None:
            return
        jobs = self.session.journal.list_jobs(profile=self.session.profile_name, limit=JOBS_SCREEN_LIMIT)
        mine = (j for j in jobs if (j.asset_name, j.kind, j.service) == (row.name, row.kind, row.service))
        last = next(mine, None)
        errors: dict[Side, RegionSyncError] = {}
        for side, info in ((Side.PRIMARY, status.source), (Side.SECONDARY, status.target)):
            if info.side in status.errors:
                errors[side] = status.errors[info.side]
        self.push_screen(DetailsScreen(AssetDetails(pair, status.source, status.target, errors, last)))

    @on(DiffTable.Activated)
    def _row_activated(self) -> None:
        self.action_details()

    @on(DiffTable.Highlighted)
    def _row_highlighted(self) -> None:
        self._bindings_changed()

    def action_jobs(self) -> None:
        if self.session is None:
            return
        jobs = self.session.journal.list_jobs(profile=self.session.profile_name, limit=JOBS_SCREEN_LIMIT)
        self.push_screen(JobsScreen(jobs))

    def action_help(self) -> None:
        """`?` on any screen (a priority key: modals too, but never while typing in a field): the keys
        of the screen in front; `?` again closes it."""
        screen = self.top_screen
        if isinstance(screen, HelpScreen):
            screen.dismiss(None)
        elif isinstance(screen, Screen):
            self.push_screen(HelpScreen(keys_of(self, screen)))

    def action_job(self, what: str, job_id: str) -> None:
        """The palette's `job: resume …` / `job: cancel …`: as `r` / `x` on the jobs screen."""
        self.post_message(JobAction(what, job_id))

    async def action_switch_profile(self, name: str) -> None:
        """Close this profile's session and open `name` (refused while this process runs copies: they
        would be interrupted; the journal keeps them either way)."""
        session = self.session
        if session is not None and session.runner.heartbeat.jobs:
            self.notify("Copies are running here; switch once they end (or cancel them on the jobs screen).",
                        title="profile: switch", severity="warning")
            return
        for timer in self._session_timers:
            timer.stop()
        self._session_timers = []
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        for group in ("refresh", "resume", "plan"):
            self.workers.cancel_group(self, group)
        self._refreshing = self._refresh_again = False
        while self.main_screen is not None and len(self.screen_stack) > 1:
            await self.pop_screen()
        self.session = None
        if session is not None:
            try:
                await session.aclose()
            finally:
                session.journal.close()
        self.statuses, self.health = [], {}
        self.jobs.clear()
        self._copyable_count = 0
        self.profile_name = name
        await self._open_session(lambda: self._opener()(name))

    def action_fail_next_copy(self) -> None:
        if self.emulator is not None:
            self.emulator.fail_next_copy()
            self.notify("The next copy started fails half way (emulated).", severity="warning")

    def action_clear_faults(self) -> None:
        if self.emulator is not None:
            self.emulator.clear()
            self.notify("Every emulated fault is off.")
            self.start_refresh()

    def action_set_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name

    def watch_theme(self, theme: str) -> None:
        if self._remember_theme:
            self._save_theme(theme)
        for table in self.query(DiffTable):
            table.refresh()

    def _save_theme(self, theme: str) -> None:
        self._preferences = self._preferences.with_theme(theme)
        save_preferences(self._preferences, self._preferences_path)

    def action_auto_refresh(self, seconds: float) -> None:
        self.refresh_every = max(0.0, float(seconds))
        self._preferences = UiPreferences(theme=self._preferences.theme, auto_refresh=self.refresh_every)
        save_preferences(self._preferences, self._preferences_path)
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        if self.refresh_every:
            self.notify(f"Refreshing every {self.refresh_every:g} s.")
            self.start_refresh()
        else:
            self.notify("Auto-refresh is off; r refreshes.")

    def action_outage(self, region: str, down: bool) -> None:
        if self.emulator is None:
            return
        self.emulator.set_outage(region, down)
        if down:
            self.notify(f"Emulated outage: {region} is down (connection refused).", severity="warning")
        else:
            self.notify(f"{region} is back.")
        self.start_refresh()

    # -- adding a profile ---------------------------------------------------------------------------------

    def action_add_profile(self) -> None:
        if isinstance(self.top_screen, AddProfileScreen):
            return
        AddProfileFlow(self, config_file(self._config_path), self._profile_saved).start()

    async def _profile_saved(self, name: str) -> None:
        if self.session is None:
            self.profile_name = name
            await self._open_session(lambda: self._opener()(name))

    def _opener(self) -> ProfileOpener:
        if self._open_profile is not None:
            return self._open_profile
        path = config_file(self._config_path)
        return lambda name: open_profile_session(name, path)

    # -- errors ----------------------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        group = worker.group
        ended = event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
        if group == "refresh" and ended:
            self._refresh_finished()
        if event.state is not WorkerState.ERROR:
            return
        error = as_error(worker.error)
        if group == "refresh":
            self.notify(error.one_line(), title=_WORKER_TITLES["refresh"], severity="error", timeout=8)
            return
        fallback = "The copy failed" if group.startswith("run-") else "Something failed"
        title = _WORKER_TITLES.get(group, fallback)
        self.push_screen(ErrorScreen(title, error))


def _pair_of(status: ServiceStatus, row: DiffRow) -> AssetPair | None:
    """The listing's pair behind a row (looked up when asked, rather than indexed at every refresh)."""
    kind_diff = next((k for k in status.kinds if k.kind is row.kind), None)
    pairs = kind_diff.pairs if kind_diff is not None else ()
    return next((p for p in pairs if p.name == row.name), None)


def make_app(
    session_factory: SessionFactory | None,
    profile_name: str = "",
    *,
    theme: str | None = None,
    emulator: EmulatorControls | None = None,
    now: Now = utc_now,
    auto_refresh: float | None = None,
    timer: Timer = time.perf_counter,
    open_profile: ProfileOpener | None = None,
    problem: RegionSyncError | None = None,
    config_path: Path | None = None,
    preferences_path: Path | None = None,
    theme_dirs: Iterable[Path] | None = None,
) -> RegionSyncApp:
    """The dashboard, wired: the one factory the CLI, the demo and the tests use.

    `session_factory` is called inside the app's event loop (None: no profile — the welcome screen
    says how to add one, and `problem` why); `now` and `timer` are the clocks (frozen in snapshots);
    `auto_refresh` is seconds between refreshes (0 = off, None = the remembered choice or 30 s);
    `emulator` enables the demo's outage commands; `open_profile` opens a profile added from the
    dashboard (default: from the config file).
    """
    return RegionSyncApp(
        session_factory=session_factory,
        profile_name=profile_name,
        theme=theme,
        emulator=emulator,
        now=now,
        auto_refresh=auto_refresh,
        timer=timer,
        open_profile=open_profile,
        problem=problem,
        config_path=config_path,
        preferences_path=preferences_path,
        theme_dirs=theme_dirs,
    )
