"""`regionsync jobs list | show | resume | cancel`: the journal, read and acted on."""

from __future__ import annotations

from pathlib import Path

import typer

from regionsync.cli.options import CONFIG, JSON, PROFILE, emit_json, open_session, run_async

jobs_app = typer.Typer(
    name="jobs",
    help="Journaled copy jobs: list them, show one, resume the interrupted ones, cancel.",
    no_args_is_help=True,
)


def _journal():  # type: ignore[no-untyped-def]
    from regionsync.cli.journal import open_journal

    return open_journal()


@jobs_app.command("list")
def list_jobs(
    profile: str | None = PROFILE,
    state: list[str] | None = typer.Option(None, "--state", help="Only jobs in this state (repeat)."),
    limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
    json_output: bool = JSON,
) -> None:
    """List journaled jobs, newest first.

    Example:

      regionsync jobs list --state failed --state running
    """
    from regionsync.cli.common import console
    from regionsync.cli.render import job_json, jobs_table
    from regionsync.domain import JobState

    try:
        states = {JobState(s) for s in state} if state else None
    except ValueError:
        raise typer.BadParameter(
            "use pending, running, interrupted, succeeded, failed or canceled", param_hint="--state"
        ) from None
    jobs = _journal().list_jobs(states=states, profile=profile, limit=limit)
    if json_output:
        emit_json({"jobs": [job_json(j) for j in jobs]})
    elif jobs:
        console().print(jobs_table(jobs))
    else:
        typer.echo("No jobs in the journal.", err=True)


@jobs_app.command("show")
def show(
    job_id: str = typer.Argument(..., help="The job id (see jobs list)."), json_output: bool = JSON
) -> None:
    """Show one job with every step, its operation URL and its error."""
    from regionsync.cli.common import console
    from regionsync.cli.render import job_detail, job_json

    job = _journal().get_job(job_id)
    if job is None:
        typer.echo(f"No job {job_id!r} in the journal. `regionsync jobs list` shows them.", err=True)
        raise typer.Exit(2)
    if json_output:
        emit_json(job_json(job, steps=True))
    else:
        console().print(job_detail(job))


@jobs_app.command("resume")
def resume(
    job_ids: list[str] | None = typer.Argument(None, help="Jobs to resume (default: every unfinished one)."),
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    json_output: bool = JSON,
) -> None:
    """Finish the jobs that were in flight when regionsync stopped.

    A recorded operation is polled again, never started twice; a copy whose answer was lost is
    looked for before anything is retried; an authorization is never reused.

    Example:

      regionsync jobs resume
    """
    from regionsync.cli.sync_commands import _EventSink, _summarize

    async def go() -> int:
        events = _EventSink(json_output)
        async with open_session(config, profile, None, on_event=events) as session:
            if job_ids:
                jobs = []
                for jid in job_ids:
                    job = session.journal.get_job(jid)
                    if job is None:
                        typer.echo(f"No job {jid!r} in the journal.", err=True)
                        return 2
                    jobs.append(job)
            else:
                jobs = session.journal.unfinished_jobs(session.profile_name)
            if not jobs:
                typer.echo("No unfinished jobs.", err=True)
                return 0
            done = await session.resume(jobs)
        return _summarize(done, 0, json_output)

    raise typer.Exit(run_async(go))


@jobs_app.command("cancel")
def cancel(job_id: str = typer.Argument(..., help="The job to cancel.")) -> None:
    """Stop tracking a job. A copy the service already started may still finish there."""
    from regionsync.domain import JobState

    journal = _journal()
    job = journal.get_job(job_id)
    if job is None:
        typer.echo(f"No job {job_id!r} in the journal.", err=True)
        raise typer.Exit(2)
    if job.state.finished:
        typer.echo(f"Job {job_id} already {job.state.value}; nothing to cancel.", err=True)
        return
    journal.update_job(job_id, state=JobState.CANCELED, error="canceled by the user")
    typer.echo(
        f"Canceled {job_id}. If the service had started the copy, `regionsync status` shows its outcome."
    )
