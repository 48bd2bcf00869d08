"""The error catalogue over the emulator's real answers: every copy failure of the seeds' table."""

from __future__ import annotations

import traceback

import httpx
import pytest
from client_support import PRIMARY, SECONDARY, World, adapter_for, http_for

from regionsync.domain import AssetKind, JobState
from regionsync.errors import RegionSyncError, Remedy
from regionsync.services.base import CopyAuthorization
from regionsync.services.retry import RetrySettings

V4 = "2024-11-30"
BOTH_SHAPES = ["2.1", V4]


def seed(world: World, version: str, resource: str = PRIMARY) -> None:
    if version == "2.1":
        world.add_legacy_model(resource, "invoices")
    else:
        world.add_model(resource, "invoices", description="Invoices")


async def authorized(world: World, client: httpx.AsyncClient, version: str, source_name: str = PRIMARY):
    seed(world, version, source_name)
    source = adapter_for(world, source_name, client, version)
    target = adapter_for(world, SECONDARY, client, version)
    [asset] = await source.list_assets(AssetKind.MODEL)
    return source, target, asset, await target.authorize_copy(AssetKind.MODEL, asset, None)


async def finished(world: World, source, url: str):
    world.clock.advance(world.copy_seconds + 1)
    return await source.poll(url)


@pytest.mark.parametrize(
    ("version", "path", "code"),
    [
        ("2.1", "/formrecognizer/v2.1/custom/models/00000000-0000-0000-0000-000000000001", "1022"),
        (V4, "/documentintelligence/documentModels/nope?api-version=2024-11-30", "NotFound"),
    ],
)
async def test_not_found_in_both_shapes(world, client, version: str, path: str, code: str) -> None:
    with pytest.raises(RegionSyncError) as info:
        await http_for(world, PRIMARY, client).json("GET", path)
    error = info.value
    assert error.status == 404 and error.code == code
    assert "was not found" in error.what and "primary eastus" in error.what
    assert error.request_id


async def test_model_exists_on_the_target(world, client) -> None:
    seed(world, V4)
    world.add_model(SECONDARY, "invoices")
    target = adapter_for(world, SECONDARY, client, V4)
    [asset] = await adapter_for(world, PRIMARY, client, V4).list_assets(AssetKind.MODEL)
    with pytest.raises(RegionSyncError) as info:
        await target.authorize_copy(AssetKind.MODEL, asset, None)
    assert info.value.status == 409 and "already exists" in info.value.what
    assert info.value.details["innercode"] == "ModelExists"


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_a_full_target_says_free_quota(world, client, version: str) -> None:
    world.add_resource("tiny", region="westus2", custom_model_limit=1)
    seed(world, version, "tiny")
    seed(world, version)
    [asset] = await adapter_for(world, PRIMARY, client, version).list_assets(AssetKind.MODEL)
    with pytest.raises(RegionSyncError) as info:
        await adapter_for(world, "tiny", client, version).authorize_copy(AssetKind.MODEL, asset, "other")
    error = info.value
    assert error.remedy == Remedy.FREE_QUOTA
    assert "delete unused models on the target or raise its limit" in error.todo.lower()


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_a_modified_authorization_asks_for_a_new_one(world, client, version: str) -> None:
    source, _, asset, auth = await authorized(world, client, version)
    tampered = CopyAuthorization(
        target_id=auth.target_id,
        payload={**auth.payload, "accessToken": auth.payload["accessToken"][::-1]},
        target_resource_id=auth.target_resource_id,
        target_region=auth.target_region,
    )
    with pytest.raises(RegionSyncError) as info:
        await source.start_copy(AssetKind.MODEL, asset.id, tampered)
    error = info.value
    assert error.status == 400 and error.remedy == Remedy.REAUTHORIZE
    assert "modified" in error.what and "NEW copy authorization" in error.todo
    if version == "2.1":
        assert error.code == "1002"


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_an_expired_authorization_asks_for_a_new_one(world, client, version: str) -> None:
    source, _, asset, auth = await authorized(world, client, version)
    world.clock.advance(25 * 3600)
    with pytest.raises(RegionSyncError) as info:
        await source.start_copy(AssetKind.MODEL, asset.id, auth)
    assert info.value.remedy == Remedy.REAUTHORIZE
    assert "expired" in info.value.what


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_a_reused_authorization_is_explained(world, client, version: str) -> None:
    source, _, asset, auth = await authorized(world, client, version)
    first = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    assert (await finished(world, source, first.operation_url)).state is JobState.SUCCEEDED
    try:
        again = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    except RegionSyncError as error:  # refused at once
        explained = error
    else:  # or failed while running
        status = await finished(world, source, again.operation_url)
        assert status.state is JobState.FAILED and status.error is not None
        explained = status.error
    assert explained.remedy == Remedy.REAUTHORIZE
    assert "already used" in explained.what
    assert "authorization metadata" in explained.raw_message


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_encrypted_to_unencrypted_needs_consent(world, client, version: str) -> None:
    world.add_resource("secure-eus", region="eastus", encrypted=True)
    source, target, asset, auth = await authorized(world, client, version, source_name="secure-eus")
    started = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    status = await finished(world, source, started.operation_url)
    assert status.state is JobState.FAILED and status.error is not None
    assert status.error.remedy == Remedy.ALLOW_DEGRADE
    assert status.error.code == "DataProtectionTransformServiceError" or "DataProtection" in str(
        status.error.details
    )
    assert "--allow-degrade" in status.error.todo

    fresh = await target.authorize_copy(AssetKind.MODEL, asset, None)
    started = await source.start_copy(AssetKind.MODEL, asset.id, fresh, allow_degrade=True)
    assert (await finished(world, source, started.operation_url)).state is JobState.SUCCEEDED


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_an_unknown_target_resource_points_at_the_profile(world, client, version: str) -> None:
    source, _, asset, auth = await authorized(world, client, version)
    world.remove_resource(SECONDARY)
    try:
        started = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    except RegionSyncError as error:
        explained = error
    else:
        status = await finished(world, source, started.operation_url)
        assert status.state is JobState.FAILED and status.error is not None
        explained = status.error
    assert explained.remedy == Remedy.FIX_PROFILE
    assert "resource_id" in explained.todo and "region" in explained.todo


