"""The polling service on a simulated clock: ordering, Retry-After, learning, limits, backoff, cancel.

`SimClock` is a deterministic virtual time: `sim()` is the clock, `sim.sleep` the sleep, and time
jumps to the earliest sleeper once every other task is idle, so an hour of polling takes
milliseconds and every timestamp below is exact. `FakeOperation` is an operation of known duration;
the last tests drive real copies through the emulator (in process, its clock frozen and moved in
lockstep with the simulated one) with a poll function that reads the v4 operation body itself.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from regionsync.domain import JobState
from regionsync.emulator import Clock, EmulatorTransport, World
from regionsync.errors import RegionSyncError
from regionsync.services.base import OperationStatus
from regionsync.services.retry import parse_retry_after
from regionsync.sync.poller import Poller, PollRequest

T = TypeVar("T")
ORIGIN = "http://127.0.0.1:7001"
OTHER = "http://127.0.0.1:7002"
KIND = "document-intelligence:model-copy"


class SimClock:
    """Virtual time for one test: advances only when nothing but sleepers is left.

    `on_advance(seconds)` is told every step forward (e.g. the emulator's frozen `Clock.advance`),
    so another clock can move in lockstep.
    """

    def __init__(
        self,
        start: float = 1000.0,
        idle_rounds: int = 40,
        on_advance: Callable[[float], object] | None = None,
    ) -> None:
        self.now = start
        self._idle_rounds = idle_rounds
        self._on_advance = on_advance
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    def sleeping(self) -> int:
        """How many sleeps are pending."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._seq), future))
        await future

    async def _drive(self) -> None:
        stalled = 0
        while True:
            for _ in range(self._idle_rounds):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                stalled += 1
                if stalled > 200:
                    raise RuntimeError("simulated deadlock: nothing runs and nothing sleeps")
                continue
            stalled = 0
            step = self._sleepers[0][0] - self.now
            if step > 0:
                self.now = self._sleepers[0][0]
                if self._on_advance is not None:
                    self._on_advance(step)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)

    async def run(self, main: Awaitable[T]) -> T:
        """Run `main` while driving the clock; a deadlock fails instead of hanging."""
        driver = asyncio.ensure_future(self._drive())
        task = asyncio.ensure_future(main)
        try:
            await asyncio.wait((task, driver), return_when=asyncio.FIRST_COMPLETED)
            if driver.done():
                task.cancel()
                driver.result()
            return task.result()
        finally:
            driver.cancel()


class FakeOperation:
    """An operation that runs `duration` seconds from `started`; percent is truncated, like DI's."""

    def __init__(
        self,
        sim: SimClock,
        duration: float,
        *,
        started: float | None = None,
        percent: bool = True,
        latency: float = 0.0,
        retry_after: Callable[[int], float | None] | None = None,
        failures: list[RegionSyncError] | None = None,
        final: JobState = JobState.SUCCEEDED,
        ramp: float | None = None,
    ) -> None:
        self.sim = sim
        self.duration = duration
        self.started = sim.now if started is None else started
        self.percent = percent
        self.latency = latency
        self.retry_after = retry_after
        self.failures = list(failures or [])
        self.final = final
        self.ramp = ramp or duration  # percent reaches 99 after `ramp` seconds, then stalls there
        self.polls: list[float] = []
        self.answers: list[OperationStatus] = []

    @property
    def ends_at(self) -> float:
        return self.started + self.duration

    async def poll(self) -> OperationStatus:
        self.polls.append(self.sim.now)
        if self.latency:
            await self.sim.sleep(self.latency)
        if self.failures:
            raise self.failures.pop(0)
        elapsed = self.sim.now - self.started
        ra = self.retry_after(len(self.polls)) if self.retry_after else None
        if elapsed >= self.duration:
            status = OperationStatus(state=self.final, percent=100, retry_after=ra)
        else:
            pct = min(99, int(100 * elapsed / self.ramp)) if self.percent else None
            status = OperationStatus(state=JobState.RUNNING, percent=pct, retry_after=ra)
        self.answers.append(status)
        return status

    def request(self, key: str, *, origin: str = ORIGIN, kind: str = KIND, **kw: Any) -> PollRequest:
        return PollRequest(key=key, origin=origin, kind=kind, poll=self.poll, started_at=self.started, **kw)


