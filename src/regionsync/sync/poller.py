"""The polling service: ONE scheduler for every long-running operation in flight.

Every accepted operation (a copy, an export, a training …) is handed to `Poller.wait()`, which
resolves with the operation's terminal status. Behind it, one schedule — a heap ordered by next-poll
time — is run by ONE task on the current event loop; a poll is a short-lived task, nothing sleeps
per operation and no thread is involved (DESIGN.md decision 3).

What it guarantees:
- **Retry-After is law**: the first poll never goes out before the 202's Retry-After has passed,
  and no poll goes out sooner than the Retry-After of the latest answer (it wins over `max_interval`).
- **Per-endpoint limit**: at most `per_endpoint` poll requests in flight per scheme://host:port.
- **Backoff**: a poll raising a retryable `RegionSyncError` (429, 5xx, timeout, unreachable) is
  retried after a jittered exponential delay, and never before the error's Retry-After
  (`details["retry_after"]`); after `max_failures` consecutive failures the wait fails with the last
  error. A non-retryable error (or any other exception) fails that wait at once, and only that one.
- **Cancellation**: `cancel(key)`, or cancelling the waiting task, drops the operation and its
  in-flight poll.

How it learns, per (origin, kind), how long operations take — so that most are polled once, just
after they finish, instead of on a fixed tick:
- Before anything is known, the first poll goes out at the Retry-After. Without one (Azure's copies
  send none), it goes out `first_look` after the 202, and while it learns nothing (no percentage)
  the next looks go out at doubling ages, up to `default_interval` apart: a short operation is
  found done soon after its end, a long one costs a handful of looks. Only ONE such first poll (the
  probe) goes out per (origin, kind); operations due meanwhile wait for its answer, and a
  "running, p %" answer at elapsed e predicts the whole duration (e·100/p), which then schedules
  every first poll not yet sent.
- With an estimate, the first poll goes out at max(Retry-After deadline, start + estimate + 2 %),
  less the origin's poll round trip (never more than those 2 %): the status a poll reads is the
  service's at the poll's arrival, so it is sent that much ahead — never before the predicted end.
- After "running, p %" at elapsed e, the next poll goes out at the predicted end e·100/(p − ½) —
  an upper bound whatever the service's rounding, so the end is not polled too early; below 20 %
  that prediction is too loose and the next look is at about 90 % instead. An operation still running
  past its predicted end (stalled at 99 %) is polled after a growing share of its age, not in a loop.
- Finished operations refine the estimate (an EWMA of measured durations). A poll that finds an
  operation already done says nothing about how long ago it finished, so one operation in
  `scout_every` (fewer while they keep confirming the estimate) is polled 10 % early on purpose: the
  estimate follows operations that get faster as well as slower.

Time comes in as `clock`/`sleep` callables, so tests drive a simulated clock in milliseconds.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from regionsync.errors import RegionSyncError
from regionsync.services.base import OperationStatus

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

GUARD = 0.02
"""Polls scheduled from the learnt duration are answered this fraction after the predicted end."""
RTT_WEIGHT = 0.3
"""Weight of a new poll round trip in the per-origin estimate."""
SCOUT_LEAD = 0.10
"""A scout's first poll goes out this fraction before the predicted end."""
REFINE_BELOW = 20
"""Below this percentage the predicted end is too uncertain to poll at; poll near 90 % first."""
BOUND_PROBE_LEAD = 0.5
"""When only an upper bound is known, the probe goes out at half of it (bisection)."""
MAX_SCOUT_GAP = 1024
"""Routine scouts go out at least once per this many operations of a kind."""
MISS_STEP = 0.05
MAX_MISS_STEP = 0.25
"""Past its predicted end, an operation is polled again after 5 %, 10 %, 20 %, 25 % … of its age."""
EWMA_WEIGHT = 0.3
"""Weight of a new observation in the learnt duration."""


