"""What the SDK conformance tests share: the emulated world, the emulator served on loopback from a
background thread, and azure-core transports that record every exchange and whose `sleep` moves the
emulator's clock instead of waiting.

The official Azure SDKs are synchronous (requests) or asynchronous clients that own their own I/O, so
the emulator runs where they cannot block it: `serve(world)` on its own event loop in a daemon thread,
real sockets on 127.0.0.1. The world's clock is frozen; an SDK poller that honours the emulator's
`Retry-After` hint calls its transport's `sleep(seconds)`, which here advances the clock by that much
and records it — so a six-second copy takes three polls and no real time, and a test can check that
the SDK waited exactly as long as the service asked. The scenario turns the emulator's copy hints on
(`retry_hints`; Azure's recorded copies send none) because these tests check that the SDKs honour them.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.transport import AsyncioRequestsTransport, RequestsTransport
from azure.core.rest import AsyncHttpResponse, HttpResponse
from spec_conformance import Exchange

from regionsync.emulator import Clock, EmulatorTransport, RunningEmulator, World, parse_scenario, serve

START = datetime(2024, 5, 1, 18, 46, 36, tzinfo=UTC)
SOURCE = "contoso-di-eus"
TARGET = "contoso-di-wus"
CU_SOURCE = "contoso-cu-wus"
CU_TARGET = "contoso-cu-swc"
CU_BARE = "contoso-cu-swc-bare"
CU_API_VERSION = "2025-11-01"
CU_MODELS = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
COPY_SECONDS = 6.0
LIVE_CLOCK_SPEED = 60.0
"""Emulated seconds per real second where a test runs on a live clock (a copy then takes 0.1 s)."""
POLL_HINT_SECONDS = 2.0
"""The emulator asks pollers to come back after this long (emulated seconds, one for one when frozen)."""
POLLING_INTERVAL = 0.01
"""What the tests pass as `polling_interval`: the SDK's fallback when an answer has no Retry-After."""
STARTUP_TIMEOUT = 10.0

SCENARIO = f"""\
[clock]
speed = 0
copy_seconds = {COPY_SECONDS}
retry_hints = true

[[resource]]
name = "{SOURCE}"
region = "eastus"
keys = ["source-key-1", "source-key-2"]

[[resource.model]]
id = "invoice"
description = "Invoices 2024"
doc_types = ["invoice", "credit-note"]
fields = ["VendorName", "InvoiceTotal"]
tags = {{ team = "finance" }}
api_version = "2024-11-30"

[[resource.classifier]]
id = "mail-sorter"
description = "Sorts the mail room's scans"
doc_types = ["invoice", "receipt", "letter"]

[[resource.legacy_model]]
name = "receipts-2020"
fields = ["Merchant", "Date", "Total"]

[[resource]]
name = "{TARGET}"
region = "westus2"
keys = ["target-key-1", "target-key-2"]
custom_model_limit = 500

[[resource]]
name = "{CU_SOURCE}"
service = "content-understanding"
region = "westus"
keys = ["cu-source-key-1", "cu-source-key-2"]
deployment = [
  {{ name = "gpt-4.1", model = "gpt-4.1" }},
  {{ name = "text-embedding-3-large", model = "text-embedding-3-large" }},
]

[[resource.analyzer]]
id = "invoice-extractor"
description = "Extracts invoice fields"
models = {{ completion = "gpt-4.1", embedding = "text-embedding-3-large" }}
tags = {{ team = "finance" }}
fields = ["VendorName", "InvoiceTotal", "DueDate"]

[[resource]]
name = "{CU_TARGET}"
service = "content-understanding"
region = "swedencentral"
keys = ["cu-target-key-1", "cu-target-key-2"]
deployment = [
  {{ name = "gpt-4.1", model = "gpt-4.1" }},
  {{ name = "text-embedding-3-large", model = "text-embedding-3-large" }},
]

[[resource]]
name = "{CU_BARE}"
service = "content-understanding"
region = "swedencentral"
keys = ["cu-bare-key-1", "cu-bare-key-2"]
"""


def new_world(speed: float = 0.0) -> World:
    """DI: the source holds a model, a classifier and a v2.1 model, the target nothing. CU: the source holds
    an analyzer; the target has the model deployments it needs, the bare target none. The clock is frozen
    unless a `speed` is given."""
    return World.from_scenario(
        parse_scenario(SCENARIO, source="conformance.toml"), clock=Clock(speed=speed, start=START)
    )


def content_understanding_served() -> bool:
    """Whether this emulator serves Content Understanding: `GET defaults` of a CU resource, in process."""

    async def probe() -> bool:
        world = new_world()
        async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
            answer = await client.get(
                f"{world.endpoint(CU_TARGET)}/contentunderstanding/defaults",
                params={"api-version": CU_API_VERSION},
                headers={"Ocp-Apim-Subscription-Key": world.resources[CU_TARGET].keys[0]},
            )
        return answer.status_code == 200

    return asyncio.run(probe())


def key_of(world: World, name: str) -> AzureKeyCredential:
    return AzureKeyCredential(world.resources[name].keys[0])


class ThreadedEmulator:
    """`serve(world)` on real loopback listeners, run by an event loop in a daemon thread.

    Used as a context manager; the world's endpoints carry the real ports inside the block. A failure
    to start (a port, a broken app) is raised in the caller's thread rather than left to a timeout.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.running: RunningEmulator | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="conformance-emulator", daemon=True)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the caller of __enter__
            self._error = exc
        finally:
            self._ready.set()
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self.world, port=0) as running:
            self.running = running
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ThreadedEmulator:
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise RuntimeError("the emulator did not start listening")
        if self._error is not None or self.running is None:
            raise RuntimeError("the emulator could not start") from self._error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STARTUP_TIMEOUT)


@dataclass
class Wire:
    """What the SDK transports share in a test: the clock their waiting moves, and what went over the wire.

    `slept` lists every wait an SDK asked for (its pollers honour the emulator's Retry-After);
    `exchanges` every request with the emulator's answer, for `spec_problems`.
    """

    clock: Clock
    slept: list[float] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)

    def record(self, request: Any, response: Any, body: bytes) -> None:
        headers = {k.lower(): v for k, v in response.headers.items()}
        self.exchanges.append(Exchange(request.method, request.url, response.status_code, headers, body))


def _body(response: Any) -> bytes:
    """The body of a legacy (`body()`) or `azure.core.rest` (`read()`) response, read once and kept."""
    if isinstance(response, HttpResponse):
        return response.read()
    return bytes(response.body() or b"")


class ClockedTransport(RequestsTransport):
    """azure-core's requests transport (real HTTP), recording, whose `sleep` moves the clock."""

    def __init__(self, wire: Wire, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wire = wire

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().send(request, **kwargs)
        self.wire.record(request, response, _body(response))
        return response

    def sleep(self, duration: float) -> None:
        self.wire.sleep(duration)


class ClockedAsyncTransport(AsyncioRequestsTransport):
    """azure-core's asyncio transport (aiohttp is not installed), recording, whose `sleep` moves the clock."""

    def __init__(self, wire: Wire, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wire = wire

    async def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = await super().send(request, **kwargs)
        body = await response.read() if isinstance(response, AsyncHttpResponse) else response.body()
        self.wire.record(request, response, bytes(body or b""))
        return response

    async def sleep(self, duration: float) -> None:  # type: ignore[override]
        self.wire.sleep(duration)
        await asyncio.sleep(0)
