"""The `regionsync` command line (Typer): one module per command group.

Command modules import only typer at load time and keep their heavy imports (httpx, the engine,
the emulator) inside the command bodies, so `regionsync --help` stays fast; no module on a CLI
path imports textual (a test proves it).

Help is written for an 80-column terminal: prose paragraphs are reflowed by `tidy_help` (a
docstring's hard line breaks never reach the screen), example lines stay as written, and flags
show no `<bool>` type.
"""

from __future__ import annotations

import inspect

import typer
from typer.core import TyperOption

from regionsync import __version__
from regionsync.cli import emulator as _emulator
from regionsync.cli import sync_commands as _sync
from regionsync.cli.jobs import jobs_app
from regionsync.cli.journal import journal_app
from regionsync.cli.probe import probe
from regionsync.cli.profile import profile_app
from regionsync.cli.ui import ui
from regionsync.cli.watch import watch

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


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"regionsync {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_show_version, is_eager=True
    ),
) -> None:
    """With no command, open the dashboard on the default profile (`regionsync ui`)."""
    if ctx.invoked_subcommand is None:
        ui(profile=None, config=None, theme=None)


app.command(name="ui")(ui)
app.command(name="status")(_sync.status)
app.command(name="plan")(_sync.plan)
app.command(name="sync")(_sync.sync)
app.command(name="copy")(_sync.copy)
app.command(name="watch")(watch)
app.add_typer(jobs_app, name="jobs")
app.add_typer(journal_app, name="journal")
app.command(name="probe")(probe)
app.add_typer(profile_app, name="profile")
app.command(name="emulator")(_emulator.emulator)


def _flag_type(self: TyperOption, ctx: typer.Context) -> str | None:
    """A flag takes no value, so its help row shows no type (never `<bool>`)."""
    if self.is_flag:
        return None
    return _VALUE_TYPE(self, ctx)


_VALUE_TYPE = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign,assignment]


def reflow(doc: str) -> str:
    """A docstring for the help screen: prose paragraphs joined into one line each (the terminal
    wraps them at its width), examples and indented blocks kept line for line."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        literal = any(line.startswith((" ", "regionsync", "\b")) for line in lines)
        out.append(paragraph if literal else " ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def tidy_help(typer_app: typer.Typer) -> None:
    """Reflow the help of every command of `typer_app` and its groups (see `reflow`)."""
    for command in typer_app.registered_commands:
        callback = command.callback
        if callback is not None and callback.__doc__ and command.help is None:
            command.help = reflow(callback.__doc__)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            tidy_help(group.typer_instance)


tidy_help(app)
