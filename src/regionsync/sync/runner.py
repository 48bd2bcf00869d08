"""Run copy jobs as journaled state machines, and resume them after a crash.

A job follows its recipe (`sync/recipe.py`): DI and CU `authorize → copy → verify`, Language
`export → import → train → deploy → verify`. Every step is written to the journal before and
after its call, with the operation URL as soon as the service gives it, so that a job killed at
any point resumes where it stopped:

* the last step has a recorded operation → keep polling it (never a second copy, import or
  training);
* the last step's answer was lost → the step's `recover` looks for what it did, before anything
  is sent again;
* a step needs what only the dead process held (an authorization, an exported project) → go
  back to the step that makes it (`restart_from`): an authorization is never stored, so never
  reused.

The runner never branches on the service: it runs the recipe the adapters give.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from regionsync.domain import Asset, AssetKind, Job, JobOptions, JobState, ProgressEvent, Side, Step
from regionsync.errors import RegionSyncError, Remedy, leaves_job_open, service_detail
from regionsync.services.base import OperationStatus, Peer
from regionsync.sync.journal import Journal, utc_now
from regionsync.sync.leases import Heartbeat, Holder, Leases
from regionsync.sync.pair import ResourcePair, SideInfo
from regionsync.sync.plan import Plan
from regionsync.sync.poller import Poller, PollRequest
from regionsync.sync.recipe import CopyContext, StepOutcome, StepSpec, recipe_for

ProgressSink = Callable[[ProgressEvent], None]

WAITING = "waiting for a slot"
"""The progress step of a job that is prepared (authorized) and waits for one of the `concurrency`
slots to start its copy."""

CANCEL_LOOK_EVERY = 2.0
"""Seconds (runner clock) between looks at the journal for a cancel request of one job: at every
poll of a long operation, once for steps that follow each other quickly."""

MAX_RESTARTS = 2
"""How often a job starts over after a call whose answer was lost and which did not take effect."""


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
        leases: Leases | None = None,
    ) -> None:
        self.journal = journal
        self.poller = poller
        self.on_event = on_event
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self.leases = leases or Leases(journal)
        self.heartbeat = Heartbeat(self.leases)
        self.elsewhere: dict[str, Holder] = {}
        """Jobs met while planning or resuming that another live process holds: left alone, said so."""
        self._sources: dict[str, Asset] = {}
        """job id → the source asset as the plan listed it (saves a GET before authorizing)."""
        self._created: set[str] = set()
        """Jobs this runner journaled (leased to it) and has not started yet: no need to read them back."""
        self._indices: dict[str, int] = {}
        """job id → index of its next journal row."""
        self._looked: dict[str, float] = {}
        """job id → when (runner clock) the journal was last read for a cancel request."""
        self._ended: set[str] = set()
        """Jobs whose final state was written with their lease let go in the same statement."""

    async def aclose(self) -> None:
        """Stop renewing leases (a stopping process's jobs may be taken over at once)."""
        await self.heartbeat.aclose()

    # -- public API -------------------------------------------------------------------------

    def create_jobs(self, pair: ResourcePair, plan: Plan, *, source: Side = Side.PRIMARY) -> list[Job]:
        """Journal one pending job per planned copy, with the consent it runs under (replace, degrade,
        a renamed target); an asset already being copied is not copied twice."""
        jobs: list[Job] = []
        target = source.other
        for copy in plan.copies:
            now = utc_now()
            job, holder = self.leases.create(
                Job(
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
                    source_changed=copy.source.changed if copy.source is not None else None,
                    options=JobOptions(
                        replace=copy.replace,
                        replace_id=copy.replace_id,
                        allow_degrade=plan.allow_degrade,
                        target_id=copy.target_id if copy.renamed else None,
                    ),
                )
            )
            if holder is not None:
                self.elsewhere[job.id] = holder  # being copied by another live process: not twice
                continue
            jobs.append(job)
            if not job.steps and job.state is JobState.PENDING:
                self._created.add(job.id)
            if copy.source is not None:
                self._sources[job.id] = copy.source
        return jobs

    async def run(self, pair: ResourcePair, jobs: list[Job]) -> list[Job]:
        """Run (or resume) `jobs` with at most `concurrency` at work at once; returns their final
        records. As many again may run their preparing steps (authorize) meanwhile, so that a slot
        a finished copy frees is taken at once by a job whose copy can start."""
        slots = asyncio.Semaphore(self.concurrency)
        entry = asyncio.Semaphore(2 * self.concurrency)

        async def one(job: Job) -> Job:
            async with entry:
                return await self.run_job(pair, job, slots=slots)

        return list(await asyncio.gather(*(one(j) for j in jobs)))

    async def run_job(self, pair: ResourcePair, job: Job, *, slots: asyncio.Semaphore | None = None) -> Job:
        """Drive one job to a finished state from wherever its journal says it stopped.

        One rule for how a job ends (DESIGN.md decision 14): `failed` only when the service said
        so — a failed operation, a refusal that will not change on retry. A dark region, a lost
        answer, a timeout, a 5xx or a stop of regionsync leave it `interrupted`: open, with its
        reason, for `jobs resume` (which looks first whether the lost request took effect).
        """
        if job.id in self._created:
            self._created.discard(job.id)  # journaled and leased to us a moment ago: as it is
            fresh = job
        else:
            fresh = self.journal.get_job(job.id) or job
            if fresh.state.finished:
                return fresh
            holder = self.leases.claim(job.id)
            if holder is not None:
                self.elsewhere[job.id] = holder  # another live process carries it out: leave it alone
                return fresh
        self._indices[job.id] = max((s.index for s in fresh.steps), default=-1) + 1
        self.heartbeat.add(job.id)
        try:
            return await self._run_owned(pair, fresh, slots)
        finally:
            self.heartbeat.remove(job.id)
            self._indices.pop(job.id, None)
            self._looked.pop(job.id, None)
            if job.id not in self._ended:
                self.leases.release(job.id)
            self._ended.discard(job.id)

    async def _run_owned(self, pair: ResourcePair, fresh: Job, slots: asyncio.Semaphore | None) -> Job:
        job = fresh
        self.journal.update_job(job.id, state=JobState.RUNNING)
        slot = _Slot(slots)
        try:
            return await self._drive(pair, fresh, slot)
        except JobStopped as stop:
            if stop.canceled:
                self.leases.settle_canceled(job.id, stop.message)
                self._emit(fresh, "canceled", 0, 0, JobState.CANCELED, message=stop.message)
        except RegionSyncError as exc:
            if leaves_job_open(exc):
                message = f"{exc.one_line()} `regionsync jobs resume` continues it."
                self.journal.update_job(job.id, state=JobState.INTERRUPTED, error=message)
                self._emit(fresh, "interrupted", 0, 0, JobState.INTERRUPTED, message=message)
            else:
                self.journal.update_job(job.id, state=JobState.FAILED, error=exc.one_line())
                self._emit(fresh, "failed", 0, 0, JobState.FAILED, message=exc.one_line())
        except asyncio.CancelledError:
            # regionsync is stopping (Ctrl-C, the dashboard quits): the job stays open, as after a
            # crash, so `jobs resume` (or the dashboard at its next start) finishes it. Only
            # `regionsync jobs cancel` marks a job canceled.
            message = "regionsync stopped before it finished. `regionsync jobs resume` continues it."
            self.journal.update_job(job.id, state=JobState.INTERRUPTED, error=message)
            raise
        finally:
            slot.release()
        return self.journal.get_job(job.id) or fresh

    # -- the state machine ------------------------------------------------------------------

    async def _drive(self, pair: ResourcePair, job: Job, slot: _Slot) -> Job:
        source_side = job.source_side
        options = job.options
        ctx = CopyContext(
            job=job,
            kind=AssetKind(job.kind),
            source=pair.adapter(source_side),
            target=pair.adapter(source_side.other),
            source_peer=_peer(pair.info(source_side)),
            target_peer=_peer(pair.info(source_side.other)),
            allow_degrade=options.allow_degrade,
            replace=options.replace,
            asset=self._sources.pop(job.id, None),
        )
        steps = recipe_for(ctx, replace_id=options.replace_id if options.replace else None)
        names = [s.name for s in steps]
        for row in job.steps:
            if row.state is JobState.SUCCEEDED and row.name in names:
                ctx.details[row.name] = row.detail

        position, resume = self._resume_point(job, steps)
        while position < len(steps):
            spec = steps[position]
            if not spec.prepares:
                # A preparing step (authorize) changes nothing a cancel must prevent: the journal
                # is looked at once the job holds its slot, before its first real step.
                if slot.must_wait():
                    self._emit(ctx.job, WAITING, position, len(steps), JobState.RUNNING)
                await slot.take()
                self._check_stop(ctx, spec.name)
            if resume is None and spec.needs and spec.needs not in ctx.memory and spec.restart_from:
                position = names.index(spec.restart_from)
                continue
            outcome, restart = await self._run_step(ctx, position, len(steps), spec, resume)
            resume = None
            if restart:
                position = names.index(spec.restart_from) if spec.restart_from else position
                continue
            assert outcome is not None
            ctx.details[spec.name] = outcome.detail
            position += 1
        self.journal.update_job(job.id, state=JobState.SUCCEEDED, error=None)  # and its lease ends
        self._ended.add(job.id)
        final = ctx.job.model_copy(
            update={
                "state": JobState.SUCCEEDED,
                "error": None,
                "updated": self.journal.now(),
                "steps": self.journal.steps_of(job.id),
            }
        )
        if final.target_id:
            self.journal.record_lineage(
                service=final.service,
                source_resource_id=final.source_resource_id,
                source_id=final.source_id,
                source_changed=ctx.asset.changed if ctx.asset is not None else final.source_changed,
                target_resource_id=final.target_resource_id,
                target_id=final.target_id,
                asset_name=final.asset_name,
            )
        self._emit(final, "done", len(steps), len(steps), JobState.SUCCEEDED, percent=100)
        return final

    def _resume_point(self, job: Job, steps: list[StepSpec]) -> tuple[int, Step | None]:
        """Where a job stands: the step to run next, and the unfinished journal row to pick up, if any."""
        names = [s.name for s in steps]
        rows = [r for r in job.steps if r.name in names]
        if not rows:
            return 0, None
        last = max(rows, key=lambda r: r.index)
        position = names.index(last.name)
        if last.state is JobState.SUCCEEDED:
            return position + 1, None
        return position, last

    async def _run_step(
        self, ctx: CopyContext, position: int, count: int, spec: StepSpec, resume: Step | None
    ) -> tuple[StepOutcome | None, bool]:
        """Run (or pick up) one step; returns (outcome, restart?)."""
        job = ctx.job
        self._emit(job, spec.name, position + 1, count, JobState.RUNNING)
        outcome: StepOutcome | None = None
        if resume is not None and resume.operation_url:
            index = resume.index
            # Look at once (it may have finished while we were gone), timed from when it started.
            outcome = StepOutcome(
                operation_url=resume.operation_url,
                detail=dict(resume.detail),
                retry_after=0.0,
                started=resume.started,
            )
        elif resume is not None and resume.state is JobState.RUNNING and spec.recover is not None:
            index = resume.index
            outcome = await spec.recover(ctx)
            if outcome is None:
                self.journal.finish_step(job.id, index, state=JobState.CANCELED, error="did not take effect")
                return None, True
        else:
            if resume is not None and not resume.state.finished:
                # The row a dead process left open: this step runs again in a row of its own.
                self.journal.finish_step(job.id, resume.index, state=JobState.CANCELED, error="interrupted")
            index = self._next_index(job.id)
            self.journal.start_step(job.id, index, spec.name)
            try:
                outcome = await spec.run(ctx)
            except RegionSyncError as exc:
                if exc.code == "OutcomeUnknown" and spec.recover is not None:
                    self.journal.finish_step(
                        job.id,
                        index,
                        state=JobState.RUNNING,
                        error=exc.one_line(),
                        detail=service_detail(exc),
                    )
                    outcome = await spec.recover(ctx)
                    if outcome is None:
                        # It did not take effect: start again (a fresh authorization), a few times at most.
                        restarts = ctx.memory.get("restarts", 0)
                        if restarts >= MAX_RESTARTS:
                            self.journal.finish_step(
                                job.id,
                                index,
                                state=JobState.FAILED,
                                error=exc.one_line(),
                                detail=service_detail(exc),
                            )
                            raise
                        ctx.memory["restarts"] = restarts + 1
                        self.journal.finish_step(
                            job.id, index, state=JobState.CANCELED, error="did not take effect"
                        )
                        return None, True
                else:
                    # Lost or refused by a dark region: the row stays open (its outcome unknown), so
                    # a resume looks before it acts again; a refusal by the service ends the step.
                    state = JobState.RUNNING if leaves_job_open(exc) else JobState.FAILED
                    self.journal.finish_step(
                        job.id, index, state=state, error=exc.one_line(), detail=service_detail(exc)
                    )
                    raise
        if outcome.target_id and outcome.target_id != ctx.job.target_id:
            self._set_target_id(ctx, outcome.target_id)
        if outcome.operation_url is not None or outcome.poll is not None:
            status = await self._watch(ctx, spec, index, position, count, outcome)
            ctx.statuses[spec.name] = status
            if status.target_id and status.target_id != ctx.job.target_id:
                self._set_target_id(ctx, status.target_id)
            if status.state is not JobState.SUCCEEDED:
                # The service's own verdict on its operation: the job fails, whatever the code says.
                verdict = status.error or RegionSyncError(
                    what=f"The {spec.name} step of {job.asset_name} ended {status.state.value}.",
                    todo="run it again: regionsync sync (a new job starts from a fresh authorization)",
                )
                raise dataclasses.replace(verdict, retryable=False, remedy=_final_remedy(verdict))
        self.journal.finish_step(job.id, index, state=JobState.SUCCEEDED, detail=outcome.detail)
        return outcome, False

    async def _watch(
        self, ctx: CopyContext, spec: StepSpec, index: int, position: int, count: int, outcome: StepOutcome
    ) -> OperationStatus:
        """Poll the step's operation through the one Poller until it ends."""
        job = ctx.job
        url = outcome.operation_url
        if url:
            self.journal.record_operation(job.id, index, url)
        adapter = ctx.adapter(spec.runs)
        peer = ctx.source_peer if spec.runs == "source" else ctx.target_peer

        def progress(status: OperationStatus) -> None:
            if not status.finished:  # a final answer is journaled by the step's own finish
                self.journal.finish_step(job.id, index, state=JobState.RUNNING, percent=status.percent)
            self._emit(job, spec.name, position + 1, count, JobState.RUNNING, percent=status.percent)

        async def poll_url() -> OperationStatus:
            assert url is not None
            return await adapter.poll(url)

        watch = outcome.poll or poll_url

        async def poll_unless_stopped() -> OperationStatus:
            try:
                self._check_stop(ctx, spec.name)
            except JobStopped as stop:
                if stop.canceled and url and await _quietly(adapter.cancel_operation(url)):
                    stop.message += " The service's operation was canceled too."
                raise
            return await watch()

        request = PollRequest(
            key=f"{job.id}:{index}",
            origin=SideInfo(side=Side.PRIMARY, endpoint=peer.endpoint, region="", resource_id="").origin,
            kind=f"{job.service}:{job.kind}:{spec.name}",
            poll=poll_unless_stopped,
            started_at=self.clock() - _age(outcome.started),
            retry_after=outcome.retry_after,
            on_status=progress,
        )
        try:
            status = await self.poller.wait(request)
        except RegionSyncError as exc:
            # A transient failure leaves the step open: the operation still runs on the service.
            state = JobState.RUNNING if exc.retryable else JobState.FAILED
            self.journal.finish_step(
                job.id, index, state=state, error=exc.one_line(), detail=service_detail(exc)
            )
            raise
        if status.state is not JobState.SUCCEEDED:
            error = status.error.one_line() if status.error else status.state.value
            self.journal.finish_step(
                job.id,
                index,
                state=JobState.FAILED,
                percent=status.percent,
                error=error,
                detail=service_detail(status.error) if status.error else None,
            )
        return status

    # -- helpers ----------------------------------------------------------------------------

    def _check_stop(self, ctx: CopyContext, step: str) -> None:
        """Between steps and before every poll: a cancel asked for in the journal, or a lease that
        another process took over (this one stalled past it), stops the job here."""
        job = ctx.job
        if job.id in self.heartbeat.lost:
            raise JobStopped(canceled=False, message="another regionsync took this job over")
        now = self.clock()
        last = self._looked.get(job.id)
        if last is not None and now - last < CANCEL_LOOK_EVERY:
            return  # looked a moment ago: steps in quick succession share one look at the journal
        self._looked[job.id] = now
        if self.leases.cancel_requested(job.id):
            raise JobStopped(canceled=True, message=_canceled_words(ctx, step))

    def _next_index(self, job_id: str) -> int:
        """The index of the next journal row of a job this runner owns (only the owner writes steps)."""
        index = self._indices.get(job_id, 0)
        self._indices[job_id] = index + 1
        return index

    def _set_target_id(self, ctx: CopyContext, target_id: str) -> None:
        self.journal.update_job(ctx.job.id, target_id=target_id)
        ctx.job = ctx.job.model_copy(update={"target_id": target_id})

    def _emit(
        self,
        job: Job,
        step: str,
        index: int,
        count: int,
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
                step_count=count,
                state=state,
                percent=percent,
                message=message,
            )
        )


