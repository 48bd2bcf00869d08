"""The demo: the emulator's demo world served in process, a profile on it, and the dashboard.

`make demo` runs this (`python -m regionsync.tui.demo`): nothing to configure, no network, no keys
of yours. The profile `contoso` pairs the demo's Document Intelligence, Content Understanding and
Language resources (see `regionsync.demo.DEMO_PAIRS`); the
command palette can take a region down and bring it back (`demo: take westus2 down`), so the
outage and the failover readiness can be watched live. The journal, the dashboard's preferences
(`ui.toml`: theme, auto-refresh) and the profiles file a profile added from the demo would go to
all live in a temporary directory that disappears with the demo; your own files are never written.
The world is dated relative to now (`regionsync.emulator.scenario.demo_scenario`): its newest change
a few hours old, the rest days old, so the header's ages read like a real team's.

The Language secondary (`contoso-lang-wus2`) has keys disabled: the profile reaches it with Entra ID
(`key = "entra"`), signed in as the demo identity by a credential that asks the emulator's admin
API for tokens in process (set for the demo's context with `entra_credential_factory`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DEMO_PROFILE = "contoso"
REFRESH_SECONDS = 5.0


def build_demo(workdir: Path, theme: str | None = None, clock_speed: float | None = None) -> object:
    """The demo app over a fresh demo world; its journal, preferences and any profile added are written
    under `workdir` (nothing of the user's)."""
    from regionsync.credentials import entra_credential_factory
    from regionsync.demo import DEMO_IDENTITY, demo_profiles, world_resources
    from regionsync.emulator import Clock, EmulatorTransport, World
    from regionsync.emulator.auth import AdminTokenCredential
    from regionsync.emulator.scenario import demo_scenario
    from regionsync.sync.journal import Journal
    from regionsync.sync.session import SyncSession
    from regionsync.tui.app import make_app
    from regionsync.tui.emulator_controls import EmulatorControls

    scenario = demo_scenario()
    clock = Clock(speed=clock_speed) if clock_speed is not None else None
    world = World.from_scenario(scenario, clock=clock)

    profile = demo_profiles(world_resources(world), os.environ)[DEMO_PROFILE]
    # `key = "entra"` sides sign in as the demo identity, with tokens from the admin API (in process).
    entra_credential_factory.set(lambda: AdminTokenCredential(world, DEMO_IDENTITY))

    def session() -> SyncSession:
        return SyncSession(DEMO_PROFILE, profile, journal=Journal(workdir / "journal.sqlite3"),
                           transport=EmulatorTransport(world))

    return make_app(session, DEMO_PROFILE, theme=theme, emulator=EmulatorControls.for_world(world),
                    auto_refresh=REFRESH_SECONDS, preferences_path=workdir / "ui.toml",
                    config_path=workdir / "config.toml")


def main(argv: list[str] | None = None) -> int:
    """Run the demo dashboard; `--theme NAME` picks a theme."""
    args = list(sys.argv[1:] if argv is None else argv)
    theme = args[args.index("--theme") + 1] if "--theme" in args[:-1] else None
    with tempfile.TemporaryDirectory(prefix="regionsync-demo-") as workdir:
        app = build_demo(Path(workdir), theme)
        app.run()  # type: ignore[attr-defined]
        return int(app.return_code or 0)  # type: ignore[attr-defined]


if __name__ == "__main__":
    raise SystemExit(main())
