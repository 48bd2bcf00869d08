"""Requests per copied model, counted on the wire: the real engine (session, runner, adapters, poller with
the CLI's settings) copies 200 models at concurrency 16 through the in-process emulator, which sends no
Retry-After on copies (as Azure's recorded copy runs show). The poller's learning alone must keep the
mean at or under 3.2 requests a copy: authorize, copy, and about one poll.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine_support import PRIMARY, SECONDARY, Harness, di_profile, frozen_world
from regionsync.domain import JobState
from regionsync.sync.poller import Poller

COPIES = 200
CONCURRENCY = 16
MAX_REQUESTS_PER_COPY = 3.2


@pytest.mark.parametrize("copy_seconds", [1.5, 30.0])
@pytest.mark.parametrize("version", ["2023-07-31", "2024-11-30"])
async def test_two_hundred_copies_cost_at_most_3_2_requests_each_without_hints(
    tmp_path: Path, version: str, copy_seconds: float
) -> None:
    world = frozen_world(copy_seconds=copy_seconds)
    assert world.retry_hints is False, "the emulator's default: no polling hint on copies"
    for n in range(COPIES):
        world.add_model(PRIMARY, f"model-{n:04d}")
    harness = Harness(world, di_profile(world, version), tmp_path / "journal.sqlite3")
    # The CLI's poller (its defaults), on the harness's virtual time.
    poller = Poller(clock=harness.vtime.clock, sleep=harness.vtime.sleep, rng=random.Random(7))
    async with harness.session(poller=poller, concurrency=CONCURRENCY) as session:
        plans = await session.plan()
        before = world.requests.copy()
        jobs = await session.execute(plans)
        sent = world.requests - before

    assert [j.state for j in jobs] == [JobState.SUCCEEDED] * COPIES, [j.error for j in jobs][:3]
    assert len(world.resources[SECONDARY].models) == COPIES
    assert sent[SECONDARY, "POST"] == COPIES and sent[PRIMARY, "POST"] == COPIES  # authorize, copyTo
    per_copy = sum(sent.values()) / COPIES
    assert per_copy <= MAX_REQUESTS_PER_COPY, f"{per_copy:.3f} requests per copy: {dict(sent)}"
