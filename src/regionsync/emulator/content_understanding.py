"""Content Understanding 2025-11-01 routes (`/{resource}/contentunderstanding/...`).

analyzers: list (prebuilt first, then the resource's own in any status, `value` + `nextLink`), get,
PUT create-or-replace (201 created / 200 replaced with `allowReplace=true`, 409 otherwise; the body
is the analyzer in status `creating` with an absolute Operation-Location), PATCH (description and
tags, JSON merge patch), delete (204); `{id}:grantCopyAuthorization` on the source; `{id}:copy` on
the target — answered as the live service and its client libraries do: 201 when it creates the
analyzer, 200 when it replaces one, the analyzer body in status `creating` and an absolute
Operation-Location (the spec's 202 is contradicted by its own example); `{id}/operations/{opId}`
(`id`, `status` NotStarted/Running/Succeeded/Failed, `result` = the analyzer when it succeeded, no
`resourceLocation`); `defaults` GET and PATCH (`modelDeployments`). The copy rules are in
cu_copies.py. Errors: ``{"error": {"code", "message", "innererror"?: {"code"}}}``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from regionsync.emulator import cu_copies, problems
from regionsync.emulator.app import Call, ServiceFamily
from regionsync.emulator.clock import format_timestamp
from regionsync.emulator.copies import RESOURCE_ID_PATTERN
from regionsync.emulator.cu_prebuilt import PREBUILT_ANALYZERS, is_prebuilt_analyzer
from regionsync.emulator.cu_state import Analyzer, AnalyzerOperation
from regionsync.emulator.paging import next_link, page
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.regions import AZURE_REGIONS, REGION_PATTERN
from regionsync.emulator.responses import empty_response, json_object, json_response, poll_headers

BASE = "contentunderstanding"
API_VERSION = "2025-11-01"
ANALYZER_ID = re.compile(r"^[a-zA-Z0-9._-]{1,64}$")
OPERATION_STATUS = {
    "notStarted": "NotStarted",
    "running": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
}
EXTRA_PROPERTIES = ("dynamicFieldSchema", "processingLocation", "knowledgeSources")
Endpoint = Callable[..., Awaitable[Response]]


# --- rendering -----------------------------------------------------------------------------------


def render_problem(problem: Problem) -> dict[str, Any]:
    """Azure.Core's ErrorResponse: the specific message on top, the specific code as inner error."""
    if problem.outer_code is None:
        return {"error": {"code": problem.code, "message": problem.message}}
    return {
        "error": {
            "code": problem.outer_code,
            "message": problem.message,
            "innererror": {"code": problem.code},
        }
    }


def render_analyzer(analyzer: Analyzer) -> dict[str, Any]:
    body: dict[str, Any] = {"analyzerId": analyzer.analyzer_id}
    if analyzer.description is not None:
        body["description"] = analyzer.description
    body["tags"] = analyzer.tags
    body["status"] = analyzer.status
    body["createdAt"] = format_timestamp(analyzer.created)
    body["lastModifiedAt"] = format_timestamp(analyzer.modified)
    if analyzer.warnings:
        body["warnings"] = analyzer.warnings
    if analyzer.base_analyzer_id is not None:
        body["baseAnalyzerId"] = analyzer.base_analyzer_id
    if analyzer.config is not None:
        body["config"] = analyzer.config
    if analyzer.field_schema is not None:
        body["fieldSchema"] = analyzer.field_schema
    if analyzer.models:
        body["models"] = analyzer.models
    body.update(analyzer.extras)
    return body


def render_operation(operation: AnalyzerOperation, call: Call) -> dict[str, Any]:
    status, _ = operation.progress(call.world.clock.now())
    body: dict[str, Any] = {"id": operation.op_id, "status": OPERATION_STATUS[status]}
    if status == "succeeded" and operation.result is not None:
        body["result"] = render_analyzer(operation.result)
    if status == "failed" and operation.failure is not None:
        body["error"] = render_problem(operation.failure)["error"]
    return body


