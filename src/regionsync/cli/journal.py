"""`regionsync journal check`: is the journal file sound, and how to set it aside if it is not.

The check never writes: it reads the file's SQLite header and runs `PRAGMA integrity_check` on a
read-only connection. A journal that fails it is never rewritten or deleted by regionsync; the
command says how to move it away (with its -wal/-shm files) and what is lost with it. `open_journal`
is how the other commands open the journal: a file that cannot be used ends them with its
explanation and exit code 2.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from regionsync.cli.common import JSON_OPTION

if TYPE_CHECKING:
    from regionsync.sync.journal import Journal

journal_app = typer.Typer(
    name="journal",
    help="The journal of copy jobs (a SQLite file in the data directory): check that it is sound.",
    no_args_is_help=True,
)


def open_journal() -> Journal:
    """The user's journal, opened; a journal or data directory that cannot be used ends the command
    with its explanation (exit 2), the file left as it is."""
    from regionsync.cli.common import exit_with
    from regionsync.errors import RegionSyncError
    from regionsync.locations import journal_file
    from regionsync.sync.journal import Journal

    try:
        return Journal(journal_file())
    except RegionSyncError as error:
        exit_with(error)


@journal_app.command("check")
def check(
    quick: bool = typer.Option(
        False, "--quick", help="PRAGMA quick_check instead of the full integrity_check (faster)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Check the journal without changing it: its SQLite header, then PRAGMA integrity_check.

    Exit code: 0 sound (or not created yet), 2 it cannot be used — the message says why, and how to
    set the file aside: stop the dashboard and any other regionsync, then move the file and its
    -wal/-shm files away (never delete them: sqlite3's `.recover` may still save them); regionsync
    then starts a new, empty journal. Lost with the old one: the job history, the Document
    Intelligence v2.1 id map and the lineage of copies (v2.1 models are then paired by name).

    Example:

      regionsync journal check
    """
    from regionsync.cli.common import err_console, exit_with
    from regionsync.locations import journal_file
    from regionsync.sync.journal import Journal

    path = journal_file()
    health = Journal.check(path, thorough=not quick)
    if json_output:
        error = health.error
        typer.echo(
            json.dumps(
                {
                    "path": str(path),
                    "exists": health.exists,
                    "size": health.size,
                    "ok": health.ok,
                    "checks": health.checked,
                    "schema": health.schema,
                    "jobs": health.jobs,
                    "problem": None
                    if error is None
                    else {"code": error.code, "what": error.what, "why": error.why, "todo": error.todo},
                },
                ensure_ascii=False,
            )
        )
        raise typer.Exit(0 if health.ok else 2)
    if health.error is not None:
        exit_with(health.error)
    out = err_console()
    if not health.exists:
        out.print(f"No journal yet at {path}: nothing to check (the first copy creates it).", markup=False)
        return
    if health.size == 0:
        out.print(f"The journal {path} is empty: a new journal, nothing to check.", markup=False)
        return
    pragma = health.checked[-1]
    jobs = "no jobs table yet" if health.jobs is None else f"{health.jobs} jobs"
    out.print(
        f"The journal {path} is sound: PRAGMA {pragma} found nothing wrong "
        f"({health.size} bytes, schema {health.schema}, {jobs}).",
        markup=False,
    )
