"""Content Understanding: analyzers list/get/create/replace/update/delete, defaults, gateway rules, touch."""

from __future__ import annotations

import httpx
import pytest
from cu_wire import CU_VERSION, analyzer, cu_url, get, key
from emulator_constants import CU_SOURCE_KEY, CU_TARGET_KEY, SOURCE_KEY
from emulator_wire import v3_url

from regionsync.emulator import World
from regionsync.emulator.cu_prebuilt import PREBUILT_ANALYZERS

NEW_ANALYZER = {
    "description": "My analyzer",
    "tags": {"createdBy": "John"},
    "baseAnalyzerId": "prebuilt-document",
    "config": {"enableFormula": False, "returnDetails": True},
    "fieldSchema": {"name": "MyForm", "fields": {"Company": {"type": "string"}}, "definitions": {}},
    "models": {"completion": "gpt-4.1"},
    "processingLocation": "geography",
}


def params(**extra: str) -> dict[str, str]:
    return {"api-version": CU_VERSION, **extra}


async def test_the_list_shows_prebuilt_analyzers_first_then_all_of_the_resources_own(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    for n in range(120):
        cu_world.add_analyzer("cu-wus", f"bulk-{n:03d}")
    url = cu_url(cu_world, "cu-wus", "analyzers")
    first = (await cu_client.get(url, params=params(), headers=key(CU_SOURCE_KEY))).json()
    ids = [a["analyzerId"] for a in first["value"]]
    assert ids[: len(PREBUILT_ANALYZERS)] == list(PREBUILT_ANALYZERS)
    assert {"prebuilt-document", "prebuilt-invoice", "prebuilt-documentSearch"} <= set(ids)
    assert first["nextLink"].startswith(url + "?")
    second = (await get(cu_client, first["nextLink"], CU_SOURCE_KEY)).json()
    assert "nextLink" not in second
    everything = ids + [a["analyzerId"] for a in second["value"]]
    assert len(everything) == len(PREBUILT_ANALYZERS) + 121
    assert everything[-1] == "bulk-119"


async def test_create_replace_update_delete(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    url = cu_url(cu_world, "cu-swc", "analyzers/my-analyzer")
    created = await cu_client.put(url, params=params(), headers=key(CU_TARGET_KEY), json=NEW_ANALYZER)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "creating"
    location = created.headers["Operation-Location"]
    assert location.startswith(cu_url(cu_world, "cu-swc", "analyzers/my-analyzer/operations/"))
    again = await cu_client.put(url, params=params(), headers=key(CU_TARGET_KEY), json=NEW_ANALYZER)
    assert again.status_code == 409
    cu_world.clock.advance(6)
    done = (await get(cu_client, location, CU_TARGET_KEY)).json()
    assert done["status"] == "Succeeded"
    for field, value in NEW_ANALYZER.items():
        assert done["result"][field] == value

    exists = await cu_client.put(url, params=params(), headers=key(CU_TARGET_KEY), json=NEW_ANALYZER)
    assert exists.status_code == 409
    replaced = await cu_client.put(
        url, params=params(allowReplace="true"), headers=key(CU_TARGET_KEY), json={"description": "v2"}
    )
    assert replaced.status_code == 200
    cu_world.clock.advance(6)

    updated = await cu_client.patch(
        url,
        params=params(),
        headers={**key(CU_TARGET_KEY), "Content-Type": "application/merge-patch+json"},
        json={"description": "v3", "tags": {"owner": "ops"}},
    )
    assert updated.status_code == 200
    assert (updated.json()["description"], updated.json()["tags"]) == ("v3", {"owner": "ops"})

    assert (await cu_client.delete(url, params=params(), headers=key(CU_TARGET_KEY))).status_code == 204
    gone = await cu_client.get(url, params=params(), headers=key(CU_TARGET_KEY))
    assert gone.status_code == 404
    assert gone.json()["error"] == {
        "code": "NotFound",
        "message": "The analyzer 'my-analyzer' was not found.",
        "innererror": {"code": "AnalyzerNotFound"},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"baseAnalyzerId": "prebuilt-nothing"}, "baseAnalyzerId"),
        ({"fieldSchema": {"name": "x"}}, "fieldSchema"),
        ({"tags": {"a": 1}}, "tags"),
        ({"description": 5}, "description"),
    ],
)
async def test_bad_analyzer_bodies_are_400(
    cu_client: httpx.AsyncClient, cu_world: World, body: dict, field: str
) -> None:
    answer = await cu_client.put(
        cu_url(cu_world, "cu-swc", "analyzers/bad"), params=params(), headers=key(CU_TARGET_KEY), json=body
    )
    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]
    assert "bad" not in cu_world.resources["cu-swc"].analyzers


