"""Region health, from the listing calls a refresh makes anyway: reachable, key accepted, latency
and time of the check, per side and per service of the side (and since when a service is down).

The engine times each side's listings (`ServiceStatus.latency`, with the session's injectable
`timer`, frozen in snapshots) and keeps each side's failure (`ServiceStatus.errors`);
`HealthMeter.summary()` turns them into one `SideHealth` per side. Nothing here talks HTTP or
wraps the engine's adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError
from regionsync.tui.model import ServiceHealth, SideHealth

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
        self._services: dict[Side, tuple[tuple[Service, str], ...]] = {side: () for side in Side}
        self._down_since: dict[tuple[Side, Service], datetime] = {}

    def instrument(self, session: SyncSession) -> None:
        """Learn the session's regions and give it the meter's timer for its listings."""
        session.timer = self.timer
        for side in Side:
            regions = dict.fromkeys(pair.info(side).region for pair in session.pairs)
            self._regions[side] = tuple(regions)
            self._services[side] = tuple((pair.service, pair.info(side).region) for pair in session.pairs)

    def regions(self, side: Side) -> tuple[str, ...]:
        return self._regions[side]

    def start(self) -> None:
        """Kept for the app's refresh rhythm; the figures come with the statuses."""

    def pending(self) -> dict[Side, SideHealth]:
        """Health before anything was measured: `… checking`."""
        return {side: SideHealth(side, self._regions[side], services=self._pending(side)) for side in Side}

    def _pending(self, side: Side) -> tuple[ServiceHealth, ...]:
        return tuple(ServiceHealth(service, region) for service, region in self._services[side])

    def summary(self, statuses: Iterable[ServiceStatus], now: datetime) -> dict[Side, SideHealth]:
        """One SideHealth per side, with one ServiceHealth per service of the profile (the side's
        latency is its slowest listing; any failure is said, by the service it happened to)."""
        statuses = list(statuses)
        by_service = {s.service: s for s in statuses}
        result: dict[Side, SideHealth] = {}
        for side in Side:
            services = []
            known = self._services[side] or tuple(
                (s.service, (s.source if side is Side.PRIMARY else s.target).region) for s in statuses
            )
            for service, region in known:
                status = by_service.get(service)
                services.append(self._service(side, service, region, status, now))
            measured = [s for s in services if s.reachable is not None]
            if not measured:
                result[side] = SideHealth(side, self._regions[side], services=tuple(services))
                continue
            latencies = [s.latency_ms for s in measured if s.latency_ms is not None]
            failed = next((s for s in measured if not s.ok), None)
            result[side] = SideHealth(
                side,
                self._regions[side] or tuple(dict.fromkeys(s.region for s in services)),
                reachable=not any(s.down for s in measured),
                key_accepted=_all_of(s.key_accepted for s in measured),
                latency_ms=max(latencies) if latencies else None,
                checked_at=now,
                problem=failed.problem if failed is not None else "",
                services=tuple(services),
            )
        return result

    def _service(
        self, side: Side, service: Service, region: str, status: ServiceStatus | None, now: datetime
    ) -> ServiceHealth:
        key = (side, service)
        if status is None or (side not in status.latency and side not in status.errors):
            return ServiceHealth(service, region)
        latency = status.latency[side] * 1000 if side in status.latency else None
        error = status.errors.get(side)
        if error is None:
            self._down_since.pop(key, None)
            return ServiceHealth(service, region, reachable=True, key_accepted=True, latency_ms=latency)
        reachable, accepted, words = _problem(error)
        if reachable:
            self._down_since.pop(key, None)
            return ServiceHealth(service, region, reachable=True, key_accepted=accepted, latency_ms=latency,
                                 problem=words)
        since = self._down_since.setdefault(key, now)
        return ServiceHealth(service, region, reachable=False, problem=words, down_since=since)


def _all_of(values: Iterable[bool | None]) -> bool | None:
    """False if any is False, else None if any is unknown, else True."""
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True
