"""The emulator answers copies as Azure's own recorded traffic shows (di_versions.RECORDED_FACTS).

A copied model keeps the source's createdDateTime / modifiedDateTime / expirationDateTime (v2.1: its
createdDateTime and lastUpdatedDateTime); v3+ target locations and `resourceLocation` end in
`?api-version=`; v3+ authorizations live 1 hour, v2.1's 24 hours; a v2.1 `copyResult.modelId` is
there while the copy is notStarted / running; v3+ operation ids are `{seconds to 3021-01-01}_{guid}`.
The last tests drive regionsync's own client over the same emulator: it reads these answers.
All on the world's paused clock, over httpx with the in-process transport.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from emulator_constants import SOURCE_KEY, START, TARGET_KEY
from emulator_wire import V3_VERSIONS, authorize_v3, authorize_v21, copy_v3, copy_v21, key, v3_url, v21_url

from regionsync.credentials import KeyCredential
from regionsync.domain import AssetKind, JobState, Service
from regionsync.emulator import World
from regionsync.emulator.clock import format_timestamp, parse_timestamp
from regionsync.emulator.di_versions import RECORDED_FACTS, VERSIONS
from regionsync.services.document_intelligence import DocumentIntelligenceAdapter
from regionsync.services.http import AzureHttp
from regionsync.services.registry import make_adapter
from regionsync.services.retry import RetrySettings

COPY_SECONDS = 6
BUILT = START - timedelta(days=40, hours=3)
"""When the source models of these tests were built: long before any copy."""
V3_OPERATION_ID = re.compile(r"^(\d+)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OPERATION_ID_EPOCH = datetime(3021, 1, 1, tzinfo=UTC)


def countdown(moment: str) -> int:
    return int((OPERATION_ID_EPOCH - parse_timestamp(moment)).total_seconds())


async def get_model(
    client: httpx.AsyncClient, world: World, version: str, base: str, resource: str, model_id: str
) -> Any:
    resource_key = SOURCE_KEY if resource == "source-eus" else TARGET_KEY
    response = await client.get(
        v3_url(world, resource, base, f"documentModels/{model_id}"),
        params={"api-version": version},
        headers=key(resource_key),
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def early(world: World) -> World:
    """The conftest world plus a source model built 40 days before the clock's start."""
    world.add_model("source-eus", "built-early", description="Old", doc_types=["receipt"], created=BUILT)
    return world


def test_every_version_has_its_recorded_facts() -> None:
    assert set(RECORDED_FACTS) == {"2.1", *VERSIONS}
    assert RECORDED_FACTS["2.1"].authorization_lifetime == timedelta(hours=24)
    assert all(RECORDED_FACTS[v].authorization_lifetime == timedelta(hours=1) for v in VERSIONS)


# --- a copied model keeps the source's dates ---------------------------------------------------------


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_a_v3_copy_keeps_the_source_dates(
    client: httpx.AsyncClient, early: World, version: str, base: str
) -> None:
    source = await get_model(client, early, version, base, "source-eus", "built-early")
    assert source["createdDateTime"] == format_timestamp(BUILT)
    early.clock.advance(120)
    authorization = await authorize_v3(client, early, version, base, TARGET_KEY, model_id="dr-copy")
    started = await copy_v3(client, early, version, base, SOURCE_KEY, authorization, model_id="built-early")
    assert started.status_code == 202
    early.clock.advance(COPY_SECONDS)

    done = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert done["status"] == "succeeded"
    copied = await get_model(client, early, version, base, "target-wus2", "dr-copy")
    dates = ("createdDateTime", "modifiedDateTime", "expirationDateTime")
    kept = {name: source[name] for name in dates if name in source}
    assert len(kept) == {"2022-08-31": 1, "2023-07-31": 2, "2024-11-30": 3}[version]
    assert {name: copied.get(name) for name in kept} == kept
    assert {name: done["result"].get(name) for name in kept} == kept
    # …while the operation itself is dated by the copy.
    assert done["createdDateTime"] == format_timestamp(START + timedelta(seconds=120))


