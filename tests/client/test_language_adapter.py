"""The Language authoring adapter against the emulator, both API versions with one test body: listing
(each project's deployment → label map, in its fingerprint) and serving issues, the primary's training
plan (every deployed label), the jobs of a replication (export, result, import, train each label,
deploy each name), finding a training job again, and the refusals (wrong key, a result link to
another host)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from client_support import RecordingSleep, World

from regionsync.credentials import KeyCredential
from regionsync.domain import AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, Remedy
from regionsync.services.http import AzureHttp
from regionsync.services.language import (
    DEFAULT_EVALUATION,
    NOT_DEPLOYED,
    NOT_TRAINED,
    LanguageAdapter,
    TrainingPlan,
    deployment_labels,
    serving_issue,
)
from regionsync.services.registry import make_adapter
from regionsync.services.retry import RetrySettings

SOURCE = "contoso-lang-eus"
TARGET = "contoso-lang-wus"
VERSIONS = ("2022-05-01", "2023-04-01")
KINDS = {"2022-05-01": "customMultiLabelClassification", "2023-04-01": "CustomMultiLabelClassification"}


def language_world(world: World) -> World:
    world.add_resource(SOURCE, service="language", region="eastus")
    world.add_resource(TARGET, service="language", region="westus2")
    world.add_project(
        SOURCE,
        "tickets",
        description="Support tickets",
        trained_models=("v1", "v2"),
        deployments={"prod": "v2", "staging": "v1"},
    )
    return world


def adapter(
    world: World, name: str, client: httpx.AsyncClient, version: str, *, key: str | None = None
) -> LanguageAdapter:
    resource = world.resources[name]
    http = AzureHttp(
        world.endpoint(name),
        KeyCredential(key or resource.keys[0]),
        client=client,
        api_version=None,
        retry=RetrySettings(backoff_factor=0.001),
        sleep=RecordingSleep(),
        side_label=f"{'primary' if name == SOURCE else 'secondary'} {resource.region}",
    )
    built = make_adapter(
        Service.LANGUAGE, version, http, resource_id=resource.resource_id, region=resource.region
    )
    assert isinstance(built, LanguageAdapter)
    return built


async def finish(world: World, adapter: LanguageAdapter, url: str, seconds: float) -> dict:
    """Move the paused clock past the job and read it once more: it must have succeeded."""
    world.clock.advance(seconds + 1)
    status = await adapter.poll(url)
    assert status.state is JobState.SUCCEEDED and status.percent == 100, status
    return status.raw


def test_serving_issue_reads_the_project_timestamps() -> None:
    t = [datetime(2025, 1, d, tzinfo=UTC) for d in range(1, 5)]
    assert serving_issue(t[0], None, None) == NOT_TRAINED
    assert serving_issue(t[1], t[0], t[2]) == NOT_TRAINED  # changed after its last training
    assert serving_issue(t[0], t[1], None) == NOT_DEPLOYED
    assert serving_issue(t[0], t[2], t[1]) == NOT_DEPLOYED  # retrained after its last deployment
    assert serving_issue(t[0], t[1], t[2]) is None


@pytest.mark.parametrize("version", VERSIONS)
async def test_lists_projects_and_reads_the_primary_training(
    world: World, client: httpx.AsyncClient, sent: list[httpx.Request], version: str
) -> None:
    language_world(world)
    world.add_project(SOURCE, "drafts")  # never trained
    source = adapter(world, SOURCE, client, version)
    drafts, tickets = sorted(await source.list_assets(AssetKind.PROJECT), key=lambda a: a.name)
    assert (tickets.id, tickets.name, tickets.description) == ("tickets", "tickets", "Support tickets")
    assert tickets.details["projectKind"] == "multi-label classification"
    assert tickets.modified is not None and tickets.serving_issue is None
    assert drafts.serving_issue == NOT_TRAINED
    assert tickets.details["deployments"] == {"prod": "v2", "staging": "v1"}
    assert drafts.details["deployments"] == {}
    assert await source.get_asset(AssetKind.PROJECT, "tickets") == tickets  # the same asset either way
    assert all(r.url.params["api-version"] == version for r in sent)
    assert await source.get_asset(AssetKind.PROJECT, "nope") is None
    info = await source.resource_info()
    assert (info.custom_count, info.custom_limit) == (None, None)

    plan = await source.training_plan("tickets")
    assert plan.deployments == {"prod": "v2", "staging": "v1"} and plan.labels == ("v1", "v2")
    for training in plan.trainings:
        assert training.config_version == "2022-05-01"
        assert training.evaluation == DEFAULT_EVALUATION and training.evaluation_from == "defaults"
    assert TrainingPlan.from_detail(plan.detail()) == plan  # what the export step journals
    untrained = await source.training_plan("drafts")
    assert untrained.labels == () and untrained.deployments == {}


@pytest.mark.parametrize("version", VERSIONS)
async def test_export_import_train_deploy_by_hand(
    world: World, client: httpx.AsyncClient, version: str
) -> None:
    language_world(world)
    source, target = adapter(world, SOURCE, client, version), adapter(world, TARGET, client, version)

    export = await source.export_project("tickets")
    assert export.operation_url.startswith(source.http.origin) and "/export/jobs/" in export.operation_url
    done = await finish(world, source, export.operation_url, world.job_seconds)
    exported = await source.exported_project(done["resultUrl"])
    assert exported["metadata"]["projectName"] == "tickets"
    assert exported["assets"]["projectKind"] == KINDS[version]

    imported = await target.import_project("tickets", exported)
    assert imported.operation_url.startswith(target.http.origin)
    await finish(world, target, imported.operation_url, world.job_seconds)
    copy = await target.get_asset(AssetKind.PROJECT, "tickets")
    assert copy is not None and copy.serving_issue == NOT_TRAINED and copy.details["deployments"] == {}
    original = await source.get_asset(AssetKind.PROJECT, "tickets")
    assert original is not None and copy.fingerprint != original.fingerprint  # nothing deployed yet

    plan = await source.training_plan("tickets")
    v1, v2 = plan.trainings
    training = await target.train("tickets", v2)
    world.clock.advance(world.train_seconds / 4)
    halfway = await target.poll(training.operation_url)
    assert halfway.state is JobState.RUNNING and 0 < (halfway.percent or 0) < 100
    assert halfway.raw["result"]["modelLabel"] == "v2"
    found = await target.training_since_import("tickets", "v2")
    assert found is not None and httpx.URL(found).path == httpx.URL(training.operation_url).path
    assert await target.training_since_import("tickets", "v1") is None
    await finish(world, target, training.operation_url, world.train_seconds)
    assert (await target.get_asset(AssetKind.PROJECT, "tickets")).serving_issue == NOT_DEPLOYED  # type: ignore[union-attr]
    second = await target.train("tickets", v1)  # a second model of the same project
    await finish(world, target, second.operation_url, world.train_seconds)

    for name, label in plan.deployments.items():
        deployed = await target.deploy("tickets", name, label)
        await finish(world, target, deployed.operation_url, world.job_seconds)
    state = await target.serving_state("tickets")
    assert state.project is not None and state.project.serving_issue is None
    assert set(state.models) == {"v1", "v2"} and state.labels == {"prod": "v2", "staging": "v1"}
    assert state.deployments["staging"]["modelId"] == state.models["v1"]["modelId"]
    assert state.project.fingerprint == original.fingerprint  # the same map: the same fingerprint


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_result_link_to_another_host_is_refused_before_the_key_goes_there(
    world: World, client: httpx.AsyncClient, sent: list[httpx.Request], version: str
) -> None:
    language_world(world)
    source = adapter(world, SOURCE, client, version)
    with pytest.raises(RegionSyncError) as refused:
        await source.exported_project("https://elsewhere.example.com/result?api-version=" + version)
    assert refused.value.code == "HostNotAllowed" and sent == []


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("wrong", [SOURCE, TARGET])
async def test_a_wrong_key_on_either_side_is_explained_without_the_key(
    world: World, client: httpx.AsyncClient, version: str, wrong: str
) -> None:
    language_world(world)
    bad_key = "fedcba9876543210fedcba9876543210"
    side = adapter(world, wrong, client, version, key=bad_key)
    with pytest.raises(RegionSyncError) as denied:
        await side.list_assets(AssetKind.PROJECT)
    assert denied.value.status == 401 and denied.value.remedy == Remedy.FIX_CREDENTIALS
    assert ("primary" if wrong == SOURCE else "secondary") in denied.value.what
    assert bad_key not in denied.value.explain() + repr(denied.value) + repr(side) + repr(side.http)


async def test_a_failed_job_is_explained(world: World, client: httpx.AsyncClient) -> None:
    language_world(world)
    source = adapter(world, SOURCE, client, "2023-04-01")
    world.faults.fail_copies(SOURCE, at_percent=40)
    export = await source.export_project("tickets")
    world.clock.advance(world.job_seconds + 1)
    failed = await source.poll(export.operation_url)
    assert failed.state is JobState.FAILED and failed.error is not None
    assert "40%" in failed.error.raw_message and failed.error.retryable


async def test_projects_have_no_copy_api_and_versions_are_checked(
    world: World, client: httpx.AsyncClient
) -> None:
    language_world(world)
    source = adapter(world, SOURCE, client, "2022-05-01")
    [asset] = [a for a in await source.list_assets(AssetKind.PROJECT) if a.name == "tickets"]
    with pytest.raises(RegionSyncError) as no_copy:
        await source.authorize_copy(AssetKind.PROJECT, asset, None)
    assert no_copy.value.code == "NotSupported"
    with pytest.raises(RegionSyncError) as bad_version:
        LanguageAdapter(source.http, "2021-11-01-preview")
    assert "2023-04-01" in bad_version.value.todo


def test_a_deployment_serves_the_label_of_its_model_id() -> None:
    models = [{"label": "v1", "modelId": "v1-20250101T000000-aa"}, {"label": "v2", "modelId": "x"}]
    deployments = [
        {"deploymentName": "staging", "modelId": "v1-20250101T000000-aa"},
        {"deploymentName": "prod", "modelId": "x"},
        {"deploymentName": "old", "modelId": "my-model-20240101T101010-0f9e"},  # retrained since
        {"deploymentName": "odd", "modelId": "no-known-form"},
        {"modelId": "x"},  # malformed: skipped
    ]
    assert deployment_labels(models, deployments) == {
        "odd": "no-known-form",
        "old": "my-model",
        "prod": "v2",
        "staging": "v1",
    }


def test_a_one_label_plan_journaled_by_an_earlier_regionsync_still_reads() -> None:
    old = {"model_label": "v2", "training_config_version": "2022-05-01", "deployments": ["prod", "staging"]}
    plan = TrainingPlan.from_detail(old)
    assert plan is not None and plan.deployments == {"prod": "v2", "staging": "v2"} and plan.labels == ("v2",)
    assert TrainingPlan.from_detail({"project": "tickets"}) is None
