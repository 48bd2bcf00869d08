"""`regionsync emulator`: serve the embedded Azure emulator on loopback (owned by the emulator work)."""

from __future__ import annotations

from pathlib import Path

import typer


def emulator(
    scenario: Path | None = typer.Option(None, "--scenario", "-s", help="Scenario TOML file."),
    port: int = typer.Option(0, "--port", help="Admin port; regions take the next ports. 0 picks free ports."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON line with the endpoints first."),
) -> None:
    """Serve the embedded emulator until interrupted."""
    from regionsync.emulator.server import run_command

    raise typer.Exit(run_command(scenario, port=port, json_output=json_output))
