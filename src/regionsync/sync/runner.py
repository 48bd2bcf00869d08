"""Run copy jobs as journaled state machines: authorize → copy → poll → verify.

Every step is written to the journal before and after its call, with the operation URL as soon
as the service gives it, so that a job killed at any point can be resumed:

* an operation URL was recorded → keep polling it (never a second copy);
* the copy call's answer was lost → look for the operation it may have started, or for the
  copied asset on the target, before doing anything again;
* otherwise → ask the target for a *new* authorization (an authorization is never stored and so
  never reused) and copy.

The runner never branches on the service: it calls the AssetAdapter protocol.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from regionsync.domain import Asset, AssetKind, Job, JobState, ProgressEvent, Side, Step
from regionsync.errors import RegionSyncError
from regionsync.services.base import AssetAdapter, OperationStatus
from regionsync.sync.journal import Journal
from regionsync.sync.pair import ResourcePair
from regionsync.sync.plan import Plan
from regionsync.sync.poller import Poller, PollRequest

STEPS = ("authorize", "copy", "poll", "verify")
"""The steps of a copy job, in order; a replace adds `delete-outdated` before them."""

ProgressSink = Callable[[ProgressEvent], None]


@dataclass
class _Watch:
    """What the poll step watches: the source's copy operation, or (a lost v2.1 copy) the target."""

    poll: Callable[[], Awaitable[OperationStatus]]
    origin: str
    kind: str
    started_at: float
    retry_after: float | None = None
    operation_url: str | None = None


