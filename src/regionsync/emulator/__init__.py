"""The embedded emulator of the Azure REST APIs regionsync drives (DI, Content Understanding, Language).

A `World` holds many resources in many regions; its Starlette app serves them in process through
`EmulatorTransport` (an httpx transport) or on real loopback listeners through `serve()`, one port
per region. A `Clock` drives copy operations; `world.faults` injects outages, latency, throttling,
5xx, malformed bodies and failing copies. Scenario files (TOML) describe worlds:
`World.from_scenario(load_scenario(path))`.

Names are imported lazily, so that `regionsync --help` does not pay for Starlette and pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regionsync.emulator.clock import Clock
    from regionsync.emulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
    from regionsync.emulator.server import RunningEmulator, serve
    from regionsync.emulator.transport import EmulatorTransport
    from regionsync.emulator.world import World

_EXPORTS = {
    "Clock": "regionsync.emulator.clock",
    "World": "regionsync.emulator.world",
    "EmulatorTransport": "regionsync.emulator.transport",
    "Scenario": "regionsync.emulator.scenario",
    "ScenarioError": "regionsync.emulator.scenario",
    "load_scenario": "regionsync.emulator.scenario",
    "parse_scenario": "regionsync.emulator.scenario",
    "serve": "regionsync.emulator.server",
    "RunningEmulator": "regionsync.emulator.server",
}

__all__ = [
    "Clock",
    "EmulatorTransport",
    "RunningEmulator",
    "Scenario",
    "ScenarioError",
    "World",
    "load_scenario",
    "parse_scenario",
    "serve",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'regionsync.emulator' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
