"""The admin API, served only on the emulator's admin port (JSON in, JSON out).

    GET    /_emulator/world                 resources, endpoints, assets, operations, faults, clock,
                                             requests per resource and method
    GET    /_emulator/faults                the faults switched on
    DELETE /_emulator/faults                switch every fault off (outages end)
    POST   /_emulator/faults/outage         {"region": "eastus", "down": true}
    POST   /_emulator/faults/latency        {"ms": 250, "region"?: ..., "resource"?: ...}
    POST   /_emulator/faults/throttle       {"share": 0.5, "retry_after"?: 1, "region"?, "resource"?,
                                             "count"?}
    POST   /_emulator/faults/errors         {"share": 0.2, "status"?: 503, "region"?, "resource"?, "count"?}
    POST   /_emulator/faults/malformed      {"share": 1.0, "region"?, "resource"?, "count"?}
    POST   /_emulator/faults/copy-failure   {"resource"?: ..., "at_percent"?: 50, "region"?, "count"?}
    GET    /_emulator/clock                 {"now", "speed", "copy_seconds", "train_seconds", "job_seconds",
                                             "retry_hints"}
    POST   /_emulator/clock                 {"speed"?: 10.0, "copy_seconds"?: 6.0, "train_seconds"?: 20.0,
                                             "job_seconds"?: 4.0, "retry_hints"?: true}
    POST   /_emulator/clock/advance         {"seconds": 30}
    POST   /_emulator/touch                 {"resource": ..., "id": ..., "kind": "model" | "classifier" |
                                             "legacy_model" | "analyzer" | "project"}

    GET    /_emulator/identities            the tenant, its identities and their roles (auth.py)
    POST   /_emulator/token                 {"identity": "sync-bot", "scope"?: ".../.default",
                                             "resource"?: URL, "lifetime"?: 3600} → what
                                             `az account get-access-token` prints for it
    POST   /_emulator/identities/role       {"resource": ..., "identity": ..., "role": "..." | null}
    POST   /_emulator/local-auth            {"resource": ..., "disabled": true}

`retry_hints` turns on Retry-After / retry-after-ms on Document Intelligence copies (the 202 and
running polls); it is off by default because Azure's recorded copy runs carry none.

`touch` changes an asset as a person would: retrains a model, edits an analyzer (description and
lastModifiedAt), labels one more document in a project (lastModifiedDateTime); copy-failure faults
also make Content Understanding copies and Language jobs fail at that percent.

"share" faults are deterministic (share 0.5 hits every second matching request) and `count`
limits how many requests they hit. A bad body answers 400 {"error": "..."}; keys are never shown,
and a token only to whoever asks `/token` for one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from regionsync.emulator.auth import COGNITIVE_AUDIENCE, DEFAULT_TOKEN_SECONDS, directory
from regionsync.emulator.clock import format_timestamp
from regionsync.emulator.responses import json_response

if TYPE_CHECKING:
    from regionsync.emulator.world import World


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Scope(_Body):
    region: str | None = None
    resource: str | None = None


class OutageBody(_Body):
    region: str
    down: bool = True


class LatencyBody(_Scope):
    ms: float = Field(ge=0)


class ShareBody(_Scope):
    share: float = Field(ge=0, le=1)
    count: int | None = Field(default=None, ge=1)


class ThrottleBody(ShareBody):
    retry_after: int = Field(default=1, ge=0)


class ErrorsBody(ShareBody):
    status: int = Field(default=503, ge=500, le=599)


class CopyFailureBody(_Scope):
    at_percent: int = Field(default=50, ge=0, le=99)
    count: int | None = Field(default=None, ge=1)


class ClockBody(_Body):
    speed: float | None = Field(default=None, ge=0)
    copy_seconds: float | None = Field(default=None, gt=0)
    train_seconds: float | None = Field(default=None, gt=0)
    job_seconds: float | None = Field(default=None, gt=0)
    retry_hints: bool | None = None


class AdvanceBody(_Body):
    seconds: float = Field(ge=0)


class TouchBody(_Body):
    resource: str
    kind: Literal["model", "classifier", "legacy_model", "analyzer", "project"]
    id: str


class TokenBody(_Body):
    identity: str
    scope: str | None = None
    resource: str | None = None
    lifetime: float = Field(default=DEFAULT_TOKEN_SECONDS, gt=0)


class RoleBody(_Body):
    resource: str
    identity: str = Field(min_length=1)
    role: str | None


class LocalAuthBody(_Body):
    resource: str
    disabled: bool = True


class AdminError(Exception):
    """A refused admin request (400, or 404 for an unknown resource or asset)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


B = TypeVar("B", bound=_Body)


async def _parse(request: Request, model: type[B]) -> B:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise AdminError(f"{where}: {first['msg']}") from None


