"""Entra ID with real processes: azure-identity's own AzureCliCredential runs a fake `az` on PATH.

The fake `az` is a script this test writes into tmp_path: for `az account get-access-token` it
prints what the real one prints, with a token of a scenario identity fetched from the emulator's
admin API, and it logs every call (arguments) and every token it handed out. The emulator serves the
world on real loopback sockets (a subprocess for the CLI tests, `serve()` for the in-process one).

Shown here: the scope azure-identity asks `az` for, one `az` under 16 concurrent requests, a fresh
`az` call near expiry, `regionsync status` and `sync` signed in to a keys-disabled resource (no
"Unclosed client session", the token in no output and not in the journal), 403 → the role advice, a
key refused where keys are disabled, and the missing-extra advice instead of a traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import Cli, Emulator, assert_no_secret, isolated_cli, serve_scenario

from entra_support import ENTRA_KEYS, ENTRA_SCENARIO
from regionsync.credentials import EntraCredential
from regionsync.domain import Service
from regionsync.emulator import Clock, World, parse_scenario, serve
from regionsync.services.http import AzureHttp
from regionsync.services.retry import RetrySettings

pytestmark = pytest.mark.loopback

SCENARIO = """
[clock]
speed = 20.0
copy_seconds = 2.0
""" + ENTRA_SCENARIO
KEYS = ENTRA_KEYS

FAKE_AZ = """#!{python}
# A stand-in for the Azure CLI, written by the test: `az account get-access-token` only.
import json, os, sys, urllib.request
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
with open(os.path.join(here, "calls.jsonl"), "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] != ["account", "get-access-token"]:
    sys.exit("fake az: only `account get-access-token`")
resource = args[args.index("--resource") + 1]
body = json.dumps({{"identity": os.environ["FAKE_AZ_IDENTITY"], "resource": resource}}).encode()
request = urllib.request.Request(os.environ["FAKE_AZ_ADMIN"] + "/_emulator/token", data=body,
                                 headers={{"Content-Type": "application/json"}})
answer = urllib.request.urlopen(request).read().decode()
with open(os.path.join(here, "tokens.txt"), "a") as tokens:
    tokens.write(json.loads(answer)["accessToken"] + "\\n")
sys.stdout.write(answer)
"""


def write_fake_az(tmp_path: Path) -> Path:
    """The fake `az` in tmp_path/bin; returns that directory (put it first on PATH)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "az"
    script.write_text(FAKE_AZ.format(python=sys.executable))
    script.chmod(0o755)
    return bin_dir


def az_calls(bin_dir: Path) -> list[list[str]]:
    log = bin_dir / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def az_tokens(bin_dir: Path) -> list[str]:
    path = bin_dir / "tokens.txt"
    return path.read_text().split() if path.exists() else []


# ---------------------------------------------------------------------------------- in process


async def test_azure_cli_credential_one_az_for_16_requests_and_again_near_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.identity.aio import AzureCliCredential

    world = World.from_scenario(parse_scenario(SCENARIO), clock=Clock(speed=0))
    bin_dir = write_fake_az(tmp_path)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_AZ_IDENTITY", "sync-bot@contoso.com")
    async with serve(world) as running, httpx.AsyncClient() as client:
        monkeypatch.setenv("FAKE_AZ_ADMIN", running.admin_url)
        cli_credential = AzureCliCredential()
        credential = EntraCredential(credential=cli_credential, clock=lambda: world.clock.now().timestamp())
        api = AzureHttp(
            world.endpoint("locked-di"),
            credential,
            client=client,
            api_version="2024-11-30",
            retry=RetrySettings(attempts=1),
            service=Service.DOCUMENT_INTELLIGENCE,
        )
        answers = await asyncio.gather(
            *(api.json("GET", "/documentintelligence/documentModels") for _ in range(16))
        )
        assert len(answers) == 16
        [call] = az_calls(bin_dir)
        assert call == [
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            "https://cognitiveservices.azure.com",
        ]
        world.clock.advance(3600 - 61)
        await api.json("GET", "/documentintelligence/documentModels")
        assert len(az_calls(bin_dir)) == 1
        world.clock.advance(2)  # 59 s before expiry: a fresh token from az
        await api.json("GET", "/documentintelligence/documentModels")
        assert len(az_calls(bin_dir)) == 2
        await cli_credential.close()
    assert credential.secrets() == az_tokens(bin_dir)


# ---------------------------------------------------------------------------------- the CLI


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = serve_scenario(tmp_path, SCENARIO)
    yield emu
    emu.stop()


def entra_cli(
    tmp_path: Path, emulator: Emulator, *, identity: str, locked_key: str = "entra"
) -> tuple[Cli, Path]:
    """A profile: open-di (a key) → locked-di (`locked_key`), and a fake `az` first on PATH."""
    cli = isolated_cli(tmp_path)
    bin_dir = write_fake_az(tmp_path)
    cli.env.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "AZURE_TOKEN_CREDENTIALS": "AzureCliCredential",
            "FAKE_AZ_ADMIN": emulator.admin,
            "FAKE_AZ_IDENTITY": identity,
            "RS_OPEN_KEY": "open-key-0123456789",
            "RS_LOCKED_KEY": "locked-key-0123456789",
        }
    )
    sides = []
    for side, name, key in (
        ("primary", "open-di", "env:RS_OPEN_KEY"),
        ("secondary", "locked-di", locked_key),
    ):
        res = emulator.resources[name]
        sides.append(
            f'{side} = {{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
            f'resource_id = "{res["resource_id"]}", key = "{key}" }}'
        )
    cli.config.write_text(
        'default_profile = "contoso"\n\n[profiles.contoso.document-intelligence]\n'
        'api_version = "2024-11-30"\n' + "\n".join(sides) + "\n"
    )
    return cli, bin_dir


