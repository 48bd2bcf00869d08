"""JobsPanel: one row per copy job with a live bar (percent, step k/n, elapsed, state).

Rows are keyed by job id and updated in place, newest first (a new job appears at the top and the
panel scrolls to it); a failed job keeps its row, with the reason, until a later job of the same
asset succeeds: then it is history (dimmed, not counted as failed). A
progress update repaints only the bar and the job's info cell (fixed sizes: no relayout), so 50 jobs
reporting many times a second leave the rest of the screen alone. A row scrolled out of the panel's
view is not repainted for progress at all: it keeps the latest line and catches up when it scrolls back
into view (a change of state — done, failed, interrupted — is always shown at once, since it can
change the row's height).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.renderables.bar import Bar as BarRenderable
from textual.widget import Widget
from textual.widgets import Label, Static

from regionsync.domain import JobState
from regionsync.tui.model import JobLine, short_words

EMPTY_TEXT = "No jobs yet — c copies the selected asset, s syncs everything missing."


def _widget_id(job_id: str) -> str:
    return "job-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in job_id)


def _shape(line: JobLine) -> tuple[object, ...]:
    """What can change a row's look beyond its bar and info text (and its height: an error shows)."""
    return line.title, line.state, line.interrupted, line.error, line.superseded


class JobInfo(Widget):
    """`62%  step 2/3 copy · 0:41` — repainted in place, never relaid out."""

    DEFAULT_CSS = """
    JobInfo { width: 32; height: 1; margin-left: 1; color: $text-muted; }
    """

    text: reactive[str] = reactive("", layout=False)

    def render(self) -> RenderResult:
        return Text(self.text, no_wrap=True, overflow="ellipsis", justify="right")


