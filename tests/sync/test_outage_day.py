"""Outage day on the in-process emulator: a dark side is judged from its last-known listing, fail-back
judges copies by their lineage, and a job is failed only when the service says so.

Each test reads what an operator would read on that day: the verdicts, their basis and the failover
readiness, and checks that no asset was copied twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import PRIMARY, SECONDARY, Harness, asset_names, di_profile, frozen_world
from regionsync.cli.render import status_exit_code, status_json
from regionsync.domain import JobState, Side, SyncStatus

V4 = "2024-11-30"


def harness(tmp_path: Path, version: str = V4, **profile_kw: object) -> Harness:
    world = frozen_world()
    return Harness(world, di_profile(world, version, **profile_kw), tmp_path / "journal.sqlite3")


def verdicts(statuses: list) -> dict[str, SyncStatus]:
    return {p.name: p.status for s in statuses for p in s.pairs}


async def _sync_two_of_three(h: Harness) -> None:
    for name in ("invoice", "receipt", "w2"):
        h.world.add_model(PRIMARY, name)
    async with h.session() as session:
        jobs = await session.execute(await session.plan(only=["invoice", "receipt"]))
        assert [j.state for j in jobs] == [JobState.SUCCEEDED] * 2


async def test_primary_down_after_a_sync_counts_the_primarys_last_known_assets(tmp_path: Path) -> None:
    h = harness(tmp_path)
    await _sync_two_of_three(h)
    h.world.faults.set_outage("eastus", True)
    async with h.session() as session:
        statuses = await session.status()
    [status] = statuses
    ready = status.readiness
    assert (ready.servable, ready.total, ready.unknown, ready.basis) == (2, 3, 0, "last-known")
    assert ready.primary_seen_at is not None and ready.secondary_seen_at is None
    assert verdicts(statuses) == {
        "invoice": SyncStatus.IN_SYNC,
        "receipt": SyncStatus.IN_SYNC,
        "w2": SyncStatus.MISSING,
    }
    invoice = next(p for p in status.pairs if p.name == "invoice")
    assert invoice.basis == "last-known" and invoice.seen_at == ready.primary_seen_at
    assert "primary eastus last seen" in invoice.reason and "unreachable now" in invoice.reason
    body = status_json(status)
    assert body["readiness"]["basis"] == "last-known" and body["readiness"]["total"] == 3
    assert body["readiness"]["primary_seen_at"] and body["assets"][0]["basis"] == "last-known"
    assert "2/3" in ready.words() and "primary last seen" in ready.words()
    assert status_exit_code(statuses) == 2, "a side could not be read now"


async def test_secondary_down_after_a_sync_counts_what_it_held_when_last_seen(tmp_path: Path) -> None:
    h = harness(tmp_path)
    await _sync_two_of_three(h)
    h.world.faults.set_outage("westus2", True)
    async with h.session() as session:
        statuses = await session.status()
        [(_, plan)] = await session.plan(statuses=statuses)
    [status] = statuses
    ready = status.readiness
    assert (ready.servable, ready.total, ready.basis) == (2, 3, "last-known")
    assert ready.secondary_seen_at is not None and ready.primary_seen_at is None
    assert verdicts(statuses)["w2"] is SyncStatus.MISSING
    assert plan.copies == [] and "unreachable" in plan.refusals[0].why, "nothing is copied to a dark side"


async def test_a_side_never_read_from_this_machine_is_said_plainly(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.faults.set_outage("eastus", True)
    async with h.session() as session:
        [status] = await session.status()
    ready = status.readiness
    assert ready.total is None and ready.servable is None, "never 0/0 as if nothing existed"
    assert "never been read from this machine" in ready.note
    assert "failover readiness unknown" in ready.words()
    body = status_json(status)["readiness"]
    assert body["total"] is None and "never been read" in body["note"]


@pytest.mark.parametrize("version", ["2.1", V4])
async def test_fail_back_after_a_sync_finds_the_copies_in_sync_and_replaces_nothing(
    tmp_path: Path, version: str
) -> None:
    h = harness(tmp_path, version)
    for name in ("invoice", "receipt"):
        (h.world.add_legacy_model if version == "2.1" else h.world.add_model)(PRIMARY, name)
    async with h.session() as session:
        await session.execute(await session.plan())
        assert set(verdicts(await session.status()).values()) == {SyncStatus.IN_SYNC}
        h.world.clock.advance(3600)
        back = await session.status(source=Side.SECONDARY)
        assert set(verdicts(back).values()) == {SyncStatus.IN_SYNC}, [p.reason for p in back[0].pairs]
        assert back[0].readiness.complete
        [(_, plan)] = await session.plan(source=Side.SECONDARY, replace_drifted=True, statuses=back)
        assert plan.copies == [] and plan.refusals == [], "the primary's originals are never replaced"


async def test_an_edit_on_the_secondary_after_the_copy_drifts_in_that_direction_only(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        await session.execute(await session.plan())
        await session.status()  # the copy seen once since it was made
        h.world.clock.advance(3600)
        h.world.touch(SECONDARY, "model", "invoice")
        back = await session.status(source=Side.SECONDARY)
        [pair] = back[0].pairs
        assert pair.status is SyncStatus.DRIFTED and "secondary westus2 changed" in pair.reason
        [forward] = (await session.status())[0].pairs
        assert forward.status is SyncStatus.IN_SYNC and "after the copy" in forward.reason
        [(_, plan)] = await session.plan(replace_drifted=True)
        assert plan.copies == [], "a forward sync never overwrites the edit"
        [(_, back_plan)] = await session.plan(source=Side.SECONDARY, replace_drifted=True)
        assert [c.name for c in back_plan.copies] == ["invoice"]


async def test_fail_back_without_lineage_does_not_call_a_copy_drifted_for_being_newer(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        await session.execute(await session.plan())
    h.world.clock.advance(86_400)
    fresh = Harness(h.world, h.profile, tmp_path / "another-machine.sqlite3")
    async with fresh.session() as session:
        back = await session.status(source=Side.SECONDARY)
    assert verdicts(back) == {"invoice": SyncStatus.IN_SYNC}, back[0].pairs[0].reason


async def test_a_503_to_the_copy_request_leaves_the_job_interrupted_and_resume_copies_once(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    async with h.session() as session:
        plans = await session.plan()
        h.world.faults.server_errors(1.0, 503, resource=PRIMARY)  # the source answers every copy POST 503
        [job] = await session.execute(plans)
        assert job.state is JobState.INTERRUPTED, job.error
        assert "jobs resume" in (job.error or "")
    h.world.faults.server_errors(0.0, resource=PRIMARY)
    async with h.session() as session:
        [done] = await session.resume()
        assert done.id == job.id and done.state is JobState.SUCCEEDED, done.error
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_the_consent_to_degrade_is_journaled_and_used_on_resume(tmp_path: Path) -> None:
    h = harness(tmp_path, encrypted=(True, False))
    h.world.resources[PRIMARY].encrypted = True
    h.world.add_model(PRIMARY, "secret-forms")
    async with h.session() as session:
        [(pair, plan)] = await session.plan(allow_degrade=True)
        [job] = session.runner.create_jobs(pair, plan)  # journaled, then the process "dies"
    assert job.options.allow_degrade
    async with h.session() as session:
        [done] = await session.resume()  # no flag given: the journal carries the consent
        assert done.state is JobState.SUCCEEDED, done.error
    assert asset_names(h.world, SECONDARY) == ["secret-forms"]


async def test_a_refused_key_is_not_called_an_outage_in_the_last_known_words(tmp_path: Path) -> None:
    h = harness(tmp_path)
    await _sync_two_of_three(h)
    h.world.resources[PRIMARY].keys = ["another-key-0000000000"]  # the key was rotated on the primary
    async with h.session() as session:
        [status] = await session.status()
    invoice = next(p for p in status.pairs if p.name == "invoice")
    assert invoice.basis == "last-known" and "refusing access now" in invoice.reason
    assert "unreachable" not in invoice.reason
    assert "(refusing access)" in status.readiness.words()
