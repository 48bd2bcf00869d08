"""JobsPanel: one row per copy job with a live ProgressBar (percent, step k/n, elapsed, state).

Rows are keyed by job id and updated in place; a failed job keeps its row, with the reason.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, ProgressBar, Static

from regionsync.domain import JobState
from regionsync.tui.model import JobLine

EMPTY_TEXT = "No jobs yet — c copies the selected asset, s syncs everything missing."


def _widget_id(job_id: str) -> str:
    return "job-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in job_id)


class JobRow(Horizontal):
    """`copy model w2-2023 → westus2   ██████▌   62%   step 3/4 poll · 0:41`."""

    DEFAULT_CSS = """
    JobRow { height: auto; max-height: 3; padding: 0 1; }
    JobRow > .title { width: 2fr; max-width: 44; height: 1; text-overflow: ellipsis; text-wrap: nowrap; }
    JobRow > ProgressBar { width: 1fr; height: 1; }
    JobRow > ProgressBar > Bar { width: 1fr; }
    JobRow > ProgressBar > Bar > .bar--bar { color: $job-running; }
    JobRow > ProgressBar > Bar > .bar--complete { color: $job-done; }
    JobRow > .error { width: 1fr; height: auto; max-height: 3; color: $job-failed; display: none; }
    JobRow > .info { width: 24; height: 1; text-align: right; color: $text-muted; text-wrap: nowrap; }
    JobRow.-failed > ProgressBar, JobRow.-interrupted > ProgressBar { display: none; }
    JobRow.-failed > .error, JobRow.-interrupted > .error { display: block; }
    JobRow.-interrupted > .error { color: $warning; }
    JobRow.-failed > .info { color: $job-failed; text-style: bold; }
    JobRow.-interrupted > .info { color: $warning; text-style: bold; }
    JobRow.-done > .info { color: $job-done; }
    """

    def __init__(self, line: JobLine, now: datetime | None = None) -> None:
        super().__init__(id=_widget_id(line.job_id))
        self.line = line
        self._now = now

    def compose(self) -> ComposeResult:
        yield Label(self.line.title, classes="title", markup=False)
        yield ProgressBar(total=100, show_eta=False, show_percentage=True)
        yield Static("", classes="error", markup=False)
        yield Label("", classes="info", markup=False)

    def on_mount(self) -> None:
        self.show(self.line, self._now)

    def show(self, line: JobLine, now: datetime | None) -> None:
        """Show `line` (before the row's children exist, it is kept for `on_mount`)."""
        self.line = line
        self._now = now
        if not self.children:
            return
        self.query_one(".title", Label).update(line.title)
        self.query_one(ProgressBar).update(progress=line.bar_percent)
        failed = line.state is JobState.FAILED
        self.set_class(failed, "-failed")
        self.set_class(line.state is JobState.SUCCEEDED, "-done")
        self.set_class(line.interrupted and not failed, "-interrupted")
        if failed:
            self.query_one(".error", Static).update(f"failed: {line.error or 'see the jobs screen (j)'}")
        elif line.interrupted:
            waiting = "interrupted: resumes when the region answers again"
            self.query_one(".error", Static).update(line.error or waiting)
        elapsed = line.elapsed(now) if now is not None else ""
        info = line.step_words() + (f" · {elapsed}" if elapsed else "")
        self.query_one(".info", Label).update(info)


class JobsPanel(VerticalScroll):
    """Every job of this session (and the journaled ones shown at start), oldest first."""

    DEFAULT_CSS = """
    JobsPanel {
        height: 30%;
        min-height: 4;
        max-height: 14;
        border-top: solid $panel-lighten-2;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
    }
    JobsPanel > #jobs-empty { color: $text-muted; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="jobs")
        self.border_title = "Jobs"
        self._lines: dict[str, JobLine] = {}

    def compose(self) -> ComposeResult:
        yield Static(EMPTY_TEXT, id="jobs-empty", markup=False)

    @property
    def lines(self) -> dict[str, JobLine]:
        return self._lines

    def upsert(self, line: JobLine, now: datetime) -> None:
        """Show `line`: a new row for a new job, the same row updated for a known one."""
        known = line.job_id in self._lines
        self._lines[line.job_id] = line
        if known:
            row = self.query(f"#{_widget_id(line.job_id)}")
            if row:
                row.first(JobRow).show(line, now)
        else:
            self.query("#jobs-empty").remove()
            self.mount(JobRow(line, now))
        self._retitle()

    def tick(self, now: datetime) -> None:
        """Move the elapsed times of running jobs on."""
        for row in self.query(JobRow):
            if not row.line.state.finished:
                row.show(row.line, now)

    def _retitle(self) -> None:
        running = sum(1 for line in self._lines.values() if not line.state.finished)
        failed = sum(1 for line in self._lines.values() if line.state is JobState.FAILED)
        parts = ["Jobs"]
        if running:
            parts.append(f"{running} running")
        if failed:
            parts.append(f"{failed} failed")
        self.border_title = " · ".join(parts)