async def test_prebuilt_analyzers_can_be_read_but_not_changed(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    url = cu_url(cu_world, "cu-swc", "analyzers/prebuilt-invoice")
    got = await cu_client.get(url, params=params(), headers=key(CU_TARGET_KEY))
    assert got.status_code == 200
    assert got.json()["status"] == "ready"
    for answer in (
        await cu_client.delete(url, params=params(), headers=key(CU_TARGET_KEY)),
        await cu_client.put(url, params=params(allowReplace="true"), headers=key(CU_TARGET_KEY), json={}),
        await cu_client.patch(url, params=params(), headers=key(CU_TARGET_KEY), json={"description": "x"}),
    ):
        assert answer.status_code == 400
        assert answer.json()["error"]["innererror"]["code"] == "PrebuiltAnalyzerNotModifiable"


async def test_defaults_list_and_merge_model_deployments(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    url = cu_url(cu_world, "cu-swc", "defaults")
    before = (await cu_client.get(url, params=params(), headers=key(CU_TARGET_KEY))).json()
    assert before == {
        "modelDeployments": {"gpt-4.1": "gpt-4.1", "text-embedding-3-large": "text-embedding-3-large"}
    }
    after = await cu_client.patch(
        url,
        params=params(),
        headers=key(CU_TARGET_KEY),
        json={"modelDeployments": {"gpt-4.1": "newGpt41Deployment", "text-embedding-3-large": None}},
    )
    assert after.json() == {"modelDeployments": {"gpt-4.1": "newGpt41Deployment"}}
    bad = await cu_client.patch(
        url, params=params(), headers=key(CU_TARGET_KEY), json={"modelDeployments": [1]}
    )
    assert bad.status_code == 400


async def test_api_version_and_service_routing(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    url = cu_url(cu_world, "cu-wus", "analyzers")
    missing = await cu_client.get(url, headers=key(CU_SOURCE_KEY))
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    assert (
        await cu_client.get(url, params={"api-version": "2024-12-01-preview"}, headers=key(CU_SOURCE_KEY))
    ).status_code == 404
    # A Content Understanding resource does not answer Document Intelligence routes, nor the reverse.
    di_route = v3_url(cu_world, "cu-wus", "documentintelligence", "info?api-version=2024-11-30")
    assert (await cu_client.get(di_route, headers=key(CU_SOURCE_KEY))).status_code == 404
    cu_world.add_resource("di-eus", region="eastus", keys=[SOURCE_KEY, "k2"])
    on_di = await cu_client.get(
        cu_url(cu_world, "di-eus", "analyzers"), params=params(), headers=key(SOURCE_KEY)
    )
    assert (on_di.status_code, on_di.json()["error"]["code"]) == (404, "404")


async def test_touch_edits_an_analyzer(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    before = (await analyzer(cu_client, cu_world, "cu-wus", CU_SOURCE_KEY, "invoice-extractor")).json()
    cu_world.clock.advance(90)
    answer = await cu_client.post(
        f"{cu_world.admin_url}/_emulator/touch",
        json={"resource": "cu-wus", "kind": "analyzer", "id": "invoice-extractor"},
    )
    assert answer.status_code == 200
    after = (await analyzer(cu_client, cu_world, "cu-wus", CU_SOURCE_KEY, "invoice-extractor")).json()
    assert after["lastModifiedAt"] > before["lastModifiedAt"]
    assert after["createdAt"] == before["createdAt"]
    assert after["description"].startswith("Invoices (edited ")
    with pytest.raises(ValueError):
        cu_world.touch("cu-wus", "project", "invoice-extractor")


async def test_the_world_view_lists_analyzers_deployments_and_operations(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    await cu_client.put(
        cu_url(cu_world, "cu-swc", "analyzers/fresh"), params=params(), headers=key(CU_TARGET_KEY), json={}
    )
    view = (await cu_client.get(f"{cu_world.admin_url}/_emulator/world")).json()
    resources = {r["name"]: r for r in view["resources"]}
    assert [a["id"] for a in resources["cu-wus"]["analyzers"]] == ["invoice-extractor"]
    assert resources["cu-wus"]["deployments"]["gpt-4.1"] == "gpt-4.1"
    [operation] = resources["cu-swc"]["operations"]
    assert (operation["kind"], operation["target_id"], operation["status"]) == (
        "analyzerCreate",
        "fresh",
        "notStarted",
    )
    assert CU_SOURCE_KEY not in str(view)
