"""The Language replication recipe: every deployment of the primary project, serving its model label.

The steps, as the runner journals and resumes them (a primary serving `{prod: v2, staging: v1}`):

| step           | on     | does                                                 | after a crash             |
| -------------- | ------ | ---------------------------------------------------- | ------------------------- |
| export         | source | `:export`; when done, GET its `resultUrl` (kept in   | polled; the body is in    |
|                |        | memory only); reads and journals the training plan   | memory only               |
| import         | target | `:import` with exactly that body; `needs` it, so a   | polled; lost answer: the  |
|                |        | new process exports again before it imports          | target newer? done        |
| train:v1       | target | `:train` v1 with the primary's config version and    | polled; lost answer: its  |
| train:v2       |        | evaluation options — one step per deployed label     | training since the import |
| deploy:prod    | target | `PUT deployments/{name}` to its label — one step per | polled (a PUT repeats)    |
| deploy:staging |        | deployment name                                      |                           |
| verify         | target | every primary deployment serves its label's model    |                           |

The step names come from the primary's deployment → label map, known before the job runs: the plan's
listing carries it (`Asset.details["deployments"]`), and a resumed job reads it from the plan its
export step journaled. The runner stays generic: it runs and resumes named steps, each label trained
in a step of its own, whose training job URL is journaled as soon as the 202 arrives — a resumed job
polls it, never starts it again.

Two cases know no map when the job starts, and use one `train` step (the labels one after another)
and one `deploy` step (all names at once) instead: a primary with no deployment (its newest model
is trained, nothing deployed), and a job resumed before its export journaled the plan (nothing was
done on the target yet; the export runs again and reads the plan). A `train:{label}` step first looks
for a training of its label since the import (one a `train` step of a dead process started) and
polls that rather than start a second one.

A fresh job checks that the plan the export reads serves the map its steps were made from: a primary
whose deployments changed in between fails the job before anything reaches the target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from regionsync.domain import AssetKind, JobState
from regionsync.errors import RegionSyncError, bad_response
from regionsync.services.base import OperationStatus
from regionsync.services.language import LabelTraining, LanguageAdapter, TrainingPlan
from regionsync.services.recipe import CopyContext, StepOutcome, StepSpec

PLAN = "plan"
"""`CopyContext.memory` key: the job's TrainingPlan (journaled by the export step)."""
LISTED_MAP = "listed_deployments"
"""`CopyContext.memory` key: the map a fresh job's steps were made from (the plan's listing)."""


def language_recipe(ctx: CopyContext) -> list[StepSpec]:
    """export → import → train:{label}… → deploy:{name}… → verify (see the module docstring)."""
    served = _known_map(ctx)
    steps = [
        StepSpec("export", _export, runs="source"),
        StepSpec(
            "import", _import, runs="target", needs="exported", restart_from="export", recover=_recover_import
        ),
    ]
    if served:
        steps += [
            StepSpec(f"train:{label}", _train_one(label), runs="target", recover=_recover_one(label))
            for label in sorted(set(served.values()))
        ]
        steps += [StepSpec(f"deploy:{name}", _deploy_one(name), runs="target") for name in sorted(served)]
    else:
        steps += [
            StepSpec("train", _train_all, runs="target", recover=_recover_train_all),
            StepSpec("deploy", _deploy_all, runs="target"),
        ]
    steps.append(StepSpec("verify", _verify, runs="target"))
    return steps


def _known_map(ctx: CopyContext) -> dict[str, str] | None:
    """The primary's deployment → label map as far as it is known before the job runs: the plan a
    previous run's export journaled, else the listing the plan was made from; None when neither."""
    for row in sorted(ctx.job.steps, key=lambda r: r.index, reverse=True):
        if row.name == "export" and row.state is JobState.SUCCEEDED:
            plan = TrainingPlan.from_detail(row.detail)
            if plan is not None:
                ctx.memory[PLAN] = plan
                return dict(plan.deployments)
    listed = ctx.asset.details.get("deployments") if ctx.asset is not None else None
    if isinstance(listed, Mapping):
        ctx.memory[LISTED_MAP] = {str(k): str(v) for k, v in listed.items()}
        return dict(ctx.memory[LISTED_MAP])
    return None


# ----------------------------------------------------------------------------------------- helpers


def _sides(c: CopyContext) -> tuple[LanguageAdapter, LanguageAdapter]:
    source, target = c.source, c.target
    assert isinstance(source, LanguageAdapter) and isinstance(target, LanguageAdapter)
    return source, target


def _project_name(c: CopyContext) -> str:
    name = c.job.target_id or c.job.source_id
    if name != c.job.source_id:
        raise RegionSyncError(
            what=f"A Language project keeps its name: {c.job.source_id} cannot become {name}",
            why="The exported project names itself; the import must use the same name.",
            todo="copy it without --as",
            code="RenameNotSupported",
        )
    return name


async def _plan(c: CopyContext) -> TrainingPlan:
    """The primary's training plan: as this job knows it (journaled by its export), else read."""
    known = c.memory.get(PLAN)
    if isinstance(known, TrainingPlan):
        return known
    plan = TrainingPlan.from_detail(c.details.get("export") or {})
    if plan is None:
        source, _ = _sides(c)
        plan = await source.training_plan(c.job.source_id)
    c.memory[PLAN] = plan
    return plan


