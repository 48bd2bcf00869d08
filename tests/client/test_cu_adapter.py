"""The Content Understanding adapter against the emulator: listing, grant → copy → poll, the copy's
refusals (expired grant, no grant, taken id, wrong key) and the model-deployment pre-flight."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from client_support import RecordingSleep, World

from regionsync.credentials import KeyCredential
from regionsync.domain import AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, Remedy
from regionsync.services.base import Peer
from regionsync.services.content_understanding import ContentUnderstandingAdapter
from regionsync.services.http import AzureHttp
from regionsync.services.registry import make_adapter
from regionsync.services.retry import RetrySettings

SOURCE = "contoso-cu-eus"
TARGET = "contoso-cu-wus"
VERSION = "2025-11-01"
MODELS = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}


def cu_world(world: World, *, target_deployments: dict[str, str] | None = None) -> World:
    """A CU resource per region; the source serves gpt-4.1 as `chat` and the large embedding as `emb`."""
    world.add_resource(SOURCE, service="content-understanding", region="eastus")
    world.add_resource(TARGET, service="content-understanding", region="westus2")
    world.add_deployment(SOURCE, "chat", "gpt-4.1")
    world.add_deployment(SOURCE, "emb", "text-embedding-3-large")
    deployments = {"chat": "gpt-4.1", "emb": "text-embedding-3-large"}
    for name, model in (deployments if target_deployments is None else target_deployments).items():
        world.add_deployment(TARGET, name, model)
    world.add_analyzer(SOURCE, "invoices", description="Invoices", models=MODELS, tags={"team": "ap"})
    return world


def adapter(
    world: World, name: str, client: httpx.AsyncClient, *, key: str | None = None
) -> ContentUnderstandingAdapter:
    resource = world.resources[name]
    http = AzureHttp(
        world.endpoint(name),
        KeyCredential(key or resource.keys[0]),
        client=client,
        api_version=None,
        retry=RetrySettings(backoff_factor=0.001),
        sleep=RecordingSleep(),
        side_label=f"{'primary' if name == SOURCE else 'secondary'} {resource.region}",
    )
    built = make_adapter(
        Service.CONTENT_UNDERSTANDING, VERSION, http, resource_id=resource.resource_id, region=resource.region
    )
    assert isinstance(built, ContentUnderstandingAdapter)
    return built


def peer(world: World, name: str) -> Peer:
    resource = world.resources[name]
    return Peer(resource.resource_id, resource.region, world.endpoint(name))


async def test_lists_custom_analyzers_with_their_deployments_and_reads_one(
    world: World, client: httpx.AsyncClient, sent: list[httpx.Request]
) -> None:
    cu_world(world)
    source = adapter(world, SOURCE, client)
    assert source.copy_direction == "source-grants" and source.replaces_in_place
    [asset] = await source.list_assets(AssetKind.ANALYZER)  # the prebuilt ones are never listed
    assert (asset.id, asset.name, asset.state, asset.description) == (
        "invoices",
        "invoices",
        "ready",
        "Invoices",
    )
    assert asset.created is not None and asset.modified is not None and asset.fingerprint
    assert asset.details["models"] == MODELS
    assert asset.details["deployments"] == {"gpt-4.1": "chat", "text-embedding-3-large": "emb"}
    assert asset.details["fieldSchema"]["fields"] == ["InvoiceDate", "Total", "VendorName"]
    assert asset.details["baseAnalyzerId"] == "prebuilt-document"

    read = await source.get_asset(AssetKind.ANALYZER, "invoices")
    assert read is not None and read.fingerprint == asset.fingerprint
    assert await source.get_asset(AssetKind.ANALYZER, "nope") is None
    assert await source.get_asset(AssetKind.ANALYZER, "prebuilt-invoice") is None

    before = len(sent)
    info = await source.resource_info()
    assert (info.custom_count, info.custom_limit, info.free) == (None, None, None)
    assert len(sent) == before, "CU has no quota API: nothing is asked"
    with pytest.raises(RegionSyncError) as refused:
        await source.list_assets(AssetKind.MODEL)
    assert refused.value.code == "NotSupported"


async def test_grant_copy_poll_lands_the_same_analyzer_on_the_target(
    world: World, client: httpx.AsyncClient, sent: list[httpx.Request]
) -> None:
    cu_world(world)
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    sent.clear()

    auth = await source.authorize_copy(AssetKind.ANALYZER, asset, None, peer=peer(world, TARGET))
    assert auth.target_id == "invoices" and auth.expires
    assert "payload=<hidden>" in repr(auth)
    assert sent[-1].url.path.endswith("/analyzers/invoices:grantCopyAuthorization")
    started = await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    assert started.operation_url.startswith(target.http.origin)
    assert started.body["status"] == "creating"
    assert "allowReplace" not in str(sent[-1].url)

    [creating] = await target.list_assets(AssetKind.ANALYZER)  # the service lists it while it is created
    assert creating.state == "creating"
    running = await target.poll(started.operation_url)
    assert running.state in (JobState.PENDING, JobState.RUNNING) and running.target_id is None
    world.clock.advance(world.copy_seconds + 1)
    done = await target.poll(started.operation_url)
    assert done.state is JobState.SUCCEEDED and done.target_id == "invoices" and done.percent == 100
    copy_calls = [
        f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in sent if "/operations/" not in r.url.path
    ]
    assert copy_calls[:2] == ["POST invoices:grantCopyAuthorization", "POST invoices:copy"]
    assert sum("/operations/" in r.url.path for r in sent) == 2  # one poll running, one done
    [copied] = await target.list_assets(AssetKind.ANALYZER)
    assert copied.state == "ready" and copied.fingerprint == asset.fingerprint
    assert copied.description == "Invoices" and copied.tags == {"team": "ap"}
    assert await target.find_copy_operation(AssetKind.ANALYZER, "invoices", "invoices") is None


async def test_a_taken_id_is_refused_unless_the_copy_replaces_it(
    world: World, client: httpx.AsyncClient
) -> None:
    cu_world(world)
    world.add_analyzer(TARGET, "invoices", description="outdated", models=MODELS)
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    auth = await source.authorize_copy(AssetKind.ANALYZER, asset, None, peer=peer(world, TARGET))
    with pytest.raises(RegionSyncError) as taken:
        await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    assert taken.value.status == 409 and "already exists" in taken.value.what
    started = await target.start_copy(
        AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE), replace=True
    )
    world.clock.advance(world.copy_seconds + 1)
    assert (await target.poll(started.operation_url)).state is JobState.SUCCEEDED
    replaced = await target.get_asset(AssetKind.ANALYZER, "invoices")
    assert replaced is not None and replaced.description == "Invoices"


async def test_an_expired_grant_and_a_missing_grant_ask_for_a_new_one(
    world: World, client: httpx.AsyncClient
) -> None:
    cu_world(world)
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    auth = await source.authorize_copy(AssetKind.ANALYZER, asset, None, peer=peer(world, TARGET))
    world.clock.advance(25 * 3600)  # a grant lives 24 hours
    with pytest.raises(RegionSyncError) as expired:
        await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    assert expired.value.remedy == Remedy.REAUTHORIZE and "expired" in expired.value.what
    assert expired.value.code == "InvalidRequest" and "24 hours" in expired.value.raw_message

    world.copy_grants.clear()
    with pytest.raises(RegionSyncError) as missing:
        await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    assert missing.value.remedy == Remedy.REAUTHORIZE and "not granted" in missing.value.what
    assert await target.list_assets(AssetKind.ANALYZER) == []


@pytest.mark.parametrize("wrong", [SOURCE, TARGET])
async def test_a_wrong_key_on_either_side_is_explained_without_the_key(
    world: World, client: httpx.AsyncClient, wrong: str
) -> None:
    cu_world(world)
    bad_key = "0123456789abcdef0123456789abcdef"
    source = adapter(world, SOURCE, client, key=bad_key if wrong == SOURCE else None)
    target = adapter(world, TARGET, client, key=bad_key if wrong == TARGET else None)
    side = source if wrong == SOURCE else target
    with pytest.raises(RegionSyncError) as denied:
        await side.list_assets(AssetKind.ANALYZER)
    error = denied.value
    assert error.status == 401 and error.remedy == Remedy.FIX_CREDENTIALS
    assert ("primary" if wrong == SOURCE else "secondary") in error.what
    for text in (error.one_line(), error.explain(), repr(error), repr(side), repr(side.http)):
        assert bad_key not in text


async def test_the_preflight_names_a_missing_deployment_and_the_service_fails_the_copy_the_same(
    world: World, client: httpx.AsyncClient
) -> None:
    cu_world(world, target_deployments={"chat": "gpt-4.1"})  # no embedding model on the target
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    blockers = await target.copy_blockers([asset])
    why, todo = blockers["invoices"]
    assert "no deployment of text-embedding-3-large" in why and "embedding model" in why
    assert "PATCH " + target.http.endpoint + "/contentunderstanding/defaults?api-version=2025-11-01" in todo
    assert '{"modelDeployments": {"text-embedding-3-large": "emb"}}' in todo

    # what the pre-flight prevents: the service accepts the copy, then fails it
    auth = await source.authorize_copy(AssetKind.ANALYZER, asset, None, peer=peer(world, TARGET))
    started = await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    world.clock.advance(world.copy_seconds + 1)
    failed = await target.poll(started.operation_url)
    assert failed.state is JobState.FAILED and failed.error is not None
    assert "no deployment of a model" in failed.error.what and "modelDeployments" in failed.error.todo
    assert await target.get_asset(AssetKind.ANALYZER, "invoices") is None  # nothing half-made is left


async def test_another_embedding_model_is_refused_another_completion_model_copies_with_a_warning(
    world: World, client: httpx.AsyncClient
) -> None:
    cu_world(world, target_deployments={"chat": "gpt-4o", "emb": "text-embedding-3-small"})
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    [(why, todo)] = (await target.copy_blockers([asset])).values()
    assert "'emb' runs text-embedding-3-small" in why and "gpt-4o" not in why
    assert "text-embedding-3-large" in todo

    auth = await source.authorize_copy(AssetKind.ANALYZER, asset, None, peer=peer(world, TARGET))
    with pytest.raises(RegionSyncError) as refused:
        await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    assert refused.value.status == 400 and "another embedding model" in refused.value.what

    world.add_deployment(TARGET, "emb", "text-embedding-3-large")  # only the completion model differs now
    assert await target.copy_blockers([asset]) == {}
    started = await target.start_copy(AssetKind.ANALYZER, asset.id, auth, peer=peer(world, SOURCE))
    world.clock.advance(world.copy_seconds + 1)
    done = await target.poll(started.operation_url)
    assert done.state is JobState.SUCCEEDED
    copied = await target.get_asset(AssetKind.ANALYZER, "invoices")
    assert copied is not None and "CompletionModelMismatch" in copied.details["warnings"][0]


async def test_an_analyzer_still_being_created_is_not_copied_yet(
    world: World, client: httpx.AsyncClient
) -> None:
    cu_world(world)
    source, target = adapter(world, SOURCE, client), adapter(world, TARGET, client)
    [asset] = await source.list_assets(AssetKind.ANALYZER)
    creating = dataclasses.replace(asset, state="creating")
    assert "still creating" in (await target.copy_blockers([creating]))["invoices"][0]


def test_unknown_api_version_is_refused() -> None:
    with pytest.raises(RegionSyncError) as info:
        ContentUnderstandingAdapter(None, "2024-12-01-preview")  # type: ignore[arg-type]
    assert "2025-11-01" in info.value.todo