def _analyzers_url(call: Call) -> str:
    return f"{call.endpoint}/{BASE}/analyzers"


def operation_location(call: Call, operation: AnalyzerOperation) -> str:
    path = f"{operation.analyzer_id}/operations/{operation.op_id}"
    return f"{_analyzers_url(call)}/{path}?api-version={API_VERSION}"


# --- request parts ---------------------------------------------------------------------------------


def _checked_id(analyzer_id: str, name: str = "analyzerId") -> str:
    if not ANALYZER_ID.match(analyzer_id):
        raise ProblemError(problems.invalid_parameter(name, "it must match ^[a-zA-Z0-9._-]{1,64}$."))
    return analyzer_id


def _allow_replace(call: Call) -> bool:
    raw = call.request.query_params.get("allowReplace")
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise ProblemError(problems.invalid_parameter("allowReplace", "true or false is expected."))
    return raw.lower() == "true"


def _string_map(body: dict[str, Any], name: str, *, nullable: bool = False) -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or (nullable and v is None)) for k, v in value.items()
    ):
        raise ProblemError(problems.invalid_parameter(name, "an object of string values is expected."))
    return value


def _object(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise ProblemError(problems.invalid_parameter(name, "an object is expected."))
    return value


def _custom(call: Call, analyzer_id: str) -> Analyzer:
    """A custom analyzer of this resource (a prebuilt id is refused: it cannot be changed)."""
    if is_prebuilt_analyzer(analyzer_id):
        raise ProblemError(problems.prebuilt_analyzer(analyzer_id))
    analyzer = call.resource.analyzers.get(analyzer_id)
    if analyzer is None:
        raise ProblemError(problems.analyzer_not_found(analyzer_id))
    return analyzer


def _check_replaceable(call: Call, analyzer_id: str, allow_replace: bool) -> bool:
    """True when `analyzer_id` exists (and may be replaced); raises when it may not."""
    if is_prebuilt_analyzer(analyzer_id):
        raise ProblemError(problems.prebuilt_analyzer(analyzer_id))
    existing = call.resource.analyzers.get(analyzer_id)
    if existing is None:
        return False
    if existing.status == "creating":
        raise ProblemError(problems.analyzer_busy(analyzer_id))
    if not allow_replace:
        raise ProblemError(problems.analyzer_exists(analyzer_id))
    return True


def _started(call: Call, operation: AnalyzerOperation, replaced: bool) -> Response:
    headers = {
        "Operation-Location": operation_location(call, operation),
        **poll_headers(call.world.clock, operation.finish_at),
    }
    return json_response(render_analyzer(operation.pending), 200 if replaced else 201, headers)


# --- handlers --------------------------------------------------------------------------------------


async def list_analyzers(call: Call) -> Response:
    entries = [*PREBUILT_ANALYZERS.values(), *call.resource.analyzers.values()]
    chunk, following = page(entries, call.request.query_params.get("nextLink"))
    body: dict[str, Any] = {"value": [render_analyzer(a) for a in chunk]}
    if following is not None:
        body["nextLink"] = next_link(_analyzers_url(call), {"api-version": API_VERSION}, following)
    return json_response(body)


async def get_analyzer(call: Call, analyzer_id: str) -> Response:
    analyzer = PREBUILT_ANALYZERS.get(analyzer_id) or call.resource.analyzers.get(analyzer_id)
    if analyzer is None:
        raise ProblemError(problems.analyzer_not_found(analyzer_id))
    return json_response(render_analyzer(analyzer))


async def create_or_replace(call: Call, analyzer_id: str) -> Response:
    _checked_id(analyzer_id)
    replaced = _check_replaceable(call, analyzer_id, _allow_replace(call))
    body = await json_object(call.request)
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise ProblemError(problems.invalid_parameter("description", "a string is expected."))
    base = body.get("baseAnalyzerId")
    if base is not None and (
        not isinstance(base, str) or (base not in PREBUILT_ANALYZERS and base not in call.resource.analyzers)
    ):
        raise ProblemError(problems.invalid_parameter("baseAnalyzerId", f"no analyzer '{base}' exists."))
    field_schema = _object(body, "fieldSchema")
    if field_schema is not None and not isinstance(field_schema.get("fields"), dict):
        raise ProblemError(problems.invalid_parameter("fieldSchema", "fieldSchema.fields is required."))
    now = call.world.clock.now()
    pending = Analyzer(
        analyzer_id=analyzer_id,
        description=description,
        tags=_string_map(body, "tags") or {},
        base_analyzer_id=base,
        config=_object(body, "config"),
        field_schema=field_schema,
        models=_string_map(body, "models") or {},
        created=now,
        modified=now,
        extras={k: body[k] for k in EXTRA_PROPERTIES if k in body},
        base_description=description,
    )
    operation = cu_copies.start(call.world, call.resource, pending, "create")
    return _started(call, operation, replaced)


async def update_analyzer(call: Call, analyzer_id: str) -> Response:
    analyzer = _custom(call, analyzer_id)
    if analyzer.status == "creating":
        raise ProblemError(problems.analyzer_busy(analyzer_id))
    body = await json_object(call.request)
    if "description" in body:
        description = body["description"]
        if description is not None and not isinstance(description, str):
            raise ProblemError(problems.invalid_parameter("description", "a string or null is expected."))
        analyzer.description = analyzer.base_description = description
    tags = _string_map(body, "tags", nullable=True)
    if tags is not None:
        for name, value in tags.items():
            if value is None:
                analyzer.tags.pop(name, None)
            else:
                analyzer.tags[name] = value
    analyzer.modified = call.world.clock.now()
    return json_response(render_analyzer(analyzer))


async def delete_analyzer(call: Call, analyzer_id: str) -> Response:
    analyzer = _custom(call, analyzer_id)
    if analyzer.status == "creating":
        raise ProblemError(problems.analyzer_busy(analyzer_id))
    del call.resource.analyzers[analyzer_id]
    return empty_response(204)


def _region(value: object, default: str, name: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or not REGION_PATTERN.match(value):
        raise ProblemError(problems.invalid_parameter(name, f"'{value}' is not an Azure region name."))
    return value


async def grant_copy_authorization(call: Call, analyzer_id: str) -> Response:
    analyzer = _custom(call, analyzer_id)
    if analyzer.status != "ready":
        raise ProblemError(problems.analyzer_busy(analyzer_id))
    body = await json_object(call.request)
    target_id = body.get("targetAzureResourceId")
    if not isinstance(target_id, str) or not RESOURCE_ID_PATTERN.match(target_id):
        raise ProblemError(
            problems.invalid_parameter(
                "targetAzureResourceId", "an Azure resource id of a Cognitive Services account is expected."
            )
        )
    region = _region(body.get("targetRegion"), call.resource.region, "targetRegion")
    if region not in AZURE_REGIONS and region not in call.world.region_ports:
        raise ProblemError(
            problems.invalid_parameter("targetRegion", f"'{region}' is not a supported region.")
        )
    record = cu_copies.grant(call.world, call.resource, analyzer_id, target_id, region)
    return json_response(
        {
            "source": f"{_analyzers_url(call)}/{analyzer_id}",
            "targetAzureResourceId": target_id,
            "expiresAt": format_timestamp(record.expires),
        }
    )


async def copy(call: Call, analyzer_id: str) -> Response:
    _checked_id(analyzer_id)
    allow_replace = _allow_replace(call)
    body = await json_object(call.request)
    source_analyzer_id = body.get("sourceAnalyzerId")
    if not isinstance(source_analyzer_id, str) or not source_analyzer_id:
        raise ProblemError(
            problems.invalid_parameter("sourceAnalyzerId", "a source analyzer id is required.")
        )
    source_resource_id = body.get("sourceAzureResourceId", call.resource.resource_id)
    if not isinstance(source_resource_id, str):
        raise ProblemError(problems.invalid_parameter("sourceAzureResourceId", "a string is expected."))
    source_region = _region(body.get("sourceRegion"), call.resource.region, "sourceRegion")
    world = call.world
    source = world.resource_by_id(source_resource_id)
    if source is None or source.region != source_region or source.service != "content-understanding":
        raise ProblemError(problems.source_not_found(source_resource_id, source_region))
    if is_prebuilt_analyzer(source_analyzer_id):
        raise ProblemError(problems.prebuilt_analyzer(source_analyzer_id))
    original = source.analyzers.get(source_analyzer_id)
    if original is None or original.status != "ready":
        raise ProblemError(problems.analyzer_not_found(source_analyzer_id, source_resource_id))
    cu_copies.check_grant(world, source, source_analyzer_id, call.resource)
    replaced = _check_replaceable(call, analyzer_id, allow_replace)
    missing, warnings = cu_copies.check_deployments(source, call.resource, original)
    pending = original.clone()
    pending.analyzer_id = analyzer_id
    pending.warnings = warnings
    operation = cu_copies.start(
        world,
        call.resource,
        pending,
        "copy",
        source=source,
        source_analyzer_id=source_analyzer_id,
        failure=problems.deployment_missing(missing) if missing else None,
    )
    return _started(call, operation, replaced)


async def get_operation(call: Call, analyzer_id: str, op_id: str) -> Response:
    operation = call.resource.analyzer_operations.get(op_id)
    now = call.world.clock.now()
    if operation is None or operation.analyzer_id != analyzer_id or not operation.retained(now):
        raise ProblemError(problems.CU_OPERATION_NOT_FOUND)
    headers = None if operation.finished else poll_headers(call.world.clock, operation.finish_at)
    return json_response(render_operation(operation, call), headers=headers)


def _defaults(call: Call) -> Response:
    return json_response({"modelDeployments": dict(call.resource.model_deployments)})


async def get_defaults(call: Call) -> Response:
    return _defaults(call)


async def update_defaults(call: Call) -> Response:
    body = await json_object(call.request)
    changes = _string_map(body, "modelDeployments", nullable=True) or {}
    for model, deployment in changes.items():
        if deployment is None:
            call.resource.model_deployments.pop(model, None)
        else:
            call.resource.model_deployments[model] = deployment
    return _defaults(call)


# --- routing ---------------------------------------------------------------------------------------

_ID = r"(?P<analyzer_id>[^/:]+)"
ROUTES: list[tuple[str, re.Pattern[str], Endpoint]] = [
    (method, re.compile(pattern, re.IGNORECASE), handler)
    for method, pattern, handler in (
        ("GET", r"^analyzers$", list_analyzers),
        ("GET", rf"^analyzers/{_ID}$", get_analyzer),
        ("PUT", rf"^analyzers/{_ID}$", create_or_replace),
        ("PATCH", rf"^analyzers/{_ID}$", update_analyzer),
        ("DELETE", rf"^analyzers/{_ID}$", delete_analyzer),
        ("POST", rf"^analyzers/{_ID}:grantCopyAuthorization$", grant_copy_authorization),
        ("POST", rf"^analyzers/{_ID}:copy$", copy),
        ("GET", rf"^analyzers/{_ID}/operations/(?P<op_id>[^/]+)$", get_operation),
        ("GET", r"^defaults$", get_defaults),
        ("PATCH", r"^defaults$", update_defaults),
    )
]


async def handle(call: Call, path: str) -> Response:
    api_version = call.request.query_params.get("api-version")
    if not api_version:
        raise ProblemError(problems.MISSING_API_VERSION)
    if api_version != API_VERSION:
        raise ProblemError(problems.GATEWAY_NOT_FOUND)
    for method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and method == call.request.method:
            return await handler(call, **match.groupdict())
    raise ProblemError(problems.GATEWAY_NOT_FOUND)


FAMILIES = [ServiceFamily(prefix=BASE, service="content-understanding", handle=handle, render=render_problem)]
