"""Language authoring routes for custom text classification (`/{resource}/language/...`).

The base path is `/{resource}/language/authoring/analyze-text/projects`.

One set of handlers for 2022-05-01 and 2023-04-01, driven by language_versions.py: projects (list,
get, PATCH create/update 201/200, DELETE → 202 deletion job), `{name}/:export` (202; the job's
status carries `resultUrl`, an absolute URL on this resource that returns the exported project),
`{name}/:import` (202), `{name}/:train` (202; the job's `result` shows training and evaluation
progress), training jobs (list, get), trained models (list, get), deployments (list, get, PUT → 202
job) and job status for each kind. Every 202 carries an absolute `operation-location` and
Retry-After; so does the status of a running job. Lists are `value` + `nextLink` (null on the last
page) and honour `top`, `skip` and `maxpagesize`. What each job does is in language_jobs.py.
Errors: ``{"error": {"code", "message", "innererror"?: {"code", "message"}}}``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.responses import Response

from regionsync.emulator import language_jobs, problems
from regionsync.emulator.app import Call, ServiceFamily
from regionsync.emulator.clock import format_timestamp
from regionsync.emulator.language_state import JobKind, LanguageJob, Project, ProjectDeployment, TrainedModel
from regionsync.emulator.language_versions import STRING_INDEX_TYPE, VERSIONS, LanguageVersion
from regionsync.emulator.paging import PAGE_SIZE
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.responses import empty_response, json_object, json_response, poll_headers

BASE = "language/authoring/analyze-text/projects"
NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$")
LABEL = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,49}$")
MODEL_LIFETIME = timedelta(days=180)
DEPLOYMENT_LIFETIME = timedelta(days=365)
MAX_PAGE_SIZE = 1000
Endpoint = Callable[..., Awaitable[Response]]
T = TypeVar("T")


@dataclass(frozen=True)
class LRequest:
    """A call routed to a Language handler with its API version resolved."""

    call: Call
    version: LanguageVersion

    @property
    def projects_url(self) -> str:
        return f"{self.call.endpoint}/{BASE}"

    def url(self, path: str) -> str:
        """An absolute URL under `projects/` carrying this request's api-version."""
        return f"{self.projects_url}/{path}?api-version={self.version.api_version}"


# --- rendering -----------------------------------------------------------------------------------


def render_problem(problem: Problem) -> dict[str, Any]:
    return {"error": problem.v3_error()}


def render_project(project: Project, version: LanguageVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "createdDateTime": format_timestamp(project.created),
        "lastModifiedDateTime": format_timestamp(project.modified),
    }
    if project.last_trained is not None:
        body["lastTrainedDateTime"] = format_timestamp(project.last_trained)
    if project.last_deployed is not None:
        body["lastDeployedDateTime"] = format_timestamp(project.last_deployed)
    body["projectKind"] = version.kind_name(project.model_type)
    body["storageInputContainerName"] = project.storage_container
    if project.settings:
        body["settings"] = project.settings
    body["projectName"] = project.name
    body["multilingual"] = project.multilingual
    if project.description is not None:
        body["description"] = project.description
    body["language"] = project.language
    return body


def render_model(model: TrainedModel, version: LanguageVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "label": model.label,
        "modelId": model.model_id,
        "lastTrainedDateTime": format_timestamp(model.trained),
        "lastTrainingDurationInSeconds": model.duration_seconds,
        "modelExpirationDate": (model.trained + MODEL_LIFETIME).date().isoformat(),
        "modelTrainingConfigVersion": model.config_version,
    }
    if version.trained_model_has_snapshot:
        body["hasSnapshot"] = True
    return body


def render_deployment(deployment: ProjectDeployment) -> dict[str, Any]:
    return {
        "deploymentName": deployment.name,
        "modelId": deployment.model_id,
        "lastTrainedDateTime": format_timestamp(deployment.trained),
        "lastDeployedDateTime": format_timestamp(deployment.deployed),
        "deploymentExpirationDate": (deployment.deployed + DEPLOYMENT_LIFETIME).date().isoformat(),
        "modelTrainingConfigVersion": deployment.config_version,
    }


# --- request parts ---------------------------------------------------------------------------------


def _query_int(r: LRequest, name: str, minimum: int) -> int | None:
    raw = r.call.request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ProblemError(problems.language_invalid(f"{name} must be an integer of at least {minimum}."))
    return value


