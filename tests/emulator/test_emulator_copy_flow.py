"""The full copy flow of every API version, in process, with plain httpx calls as the seeds' curl calls."""

from __future__ import annotations

import httpx
import pytest
from emulator_constants import SOURCE_KEY, TARGET_KEY
from emulator_wire import (
    TIMESTAMP,
    V3_VERSIONS,
    authorize_v3,
    copy_v3,
    copy_v21,
    key,
    legacy_id,
    v3_url,
    v21_url,
)

from regionsync.emulator import World


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_v3_model_copy_flow(client: httpx.AsyncClient, world: World, version: str, base: str) -> None:
    authorization = await authorize_v3(
        client, world, version, base, TARGET_KEY, description="Copied from EUS"
    )
    target = world.resources["target-wus2"]
    assert authorization["targetResourceId"] == target.resource_id
    assert authorization["targetResourceRegion"] == "westus2"
    assert authorization["targetModelId"] == "invoice-copy"
    assert authorization["targetModelLocation"].startswith(
        f"{world.endpoint('target-wus2')}/{base}/documentModels/"
    )
    assert TIMESTAMP.match(authorization["expirationDateTime"])
    assert authorization["accessToken"]

    started = await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    assert started.status_code == 202
    assert started.content == b""
    location = started.headers["Operation-Location"]
    assert location.startswith(f"{world.endpoint('source-eus')}/{base}/operations/")
    assert location.endswith(f"?api-version={version}")
    # As in Azure's recorded copy runs: no polling hint, neither here nor while the copy runs.
    assert "Retry-After" not in started.headers and "retry-after-ms" not in started.headers
    assert started.headers["apim-request-id"]

    # While it runs the target model is neither listed nor readable.
    world.clock.advance(3)
    polled = await client.get(location, headers=key(SOURCE_KEY))
    assert polled.status_code == 200
    running = polled.json()
    assert running["status"] == "running"
    assert running["percentCompleted"] == 50
    assert running["kind"] == "documentModelCopyTo"
    assert "Retry-After" not in polled.headers and "retry-after-ms" not in polled.headers
    listed = await client.get(
        v3_url(world, "target-wus2", base, "documentModels"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
    )
    assert "invoice-copy" not in {m["modelId"] for m in listed.json()["value"]}
    early = await client.get(
        v3_url(world, "target-wus2", base, "documentModels/invoice-copy"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
    )
    assert early.status_code == 404

    world.clock.advance(3)
    done = (await client.get(location, headers=key(SOURCE_KEY))).json()
    assert done["status"] == "succeeded"
    assert done["percentCompleted"] == 100
    assert done["resourceLocation"].startswith(
        f"{world.endpoint('target-wus2')}/{base}/documentModels/invoice-copy"
    )
    assert done["result"]["modelId"] == "invoice-copy"
    for stamp in ("createdDateTime", "lastUpdatedDateTime"):
        assert TIMESTAMP.match(done[stamp])

    listed = await client.get(
        v3_url(world, "target-wus2", base, "documentModels"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
    )
    assert "invoice-copy" in {m["modelId"] for m in listed.json()["value"]}
    copied = (
        await client.get(
            v3_url(world, "target-wus2", base, "documentModels/invoice-copy"),
            params={"api-version": version},
            headers=key(TARGET_KEY),
        )
    ).json()
    source = (
        await client.get(
            v3_url(world, "source-eus", base, "documentModels/invoice"),
            params={"api-version": version},
            headers=key(SOURCE_KEY),
        )
    ).json()
    assert copied["docTypes"] == source["docTypes"]
    assert set(copied["docTypes"]) == {"invoice", "credit-note"}
    assert copied["description"] == "Copied from EUS"  # the authorize request's description wins
    assert copied["tags"] == {"team": "finance"}
    assert TIMESTAMP.match(copied["createdDateTime"])
    assert ("modifiedDateTime" in copied) == (version == "2024-11-30")
    assert ("expirationDateTime" in copied) == (version != "2022-08-31")

    info = await client.get(
        v3_url(world, "target-wus2", base, "info"), params={"api-version": version}, headers=key(TARGET_KEY)
    )
    assert info.json()["customDocumentModels"] == {"count": 1, "limit": 250}


async def test_v4_classifier_copy_flow(client: httpx.AsyncClient, world: World) -> None:
    base, version = "documentintelligence", "2024-11-30"
    authorized = await client.post(
        v3_url(world, "target-wus2", base, "documentClassifiers:authorizeCopy"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
        json={"classifierId": "mail-sorter"},
    )
    assert authorized.status_code == 200
    authorization = authorized.json()
    assert authorization["targetClassifierId"] == "mail-sorter"
    assert authorization["targetClassifierLocation"].endswith(
        "/documentintelligence/documentClassifiers/mail-sorter?api-version=2024-11-30"
    )

    started = await client.post(
        v3_url(world, "source-eus", base, "documentClassifiers/mail-sorter:copyTo"),
        params={"api-version": version},
        headers=key(SOURCE_KEY),
        json=authorization,
    )
    assert started.status_code == 202
    world.clock.advance(6)
    done = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert done["status"] == "succeeded"
    assert done["kind"] == "documentClassifierCopyTo"
    assert done["result"]["classifierId"] == "mail-sorter"

    listed = await client.get(
        v3_url(world, "target-wus2", base, "documentClassifiers"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
    )
    [classifier] = listed.json()["value"]
    assert classifier["classifierId"] == "mail-sorter"
    assert set(classifier["docTypes"]) == {"invoice", "receipt"}
    assert classifier["description"] == "Sorts mail"


async def test_v21_copy_flow(client: httpx.AsyncClient, world: World) -> None:
    source_id = legacy_id(world, "source-eus", "receipts-2020")
    authorized = await client.post(
        v21_url(world, "target-wus2", "custom/models/copyAuthorization"), headers=key(TARGET_KEY)
    )
    assert authorized.status_code == 201
    authorization = authorized.json()
    new_id = authorization["modelId"]
    assert (
        authorized.headers["Location"]
        == f"{world.endpoint('target-wus2')}/formrecognizer/v2.1/custom/models/{new_id}"
    )
    assert isinstance(authorization["expirationDateTimeTicks"], int)
    assert authorization["accessToken"]
    assert new_id != source_id

    started = await copy_v21(client, world, SOURCE_KEY, authorization, source_id)
    assert started.status_code == 202
    assert "Location" not in started.headers
    location = started.headers["Operation-Location"]
    assert location == (
        f"{world.endpoint('source-eus')}/formrecognizer/v2.1/custom/models/{source_id}/copyresults/"
        + location.rsplit("/", 1)[1]
    )

    # The seed polls .../copyResults/{id}; the service wrote .../copyresults/{id}: both work.
    seed_spelling = location.replace("/copyresults/", "/copyResults/")
    running = (await client.get(seed_spelling, headers=key(SOURCE_KEY))).json()
    assert running["status"] == "notStarted"
    assert running["copyResult"] == {"modelId": new_id}  # as the service's recordings show
    creating = await client.get(
        v21_url(world, "target-wus2", f"custom/models/{new_id}"), headers=key(TARGET_KEY)
    )
    assert creating.json()["modelInfo"]["status"] == "creating"

    world.clock.advance(6)
    done = (await client.get(location, headers=key(SOURCE_KEY))).json()
    assert done["status"] == "succeeded"
    assert done["copyResult"] == {"modelId": new_id, "errors": []}
    assert TIMESTAMP.match(done["lastUpdatedDateTime"])

    listed = (
        await client.get(
            v21_url(world, "target-wus2", "custom/models"), params={"op": "full"}, headers=key(TARGET_KEY)
        )
    ).json()
    assert [(m["modelId"], m["modelName"], m["status"]) for m in listed["modelList"]] == [
        (new_id, "receipts-2020", "ready")
    ]
    assert listed["summary"]["count"] == 1
    model = (
        await client.get(v21_url(world, "target-wus2", f"custom/models/{new_id}"), headers=key(TARGET_KEY))
    ).json()
    assert model["modelInfo"]["status"] == "ready"
    assert model["modelInfo"]["modelName"] == "receipts-2020"
    assert len(model["trainResult"]["trainingDocuments"]) == 5


async def test_encrypted_copy_degrades_only_with_the_header(client: httpx.AsyncClient, world: World) -> None:
    world.resources["source-eus"].encrypted = True
    version, base = "2023-07-31", "formrecognizer"
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    started = await copy_v3(
        client, world, version, base, SOURCE_KEY, authorization, headers={"x-ms-forms-copy-degrade": "true"}
    )
    world.clock.advance(6)
    done = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert done["status"] == "succeeded"


async def test_operations_list_shows_the_copy(client: httpx.AsyncClient, world: World) -> None:
    version, base = "2024-11-30", "documentintelligence"
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY, tags={"copied": "yes"})
    started = await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    op_id = started.headers["Operation-Location"].split("/operations/")[1].split("?")[0]
    listed = (
        await client.get(
            v3_url(world, "source-eus", base, "operations"),
            params={"api-version": version},
            headers=key(SOURCE_KEY),
        )
    ).json()
    [summary] = listed["value"]
    assert summary["operationId"] == op_id
    assert summary["status"] == "notStarted"
    assert summary["tags"] == {"copied": "yes"}
    assert "result" not in summary
    world.clock.advance(6)
    copied = (
        await client.get(
            v3_url(world, "target-wus2", base, "documentModels/invoice-copy"),
            params={"api-version": version},
            headers=key(TARGET_KEY),
        )
    ).json()
    assert copied["tags"] == {"copied": "yes"}  # the authorize request's tags win
