"""Two regionsync processes on one journal, over real loopback sockets (issue 11).

A cron `sync --yes` beside another, and two `jobs resume` after a `kill -9`: every asset is copied
exactly once — on v2.1 a duplicate would be a second model with a new GUID — and the process that
meets a job another live process holds says who holds it (exit 1) and leaves it alone. `jobs cancel`
of a job a live process runs makes that process stop it.
"""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
from cli_support import PRIMARY, SECONDARY, Cli, Emulator, write_profile
from kill_support import copy_operations, owner_pid, read_journal, set_latency, wait_while_running

pytestmark = pytest.mark.loopback

V21 = "2.1"
NAME = "payslips-2020"


def _finish(proc: subprocess.Popen[str], cli: Cli, timeout: float = 90) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    cli.outputs += [out, err]
    return out, err


def _one_copy_each(emulator: Emulator) -> None:
    names = emulator.asset_names(SECONDARY)
    assert names.count(NAME) == 1, names
    for source in read_journal_sources(emulator):
        assert [op["status"] for op in copy_operations(emulator, PRIMARY, source)] == ["succeeded"]


def read_journal_sources(emulator: Emulator) -> list[str]:
    for res in emulator.world()["resources"]:
        if res["name"] == PRIMARY:
            return sorted({op["source_id"] for op in res["operations"]})
    raise AssertionError(PRIMARY)


def test_two_syncs_at_once_copy_each_asset_once(cli: Cli, emulator: Emulator) -> None:
    write_profile(cli, emulator, version=V21, profile="contoso")
    set_latency(emulator, {PRIMARY: 700, SECONDARY: 700})  # both plan before either journals a job
    first = cli.spawn("sync", "--yes", "--json")
    second = cli.spawn("sync", "--yes", "--json")
    (out1, err1), (out2, err2) = _finish(first, cli), _finish(second, cli)
    codes = sorted((first.returncode, second.returncode))
    assert codes[0] == 0, out1 + err1 + out2 + err2
    loser = err1 + out1 if first.returncode else err2 + out2
    if codes[1]:
        assert f"{NAME} is being copied by pid" in loser and "regionsync jobs show" in loser, loser
    _one_copy_each(emulator)
    assert len(read_journal(cli.journal)) == 1, "one job for the one asset"


def test_kill_9_then_two_resumes_at_once_copy_once_and_the_second_says_who_owns_it(
    cli: Cli, emulator: Emulator
) -> None:
    write_profile(cli, emulator, version=V21, profile="contoso")
    emulator.admin_post("clock", {"speed": 0, "copy_seconds": 40})  # the copy runs until moved on
    proc = cli.spawn("sync", "--yes", "--json")
    wait_while_running(
        proc, lambda: any(j.operation_recorded for j in read_journal(cli.journal)), what="the copy"
    )
    proc.send_signal(signal.SIGKILL)
    _finish(proc, cli)

    first = cli.spawn("jobs", "resume")
    wait_while_running(
        first, lambda: owner_pid(cli.journal) == first.pid, what="the first resume claiming the job"
    )
    second = cli.run("jobs", "resume")
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"{NAME} is being copied by pid {first.pid} on host" in second.stderr
    assert [j.state for j in read_journal(cli.journal)] == ["running"], "the second left it alone"

    emulator.admin_post("clock/advance", {"seconds": 60})
    emulator.admin_post("clock", {"speed": 20})
    out, err = _finish(first, cli)
    assert first.returncode == 0, out + err
    assert [j.state for j in read_journal(cli.journal)] == ["succeeded"]
    _one_copy_each(emulator)


def test_jobs_cancel_stops_the_job_another_process_runs(cli: Cli, emulator: Emulator) -> None:
    write_profile(cli, emulator, version="2024-11-30", profile="contoso")
    emulator.admin_post("clock", {"speed": 0, "copy_seconds": 40})
    proc = cli.spawn("sync", "--yes", "--only", "invoice", "--json")
    wait_while_running(
        proc, lambda: any(j.operation_recorded for j in read_journal(cli.journal)), what="the copy"
    )
    [job] = read_journal(cli.journal)
    canceled = cli.run("jobs", "cancel", job.id)
    assert canceled.returncode == 0, canceled.stdout + canceled.stderr
    assert f"pid {proc.pid}" in canceled.stdout and f"Job {job.id} canceled" in canceled.stdout
    out, err = _finish(proc, cli)
    assert proc.returncode == 1, out + err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["canceled"] == 1 and summary["succeeded"] == 0
    shown = json.loads(cli.run("jobs", "show", job.id, "--json").stdout)
    assert shown["state"] == "canceled" and "may be left on the target" in shown["error"]
    assert [op["status"] for op in copy_operations(emulator, PRIMARY, "invoice")] in (
        [["notStarted"], ["running"]]
    ), "Document Intelligence has no cancel: the service's copy runs on, and the job said so"
