"""The peer regionsync is measured against: what a user writes with the official SDK instead.

Run as its own process by peer_bench.py (so that, like the CLI, its time includes start-up):

    python bench/sdk_baseline.py copy   SPEC.json   # thread pool: authorize, begin_copy_model_to, result()
    python bench/sdk_baseline.py serial SPEC.json   # the documented flow, one model after another
    python bench/sdk_baseline.py list   SPEC.json   # list the models of both sides, 2 threads
    python bench/sdk_baseline.py wire   SPEC.json   # the wire floor: bare httpx, both sides at once

SPEC.json: {"source": {"endpoint", "key"}, "target": {"endpoint", "key"}, "models": [...],
"concurrency": 16}. `wire` is no peer but the floor of any listing client: one asyncio process that
only follows `nextLink` on both sides at once (no objects, no output) — what the pages cost on the
wire, start-up included. The SDK is azure-ai-documentintelligence (the `test` extra), at its defaults
(it polls every second when the service sends no Retry-After, as Azure's copies do not). Prints one
JSON line: {"seconds": ..., "count": ...}.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from azure.ai.documentintelligence import DocumentIntelligenceAdministrationClient
from azure.ai.documentintelligence.models import AuthorizeCopyRequest
from azure.core.credentials import AzureKeyCredential


def admin_client(side: dict[str, str]) -> DocumentIntelligenceAdministrationClient:
    return DocumentIntelligenceAdministrationClient(side["endpoint"], AzureKeyCredential(side["key"]))


def copy_one(
    source: DocumentIntelligenceAdministrationClient,
    target: DocumentIntelligenceAdministrationClient,
    model_id: str,
) -> str:
    """The documented copy: authorize on the target, copy from the source, wait for the result."""
    authorization = target.authorize_model_copy(AuthorizeCopyRequest(model_id=model_id))
    return str(source.begin_copy_model_to(model_id, authorization).result().model_id)


def copy_pool(spec: dict[str, Any]) -> int:
    source, target = admin_client(spec["source"]), admin_client(spec["target"])
    with ThreadPoolExecutor(max_workers=int(spec["concurrency"])) as pool:
        copied = list(pool.map(lambda model_id: copy_one(source, target, model_id), spec["models"]))
    return len(copied)


def copy_serial(spec: dict[str, Any]) -> int:
    source, target = admin_client(spec["source"]), admin_client(spec["target"])
    return len([copy_one(source, target, model_id) for model_id in spec["models"]])


def list_both(spec: dict[str, Any]) -> int:
    def custom_ids(side: dict[str, str]) -> set[str]:
        models = admin_client(side).list_models()
        return {m.model_id for m in models if not m.model_id.startswith("prebuilt-")}

    with ThreadPoolExecutor(max_workers=2) as pool:
        primary, secondary = pool.map(custom_ids, (spec["source"], spec["target"]))
    return len(primary | secondary)


def wire_floor(spec: dict[str, Any]) -> int:
    import asyncio

    import httpx

    async def side(client: httpx.AsyncClient, info: dict[str, str]) -> set[str]:
        url: str | None = info["endpoint"].rstrip("/") + "/documentintelligence/documentModels"
        params: dict[str, str] | None = {"api-version": "2024-11-30"}
        ids: set[str] = set()
        while url:
            headers = {"Ocp-Apim-Subscription-Key": info["key"]}
            page = (await client.get(url, params=params, headers=headers)).json()
            ids.update(m["modelId"] for m in page["value"] if not m["modelId"].startswith("prebuilt-"))
            url, params = page.get("nextLink"), None
        return ids

    async def both() -> int:
        async with httpx.AsyncClient() as client:
            primary, secondary = await asyncio.gather(
                side(client, spec["source"]), side(client, spec["target"])
            )
        return len(primary | secondary)

    return asyncio.run(both())


MODES = {"copy": copy_pool, "serial": copy_serial, "list": list_both, "wire": wire_floor}


def main() -> int:
    mode, spec_path = sys.argv[1], Path(sys.argv[2])
    spec = json.loads(spec_path.read_text())
    started = time.perf_counter()
    count = MODES[mode](spec)
    print(json.dumps({"seconds": time.perf_counter() - started, "count": count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
