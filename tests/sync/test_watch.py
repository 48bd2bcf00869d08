"""The `regionsync watch` loop in-process: the real engine on the in-process emulator, in virtual time.

`Watcher.check_once` is driven check by check (the interval never elapses on the machine's clock);
`run` is driven with an injected sleep that stops the loop after a given number of checks. The
watcher row, `watched_by` (the dashboard's line), `/metrics` (parsed with prometheus_client's own
parser) and `/healthz` are read as an operator's tools would.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from engine_support import PRIMARY, SECONDARY, Harness, asset_names, di_profile, frozen_world
from regionsync.domain import JobState
from regionsync.sync.journal import Journal
from regionsync.sync.leases import Owner
from regionsync.sync.watch import Watcher, WatchEvent, already_watched, watched_by, watcher_free
from regionsync.sync.watch_metrics import WatchMetrics, metrics_app

A = Owner(host="ops-1", pid=4242, started="j100")
B = Owner(host="ops-2", pid=77, started="j200")
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
DI = "document-intelligence"


def harness(tmp_path: Path) -> Harness:
    world = frozen_world()
    return Harness(world, di_profile(world, "2024-11-30"), tmp_path / "journal.sqlite3")


def samples(metrics: WatchMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition, parsed by prometheus_client's parser: (name, labels) → value."""
    text = metrics.exposition().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics: WatchMetrics, name: str, **labels: str) -> float:
    labels = {"profile": "test", "service": DI, **labels}
    if name.startswith(("regionsync_checks", "regionsync_last_check", "regionsync_next_check")):
        labels.pop("service")
    return samples(metrics)[(name, frozenset(labels.items()))]


async def settle(watcher: Watcher) -> None:
    """Let the jobs the last check started finish (virtual time: no real waiting)."""
    while watcher.tasks:
        await asyncio.gather(*watcher.tasks.values(), return_exceptions=True)


def make_watcher(session: object, events: list[WatchEvent], **kw: object) -> Watcher:
    kw.setdefault("metrics", WatchMetrics())
    return Watcher(session, interval=60, log=events.append, **kw)  # type: ignore[arg-type]


