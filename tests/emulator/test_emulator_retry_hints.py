"""Polling hints on Document Intelligence copies: none by default, as Azure's recorded copy runs show;
`[clock] retry_hints = true` or `POST /_emulator/clock {"retry_hints": true}` turns them on. And the
world counts the requests that reach each resource (what a test of "requests per copy" reads).
"""

from __future__ import annotations

import httpx
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import authorize_v3, authorize_v21, copy_v3, copy_v21, key, legacy_id, v21_url

from regionsync.emulator import World, parse_scenario

V4 = ("2024-11-30", "documentintelligence")
HINTS = ("Retry-After", "retry-after-ms")


def hints_of(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in HINTS if name in response.headers}


async def test_copies_carry_no_hint_by_default_and_the_admin_api_turns_them_on(
    client: httpx.AsyncClient, world: World
) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    started = await copy_v3(client, world, *V4, SOURCE_KEY, authorization)
    assert started.status_code == 202 and hints_of(started) == {}
    world.clock.advance(3)
    running = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
    assert running.json()["status"] == "running" and hints_of(running) == {}

    answer = await client.post(f"{world.admin_url}/_emulator/clock", json={"retry_hints": True})
    assert answer.status_code == 200 and answer.json()["retry_hints"] is True
    # From now on, running polls and new copies say when to come back (2 s, the frozen clock's own).
    polled = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
    assert hints_of(polled) == {"Retry-After": "2", "retry-after-ms": "2000"}
    second = await copy_v3(
        client,
        world,
        *V4,
        SOURCE_KEY,
        await authorize_v3(client, world, *V4, TARGET_KEY, model_id="invoice-second"),
    )
    assert hints_of(second) == {"Retry-After": "2", "retry-after-ms": "2000"}
    world.clock.advance(6)
    done = await client.get(second.headers["Operation-Location"], headers=key(SOURCE_KEY))
    assert done.json()["status"] == "succeeded" and hints_of(done) == {}

    off = await client.post(f"{world.admin_url}/_emulator/clock", json={"retry_hints": False})
    assert off.json()["retry_hints"] is False
    assert (await client.get(f"{world.admin_url}/_emulator/clock")).json()["retry_hints"] is False


async def test_v21_copies_follow_the_same_switch(client: httpx.AsyncClient, world: World) -> None:
    model_id = legacy_id(world, "source-eus", "receipts-2020")
    authorization = await authorize_v21(client, world, TARGET_KEY)
    started = await copy_v21(client, world, SOURCE_KEY, authorization, model_id)
    assert started.status_code == 202 and hints_of(started) == {}
    running = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
    assert running.json()["status"] in ("notStarted", "running") and hints_of(running) == {}
    world.retry_hints = True
    again = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
    assert set(hints_of(again)) == set(HINTS)
    listed = await client.get(v21_url(world, "source-eus", "custom/models"), headers=key(SOURCE_KEY))
    assert listed.is_success and hints_of(listed) == {}


def test_a_scenario_turns_the_hints_on() -> None:
    base = '[[resource]]\nname = "contoso-eus"\nregion = "eastus"\n'
    assert World.from_scenario(parse_scenario(base)).retry_hints is False
    hinted = parse_scenario("[clock]\nretry_hints = true\n\n" + base)
    assert World.from_scenario(hinted).retry_hints is True


async def test_the_world_counts_requests_per_resource_and_method(
    client: httpx.AsyncClient, world: World
) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    started = await copy_v3(client, world, *V4, SOURCE_KEY, authorization)
    await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
    await client.get(started.headers["Operation-Location"], headers=key("wrong key"))  # refused, still sent
    assert world.request_counts() == {"source-eus": {"GET": 2, "POST": 1}, "target-wus2": {"POST": 1}}
    view = (await client.get(f"{world.admin_url}/_emulator/world")).json()
    assert view["requests"] == world.request_counts()
