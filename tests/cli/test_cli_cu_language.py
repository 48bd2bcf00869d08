"""`regionsync status / sync / jobs` on a profile with Content Understanding and Language pairs:
subprocesses against `regionsync emulator` on real loopback sockets, with a scenario of its own
(analyzers and model deployments, a classification project serving `{prod: v2, staging: v1}`, which
arrives exactly)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, Emulator, assert_no_secret, isolated_cli, serve_scenario

pytestmark = pytest.mark.loopback

CU_PRIMARY, CU_SECONDARY = "contoso-cu-eus", "contoso-cu-wus"
LANG_PRIMARY, LANG_SECONDARY = "contoso-lang-eus", "contoso-lang-wus"
KEYS = {
    CU_PRIMARY: ("cu-eus-key-one-0123456789", "cu-eus-key-two-0123456789"),
    CU_SECONDARY: ("cu-wus-key-one-0123456789", "cu-wus-key-two-0123456789"),
    LANG_PRIMARY: ("lang-eus-key-one-0123456789", "lang-eus-key-two-0123456789"),
    LANG_SECONDARY: ("lang-wus-key-one-0123456789", "lang-wus-key-two-0123456789"),
}
SECRETS = tuple(k for pair in KEYS.values() for k in pair)


def _resource(name: str, service: str, region: str) -> str:
    keys = ", ".join(f'"{k}"' for k in KEYS[name])
    return f'[[resource]]\nname = "{name}"\nservice = "{service}"\nregion = "{region}"\nkeys = [{keys}]\n'


_DEPLOYMENTS = """
[[resource.deployment]]
name = "chat"
model = "gpt-4.1"

[[resource.deployment]]
name = "emb"
model = "text-embedding-3-large"
"""

SCENARIO = (
    # Every operation ends before the first poll its Retry-After asks for: the CLI's poller waits
    # 5 s between polls of a job whose progress it cannot tell, so a longer job would only slow this.
    "[clock]\nspeed = 200\ncopy_seconds = 1\ntrain_seconds = 2\njob_seconds = 1\n\n"
    + _resource(CU_PRIMARY, "content-understanding", "eastus")
    + _DEPLOYMENTS
    + textwrap.dedent(
        """
        [[resource.analyzer]]
        id = "invoices"
        description = "Invoices"
        models = { completion = "gpt-4.1", embedding = "text-embedding-3-large" }

        [[resource.analyzer]]
        id = "call-notes"
        description = "Needs a model the secondary lacks"
        models = { completion = "gpt-4.1-mini" }

        """
    )
    + _resource(CU_SECONDARY, "content-understanding", "westus2")
    + _DEPLOYMENTS
    + "\n"
    + _resource(LANG_PRIMARY, "language", "eastus")
    + textwrap.dedent(
        """
        [[resource.project]]
        name = "tickets"
        description = "Support tickets"
        trained_models = ["v1", "v2"]
        deployments = { prod = "v2", staging = "v1" }

        """
    )
    + _resource(LANG_SECONDARY, "language", "westus2")
)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = serve_scenario(tmp_path, SCENARIO)
    yield emu
    emu.stop()


@pytest.fixture
def cli(tmp_path: Path, emulator: Emulator) -> Iterator[Cli]:
    """A profile with both pairs (keys in environment variables); no key in any output or journal."""
    runner = isolated_cli(tmp_path)
    lines = ['default_profile = "contoso"']
    for service, version, pair in (
        ("content-understanding", "2025-11-01", (CU_PRIMARY, CU_SECONDARY)),
        ("language", "2023-04-01", (LANG_PRIMARY, LANG_SECONDARY)),
    ):
        lines += ["", f"[profiles.contoso.{service}]", f'api_version = "{version}"']
        for side, name in zip(("primary", "secondary"), pair, strict=True):
            res = emulator.resources[name]
            var = f"RS_KEY_{name.upper().replace('-', '_')}"
            runner.env[var] = res["keys"][0]
            lines.append(
                f'{side} = {{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
                f'resource_id = "{res["resource_id"]}", key = "env:{var}" }}'
            )
    runner.config.write_text("\n".join(lines) + "\n")
    yield runner
    assert_no_secret(runner.outputs, SECRETS)
    if runner.journal.exists():
        journal = "".join(p.read_bytes().decode("latin-1") for p in runner.journal.parent.iterdir())
        assert_no_secret(journal, SECRETS)
        assert "billing-001.txt" not in journal, "the exported project reached the journal"


def world(emulator: Emulator) -> dict[str, dict]:
    return {r["name"]: r for r in emulator.world()["resources"]}


def project_jobs(resource: dict, kind: str) -> list[dict]:
    return [j for j in resource["jobs"] if j["kind"] == kind]


def test_status_sync_and_jobs_for_analyzers_and_projects(cli: Cli, emulator: Emulator) -> None:
    status = cli.run("status")
    assert status.returncode == 1, status.stderr
    for name in ("invoices", "call-notes", "tickets"):
        assert name in status.stdout
    assert "→ missing" in status.stdout and "prebuilt-" not in status.stdout

    synced = cli.run("sync", "--yes", timeout=120)
    assert synced.returncode == 1, synced.stdout + synced.stderr  # one analyzer is refused
    assert "2 copied, 0 failed, 1 refused." in synced.stdout
    refused = synced.stdout + synced.stderr
    assert "call-notes" in refused and "gpt-4.1-mini" in refused and "modelDeployments" in refused

    resources = world(emulator)
    assert [a["id"] for a in resources[CU_SECONDARY]["analyzers"]] == ["invoices"]
    [project] = resources[LANG_SECONDARY]["projects"]
    assert project["name"] == "tickets" and set(project["trained_models"]) == {"v1", "v2"}
    assert {name: d["model"] for name, d in project["deployments"].items()} == {"prod": "v2", "staging": "v1"}
    assert len(project_jobs(resources[LANG_SECONDARY], "train")) == 2  # one per label

    after = cli.run("status", "--json")
    data = json.loads(after.stdout)
    statuses = {a["name"]: a["status"] for s in data["services"] for a in s["assets"]}
    assert statuses == {"invoices": "in sync", "tickets": "in sync", "call-notes": "missing"}

    jobs = json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"]
    assert sorted(j["asset_name"] for j in jobs) == ["invoices", "tickets"]
    assert all(j["state"] == "succeeded" for j in jobs)
    [language_job] = [j for j in jobs if j["asset_name"] == "tickets"]
    shown = json.loads(cli.run("jobs", "show", language_job["id"], "--json").stdout)
    assert [s["name"] for s in shown["steps"]] == [
        "export",
        "import",
        "train:v1",
        "train:v2",
        "deploy:prod",
        "deploy:staging",
        "verify",
    ]
    listed = cli.run("jobs", "list")
    assert listed.returncode == 0 and "tickets" in listed.stdout and "invoices" in listed.stdout
