"""One engine sync, timed, with every request it sent counted by purpose (what replicate_bench reads).

Not a bench itself (no `_bench` suffix): `python -m bench` does not run it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from regionsync.config import Profile
from regionsync.domain import Job, JobState
from regionsync.sync.journal import Journal
from regionsync.sync.pair import ResourcePair
from regionsync.sync.plan import Plan
from regionsync.sync.session import SyncSession


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def learnt(stats: dict[str, Any]) -> str:
    """The durations a poller learnt, for a report line."""
    durations = [d for kinds in stats.get("learnt", {}).values() for d in kinds.values()]
    return ", ".join(f"{d:.3f} s" for d in durations) or "nothing"


@dataclass
class CountedSync:
    """One engine sync, timed, with every request it sent counted by purpose."""

    jobs: list[Job]
    plans: list[tuple[ResourcePair, Plan]]
    elapsed: float
    plan_seconds: float
    counts: Counter[str]
    poller: dict[str, Any]


async def counted_sync(
    name: str,
    profile: Profile,
    journal: Path,
    *,
    concurrency: int,
    classify: Callable[[httpx.Request], str],
    expected: int,
    what: str,
) -> CountedSync:
    """plan() then execute() on the real engine: nothing refused, every job (`expected`) succeeds."""
    counts: Counter[str] = Counter()

    async def count(request: httpx.Request) -> None:
        counts[classify(request)] += 1

    session = SyncSession(name, profile, journal=Journal(journal), concurrency=concurrency)
    session.client.event_hooks = {"request": [count], "response": []}
    async with session:
        started = time.perf_counter()
        plans = await session.plan()
        planned = time.perf_counter()
        refused = [r.name for _, plan in plans for r in plan.refusals]
        if refused:
            raise RuntimeError(f"the plan refused {what}s: {refused}")
        jobs = await session.execute(plans)
        elapsed = time.perf_counter() - started
        poller = session.poller.stats()
    states = Counter(job.state for job in jobs)
    if states != {JobState.SUCCEEDED: expected}:
        raise RuntimeError(f"the sync did not copy every {what}: {dict(states)}")
    return CountedSync(jobs, plans, elapsed, planned - started, counts, poller)
