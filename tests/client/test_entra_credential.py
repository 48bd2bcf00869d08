"""`key = "entra"` against the emulator, with an injected token credential (azure-core's
AsyncTokenCredential protocol): the emulator's in-process admin-API credential, wrapped to count,
gate or spoil what it hands out. The clocks are the emulator's frozen clock, moved by hand.

Shown here: the header and scope on the wire, refresh before expiry, one fetch under 16 concurrent
requests, 401 → one refresh → success, 403 → the role advice (and a persistent 401 → Entra advice),
a keys-disabled resource refusing a key, the missing-extra advice, credentials closed with the
session, and no token in errors, logs or the journal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from entra_support import ENTRA_SCENARIO
from regionsync.config import Profile, ServiceProfile, SideConfig
from regionsync.credentials import (
    ENTRA_SCOPE,
    EntraCredential,
    KeyCredential,
    using_entra_credential,
)
from regionsync.domain import Service
from regionsync.emulator import Clock, EmulatorTransport, World, parse_scenario
from regionsync.emulator.auth import AdminAccessToken, AdminTokenCredential, directory
from regionsync.errors import RegionSyncError
from regionsync.services.http import AzureHttp
from regionsync.services.retry import RetrySettings
from regionsync.sync.journal import Journal
from regionsync.sync.poller import Poller
from regionsync.sync.session import SyncSession

SCENARIO = ENTRA_SCENARIO
VERSION = "2024-11-30"
LIST = "/documentintelligence/documentModels"


def new_world() -> World:
    return World.from_scenario(parse_scenario(SCENARIO), clock=Clock(speed=0))


def world_clock(world: World) -> Callable[[], float]:
    return lambda: world.clock.now().timestamp()


@dataclass
class Wire(httpx.AsyncBaseTransport):
    """The emulator in process, remembering every request's auth headers and every answer's status."""

    world: World
    seen: list[tuple[dict[str, str], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._inner = EmulatorTransport(self.world)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        auth = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "ocp-apim-subscription-key")
        }
        self.seen.append((auth, response.status_code))
        return response


class Spoiled:
    """Hands out a token the emulator refuses (signed in another world) the first `bad` times."""

    def __init__(self, inner: AdminTokenCredential, bad: int) -> None:
        self.inner = inner
        self.bad = bad
        self.fetches = 0
        self.stranger = AdminTokenCredential(new_world(), inner.identity)

    async def get_token(self, *scopes: str, **kwargs: Any) -> AdminAccessToken:
        self.fetches += 1
        if self.fetches <= self.bad:
            return await self.stranger.get_token(*scopes)
        return await self.inner.get_token(*scopes)

    async def close(self) -> None:
        await self.stranger.close()
        await self.inner.close()


class Gated:
    """Holds every fetch until `gate` opens, so concurrent requests really overlap the first one."""

    def __init__(self, inner: AdminTokenCredential) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.waiting = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AdminAccessToken:
        self.waiting += 1
        await self.gate.wait()
        return await self.inner.get_token(*scopes)


def http(world: World, client: httpx.AsyncClient, resource: str, credential: Any) -> AzureHttp:
    api = AzureHttp(
        world.endpoint(resource),
        credential,
        client=client,
        api_version=VERSION,
        retry=RetrySettings(attempts=2),
        sleep=_no_sleep,
        side_label=f"secondary {world.resources[resource].region}",
        service=Service.DOCUMENT_INTELLIGENCE,
    )
    api.resource_id = world.resources[resource].resource_id
    return api


async def _no_sleep(seconds: float) -> None:
    return None


async def test_the_bearer_header_and_scope_go_on_the_wire() -> None:
    world = new_world()
    wire = Wire(world)
    source = AdminTokenCredential(world, "sync-bot@contoso.com")
    credential = EntraCredential(credential=source, clock=world_clock(world))
    async with httpx.AsyncClient(transport=wire) as client:
        body = await http(world, client, "locked-di", credential).json("GET", LIST)
    assert all(m["modelId"].startswith("prebuilt-") for m in body["value"])
    assert source.scopes == [(ENTRA_SCOPE,)] and ENTRA_SCOPE == "https://cognitiveservices.azure.com/.default"
    ((headers, status),) = wire.seen
    assert status == 200 and list(headers) == ["authorization"]
    assert headers["authorization"] == f"Bearer {credential.secrets()[0]}"
    assert credential.principal is not None and credential.principal.name == "sync-bot@contoso.com"
    await source.close()


async def test_the_token_is_fetched_again_a_minute_before_it_expires() -> None:
    world = new_world()
    source = AdminTokenCredential(world, "sync-bot@contoso.com", lifetime=600)
    credential = EntraCredential(credential=source, clock=world_clock(world))
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        api = http(world, client, "locked-di", credential)
        await api.json("GET", LIST)
        first = credential.secrets()[-1]
        world.clock.advance(539)  # 61 s left: still used
        await api.json("GET", LIST)
        assert source.fetches == 1
        world.clock.advance(2)  # 59 s left: fetched again before it expires
        await api.json("GET", LIST)
        assert source.fetches == 2 and credential.secrets()[-1] != first
        assert first in credential.secrets(), "an earlier token is still redacted"
    await source.close()


async def test_sixteen_concurrent_requests_share_one_fetch() -> None:
    world = new_world()
    source = AdminTokenCredential(world, "sync-bot@contoso.com")
    gated = Gated(source)
    credential = EntraCredential(credential=gated, clock=world_clock(world))
    wire = Wire(world)
    async with httpx.AsyncClient(transport=wire) as client:
        api = http(world, client, "locked-di", credential)
        calls = [asyncio.create_task(api.json("GET", LIST)) for _ in range(16)]
        for _ in range(20):
            await asyncio.sleep(0)
        assert gated.waiting == 1, "only one fetch started while the others wait for it"
        gated.gate.set()
        await asyncio.gather(*calls)
    assert source.fetches == 1 and credential.fetches == 1
    assert len(wire.seen) == 16 and {status for _, status in wire.seen} == {200}
    assert len({headers["authorization"] for headers, _ in wire.seen}) == 1
    await source.close()


async def test_a_401_fetches_a_fresh_token_once_and_succeeds() -> None:
    world = new_world()
    spoiled = Spoiled(AdminTokenCredential(world, "sync-bot@contoso.com"), bad=1)
    credential = EntraCredential(credential=spoiled, clock=world_clock(world))
    wire = Wire(world)
    async with httpx.AsyncClient(transport=wire) as client:
        created = await http(world, client, "locked-di", credential).call(
            "POST", "/documentintelligence/documentModels:authorizeCopy", json={"modelId": "copied"}
        )
    assert created.status == 200 and created.body["targetModelId"] == "copied"
    assert spoiled.fetches == 2
    assert [status for _, status in wire.seen] == [401, 200]
    await spoiled.close()


async def test_a_401_that_a_fresh_token_does_not_cure_gets_entra_advice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = new_world()
    spoiled = Spoiled(AdminTokenCredential(world, "sync-bot@contoso.com"), bad=99)
    credential = EntraCredential(credential=spoiled, clock=world_clock(world))
    wire = Wire(world)
    resource_id = world.resources["locked-di"].resource_id
    async with httpx.AsyncClient(transport=wire) as client:
        with pytest.raises(RegionSyncError) as info:
            await http(world, client, "locked-di", credential).json("GET", LIST)
    error = info.value
    assert error.status == 401 and spoiled.fetches == 2, "one fresh token, then the 401 counts"
    assert [status for _, status in wire.seen] == [401, 401]
    text = error.explain()
    assert "Entra ID token of sync-bot@contoso.com" in text
    assert "az login --tenant" in text
    oid = credential.principal.object_id if credential.principal else ""
    assert f'--assignee {oid} --role "Cognitive Services User" --scope {resource_id}' in text
    assert "Store the right key" not in text and "<" not in error.todo
    assert_no_token(credential, [text, repr(error), caplog.text])
    await spoiled.close()


async def test_a_403_names_the_identity_the_resource_and_the_role_to_assign(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = new_world()
    source = AdminTokenCredential(world, "ops-contributor")
    credential = EntraCredential(credential=source, clock=world_clock(world))
    oid = directory(world).identities["ops-contributor"].object_id
    resource_id = world.resources["locked-di"].resource_id
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        with pytest.raises(RegionSyncError) as info:
            await http(world, client, "locked-di", credential).json("GET", LIST)
    error = info.value
    assert error.status == 403 and error.code == "PermissionDenied" and source.fetches == 1
    assert error.what == (
        f"The secondary westus2 ({world.endpoint('locked-di')}) refused the Entra ID identity "
        f"ops-contributor (object id {oid}): no role there lets it call the API"
    )
    assert error.todo == (
        f'Assign the role: `az role assignment create --assignee {oid} --role "Cognitive Services User" '
        f"--scope {resource_id}` — it can take a few minutes to apply — then try again."
    )
    assert "Store the right key" not in error.explain() and error.details["identity"].startswith(
        "ops-contributor"
    )
    assert_no_token(credential, [error.explain(), caplog.text])
    await source.close()


async def test_a_keys_disabled_resource_refuses_a_key_and_says_to_use_entra() -> None:
    world = new_world()
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        with pytest.raises(RegionSyncError) as info:
            await http(world, client, "locked-di", KeyCredential("locked-key-0123456789")).json("GET", LIST)
    error = info.value
    assert error.status == 403 and error.code == "AuthenticationTypeDisabled"
    assert "key authentication is disabled" in error.what and 'key = "entra"' in error.todo
    assert "locked-key-0123456789" not in error.explain()


async def test_without_the_async_transport_the_advice_says_how_to_install_it() -> None:
    def no_aiohttp() -> Any:
        raise ImportError("aiohttp package is not installed", name="aiohttp")

    with using_entra_credential(no_aiohttp):
        credential = EntraCredential()
        with pytest.raises(RegionSyncError) as info:
            await credential.auth_headers()
    assert info.value.code == "EntraUnavailable" and "regionsync[entra]" in info.value.todo
    assert "aiohttp" in info.value.why and info.value.__cause__ is None


async def test_a_session_signs_in_copies_closes_its_credentials_and_journals_no_token(tmp_path: Any) -> None:
    world = new_world()
    made: list[AdminTokenCredential] = []

    def factory() -> AdminTokenCredential:
        made.append(AdminTokenCredential(world, "sync-bot@contoso.com"))
        return made[-1]

    def side(name: str, key: str) -> SideConfig:
        res = world.resources[name]
        return SideConfig(
            endpoint=world.endpoint(name), region=res.region, resource_id=res.resource_id, key=key
        )

    async def advance(seconds: float) -> None:
        world.clock.advance(seconds)
        await asyncio.sleep(0)

    import os

    os.environ["ENTRA_TEST_OPEN_KEY"] = "open-key-0123456789"
    try:
        profile = Profile(
            **{
                "document-intelligence": ServiceProfile(
                    api_version=VERSION,
                    primary=side("open-di", "env:ENTRA_TEST_OPEN_KEY"),
                    secondary=side("locked-di", "entra"),
                )
            }
        )
        with using_entra_credential(factory):
            session = SyncSession(
                "entra-test",
                profile,
                journal=Journal(tmp_path / "journal.sqlite3"),
                transport=EmulatorTransport(world),
                poller=Poller(clock=world_clock(world), sleep=advance),
            )
            async with session:
                jobs = await session.execute(await session.plan())
                credential = session.pairs[0].secondary.http.credential
                tokens = list(credential.secrets())
    finally:
        del os.environ["ENTRA_TEST_OPEN_KEY"]
    assert [job.state.value for job in jobs] == ["succeeded"]
    assert "invoice" in world.resources["locked-di"].models
    assert len(made) == 1 and made[0].fetches == 1 and made[0].closed, "closed when the session ended"
    assert tokens
    journal_bytes = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for token in tokens:
        assert token.encode() not in journal_bytes


def assert_no_token(credential: EntraCredential, texts: list[str]) -> None:
    tokens = credential.secrets()
    assert tokens
    for text in texts:
        for token in tokens:
            assert token not in text, "a token leaked"


async def test_the_demo_profile_reaches_its_keys_disabled_resource_with_entra(tmp_path: Any) -> None:
    """What the dashboard demo does: contoso's Language secondary has keys disabled and is listed
    with the demo identity's token from the admin API."""
    import os

    from regionsync.demo import DEMO_IDENTITY, demo_profiles, world_resources
    from regionsync.emulator import load_scenario
    from regionsync.emulator.scenario import demo_scenario_path

    world = World.from_scenario(load_scenario(demo_scenario_path()), clock=Clock(speed=0))
    env: dict[str, str] = {}
    profile = demo_profiles(world_resources(world), env)["contoso"]
    made: list[AdminTokenCredential] = []

    def factory() -> AdminTokenCredential:
        made.append(AdminTokenCredential(world, DEMO_IDENTITY))
        return made[-1]

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with using_entra_credential(factory):
            async with SyncSession(
                "contoso",
                profile,
                journal=Journal(tmp_path / "journal.sqlite3"),
                services=[Service.LANGUAGE],
                transport=EmulatorTransport(world),
            ) as session:
                [status] = await session.status()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert not status.errors, status.errors
    assert len(made) == 1 and made[0].fetches == 1 and made[0].closed
