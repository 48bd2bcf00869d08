"""The engine end to end on the in-process emulator: status → plan → sync → status, every DI version."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import DI_VERSIONS, PRIMARY, SECONDARY, Harness, asset_names, di_profile, frozen_world
from regionsync.domain import AssetKind, JobState, SyncStatus
from regionsync.emulator import World


def seed(world: World, version: str) -> dict[str, str]:
    """primary: invoice, receipt, purchase-order; secondary: a copy of invoice made earlier + an extra."""
    if version == "2.1":
        ids = {n: world.add_legacy_model(PRIMARY, n) for n in ("invoice", "receipt", "purchase-order")}
        world.add_legacy_model(SECONDARY, "old-payslips")
        return ids
    for name in ("invoice", "receipt", "purchase-order"):
        world.add_model(PRIMARY, name, description=f"{name} model", doc_types=(name,), tags={"team": "ap"})
    world.add_model(SECONDARY, "old-payslips", description="payslips")
    return {n: n for n in ("invoice", "receipt", "purchase-order")}


def statuses_by_name(statuses: list) -> dict[str, SyncStatus]:
    return {p.name: p.status for s in statuses for p in s.pairs if p.kind is AssetKind.MODEL}


@pytest.mark.parametrize("version", DI_VERSIONS)
async def test_sync_copies_what_is_missing_once_and_status_turns_green(tmp_path: Path, version: str) -> None:
    world = frozen_world()
    seed(world, version)
    harness = Harness(world, di_profile(world, version), tmp_path / "journal.sqlite3")
    events = []
    async with harness.session(on_event=events.append, concurrency=2) as session:
        before = statuses_by_name(await session.status())
        assert before == {
            "invoice": SyncStatus.MISSING,
            "receipt": SyncStatus.MISSING,
            "purchase-order": SyncStatus.MISSING,
            "old-payslips": SyncStatus.EXTRA,
        }
        plans = await session.plan()
        [(_, plan)] = plans
        assert sorted(c.name for c in plan.copies) == ["invoice", "purchase-order", "receipt"]
        assert plan.extra == 1 and not plan.refusals
        jobs = await session.execute(plans)
        assert [j.state for j in jobs] == [JobState.SUCCEEDED] * 3, [j.error for j in jobs]
        after = statuses_by_name(await session.status())
        assert after == {
            "invoice": SyncStatus.IN_SYNC,
            "receipt": SyncStatus.IN_SYNC,
            "purchase-order": SyncStatus.IN_SYNC,
            "old-payslips": SyncStatus.EXTRA,
        }
        # A second sync has nothing to do: no duplicate copy.
        [(_, again)] = await session.plan()
        assert again.copies == []
    assert asset_names(world, SECONDARY) == ["invoice", "old-payslips", "purchase-order", "receipt"]
    journal_jobs = harness.session().journal.list_jobs()
    assert len(journal_jobs) == 3 and all(j.state is JobState.SUCCEEDED for j in journal_jobs)
    steps = [e.step for e in events if e.asset_name == "invoice"]
    assert steps[0] == "authorize" and steps[-1] == "done"