def _map_text(served: Mapping[str, str]) -> str:
    return ", ".join(f"{name} → {label}" for name, label in sorted(served.items())) or "no deployment"


# ------------------------------------------------------------------------------------ export, import


async def _export(c: CopyContext) -> StepOutcome:
    source, _ = _sides(c)
    name = _project_name(c)
    # Read the training plan while the export starts: after the export the job needs only the target.
    plan, started = await asyncio.gather(_plan(c), source.export_project(name))
    listed = c.memory.get(LISTED_MAP)
    if listed is not None and plan.deployments != listed:
        raise RegionSyncError(
            what=f"The deployments of {name} changed on the primary while its copy started "
            f"(now {_map_text(plan.deployments)}, listed {_map_text(listed)}).",
            why="Nothing reached the secondary.",
            todo="run sync again: it copies what the primary serves now",
            code="SourceChanged",
        )
    detail: dict[str, Any] = {"project": name, **plan.detail()}

    async def watch() -> OperationStatus:
        status = await source.poll(started.operation_url)
        if status.state is JobState.SUCCEEDED and "exported" not in c.memory:
            result_url = status.raw.get("resultUrl")
            if not isinstance(result_url, str) or not result_url:
                raise bad_response(
                    source.http.endpoint,
                    "the finished export names no resultUrl",
                    side=source.http.side_label,
                    context=f"Exporting project {name}",
                )
            c.memory["exported"] = await source.exported_project(result_url)
            detail["result_url"] = source.http.check_host(result_url)
        return status

    return StepOutcome(
        detail=detail, operation_url=started.operation_url, retry_after=started.retry_after, poll=watch
    )


async def _import(c: CopyContext) -> StepOutcome:
    _, target = _sides(c)
    name = _project_name(c)
    exported = c.memory.pop("exported")  # sent once: a resumed job exports again rather than reuse it
    started = await target.import_project(name, exported)
    return StepOutcome(
        detail={"project": name},
        operation_url=started.operation_url,
        retry_after=started.retry_after,
        target_id=name,
    )


async def _recover_import(c: CopyContext) -> StepOutcome | None:
    """An import whose answer was lost took effect when the target project changed after the source."""
    _, target = _sides(c)
    name = _project_name(c)
    source = await c.source_asset()
    landed = await target.get_asset(AssetKind.PROJECT, name)
    if (
        landed is None
        or landed.modified is None
        or source.modified is None
        or landed.modified <= source.modified
    ):
        return None
    return StepOutcome(detail={"project": name, "verified_by": "the target project"}, target_id=name)


# -------------------------------------------------------------------------------------------- train


async def _training(c: CopyContext, label: str) -> LabelTraining:
    plan = await _plan(c)
    training = plan.training(label)
    if training is None:
        raise _not_planned(c, plan, f"training of {label}")
    return training


def _not_planned(c: CopyContext, plan: TrainingPlan, what: str) -> RegionSyncError:
    """A step of the job whose object is no longer in its plan: the primary changed what it serves."""
    return RegionSyncError(
        what=f"The plan of {c.job.asset_name} has no {what}.",
        why=f"the primary serves {_map_text(plan.deployments)}",
        todo="run sync again: it copies what the primary serves now",
        code="SourceChanged",
    )


async def _start_or_find(c: CopyContext, training: LabelTraining) -> tuple[str, float | None, bool]:
    """A training of `training.label` on the target: one started since the import (found again,
    never a second one), else a new one. Returns (job URL, Retry-After, found again?)."""
    _, target = _sides(c)
    name = _project_name(c)
    found = await target.training_since_import(name, training.label)
    if found is not None:
        return found, 0.0, True
    started = await target.train(name, training)
    return started.operation_url, started.retry_after, False


def _train_one(label: str) -> Callable[[CopyContext], Awaitable[StepOutcome]]:
    async def run(c: CopyContext) -> StepOutcome:
        training = await _training(c, label)
        url, retry_after, again = await _start_or_find(c, training)
        detail = {**training.detail(), **({"found_again": "a training since the import"} if again else {})}
        return StepOutcome(detail=detail, operation_url=url, retry_after=retry_after)

    return run


def _recover_one(label: str) -> Callable[[CopyContext], Awaitable[StepOutcome | None]]:
    async def recover(c: CopyContext) -> StepOutcome | None:
        """A training whose answer was lost: a training job of that label started since the import."""
        _, target = _sides(c)
        training = await _training(c, label)
        url = await target.training_since_import(_project_name(c), label)
        return StepOutcome(detail=training.detail(), operation_url=url) if url else None

    return recover


async def _train_all(c: CopyContext) -> StepOutcome:
    """Every label of the plan, one after another (the service trains one model of a project at once)."""
    plan = await _plan(c)
    if not plan.trainings:
        return StepOutcome(detail={**plan.detail(), "skipped": "the primary has no trained model"})
    url, retry_after, _ = await _start_or_find(c, plan.trainings[0])
    return _sequential(c, plan, url, retry_after)


