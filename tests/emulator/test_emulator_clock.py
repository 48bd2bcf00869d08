"""The clock: frozen or running at a speed, what operations report on it, polling hints, many copies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from emulator_constants import SOURCE_KEY, START, TARGET_KEY
from emulator_wire import authorize_v3, copy_v3, key, v3_url

from regionsync.emulator import Clock, EmulatorTransport, World
from regionsync.emulator.clock import format_timestamp, parse_timestamp

V4 = ("2024-11-30", "documentintelligence")


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_frozen_clock_moves_only_when_advanced() -> None:
    clock = Clock(speed=0.0, start=START)
    assert clock.now() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.now() == START + timedelta(seconds=90)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        Clock(speed=-1)


def test_speed_scales_real_time_and_can_change() -> None:
    real = FakeMonotonic()
    clock = Clock(speed=60.0, start=START, monotonic=real)
    real.now += 0.5
    assert clock.now() == START + timedelta(seconds=30)
    clock.speed = 2.0
    real.now += 1.0
    assert clock.now() == START + timedelta(seconds=32)
    clock.advance(8)
    assert clock.elapsed() == 40
    assert clock.real_seconds(10) == 5.0
    assert Clock(speed=0).real_seconds(10) == 10


def test_timestamps_are_written_as_the_service_writes_them() -> None:
    moment = datetime(2024, 5, 1, 18, 46, 36, 987654, tzinfo=UTC)
    assert format_timestamp(moment) == "2024-05-01T18:46:36Z"
    assert parse_timestamp("2021-09-23T09:12:54.552Z") == datetime(2021, 9, 23, 9, 12, 54, 552000, tzinfo=UTC)
    assert parse_timestamp("yesterday") is None


async def test_progress_follows_the_clock_and_retry_after_is_real_seconds() -> None:
    real = FakeMonotonic()
    world = World(Clock(speed=10.0, start=START, monotonic=real), copy_seconds=6.0, retry_hints=True)
    world.add_resource("source-eus", region="eastus", keys=[SOURCE_KEY, "k2"])
    world.add_resource("target-wus2", region="westus2", keys=[TARGET_KEY, "k4"])
    world.add_model("source-eus", "invoice")
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
        started = await copy_v3(client, world, *V4, SOURCE_KEY, authorization)
        # The service's hint is 2 emulated seconds: 0.2 real seconds at speed 10.
        assert started.headers["retry-after-ms"] == "200"
        assert started.headers["Retry-After"] == "1"
        real.now += 0.3  # 3 emulated seconds
        running = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
        assert running.json()["percentCompleted"] == 50
        real.now += 0.25  # 5.5 emulated: only half a second left, and the hint says so
        nearly = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
        assert nearly.headers["retry-after-ms"] == "50"
        real.now += 0.05
        done = await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))
        assert done.json()["status"] == "succeeded"
        assert "Retry-After" not in done.headers
        assert done.json()["lastUpdatedDateTime"] == format_timestamp(START + timedelta(seconds=6))


async def test_two_hundred_copies_at_once(client: httpx.AsyncClient, world: World) -> None:
    world.resources["target-wus2"].custom_model_limit = 1000
    locations = []
    for n in range(200):
        authorization = await authorize_v3(client, world, *V4, TARGET_KEY, model_id=f"copy-{n:03d}")
        started = await copy_v3(client, world, *V4, SOURCE_KEY, authorization)
        locations.append(started.headers["Operation-Location"])
    assert world.running_operations() == 200
    world.clock.advance(5.9)
    statuses = {(await client.get(loc, headers=key(SOURCE_KEY))).json()["status"] for loc in locations}
    assert statuses == {"running"}
    world.clock.advance(0.1)
    statuses = {(await client.get(loc, headers=key(SOURCE_KEY))).json()["status"] for loc in locations}
    assert statuses == {"succeeded"}
    assert world.running_operations() == 0
    info = await client.get(
        v3_url(world, "target-wus2", V4[1], "info"), params={"api-version": V4[0]}, headers=key(TARGET_KEY)
    )
    assert info.json()["customDocumentModels"]["count"] == 200


async def test_operations_are_kept_for_24_hours(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    location = (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).headers["Operation-Location"]
    world.clock.advance(6 + 23 * 3600)
    assert (await client.get(location, headers=key(SOURCE_KEY))).status_code == 200
    world.clock.advance(3600 + 1)
    gone = await client.get(location, headers=key(SOURCE_KEY))
    assert gone.status_code == 404
