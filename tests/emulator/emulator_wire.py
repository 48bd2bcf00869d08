"""What the tests send, spelled as the seeds' curl calls spell it (URLs, headers, bodies)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from regionsync.emulator import World

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
V3_VERSIONS = [
    ("2022-08-31", "formrecognizer"),
    ("2023-07-31", "formrecognizer"),
    ("2024-11-30", "documentintelligence"),
]


def key(value: str) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": value}


def v3_url(world: World, resource: str, base: str, path: str) -> str:
    return f"{world.endpoint(resource)}/{base}/{path}"


def v21_url(world: World, resource: str, path: str) -> str:
    return f"{world.endpoint(resource)}/formrecognizer/v2.1/{path}"


async def authorize_v3(
    client: httpx.AsyncClient,
    world: World,
    version: str,
    base: str,
    target_key: str,
    model_id: str = "invoice-copy",
    target: str = "target-wus2",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        v3_url(world, target, base, "documentModels:authorizeCopy"),
        params={"api-version": version},
        headers=key(target_key),
        json={"modelId": model_id, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def copy_v3(
    client: httpx.AsyncClient,
    world: World,
    version: str,
    base: str,
    source_key: str,
    authorization: dict[str, Any],
    model_id: str = "invoice",
    source: str = "source-eus",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        v3_url(world, source, base, f"documentModels/{model_id}:copyTo"),
        params={"api-version": version},
        headers={**key(source_key), **(headers or {})},
        json=authorization,
    )


async def authorize_v21(
    client: httpx.AsyncClient, world: World, target_key: str, target: str = "target-wus2"
) -> dict[str, Any]:
    response = await client.post(
        v21_url(world, target, "custom/models/copyAuthorization"), headers=key(target_key)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def copy_v21(
    client: httpx.AsyncClient,
    world: World,
    source_key: str,
    authorization: dict[str, Any],
    model_id: str,
    target: str = "target-wus2",
    source: str = "source-eus",
    headers: dict[str, str] | None = None,
    target_resource_id: str | None = None,
    target_region: str | None = None,
) -> httpx.Response:
    resource = world.resources[target]
    body = {
        "targetResourceId": target_resource_id or resource.resource_id,
        "targetResourceRegion": target_region or resource.region,
        "copyAuthorization": authorization,
    }
    return await client.post(
        v21_url(world, source, f"custom/models/{model_id}/copy"),
        headers={**key(source_key), **(headers or {})},
        json=body,
    )


def legacy_id(world: World, resource: str, name: str) -> str:
    return next(m.model_id for m in world.resources[resource].legacy_models.values() if m.model_name == name)