def paged(r: LRequest, path: str, items: Sequence[T], render: Callable[[T], dict[str, Any]]) -> Response:
    """One page of `items` (`skip`, `top`, `maxpagesize`) and a `nextLink` to the rest, or null."""
    skip = _query_int(r, "skip", 0) or 0
    top = _query_int(r, "top", 0)
    size = min(_query_int(r, "maxpagesize", 1) or PAGE_SIZE, MAX_PAGE_SIZE)
    end = len(items) if top is None else min(len(items), skip + top)
    following = skip + size
    body: dict[str, Any] = {"value": [render(item) for item in items[skip : min(following, end)]]}
    link = None
    if following < end:
        query = {"api-version": r.version.api_version, "skip": str(following), "maxpagesize": str(size)}
        if top is not None:
            query["top"] = str(end - following)
        link = f"{r.projects_url}{'/' + path if path else ''}?{urlencode(query)}"
    body["nextLink"] = link
    return json_response(body)


def _project(r: LRequest, name: str) -> Project:
    project = r.call.resource.projects.get(name)
    if project is None:
        raise ProblemError(problems.project_not_found(name))
    return project


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise ProblemError(
            problems.language_invalid(f"{what} '{value}' is invalid: letters, digits, '.', '_' and '-' only.")
        )
    return value


async def _body(r: LRequest) -> dict[str, Any]:
    try:
        return await json_object(r.call.request)
    except ProblemError as exc:
        raise ProblemError(
            problems.language_invalid(exc.problem.message, "InvalidRequestBodyFormat")
        ) from None


def _accepted(r: LRequest, job: LanguageJob, status_path: str) -> Response:
    headers = {"operation-location": r.url(status_path), **poll_headers(r.call.world.clock, job.finish_at)}
    return empty_response(202, headers)


def _job(r: LRequest, job_id: str, kind: JobKind, project: str, deployment: str | None = None) -> LanguageJob:
    job = r.call.resource.language_jobs.get(job_id)
    now = r.call.world.clock.now()
    if (
        job is None
        or job.kind != kind
        or job.project != project
        or job.deployment != deployment
        or now > job.expires
    ):
        raise ProblemError(problems.language_not_found(f"The job '{job_id}'"))
    return job


def _job_response(r: LRequest, job: LanguageJob, result_url: str | None = None) -> Response:
    world = r.call.world
    body = language_jobs.render_job(job, world.clock.now(), result_url)
    headers = None if job.finished else poll_headers(world.clock, job.finish_at)
    return json_response(body, headers=headers)


# --- projects --------------------------------------------------------------------------------------


async def list_projects(r: LRequest) -> Response:
    projects = list(r.call.resource.projects.values())
    return paged(r, "", projects, lambda p: render_project(p, r.version))


async def get_project(r: LRequest, name: str) -> Response:
    return json_response(render_project(_project(r, name), r.version))


