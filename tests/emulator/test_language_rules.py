"""Language authoring: bad input, 404s, file versions, a 429 storm while training, jobs that fail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator_constants import LANG_SOURCE_KEY, LANG_TARGET_KEY
from language_wire import FILE_VERSION_FIELD, LANGUAGE_VERSIONS, call, get

from regionsync.emulator import World
from regionsync.emulator.problems import UNAUTHORIZED_MESSAGE

TRAIN = {"modelLabel": "v2", "trainingConfigVersion": "latest"}


async def export_document(client: httpx.AsyncClient, world: World, version: str) -> dict[str, Any]:
    started = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export",
        stringIndexType="Utf16CodeUnit",
    )  # fmt: skip
    world.clock.advance(world.job_seconds)
    done = (await get(client, started.headers["operation-location"], LANG_SOURCE_KEY)).json()
    return (await get(client, done["resultUrl"], LANG_SOURCE_KEY)).json()


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_unknown_things_are_404_with_the_service_codes(
    language_client: httpx.AsyncClient, language_world: World, version: str
) -> None:
    client, world = language_client, language_world
    project = await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "nope")
    assert project.status_code == 404
    assert project.json() == {
        "error": {"code": "ProjectNotFound", "message": "The project 'nope' could not be found."}
    }
    for path in (
        "nope/:export",
        "nope/:train",
    ):
        answer = await call(client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, path, json=TRAIN)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "ProjectNotFound"
    for path in (
        "ticket-triage/export/jobs/00000000-0000-0000-0000-000000000000_1",
        "ticket-triage/models/v9",
        "ticket-triage/deployments/staging",
    ):
        answer = await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "NotFound"
    deploy_unknown = await call(
        client, "PUT", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/deployments/prod",
        json={"trainedModelLabel": "v9"},
    )  # fmt: skip
    assert deploy_unknown.status_code == 404
    unrouted = await call(client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:swap")
    assert unrouted.status_code == 404


async def test_a_job_is_found_only_under_its_own_kind_and_project(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    started = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export",
        stringIndexType="Utf16CodeUnit",
    )  # fmt: skip
    job_id = started.headers["operation-location"].split("/jobs/")[1].split("?")[0]
    for path in (f"ticket-triage/import/jobs/{job_id}", f"ticket-triage/train/jobs/{job_id}"):
        assert (
            await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, path)
        ).status_code == 404
    early_result = await call(
        client,
        "GET",
        world,
        "lang-eus",
        LANG_SOURCE_KEY,
        version,
        f"ticket-triage/export/jobs/{job_id}/result",
    )
    assert early_result.status_code == 404
    world.clock.advance(7 * 24 * 3600 + 1)
    expired = await get(client, started.headers["operation-location"], LANG_SOURCE_KEY)
    assert expired.status_code == 404


async def test_an_import_needs_the_file_version_of_its_api_version(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world = language_client, language_world
    newer = await export_document(client, world, "2023-04-01")
    older = await export_document(client, world, "2022-05-01")
    refused = await call(
        client, "POST", world, "lang-wus2", LANG_TARGET_KEY, "2022-05-01", "ticket-triage/:import", json=newer
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InvalidRequest"
    assert refused.json()["error"]["innererror"]["code"] == "InvalidParameterValue"
    assert FILE_VERSION_FIELD["2022-05-01"] in refused.json()["error"]["innererror"]["message"]
    relabelled = {**newer, "projectFileVersion": "2024-11-15-preview"}
    future = await call(
        client,
        "POST",
        world,
        "lang-wus2",
        LANG_TARGET_KEY,
        "2023-04-01",
        "ticket-triage/:import",
        json=relabelled,
    )
    assert future.status_code == 400
    assert "2024-11-15-preview" in future.json()["error"]["innererror"]["message"]
    # A 2023-04-01 import takes a 2022-05-01 file when it is spelled the 2023 way (its spec example).
    older_2023 = {"projectFileVersion": older.pop("project-file-version"), **older}
    accepted = await call(
        client,
        "POST",
        world,
        "lang-wus2",
        LANG_TARGET_KEY,
        "2023-04-01",
        "ticket-triage/:import",
        json=older_2023,
    )
    assert accepted.status_code == 202, accepted.text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("metadata"), "metadata"),
        (lambda d: d.update(stringIndexType="Utf8CodeUnit"), "stringIndexType"),
        (lambda d: d["metadata"].update(projectKind="CustomEntityRecognition"), "projectKind"),
        (lambda d: d["metadata"].update(projectName="other"), "does not match"),
        (lambda d: d["assets"]["documents"][0].update(classes=[{"category": "Ghost"}]), "Ghost"),
        (lambda d: d["assets"].update(projectKind="CustomSingleLabelClassification"), "assets.projectKind"),
    ],
)
async def test_bad_import_bodies_are_400(
    language_client: httpx.AsyncClient, language_world: World, change: Any, words: str
) -> None:
    document = await export_document(language_client, language_world, "2023-04-01")
    change(document)
    answer = await call(
        language_client, "POST", language_world, "lang-wus2", LANG_TARGET_KEY, "2023-04-01",
        "ticket-triage/:import", json=document,
    )  # fmt: skip
    assert answer.status_code == 400
    assert words in answer.json()["error"]["innererror"]["message"]
    assert language_world.resources["lang-wus2"].language_jobs == {}


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_create_a_project_then_training_needs_labelled_documents(
    language_client: httpx.AsyncClient, language_world: World, version: str
) -> None:
    client, world = language_client, language_world
    kind = {"2022-05-01": "customSingleLabelClassification", "2023-04-01": "CustomSingleLabelClassification"}
    body = {
        "projectName": "fresh",
        "projectKind": kind[version],
        "storageInputContainerName": "fresh",
        "language": "en",
    }
    created = await call(client, "PATCH", world, "lang-wus2", LANG_TARGET_KEY, version, "fresh", json=body)
    assert created.status_code == 201
    assert created.json()["projectKind"] == kind[version]
    updated = await call(
        client,
        "PATCH",
        world,
        "lang-wus2",
        LANG_TARGET_KEY,
        version,
        "fresh",
        json={**body, "description": "d"},
    )
    assert (updated.status_code, updated.json()["description"]) == (200, "d")
    empty = await call(
        client, "POST", world, "lang-wus2", LANG_TARGET_KEY, version, "fresh/:train", json=TRAIN
    )
    assert empty.status_code == 400
    assert "no labelled documents" in empty.json()["error"]["innererror"]["message"]
    ner = await call(
        client, "PATCH", world, "lang-wus2", LANG_TARGET_KEY, version, "ner",
        json={**body, "projectName": "ner", "projectKind": "CustomEntityRecognition"},
    )  # fmt: skip
    assert ner.status_code == 400


async def test_train_input_is_checked_and_one_training_runs_at_a_time(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    for body in ({"trainingConfigVersion": "latest"}, {"modelLabel": "v2", "trainingConfigVersion": "1999"}):
        answer = await call(
            client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:train", json=body
        )
        assert answer.status_code == 400
    first = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:train", json=TRAIN
    )
    assert first.status_code == 202
    second = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:train", json=TRAIN
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "Conflict"
    no_index = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:export"
    )
    assert no_index.status_code == 400
    not_json = await client.post(
        first.headers["operation-location"].split("/train/jobs/")[0] + "/:import",
        params={"api-version": version},
        headers={"Ocp-Apim-Subscription-Key": LANG_SOURCE_KEY},
        content=b"{not json",
    )
    assert not_json.status_code == 400
    assert not_json.json()["error"]["innererror"]["code"] == "InvalidRequestBodyFormat"


async def test_a_429_storm_during_training_polls(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2022-05-01"
    started = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:train", json=TRAIN
    )
    location = started.headers["operation-location"]
    world.faults.throttle(1.0, retry_after=3, resource="lang-eus", count=4)
    world.clock.advance(4)
    storm = [await get(client, location, LANG_SOURCE_KEY) for _ in range(4)]
    assert [a.status_code for a in storm] == [429, 429, 429, 429]
    assert {a.headers["Retry-After"] for a in storm} == {"3"}
    assert storm[0].json()["error"]["code"] == "429"
    after = await get(client, location, LANG_SOURCE_KEY)
    assert after.status_code == 200
    assert after.json()["result"]["trainingStatus"]["percentComplete"] == 25
    world.clock.advance(16)
    assert (await get(client, location, LANG_SOURCE_KEY)).json()["status"] == "succeeded"
    assert "v2" in world.resources["lang-eus"].projects["ticket-triage"].trained_models


async def test_a_training_job_failing_midway(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    world.faults.fail_copies("lang-eus", at_percent=50, count=1)
    before = (await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")).json()
    started = await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/:train", json=TRAIN
    )
    location = started.headers["operation-location"]
    world.clock.advance(5)
    assert (await get(client, location, LANG_SOURCE_KEY)).json()["status"] == "running"
    world.clock.advance(5)
    failed = (await get(client, location, LANG_SOURCE_KEY)).json()
    assert failed["status"] == "failed"
    assert failed["errors"][0]["code"] == "InternalServerError"
    assert "50%" in failed["errors"][0]["innererror"]["message"]
    assert failed["result"]["trainingStatus"]["status"] == "failed"
    assert failed["result"]["trainingStatus"]["percentComplete"] == 62
    assert failed["result"]["evaluationStatus"]["status"] == "notStarted"
    after = (await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")).json()
    assert after == before
    models = (
        await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage/models")
    ).json()
    assert [m["label"] for m in models["value"]] == ["v1"]


async def test_an_import_failing_midway_leaves_the_target_untouched(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    document = await export_document(client, world, version)
    world.faults.fail_copies(region="westus2", at_percent=0, count=1)
    started = await call(
        client, "POST", world, "lang-wus2", LANG_TARGET_KEY, version, "ticket-triage/:import", json=document
    )
    world.clock.advance(1)
    failed = (await get(client, started.headers["operation-location"], LANG_TARGET_KEY)).json()
    assert failed["status"] == "failed"
    assert world.resources["lang-wus2"].projects == {}


async def test_wrong_key_on_either_side_is_401(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    expected = {"error": {"code": "401", "message": UNAUTHORIZED_MESSAGE}}
    for resource, wrong in (("lang-eus", LANG_TARGET_KEY), ("lang-wus2", LANG_SOURCE_KEY)):
        answer = await call(client, "GET", world, resource, wrong, version)
        assert (answer.status_code, answer.json()) == (401, expected)


async def test_api_version_is_required_and_must_be_known(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    url = f"{language_world.endpoint('lang-eus')}/language/authoring/analyze-text/projects"
    headers = {"Ocp-Apim-Subscription-Key": LANG_SOURCE_KEY}
    missing = await language_client.get(url, headers=headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "MissingApiVersionParameter")
    unknown = await language_client.get(url, params={"api-version": "2021-11-01-preview"}, headers=headers)
    assert unknown.status_code == 404
    other_family = await language_client.get(
        f"{language_world.endpoint('lang-eus')}/language/authoring/analyze-conversations/projects",
        params={"api-version": "2023-04-01"},
        headers=headers,
    )
    assert other_family.status_code == 404


async def test_lists_page_with_skip_and_next_link(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world, version = language_client, language_world, "2022-05-01"
    for n in range(7):
        world.add_project("lang-wus2", f"p{n}", documents=1)
    first = (await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, maxpagesize="3")).json()
    names = [p["projectName"] for p in first["value"]]
    link = first["nextLink"]
    while link:
        page = (await get(client, link, LANG_TARGET_KEY)).json()
        names += [p["projectName"] for p in page["value"]]
        link = page["nextLink"]
    assert names == [f"p{n}" for n in range(7)]
    top = (await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, top="2", skip="1")).json()
    assert ([p["projectName"] for p in top["value"]], top["nextLink"]) == (["p1", "p2"], None)
    bad = await call(client, "GET", world, "lang-wus2", LANG_TARGET_KEY, version, skip="-1")
    assert bad.status_code == 400


async def test_deleting_a_project_is_a_job(language_client: httpx.AsyncClient, language_world: World) -> None:
    client, world, version = language_client, language_world, "2023-04-01"
    deleted = await call(client, "DELETE", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")
    assert deleted.status_code == 202
    location = deleted.headers["operation-location"]
    assert "/projects/global/deletion-jobs/" in location
    assert (
        await call(client, "GET", world, "lang-eus", LANG_SOURCE_KEY, version, "ticket-triage")
    ).status_code == 404
    world.clock.advance(4)
    assert (await get(client, location, LANG_SOURCE_KEY)).json()["status"] == "succeeded"


async def test_the_world_view_lists_projects_models_deployments_and_jobs(
    language_client: httpx.AsyncClient, language_world: World
) -> None:
    client, world = language_client, language_world
    await call(
        client, "POST", world, "lang-eus", LANG_SOURCE_KEY, "2023-04-01", "ticket-triage/:train", json=TRAIN
    )
    view = (await client.get(f"{world.admin_url}/_emulator/world")).json()
    assert (view["train_seconds"], view["job_seconds"]) == (20.0, 4.0)
    [source] = [r for r in view["resources"] if r["name"] == "lang-eus"]
    [project] = source["projects"]
    assert set(project["trained_models"]) == {"v1"}
    assert project["deployments"]["prod"]["model"] == "v1"
    assert [(j["kind"], j["project"], j["status"]) for j in source["jobs"]] == [
        ("train", "ticket-triage", "notStarted")
    ]
    assert LANG_SOURCE_KEY not in str(view)
