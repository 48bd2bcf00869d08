"""AzureHttp against the emulator in process: headers, retries honouring Retry-After, failures explained."""

from __future__ import annotations

import httpx
import pytest
from client_support import PRIMARY, SECONDARY, RecordingSleep, adapter_for, http_for

from regionsync.domain import AssetKind
from regionsync.errors import RegionSyncError, Remedy
from regionsync.services.retry import RetrySettings

INFO = "/documentintelligence/info"
V4 = "2024-11-30"


async def test_every_request_carries_auth_api_version_request_id_and_user_agent(
    world, client: httpx.AsyncClient, sent: list[httpx.Request]
) -> None:
    http = http_for(world, PRIMARY, client, api_version=V4)
    body = await http.json("GET", INFO)
    assert body["customDocumentModels"]["limit"] == 250
    await http.json("GET", INFO)
    first, second = sent
    assert first.url.params["api-version"] == V4
    assert first.headers["Ocp-Apim-Subscription-Key"] == world.resources[PRIMARY].keys[0]
    assert first.headers["User-Agent"].startswith("regionsync/")
    assert first.headers["x-ms-client-request-id"] != second.headers["x-ms-client-request-id"]


async def test_api_version_already_in_the_url_is_not_repeated(world, client, sent) -> None:
    http = http_for(world, PRIMARY, client, api_version=V4)
    await http.json("GET", f"{INFO}?api-version={V4}")
    assert sent[0].url.query.decode().count("api-version") == 1


async def test_a_429_storm_is_ridden_out_honouring_retry_after(
    world, client, sleep: RecordingSleep, sent
) -> None:
    world.faults.throttle(1.0, retry_after=3, count=3)
    http = http_for(world, PRIMARY, client, sleep=sleep, api_version=V4)
    body = await http.json("GET", INFO)
    assert "customDocumentModels" in body
    assert sleep.delays == [3.0, 3.0, 3.0]
    assert len(sent) == 4
    assert len({r.headers["x-ms-client-request-id"] for r in sent}) == 1, "one logical request, one client id"


async def test_throttling_that_never_ends_is_explained_with_its_retry_after(world, client, sleep) -> None:
    world.faults.throttle(1.0, retry_after=2)
    http = http_for(world, PRIMARY, client, sleep=sleep, api_version=V4, retry=RetrySettings(attempts=3))
    with pytest.raises(RegionSyncError) as info:
        await http.json("GET", INFO)
    error = info.value
    assert error.status == 429 and error.retryable and error.remedy == Remedy.RETRY
    assert error.details["retry_after"] == "2"
    assert "throttling" in error.what and "retries automatically" in error.todo
    assert error.request_id
    assert sleep.delays == [2.0, 2.0]


async def test_server_errors_on_reads_are_retried_with_backoff(world, client, sleep) -> None:
    world.faults.server_errors(1.0, status=503, count=2)
    http = http_for(world, PRIMARY, client, sleep=sleep, api_version=V4)
    assert "customDocumentModels" in await http.json("GET", INFO)
    assert len(sleep.delays) == 2
    assert sleep.delays[0] == 0.0 and sleep.delays[1] > 0.0


async def test_a_copy_post_answered_5xx_has_an_unknown_outcome_and_is_not_resent(
    world, client, sleep, sent
) -> None:
    world.add_model(PRIMARY, "invoice")
    source = adapter_for(world, PRIMARY, client, V4, sleep=sleep)
    target = adapter_for(world, SECONDARY, client, V4)
    auth = await target.authorize_copy(AssetKind.MODEL, (await source.list_assets(AssetKind.MODEL))[0], None)
    world.faults.server_errors(1.0, status=503, count=1)
    before = len(sent)
    with pytest.raises(RegionSyncError) as info:
        await source.start_copy(AssetKind.MODEL, "invoice", auth)
    assert info.value.code == "OutcomeUnknown"
    assert info.value.remedy == Remedy.LOOK_BEFORE_RETRY
    assert info.value.status == 503
    assert len(sent) == before + 1 and sleep.delays == []


