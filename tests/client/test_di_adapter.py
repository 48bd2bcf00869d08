"""The Document Intelligence adapter against the emulator: one test body for all four API versions."""

from __future__ import annotations

import httpx
import pytest
from client_support import PRIMARY, SECONDARY, VERSIONS, World, adapter_for

from regionsync.domain import AssetKind, JobState
from regionsync.errors import RegionSyncError


def seed_source(world: World, version: str) -> str:
    """Put one custom model (and the prebuilt ones the emulator always has) on the primary; its name."""
    if version == "2.1":
        world.add_legacy_model(PRIMARY, "invoices-2024")
        return "invoices-2024"
    world.add_model(
        PRIMARY, "invoices-2024", description="Invoices", tags={"team": "ap"}, doc_types=("invoice",)
    )
    return "invoices-2024"


@pytest.mark.parametrize("version", VERSIONS)
async def test_full_copy_flow(world: World, client: httpx.AsyncClient, version: str) -> None:
    name = seed_source(world, version)
    source = adapter_for(world, PRIMARY, client, version)
    target = adapter_for(world, SECONDARY, client, version)
    assert source.can_copy(AssetKind.MODEL)

    # list: custom models only, identified by name across the pair
    listed = await source.list_assets(AssetKind.MODEL)
    assert [a.name for a in listed] == [name]
    assert not any(a.id.startswith("prebuilt-") for a in listed)
    asset = listed[0]
    assert asset.created is not None and asset.fingerprint
    assert await target.list_assets(AssetKind.MODEL) == []

    # get: details, and None for what does not exist
    detailed = await source.get_asset(AssetKind.MODEL, asset.id)
    assert detailed is not None and detailed.name == name
    assert await source.get_asset(AssetKind.MODEL, "00000000-0000-0000-0000-000000000000") is None

    # quota
    info = await target.resource_info()
    assert (info.custom_count, info.custom_limit) == (0, 250)

    # authorize on the target, copy from the source
    auth = await target.authorize_copy(AssetKind.MODEL, asset, None)
    if version == "2.1":
        assert auth.target_id != asset.id, "v2.1 gives the copy a new GUID"
        assert not target.keeps_ids
    else:
        assert auth.target_id == asset.id
    assert "accessToken" in auth.payload and "payload=<hidden>" in repr(auth)
    started = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    assert started.operation_url.startswith(source.http.origin)
    assert started.retry_after is None, "Azure's recorded copies (and so the emulator) send no hint"
    world.retry_hints = True  # when a service does send one, the adapter reads it
    first = await source.poll(started.operation_url)
    assert first.retry_after is not None

    # poll until done: the emulator's clock is paused, so the copy finishes when we move it
    first = await source.poll(started.operation_url)
    assert first.state in (JobState.PENDING, JobState.RUNNING)
    world.clock.advance(world.copy_seconds + 1)
    done = await source.poll(started.operation_url)
    assert done.state is JobState.SUCCEEDED and done.error is None
    assert done.target_id == auth.target_id

    # the copy is on the target, under the same name, and compares equal
    copied = await target.get_asset(AssetKind.MODEL, auth.target_id)
    assert copied is not None and copied.name == name and copied.state == "ready"
    [listed_copy] = await target.list_assets(AssetKind.MODEL)
    assert listed_copy.fingerprint == asset.fingerprint
    if version != "2.1":
        assert copied.description == "Invoices" and copied.tags == {"team": "ap"}
    assert (await target.resource_info()).custom_count == 1

    # after a lost answer the copy can be found again (v3+; v2.1 has no operations list)
    found = await source.find_copy_operation(AssetKind.MODEL, asset.id, auth.target_id)
    if version == "2.1":
        assert found is None
    else:
        assert found is not None
        assert (await source.poll(found)).state is JobState.SUCCEEDED


@pytest.mark.parametrize("version", ["2023-07-31", "2024-11-30"])
async def test_classifiers_are_listed_and_copied_where_the_version_can(
    world: World, client: httpx.AsyncClient, version: str
) -> None:
    world.add_classifier(PRIMARY, "mail-sorter", doc_types=("invoice", "receipt"))
    source = adapter_for(world, PRIMARY, client, version)
    target = adapter_for(world, SECONDARY, client, version)
    assert AssetKind.CLASSIFIER in source.kinds
    [classifier] = await source.list_assets(AssetKind.CLASSIFIER)
    assert classifier.id == "mail-sorter" and classifier.details["docTypes"] == ["invoice", "receipt"]
    if version == "2023-07-31":
        assert not source.can_copy(AssetKind.CLASSIFIER)
        with pytest.raises(RegionSyncError) as info:
            await target.authorize_copy(AssetKind.CLASSIFIER, classifier, None)
        assert info.value.code == "NotSupported" and "2024-11-30" in info.value.todo
        return
    auth = await target.authorize_copy(AssetKind.CLASSIFIER, classifier, None)
    started = await source.start_copy(AssetKind.CLASSIFIER, classifier.id, auth)
    world.clock.advance(world.copy_seconds + 1)
    done = await source.poll(started.operation_url)
    assert done.state is JobState.SUCCEEDED and done.target_id == "mail-sorter"
    [copied] = await target.list_assets(AssetKind.CLASSIFIER)
    assert copied.fingerprint == classifier.fingerprint
    assert await source.find_copy_operation(AssetKind.CLASSIFIER, classifier.id, "mail-sorter") is not None


@pytest.mark.parametrize("version", ["2.1", "2022-08-31"])
async def test_older_versions_do_not_list_classifiers(
    world: World, client: httpx.AsyncClient, version: str
) -> None:
    adapter = adapter_for(world, PRIMARY, client, version)
    assert adapter.kinds == (AssetKind.MODEL,)
    with pytest.raises(RegionSyncError) as info:
        await adapter.list_assets(AssetKind.CLASSIFIER)
    assert info.value.code == "NotSupported"


async def test_copy_to_another_id_and_delete(world: World, client: httpx.AsyncClient) -> None:
    world.add_model(PRIMARY, "receipts")
    source = adapter_for(world, PRIMARY, client, "2024-11-30")
    target = adapter_for(world, SECONDARY, client, "2024-11-30")
    [asset] = await source.list_assets(AssetKind.MODEL)
    auth = await target.authorize_copy(AssetKind.MODEL, asset, "receipts-dr")
    started = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    world.clock.advance(world.copy_seconds + 1)
    assert (await source.poll(started.operation_url)).target_id == "receipts-dr"
    assert await target.delete_asset(AssetKind.MODEL, "receipts-dr") is True
    assert await target.delete_asset(AssetKind.MODEL, "receipts-dr") is False
    assert await target.get_asset(AssetKind.MODEL, "receipts-dr") is None


async def test_long_listings_follow_every_next_link_on_v21(world: World, client: httpx.AsyncClient) -> None:
    for i in range(205):
        world.add_legacy_model(PRIMARY, f"legacy-{i:03d}")
    assets = await adapter_for(world, PRIMARY, client, "2.1").list_assets(AssetKind.MODEL)
    assert len(assets) == 205 and len({a.id for a in assets}) == 205


def test_unknown_api_version_is_refused() -> None:
    from regionsync.services.document_intelligence import DocumentIntelligenceAdapter

    with pytest.raises(RegionSyncError) as info:
        DocumentIntelligenceAdapter(None, "2021-09-30-preview")  # type: ignore[arg-type]
    assert "2024-11-30" in info.value.todo
