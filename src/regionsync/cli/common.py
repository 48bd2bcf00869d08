"""What every command shares: the global options, loading the profile they name, and output.

`load_context` turns `--config/--profile/--service` into (config, profile name, profile);
`exit_with` prints a RegionSyncError's explanation to stderr and ends with exit code 2; `console()`
writes data to stdout (Rich honours NO_COLOR and plain output when not a terminal), `err_console()`
diagnostics to stderr. Nothing here imports httpx, the emulator or textual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from regionsync.config import Config, Profile
    from regionsync.domain import Service
    from regionsync.errors import RegionSyncError

CONFIG_OPTION = typer.Option(
    None,
    "--config",
    envvar="REGIONSYNC_CONFIG",
    help="Profiles file (default: regionsync/config.toml in the user config dir).",
    show_default=False,
)
PROFILE_OPTION = typer.Option(
    None,
    "--profile",
    "-p",
    envvar="REGIONSYNC_PROFILE",
    help="Profile to use (default: the file's default_profile).",
    show_default=False,
)
SERVICE_OPTION = typer.Option(
    None,
    "--service",
    help="Only this service: document-intelligence, content-understanding or language.",
    show_default=False,
)
JSON_OPTION = typer.Option(False, "--json", help="Machine-readable JSON on stdout.")
PLAIN_OPTION = typer.Option(
    False,
    "--plain",
    help="One line per item, no table (the default when stdout is not a terminal).",
)


def plain_output(flag: bool) -> bool:
    """Plain lines instead of tables: asked for with --plain, or stdout is a pipe or a file."""
    return flag or not os.isatty(1)


def print_lines(lines: list[str], *, err: bool = False) -> None:
    """Print plain lines as they are: never wrapped, cut or styled."""
    for line in lines:
        typer.echo(line, err=err)


def parse_service(value: str | Service | None) -> Service | None:
    """`--service` text → Service; a usage error listing the choices when unknown."""
    from regionsync.domain import Service

    if value is None or value == "":
        return None
    try:
        return Service(value)
    except ValueError:
        names = ", ".join(s.value for s in Service)
        raise typer.BadParameter(
            f"unknown service {value!r}; use one of {names}", param_hint="--service"
        ) from None


def load_context(
    config_path: Path | str | None, profile: str | None, service: str | Service | None = None
) -> tuple[Config, str, Profile]:
    """Load the profiles file and pick the profile (`--profile` > REGIONSYNC_PROFILE > default).

    With `service`, also checks that the profile configures it. Errors end the command (exit 2).
    """
    from regionsync.config import config_path as resolve_path
    from regionsync.config import load_config, select_profile
    from regionsync.errors import RegionSyncError, set_hints, with_profile

    name = ""
    try:
        config = load_config(resolve_path(config_path))
        name, chosen = select_profile(config, profile)
        set_hints(profile=name)
        wanted = parse_service(service)
        if wanted is not None:
            chosen.service(wanted)
    except RegionSyncError as error:
        exit_with(with_profile(error, name) if name else error)
    return config, name, chosen


def exit_with(error: RegionSyncError, code: int = 2) -> NoReturn:
    """Explain `error` on stderr (what, why, what to do, the service's words) and exit."""
    err_console().print(error.explain(), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def console() -> Console:
    """stdout for data; colour only on a terminal and never with NO_COLOR."""
    from rich.console import Console

    return Console(no_color=_no_color(), highlight=False)


def err_console() -> Console:
    """stderr for diagnostics and progress."""
    from rich.console import Console

    return Console(stderr=True, no_color=_no_color(), highlight=False)
