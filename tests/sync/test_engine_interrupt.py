"""Stopping regionsync (Ctrl-C, quitting the dashboard) leaves running jobs resumable, never canceled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine_support import PRIMARY, SECONDARY, Harness, asset_names, di_profile, frozen_world
from regionsync.domain import JobState


async def test_a_cancelled_sync_leaves_its_job_open_and_resume_finishes_it(tmp_path: Path) -> None:
    world = frozen_world()
    world.copy_seconds = 3600.0  # the copy is still running when regionsync stops
    world.add_model(PRIMARY, "invoice")
    h = Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")
    polled = asyncio.Event()

    def on_event(event) -> None:
        if event.step == "copy" and event.percent is not None:
            polled.set()

    async with h.session(on_event=on_event) as session:
        run = asyncio.create_task(session.execute(await session.plan()))
        seen = asyncio.create_task(polled.wait())
        await asyncio.wait((run, seen), return_when=asyncio.FIRST_COMPLETED)
        assert seen.done() and not run.done(), "the copy was never seen running"
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        [job] = session.journal.list_jobs()
        assert job.state is JobState.INTERRUPTED and "jobs resume" in (job.error or "")
    world.clock.advance(4000)
    async with h.session() as session:
        [done] = await session.resume()
    assert done.state is JobState.SUCCEEDED, done.error
    assert [s.name for s in done.steps].count("copy") == 1
    assert asset_names(world, SECONDARY) == ["invoice"]
