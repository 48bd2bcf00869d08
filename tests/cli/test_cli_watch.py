"""`regionsync watch` as an operator runs it: a real process over loopback against a `regionsync
emulator` process, `--interval 1s`, `/metrics` read with prometheus_client's own parser (issue 16).

* missing assets are copied without anyone asking; a primary change (`touch`) shows as drifted in
  the metrics and is replaced only by a watcher started with --replace-drifted; a second watch of
  the profile exits 2 naming the first;
* SIGTERM stops it with exit 0 within 5 s, its running jobs interrupted and released; the next
  watch resumes them; the primary taken down → side up 0 and the readiness from its last-known
  listing, no job failed; back up → every copy finishes, one copy operation each;
* a `sync --yes` started beside it never makes a second copy.

The emulator's clock (speed 0, `clock/advance`) holds copies in flight while the test looks.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import PRIMARY, SECONDARY, Cli, Emulator, wait_for
from kill_support import copy_operations, read_journal, set_latency
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from regionsync.cli import app

pytestmark = pytest.mark.loopback

DI = "document-intelligence"
TIMEOUT = 60.0


@dataclass
class Watch:
    """A running `regionsync watch --json` process; its log lines go to a file (never a full pipe)."""

    proc: subprocess.Popen[str]
    log: Path
    cli: Cli

    def events(self) -> list[dict[str, Any]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [json.loads(line) for line in lines if line.startswith("{")]

    def port(self) -> int:
        def found() -> int | None:
            assert self.proc.poll() is None, self.log.read_text()
            return next((e["port"] for e in self.events() if e["event"] == "metrics"), None)

        return int(wait_for(found, timeout=TIMEOUT))

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port()}{path}", timeout=10)

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        text = self.get("/metrics").text
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def value(self, name: str, **labels: str) -> float | None:
        wanted = {"profile": "contoso", "service": DI, **labels}
        if name.startswith("regionsync_checks"):
            wanted.pop("service")
        return self.metrics().get((name, frozenset(wanted.items())))

    def wait_metric(self, name: str, expected: float, **labels: str) -> None:
        def reached() -> bool:
            assert self.proc.poll() is None, self.log.read_text()
            return self.value(name, **labels) == expected

        wait_for(reached, timeout=TIMEOUT, interval=0.2)

    def checks(self) -> float:
        return self.value("regionsync_checks_total") or 0.0

    def stop(self) -> int:
        """SIGTERM; the exit code (it must come within 5 s)."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=5)
        self.cli.outputs.append(self.log.read_text())
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.log.exists():
            self.cli.outputs.append(self.log.read_text())


@pytest.fixture
def watches(cli: Cli) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.kill()


