"""Content Understanding analyzers and Language projects through the real engine on the in-process
emulator: status → plan → sync → status, the analyzers' deployment rules and in-place replace, and
the Language recipe (export → import → train each deployed label → deploy each name → verify) for both
API versions — a primary serving `{prod: v2, staging: v1}` arrives exactly; drift (a deployment moved
to another label on the secondary, said in words), serving issues, a crash between any two steps or
while a job is polled, lost answers, a primary outage and a 429 storm — never importing twice, never
training a label twice, never leaving a half-copied project counted in sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from engine_support import (
    CU_PRIMARY,
    CU_SECONDARY,
    LANGUAGE_PRIMARY,
    LANGUAGE_SECONDARY,
    LANGUAGE_VERSIONS,
    Harness,
    cu_profile,
    frozen_world,
    language_profile,
)
from regionsync.domain import JobState, ProgressEvent, Side, SyncStatus
from regionsync.emulator import EmulatorTransport, World
from regionsync.services.retry import RetrySettings
from regionsync.sync.journal import Journal
from regionsync.sync.session import SyncSession

MODELS = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
LANGUAGE_STEPS = ["export", "import", "train:v1", "train:v2", "deploy:prod", "deploy:staging", "verify"]
SERVED = {"prod": "v2", "staging": "v1"}


class Killed(Exception):
    """Stands in for `kill -9`: raised from a progress hook, it unwinds the job without one more
    journal write (cancellation would also journal the job as interrupted; this is the harsher case)."""


class Counting(httpx.AsyncBaseTransport):
    """The in-process emulator transport, remembering every request (method, URL)."""

    def __init__(self, world: World) -> None:
        self.inner = EmulatorTransport(world)
        self.requests: list[tuple[str, httpx.URL]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url))
        return await self.inner.handle_async_request(request)


def counted_session(h: Harness, transport: Counting, **kw: object) -> SyncSession:
    return SyncSession(
        h.name,
        h.profile,
        journal=Journal(h.journal_path),
        transport=transport,
        poller=h.poller(),
        retry=RetrySettings(backoff_factor=0.001),
        sleep=h.vtime.sleep,
        **kw,  # type: ignore[arg-type]
    )


def by_name(statuses: list) -> dict[str, tuple[SyncStatus, str]]:
    return {p.name: (p.status, p.reason) for s in statuses for p in s.pairs}


def journal_bytes(path: Path) -> str:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode("latin-1")


def assert_journal_clean(h: Harness, *, secrets: tuple[str, ...]) -> None:
    text = journal_bytes(h.journal_path)
    for resource in h.world.resources.values():
        for key in resource.keys:
            assert key not in text, "a key reached the journal"
    for secret in secrets:
        assert secret not in text, f"{secret!r} reached the journal"


def kill_at(step: str, *, polling: bool) -> Callable[[ProgressEvent], None]:
    """A hook that kills the run once: as `step` starts (the previous one done), or at its first poll."""
    fired: list[bool] = []

    def hook(event: ProgressEvent) -> None:
        if fired or event.step != step or event.state is not JobState.RUNNING:
            return
        if (event.percent is not None) == polling:
            fired.append(True)
            raise Killed(f"killed at {step}")

    return hook


def forget_operation_urls(h: Harness, step: str) -> None:
    """The answer to `step`'s request never reached the journal: the service got it, we never knew."""
    with sqlite3.connect(h.journal_path) as db:
        db.execute("UPDATE steps SET operation_url = NULL WHERE name = ?", (step,))


# ------------------------------------------------------------------------------- Content Understanding


def cu_harness(tmp_path: Path, target: dict[str, str] | None = None) -> Harness:
    world = frozen_world()
    profile = cu_profile(world)
    world.add_deployment(CU_PRIMARY, "chat", "gpt-4.1")
    world.add_deployment(CU_PRIMARY, "emb", "text-embedding-3-large")
    for name, model in (
        target if target is not None else {"chat": "gpt-4.1", "emb": "text-embedding-3-large"}
    ).items():
        world.add_deployment(CU_SECONDARY, name, model)
    world.add_analyzer(CU_PRIMARY, "invoices", description="Invoices", models=MODELS)
    return Harness(world, profile, tmp_path / "journal.sqlite3")


