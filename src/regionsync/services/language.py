"""Language authoring projects (custom text classification): both API versions, one adapter.

A project is replicated as the backup guide says — export on the source, import on the target, train,
deploy — each a job (202 + `operation-location`, polled until `succeeded`). The versions differ only
in data (`VERSIONS`): how a project kind is spelled (`customMultiLabelClassification` /
`CustomMultiLabelClassification`); the exported file is passed through untouched, so its version
field (`project-file-version` / `projectFileVersion`) never matters here. The recipe (export → import
→ one training per deployed label → one deployment per name → verify) is in language_recipe.py.

Identity: the project name. An Asset carries the project's deployment → model label map
(`details["deployments"]`, e.g. `{"prod": "v2", "staging": "v1"}`), read from its deployments and
trained models, and the map is part of the fingerprint: a secondary whose `staging` serves another
label than the primary's is drifted. Drift otherwise: the primary's `lastModifiedDateTime` newer than
the secondary's (the generic rule). A project that exists but cannot serve gets a `serving_issue`:
"imported but not trained" (no training since its last change) or "trained but not deployed" (no
deployment since).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from regionsync.domain import Asset, AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, bad_response, read_error_object
from regionsync.services.base import (
    AdapterBase,
    OperationStatus,
    ResourceInfo,
    StartedOperation,
)
from regionsync.services.bodies import OPERATION_STATES, digest, when
from regionsync.services.recipe import CopyContext, StepSpec
from regionsync.services.retry import parse_retry_after

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


_MODEL_ID = re.compile(r"^(?P<label>.+)-\d{8}T\d{6}-[0-9a-fA-F]+$")
LIST_CONCURRENCY = 8
"""How many projects' models and deployments a listing reads at once."""


def deployment_labels(
    models: Iterable[Mapping[str, Any]], deployments: Iterable[Mapping[str, Any]]
) -> dict[str, str]:
    """deployment name → the label of the trained model it serves.

    A deployment names its model by `modelId`; the trained models map ids to labels. A deployment of
    an older training of a label (retrained since) is still that label: the service writes a model id
    as `{label}-{yyyymmddThhmmss}-{hex}`. An id of no known form stands for itself.
    """
    label_of = {str(m.get("modelId")): str(m.get("label")) for m in models if isinstance(m.get("label"), str)}
    found: dict[str, str] = {}
    for d in deployments:
        name, model_id = d.get("deploymentName"), d.get("modelId")
        if not isinstance(name, str) or not isinstance(model_id, str):
            continue
        parsed = _MODEL_ID.match(model_id)
        found[name] = label_of.get(model_id) or (parsed.group("label") if parsed else model_id)
    return dict(sorted(found.items()))


def project_asset(
    item: Mapping[str, Any], version: LanguageVersion, deployments: Mapping[str, str] | None = None
) -> Asset | None:
    """An Asset from one project body (list item or get) and its deployment → label map; None when
    the body is malformed. Without a map (not read) the asset carries none and its fingerprint says so."""
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
    served = dict(sorted(deployments.items())) if deployments is not None else None
    details: dict[str, Any] = {
        "projectKind": kind,
        "language": language,
        "multilingual": multilingual,
        "lastTrainedDateTime": item.get("lastTrainedDateTime"),
        "lastDeployedDateTime": item.get("lastDeployedDateTime"),
    }
    if served is not None:
        details["deployments"] = served
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
                "deployments": served,
            }
        ),
        details=details,
        serving_issue=serving_issue(modified, trained, deployed),
    )


@dataclass(frozen=True)
class LabelTraining:
    """How the primary trained one model label, to train the copy the same way."""

    label: str
    config_version: str = "latest"
    evaluation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_EVALUATION))
    evaluation_from: str = "defaults"

    def detail(self) -> dict[str, Any]:
        return {
            "model_label": self.label,
            "training_config_version": self.config_version,
            "evaluation": self.evaluation,
            "evaluation_from": self.evaluation_from,
        }

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> LabelTraining | None:
        label = detail.get("model_label")
        if not isinstance(label, str) or not label:
            return None
        return cls(
            label=label,
            config_version=str(detail.get("training_config_version") or "latest"),
            evaluation=dict(detail.get("evaluation") or DEFAULT_EVALUATION),
            evaluation_from=str(detail.get("evaluation_from") or "defaults"),
        )


