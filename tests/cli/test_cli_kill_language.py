"""`kill -9` of `regionsync sync` inside the steps of a Language replication, then `jobs resume`:
over real loopback sockets, a project serving `{prod: v2, staging: v1}` arrives once and exactly — no
second import, each label trained once, each deployment serving its label."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, Emulator, assert_no_secret, isolated_cli, serve_scenario
from kill_support import owner_pid, read_journal, wait_while_running

pytestmark = pytest.mark.loopback

PRIMARY, SECONDARY = "tickets-eus", "tickets-wus"
KEYS = {PRIMARY: "lang-eus-key-0123456789", SECONDARY: "lang-wus-key-0123456789"}
SPARE = {PRIMARY: "lang-eus-key-spare-0123", SECONDARY: "lang-wus-key-spare-0123"}

# Each job takes about a second of real time, a training three: wide enough to kill inside a step.
SCENARIO = f"""
[clock]
speed = 1
job_seconds = 1
train_seconds = 3

[[resource]]
name = "{PRIMARY}"
service = "language"
region = "eastus"
keys = ["{KEYS[PRIMARY]}", "{SPARE[PRIMARY]}"]

[[resource.project]]
name = "tickets"
description = "Support tickets"
trained_models = ["v1", "v2"]
deployments = {{ prod = "v2", staging = "v1" }}

[[resource]]
name = "{SECONDARY}"
service = "language"
region = "westus2"
keys = ["{KEYS[SECONDARY]}", "{SPARE[SECONDARY]}"]
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = serve_scenario(tmp_path, SCENARIO)
    yield emu
    emu.stop()


@pytest.fixture
def cli(tmp_path: Path, emulator: Emulator) -> Iterator[Cli]:
    runner = isolated_cli(tmp_path)
    lines = ['default_profile = "contoso"', "", "[profiles.contoso.language]", 'api_version = "2023-04-01"']
    for side, name in (("primary", PRIMARY), ("secondary", SECONDARY)):
        res = emulator.resources[name]
        var = f"RS_KEY_{name.upper().replace('-', '_')}"
        runner.env[var] = res["keys"][0]
        lines.append(
            f'{side} = {{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
            f'resource_id = "{res["resource_id"]}", key = "env:{var}" }}'
        )
    runner.config.write_text("\n".join(lines) + "\n")
    yield runner
    assert_no_secret(runner.outputs, (*KEYS.values(), *SPARE.values()))


def target_jobs(emulator: Emulator, kind: str) -> list[dict]:
    for res in emulator.world()["resources"]:
        if res["name"] == SECONDARY:
            return [j for j in res["jobs"] if j["kind"] == kind]
    raise AssertionError(SECONDARY)


@pytest.mark.parametrize("step", ["import", "train:v1", "train:v2", "deploy:prod"])
def test_kill_9_inside_a_language_step_then_resume_imports_and_trains_once(
    cli: Cli, emulator: Emulator, step: str
) -> None:
    proc = cli.spawn("sync", "--yes", "--json")

    def inside() -> bool:
        jobs = read_journal(cli.journal)
        return (
            bool(jobs)
            and jobs[0].latest is not None
            and jobs[0].latest.name == step
            and bool(jobs[0].latest.operation_url)
        )

    wait_while_running(proc, inside, what=f"the {step} step's operation", timeout=60)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=20)
    cli.outputs += [out, err]
    [job] = read_journal(cli.journal)
    assert job.state == "running", "a killed job stays open for resume"

    resumed = cli.run("jobs", "resume", "--json", timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    summary = json.loads(resumed.stdout.splitlines()[-1])
    assert summary["succeeded"] == 1 and summary["failed"] == 0
    assert len(target_jobs(emulator, "import")) == 1, "imported twice"
    assert len(target_jobs(emulator, "train")) == 2, "a label trained twice"
    for res in emulator.world()["resources"]:
        if res["name"] == SECONDARY:
            [project] = res["projects"]
            assert set(project["trained_models"]) == {"v1", "v2"}
            served = {name: d["model"] for name, d in project["deployments"].items()}
            assert served == {"prod": "v2", "staging": "v1"}
    status = json.loads(cli.run("status", "--json").stdout)
    [asset] = [a for a in status["services"][0]["assets"] if a["name"] == "tickets"]
    assert asset["status"] == "in sync", asset["reason"]


def test_kill_9_then_two_resumes_at_once_import_and_train_once(cli: Cli, emulator: Emulator) -> None:
    """Two `jobs resume` after a crash (a cron and an operator at once): one carries the Language
    job on, the other says who holds it and leaves it alone; one import, each label trained once —
    also when the one carrying it on dies too and a third takes it over at once."""
    proc = cli.spawn("sync", "--yes", "--json")

    def training() -> bool:
        jobs = read_journal(cli.journal)
        return bool(jobs) and jobs[0].latest is not None and jobs[0].latest.name == "train:v1"

    wait_while_running(proc, training, what="the first training", timeout=60)
    emulator.admin_post("clock", {"speed": 0})  # the training stands still until the test moves on
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=20)
    cli.outputs += [out, err]

    first = cli.spawn("jobs", "resume", "--json")
    wait_while_running(first, lambda: owner_pid(cli.journal) == first.pid, what="the first resume's claim")
    second = cli.run("jobs", "resume")
    cli.outputs += [second.stdout, second.stderr]
    assert second.returncode == 1 and f"tickets is being copied by pid {first.pid}" in second.stderr

    # The first resume dies as well (it would otherwise sleep out the frozen clock's long poll
    # hint): its job is taken over at once by the next resume on this host, which finishes it.
    first.send_signal(signal.SIGKILL)
    out, err = first.communicate(timeout=20)
    cli.outputs += [out, err]
    emulator.admin_post("clock", {"speed": 20})  # the rest of the job at 20x: trainings of 0.15 s
    third = cli.run("jobs", "resume", "--json", timeout=120)
    cli.outputs += [third.stdout, third.stderr]
    assert third.returncode == 0, third.stdout + third.stderr
    assert len(target_jobs(emulator, "import")) == 1, "imported twice"
    assert len(target_jobs(emulator, "train")) == 2, "a label trained twice"