def analyzer_requests(transport: Counting, start: int) -> list[str]:
    """The requests of a copy sent after `start`, as "METHOD last-path-segment"."""
    return [f"{m} {u.path.rsplit('/', 1)[-1]}" for m, u in transport.requests[start:]]


async def test_analyzers_sync_in_at_most_four_requests_and_turn_green(tmp_path: Path) -> None:
    h = cu_harness(tmp_path)
    h.world.copy_seconds = 4.0  # the service asks to look again after 2 s: done at the second look
    h.world.add_analyzer(CU_SECONDARY, "old-receipts", models=MODELS)
    transport = Counting(h.world)
    async with counted_session(h, transport) as session:
        before = by_name(await session.status())
        assert before["invoices"][0] is SyncStatus.MISSING
        assert before["old-receipts"][0] is SyncStatus.EXTRA
        assert not any(name.startswith("prebuilt-") for name in before)
        plans = await session.plan()
        assert [c.name for c in plans[0][1].copies] == ["invoices"] and not plans[0][1].refusals
        start = len(transport.requests)
        [job] = await session.execute(plans)
        assert job.state is JobState.SUCCEEDED, job.error
        sent = analyzer_requests(transport, start)
        assert sent[:2] == ["POST invoices:grantCopyAuthorization", "POST invoices:copy"]
        assert len(sent) <= 4, sent  # grant, copy, polls; verify reads the operation's result
        assert [s.name for s in job.steps] == ["authorize", "copy", "verify"]
        assert job.steps[-1].detail["verified_by"] == "operation result"
        after = by_name(await session.status())
        assert after["invoices"][0] is SyncStatus.IN_SYNC
        assert (await session.plan())[0][1].copies == []
    assert_journal_clean(h, secrets=())


@pytest.mark.parametrize(
    ("target", "why", "todo"),
    [
        ({"chat": "gpt-4.1"}, "no deployment of text-embedding-3-large", '"text-embedding-3-large": "emb"'),
        (
            {"chat": "gpt-4.1", "emb": "text-embedding-3-small"},
            "'emb' runs text-embedding-3-small",
            "PATCH http://",
        ),
    ],
    ids=["missing-deployment", "embedding-mismatch"],
)
async def test_a_copy_the_target_deployments_cannot_serve_is_refused_in_the_plan(
    tmp_path: Path, target: dict[str, str], why: str, todo: str
) -> None:
    h = cu_harness(tmp_path, target)
    async with h.session() as session:
        [(_, plan)] = await session.plan()
        assert plan.copies == []
        [refusal] = plan.refusals
        assert refusal.name == "invoices" and why in refusal.why and todo in refusal.todo
        assert "modelDeployments" in refusal.todo
    assert h.world.resources[CU_SECONDARY].analyzers == {}


async def test_another_completion_model_copies_with_the_warning_in_the_job(tmp_path: Path) -> None:
    h = cu_harness(tmp_path, {"chat": "gpt-4o", "emb": "text-embedding-3-large"})
    async with h.session() as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.SUCCEEDED, job.error
        [warning] = job.steps[-1].detail["warnings"]
        assert warning.startswith("CompletionModelMismatch:") and "gpt-4o" in warning
        assert by_name(await session.status())["invoices"][0] is SyncStatus.IN_SYNC


async def test_a_drifted_analyzer_is_replaced_in_place_only_when_asked(tmp_path: Path) -> None:
    h = cu_harness(tmp_path)
    transport = Counting(h.world)
    async with counted_session(h, transport) as session:
        await session.execute(await session.plan())
        h.world.clock.advance(3600)
        h.world.touch(CU_PRIMARY, "analyzer", "invoices")
        status, reason = by_name(await session.status())["invoices"]
        assert status is SyncStatus.DRIFTED and "after" in reason
        [(_, refused)] = await session.plan()
        assert refused.copies == [] and "--replace-drifted" in refused.refusals[0].todo
        plans = await session.plan(replace_drifted=True)
        [copy] = plans[0][1].copies
        assert copy.replace and copy.replace_id is None  # overwritten by the copy, nothing deleted first
        start = len(transport.requests)
        [job] = await session.execute(plans)
        assert job.state is JobState.SUCCEEDED, job.error
        assert [s.name for s in job.steps if s.name != "replace"] == ["authorize", "copy", "verify"]
        copies = [u for m, u in transport.requests[start:] if u.path.endswith(":copy")]
        assert [u.params.get("allowReplace") for u in copies] == ["true"]
        assert by_name(await session.status())["invoices"][0] is SyncStatus.IN_SYNC
    assert "edited" in (h.world.resources[CU_SECONDARY].analyzers["invoices"].description or "")


