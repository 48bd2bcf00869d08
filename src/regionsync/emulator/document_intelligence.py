"""Document Intelligence v3.0 (2022-08-31), v3.1 (2023-07-31) and v4.0 (2024-11-30) routes.

One set of handlers for every v3+ version, driven by the tables in di_versions.py: documentModels
and documentClassifiers (list with nextLink, get, delete, `:authorizeCopy`, `{id}:copyTo`),
operations (list, get) and info. api-version is required (400 MissingApiVersionParameter) and must
be one the base path serves (else the gateway's 404). Lists hold only ready assets, prebuilt models
first; a finished copy operation carries `result` (the target model) or `error`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from starlette.responses import Response

from regionsync.emulator import copies, problems, tokens
from regionsync.emulator.app import Call, ServiceFamily
from regionsync.emulator.clock import format_timestamp, parse_timestamp
from regionsync.emulator.di_versions import (
    KIND_BY_COLLECTION,
    KINDS,
    RECORDED_FACTS,
    VERSIONS,
    VERSIONS_BY_BASE,
    ApiVersionSpec,
    AssetKindSpec,
)
from regionsync.emulator.paging import next_link, page, page_table
from regionsync.emulator.prebuilt import is_prebuilt, prebuilt_details, prebuilt_summary
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.responses import copy_poll_headers, empty_response, json_object, json_response
from regionsync.emulator.state import DocAsset, Operation

ID_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$")
NEURAL_BUILD_QUOTA = 20

Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class Request3:
    """A call routed to a v3+ handler with its API version resolved."""

    call: Call
    version: ApiVersionSpec

    @property
    def base_url(self) -> str:
        return f"{self.call.endpoint}/{self.version.base}"


# --- rendering -----------------------------------------------------------------------------------


def asset_location(endpoint: str, version: ApiVersionSpec, kind: AssetKindSpec, asset_id: str) -> str:
    """Where the asset will be: `targetModelLocation` / `targetClassifierLocation` (see RECORDED_FACTS)."""
    url = f"{endpoint}/{version.base}/{kind.collection}/{asset_id}"
    recorded = RECORDED_FACTS[version.api_version]
    return f"{url}?api-version={version.api_version}" if recorded.location_has_api_version else url


def render_asset(asset: DocAsset, version: ApiVersionSpec, *, details: bool) -> dict[str, Any]:
    kind = KINDS[asset.kind]
    body: dict[str, Any] = {kind.id_field: asset.asset_id}
    if asset.description is not None:
        body["description"] = asset.description
    body["createdDateTime"] = format_timestamp(asset.created)
    if version.has_expiration:
        body["expirationDateTime"] = format_timestamp(asset.expires)
    if version.has_modified:
        body["modifiedDateTime"] = format_timestamp(asset.modified)
    body["apiVersion"] = asset.api_version
    if kind.has_tags:
        body["tags"] = asset.tags
    if details or asset.kind == "classifier":
        body["docTypes"] = asset.doc_types
    return body


def render_operation(
    operation: Operation, version: ApiVersionSpec, now: datetime, *, details: bool
) -> dict[str, Any]:
    status, percent = operation.progress(now)
    body: dict[str, Any] = {
        "operationId": operation.op_id,
        "status": status,
        "percentCompleted": percent,
        "createdDateTime": format_timestamp(operation.created),
        "lastUpdatedDateTime": format_timestamp(operation.last_updated(now)),
        "kind": operation.kind,
        "resourceLocation": operation.target_location,
        "apiVersion": operation.api_version,
        "tags": operation.tags,
    }
    if details and status == "succeeded" and isinstance(operation.result, DocAsset):
        body["result"] = render_asset(operation.result, version, details=True)
    if details and status == "failed" and operation.failure is not None:
        body["error"] = operation.failure.v3_error()
    return body


def render_problem(problem: Problem) -> dict[str, Any]:
    return {"error": problem.v3_error()}


# --- handlers --------------------------------------------------------------------------------------


def _kind(version: ApiVersionSpec, collection: str, *, copying: bool = False) -> AssetKindSpec:
    spec = KIND_BY_COLLECTION[collection.lower()]
    allowed = version.copy_kinds if copying else version.kinds
    if spec.kind not in allowed:
        raise ProblemError(problems.GATEWAY_NOT_FOUND)
    return spec


def _ready_asset(r: Request3, kind: AssetKindSpec, asset_id: str) -> DocAsset:
    asset = r.call.resource.assets(kind.kind).get(asset_id)
    if asset is None or asset.status != "ready":
        raise ProblemError(problems.not_found(kind.kind))
    return asset


def _is_ready(asset: DocAsset) -> bool:
    return asset.status == "ready"


async def list_assets(r: Request3, collection: str) -> Response:
    kind = _kind(r.version, collection)
    prebuilt = r.version.prebuilt if kind.kind == "model" else ()
    chunk, following = page_table(
        r.call.resource.assets(kind.kind),
        r.call.request.query_params.get("nextLink"),
        keep=_is_ready,
        lead=[prebuilt_summary(model_id, r.version.api_version) for model_id in prebuilt],
    )
    body: dict[str, Any] = {
        "value": [e if isinstance(e, dict) else render_asset(e, r.version, details=False) for e in chunk]
    }
    if following is not None:
        query = {"api-version": r.version.api_version}
        body["nextLink"] = next_link(f"{r.base_url}/{kind.collection}", query, following)
    return json_response(body)


async def get_asset(r: Request3, collection: str, asset_id: str) -> Response:
    kind = _kind(r.version, collection)
    if kind.kind == "model" and asset_id in r.version.prebuilt:
        return json_response(prebuilt_details(asset_id, r.version.api_version))
    return json_response(render_asset(_ready_asset(r, kind, asset_id), r.version, details=True))


async def delete_asset(r: Request3, collection: str, asset_id: str) -> Response:
    kind = _kind(r.version, collection)
    if kind.kind == "model" and is_prebuilt(asset_id):
        raise ProblemError(problems.not_deletable(asset_id))
    _ready_asset(r, kind, asset_id)
    del r.call.resource.assets(kind.kind)[asset_id]
    return empty_response(204)


def _optional_str(body: dict[str, Any], name: str, max_length: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise ProblemError(problems.invalid_parameter(name, f"a string of at most {max_length} characters."))
    return value


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise ProblemError(problems.invalid_parameter("tags", "an object of string values is expected."))
    return tags


async def authorize_copy(r: Request3, collection: str) -> Response:
    kind = _kind(r.version, collection, copying=True)
    body = await json_object(r.call.request)
    target_id = body.get(kind.id_field)
    if not isinstance(target_id, str) or not ID_PATTERN.match(target_id):
        raise ProblemError(
            problems.invalid_parameter(kind.id_field, "it must match ^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$.")
        )
    resource = r.call.resource
    authorization = copies.authorize(
        r.call.world,
        resource,
        kind.kind,
        target_id,
        api_version=r.version.api_version,
        description=_optional_str(body, "description", 4096),
        tags=_tags(body),
    )
    location = asset_location(r.call.endpoint, r.version, kind, target_id)
    expiration = format_timestamp(authorization.expires)
    token = tokens.issue(
        r.call.world.secret, authorization.auth_id, kind.kind, target_id, location, expiration
    )
    return json_response(
        {
            "targetResourceId": resource.resource_id,
            "targetResourceRegion": resource.region,
            kind.target_id_field: target_id,
            kind.location_field: location,
            "accessToken": token,
            "expirationDateTime": expiration,
        }
    )


async def copy_to(r: Request3, collection: str, asset_id: str) -> Response:
    kind = _kind(r.version, collection, copying=True)
    if kind.kind == "model" and is_prebuilt(asset_id):
        raise ProblemError(problems.not_deletable(asset_id))
    source_asset = _ready_asset(r, kind, asset_id)
    body = await json_object(r.call.request)
    world = r.call.world
    target_resource_id, target_region = copies.check_target_address(
        world, body.get("targetResourceId"), body.get("targetResourceRegion")
    )
    target_id = body.get(kind.target_id_field)
    location = body.get(kind.location_field)
    token = body.get("accessToken")
    expiry = (
        parse_timestamp(body["expirationDateTime"])
        if isinstance(body.get("expirationDateTime"), str)
        else None
    )
    if not (isinstance(target_id, str) and isinstance(location, str) and isinstance(token, str) and expiry):
        raise ProblemError(problems.INVALID_CLAIMS)
    auth_id = tokens.verify(world.secret, token, kind.kind, target_id, location, format_timestamp(expiry))
    if auth_id is None:
        raise ProblemError(problems.INVALID_CLAIMS)
    copies.check_not_expired(world, expiry)
    degrade = r.call.request.headers.get("x-ms-forms-copy-degrade", "").strip().lower() == "true"
    operation = copies.start(
        world,
        copies.CopyRequest(
            source=r.call.resource,
            kind=kind.kind,
            source_asset=source_asset,
            auth_id=auth_id,
            target_resource_id=target_resource_id,
            target_region=target_region,
            target_id=target_id,
            target_location=location,
            degrade=degrade,
            api_version=r.version.api_version,
        ),
    )
    headers = {
        "Operation-Location": (
            f"{r.base_url}/operations/{operation.op_id}?api-version={r.version.api_version}"
        ),
        **copy_poll_headers(world, operation.finish_at),
    }
    return empty_response(202, headers)


def _visible(r: Request3, operation: Operation, now: datetime) -> bool:
    """Operations of this version's kinds, kept 24 h after they finish (as the service does)."""
    if operation.kind not in r.version.operation_kinds:
        return False
    return operation.retained(now)


