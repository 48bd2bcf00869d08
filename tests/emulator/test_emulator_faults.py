"""Each fault through the Python API (outage, latency, 429, 5xx, malformed, failing copies) and touch."""

from __future__ import annotations

import json

import httpx
import pytest
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import authorize_v3, authorize_v21, copy_v3, copy_v21, key, legacy_id, v3_url, v21_url

from regionsync.emulator import EmulatorTransport, World

V4 = ("2024-11-30", "documentintelligence")


def _info(world: World, resource: str = "source-eus") -> str:
    return v3_url(world, resource, "formrecognizer", "info?api-version=2023-07-31")


async def test_outage_refuses_connections_to_that_region_only(
    client: httpx.AsyncClient, world: World
) -> None:
    world.faults.set_outage("eastus", True)
    with pytest.raises(httpx.ConnectError, match="refused"):
        await client.get(_info(world), headers=key(SOURCE_KEY))
    assert (await client.get(_info(world, "target-wus2"), headers=key(TARGET_KEY))).status_code == 200
    world.faults.set_outage("eastus", False)
    assert (await client.get(_info(world), headers=key(SOURCE_KEY))).status_code == 200


async def test_a_port_nothing_listens_on_refuses(client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ConnectError):
        await client.get("http://127.0.0.1:1/anything")


async def test_latency_is_added_where_scoped(world: World) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    world.sleep = record
    world.faults.set_latency(250, resource="target-wus2")
    world.faults.set_latency(50, region="westus2")
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        await client.get(_info(world), headers=key(SOURCE_KEY))
        assert slept == []
        await client.get(_info(world, "target-wus2"), headers=key(TARGET_KEY))
        assert slept == [0.3]
        world.faults.set_latency(0, resource="target-wus2")
        await client.get(_info(world, "target-wus2"), headers=key(TARGET_KEY))
        assert slept == [0.3, 0.05]


async def test_throttling_hits_every_second_request_with_retry_after(client: httpx.AsyncClient, world: World):
    world.faults.throttle(0.5, retry_after=7)
    statuses = []
    for _ in range(6):
        answer = await client.get(_info(world), headers=key(SOURCE_KEY))
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.headers["Retry-After"] == "7"
            assert answer.json() == {
                "error": {"code": "429", "message": "Rate limit is exceeded. Try again in 7 seconds."}
            }
    assert statuses == [200, 429, 200, 429, 200, 429]


async def test_share_faults_respect_scope_and_count(client: httpx.AsyncClient, world: World) -> None:
    world.faults.throttle(1.0, region="westus2", count=2)
    assert (await client.get(_info(world), headers=key(SOURCE_KEY))).status_code == 200
    target = [
        (await client.get(_info(world, "target-wus2"), headers=key(TARGET_KEY))).status_code for _ in range(3)
    ]
    assert target == [429, 429, 200]
    assert world.faults.throttling == []


@pytest.mark.parametrize(("status", "code"), [(500, "InternalServerError"), (503, "ServiceUnavailable")])
async def test_server_errors(client: httpx.AsyncClient, world: World, status: int, code: str) -> None:
    world.faults.server_errors(1.0, status, resource="source-eus", count=1)
    failed = await client.get(_info(world), headers=key(SOURCE_KEY))
    assert failed.status_code == status
    assert failed.json()["error"]["code"] == code
    assert (await client.get(_info(world), headers=key(SOURCE_KEY))).status_code == 200


async def test_malformed_bodies_for_gets(client: httpx.AsyncClient, world: World) -> None:
    world.faults.malformed(1.0, count=1)
    broken = await client.get(_info(world), headers=key(SOURCE_KEY))
    assert broken.status_code == 200
    assert broken.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    # v3 and v2.1 custom models share one count and limit.
    assert (await client.get(_info(world), headers=key(SOURCE_KEY))).json()["customDocumentModels"][
        "count"
    ] == 2
    world.faults.malformed(1.0)
    posted = await client.post(
        v3_url(world, "target-wus2", V4[1], "documentModels:authorizeCopy"),
        params={"api-version": V4[0]},
        headers=key(TARGET_KEY),
        json={"modelId": "fine"},
    )
    assert posted.json()["targetModelId"] == "fine"  # only GETs are mangled


