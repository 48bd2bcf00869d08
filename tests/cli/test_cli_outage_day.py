"""Outage day with real processes over loopback: `regionsync` subprocesses against a `regionsync
emulator` subprocess whose regions really go dark (their listeners close).

* `status --json` with the primary down reads the primary's last-known listing (basis, seen_at,
  readiness from what the primary had), with exit code 2 — and says so plainly on a machine that
  never read it;
* the secondary taken down in the middle of a sync leaves the jobs *interrupted* (not failed);
  `jobs resume` after the region returns finishes them with exactly one copy each;
* an `--allow-degrade` copy killed with `kill -9` is finished by a plain `jobs resume`: the consent
  is journaled with the job.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable

import pytest
from cli_support import PRIMARY, SECONDARY, Cli, Emulator, make_cli, start_emulator, write_profile
from kill_support import JobRow, clear_faults, copy_operations, read_journal, set_latency, wait_while_running

pytestmark = pytest.mark.loopback


def _outage(emulator: Emulator, region: str, down: bool) -> None:
    emulator.admin_post("faults/outage", {"region": region, "down": down})


def test_status_with_the_primary_down_reads_its_last_known_listing(cli: Cli, emulator: Emulator) -> None:
    write_profile(cli, emulator, version="2024-11-30", profile="contoso")
    assert cli.run("sync", "--yes", "--only", "invoice").returncode == 0
    _outage(emulator, "eastus", True)
    result = cli.run("status", "--json")
    assert result.returncode == 2, result.stdout + result.stderr
    [service] = json.loads(result.stdout)["services"]
    ready = service["readiness"]
    assert ready["basis"] == "last-known" and ready["primary_seen_at"]
    assert (ready["servable"], ready["total"]) == (1, 2), "invoice copied; receipt still missing"
    assets = {a["name"]: a for a in service["assets"]}
    assert assets["invoice"]["status"] == "in sync" and assets["invoice"]["basis"] == "last-known"
    assert assets["invoice"]["seen_at"] and "unreachable now" in assets["invoice"]["reason"]
    assert assets["receipt"]["status"] == "missing"
    text = cli.run("status")
    assert text.returncode == 2 and "last seen" in text.stdout


def test_status_on_a_machine_that_never_read_the_primary_says_so(cli: Cli, emulator: Emulator) -> None:
    write_profile(cli, emulator, version="2024-11-30", profile="contoso")
    _outage(emulator, "eastus", True)
    result = cli.run("status", "--json")
    assert result.returncode == 2
    [service] = json.loads(result.stdout)["services"]
    ready = service["readiness"]
    assert ready["total"] is None and ready["servable"] is None
    assert "never been read from this machine" in ready["note"]


def _at(name: str) -> Callable[[list[JobRow]], bool]:
    return lambda jobs: bool(jobs) and all(job.at(name) for job in jobs)


@pytest.mark.parametrize(
    ("version", "step", "latency"),
    [("2024-11-30", "authorize", {SECONDARY: 800}), ("2.1", "verify", {PRIMARY: 300, SECONDARY: 800})],
    ids=["v4-during-authorize", "v2.1-during-verify"],
)
def test_secondary_down_mid_sync_interrupts_and_resume_copies_once(
    cli: Cli, emulator: Emulator, version: str, step: str, latency: dict[str, float]
) -> None:
    write_profile(cli, emulator, version=version, profile="contoso")
    set_latency(emulator, latency)
    proc = cli.spawn("sync", "--yes", "--json")
    try:
        wait_while_running(proc, lambda: _at(step)(read_journal(cli.journal)), what=f"the {step} step")
        _outage(emulator, "westus2", True)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    cli.outputs += [out, err]
    assert proc.returncode == 1, out + err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["interrupted"] >= 1 and summary["failed"] == 0, summary
    jobs = read_journal(cli.journal)
    assert {j.state for j in jobs} <= {"interrupted", "succeeded"} and "interrupted" in {
        j.state for j in jobs
    }
    listed = cli.run("jobs", "list", "--json")
    assert "interrupted" in {j["state"] for j in json.loads(listed.stdout)["jobs"]}

    clear_faults(emulator)
    _outage(emulator, "westus2", False)
    resumed = cli.run("jobs", "resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert {j.state for j in read_journal(cli.journal)} == {"succeeded"}
    copied = {"2024-11-30": ["invoice", "receipt"], "2.1": ["payslips-2020"]}[version]
    assert emulator.asset_names(SECONDARY) == sorted(["old-forms", *copied]), "one copy of each, no more"
    for job in read_journal(cli.journal):
        assert [op["status"] for op in copy_operations(emulator, PRIMARY, job.source_id)] == ["succeeded"]


@pytest.fixture
def encrypted_emulator(tmp_path: object) -> Emulator:
    emu = start_emulator(
        tmp_path,  # type: ignore[arg-type]
        copy_seconds=40.0,
        edit={'region = "eastus"\n': 'region = "eastus"\nencrypted = true\n'},
    )
    yield emu  # type: ignore[misc]
    emu.stop()


def test_an_allow_degrade_copy_killed_with_kill_9_is_finished_by_a_plain_resume(
    tmp_path: object, encrypted_emulator: Emulator
) -> None:
    emulator = encrypted_emulator
    cli = make_cli(tmp_path, emulator)  # type: ignore[arg-type]
    write_profile(cli, emulator, version="2024-11-30", profile="contoso")
    text = cli.config.read_text()
    primary_line = next(line for line in text.splitlines() if line.startswith("primary = "))
    secondary_line = next(line for line in text.splitlines() if line.startswith("secondary = "))
    text = text.replace(primary_line, primary_line[:-2] + ", encrypted = true }")
    text = text.replace(secondary_line, secondary_line[:-2] + ", encrypted = false }")
    cli.config.write_text(text)

    refused = cli.run("sync", "--yes", "--only", "invoice")
    assert refused.returncode == 1 and "--allow-degrade" in refused.stdout + refused.stderr

    emulator.admin_post("clock", {"speed": 0})  # the copy runs until the test moves the clock on
    proc = cli.spawn("sync", "--yes", "--only", "invoice", "--allow-degrade", "--json")
    try:
        wait_while_running(
            proc, lambda: any(j.operation_recorded for j in read_journal(cli.journal)), what="the copy"
        )
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    cli.outputs += [out, err]
    assert proc.returncode == -signal.SIGKILL
    emulator.admin_post("clock/advance", {"seconds": 60})
    emulator.admin_post("clock", {"speed": 20})

    resumed = cli.run("jobs", "resume")  # no --allow-degrade: the journal has the consent
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [job] = read_journal(cli.journal)
    assert job.state == "succeeded"
    assert "invoice" in emulator.asset_names(SECONDARY)
    assert [op["status"] for op in copy_operations(emulator, PRIMARY, "invoice")] == ["succeeded"]
    shown = json.loads(cli.run("jobs", "show", job.id, "--json").stdout)
    assert shown["options"]["allow_degrade"] is True
