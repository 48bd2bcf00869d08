"""Region health, measured from the listing calls a refresh makes anyway: reachable, key accepted,
latency and time of the check, per side.

`HealthMeter.instrument(session)` wraps each side's adapter in a `TimedAdapter` that times
`list_assets` and records how it ended; everything else passes straight through, so the engine
(which reaches the adapters through `session.pairs`) behaves exactly as before. After a refresh,
`summary()` turns the samples into one `SideHealth` per side. Time comes from an injected timer, so
snapshots can freeze the latency.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from regionsync.domain import AssetKind, Side
from regionsync.errors import RegionSyncError
from regionsync.tui.model import SideHealth

if TYPE_CHECKING:
    from regionsync.domain import Asset
    from regionsync.sync.session import SyncSession

Timer = Callable[[], float]


@dataclass(frozen=True)
class Sample:
    """One timed listing call of one side."""

    side: Side
    seconds: float
    error: RegionSyncError | None = None


class TimedAdapter:
    """An AssetAdapter that times its listing calls; every other attribute is the wrapped adapter's."""

    def __init__(self, inner: Any, side: Side, record: Callable[[Sample], None], timer: Timer) -> None:
        self._inner = inner
        self._side = side
        self._record = record
        self._timer = timer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"TimedAdapter({self._inner!r})"

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        started = self._timer()
        try:
            assets: list[Asset] = await self._inner.list_assets(kind)
        except RegionSyncError as exc:
            self._record(Sample(self._side, self._timer() - started, exc))
            raise
        self._record(Sample(self._side, self._timer() - started))
        return assets


def _problem(error: RegionSyncError) -> tuple[bool, bool | None, str]:
    """(reachable, key accepted, words) for a failed listing."""
    if error.code == "Unreachable":
        return False, None, "unreachable: connection refused"
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
    """Collects the timed listing calls of one refresh and sums them up per side."""

    def __init__(self, timer: Timer) -> None:
        self._timer = timer
        self._samples: list[Sample] = []
        self._regions: dict[Side, tuple[str, ...]] = {side: () for side in Side}

    def instrument(self, session: SyncSession) -> None:
        """Wrap every side's adapter of the session (once) so its listings are timed."""
        wrapped = []
        for pair in session.pairs:
            if isinstance(pair.primary, TimedAdapter):
                wrapped.append(pair)
                continue
            wrapped.append(
                dataclasses.replace(
                    pair,
                    primary=TimedAdapter(pair.primary, Side.PRIMARY, self._samples.append, self._timer),
                    secondary=TimedAdapter(pair.secondary, Side.SECONDARY, self._samples.append, self._timer),
                )
            )
        session.pairs[:] = wrapped
        for side in Side:
            regions = dict.fromkeys(pair.info(side).region for pair in session.pairs)
            self._regions[side] = tuple(regions)

    def regions(self, side: Side) -> tuple[str, ...]:
        return self._regions[side]

    def start(self) -> None:
        """Forget the previous refresh's samples."""
        self._samples.clear()

    def pending(self) -> dict[Side, SideHealth]:
        """Health before anything was measured: `… checking`."""
        return {side: SideHealth(side, self._regions[side]) for side in Side}

    def summary(self, now: datetime) -> dict[Side, SideHealth]:
        """One SideHealth per side from this refresh's samples (the slowest call is its latency)."""
        result: dict[Side, SideHealth] = {}
        for side in Side:
            samples = [s for s in self._samples if s.side is side]
            if not samples:
                result[side] = SideHealth(side, self._regions[side])
                continue
            failed = [s for s in samples if s.error is not None]
            ok = [s for s in samples if s.error is None]
            latency = max(s.seconds for s in ok) * 1000 if ok else None
            if failed:
                reachable, key, words = _problem(failed[0].error)  # type: ignore[arg-type]
                result[side] = SideHealth(
                    side, self._regions[side], reachable=reachable or bool(ok), key_accepted=key,
                    latency_ms=latency, checked_at=now, problem=words,
                )
            else:
                result[side] = SideHealth(
                    side, self._regions[side], reachable=True, key_accepted=True, latency_ms=latency,
                    checked_at=now,
                )
        return result