def admin_routes(world: World) -> list[Route]:
    """The Starlette routes of the admin API for `world`."""

    def known_region(region: str | None) -> None:
        if region is not None and region not in world.region_ports:
            raise AdminError(f"unknown region {region!r}; known: {', '.join(world.region_ports)}", 404)

    def known_resource(name: str | None) -> None:
        if name is not None and name not in world.resources:
            raise AdminError(f"unknown resource {name!r}", 404)

    def scoped(body: _Scope) -> None:
        known_region(body.region)
        known_resource(body.resource)

    async def world_view(request: Request) -> Any:
        return world.view()

    async def faults_view(request: Request) -> Any:
        return world.faults.view()

    async def faults_clear(request: Request) -> Any:
        world.faults.clear()
        return world.faults.view()

    async def outage(request: Request) -> Any:
        body = await _parse(request, OutageBody)
        known_region(body.region)
        world.faults.set_outage(body.region, body.down)
        return world.faults.view()

    async def latency(request: Request) -> Any:
        body = await _parse(request, LatencyBody)
        scoped(body)
        world.faults.set_latency(body.ms, region=body.region, resource=body.resource)
        return world.faults.view()

    async def throttle(request: Request) -> Any:
        body = await _parse(request, ThrottleBody)
        scoped(body)
        world.faults.throttle(
            body.share, body.retry_after, region=body.region, resource=body.resource, count=body.count
        )
        return world.faults.view()

    async def errors(request: Request) -> Any:
        body = await _parse(request, ErrorsBody)
        scoped(body)
        world.faults.server_errors(
            body.share, body.status, region=body.region, resource=body.resource, count=body.count
        )
        return world.faults.view()

    async def malformed(request: Request) -> Any:
        body = await _parse(request, ShareBody)
        scoped(body)
        world.faults.malformed(body.share, region=body.region, resource=body.resource, count=body.count)
        return world.faults.view()

    async def copy_failure(request: Request) -> Any:
        body = await _parse(request, CopyFailureBody)
        scoped(body)
        world.faults.fail_copies(body.resource, body.at_percent, region=body.region, count=body.count)
        return world.faults.view()

    def clock_view() -> dict[str, Any]:
        return {
            "now": format_timestamp(world.clock.now()),
            "speed": world.clock.speed,
            "copy_seconds": world.copy_seconds,
            "train_seconds": world.train_seconds,
            "job_seconds": world.job_seconds,
            "retry_hints": world.retry_hints,
        }

    async def clock_get(request: Request) -> Any:
        return clock_view()

    async def clock_set(request: Request) -> Any:
        body = await _parse(request, ClockBody)
        if body.speed is not None:
            world.clock.speed = body.speed
        if body.copy_seconds is not None:
            world.copy_seconds = body.copy_seconds
        if body.train_seconds is not None:
            world.train_seconds = body.train_seconds
        if body.job_seconds is not None:
            world.job_seconds = body.job_seconds
        if body.retry_hints is not None:
            world.retry_hints = body.retry_hints
        return clock_view()

    async def advance(request: Request) -> Any:
        body = await _parse(request, AdvanceBody)
        world.clock.advance(body.seconds)
        world.settle()
        return clock_view()

    async def touch(request: Request) -> Any:
        body = await _parse(request, TouchBody)
        known_resource(body.resource)
        try:
            world.touch(body.resource, body.kind, body.id)
        except KeyError as exc:
            raise AdminError(str(exc.args[0]), 404) from None
        return {"touched": {"resource": body.resource, "kind": body.kind, "id": body.id}}

    async def identities(request: Request) -> Any:
        return directory(world).view()

    async def token(request: Request) -> Any:
        body = await _parse(request, TokenBody)
        audience = (body.resource or (body.scope or "").removesuffix("/.default") or COGNITIVE_AUDIENCE)
        entra = directory(world)
        try:
            access_token, expires = entra.issue(
                body.identity, world.clock.now(), audience=audience.rstrip("/"), seconds=body.lifetime
            )
        except KeyError as exc:
            raise AdminError(str(exc.args[0]), 404) from None
        return {
            "accessToken": access_token,
            "expiresOn": datetime.fromtimestamp(expires).strftime("%Y-%m-%d %H:%M:%S.%f"),
            "expires_on": expires,
            "subscription": "00000000-0000-0000-0000-000000000000",
            "tenant": entra.tenant_id,
            "tokenType": "Bearer",
        }

    async def role(request: Request) -> Any:
        body = await _parse(request, RoleBody)
        known_resource(body.resource)
        directory(world).assign(body.resource, body.identity, body.role)
        return directory(world).view()

    async def local_auth(request: Request) -> Any:
        body = await _parse(request, LocalAuthBody)
        known_resource(body.resource)
        directory(world).set_local_auth(body.resource, disabled=body.disabled)
        return directory(world).view()

    def endpoint(handler: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return json_response(await handler(request))
            except AdminError as exc:
                return json_response({"error": str(exc)}, exc.status)
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)

        return run

    table: list[tuple[str, str, Callable[[Request], Awaitable[Any]]]] = [
        ("GET", "/world", world_view),
        ("GET", "/faults", faults_view),
        ("DELETE", "/faults", faults_clear),
        ("POST", "/faults/outage", outage),
        ("POST", "/faults/latency", latency),
        ("POST", "/faults/throttle", throttle),
        ("POST", "/faults/errors", errors),
        ("POST", "/faults/malformed", malformed),
        ("POST", "/faults/copy-failure", copy_failure),
        ("GET", "/clock", clock_get),
        ("POST", "/clock", clock_set),
        ("POST", "/clock/advance", advance),
        ("POST", "/touch", touch),
        ("GET", "/identities", identities),
        ("POST", "/token", token),
        ("POST", "/identities/role", role),
        ("POST", "/local-auth", local_auth),
    ]
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Any]]]] = {}
    for method, path, handler in table:
        by_path.setdefault(path, {})[method] = handler

    def route(path: str, handlers: dict[str, Callable[[Request], Awaitable[Any]]]) -> Route:
        wrapped = {method: endpoint(h) for method, h in handlers.items()}

        async def dispatch(request: Request) -> Response:
            return await wrapped[request.method](request)

        return Route(f"/_emulator{path}", dispatch, methods=list(handlers))

    return [route(path, handlers) for path, handlers in by_path.items()]
