"""`regionsync watch`: the pair kept in sync unattended (issue 16). No Typer here.

Every interval (plus a little jitter) the `Watcher` reads both sides (`SyncSession.status()`),
resumes the profile's open jobs nobody holds (an outage interrupted them, a stopped process left
them), and carries out the plan for what is missing — drifted copies only when told to
(`replace_drifted`); nothing else is ever deleted. Every job it runs is leased to this process
(`sync/leases.py`), so a dashboard or a cron `sync` beside it never makes a second copy: what
another live process holds is left alone and said so.

A side that cannot be read does not stop it: the check says the side is down and the readiness
from the journal's last-known listing, nothing is planned towards a dark side, and the next check
after the region is back carries on (the interrupted jobs are resumed).

One watcher per profile: the journal's `watchers` row (migration 3) holds the owner (host, pid,
start time) and a heartbeat moved every half interval; it is free when the heartbeat is older than
two intervals or its owner is gone. `watched_by` reads it for the dashboard.

Clock, monotonic time, sleep and jitter are injected so a test drives the loop deterministically.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from regionsync.domain import Job, JobState, ProgressEvent, Service, Side, SyncStatus
from regionsync.errors import RegionSyncError
from regionsync.present import clock
from regionsync.sync.journal import Journal, WatcherRow, redact_text, scrub_detail, utc_now
from regionsync.sync.leases import Owner

if TYPE_CHECKING:
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan
    from regionsync.sync.session import SyncSession
    from regionsync.sync.watch_metrics import WatchMetrics

JITTER = 0.1
"""Each wait is the interval plus up to this share of it (several watchers do not beat in step)."""

STOPPED_BEFORE_START = (
    "regionsync watch stopped before this copy started. `regionsync jobs resume` (or the next watch) runs it."
)


@dataclass(frozen=True)
class WatchEvent:
    """One line of the watcher's log: what happened, in words, and the same as data."""

    kind: str
    """start, check, outage, recovered, plan, job, elsewhere, failure, stop."""
    message: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "ts": self.at.isoformat(timespec="seconds"),
            "event": self.kind,
            "message": self.message,
            **self.data,
        }


# -- who watches a profile ----------------------------------------------------------------------


@dataclass(frozen=True)
class WatchState:
    """Who watches a profile, read from the journal (the dashboard's header line)."""

    profile: str
    owner: Owner
    interval: float
    started: datetime
    heartbeat: datetime
    next_check: datetime | None
    jobs: tuple[Job, ...] = ()
    """The open jobs the watcher holds now."""

    def words(self, now: datetime | None = None) -> str:
        """'watched by pid 4242 on ops-1, next check 06:10'."""
        text = f"watched by pid {self.owner.pid} on {self.owner.host}"
        if self.next_check is not None:
            text += f", next check {clock(self.next_check, now)}"
        if self.jobs:
            text += f", copying {', '.join(job.asset_name for job in self.jobs)}"
        return text


def watcher_free(row: WatcherRow, now: datetime) -> bool:
    """A watcher row another may take: its heartbeat is older than two intervals, or its owner is gone."""
    if row.heartbeat < now - timedelta(seconds=2 * row.interval):
        return True
    return Owner.from_key(row.owner).alive() is False


def watched_by(journal: Journal, profile: str, *, now: datetime | None = None) -> WatchState | None:
    """Who watches `profile` now (a live watcher row), with the open jobs it holds; None if nobody."""
    row = journal.watcher(profile)
    moment = now or journal.now()
    if row is None or watcher_free(row, moment):
        return None
    held = {job_id for job_id, owner in journal.job_owners(profile).items() if owner == row.owner}
    jobs = tuple(job for job in journal.unfinished_jobs(profile) if job.id in held)
    return WatchState(
        profile=profile,
        owner=Owner.from_key(row.owner),
        interval=row.interval,
        started=row.started,
        heartbeat=row.heartbeat,
        next_check=row.next_check,
        jobs=jobs,
    )


class AlreadyWatched(RegionSyncError):
    """Another live `regionsync watch` holds the profile."""


def already_watched(state: WatchState, now: datetime | None = None) -> AlreadyWatched:
    since = clock(state.started, now)
    return AlreadyWatched(
        what=f"The profile {state.profile!r} is already watched by pid {state.owner.pid} on host "
        f"{state.owner.host} (since {since}).",
        why="One watcher per profile: a second would only check the same pair twice.",
        todo=f"stop that one first (kill {state.owner.pid} on {state.owner.host}), or watch another profile",
        code="AlreadyWatched",
    )


# -- the loop ---------------------------------------------------------------------------------


