"""Content Understanding in scenario files and the demo world, and a copy over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest
from cu_wire import CU_VERSION

from regionsync.emulator import Clock, ScenarioError, World, load_scenario, parse_scenario, serve
from regionsync.emulator.scenario import demo_scenario_path

SCENARIO = """\
[clock]
speed = 0
copy_seconds = 3

[[resource]]
name = "contoso-cu-wus"
service = "content-understanding"
region = "westus"
keys = ["wus-key-1", "wus-key-2"]

[[resource.analyzer]]
id = "invoice-extractor"
base_analyzer = "prebuilt-document"
description = "Invoices"
models = { completion = "gpt-4.1", embedding = "text-embedding-3-large" }
tags = { team = "finance" }
fields = ["VendorName", "InvoiceTotal"]

[[resource.deployment]]
name = "gpt-4.1"
model = "gpt-4.1"

[[resource.deployment]]
name = "text-embedding-3-large"
model = "text-embedding-3-large"

[[resource]]
name = "contoso-cu-swc"
service = "content-understanding"
region = "swedencentral"
keys = ["swc-key-1", "swc-key-2"]

[[resource.deployment]]
name = "gpt-4.1"
model = "gpt-4.1"

[[resource.deployment]]
name = "text-embedding-3-large"
model = "text-embedding-3-large"
"""


def test_a_scenario_with_analyzers_and_deployments() -> None:
    world = World.from_scenario(parse_scenario(SCENARIO, source="cu.toml"))
    primary = world.resources["contoso-cu-wus"]
    analyzer = primary.analyzers["invoice-extractor"]
    assert analyzer.models == {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
    assert set(analyzer.field_schema["fields"]) == {"VendorName", "InvoiceTotal"}
    assert analyzer.base_analyzer_id == "prebuilt-document"
    assert primary.model_deployments == {
        "gpt-4.1": "gpt-4.1",
        "text-embedding-3-large": "text-embedding-3-large",
    }


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (SCENARIO.replace('id = "invoice-extractor"', 'id = "prebuilt-mine"'), 12,
         "resource[0].analyzer[0].id", "reserved"),
        (SCENARIO.replace('service = "content-understanding"\nregion = "westus"', 'region = "westus"'), 10,
         "resource[0].analyzer", "content-understanding only"),
        (SCENARIO.replace('model = "gpt-4.1"', 'modle = "gpt-4.1"', 1), 19,
         "resource[0].deployment[0].model", "Field required"),
    ],
)  # fmt: skip
def test_bad_analyzer_tables_name_file_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="cu.toml")
    assert caught.value.field == field
    assert caught.value.line == line
    assert str(caught.value).startswith(f"cu.toml:{line}: {field}: ")
    assert words in str(caught.value)


def test_the_demo_world_has_a_believable_analyzer_mix() -> None:
    world = World.from_scenario(load_scenario(demo_scenario_path()))
    primary, secondary = world.resources["contoso-cu-wus"], world.resources["contoso-cu-swc"]
    assert (primary.service, secondary.service) == ("content-understanding", "content-understanding")
    both = set(primary.analyzers) & set(secondary.analyzers)
    assert both == {"invoice-extractor", "receipt-extractor"}
    assert set(primary.analyzers) - set(secondary.analyzers) == {"contract-clauses", "call-summary"}
    assert set(secondary.analyzers) - set(primary.analyzers) == {"old-forms"}
    drifted_p, drifted_s = primary.analyzers["receipt-extractor"], secondary.analyzers["receipt-extractor"]
    assert drifted_p.modified > drifted_s.modified
    assert drifted_p.field_schema != drifted_s.field_schema
    same_p, same_s = primary.analyzers["invoice-extractor"], secondary.analyzers["invoice-extractor"]
    assert (same_p.field_schema, same_p.description, same_p.models) == (
        same_s.field_schema,
        same_s.description,
        same_s.models,
    )
    # The secondary lacks a deployment for the model call-summary uses.
    needs = set(primary.analyzers["call-summary"].models.values())
    assert needs - set(secondary.model_deployments) == {"gpt-4o"}


@pytest.mark.loopback
async def test_an_analyzer_copy_over_loopback() -> None:
    world = World.from_scenario(parse_scenario(SCENARIO), clock=Clock(speed=0))
    source, target = world.resources["contoso-cu-wus"], world.resources["contoso-cu-swc"]
    params = {"api-version": CU_VERSION}
    async with serve(world), httpx.AsyncClient() as client:
        source_url = f"{world.endpoint(source.name)}/contentunderstanding/analyzers"
        target_url = f"{world.endpoint(target.name)}/contentunderstanding/analyzers"
        assert source_url.split("/")[2] != target_url.split("/")[2]  # one port per region
        granted = await client.post(
            f"{source_url}/invoice-extractor:grantCopyAuthorization",
            params=params,
            headers={"Ocp-Apim-Subscription-Key": "wus-key-1"},
            json={"targetAzureResourceId": target.resource_id, "targetRegion": target.region},
        )
        assert granted.status_code == 200, granted.text
        started = await client.post(
            f"{target_url}/invoice-extractor:copy",
            params=params,
            headers={"Ocp-Apim-Subscription-Key": "swc-key-1"},
            json={
                "sourceAzureResourceId": source.resource_id,
                "sourceRegion": source.region,
                "sourceAnalyzerId": "invoice-extractor",
            },
        )
        assert started.status_code == 201, started.text
        location = started.headers["Operation-Location"]
        assert location.startswith(target_url + "/invoice-extractor/operations/")
        await client.post(f"{world.admin_url}/_emulator/clock/advance", json={"seconds": 3})
        done = await client.get(location, headers={"Ocp-Apim-Subscription-Key": "swc-key-1"})
        assert done.json()["status"] == "Succeeded"
        assert done.json()["result"]["tags"] == {"team": "finance"}