async def test_a_check_copies_what_is_missing_and_the_metrics_say_ready(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.add_model(PRIMARY, "receipt")
    h.world.add_model(SECONDARY, "old-forms")
    events: list[WatchEvent] = []
    async with h.session() as session:
        watcher = make_watcher(session, events)
        await watcher.check_once()
        m = watcher.metrics
        assert m is not None
        assert value(m, "regionsync_failover_servable_assets") == 0
        assert value(m, "regionsync_assets", status="missing") == 2
        await settle(watcher)
        await watcher.check_once()
    assert asset_names(h.world, SECONDARY) == ["invoice", "old-forms", "receipt"], "extra never deleted"
    assert value(m, "regionsync_failover_servable_assets") == 2
    assert value(m, "regionsync_failover_assets") == 2
    assert value(m, "regionsync_failover_readiness_ratio") == 1.0
    assert value(m, "regionsync_oldest_gap_seconds") == 0.0
    assert value(m, "regionsync_copies_completed_total") == 2
    assert value(m, "regionsync_copies_failed_total") == 0
    assert value(m, "regionsync_jobs", state="succeeded") == 2
    assert value(m, "regionsync_side_up", side="primary") == 1
    assert value(m, "regionsync_readiness_basis", basis="live") == 1
    assert value(m, "regionsync_checks_total") == 2
    kinds = [e.kind for e in events]
    assert kinds.count("check") == 2 and "plan" in kinds and "job" in kinds
    plan = next(e for e in events if e.kind == "plan")
    assert {c["name"] for c in plan.data["copies"]} == {"invoice", "receipt"}
    done = [e for e in events if e.kind == "job" and e.data.get("state") == "succeeded"]
    assert sorted(e.data["asset"] for e in done) == ["invoice", "receipt"]


async def test_drift_is_reported_and_replaced_only_when_asked(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    events: list[WatchEvent] = []
    async with h.session() as session:
        watcher = make_watcher(session, events)
        await watcher.check_once()
        await settle(watcher)
        h.vtime.world.clock.advance(120)
        h.world.touch(PRIMARY, "model", "invoice")
        for _ in range(2):
            await watcher.check_once()
            await settle(watcher)
        m = watcher.metrics
        assert m is not None
        assert value(m, "regionsync_assets", status="drifted") == 1
        assert value(m, "regionsync_failover_servable_assets") == 0
        assert value(m, "regionsync_oldest_gap_seconds") >= 0
        assert value(m, "regionsync_copies_completed_total") == 1, "not replaced without --replace-drifted"
        plans = [e for e in events if e.kind == "plan"]
        assert "drifted" in plans[-1].data["refusals"][0]["why"]
        assert len(plans) == 2, "the same refusal is said once, not at every check"

        replacing = make_watcher(session, events, replace_drifted=True)
        await replacing.check_once()
        await settle(replacing)
        await replacing.check_once()
    m2 = replacing.metrics
    assert m2 is not None
    assert value(m2, "regionsync_assets", status="drifted") == 0
    assert value(m2, "regionsync_assets", status="in sync") == 1
    assert value(m2, "regionsync_copies_completed_total") == 1


async def test_an_outage_is_reported_with_the_last_known_readiness_and_the_watcher_carries_on(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.add_model(PRIMARY, "receipt")
    events: list[WatchEvent] = []
    async with h.session() as session:
        watcher = make_watcher(session, events)
        await watcher.check_once()
        await settle(watcher)
        h.world.add_model(PRIMARY, "w2")
        h.world.faults.set_outage("eastus", True)
        await watcher.check_once()
        m = watcher.metrics
        assert m is not None
        assert value(m, "regionsync_side_up", side="primary") == 0
        assert value(m, "regionsync_side_up", side="secondary") == 1
        assert value(m, "regionsync_readiness_basis", basis="last-known") == 1
        assert (value(m, "regionsync_failover_servable_assets"), value(m, "regionsync_failover_assets")) == (
            2,
            2,
        )
        outage = [e for e in events if e.kind == "outage"]
        assert len(outage) == 1 and outage[0].data["side"] == "primary"
        check = [e for e in events if e.kind == "check"][-1]
        assert check.data["basis"] == "last-known" and check.data["primary_seen_at"]
        assert not watcher.tasks, "nothing is planned while a side is dark"
        await watcher.check_once()
        assert len([e for e in events if e.kind == "outage"]) == 1, "an outage is said once"

        h.world.faults.set_outage("eastus", False)
        await watcher.check_once()
        await settle(watcher)
        await watcher.check_once()
    assert any(e.kind == "recovered" and e.data["side"] == "primary" for e in events)
    assert value(m, "regionsync_side_up", side="primary") == 1
    assert value(m, "regionsync_readiness_basis", basis="live") == 1
    assert value(m, "regionsync_failover_servable_assets") == 3
    assert "w2" in asset_names(h.world, SECONDARY)


async def test_jobs_interrupted_by_a_dark_target_are_resumed_when_it_is_back(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    events: list[WatchEvent] = []
    async with h.session() as session:
        watcher = make_watcher(session, events)
        await watcher.check_once()
        h.world.faults.set_outage("westus2", True)  # before the job's first step reaches the target
        await settle(watcher)
        [job] = session.journal.list_jobs()
        assert job.state is JobState.INTERRUPTED
        await watcher.check_once()
        assert not watcher.tasks, "not resumed towards a dark side"
        h.world.faults.set_outage("westus2", False)
        await watcher.check_once()
        await settle(watcher)
        [again] = session.journal.list_jobs()
    assert again.id == job.id and again.state is JobState.SUCCEEDED, "the same job, resumed"
    assert any(e.kind == "job" and e.data.get("step") == "resume" for e in events)
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_one_watcher_per_profile_and_the_dashboard_line(tmp_path: Path) -> None:
    clock = [T0]
    journal = Journal(tmp_path / "journal.sqlite3", now=lambda: clock[0])
    h = harness(tmp_path)
    async with h.session(owner=A) as first_session, h.session(owner=B) as second_session:
        first_session.journal = journal
        second_session.journal = journal
        first = Watcher(first_session, interval=300, owner=A)
        second = Watcher(second_session, interval=300, owner=B)
        assert first.claim() is None
        holder = second.claim()
        assert holder is not None and holder.owner == A
        error = already_watched(holder, now=T0)
        assert "pid 4242 on host ops-1" in error.one_line()
        first.next_check = T0 + timedelta(minutes=10)
        assert first.beat()
        state = watched_by(journal, "test", now=T0)
        assert state is not None and state.words(now=T0) == "watched by pid 4242 on ops-1, next check 06:10"
        clock[0] = T0 + timedelta(seconds=599)
        assert second.claim() is not None, "younger than two intervals: still held"
        clock[0] = T0 + timedelta(seconds=601)
        row = journal.watcher("test")
        assert row is not None and watcher_free(row, clock[0])
        assert watched_by(journal, "test") is None, "an expired watcher is nobody"
        assert second.claim() is None, "taken over after two intervals without a heartbeat"
        assert not first.beat(), "the first one learns it lost the row"
        second.release()
        assert journal.watcher("test") is None


async def test_run_checks_every_interval_and_stops_cleanly(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    events: list[WatchEvent] = []
    stop = asyncio.Event()
    slept: list[float] = []

    async with h.session() as session:
        watcher: Watcher

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            if seconds >= 30 and watcher.checks >= 3:  # the wait after the third check
                stop.set()
            await h.vtime.sleep(seconds)

        watcher = Watcher(
            session,
            interval=30,
            log=events.append,
            metrics=WatchMetrics(),
            sleep=sleep,
            monotonic=h.vtime.clock,
        )
        assert watcher.claim() is None
        await asyncio.wait_for(watcher.run(stop), timeout=30)
        assert session.journal.watcher("test") is None, "the watcher row is released"
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "stop"
    assert kinds.count("check") >= 3
    check_waits = [s for s in slept if s >= 30]
    assert check_waits and all(30 <= s <= 33 for s in check_waits), "the interval plus at most 10% jitter"
    assert asset_names(h.world, SECONDARY) == ["invoice"]


async def test_a_stop_leaves_running_jobs_interrupted_and_released(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    h.world.add_model(PRIMARY, "receipt")
    events: list[WatchEvent] = []
    async with h.session(concurrency=1) as session:
        watcher = make_watcher(session, events)
        watcher.alive = True
        assert watcher.claim() is None
        await watcher.check_once()
        assert len(watcher.tasks) == 2
        await asyncio.sleep(0)  # the first job starts; the second waits for the gate
        state = watched_by(session.journal, "test")
        assert state is not None and state.owner == watcher.owner
        assert sorted(job.asset_name for job in state.jobs) == ["invoice", "receipt"]
        assert "copying invoice, receipt" in state.words()
        await watcher.shutdown()
        jobs = session.journal.list_jobs()
        assert {j.state for j in jobs} == {JobState.INTERRUPTED}
        assert all(session.journal.raw_job(j.id)["owner"] is None for j in jobs), "leases released"
        assert session.journal.watcher("test") is None
    async with h.session() as again:
        done = await again.resume()
    assert {j.state for j in done} == {JobState.SUCCEEDED}
    assert asset_names(h.world, SECONDARY) == ["invoice", "receipt"]


async def test_healthz_and_metrics_over_http(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.world.add_model(PRIMARY, "invoice")
    now = [100.0]
    async with h.session() as session:
        watcher = Watcher(session, interval=10, metrics=WatchMetrics(), monotonic=lambda: now[0])
        assert watcher.metrics is not None
        app = metrics_app(watcher.metrics, watcher.health)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as client:
            assert (await client.get("/healthz")).status_code == 503, "the loop is not running"
            watcher.alive = True
            await watcher.check_once()
            await settle(watcher)
            ok = await client.get("/healthz")
            assert ok.status_code == 200 and ok.json()["status"] == "ok"
            now[0] += 19.9
            assert (await client.get("/healthz")).status_code == 200
            now[0] += 0.2
            stale = await client.get("/healthz")
            assert stale.status_code == 503 and stale.json()["status"] == "stale"
            body = await client.get("/metrics")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body.text)}
    assert families["regionsync_copies_completed"].type == "counter"
    assert families["regionsync_oldest_gap_seconds"].type == "gauge"
    assert families["regionsync_side_latency_seconds"].samples
    assert "key" not in body.text.lower()


def test_an_older_journal_gains_the_watchers_table(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    with sqlite3.connect(path) as db:  # as a regionsync before issue 16 left it: schema 2
        db.execute("DROP TABLE watchers")
        db.execute("PRAGMA user_version = 2")
    with Journal(path) as journal:
        assert journal.watcher("contoso") is None
        assert (
            journal.claim_watcher("contoso", owner=A.key(), interval=300, may_take=lambda row: False) is None
        )
        row = journal.watcher("contoso")
        assert row is not None and Owner.from_key(row.owner) == A and row.interval == 300
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
