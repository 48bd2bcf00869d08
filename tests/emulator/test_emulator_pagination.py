"""Lists page with absolute nextLinks: v3+ models (1,200), v2.1 models (1,050), operations."""

from __future__ import annotations

import httpx
import pytest
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import V3_VERSIONS, authorize_v3, copy_v3, key, v3_url, v21_url

from regionsync.emulator import World
from regionsync.emulator.paging import PAGE_SIZE
from regionsync.emulator.prebuilt import PREBUILT_BY_VERSION


async def _follow(
    client: httpx.AsyncClient, url: str, params: dict[str, str], items: str, api_key: str, endpoint: str
) -> tuple[list[dict], int]:
    collected: list[dict] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        answer = await client.get(next_url, params=params if pages == 0 else None, headers=key(api_key))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        collected.extend(body[items])
        pages += 1
        next_url = body.get("nextLink") or None
        if next_url:
            assert next_url.startswith(endpoint + "/")
    return collected, pages


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_v3_lists_1200_models_through_next_links(
    client: httpx.AsyncClient, world: World, version: str, base: str
) -> None:
    for n in range(1200):
        world.add_model("target-wus2", f"bulk-{n:04d}")
    models, pages = await _follow(
        client,
        v3_url(world, "target-wus2", base, "documentModels"),
        {"api-version": version},
        "value",
        TARGET_KEY,
        world.endpoint("target-wus2"),
    )
    ids = [m["modelId"] for m in models]
    prebuilt = PREBUILT_BY_VERSION[version]
    assert len(ids) == len(set(ids)) == 1200 + len(prebuilt)
    assert ids[: len(prebuilt)] == list(prebuilt)
    assert pages == -(-len(ids) // PAGE_SIZE)


async def test_v21_lists_1050_models_through_next_links(client: httpx.AsyncClient, world: World) -> None:
    for n in range(1050):
        world.add_legacy_model("target-wus2", f"legacy-{n:04d}")
    url = v21_url(world, "target-wus2", "custom/models")
    models, pages = await _follow(
        client, url, {"op": "full"}, "modelList", TARGET_KEY, world.endpoint("target-wus2")
    )
    assert len({m["modelId"] for m in models}) == 1050
    assert pages == 11
    last = (
        await client.get(url, params={"op": "full", "nextLink": "bzoxMDAw"}, headers=key(TARGET_KEY))
    ).json()
    assert last["nextLink"] == ""  # the service's last page carries an empty nextLink
    summary = (await client.get(url, params={"op": "summary"}, headers=key(TARGET_KEY))).json()
    assert summary == {
        "summary": {
            "count": 1050,
            "limit": 250,
            "lastUpdatedDateTime": summary["summary"]["lastUpdatedDateTime"],
        }
    }


async def test_operations_list_pages(client: httpx.AsyncClient, world: World) -> None:
    version, base = "2023-07-31", "formrecognizer"
    world.resources["target-wus2"].custom_model_limit = 1000
    for n in range(PAGE_SIZE + 20):
        authorization = await authorize_v3(client, world, version, base, TARGET_KEY, model_id=f"copy-{n}")
        assert (await copy_v3(client, world, version, base, SOURCE_KEY, authorization)).status_code == 202
    operations, pages = await _follow(
        client,
        v3_url(world, "source-eus", base, "operations"),
        {"api-version": version},
        "value",
        SOURCE_KEY,
        world.endpoint("source-eus"),
    )
    assert len({op["operationId"] for op in operations}) == PAGE_SIZE + 20
    assert pages == 2


async def test_a_bad_continuation_token_is_refused(client: httpx.AsyncClient, world: World) -> None:
    answer = await client.get(
        v3_url(world, "source-eus", "formrecognizer", "documentModels"),
        params={"api-version": "2023-07-31", "nextLink": "%%%garbage"},
        headers=key(SOURCE_KEY),
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["innererror"]["code"] == "InvalidParameter"
