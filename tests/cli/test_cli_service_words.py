"""The service's own words are kept: a Content Understanding copy refused with HTTP 400 carries the
service's code and message in `jobs show --json` (the step's detail) and in `jobs show`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, Emulator, isolated_cli, serve_scenario
from test_cli_cu_language import CU_PRIMARY, CU_SECONDARY, SCENARIO

pytestmark = pytest.mark.loopback


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = serve_scenario(tmp_path, SCENARIO)
    yield emu
    emu.stop()


@pytest.fixture
def cli(tmp_path: Path, emulator: Emulator) -> Cli:
    """A CU profile whose secondary resource id is not an account's: the grant is refused with 400."""
    runner = isolated_cli(tmp_path)
    lines = ['default_profile = "contoso"', "", "[profiles.contoso.content-understanding]"]
    lines.append('api_version = "2025-11-01"')
    for side, name in (("primary", CU_PRIMARY), ("secondary", CU_SECONDARY)):
        res = emulator.resources[name]
        var = f"RS_KEY_{name.upper().replace('-', '_')}"
        runner.env[var] = res["keys"][0]
        rid = res["resource_id"] if side == "primary" else "/subscriptions/0000/not-an-account"
        lines.append(
            f'{side} = {{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
            f'resource_id = "{rid}", key = "env:{var}" }}'
        )
    runner.config.write_text("\n".join(lines) + "\n")
    return runner


def test_a_refused_copy_keeps_the_services_code_and_message(cli: Cli) -> None:
    synced = cli.run("sync", "--yes", "--only", "invoices", timeout=120)
    assert synced.returncode == 1, synced.stdout + synced.stderr
    [job] = json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"]
    assert job["state"] == "failed"
    assert f"regionsync jobs show {job['id']}" in synced.stdout  # the hint names the real job
    shown = cli.run("jobs", "show", job["id"], "--json")
    data = json.loads(shown.stdout)
    said = [s["detail"]["error"] for s in data["steps"] if s["detail"].get("error")]
    assert said, data["steps"]
    [error] = said
    assert error["status"] == 400 and error["code"]
    assert "targetAzureResourceId" in error["message"]
    assert error["what"] and error["todo"]
    text = cli.run("jobs", "show", job["id"]).stdout
    assert "targetAzureResourceId" in text
