"""Over real loopback sockets: `regionsync emulator` as a subprocess, and `serve()` for outages."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from regionsync.emulator import Clock, World, serve

pytestmark = pytest.mark.loopback

SCENARIO = """\
[clock]
speed = 0
copy_seconds = 4

[[resource]]
name = "primary-eus"
region = "eastus"
keys = ["primary-key-1", "primary-key-2"]

[[resource.model]]
id = "invoice"
description = "Invoices"
doc_types = ["invoice"]

[[resource.legacy_model]]
name = "receipts-2020"
id = "3b1e6c5b-e113-4114-ab6b-ce65dfe8050f"

[[resource.classifier]]
id = "mail-sorter"
doc_types = ["invoice", "receipt"]

[[resource]]
name = "secondary-wus2"
region = "westus2"
keys = ["secondary-key-1", "secondary-key-2"]
"""


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "regionsync", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _first_line(process: subprocess.Popen[str], timeout: float = 20.0) -> dict[str, Any]:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        raise AssertionError("regionsync emulator printed nothing")
    line = process.stdout.readline()
    if not line:
        raise AssertionError(
            f"regionsync emulator exited: {process.wait()} {process.stderr.read() if process.stderr else ''}"
        )
    return json.loads(line)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    scenario = tmp_path_factory.mktemp("scenario") / "two-regions.toml"
    scenario.write_text(SCENARIO)
    process = _start(["--scenario", str(scenario), "--json"])
    try:
        info = _first_line(process)
        info["by_name"] = {r["name"]: r for r in info["resources"]}
        yield info
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def _key(info: dict[str, Any], name: str) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": info["by_name"][name]["keys"][0]}


async def _advance(client: httpx.AsyncClient, info: dict[str, Any], seconds: float) -> None:
    answer = await client.post(f"{info['admin']}/_emulator/clock/advance", json={"seconds": seconds})
    assert answer.status_code == 200


def test_the_json_line_names_every_resource(emulator: dict[str, Any]) -> None:
    assert emulator["admin"].startswith("http://127.0.0.1:")
    primary = emulator["by_name"]["primary-eus"]
    assert primary["service"] == "document-intelligence"
    assert primary["region"] == "eastus"
    assert primary["endpoint"].startswith("http://127.0.0.1:") and primary["endpoint"].endswith(
        "/primary-eus"
    )
    assert primary["resource_id"].endswith("/accounts/primary-eus")
    assert primary["keys"] == ["primary-key-1", "primary-key-2"]
    secondary = emulator["by_name"]["secondary-wus2"]
    assert (
        secondary["endpoint"].rsplit("/", 1)[0] != primary["endpoint"].rsplit("/", 1)[0]
    )  # one port per region


@pytest.mark.parametrize(
    ("version", "base", "collection", "field"),
    [
        ("2022-08-31", "formrecognizer", "documentModels", "modelId"),
        ("2023-07-31", "formrecognizer", "documentModels", "modelId"),
        ("2024-11-30", "documentintelligence", "documentModels", "modelId"),
        ("2024-11-30", "documentintelligence", "documentClassifiers", "classifierId"),
    ],
)
async def test_v3_copy_flow_over_loopback(
    emulator: dict[str, Any], version: str, base: str, collection: str, field: str
) -> None:
    source, target = emulator["by_name"]["primary-eus"], emulator["by_name"]["secondary-wus2"]
    asset = "invoice" if field == "modelId" else "mail-sorter"
    new_id = f"{asset}-{version}"
    params = {"api-version": version}
    async with httpx.AsyncClient() as client:
        authorized = await client.post(
            f"{target['endpoint']}/{base}/{collection}:authorizeCopy",
            params=params,
            headers=_key(emulator, "secondary-wus2"),
            json={field: new_id},
        )
        assert authorized.status_code == 200, authorized.text
        started = await client.post(
            f"{source['endpoint']}/{base}/{collection}/{asset}:copyTo",
            params=params,
            headers=_key(emulator, "primary-eus"),
            json=authorized.json(),
        )
        assert started.status_code == 202, started.text
        location = started.headers["Operation-Location"]
        assert location.startswith(source["endpoint"] + "/")
        await _advance(client, emulator, 4)
        done = (await client.get(location, headers=_key(emulator, "primary-eus"))).json()
        assert done["status"] == "succeeded"
        listed = (
            await client.get(
                f"{target['endpoint']}/{base}/{collection}",
                params=params,
                headers=_key(emulator, "secondary-wus2"),
            )
        ).json()
        assert new_id in {item[field] for item in listed["value"]}
        got = await client.get(
            f"{target['endpoint']}/{base}/{collection}/{new_id}",
            params=params,
            headers=_key(emulator, "secondary-wus2"),
        )
        assert got.status_code == 200
        assert got.json()[field] == new_id


async def test_v21_copy_flow_over_loopback(emulator: dict[str, Any]) -> None:
    source, target = emulator["by_name"]["primary-eus"], emulator["by_name"]["secondary-wus2"]
    source_id = "3b1e6c5b-e113-4114-ab6b-ce65dfe8050f"
    async with httpx.AsyncClient() as client:
        authorized = await client.post(
            f"{target['endpoint']}/formrecognizer/v2.1/custom/models/copyAuthorization",
            headers=_key(emulator, "secondary-wus2"),
        )
        assert authorized.status_code == 201
        body = {
            "targetResourceId": target["resource_id"],
            "targetResourceRegion": target["region"],
            "copyAuthorization": authorized.json(),
        }
        started = await client.post(
            f"{source['endpoint']}/formrecognizer/v2.1/custom/models/{source_id}/copy",
            headers=_key(emulator, "primary-eus"),
            json=body,
        )
        assert started.status_code == 202
        await _advance(client, emulator, 4)
        result = (
            await client.get(started.headers["Operation-Location"], headers=_key(emulator, "primary-eus"))
        ).json()
        assert result["status"] == "succeeded"
        new_id = result["copyResult"]["modelId"]
        assert new_id == authorized.json()["modelId"]
        listed = (
            await client.get(
                f"{target['endpoint']}/formrecognizer/v2.1/custom/models",
                params={"op": "full"},
                headers=_key(emulator, "secondary-wus2"),
            )
        ).json()
        assert {m["modelId"]: m["modelName"] for m in listed["modelList"]}[new_id] == "receipts-2020"


async def test_outage_through_the_admin_api_closes_the_listener(emulator: dict[str, Any]) -> None:
    source = emulator["by_name"]["primary-eus"]
    url = f"{source['endpoint']}/formrecognizer/info?api-version=2023-07-31"
    async with httpx.AsyncClient() as client:
        assert (await client.get(url, headers=_key(emulator, "primary-eus"))).status_code == 200
        await client.post(
            f"{emulator['admin']}/_emulator/faults/outage", json={"region": "eastus", "down": True}
        )
        try:
            with pytest.raises(httpx.ConnectError):
                await client.get(url, headers=_key(emulator, "primary-eus"))
        finally:
            await client.post(
                f"{emulator['admin']}/_emulator/faults/outage", json={"region": "eastus", "down": False}
            )
        assert (await client.get(url, headers=_key(emulator, "primary-eus"))).status_code == 200


def test_sigint_and_sigterm_end_with_exit_code_0(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    for signum in (signal.SIGTERM, signal.SIGINT):
        process = _start(["--scenario", str(scenario), "--json"])
        _first_line(process)
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None and process.stdout.read() == ""


def test_a_bad_scenario_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(SCENARIO.replace('region = "westus2"', 'region = "West US 2"'))
    process = _start(["--scenario", str(scenario), "--json"])
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert f"{scenario}:25: resource[1].region:" in err


async def test_serve_outage_closes_a_real_listener_and_reopens_the_same_port() -> None:
    world = World(Clock(speed=0))
    world.add_resource("res-a", region="eastus", keys=["ka", "ka2"])
    world.add_resource("res-b", region="westus2", keys=["kb", "kb2"])
    async with serve(world) as running:
        assert running.admin_url == world.admin_url
        port = world.region_ports["eastus"]
        url_a = f"{world.endpoint('res-a')}/formrecognizer/info?api-version=2023-07-31"
        url_b = f"{world.endpoint('res-b')}/formrecognizer/info?api-version=2023-07-31"
        async with httpx.AsyncClient() as client:
            assert (await client.get(url_a, headers={"Ocp-Apim-Subscription-Key": "ka"})).status_code == 200
            world.faults.set_outage("eastus", True)  # the pooled keep-alive connection is cut too
            with pytest.raises(httpx.ConnectError):
                await client.get(url_a, headers={"Ocp-Apim-Subscription-Key": "ka"})
            assert (await client.get(url_b, headers={"Ocp-Apim-Subscription-Key": "kb"})).status_code == 200
            world.faults.set_outage("eastus", False)
            assert world.region_ports["eastus"] == port
            assert (await client.get(url_a, headers={"Ocp-Apim-Subscription-Key": "ka"})).status_code == 200
    assert world.region_ports["eastus"] != port  # nominal ports again once served no more


async def test_serve_binds_loopback_only() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1 only"):
        async with serve(World(), host="0.0.0.0"):
            pass


async def test_the_human_table_lists_endpoints_but_no_keys() -> None:
    from regionsync.emulator.server import _endpoint_table

    world = World(Clock(speed=0))
    world.add_resource("res-a", region="eastus", keys=["secret-a", "secret-a2"])
    async with serve(world) as running:
        table = _endpoint_table(running.startup_info())
        assert world.endpoint("res-a") in table
        assert running.admin_url in table
        assert "secret-a" not in table
