"""Language projects in scenario files and the demo world, and a replication over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest

from regionsync.emulator import Clock, ScenarioError, World, load_scenario, parse_scenario, serve
from regionsync.emulator.scenario import demo_scenario_path

SCENARIO = """\
[clock]
speed = 0
train_seconds = 10
job_seconds = 2

[[resource]]
name = "contoso-lang-eus"
service = "language"
region = "eastus"
keys = ["eus-key-1", "eus-key-2"]

[[resource.project]]
name = "ticket-triage"
language = "en-us"
multilingual = false
model_type = "multiClassification"
trained_models = ["v1"]
deployments = { prod = "v1" }

[[resource]]
name = "contoso-lang-wus2"
service = "language"
region = "westus2"
keys = ["wus2-key-1", "wus2-key-2"]
"""


def test_a_scenario_with_projects_and_its_job_clock() -> None:
    world = World.from_scenario(parse_scenario(SCENARIO, source="lang.toml"))
    assert (world.train_seconds, world.job_seconds) == (10.0, 2.0)
    project = world.resources["contoso-lang-eus"].projects["ticket-triage"]
    assert project.model_type == "multiClassification"
    assert set(project.trained_models) == {"v1"}
    assert project.deployments["prod"].model_label == "v1"
    assert project.last_trained == project.last_deployed == project.modified
    assert len(project.documents) == 12


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (SCENARIO.replace('deployments = { prod = "v1" }', 'deployments = { prod = "v2" }'), 12,
         "resource[0].project[0]", "not in trained_models: v2"),
        (SCENARIO.replace('"multiClassification"', '"entityRecognition"'), 16,
         "resource[0].project[0].model_type", "multiClassification"),
        (SCENARIO.replace('service = "language"\nregion = "eastus"', 'region = "eastus"'), 11,
         "resource[0].project", "language only"),
        (SCENARIO.replace("job_seconds = 2", "job_seconds = 0"), 4, "clock.job_seconds", "greater than 0"),
    ],
)  # fmt: skip
def test_bad_project_tables_name_file_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="lang.toml")
    assert caught.value.field == field
    assert caught.value.line == line
    assert words in str(caught.value)


def test_the_demo_world_has_a_believable_project_mix() -> None:
    world = World.from_scenario(load_scenario(demo_scenario_path()))
    primary, secondary = world.resources["contoso-lang-eus"], world.resources["contoso-lang-wus2"]
    assert (primary.service, secondary.service) == ("language", "language")
    assert primary.region == "eastus" and secondary.region == "westus2"
    assert set(primary.projects) & set(secondary.projects) == {"ticket-triage", "email-routing"}
    assert set(primary.projects) - set(secondary.projects) == {"review-topics"}
    assert set(secondary.projects) - set(primary.projects) == {"legacy-faq"}
    in_sync = primary.projects["ticket-triage"], secondary.projects["ticket-triage"]
    assert in_sync[0].modified <= in_sync[1].modified
    drifted = primary.projects["email-routing"], secondary.projects["email-routing"]
    assert drifted[0].modified > drifted[1].modified
    assert len(drifted[0].documents) > len(drifted[1].documents)
    assert set(primary.projects["review-topics"].deployments) == {"prod", "staging"}


@pytest.mark.loopback
async def test_export_import_train_deploy_over_loopback() -> None:
    world = World.from_scenario(parse_scenario(SCENARIO), clock=Clock(speed=0))
    version = "2023-04-01"
    source = {"Ocp-Apim-Subscription-Key": "eus-key-1"}
    target = {"Ocp-Apim-Subscription-Key": "wus2-key-1"}
    params = {"api-version": version}
    async with serve(world), httpx.AsyncClient() as client:
        primary = f"{world.endpoint('contoso-lang-eus')}/language/authoring/analyze-text/projects"
        secondary = f"{world.endpoint('contoso-lang-wus2')}/language/authoring/analyze-text/projects"

        async def advance(seconds: float) -> None:
            await client.post(f"{world.admin_url}/_emulator/clock/advance", json={"seconds": seconds})

        exported = await client.post(
            f"{primary}/ticket-triage/:export",
            params={**params, "stringIndexType": "Utf16CodeUnit"},
            headers=source,
        )
        assert exported.status_code == 202
        await advance(2)
        status = (await client.get(exported.headers["operation-location"], headers=source)).json()
        document = (await client.get(status["resultUrl"], headers=source)).json()
        imported = await client.post(
            f"{secondary}/ticket-triage/:import", params=params, headers=target, json=document
        )
        assert imported.status_code == 202
        await advance(2)
        assert (await client.get(imported.headers["operation-location"], headers=target)).json()[
            "status"
        ] == ("succeeded")
        trained = await client.post(
            f"{secondary}/ticket-triage/:train",
            params=params,
            headers=target,
            json={"modelLabel": "v1", "trainingConfigVersion": "latest"},
        )
        await advance(10)
        assert (await client.get(trained.headers["operation-location"], headers=target)).json()["status"] == (
            "succeeded"
        )
        deployed = await client.put(
            f"{secondary}/ticket-triage/deployments/prod",
            params=params,
            headers=target,
            json={"trainedModelLabel": "v1"},
        )
        await advance(2)
        assert (await client.get(deployed.headers["operation-location"], headers=target)).json()[
            "status"
        ] == ("succeeded")
        listed = (
            await client.get(f"{secondary}/ticket-triage/deployments", params=params, headers=target)
        ).json()
        assert [d["deploymentName"] for d in listed["value"]] == ["prod"]