async def create_project(r: LRequest, name: str) -> Response:
    _checked(NAME, name, "The project name")
    body = await _body(r)
    model_type = r.version.model_type_of(body.get("projectKind"))
    if model_type is None:
        kinds = ", ".join(r.version.project_kinds.values())
        raise ProblemError(problems.language_invalid(f"projectKind must be one of {kinds}."))
    given = body.get("projectName")
    if given is not None and given != name:
        raise ProblemError(problems.language_invalid(f"projectName '{given}' does not match '{name}'."))
    for field in ("storageInputContainerName", "language"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise ProblemError(problems.language_invalid(f"{field} is required.", "InvalidRequestBodyFormat"))
    multilingual = body.get("multilingual", False)
    description = body.get("description")
    settings = body.get("settings") or {}
    if (
        not isinstance(multilingual, bool)
        or not isinstance(settings, dict)
        or (description is not None and not isinstance(description, str))
    ):
        raise ProblemError(
            problems.language_invalid("multilingual, description or settings has a wrong type.")
        )
    now = r.call.world.clock.now()
    existing = r.call.resource.projects.get(name)
    if existing is not None and existing.model_type != model_type:
        raise ProblemError(problems.language_invalid("The projectKind of an existing project cannot change."))
    project = existing or Project(
        name=name,
        model_type=model_type,
        language=body["language"],
        multilingual=multilingual,
        description=description,
        storage_container=body["storageInputContainerName"],
        created=now,
        modified=now,
        classes=[],
        documents=[],
    )
    project.language, project.multilingual = body["language"], multilingual
    project.description, project.storage_container = description, body["storageInputContainerName"]
    project.settings, project.modified = dict(settings), now
    r.call.resource.projects[name] = project
    return json_response(render_project(project, r.version), 200 if existing else 201)


async def delete_project(r: LRequest, name: str) -> Response:
    _project(r, name)
    del r.call.resource.projects[name]
    job = language_jobs.start(r.call.world, r.call.resource, "delete", name, r.version)
    return _accepted(r, job, f"global/deletion-jobs/{job.job_id}")


async def deletion_status(r: LRequest, job_id: str) -> Response:
    job = r.call.resource.language_jobs.get(job_id)
    if job is None or job.kind != "delete" or r.call.world.clock.now() > job.expires:
        raise ProblemError(problems.language_not_found(f"The job '{job_id}'"))
    return _job_response(r, job)


async def training_config_versions(r: LRequest) -> Response:
    expiry = "2026-04-30"
    items = [
        {"trainingConfigVersion": v, "modelExpirationDate": expiry}
        for v in r.version.training_config_versions
    ]
    return paged(r, "global/training-config-versions", items, lambda item: item)


# --- export / import -------------------------------------------------------------------------------


async def export(r: LRequest, name: str) -> Response:
    project = _project(r, name)
    index_type = r.call.request.query_params.get("stringIndexType")
    if index_type != STRING_INDEX_TYPE:
        raise ProblemError(problems.language_invalid(f"stringIndexType must be '{STRING_INDEX_TYPE}'."))
    label = r.call.request.query_params.get("trainedModelLabel")
    if label is not None and label not in project.trained_models:
        raise ProblemError(problems.language_not_found(f"The trained model '{label}'"))
    job = language_jobs.start(
        r.call.world, r.call.resource, "export", name, r.version, payload=project.clone()
    )
    return _accepted(r, job, f"{name}/export/jobs/{job.job_id}")


async def export_status(r: LRequest, name: str, job_id: str) -> Response:
    job = _job(r, job_id, "export", name)
    return _job_response(r, job, r.url(f"{name}/export/jobs/{job_id}/result"))


async def export_result(r: LRequest, name: str, job_id: str) -> Response:
    job = _job(r, job_id, "export", name)
    if job.status != "succeeded" or job.payload is None:
        raise ProblemError(problems.language_not_found(f"The result of job '{job_id}'"))
    return json_response(language_jobs.export_document(job.payload, VERSIONS[job.api_version]))


async def import_project(r: LRequest, name: str) -> Response:
    _checked(NAME, name, "The project name")
    body = await _body(r)
    project = language_jobs.parse_import(body, r.version, name, r.call.world.clock.now())
    job = language_jobs.start(r.call.world, r.call.resource, "import", name, r.version, payload=project)
    return _accepted(r, job, f"{name}/import/jobs/{job.job_id}")


async def import_status(r: LRequest, name: str, job_id: str) -> Response:
    return _job_response(r, _job(r, job_id, "import", name))


# --- training and trained models ---------------------------------------------------------------------


async def train(r: LRequest, name: str) -> Response:
    project = _project(r, name)
    body = await _body(r)
    label = body.get("modelLabel")
    if not isinstance(label, str):
        raise ProblemError(problems.language_invalid("modelLabel is required.", "InvalidRequestBodyFormat"))
    _checked(LABEL, label, "The model label")
    config = body.get("trainingConfigVersion")
    if config == "latest":
        config = r.version.latest_training_config
    if config not in r.version.training_config_versions:
        known = ", ".join(("latest", *r.version.training_config_versions))
        raise ProblemError(problems.language_invalid(f"trainingConfigVersion must be one of {known}."))
    options = body.get("evaluationOptions")
    if options is not None and not isinstance(options, dict):
        raise ProblemError(problems.language_invalid("evaluationOptions must be an object."))
    if not project.documents or not project.classes:
        raise ProblemError(
            problems.language_invalid(f"The project '{name}' has no labelled documents to train on.")
        )
    resource = r.call.resource
    if any(
        j.kind == "train" and j.project == name and not j.finished for j in resource.language_jobs.values()
    ):
        raise ProblemError(
            problems.language_conflict(f"A training job is already running for project '{name}'.")
        )
    job = language_jobs.start(
        r.call.world, resource, "train", name, r.version, model_label=label, config_version=config
    )
    return _accepted(r, job, f"{name}/train/jobs/{job.job_id}")


async def training_status(r: LRequest, name: str, job_id: str) -> Response:
    return _job_response(r, _job(r, job_id, "train", name))


async def cancel_training(r: LRequest, name: str, job_id: str) -> Response:
    """`POST {project}/train/jobs/{jobId}/:cancel`: the training stops now and ends `cancelled`."""
    job = _job(r, job_id, "train", name)
    if job.finished:
        raise ProblemError(
            problems.language_conflict(f"The training job '{job_id}' has already finished ({job.status}).")
        )
    job.cancel(r.call.world.clock.now())
    if r.version.cancel_status == 204:
        return empty_response(204, {})
    return empty_response(202, {"operation-location": r.url(f"{name}/train/jobs/{job.job_id}")})


async def list_training_jobs(r: LRequest, name: str) -> Response:
    _project(r, name)
    now = r.call.world.clock.now()
    jobs = [
        j
        for j in r.call.resource.language_jobs.values()
        if j.kind == "train" and j.project == name and now <= j.expires
    ]
    return paged(r, f"{name}/train/jobs", jobs, lambda j: language_jobs.render_job(j, now))


async def list_models(r: LRequest, name: str) -> Response:
    models = list(_project(r, name).trained_models.values())
    return paged(r, f"{name}/models", models, lambda m: render_model(m, r.version))


async def get_model(r: LRequest, name: str, label: str) -> Response:
    model = _project(r, name).trained_models.get(label)
    if model is None:
        raise ProblemError(problems.language_not_found(f"The trained model '{label}'"))
    return json_response(render_model(model, r.version))


# --- deployments -----------------------------------------------------------------------------------


async def list_deployments(r: LRequest, name: str) -> Response:
    deployments = list(_project(r, name).deployments.values())
    return paged(r, f"{name}/deployments", deployments, render_deployment)


async def get_deployment(r: LRequest, name: str, deployment: str) -> Response:
    found = _project(r, name).deployments.get(deployment)
    if found is None:
        raise ProblemError(problems.language_not_found(f"The deployment '{deployment}'"))
    return json_response(render_deployment(found))


async def deploy(r: LRequest, name: str, deployment: str) -> Response:
    project = _project(r, name)
    _checked(LABEL, deployment, "The deployment name")
    body = await _body(r)
    label = body.get("trainedModelLabel")
    if not isinstance(label, str):
        raise ProblemError(
            problems.language_invalid("trainedModelLabel is required.", "InvalidRequestBodyFormat")
        )
    if label not in project.trained_models:
        raise ProblemError(problems.language_not_found(f"The trained model '{label}'"))
    job = language_jobs.start(
        r.call.world, r.call.resource, "deploy", name, r.version, model_label=label, deployment=deployment
    )
    return _accepted(r, job, f"{name}/deployments/{deployment}/jobs/{job.job_id}")


async def deployment_status(r: LRequest, name: str, deployment: str, job_id: str) -> Response:
    return _job_response(r, _job(r, job_id, "deploy", name, deployment))


# --- routing ---------------------------------------------------------------------------------------

_P = r"(?P<name>[^/:]+)"
_JOB = r"(?P<job_id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Endpoint]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", r"^$", list_projects),
        ("GET", rf"^global/deletion-jobs/{_JOB}$", deletion_status),
        ("GET", r"^global/training-config-versions$", training_config_versions),
        ("GET", rf"^{_P}$", get_project),
        ("PATCH", rf"^{_P}$", create_project),
        ("DELETE", rf"^{_P}$", delete_project),
        ("POST", rf"^{_P}/:export$", export),
        ("GET", rf"^{_P}/export/jobs/{_JOB}$", export_status),
        ("GET", rf"^{_P}/export/jobs/{_JOB}/result$", export_result),
        ("POST", rf"^{_P}/:import$", import_project),
        ("GET", rf"^{_P}/import/jobs/{_JOB}$", import_status),
        ("POST", rf"^{_P}/:train$", train),
        ("GET", rf"^{_P}/train/jobs$", list_training_jobs),
        ("GET", rf"^{_P}/train/jobs/{_JOB}$", training_status),
        ("POST", rf"^{_P}/train/jobs/{_JOB}/:cancel$", cancel_training),
        ("GET", rf"^{_P}/models$", list_models),
        ("GET", rf"^{_P}/models/(?P<label>[^/:]+)$", get_model),
        ("GET", rf"^{_P}/deployments$", list_deployments),
        ("GET", rf"^{_P}/deployments/(?P<deployment>[^/:]+)$", get_deployment),
        ("PUT", rf"^{_P}/deployments/(?P<deployment>[^/:]+)$", deploy),
        ("GET", rf"^{_P}/deployments/(?P<deployment>[^/:]+)/jobs/{_JOB}$", deployment_status),
    )
]


def resolve_version(api_version: str | None) -> LanguageVersion:
    if not api_version:
        raise ProblemError(problems.MISSING_API_VERSION)
    version = VERSIONS.get(api_version)
    if version is None:
        raise ProblemError(problems.GATEWAY_NOT_FOUND)
    return version


async def handle(call: Call, path: str) -> Response:
    version = resolve_version(call.request.query_params.get("api-version"))
    for method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and method == call.request.method:
            return await handler(LRequest(call, version), **match.groupdict())
    raise ProblemError(problems.GATEWAY_NOT_FOUND)


FAMILIES = [ServiceFamily(prefix=BASE, service="language", handle=handle, render=render_problem)]
