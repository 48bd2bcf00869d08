"""Help as a user reads it at 80 columns: no `<bool>`, example lines whole, `--version`."""

from __future__ import annotations

import pytest
from cli_support import every_command
from typer.testing import CliRunner

from regionsync import __version__
from regionsync.cli import app

COMMANDS = [[], *every_command()]


def _help(command: list[str]) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_help_at_80_columns_has_no_bool_metavar_and_whole_example_lines(command: list[str]) -> None:
    out = _help(command)
    assert "<bool>" not in out
    lines = [line.strip(" │") for line in out.splitlines()]
    examples = [line for line in lines if line.startswith("regionsync ") and "Usage" not in line]
    for i, line in enumerate(lines):
        if line in examples:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            # an example broken by the terminal continues on an unindented, non-blank line
            assert not following or following.startswith(("regionsync", "--", "Example")), (line, following)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"regionsync {__version__}"


def test_profile_add_without_a_terminal_names_the_flags_and_exits_2(tmp_path: object) -> None:
    import subprocess
    import sys
    from pathlib import Path

    home = Path(str(tmp_path))
    env = {
        "HOME": str(home),
        "REGIONSYNC_CONFIG": str(home / "config.toml"),
        "REGIONSYNC_DATA_DIR": str(home / "data"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "NO_COLOR": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "regionsync", "profile", "add", "contoso", "--side", "secondary"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Aborted" not in result.stdout + result.stderr
    assert (
        "regionsync profile add contoso --service document-intelligence --side secondary "
        "--endpoint URL --region REGION --resource-id ID"
    ) in result.stderr
    assert not (home / "config.toml").exists()
