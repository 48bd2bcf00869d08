"""Builders shared by the engine, CLI and dashboard tests: an emulated pair, a profile that points at
it (keys in environment variables, as the demo does), and a SyncSession over the in-process transport.

Everything is real: the emulator's Starlette app over httpx, the real adapters, poller and journal.
Time is not: the world's clock is frozen and `VirtualTime` moves it, so that no test depends on how fast
the machine runs (a loaded machine used to let a 2000x clock finish a copy before a test could see it).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from regionsync.config import Profile, ServiceProfile, SideConfig
from regionsync.domain import Service
from regionsync.emulator import Clock, EmulatorTransport, World
from regionsync.services.retry import RetrySettings
from regionsync.sync.journal import Journal
from regionsync.sync.poller import Poller
from regionsync.sync.session import SyncSession

PRIMARY = "contoso-di-eus"
SECONDARY = "contoso-di-wus"
DI_VERSIONS = ("2.1", "2022-08-31", "2023-07-31", "2024-11-30")


def key_env(name: str) -> str:
    """The environment variable a test profile reads the key of resource `name` from."""
    return "RS_TEST_KEY_" + name.upper().replace("-", "_")


def frozen_world(*, copy_seconds: float = 6.0) -> World:
    """Two DI resources in two regions on a frozen clock: emulated time moves only when a test (or the
    `VirtualTime` of a `Harness`) advances it."""
    world = World(clock=Clock(speed=0), copy_seconds=copy_seconds)
    world.add_resource(PRIMARY, region="eastus")
    world.add_resource(SECONDARY, region="westus2")
    return world


class VirtualTime:
    """The engine's clock and sleeps, coupled to the world's frozen clock.

    Every sleep (the poller's, a retry's backoff) moves the poller clock and the emulator's clock
    forward by exactly the time asked for and returns at once: a six-second copy takes no real time,
    and how long anything takes on the machine changes nothing a test sees.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.now = 0.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.now += seconds
        self.slept += seconds
        self.world.clock.advance(seconds)
        await asyncio.sleep(0)


def export_keys(world: World, names: Iterable[str] | None = None) -> None:
    """Put each resource's first key in its environment variable (tests run in their own process
    environment; pytest's monkeypatch restores it where a test asks for that)."""
    for name in names or world.resources:
        os.environ[key_env(name)] = world.resources[name].keys[0]


def side(world: World, name: str, *, encrypted: bool | None = None) -> SideConfig:
    res = world.resources[name]
    return SideConfig(
        endpoint=world.endpoint(name),
        region=res.region,
        resource_id=res.resource_id,
        key=f"env:{key_env(name)}",
        encrypted=encrypted,
    )


def di_profile(
    world: World,
    version: str,
    *,
    primary: str = PRIMARY,
    secondary: str = SECONDARY,
    encrypted: tuple[bool | None, bool | None] = (None, None),
) -> Profile:
    """A profile with one Document Intelligence pair; keys exported to the environment."""
    export_keys(world, (primary, secondary))
    pair = ServiceProfile(
        api_version=version,
        primary=side(world, primary, encrypted=encrypted[0]),
        secondary=side(world, secondary, encrypted=encrypted[1]),
    )
    return Profile.model_validate({Service.DOCUMENT_INTELLIGENCE.value: pair})


CU_PRIMARY = "contoso-cu-eus"
CU_SECONDARY = "contoso-cu-wus"
LANGUAGE_PRIMARY = "contoso-lang-eus"
LANGUAGE_SECONDARY = "contoso-lang-wus"
LANGUAGE_VERSIONS = ("2022-05-01", "2023-04-01")


def add_pair(world: World, service: Service, primary: str, secondary: str) -> None:
    """Two resources of `service` (primary in eastus, secondary in westus2), unless they exist."""
    for name, region in ((primary, "eastus"), (secondary, "westus2")):
        if name not in world.resources:
            world.add_resource(name, service=service.value, region=region)


def service_profile(world: World, service: Service, version: str, primary: str, secondary: str) -> Profile:
    """A profile with one pair of `service` (its resources added when missing); keys exported."""
    add_pair(world, service, primary, secondary)
    export_keys(world, (primary, secondary))
    pair = ServiceProfile(api_version=version, primary=side(world, primary), secondary=side(world, secondary))
    return Profile.model_validate({service.value: pair})


def cu_profile(world: World, *, primary: str = CU_PRIMARY, secondary: str = CU_SECONDARY) -> Profile:
    """A profile with one Content Understanding pair (2025-11-01)."""
    return service_profile(world, Service.CONTENT_UNDERSTANDING, "2025-11-01", primary, secondary)


def language_profile(
    world: World, version: str, *, primary: str = LANGUAGE_PRIMARY, secondary: str = LANGUAGE_SECONDARY
) -> Profile:
    """A profile with one Language authoring pair in `version`."""
    return service_profile(world, Service.LANGUAGE, version, primary, secondary)


@dataclass
class Harness:
    """A world, a profile on it, and a journal file: what a session is made of."""

    world: World
    profile: Profile
    journal_path: Path
    name: str = "test"
    vtime: VirtualTime = field(init=False)

    def __post_init__(self) -> None:
        self.vtime = VirtualTime(self.world)

    def poller(self, **kw: object) -> Poller:
        """A poller on the harness's virtual time (its sleeps move the world's clock). A first look after
        20 emulated seconds finds a default 6 s copy done; failures are retried 2 s apart."""
        for name, value in (("default_interval", 20.0), ("min_interval", 2.0), ("backoff_base", 2.0)):
            kw.setdefault(name, value)
        kw.setdefault("rng", random.Random(7))
        return Poller(clock=self.vtime.clock, sleep=self.vtime.sleep, **kw)  # type: ignore[arg-type]

    def session(self, **kw: object) -> SyncSession:
        """A session whose poller and retries wait in virtual time."""
        kw.setdefault("poller", self.poller())
        kw.setdefault("retry", RetrySettings(backoff_factor=0.001))
        kw.setdefault("sleep", self.vtime.sleep)
        return SyncSession(
            self.name,
            self.profile,
            journal=Journal(self.journal_path),
            transport=EmulatorTransport(self.world),
            **kw,  # type: ignore[arg-type]
        )


def asset_names(world: World, resource: str) -> list[str]:
    """Every custom asset a resource holds, ready or not (v2.1 models by name), sorted."""
    res = world.resources[resource]
    names = [*res.models, *res.classifiers]
    names += [m.model_name or m.model_id for m in res.legacy_models.values()]
    return sorted(names)
