"""Dashboard test helpers: the demo world in process, a profile pointing at it, and the app built by
the same `make_app` the CLI uses — with a frozen `now`, a frozen latency timer and virtual time.

`VirtualTime` couples the session's poller to the emulator's frozen clock: every poller sleep moves
both forward by exactly the time asked for and returns at once, so a six-second copy takes
milliseconds. `hold()` makes the next sleeps wait until `release()` (a job stays "in progress" for
as long as a test wants). Everything writes under `tmp_path`: config, preferences, journal, keyring.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from regionsync.config import Profile, ServiceProfile, SideConfig
from regionsync.emulator import Clock, EmulatorTransport, World, load_scenario
from regionsync.emulator.scenario import demo_scenario_path, parse_scenario
from regionsync.sync.journal import Journal
from regionsync.sync.poller import Poller
from regionsync.sync.session import SyncSession
from regionsync.tui.app import FOOTER_SETTLE, RegionSyncApp, make_app
from regionsync.tui.emulator_controls import EmulatorControls
from regionsync.tui.widgets.footer import KeysFooter

FROZEN_NOW = datetime(2024, 12, 2, 15, 30, 0, tzinfo=UTC)
"""The dashboard's `now` in every test: header times, recovery point ages and elapsed times are fixed."""
SIZE = (120, 36)
SMALL = (80, 24)


class VirtualTime:
    """A poller clock and sleep that move the emulator's frozen clock in lockstep."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.offset = 0.0
        self.sleeps = 0
        self._gate: asyncio.Event | None = None
        self._jumps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self._jumps:
            jump = self._jumps.pop(0)
            self.offset += max(seconds, jump)
            self.world.clock.advance(jump)
            await asyncio.sleep(0)
            return
        if self._gate is not None:
            await self._gate.wait()
        self.offset += seconds
        self.world.clock.advance(seconds)
        await asyncio.sleep(0)

    def hold(self, *jumps: float) -> None:
        """The next sleeps move the world by `jumps` (emulated seconds) each, then sleeps wait."""
        self._jumps = list(jumps)
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None


def demo_world(text: str | None = None) -> World:
    scenario = parse_scenario(text, "<test>") if text is not None else load_scenario(demo_scenario_path())
    return World.from_scenario(scenario, clock=Clock(speed=0, start=FROZEN_NOW))


@dataclass
class Dashboard:
    """One emulated world, a profile on two of its resources, and apps built over them."""

    world: World
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    primary: str = "contoso-di-eus"
    secondary: str = "contoso-di-wus2"
    api_version: str = "2024-11-30"
    profile_name: str = "contoso"
    sessions: list[SyncSession] = field(default_factory=list)
    vtime: VirtualTime | None = None
    wrong_keys: set[str] = field(default_factory=set)
    """Resources whose profile side gets a key the emulator refuses."""

    @property
    def journal_path(self) -> Path:
        return self.tmp / "journal.sqlite3"

    def side(self, resource: str, variable: str) -> SideConfig:
        res = self.world.resources[resource]
        self.monkeypatch.setenv(variable, "wrong-key-0000" if resource in self.wrong_keys else res.keys[0])
        return SideConfig(
            endpoint=self.world.endpoint(resource),
            region=res.region,
            resource_id=res.resource_id,
            key=f"env:{variable}",
        )

    def profile(self) -> Profile:
        service = ServiceProfile(
            api_version=self.api_version,
            primary=self.side(self.primary, "TUI_PRIMARY_KEY"),
            secondary=self.side(self.secondary, "TUI_SECONDARY_KEY"),
        )
        return Profile(**{"document-intelligence": service})

    def journal(self) -> Journal:
        return Journal(self.journal_path, now=lambda: FROZEN_NOW)

    def session_factory(self) -> Callable[[], SyncSession]:
        profile = self.profile()
        self.vtime = VirtualTime(self.world)
        vtime = self.vtime

        def factory() -> SyncSession:
            poller = Poller(clock=vtime.clock, sleep=vtime.sleep, rng=__import__("random").Random(7))
            session = SyncSession(
                self.profile_name,
                profile,
                journal=self.journal(),
                transport=EmulatorTransport(self.world),
                poller=poller,
            )
            self.sessions.append(session)
            return session

        return factory

    def app(self, **overrides: Any) -> RegionSyncApp:
        options: dict[str, Any] = {
            "now": lambda: FROZEN_NOW,
            "timer": lambda: 0.0,
            "emulator": EmulatorControls.for_world(self.world),
            "preferences_path": self.tmp / "config" / "ui.toml",
        }
        options.update(overrides)
        return make_app(self.session_factory(), self.profile_name, **options)


async def settle(pilot: Any) -> None:
    """Wait for every finite worker, then for the screen to catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


ROUNDS = 600
"""How many times `until` looks before it gives up: a bound against a hang, never a time limit (a loaded
machine takes longer per round; the outcome is the same)."""


async def until(pilot: Any, done: Callable[[], bool], what: str, *, wait: float = 0.0) -> None:
    """Let the app run (handle its messages, repaint; sleep `wait` real seconds between looks, where a
    real-time Textual timer must fire) until `done()` holds. Nothing here depends on how fast that is."""
    for _ in range(ROUNDS):
        await pilot.pause()
        if done():
            await pilot.pause()  # and the screen has caught up with it
            return
        if wait:
            await pilot.pause(wait)
    raise AssertionError(f"never happened: {what}")


def footer_current(app: RegionSyncApp) -> bool:
    """The app's footer-settle timer has fired and every footer on screen shows the keys it should
    (in order, each enabled or dimmed as `check_action` says) — what the user sees once the cursor rests."""
    if app._footer_timer is not None:
        return False
    return all(footer.shown == footer.wanted() for footer in app.screen.query(KeysFooter))


async def footer_settled(pilot: Any) -> None:
    """Wait until the footer follows the selection. The app refreshes it FOOTER_SETTLE seconds after the
    cursor stops (a Textual timer on the real clock, which no test can move): wait for that timer to
    fire and the footer to redraw, however long a loaded machine takes, instead of a fixed pause."""
    await until(
        pilot,
        lambda: footer_current(pilot.app),
        "the footer shows the selected row's keys",
        wait=FOOTER_SETTLE / 2,
    )


def screen_text(app: RegionSyncApp) -> str:
    """What the terminal shows, as plain text lines (the same render `export_screenshot` makes)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def flat(text: str) -> str:
    """Screen text with borders dropped and whitespace collapsed (for sentences that wrap)."""
    for char in "│┃█▌▐":
        text = text.replace(char, " ")
    return " ".join(text.split())


def select_model(app: RegionSyncApp, name: str) -> None:
    """Put the cursor on the Document Intelligence model `name` of the active table."""
    from regionsync.domain import AssetKind, Service
    from regionsync.tui.model import row_key

    main = app.main_screen
    table = main.active_table if main is not None else None
    assert table is not None and table.select_key(
        row_key(Service.DOCUMENT_INTELLIGENCE, AssetKind.MODEL, name)
    ), name


def journal_jobs(dashboard: Dashboard) -> list[Any]:
    """Every job of the dashboard's journal, newest first."""
    with Journal(dashboard.journal_path) as journal:
        return journal.list_jobs(limit=100)