def make_poller(sim: SimClock, **kw: Any) -> Poller:
    """A poller on `sim`. Its first look without a Retry-After is at `default_interval` (a fixed tick,
    what most tests here reason about) unless a test sets `first_look`."""
    kw.setdefault("rng", random.Random(7))
    kw.setdefault("first_look", kw.get("default_interval", 5.0))
    return Poller(clock=sim, sleep=sim.sleep, **kw)


# -- ordering and Retry-After -------------------------------------------------------------------


async def test_polls_go_out_in_due_order_across_many_operations() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    rng = random.Random(3)
    waits = [float(w) for w in rng.sample(range(1, 200), 40)]
    ops = [FakeOperation(sim, duration=0.5) for _ in waits]
    sent: list[tuple[float, str]] = []

    def recorder(op: FakeOperation, key: str) -> Callable[[], Awaitable[OperationStatus]]:
        async def poll() -> OperationStatus:
            sent.append((sim.now, key))
            return await op.poll()

        return poll

    async def main() -> list[OperationStatus]:
        reqs = []
        for i, (op, ra) in enumerate(zip(ops, waits, strict=True)):
            req = op.request(f"job{i}", retry_after=ra)
            req.poll = recorder(op, req.key)
            reqs.append(req)
        return await asyncio.gather(*(poller.wait(r) for r in reqs))

    results = await sim.run(main())
    assert all(r.state is JobState.SUCCEEDED for r in results)
    expected_order = [f"job{i}" for i in sorted(range(len(waits)), key=lambda i: waits[i])]
    assert [key for _, key in sent] == expected_order
    assert [t for t, _ in sent] == sorted(t for t, _ in sent)
    for op, ra in zip(ops, waits, strict=True):
        assert op.polls == [op.started + ra]  # exactly at the deadline, once
    await poller.aclose()


async def test_one_scheduler_task_sleeps_for_every_operation() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    ops = [FakeOperation(sim, 100.0 + i) for i in range(100)]

    async def main() -> None:
        waits = asyncio.gather(
            *(poller.wait(op.request(f"op{i}", retry_after=30.0)) for i, op in enumerate(ops))
        )
        await sim.sleep(10.0)  # all 100 accepted, none due yet
        schedulers = [t for t in asyncio.all_tasks() if t.get_name() == "regionsync-poller"]
        polls = [t for t in asyncio.all_tasks() if t.get_name().startswith("poll ")]
        assert len(schedulers) == 1 and polls == []
        assert sim.sleeping() == 1  # the scheduler's one sleep (this test's own has just ended)
        await waits

    await sim.run(main())
    assert all(op.polls[-1] >= op.ends_at for op in ops)
    await poller.aclose()


async def test_first_poll_never_before_the_initial_retry_after_even_when_learnt_shorter() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=1.0)

    async def main() -> FakeOperation:
        for i in range(5):  # learn that these operations take 2 s
            await poller.wait(FakeOperation(sim, 2.0).request(f"learn{i}"))
        assert poller.expected_duration(ORIGIN, KIND) == pytest.approx(2.0, rel=0.05)
        op = FakeOperation(sim, 2.0)
        await poller.wait(op.request("slow-202", retry_after=30.0))
        return op

    op = await sim.run(main())
    assert op.polls == [op.started + 30.0]
    await poller.aclose()


async def test_the_latest_retry_after_is_honoured_on_every_poll() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=1.0, max_interval=120.0)
    schedule = {1: 7.0, 2: 3.0, 3: 11.0, 4: 0.5, 5: 9.0}
    # 40 s long; the percentages alone would ask for a poll at the predicted end much sooner.
    op = FakeOperation(sim, 40.0, retry_after=lambda n: schedule.get(n, 2.0))

    await sim.run(poller.wait(op.request("ra", retry_after=2.0)))
    assert op.polls[0] >= op.started + 2.0
    for n, (before, after) in enumerate(itertools.pairwise(op.polls), start=1):
        assert after - before >= schedule.get(n, 2.0) - 1e-9, f"poll {n + 1} ignored Retry-After"
    assert op.polls[-1] >= op.ends_at
    await poller.aclose()


# -- learning -----------------------------------------------------------------------------------