async def _recover_train_all(c: CopyContext) -> StepOutcome | None:
    _, target = _sides(c)
    plan = await _plan(c)
    if not plan.trainings:
        return None
    url = await target.training_since_import(_project_name(c), plan.trainings[0].label)
    return _sequential(c, plan, url, 0.0) if url else None


def _sequential(c: CopyContext, plan: TrainingPlan, first: str, retry_after: float | None) -> StepOutcome:
    """Watch the first label's training; when it succeeds, train (or find) the next, and so on."""
    _, target = _sides(c)
    queue = list(plan.trainings)
    index, url = 0, first

    async def watch() -> OperationStatus:
        nonlocal index, url
        status = await target.poll(url)
        if status.state is JobState.RUNNING:
            share = (index * 100 + (status.percent or 0)) // len(queue)
            return OperationStatus(state=JobState.RUNNING, percent=share, retry_after=status.retry_after)
        if status.state is not JobState.SUCCEEDED:
            return status
        index += 1
        if index == len(queue):
            return OperationStatus(state=JobState.SUCCEEDED, percent=100)
        url, hint, _ = await _start_or_find(c, queue[index])
        return OperationStatus(state=JobState.RUNNING, percent=index * 100 // len(queue), retry_after=hint)

    return StepOutcome(detail=plan.detail(), operation_url=first, retry_after=retry_after, poll=watch)


# ------------------------------------------------------------------------------------------- deploy


def _deploy_one(deployment: str) -> Callable[[CopyContext], Awaitable[StepOutcome]]:
    async def run(c: CopyContext) -> StepOutcome:
        _, target = _sides(c)
        plan = await _plan(c)
        label = plan.deployments.get(deployment)
        if label is None:
            raise _not_planned(c, plan, f"deployment {deployment}")
        started = await target.deploy(_project_name(c), deployment, label)
        return StepOutcome(
            detail={"deployment": deployment, "model_label": label},
            operation_url=started.operation_url,
            retry_after=started.retry_after,
        )

    return run


async def _deploy_all(c: CopyContext) -> StepOutcome:
    _, target = _sides(c)
    plan = await _plan(c)
    name = _project_name(c)
    detail = {"deployments": dict(plan.deployments)}
    if not plan.deployments:
        return StepOutcome(detail={**detail, "skipped": "the primary has no deployment"})
    started = await asyncio.gather(
        *(target.deploy(name, d, label) for d, label in sorted(plan.deployments.items()))
    )
    return StepOutcome(
        detail=detail,
        operation_url=started[0].operation_url,
        retry_after=started[0].retry_after,
        poll=_watch_all(target, [s.operation_url for s in started]),
    )


def _watch_all(adapter: LanguageAdapter, urls: list[str]) -> Callable[[], Awaitable[OperationStatus]]:
    """One watcher for several jobs: done when all are, failed as soon as one fails."""
    done: dict[str, OperationStatus] = {}

    async def watch() -> OperationStatus:
        hints: list[float] = []
        for url in urls:
            if url not in done:
                status = await adapter.poll(url)
                if status.state in (JobState.FAILED, JobState.CANCELED):
                    return status
                if status.state is JobState.SUCCEEDED:
                    done[url] = status
                elif status.retry_after is not None:
                    hints.append(status.retry_after)
        if len(done) == len(urls):
            return OperationStatus(state=JobState.SUCCEEDED, percent=100)
        return OperationStatus(
            state=JobState.RUNNING,
            percent=len(done) * 100 // len(urls),
            retry_after=max(hints) if hints else None,
        )

    return watch


# ------------------------------------------------------------------------------------------- verify


async def _verify(c: CopyContext) -> StepOutcome:
    """The target serves the primary's whole map: each label trained, each name deployed to its
    label's newest training. A deployment only the target has is named, not removed."""
    _, target = _sides(c)
    plan = await _plan(c)
    name = _project_name(c)
    state = await target.serving_state(name)
    missing: list[str] = []
    if state.project is None:
        missing.append("the project")
    missing += [f"the trained model {label}" for label in plan.labels if label not in state.models]
    served = state.labels
    for deployment, label in sorted(plan.deployments.items()):
        found, model = state.deployments.get(deployment), state.models.get(label)
        if found is None:
            missing.append(f"the deployment {deployment} of {label}")
        elif served.get(deployment) != label:
            missing.append(f"the deployment {deployment} of {label} (it serves {served.get(deployment)})")
        elif model is not None and found.get("modelId") != model.get("modelId"):
            missing.append(f"the deployment {deployment} of the new training of {label}")
    if missing:
        raise RegionSyncError(
            what=f"The copy of {name} finished but the target lacks {', '.join(missing)}.",
            todo="run status; sync --replace-drifted copies it again",
            code="VerifyFailed",
        )
    detail: dict[str, Any] = {"verified_by": "reading the target", "deployments": served}
    extra = sorted(set(served) - set(plan.deployments))
    if extra:
        detail["only_on_target"] = extra
    return StepOutcome(detail=detail)