def test_status_and_sync_sign_in_through_az_and_keep_the_token_out_of_everything(
    tmp_path: Path, emulator: Emulator
) -> None:
    cli, bin_dir = entra_cli(tmp_path, emulator, identity="sync-bot@contoso.com")
    status = cli.run("status")
    assert status.returncode == 1, status.stdout + status.stderr  # a diff: invoice is missing
    assert "invoice" in status.stdout and "missing" in status.stdout
    assert "Unclosed" not in status.stderr and "Traceback" not in status.stderr
    assert len(az_calls(bin_dir)) == 1, "one process, one token"

    synced = cli.run("sync", "--yes", timeout=120)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "1 copied, 0 failed" in synced.stdout
    assert "Unclosed" not in synced.stderr
    assert "invoice" in {
        m["id"] for r in emulator.world()["resources"] if r["name"] == "locked-di" for m in r["models"]
    }

    tokens = az_tokens(bin_dir)
    assert len(tokens) == 2
    assert_no_secret(cli.outputs, (*tokens, *KEYS))
    for path in cli.journal.parent.iterdir():
        assert_no_secret(path.read_bytes().decode("latin-1"), tuple(tokens))


def test_an_identity_without_a_data_role_gets_the_role_assignment_to_make(
    tmp_path: Path, emulator: Emulator
) -> None:
    cli, bin_dir = entra_cli(tmp_path, emulator, identity="ops-contributor")
    result = cli.run("status")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    resource_id = emulator.resources["locked-di"]["resource_id"]
    flat = " ".join(output.split())  # the console may wrap long lines
    assert "refused the Entra ID identity ops-contributor" in flat
    assert "az role assignment create --assignee" in flat and f"--scope {resource_id}" in flat
    assert '--role "Cognitive Services User"' in flat
    assert "Store the right key" not in flat and "<profile>" not in flat
    assert_no_secret(cli.outputs, (*az_tokens(bin_dir), *KEYS))


def test_a_key_to_a_keys_disabled_resource_is_refused_with_the_way_in(
    tmp_path: Path, emulator: Emulator
) -> None:
    cli, bin_dir = entra_cli(
        tmp_path, emulator, identity="sync-bot@contoso.com", locked_key="env:RS_LOCKED_KEY"
    )
    result = cli.run("status")
    flat = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "Traceback" not in flat
    assert "key authentication is disabled" in flat and 'key = "entra"' in flat
    assert az_calls(bin_dir) == []
    assert_no_secret(cli.outputs, KEYS)


def test_without_aiohttp_probe_gives_the_install_advice_not_a_traceback(
    tmp_path: Path, emulator: Emulator
) -> None:
    cli, bin_dir = entra_cli(tmp_path, emulator, identity="sync-bot@contoso.com")
    # The whole DefaultAzureCredential chain (its managed-identity credential needs aiohttp), with the
    # `entra` extra's async transport missing: aiohttp cannot be imported in these processes.
    del cli.env["AZURE_TOKEN_CREDENTIALS"]
    code = "import sys; sys.modules['aiohttp'] = None; from regionsync.__main__ import main; sys.exit(main())"
    for command in ("probe", "status"):
        result = subprocess.run(
            [sys.executable, "-c", code, command],
            env=cli.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        output = result.stdout + result.stderr
        assert "Traceback" not in output, output
        assert "regionsync[entra]" in " ".join(output.split()), output
        assert result.returncode != 0
    assert az_calls(bin_dir) == []
