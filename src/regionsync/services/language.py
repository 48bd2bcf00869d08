"""Language authoring projects (custom text classification): both API versions, one adapter, one recipe.

A project is replicated as the backup guide says — export on the source, import on the target, train,
deploy — each a job (202 + `operation-location`, polled until `succeeded`). The versions differ only
in data (`VERSIONS`): how a project kind is spelled (`customMultiLabelClassification` /
`CustomMultiLabelClassification`); the exported file is passed through untouched, so its version
field (`project-file-version` / `projectFileVersion`) never matters here.

The recipe (`recipe(ctx)`), as the runner journals and resumes it:

| step   | on     | does                                                        | after a crash          |
| ------ | ------ | ----------------------------------------------------------- | ---------------------- |
| export | source | `:export`; when done, GET its `resultUrl` (source only)     | polled; body in memory |
| import | target | `:import` with exactly that body; `needs` it, so a new      | polled; lost answer:   |
|        |        | process exports again before it imports                     | target newer? done     |
| train  | target | `:train` the primary's deployed label with its config       | polled; lost answer:   |
|        |        | version and evaluation options (its evaluation summary)     | its training job       |
| deploy | target | `PUT deployments/{name}` for each primary deployment name   | polled (PUT repeats)   |
| verify | target | the project, the trained model and the deployments exist    |                        |

Identity: the project name. Drift: the primary's `lastModifiedDateTime` newer than the secondary's
(the generic rule). A project that exists but cannot serve gets a `serving_issue`: "imported but not
trained" (no training since its last change) or "trained but not deployed" (no deployment since).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from regionsync.domain import Asset, AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, bad_response, read_error_object
from regionsync.services.base import (
    AdapterBase,
    CopyAuthorization,
    OperationStatus,
    Peer,
    ResourceInfo,
    StartedOperation,
)
from regionsync.services.bodies import OPERATION_STATES, digest, when
from regionsync.services.retry import parse_retry_after
from regionsync.sync.recipe import CopyContext, StepOutcome, StepSpec

STRING_INDEX_TYPE = "Utf16CodeUnit"
DEFAULT_EVALUATION: dict[str, Any] = {
    "kind": "percentage",
    "trainingSplitPercentage": 80,
    "testingSplitPercentage": 20,
}
"""The service's default evaluation split, used when the primary's is not known."""
NOT_TRAINED = "imported but not trained"
NOT_DEPLOYED = "trained but not deployed"

_JOB_STATES: dict[str, JobState] = {
    **OPERATION_STATES,
    "cancelling": JobState.RUNNING,
    "partiallycompleted": JobState.FAILED,
}


@dataclass(frozen=True)
class LanguageVersion:
    """What one Language authoring API version spells its own way."""

    api_version: str
    project_kinds: Mapping[str, str]
    """Wire `projectKind` → the words regionsync shows."""
    base: str = "/language/authoring/analyze-text/projects"

    def kind_of(self, wire: Any) -> str | None:
        if not isinstance(wire, str):
            return None
        return next(
            (words for name, words in self.project_kinds.items() if name.lower() == wire.lower()), None
        )


_SINGLE, _MULTI, _ENTITIES = (
    "single-label classification",
    "multi-label classification",
    "entity recognition",
)

VERSIONS: dict[str, LanguageVersion] = {
    v.api_version: v
    for v in (
        LanguageVersion(
            "2022-05-01",
            {
                "customSingleLabelClassification": _SINGLE,
                "customMultiLabelClassification": _MULTI,
                "customNamedEntityRecognition": _ENTITIES,
            },
        ),
        LanguageVersion(
            "2023-04-01",
            {
                "CustomSingleLabelClassification": _SINGLE,
                "CustomMultiLabelClassification": _MULTI,
                "CustomEntityRecognition": _ENTITIES,
            },
        ),
    )
}
"""The Language authoring API versions regionsync speaks, keyed by api-version."""


def serving_issue(
    modified: datetime | None, trained: datetime | None, deployed: datetime | None
) -> str | None:
    """Why a project cannot serve its current content, from its own timestamps (None: it can)."""
    if trained is None or (modified is not None and trained < modified):
        return NOT_TRAINED
    if deployed is None or deployed < trained:
        return NOT_DEPLOYED
    return None


def project_asset(item: Mapping[str, Any], version: LanguageVersion) -> Asset | None:
    """An Asset from one project body (list item or get); None when it is malformed."""
    name = item.get("projectName")
    if not isinstance(name, str) or not name:
        return None
    description = item.get("description") if isinstance(item.get("description"), str) else None
    kind = version.kind_of(item.get("projectKind")) or str(item.get("projectKind") or "")
    modified = when(item.get("lastModifiedDateTime"))
    trained = when(item.get("lastTrainedDateTime"))
    deployed = when(item.get("lastDeployedDateTime"))
    language = item.get("language")
    multilingual = bool(item.get("multilingual", False))
    return Asset(
        kind=AssetKind.PROJECT,
        id=name,
        name=name,
        description=description,
        created=when(item.get("createdDateTime")),
        modified=modified,
        fingerprint=digest(
            {
                "description": description or "",
                "kind": kind,
                "language": language,
                "multilingual": multilingual,
            }
        ),
        details={
            "projectKind": kind,
            "language": language,
            "multilingual": multilingual,
            "lastTrainedDateTime": item.get("lastTrainedDateTime"),
            "lastDeployedDateTime": item.get("lastDeployedDateTime"),
        },
        serving_issue=serving_issue(modified, trained, deployed),
    )


@dataclass(frozen=True)
class TrainingPlan:
    """What the primary's training looked like, to train and deploy the copy the same way."""

    label: str | None
    """The model label to train (the deployed one, else the newest); None: the primary has none."""
    config_version: str = "latest"
    evaluation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_EVALUATION))
    evaluation_from: str = "defaults"
    deployments: tuple[str, ...] = ()

    def detail(self) -> dict[str, Any]:
        return {
            "model_label": self.label,
            "training_config_version": self.config_version,
            "evaluation": self.evaluation,
            "evaluation_from": self.evaluation_from,
            "deployments": list(self.deployments),
        }

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> TrainingPlan | None:
        if "model_label" not in detail:
            return None
        return cls(
            label=detail.get("model_label"),
            config_version=str(detail.get("training_config_version") or "latest"),
            evaluation=dict(detail.get("evaluation") or DEFAULT_EVALUATION),
            evaluation_from=str(detail.get("evaluation_from") or "defaults"),
            deployments=tuple(detail.get("deployments") or ()),
        )


