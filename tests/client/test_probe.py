"""`regionsync probe`: reachable, key accepted, latency, API version, quota — each side on its own."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from client_support import PRIMARY, SECONDARY, World

from regionsync.cli.probe import probe_profile, results_table
from regionsync.config import Config, Profile, ServiceProfile, SideConfig, save_config
from regionsync.credentials import store_key
from regionsync.domain import Service, Side
from regionsync.emulator import serve

DI = Service.DOCUMENT_INTELLIGENCE


def profile_for(
    world: World, *, version: str = "2024-11-30", secondary_key: str = "env:PROBE_WUS_KEY"
) -> Profile:
    def side(name: str, key: str) -> SideConfig:
        resource = world.resources[name]
        return SideConfig(
            endpoint=world.endpoint(name), region=resource.region, resource_id=resource.resource_id, key=key
        )

    return Profile().with_service(
        DI,
        ServiceProfile(
            api_version=version, primary=side(PRIMARY, "keyring"), secondary=side(SECONDARY, secondary_key)
        ),
    )


@pytest.fixture
def keys(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    store_key("p", DI, Side.PRIMARY, world.resources[PRIMARY].keys[0])
    monkeypatch.setenv("PROBE_WUS_KEY", world.resources[SECONDARY].keys[1])


@pytest.mark.parametrize("version", ["2.1", "2024-11-30"])
async def test_a_healthy_pair(world: World, client: httpx.AsyncClient, keys: None, version: str) -> None:
    world.add_model(SECONDARY, "one")
    ticks = iter(range(100))
    results = await probe_profile(
        "p", profile_for(world, version=version), client=client, clock=lambda: next(ticks)
    )
    assert [(r.side, r.ok) for r in results] == [("primary", True), ("secondary", True)]
    primary, secondary = results
    assert primary.reachable and primary.key_accepted and primary.api_version_answered
    assert (primary.custom_count, primary.custom_limit) == (0, 250)
    assert secondary.custom_count == 1
    assert primary.latency_ms is not None and primary.latency_ms >= 0
    assert primary.api_version == version


async def test_an_outage_and_a_wrong_key_are_told_apart(
    world: World, client: httpx.AsyncClient, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.faults.set_outage("eastus", True)
    monkeypatch.setenv("PROBE_WUS_KEY", "ffffffffffffffffffffffffffffffff")
    primary, secondary = await probe_profile("p", profile_for(world), client=client)
    assert primary.reachable is False and primary.key_accepted is None and primary.code == "Unreachable"
    assert "region may be down" in primary.problem
    assert secondary.reachable is True and secondary.key_accepted is False and secondary.code == "401"
    assert "ffffffffffffffffffffffffffffffff" not in json.dumps([primary.to_json(), secondary.to_json()])
    rendered = results_table([primary, secondary])
    assert rendered.row_count == 2


async def test_a_missing_key_is_reported_without_a_request(
    world: World, client: httpx.AsyncClient, sent: list[httpx.Request], keys: None
) -> None:
    _, secondary = await probe_profile(
        "p", profile_for(world, secondary_key="env:NOT_THERE_KEY"), client=client
    )
    assert secondary.key_accepted is False and secondary.code == "KeyMissing"
    assert "NOT_THERE_KEY" in secondary.problem
    assert all(world.endpoint(SECONDARY) not in str(r.url) for r in sent)


@pytest.mark.loopback
async def test_probe_command_end_to_end_over_loopback(
    world: World, tmp_path: Path, isolated_keyring: Path
) -> None:
    """The real command in a real process against real listeners; it also never imports textual."""
    store_key("p", DI, Side.PRIMARY, world.resources[PRIMARY].keys[0])
    async with serve(world):
        config = tmp_path / "config.toml"
        save_config(Config(default_profile="p", profiles={"p": profile_for(world)}), config)
        script = (
            "import sys, typer\n"
            "from regionsync.cli.probe import probe\n"
            "try:\n    typer.run(probe)\n"
            "finally:\n"
            "    sys.stderr.write('textual-loaded' if 'textual' in sys.modules else 'textual-absent')\n"
        )
        env = {**os.environ, "PROBE_WUS_KEY": world.resources[SECONDARY].keys[0], "NO_COLOR": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            "--config",
            str(config),
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert err.decode().endswith("textual-absent")
    results = json.loads(out)
    assert [(r["side"], r["ok"], r["custom_limit"]) for r in results] == [
        ("primary", True, 250),
        ("secondary", True, 250),
    ]
    assert world.resources[PRIMARY].keys[0] not in out.decode()