class Runner:
    """Runs and resumes copy jobs for one or more resource pairs, sharing one Poller."""

    def __init__(
        self,
        journal: Journal,
        poller: Poller,
        *,
        on_event: ProgressSink | None = None,
        clock: Callable[[], float] = time.monotonic,
        concurrency: int = 4,
    ) -> None:
        self.journal = journal
        self.poller = poller
        self.on_event = on_event
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self._sources: dict[str, Asset] = {}
        """job id → the source asset as the plan listed it (saves a GET before authorizing)."""

    # -- public API -------------------------------------------------------------------------

    def create_jobs(self, pair: ResourcePair, plan: Plan, *, source: Side = Side.PRIMARY) -> list[Job]:
        """Journal one pending job per planned copy; an asset already being copied is skipped."""
        jobs: list[Job] = []
        target = source.other
        for copy in plan.copies:
            active = self.journal.active_job_for(
                pair.profile, pair.service, copy.kind, copy.name, pair.info(target).endpoint
            )
            if active is not None:
                jobs.append(active)
                continue
            now = datetime.now(UTC)
            job = Job(
                id="",  # the journal assigns a sortable id
                profile=pair.profile,
                service=pair.service,
                kind=copy.kind,
                api_version=pair.api_version,
                source_side=source,
                source_endpoint=pair.info(source).endpoint,
                target_endpoint=pair.info(target).endpoint,
                source_resource_id=pair.info(source).resource_id,
                target_resource_id=pair.info(target).resource_id,
                source_id=copy.source_id,
                target_id=copy.target_id,
                asset_name=copy.name,
                created=now,
                updated=now,
            )
            job = self.journal.create_job(job)
            jobs.append(job)
            if copy.source is not None:
                self._sources[job.id] = copy.source
            if copy.replace_id:
                self.journal.start_step(job.id, 0, "delete-outdated", detail={"target_id": copy.replace_id})
                self.journal.finish_step(job.id, 0, state=JobState.PENDING)
        return jobs

    async def run(self, pair: ResourcePair, jobs: list[Job], *, allow_degrade: bool = False) -> list[Job]:
        """Run (or resume) `jobs` with at most `concurrency` at once; returns their final records."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(job: Job) -> Job:
            async with gate:
                return await self.run_job(pair, job, allow_degrade=allow_degrade)

        return list(await asyncio.gather(*(one(j) for j in jobs)))

    async def run_job(self, pair: ResourcePair, job: Job, *, allow_degrade: bool = False) -> Job:
        """Drive one job to a finished state from wherever its journal says it stopped."""
        fresh = self.journal.get_job(job.id) or job
        if fresh.state.finished:
            return fresh
        self.journal.update_job(job.id, state=JobState.RUNNING)
        try:
            await self._drive(pair, fresh, allow_degrade=allow_degrade)
        except RegionSyncError as exc:
            current = self.journal.get_job(job.id) or fresh
            if exc.retryable and _recorded_operation(current.steps) is not None:
                # The service holds a running copy we lost sight of (region down, throttled): keep
                # the job open so `jobs resume` polls the same operation instead of copying again.
                message = f"interrupted: {exc.one_line()} `regionsync jobs resume` continues it."
                self.journal.update_job(job.id, state=JobState.RUNNING, error=message)
                self._emit(fresh, "interrupted", len(STEPS), JobState.RUNNING, message=message)
            else:
                self.journal.update_job(job.id, state=JobState.FAILED, error=exc.one_line())
                self._emit(fresh, "failed", len(STEPS), JobState.FAILED, message=exc.one_line())
        except asyncio.CancelledError:
            self.journal.update_job(job.id, state=JobState.CANCELED, error="canceled by the user")
            raise
        return self.journal.get_job(job.id) or fresh

    # -- the state machine ------------------------------------------------------------------

    async def _drive(self, pair: ResourcePair, job: Job, *, allow_degrade: bool) -> None:
        source = pair.adapter(job.source_side)
        target = pair.adapter(job.source_side.other)
        kind = AssetKind(job.kind)
        steps = job.steps
        next_index = (max(s.index for s in steps) + 1) if steps else 0

        outdated = _last(steps, "delete-outdated")
        if outdated is not None and outdated.state is not JobState.SUCCEEDED:
            await self._delete_outdated(target, kind, job, outdated)

        target_id = job.target_id
        watch: _Watch | None = None
        recorded = _recorded_operation(steps)
        if recorded is not None:
            watch = self._operation_watch(source, job, recorded)
        elif _last(steps, "copy") is not None:
            watch = await self._recover_lost_copy(source, target, kind, job)
        if watch is None:
            target_id, watch, next_index = await self._authorize_and_copy(
                source, target, kind, job, next_index, allow_degrade=allow_degrade
            )
        poll_index = next_index
        status = await self._poll(job, watch, poll_index)
        if status.state is not JobState.SUCCEEDED:
            error = status.error or RegionSyncError(
                what=f"The copy of {job.asset_name} ended {status.state.value}.",
                todo="run the copy again; regionsync asks for a new authorization",
            )
            raise error
        final_id = status.target_id or target_id or job.target_id
        if final_id and final_id != job.target_id:
            self.journal.update_job(job.id, target_id=final_id)
        reported = isinstance(status.raw.get("result"), dict) and status.target_id == final_id
        await self._verify(target, kind, job, final_id or "", poll_index + 1, reported=reported)

    async def _delete_outdated(self, target: AssetAdapter, kind: AssetKind, job: Job, step: Step) -> None:
        replace_id = str(step.detail.get("target_id", ""))
        self.journal.start_step(job.id, step.index, "delete-outdated", detail={"target_id": replace_id})
        delete = getattr(target, "delete_asset", None)
        if delete is None:
            raise RegionSyncError(what=f"This service cannot replace {job.asset_name} in place.")
        await delete(kind, replace_id)
        self.journal.finish_step(job.id, step.index, state=JobState.SUCCEEDED)

    async def _authorize_and_copy(
        self,
        source: AssetAdapter,
        target: AssetAdapter,
        kind: AssetKind,
        job: Job,
        index: int,
        *,
        allow_degrade: bool,
    ) -> tuple[str, _Watch, int]:
        asset = self._sources.pop(job.id, None) or await source.get_asset(kind, job.source_id)
        if asset is None:
            raise RegionSyncError(
                what=f"{job.asset_name} is no longer on the source resource.",
                why="it was deleted after the plan was made",
                todo="run status again; nothing was copied",
                code="SourceGone",
            )
        self._emit(job, "authorize", 1, JobState.RUNNING)
        self.journal.start_step(job.id, index, "authorize", detail={"target_id": job.target_id})
        try:
            auth = await target.authorize_copy(kind, asset, job.target_id)
        except RegionSyncError as exc:
            self.journal.finish_step(job.id, index, state=JobState.FAILED, error=exc.one_line())
            raise
        self.journal.finish_step(
            job.id,
            index,
            state=JobState.SUCCEEDED,
            detail={"target_id": auth.target_id, "expires": auth.expires},
        )
        if auth.target_id != job.target_id:
            self.journal.update_job(job.id, target_id=auth.target_id)
            job = job.model_copy(update={"target_id": auth.target_id})

        self._emit(job, "copy", 2, JobState.RUNNING)
        self.journal.start_step(job.id, index + 1, "copy", detail={"target_id": auth.target_id})
        try:
            started = await source.start_copy(kind, job.source_id, auth, allow_degrade=allow_degrade)
        except RegionSyncError as exc:
            state = JobState.RUNNING if exc.code == "OutcomeUnknown" else JobState.FAILED
            self.journal.finish_step(job.id, index + 1, state=state, error=exc.one_line())
            if state is JobState.RUNNING:
                watch = await self._recover_lost_copy(source, target, kind, job)
                if watch is not None:
                    return auth.target_id, watch, index + 2
            raise
        self.journal.record_operation(job.id, index + 1, started.operation_url)
        self.journal.finish_step(
            job.id, index + 1, state=JobState.SUCCEEDED, operation_url=started.operation_url
        )
        watch = self._operation_watch(source, job, started.operation_url)
        watch.retry_after = started.retry_after
        return auth.target_id, watch, index + 2

    def _operation_watch(self, source: AssetAdapter, job: Job, url: str) -> _Watch:
        """Poll the copy operation the source service runs (the normal path)."""
        return _Watch(
            poll=lambda: source.poll(url),
            origin=_origin(job.source_endpoint),
            kind=f"{job.service}:{job.kind}-copy",
            started_at=self.clock(),
            operation_url=url,
        )

    async def _recover_lost_copy(
        self, source: AssetAdapter, target: AssetAdapter, kind: AssetKind, job: Job
    ) -> _Watch | None:
        """After a copy whose answer was lost, find out whether it took effect, without copying again.

        The source's operations list (v3+) gives the operation; else the target asset the
        authorization reserved tells (v2.1: `creating` while the copy runs). None: it did not
        take effect, and the caller asks for a fresh authorization.
        """
        fresh = self.journal.get_job(job.id) or job
        target_id = fresh.target_id
        if not target_id:
            return None
        url = await source.find_copy_operation(kind, fresh.source_id, target_id)
        if url is not None:
            index = max(s.index for s in fresh.steps) if fresh.steps else 0
            self.journal.record_operation(job.id, index, url)
            return self._operation_watch(source, job, url)
        existing = await target.get_asset(kind, target_id)
        if existing is None or existing.state not in ("ready", "creating"):
            return None

        async def read_target() -> OperationStatus:
            asset = await target.get_asset(kind, target_id)
            if asset is not None and asset.state == "ready":
                return OperationStatus(state=JobState.SUCCEEDED, percent=100, target_id=asset.id)
            if asset is not None and asset.state == "creating":
                return OperationStatus(state=JobState.RUNNING, target_id=asset.id)
            return OperationStatus(
                state=JobState.FAILED,
                error=RegionSyncError(
                    what=f"The copy of {job.asset_name} did not land on the target "
                    f"({asset.state if asset else 'gone'}).",
                    todo="copy it again; regionsync asks for a new authorization",
                    code="CopyLost",
                ),
            )

        return _Watch(
            poll=read_target,
            origin=_origin(job.target_endpoint),
            kind=f"{job.service}:{job.kind}-target",
            started_at=self.clock(),
        )

    async def _poll(self, job: Job, watch: _Watch, index: int) -> OperationStatus:
        self._emit(job, "poll", 3, JobState.RUNNING, percent=0)
        self.journal.start_step(job.id, index, "poll", detail={})
        if watch.operation_url:
            self.journal.record_operation(job.id, index, watch.operation_url)

        def progress(status: OperationStatus) -> None:
            self._emit(job, "poll", 3, JobState.RUNNING, percent=status.percent)

        request = PollRequest(
            key=f"{job.id}:poll",
            origin=watch.origin,
            kind=watch.kind,
            poll=watch.poll,
            started_at=watch.started_at,
            retry_after=watch.retry_after,
            on_status=progress,
        )
        try:
            status = await self.poller.wait(request)
        except RegionSyncError as exc:
            # A transient failure leaves the step open: the operation still runs on the service.
            state = JobState.RUNNING if exc.retryable else JobState.FAILED
            self.journal.finish_step(job.id, index, state=state, error=exc.one_line())
            raise
        error = status.error.one_line() if status.error else None
        self.journal.finish_step(job.id, index, state=status.state, percent=status.percent, error=error)
        return status

    async def _verify(
        self,
        target: AssetAdapter,
        kind: AssetKind,
        job: Job,
        target_id: str,
        index: int,
        *,
        reported: bool = False,
    ) -> None:
        """Confirm the copy landed: from the finished operation's own `result` (the service's word on
        the target asset, v3+) or else by reading the target."""
        self._emit(job, "verify", 4, JobState.RUNNING, percent=100)
        self.journal.start_step(job.id, index, "verify", detail={"target_id": target_id})
        if reported and target_id:
            asset_id, ok = target_id, True
        else:
            asset = await target.get_asset(kind, target_id) if target_id else None
            asset_id, ok = (asset.id if asset else target_id), asset is not None and asset.state == "ready"
        if not ok:
            state = asset.state if asset else "not found"
            error = RegionSyncError(
                what=f"The copy of {job.asset_name} finished but the target model is {state}.",
                todo="run status in a minute; if it stays so, copy it again",
                code="VerifyFailed",
            )
            self.journal.finish_step(job.id, index, state=JobState.FAILED, error=error.one_line())
            raise error
        self.journal.finish_step(job.id, index, state=JobState.SUCCEEDED, detail={"target_id": asset_id})
        fresh = self.journal.get_job(job.id) or job
        self.journal.record_id_map(
            service=fresh.service,
            source_resource_id=fresh.source_resource_id,
            source_id=fresh.source_id,
            target_resource_id=fresh.target_resource_id,
            target_id=asset_id,
            asset_name=fresh.asset_name,
        )
        self.journal.update_job(job.id, state=JobState.SUCCEEDED, target_id=asset_id)
        self._emit(job, "done", 4, JobState.SUCCEEDED, percent=100)

    # -- helpers ----------------------------------------------------------------------------

    def _emit(
        self,
        job: Job,
        step: str,
        index: int,
        state: JobState,
        *,
        percent: int | None = None,
        message: str | None = None,
    ) -> None:
        if self.on_event is None:
            return
        self.on_event(
            ProgressEvent(
                job_id=job.id,
                asset_name=job.asset_name,
                step=step,
                step_index=index,
                step_count=len(STEPS),
                state=state,
                percent=percent,
                message=message,
            )
        )


def _last(steps: list[Step], name: str) -> Step | None:
    for step in reversed(steps):
        if step.name == name:
            return step
    return None


def _recorded_operation(steps: list[Step]) -> str | None:
    """The operation URL of the latest copy attempt, unless that attempt already failed."""
    for step in reversed(steps):
        if step.name == "authorize":
            return None
        if step.operation_url and step.state is not JobState.FAILED:
            return step.operation_url
    return None


def _origin(endpoint: str) -> str:
    from regionsync.sync.pair import SideInfo

    return SideInfo(side=Side.PRIMARY, endpoint=endpoint, region="", resource_id="").origin
