"""`status`, `plan`, `sync` and `copy`: the operator's question and its answer, headless.

Data goes to stdout (tables, or JSON with --json); progress and diagnostics go to stderr.
Exit codes follow diff: 0 nothing to do, 1 differences (or refused / failed copies), 2 an error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from regionsync.cli.common import PLAIN_OPTION, plain_output, print_lines
from regionsync.cli.listing_line import listing_line
from regionsync.cli.options import (
    CONFIG,
    FROM,
    JSON,
    PROFILE,
    SERVICE,
    emit_json,
    open_session,
    parse_age,
    parse_side,
    run_async,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from regionsync.domain import Job, ProgressEvent, Side
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.leases import Holder
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan
    from regionsync.sync.session import SyncSession


def _stdout() -> Any:
    from regionsync.cli.common import console

    return console()


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def status(
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    service: str | None = SERVICE,
    json_output: bool = JSON,
    max_age: str | None = typer.Option(
        None, "--max-age", help="Exit 1 only when a missing or drifted asset has waited longer (e.g. 24h)."
    ),
    source: str = FROM,
    plain: bool = PLAIN_OPTION,
) -> None:
    """Compare both regions: each asset's sync status, side by side.

    In a pipe (or with --plain) one line per asset: `<glyph> <status> <kind> <name>  <reason>`,
    each service's readiness on stderr.

    Exit code: 0 the secondary can serve everything, 1 differences, 2 a side could not be read.

    Examples:

      regionsync status

      regionsync status --json --service document-intelligence

      regionsync status --max-age 24h || page-oncall    # cron: recovery point
    """
    from regionsync.cli.render import (
        status_exit_code,
        status_json,
        status_lines,
        status_summary,
        status_table,
    )

    age = parse_age(max_age)
    side = parse_side(source)

    async def go() -> int:
        async with open_session(config, profile, service) as session:
            with listing_line() as reading:
                statuses = await session.status(source=side, progress=reading)
        if json_output:
            code = status_exit_code(statuses, age)
            emit_json(
                {
                    "profile": session.profile_name,
                    "services": [status_json(s, lazy=True) for s in statuses],
                    "exit_code": code,
                }
            )
            return code
        if plain_output(plain):
            for s in statuses:
                print_lines([status_summary(s)], err=True)
                errors = [f"{side.value}: {error.one_line()}" for side, error in s.errors.items()]
                print_lines(errors, err=True)
                print_lines(status_lines(s))
            return status_exit_code(statuses, age)
        out = _stdout()
        for s in statuses:
            out.print(status_table(s))
        return status_exit_code(statuses, age)

    raise typer.Exit(run_async(go))


def plan(
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    service: str | None = SERVICE,
    json_output: bool = JSON,
    source: str = FROM,
    only: list[str] | None = typer.Option(None, "--only", help="Only these asset ids or names (repeat)."),
    replace_drifted: bool = typer.Option(False, "--replace-drifted", help="Plan to replace drifted copies."),
    allow_degrade: bool = typer.Option(
        False, "--allow-degrade", help="Allow encrypted → unencrypted copies."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Save the plan to this file; `sync --plan FILE` carries it out."
    ),
    plain: bool = PLAIN_OPTION,
) -> None:
    """Say exactly what `sync` would do and what it would refuse, before anything happens.

    With --out the plan is saved: `sync --plan FILE` then does exactly that, and refuses
    (exit 2, naming what changed) if an asset changed since.

    Exit code: 0 nothing to do, 1 there is something to copy or refused, 2 error.

    Examples:

      regionsync plan --service document-intelligence

      regionsync plan --out tonight.plan && regionsync sync --plan tonight.plan
    """
    side = parse_side(source)

    async def go() -> int:
        async with open_session(config, profile, service) as session:
            statuses, plans = await _read_and_plan(
                session, side, only=only, replace_drifted=replace_drifted, allow_degrade=allow_degrade
            )
        if out is not None:
            from regionsync.cli.saved_plan import plan_document, write_plan

            write_plan(
                out,
                plan_document(
                    session.profile_name,
                    side.value,
                    plans,
                    statuses,
                    only=only,
                    replace_drifted=replace_drifted,
                    allow_degrade=allow_degrade,
                ),
            )
            typer.echo(f"Saved the plan to {out}. Carry it out with: regionsync sync --plan {out}", err=True)
        return _show_plans(plans, json_output, plain=plain)

    raise typer.Exit(run_async(go))


def _show_plans(plans: list[tuple[ResourcePair, Plan]], json_output: bool, *, plain: bool = False) -> int:
    from regionsync.cli.render import plan_json, plan_lines, plan_summary, plan_table

    if json_output:
        emit_json({"event": "plan", "plans": [plan_json(p) for _, p in plans]})
    elif plain_output(plain):
        for _, p in plans:
            print_lines([plan_summary(p)], err=True)
            print_lines(plan_lines(p))
    else:
        out = _stdout()
        for _, p in plans:
            out.print(plan_table(p))
    return 0 if all(p.empty for _, p in plans) else 1


def sync(
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    service: str | None = SERVICE,
    json_output: bool = typer.Option(False, "--json", help="One JSON event per line on stdout."),
    source: str = FROM,
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Only show the plan."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, max=64, help="Copies at once."),
    only: list[str] | None = typer.Option(None, "--only", help="Only these asset ids or names (repeat)."),
    replace_drifted: bool = typer.Option(
        False, "--replace-drifted", help="Replace drifted copies (deletes the outdated copy first; asks)."
    ),
    allow_degrade: bool = typer.Option(
        False, "--allow-degrade", help="Allow encrypted (AEK/CMK) → unencrypted copies."
    ),
    saved: Path | None = typer.Option(
        None,
        "--plan",
        help="Carry out this saved plan (`plan --out FILE`) exactly; refused if anything changed since.",
    ),
    plain: bool = PLAIN_OPTION,
) -> None:
    """Copy what the secondary lacks (or, with --from secondary, fail back to the primary).

    Sync only adds what is missing; it never deletes. Every job is journaled: if it is
    interrupted, `regionsync jobs resume` finishes it without a second copy.

    Examples:

      regionsync sync --dry-run

      regionsync sync --yes --concurrency 16

      regionsync sync --from secondary    # after an outage: copy back
    """
    if saved is not None:
        raise typer.Exit(_sync_saved(saved, config, profile, json_output, concurrency, dry_run, plain))
    side = parse_side(source)

    async def go() -> int:
        events = _EventSink(json_output)
        async with open_session(
            config, profile, service, on_event=events, concurrency=concurrency
        ) as session:
            _, plans = await _read_and_plan(
                session, side, only=only, replace_drifted=replace_drifted, allow_degrade=allow_degrade
            )
            return await _carry_out(
                session,
                plans,
                side,
                events,
                yes=yes,
                replace=replace_drifted,
                dry_run=dry_run,
                plain=plain,
            )

    raise typer.Exit(run_async(go))


def _sync_saved(
    path: Path,
    config: Path | None,
    profile: str | None,
    json_output: bool,
    concurrency: int,
    dry_run: bool,
    plain: bool,
) -> int:
    """`sync --plan FILE`: plan again with the saved options; refuse (2) when anything moved."""
    from regionsync.cli.common import exit_with
    from regionsync.cli.saved_plan import changes, read_plan
    from regionsync.errors import RegionSyncError

    try:
        saved = read_plan(path)
    except RegionSyncError as error:
        exit_with(error)
    if profile is not None and profile != saved.profile:
        _stderr().print(
            f"The plan {path} was made for profile {saved.profile!r}, not {profile!r}; nothing was changed.",
            markup=False,
        )
        return 2
    side = parse_side(saved.source)
    service = saved.service_names[0] if len(saved.service_names) == 1 else None

    async def go() -> int:
        events = _EventSink(json_output)
        async with open_session(
            config, saved.profile, service, on_event=events, concurrency=concurrency
        ) as session:
            statuses, plans = await _read_and_plan(
                session,
                side,
                only=saved.only,
                replace_drifted=saved.replace_drifted,
                allow_degrade=saved.allow_degrade,
            )
            moved = changes(saved, plans, statuses)
            if moved:
                err = _stderr()
                err.print(
                    f"The world moved since the plan {path} was made; nothing was changed:", markup=False
                )
                for line in moved:
                    err.print(f"  {line}", markup=False, soft_wrap=True)
                err.print(f"Review a new plan: regionsync plan --out {path}", markup=False, soft_wrap=True)
                return 2
            return await _carry_out(
                session,
                plans,
                side,
                events,
                yes=True,  # the saved plan is what was reviewed
                replace=saved.replace_drifted,
                dry_run=dry_run,
                plain=plain,
            )

    return run_async(go)


def copy(
    asset_id: str = typer.Argument(..., help="The id (or name) of the asset on the source side."),
    new_id: str | None = typer.Option(None, "--as", help="The id it gets on the target."),
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    service: str | None = SERVICE,
    json_output: bool = typer.Option(False, "--json", help="One JSON event per line on stdout."),
    source: str = FROM,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    allow_degrade: bool = typer.Option(False, "--allow-degrade", help="Allow encrypted → unencrypted."),
) -> None:
    """Copy one asset to the other region.

    Examples:

      regionsync copy invoice

      regionsync copy invoice --as invoice-2024 --yes
    """
    side = parse_side(source)

    async def go() -> int:
        events = _EventSink(json_output)
        async with open_session(config, profile, service, on_event=events) as session:
            rename = {asset_id: new_id} if new_id else None
            statuses, plans = await _read_and_plan(
                session, side, only=[asset_id], allow_degrade=allow_degrade, rename=rename
            )
            plans = [(pair, p) for pair, p in plans if p.copies or p.refusals]
            if not plans:
                known = any(
                    asset_id in {p.name, *(a.id for a in (p.primary, p.secondary) if a)}
                    for s in statuses
                    for p in s.pairs
                )
                msg = (
                    f"{asset_id} is already in sync; nothing to copy."
                    if known
                    else f"No asset {asset_id!r} on the {side.value} side. `regionsync status` lists them."
                )
                _stderr().print(msg)
                return 0 if known else 2
            return await _carry_out(session, plans, side, events, yes=yes, replace=False)

    raise typer.Exit(run_async(go))


async def _read_and_plan(
    session: SyncSession,
    side: Side,
    *,
    only: Sequence[str] | None = None,
    replace_drifted: bool = False,
    allow_degrade: bool = False,
    rename: dict[str, str] | None = None,
) -> tuple[list[ServiceStatus], list[tuple[ResourcePair, Plan]]]:
    """Both sides read (the reading line on a terminal while it lasts), then the plan made from them."""
    with listing_line() as reading:
        statuses = await session.status(source=side, progress=reading)
    plans = await session.plan(
        source=side,
        only=only,
        replace_drifted=replace_drifted,
        allow_degrade=allow_degrade,
        rename=rename,
        statuses=statuses,
    )
    return statuses, plans


async def _carry_out(
    session: SyncSession,
    plans: list[tuple[ResourcePair, Plan]],
    side: Side,
    events: _EventSink,
    *,
    yes: bool,
    replace: bool,
    dry_run: bool = False,
    plain: bool = False,
) -> int:
    """Show the plans, ask (unless --yes), run the copies with progress; the exit code."""
    code = _show_plans(plans, events.json_output, plain=plain)
    todo = sum(len(p.copies) for _, p in plans)
    refused = sum(len(p.refusals) for _, p in plans)
    if dry_run:
        return code
    if todo == 0:
        if not events.json_output:
            _stderr().print("Nothing to copy." + (f" {refused} refused (see above)." if refused else ""))
        return 1 if refused else 0
    if not _confirm(plans, yes=yes, replace=replace):
        _stderr().print("Nothing was changed.")
        return 1
    jobs = await _run_with_progress(session, plans, side, events)
    return _summarize(jobs, refused, events.json_output, list(session.runner.elsewhere.values()), plain=plain)


def _confirm(plans: list[tuple[ResourcePair, Plan]], *, yes: bool, replace: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        _stderr().print("[red]Refusing to copy without confirmation:[/] stdin is not a terminal; pass --yes.")
        return False
    copies = sum(len(p.copies) for _, p in plans)
    replaces = sum(1 for _, p in plans for c in p.copies if c.replace)
    deletes = sum(1 for _, p in plans for c in p.copies if c.replace_id)
    question = f"Copy {copies} asset(s)?"
    if replace and replaces:
        question = f"Copy {copies} asset(s), replacing {replaces} drifted copy(ies) on the target"
        question += f" ({deletes} outdated copy(ies) deleted first)?" if deletes else "?"
    return typer.confirm(question, default=False)


class _EventSink:
    """Receives the engine's progress events: JSON lines; or, on a terminal, a Rich progress display
    of the jobs at work (each finished one leaves a line above it); or, in a pipe or a file, one
    plain line per finished job on stderr."""

    def __init__(self, json_output: bool) -> None:
        self.json_output = json_output
        self.progress: Any = None
        self.lines = False
        self.tasks: dict[str, Any] = {}
        self.overall: Any = None

    def __call__(self, event: ProgressEvent) -> None:
        if self.json_output:
            emit_json({"event": "progress", **event.model_dump(mode="json")})
            return
        ended = event.state.finished or event.state.value == "interrupted"
        if self.lines and ended:
            typer.echo(_ended_line(event), err=True)
        if self.progress is None:
            return
        task = self.tasks.get(event.job_id)
        if ended:
            # Off the display: it shows the jobs at work, never a table that grows with the plan.
            if task is not None:
                self.progress.remove_task(task)
                self.tasks.pop(event.job_id, None)
            self.progress.console.print(_ended_line(event), markup=False, highlight=False)
            if event.state.finished and self.overall is not None:
                self.progress.advance(self.overall, 1)
            return
        if task is None:
            task = self.progress.add_task(event.asset_name, total=100, step="")
            self.tasks[event.job_id] = task
        label = f"{event.step_index}/{event.step_count} {event.step}"
        if event.percent is None:
            self.progress.update(task, step=label)
        else:
            self.progress.update(task, completed=event.percent, step=label)


def _ended_line(event: ProgressEvent) -> str:
    """`✓ invoice copied` — one line for a job that ended (or stopped, open for resume)."""
    from regionsync.domain import SyncStatus

    words = {"succeeded": (SyncStatus.IN_SYNC.glyph, "copied")}
    glyph, word = words.get(event.state.value, (SyncStatus.FAILED.glyph, event.state.value))
    what = (event.message or "").split(" — ")[0]  # what happened; `jobs show` and the summary say the rest
    message = f": {what}" if what and word != "copied" else ""
    return f"{glyph} {event.asset_name} {word}{message}"


async def _run_with_progress(
    session: SyncSession,
    plans: list[tuple[ResourcePair, Plan]],
    side: Side,
    events: _EventSink,
) -> list[Job]:
    if events.json_output:
        return await session.execute(plans, source=side)
    if not os.isatty(2):
        events.lines = True
        return await session.execute(plans, source=side)
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    total = sum(len(p.copies) for _, p in plans)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=_stderr(),
        transient=False,
    ) as progress:
        events.progress = progress
        events.overall = progress.add_task("[bold]all copies", total=total, step="")
        return await session.execute(plans, source=side)


def _summarize(
    jobs: list[Job], refused: int, json_output: bool, elsewhere: Sequence[Holder] = (), *, plain: bool = False
) -> int:
    """The closing summary of `sync`, `copy` and `jobs resume`; the exit code (0: every job done).
    The jobs as a table on a terminal, one line each in a pipe (or with --plain)."""
    from dataclasses import asdict

    from regionsync.cli.render import job_json, jobs_lines, jobs_table
    from regionsync.domain import JobState

    ok = sum(1 for j in jobs if j.state is JobState.SUCCEEDED)
    failed = [j for j in jobs if j.state is JobState.FAILED]
    canceled = [j for j in jobs if j.state is JobState.CANCELED]
    interrupted = [j for j in jobs if not j.state.finished]
    if json_output:
        emit_json(
            {
                "event": "summary",
                "succeeded": ok,
                "failed": len(failed),
                "interrupted": len(interrupted),
                "canceled": len(canceled),
                "refused": refused,
                "elsewhere": [
                    {"job_id": h.job.id, "asset_name": h.job.asset_name, **asdict(h.owner)} for h in elsewhere
                ],
                "jobs": [job_json(j) for j in jobs],
            }
        )
    else:
        out = _stdout()
        if jobs and plain_output(plain):
            print_lines(jobs_lines(jobs))
        elif jobs:
            out.print(jobs_table(jobs))
        counts = [f"{ok} copied"]
        counts += [f"{len(interrupted)} interrupted"] if interrupted else []
        counts += [f"{len(canceled)} canceled"] if canceled else []
        counts += [f"{len(failed)} failed", f"{refused} refused"]
        out.print(", ".join(counts) + ".")
        if interrupted:
            out.print("Interrupted jobs stay open: `regionsync jobs resume` continues them.")
        if failed:
            out.print(f"Details: regionsync jobs show {failed[0].id}")
    for holder in elsewhere:
        _stderr().print(holder.words(), markup=False, highlight=False)
    return 0 if ok == len(jobs) and not refused and not elsewhere else 1