async def test_learning_cuts_polls_without_detecting_completion_late() -> None:
    sim = SimClock()
    interval = 5.0
    poller = make_poller(sim, default_interval=interval)
    ops: list[FakeOperation] = []

    async def one(i: int) -> None:
        await sim.sleep(i * 1.5)  # 50 copies accepted one after another, 1.5 s apart
        op = FakeOperation(sim, 20.0)
        ops.append(op)
        result = await poller.wait(op.request(f"copy{i}"))
        assert result.state is JobState.SUCCEEDED

    await sim.run(asyncio.gather(*(one(i) for i in range(50))))
    polls = [len(op.polls) for op in ops]
    lateness = [op.polls[-1] - op.ends_at for op in ops]
    assert max(polls) <= 2
    assert min(lateness) >= 0  # completion seen by the last poll, which is never early …
    assert max(lateness) < interval  # … and never a poll interval late: here within 5 % of 20 s
    assert max(lateness) <= 0.05 * 20.0
    # From the first answer on (t = 5 s: "25 %"), first polls go out at the learnt end: 1 poll each.
    assert sum(polls[1:]) <= 1.1 * len(polls[1:])
    naive = sum(-(-20.0 // interval) for _ in ops)  # what a fixed 5 s tick would have sent
    assert poller.stats()["polls"] <= 0.3 * naive
    await poller.aclose()


async def test_polls_leave_ahead_by_their_round_trip_and_still_arrive_after_the_end() -> None:
    """The status a poll reads is the service's when the poll arrives: once the round trip is known,
    the poll is sent that much earlier (at most the 2 % guard), so it arrives at the guarded end."""
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0)
    ops: list[FakeOperation] = []
    trip = 0.3  # every poll takes 0.3 s to reach the service

    async def one(i: int) -> None:
        await sim.sleep(i * 1.5)
        op = FakeOperation(sim, 20.0, latency=trip)
        ops.append(op)
        assert (await poller.wait(op.request(f"copy{i}"))).state is JobState.SUCCEEDED

    await sim.run(asyncio.gather(*(one(i) for i in range(30))))
    learnt = ops[5:]
    expected = poller.expected_duration(ORIGIN, KIND)
    assert expected is not None and expected >= 20.0
    assert min(op.polls[-1] + trip - op.ends_at for op in learnt) >= 0, "never read before the end"
    sent_at = [op.started + expected * 1.02 - trip for op in learnt]  # the guarded end, less the trip
    assert [op.polls for op in learnt] == [[pytest.approx(t)] for t in sent_at], "one poll each, sent ahead"
    assert sum(len(op.polls) for op in learnt) <= 1.1 * len(learnt)
    await poller.aclose()


async def test_a_batch_accepted_together_sends_one_probe_then_polls_at_the_learnt_end() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0)
    ops = [FakeOperation(sim, 20.0) for _ in range(20)]

    await sim.run(asyncio.gather(*(poller.wait(op.request(f"copy{i}")) for i, op in enumerate(ops))))
    early = [t for op in ops for t in op.polls if t < op.ends_at]
    assert early == [ops[0].started + 5.0]  # one probe; the other 19 waited for its "25 %"
    assert sorted(len(op.polls) for op in ops) == [1] * 19 + [2]
    assert all(0 <= op.polls[-1] - op.ends_at <= 0.05 * 20.0 for op in ops)
    await poller.aclose()


async def test_a_probe_that_tells_nothing_releases_the_operations_it_held() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0, backoff_base=2.0)
    probe = FakeOperation(sim, 20.0, failures=[_unavailable()])
    others = [FakeOperation(sim, 20.0) for _ in range(4)]

    async def main() -> list[OperationStatus]:
        waits = [poller.wait(op.request(f"copy{i}")) for i, op in enumerate([probe, *others])]
        return await asyncio.gather(*waits)

    results = await sim.run(main())
    assert all(r.state is JobState.SUCCEEDED for r in results)
    assert probe.polls[0] == probe.started + 5.0
    # The probe's 503 taught nothing: the others went out right after it, as planned.
    assert [op.polls[0] for op in others] == [probe.started + 5.0] * 4
    assert poller.stats()["failures_by_origin"] == {ORIGIN: 1}
    await poller.aclose()