async def test_a_grant_that_expired_before_the_copy_fails_the_job_and_the_next_sync_asks_anew(
    tmp_path: Path,
) -> None:
    h = cu_harness(tmp_path)

    def a_day_passes(event: ProgressEvent) -> None:
        if event.step == "copy" and event.percent is None and event.state is JobState.RUNNING:
            h.world.clock.advance(25 * 3600)  # between the grant and the copy

    async with h.session(on_event=a_day_passes) as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.FAILED and "expired" in (job.error or "")
        assert "NEW copy authorization" in (job.error or "")
        status, reason = by_name(await session.status())["invoices"]
        assert status is SyncStatus.FAILED and "expired" in reason
    async with h.session() as session:
        [again] = await session.execute(await session.plan())
        assert again.state is JobState.SUCCEEDED, again.error
        assert [s.name for s in again.steps].count("authorize") == 1  # a fresh grant, in a new job
    assert list(h.world.resources[CU_SECONDARY].analyzers) == ["invoices"]


@pytest.mark.parametrize("replace", [False, True], ids=["new", "replace"])
async def test_a_lost_copy_answer_is_found_on_the_target_not_repeated(tmp_path: Path, replace: bool) -> None:
    """Killed after the target accepted the copy, before its Operation-Location was journaled."""
    h = cu_harness(tmp_path)
    if replace:
        h.world.add_analyzer(CU_SECONDARY, "invoices", description="outdated", models=MODELS)
        h.world.clock.advance(60)
        h.world.touch(CU_PRIMARY, "analyzer", "invoices")
    async with h.session(on_event=kill_at("copy", polling=True)) as session:
        with pytest.raises(Killed):
            await session.execute(await session.plan(replace_drifted=replace))
    forget_operation_urls(h, "copy")
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert [s.name for s in done.steps].count("authorize") == 1  # no second grant, no second copy
        assert by_name(await session.status())["invoices"][0] is SyncStatus.IN_SYNC
    assert len(h.world.resources[CU_SECONDARY].analyzer_operations) == 1


# ------------------------------------------------------------------------------------------ Language


def language_harness(tmp_path: Path, version: str = "2023-04-01") -> Harness:
    world = frozen_world()
    profile = language_profile(world, version)
    world.add_project(
        LANGUAGE_PRIMARY,
        "tickets",
        description="Support tickets",
        trained_models=("v1", "v2", "v3"),  # v3 is trained but serves nothing: not copied
        deployments=SERVED,
    )
    return Harness(world, profile, tmp_path / "journal.sqlite3")


def jobs_on(world: World, resource: str, kind: str) -> int:
    return sum(1 for j in world.resources[resource].language_jobs.values() if j.kind == kind)


def trainings_on(world: World, resource: str) -> list[str]:
    """The labels the training jobs of `resource` trained, sorted (one per training)."""
    jobs = world.resources[resource].language_jobs.values()
    return sorted(j.model_label or "" for j in jobs if j.kind == "train")


def assert_replicated(world: World) -> None:
    project = world.resources[LANGUAGE_SECONDARY].projects["tickets"]
    assert set(project.trained_models) == {"v1", "v2"}
    assert {d.name: d.model_label for d in project.deployments.values()} == SERVED
    for deployment in project.deployments.values():  # each serves the training of its label
        assert deployment.model_id == project.trained_models[deployment.model_label].model_id
    assert jobs_on(world, LANGUAGE_SECONDARY, "import") == 1, "imported twice"
    assert trainings_on(world, LANGUAGE_SECONDARY) == ["v1", "v2"], "a label trained twice"


