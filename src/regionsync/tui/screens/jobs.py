"""JobsScreen (`j`): the journal's jobs of this profile, newest first, and the steps of the selected one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from regionsync import present
from regionsync.domain import Job, JobState
from regionsync.tui.messages import JobAction
from regionsync.tui.screens.details import job_text

_STATE_STYLE = {
    JobState.SUCCEEDED: "green",
    JobState.FAILED: "bold red",
    JobState.RUNNING: "blue",
    JobState.PENDING: "yellow",
    JobState.INTERRUPTED: "bold yellow",
    JobState.CANCELED: "dim",
}


class JobsScreen(ModalScreen[None]):
    """Every journaled job (up to the app's limit); escape closes."""

    DEFAULT_CSS = """
    JobsScreen { align: center middle; }
    JobsScreen > Vertical {
        width: 96%; max-width: 140; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    JobsScreen #jobs-title { text-style: bold; color: $accent; }
    JobsScreen DataTable { height: 1fr; }
    JobsScreen VerticalScroll { height: 40%; border-top: solid $panel-lighten-2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,j", "close", "Close", tooltip="Back to the diff.", id="jobs-close"),
        Binding("r", "job('resume')", "Resume", tooltip="Continue the selected job.", id="resume"),
        Binding("x", "job('cancel')", "Cancel job", tooltip="Cancel the selected job.", id="cancel"),
    ]

    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = {job.id: job for job in jobs}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Jobs in the journal ({len(self.jobs)}), newest first", id="jobs-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="jobs-table")
            with VerticalScroll():
                yield Static("", id="job-steps")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("state", "asset", "direction", "last step", "updated", "error"):
            table.add_column(label, key=label)
        for job in self.jobs.values():
            last = job.steps[-1].name if job.steps else ""
            table.add_row(
                Text(job.state.value, style=_STATE_STYLE.get(job.state, "")),
                Text(f"{job.kind.value} {job.asset_name}"),
                Text(f"{job.source_side.value} → {job.source_side.other.value}"),
                Text(last),
                Text(present.to_second(job.updated)),
                Text(job.error or "", style="red"),
                key=job.id,
            )
        if not self.jobs:
            self.query_one("#job-steps", Static).update("The journal holds no job for this profile yet.")
        table.focus()

    @on(DataTable.RowHighlighted)
    def _show(self, event: DataTable.RowHighlighted) -> None:
        job = self.jobs.get(str(event.row_key.value))
        self.query_one("#job-steps", Static).update(job_text(job))
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss(None)

    def selected(self) -> Job | None:
        table = self.query_one(DataTable)
        if not self.jobs or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        return self.jobs.get(str(key.value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "job":
            job = self.selected() if self.is_mounted else None
            return job is not None and not job.state.finished
        return True

    def action_job(self, what: str) -> None:
        """Resume or cancel the selected job: the app does it (the journal and the runner are its)."""
        job = self.selected()
        if job is not None and not job.state.finished:
            self.app.post_message(JobAction(what, job.id))
            self.dismiss(None)
