"""CLI fixtures: a fresh emulator subprocess per test (syncs change its world) and a CLI on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, Emulator, assert_no_secret, make_cli, start_emulator


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = start_emulator(tmp_path)
    yield emu
    emu.stop()


@pytest.fixture
def cli(tmp_path: Path, emulator: Emulator) -> Iterator[Cli]:
    runner = make_cli(tmp_path, emulator)
    yield runner
    assert_no_secret(runner.outputs)  # every test: no key in any output
    if runner.journal.exists():
        for path in runner.journal.parent.iterdir():
            assert_no_secret(path.read_bytes().decode("latin-1"))
