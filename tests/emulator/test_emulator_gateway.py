"""What the gateway answers before any handler: keys per resource, regions by port, api-version, hosts."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from emulator_constants import OTHER_KEY, SOURCE_KEY, TARGET_KEY
from emulator_wire import V3_VERSIONS, authorize_v3, copy_v3, key, v3_url, v21_url

from regionsync.emulator import World
from regionsync.emulator.problems import UNAUTHORIZED_MESSAGE

UNAUTHORIZED = {"error": {"code": "401", "message": UNAUTHORIZED_MESSAGE}}
GATEWAY_404 = {"error": {"code": "404", "message": "Resource not found"}}


@pytest.mark.parametrize("headers", [{}, key("wrong"), key(TARGET_KEY)])
async def test_missing_or_wrong_key_is_401(
    client: httpx.AsyncClient, world: World, headers: dict[str, str]
) -> None:
    for url in (
        v3_url(world, "source-eus", "formrecognizer", "documentModels?api-version=2023-07-31"),
        v3_url(world, "source-eus", "documentintelligence", "info?api-version=2024-11-30"),
        v21_url(world, "source-eus", "custom/models"),
    ):
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == UNAUTHORIZED
        assert UNAUTHORIZED_MESSAGE.startswith(
            "Access denied due to invalid subscription key or wrong API endpoint."
        )


async def test_both_keys_open_their_own_resource_only(client: httpx.AsyncClient, world: World) -> None:
    url = v3_url(world, "target-wus2", "formrecognizer", "info")
    for k in world.resources["target-wus2"].keys:
        assert (
            await client.get(url, params={"api-version": "2022-08-31"}, headers=key(k))
        ).status_code == 200
    # other-wus2 lives in the same region, on the same port: its key is still refused.
    answer = await client.get(url, params={"api-version": "2022-08-31"}, headers=key(OTHER_KEY))
    assert answer.status_code == 401


async def test_a_copy_to_one_resource_never_appears_on_another(
    client: httpx.AsyncClient, world: World
) -> None:
    version, base = "2024-11-30", "documentintelligence"
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    world.clock.advance(6)
    on_target = await client.get(
        v3_url(world, "target-wus2", base, "documentModels/invoice-copy"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
    )
    on_other = await client.get(
        v3_url(world, "other-wus2", base, "documentModels/invoice-copy"),
        params={"api-version": version},
        headers=key(OTHER_KEY),
    )
    assert on_target.status_code == 200
    assert on_other.status_code == 404
    assert on_other.json()["error"]["innererror"]["code"] == "ModelNotFound"


async def test_resource_on_another_regions_port_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    wrong_port = world.endpoint("target-wus2").replace("target-wus2", "source-eus")
    answer = await client.get(
        f"{wrong_port}/formrecognizer/info?api-version=2023-07-31", headers=key(SOURCE_KEY)
    )
    assert answer.status_code == 404
    assert answer.json() == GATEWAY_404
    unknown = await client.get(
        world.endpoint("source-eus").replace("source-eus", "nobody")
        + "/formrecognizer/info?api-version=2023-07-31"
    )
    assert unknown.json() == GATEWAY_404


async def test_api_version_handling(client: httpx.AsyncClient, world: World) -> None:
    missing = await client.get(
        v3_url(world, "source-eus", "formrecognizer", "documentModels"), headers=key(SOURCE_KEY)
    )
    assert missing.status_code == 400
    assert missing.json() == {
        "error": {
            "code": "MissingApiVersionParameter",
            "message": "The api-version query parameter (?api-version=) is required for all requests.",
        }
    }
    for base, version in (
        ("formrecognizer", "2024-11-30"),
        ("documentintelligence", "2023-07-31"),
        ("formrecognizer", "2021-09-30-preview"),
    ):
        answer = await client.get(
            v3_url(world, "source-eus", base, "documentModels"),
            params={"api-version": version},
            headers=key(SOURCE_KEY),
        )
        assert answer.status_code == 404
        assert answer.json() == GATEWAY_404
    # v2.1 carries its version in the path and ignores the query parameter.
    assert (
        await client.get(v21_url(world, "source-eus", "custom/models"), headers=key(SOURCE_KEY))
    ).status_code == 200


async def test_routes_a_version_does_not_have(client: httpx.AsyncClient, world: World) -> None:
    classifiers_v30 = await client.get(
        v3_url(world, "source-eus", "formrecognizer", "documentClassifiers"),
        params={"api-version": "2022-08-31"},
        headers=key(SOURCE_KEY),
    )
    assert classifiers_v30.status_code == 404
    classifier_copy_v31 = await client.post(
        v3_url(world, "target-wus2", "formrecognizer", "documentClassifiers:authorizeCopy"),
        params={"api-version": "2023-07-31"},
        headers=key(TARGET_KEY),
        json={"classifierId": "x1"},
    )
    assert classifier_copy_v31.status_code == 404
    listed_v31 = await client.get(
        v3_url(world, "source-eus", "formrecognizer", "documentClassifiers"),
        params={"api-version": "2023-07-31"},
        headers=key(SOURCE_KEY),
    )
    assert [c["classifierId"] for c in listed_v31.json()["value"]] == ["mail-sorter"]


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_unknown_model_v3(client: httpx.AsyncClient, world: World, version: str, base: str) -> None:
    for method in ("GET", "DELETE"):
        answer = await client.request(
            method,
            v3_url(world, "source-eus", base, "documentModels/nope"),
            params={"api-version": version},
            headers=key(SOURCE_KEY),
        )
        assert answer.status_code == 404
        assert answer.json() == {
            "error": {
                "code": "NotFound",
                "message": "Resource not found.",
                "innererror": {"code": "ModelNotFound", "message": "The requested model was not found."},
            }
        }
    copy = await copy_v3(client, world, version, base, SOURCE_KEY, {}, model_id="nope")
    assert copy.status_code == 404
    operation = await client.get(
        v3_url(world, "source-eus", base, f"operations/{uuid.uuid4()}"),
        params={"api-version": version},
        headers=key(SOURCE_KEY),
    )
    assert operation.status_code == 404
    assert operation.json()["error"]["innererror"]["code"] == "OperationNotFound"


async def test_unknown_model_v21(client: httpx.AsyncClient, world: World) -> None:
    model_id = str(uuid.uuid4())
    for method, path in (
        ("GET", f"custom/models/{model_id}"),
        ("DELETE", f"custom/models/{model_id}"),
        ("POST", f"custom/models/{model_id}/copy"),
    ):
        answer = await client.request(
            method, v21_url(world, "source-eus", path), headers=key(SOURCE_KEY), json={}
        )
        assert answer.status_code == 404
        assert answer.json() == {
            "error": {"code": "1022", "message": f"Model with 'id={model_id}' not found."}
        }


async def test_delete_removes_a_model(client: httpx.AsyncClient, world: World) -> None:
    url = v3_url(world, "source-eus", "formrecognizer", "documentModels/invoice")
    deleted = await client.delete(url, params={"api-version": "2022-08-31"}, headers=key(SOURCE_KEY))
    assert deleted.status_code == 204
    assert (
        await client.get(url, params={"api-version": "2022-08-31"}, headers=key(SOURCE_KEY))
    ).status_code == 404
    legacy = next(iter(world.resources["source-eus"].legacy_models))
    v21 = await client.delete(
        v21_url(world, "source-eus", f"custom/models/{legacy}"), headers=key(SOURCE_KEY)
    )
    assert v21.status_code == 204
    assert world.resources["source-eus"].legacy_models == {}


async def test_prebuilt_models_are_listed_first_and_cannot_be_deleted(
    client: httpx.AsyncClient, world: World
):
    listed = (
        await client.get(
            v3_url(world, "source-eus", "documentintelligence", "documentModels"),
            params={"api-version": "2024-11-30"},
            headers=key(SOURCE_KEY),
        )
    ).json()["value"]
    ids = [m["modelId"] for m in listed]
    prebuilt = [i for i in ids if i.startswith("prebuilt-")]
    assert ids[: len(prebuilt)] == prebuilt
    assert "prebuilt-layout" in prebuilt
    assert ids[len(prebuilt) :] == ["invoice"]
    details = await client.get(
        v3_url(world, "source-eus", "documentintelligence", "documentModels/prebuilt-invoice"),
        params={"api-version": "2024-11-30"},
        headers=key(SOURCE_KEY),
    )
    assert "prebuilt:invoice" in details.json()["docTypes"]
    refused = await client.delete(
        v3_url(world, "source-eus", "documentintelligence", "documentModels/prebuilt-invoice"),
        params={"api-version": "2024-11-30"},
        headers=key(SOURCE_KEY),
    )
    assert refused.status_code == 400


async def test_every_answer_has_a_request_id_and_echoes_the_client_one(
    client: httpx.AsyncClient, world: World
):
    seen = set()
    for url, headers in (
        (v3_url(world, "source-eus", "formrecognizer", "info?api-version=2023-07-31"), key(SOURCE_KEY)),
        (v3_url(world, "source-eus", "formrecognizer", "info?api-version=2023-07-31"), {}),
        (v3_url(world, "source-eus", "formrecognizer", "info"), key(SOURCE_KEY)),
        (f"{world.admin_url}/_emulator/world", {}),
        (f"{world.admin_url}/nothing-here", {}),
    ):
        answer = await client.get(url, headers={**headers, "x-ms-client-request-id": "trace-42"})
        uuid.UUID(answer.headers["apim-request-id"])
        seen.add(answer.headers["apim-request-id"])
        assert answer.headers["x-ms-client-request-id"] == "trace-42"
    assert len(seen) == 5


async def test_only_loopback_hosts_are_served(client: httpx.AsyncClient, world: World) -> None:
    url = v3_url(world, "source-eus", "formrecognizer", "info?api-version=2023-07-31")
    answer = await client.get(url, headers={**key(SOURCE_KEY), "Host": "contoso.cognitiveservices.azure.com"})
    assert answer.status_code == 421
    assert answer.json()["error"]["code"] == "MisdirectedRequest"
    local = await client.get(url.replace("127.0.0.1", "localhost"), headers=key(SOURCE_KEY))
    assert local.status_code == 200


async def test_bodies_that_are_not_json_objects(client: httpx.AsyncClient, world: World) -> None:
    url = v3_url(
        world, "target-wus2", "documentintelligence", "documentModels:authorizeCopy?api-version=2024-11-30"
    )
    for content in (b"", b"{not json", json.dumps(["a"]).encode()):
        answer = await client.post(url, headers=key(TARGET_KEY), content=content)
        assert answer.status_code == 400
        assert answer.json()["error"]["innererror"]["code"] == "InvalidContent"
    bad_id = await client.post(url, headers=key(TARGET_KEY), json={"modelId": "-bad id-"})
    assert bad_id.status_code == 400
    assert bad_id.json()["error"]["innererror"]["code"] == "InvalidParameter"


@pytest.mark.parametrize("version", ["2023-07-31", "2024-11-30"])
async def test_classifiers_get_and_delete(client: httpx.AsyncClient, world: World, version: str) -> None:
    base = "formrecognizer" if version == "2023-07-31" else "documentintelligence"
    url = v3_url(world, "source-eus", base, "documentClassifiers/mail-sorter")
    got = await client.get(url, params={"api-version": version}, headers=key(SOURCE_KEY))
    assert got.status_code == 200
    body = got.json()
    assert body["classifierId"] == "mail-sorter"
    assert body["description"] == "Sorts mail"
    assert set(body["docTypes"]) == {"invoice", "receipt"}
    assert "azureBlobSource" in body["docTypes"]["invoice"]
    assert (
        await client.delete(url, params={"api-version": version}, headers=key(SOURCE_KEY))
    ).status_code == 204
    gone = await client.get(url, params={"api-version": version}, headers=key(SOURCE_KEY))
    assert gone.status_code == 404
    assert gone.json()["error"]["innererror"]["code"] == "ClassifierNotFound"
