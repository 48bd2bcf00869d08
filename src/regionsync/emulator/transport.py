"""In-process access to the emulator: an httpx transport that serves the world's ASGI app directly.

It behaves as the loopback listeners do, without sockets: a request reaches the region whose port
its URL names (or the admin API), and a port nothing listens on — or a region in outage — raises
`httpx.ConnectError("connection refused")` exactly where a real client would get one.
"""

from __future__ import annotations

import httpx

from regionsync.emulator.world import World


class EmulatorTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncClient(transport=EmulatorTransport(world))` talks to `world` in process."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._asgi = httpx.ASGITransport(app=world.app, client=("127.0.0.1", 51000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        role = self.world.port_role(request.url.port)
        if role is None:
            raise httpx.ConnectError(
                f"[Errno 111] Connection refused: nothing listens on {request.url.port}", request=request
            )
        _, region = role
        if region is not None and self.world.faults.is_down(region):
            raise httpx.ConnectError(
                f"[Errno 111] Connection refused: region {region} is down", request=request
            )
        return await self._asgi.handle_async_request(request)

    async def aclose(self) -> None:
        await self._asgi.aclose()