def _visible_operations(r: Request3, now: datetime) -> list[Operation]:
    return [op for op in r.call.resource.operations.values() if _visible(r, op, now)]


async def list_operations(r: Request3) -> Response:
    now = r.call.world.clock.now()
    chunk, following = page(_visible_operations(r, now), r.call.request.query_params.get("nextLink"))
    body: dict[str, Any] = {"value": [render_operation(op, r.version, now, details=False) for op in chunk]}
    if following is not None:
        body["nextLink"] = next_link(
            f"{r.base_url}/operations", {"api-version": r.version.api_version}, following
        )
    return json_response(body)


async def get_operation(r: Request3, op_id: str) -> Response:
    operation = r.call.resource.operations.get(op_id)
    now = r.call.world.clock.now()
    if operation is None or not _visible(r, operation, now):
        raise ProblemError(problems.not_found("operation"))
    body = render_operation(operation, r.version, now, details=True)
    headers = None if operation.finished else copy_poll_headers(r.call.world, operation.finish_at)
    return json_response(body, headers=headers)


async def info(r: Request3) -> Response:
    resource = r.call.resource
    body: dict[str, Any] = {
        "customDocumentModels": {"count": resource.custom_model_count(), "limit": resource.custom_model_limit}
    }
    if r.version.neural_build_quota:
        now = r.call.world.clock.now()
        reset = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=32)).replace(
            day=1
        )
        body["customNeuralDocumentModelBuilds"] = {
            "used": 0,
            "quota": NEURAL_BUILD_QUOTA,
            "quotaResetDateTime": format_timestamp(reset),
        }
    return json_response(body)


