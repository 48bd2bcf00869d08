"""Content Understanding: the full analyzer copy between two regions, with plain httpx calls."""

from __future__ import annotations

from datetime import timedelta

import httpx
from cu_wire import CU_VERSION, analyzer, copy, cu_url, get, grant, key
from emulator_constants import CU_MODELS, CU_SOURCE_KEY, CU_TARGET_KEY, START
from emulator_wire import TIMESTAMP

from regionsync.emulator import World
from regionsync.emulator.clock import format_timestamp

KEPT = ("description", "tags", "config", "fieldSchema", "models", "baseAnalyzerId")


async def test_grant_on_the_source_copy_on_the_target_poll_and_read(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    target = cu_world.resources["cu-swc"]
    granted = await grant(cu_client, cu_world, CU_SOURCE_KEY)
    assert granted.status_code == 200, granted.text
    assert granted.headers["apim-request-id"]
    assert granted.json() == {
        "source": cu_url(cu_world, "cu-wus", "analyzers/invoice-extractor"),
        "targetAzureResourceId": target.resource_id,
        "expiresAt": format_timestamp(START + timedelta(hours=24)),
    }

    started = await copy(cu_client, cu_world, CU_TARGET_KEY, target_id="invoices")
    assert started.status_code == 201, started.text
    creating = started.json()
    assert creating["analyzerId"] == "invoices"
    assert creating["status"] == "creating"
    assert TIMESTAMP.match(creating["createdAt"]) and TIMESTAMP.match(creating["lastModifiedAt"])
    location = started.headers["Operation-Location"]
    assert location.startswith(cu_url(cu_world, "cu-swc", "analyzers/invoices/operations/"))
    assert location.endswith(f"?api-version={CU_VERSION}")
    assert int(started.headers["Retry-After"]) >= 1
    assert int(started.headers["retry-after-ms"]) >= 1

    cu_world.clock.advance(3)
    running = await get(cu_client, location, CU_TARGET_KEY)
    assert running.status_code == 200
    assert running.json() == {"id": location.split("/operations/")[1].split("?")[0], "status": "Running"}
    assert "Retry-After" in running.headers
    during = await analyzer(cu_client, cu_world, "cu-swc", CU_TARGET_KEY, "invoices")
    assert during.json()["status"] == "creating"

    cu_world.clock.advance(3)
    done = await get(cu_client, location, CU_TARGET_KEY)
    body = done.json()
    assert body["status"] == "Succeeded"
    assert "resourceLocation" not in body
    assert "Retry-After" not in done.headers
    result = body["result"]
    assert result["analyzerId"] == "invoices"
    assert result["status"] == "ready"
    assert "warnings" not in result

    copied = (await analyzer(cu_client, cu_world, "cu-swc", CU_TARGET_KEY, "invoices")).json()
    source = (await analyzer(cu_client, cu_world, "cu-wus", CU_SOURCE_KEY, "invoice-extractor")).json()
    for field in KEPT:
        assert copied[field] == source[field] == result[field], field
    assert copied["models"] == CU_MODELS
    assert set(copied["fieldSchema"]["fields"]) == {"VendorName", "InvoiceTotal"}
    assert copied["tags"] == {"team": "finance"}
    assert copied["lastModifiedAt"] == format_timestamp(START + timedelta(seconds=6))

    listed = await cu_client.get(
        cu_url(cu_world, "cu-swc", "analyzers"),
        params={"api-version": CU_VERSION},
        headers=key(CU_TARGET_KEY),
    )
    by_id = {a["analyzerId"]: a for a in listed.json()["value"]}
    assert by_id["invoices"]["status"] == "ready"


async def test_the_grant_serves_again_until_it_expires(cu_client: httpx.AsyncClient, cu_world: World) -> None:
    assert (await grant(cu_client, cu_world, CU_SOURCE_KEY)).status_code == 200
    first = await copy(cu_client, cu_world, CU_TARGET_KEY, target_id="first")
    cu_world.clock.advance(6)
    second = await copy(cu_client, cu_world, CU_TARGET_KEY, target_id="second")
    assert (first.status_code, second.status_code) == (201, 201)
    cu_world.clock.advance(6)
    cu_world.settle()
    target = cu_world.resources["cu-swc"].analyzers
    assert (target["first"].status, target["second"].status) == ("ready", "ready")


async def test_replacing_answers_200_and_keeps_the_latest_source(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    await grant(cu_client, cu_world, CU_SOURCE_KEY)
    await copy(cu_client, cu_world, CU_TARGET_KEY)
    cu_world.clock.advance(6)
    cu_world.clock.advance(60)
    cu_world.touch("cu-wus", "analyzer", "invoice-extractor")
    refused = await copy(cu_client, cu_world, CU_TARGET_KEY)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "Conflict"
    assert refused.json()["error"]["innererror"] == {"code": "AnalyzerAlreadyExists"}
    explicit_no = await copy(cu_client, cu_world, CU_TARGET_KEY, allow_replace=False)
    assert explicit_no.status_code == 409

    replaced = await copy(cu_client, cu_world, CU_TARGET_KEY, allow_replace=True)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["status"] == "creating"
    busy = await copy(cu_client, cu_world, CU_TARGET_KEY, allow_replace=True)
    assert busy.status_code == 409
    assert busy.json()["error"]["innererror"]["code"] == "AnalyzerOperationInProgress"
    cu_world.clock.advance(6)
    done = (await get(cu_client, replaced.headers["Operation-Location"], CU_TARGET_KEY)).json()
    assert done["status"] == "Succeeded"
    assert done["result"]["description"].startswith("Invoices (edited ")


async def test_a_copy_within_one_resource_needs_no_grant(
    cu_client: httpx.AsyncClient, cu_world: World
) -> None:
    answer = await cu_client.post(
        cu_url(cu_world, "cu-wus", "analyzers/invoice-extractor-v2:copy"),
        params={"api-version": CU_VERSION},
        headers=key(CU_SOURCE_KEY),
        json={"sourceAnalyzerId": "invoice-extractor"},
    )
    assert answer.status_code == 201, answer.text
    cu_world.clock.advance(6)
    copied = await analyzer(cu_client, cu_world, "cu-wus", CU_SOURCE_KEY, "invoice-extractor-v2")
    assert copied.json()["status"] == "ready"
