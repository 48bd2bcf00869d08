"""What the Language authoring tests send, spelled as the service's REST calls (URLs, keys, bodies)."""

from __future__ import annotations

from typing import Any

import httpx

from regionsync.emulator import World

LANGUAGE_VERSIONS = ["2022-05-01", "2023-04-01"]
FILE_VERSION_FIELD = {"2022-05-01": "project-file-version", "2023-04-01": "projectFileVersion"}
MULTI_KIND = {"2022-05-01": "customMultiLabelClassification", "2023-04-01": "CustomMultiLabelClassification"}


def key(value: str) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": value}


def lang_url(world: World, resource: str, path: str = "") -> str:
    base = f"{world.endpoint(resource)}/language/authoring/analyze-text/projects"
    return f"{base}/{path}" if path else base


async def call(
    client: httpx.AsyncClient,
    method: str,
    world: World,
    resource: str,
    api_key: str,
    version: str,
    path: str = "",
    json: Any = None,
    **params: str,
) -> httpx.Response:
    return await client.request(
        method,
        lang_url(world, resource, path),
        params={"api-version": version, **params},
        headers=key(api_key),
        json=json,
    )


async def get(client: httpx.AsyncClient, url: str, api_key: str) -> httpx.Response:
    """GET an absolute URL (an operation-location or a resultUrl) with a key."""
    return await client.get(url, headers=key(api_key))
