"""The `regionsync` command line (Typer): one module per command group.

Command modules import only typer at load time and keep their heavy imports (httpx, the engine,
the emulator) inside the command bodies, so `regionsync --help` stays fast; no module on a CLI
path imports textual (a test proves it).
"""

from __future__ import annotations

import typer

from regionsync.cli import emulator as _emulator
from regionsync.cli import sync_commands as _sync
from regionsync.cli.jobs import jobs_app
from regionsync.cli.journal import journal_app
from regionsync.cli.probe import probe
from regionsync.cli.profile import profile_app
from regionsync.cli.ui import ui

app = typer.Typer(
    name="regionsync",
    help=(
        "Keep Azure AI custom assets in sync across a primary and a secondary region, and know "
        "whether the secondary could serve if the primary went dark. With no command it opens the "
        "dashboard.\n\nStart with `regionsync profile add NAME`, then `regionsync status`; "
        "`make demo` shows everything against the embedded emulator."
    ),
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

@app.callback()
def _root(ctx: typer.Context) -> None:
    """With no command, open the dashboard on the default profile (`regionsync ui`)."""
    if ctx.invoked_subcommand is None:
        ui(profile=None, config=None, theme=None)


app.command(name="ui")(ui)
app.command(name="status")(_sync.status)
app.command(name="plan")(_sync.plan)
app.command(name="sync")(_sync.sync)
app.command(name="copy")(_sync.copy)
app.add_typer(jobs_app, name="jobs")
app.add_typer(journal_app, name="journal")
app.command(name="probe")(probe)
app.add_typer(profile_app, name="profile")
app.command(name="emulator")(_emulator.emulator)