@pytest.mark.parametrize("version", BOTH_SHAPES)
async def test_an_injected_copy_failure_reads_as_a_failed_operation(world, client, version: str) -> None:
    source, _, asset, auth = await authorized(world, client, version)
    world.faults.fail_copies(at_percent=50)
    started = await source.start_copy(AssetKind.MODEL, asset.id, auth)
    status = await finished(world, source, started.operation_url)
    assert status.state is JobState.FAILED and status.error is not None
    assert status.error.raw_message


async def test_no_key_or_token_appears_in_any_error(world, client, sent) -> None:
    """Trigger every failure the HTTP layer raises and grep their texts, reprs and tracebacks."""
    key = world.resources[PRIMARY].keys[0]
    source, _, asset, auth = await authorized(world, client, V4)
    token = auth.payload["accessToken"]
    http = http_for(world, PRIMARY, client, retry=RetrySettings(attempts=2), api_version=V4)
    failures: list[RegionSyncError] = []

    async def collect(call) -> None:
        try:
            await call()
        except RegionSyncError as error:
            failures.append(error)

    world.faults.throttle(1.0, retry_after=1)
    await collect(lambda: http.json("GET", "/documentintelligence/info"))
    world.faults.clear()
    world.faults.server_errors(1.0, status=500)
    await collect(lambda: http.json("GET", "/documentintelligence/info"))
    await collect(lambda: source.start_copy(AssetKind.MODEL, asset.id, auth))
    world.faults.clear()
    world.faults.malformed(1.0)
    await collect(lambda: http.json("GET", "/documentintelligence/info"))
    world.faults.clear()
    await collect(lambda: http.json("GET", "/documentintelligence/documentModels/nope"))
    await collect(lambda: source.poll("http://127.0.0.1:1/elsewhere"))
    await collect(
        lambda: http_for(world, PRIMARY, client, key=key[::-1]).json("GET", "/documentintelligence/info")
    )
    world.faults.set_outage("eastus", True)
    await collect(lambda: http.json("GET", "/documentintelligence/info"))
    world.faults.clear()
    tampered = CopyAuthorization(auth.target_id, {**auth.payload, "targetModelId": "x"})
    await collect(lambda: source.start_copy(AssetKind.MODEL, asset.id, tampered))

    codes = {f.code for f in failures}
    assert {"429", "OutcomeUnknown", "BadResponse", "HostNotAllowed", "401", "Unreachable"} <= codes
    assert len(failures) == 9, " ".join(f.code for f in failures)
    for failure in failures:
        text = "\n".join(
            [
                failure.explain(),
                str(failure),
                repr(failure),
                str(failure.details),
                str(failure.args),
                *traceback.format_exception(failure),
            ]
        )
        assert key not in text and key[::-1] not in text, failure.code
        assert token not in text, failure.code


async def test_a_bad_target_region_points_at_the_profile(world, client) -> None:
    source, _, asset, auth = await authorized(world, client, "2.1")
    wrong = CopyAuthorization(
        auth.target_id, auth.payload, target_resource_id=auth.target_resource_id, target_region="Mars-1"
    )
    with pytest.raises(RegionSyncError) as info:
        await source.start_copy(AssetKind.MODEL, asset.id, wrong)
    error = info.value
    assert error.status == 400 and error.remedy == Remedy.FIX_PROFILE
    assert "region" in error.what and "`resource_id` and `region`" in error.todo
