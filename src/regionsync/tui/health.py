"""Region health, from the listing calls a refresh makes anyway: reachable, key accepted, latency
and time of the check, per side.

The engine times each side's listings (`ServiceStatus.latency`, with the session's injectable
`timer`, frozen in snapshots) and keeps each side's failure (`ServiceStatus.errors`);
`HealthMeter.summary()` turns them into one `SideHealth` per side. Nothing here talks HTTP or
wraps the engine's adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from regionsync.domain import Side
from regionsync.errors import RegionSyncError
from regionsync.tui.model import SideHealth

if TYPE_CHECKING:
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.session import SyncSession

Timer = Callable[[], float]


def _problem(error: RegionSyncError) -> tuple[bool, bool | None, str]:
    """(reachable, key accepted, words) for a failed listing."""
    if error.code == "Unreachable":
        return False, None, f"unreachable: {error.details.get('cause', 'connection refused')}"
    if error.code == "Timeout":
        return False, None, "unreachable: no answer in time"
    if error.code == "ConnectionLost":
        return False, None, "unreachable: connection dropped"
    if error.status in (401, 403):
        return True, False, "key refused"
    if error.status is not None:
        return True, True, f"answers HTTP {error.status}"
    return True, None, error.code or "error"


class HealthMeter:
    """Sums up one refresh's listings per side."""

    def __init__(self, timer: Timer) -> None:
        self.timer = timer
        self._regions: dict[Side, tuple[str, ...]] = {side: () for side in Side}

    def instrument(self, session: SyncSession) -> None:
        """Learn the session's regions and give it the meter's timer for its listings."""
        session.timer = self.timer
        for side in Side:
            regions = dict.fromkeys(pair.info(side).region for pair in session.pairs)
            self._regions[side] = tuple(regions)

    def regions(self, side: Side) -> tuple[str, ...]:
        return self._regions[side]

    def start(self) -> None:
        """Kept for the app's refresh rhythm; the figures come with the statuses."""

    def pending(self) -> dict[Side, SideHealth]:
        """Health before anything was measured: `… checking`."""
        return {side: SideHealth(side, self._regions[side]) for side in Side}

    def summary(self, statuses: Iterable[ServiceStatus], now: datetime) -> dict[Side, SideHealth]:
        """One SideHealth per side (the slowest listing is its latency; any failure is said)."""
        statuses = list(statuses)
        result: dict[Side, SideHealth] = {}
        for side in Side:
            latencies = [s.latency[side] for s in statuses if side in s.latency]
            failures = [s.errors[side] for s in statuses if side in s.errors]
            if not latencies and not failures:
                result[side] = SideHealth(side, self._regions[side])
                continue
            latency = max(latencies) * 1000 if latencies else None
            if failures:
                reachable, key, words = _problem(failures[0])
                result[side] = SideHealth(
                    side, self._regions[side], reachable=reachable or bool(latencies), key_accepted=key,
                    latency_ms=latency, checked_at=now, problem=words,
                )
            else:
                result[side] = SideHealth(
                    side, self._regions[side], reachable=True, key_accepted=True, latency_ms=latency,
                    checked_at=now,
                )
        return result
