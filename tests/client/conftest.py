"""Client-test fixtures: a small emulated world (paused clock), an in-process client, fast sleeps,
and a throwaway keyring/config location so the developer's own are never touched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import keyring
import keyring.core
import pytest
from client_support import EmulatorTransport, RecordingSleep, World, new_world


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keyrings.alt's plaintext file backend under a temporary HOME/XDG dirs; REGIONSYNC_* unset."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    for name in ("REGIONSYNC_CONFIG", "REGIONSYNC_PROFILE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = keyring.core.load_env()
    assert backend is not None and type(backend).__name__ == "PlaintextKeyring"
    keyring.set_keyring(backend)
    yield home
    keyring.set_keyring(previous)


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
