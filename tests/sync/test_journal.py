"""The SQLite journal: round trips, ordering, resumable jobs, the id map, secrets, concurrency, kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regionsync.domain import AssetKind, Job, JobState, Service, Side
from regionsync.sync.journal import SCHEMA_VERSION, Journal, new_job_id, redact_text, scrub_detail

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
ACCOUNTS = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts"
TARGET = "http://127.0.0.1:7002/contoso-di-wus"
ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.SECRET-ACCESS-TOKEN-4f1d9a"
SUBSCRIPTION_KEY = "0123456789abcdef0123456789abcdef"


class Ticker:
    """A clock for the journal: every reading one second after the previous."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def make_job(name: str = "invoice", *, created: datetime = T0, profile: str = "contoso", **kw: object) -> Job:
    fields: dict[str, object] = {
        "id": "",
        "profile": profile,
        "service": Service.DOCUMENT_INTELLIGENCE,
        "kind": AssetKind.MODEL,
        "api_version": "2024-11-30",
        "source_side": Side.PRIMARY,
        "source_endpoint": "http://127.0.0.1:7001/contoso-di-eus",
        "target_endpoint": TARGET,
        "source_resource_id": f"{ACCOUNTS}/eus",
        "target_resource_id": f"{ACCOUNTS}/wus",
        "source_id": name,
        "asset_name": name,
        "created": created,
        "updated": created,
    }
    fields.update(kw)
    return Job.model_validate(fields)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "data" / "journal.sqlite3", now=Ticker())
    yield j
    j.close()


def test_a_job_and_its_steps_round_trip(journal: Journal) -> None:
    job = journal.create_job(make_job())
    assert len(job.id) == 16 and job.state is JobState.PENDING

    journal.update_job(job.id, state=JobState.RUNNING)
    journal.start_step(job.id, 0, "authorize", detail={"targetModelId": "invoice"})
    journal.finish_step(job.id, 0, state=JobState.SUCCEEDED, detail={"expires": "2025-03-02T12:00:00Z"})
    started = journal.start_step(job.id, 1, "copy")
    assert started.state is JobState.RUNNING and started.started is not None
    url = "http://127.0.0.1:7001/contoso-di-eus/documentintelligence/operations/op-1?api-version=2024-11-30"
    journal.record_operation(job.id, 1, url)
    journal.finish_step(job.id, 1, state=JobState.RUNNING, percent=40)
    journal.finish_step(job.id, 1, state=JobState.SUCCEEDED, percent=100)
    journal.update_job(job.id, state=JobState.SUCCEEDED, target_id="invoice")

    again = journal.get_job(job.id)
    assert again is not None
    assert again.state is JobState.SUCCEEDED and again.target_id == "invoice"
    assert again.created == T0 and again.updated > T0
    assert [(s.index, s.name, s.state) for s in again.steps] == [
        (0, "authorize", JobState.SUCCEEDED),
        (1, "copy", JobState.SUCCEEDED),
    ]
    authorize, copy = again.steps
    assert authorize.detail == {"targetModelId": "invoice", "expires": "2025-03-02T12:00:00Z"}
    assert copy.operation_url == url and copy.percent == 100
    assert copy.started is not None and copy.finished is not None and copy.finished > copy.started
    assert journal.get_job("nope") is None


def test_a_running_progress_update_does_not_finish_the_step(journal: Journal) -> None:
    job = journal.create_job(make_job())
    journal.start_step(job.id, 2, "poll")
    journal.finish_step(job.id, 2, state=JobState.RUNNING, percent=55)
    (step,) = journal.get_job(job.id).steps
    assert step.state is JobState.RUNNING and step.percent == 55 and step.finished is None


def test_restarting_a_step_resets_its_outcome_but_keeps_its_operation(journal: Journal) -> None:
    job = journal.create_job(make_job())
    journal.start_step(job.id, 1, "copy")
    journal.record_operation(job.id, 1, "http://h/operations/1")
    journal.finish_step(job.id, 1, state=JobState.FAILED, error="The service did not answer.")
    journal.start_step(job.id, 1, "copy")
    (step,) = journal.get_job(job.id).steps
    assert step.state is JobState.RUNNING and step.error is None and step.finished is None
    assert step.operation_url == "http://h/operations/1"


def test_writes_about_unknown_jobs_or_steps_are_refused(journal: Journal) -> None:
    with pytest.raises(KeyError):
        journal.update_job("missing", state=JobState.FAILED)
    job = journal.create_job(make_job())
    with pytest.raises(KeyError):
        journal.record_operation(job.id, 9, "http://h/operations/1")
    with pytest.raises(KeyError):
        journal.finish_step(job.id, 9, state=JobState.SUCCEEDED)