@pytest.mark.parametrize("version", LANGUAGE_VERSIONS)
async def test_a_project_is_exported_imported_trained_and_deployed_then_in_sync(
    tmp_path: Path, version: str
) -> None:
    h = language_harness(tmp_path, version)
    events: list[ProgressEvent] = []
    async with h.session(on_event=events.append) as session:
        assert by_name(await session.status())["tickets"][0] is SyncStatus.MISSING
        plans = await session.plan()
        assert [c.name for c in plans[0][1].copies] == ["tickets"]
        [job] = await session.execute(plans)
        assert job.state is JobState.SUCCEEDED, job.error
        assert [s.name for s in job.steps] == LANGUAGE_STEPS
        assert job.steps[0].detail["deployments"] == SERVED  # the plan, journaled by the export
        for step, label in ((job.steps[2], "v1"), (job.steps[3], "v2")):
            assert step.detail["model_label"] == label
            assert step.detail["training_config_version"] == "2022-05-01"
            assert step.detail["evaluation"]["kind"] == "percentage"
        assert [(s.detail["deployment"], s.detail["model_label"]) for s in job.steps[4:6]] == [
            ("prod", "v2"),
            ("staging", "v1"),
        ]
        assert job.steps[-1].detail["deployments"] == SERVED
        [pair] = [p for s in await session.status() for p in s.pairs]
        assert pair.status is SyncStatus.IN_SYNC, pair.reason
        assert pair.primary is not None and pair.secondary is not None
        assert pair.primary.details["deployments"] == pair.secondary.details["deployments"] == SERVED
    assert_replicated(h.world)
    steps = [(e.step, e.step_index, e.step_count) for e in events if e.step in LANGUAGE_STEPS]
    assert {(s, i) for s, i, _ in steps} == {(s, i + 1) for i, s in enumerate(LANGUAGE_STEPS)}
    assert {c for _, _, c in steps} == {len(LANGUAGE_STEPS)}
    for label in ("v1", "v2"):
        training = [e.percent for e in events if e.step == f"train:{label}" and e.percent is not None]
        assert training[-1] == 100 and all(0 <= p <= 100 for p in training)
    documents = [d["location"] for d in h.world.resources[LANGUAGE_PRIMARY].projects["tickets"].documents]
    assert_journal_clean(h, secrets=(*documents, '"assets"'))  # the exported project stays in memory


async def test_a_primary_change_drifts_the_project_and_replace_imports_it_again(tmp_path: Path) -> None:
    h = language_harness(tmp_path)
    async with h.session() as session:
        await session.execute(await session.plan())
        h.world.clock.advance(3600)
        h.world.touch(LANGUAGE_PRIMARY, "project", "tickets")
        status, reason = by_name(await session.status())["tickets"]
        assert status is SyncStatus.DRIFTED
        assert "primary eastus changed" in reason and "after the copy" in reason
        [(_, refused)] = await session.plan()
        assert refused.copies == [] and refused.refusals[0].name == "tickets"
        [job] = await session.execute(await session.plan(replace_drifted=True))
        assert job.state is JobState.SUCCEEDED, job.error
        assert "delete-outdated" not in [s.name for s in job.steps]  # the import overwrites
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    primary = h.world.resources[LANGUAGE_PRIMARY].projects["tickets"]
    secondary = h.world.resources[LANGUAGE_SECONDARY].projects["tickets"]
    assert len(secondary.documents) == len(primary.documents)
    assert jobs_on(h.world, LANGUAGE_SECONDARY, "import") == 2


async def deploy_by_hand(world: World, resource: str, deployment: str, label: str) -> None:
    """Point `deployment` of tickets at `label` as a person would (the REST call), and let it finish."""
    base = f"{world.endpoint(resource)}/language/authoring/analyze-text/projects"
    url = f"{base}/tickets/deployments/{deployment}"
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        response = await client.put(
            url,
            params={"api-version": "2023-04-01"},
            headers={"Ocp-Apim-Subscription-Key": world.resources[resource].keys[0]},
            json={"trainedModelLabel": label},
        )
    assert response.status_code == 202, response.text
    world.clock.advance(world.job_seconds + 1)


async def test_a_deployment_moved_on_the_secondary_is_drifted_and_replace_restores_the_map(
    tmp_path: Path,
) -> None:
    h = language_harness(tmp_path)
    async with h.session() as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.SUCCEEDED, job.error
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
        h.world.clock.advance(60)
        await deploy_by_hand(h.world, LANGUAGE_SECONDARY, "staging", "v2")  # after a failover: wrong model
        status, reason = by_name(await session.status())["tickets"]
        assert status is SyncStatus.DRIFTED
        assert reason == "staging serves v2 on the secondary westus2, v1 on the primary eastus"
        [(_, refused)] = await session.plan()
        assert refused.copies == [] and refused.refusals[0].name == "tickets"
        [again] = await session.execute(await session.plan(replace_drifted=True))
        assert again.state is JobState.SUCCEEDED, again.error
        assert [s.name for s in again.steps if s.name != "replace"] == LANGUAGE_STEPS
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    project = h.world.resources[LANGUAGE_SECONDARY].projects["tickets"]
    assert {d.name: d.model_label for d in project.deployments.values()} == SERVED
    assert trainings_on(h.world, LANGUAGE_SECONDARY) == ["v1", "v1", "v2", "v2"]  # once per label per copy