async def test_a_v4_classifier_copy_keeps_the_source_dates(client: httpx.AsyncClient, world: World) -> None:
    base, version = "documentintelligence", "2024-11-30"
    source = world.resources["source-eus"].classifiers["mail-sorter"]
    world.clock.advance(3600 * 5)
    authorized = await client.post(
        v3_url(world, "target-wus2", base, "documentClassifiers:authorizeCopy"),
        params={"api-version": version},
        headers=key(TARGET_KEY),
        json={"classifierId": "mail-sorter"},
    )
    authorization = authorized.json()
    assert authorization["targetClassifierLocation"].endswith(f"/mail-sorter?api-version={version}")
    assert authorization["expirationDateTime"] == format_timestamp(START + timedelta(hours=6))
    started = await client.post(
        v3_url(world, "source-eus", base, "documentClassifiers/mail-sorter:copyTo"),
        params={"api-version": version},
        headers=key(SOURCE_KEY),
        json=authorization,
    )
    world.clock.advance(COPY_SECONDS)
    done = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert done["resourceLocation"] == authorization["targetClassifierLocation"]
    copied = (
        await client.get(
            v3_url(world, "target-wus2", base, "documentClassifiers/mail-sorter"),
            params={"api-version": version},
            headers=key(TARGET_KEY),
        )
    ).json()
    assert copied["createdDateTime"] == done["result"]["createdDateTime"] == format_timestamp(source.created)
    assert copied["expirationDateTime"] == format_timestamp(source.expires)