# --- routing ---------------------------------------------------------------------------------------

_COLLECTION = r"(?P<collection>documentModels|documentClassifiers)"
_ID = r"(?P<asset_id>[^/:]+)"
ROUTES: list[tuple[str, re.Pattern[str], Endpoint]] = [
    (method, re.compile(pattern, re.IGNORECASE), handler)
    for method, pattern, handler in (
        ("GET", rf"^{_COLLECTION}$", list_assets),
        ("POST", rf"^{_COLLECTION}:authorizeCopy$", authorize_copy),
        ("GET", rf"^{_COLLECTION}/{_ID}$", get_asset),
        ("DELETE", rf"^{_COLLECTION}/{_ID}$", delete_asset),
        ("POST", rf"^{_COLLECTION}/{_ID}:copyTo$", copy_to),
        ("GET", r"^operations$", list_operations),
        ("GET", r"^operations/(?P<op_id>[^/]+)$", get_operation),
        ("GET", r"^info$", info),
    )
]


def resolve_version(base: str, api_version: str | None) -> ApiVersionSpec:
    if not api_version:
        raise ProblemError(problems.MISSING_API_VERSION)
    if api_version not in VERSIONS_BY_BASE[base]:
        raise ProblemError(problems.GATEWAY_NOT_FOUND)
    return VERSIONS[api_version]


async def handle(call: Call, path: str, *, base: str) -> Response:
    version = resolve_version(base, call.request.query_params.get("api-version"))
    method = call.request.method
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return await handler(Request3(call, version), **match.groupdict())
    raise ProblemError(problems.GATEWAY_NOT_FOUND)


FAMILIES = [
    ServiceFamily(
        prefix=base, service="document-intelligence", handle=partial(handle, base=base), render=render_problem
    )
    for base in sorted(VERSIONS_BY_BASE)
]