@dataclass(frozen=True)
class TrainingPlan:
    """What the primary serves: its deployment → label map, and how each label to train was trained.

    The labels to train are the deployed ones (each once); a primary with trained models but no
    deployment has its newest model trained; one with no model has nothing trained.
    """

    deployments: dict[str, str] = field(default_factory=dict)
    """deployment name → model label."""
    trainings: tuple[LabelTraining, ...] = ()
    """One per label to train, by label."""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(t.label for t in self.trainings)

    def training(self, label: str) -> LabelTraining | None:
        return next((t for t in self.trainings if t.label == label), None)

    def detail(self) -> dict[str, Any]:
        return {
            "deployments": dict(self.deployments),
            "trainings": [t.detail() for t in self.trainings],
        }

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> TrainingPlan | None:
        """The plan a step journaled; None when it journaled none (also reads a one-label plan of an
        earlier regionsync: `model_label` + a list of deployment names, all serving that label)."""
        raw = detail.get("trainings")
        if isinstance(raw, list):
            served = detail.get("deployments")
            parsed = (LabelTraining.from_detail(r) for r in raw if isinstance(r, Mapping))
            trainings = [t for t in parsed if t is not None]
            return cls(
                deployments=(
                    {str(k): str(v) for k, v in served.items()} if isinstance(served, Mapping) else {}
                ),
                trainings=tuple(sorted(trainings, key=lambda t: t.label)),
            )
        if "model_label" not in detail:
            return None
        one = LabelTraining.from_detail(detail)
        names = detail.get("deployments") or ()
        return cls(
            deployments={str(n): one.label for n in names} if one else {},
            trainings=(one,) if one else (),
        )


@dataclass(frozen=True)
class ServingState:
    """What a project holds on one resource: its metadata, trained models and deployments."""

    project: Asset | None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """label → trained model body."""
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)
    """deployment name → deployment body."""

    @property
    def labels(self) -> dict[str, str]:
        """deployment name → the label it serves."""
        return deployment_labels(self.models.values(), self.deployments.values())


