"""Client-test fixtures: a small emulated world (paused clock), an in-process client, fast sleeps,
(the throwaway HOME and keyring come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from client_support import EmulatorTransport, RecordingSleep, World, new_world


@pytest.fixture
def world() -> World:
    return new_world()


@pytest.fixture
def sent() -> list[httpx.Request]:
    """Every request the client sent (an httpx event hook), to check what went on the wire."""
    return []


@pytest.fixture
async def client(world: World, sent: list[httpx.Request]) -> AsyncIterator[httpx.AsyncClient]:
    async def record(request: httpx.Request) -> None:
        sent.append(request)

    async with httpx.AsyncClient(transport=EmulatorTransport(world), event_hooks={"request": [record]}) as c:
        yield c


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()
