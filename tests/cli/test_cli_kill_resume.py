"""`kill -9` of `regionsync sync` at each step of a copy, then `regionsync jobs resume` (issue #5).

For a v4 profile (ids kept: invoice and receipt copied at once) and a v2.1 profile (the target
names a new GUID per copy, so a duplicate would show as a second `payslips-2020`), the CLI is
killed with SIGKILL

* while the target answers the authorize request,
* after the source accepted the copy request, before its answer reached the CLI: the CLI is
  frozen with SIGSTOP while a latency fault holds its request, the service accepts the copy and
  answers into a socket nobody reads, then SIGKILL. (A plain kill while the request is held loses
  the request instead: the emulator reads the body after the latency, and uvicorn answers a
  disconnected client's body read with `http.disconnect`.)
* while the copy operation runs and is polled (the emulator's clock stands still meanwhile: the copy
  runs for as long as the test needs, then the test moves the clock on),
* during verify (v2.1 reads the target), or — where verify needs no request (v4: the finished
  operation names the copied model) — right after the service finished the copy.

Emulator latency faults scoped to one resource widen the wanted window; the journal (read-only,
while the CLI writes it) says when the CLI is in it. Then `jobs resume` must finish every job,
leave exactly one copy of each asset on the secondary, never start a second copy the service had
already accepted, ask for a fresh authorization where the first one was lost, and print no key
(the `cli` fixture checks every output and the journal's bytes).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from cli_support import PRIMARY, SECONDARY, Cli, Emulator, write_profile
from kill_support import (
    JobRow,
    clear_faults,
    copy_operations,
    read_journal,
    set_latency,
    wait_while_running,
)

pytestmark = pytest.mark.loopback

COPIED = {"2024-11-30": ("invoice", "receipt"), "2.1": ("payslips-2020",)}
"""What a sync copies on each profile (the scenario's primary lacks nothing else)."""

SEND_MARGIN = 0.3
"""Seconds the CLI gets to send a request it has just journaled (well inside the latency fault)."""

VERIFY_READS_TARGET = {"2.1"}
"""v2.1's copy result does not vouch for the target model, so verify reads it on the target; on
v3+ the finished operation's result is the service's word and verify sends no request."""


@dataclass(frozen=True)
class Moment:
    """What the test sees while the CLI runs: the journal and the emulator."""

    jobs: list[JobRow]
    emulator: Emulator
    version: str

    def copies_finished(self) -> bool:
        """The service finished every job's copy (the CLI may not know yet)."""
        for job in self.jobs:
            ops = copy_operations(self.emulator, PRIMARY, job.source_id)
            if not ops or any(op["status"] != "succeeded" for op in ops):
                return False
        return True


def _copies_started(emulator: Emulator, jobs: list[JobRow]) -> bool:
    return bool(jobs) and all(copy_operations(emulator, PRIMARY, job.source_id) for job in jobs)


def _authorizing(now: Moment) -> bool:
    return all(job.at("authorize") for job in now.jobs)


def _copy_sent(now: Moment) -> bool:
    return all(job.at("copy") and not job.operation_recorded for job in now.jobs)


def _polling(now: Moment) -> bool:
    return all(job.operation_recorded and not job.finished for job in now.jobs)


def _verifying(now: Moment) -> bool:
    if now.version in VERIFY_READS_TARGET:
        return all(job.at("verify") for job in now.jobs)
    return _polling(now) and now.copies_finished()


@dataclass(frozen=True)
class KillPoint:
    """Where in a copy the CLI dies, and the faults that hold it there long enough."""

    name: str
    reached: Callable[[Moment], bool]
    copy_accepted: bool
    """The service had accepted the copy request when the CLI died (so resume must not copy again)."""
    answer_lost: bool = False
    """Freeze the CLI in its request, let the service accept the copy, then kill it."""
    copy_seconds: float = 2.0
    """Emulated seconds per copy (20× speed: 2 s is 0.1 s, done by the first poll)."""
    frozen: bool = False
    """The emulator's clock stands still while the CLI runs (its copies are polled, never finished), and
    moves on past the copies once the CLI is killed: the kill point lasts however slow the machine is."""
    latency: dict[str, float] = field(default_factory=dict)
    """Latency (ms) added to every request to these resources (listing included)."""


POINTS = (
    KillPoint("authorize", _authorizing, copy_accepted=False, latency={SECONDARY: 600}),
    KillPoint("copy-answer-lost", _copy_sent, copy_accepted=True, answer_lost=True, latency={PRIMARY: 1000}),
    KillPoint("polling", _polling, copy_accepted=True, copy_seconds=40.0, frozen=True),
    KillPoint("verify", _verifying, copy_accepted=True, latency={PRIMARY: 800, SECONDARY: 400}),
)


@pytest.mark.parametrize("version", sorted(COPIED))
@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
def test_kill_9_at_each_step_then_resume_loses_nothing_and_copies_once(
    point: KillPoint, version: str, cli: Cli, emulator: Emulator
) -> None:
    write_profile(cli, emulator, version=version, profile="contoso")
    names = COPIED[version]
    emulator.admin_post("clock", {"copy_seconds": point.copy_seconds})
    running_speed = httpx.get(f"{emulator.admin}/_emulator/clock", timeout=10).json()["speed"]
    if point.frozen:
        emulator.admin_post("clock", {"speed": 0})
    set_latency(emulator, point.latency)

    def moment() -> Moment:
        jobs = read_journal(cli.journal)
        return Moment(jobs if len(jobs) == len(names) else [], emulator, version)

    def reached(predicate: Callable[[Moment], bool]) -> Callable[[], bool]:
        return lambda: bool((now := moment()).jobs) and predicate(now)

    proc = cli.spawn("sync", "--yes", "--json")
    try:
        wait_while_running(proc, reached(point.reached))
        if point.answer_lost:
            # The step is journaled just before its request goes out: give the CLI a moment to send
            # it (the latency fault holds it on the service far longer), freeze the CLI, and let the
            # service accept the copy and answer into a socket nobody reads any more.
            time.sleep(SEND_MARGIN)
            proc.send_signal(signal.SIGSTOP)
            wait_while_running(
                emulator.proc,
                lambda: _copies_started(emulator, read_journal(cli.journal)),
                what="the service accepting the copy the frozen CLI sent",
                timeout=10,
            )
        killed_at = datetime.now(UTC)
        proc.kill()
    finally:
        if proc.poll() is None:
            proc.kill()  # a failure above: do not leave the CLI behind (frozen, maybe)
        out, err = proc.communicate(timeout=30)
        cli.outputs += [out, err]
    assert proc.returncode == -signal.SIGKILL, out + err

    # Killed mid-copy: every job is in the journal, none finished, none lost.
    interrupted = read_journal(cli.journal)
    assert sorted(j.asset_name for j in interrupted) == sorted(names)
    assert not any(j.finished for j in interrupted), [(j.asset_name, j.state) for j in interrupted]
    listed = json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"]
    assert {j["id"]: j["state"] for j in listed} == {j.id: "running" for j in interrupted}

    assert _copies_started(emulator, interrupted) is point.copy_accepted
    clear_faults(emulator)
    if point.frozen:
        emulator.admin_post("clock/advance", {"seconds": point.copy_seconds})  # the copies finish
        emulator.admin_post("clock", {"speed": running_speed})

    resumed = cli.run("jobs", "resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{len(names)} copied, 0 failed, 0 refused." in resumed.stdout

    listed = json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"]
    assert {j["id"]: j["state"] for j in listed} == {j.id: "succeeded" for j in interrupted}
    assert emulator.asset_names(SECONDARY) == sorted(["old-forms", *names])  # one copy of each, no more
    for job in interrupted:
        ops = copy_operations(emulator, PRIMARY, job.source_id)
        assert [op["status"] for op in ops] == ["succeeded"], f"{job.asset_name}: {ops}"

    final = {j.id: j for j in read_journal(cli.journal)}
    for job in interrupted:
        fresh = [s for s in final[job.id].started_after("authorize", killed_at) if s.state == "succeeded"]
        if point.copy_accepted:
            assert fresh == [], f"{job.asset_name} was authorized again after its copy was accepted"
        else:
            assert fresh, f"{job.asset_name} reused (or never got) an authorization after the kill"
        shown = cli.run("jobs", "show", job.id)
        assert shown.returncode == 0, shown.stderr
        assert job.id in shown.stdout and "succeeded" in shown.stdout and job.asset_name in shown.stdout
