"""Tiny raw HTTP listeners on 127.0.0.1 for the loopback tests: one that records whatever reaches it,
and one that answers with links pointing elsewhere (a misbehaving or tampered service)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    """A loopback listener: its port, and every raw request (head + body) it received."""

    port: int = 0
    received: list[bytes] = field(default_factory=list)
    connections: int = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


Answer = Callable[[str, str, Listener], tuple[int, dict[str, str], bytes]]


def _silent(method: str, path: str, listener: Listener) -> tuple[int, dict[str, str], bytes]:
    return 404, {}, b""


@asynccontextmanager
async def listen(answer: Answer = _silent) -> AsyncIterator[Listener]:
    """Serve `answer(method, path, listener)` for every request until the block ends."""
    state = Listener()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            state.received.append(head + body)
            method, path, _ = head.decode("latin-1").split("\r\n", 1)[0].split(" ", 2)
            status, headers, payload = answer(method, path, state)
            lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(payload)}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


def pointing_to(elsewhere: str) -> Answer:
    """A service whose listing's nextLink and copy's Operation-Location point at `elsewhere`."""

    def answer(method: str, path: str, listener: Listener) -> tuple[int, dict[str, str], bytes]:
        if method == "POST":
            return 202, {"Operation-Location": f"{elsewhere}/documentintelligence/operations/1"}, b""
        page = {"value": [{"modelId": "first", "createdDateTime": "2024-05-01T18:46:36Z"}]}
        page["nextLink"] = f"{elsewhere}/documentintelligence/documentModels?nextLink=abc"  # type: ignore[assignment]
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    return answer


def redirecting_to(elsewhere: str) -> Answer:
    """A service that answers every request with a redirect to `elsewhere`."""

    def answer(method: str, path: str, listener: Listener) -> tuple[int, dict[str, str], bytes]:
        return 307, {"Location": f"{elsewhere}{path}"}, b""

    return answer