async def test_learning_follows_operations_that_get_faster() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0, scout_every=8)
    ops: list[FakeOperation] = []

    async def main() -> None:
        for i in range(60):  # one after another: the first 20 take 30 s, then 12 s
            op = FakeOperation(sim, 30.0 if i < 20 else 12.0)
            ops.append(op)
            await poller.wait(op.request(f"copy{i}"))

    await sim.run(main())
    tail = ops[-20:]
    assert poller.expected_duration(ORIGIN, KIND) == pytest.approx(12.0, rel=0.05)
    assert max(op.polls[-1] - op.ends_at for op in tail) <= 0.05 * 12.0
    assert sum(len(op.polls) for op in tail) <= 25
    await poller.aclose()


async def test_learning_follows_operations_that_get_slower() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0)
    ops: list[FakeOperation] = []

    async def main() -> None:
        for i in range(30):
            op = FakeOperation(sim, 10.0 if i < 10 else 25.0)
            ops.append(op)
            await poller.wait(op.request(f"copy{i}"))

    await sim.run(main())
    assert poller.expected_duration(ORIGIN, KIND) == pytest.approx(25.0, rel=0.05)
    assert all(len(op.polls) == 1 for op in ops[-5:])
    assert max(op.polls[-1] - op.ends_at for op in ops[10:]) < 5.0
    await poller.aclose()


async def test_an_operation_stalled_at_99_percent_is_not_polled_in_a_tight_loop() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=5.0, max_interval=60.0)
    op = FakeOperation(sim, 300.0, ramp=20.0)  # "99 %" from 20 s on, done at 300 s

    await sim.run(poller.wait(op.request("stalled")))
    assert len(op.polls) <= 20  # a 1.5 % step from the percentages alone would take ~180 polls
    gaps = [b - a for a, b in itertools.pairwise(op.polls)]
    assert max(gaps) <= 60.0
    assert op.polls[-1] - op.ends_at <= 0.25 * 300.0
    await poller.aclose()


async def test_durations_are_learnt_per_origin_and_kind() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=2.0)

    async def main() -> None:
        await asyncio.gather(
            poller.wait(FakeOperation(sim, 8.0).request("a", origin=ORIGIN, kind=KIND)),
            poller.wait(FakeOperation(sim, 30.0).request("b", origin=OTHER, kind=KIND)),
            poller.wait(FakeOperation(sim, 3.0).request("c", origin=ORIGIN, kind="language:export")),
        )

    await sim.run(main())
    learnt = poller.stats()["learnt"]
    assert learnt[ORIGIN][KIND] == pytest.approx(8.0, rel=0.05)
    assert learnt[OTHER][KIND] == pytest.approx(30.0, rel=0.05)
    assert learnt[ORIGIN]["language:export"] == pytest.approx(3.0, rel=0.05)
    await poller.aclose()


async def test_without_percentages_it_still_learns_and_stays_bounded() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=4.0)
    ops: list[FakeOperation] = []

    async def main() -> None:
        for i in range(20):
            op = FakeOperation(sim, 10.0, percent=False)
            ops.append(op)
            await poller.wait(op.request(f"copy{i}"))

    await sim.run(main())
    assert all(op.polls[-1] >= op.ends_at for op in ops)
    assert max(op.polls[-1] - op.ends_at for op in ops) <= 4.0
    assert sum(len(op.polls) for op in ops[5:]) <= 2 * 15
    await poller.aclose()


# -- limits, errors, cancellation ---------------------------------------------------------------


async def test_per_endpoint_limit_on_polls_in_flight() -> None:
    sim = SimClock()
    poller = make_poller(sim, per_endpoint=4)
    in_flight: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)
    peak_total = 0

    def tracked(op: FakeOperation, origin: str) -> Callable[[], Awaitable[OperationStatus]]:
        async def poll() -> OperationStatus:
            nonlocal peak_total
            in_flight[origin] += 1
            peak[origin] = max(peak[origin], in_flight[origin])
            peak_total = max(peak_total, sum(in_flight.values()))
            try:
                return await op.poll()
            finally:
                in_flight[origin] -= 1

        return poll

    async def main() -> list[OperationStatus]:
        reqs = []
        for i in range(60):
            origin = ORIGIN if i % 2 else OTHER
            op = FakeOperation(sim, 12.0, latency=1.0)
            req = op.request(f"op{i}", origin=origin, retry_after=10.0)
            req.poll = tracked(op, origin)
            reqs.append(req)
        return await asyncio.gather(*(poller.wait(r) for r in reqs))

    results = await sim.run(main())
    assert all(r.state is JobState.SUCCEEDED for r in results)
    assert peak == {ORIGIN: 4, OTHER: 4}
    assert peak_total == 8  # the two endpoints are limited separately, not together
    assert poller.stats()["max_in_flight_by_origin"] == {ORIGIN: 4, OTHER: 4}
    await poller.aclose()


