"""A link that carries a query of its own keeps it when regionsync adds `api-version`."""

from __future__ import annotations

import httpx
from client_support import PRIMARY, http_for

from regionsync.emulator import EmulatorTransport, World

V4 = "2024-11-30"


async def test_a_next_link_without_api_version_keeps_its_own_query(world: World) -> None:
    for i in range(150):
        world.add_model(PRIMARY, f"m-{i:03d}")
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        http = http_for(world, PRIMARY, client, api_version=V4)
        first = await http.json("GET", "/documentintelligence/documentModels", context="Listing")
        link = httpx.URL(first["nextLink"])
        bare = link.copy_remove_param("api-version")  # a link that names only its own token
        assert "api-version" not in bare.params and bare.params
        second = await http.json("GET", str(bare), context="Listing page 2")
    ids = [m["modelId"] for m in second["value"] if not m["modelId"].startswith("prebuilt-")]
    assert ids and ids[0] > "m-0", "the page token was kept: this is page 2, not page 1 again"
    assert not {m["modelId"] for m in first["value"]} & set(ids)
