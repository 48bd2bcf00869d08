"""The key is only ever sent to the configured endpoint's scheme+host+port — over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest
from client_support import PRIMARY, SECONDARY, World, adapter_for, http_for
from loopback_support import listen, pointing_to, redirecting_to

from regionsync.credentials import KeyCredential
from regionsync.domain import AssetKind, JobState, Service
from regionsync.emulator import serve
from regionsync.errors import RegionSyncError
from regionsync.services.base import CopyAuthorization
from regionsync.services.http import AzureHttp
from regionsync.services.registry import make_adapter
from regionsync.services.retry import RetrySettings

pytestmark = pytest.mark.loopback
KEY = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"


async def test_next_link_and_operation_location_elsewhere_are_refused_and_nothing_reaches_there() -> None:
    async with (
        listen() as bystander,
        listen(pointing_to(bystander.origin)) as service,
        httpx.AsyncClient() as client,
    ):
        http = AzureHttp(f"{service.origin}/res", KeyCredential(KEY), client=client, api_version="2024-11-30")
        adapter = make_adapter(
            Service.DOCUMENT_INTELLIGENCE, "2024-11-30", http, resource_id="/subscriptions/s", region="eastus"
        )
        with pytest.raises(RegionSyncError) as listing:
            await adapter.list_assets(AssetKind.MODEL)
        with pytest.raises(RegionSyncError) as copying:
            await adapter.start_copy(
                AssetKind.MODEL, "first", CopyAuthorization("first", {"targetModelId": "x"})
            )
    assert listing.value.code == "HostNotAllowed"
    assert copying.value.code == "HostNotAllowed"
    assert bystander.origin in listing.value.what
    assert bystander.connections == 0 and bystander.received == [], (
        "no request, no key reached the other port"
    )
    assert len(service.received) == 2, "the configured endpoint did get both requests"
    assert all(KEY.encode() in raw for raw in service.received)


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{other}/res/documentintelligence/operations/1",
        "http://localhost:{port}/res/documentintelligence/operations/1",
        "https://127.0.0.1:{port}/res/documentintelligence/operations/1",
        "http://127.0.0.1.evil.example:{port}/res/documentintelligence/operations/1",
        "//127.0.0.1:{other}/res/x",
    ],
)
async def test_only_the_exact_origin_is_trusted(
    world: World, client: httpx.AsyncClient, sent, link: str
) -> None:
    http = http_for(world, PRIMARY, client)
    port = httpx.URL(http.endpoint).port
    url = link.format(port=port, other=port + 1000)
    with pytest.raises(RegionSyncError) as info:
        await http.json("GET", url)
    assert info.value.code == "HostNotAllowed"
    assert sent == []


async def test_the_emulator_over_loopback_copies_pages_and_refuses_foreign_links(world: World) -> None:
    for i in range(120):
        world.add_model(PRIMARY, f"model-{i:03d}")
    async with serve(world) as running, listen() as bystander, httpx.AsyncClient() as client:
        assert running.world is world
        source = adapter_for(world, PRIMARY, client, "2024-11-30")
        target = adapter_for(world, SECONDARY, client, "2024-11-30")
        assert httpx.URL(source.http.endpoint).port not in (47001, 47002), "real ports, not the nominal ones"
        listed = await source.list_assets(AssetKind.MODEL)
        assert len(listed) == 120
        auth = await target.authorize_copy(AssetKind.MODEL, listed[0], None)
        started = await source.start_copy(AssetKind.MODEL, listed[0].id, auth)
        world.clock.advance(world.copy_seconds + 1)
        assert (await source.poll(started.operation_url)).state is JobState.SUCCEEDED

        foreign = started.operation_url.replace(source.http.origin, bystander.origin)
        with pytest.raises(RegionSyncError) as info:
            await source.poll(foreign)
        assert info.value.code == "HostNotAllowed"
        assert bystander.connections == 0

        world.faults.set_outage("westus2", True)
        target.http.retry = RetrySettings(attempts=2)
        with pytest.raises(RegionSyncError) as down:
            await target.resource_info()
        assert down.value.code == "Unreachable"
        assert (await source.resource_info()).custom_count == 120, "the other side is unaffected"


async def test_redirects_are_never_followed_even_by_a_client_that_would() -> None:
    async with (
        listen() as bystander,
        listen(redirecting_to(bystander.origin)) as service,
        httpx.AsyncClient(follow_redirects=True) as client,
    ):
        http = AzureHttp(f"{service.origin}/res", KeyCredential(KEY), client=client, api_version="2024-11-30")
        with pytest.raises(RegionSyncError) as info:
            await http.json("GET", "/documentintelligence/info")
    assert info.value.code == "HostNotAllowed"
    assert bystander.connections == 0
    assert len(service.received) == 1
