"""Content Understanding: every rule a copy meets, wrong keys on either side, and failing copies."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from cu_wire import CU_VERSION, analyzer, copy, cu_url, get, grant, key
from emulator_constants import CU_OTHER_KEY, CU_SOURCE_KEY, CU_TARGET_KEY

from regionsync.emulator import World
from regionsync.emulator.problems import UNAUTHORIZED_MESSAGE


def inner(answer: httpx.Response) -> str:
    return answer.json()["error"]["innererror"]["code"]


async def test_a_copy_without_a_grant_is_refused(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    answer = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidRequest"
    assert inner(answer) == "CopyAuthorizationNotFound"
    assert "grantCopyAuthorization" in answer.json()["error"]["message"]
    assert "invoice-extractor" not in cu_world.resources["cu-swc"].analyzers


async def test_a_grant_for_another_target_does_not_open_this_one(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    assert (await grant(cu_client, cu_world, CU_SOURCE_KEY, target="cu-other")).status_code == 200
    refused = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert refused.status_code == 400
    assert inner(refused) == "CopyAuthorizationNotFound"
    allowed = await copy(cu_client, cu_world, CU_OTHER_KEY, target="cu-other")
    assert allowed.status_code == 201


async def test_a_grant_for_another_region_does_not_count(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    target = cu_world.resources["cu-swc"]
    answer = await cu_client.post(
        cu_url(cu_world, "cu-wus", "analyzers/invoice-extractor:grantCopyAuthorization"),
        params={"api-version": CU_VERSION},
        headers=key(CU_SOURCE_KEY),
        json={"targetAzureResourceId": target.resource_id, "targetRegion": "eastus"},
    )
    assert answer.status_code == 200
    assert inner(await copy(cu_client, cu_world, CU_TARGET_KEY)) == "CopyAuthorizationNotFound"


async def test_an_expired_grant_is_refused(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    cu_world.clock.advance(timedelta(hours=24).total_seconds() + 1)
    answer = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert answer.status_code == 400
    assert inner(answer) == "CopyAuthorizationExpired"
    assert "24 hours" in answer.json()["error"]["message"]
    assert (await grant(cu_client, cu_world, CU_SOURCE_KEY)).status_code == 200
    assert (await copy(cu_client, cu_world, CU_TARGET_KEY)).status_code == 201


async def test_a_target_without_the_models_deployment_fails_the_copy(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    del cu_world.resources["cu-swc"].model_deployments["gpt-4.1"]
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    started = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert started.status_code == 201
    cu_world.clock.advance(1)
    failed = (await get(cu_client, started.headers["Operation-Location"], CU_TARGET_KEY)).json()
    assert failed["status"] == "Failed"
    assert failed["error"]["innererror"] == {"code": "ModelDeploymentNotFound"}
    assert "'gpt-4.1'" in failed["error"]["message"]
    assert "result" not in failed
    gone = await analyzer(cu_client, cu_world, "cu-swc", CU_TARGET_KEY, "invoice-extractor")
    assert gone.status_code == 404
    assert inner(gone) == "AnalyzerNotFound"

    # Deploying the model (PATCH defaults) makes the same copy succeed.
    patched = await cu_client.patch(
        cu_url(cu_world, "cu-swc", "defaults"),
        params={"api-version": CU_VERSION},
        headers={**key(CU_TARGET_KEY), "Content-Type": "application/merge-patch+json"},
        json={"modelDeployments": {"gpt-4.1": "gpt-4.1"}},
    )
    assert patched.json()["modelDeployments"]["gpt-4.1"] == "gpt-4.1"
    again = await copy(cu_client, cu_world, CU_TARGET_KEY)
    cu_world.clock.advance(6)
    assert (await get(cu_client, again.headers["Operation-Location"], CU_TARGET_KEY)).json()["status"] == (
        "Succeeded"
    )


async def test_a_different_embedding_model_is_a_400(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    deployments = cu_world.resources["cu-swc"].model_deployments
    del deployments["text-embedding-3-large"]
    deployments["text-embedding-3-small"] = "text-embedding-3-large"  # same name, another model
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    answer = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert answer.status_code == 400
    assert inner(answer) == "EmbeddingModelMismatch"
    assert "text-embedding-3-small" in answer.json()["error"]["message"]
    assert "invoice-extractor" not in cu_world.resources["cu-swc"].analyzers


async def test_a_different_completion_model_succeeds_with_a_warning(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    deployments = cu_world.resources["cu-swc"].model_deployments
    del deployments["gpt-4.1"]
    deployments["gpt-4.1-mini"] = "gpt-4.1"
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    started = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert started.status_code == 201
    cu_world.clock.advance(6)
    done = (await get(cu_client, started.headers["Operation-Location"], CU_TARGET_KEY)).json()
    assert done["status"] == "Succeeded"
    assert [w["code"] for w in done["result"]["warnings"]] == ["CompletionModelMismatch"]
    assert "gpt-4.1-mini" in done["result"]["warnings"][0]["message"]


@pytest.mark.parametrize("where", ["source", "target", "prebuilt-target"])
async def test_prebuilt_analyzers_are_never_copied(
    cu_client: httpx.AsyncClient, cu_world: World, where: str
) -> None:
    if where == "source":
        answer = await grant(cu_client, cu_world, CU_SOURCE_KEY, analyzer_id="prebuilt-invoice")
    elif where == "target":
        answer = await copy(cu_client, cu_world, CU_TARGET_KEY, source_analyzer_id="prebuilt-invoice")
    else:
        await grant(cu_client, cu_world, CU_SOURCE_KEY)
        answer = await copy(cu_client, cu_world, CU_TARGET_KEY, target_id="prebuilt-document")
    assert answer.status_code == 400
    assert inner(answer) == "PrebuiltAnalyzerNotModifiable"


async def test_unknown_source_resource_region_or_analyzer(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    url = cu_url(cu_world, "cu-swc", "analyzers/x:copy")
    source = cu_world.resources["cu-wus"]
    params = {"api-version": CU_VERSION}
    for body, status, code in (
        (
            {"sourceAzureResourceId": source.resource_id + "-gone", "sourceRegion": "westus"},
            400,
            "SourceResourceNotFound",
        ),
        (
            {"sourceAzureResourceId": source.resource_id, "sourceRegion": "eastus"},
            400,
            "SourceResourceNotFound",
        ),
        ({"sourceAzureResourceId": source.resource_id, "sourceRegion": "westus"}, 404, "AnalyzerNotFound"),
    ):
        answer = await cu_client.post(
            url, params=params, headers=key(CU_TARGET_KEY), json={**body, "sourceAnalyzerId": "nope"}
        )
        assert answer.status_code == status, answer.text
        assert inner(answer) == code
    missing_id = await cu_client.post(url, params=params, headers=key(CU_TARGET_KEY), json={})
    assert missing_id.status_code == 400
    assert inner(missing_id) == "InvalidParameter"


async def test_wrong_key_on_either_side_is_401(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    expected = {"error": {"code": "401", "message": UNAUTHORIZED_MESSAGE}}
    on_source = await grant(cu_client, cu_world, CU_TARGET_KEY)
    assert (on_source.status_code, on_source.json()) == (401, expected)
    assert (await grant(cu_client, cu_world, CU_SOURCE_KEY)).status_code == 200
    on_target = await copy(cu_client, cu_world, CU_SOURCE_KEY)
    assert (on_target.status_code, on_target.json()) == (401, expected)
    started = await copy(cu_client, cu_world, CU_TARGET_KEY)
    poll_with_source_key = await get(cu_client, started.headers["Operation-Location"], CU_SOURCE_KEY)
    assert poll_with_source_key.status_code == 401


async def test_a_copy_failing_midway_restores_the_analyzer_it_was_replacing(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    await copy(cu_client, cu_world, CU_TARGET_KEY)
    cu_world.clock.advance(6)
    before = (await analyzer(cu_client, cu_world, "cu-swc", CU_TARGET_KEY, "invoice-extractor")).json()
    cu_world.faults.fail_copies("cu-swc", at_percent=50, count=1)
    started = await copy(cu_client, cu_world, CU_TARGET_KEY, allow_replace=True)
    assert started.status_code == 200
    cu_world.clock.advance(2)
    assert (await get(cu_client, started.headers["Operation-Location"], CU_TARGET_KEY)).json()["status"] == (
        "Running"
    )
    cu_world.clock.advance(1)
    failed = (await get(cu_client, started.headers["Operation-Location"], CU_TARGET_KEY)).json()
    assert failed["status"] == "Failed"
    assert failed["error"]["code"] == "InternalServerError"
    assert "50%" in failed["error"]["message"]
    after = (await analyzer(cu_client, cu_world, "cu-swc", CU_TARGET_KEY, "invoice-extractor")).json()
    assert after == before
    assert cu_world.faults.copy_failures == []


async def test_a_copy_failure_fault_on_the_source_applies_too(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    cu_world.faults.fail_copies("cu-wus", at_percent=0, count=1)
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    started = await copy(cu_client, cu_world, CU_TARGET_KEY)
    cu_world.clock.advance(1)
    assert (await get(cu_client, started.headers["Operation-Location"], CU_TARGET_KEY)).json()["status"] == (
        "Failed"
    )


async def test_operations_are_per_analyzer_and_kept_for_24_hours(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    location = (await copy(cu_client, cu_world, CU_TARGET_KEY)).headers["Operation-Location"]
    wrong_analyzer = location.replace("/analyzers/invoice-extractor/", "/analyzers/other/")
    assert (await get(cu_client, wrong_analyzer, CU_TARGET_KEY)).status_code == 404
    cu_world.clock.advance(6 + 24 * 3600 + 1)
    gone = await get(cu_client, location, CU_TARGET_KEY)
    assert gone.status_code == 404
    assert inner(gone) == "OperationNotFound"
