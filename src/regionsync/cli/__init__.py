"""The `regionsync` command line (Typer): one module per command group, imported lazily.

Each command module keeps its heavy imports (httpx, the emulator, the engine) inside the command
function, so `regionsync --help` stays fast, and no module on a CLI path imports textual.
"""

from __future__ import annotations

import typer

from regionsync.cli import emulator as _emulator

app = typer.Typer(
    name="regionsync",
    help="Keep Azure AI custom assets in sync across a primary and a secondary region.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command(name="emulator")(_emulator.emulator)
