"""The CLI as a user meets it: `regionsync emulator` in a subprocess on real loopback sockets, a
profile file that points at it (keys in environment variables), and `regionsync …` subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PRIMARY = "contoso-di-eus"
SECONDARY = "contoso-di-wus"

SCENARIO = """
[clock]
speed = {speed}
copy_seconds = {copy_seconds}

[[resource]]
name = "contoso-di-eus"
region = "eastus"
keys = ["eus-key-one-0123456789", "eus-key-two-0123456789"]

[[resource.model]]
id = "invoice"
description = "Invoices 2024"
doc_types = ["invoice"]

[[resource.model]]
id = "receipt"
description = "Receipts"
doc_types = ["receipt"]

[[resource.legacy_model]]
name = "payslips-2020"

[[resource]]
name = "contoso-di-wus"
region = "westus2"
keys = ["wus-key-one-0123456789", "wus-key-two-0123456789"]

[[resource.model]]
id = "old-forms"
description = "Only here"
doc_types = ["form"]
"""

KEYS = (
    "eus-key-one-0123456789",
    "eus-key-two-0123456789",
    "wus-key-one-0123456789",
    "wus-key-two-0123456789",
)


@dataclass
class Emulator:
    """A running `regionsync emulator --json` subprocess."""

    proc: subprocess.Popen[str]
    admin: str
    resources: dict[str, dict[str, Any]]

    def admin_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.admin}/_emulator/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def world(self) -> dict[str, Any]:
        return httpx.get(f"{self.admin}/_emulator/world", timeout=10).json()

    def asset_names(self, resource: str) -> list[str]:
        for res in self.world()["resources"]:
            if res["name"] == resource:
                names = [m["id"] for m in res["models"]] + [m["id"] for m in res["classifiers"]]
                names += [m["name"] or m["id"] for m in res["legacy_models"]]
                return sorted(names)
        raise AssertionError(resource)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_emulator(
    tmp_path: Path, *, speed: float = 20.0, copy_seconds: float = 6.0, edit: dict[str, str] | None = None
) -> Emulator:
    """`regionsync emulator` on the test scenario; `edit` replaces lines of it (e.g. a smaller limit)."""
    text = textwrap.dedent(SCENARIO.format(speed=speed, copy_seconds=copy_seconds))
    for old, new in (edit or {}).items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return serve_scenario(tmp_path, text)


def serve_scenario(tmp_path: Path, text: str) -> Emulator:
    """`regionsync emulator --scenario FILE --port 0 --json` in a subprocess, read from its JSON line."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regionsync",
            "emulator",
            "--scenario",
            str(scenario),
            "--port",
            "0",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise AssertionError(f"the emulator did not start: {proc.stderr.read() if proc.stderr else ''}")
    data = json.loads(line)
    return Emulator(proc=proc, admin=data["admin"], resources={r["name"]: r for r in data["resources"]})


@dataclass
class Cli:
    """Runs `regionsync` subprocesses with an isolated config, data dir and key environment."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.home / "config.toml"

    @property
    def journal(self) -> Path:
        return self.home / "data" / "journal.sqlite3"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "regionsync", *args]

    def run(
        self, *args: str, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            env=self.env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.outputs += [result.stdout, result.stderr]
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def make_cli(
    tmp_path: Path, emulator: Emulator, *, version: str = "2024-11-30", profile: str = "contoso"
) -> Cli:
    """A profile file for the emulator's DI pair, keys in environment variables, never in the file."""
    cli = isolated_cli(tmp_path)
    write_profile(cli, emulator, version=version, profile=profile)
    return cli


def isolated_cli(tmp_path: Path) -> Cli:
    """A CLI runner with its own HOME, config file, data dir and plaintext keyring; no profile yet."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONSYNC_")}
    env.update(
        {
            "HOME": str(home),
            "REGIONSYNC_CONFIG": str(home / "config.toml"),
            "REGIONSYNC_DATA_DIR": str(home / "data"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }
    )
    return Cli(home=home, env=env)


def write_profile(cli: Cli, emulator: Emulator, *, version: str, profile: str) -> None:
    lines = [
        f'default_profile = "{profile}"',
        "",
        f"[profiles.{profile}.document-intelligence]",
        f'api_version = "{version}"',
    ]
    for side, name in (("primary", PRIMARY), ("secondary", SECONDARY)):
        res = emulator.resources[name]
        var = f"RS_KEY_{name.upper().replace('-', '_')}"
        cli.env[var] = res["keys"][0]
        lines.append(
            f'{side} = {{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
            f'resource_id = "{res["resource_id"]}", key = "env:{var}" }}'
        )
    cli.config.write_text("\n".join(lines) + "\n")


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def assert_no_secret(texts: list[str] | str, secrets: tuple[str, ...] = KEYS) -> None:
    joined = "\n".join(texts) if isinstance(texts, list) else texts
    for secret in secrets:
        assert secret not in joined, "a key leaked into the output"


def every_command() -> list[list[str]]:
    """Every command of the `regionsync` CLI (groups' own commands, not the groups), read from the
    Typer app itself: a new command is checked by the help tests without anyone listing it."""
    import typer.main

    from regionsync.cli import app

    def walk(command: Any, path: list[str]) -> list[list[str]]:
        subcommands = getattr(command, "commands", None)  # a group (Typer's own click)
        if subcommands:
            return [p for name, sub in sorted(subcommands.items()) for p in walk(sub, [*path, name])]
        return [path]

    return walk(typer.main.get_command(app), [])