class JobBar(Widget):
    """`━━━━━━━━━━╸━━━━━━━━━` — a job's percent as a bar of `━` cells (half cells at the edge), drawn with
    Textual's public bar renderable: no ETA, no timer, nothing but a repaint when the percent moves."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"job-bar--bar", "job-bar--complete"}
    DEFAULT_CSS = """
    JobBar { width: 1fr; height: 1; }
    JobBar > .job-bar--bar { color: $job-running; background: $surface; }
    JobBar > .job-bar--complete { color: $job-done; background: $surface; }
    """

    percent: reactive[int] = reactive(0, layout=False)
    """0-100."""

    def render(self) -> RenderResult:
        width = self.size.width
        fraction = max(0, min(100, self.percent)) / 100
        style = self.get_component_rich_style("job-bar--complete" if fraction >= 1 else "job-bar--bar")
        return BarRenderable(
            highlight_range=(0, width * fraction),
            highlight_style=Style.from_color(style.color),
            background_style=Style.from_color(style.bgcolor),
        )


class JobRow(Horizontal):
    """`copy model w2-2023 → westus2   ██████████▌          62%  step 2/3 copy · 0:41`."""

    DEFAULT_CSS = """
    JobRow { height: auto; max-height: 3; padding: 0 1; }
    JobRow > .title {
        width: 2fr; max-width: 44; height: 1; margin-right: 1; text-overflow: ellipsis; text-wrap: nowrap;
    }
    JobRow > .error {
        width: 1fr; height: 1; color: $job-failed; display: none; text-wrap: nowrap; text-overflow: ellipsis;
    }
    JobRow.-failed > JobBar, JobRow.-interrupted > JobBar { display: none; }
    JobRow.-failed > .error, JobRow.-interrupted > .error { display: block; }
    JobRow.-interrupted > .error { color: $warning; }
    JobRow.-failed > JobInfo { color: $job-failed; text-style: bold; }
    JobRow.-interrupted > JobInfo { color: $warning; text-style: bold; }
    JobRow.-done > JobInfo { color: $job-done; }
    JobRow.-superseded > .error, JobRow.-superseded > JobInfo { color: $text-muted; text-style: none; }
    """

    def __init__(self, line: JobLine, now: datetime | None = None) -> None:
        super().__init__(id=_widget_id(line.job_id))
        self.line = line
        self._now = now
        self._shown: JobLine | None = None
        self._composed_title = line.title
        self._bar: JobBar | None = None
        self._info: JobInfo | None = None
        self.stale = False
        """The line changed while the row was out of view: `show` it when it comes back."""

    @property
    def now(self) -> datetime | None:
        """The time of the latest line given to the row."""
        return self._now

    def compose(self) -> ComposeResult:
        self._composed_title = self.line.title
        yield Label(self.line.title, classes="title", markup=False)
        yield JobBar()
        yield Static("", classes="error", markup=False)
        yield JobInfo()

    def on_mount(self) -> None:
        self._bar = self.query_one(JobBar)
        self._info = self.query_one(JobInfo)
        self.show(self.line, self._now)

    def show(self, line: JobLine, now: datetime | None, *, in_view: bool = True) -> None:
        """Show `line` (before the row's children exist, it is kept for `on_mount`). Out of view, a line
        that only moves the progress or the elapsed time is kept, not painted (`stale`)."""
        shown = self._shown
        self.line = line
        self._now = now
        if self._bar is None or self._info is None:
            return
        if not in_view and shown is not None and _shape(shown) == _shape(line):
            self.stale = True
            return
        self.stale = False
        before = shown
        self._shown = line
        if (before.title if before is not None else self._composed_title) != line.title:
            self.query_one(".title", Label).update(line.title)
        if before is None or before.bar_percent != line.bar_percent:
            self._bar.percent = line.bar_percent
        failed = line.state is JobState.FAILED
        interrupted = line.interrupted and not failed
        if before is None or (before.state, before.interrupted, before.error, before.superseded) != (
            line.state,
            line.interrupted,
            line.error,
            line.superseded,
        ):
            self.set_class(failed, "-failed")
            self.set_class(interrupted, "-interrupted")
            self.set_class(failed and line.superseded, "-superseded")
            self.set_class(line.state is JobState.SUCCEEDED, "-done")
            if failed and line.superseded:
                self.query_one(".error", Static).update("failed earlier; a later copy succeeded")
            elif failed:
                said = f"failed: {short_words(line.error)}" if line.error else "failed: j shows why"
                self._say(said, line.error)
            elif interrupted:
                waiting = "resumes when the region answers"
                self._say(short_words(line.error) if line.error else waiting, line.error)
        elapsed = line.elapsed(now) if now is not None else ""
        percent = f"{line.bar_percent}%  " if not (failed or interrupted) else ""
        self._info.text = percent + line.step_words() + (f" · {elapsed}" if elapsed else "")


    def _say(self, short: str, full: str) -> None:
        """The row's one short line (what + what to do); the whole message as its tooltip."""
        error = self.query_one(".error", Static)
        error.update(short)
        error.tooltip = full or None


class JobsPanel(VerticalScroll):
    """Every job of this session (and the journaled ones shown at start), newest first."""

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
        self._rows: dict[str, JobRow] = {}
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Static(EMPTY_TEXT, id="jobs-empty", markup=False)

    @property
    def lines(self) -> dict[str, JobLine]:
        return self._lines

    def upsert(self, line: JobLine, now: datetime) -> None:
        """Show `line`: a new row for a new job, the same row updated for a known one."""
        before = self._lines.get(line.job_id)
        line = replace(line, superseded=self._superseded(line))
        self._lines[line.job_id] = line
        self._now = now
        row = self._rows.get(line.job_id)
        if row is not None:
            row.show(line, now, in_view=self._in_view(row))
        else:
            first = next(iter(self._newest_first()), None)
            if first is None:
                self.query("#jobs-empty").remove()
            row = self._rows[line.job_id] = JobRow(line, now)
            if first is None:
                self.mount(row)
            else:
                self.mount(row, before=first)
            self.scroll_home(animate=False)  # follow the new job
        if line.state is JobState.SUCCEEDED:
            self._supersede(line)
        if before is None or (before.state, before.interrupted) != (line.state, line.interrupted):
            self._retitle()

    def _same_asset(self, a: JobLine, b: JobLine) -> bool:
        return (a.service, a.kind, a.asset_name) == (b.service, b.kind, b.asset_name)

    def _superseded(self, line: JobLine) -> bool:
        """A failed line with a later succeeded job of the same asset."""
        if line.state is not JobState.FAILED or line.started is None:
            return False
        return any(
            other.state is JobState.SUCCEEDED
            and other.started is not None
            and other.started > line.started
            and self._same_asset(other, line)
            for other in self._lines.values()
        )

    def _supersede(self, done: JobLine) -> None:
        """`done` succeeded: earlier failed jobs of its asset become history."""
        for job_id, other in list(self._lines.items()):
            if other.state is JobState.FAILED and not other.superseded and self._superseded(other):
                marked = self._lines[job_id] = replace(other, superseded=True)
                row = self._rows.get(job_id)
                if row is not None:
                    row.show(marked, self._now)

    def _newest_first(self) -> list[JobRow]:
        """The rows as stacked: the newest on top."""
        return list(reversed(self._rows.values()))

    def tick(self, now: datetime) -> None:
        """Move the elapsed times of running jobs on."""
        self._now = now
        for row, in_view in self._placed():
            if not row.line.state.finished:
                row.show(row.line, now, in_view=in_view)

    def _placed(self) -> Iterator[tuple[JobRow, bool]]:
        """Each row, and whether any line of it is in the panel's view (rows are stacked in order; one
        not laid out yet counts as in view)."""
        top = int(self.scroll_offset.y)
        bottom = top + self.scrollable_content_region.height
        y = 0
        for row in self._newest_first():
            height = row.outer_size.height
            yield row, not height or (y < bottom and y + height > top)
            y += height

    def _in_view(self, row: JobRow) -> bool:
        return next((in_view for other, in_view in self._placed() if other is row), True)

    def _catch_up(self) -> None:
        """Paint the rows that came into view with the lines they were given meanwhile."""
        for row, in_view in self._placed():
            if row.stale and in_view:
                row.show(row.line, self._now if self._now is not None else row.now)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._catch_up()

    def on_resize(self) -> None:
        self._catch_up()

    def _retitle(self) -> None:
        running = sum(1 for line in self._lines.values() if not line.state.finished and not line.interrupted)
        failed = sum(
            1 for line in self._lines.values() if line.state is JobState.FAILED and not line.superseded
        )
        parts = ["Jobs"]
        if running:
            parts.append(f"{running} running")
        if failed:
            parts.append(f"{failed} failed")
        title = " · ".join(parts)
        if title != self.border_title:
            self.border_title = title
