"""`regionsync jobs list | show | resume | cancel`: the journal, read and acted on."""

from __future__ import annotations

from pathlib import Path

import typer

from regionsync.cli.common import PLAIN_OPTION
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
    plain: bool = PLAIN_OPTION,
) -> None:
    """List journaled jobs, newest first (in a pipe or with --plain: one line per job).

    Example:

      regionsync jobs list --state failed --state running
    """
    from regionsync.cli.render import job_json, print_jobs
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
        print_jobs(jobs, plain=plain)
    else:
        typer.echo("No jobs in the journal.", err=True)


@jobs_app.command("show")
def show(
    job_id: str = typer.Argument(..., help="The job id (see jobs list)."), json_output: bool = JSON
) -> None:
    """Show one job with every step, its operation URL and its error (the service's own words too).

    Example:

      regionsync jobs show 01m97rt84a5wx36k --json
    """
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
            elsewhere = list(session.runner.elsewhere.values())
        return _summarize(done, 0, json_output, elsewhere)

    raise typer.Exit(run_async(go))


@jobs_app.command("cancel")
def cancel(
    job_id: str = typer.Argument(..., help="The job to cancel."),
    wait: float = typer.Option(
        30.0, "--wait", help="Seconds to wait for the process running it to stop it (0: do not wait)."
    ),
) -> None:
    """Cancel a job: at once if no process runs it, else its owner stops it at its next step or poll.

    The service's operation is canceled too where the API allows it (a Language training run); a
    copy the service already accepted may still finish there — the job says what may be left.

    Example:

      regionsync jobs cancel 01m97rt84a5wx36k
    """
    import time

    from regionsync.sync.leases import Leases

    journal = _journal()
    try:
        outcome, holder = Leases(journal).request_cancel(job_id)
    except KeyError:
        typer.echo(f"No job {job_id!r} in the journal. `regionsync jobs list` shows them.", err=True)
        raise typer.Exit(2) from None
    job = journal.get_job(job_id)
    assert job is not None
    if outcome == "finished":
        typer.echo(f"Job {job_id} already {job.state.value}; nothing to cancel.", err=True)
        return
    if outcome == "canceled":
        typer.echo(f"Canceled {job_id} ({job.asset_name}): no process was running it; nothing more runs.")
        return
    assert holder is not None
    typer.echo(f"Cancel requested: {holder.owner.words()} stops job {job_id} at its next step or poll.")
    deadline = time.monotonic() + max(0.0, wait)
    while time.monotonic() < deadline:
        job = journal.get_job(job_id)
        if job is not None and job.state.finished:
            break
        time.sleep(0.2)
    job = journal.get_job(job_id)
    assert job is not None
    if job.state.finished:
        typer.echo(f"Job {job_id} {job.state.value}: {job.error or ''}".rstrip(": "))
    else:
        typer.echo(f"Still running; `regionsync jobs show {job_id}` tells when it has stopped.", err=True)