async def test_a_copy_post_answered_429_is_sent_again(world, client, sleep) -> None:
    world.add_model(PRIMARY, "invoice")
    source = adapter_for(world, PRIMARY, client, V4, sleep=sleep)
    target = adapter_for(world, SECONDARY, client, V4)
    auth = await target.authorize_copy(AssetKind.MODEL, (await source.list_assets(AssetKind.MODEL))[0], None)
    world.faults.throttle(1.0, retry_after=1, count=1)
    started = await source.start_copy(AssetKind.MODEL, "invoice", auth)
    assert "/operations/" in started.operation_url
    assert sleep.delays == [1.0]


async def test_a_malformed_body_is_read_again_then_explained(world, client, sleep) -> None:
    world.faults.malformed(1.0, count=1)
    http = http_for(world, PRIMARY, client, sleep=sleep, api_version=V4)
    assert "customDocumentModels" in await http.json("GET", INFO)
    assert len(sleep.delays) == 1
    world.faults.malformed(1.0)
    with pytest.raises(RegionSyncError) as info:
        await http.json("GET", INFO)
    assert info.value.code == "BadResponse"
    assert "not JSON" in info.value.raw_message


async def test_a_wrong_key_is_explained_and_never_retried(world, client, sleep, sent) -> None:
    wrong = "00000000000000000000000000000bad"
    http = http_for(world, SECONDARY, client, sleep=sleep, api_version=V4, key=wrong)
    with pytest.raises(RegionSyncError) as info:
        await http.json("GET", INFO)
    error = info.value
    assert error.status == 401 and error.code == "401"
    assert error.remedy == Remedy.FIX_CREDENTIALS
    assert "secondary westus2" in error.what and world.endpoint(SECONDARY) in error.what
    assert "regionsync profile add" in error.todo
    assert "Access denied" in error.raw_message
    assert len(sent) == 1 and sleep.delays == []
    assert wrong not in error.explain()


async def test_a_region_outage_is_unreachable_and_the_other_side_still_answers(world, client, sleep) -> None:
    world.faults.set_outage("westus2", True)
    down = http_for(
        world,
        SECONDARY,
        client,
        sleep=sleep,
        api_version=V4,
        retry=RetrySettings(attempts=3, connect_attempts=3),
    )
    with pytest.raises(RegionSyncError) as info:
        await down.json("GET", INFO)
    error = info.value
    assert error.code == "Unreachable" and error.retryable
    assert "connection refused — the region may be down; the other side is unaffected" in error.what
    assert len(sleep.delays) == 2
    up = http_for(world, PRIMARY, client, api_version=V4)
    assert "customDocumentModels" in await up.json("GET", INFO)


async def test_a_copy_post_to_a_region_that_is_down_is_retried_because_nothing_was_sent(
    world, client, sleep
) -> None:
    world.add_model(PRIMARY, "invoice")
    source = adapter_for(world, PRIMARY, client, V4, sleep=sleep)
    target = adapter_for(world, SECONDARY, client, V4)
    auth = await target.authorize_copy(AssetKind.MODEL, (await source.list_assets(AssetKind.MODEL))[0], None)
    world.faults.set_outage("eastus", True)
    with pytest.raises(RegionSyncError) as info:
        await source.start_copy(AssetKind.MODEL, "invoice", auth)
    assert info.value.code == "Unreachable", "connection refused: provably not processed, not OutcomeUnknown"
    assert len(sleep.delays) == RetrySettings().connect_attempts - 1


async def test_an_operation_location_to_another_port_is_refused_before_sending(world, client, sent) -> None:
    source = adapter_for(world, PRIMARY, client, V4)
    elsewhere = world.endpoint(SECONDARY) + "/documentintelligence/operations/abc?api-version=2024-11-30"
    with pytest.raises(RegionSyncError) as info:
        await source.poll(elsewhere)
    assert info.value.code == "HostNotAllowed"
    assert sent == []


async def test_paging_follows_next_link_across_pages(world, client, sent) -> None:
    for i in range(230):
        world.add_model(PRIMARY, f"m{i:03d}")
    source = adapter_for(world, PRIMARY, client, V4)
    assets = await source.list_assets(AssetKind.MODEL)
    assert sorted(a.id for a in assets) == [f"m{i:03d}" for i in range(230)]
    assert len(sent) >= 3
    assert all(r.url.params["api-version"] == V4 for r in sent)
