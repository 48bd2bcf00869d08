"""The timed-work base (emulator/timed.py): failure plans, one settle per record, cancel, retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from regionsync.emulator import World, problems
from regionsync.emulator.state import Resource
from regionsync.emulator.timed import EARLY_FAILURE_SECONDS, TimedWork, plan_failure, schedule


@dataclass
class Work(TimedWork):
    work_id: str = "w1"


def _registry(resource: Resource) -> dict[str, Work]:
    return resource.operations  # type: ignore[return-value]  # any dict of the resource serves here


def test_plan_without_fault_runs_the_whole_length(world: World) -> None:
    plan = plan_failure(world, [world.resources["source-eus"]], 6.0, problems.copy_interrupted)
    assert (plan.failure, plan.fail_percent, plan.duration, plan.early) == (None, 0, 6.0, False)


def test_plan_known_failure_is_early_and_leaves_faults_alone(world: World) -> None:
    world.faults.fail_copies("source-eus", 40)
    source = world.resources["source-eus"]
    plan = plan_failure(world, [source], 6.0, problems.copy_interrupted, known=problems.INVALID_CLAIMS)
    assert (plan.failure, plan.duration, plan.early) == (problems.INVALID_CLAIMS, EARLY_FAILURE_SECONDS, True)
    assert world.faults.next_copy_failure(source.region, source.name) == 40, "the fault is still armed"


def test_plan_injected_fault_of_the_first_resource_named(world: World) -> None:
    world.faults.fail_copies("target-wus2", 25, count=1)
    source, target = world.resources["source-eus"], world.resources["target-wus2"]
    plan = plan_failure(world, [source, target], 8.0, problems.copy_interrupted)
    assert (plan.fail_percent, plan.duration) == (25, 2.0)
    assert plan.failure == problems.copy_interrupted(25)
    assert plan_failure(world, [source, target], 8.0, problems.copy_interrupted).failure is None


def test_schedule_settles_once_and_sets_the_status(world: World) -> None:
    source = world.resources["source-eus"]
    now = world.clock.now()
    settled: list[str] = []

    def settle(_: World, resource: Resource, work: Work) -> None:
        assert work.finished
        settled.append(resource.name)
        work.failure = problems.INVALID_CLAIMS

    work = Work(created=now, finish_at=now + timedelta(seconds=2), seconds=2.0)
    schedule(world, source, _registry, work.work_id, work, settle)
    assert _registry(source)["w1"] is work and work.progress(now) == ("notStarted", 0)
    world.clock.advance(1)
    world.settle()
    assert work.progress(world.clock.now()) == ("running", 50) and not settled
    world.clock.advance(5)
    world.settle()
    world.settle()
    assert (
        settled == ["source-eus"]
        and work.status == "failed"
        and work.progress(world.clock.now())[0] == "failed"
    )
    assert work.last_updated(world.clock.now()) == work.finish_at


def test_cancelled_work_is_never_settled(world: World) -> None:
    source = world.resources["source-eus"]
    now = world.clock.now()
    work = Work(created=now, finish_at=now + timedelta(seconds=4), seconds=4.0)

    def settle(_: World, __: Resource, ___: Work) -> None:
        raise AssertionError("a cancelled job is not settled")

    schedule(world, source, _registry, work.work_id, work, settle)
    world.clock.advance(1)
    work.cancel(world.clock.now())
    world.clock.advance(10)
    world.settle()
    assert work.progress(world.clock.now()) == ("cancelled", 25) and work.status == "cancelled"


def test_retained_for_a_day_after_it_finished(world: World) -> None:
    now = world.clock.now()
    work = Work(created=now, finish_at=now, seconds=0.0)
    assert work.retained(now + timedelta(days=3)), "running work is always kept"
    work.finished = True
    assert work.retained(now + timedelta(hours=24))
    assert not work.retained(now + timedelta(hours=24, seconds=1))
