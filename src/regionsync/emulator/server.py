"""Serving the emulator on loopback: `serve(world)` for code and tests, `run_command` for the CLI.

`serve` binds the admin API and one listener per region on 127.0.0.1 only (port 0: free ports;
else the admin on `port` and the regions on the next ports), tells the world its real ports, and
closes / reopens a region's listener when its outage begins / ends. `run_command` is
`regionsync emulator`: it loads the scenario (the shipped demo when none is given), serves, prints
the endpoints (one JSON line with --json) and runs until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regionsync.emulator.listeners import LOOPBACK, Listener, make_config
from regionsync.emulator.world import World


@dataclass
class RunningEmulator:
    """A world being served on loopback."""

    world: World
    admin: Listener
    regions: dict[str, Listener] = field(default_factory=dict)

    @property
    def admin_url(self) -> str:
        return f"http://{LOOPBACK}:{self.admin.port}"

    def startup_info(self) -> dict[str, Any]:
        """What `regionsync emulator --json` prints: the admin URL and every resource with its keys."""
        from regionsync.emulator.auth import directory

        keys_disabled = directory(self.world).keys_disabled
        return {
            "admin": self.admin_url,
            "resources": [
                {
                    "name": r.name,
                    "service": r.service,
                    "region": r.region,
                    "endpoint": self.world.endpoint(r.name),
                    "resource_id": r.resource_id,
                    "keys": list(r.keys),
                    "disable_local_auth": r.name in keys_disabled,
                }
                for r in self.world.resources.values()
            ],
        }


@asynccontextmanager
async def serve(world: World, port: int = 0, host: str = LOOPBACK) -> AsyncIterator[RunningEmulator]:
    """Serve `world` on real loopback listeners until the block ends."""
    if host != LOOPBACK:
        raise ValueError(f"the emulator binds to {LOOPBACK} only, not {host!r}")
    config = make_config(world.app)
    previous = (world.admin_port, dict(world.region_ports))
    admin = Listener(config, port)
    regions: dict[str, Listener] = {}
    running = RunningEmulator(world, admin, regions)
    try:
        admin.bind()
        for index, region in enumerate(world.regions):
            listener = Listener(config, 0 if port == 0 else port + 1 + index, region)
            listener.bind()
            regions[region] = listener
        world.bind_ports(admin.port, {region: listener.port for region, listener in regions.items()})
        await admin.start()
        for region, listener in regions.items():
            if world.faults.is_down(region):
                listener.stop()
            else:
                await listener.start()
    except BaseException:
        for listener in (admin, *regions.values()):
            await listener.aclose()
        world.bind_ports(*previous)
        raise

    def on_outage(region: str, down: bool) -> None:
        listener = regions.get(region)
        if listener is not None:
            if down:
                listener.stop()
            else:
                listener.restart()

    world.faults.add_outage_listener(on_outage)
    try:
        yield running
    finally:
        world.faults.remove_outage_listener(on_outage)
        for listener in (*regions.values(), admin):
            await listener.aclose()
        world.bind_ports(*previous)


def _endpoint_table(info: dict[str, Any]) -> str:
    rows = [("RESOURCE", "REGION", "SERVICE", "ENDPOINT")]
    rows += [(r["name"], r["region"], r["service"], r["endpoint"]) for r in info["resources"]]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append("")
    lines.append(f"admin API: {info['admin']}/_emulator/world   (keys: use --json)   Ctrl+C stops")
    return "\n".join(lines)


async def _serve_until_signalled(world: World, port: int, json_output: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serve(world, port) as running:
        info = running.startup_info()
        sys.stdout.write((json.dumps(info) if json_output else _endpoint_table(info)) + "\n")
        sys.stdout.flush()
        await stop.wait()
    return 0


def run_command(scenario: Path | None, *, port: int = 0, json_output: bool = False) -> int:
    """`regionsync emulator`: 0 after SIGINT/SIGTERM, 2 for a bad scenario, 1 when it cannot listen."""
    from regionsync.emulator.scenario import ScenarioError, demo_scenario, load_scenario

    try:
        world = World.from_scenario(load_scenario(scenario) if scenario else demo_scenario())
    except ScenarioError as exc:
        sys.stderr.write(f"regionsync emulator: {exc}\n")
        return 2
    if port and not 1 <= port <= 65535 - len(world.regions):
        sys.stderr.write(
            f"regionsync emulator: --port {port} leaves no room for {len(world.regions)} regions\n"
        )
        return 2
    try:
        return asyncio.run(_serve_until_signalled(world, port, json_output))
    except OSError as exc:
        sys.stderr.write(f"regionsync emulator: cannot listen on {LOOPBACK}: {exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        return 0
