"""Language authoring, both API versions from one body: export → result → import → train → deploy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from emulator_constants import LANG_SOURCE_KEY, LANG_TARGET_KEY, START
from emulator_wire import TIMESTAMP
from language_wire import FILE_VERSION_FIELD, LANGUAGE_VERSIONS, MULTI_KIND, call, get, lang_url

from regionsync.emulator import World
from regionsync.emulator.clock import format_timestamp

JOB_ID = r"^[0-9a-f-]{36}_\d+$"


async def wait_for(
    client: httpx.AsyncClient, world: World, location: str, api_key: str, seconds: float
) -> dict[str, Any]:
    world.clock.advance(seconds)
    answer = await get(client, location, api_key)
    assert answer.status_code == 200, answer.text
    return answer.json()


def at(seconds: float) -> str:
    return format_timestamp(START + timedelta(seconds=seconds))


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_replicate_a_project_to_the_secondary(
    language_client: httpx.AsyncClient, language_world: World, version: str
) -> None:
    client, world = language_client, language_world

    # Export on the primary.
    exported = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export",
        stringIndexType="Utf16CodeUnit",
    )  # fmt: skip
    assert exported.status_code == 202, exported.text
    assert exported.content == b""
    location = exported.headers["operation-location"]
    assert location.startswith(lang_url(world, "lang-eus", "ticket-triage/export/jobs/"))
    assert location.endswith(f"?api-version={version}")
    assert int(exported.headers["Retry-After"]) >= 1
    running = await get(client, location, LANG_SOURCE_KEY)
    assert running.json()["status"] == "notStarted"
    assert "resultUrl" not in running.json()
    assert "Retry-After" in running.headers
    done = await wait_for(client, world, location, LANG_SOURCE_KEY, 4)
    assert done["status"] == "succeeded"
    assert done["jobId"] == location.split("/jobs/")[1].split("?")[0]
    assert TIMESTAMP.match(done["createdDateTime"]) and TIMESTAMP.match(done["expirationDateTime"])
    assert done["lastUpdatedDateTime"] == at(4)
    assert done["expirationDateTime"] == format_timestamp(START + timedelta(days=7))
    result_url = done["resultUrl"]
    assert result_url.startswith(lang_url(world, "lang-eus", "ticket-triage/export/jobs/"))
    assert result_url.endswith(f"/result?api-version={version}")

    document = (await get(client, result_url, LANG_SOURCE_KEY)).json()
    assert document[FILE_VERSION_FIELD[version]] == version
    assert document["stringIndexType"] == "Utf16CodeUnit"
    assert document["metadata"]["projectKind"] == MULTI_KIND[version]
    assert document["metadata"]["projectName"] == "ticket-triage"
    assert document["assets"]["projectKind"] == MULTI_KIND[version]
    assert [c["category"] for c in document["assets"]["classes"]] == ["Billing", "Technical", "Account"]
    assert len(document["assets"]["documents"]) == 12
    assert document["assets"]["documents"][0]["classes"] == [{"category": "Billing"}]

    # Import exactly that body on the secondary.
    imported = await call(
        client, "POST", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/:import", json=document
    )
    assert imported.status_code == 202, imported.text
    import_location = imported.headers["operation-location"]
    assert import_location.startswith(lang_url(world, "lang-wus2", "ticket-triage/import/jobs/"))
    assert (await get(client, import_location, LANG_TARGET_KEY)).json()["status"] == "notStarted"
    missing_yet = await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage")
    assert missing_yet.status_code == 404
    assert (await wait_for(client, world, import_location, LANG_TARGET_KEY, 4))["status"] == "succeeded"
    project = (
        await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage")
    ).json()
    assert project["lastModifiedDateTime"] == at(8)
    assert project["createdDateTime"] == at(8)
    assert project["projectKind"] == MULTI_KIND[version]
    assert "lastTrainedDateTime" not in project and "lastDeployedDateTime" not in project
    primary = (await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")).json()
    assert project["lastModifiedDateTime"] > primary["lastModifiedDateTime"]
    for field in ("description", "language", "multilingual", "storageInputContainerName"):
        assert project[field] == primary[field]

    # Train, with progress visible while it runs.
    trained = await call(
        client, "POST", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/:train",
        json={"modelLabel": "v1", "trainingConfigVersion": "latest",
              "evaluationOptions": {"kind": "percentage", "trainingSplitPercentage": 80,
                                    "testingSplitPercentage": 20}},
    )  # fmt: skip
    assert trained.status_code == 202, trained.text
    train_location = trained.headers["operation-location"]
    assert train_location.startswith(lang_url(world, "lang-wus2", "ticket-triage/train/jobs/"))
    halfway = await wait_for(client, world, train_location, LANG_TARGET_KEY, 8)
    assert halfway["status"] == "running"
    assert halfway["result"]["modelLabel"] == "v1"
    assert halfway["result"]["trainingConfigVersion"] == "2022-05-01"
    assert halfway["result"]["trainingStatus"]["status"] == "running"
    assert halfway["result"]["trainingStatus"]["percentComplete"] == 50
    assert halfway["result"]["evaluationStatus"] == {"percentComplete": 0, "status": "notStarted"}
    assert halfway["result"]["estimatedEndDateTime"] == at(28)
    evaluating = await wait_for(client, world, train_location, LANG_TARGET_KEY, 10)
    assert evaluating["result"]["trainingStatus"]["status"] == "succeeded"
    assert evaluating["result"]["evaluationStatus"]["status"] == "running"
    assert evaluating["result"]["evaluationStatus"]["percentComplete"] == 50
    finished = await wait_for(client, world, train_location, LANG_TARGET_KEY, 2)
    assert finished["status"] == "succeeded"
    assert finished["result"]["trainingStatus"]["percentComplete"] == 100
    assert finished["result"]["evaluationStatus"]["percentComplete"] == 100
    models = (
        await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/models")
    ).json()
    assert [m["label"] for m in models["value"]] == ["v1"]
    assert models["nextLink"] is None
    assert models["value"][0]["lastTrainedDateTime"] == at(28)
    assert models["value"][0]["modelId"].startswith("v1-")
    assert ("hasSnapshot" in models["value"][0]) == (version == "2023-04-01")
    jobs = await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/train/jobs")
    assert [j["status"] for j in jobs.json()["value"]] == ["succeeded"]

    # Deploy under the same name as the primary.
    deployed = await call(
        client, "PUT", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/deployments/prod",
        json={"trainedModelLabel": "v1"},
    )  # fmt: skip
    assert deployed.status_code == 202, deployed.text
    deploy_location = deployed.headers["operation-location"]
    assert deploy_location.startswith(lang_url(world, "lang-wus2", "ticket-triage/deployments/prod/jobs/"))
    assert (await wait_for(client, world, deploy_location, LANG_TARGET_KEY, 4))["status"] == "succeeded"
    deployments = (
        await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/deployments")
    ).json()
    [prod] = deployments["value"]
    assert (prod["deploymentName"], prod["modelId"]) == ("prod", models["value"][0]["modelId"])
    assert prod["lastDeployedDateTime"] == at(32)
    assert prod["lastTrainedDateTime"] == at(28)

    final = (await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage")).json()
    assert final["lastModifiedDateTime"] == at(8)  # training and deploying do not modify the project
    assert final["lastTrainedDateTime"] == at(28)
    assert final["lastDeployedDateTime"] == at(32)


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_touch_makes_the_primary_newer_and_the_export_carries_the_new_label(
    language_client: httpx.AsyncClient, language_world: World, version: str
) -> None:
    client, world = language_client, language_world
    before = (await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")).json()
    world.clock.advance(3600)
    touched = await client.post(
        f"{world.admin_url}/_emulator/touch",
        json={"resource": "lang-eus", "kind": "project", "id": "ticket-triage"},
    )
    assert touched.status_code == 200
    after = (await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")).json()
    assert after["lastModifiedDateTime"] > before["lastModifiedDateTime"]
    assert after["lastTrainedDateTime"] == before["lastTrainedDateTime"]
    exported = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export",
        stringIndexType="Utf16CodeUnit",
    )  # fmt: skip
    done = await wait_for(client, world, exported.headers["operation-location"], LANG_SOURCE_KEY, 4)
    document = (await get(client, done["resultUrl"], LANG_SOURCE_KEY)).json()
    assert len(document["assets"]["documents"]) == 13


async def test_the_source_project_as_it_was_when_the_export_started(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    exported = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export",
        stringIndexType="Utf16CodeUnit",
    )  # fmt: skip
    world.touch("lang-eus", "project", "ticket-triage")
    done = await wait_for(client, world, exported.headers["operation-location"], LANG_SOURCE_KEY, 4)
    document = (await get(client, done["resultUrl"], LANG_SOURCE_KEY)).json()
    assert len(document["assets"]["documents"]) == 12
    assert done["jobId"].split("_")[1] == "638501184000000000"  # .NET ticks of 2024-05-01


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_a_project_holds_several_models_and_deployments_each_serving_its_own(
    language_client: httpx.AsyncClient, language_world: World, version: str
) -> None:
    """Two labels trained one after another, `prod → v2` and `staging → v1` deployed at once, then
    `staging` moved to v2: each deployment names its own model; a retrained label serves its old
    model until it is deployed again."""
    client, world = language_client, language_world
    world.add_project("lang-wus2", "ticket-triage")

    async def run(method: str, path: str, body: dict[str, Any], seconds: float) -> None:
        started = await call(client, method, world, "lang-wus2", LANG_TARGET_KEY, version, path, json=body)
        assert started.status_code == 202, started.text
        done = await wait_for(client, world, started.headers["operation-location"], LANG_TARGET_KEY, seconds)
        assert done["status"] == "succeeded", done

    async def served() -> dict[str, str]:
        """deployment → the label of the model it serves."""
        listed = await call(
            client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/models"
        )
        label_of = {m["modelId"]: m["label"] for m in listed.json()["value"]}
        deployed = await call(
            client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/deployments"
        )
        return {d["deploymentName"]: label_of.get(d["modelId"], "?") for d in deployed.json()["value"]}

    for label in ("v1", "v2"):
        await run(
            "POST", "ticket-triage/:train", {"modelLabel": label, "trainingConfigVersion": "latest"}, 21
        )
    models = await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/models")
    assert sorted(m["label"] for m in models.json()["value"]) == ["v1", "v2"]

    jobs = []
    for name, label in (("prod", "v2"), ("staging", "v1")):  # both running at once
        path = f"ticket-triage/deployments/{name}"
        body = {"trainedModelLabel": label}
        jobs.append(await call(client, "PUT", world, "lang-wus2", LANG_TARGET_KEY, version, path, json=body))
    assert [j.status_code for j in jobs] == [202, 202]
    world.clock.advance(5)
    assert await served() == {"prod": "v2", "staging": "v1"}

    await run("PUT", "ticket-triage/deployments/staging", {"trainedModelLabel": "v2"}, 5)
    assert await served() == {"prod": "v2", "staging": "v2"}

    await run("POST", "ticket-triage/:train", {"modelLabel": "v2", "trainingConfigVersion": "latest"}, 21)
    stale = await served()
    assert stale == {"prod": "?", "staging": "?"}  # both still serve the previous training of v2
    deployments = await call(
        client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/deployments"
    )
    assert {d["modelId"].rsplit("-", 2)[0] for d in deployments.json()["value"]} == {"v2"}
