"""The runner's `concurrency` slots: at most that many copies at work, and the next copies'
authorizations made while the slots are busy — never more than a slot's worth ahead."""

from __future__ import annotations

from pathlib import Path

from engine_support import PRIMARY, Harness, di_profile, frozen_world
from regionsync.domain import JobState, ProgressEvent
from regionsync.sync.runner import WAITING

MODELS = 7
CONCURRENCY = 2


async def test_copies_hold_the_slots_and_the_next_authorizations_wait_ready(tmp_path: Path) -> None:
    world = frozen_world()
    for n in range(MODELS):
        world.add_model(PRIMARY, f"model-{n}")
    h = Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")
    events: list[ProgressEvent] = []
    async with h.session(on_event=events.append, concurrency=CONCURRENCY) as session:
        jobs = await session.execute(await session.plan())
    assert [j.state for j in jobs] == [JobState.SUCCEEDED] * MODELS

    preparing: set[str] = set()
    copying: set[str] = set()
    most_copying = most_ready = 0
    authorized_while_busy = 0
    for event in events:
        if event.step == "authorize":
            if len(copying) == CONCURRENCY:
                authorized_while_busy += 1
            preparing.add(event.job_id)
        elif event.step == "copy":
            preparing.discard(event.job_id)
            copying.add(event.job_id)
        elif event.step in ("verify", "done"):
            copying.discard(event.job_id)
        most_copying = max(most_copying, len(copying))
        most_ready = max(most_ready, len(preparing))
    assert most_copying == CONCURRENCY, "the slots are used, and never more than them"
    assert most_ready <= CONCURRENCY, "authorizations run at most a slot's worth ahead"
    assert authorized_while_busy >= CONCURRENCY, "the next copies were authorized while both slots copied"
    waited = [e for e in events if e.step == WAITING]
    assert waited and all(e.step_index == 1 for e in waited), "a prepared job says it waits for a slot"
    steps = {j.asset_name: [s.name for s in j.steps] for j in jobs}
    assert all(names == ["authorize", "copy", "verify"] for names in steps.values()), steps