@dataclass(frozen=True)
class ServingState:
    """What a project holds on one resource: its metadata, trained models and deployments."""

    project: Asset | None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """label → trained model body."""
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)
    """deployment name → deployment body."""


class LanguageAdapter(AdapterBase):
    """One Language resource in one authoring API version (see `VERSIONS`)."""

    service = Service.LANGUAGE
    versions = VERSIONS
    copy_story = (
        "regionsync exports the project from the source, imports it into the target, trains the model "
        "the primary serves, deploys it under the primary's deployment names, then checks the target"
    )
    kinds: tuple[AssetKind, ...] = (AssetKind.PROJECT,)
    replaces_in_place = True
    """An import overwrites the target project: a drifted copy is never deleted first."""
    spec: LanguageVersion

    def _path(self, project: str = "", tail: str = "") -> str:
        path = self.spec.base
        if project:
            path += "/" + quote(project, safe="")
        return path + tail

    # ------------------------------------------------------------------------------------ reading

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        self._check(kind)
        assets = []
        async for item in self.http.paged(self._path(), params=self._params, context="Listing projects"):
            asset = project_asset(item, self.spec)
            if asset is not None:
                assets.append(asset)
        return assets

    async def get_asset(self, kind: AssetKind, asset_id: str) -> Asset | None:
        self._check(kind)
        body = await self._get_or_none(self._path(asset_id), f"Reading project {asset_id}")
        return project_asset(body, self.spec) if body is not None else None

    async def resource_info(self) -> ResourceInfo:
        """The authoring API publishes no project count or limit."""
        return ResourceInfo(custom_count=None, custom_limit=None, limited=False)

    async def _get_or_none(self, path: str, context: str) -> dict[str, Any] | None:
        try:
            return await self.http.json("GET", path, params=self._params, context=context)
        except RegionSyncError as exc:
            if exc.status == 404:
                return None
            raise

    async def _all(self, path: str, context: str) -> list[dict[str, Any]]:
        return [item async for item in self.http.paged(path, params=self._params, context=context)]

    async def serving_state(self, name: str) -> ServingState:
        """The project with its trained models and deployments (empty when it does not exist)."""
        # Three reads at once (a missing project makes the two listings fail too: it wins).
        project, models, deployments = await asyncio.gather(
            self.get_asset(AssetKind.PROJECT, name),
            self._all(self._path(name, "/models"), f"Listing the trained models of {name}"),
            self._all(self._path(name, "/deployments"), f"Listing the deployments of {name}"),
            return_exceptions=True,
        )
        if isinstance(project, BaseException):
            raise project
        if project is None:
            return ServingState(None)
        if isinstance(models, BaseException):
            raise models
        if isinstance(deployments, BaseException):
            raise deployments
        return ServingState(
            project,
            {str(m.get("label")): m for m in models if isinstance(m.get("label"), str)},
            {
                str(d.get("deploymentName")): d
                for d in deployments
                if isinstance(d.get("deploymentName"), str)
            },
        )

    async def training_plan(self, name: str) -> TrainingPlan:
        """On the SOURCE: the label to train (the most recently deployed one, else the newest trained
        model), its training config version, its evaluation options and the deployment names."""
        state = await self.serving_state(name)
        if not state.models:
            return TrainingPlan(label=None, deployments=tuple(sorted(state.deployments)))
        label_of = {str(m.get("modelId")): label for label, m in state.models.items()}
        deployed = sorted(
            state.deployments.values(), key=lambda d: str(d.get("lastDeployedDateTime") or ""), reverse=True
        )
        label = next((label_of[d["modelId"]] for d in deployed if d.get("modelId") in label_of), None)
        if label is None:
            label = max(state.models, key=lambda lb: str(state.models[lb].get("lastTrainedDateTime") or ""))
        model = state.models[label]
        evaluation, origin = dict(DEFAULT_EVALUATION), "defaults"
        summary = await self._get_or_none(
            self._path(name, f"/models/{quote(label, safe='')}/evaluation/summary-result"),
            f"Reading how {name}/{label} was evaluated",
        )
        options = summary.get("evaluationOptions") if summary else None
        if isinstance(options, Mapping):
            evaluation, origin = dict(options), "primary"
        return TrainingPlan(
            label=label,
            config_version=str(model.get("modelTrainingConfigVersion") or "latest"),
            evaluation=evaluation,
            evaluation_from=origin,
            deployments=tuple(sorted(state.deployments)),
        )

    # ---------------------------------------------------------------------------------------- jobs

    async def _start(
        self,
        method: str,
        path: str,
        *,
        context: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> StartedOperation:
        """Send a job request (202 + operation-location, host-pinned). `idempotent` lets the HTTP
        layer resend it after a lost answer (an export or a deployment, never an import or training)."""
        response = await self.http.request(
            method,
            path,
            params={**self._params, **(params or {})},
            json=json,
            idempotent=idempotent,
            context=context,
        )
        location = response.headers.get("operation-location")
        if not location:
            raise bad_response(
                self.http.endpoint,
                "the job was accepted without an operation-location",
                status=response.status_code,
                side=self.http.side_label,
                context=context,
            )
        url = self.http.check_host(location, context=context)
        return StartedOperation(operation_url=url, retry_after=parse_retry_after(response.headers))

    async def export_project(self, name: str) -> StartedOperation:
        return await self._start(
            "POST",
            self._path(name, "/:export"),
            params={"stringIndexType": STRING_INDEX_TYPE},
            idempotent=True,  # a second export is harmless
            context=f"Exporting project {name}",
        )

    async def exported_project(self, result_url: str) -> dict[str, Any]:
        """The exported project file (never logged or journaled); `result_url` must be on this endpoint."""
        url = self.http.check_host(result_url, context="Reading the exported project")
        return await self.http.json("GET", url, params=self._params, context="Reading the exported project")

    async def import_project(self, name: str, exported: dict[str, Any]) -> StartedOperation:
        return await self._start(
            "POST", self._path(name, "/:import"), json=exported, context=f"Importing project {name}"
        )

    async def train(self, name: str, plan: TrainingPlan) -> StartedOperation:
        body = {
            "modelLabel": plan.label,
            "trainingConfigVersion": plan.config_version,
            "evaluationOptions": plan.evaluation,
        }
        return await self._start(
            "POST", self._path(name, "/:train"), json=body, context=f"Training {name}/{plan.label}"
        )

    async def find_training_job(self, name: str, label: str, since: datetime | None) -> str | None:
        """The URL of a training job of `label` started at or after `since` that has not failed."""
        best: tuple[str, str] | None = None
        jobs = await self._all(self._path(name, "/train/jobs"), f"Listing the training jobs of {name}")
        for job in jobs:
            result = job.get("result") if isinstance(job.get("result"), Mapping) else {}
            created = when(job.get("createdDateTime"))
            state = _JOB_STATES.get(str(job.get("status") or "").lower())
            if result.get("modelLabel") != label or state in (JobState.FAILED, JobState.CANCELED, None):
                continue
            if since is not None and (created is None or created < since):
                continue
            stamp = str(job.get("createdDateTime") or "")
            if isinstance(job.get("jobId"), str) and (best is None or stamp > best[0]):
                best = (stamp, job["jobId"])
        if best is None:
            return None
        return self.http.url(self._path(name, f"/train/jobs/{quote(best[1], safe='')}"))

    async def deploy(self, name: str, deployment: str, label: str) -> StartedOperation:
        return await self._start(
            "PUT",
            self._path(name, f"/deployments/{quote(deployment, safe='')}"),
            json={"trainedModelLabel": label},
            idempotent=True,  # deploying the same model again changes nothing
            context=f"Deploying {name}/{label} as {deployment}",
        )

    async def poll(self, operation_url: str) -> OperationStatus:
        """One read of any authoring job (export, import, train, deploy)."""
        response = await self.http.call("GET", operation_url, params=self._params, context="Reading the job")
        body = response.body
        status = str(body.get("status") or "")
        state = self._state(response, status, _JOB_STATES, "job")
        result = body.get("result") if isinstance(body.get("result"), Mapping) else {}
        training = result.get("trainingStatus") if isinstance(result.get("trainingStatus"), Mapping) else {}
        percent: int | None = 100 if state is JobState.SUCCEEDED else 0
        if state is JobState.RUNNING and isinstance(training.get("percentComplete"), int):
            percent = min(99, int(training["percentComplete"]))
        error = None
        if state in (JobState.FAILED, JobState.CANCELED):
            errors = body.get("errors") if isinstance(body.get("errors"), list) else []
            first = errors[0] if errors and isinstance(errors[0], Mapping) else None
            code, message, inner = (
                read_error_object(first)
                if first
                else ("", f"The job ended {status} without saying why.", None)
            )
            error = self._operation_error(response, code, message, inner, "The job")
        return OperationStatus(
            state=state,
            percent=percent,
            retry_after=response.retry_after,
            target_id=None,
            error=error,
            raw=body,
        )

    # --------------------------------------------------------------- the AssetAdapter copy protocol

    def _no_copy_api(self) -> RegionSyncError:
        return RegionSyncError(
            what="Language projects have no copy API: they are exported, imported, trained and deployed",
            todo="regionsync runs that recipe itself (`regionsync sync`).",
            code="NotSupported",
        )

    async def authorize_copy(
        self, kind: AssetKind, source: Asset, target_id: str | None, *, peer: Peer | None = None
    ) -> CopyAuthorization:
        raise self._no_copy_api()

    async def start_copy(
        self,
        kind: AssetKind,
        source_id: str,
        auth: CopyAuthorization,
        *,
        allow_degrade: bool = False,
        peer: Peer | None = None,
        replace: bool = False,
    ) -> StartedOperation:
        raise self._no_copy_api()

    async def find_copy_operation(self, kind: AssetKind, source_id: str, target_id: str) -> str | None:
        return None

    # ------------------------------------------------------------------------------------ recipe

    def recipe(self, ctx: CopyContext) -> list[StepSpec]:
        """export → import → train → deploy → verify (see the module docstring)."""
        return [
            StepSpec("export", _export, runs="source"),
            StepSpec(
                "import",
                _import,
                runs="target",
                needs="exported",
                restart_from="export",
                recover=_recover_import,
            ),
            StepSpec("train", _train, runs="target", recover=_recover_train),
            StepSpec("deploy", _deploy, runs="target"),
            StepSpec("verify", _verify, runs="target"),
        ]


# ------------------------------------------------------------------------------------- recipe steps


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


async def _export(c: CopyContext) -> StepOutcome:
    source, _ = _sides(c)
    name = _project_name(c)
    # Read the training plan while the export starts: after the export the job needs only the target.
    plan, started = await asyncio.gather(_plan(c), source.export_project(name))
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


async def _plan(c: CopyContext) -> TrainingPlan:
    """The primary's training, as journaled by the export or train step, else read from the source."""
    for detail in (
        c.details.get("train") or {},
        c.details.get("export") or {},
        c.memory.get("plan_detail") or {},
    ):
        plan = TrainingPlan.from_detail(detail)
        if plan is not None:
            return plan
    source, _ = _sides(c)
    plan = await source.training_plan(c.job.source_id)
    c.memory["plan_detail"] = plan.detail()
    return plan


async def _train(c: CopyContext) -> StepOutcome:
    _, target = _sides(c)
    plan = await _plan(c)
    if plan.label is None:
        return StepOutcome(detail={**plan.detail(), "skipped": "the primary has no trained model"})
    started = await target.train(_project_name(c), plan)
    return StepOutcome(
        detail=plan.detail(), operation_url=started.operation_url, retry_after=started.retry_after
    )


async def _recover_train(c: CopyContext) -> StepOutcome | None:
    """A training whose answer was lost: a training job of that label started since the import."""
    _, target = _sides(c)
    plan = await _plan(c)
    name = _project_name(c)
    if plan.label is None:
        return None
    project = await target.get_asset(AssetKind.PROJECT, name)
    if project is None:
        return None
    url = await target.find_training_job(name, plan.label, project.modified)
    if url is None:
        return None
    return StepOutcome(detail=plan.detail(), operation_url=url)


async def _deploy(c: CopyContext) -> StepOutcome:
    _, target = _sides(c)
    plan = await _plan(c)
    name = _project_name(c)
    detail = {"model_label": plan.label, "deployments": list(plan.deployments)}
    if plan.label is None or not plan.deployments:
        return StepOutcome(detail={**detail, "skipped": "the primary has no deployment of a trained model"})
    label = plan.label
    started = await asyncio.gather(*(target.deploy(name, d, label) for d in plan.deployments))
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


async def _verify(c: CopyContext) -> StepOutcome:
    _, target = _sides(c)
    plan = await _plan(c)
    name = _project_name(c)
    state = await target.serving_state(name)
    missing: list[str] = []
    if state.project is None:
        missing.append("the project")
    model = state.models.get(plan.label) if plan.label else None
    if plan.label and model is None:
        missing.append(f"the trained model {plan.label}")
    for deployment in plan.deployments if plan.label else ():
        found = state.deployments.get(deployment)
        if found is None or (model is not None and found.get("modelId") != model.get("modelId")):
            missing.append(f"the deployment {deployment} of {plan.label}")
    if missing:
        raise RegionSyncError(
            what=f"The copy of {name} finished but the target lacks {', '.join(missing)}.",
            todo="run status; sync --replace-drifted copies it again",
            code="VerifyFailed",
        )
    return StepOutcome(
        detail={
            "verified_by": "reading the target",
            "model_label": plan.label,
            "deployments": sorted(state.deployments),
        }
    )
