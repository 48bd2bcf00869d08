"""`sync`'s progress on a terminal: a Rich display of the jobs at work only — a job that ends leaves
the display and a line above it — so 200 copies never make a table of 200 rows redrawn ten times a
second. Driven with a real Rich Progress on a console that says it is a terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress, TextColumn

from regionsync.cli.sync_commands import _EventSink
from regionsync.domain import JobState, ProgressEvent


def event(job: str, step: str, state: JobState = JobState.RUNNING, **kw: object) -> ProgressEvent:
    return ProgressEvent(job_id=job, asset_name=job, step=step, step_index=1, step_count=3, state=state, **kw)


def test_the_display_holds_the_jobs_at_work_and_each_ended_job_leaves_a_line() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    sink = _EventSink(json_output=False)
    columns = TextColumn("{task.description} {task.fields[step]}")
    with Progress(columns, console=console, auto_refresh=False) as p:
        sink.progress = p
        sink.overall = p.add_task("all copies", total=3, step="")
        for job in ("invoice", "receipt", "payslip"):
            sink(event(job, "authorize"))
        sink(event("invoice", "copy", percent=40))
        sink(event("invoice", "copy"))  # a step without a percentage keeps the bar where it was
        assert len(p.tasks) == 4
        assert next(t for t in p.tasks if t.description == "invoice").completed == 40
        sink(event("invoice", "done", JobState.SUCCEEDED, percent=100))
        sink(event("payslip", "copy"))  # after a job left the display, the others go on updating
        sink(event("receipt", "failed", JobState.FAILED, message="the target refused the copy"))
        down = "westus2 is unreachable — the region may be down — Check the region's health"
        sink(event("payslip", "interrupted", JobState.INTERRUPTED, message=down))
        assert [t.description for t in p.tasks] == ["all copies"], "ended jobs leave the display"
        assert p.tasks[0].completed == 2, "finished jobs count; the interrupted one stays open"
    lines = screen.getvalue()
    assert "═ invoice copied" in lines
    assert "✗ receipt failed: the target refused the copy" in lines
    assert "✗ payslip interrupted: westus2 is unreachable\n" in lines, "what happened, in one short line"
    assert "Check the region" not in lines, "the advice is the summary's, once, not every job's"