def _unavailable(retry_after: float | None = None) -> RegionSyncError:
    details = {"retry_after": str(retry_after)} if retry_after is not None else {}
    return RegionSyncError(
        what="The service is busy.", code="ServiceUnavailable", status=503, retryable=True, details=details
    )


async def test_retryable_errors_back_off_exponentially_then_succeed() -> None:
    sim = SimClock()
    poller = make_poller(sim, backoff_base=1.0)
    op = FakeOperation(sim, 1.0, failures=[_unavailable() for _ in range(4)])

    result = await sim.run(poller.wait(op.request("flaky", retry_after=2.0)))
    assert result.state is JobState.SUCCEEDED
    assert len(op.polls) == 5
    gaps = [b - a for a, b in itertools.pairwise(op.polls)]
    for n, gap in enumerate(gaps, start=1):  # jittered within [½, 1] × base·2^(n-1)
        assert 0.5 * 2 ** (n - 1) <= gap <= 2 ** (n - 1)
    assert poller.stats()["failures_by_origin"] == {ORIGIN: 4}
    await poller.aclose()


async def test_a_throttled_poll_waits_for_the_errors_retry_after() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    throttled = RegionSyncError(
        what="Too many requests.", status=429, retryable=True, details={"retry_after": "17"}
    )
    op = FakeOperation(sim, 1.0, failures=[throttled])

    await sim.run(poller.wait(op.request("throttled")))
    assert len(op.polls) == 2
    assert op.polls[1] - op.polls[0] >= 17.0
    await poller.aclose()


async def test_gives_up_after_too_many_consecutive_failures() -> None:
    sim = SimClock()
    poller = make_poller(sim, max_failures=3)
    op = FakeOperation(sim, 1.0, failures=[_unavailable() for _ in range(10)])

    with pytest.raises(RegionSyncError) as caught:
        await sim.run(poller.wait(op.request("down")))
    assert caught.value.status == 503
    assert len(op.polls) == 3
    assert poller.stats()["pending"] == 0
    await poller.aclose()


async def test_a_non_retryable_error_fails_the_wait_at_once_and_spares_the_others() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    gone = RegionSyncError(what="The operation does not exist.", code="NotFound", status=404)
    bad = FakeOperation(sim, 5.0, failures=[gone])
    good = FakeOperation(sim, 5.0)

    async def main() -> list[OperationStatus | BaseException]:
        return await asyncio.gather(
            poller.wait(bad.request("bad")), poller.wait(good.request("good")), return_exceptions=True
        )

    bad_result, good_result = await sim.run(main())
    assert bad_result is gone
    assert len(bad.polls) == 1
    assert isinstance(good_result, OperationStatus) and good_result.state is JobState.SUCCEEDED
    await poller.aclose()


async def test_a_failed_operation_resolves_with_its_status_and_progress_is_reported() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=3.0)
    seen: list[tuple[JobState, int | None]] = []
    op = FakeOperation(sim, 10.0, final=JobState.FAILED)

    result = await sim.run(
        poller.wait(op.request("doomed", on_status=lambda s: seen.append((s.state, s.percent))))
    )
    assert result.state is JobState.FAILED
    assert seen[-1] == (JobState.FAILED, 100)
    assert seen[0] == (JobState.RUNNING, 30)
    assert len(seen) == len(op.polls)
    await poller.aclose()


async def test_cancel_stops_one_operation_and_leaves_the_others() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=2.0)
    doomed = FakeOperation(sim, 100.0)
    kept = FakeOperation(sim, 20.0)

    async def main() -> tuple[BaseException | OperationStatus, ...]:
        first = asyncio.ensure_future(poller.wait(doomed.request("job1:poll")))
        second = asyncio.ensure_future(poller.wait(kept.request("job2:poll")))
        await sim.sleep(5.0)
        assert poller.cancel("job1:poll") is True
        assert poller.cancel("job1:poll") is False
        assert poller.cancel("nobody") is False
        return tuple(await asyncio.gather(first, second, return_exceptions=True))

    cancelled, finished = await sim.run(main())
    assert isinstance(cancelled, asyncio.CancelledError)
    assert isinstance(finished, OperationStatus) and finished.state is JobState.SUCCEEDED
    assert all(t <= doomed.started + 5.0 for t in doomed.polls)
    assert poller.stats()["pending"] == 0
    await poller.aclose()


