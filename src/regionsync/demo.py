"""The headless demo (`make demo-cli`): the CLI against the emulator's demo world, as a user would run it.

It starts `regionsync emulator` on loopback with the demo scenario, writes a throw-away profile
file for its pairs (keys in environment variables, never in a file or the keyring), then runs
`regionsync status` and `regionsync sync --dry-run` on it and stops the emulator. Nothing of
yours (config, keyring, journal) is read or written. `make demo` opens the dashboard instead.

Both demos — and `regionsync emulator` without a scenario — serve the demo world dated relative to
now (`emulator.scenario.demo_scenario`), so ages and the recovery point read in hours and days, as
a real team's would.

One demo resource has key authentication disabled (`contoso-lang-wus2`): its profile side says
`key = "entra"`. Here azure-identity's DefaultAzureCredential signs in through the Azure CLI — the
demo's own stand-in `az` (written to its temporary directory, first on PATH) which prints a token
of the demo identity from the emulator's admin API. The dashboard demo uses the emulator's
in-process credential instead (`regionsync.emulator.auth.AdminTokenCredential`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regionsync.config import Profile
    from regionsync.emulator import World

DEMO_IDENTITY = "regionsync-demo"
"""The Entra ID identity the demo signs in as where keys are disabled (see demo.toml)."""

DEMO_PAIRS: dict[str, list[tuple[str, str, str, str]]] = {
    # profile: [(service, api version, primary resource, secondary resource)] of the demo world
    "contoso": [
        ("document-intelligence", "2024-11-30", "contoso-di-eus", "contoso-di-wus2"),
        ("content-understanding", "2025-11-01", "contoso-cu-wus", "contoso-cu-swc"),
        ("language", "2023-04-01", "contoso-lang-eus", "contoso-lang-wus2"),
    ],
    "fabrikam": [("document-intelligence", "2.1", "fabrikam-fr-weu", "fabrikam-fr-neu")],
    "northwind": [("document-intelligence", "2024-11-30", "northwind-di-eus2", "northwind-di-cus")],
}


def demo_profiles(
    resources: Mapping[str, Mapping[str, Any]], env: MutableMapping[str, str]
) -> dict[str, Profile]:
    """The demo's profiles over `resources` (name → endpoint, region, resource_id, keys, encrypted?,
    disable_local_auth?).

    Each key goes to an environment variable the profile names, never to a file or the keyring; a
    resource with keys disabled is reached with Entra ID (`key = "entra"`).
    """
    from regionsync.config import Profile, ServiceProfile, SideConfig

    profiles: dict[str, Profile] = {}
    for profile, pairs in DEMO_PAIRS.items():
        services: dict[str, ServiceProfile] = {}
        for service, version, primary, secondary in pairs:
            if primary not in resources or secondary not in resources:
                continue
            sides: dict[str, SideConfig] = {}
            for side, name in (("primary", primary), ("secondary", secondary)):
                res = resources[name]
                if res.get("disable_local_auth"):
                    key = "entra"
                else:
                    variable = "REGIONSYNC_DEMO_KEY_" + name.upper().replace("-", "_")
                    env[variable] = str(res["keys"][0])
                    key = f"env:{variable}"
                sides[side] = SideConfig(
                    endpoint=str(res["endpoint"]),
                    region=str(res["region"]),
                    resource_id=str(res["resource_id"]),
                    key=key,
                    encrypted=res.get("encrypted"),
                )
            services[service] = ServiceProfile(api_version=version, **sides)
        if services:
            profiles[profile] = Profile.model_validate(services)
    return profiles


def world_resources(world: World) -> dict[str, dict[str, Any]]:
    """An in-process world's resources in the shape `demo_profiles` reads."""
    from regionsync.emulator.auth import directory

    disabled = directory(world).keys_disabled
    return {
        name: {
            "endpoint": world.endpoint(name),
            "region": res.region,
            "resource_id": res.resource_id,
            "keys": res.keys,
            "encrypted": res.encrypted,
            "disable_local_auth": name in disabled,
        }
        for name, res in world.resources.items()
    }


_DEMO_AZ = """#!{python}
# The regionsync demo's stand-in for the Azure CLI: `az account get-access-token` prints a token of
# the demo identity, issued by the demo emulator's admin API. Nothing else is answered.
import json, sys, urllib.request
args = sys.argv[1:]
if args[:2] != ["account", "get-access-token"]:
    sys.exit("the regionsync demo's az answers only `az account get-access-token`")
resource = args[args.index("--resource") + 1] if "--resource" in args else None
body = json.dumps({{"identity": {identity!r}, "resource": resource}}).encode()
request = urllib.request.Request({admin!r} + "/_emulator/token", data=body,
                                 headers={{"Content-Type": "application/json"}})
with urllib.request.urlopen(request) as answer:
    sys.stdout.write(answer.read().decode())
"""


def write_demo_az(directory: Path, admin_url: str, identity: str = DEMO_IDENTITY) -> Path:
    """Write the demo's stand-in `az` into `directory` (executable) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "az"
    script.write_text(_DEMO_AZ.format(python=sys.executable, identity=identity, admin=admin_url))
    script.chmod(0o755)
    return script


def main() -> int:
    from regionsync.config import Config, save_config

    with tempfile.TemporaryDirectory(prefix="regionsync-demo-") as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONSYNC_")}
        env["REGIONSYNC_CONFIG"] = str(home / "config.toml")
        env["REGIONSYNC_DATA_DIR"] = str(home / "data")
        emulator = subprocess.Popen(
            [sys.executable, "-m", "regionsync", "emulator", "--port", "0", "--json"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert emulator.stdout is not None
            line = emulator.stdout.readline()
            if not line:
                print("The emulator did not start; see the message above.", file=sys.stderr)
                return 1
            started = json.loads(line)
            resources = {r["name"]: r for r in started["resources"]}
            # key = "entra" sides: azure-identity's CLI credential, through the demo's own `az`.
            bin_dir = write_demo_az(home / "bin", started["admin"]).parent
            env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
            env["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredential"
            save_config(
                Config(default_profile="contoso", profiles=demo_profiles(resources, env)),
                home / "config.toml",
            )
            print(f"Emulator up (admin {started['admin']}); demo profiles in {home / 'config.toml'}\n")
            for args in (["status"], ["sync", "--dry-run"], ["status", "--profile", "fabrikam"]):
                print(f"$ regionsync {' '.join(args)}", flush=True)
                code = subprocess.run([sys.executable, "-m", "regionsync", *args], env=env).returncode
                print(f"(exit code {code})\n", flush=True)
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
