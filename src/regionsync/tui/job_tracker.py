"""JobTracker: which copy job each asset row shows, and the jobs panel's lines — pure, no Textual.

The dashboard learns about jobs four ways: the journal at start (`at_start`), the runner's progress
events (`progress`), a batch of jobs ending (`finished`) and the journal's jobs that another live
process holds (`follow`). Each returns the `JobLine`s the jobs panel should show; the tracker keeps
which job is live on which row (`live`: row key → job id, so a refresh overlays the copy's progress
on the listing), the journaled jobs it has read (`info`) and the jobs followed elsewhere.

It never reads the journal itself: whatever it needs from there (a job by id) is a lookup the caller
passes in, and the lines already on screen are passed in as a mapping (the panel's own), so the app
stays the only place with I/O and the tracker is tested with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from regionsync.domain import Job, JobState, ProgressEvent, SyncStatus
from regionsync.tui.model import DiffRow, JobLine, job_line, jobs_to_show, row_key

JobLookup = Callable[[str], Job | None]
"""A job by id (the journal's `get_job`), or None when it is not known."""

JOURNAL_JOBS_AT_START = 20
"""How many journaled jobs the panel shows at start (every unfinished one, then the newest finished)."""


@dataclass(frozen=True)
class Progress:
    """What one progress event means for the screen: the job's new line, and the row it belongs to."""

    line: JobLine
    key: str | None
    """The asset row's key (None when the job's service or kind is not known yet)."""

    @property
    def finished(self) -> bool:
        return self.line.state.finished

    @property
    def failed(self) -> bool:
        return self.line.state is JobState.FAILED


class JobTracker:
    """The jobs the dashboard shows and which asset row each live one belongs to."""

    def __init__(self, targets: Mapping[str, str] | None = None) -> None:
        self.live: dict[str, str] = {}
        """Row key → id of the job copying it right now (progress overlays the listing)."""
        self.info: dict[str, Job] = {}
        """Journaled jobs read so far, by id."""
        self.elsewhere: set[str] = set()
        """Jobs another live process holds, followed from the journal."""
        self._targets: dict[str, str] = dict(targets or {})

    def set_targets(self, targets: Mapping[str, str]) -> None:
        """Target endpoint → the label a job line says (the region), for the open profile."""
        self._targets = dict(targets)

    def clear(self) -> None:
        """Forget every job (another profile is opened)."""
        self.live.clear()
        self.info.clear()
        self.elsewhere.clear()
        self._targets.clear()

    def target_label(self, job: Job) -> str:
        return self._targets.get(job.target_endpoint, job.target_endpoint)

    def line_of(self, job: Job, *, run_by: str = "") -> JobLine:
        """A journaled job as the panel shows it (`run_by`: the other process holding it)."""
        label = self.target_label(job)
        return job_line(job, f"{label} · run by {run_by}" if run_by else label)

    def at_start(self, jobs: Iterable[Job], limit: int = JOURNAL_JOBS_AT_START) -> list[JobLine]:
        """The journal's jobs to show when the dashboard opens (unfinished ones become live)."""
        lines = []
        for job in jobs_to_show(jobs, limit):
            self.info[job.id] = job
            lines.append(self.line_of(job))
            if not job.state.finished:
                self.live[row_key(job.service, job.kind, job.asset_name)] = job.id
        return lines

    def with_live_progress(self, row: DiffRow, shown: Mapping[str, JobLine]) -> DiffRow:
        """`row` with the progress of the job copying it, if any (`shown`: the panel's lines)."""
        job_id = self.live.get(row.key)
        if job_id is None or row.status in (SyncStatus.IN_SYNC, SyncStatus.UNKNOWN):
            return row
        return row.with_job(shown.get(job_id))

    def with_live_jobs(self, rows: list[DiffRow], shown: Mapping[str, JobLine]) -> list[DiffRow]:
        """`rows` (a whole listing) each `with_live_progress`: only the few rows with a live job change."""
        live = self.live
        if not live:
            return rows
        return [self.with_live_progress(row, shown) if row.key in live else row for row in rows]

    def progress(
        self, event: ProgressEvent, now: datetime, shown: JobLine | None, lookup: JobLookup
    ) -> Progress:
        """One runner event: the job's line after it (`shown`: the line on screen, if any)."""
        line = shown
        if line is None:
            job = self.info.get(event.job_id) or lookup(event.job_id)
            if job is not None:
                self.info[job.id] = job
                line = replace(self.line_of(job), started=now, ended=None)
            else:
                line = JobLine(job_id=event.job_id, asset_name=event.asset_name, started=now)
        line = line.apply(event, now)
        if line.kind is None or line.service is None:
            return Progress(line, None)
        key = row_key(line.service, line.kind, line.asset_name)
        if event.state.finished:
            self.live.pop(key, None)
        else:
            self.live[key] = event.job_id
        return Progress(line, key)

    def finished(self, jobs: Iterable[Job], now: datetime, shown: Mapping[str, JobLine]) -> list[JobLine]:
        """Jobs this process ran have ended: their final lines (a known line keeps its steps)."""
        lines = []
        for job in jobs:
            self.info[job.id] = job
            known = shown.get(job.id)
            line = self.line_of(job)
            if known is not None:
                line = replace(known, state=job.state, error=job.error or "", ended=known.ended or now)
            lines.append(line)
            self.live.pop(row_key(job.service, job.kind, job.asset_name), None)
        return lines

    def follow(self, held: Iterable[tuple[Job, str]], lookup: JobLookup) -> list[JobLine]:
        """The jobs another live process holds now (`held`: each with its holder's words), and the
        final lines of those followed before that ended (or were let go) since."""
        followed = set(self.elsewhere)
        self.elsewhere.clear()
        lines = []
        for job, run_by in held:
            self.elsewhere.add(job.id)
            lines.append(self.line_of(job, run_by=run_by))
            self.live[row_key(job.service, job.kind, job.asset_name)] = job.id
        for job_id in followed - self.elsewhere:
            ended = lookup(job_id)
            if ended is not None:
                lines.append(self.line_of(ended))
                self.live.pop(row_key(ended.service, ended.kind, ended.asset_name), None)
        return lines
