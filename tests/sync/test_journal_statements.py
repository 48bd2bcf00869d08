"""The journal's cost per copy job: at most 15 SQLite statements (every write one statement, atomic
by itself), counted with SQLite's own trace of what the connection runs."""

from __future__ import annotations

from pathlib import Path

from engine_support import PRIMARY, Harness, di_profile, frozen_world
from regionsync.domain import JobState

JOBS = 20
MOST_STATEMENTS_PER_JOB = 15


async def test_a_copy_job_costs_at_most_fifteen_statements(tmp_path: Path) -> None:
    world = frozen_world()
    h = Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")
    for i in range(JOBS):
        world.add_model(PRIMARY, f"model-{i:02d}")
    async with h.session() as session:
        plans = await session.plan()
        statements: list[str] = []
        session.journal.connection.set_trace_callback(statements.append)
        jobs = await session.execute(plans)
        session.journal.connection.set_trace_callback(None)
    assert [j.state for j in jobs] == [JobState.SUCCEEDED] * JOBS
    assert all(job.steps and job.steps[-1].name == "verify" for job in jobs), "the summary has every step"
    per_job = len(statements) / JOBS
    assert per_job <= MOST_STATEMENTS_PER_JOB, (per_job, sorted({s.split(" WHERE")[0] for s in statements}))
    assert not any(s.startswith("BEGIN") for s in statements), "a copy's writes need no transaction"