async def test_cancelling_the_waiting_task_drops_the_operation_and_its_poll_in_flight() -> None:
    sim = SimClock()
    poller = make_poller(sim, default_interval=1.0, per_endpoint=1)
    slow = FakeOperation(sim, 50.0, latency=10.0)
    after: list[FakeOperation] = []

    async def main() -> OperationStatus:
        waiter = asyncio.ensure_future(poller.wait(slow.request("slow")))
        await sim.sleep(2.0)  # its first poll is in flight (it takes 10 s)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        # The endpoint's only slot is free again: the next operation is polled when due.
        after.append(FakeOperation(sim, 1.0))
        return await poller.wait(after[0].request("after"))

    result = await sim.run(main())
    assert result.state is JobState.SUCCEEDED
    assert after[0].polls == [after[0].started + 1.0]
    assert len(slow.polls) == 1
    await poller.aclose()


async def test_aclose_cancels_every_wait_and_refuses_new_ones() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    op = FakeOperation(sim, 100.0)

    async def main() -> BaseException | OperationStatus:
        waiter = asyncio.ensure_future(poller.wait(op.request("x")))
        await sim.sleep(1.0)
        await poller.aclose()
        (outcome,) = await asyncio.gather(waiter, return_exceptions=True)
        return outcome

    assert isinstance(await sim.run(main()), asyncio.CancelledError)
    with pytest.raises(RuntimeError):
        await poller.wait(op.request("y"))


async def test_a_key_cannot_be_polled_twice_at_once() -> None:
    sim = SimClock()
    poller = make_poller(sim)
    op = FakeOperation(sim, 3.0)

    async def main() -> OperationStatus:
        first = asyncio.ensure_future(poller.wait(op.request("same")))
        await asyncio.sleep(0)
        with pytest.raises(ValueError):
            await poller.wait(op.request("same"))
        return await first

    assert (await sim.run(main())).state is JobState.SUCCEEDED
    await poller.aclose()


# -- without any Retry-After (Azure's copies send none): the first look and doubling ages ----------


async def test_without_hints_a_short_batch_is_probed_early_and_then_polled_once_each() -> None:
    sim = SimClock()
    poller = make_poller(sim, first_look=0.5)  # the CLI's defaults: first look 0.5 s, interval 5 s
    ops = [FakeOperation(sim, 1.5) for _ in range(16)]

    await sim.run(asyncio.gather(*(poller.wait(op.request(f"copy{i}")) for i, op in enumerate(ops))))
    early = [t for op in ops for t in op.polls if t < op.ends_at]
    assert early == [ops[0].started + 0.5]  # one probe ("33 %"); the 15 others waited for its answer
    assert sum(len(op.polls) for op in ops) == 17
    assert all(0 <= op.polls[-1] - op.ends_at <= 0.05 * 1.5 for op in ops)  # not a 5 s tick late
    await poller.aclose()


async def test_without_hints_or_percentages_the_probe_looks_at_doubling_ages() -> None:
    sim = SimClock()
    poller = make_poller(sim, first_look=0.5, default_interval=5.0)
    probe = FakeOperation(sim, 3.0, percent=False)  # v2.1 copies tell no percentage
    assert (await sim.run(poller.wait(probe.request("first")))).state is JobState.SUCCEEDED
    assert [t - probe.started for t in probe.polls] == [0.5, 1.0, 2.0, 4.0]
    slow = FakeOperation(sim, 40.0, percent=False)
    other = make_poller(sim, first_look=0.5, default_interval=5.0)
    await sim.run(other.wait(slow.request("slow")))
    gaps = [after - before for before, after in itertools.pairwise(slow.polls)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0] and set(gaps[4:]) == {5.0}  # then default_interval apart
    await poller.aclose()
    await other.aclose()


