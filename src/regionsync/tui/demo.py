"""The demo: the emulator's demo world served in process, a profile on it, and the dashboard.

`make demo` runs this (`python -m regionsync.tui.demo`): nothing to configure, no network, no keys
of yours. The profile `contoso` pairs the demo's Document Intelligence, Content Understanding and
Language resources (see `regionsync.demo.DEMO_PAIRS`); the
command palette can take a region down and bring it back (`demo: take westus2 down`), so the
outage and the failover readiness can be watched live. The journal lives in a temporary directory
that disappears with the demo; your own config, keyring and journal are never touched.

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
    """The demo app over a fresh demo world; its journal is written under `workdir`."""
    from regionsync.credentials import entra_credential_factory
    from regionsync.demo import DEMO_IDENTITY, demo_profiles, world_resources
    from regionsync.emulator import Clock, EmulatorTransport, World, load_scenario
    from regionsync.emulator.auth import AdminTokenCredential
    from regionsync.emulator.scenario import demo_scenario_path
    from regionsync.sync.journal import Journal
    from regionsync.sync.session import SyncSession
    from regionsync.tui.app import make_app
    from regionsync.tui.emulator_controls import EmulatorControls

    scenario = load_scenario(demo_scenario_path())
    clock = Clock(speed=clock_speed) if clock_speed is not None else None
    world = World.from_scenario(scenario, clock=clock)

    profile = demo_profiles(world_resources(world), os.environ)[DEMO_PROFILE]
    # `key = "entra"` sides sign in as the demo identity, with tokens from the admin API (in process).
    entra_credential_factory.set(lambda: AdminTokenCredential(world, DEMO_IDENTITY))

    def session() -> SyncSession:
        return SyncSession(DEMO_PROFILE, profile, journal=Journal(workdir / "journal.sqlite3"),
                           transport=EmulatorTransport(world))

    return make_app(session, DEMO_PROFILE, theme=theme, emulator=EmulatorControls.for_world(world),
                    auto_refresh=REFRESH_SECONDS)


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
