"""The engine's front door: one profile, one HTTP client, one poller, one journal.

Both the CLI and the dashboard drive the engine only through a SyncSession:
`status()` → `plan()` → `execute()`, and `resume()` for journaled jobs left in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from types import TracebackType

import httpx

from regionsync import __version__
from regionsync.domain import Job, Service, Side
from regionsync.errors import RegionSyncError
from regionsync.services.base import AssetAdapter
from regionsync.services.retry import RetrySettings
from regionsync.sync.compare import JobView
from regionsync.sync.inventory import ListingProgress, ServiceStatus, take_inventory
from regionsync.sync.journal import Journal
from regionsync.sync.last_known import PairMemory
from regionsync.sync.leases import Leases, Owner
from regionsync.sync.pair import ResourcePair, open_pairs
from regionsync.sync.plan import Plan, Refusal, make_plan
from regionsync.sync.poller import Poller
from regionsync.sync.runner import ProgressSink, Runner

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class SyncSession:
    """An open profile: its resource pairs and the machinery to compare and copy between them."""

    def __init__(
        self,
        profile_name: str,
        profile: object,
        *,
        journal: Journal,
        services: Iterable[Service] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_event: ProgressSink | None = None,
        concurrency: int = 4,
        poller: Poller | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetrySettings | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        owner: Owner | None = None,
    ) -> None:
        self.profile_name = profile_name
        self.journal = journal
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"regionsync/{__version__}"},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self.pairs: list[ResourcePair] = open_pairs(
            profile_name, profile, client=self.client, services=services, retry=retry, sleep=sleep
        )
        self.poller = poller or Poller()
        self.runner = Runner(
            journal,
            self.poller,
            on_event=on_event,
            concurrency=concurrency,
            clock=self.poller.clock,
            leases=Leases(journal, owner=owner),
        )
        self.timer: Callable[[], float] = time.perf_counter
        """Times the listings (each side's latency in `status()`); a test or snapshot freezes it."""

    @property
    def on_event(self) -> ProgressSink | None:
        """Where the engine's progress events go (the CLI's progress bars, the dashboard's messages)."""
        return self.runner.on_event

    @on_event.setter
    def on_event(self, sink: ProgressSink | None) -> None:
        self.runner.on_event = sink

    async def __aenter__(self) -> SyncSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.runner.aclose()
        await self.poller.aclose()
        for pair in self.pairs:  # Entra ID credentials hold HTTP sessions of their own
            await pair.primary.aclose()
            await pair.secondary.aclose()
        await self.client.aclose()

    # -- reading ----------------------------------------------------------------------------

    def pair(self, service: Service) -> ResourcePair:
        for pair in self.pairs:
            if pair.service is service:
                return pair
        raise RegionSyncError(
            what=f"The profile {self.profile_name!r} has no {service.value} pair.",
            todo=f"add one with: regionsync profile add {self.profile_name} --service {service.value}",
            code="NoSuchService",
        )

    def job_view(self, pair: ResourcePair, *, source: Side = Side.PRIMARY) -> JobView:
        target = pair.info(source.other)
        jobs = [
            j
            for j in self.journal.list_jobs(profile=self.profile_name, limit=5000)
            if j.service == pair.service and j.target_endpoint == target.endpoint
        ]
        return JobView.from_jobs(jobs)

    def memory(self, pair: ResourcePair, *, source: Side = Side.PRIMARY) -> PairMemory:
        """The journal's last-known listings and lineage of `pair`, seen with `source` as primary."""
        return PairMemory(self.journal, pair, source=source)

    async def status(
        self, *, source: Side = Side.PRIMARY, progress: ListingProgress | None = None
    ) -> list[ServiceStatus]:
        """Both sides of every pair, listed concurrently and compared; `progress` is told, page by
        page, how many items each listing has read."""
        return list(
            await asyncio.gather(
                *(
                    take_inventory(
                        pair,
                        source=source,
                        jobs=self.job_view(pair, source=source),
                        memory=self.memory(pair, source=source),
                        timer=self.timer,
                        progress=progress,
                    )
                    for pair in self.pairs
                )
            )
        )

    # -- planning and running ---------------------------------------------------------------

    async def plan(
        self,
        *,
        source: Side = Side.PRIMARY,
        only: Collection[str] | None = None,
        replace_drifted: bool = False,
        allow_degrade: bool = False,
        rename: Mapping[str, str] | None = None,
        statuses: list[ServiceStatus] | None = None,
    ) -> list[tuple[ResourcePair, Plan]]:
        """What sync would do for every pair, pre-flight checks included."""
        statuses = statuses or await self.status(source=source)
        plans: list[tuple[ResourcePair, Plan]] = []
        for pair, status in zip(self.pairs, statuses, strict=True):
            target = pair.adapter(source.other)
            quota = None
            if source.other not in status.errors:
                try:
                    quota = await target.resource_info()
                except RegionSyncError:
                    quota = None
            plan = make_plan(
                status,
                quota=quota,
                only=only,
                replace_drifted=replace_drifted,
                allow_degrade=allow_degrade,
                rename=rename,
                keeps_ids=target.keeps_ids,
                copyable={k for k in target.kinds if target.can_copy(k)},
                replaces_in_place=target.replaces_in_place,
            )
            plan.how = target.copy_story
            await _apply_blockers(target, plan)
            plans.append((pair, plan))
        return plans

    async def execute(
        self,
        plans: list[tuple[ResourcePair, Plan]],
        *,
        source: Side = Side.PRIMARY,
    ) -> list[Job]:
        """Journal and run every planned copy (with the consent its plan carries); returns the final
        job records."""
        batches = [(pair, self.runner.create_jobs(pair, plan, source=source)) for pair, plan in plans]
        results = await asyncio.gather(*(self.runner.run(pair, jobs) for pair, jobs in batches if jobs))
        return self._own(job for batch in results for job in batch)

    async def resume(self, jobs: list[Job] | None = None) -> list[Job]:
        """Finish the journaled jobs of this profile that were in flight (or the ones given)."""
        todo = jobs if jobs is not None else self.journal.unfinished_jobs(self.profile_name)
        by_service: dict[Service, list[Job]] = {}
        for job in todo:
            by_service.setdefault(Service(job.service), []).append(job)
        results = await asyncio.gather(
            *(self.runner.run(self.pair(service), batch) for service, batch in by_service.items())
        )
        return self._own(job for batch in results for job in batch)

    def _own(self, jobs: Iterable[Job]) -> list[Job]:
        """The jobs this process carried out (those another live process holds are in
        `runner.elsewhere`, said so and left alone)."""
        return [job for job in jobs if job.id not in self.runner.elsewhere]


async def _apply_blockers(target: AssetAdapter, plan: Plan) -> None:
    """Ask the target what would make a planned copy fail (CU: a missing model deployment) and turn
    those copies into refusals before anything starts (most services know of none: `{}`)."""
    if not plan.copies:
        return
    sources = [c.source for c in plan.copies if c.source is not None]
    try:
        blockers = await target.copy_blockers(sources)
    except RegionSyncError:
        return
    kept = []
    for copy in plan.copies:
        blocker = blockers.get(copy.name)
        if blocker is None:
            kept.append(copy)
        else:
            why, todo = blocker
            plan.refusals.append(Refusal(copy.kind, copy.name, why, todo))
    plan.copies = kept
