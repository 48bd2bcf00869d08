"""Form Recognizer v2.1 routes (`/formrecognizer/v2.1/custom/models...`): its own shapes, shared engine.

List (`op=full` with summary and nextLink, `op=summary`), get (`includeKeys`), delete,
`copyAuthorization` (201 + Location, a new GUID model id, accessToken, expirationDateTimeTicks —
seconds since the epoch, as the spec defines them), `{id}/copy` (202 + Operation-Location, no
Location) and `{id}/copyResults/{rid}` (matched case-insensitively: the service writes
`copyresults`). Errors use v2.1's flat body with numeric codes (1002 for refused copies, 1022 for
unknown models); copy failures appear in `copyResult.errors`. As the service's recordings show
(di_versions.RECORDED_FACTS["2.1"]): an authorization lives 24 hours, copyResults ids are bare GUIDs,
`copyResult.modelId` is present while the copy is notStarted / running, and the copied model keeps
the source's createdDateTime and lastUpdatedDateTime.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from regionsync.emulator import copies, problems, tokens
from regionsync.emulator.app import Call, ServiceFamily
from regionsync.emulator.clock import format_timestamp
from regionsync.emulator.di_versions import RECORDED_FACTS
from regionsync.emulator.paging import next_link, page_table
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.responses import copy_poll_headers, empty_response, json_object, json_response
from regionsync.emulator.state import LegacyModel, Operation

BASE_VERSION = "2.1"
BASE = f"formrecognizer/v{BASE_VERSION}"
Endpoint = Callable[..., Awaitable[Response]]


def render_problem(problem: Problem) -> dict[str, Any]:
    return {"error": problem.v21_error()}


def model_info(model: LegacyModel) -> dict[str, Any]:
    info: dict[str, Any] = {
        "modelId": model.model_id,
        "status": model.status,
        "createdDateTime": format_timestamp(model.created),
        "lastUpdatedDateTime": format_timestamp(model.last_updated),
    }
    if model.model_name is not None:
        info["modelName"] = model.model_name
    info["attributes"] = {"isComposed": model.composed}
    return info


def _model(call: Call, model_id: str) -> LegacyModel:
    found = call.resource.legacy_models.get(model_id.lower())
    if found is None:
        raise ProblemError(problems.legacy_model_not_found(model_id))
    return found


def _listed(model: LegacyModel) -> bool:
    return True


async def list_models(call: Call) -> Response:
    resource = call.resource
    op = call.request.query_params.get("op", "full").lower()
    if op not in ("full", "summary"):
        raise ProblemError(problems.invalid_parameter("op", "expected 'full' or 'summary'."))
    summary = {
        "count": resource.custom_model_count(),
        "limit": resource.custom_model_limit,
        "lastUpdatedDateTime": format_timestamp(call.world.clock.now()),
    }
    if op == "summary":
        return json_response({"summary": summary})
    chunk, following = page_table(
        resource.legacy_models, call.request.query_params.get("nextLink"), keep=_listed
    )
    link = (
        ""
        if following is None
        else next_link(f"{call.endpoint}/{BASE}/custom/models", {"op": "full"}, following)
    )
    return json_response({"summary": summary, "modelList": [model_info(m) for m in chunk], "nextLink": link})


async def get_model(call: Call, model_id: str) -> Response:
    model = _model(call, model_id)
    body: dict[str, Any] = {"modelInfo": model_info(model)}
    if call.request.query_params.get("includeKeys", "false").lower() == "true" and model.status == "ready":
        body["keys"] = {"clusters": {"0": list(model.fields)}}
    if model.status == "ready":
        body["trainResult"] = {
            "trainingDocuments": model.training_documents,
            "fields": [{"fieldName": f, "accuracy": model.accuracy} for f in model.fields],
            "averageModelAccuracy": model.accuracy,
            "errors": [],
        }
    return json_response(body)


async def delete_model(call: Call, model_id: str) -> Response:
    model = _model(call, model_id)
    del call.resource.legacy_models[model.model_id]
    return empty_response(204)


async def authorize_copy(call: Call) -> Response:
    model_id = str(uuid.uuid4())
    authorization = copies.authorize(
        call.world, call.resource, "legacy_model", model_id, api_version=BASE_VERSION
    )
    ticks = int(authorization.expires.timestamp())
    token = tokens.issue(call.world.secret, authorization.auth_id, "legacy_model", model_id, str(ticks))
    location = f"{call.endpoint}/{BASE}/custom/models/{model_id}"
    body = {"modelId": model_id, "accessToken": token, "expirationDateTimeTicks": ticks}
    return json_response(body, 201, {"Location": location})


async def copy_model(call: Call, model_id: str) -> Response:
    source = _model(call, model_id)
    if source.status != "ready":
        raise ProblemError(problems.legacy_model_not_found(model_id))
    body = await json_object(call.request)
    world = call.world
    target_resource_id, target_region = copies.check_target_address(
        world, body.get("targetResourceId"), body.get("targetResourceRegion")
    )
    claims = body.get("copyAuthorization")
    if not isinstance(claims, dict):
        raise ProblemError(problems.INVALID_CLAIMS)
    target_id, token, ticks = (
        claims.get("modelId"),
        claims.get("accessToken"),
        claims.get("expirationDateTimeTicks"),
    )
    if not (isinstance(target_id, str) and isinstance(token, str) and type(ticks) is int):
        raise ProblemError(problems.INVALID_CLAIMS)
    auth_id = tokens.verify(world.secret, token, "legacy_model", target_id, str(ticks))
    if auth_id is None:
        raise ProblemError(problems.INVALID_CLAIMS)
    copies.check_not_expired(world, datetime.fromtimestamp(ticks, UTC))
    target = world.resource_by_id(target_resource_id)
    location = f"{world.endpoint(target.name)}/{BASE}/custom/models/{target_id}" if target else ""
    operation = copies.start(
        world,
        copies.CopyRequest(
            source=call.resource,
            kind="legacy_model",
            source_asset=source,
            auth_id=auth_id,
            target_resource_id=target_resource_id,
            target_region=target_region,
            target_id=target_id,
            target_location=location,
            degrade=call.request.headers.get("x-ms-forms-copy-degrade", "").strip().lower() == "true",
            api_version=BASE_VERSION,
        ),
    )
    headers = {
        "Operation-Location": (
            f"{call.endpoint}/{BASE}/custom/models/{source.model_id}/copyresults/{operation.op_id}"
        ),
        **copy_poll_headers(world, operation.finish_at),
    }
    return empty_response(202, headers)


async def copy_result(call: Call, model_id: str, result_id: str) -> Response:
    operation: Operation | None = call.resource.operations.get(result_id.lower())
    if (
        operation is None
        or operation.kind != copies.OPERATION_KINDS["legacy_model"]
        or operation.source_asset_id != model_id.lower()
    ):
        raise ProblemError(problems.legacy_copy_result_not_found(result_id))
    now = call.world.clock.now()
    status, _ = operation.progress(now)
    body: dict[str, Any] = {
        "status": status,
        "createdDateTime": format_timestamp(operation.created),
        "lastUpdatedDateTime": format_timestamp(operation.last_updated(now)),
    }
    if status == "succeeded":
        body["copyResult"] = {"modelId": operation.target_id, "errors": []}
    elif status == "failed" and operation.failure is not None:
        body["copyResult"] = {
            "modelId": operation.target_id,
            "errors": [operation.failure.copy_result_error()],
        }
    elif RECORDED_FACTS[BASE_VERSION].copy_result_names_target_while_running:
        body["copyResult"] = {"modelId": operation.target_id}
    headers = None if operation.finished else copy_poll_headers(call.world, operation.finish_at)
    return json_response(body, headers=headers)


_ID = r"(?P<model_id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Endpoint]] = [
    (method, re.compile(pattern, re.IGNORECASE), handler)
    for method, pattern, handler in (
        ("GET", r"^custom/models$", list_models),
        ("POST", r"^custom/models/copyAuthorization$", authorize_copy),
        ("GET", rf"^custom/models/{_ID}$", get_model),
        ("DELETE", rf"^custom/models/{_ID}$", delete_model),
        ("POST", rf"^custom/models/{_ID}/copy$", copy_model),
        ("GET", rf"^custom/models/{_ID}/copyResults/(?P<result_id>[^/]+)$", copy_result),
    )
]


async def handle(call: Call, path: str) -> Response:
    method = call.request.method
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return await handler(call, **match.groupdict())
    raise ProblemError(problems.GATEWAY_NOT_FOUND)


FAMILIES = [ServiceFamily(prefix=BASE, service="document-intelligence", handle=handle, render=render_problem)]