async def test_a_v21_copy_keeps_created_and_last_updated(client: httpx.AsyncClient, world: World) -> None:
    world.add_legacy_model("source-eus", "forms-2019", created=BUILT)
    source_id = next(
        m.model_id
        for m in world.resources["source-eus"].legacy_models.values()
        if m.model_name == "forms-2019"
    )
    source = (
        await client.get(v21_url(world, "source-eus", f"custom/models/{source_id}"), headers=key(SOURCE_KEY))
    ).json()
    world.clock.advance(600)
    authorization = await authorize_v21(client, world, TARGET_KEY)
    started = await copy_v21(client, world, SOURCE_KEY, authorization, source_id)
    world.clock.advance(COPY_SECONDS)
    assert (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()[
        "status"
    ] == "succeeded"
    copied = (
        await client.get(
            v21_url(world, "target-wus2", f"custom/models/{authorization['modelId']}"),
            headers=key(TARGET_KEY),
        )
    ).json()
    assert copied["modelInfo"]["createdDateTime"] == source["modelInfo"]["createdDateTime"]
    assert copied["modelInfo"]["createdDateTime"] == format_timestamp(BUILT)
    assert copied["modelInfo"]["lastUpdatedDateTime"] == source["modelInfo"]["lastUpdatedDateTime"]


# --- locations, lifetimes, operation ids ---------------------------------------------------------------


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_v3_locations_carry_the_api_version(
    client: httpx.AsyncClient, world: World, version: str, base: str
) -> None:
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    expected = f"{world.endpoint('target-wus2')}/{base}/documentModels/invoice-copy?api-version={version}"
    assert authorization["targetModelLocation"] == expected
    started = await copy_v3(client, world, version, base, SOURCE_KEY, authorization)
    polled = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
    assert polled["resourceLocation"] == expected
    listed = await client.get(
        v3_url(world, "source-eus", base, "operations"),
        params={"api-version": version},
        headers=key(SOURCE_KEY),
    )
    assert [op["resourceLocation"] for op in listed.json()["value"]] == [expected]


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_v3_authorizations_live_one_hour(
    client: httpx.AsyncClient, world: World, version: str, base: str
) -> None:
    world.clock.advance(0.7)  # fractions of a second are dropped, as the service writes whole seconds
    authorization = await authorize_v3(client, world, version, base, TARGET_KEY)
    assert authorization["expirationDateTime"] == format_timestamp(START + timedelta(hours=1))
    world.clock.advance(3600 - 1)
    assert (await copy_v3(client, world, version, base, SOURCE_KEY, authorization)).status_code == 202

    later = await authorize_v3(client, world, version, base, TARGET_KEY, model_id="invoice-later")
    world.clock.advance(3600 + 1)
    refused = await copy_v3(client, world, version, base, SOURCE_KEY, later)
    assert refused.status_code == 400
    assert refused.json()["error"]["innererror"]["code"] == "CopyAuthorizationExpired"


async def test_v21_authorizations_live_24_hours(client: httpx.AsyncClient, world: World) -> None:
    source_id = next(iter(world.resources["source-eus"].legacy_models))
    authorization = await authorize_v21(client, world, TARGET_KEY)
    assert authorization["expirationDateTimeTicks"] == int((START + timedelta(hours=24)).timestamp())
    world.clock.advance(24 * 3600 - 1)
    assert (await copy_v21(client, world, SOURCE_KEY, authorization, source_id)).status_code == 202


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_v3_operation_ids_count_down_to_3021(
    client: httpx.AsyncClient, world: World, version: str, base: str
) -> None:
    first = await copy_v3(
        client, world, version, base, SOURCE_KEY, await authorize_v3(client, world, version, base, TARGET_KEY)
    )
    world.clock.advance(10)
    second = await copy_v3(
        client,
        world,
        version,
        base,
        SOURCE_KEY,
        await authorize_v3(client, world, version, base, TARGET_KEY, model_id="invoice-second"),
    )
    ids = []
    for started in (first, second):
        body = (await client.get(started.headers["Operation-Location"], headers=key(SOURCE_KEY))).json()
        match = V3_OPERATION_ID.match(body["operationId"])
        assert match, body["operationId"]
        assert int(match.group(1)) == countdown(body["createdDateTime"])
        assert started.headers["Operation-Location"].split("/operations/")[1] == (
            f"{body['operationId']}?api-version={version}"
        )
        ids.append(int(match.group(1)))
    assert ids[0] - ids[1] == 10  # a later operation has the smaller number


async def test_v21_copy_result_names_the_target_while_it_runs(
    client: httpx.AsyncClient, world: World
) -> None:
    source_id = next(iter(world.resources["source-eus"].legacy_models))
    authorization = await authorize_v21(client, world, TARGET_KEY)
    started = await copy_v21(client, world, SOURCE_KEY, authorization, source_id)
    location = started.headers["Operation-Location"]
    assert GUID.match(location.rsplit("/", 1)[1])
    seen = []
    for step in (0, 3, 3):
        world.clock.advance(step)
        body = (await client.get(location, headers=key(SOURCE_KEY))).json()
        seen.append((body["status"], body["copyResult"]["modelId"]))
    new_id = authorization["modelId"]
    assert seen == [("notStarted", new_id), ("running", new_id), ("succeeded", new_id)]


# --- regionsync's client reads these answers -----------------------------------------------------------


async def _no_sleep(seconds: float) -> None:
    return None


def adapter(world: World, name: str, client: httpx.AsyncClient, version: str) -> DocumentIntelligenceAdapter:
    resource = world.resources[name]
    http = AzureHttp(
        world.endpoint(name),
        KeyCredential(resource.keys[0]),
        client=client,
        api_version=None,
        retry=RetrySettings(),
        sleep=_no_sleep,
        side_label=resource.region,
    )
    made = make_adapter(
        Service.DOCUMENT_INTELLIGENCE, version, http, resource_id=resource.resource_id, region=resource.region
    )
    assert isinstance(made, DocumentIntelligenceAdapter)
    return made


@pytest.mark.parametrize("version", ["2.1", *(v for v, _ in V3_VERSIONS)])
async def test_the_client_copies_and_sees_the_source_dates(
    client: httpx.AsyncClient, early: World, version: str
) -> None:
    early.add_legacy_model("source-eus", "built-early", created=BUILT)
    source, target = (
        adapter(early, "source-eus", client, version),
        adapter(early, "target-wus2", client, version),
    )
    [original] = [a for a in await source.list_assets(AssetKind.MODEL) if a.name == "built-early"]
    assert original.created == BUILT
    early.clock.advance(300)

    auth = await target.authorize_copy(AssetKind.MODEL, original, None)
    started = await source.start_copy(AssetKind.MODEL, original.id, auth)
    early.clock.advance(COPY_SECONDS)
    status = await source.poll(started.operation_url)
    assert status.state is JobState.SUCCEEDED
    assert status.target_id == auth.target_id

    copied = await target.get_asset(AssetKind.MODEL, auth.target_id)
    assert copied is not None
    assert (copied.created, copied.modified) == (original.created, original.modified)
    assert copied.details.get("expirationDateTime") == original.details.get("expirationDateTime")


@pytest.mark.parametrize(("version", "base"), V3_VERSIONS)
async def test_the_client_finds_a_lost_copy_by_its_resource_location(
    client: httpx.AsyncClient, world: World, version: str, base: str
) -> None:
    source, target = (
        adapter(world, "source-eus", client, version),
        adapter(world, "target-wus2", client, version),
    )
    original = await source.get_asset(AssetKind.MODEL, "invoice")
    assert original is not None
    auth = await target.authorize_copy(AssetKind.MODEL, original, "invoice-dr")
    started = await source.start_copy(AssetKind.MODEL, "invoice", auth)
    found = await source.find_copy_operation(AssetKind.MODEL, "invoice", "invoice-dr")
    assert found is not None
    assert httpx.URL(found).path == httpx.URL(started.operation_url).path
    assert (await source.poll(found)).target_id == "invoice-dr"  # read from the `?api-version=` location
