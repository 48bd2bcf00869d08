"""The engine's rules on the in-process emulator: drift, quota, encryption, outages, lost answers,
resume after a crash, fail-back. Each ends with every job accounted for and no duplicate copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import PRIMARY, SECONDARY, Harness, asset_names, di_profile, frozen_world
from regionsync.domain import AssetKind, JobState, Side, SyncStatus
from regionsync.services.base import CopyAuthorization

V4 = "2024-11-30"


def harness(tmp_path: Path, version: str = V4, **profile_kw: object) -> Harness:
    world = frozen_world()
    return Harness(world, di_profile(world, version, **profile_kw), tmp_path / "journal.sqlite3")


def status_of(statuses: list, name: str) -> tuple[SyncStatus, str]:
    for s in statuses:
        for p in s.pairs:
            if p.name == name:
                return p.status, p.reason
    raise AssertionError(f"{name} not in status")


async def test_drifted_asset_is_refused_unless_replace_is_asked_then_replaced_once(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice", description="v1", doc_types=("invoice",))
    async with h.session() as session:
        await session.execute(await session.plan())
        h.world.clock.advance(3600)
        h.world.touch(PRIMARY, "model", "invoice")  # retrained on the primary after the copy
        status, reason = status_of(await session.status(), "invoice")
        assert status is SyncStatus.DRIFTED and "after" in reason
        [(_, plan)] = await session.plan()
        assert plan.copies == [] and "--replace-drifted" in plan.refusals[0].todo
        plans = await session.plan(replace_drifted=True)
        assert [c.replace_id for c in plans[0][1].copies] == ["invoice"]
        [job] = await session.execute(plans)
        assert job.state is JobState.SUCCEEDED, job.error
        assert status_of(await session.status(), "invoice")[0] is SyncStatus.IN_SYNC
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_target_quota_refuses_the_copies_that_would_not_fit(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.resources[SECONDARY].custom_model_limit = 2
    h.world.add_model(SECONDARY, "extra-one")
    for name in ("a", "b", "c"):
        h.world.add_model(PRIMARY, name)
    async with h.session() as session:
        [(_, plan)] = await session.plan()
        assert len(plan.copies) == 1
        assert len(plan.refusals) == 2
        assert all("limit (1/2" in r.why for r in plan.refusals)
        assert all("delete unused models" in r.todo for r in plan.refusals)


async def test_encrypted_source_needs_consent_to_degrade(tmp_path: Path) -> None:
    h = harness(tmp_path, encrypted=(True, False))
    h.world.resources[PRIMARY].encrypted = True
    h.world.add_model(PRIMARY, "secret-forms")
    async with h.session() as session:
        [(_, plan)] = await session.plan()
        assert plan.copies == [] and "--allow-degrade" in plan.refusals[0].todo
        plans = await session.plan(allow_degrade=True)
        [job] = await session.execute(plans)
        assert job.options.allow_degrade  # the consent is journaled with the job
        assert job.state is JobState.SUCCEEDED, job.error
    assert asset_names(h.world, SECONDARY) == ["secret-forms"]


async def test_undeclared_encryption_fails_the_copy_with_the_fix(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.resources[PRIMARY].encrypted = True
    h.world.add_model(PRIMARY, "secret-forms")
    async with h.session() as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.FAILED
        assert "--allow-degrade" in (job.error or "")
        assert status_of(await session.status(), "secret-forms")[0] is SyncStatus.FAILED
    assert asset_names(h.world, SECONDARY) == []


async def test_unreachable_secondary_makes_statuses_unknown_and_plan_refuses(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.faults.set_outage("westus2", True)
    async with h.session() as session:
        [status] = await session.status()
        assert Side.SECONDARY in status.errors
        pair = status.pairs[0]
        assert pair.status is SyncStatus.UNKNOWN and "connection refused" in pair.reason.lower()
        assert pair.primary is not None  # what the primary holds stays visible
        [(_, plan)] = await session.plan(statuses=[status])
        assert plan.copies == [] and plan.refusals[0].name == "invoice"


async def test_outage_during_the_copy_keeps_the_job_resumable_and_resume_copies_once(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.copy_seconds = 600.0
    h.world.add_model(PRIMARY, "invoice")

    def down_when_polling(event) -> None:
        if event.step == "copy" and event.percent is not None:  # the copy is being polled
            h.world.faults.set_outage("eastus", True)

    poller = h.poller(max_failures=2)
    async with h.session(poller=poller, on_event=down_when_polling) as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.INTERRUPTED
        assert "jobs resume" in (job.error or "")
        [status] = await session.status()
        assert (
            Side.PRIMARY in status.errors and "connection refused" in status.errors[Side.PRIMARY].one_line()
        )
    h.world.faults.set_outage("eastus", False)
    async with h.session() as session:
        assert [j.id for j in session.journal.unfinished_jobs("test")] == [job.id]
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert sum(1 for s in done.steps if s.name == "copy") == 1  # polled again, never copied twice
    assert asset_names(h.world, SECONDARY) == ["invoice"]


@pytest.mark.parametrize("version", ["2.1", V4])
async def test_copy_whose_answer_was_lost_is_found_not_repeated(tmp_path: Path, version: str) -> None:
    """A crash right after the copy POST reached the service: the journal has no operation URL."""
    h = harness(tmp_path, version)
    if version == "2.1":
        h.world.add_legacy_model(PRIMARY, "invoice")
    else:
        h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        pair = session.pair(session.pairs[0].service)
        [(_, plan)] = await session.plan()
        [job] = session.runner.create_jobs(pair, plan)
        source = await pair.primary.get_asset(AssetKind.MODEL, plan.copies[0].source_id)
        assert source is not None
        auth: CopyAuthorization = await pair.secondary.authorize_copy(AssetKind.MODEL, source, job.target_id)
        session.journal.start_step(job.id, 0, "authorize")
        session.journal.finish_step(job.id, 0, state=JobState.SUCCEEDED, detail={"target_id": auth.target_id})
        session.journal.update_job(job.id, state=JobState.RUNNING, target_id=auth.target_id)
        session.journal.start_step(job.id, 1, "copy")
        await pair.primary.start_copy(AssetKind.MODEL, source.id, auth)  # the answer is "lost"
    h.world.clock.advance(60)
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert [s.name for s in done.steps].count("authorize") == 1  # no new authorization, no new copy
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_crash_after_authorize_asks_for_a_fresh_authorization(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        pair = session.pairs[0]
        [(_, plan)] = await session.plan()
        [job] = session.runner.create_jobs(pair, plan)
        session.journal.start_step(job.id, 0, "authorize")  # killed during the authorize call
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert [s.name for s in done.steps].count("authorize") == 2
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_fail_back_copies_what_was_made_on_the_secondary(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.add_model(SECONDARY, "invoice")
    h.world.add_model(SECONDARY, "made-during-outage")
    async with h.session() as session:
        [status] = await session.status(source=Side.SECONDARY)
        assert {p.name: p.status for p in status.pairs}["made-during-outage"] is SyncStatus.MISSING
        plans = await session.plan(source=Side.SECONDARY)
        assert [c.name for c in plans[0][1].copies] == ["made-during-outage"]
        [job] = await session.execute(plans, source=Side.SECONDARY)
        assert job.state is JobState.SUCCEEDED and job.source_side is Side.SECONDARY
    assert asset_names(h.world, PRIMARY) == ["invoice", "made-during-outage"]


async def test_a_second_sync_while_one_runs_does_not_start_a_duplicate(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        pair = session.pairs[0]
        [(_, plan)] = await session.plan()
        first = session.runner.create_jobs(pair, plan)
        second = session.runner.create_jobs(pair, plan)
        assert [j.id for j in first] == [j.id for j in second]
        assert len(session.journal.list_jobs()) == 1