async def test_a_deployment_only_one_side_has_is_said_in_words(tmp_path: Path) -> None:
    h = language_harness(tmp_path)
    async with h.session() as session:
        await session.execute(await session.plan())
        h.world.clock.advance(60)
        await deploy_by_hand(h.world, LANGUAGE_SECONDARY, "canary", "v1")
        assert by_name(await session.status())["tickets"] == (
            SyncStatus.DRIFTED,
            "canary serves v1 on the secondary westus2, nothing on the primary eastus",
        )


async def test_a_primary_whose_deployments_change_after_the_plan_fails_before_the_target(
    tmp_path: Path,
) -> None:
    h = language_harness(tmp_path)
    async with h.session() as session:
        plans = await session.plan()
        await deploy_by_hand(h.world, LANGUAGE_PRIMARY, "staging", "v3")
        [job] = await session.execute(plans)
        assert job.state is JobState.FAILED
        assert "changed on the primary" in (job.error or "") and "staging → v3" in (job.error or "")
        assert jobs_on(h.world, LANGUAGE_SECONDARY, "import") == 0  # nothing reached the secondary
        [again] = await session.execute(await session.plan())
        assert again.state is JobState.SUCCEEDED, again.error
        steps = ["export", "import", "train:v2", "train:v3", "deploy:prod", "deploy:staging", "verify"]
        assert [s.name for s in again.steps] == steps
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    assert trainings_on(h.world, LANGUAGE_SECONDARY) == ["v2", "v3"]


async def test_killed_twice_before_the_plan_was_journaled_then_inside_the_second_training(
    tmp_path: Path,
) -> None:
    """Killed while exporting (no plan journaled: the next process trains in one `train` step), then
    again while that step trains the second label: the third process, which knows the map, finds
    each label's training again and starts none."""
    h = language_harness(tmp_path)
    async with h.session(on_event=kill_at("export", polling=True)) as session:
        with pytest.raises(Killed):
            await session.execute(await session.plan())

    def inside_second(event: ProgressEvent) -> None:
        if event.step == "train" and (event.percent or 0) >= 50 and event.state is JobState.RUNNING:
            raise Killed("killed while the second label trains")

    async with h.session(on_event=inside_second) as session:
        with pytest.raises(Killed):
            await session.resume()
    assert trainings_on(h.world, LANGUAGE_SECONDARY) == ["v1", "v2"]
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    found = [s.detail.get("found_again") for s in done.steps if s.name.startswith("train:")]
    assert found == ["a training since the import"] * 2
    assert_replicated(h.world)


async def test_a_secondary_that_cannot_serve_is_drifted_with_the_reason(tmp_path: Path) -> None:
    h = language_harness(tmp_path)
    for name in ("imported-only", "not-deployed"):
        h.world.add_project(LANGUAGE_PRIMARY, name, trained_models=("v1",), deployments={"prod": "v1"})
    h.world.clock.advance(60)
    h.world.add_project(LANGUAGE_SECONDARY, "imported-only")
    h.world.add_project(LANGUAGE_SECONDARY, "not-deployed", trained_models=("v1",))
    async with h.session() as session:
        found = by_name(await session.status())
    assert found["imported-only"] == (
        SyncStatus.DRIFTED,
        "on the secondary westus2 but imported but not trained",
    )
    assert found["not-deployed"] == (
        SyncStatus.DRIFTED,
        "on the secondary westus2 but trained but not deployed",
    )