async def test_without_hints_a_long_operation_costs_a_handful_of_looks() -> None:
    sim = SimClock()
    poller = make_poller(sim, first_look=0.5)
    op = FakeOperation(sim, 300.0)  # "0 %" at the first looks, then a percentage to go by
    assert (await sim.run(poller.wait(op.request("long")))).state is JobState.SUCCEEDED
    assert len(op.polls) <= 9  # 0.5, 1, 2, 4 s ("1 %"), then at most max_interval (60 s) apart
    assert 0 <= op.polls[-1] - op.ends_at <= 0.05 * 300.0
    await poller.aclose()


# -- against the real emulator, in process, on its frozen clock -----------------------------------

API = {"api-version": "2024-11-30"}
V4_STATES = {
    "notstarted": JobState.RUNNING,
    "running": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELED,
}


class EmulatedCopies:
    """Two DI resources in two regions of one emulator, and copies between them over HTTP."""

    def __init__(self, sim: SimClock, http: httpx.AsyncClient, world: World, models: int) -> None:
        self.sim, self.http, self.world = sim, http, world
        self.source = world.add_resource("contoso-eus", region="eastus")
        self.target = world.add_resource("contoso-wus", region="westus2")
        for i in range(models):
            world.add_model("contoso-eus", f"model-{i:03d}")
        url = httpx.URL(world.endpoint("contoso-eus"))
        self.origin = f"{url.scheme}://{url.host}:{url.port}"
        self.polls: dict[str, list[tuple[float, float | None]]] = defaultdict(list)

    async def start(self, model_id: str) -> tuple[str, float, float | None]:
        """authorizeCopy on the target, copyTo on the source: (operation URL, accepted at, Retry-After)."""
        src, tgt = self.world.endpoint("contoso-eus"), self.world.endpoint("contoso-wus")
        auth = await self.http.post(
            f"{tgt}/documentintelligence/documentModels:authorizeCopy",
            params=API,
            headers={"Ocp-Apim-Subscription-Key": self.target.keys[0]},
            json={"modelId": model_id},
        )
        assert auth.status_code == 200, auth.text
        started = await self.http.post(
            f"{src}/documentintelligence/documentModels/{model_id}:copyTo",
            params=API,
            headers={"Ocp-Apim-Subscription-Key": self.source.keys[0]},
            json=auth.json(),
        )
        assert started.status_code == 202, started.text
        return started.headers["Operation-Location"], self.sim(), parse_retry_after(started.headers)

    def poll_of(self, model_id: str, url: str) -> Callable[[], Awaitable[OperationStatus]]:
        """One GET of the operation, its v3/v4 body read into an OperationStatus."""

        async def poll() -> OperationStatus:
            response = await self.http.get(url, headers={"Ocp-Apim-Subscription-Key": self.source.keys[0]})
            retry_after = parse_retry_after(response.headers)
            self.polls[model_id].append((self.sim(), retry_after))
            if response.status_code != 200:
                raise RegionSyncError(
                    what=f"Polling the copy answered {response.status_code}.",
                    status=response.status_code,
                    retryable=response.status_code == 429 or response.status_code >= 500,
                    details={"retry_after": f"{retry_after:g}"} if retry_after is not None else {},
                )
            body = response.json()
            error = body.get("error")
            return OperationStatus(
                state=V4_STATES[str(body["status"]).lower()],
                percent=body.get("percentCompleted"),
                retry_after=retry_after,
                target_id=(body.get("result") or {}).get("modelId"),
                error=RegionSyncError(what=error["message"], code=error["code"]) if error else None,
                raw=body,
            )

        return poll


def emulated(
    models: int, **poller_kw: Any
) -> tuple[SimClock, World, Poller, Callable[[], httpx.AsyncClient]]:
    clock = Clock(speed=0)
    sim = SimClock(start=0.0, on_advance=clock.advance)
    world = World(clock, copy_seconds=6.0, sleep=sim.sleep)
    poller = Poller(clock=sim, sleep=sim.sleep, rng=random.Random(1), **poller_kw)
    return sim, world, poller, lambda: httpx.AsyncClient(transport=EmulatorTransport(world))


