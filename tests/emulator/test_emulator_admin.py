"""The admin API over HTTP (in process, on the admin port): world view, every fault, the clock, touch."""

from __future__ import annotations

import httpx
import pytest
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import authorize_v3, copy_v3, key, v3_url

from regionsync.emulator import World

V4 = ("2024-11-30", "documentintelligence")


def admin(world: World, path: str) -> str:
    return f"{world.admin_url}/_emulator/{path}"


def info(world: World, resource: str = "source-eus") -> str:
    return v3_url(world, resource, "formrecognizer", "info?api-version=2023-07-31")


async def test_world_view_lists_resources_without_keys(client: httpx.AsyncClient, world: World) -> None:
    answer = await client.get(admin(world, "world"))
    assert answer.status_code == 200
    view = answer.json()
    assert {r["name"]: r["endpoint"] for r in view["resources"]} == {
        n: world.endpoint(n) for n in world.resources
    }
    source = next(r for r in view["resources"] if r["name"] == "source-eus")
    assert [m["id"] for m in source["models"]] == ["invoice"]
    assert [c["id"] for c in source["classifiers"]] == ["mail-sorter"]
    assert source["legacy_models"][0]["name"] == "receipts-2020"
    assert view["regions"]["eastus"] == {"port": world.region_ports["eastus"], "down": False}
    for resource in world.resources.values():
        for k in resource.keys:
            assert k not in answer.text


async def test_outage_through_the_admin_api(client: httpx.AsyncClient, world: World) -> None:
    answer = await client.post(admin(world, "faults/outage"), json={"region": "eastus", "down": True})
    assert answer.json()["outages"] == ["eastus"]
    with pytest.raises(httpx.ConnectError):
        await client.get(info(world), headers=key(SOURCE_KEY))
    assert (await client.delete(admin(world, "faults"))).json()["outages"] == []
    assert (await client.get(info(world), headers=key(SOURCE_KEY))).status_code == 200


async def test_share_faults_through_the_admin_api(client: httpx.AsyncClient, world: World) -> None:
    await client.post(admin(world, "faults/throttle"), json={"share": 1.0, "retry_after": 3, "count": 1})
    throttled = await client.get(info(world), headers=key(SOURCE_KEY))
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    await client.post(
        admin(world, "faults/errors"),
        json={"share": 1.0, "status": 502, "resource": "source-eus", "count": 1},
    )
    assert (await client.get(info(world), headers=key(SOURCE_KEY))).status_code == 502
    await client.post(admin(world, "faults/malformed"), json={"share": 1.0, "region": "eastus", "count": 1})
    with pytest.raises(ValueError):
        (await client.get(info(world), headers=key(SOURCE_KEY))).json()
    assert (await client.get(info(world), headers=key(SOURCE_KEY))).status_code == 200


async def test_latency_and_copy_failure_through_the_admin_api(
    client: httpx.AsyncClient, world: World
) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    world.sleep = record
    await client.post(admin(world, "faults/latency"), json={"ms": 120, "resource": "source-eus"})
    await client.get(info(world), headers=key(SOURCE_KEY))
    assert slept == [0.12]
    faults = (
        await client.post(
            admin(world, "faults/copy-failure"), json={"resource": "source-eus", "at_percent": 10}
        )
    ).json()
    assert faults["copy_failures"][0]["at_percent"] == 10
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    location = (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).headers["Operation-Location"]
    await client.post(admin(world, "clock/advance"), json={"seconds": 6})
    assert (await client.get(location, headers=key(SOURCE_KEY))).json()["status"] == "failed"


async def test_clock_through_the_admin_api(client: httpx.AsyncClient, world: World) -> None:
    before = (await client.get(admin(world, "clock"))).json()
    assert before["speed"] == 0.0
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    location = (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).headers["Operation-Location"]
    advanced = (await client.post(admin(world, "clock/advance"), json={"seconds": 6})).json()
    assert advanced["now"] > before["now"]
    assert (await client.get(location, headers=key(SOURCE_KEY))).json()["status"] == "succeeded"
    changed = (await client.post(admin(world, "clock"), json={"speed": 5, "copy_seconds": 2})).json()
    assert (changed["speed"], changed["copy_seconds"]) == (5.0, 2.0)
    assert world.copy_seconds == 2.0


async def test_touch_through_the_admin_api(client: httpx.AsyncClient, world: World) -> None:
    world.clock.advance(60)
    answer = await client.post(
        admin(world, "touch"), json={"resource": "source-eus", "kind": "model", "id": "invoice"}
    )
    assert answer.status_code == 200
    assert world.resources["source-eus"].models["invoice"].description.startswith("Invoices 2024 (retrained")
    missing = await client.post(
        admin(world, "touch"), json={"resource": "source-eus", "kind": "model", "id": "x"}
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("faults/outage", {"region": "atlantis", "down": True}),
        ("faults/throttle", {"share": 2}),
        ("faults/errors", {"share": 0.5, "status": 404}),
        ("faults/latency", {"ms": 10, "resource": "nobody"}),
        ("clock/advance", {"seconds": -5}),
        ("touch", {"resource": "source-eus", "kind": "project", "id": "x"}),
        ("faults/throttle", {"share": 0.5, "surprise": True}),
    ],
)
async def test_bad_admin_requests_are_refused(client: httpx.AsyncClient, world: World, path: str, body: dict):
    answer = await client.post(admin(world, path), json=body)
    assert answer.status_code in (400, 404)
    assert answer.json()["error"]


async def test_admin_and_service_ports_are_separate(client: httpx.AsyncClient, world: World) -> None:
    on_region_port = await client.get(world.endpoint("source-eus").rsplit("/", 1)[0] + "/_emulator/world")
    assert on_region_port.status_code == 404
    service_on_admin = await client.get(
        f"{world.admin_url}/source-eus/formrecognizer/info?api-version=2023-07-31", headers=key(SOURCE_KEY)
    )
    assert service_on_admin.status_code == 404
