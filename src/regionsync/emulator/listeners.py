"""Real loopback listeners: one per region (and one for the admin API), each a socket on 127.0.0.1.

Each listener serves the world's ASGI app with uvicorn's HTTP protocol on its own asyncio server,
so that it can be closed on its own: a region outage closes the listening socket and aborts the
region's open connections (clients get "connection refused", as when a region goes dark), and the
end of the outage binds the same port again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.server import ServerState

LOOPBACK = "127.0.0.1"


def make_config(app: Any) -> uvicorn.Config:
    """uvicorn settings for the emulator: loopback, no lifespan, no access log, no proxy headers."""
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        date_header=False,
        http="h11",
        ws="none",
    )
    config.load()
    return config


class Listener:
    """One listening socket on 127.0.0.1 serving `config`'s app; can be stopped and restarted."""

    def __init__(self, config: uvicorn.Config, port: int = 0, name: str = "") -> None:
        self.config = config
        self.port = port
        self.name = name
        self.state = ServerState()
        self._sock: socket.socket | None = None
        self._server: asyncio.AbstractServer | None = None
        self._starting: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Listener({self.name or 'admin'}, port={self.port}, listening={self.listening})"

    @property
    def listening(self) -> bool:
        return self._sock is not None

    def bind(self) -> int:
        """Bind and listen on 127.0.0.1 (port 0 picks a free one); returns the port."""
        # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto
        # says TCP, and with Nagle on every answer waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, self.port))
            sock.listen(self.config.backlog)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        return self.port

    def _protocol(self, _loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.state, app_state={}, _loop=_loop
        )

    async def start(self) -> None:
        """Serve the bound socket (call `bind()` first)."""
        sock = self._sock
        if sock is None or self._server is not None:
            return
        server = await asyncio.get_running_loop().create_server(self._protocol, sock=sock)
        if self._sock is not sock:  # stopped while starting
            server.close()
            return
        self._server = server

    def stop(self) -> None:
        """Close the listening socket and abort open connections, at once."""
        if self._starting is not None:
            self._starting.cancel()
            self._starting = None
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None
        for connection in list(self.state.connections):
            transport = getattr(connection, "transport", None)
            if transport is None:
                continue
            # Shut the socket down now (the abort itself completes on the next loop turn), so that a
            # client's pooled connection reads as closed at once and its next request connects anew.
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            transport.abort()

    def restart(self) -> None:
        """Listen on the same port again; connections are accepted from now on (served shortly)."""
        if self._sock is not None:
            return
        self.bind()
        self._starting = asyncio.get_running_loop().create_task(self.start())

    async def aclose(self) -> None:
        server = self._server
        self.stop()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=1.0)
