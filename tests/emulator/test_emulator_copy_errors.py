"""Every copy error of the seeds' table, as status, error code and message, for v3+/v4 and v2.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import (
    V3_VERSIONS,
    authorize_v3,
    authorize_v21,
    copy_v3,
    copy_v21,
    key,
    legacy_id,
    v3_url,
    v21_url,
)

from regionsync.emulator import World

V4 = ("2024-11-30", "documentintelligence")


async def _finished(client: httpx.AsyncClient, world: World, started: httpx.Response) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    world.clock.advance(world.copy_seconds)
    return (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()


# --- refused at once ------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_modified_authorization_is_refused(
    client: httpx.AsyncClient, world: World, version: str, base: str
):
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    authorization["targetModelId"] = "something-else"
    refused = await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "InvalidRequest"
    assert error["innererror"]["code"] == "InvalidCopyAuthorization"
    assert error["innererror"]["message"].startswith(
        "Authorization failure due to missing or invalid authorization claims"
    )


@pytest.mark.parametrize("field", ["accessToken", "expirationDateTime", "targetModelLocation"])
async def test_tampered_or_missing_claims_are_refused(client: httpx.AsyncClient, world: World, field: str):
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    tampered = dict(authorization)
    tampered[field] = tampered[field][:-2] + "zz" if field != "expirationDateTime" else "2099-01-01T00:00:00Z"
    missing = {k: v for k, v in authorization.items() if k != field}
    for body in (tampered, missing):
        refused = await copy_v3(client, world, *V4, SOURCE_KEY, body)
        assert refused.status_code == 400
        assert refused.json()["error"]["innererror"]["code"] == "InvalidCopyAuthorization"
    # The genuine authorization still works afterwards: nothing was consumed.
    assert (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).status_code == 202


async def test_expired_authorization_is_refused(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    world.clock.advance(24 * 3600 + 1)
    refused = await copy_v3(client, world, *V4, SOURCE_KEY, authorization)
    assert refused.status_code == 400
    assert refused.json()["error"]["innererror"]["code"] == "CopyAuthorizationExpired"
    assert "expired" in refused.json()["error"]["innererror"]["message"]


async def test_authorization_is_valid_for_1_hour(client: httpx.AsyncClient, world: World) -> None:
    """v3+ authorizations live 1 hour, as the service's recordings show (di_versions.RECORDED_FACTS)."""
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    world.clock.advance(3600 - 1)
    assert (await copy_v3(client, world, *V4, SOURCE_KEY, authorization)).status_code == 202


async def test_malformed_target_resource_id_and_region(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    bad_id = {**authorization, "targetResourceId": "not-a-resource-id"}
    refused = await copy_v3(client, world, *V4, SOURCE_KEY, bad_id)
    assert refused.status_code == 400
    assert refused.json()["error"]["innererror"]["code"] == "InvalidTargetResourceId"
    assert "Invalid or malformed targetResourceId" in refused.json()["error"]["innererror"]["message"]
    for region in ("West US 2", "atlantis"):
        refused = await copy_v3(
            client, world, *V4, SOURCE_KEY, {**authorization, "targetResourceRegion": region}
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["innererror"]["code"] == "InvalidTargetResourceRegion"


async def test_v21_refusals_use_code_1002(client: httpx.AsyncClient, world: World) -> None:
    source_id = legacy_id(world, "source-eus", "receipts-2020")
    authorization = await authorize_v21(client, world, TARGET_KEY)
    modified = {**authorization, "modelId": "00000000-0000-0000-0000-000000000000"}
    refused = await copy_v21(client, world, SOURCE_KEY, modified, source_id)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": {
            "code": "1002",
            "message": "Authorization failure due to missing or invalid authorization claims.",
        }
    }
    bad_region = await copy_v21(client, world, SOURCE_KEY, authorization, source_id, target_region="nowhere")
    assert bad_region.status_code == 400
    assert bad_region.json()["error"]["code"] == "1002"
    assert "targetResourceRegion" in bad_region.json()["error"]["message"]
    bad_id = await copy_v21(client, world, SOURCE_KEY, authorization, source_id, target_resource_id="/nope")
    assert bad_id.json()["error"]["code"] == "1002"
    assert "targetResourceId" in bad_id.json()["error"]["message"]
    world.clock.advance(24 * 3600 + 1)
    expired = await copy_v21(client, world, SOURCE_KEY, authorization, source_id)
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "1002"
    assert "expired" in expired.json()["error"]["message"]


# --- failures while the copy runs ---------------------------------------------------------------


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_reused_authorization_after_success(
    client: httpx.AsyncClient, world: World, version: str, base: str
):
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    first = await _finished(
        client, world, await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    )
    assert first["status"] == "succeeded"
    second = await _finished(
        client, world, await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    )
    assert second["status"] == "failed"
    assert second["error"]["innererror"]["code"] == "AuthorizationMetadataNotFound"
    assert second["error"]["innererror"]["message"].startswith("Couldn't retrieve authorization metadata")


async def test_reused_authorization_after_a_failure(client: httpx.AsyncClient, world: World) -> None:
    world.faults.fail_copies("source-eus", at_percent=30, count=1)
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    first = await _finished(client, world, await copy_v3(client, world, *V4, SOURCE_KEY, authorization))
    assert first["status"] == "failed"
    retry = await _finished(client, world, await copy_v3(client, world, *V4, SOURCE_KEY, authorization))
    assert retry["error"]["innererror"]["code"] == "AuthorizationMetadataNotFound"
    fresh = await authorize_v3(client, world, *V4, TARGET_KEY)
    assert (await _finished(client, world, await copy_v3(client, world, *V4, SOURCE_KEY, fresh)))[
        "status"
    ] == ("succeeded")