@pytest.mark.parametrize(
    ("step", "polling"),
    [
        ("import", False),
        ("train:v1", False),
        ("train:v2", False),
        ("deploy:prod", False),
        ("deploy:staging", False),
        ("verify", False),
        ("export", True),
        ("import", True),
        ("train:v1", True),
        ("train:v2", True),
        ("deploy:prod", True),
        ("deploy:staging", True),
    ],
    ids=lambda v: str(v),
)
async def test_killed_between_or_during_steps_then_resumed_imports_and_trains_once(
    tmp_path: Path, step: str, polling: bool
) -> None:
    h = language_harness(tmp_path)
    async with h.session(on_event=kill_at(step, polling=polling)) as session:
        with pytest.raises(Killed):
            await session.execute(await session.plan())
        [job] = session.journal.unfinished_jobs("test")
        assert job.state is JobState.RUNNING  # what kill -9 leaves behind
        assert by_name(await session.status())["tickets"][0] is SyncStatus.COPYING
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    assert_replicated(h.world)
    ran = [s.name for s in done.steps if s.state is JobState.SUCCEEDED]
    if (step, polling) == ("export", True):
        # killed before the export journaled the plan: the new process knows no deployment map yet,
        # so it trains the plan's labels in one `train` step and deploys in one `deploy` step
        assert ran[-4:] == ["import", "train", "deploy", "verify"]
    else:
        assert ran[-6:] == LANGUAGE_STEPS[1:]
    # the exported body lives in memory only: a new process that has not imported yet exports again
    exports_again = (step, polling) in (("import", False), ("export", True))
    assert jobs_on(h.world, LANGUAGE_PRIMARY, "export") == (2 if exports_again else 1)


@pytest.mark.parametrize("step", ["import", "train:v1", "train:v2"])
async def test_a_lost_answer_to_import_or_train_is_found_again_not_repeated(
    tmp_path: Path, step: str
) -> None:
    h = language_harness(tmp_path)
    async with h.session(on_event=kill_at(step, polling=True)) as session:
        with pytest.raises(Killed):
            await session.execute(await session.plan())
    forget_operation_urls(h, step)
    h.world.clock.advance(120)  # the service finished meanwhile
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
    assert_replicated(h.world)
    assert jobs_on(h.world, LANGUAGE_PRIMARY, "export") == 1


async def test_the_primary_going_down_after_the_export_does_not_stop_the_copy(tmp_path: Path) -> None:
    h = language_harness(tmp_path)

    def primary_down(event: ProgressEvent) -> None:
        if event.step == "import" and event.percent is None:
            h.world.faults.set_outage("eastus", True)

    async with h.session(on_event=primary_down) as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.SUCCEEDED, job.error  # the rest of the job needs only the target
        [status] = await session.status()
        # judged from the primary's last-known listing: the copy is in sync, and says on what basis
        assert Side.PRIMARY in status.errors and status.pairs[0].status is SyncStatus.IN_SYNC
        assert status.pairs[0].basis == "last-known" and "unreachable now" in status.pairs[0].reason
    h.world.faults.set_outage("eastus", False)
    async with h.session() as session:
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    assert_replicated(h.world)


async def test_the_primary_going_down_during_the_export_leaves_a_resumable_job(tmp_path: Path) -> None:
    h = language_harness(tmp_path)
    h.world.job_seconds = 200.0  # an export long enough to be seen running

    def primary_down(event: ProgressEvent) -> None:
        if event.step == "export" and event.percent is not None:  # accepted, being polled
            h.world.faults.set_outage("eastus", True)

    poller = h.poller(max_failures=2)
    async with h.session(on_event=primary_down, poller=poller) as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.INTERRUPTED and "jobs resume" in (job.error or "")
    assert jobs_on(h.world, LANGUAGE_SECONDARY, "import") == 0  # nothing half-imported
    h.world.faults.set_outage("eastus", False)
    async with h.session() as session:
        [done] = await session.resume()
        assert done.state is JobState.SUCCEEDED, done.error
        assert by_name(await session.status())["tickets"][0] is SyncStatus.IN_SYNC
    assert_replicated(h.world)


async def test_a_429_storm_while_training_is_polled_is_waited_out(tmp_path: Path) -> None:
    h = language_harness(tmp_path)
    storms: list[bool] = []

    def storm(event: ProgressEvent) -> None:
        if event.step == "train:v2" and event.percent is not None and not storms:
            storms.append(True)
            h.world.faults.throttle(1.0, retry_after=0, resource=LANGUAGE_SECONDARY, count=12)

    async with h.session(on_event=storm) as session:
        [job] = await session.execute(await session.plan())
        assert job.state is JobState.SUCCEEDED, job.error
    assert h.world.faults.throttling == []  # every one of the 12 429s was answered and waited out
    assert_replicated(h.world)