def spawn_watch(cli: Cli, watches: list[Watch], *extra: str, json_lines: bool = True) -> Watch:
    log = cli.home / f"watch-{len(watches)}.log"
    flags = ["--json"] if json_lines else []
    with log.open("w") as out:
        proc = subprocess.Popen(
            cli.command("watch", "--interval", "1s", "--metrics", "127.0.0.1:0", *flags, *extra),
            env=cli.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    watch = Watch(proc, log, cli)
    watches.append(watch)
    return watch


def one_copy_each(emulator: Emulator, names: list[str]) -> None:
    for name in names:
        assert [op["status"] for op in copy_operations(emulator, PRIMARY, name)] == ["succeeded"], name


def test_watch_copies_what_is_missing_reports_drift_and_replaces_it_only_when_told(
    cli: Cli, emulator: Emulator, watches: list[Watch]
) -> None:
    watch = spawn_watch(cli, watches)
    watch.wait_metric("regionsync_failover_servable_assets", 2)
    assert watch.value("regionsync_failover_assets") == 2
    assert watch.value("regionsync_failover_readiness_ratio") == 1.0
    assert watch.value("regionsync_copies_completed_total") == 2
    assert watch.value("regionsync_side_up", side="primary") == 1
    assert watch.value("regionsync_readiness_basis", basis="live") == 1
    assert watch.value("regionsync_jobs", state="succeeded") == 2
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"], "nothing deleted"
    health = watch.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"

    second = cli.run("watch", "--interval", "1s")
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"already watched by pid {watch.proc.pid} on host" in second.stderr

    emulator.admin_post("clock/advance", {"seconds": 120})
    emulator.admin_post("touch", {"resource": PRIMARY, "kind": "model", "id": "invoice"})
    watch.wait_metric("regionsync_assets", 1, status="drifted")
    assert watch.value("regionsync_failover_servable_assets") == 1
    gap = watch.value("regionsync_oldest_gap_seconds")
    assert gap is not None and gap >= 0
    seen = watch.checks()
    wait_for(lambda: watch.checks() >= seen + 2, timeout=TIMEOUT, interval=0.2)
    assert watch.value("regionsync_assets", status="drifted") == 1, "not replaced without --replace-drifted"
    one_copy_each(emulator, ["invoice", "receipt"])
    plans = [e for e in watch.events() if e["event"] == "plan"]
    assert any("drifted" in r["why"] for r in plans[-1]["refusals"])
    assert watch.stop() == 0

    replacing = spawn_watch(cli, watches, "--replace-drifted")
    replacing.wait_metric("regionsync_assets", 0, status="drifted")
    replacing.wait_metric("regionsync_failover_servable_assets", 2)
    assert [op["status"] for op in copy_operations(emulator, PRIMARY, "invoice")] == ["succeeded"] * 2
    assert replacing.stop() == 0
    kinds = {e["event"] for e in replacing.events()}
    assert {"start", "check", "plan", "job", "stop"} <= kinds


def test_sigterm_outage_and_recovery_lose_no_job(cli: Cli, emulator: Emulator, watches: list[Watch]) -> None:
    cli.env["REGIONSYNC_RETRIES"] = "2"  # a dark region interrupts a job after two failed polls
    emulator.admin_post("clock", {"speed": 0, "copy_seconds": 40})  # copies run until moved on
    first = spawn_watch(cli, watches)
    wait_for(
        lambda: len(jobs := read_journal(cli.journal)) == 2 and all(j.operation_recorded for j in jobs),
        timeout=TIMEOUT,
    )
    assert first.stop() == 0
    jobs = read_journal(cli.journal)
    assert {j.state for j in jobs} == {"interrupted"}, "stopped, not failed: resumable"
    assert owners(cli) == {None}, "their leases released"
    assert first.events()[-1]["event"] == "stop"

    second = spawn_watch(cli, watches)
    wait_for(lambda: owners(cli) == {second.proc.pid}, timeout=TIMEOUT, interval=0.1)
    second.wait_metric("regionsync_side_up", 1, side="primary")
    emulator.admin_post("faults/outage", {"region": "eastus", "down": True})
    second.wait_metric("regionsync_side_up", 0, side="primary")
    second.wait_metric("regionsync_readiness_basis", 1, basis="last-known")
    assert second.value("regionsync_side_up", side="secondary") == 1
    assert second.value("regionsync_failover_assets") == 2, "the primary's last-known listing"
    assert second.get("/healthz").status_code == 200, "an outage is not an unhealthy watcher"
    seen = second.checks()
    wait_for(lambda: second.checks() >= seen + 2, timeout=TIMEOUT, interval=0.2)
    assert "failed" not in {j.state for j in read_journal(cli.journal)}
    outage = [e for e in second.events() if e["event"] == "outage"]
    assert outage and outage[0]["side"] == "primary"
    check = [e for e in second.events() if e["event"] == "check"][-1]
    assert check["basis"] == "last-known" and check["primary_seen_at"] and check["up"]["primary"] is False

    emulator.admin_post("faults/outage", {"region": "eastus", "down": False})
    emulator.admin_post("clock/advance", {"seconds": 60})
    emulator.admin_post("clock", {"speed": 20})
    second.wait_metric("regionsync_readiness_basis", 1, basis="live")
    second.wait_metric("regionsync_failover_servable_assets", 2)
    assert {j.state for j in read_journal(cli.journal)} == {"succeeded"}
    assert len(read_journal(cli.journal)) == 2, "the same two jobs, no new ones"
    one_copy_each(emulator, ["invoice", "receipt"])
    assert any(e["event"] == "recovered" for e in second.events())
    assert second.stop() == 0


def test_a_sync_beside_the_watch_never_duplicates_a_copy(
    cli: Cli, emulator: Emulator, watches: list[Watch]
) -> None:
    set_latency(emulator, {PRIMARY: 500, SECONDARY: 500})  # both plan before either journals a job
    watch = spawn_watch(cli, watches)
    sync = cli.spawn("sync", "--yes", "--json")
    out, err = sync.communicate(timeout=TIMEOUT * 2)
    cli.outputs += [out, err]
    assert sync.returncode in (0, 1), out + err
    if sync.returncode == 1:
        assert "is being copied by pid" in err + out, out + err
    watch.wait_metric("regionsync_failover_servable_assets", 2)
    one_copy_each(emulator, ["invoice", "receipt"])
    assert len(read_journal(cli.journal)) == 2, "one job per asset"
    assert watch.stop() == 0


def owners(cli: Cli) -> set[int | None]:
    """The pids the open jobs are leased to (None: released), read without writing."""
    import sqlite3

    with sqlite3.connect(f"file:{cli.journal}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT owner FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'canceled')"
        ).fetchall()
    return {json.loads(row[0])["pid"] if row[0] else None for row in rows}


def test_human_log_lines_and_help(cli: Cli, emulator: Emulator, watches: list[Watch]) -> None:
    watch = spawn_watch(cli, watches, json_lines=False)

    def lines() -> list[str]:
        return watch.log.read_text().splitlines()

    wait_for(lambda: sum(" check " in line for line in lines()) >= 2, timeout=TIMEOUT, interval=0.2)
    assert watch.stop() == 0
    text = lines()
    assert not any(line.startswith("{") for line in text), "short human lines without --json"
    assert any(" start " in line and "watching contoso every 1s" in line for line in text)
    assert any("metrics on http://127.0.0.1:" in line for line in text)
    assert any(" job " in line and "invoice" in line for line in text)
    assert "stopped watching contoso" in text[-1]

    helped = CliRunner().invoke(app, ["watch", "--help"], env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert helped.exit_code == 0 and "<bool>" not in helped.output
    assert "regionsync watch --interval 5m --metrics 127.0.0.1:9108" in helped.output
    bad = cli.run("watch", "--interval", "soon")
    assert bad.returncode == 2 and "--interval" in bad.stderr