async def test_encrypted_to_unencrypted_needs_the_degrade_header(
    client: httpx.AsyncClient, world: World
) -> None:
    world.resources["source-eus"].encrypted = True
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    done = await _finished(client, world, await copy_v3(client, world, *V4, SOURCE_KEY, authorization))
    assert done["status"] == "failed"
    assert done["percentCompleted"] == 0
    assert done["error"]["innererror"]["code"] == "DataProtectionTransformServiceError"
    assert done["error"]["innererror"]["message"].startswith(
        "Data transfer request isn't allowed as it downgrades to a less secure data protection scheme"
    )
    absent = await client.get(
        v3_url(world, "target-wus2", "documentintelligence", "documentModels/invoice-copy"),
        params={"api-version": "2024-11-30"},
        headers=key(TARGET_KEY),
    )
    assert absent.status_code == 404


async def test_unknown_target_resource(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    ghost = authorization["targetResourceId"].replace("target-wus2", "ghost-wus2")
    done = await _finished(
        client,
        world,
        await copy_v3(client, world, *V4, SOURCE_KEY, {**authorization, "targetResourceId": ghost}),
    )
    assert done["status"] == "failed"
    assert done["error"]["code"] == "InvalidRequest"
    assert done["error"]["innererror"]["code"] == "ResourceResolverError"
    assert done["error"]["innererror"]["message"].startswith(
        f"Couldn't fetch information for Cognitive resource with ID '{ghost}'"
    )


async def test_token_presented_for_another_resource(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    other = world.resources["other-wus2"].resource_id
    done = await _finished(
        client,
        world,
        await copy_v3(client, world, *V4, SOURCE_KEY, {**authorization, "targetResourceId": other}),
    )
    assert done["error"]["innererror"]["code"] == "InvalidCopyAuthorization"
    assert world.resources["other-wus2"].models == {}


async def test_over_the_limit_at_authorize_and_while_copying(client: httpx.AsyncClient, world: World) -> None:
    world.resources["target-wus2"].custom_model_limit = 1
    authorization = await authorize_v3(client, world, *V4, TARGET_KEY)
    world.add_model("target-wus2", "filler")  # the limit is reached between authorize and copy
    done = await _finished(client, world, await copy_v3(client, world, *V4, SOURCE_KEY, authorization))
    assert done["status"] == "failed"
    assert done["error"]["innererror"]["code"] == "ModelQuotaExceeded"
    refused = await client.post(
        v3_url(world, "target-wus2", "documentintelligence", "documentModels:authorizeCopy"),
        params={"api-version": "2024-11-30"},
        headers=key(TARGET_KEY),
        json={"modelId": "another"},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InvalidRequest"
    assert refused.json()["error"]["innererror"]["code"] == "ModelQuotaExceeded"
    assert "(1/1)" in refused.json()["error"]["innererror"]["message"]


@pytest.mark.parametrize(
    ("collection", "field", "inner"),
    [
        ("documentModels", "modelId", "ModelExists"),
        ("documentClassifiers", "classifierId", "ClassifierExists"),
    ],
)
async def test_existing_target_id_conflicts(
    client: httpx.AsyncClient, world: World, collection: str, field: str, inner: str
) -> None:
    existing = "invoice" if field == "modelId" else "mail-sorter"
    refused = await client.post(
        v3_url(world, "source-eus", "documentintelligence", f"{collection}:authorizeCopy"),
        params={"api-version": "2024-11-30"},
        headers=key(SOURCE_KEY),
        json={field: existing},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "Conflict"
    assert refused.json()["error"]["innererror"]["code"] == inner


async def test_v21_failures_are_listed_in_copy_result(client: httpx.AsyncClient, world: World) -> None:
    source_id = legacy_id(world, "source-eus", "receipts-2020")
    world.resources["source-eus"].encrypted = True
    authorization = await authorize_v21(client, world, TARGET_KEY)
    done = await _finished(client, world, await copy_v21(client, world, SOURCE_KEY, authorization, source_id))
    assert done["status"] == "failed"
    assert done["copyResult"]["modelId"] == authorization["modelId"]
    [error] = done["copyResult"]["errors"]
    assert error["code"] == "DataProtectionTransformServiceError"

    reused = await _finished(
        client, world, await copy_v21(client, world, SOURCE_KEY, authorization, source_id)
    )
    assert reused["copyResult"]["errors"][0]["code"] == "AuthorizationMetadataNotFound"
    assert reused["copyResult"]["errors"][0]["message"].startswith("Couldn't retrieve authorization metadata")

    fresh = await authorize_v21(client, world, TARGET_KEY)
    ghost = world.resources["target-wus2"].resource_id.replace("target-wus2", "ghost")
    unknown = await _finished(
        client, world, await copy_v21(client, world, SOURCE_KEY, fresh, source_id, target_resource_id=ghost)
    )
    assert unknown["copyResult"]["errors"][0]["code"] == "ResourceResolverError"
    assert (
        "Couldn't fetch information for Cognitive resource with ID"
        in unknown["copyResult"]["errors"][0]["message"]
    )


async def test_v21_over_the_limit(client: httpx.AsyncClient, world: World) -> None:
    world.resources["target-wus2"].custom_model_limit = 0
    refused = await client.post(
        v21_url(world, "target-wus2", "custom/models/copyAuthorization"), headers=key(TARGET_KEY)
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ModelQuotaExceeded"