class LanguageAdapter(AdapterBase):
    """One Language resource in one authoring API version (see `VERSIONS`)."""

    service = Service.LANGUAGE
    versions = VERSIONS
    copy_story = (
        "regionsync exports the project from the source, imports it into the target, trains every model "
        "label the primary serves, deploys each primary deployment name to its label, then checks the "
        "target serves the same deployment → label map"
    )
    kinds: tuple[AssetKind, ...] = (AssetKind.PROJECT,)
    replaces_in_place = True
    """An import overwrites the target project: a drifted copy is never deleted first."""
    has_copy_api = False
    """Projects are exported, imported, trained and deployed (`recipe`): AdapterBase refuses copies."""
    spec: LanguageVersion

    def _path(self, project: str = "", tail: str = "") -> str:
        path = self.spec.base
        if project:
            path += "/" + quote(project, safe="")
        return path + tail

    # ------------------------------------------------------------------------------------ reading

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        """Every project with its deployment → label map (two reads per project, a few at once)."""
        self._check(kind)
        items = [
            item
            async for item in self.http.paged(self._path(), params=self._params, context="Listing projects")
            if isinstance(item.get("projectName"), str) and item.get("projectName")
        ]
        gate = asyncio.Semaphore(LIST_CONCURRENCY)

        async def one(item: dict[str, Any]) -> Asset | None:
            async with gate:
                served = await self._served(item["projectName"])
            return project_asset(item, self.spec, served) if served is not None else None

        return [a for a in await asyncio.gather(*(one(i) for i in items)) if a is not None]

    async def get_asset(self, kind: AssetKind, asset_id: str) -> Asset | None:
        self._check(kind)
        return (await self.serving_state(asset_id)).project

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

    async def _all_or_none(self, path: str, context: str) -> list[dict[str, Any]] | None:
        try:
            return await self._all(path, context)
        except RegionSyncError as exc:
            if exc.status == 404:
                return None
            raise

    async def _served(self, name: str) -> dict[str, str] | None:
        """The deployment → label map of a listed project (None: it was deleted meanwhile)."""
        models, deployments = await asyncio.gather(
            self._all_or_none(self._path(name, "/models"), f"Listing the trained models of {name}"),
            self._all_or_none(self._path(name, "/deployments"), f"Listing the deployments of {name}"),
        )
        if models is None or deployments is None:
            return None
        return deployment_labels(models, deployments)

    async def serving_state(self, name: str) -> ServingState:
        """The project with its trained models and deployments (empty when it does not exist)."""
        # Three reads at once (a missing project makes the two listings fail too: it wins).
        body, models, deployments = await asyncio.gather(
            self._get_or_none(self._path(name), f"Reading project {name}"),
            self._all(self._path(name, "/models"), f"Listing the trained models of {name}"),
            self._all(self._path(name, "/deployments"), f"Listing the deployments of {name}"),
            return_exceptions=True,
        )
        if isinstance(body, BaseException):
            raise body
        if body is None:
            return ServingState(None)
        if isinstance(models, BaseException):
            raise models
        if isinstance(deployments, BaseException):
            raise deployments
        project = project_asset(body, self.spec, deployment_labels(models, deployments))
        if project is None:
            return ServingState(None)
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
        """On the SOURCE: the deployment → label map, and for each deployed label (else the newest
        trained one) its training config version and evaluation options (its evaluation summary)."""
        state = await self.serving_state(name)
        served = state.labels
        labels = sorted(set(served.values()))
        if not labels and state.models:
            newest = max(state.models, key=lambda lb: str(state.models[lb].get("lastTrainedDateTime") or ""))
            labels = [newest]
        trainings = await asyncio.gather(*(self._label_training(name, label, state) for label in labels))
        return TrainingPlan(deployments=served, trainings=tuple(trainings))

    async def _label_training(self, name: str, label: str, state: ServingState) -> LabelTraining:
        """How `label` was trained: its model's config version (else its deployment's) and evaluation."""
        model = state.models.get(label) or next(
            (d for n, d in state.deployments.items() if state.labels.get(n) == label), {}
        )
        evaluation, origin = dict(DEFAULT_EVALUATION), "defaults"
        summary = await self._get_or_none(
            self._path(name, f"/models/{quote(label, safe='')}/evaluation/summary-result"),
            f"Reading how {name}/{label} was evaluated",
        )
        options = summary.get("evaluationOptions") if summary else None
        if isinstance(options, Mapping):
            evaluation, origin = dict(options), "primary"
        return LabelTraining(
            label=label,
            config_version=str(model.get("modelTrainingConfigVersion") or "latest"),
            evaluation=evaluation,
            evaluation_from=origin,
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

    async def train(self, name: str, training: LabelTraining) -> StartedOperation:
        body = {
            "modelLabel": training.label,
            "trainingConfigVersion": training.config_version,
            "evaluationOptions": training.evaluation,
        }
        return await self._start(
            "POST", self._path(name, "/:train"), json=body, context=f"Training {name}/{training.label}"
        )

    async def find_training_job(self, name: str, label: str, since: datetime | None) -> str | None:
        """The URL of a training job of `label` started at or after `since` that has not failed."""
        best: tuple[str, str] | None = None
        jobs = await self._all(self._path(name, "/train/jobs"), f"Listing the training jobs of {name}")
        for job in jobs:
            result: Mapping[str, Any] = job["result"] if isinstance(job.get("result"), Mapping) else {}
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

    async def training_since_import(self, name: str, label: str) -> str | None:
        """The URL of a training job of `label` started since the project last changed (its import)
        that has not failed; None when there is none, or no project."""
        body = await self._get_or_none(self._path(name), f"Reading project {name}")
        if body is None:
            return None
        return await self.find_training_job(name, label, when(body.get("lastModifiedDateTime")))

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
        result: Mapping[str, Any] = body["result"] if isinstance(body.get("result"), Mapping) else {}
        training: Mapping[str, Any] = (
            result["trainingStatus"] if isinstance(result.get("trainingStatus"), Mapping) else {}
        )
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

    async def cancel_operation(self, operation_url: str) -> bool:
        """A training job has a cancel route (`…/train/jobs/{jobId}/:cancel`: 204 in 2022-05-01, 202
        in 2023-04-01); export, import and deploy jobs have none."""
        url = httpx.URL(operation_url)
        if "/train/jobs/" not in url.path:
            return False
        await self.http.request(
            "POST",
            str(url.copy_with(path=url.path.rstrip("/") + "/:cancel", query=None)),
            params=self._params,
            idempotent=True,  # cancelling twice is harmless
            context="Cancelling the training job",
        )
        return True

    # ------------------------------------------------------------------------------------ recipe

    def recipe(self, ctx: CopyContext) -> list[StepSpec]:
        """export → import → train:{label}… → deploy:{name}… → verify (see language_recipe.py)."""
        from regionsync.services.language_recipe import language_recipe  # it imports this module

        return language_recipe(ctx)
