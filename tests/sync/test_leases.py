"""One owner per job and a cancel that cancels, on the in-process emulator.

Two sessions on one journal stand for two regionsync processes (each its own `Owner`): a job is
created atomically with the check that its asset has no open job, carried out only by the process
holding its lease, taken over when the lease expires or its owner is gone, and stopped at its next
step or poll when a cancel is asked for in the journal.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine_support import (
    LANGUAGE_PRIMARY,
    LANGUAGE_SECONDARY,
    PRIMARY,
    SECONDARY,
    Harness,
    asset_names,
    di_profile,
    frozen_world,
    language_profile,
)
from regionsync.domain import JobState, ProgressEvent
from regionsync.sync.journal import Journal
from regionsync.sync.leases import Leases, Owner

A = Owner(host="ops-1", pid=4242, started="j100")
B = Owner(host="ops-2", pid=77, started="j200")


def harness(tmp_path: Path) -> Harness:
    world = frozen_world()
    return Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")


def copy_ops(h: Harness, resource: str = PRIMARY) -> list[str]:
    return [op.source_asset_id for op in h.world.resources[resource].operations.values()]


async def test_a_second_process_never_starts_a_second_copy_and_says_who_owns_it(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    seen: list[str] = []

    async with h.session(owner=A) as first, h.session(owner=B) as second:
        plans_b = await second.plan()

        def meanwhile(event: ProgressEvent) -> None:
            seen.append(event.step)

        first.on_event = meanwhile
        [(pair, plan_a)] = await first.plan()
        [job] = first.runner.create_jobs(pair, plan_a)  # journaled and leased to A
        assert await second.execute(plans_b) == [], "B carries out nothing A holds"
        [holder] = second.runner.elsewhere.values()
        assert holder.job.id == job.id and holder.owner == A
        assert "invoice is being copied by pid 4242 on host ops-1 since" in holder.words()
        assert f"regionsync jobs show {job.id}" in holder.words()
        [done] = await first.runner.run(pair, [job])
        assert done.state is JobState.SUCCEEDED, done.error
    assert asset_names(h.world, SECONDARY) == ["invoice"]
    assert copy_ops(h) == ["invoice"], "exactly one copy"


async def test_an_expired_lease_is_taken_over_and_finished(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    clock = [datetime(2026, 12, 7, 6, 0, tzinfo=UTC)]
    journal = Journal(h.journal_path, now=lambda: clock[0])
    async with h.session(owner=A) as first:
        [(pair, plan)] = await first.plan()
        first.runner.leases = Leases(journal, owner=A, seconds=30)
        [job] = first.runner.create_jobs(pair, plan)  # A stalls (a hung process on another host)
    assert Leases(journal, owner=B, seconds=30).claim(job.id) is not None, "a fresh lease holds"
    clock[0] += timedelta(seconds=31)
    assert Leases(journal, owner=B, seconds=30).claim(job.id) is None, "31 s without a heartbeat: expired"
    async with h.session(owner=B) as second:
        second.runner.leases = Leases(journal, owner=B, seconds=30)
        [done] = await second.resume()
        assert done.id == job.id and done.state is JobState.SUCCEEDED, done.error
    assert copy_ops(h) == ["invoice"]


async def test_a_job_of_a_dead_process_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = Owner(host=socket.gethostname(), pid=int(gone.stdout), started="j1")
    async with h.session(owner=dead) as first:
        [(pair, plan)] = await first.plan()
        [job] = first.runner.create_jobs(pair, plan)
    assert dead.alive() is False and Owner(socket.gethostname(), os.getpid(), "x").alive() is False
    async with h.session() as second:  # this process: the dead owner's job is free at once
        [done] = await second.resume()
        assert done.id == job.id and done.state is JobState.SUCCEEDED


async def test_cancel_of_a_job_nobody_runs_ends_it_at_once(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session(owner=A) as first:
        [(pair, plan)] = await first.plan()
        [job] = first.runner.create_jobs(pair, plan)
        first.runner.leases.release(job.id)  # A stopped cleanly
    journal = Journal(h.journal_path)
    outcome, holder = Leases(journal, owner=B).request_cancel(job.id)
    assert (outcome, holder) == ("canceled", None)
    canceled = journal.get_job(job.id)
    assert canceled is not None and canceled.state is JobState.CANCELED
    async with h.session() as session:
        assert await session.resume() == [], "nothing further runs"
    assert copy_ops(h) == []


async def test_cancel_while_a_copy_runs_stops_it_at_its_next_poll_and_says_what_is_left(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    journal = Journal(h.journal_path)
    asked: list[str] = []

    def cancel_when_copying(event: ProgressEvent) -> None:
        if event.step == "copy" and not asked:
            asked.append(Leases(journal, owner=B).request_cancel(event.job_id)[0])

    async with h.session(owner=A, on_event=cancel_when_copying) as session:
        [job] = await session.execute(await session.plan())
    assert asked == ["requested"]
    assert job.state is JobState.CANCELED, job.error
    assert "canceled by the user at the copy step" in (job.error or "")
    assert "may be left on the target" in (job.error or "") and "never deletes" in (job.error or "")
    assert all(step.state.finished for step in job.steps)
    assert copy_ops(h) == ["invoice"], "no second copy, no verify after the cancel"


async def test_cancel_during_a_language_training_cancels_the_training_on_the_service(tmp_path: Path) -> None:
    world = frozen_world()
    profile = language_profile(world, "2023-04-01")
    world.add_project(LANGUAGE_PRIMARY, "tickets", trained_models=("v1",), deployments={"prod": "v1"})
    h = Harness(world, profile, tmp_path / "journal.sqlite3")
    journal = Journal(h.journal_path)
    asked: list[str] = []

    def cancel_when_training(event: ProgressEvent) -> None:
        if event.step.startswith("train") and not asked:
            asked.append(Leases(journal, owner=B).request_cancel(event.job_id)[0])

    async with h.session(owner=A, on_event=cancel_when_training) as session:
        [job] = await session.execute(await session.plan())
    assert asked == ["requested"] and job.state is JobState.CANCELED, job.error
    assert "canceled too" in (job.error or ""), "the training job was canceled on the service"
    trainings = [j for j in world.resources[LANGUAGE_SECONDARY].language_jobs.values() if j.kind == "train"]
    assert [t.status for t in trainings] == ["cancelled"]
    assert not any(j.kind == "deploy" for j in world.resources[LANGUAGE_SECONDARY].language_jobs.values())
