"""Fixtures for the SDK conformance tests: a fresh world per test, served on loopback from a thread,
and the `Wire` the SDK transports share (the clock their waiting moves, the exchanges they record)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conformance_support import ThreadedEmulator, Wire, new_world

from regionsync.emulator import World


@pytest.fixture
def world() -> World:
    return new_world()


@pytest.fixture
def emulator(world: World) -> Iterator[World]:
    """The world, served on real 127.0.0.1 listeners for the duration of the test."""
    with ThreadedEmulator(world):
        yield world


@pytest.fixture
def wire(world: World) -> Wire:
    return Wire(world.clock)