def test_jobs_are_listed_newest_first_and_filtered(journal: Journal) -> None:
    ids = []
    for i, (profile, state) in enumerate(
        [
            ("contoso", JobState.SUCCEEDED),
            ("fabrikam", JobState.RUNNING),
            ("contoso", JobState.FAILED),
            ("contoso", JobState.PENDING),
        ]
    ):
        ids.append(
            journal.create_job(make_job(f"m{i}", created=T0 + timedelta(minutes=i), profile=profile)).id
        )
        journal.update_job(ids[-1], state=state)

    assert [j.id for j in journal.list_jobs()] == ids[::-1]
    assert [j.id for j in journal.list_jobs(profile="contoso")] == [ids[3], ids[2], ids[0]]
    assert [j.id for j in journal.list_jobs(states={JobState.FAILED, JobState.SUCCEEDED})] == [ids[2], ids[0]]
    assert [j.id for j in journal.list_jobs(limit=2)] == [ids[3], ids[2]]
    assert journal.list_jobs(states=set()) == []
    # Oldest first: the order to resume them in.
    assert [j.id for j in journal.unfinished_jobs()] == [ids[1], ids[3]]
    assert [j.id for j in journal.unfinished_jobs("contoso")] == [ids[3]]


def test_active_job_for_refuses_a_second_copy_of_the_same_asset(journal: Journal) -> None:
    args = ("contoso", Service.DOCUMENT_INTELLIGENCE, AssetKind.MODEL, "invoice", TARGET)
    assert journal.active_job_for(*args) is None
    job = journal.create_job(make_job("invoice"))
    journal.create_job(make_job("receipt"))
    assert journal.active_job_for(*args).id == job.id
    # Another target, kind or profile is another asset.
    assert (
        journal.active_job_for("contoso", Service.DOCUMENT_INTELLIGENCE, AssetKind.MODEL, "invoice", "x")
        is None
    )
    assert (
        journal.active_job_for(
            "contoso", Service.DOCUMENT_INTELLIGENCE, AssetKind.CLASSIFIER, "invoice", TARGET
        )
        is None
    )
    assert (
        journal.active_job_for("fabrikam", Service.DOCUMENT_INTELLIGENCE, AssetKind.MODEL, "invoice", TARGET)
        is None
    )
    journal.update_job(job.id, state=JobState.FAILED, error="Authorization expired.")
    assert journal.active_job_for(*args) is None
    journal.update_job(job.id, state=JobState.RUNNING)  # resumed: active again, the old error gone
    resumed = journal.active_job_for(*args)
    assert resumed is not None and resumed.id == job.id and resumed.error is None


def test_the_id_map_remembers_v21_guids_per_resource_pair_in_both_directions(journal: Journal) -> None:
    pair = {
        "service": Service.DOCUMENT_INTELLIGENCE,
        "source_resource_id": "src",
        "target_resource_id": "tgt",
    }
    copy = {"source_changed": None}
    journal.record_lineage(**pair, **copy, source_id="guid-a", target_id="guid-a2", asset_name="invoice")
    journal.record_lineage(**pair, **copy, source_id="guid-b", target_id="guid-b2", asset_name="receipt")
    journal.record_lineage(**pair, **copy, source_id="guid-a", target_id="guid-a3", asset_name="invoice")
    journal.record_lineage(
        service=Service.DOCUMENT_INTELLIGENCE,
        source_resource_id="src",
        target_resource_id="elsewhere",
        source_id="guid-a",
        source_changed=None,
        target_id="guid-x",
        asset_name="invoice",
    )
    assert journal.id_map(**pair) == {"guid-a": "guid-a3", "guid-b": "guid-b2"}
    # fail-back reads the same lineage the other way round
    back = {**pair, "source_resource_id": "tgt", "target_resource_id": "src"}
    assert journal.id_map(**back) == {"guid-a3": "guid-a", "guid-b2": "guid-b"}
    assert journal.id_map(service=Service.LANGUAGE, source_resource_id="src", target_resource_id="tgt") == {}


