"""JobTracker: the jobs the dashboard shows and the row each live one belongs to — plain values, no app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regionsync.domain import AssetKind, Job, JobState, ProgressEvent, Service, Side, SyncStatus
from regionsync.tui.job_tracker import JobTracker
from regionsync.tui.model import DiffRow, JobLine, row_key

NOW = datetime(2024, 12, 2, 15, 30, tzinfo=UTC)
DI = Service.DOCUMENT_INTELLIGENCE
TARGET = "https://wus2.example.test"
TARGETS = {"https://eus.example.test": "eastus", TARGET: "westus2"}


def job(
    job_id: str, name: str, state: JobState = JobState.RUNNING, minutes: int = 0, error: str | None = None
) -> Job:
    at = NOW - timedelta(minutes=minutes)
    return Job(
        id=job_id,
        profile="p",
        service=DI,
        kind=AssetKind.MODEL,
        api_version="2024-11-30",
        source_side=Side.PRIMARY,
        source_endpoint="https://eus.example.test",
        target_endpoint=TARGET,
        source_resource_id="/r/eus",
        target_resource_id="/r/wus2",
        source_id=name,
        asset_name=name,
        state=state,
        error=error,
        created=at,
        updated=at,
    )


def event(
    job_id: str, name: str, state: JobState = JobState.RUNNING, percent: int | None = 40
) -> ProgressEvent:
    return ProgressEvent(
        job_id=job_id, asset_name=name, step="copy", step_index=2, step_count=3, state=state, percent=percent
    )


def key(name: str) -> str:
    return row_key(DI, AssetKind.MODEL, name)


def missing_row(name: str) -> DiffRow:
    return DiffRow(
        key=key(name),
        service=DI,
        kind=AssetKind.MODEL,
        name=name,
        status=SyncStatus.MISSING,
        reason="only on the primary",
        primary=None,
        secondary=None,
    )


def nothing(job_id: str) -> Job | None:
    return None


def test_at_start_the_journal_jobs_show_and_the_unfinished_ones_are_live() -> None:
    tracker = JobTracker(TARGETS)
    jobs = [job("j1", "w2", JobState.SUCCEEDED, 10), job("j2", "receipt", JobState.RUNNING, 5)]
    lines = tracker.at_start(jobs)
    assert [line.job_id for line in lines] == ["j1", "j2"], "oldest first: the panel stacks the newest on top"
    assert lines[1].title == "copy model receipt → westus2"
    assert tracker.live == {key("receipt"): "j2"}
    assert set(tracker.info) == {"j1", "j2"}


def test_at_start_shows_every_unfinished_job_then_the_newest_finished_up_to_the_limit() -> None:
    tracker = JobTracker(TARGETS)
    jobs = [job(f"done-{n}", f"a{n}", JobState.SUCCEEDED, n) for n in range(5)] + [
        job("open", "b", minutes=99)
    ]
    lines = tracker.at_start(jobs, limit=3)
    assert {line.job_id for line in lines} == {"open", "done-0", "done-1"}


def test_an_unknown_target_is_named_by_its_endpoint() -> None:
    assert JobTracker().line_of(job("j", "w2")).target == TARGET
    assert JobTracker(TARGETS).line_of(job("j", "w2"), run_by="pid 7 on host ops-1").target == (
        "westus2 · run by pid 7 on host ops-1"
    )


def test_progress_of_a_job_read_from_the_journal_makes_its_row_live_until_it_ends() -> None:
    tracker = JobTracker(TARGETS)
    journal = {"j1": job("j1", "w2")}
    running = tracker.progress(event("j1", "w2"), NOW, None, journal.get)
    assert running.key == key("w2") and not running.finished
    assert running.line.percent == 40 and running.line.started == NOW and running.line.target == "westus2"
    assert tracker.live == {key("w2"): "j1"} and "j1" in tracker.info
    later = NOW + timedelta(seconds=30)
    done = tracker.progress(event("j1", "w2", JobState.SUCCEEDED, 100), later, running.line, nothing)
    assert done.finished and not done.failed and done.line.ended == later
    assert done.line.started == NOW, "the line on screen is carried on"
    assert tracker.live == {}


def test_progress_of_an_unknown_job_still_shows_but_belongs_to_no_row() -> None:
    tracker = JobTracker()
    seen = tracker.progress(event("ghost", "x"), NOW, None, nothing)
    assert seen.key is None and seen.line.asset_name == "x" and seen.line.percent == 40
    assert tracker.live == {}


def test_a_failed_event_says_so() -> None:
    tracker = JobTracker(TARGETS)
    failed = tracker.progress(
        event("j1", "w2", JobState.FAILED, None), NOW, None, {"j1": job("j1", "w2")}.get
    )
    assert failed.failed and failed.finished and tracker.live == {}


def test_a_live_row_carries_its_job_progress_and_others_are_left_alone() -> None:
    tracker = JobTracker(TARGETS)
    tracker.progress(event("j1", "w2", percent=62), NOW, None, {"j1": job("j1", "w2")}.get)
    shown = {"j1": JobLine(job_id="j1", asset_name="w2", percent=62, state=JobState.RUNNING)}
    copying = tracker.with_live_progress(missing_row("w2"), shown)
    assert copying.status is SyncStatus.COPYING and copying.percent == 62
    other = missing_row("receipt")
    assert tracker.with_live_progress(other, shown) is other
    in_sync = DiffRow(
        key=key("w2"),
        service=DI,
        kind=AssetKind.MODEL,
        name="w2",
        status=SyncStatus.IN_SYNC,
        reason="",
        primary=None,
        secondary=None,
    )
    assert tracker.with_live_progress(in_sync, shown) is in_sync, "a copy that already landed shows as landed"
    listing = [other, missing_row("w2")]
    overlaid = tracker.with_live_jobs(listing, shown)
    assert overlaid[0] is other and overlaid[1] == copying, "a whole listing: only the live row changes"
    assert JobTracker().with_live_jobs(listing, shown) is listing, "no live job: the listing as it is"


def test_finished_jobs_keep_the_line_on_screen_and_leave_their_rows() -> None:
    tracker = JobTracker(TARGETS)
    tracker.at_start([job("j1", "w2"), job("j2", "receipt")])
    shown = {"j1": JobLine(job_id="j1", asset_name="w2", step="copy", step_index=2, started=NOW)}
    lines = tracker.finished(
        [job("j1", "w2", JobState.SUCCEEDED), job("j2", "receipt", JobState.FAILED, error="quota")],
        NOW,
        shown,
    )
    assert lines[0].step == "copy" and lines[0].state is JobState.SUCCEEDED and lines[0].ended == NOW
    assert lines[1].error == "quota" and lines[1].target == "westus2"
    assert tracker.live == {}


def test_jobs_held_elsewhere_are_followed_until_they_end() -> None:
    tracker = JobTracker(TARGETS)
    lines = tracker.follow([(job("w1", "w2"), "pid 7 on host ops-1")], nothing)
    assert [line.target for line in lines] == ["westus2 · run by pid 7 on host ops-1"]
    assert tracker.elsewhere == {"w1"} and tracker.live == {key("w2"): "w1"}
    ended = tracker.follow([], {"w1": job("w1", "w2", JobState.SUCCEEDED)}.get)
    assert [(line.job_id, line.state, line.target) for line in ended] == [
        ("w1", JobState.SUCCEEDED, "westus2")
    ]
    assert tracker.elsewhere == set() and tracker.live == {}


def test_clear_forgets_everything() -> None:
    tracker = JobTracker(TARGETS)
    tracker.at_start([job("j1", "w2")])
    tracker.follow([(job("w1", "x"), "pid 7")], nothing)
    tracker.clear()
    assert (tracker.live, tracker.info, tracker.elsewhere) == ({}, {}, set())
    assert tracker.line_of(job("j", "w2")).target == TARGET
