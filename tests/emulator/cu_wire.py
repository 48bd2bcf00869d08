"""What the Content Understanding tests send, spelled as the service's REST calls (URLs, keys, bodies)."""

from __future__ import annotations

from typing import Any

import httpx

from regionsync.emulator import World

CU_VERSION = "2025-11-01"


def key(value: str) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": value}


def cu_url(world: World, resource: str, path: str) -> str:
    return f"{world.endpoint(resource)}/contentunderstanding/{path}"


async def grant(
    client: httpx.AsyncClient,
    world: World,
    source_key: str,
    target: str = "cu-swc",
    analyzer_id: str = "invoice-extractor",
    source: str = "cu-wus",
) -> httpx.Response:
    resource = world.resources[target]
    return await client.post(
        cu_url(world, source, f"analyzers/{analyzer_id}:grantCopyAuthorization"),
        params={"api-version": CU_VERSION},
        headers=key(source_key),
        json={"targetAzureResourceId": resource.resource_id, "targetRegion": resource.region},
    )


async def copy(
    client: httpx.AsyncClient,
    world: World,
    target_key: str,
    target_id: str = "invoice-extractor",
    target: str = "cu-swc",
    source: str = "cu-wus",
    source_analyzer_id: str = "invoice-extractor",
    allow_replace: bool | None = None,
) -> httpx.Response:
    resource = world.resources[source]
    params = {"api-version": CU_VERSION}
    if allow_replace is not None:
        params["allowReplace"] = "true" if allow_replace else "false"
    body: dict[str, Any] = {
        "sourceAzureResourceId": resource.resource_id,
        "sourceRegion": resource.region,
        "sourceAnalyzerId": source_analyzer_id,
    }
    return await client.post(
        cu_url(world, target, f"analyzers/{target_id}:copy"),
        params=params,
        headers=key(target_key),
        json=body,
    )


async def get(client: httpx.AsyncClient, url: str, api_key: str) -> httpx.Response:
    """GET an absolute URL (an Operation-Location) with a key."""
    return await client.get(url, headers=key(api_key))


async def analyzer(
    client: httpx.AsyncClient, world: World, resource: str, api_key: str, analyzer_id: str
) -> httpx.Response:
    return await client.get(
        cu_url(world, resource, f"analyzers/{analyzer_id}"),
        params={"api-version": CU_VERSION},
        headers=key(api_key),
    )