class _Slot:
    """One job's share of the runner's `concurrency`: taken before its first step that is more
    than preparation, held to the job's end (None: the caller runs the job outside `run`)."""

    def __init__(self, slots: asyncio.Semaphore | None) -> None:
        self._slots = slots
        self._held = False

    def must_wait(self) -> bool:
        """True when taking the slot now means waiting for another job to free one."""
        return self._slots is not None and not self._held and self._slots.locked()

    async def take(self) -> None:
        if self._slots is not None and not self._held:
            await self._slots.acquire()
            self._held = True

    def release(self) -> None:
        if self._slots is not None and self._held:
            self._slots.release()
            self._held = False


def _age(started: datetime | None) -> float:
    """Seconds since `started` (0 when unknown or in the future)."""
    if started is None:
        return 0.0
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return max(0.0, (utc_now() - started).total_seconds())


def _peer(info: SideInfo) -> Peer:
    return Peer(resource_id=info.resource_id, region=info.region, endpoint=info.endpoint)


class JobStopped(Exception):
    """A job stops where it is: canceled by the user, or taken over by another process."""

    def __init__(self, *, canceled: bool, message: str) -> None:
        super().__init__(message)
        self.canceled = canceled
        self.message = message


def _canceled_words(ctx: CopyContext, step: str) -> str:
    """One line: canceled, and what may be left on the target and how to remove it."""
    job = ctx.job
    touched = any(row.name not in ("authorize", "export") for row in job.steps) or bool(ctx.details)
    where = ctx.target_peer.endpoint or "the target"
    if step in ("authorize", "export") and not touched:
        return f"canceled by the user before the {step} step; nothing was left on the target."
    left = job.target_id or job.asset_name
    return (
        f"canceled by the user at the {step} step; {left} may be left on the target ({where}) — "
        "check `regionsync status` and delete it there if you do not want it (regionsync never deletes)."
    )


async def _quietly(call: Awaitable[bool]) -> bool:
    """A best-effort call (cancel the service's operation): a failure only means it keeps running."""
    try:
        return await call
    except RegionSyncError:
        return False


def _final_remedy(error: RegionSyncError) -> str:
    """A failed operation's remedy, minus 'retry' and 'look before retry': the service has decided."""
    return "" if error.remedy in (Remedy.RETRY, Remedy.LOOK_BEFORE_RETRY) else error.remedy
