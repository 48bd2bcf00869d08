"""`regionsync emulator`: serve the embedded Azure emulator on loopback until interrupted."""

from __future__ import annotations

from pathlib import Path

import typer

from regionsync.emulator.help import EPILOG

_SUMMARY = """Serve the embedded Azure emulator on 127.0.0.1: Document Intelligence (v2.1 … v4.0), Content
Understanding (2025-11-01) and Language authoring (2022-05-01, 2023-04-01).

Each region gets its own loopback port: an outage closes a real listener. Runs until Ctrl+C/SIGTERM."""


def _rich_literal(text: str) -> str:
    """`text` as Rich shows it verbatim: TOML's brackets are not markup."""
    return text.replace("[", r"\[")


def emulator(
    scenario: Path | None = typer.Option(
        None, "--scenario", "-s", help="Scenario TOML file (default: the demo world, dated to now)."
    ),
    port: int = typer.Option(
        0, "--port", help="Admin port; the regions take the next ports. 0 picks free ports."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print one JSON line with the admin URL, endpoints and keys first."
    ),
) -> None:
    from regionsync.emulator.server import run_command

    raise typer.Exit(run_command(scenario, port=port, json_output=json_output))


# The help text is the scenario format and the admin API, shown verbatim by `--help`.
emulator.__doc__ = _SUMMARY + "\n\n" + _rich_literal(EPILOG)
