"""Bad input and faults meet a clear message, the right exit code, and lose nothing — over loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from cli_support import PRIMARY, SECONDARY, Cli, Emulator


def test_wrong_key_says_which_side_and_how_to_fix_it(cli: Cli, emulator: Emulator) -> None:
    cli.env["RS_KEY_CONTOSO_DI_WUS"] = "not-the-key-000000000000"
    result = cli.run("status")
    assert result.returncode == 2
    text = result.stdout + result.stderr
    assert "key" in text.lower() and "westus2" in text
    assert "not-the-key-000000000000" not in text


def test_missing_key_variable_says_how_to_provide_it(cli: Cli) -> None:
    del cli.env["RS_KEY_CONTOSO_DI_EUS"]
    result = cli.run("status")
    assert result.returncode == 2
    assert "RS_KEY_CONTOSO_DI_EUS" in result.stderr


def test_unreachable_endpoint_is_named_and_the_other_side_still_listed(cli: Cli, emulator: Emulator) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    text = cli.config.read_text()
    wus = emulator.resources[SECONDARY]["endpoint"]
    cli.config.write_text(text.replace(wus, f"http://127.0.0.1:{dead_port}/{SECONDARY}"))
    result = cli.run("status", "--json")
    assert result.returncode == 2
    [service] = json.loads(result.stdout)["services"]
    assert "connection refused" in service["errors"]["secondary"].lower()
    assert {a["status"] for a in service["assets"]} == {"unknown"}
    assert {a["name"] for a in service["assets"]} >= {"invoice", "receipt"}


def test_malformed_profile_names_file_line_and_field_and_is_kept(cli: Cli) -> None:
    broken = cli.config.read_text().replace('api_version = "2024-11-30"', 'api_version = "1999-01-01"')
    cli.config.write_text(broken)
    result = cli.run("status")
    assert result.returncode == 2
    assert str(cli.config) in result.stderr and "line 4" in result.stderr and "api_version" in result.stderr
    assert cli.config.read_text() == broken


def test_a_region_outage_in_the_middle_of_a_sync_loses_nothing(cli: Cli, emulator: Emulator) -> None:
    emulator.admin_post("clock", {"copy_seconds": 120})
    cli.env["REGIONSYNC_RETRIES"] = "2"  # give up on the lost region quickly
    proc = cli.spawn("sync", "--yes", "--json")
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event.get("step") == "copy" and event.get("percent") is not None:  # polling the copy
            emulator.admin_post("faults/outage", {"region": "eastus", "down": True})
            break
    out, err = proc.communicate(timeout=120)
    cli.outputs += [out, err]
    assert proc.returncode == 1
    summary = json.loads(out.splitlines()[-1])
    assert summary["event"] == "summary" and summary["succeeded"] == 0
    assert all("jobs resume" in (j["error"] or "") for j in summary["jobs"])
    emulator.admin_post("faults/outage", {"region": "eastus", "down": False})
    emulator.admin_post("clock/advance", {"seconds": 200})
    resumed = cli.run("jobs", "resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"]


def test_a_429_storm_and_5xx_are_ridden_out(cli: Cli, emulator: Emulator) -> None:
    emulator.admin_post("faults/throttle", {"share": 0.5, "retry_after": 1, "count": 3})
    emulator.admin_post("faults/errors", {"share": 0.3, "status": 503, "count": 3})
    result = cli.run("sync", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"]


def test_a_body_that_is_not_json_is_reported_not_crashed_on(cli: Cli, emulator: Emulator) -> None:
    emulator.admin_post("faults/malformed", {"share": 1.0, "resource": SECONDARY})
    cli.env["REGIONSYNC_RETRIES"] = "2"
    result = cli.run("status")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "could not be read" in result.stdout.lower()
        or "unreadable" in (result.stdout + result.stderr).lower()
    )


def test_a_timeout_is_reported_as_such(cli: Cli, emulator: Emulator) -> None:
    emulator.admin_post("faults/latency", {"ms": 4000, "resource": PRIMARY})
    cli.env["REGIONSYNC_TIMEOUT"] = "0.5"
    cli.env["REGIONSYNC_RETRIES"] = "2"
    result = cli.run("status", "--json")
    assert result.returncode == 2
    errors = json.loads(result.stdout)["services"][0]["errors"]
    assert "time" in errors["primary"].lower()


def test_help_and_status_never_import_textual(cli: Cli) -> None:
    probe = (
        "import sys\n"
        "from regionsync.cli import app\n"
        "for args in (['--help'], ['status', '--json']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('TEXTUAL' if 'textual' in sys.modules else 'NO-TEXTUAL', file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=cli.env, capture_output=True, text=True, timeout=60
    )
    assert "NO-TEXTUAL" in result.stderr, result.stderr
