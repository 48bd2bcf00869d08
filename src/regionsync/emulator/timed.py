"""Timed work: the one base of every long-running thing in the emulator, and how it starts and ends.

A Document Intelligence copy (`state.Operation`), a Content Understanding analyzer operation
(`cu_state.AnalyzerOperation`) and a Language authoring job (`language_state.LanguageJob`) are each a
`TimedWork`: accepted at `created`, `seconds` of emulated time long, settled once at `finish_at`.
Until then their status and percentage are computed from the clock (progress.py), never stored.

Starting one takes two helpers: `plan_failure` decides, when the work is accepted, whether it will
fail (a failure already known, or an injected copy-failure fault) and so how long it runs; `schedule`
registers the record on its resource and has the world settle it when the clock reaches `finish_at`
(looked up again then: a record or resource gone meanwhile is left alone, a settled one is not
settled twice). A cancelled job ends at once (`cancel`) and is never settled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeVar

from regionsync.emulator.problems import Problem
from regionsync.emulator.progress import Status, percent_of, timed_progress

if TYPE_CHECKING:
    from regionsync.emulator.state import Resource
    from regionsync.emulator.world import World

OPERATION_RETENTION = timedelta(hours=24)
"""Finished operations can be read this long (both Document Intelligence and Content Understanding)."""
EARLY_FAILURE_SECONDS = 1.0
"""A failure known when the work is accepted ends it this soon (at 0 %), or at its end if sooner."""

WorkStatus = Literal["running", "succeeded", "failed", "cancelled"]


@dataclass(kw_only=True)
class TimedWork:
    """What every timed record shares: when it started and ends, how it ends, whether it has."""

    created: datetime
    finish_at: datetime
    seconds: float
    failure: Problem | None = None
    fail_percent: int = 0
    status: WorkStatus = "running"
    finished: bool = False

    def progress(self, now: datetime) -> tuple[Status, int]:
        """(status, percentCompleted) as seen at `now`."""
        if self.status == "cancelled":
            return "cancelled", percent_of(self.finish_at, self.created, self.seconds)
        return timed_progress(
            now,
            created=self.created,
            seconds=self.seconds,
            finished=self.finished,
            succeeded=self.status == "succeeded",
            fail_percent=self.fail_percent if self.failure is not None else None,
        )

    def last_updated(self, now: datetime) -> datetime:
        return self.finish_at if self.finished else max(self.created, min(now, self.finish_at))

    def retained(self, now: datetime, retention: timedelta = OPERATION_RETENTION) -> bool:
        """Kept while it runs and for `retention` after it finished."""
        return not self.finished or self.finish_at >= now - retention

    def cancel(self, now: datetime) -> None:
        """Stop it now: it ends `cancelled` at the percentage it had reached."""
        self.finish_at = max(self.created, now)
        self.finished = True
        self.status = "cancelled"


@dataclass(frozen=True)
class FailurePlan:
    """How accepted work will end: `failure` (None: it succeeds) at `fail_percent`, after `duration`."""

    failure: Problem | None
    fail_percent: int
    duration: float

    @property
    def early(self) -> bool:
        """It fails at 0 %, after `EARLY_FAILURE_SECONDS` at most."""
        return self.failure is not None and self.fail_percent == 0

    def finish_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.duration)


def plan_failure(
    world: World,
    resources: Iterable[Resource],
    seconds: float,
    interrupted: Callable[[int], Problem],
    *,
    known: Problem | None = None,
) -> FailurePlan:
    """Decide how work of `seconds` accepted now ends.

    A failure `known` at the start ends it early at 0 %; otherwise the first of `resources` a
    copy-failure fault names (each fault asked in turn, and consumed when it answers) makes it fail
    with `interrupted(percent)` at that percent.
    """
    failure, fail_percent = known, 0
    if failure is None:
        for resource in resources:
            injected = world.faults.next_copy_failure(resource.region, resource.name)
            if injected is not None:
                failure, fail_percent = interrupted(injected), injected
                break
    if failure is None:
        duration = seconds
    elif fail_percent == 0:
        duration = min(EARLY_FAILURE_SECONDS, seconds)
    else:
        duration = seconds * fail_percent / 100
    return FailurePlan(failure, fail_percent, duration)


W = TypeVar("W", bound=TimedWork)


def schedule(
    world: World,
    resource: Resource,
    registry: Callable[[Resource], dict[str, W]],
    work_id: str,
    work: W,
    settle: Callable[[World, Resource, W], None],
) -> W:
    """Register `work` on `resource` and settle it once when the clock reaches its `finish_at`.

    `settle` does what the work does when it ends, and may set `failure`; the work is marked
    finished before and its status (`failed` when it has a failure, else `succeeded`) set after.
    """
    registry(resource)[work_id] = work
    name = resource.name

    def finish() -> None:
        owner = world.resources.get(name)
        record = registry(owner).get(work_id) if owner is not None else None
        if owner is None or record is None or record.finished:
            return
        record.finished = True
        settle(world, owner, record)
        record.status = "failed" if record.failure is not None else "succeeded"

    world.at(work.finish_at, finish)
    return work