class Watcher:
    """Keeps one profile's pairs in sync: a check every interval, jobs run in the background."""

    def __init__(
        self,
        session: SyncSession,
        *,
        interval: float,
        replace_drifted: bool = False,
        metrics: WatchMetrics | None = None,
        log: Callable[[WatchEvent], None] | None = None,
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        owner: Owner | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self.session = session
        self.journal: Journal = session.journal
        self.profile = session.profile_name
        self.interval = float(interval)
        self.replace_drifted = replace_drifted
        self.metrics = metrics
        self._log = log
        self.now = now
        self.monotonic = monotonic
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.owner = owner or session.runner.leases.owner
        self._key = self.owner.key()
        self.tasks: dict[str, asyncio.Task[Job]] = {}
        """Job id → the task carrying it out in this process."""
        self._services: dict[str, Service] = {}
        self._gate = asyncio.Semaphore(session.runner.concurrency)
        self._down: dict[tuple[Service, Side], str] = {}
        self._said_elsewhere: set[str] = set()
        self._last_refused: dict[Service, frozenset[str]] = {}
        self._steps: dict[str, tuple[str, JobState]] = {}
        self.started = monotonic()
        self.last_check: float | None = None
        """Monotonic time of the last finished check (healthz)."""
        self.next_check: datetime | None = None
        self.checks = 0
        self.stopping = False
        self.alive = False
        session.on_event = self._on_progress

    # -- the watcher lease --------------------------------------------------------------------

    def claim(self) -> WatchState | None:
        """Become the profile's watcher; None when claimed, else who watches it already."""
        services = ",".join(pair.service.value for pair in self.session.pairs)
        holder = self.journal.claim_watcher(
            self.profile,
            owner=self._key,
            interval=self.interval,
            services=services,
            may_take=lambda row: watcher_free(row, self.journal.now()),
        )
        if holder is None:
            return None
        return WatchState(
            profile=self.profile,
            owner=Owner.from_key(holder.owner),
            interval=holder.interval,
            started=holder.started,
            heartbeat=holder.heartbeat,
            next_check=holder.next_check,
        )

    def beat(self) -> bool:
        return self.journal.beat_watcher(self.profile, owner=self._key, next_check=self.next_check)

    def release(self) -> None:
        self.journal.release_watcher(self.profile, owner=self._key)

    # -- health -------------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Healthy while the loop runs and its last check (or its start) is younger than two intervals."""
        since = self.last_check if self.last_check is not None else self.started
        age = self.monotonic() - since
        healthy = self.alive and not self.stopping and age < 2 * self.interval
        return healthy, {
            "status": "ok" if healthy else "stale" if self.alive else "stopped",
            "profile": self.profile,
            "checks": self.checks,
            "last_check_age_seconds": round(age, 3) if self.last_check is not None else None,
            "interval_seconds": self.interval,
            "jobs_running": len(self.tasks),
        }

    # -- running ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Check every interval until `stop` is set; then stop cleanly (see `shutdown`)."""
        self.alive = True
        self._emit(
            "start",
            f"watching {self.profile} every {_seconds(self.interval)}"
            + (" (drifted copies are replaced)" if self.replace_drifted else ""),
            interval_seconds=self.interval,
            replace_drifted=self.replace_drifted,
            services=[pair.service.value for pair in self.session.pairs],
            pid=self.owner.pid,
            host=self.owner.host,
        )
        loop = asyncio.create_task(self._loop())
        beat = asyncio.create_task(self._beat_loop())
        waiter = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({loop, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (loop, beat, waiter):
                task.cancel()
            for task in (loop, beat, waiter):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.shutdown()

    async def shutdown(self) -> None:
        """Start nothing more; stop the jobs this process runs where they are (each ends
        `interrupted`, its lease released, so `jobs resume` or the next watch finishes it) and give
        up the watcher row."""
        self.stopping = True
        started = dict(self.tasks)  # done callbacks drop a task from `tasks` as it ends
        running = list(started.values())
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        for job_id in started:
            self._settle_unstarted(job_id)
        self.tasks.clear()
        self.alive = False
        self.release()
        left = f"; {len(running)} job(s) left interrupted for `regionsync jobs resume`" if running else ""
        self._emit("stop", f"stopped watching {self.profile}{left}", jobs_left=len(running))

    async def _loop(self) -> None:
        while not self.stopping:
            await self.check_once()
            delay = self.interval * (1 + JITTER * self.rng.random())
            self.next_check = self.now() + timedelta(seconds=delay)
            if self.metrics is not None:
                self.metrics.next_check.labels(self.profile).set(self.next_check.timestamp())
            self.beat()
            await self.sleep(delay)

    async def _beat_loop(self) -> None:
        while True:
            await self.sleep(self.interval / 2)
            if not self.beat():
                # Another watcher took the row over (this one stalled past two intervals): take it back
                # only if it is free again, else say so once and carry on checking.
                holder = self.claim()
                if holder is not None:
                    self._emit("failure", f"the watcher row was taken over: {holder.words(self.now())}")

    async def check_once(self) -> list[ServiceStatus]:
        """One check: read both sides, resume what is open, plan and start the copies."""
        now = self.now()
        self.checks += 1
        if self.metrics is not None:
            self.metrics.checks.labels(self.profile).inc()
        try:
            statuses = await self.session.status()
            now = self.now()
            for status in statuses:
                self._observe(status, now)
            if not self.stopping:
                await self._act(statuses)
            self._observe_jobs()
            return statuses
        except RegionSyncError as error:
            self._failure(error.one_line())
            return []
        except Exception as error:  # a bug must not stop the watcher: say it and look again next time
            self._failure(f"{type(error).__name__}: {error}")
            return []
        finally:
            self.last_check = self.monotonic()
            if self.metrics is not None:
                self.metrics.last_check.labels(self.profile).set(self.now().timestamp())

    def _failure(self, message: str) -> None:
        if self.metrics is not None:
            self.metrics.check_errors.labels(self.profile).inc()
        self._emit("failure", f"check failed: {message}")

    def _observe(self, status: ServiceStatus, now: datetime) -> None:
        service = status.service
        if self.metrics is not None:
            self.metrics.observe(self.profile, status, now)
        labels = {Side.PRIMARY: status.source.label, Side.SECONDARY: status.target.label}
        for side in Side:
            key = (service, side)
            error = status.errors.get(side)
            if error is not None and key not in self._down:
                self._down[key] = error.one_line()
                self._emit(
                    "outage",
                    f"{service.value}: {labels[side]} is down: {error.one_line()}",
                    service=service.value,
                    side=side.value,
                    error=error.one_line(),
                )
            elif error is None and key in self._down:
                del self._down[key]
                self._emit(
                    "recovered",
                    f"{service.value}: {labels[side]} answers again",
                    service=service.value,
                    side=side.value,
                )
        ready = status.readiness
        counts: dict[str, int] = {}
        for pair in status.pairs:
            counts[pair.status.value] = counts.get(pair.status.value, 0) + 1
        up = {side.value: side not in status.errors for side in Side}
        latency = {side.value: round(status.latency[side], 4) for side in Side if side in status.latency}
        sides = " · ".join(
            f"{side.value} {'up' if up[side.value] else 'DOWN'}"
            + (f" {latency[side.value] * 1000:.0f} ms" if side.value in latency else "")
            for side in Side
        )
        self._emit(
            "check",
            f"{service.value}: {ready.words(now=now)} ({ready.basis}) · {sides}",
            service=service.value,
            servable=ready.servable,
            total=ready.total,
            basis=ready.basis,
            primary_seen_at=ready.primary_seen_at.isoformat() if ready.primary_seen_at else None,
            secondary_seen_at=ready.secondary_seen_at.isoformat() if ready.secondary_seen_at else None,
            oldest_gap_seconds=(now - ready.oldest_gap).total_seconds() if ready.oldest_gap else None,
            up=up,
            latency_seconds=latency,
            assets=counts,
        )

    async def _act(self, statuses: list[ServiceStatus]) -> None:
        healthy = [status for status in statuses if not status.errors]
        if not healthy:
            return
        readable = {status.service for status in healthy}
        self._resume(readable)
        plans = await self.session.plan(statuses=statuses, replace_drifted=self.replace_drifted)
        for pair, plan in plans:
            if pair.service in readable and not self.stopping:
                self._carry_out(pair, plan)

    def _resume(self, services: set[Service]) -> None:
        """Open jobs of the profile nobody runs here: claimed (or, if another process holds one,
        left alone — said once) and continued."""
        for job in self.journal.unfinished_jobs(self.profile):
            if job.id in self.tasks or Service(job.service) not in services:
                continue
            pair = self.session.pair(Service(job.service))
            self._start(pair, job, resumed=True)

    def _carry_out(self, pair: ResourcePair, plan: Plan) -> None:
        refused = frozenset(f"{r.name}: {r.why}" for r in plan.refusals)
        if plan.copies or refused != self._last_refused.get(pair.service, frozenset()):
            self._emit(
                "plan",
                f"{pair.service.value}: {len(plan.copies)} to copy"
                + (f" ({', '.join(c.name for c in plan.copies)})" if plan.copies else "")
                + (f", {len(plan.refusals)} refused" if plan.refusals else ""),
                service=pair.service.value,
                copies=[{"name": c.name, "kind": c.kind.value, "replace": c.replace} for c in plan.copies],
                refusals=[{"name": r.name, "why": r.why} for r in plan.refusals],
            )
        self._last_refused[pair.service] = refused
        if not plan.copies:
            return
        for job in self.session.runner.create_jobs(pair, plan):
            self._start(pair, job, resumed=False)
        self._say_elsewhere()

    def _start(self, pair: ResourcePair, job: Job, *, resumed: bool) -> None:
        self._services[job.id] = pair.service
        task = asyncio.create_task(self._run_job(pair, job, resumed=resumed))
        self.tasks[job.id] = task
        job_id = job.id

        def forget(_task: asyncio.Task[Job]) -> None:
            self.tasks.pop(job_id, None)

        task.add_done_callback(forget)

    async def _run_job(self, pair: ResourcePair, job: Job, *, resumed: bool) -> Job:
        async with self._gate:
            if self.stopping:
                return job
            if resumed:
                holder = self.session.runner.leases.holder(job)
                if holder is not None:
                    self._said(job.id, holder.words())
                    return job
                self._emit(
                    "job",
                    f"resuming {job.asset_name} (job {job.id})",
                    job_id=job.id,
                    asset=job.asset_name,
                    step="resume",
                )
            final = await self.session.runner.run_job(pair, job)
        holder = self.session.runner.elsewhere.pop(job.id, None)
        if holder is not None:
            self._said(job.id, holder.words())
            return final
        self._steps.pop(job.id, None)
        if self.metrics is not None:
            self.metrics.copy_ended(self.profile, pair.service.value, final.state)
        return final

    def _settle_unstarted(self, job_id: str) -> None:
        """A job created but never started when the watcher stopped: interrupted, its lease released."""
        job = self.journal.get_job(job_id)
        if job is not None and job.state is JobState.PENDING:
            row = self.journal.raw_job(job_id)
            if row is not None and row["owner"] == self._key:
                self.journal.update_job(job_id, state=JobState.INTERRUPTED, error=STOPPED_BEFORE_START)
        self.session.runner.leases.release(job_id)

    def _say_elsewhere(self) -> None:
        for job_id, holder in list(self.session.runner.elsewhere.items()):
            self.session.runner.elsewhere.pop(job_id, None)
            self._said(job_id, holder.words())

    def _said(self, job_id: str, words: str) -> None:
        if job_id in self._said_elsewhere:
            return
        self._said_elsewhere.add(job_id)
        self._emit("elsewhere", f"left alone: {words}", job_id=job_id)

    def _on_progress(self, event: ProgressEvent) -> None:
        """The runner's progress: one line per step and per end, not per poll."""
        seen = (event.step, event.state)
        if self._steps.get(event.job_id) == seen:
            return
        self._steps[event.job_id] = seen
        kind = "failure" if event.state is JobState.FAILED else "job"
        words = f"{event.asset_name}: {event.step}"
        if event.step_count:
            words += f" ({event.step_index}/{event.step_count})"
        if (event.state.finished or event.state is JobState.INTERRUPTED) and event.step != event.state.value:
            words += f" → {event.state.value}"
        if event.message:
            words += f": {event.message}"
        self._emit(
            kind,
            words,
            job_id=event.job_id,
            asset=event.asset_name,
            step=event.step,
            state=event.state.value,
            service=self._services[event.job_id].value if event.job_id in self._services else None,
        )

    def _observe_jobs(self) -> None:
        if self.metrics is None:
            return
        counts = self.journal.job_counts(self.profile)
        for pair in self.session.pairs:
            service = pair.service.value
            self.metrics.observe_jobs(
                self.profile, service, {state: n for (svc, state), n in counts.items() if svc == service}
            )

    def _emit(self, kind: str, message: str, **data: Any) -> None:
        if self._log is None:
            return
        self._log(WatchEvent(kind=kind, message=redact_text(message), at=self.now(), data=scrub_detail(data)))


def _seconds(value: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{value:g}s"


def readiness_summary(statuses: Iterable[ServiceStatus]) -> dict[str, Any]:
    """Service → (servable, total, basis) of the last check (tests and `--json` closing line)."""
    return {
        s.service.value: {
            "servable": s.readiness.servable,
            "total": s.readiness.total,
            "basis": s.readiness.basis,
            "drifted": sum(1 for p in s.pairs if p.status is SyncStatus.DRIFTED),
        }
        for s in statuses
    }