@dataclass
class PollRequest:
    """One accepted long-running operation to watch until it finishes."""

    key: str
    """Unique among the operations in flight (job id + step); what `cancel()` takes."""
    origin: str
    """`scheme://host:port` of the endpoint polled; the per-endpoint limit keys on it."""
    kind: str
    """What sort of operation (e.g. `document-intelligence:model-copy`); durations are learnt per
    (origin, kind)."""
    poll: Callable[[], Awaitable[OperationStatus]]
    """One GET of the operation (the adapter's `poll` bound to the operation URL)."""
    started_at: float
    """Poller-clock time when the operation was accepted (when the 202 arrived)."""
    retry_after: float | None = None
    """The 202's Retry-After, in seconds: the first poll never goes out before started_at + this."""
    on_status: Callable[[OperationStatus], None] | None = None
    """Called after every successful poll, terminal or not (progress)."""


@dataclass(eq=False)
class _Op:
    """The scheduler's book-keeping for one operation."""

    req: PollRequest
    future: asyncio.Future[OperationStatus]
    not_before: float
    """Earliest time the next poll may go out (latest Retry-After)."""
    first_estimate: float | None = None
    """The learnt duration the first poll was scheduled from (None: not learnt yet)."""
    scout: bool = False
    generation: int = 0
    polls: int = 0
    failures: int = 0
    last_running: float = 0.0
    """Elapsed time at the latest poll that found the operation still running."""
    percent_total: float | None = None
    """Total duration predicted by the latest poll that reported a percentage (central estimate)."""
    gated: bool = False
    """Let through the first-poll gate (the probe told nothing): may poll before anything is learnt."""
    expected_end: float | None = None
    """Elapsed time at which the next poll expects the operation done (None: an early look on purpose)."""
    misses: int = 0
    """Polls that found the operation still running past its expected end (it stalls, e.g. at 99 %)."""
    task: asyncio.Task[None] | None = None


@dataclass
class _Learnt:
    """What is known of the operations of one (origin, kind)."""

    duration: float | None = None
    started: int = 0
    scout_next: bool = False
    """Probe the next operation early (the estimate may be too long)."""
    next_scout: int = 0
    """`started` count at which the next routine scout goes out."""
    scout_gap: int = 0
    """Operations between routine scouts: doubles while scouts confirm the estimate."""
    bound_only: bool = False
    """The estimate is only an upper bound (operations were done at their first poll)."""
    provisional_percent: int = 0
    """>0 while the estimate comes from a still-running operation's percentage (replaced at its end)."""
    probe: _Op | None = None
    """Before anything is learnt: the one operation whose first poll is out; the others wait for it."""
    held: list[tuple[_Op, int]] = field(default_factory=list)
    """Operations (and schedule generation) waiting for the probe's answer."""


@dataclass
class _Counters:
    polls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    finished: int = 0


