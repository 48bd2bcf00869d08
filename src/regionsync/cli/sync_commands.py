"""`status`, `plan`, `sync` and `copy`: the operator's question and its answer, headless.

Data goes to stdout (tables, or JSON with --json); progress and diagnostics go to stderr.
Exit codes follow diff: 0 nothing to do, 1 differences (or refused / failed copies), 2 an error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

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
    from regionsync.domain import Job, ProgressEvent, Side
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
) -> None:
    """Compare both regions: each asset's sync status, side by side.

    Exit code: 0 the secondary can serve everything, 1 differences, 2 a side could not be read.

    Examples:

      regionsync status

      regionsync status --json --service document-intelligence

      regionsync status --max-age 24h || page-oncall    # cron: recovery point
    """
    from regionsync.cli.render import status_exit_code, status_json, status_table

    age = parse_age(max_age)
    side = parse_side(source)

    async def go() -> int:
        async with open_session(config, profile, service) as session:
            statuses = await session.status(source=side)
        if json_output:
            code = status_exit_code(statuses, age)
            emit_json(
                {
                    "profile": session.profile_name,
                    "services": [status_json(s) for s in statuses],
                    "exit_code": code,
                }
            )
            return code
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
) -> None:
    """Say exactly what `sync` would do and what it would refuse, before anything happens.

    Exit code: 0 nothing to do, 1 there is something to copy or refused, 2 error.

    Example:

      regionsync plan --service document-intelligence
    """
    side = parse_side(source)

    async def go() -> int:
        async with open_session(config, profile, service) as session:
            plans = await session.plan(
                source=side, only=only, replace_drifted=replace_drifted, allow_degrade=allow_degrade
            )
        return _show_plans(plans, json_output)

    raise typer.Exit(run_async(go))


def _show_plans(plans: list[tuple[ResourcePair, Plan]], json_output: bool) -> int:
    from regionsync.cli.render import plan_json, plan_table

    if json_output:
        emit_json({"event": "plan", "plans": [plan_json(p) for _, p in plans]})
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
) -> None:
    """Copy what the secondary lacks (or, with --from secondary, fail back to the primary).

    Sync only adds what is missing; it never deletes. Every job is journaled: if it is
    interrupted, `regionsync jobs resume` finishes it without a second copy.

    Examples:

      regionsync sync --dry-run

      regionsync sync --yes --concurrency 16

      regionsync sync --from secondary    # after an outage: copy back
    """
    side = parse_side(source)

    async def go() -> int:
        events = _EventSink(json_output)
        async with open_session(
            config, profile, service, on_event=events, concurrency=concurrency
        ) as session:
            plans = await session.plan(
                source=side, only=only, replace_drifted=replace_drifted, allow_degrade=allow_degrade
            )
            return await _carry_out(
                session,
                plans,
                side,
                events,
                yes=yes,
                replace=replace_drifted,
                dry_run=dry_run,
            )

    raise typer.Exit(run_async(go))


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
            statuses = await session.status(source=side)
            plans = await session.plan(
                source=side, only=[asset_id], allow_degrade=allow_degrade, rename=rename, statuses=statuses
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


async def _carry_out(
    session: SyncSession,
    plans: list[tuple[ResourcePair, Plan]],
    side: Side,
    events: _EventSink,
    *,
    yes: bool,
    replace: bool,
    dry_run: bool = False,
) -> int:
    """Show the plans, ask (unless --yes), run the copies with progress; the exit code."""
    code = _show_plans(plans, events.json_output)
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
    return _summarize(jobs, refused, events.json_output)


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
    """Receives the engine's progress events: JSON lines, or a Rich progress display."""

    def __init__(self, json_output: bool) -> None:
        self.json_output = json_output
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        self.overall: Any = None

    def __call__(self, event: ProgressEvent) -> None:
        if self.json_output:
            emit_json({"event": "progress", **event.model_dump(mode="json")})
            return
        if self.progress is None:
            return
        task = self.tasks.get(event.job_id)
        if task is None:
            task = self.progress.add_task(event.asset_name, total=100, step="")
            self.tasks[event.job_id] = task
        pct = event.percent if event.percent is not None else self.progress.tasks[task].completed
        label = f"{event.step_index}/{event.step_count} {event.step}"
        if event.state.value == "failed":
            label = f"[red]failed[/]: {event.message or ''}"
        self.progress.update(task, completed=pct, step=label)
        if event.state.finished and self.overall is not None:
            self.progress.advance(self.overall, 1)


async def _run_with_progress(
    session: SyncSession,
    plans: list[tuple[ResourcePair, Plan]],
    side: Side,
    events: _EventSink,
) -> list[Job]:
    if events.json_output:
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


def _summarize(jobs: list[Job], refused: int, json_output: bool) -> int:
    from regionsync.cli.render import job_json, jobs_table
    from regionsync.domain import JobState

    ok = sum(1 for j in jobs if j.state is JobState.SUCCEEDED)
    failed = [j for j in jobs if j.state is JobState.FAILED]
    interrupted = [j for j in jobs if not j.state.finished]
    if json_output:
        emit_json(
            {
                "event": "summary",
                "succeeded": ok,
                "failed": len(failed),
                "interrupted": len(interrupted),
                "refused": refused,
                "jobs": [job_json(j) for j in jobs],
            }
        )
    else:
        out = _stdout()
        out.print(jobs_table(jobs))
        line = f"{ok} copied, {len(failed)} failed, {refused} refused."
        if interrupted:
            line = f"{ok} copied, {len(interrupted)} interrupted, {len(failed)} failed, {refused} refused."
        out.print(line)
        if interrupted:
            out.print("Interrupted jobs stay open: `regionsync jobs resume` continues them.")
        if failed:
            out.print(f"Details: regionsync jobs show {failed[0].id}")
    return 0 if ok == len(jobs) and not refused else 1
