"""Helpers for the client tests: the emulated world they use, fast sleeps, and building the client side."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from regionsync.credentials import KeyCredential
from regionsync.domain import Service
from regionsync.emulator import Clock, EmulatorTransport, World
from regionsync.services.document_intelligence import DocumentIntelligenceAdapter
from regionsync.services.http import AzureHttp
from regionsync.services.registry import make_adapter
from regionsync.services.retry import RetrySettings

__all__ = ["Clock", "EmulatorTransport", "World"]

PRIMARY = "contoso-eus"
SECONDARY = "contoso-wus"
VERSIONS = ("2.1", "2022-08-31", "2023-07-31", "2024-11-30")


@dataclass
class RecordingSleep:
    """An injected `sleep` that records what it was asked to wait and returns at once."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def new_world() -> World:
    """Two DI resources in two regions, on a paused clock; content is added by each test."""
    world = World(clock=Clock(speed=0.0))
    world.add_resource(PRIMARY, region="eastus")
    world.add_resource(SECONDARY, region="westus2")
    return world


def http_for(
    world: World,
    name: str,
    client: httpx.AsyncClient,
    *,
    sleep: RecordingSleep | None = None,
    key: str | None = None,
    retry: RetrySettings | None = None,
    api_version: str | None = None,
) -> AzureHttp:
    resource = world.resources[name]
    return AzureHttp(
        world.endpoint(name),
        KeyCredential(key if key is not None else resource.keys[0]),
        client=client,
        api_version=api_version,
        retry=retry or RetrySettings(),
        sleep=sleep or RecordingSleep(),
        side_label=f"{'primary' if name == PRIMARY else 'secondary'} {resource.region}",
    )


def adapter_for(
    world: World, name: str, client: httpx.AsyncClient, version: str, *, sleep: RecordingSleep | None = None
) -> DocumentIntelligenceAdapter:
    """The DI adapter of one emulated resource, built through the registry as the engine does."""
    resource = world.resources[name]
    adapter = make_adapter(
        Service.DOCUMENT_INTELLIGENCE,
        version,
        http_for(world, name, client, sleep=sleep),
        resource_id=resource.resource_id,
        region=resource.region,
    )
    assert isinstance(adapter, DocumentIntelligenceAdapter)
    return adapter