class Poller:
    """The one polling service of a process. Create it once; `wait()` from any task on one loop."""

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        per_endpoint: int = 8,
        default_interval: float = 5.0,
        first_look: float = 0.5,
        max_interval: float = 60.0,
        rng: random.Random | None = None,
        min_interval: float = 0.05,
        backoff_base: float = 1.0,
        max_failures: int = 6,
        scout_every: int = 32,
    ) -> None:
        if per_endpoint < 1:
            raise ValueError("per_endpoint must be at least 1")
        self._clock = clock
        self.clock = clock
        """The poller's time source (the runner times operations with the same one)."""
        self._sleep = sleep
        self._per_endpoint = per_endpoint
        self._default_interval = default_interval
        self._first_look = min(first_look, default_interval)
        self._max_interval = max_interval
        self._min_interval = min_interval
        self._backoff_base = backoff_base
        self._max_failures = max_failures
        self._scout_every = scout_every
        self._rng = rng or random.Random()
        self._ops: dict[str, _Op] = {}
        self._heap: list[tuple[float, int, str, int]] = []
        self._ready: dict[str, deque[tuple[_Op, int]]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._learnt: dict[tuple[str, str], _Learnt] = defaultdict(_Learnt)
        self._rtt: dict[str, float] = {}
        """origin → how long a poll takes there, send to answer (an EWMA)."""
        self._seq = itertools.count()
        self._counters = _Counters()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # -- public -----------------------------------------------------------------------------

    async def wait(self, req: PollRequest) -> OperationStatus:
        """Poll `req` until it finishes; the terminal status (succeeded, failed or canceled).

        Raises the poll's error if it is not retryable or keeps failing, and
        `asyncio.CancelledError` if the operation is cancelled (or the poller closed).
        """
        if self._closed:
            raise RuntimeError("the poller is closed")
        if req.key in self._ops:
            raise ValueError(f"an operation with key {req.key!r} is already being polled")
        loop = asyncio.get_running_loop()
        op = _Op(req=req, future=loop.create_future(), not_before=req.started_at + (req.retry_after or 0.0))
        self._ops[req.key] = op
        self._schedule(op, self._first_due(op))
        self._ensure_running()
        try:
            return await op.future
        finally:
            self._forget(op)

    def cancel(self, key: str) -> bool:
        """Stop polling `key`: its `wait()` raises CancelledError. False if it was not in flight."""
        op = self._ops.get(key)
        if op is None:
            return False
        self._forget(op)
        return True

    def expected_duration(self, origin: str, kind: str) -> float | None:
        """How long operations of `kind` at `origin` are expected to take (None: not learnt yet)."""
        learnt = self._learnt.get((origin, kind))
        return None if learnt is None else learnt.duration

    def stats(self) -> dict[str, Any]:
        """Counters for benches and diagnostics: polls per origin, failures, learnt durations."""
        polls = dict(self._counters.polls)
        learnt: dict[str, dict[str, float]] = defaultdict(dict)
        for (origin, kind), info in self._learnt.items():
            if info.duration is not None:
                learnt[origin][kind] = info.duration
        return {
            "polls": sum(polls.values()),
            "polls_by_origin": polls,
            "failures_by_origin": dict(self._counters.failures),
            "max_in_flight_by_origin": dict(self._counters.max_in_flight),
            "finished": self._counters.finished,
            "pending": len(self._ops),
            "learnt": dict(learnt),
        }

    async def aclose(self) -> None:
        """Cancel every operation still in flight and stop the scheduler."""
        self._closed = True
        tasks = [op.task for op in self._ops.values() if op.task is not None]
        for op in list(self._ops.values()):
            self._forget(op)
        if self._task is not None:
            tasks.append(self._task)
            self._task.cancel()
        self._task = None
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- scheduling decisions (pure, over the book-keeping) ----------------------------------

    def _first_due(self, op: _Op) -> float:
        req = op.req
        learnt = self._learnt[(req.origin, req.kind)]
        if learnt.duration is None:
            fallback = req.retry_after if req.retry_after is not None else self._first_look
            return max(op.not_before, req.started_at + fallback)
        learnt.started += 1
        op.first_estimate = learnt.duration
        if not learnt.scout_gap:
            learnt.scout_gap = learnt.next_scout = self._scout_every
        routine = self._scout_every > 0 and learnt.started >= learnt.next_scout
        op.scout = learnt.scout_next or routine
        learnt.scout_next = False
        if routine:
            learnt.next_scout = learnt.started + learnt.scout_gap
        expected = op.expected_end = learnt.duration * (1 + GUARD)
        if op.scout:
            lead = BOUND_PROBE_LEAD if learnt.bound_only else SCOUT_LEAD
            expected = learnt.duration * (1 - lead)
            op.expected_end = None
        else:
            expected -= self._ahead(req.origin, learnt.duration)
        return max(op.not_before, req.started_at + min(expected, self._max_interval))

    def _ahead(self, origin: str, predicted: float) -> float:
        """How much earlier than the guarded end to send a poll: its round trip at `origin`, at most
        the guard (`GUARD` of the `predicted` duration), so that it never leaves before the end."""
        return min(self._rtt.get(origin, 0.0), GUARD * predicted)

    def _next_due(self, op: _Op, now: float, percent: int | None) -> float:
        """When to poll an operation that just said "running" (with `percent` done, maybe)."""
        elapsed = now - op.req.started_at
        learnt = self._learnt[(op.req.origin, op.req.kind)].duration
        expects_end = True
        ahead = 0.0  # sent ahead by the round trip only where the guard was added (the learnt end)
        if percent is not None and REFINE_BELOW <= percent < 100:
            # p is rounded or truncated by the service: (p - 0.5) bounds the true value from below,
            # so this predicted end is not before the real one.
            delay = elapsed * 100.0 / (percent - 0.5) - elapsed
        elif percent is not None and 0 < percent < REFINE_BELOW:
            # A small p predicts the end too loosely: look again near 90 % for a precise one.
            delay = elapsed * (100.0 - SCOUT_LEAD * 100.0) / percent - elapsed
            expects_end = False
        elif learnt is not None and learnt * (1 + GUARD) > elapsed + self._min_interval:
            delay = learnt * (1 + GUARD) - elapsed
            ahead = self._ahead(op.req.origin, learnt)
        elif learnt is not None:
            delay = min(self._default_interval, max(learnt * SCOUT_LEAD, self._min_interval))
        elif op.not_before > now:
            # Nothing learnt and no percent to go by: the service's own Retry-After is the best hint.
            delay = op.not_before - now
        else:
            # Nor any hint: look again when the operation is twice as old (at most default_interval on);
            # a look, not an expected end, so a long operation does not count as stalled.
            delay = min(self._default_interval, elapsed)
            expects_end = False
        if op.misses:
            # Running past its predicted end (stalled at 99 %?): predictions no longer hold, so
            # step back by a growing share of the elapsed time instead of polling in a tight loop.
            delay = max(delay, elapsed * min(MISS_STEP * 2 ** (op.misses - 1), MAX_MISS_STEP))
        delay = min(max(delay, self._min_interval), self._max_interval)
        op.expected_end = elapsed + delay if expects_end else None
        if ahead and not op.misses:
            delay = max(delay - ahead, self._min_interval)
        return max(now + delay, op.not_before)

    def _backoff(self, op: _Op, exc: RegionSyncError, now: float) -> float:
        """When to retry after the `op.failures`-th consecutive retryable failure."""
        ceiling = min(self._backoff_base * 2.0 ** (op.failures - 1), self._max_interval)
        delay = ceiling * (0.5 + 0.5 * self._rng.random())
        hinted = _retry_after_of(exc)
        if hinted is not None:
            op.not_before = max(op.not_before, now + hinted)
        return max(now + delay, op.not_before)

    def _learn(self, op: _Op, elapsed: float) -> None:
        """Fold a finished operation's duration into the estimate for its (origin, kind)."""
        learnt = self._learnt[(op.req.origin, op.req.kind)]
        first = learnt.duration is None
        if op.percent_total is not None:
            measured = min(max(op.percent_total, op.last_running), elapsed)
        elif op.last_running > 0:
            measured = (op.last_running + elapsed) / 2
        elif learnt.duration is None or op.scout:
            # Done at its first poll: all we know is that it took no longer than that. Keep the
            # bound, and probe the next operation early to measure how much shorter it really is.
            learnt.duration = elapsed if learnt.duration is None else min(learnt.duration, elapsed)
            learnt.bound_only = True
            learnt.scout_next = True
            if first:
                self._on_first_estimate(op.req.origin, op.req.kind)
            return
        else:
            return  # done at a poll scheduled from the estimate: consistent with it, nothing new
        if op.scout and learnt.duration is not None:
            # A scout that confirms the estimate lets the next one wait twice as long; any
            # surprise brings scouting back to its normal pace.
            confirmed = abs(measured - learnt.duration) <= GUARD * learnt.duration
            learnt.scout_gap = min(learnt.scout_gap * 2, MAX_SCOUT_GAP) if confirmed else self._scout_every
        if learnt.duration is None or learnt.bound_only or learnt.provisional_percent:
            learnt.duration = measured
        else:
            learnt.duration += EWMA_WEIGHT * (measured - learnt.duration)
        learnt.bound_only = False
        learnt.provisional_percent = 0
        if first:
            self._on_first_estimate(op.req.origin, op.req.kind)

    def _learn_provisionally(self, op: _Op, percent: int) -> None:
        """Before any operation of its kind has finished, a running one's percentage is the best guess."""
        learnt = self._learnt[(op.req.origin, op.req.kind)]
        if learnt.duration is not None and not (
            learnt.provisional_percent and percent > learnt.provisional_percent
        ):
            return
        first = learnt.duration is None
        learnt.duration = op.percent_total
        learnt.provisional_percent = percent
        if first:
            self._on_first_estimate(op.req.origin, op.req.kind)

    # -- the scheduler ----------------------------------------------------------------------

    def _schedule(self, op: _Op, due: float) -> None:
        op.generation += 1
        heapq.heappush(self._heap, (due, next(self._seq), op.req.key, op.generation))
        self._wake.set()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="regionsync-poller")

    def _current(self, key: str, generation: int) -> _Op | None:
        op = self._ops.get(key)
        return op if op is not None and op.generation == generation else None

    async def _run(self) -> None:
        try:
            while self._ops:
                now = self._clock()
                while self._heap and self._heap[0][0] <= now:
                    _, _, key, generation = heapq.heappop(self._heap)
                    op = self._current(key, generation)
                    if op is not None:
                        self._enqueue(op, generation)
                self._launch_ready()
                while self._heap and self._current(self._heap[0][2], self._heap[0][3]) is None:
                    heapq.heappop(self._heap)
                delay = self._heap[0][0] - now if self._heap else None
                self._wake.clear()
                await self._idle(delay)
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError):
                for op in list(self._ops.values()):
                    self._settle(op, error=exc)
            raise
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    async def _idle(self, delay: float | None) -> None:
        """Until `delay` has passed or something changed (a new operation, a poll answered)."""
        waker = asyncio.ensure_future(self._wake.wait())
        if delay is None:
            await waker
            return
        sleeper = asyncio.ensure_future(self._sleep(max(delay, 0.0)))
        try:
            await asyncio.wait((waker, sleeper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (waker, sleeper):
                pending.cancel()
        if sleeper.done() and not sleeper.cancelled():
            error = sleeper.exception()
            if error is not None:
                raise error  # a broken sleep: every wait fails, loudly

    def _enqueue(self, op: _Op, generation: int) -> None:
        """A due operation joins its endpoint's queue — unless it must wait for a probe.

        Before anything is learnt for an (origin, kind), only one first poll goes out (the probe);
        the operations due meanwhile are held, then rescheduled from what the probe's answer taught.
        """
        learnt = self._learnt[(op.req.origin, op.req.kind)]
        if learnt.duration is None and op.polls == 0 and not op.gated:
            if learnt.probe is not None:
                learnt.held.append((op, generation))
                return
            learnt.probe = op
        self._ready[op.req.origin].append((op, generation))

    def _end_probe(self, op: _Op) -> None:
        """The probe's poll is over (or it was dropped): release what waited for it."""
        learnt = self._learnt[(op.req.origin, op.req.kind)]
        if learnt.probe is not op:
            return
        learnt.probe = None
        held, learnt.held = learnt.held, []
        now = self._clock()
        for waiting, generation in held:
            if self._current(waiting.req.key, generation) is None:
                continue  # rescheduled meanwhile, or gone
            if learnt.duration is not None:
                self._schedule(waiting, self._first_due(waiting))
            else:
                waiting.gated = True  # the probe told nothing: poll them all as planned
                self._schedule(waiting, now)

    def _on_first_estimate(self, origin: str, kind: str) -> None:
        """Something is known at last: move every first poll not yet sent to the learnt time."""
        learnt = self._learnt[(origin, kind)]
        if learnt.probe is not None and learnt.probe.task is None:
            learnt.probe = None
        learnt.held.clear()
        for op in list(self._ops.values()):
            req = op.req
            if (req.origin, req.kind) == (origin, kind) and op.polls == 0 and op.task is None:
                self._schedule(op, self._first_due(op))

    def _launch_ready(self) -> None:
        for origin, queue in self._ready.items():
            while queue and self._in_flight[origin] < self._per_endpoint:
                op, generation = queue.popleft()
                if self._current(op.req.key, generation) is None or op.task is not None:
                    continue
                self._in_flight[origin] += 1
                self._counters.max_in_flight[origin] = max(
                    self._counters.max_in_flight[origin], self._in_flight[origin]
                )
                op.task = asyncio.get_running_loop().create_task(self._poll(op), name=f"poll {op.req.key}")
                op.task.add_done_callback(functools.partial(self._poll_done, op))

    async def _poll(self, op: _Op) -> None:
        self._counters.polls[op.req.origin] += 1
        op.polls += 1
        sent = self._clock()
        try:
            status = await op.req.poll()
        except RegionSyncError as exc:
            self._failed(op, exc)
        except Exception as exc:  # a bug or an unexplained failure: this wait fails, the others go on
            self._settle(op, error=exc)
        else:
            took = self._clock() - sent
            before = self._rtt.get(op.req.origin)
            self._rtt[op.req.origin] = took if before is None else before + RTT_WEIGHT * (took - before)
            self._answered(op, status)

    def _poll_done(self, op: _Op, task: asyncio.Task[None]) -> None:
        """A poll task ended (answered, failed or cancelled, even before it started)."""
        self._in_flight[op.req.origin] -= 1
        if op.task is task:
            op.task = None
        self._end_probe(op)
        self._wake.set()

    def _answered(self, op: _Op, status: OperationStatus) -> None:
        if self._ops.get(op.req.key) is not op:
            return  # cancelled while the answer was on its way
        now = self._clock()
        elapsed = now - op.req.started_at
        op.failures = 0
        if status.retry_after is not None:
            op.not_before = now + status.retry_after
        if op.req.on_status is not None:
            try:
                op.req.on_status(status)
            except Exception as exc:
                self._settle(op, error=exc)
                return
        if status.finished:
            self._learn(op, elapsed)
            self._counters.finished += 1
            self._settle(op, result=status)
            return
        op.last_running = elapsed
        if op.expected_end is not None and elapsed >= op.expected_end - 1e-6:
            op.misses += 1
        percent = status.percent
        if percent is not None and 0 < percent < 100:
            op.percent_total = elapsed * 100.0 / percent
            self._learn_provisionally(op, percent)
        self._schedule(op, self._next_due(op, now, percent))

    def _failed(self, op: _Op, exc: RegionSyncError) -> None:
        if self._ops.get(op.req.key) is not op:
            return
        self._counters.failures[op.req.origin] += 1
        op.failures += 1
        if not exc.retryable or op.failures >= self._max_failures:
            self._settle(op, error=exc)
        else:
            self._schedule(op, self._backoff(op, exc, self._clock()))

    def _settle(
        self, op: _Op, *, result: OperationStatus | None = None, error: BaseException | None = None
    ) -> None:
        if self._ops.get(op.req.key) is op:
            del self._ops[op.req.key]
        if op.future.done():
            return
        if error is not None:
            op.future.set_exception(error)
        else:
            assert result is not None
            op.future.set_result(result)

    def _forget(self, op: _Op) -> None:
        """Drop `op` from the schedule, cancelling its in-flight poll and its wait."""
        if self._ops.get(op.req.key) is op:
            del self._ops[op.req.key]
        if op.task is not None and op.task is not asyncio.current_task():
            op.task.cancel()
        else:
            self._end_probe(op)
        if not op.future.done():
            op.future.cancel()
        self._wake.set()


def _retry_after_of(exc: RegionSyncError) -> float | None:
    """The Retry-After an error carries (the HTTP layer puts it in `details["retry_after"]`)."""
    raw = exc.details.get("retry_after") if exc.details else None
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        return None
