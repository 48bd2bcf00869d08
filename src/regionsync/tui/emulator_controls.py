"""EmulatorControls: what the demo's command palette may do to the embedded emulator.

Only the demo (and tests) pass one to the app; against Azure there is none and the `demo:` commands
do not appear. It is backed by the emulator's fault API (`world.faults`), so taking a region down
closes it exactly as a real outage would (connection refused), and a failed copy fails on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class OutageSwitch(Protocol):
    """The part of the emulator's `Faults` the dashboard uses."""

    def set_outage(self, region: str, down: bool) -> None: ...

    def is_down(self, region: str) -> bool: ...

    def fail_copies(
        self, resource: str | None = None, at_percent: int = 50, *, region: str | None = None,
        count: int | None = None,
    ) -> None: ...

    def clear(self) -> None: ...


@dataclass
class EmulatorControls:
    """Outage on/off per region of an emulated world, a failing copy, and every fault off."""

    faults: OutageSwitch
    regions: tuple[str, ...]

    @staticmethod
    def for_world(world: object) -> EmulatorControls:
        """Controls for an `emulator.World` (every region it serves)."""
        return EmulatorControls(faults=world.faults, regions=tuple(world.regions))  # type: ignore[attr-defined]

    def is_down(self, region: str) -> bool:
        return self.faults.is_down(region)

    def set_outage(self, region: str, down: bool) -> None:
        if region not in self.regions:
            raise ValueError(f"the emulator has no region {region!r}")
        self.faults.set_outage(region, down)

    def fail_next_copy(self) -> None:
        """The next copy started (anywhere) fails half way."""
        self.faults.fail_copies(at_percent=50, count=1)

    def clear(self) -> None:
        """Every fault off, outages included."""
        self.faults.clear()