def test_no_access_token_or_key_ever_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    job = journal.create_job(make_job())
    authorization = {
        "targetResourceId": "/subscriptions/s/accounts/wus",
        "targetModelId": "invoice",
        "accessToken": ACCESS_TOKEN,
        "expirationDateTime": "2025-03-02T12:00:00Z",
    }
    journal.start_step(
        job.id,
        0,
        "authorize",
        detail={
            "copyAuthorization": authorization,
            "authorization": {"nested": [{"access_token": ACCESS_TOKEN}]},
            "request": {"headers": {"Ocp-Apim-Subscription-Key": SUBSCRIPTION_KEY}},
            "apiKey": SUBSCRIPTION_KEY,
            "clientSecret": SUBSCRIPTION_KEY,
            "targetModelId": "invoice",
            "note": f"sent with Authorization: Bearer {ACCESS_TOKEN}",
        },
    )
    journal.finish_step(
        job.id,
        0,
        state=JobState.FAILED,
        detail={"echo": [authorization], "sasToken": ACCESS_TOKEN},
        error=f"401 for key={SUBSCRIPTION_KEY}&x=1 (Ocp-Apim-Subscription-Key: {SUBSCRIPTION_KEY})",
        operation_url=f"https://h/operations/1?api-version=2024-11-30&sig={ACCESS_TOKEN}",
    )
    journal.update_job(job.id, state=JobState.FAILED, error=f'body {{"accessToken": "{ACCESS_TOKEN}"}}')

    (step,) = journal.get_job(job.id).steps
    assert step.detail["targetModelId"] == "invoice"  # safe fields survive
    assert step.detail["echo"][0]["targetResourceId"] == "/subscriptions/s/accounts/wus"
    assert "api-version=2024-11-30" in step.operation_url

    def grep_files() -> list[str]:
        files = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite3"))
        for name in files:
            data = (tmp_path / name).read_bytes()
            for secret in (ACCESS_TOKEN, SUBSCRIPTION_KEY, "SECRET-ACCESS-TOKEN"):
                assert secret.encode() not in data, f"{secret[:8]}… found in {name}"
        return files

    assert "journal.sqlite3-wal" in grep_files()  # while open: the WAL holds the recent writes
    journal.close()
    assert "journal.sqlite3" in grep_files()  # after the checkpoint: the database itself


def test_scrubbing_helpers_keep_what_is_safe() -> None:
    assert scrub_detail({"targetModelId": "m", "modelId": "m", "keyPhrases": 1, "tokens": 3}) == {
        "targetModelId": "m",
        "modelId": "m",
    }
    assert scrub_detail({"items": ({"key": "k", "ok": True},)}) == {"items": [{"ok": True}]}
    assert redact_text("error code 1002: bad") == "error code 1002: bad"
    assert ACCESS_TOKEN not in redact_text(f"Bearer {ACCESS_TOKEN}")


def test_the_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "journal.sqlite3"
    journal = Journal(path)
    journal.create_job(make_job())
    wal = path.with_name("journal.sqlite3-wal")
    assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_journal_from_a_newer_regionsync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(Exception, match="newer regionsync"):
        Journal(path)


def test_two_handles_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    cli, dashboard = Journal(path), Journal(path)
    try:
        job = cli.create_job(make_job())
        assert dashboard.get_job(job.id) is not None
        dashboard.start_step(job.id, 0, "authorize")
        cli.finish_step(job.id, 0, state=JobState.SUCCEEDED)
        for i in range(20):  # interleaved writers never trip over the lock
            (cli if i % 2 else dashboard).create_job(make_job(f"m{i}"))
        assert len(cli.list_jobs()) == len(dashboard.list_jobs()) == 21
        assert dashboard.get_job(job.id).steps[0].state is JobState.SUCCEEDED
    finally:
        cli.close()
        dashboard.close()


def test_job_ids_are_short_sortable_and_unique() -> None:
    ids = [new_job_id(1_700_000_000_000 + i) for i in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert all(len(i) == 16 and i.isalnum() for i in ids)
    assert len({new_job_id(5) for _ in range(200)}) == 200


_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from regionsync.domain import AssetKind, Job, JobState, Service, Side
    from regionsync.sync.journal import Journal

    journal = Journal(Path(sys.argv[1]))
    now = datetime.now(UTC)
    i = 0
    while True:
        job = journal.create_job(Job(
            id="", profile="p", service=Service.DOCUMENT_INTELLIGENCE, kind=AssetKind.MODEL,
            api_version="2024-11-30", source_side=Side.PRIMARY, source_endpoint="s", target_endpoint="t",
            source_resource_id="sr", target_resource_id="tr", source_id=f"m{i}", asset_name=f"m{i}",
            created=now, updated=now))
        journal.start_step(job.id, 0, "copy", detail={"n": i, "pad": "x" * 2000})
        journal.record_operation(job.id, 0, f"http://h/operations/{i}")
        journal.finish_step(job.id, 0, state=JobState.SUCCEEDED, percent=100)
        print(job.id, flush=True)
        i += 1
    """
)


def test_kill_9_mid_write_leaves_a_readable_journal_with_every_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    acknowledged: list[str] = []
    try:
        assert proc.stdout is not None
        while len(acknowledged) < 60:
            line = proc.stdout.readline()
            assert line, "the writer died on its own"
            acknowledged.append(line.strip())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    journal = Journal(path)
    try:
        for job_id in acknowledged:
            job = journal.get_job(job_id)
            assert job is not None, job_id
            (step,) = job.steps
            assert step.state is JobState.SUCCEEDED and step.operation_url.startswith("http://h/operations/")
        journal.create_job(make_job("after-the-crash"))  # and it still takes writes
    finally:
        journal.close()