async def test_emulated_copies_are_polled_at_their_end_and_never_before_retry_after() -> None:
    sim, world, poller, client = emulated(48)
    world.retry_hints = True  # what this test checks is that the hints are honoured
    gate = asyncio.Semaphore(8)
    async with client() as http:
        copies = EmulatedCopies(sim, http, world, 48)

        async def copy(model_id: str) -> OperationStatus:
            async with gate:
                url, accepted, retry_after = await copies.start(model_id)
                assert retry_after is not None  # the emulator's 202 says when to look first
                request = PollRequest(
                    key=f"job-{model_id}:poll",
                    origin=copies.origin,
                    kind="document-intelligence:model-copy",
                    poll=copies.poll_of(model_id, url),
                    started_at=accepted,
                    retry_after=retry_after,
                )
                status = await poller.wait(request)
                first_poll = copies.polls[model_id][0][0]
                assert first_poll >= accepted + retry_after
                return status

        results = await sim.run(asyncio.gather(*(copy(f"model-{i:03d}") for i in range(48))))

    assert all(r.state is JobState.SUCCEEDED for r in results)
    assert sorted(r.target_id for r in results) == sorted(world.resources["contoso-wus"].models)
    for polls in copies.polls.values():  # never sooner than the latest Retry-After
        for (before, retry_after), (after, _) in itertools.pairwise(polls):
            assert retry_after is None or after - before >= retry_after
    counts = [len(p) for p in copies.polls.values()]
    assert max(counts) <= 2 and sum(counts) <= 1.1 * len(counts)  # one probe, then ~1 poll a copy
    # 6 rounds of 8 copies of 6 s each, finished within 5 % of the ideal 36 s.
    assert sim() <= 1.05 * 6 * 6.0
    assert poller.stats()["learnt"][copies.origin]["document-intelligence:model-copy"] == pytest.approx(
        6.0, rel=0.02
    )
    await poller.aclose()


async def test_emulated_copies_without_hints_are_learnt_from_one_early_probe() -> None:
    sim, world, poller, client = emulated(48)
    assert world.retry_hints is False  # the emulator's default, as Azure's recorded copies
    gate = asyncio.Semaphore(8)
    async with client() as http:
        copies = EmulatedCopies(sim, http, world, 48)

        async def copy(model_id: str) -> OperationStatus:
            async with gate:
                url, accepted, retry_after = await copies.start(model_id)
                assert retry_after is None
                request = PollRequest(
                    key=f"job-{model_id}:poll",
                    origin=copies.origin,
                    kind="document-intelligence:model-copy",
                    poll=copies.poll_of(model_id, url),
                    started_at=accepted,
                )
                return await poller.wait(request)

        results = await sim.run(asyncio.gather(*(copy(f"model-{i:03d}") for i in range(48))))

    assert all(r.state is JobState.SUCCEEDED for r in results)
    assert all(retry_after is None for polls in copies.polls.values() for _, retry_after in polls)
    counts = [len(p) for p in copies.polls.values()]
    assert max(counts) <= 3 and sum(counts) <= 1.1 * len(counts)  # an early probe, then ~1 poll a copy
    assert sim() <= 1.05 * 6 * 6.0  # 6 rounds of 8 copies of 6 s: within 5 % of the ideal 36 s
    await poller.aclose()


async def test_emulated_throttling_and_a_failed_copy() -> None:
    sim, world, poller, client = emulated(6, default_interval=2.0)
    world.faults.fail_copies("contoso-eus", at_percent=50, count=1)
    async with client() as http:
        copies = EmulatedCopies(sim, http, world, 6)

        async def main() -> list[OperationStatus]:
            started = [await copies.start(f"model-{i:03d}") for i in range(6)]
            world.faults.throttle(1.0, retry_after=4, resource="contoso-eus", count=3)
            requests = [
                PollRequest(
                    key=f"model-{i:03d}",
                    origin=copies.origin,
                    kind="document-intelligence:model-copy",
                    poll=copies.poll_of(f"model-{i:03d}", url),
                    started_at=accepted,
                    retry_after=retry_after,
                )
                for i, (url, accepted, retry_after) in enumerate(started)
            ]
            return await asyncio.gather(*(poller.wait(r) for r in requests))

        results = await sim.run(main())

    failed, *succeeded = results
    assert failed.state is JobState.FAILED and failed.error is not None
    assert all(r.state is JobState.SUCCEEDED for r in succeeded)
    assert poller.stats()["failures_by_origin"] == {copies.origin: 3}
    throttled = [
        (before, after)
        for polls in copies.polls.values()
        for (before, retry_after), (after, _) in itertools.pairwise(polls)
        if retry_after == 4.0
    ]
    assert len(throttled) == 3 and all(after - before >= 4.0 for before, after in throttled)
    await poller.aclose()
