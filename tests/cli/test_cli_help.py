"""Every command explains itself: `--help` works and shows at least one example."""

from __future__ import annotations

import pytest
from cli_support import every_command
from typer.testing import CliRunner

from regionsync.cli import app

COMMANDS = every_command()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"NO_COLOR": "1", "COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "[[resource]]" in result.output
    assert "regionsync " in result.output