async def test_a_copy_that_fails_midway(client: httpx.AsyncClient, world: World) -> None:
    world.faults.fail_copies("source-eus", at_percent=50)
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    location = (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).headers["Operation-Location"]
    world.clock.advance(2.4)
    running = (await client.get(location, headers=key(SOURCE_KEY))).json()
    assert (running["status"], running["percentCompleted"]) == ("running", 40)
    world.clock.advance(0.6)
    failed = (await client.get(location, headers=key(SOURCE_KEY))).json()
    assert (failed["status"], failed["percentCompleted"]) == ("failed", 50)
    assert failed["error"]["code"] == "InternalServerError"
    assert failed["error"]["innererror"]["code"] == "InternalServerError"
    assert "invoice-copy" not in world.resources["target-wus2"].models


async def test_a_v21_copy_that_fails_midway_leaves_an_invalid_model(client: httpx.AsyncClient, world: World):
    world.faults.fail_copies(at_percent=20)
    authorization = await authorize_v21(client, world, TARGET_KEY)
    started = await copy_v21(
        client, world, SOURCE_KEY, authorization, legacy_id(world, "source-eus", "receipts-2020")
    )
    world.clock.advance(6)
    failed = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert failed["copyResult"]["errors"][0]["code"] == "InternalServerError"
    model = await client.get(
        v21_url(world, "target-wus2", f"custom/models/{authorization['modelId']}"), headers=key(TARGET_KEY)
    )
    assert model.json()["modelInfo"]["status"] == "invalid"


async def test_clear_switches_everything_off(client: httpx.AsyncClient, world: World) -> None:
    world.faults.set_outage("eastus", True)
    world.faults.throttle(1.0)
    world.faults.server_errors(1.0)
    world.faults.fail_copies()
    world.faults.clear()
    assert world.faults.view() == {
        "outages": [],
        "latency": [],
        "throttle": [],
        "errors": [],
        "malformed": [],
        "copy_failures": [],
    }
    assert (await client.get(_info(world), headers=key(SOURCE_KEY))).status_code == 200


async def test_touch_changes_an_asset_as_retraining_would(client: httpx.AsyncClient, world: World) -> None:
    url = v3_url(world, "source-eus", V4[1], "documentModels/invoice")
    before = (await client.get(url, params={"api-version": V4[0]}, headers=key(SOURCE_KEY))).json()
    world.clock.advance(3600)
    world.touch("source-eus", "model", "invoice")
    after = (await client.get(url, params={"api-version": V4[0]}, headers=key(SOURCE_KEY))).json()
    assert after["createdDateTime"] > before["createdDateTime"]
    assert after["modifiedDateTime"] == after["createdDateTime"]
    assert after["description"].startswith("Invoices 2024 (retrained ")
    assert after["docTypes"] == before["docTypes"]

    world.touch("source-eus", "classifier", "mail-sorter")
    legacy = legacy_id(world, "source-eus", "receipts-2020")
    old = (
        await client.get(v21_url(world, "source-eus", f"custom/models/{legacy}"), headers=key(SOURCE_KEY))
    ).json()
    world.clock.advance(60)
    world.touch("source-eus", "legacy_model", "receipts-2020")
    new = (
        await client.get(v21_url(world, "source-eus", f"custom/models/{legacy}"), headers=key(SOURCE_KEY))
    ).json()
    assert new["modelInfo"]["lastUpdatedDateTime"] > old["modelInfo"]["lastUpdatedDateTime"]
    assert len(new["trainResult"]["trainingDocuments"]) == len(old["trainResult"]["trainingDocuments"]) + 1
    with pytest.raises(KeyError):
        world.touch("source-eus", "model", "nope")
    with pytest.raises(ValueError):
        world.touch("source-eus", "project", "invoice")
