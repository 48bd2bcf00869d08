"""Language authoring jobs: what export, import, train, deploy and delete do, and when.

A job is accepted (202) only after its request was validated; it then runs `world.job_seconds`
(train: `world.train_seconds`) of emulated time and does its work when it finishes:

* export — the project as it was when the job started becomes the job's result (`resultUrl`);
* import — creates the project, or overwrites its metadata, classes and documents (trained models
  and deployments stay until retrained / redeployed); `lastModifiedDateTime` = the import time;
* train — a trained model `modelLabel` (new `modelId`); `lastTrainedDateTime` = the end of training;
* deploy — the deployment serves the trained model; `lastDeployedDateTime` = the end of the job;
* delete — the project is gone at once; the job only reports it.

Training spends its first 80 % in `trainingStatus` and the rest in `evaluationStatus`. A copy-failure
fault scoped to the resource (or its region) makes the next job fail at its percent, so "a job that
fails midway" can be shown; a job whose project vanished meanwhile fails when it ends.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from regionsync.emulator import problems
from regionsync.emulator.clock import format_timestamp
from regionsync.emulator.language_state import JobKind, LanguageJob, Project, ProjectDeployment, TrainedModel
from regionsync.emulator.language_versions import STRING_INDEX_TYPE, LanguageVersion
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.progress import percent_of
from regionsync.emulator.state import Resource
from regionsync.emulator.timed import plan_failure, schedule
from regionsync.emulator.world import World, trained_model_id

TRAINING_SHARE = 0.8
"""Share of a training job spent training; the rest is evaluation."""
TICKS_PER_DAY = 864_000_000_000


def new_job_id(now: datetime) -> str:
    """A job id as the service writes it: a GUID and the .NET ticks of the day it started."""
    return f"{uuid.uuid4()}_{(now.date().toordinal() - 1) * TICKS_PER_DAY}"


def start(
    world: World,
    resource: Resource,
    kind: JobKind,
    project: str,
    version: LanguageVersion,
    **details: Any,
) -> LanguageJob:
    """Accept a job: decide whether an injected fault stops it, schedule it on the clock."""
    now = world.clock.now()
    seconds = world.train_seconds if kind == "train" else world.job_seconds
    faulted = [] if kind == "delete" else [resource]
    plan = plan_failure(world, faulted, seconds, partial(problems.job_interrupted, f"{kind} job"))
    job = LanguageJob(
        job_id=new_job_id(now),
        kind=kind,
        project=project,
        api_version=version.api_version,
        created=now,
        finish_at=plan.finish_at(now),
        seconds=seconds,
        failure=plan.failure,
        fail_percent=plan.fail_percent,
        **details,
    )
    return schedule(world, resource, _jobs, job.job_id, job, finish)


def _jobs(resource: Resource) -> dict[str, LanguageJob]:
    return resource.language_jobs


def finish(world: World, resource: Resource, job: LanguageJob) -> None:
    """Settle a job whose time has come: it does its work, unless it was set to fail."""
    if job.failure is None:
        job.failure = _do(resource, job)


def _do(resource: Resource, job: LanguageJob) -> Problem | None:
    when = job.finish_at
    if job.kind == "import":
        assert job.payload is not None
        imported = job.payload.clone()
        imported.modified = when
        existing = resource.projects.get(job.project)
        if existing is None:
            imported.created = when
        else:
            imported.created = existing.created
            imported.trained_models = existing.trained_models
            imported.deployments = existing.deployments
            imported.last_trained = existing.last_trained
            imported.last_deployed = existing.last_deployed
        resource.projects[job.project] = imported
        return None
    if job.kind not in ("train", "deploy"):
        return None
    project = resource.projects.get(job.project)
    if project is None:
        return problems.project_not_found(job.project)
    label = job.model_label or ""
    if job.kind == "train":
        config = job.config_version or ""
        duration = int(job.seconds)
        project.trained_models[label] = TrainedModel(
            label, trained_model_id(label, when), when, duration, config
        )
        project.last_trained = when
        return None
    model = project.trained_models.get(label)
    if model is None:
        return problems.language_not_found(f"The trained model '{label}'")
    name = job.deployment or ""
    project.deployments[name] = ProjectDeployment(
        name, label, model.model_id, model.trained, when, model.config_version
    )
    project.last_deployed = when
    return None


# --- the exported project ----------------------------------------------------------------------------


def export_document(project: Project, version: LanguageVersion) -> dict[str, Any]:
    """The exported project file, as `resultUrl` returns it and `:import` takes it."""
    kind = version.kind_name(project.model_type)
    metadata: dict[str, Any] = {
        "projectKind": kind,
        "storageInputContainerName": project.storage_container,
        "settings": project.settings,
        "projectName": project.name,
        "multilingual": project.multilingual,
    }
    if project.description is not None:
        metadata["description"] = project.description
    metadata["language"] = project.language
    documents = []
    for document in project.documents:
        entry: dict[str, Any] = {
            "location": document["location"],
            "language": document["language"],
            "dataset": document["dataset"],
        }
        if project.model_type == "singleClassification":
            entry["class"] = {"category": document["classes"][0]}
        else:
            entry["classes"] = [{"category": c} for c in document["classes"]]
        documents.append(entry)
    return {
        version.file_version_field: version.api_version,
        "stringIndexType": STRING_INDEX_TYPE,
        "metadata": metadata,
        "assets": {
            "projectKind": kind,
            "classes": [{"category": c} for c in project.classes],
            "documents": documents,
        },
    }


def _invalid(detail: str, inner: str = "InvalidParameterValue") -> ProblemError:
    return ProblemError(problems.language_invalid(detail, inner))


def _text(data: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _invalid(f"{name} must be a non-empty string.", "InvalidRequestBodyFormat")
    return value


def parse_import(body: dict[str, Any], version: LanguageVersion, name: str, now: datetime) -> Project:
    """The project an `:import` body describes; a 400 problem when the file cannot be imported."""
    field = version.file_version_field
    file_version = body.get(field)
    if file_version is None:
        raise _invalid(f"'{field}' is required in a project file for api-version {version.api_version}.")
    if file_version not in version.file_versions:
        supported = ", ".join(sorted(version.file_versions))
        raise _invalid(
            f"The project file version '{file_version}' cannot be imported with api-version "
            f"{version.api_version} (supported: {supported}). Export and import with the same api-version."
        )
    if body.get("stringIndexType") != STRING_INDEX_TYPE:
        raise _invalid(f"stringIndexType must be '{STRING_INDEX_TYPE}'.")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise _invalid("metadata is required.", "InvalidRequestBodyFormat")
    model_type = version.model_type_of(metadata.get("projectKind"))
    if model_type is None:
        kinds = ", ".join(version.project_kinds.values())
        raise _invalid(f"metadata.projectKind must be one of {kinds}.")
    project_name = _text(metadata, "projectName", required=False)
    if project_name is not None and project_name != name:
        raise _invalid(f"metadata.projectName '{project_name}' does not match the project name '{name}'.")
    language = _text(metadata, "language", required=True) or ""
    container = _text(metadata, "storageInputContainerName", required=True) or ""
    description = _text(metadata, "description", required=False)
    multilingual = metadata.get("multilingual", False)
    settings = metadata.get("settings") or {}
    if not isinstance(multilingual, bool) or not isinstance(settings, dict):
        raise _invalid("metadata.multilingual must be a boolean and metadata.settings an object.")
    classes, documents = _assets(body.get("assets"), version, model_type, language)
    return Project(
        name=name,
        model_type=model_type,
        language=language,
        multilingual=multilingual,
        description=description,
        storage_container=container,
        created=now,
        modified=now,
        classes=classes,
        documents=documents,
        settings=dict(settings),
    )


def _category(item: object) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("category"), str):
        raise _invalid("a class is an object with a string 'category'.", "InvalidRequestBodyFormat")
    return item["category"]


def _assets(
    assets: object, version: LanguageVersion, model_type: str, language: str
) -> tuple[list[str], list[dict[str, Any]]]:
    if assets is None:
        return [], []
    if not isinstance(assets, dict) or version.model_type_of(assets.get("projectKind")) != model_type:
        raise _invalid("assets.projectKind must match metadata.projectKind.")
    raw_classes = assets.get("classes") or []
    raw_documents = assets.get("documents") or []
    if not isinstance(raw_classes, list) or not isinstance(raw_documents, list):
        raise _invalid("assets.classes and assets.documents must be arrays.", "InvalidRequestBodyFormat")
    classes = [_category(c) for c in raw_classes]
    documents = []
    for raw in raw_documents:
        if not isinstance(raw, dict) or not isinstance(raw.get("location"), str):
            raise _invalid("every document needs a string 'location'.", "InvalidRequestBodyFormat")
        if model_type == "singleClassification":
            labels = [_category(raw["class"])] if raw.get("class") is not None else []
        else:
            labels = [_category(c) for c in raw.get("classes") or []]
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise _invalid(f"document '{raw['location']}' is labelled with unknown classes {unknown}.")
        documents.append(
            {
                "location": raw["location"],
                "language": raw.get("language") or language,
                "dataset": raw.get("dataset") or "Train",
                "classes": labels,
            }
        )
    return classes, documents


# --- job status bodies --------------------------------------------------------------------------------


def render_job(job: LanguageJob, now: datetime, result_url: str | None = None) -> dict[str, Any]:
    """A job's status body (the train job's `result` included)."""
    status, _ = job.progress(now)
    body: dict[str, Any] = {
        "jobId": job.job_id,
        "createdDateTime": format_timestamp(job.created),
        "lastUpdatedDateTime": format_timestamp(job.last_updated(now)),
        "expirationDateTime": format_timestamp(job.expires),
        "status": status,
    }
    if job.kind == "export" and status == "succeeded" and result_url is not None:
        body["resultUrl"] = result_url
    if job.kind == "train":
        body["result"] = _training_result(job, now, status)
    if job.warnings:
        body["warnings"] = job.warnings
    if status == "failed" and job.failure is not None:
        body["errors"] = [job.failure.v3_error()]
    return body


def _phase(at: datetime, start: datetime, seconds: float, failed: bool) -> dict[str, Any]:
    """One sub-state (training or evaluation) as seen at `at` (a failed job: the moment it failed)."""
    end = start + timedelta(seconds=seconds)
    if at <= start:
        return {"percentComplete": 0, "status": "notStarted"}
    percent = percent_of(at, start, seconds)
    phase: dict[str, Any] = {"percentComplete": percent, "startDateTime": format_timestamp(start)}
    if at < end or (failed and at == end):
        if failed:
            phase.update(endDateTime=format_timestamp(at), status="failed")
        else:
            phase.update(percentComplete=min(99, percent), status="running")
    else:
        phase.update(percentComplete=100, endDateTime=format_timestamp(end), status="succeeded")
    return phase


def _training_result(job: LanguageJob, now: datetime, status: str) -> dict[str, Any]:
    end = job.created + timedelta(seconds=job.seconds)
    at = job.finish_at if job.finished else min(now, job.finish_at)
    if status == "succeeded":
        at = end
    failed = status == "failed"
    training = job.seconds * TRAINING_SHARE
    evaluation_start = job.created + timedelta(seconds=training)
    result: dict[str, Any] = {
        "modelLabel": job.model_label,
        "trainingConfigVersion": job.config_version,
        "trainingStatus": _phase(at, job.created, training, failed),
        "evaluationStatus": _phase(at, evaluation_start, job.seconds - training, failed),
    }
    if not job.finished:
        result["estimatedEndDateTime"] = format_timestamp(end)
    return result
