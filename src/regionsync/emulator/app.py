"""The emulator's one Starlette app: every region, every resource, and the admin API.

A request's region is the port it arrived on (`scope["server"]`: the listener over loopback, the
URL in process). On a region port the path is `/{resource}/{service path}`; the resource must
live in that region, else the gateway answers 404 as Azure's would. The pipeline of every service
request, in order: host check (127.0.0.1/localhost only, else 421) → resource and region (counted
in `world.requests`) → service
family by path prefix → added latency → key or Entra ID token (401/403, see auth.py) → throttling
(429 + Retry-After) → injected 5xx → settle finished copies → the family's handler → malformed body
(GETs) — and every answer carries `apim-request-id` (and echoes `x-ms-client-request-id`).

Service families are a table: each module of `FAMILY_MODULES` lists its `FAMILIES` (a path
prefix, the service a resource must have, a handler, a problem renderer). Document Intelligence
registers three (v2.1, /formrecognizer, /documentintelligence), Content Understanding one
(/contentunderstanding), Language authoring one (/language/authoring/analyze-text/projects); a
resource answers only its own service's families (else the gateway's 404).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regionsync.emulator import problems
from regionsync.emulator.auth import authorize
from regionsync.emulator.problems import ProblemError
from regionsync.emulator.responses import ProblemRenderer, flat_error, malformed, problem_response
from regionsync.emulator.state import Resource

if TYPE_CHECKING:
    from regionsync.emulator.world import World

ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost"})
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@dataclass(frozen=True)
class Call:
    """One authenticated service request, as the family handlers see it."""

    world: World
    request: Request
    resource: Resource
    region: str

    @property
    def endpoint(self) -> str:
        """The resource's own endpoint (absolute URLs in answers are built on it)."""
        return self.world.endpoint(self.resource.name)


Handler = Callable[[Call, str], Awaitable[Response]]


@dataclass(frozen=True)
class ServiceFamily:
    """A group of routes under one path prefix (lower case, after the resource name)."""

    prefix: str
    service: str
    handle: Handler
    render: ProblemRenderer


FAMILY_MODULES: tuple[str, ...] = (
    "regionsync.emulator.form_recognizer_v21",
    "regionsync.emulator.document_intelligence",
    "regionsync.emulator.content_understanding",
    "regionsync.emulator.language",
)
"""Modules that each define `FAMILIES: list[ServiceFamily]`; a new service adds its module here."""


def _families() -> list[ServiceFamily]:
    from importlib import import_module

    found = [family for name in FAMILY_MODULES for family in import_module(name).FAMILIES]
    return sorted(found, key=lambda f: len(f.prefix), reverse=True)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _host_name(host: str | None) -> str:
    if not host:
        return ""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """Pure ASGI middleware: request ids on every answer, loopback hosts only, admin vs region ports."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(b"apim-request-id", str(uuid.uuid4()).encode())]
        client_request_id = _header(scope, b"x-ms-client-request-id")
        if client_request_id is not None:
            extra.append((b"x-ms-client-request-id", client_request_id.encode("latin-1")))

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if _host_name(_header(scope, b"host")) not in ALLOWED_HOSTS:
            await problem_response(problems.WRONG_HOST, flat_error)(scope, receive, send_with_ids)
            return
        server = scope.get("server")
        role = self.world.port_role(server[1] if server else None)
        is_admin_path = scope["path"].startswith("/_emulator")
        if role is None or (role[0] == "admin") != is_admin_path:
            await problem_response(problems.GATEWAY_NOT_FOUND, flat_error)(scope, receive, send_with_ids)
            return
        scope.setdefault("state", {})["region"] = role[1]
        await self.app(scope, receive, send_with_ids)


class ServiceEndpoint:
    """The pipeline every request to a resource goes through (see the module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.families = _families()

    async def handle(self, request: Request) -> Response:
        world = self.world
        region: str = request.state.region
        resource = world.resources.get(request.path_params["resource"])
        if resource is None or resource.region != region:
            return problem_response(problems.GATEWAY_NOT_FOUND, flat_error)
        world.requests[resource.name, request.method] += 1
        rest: str = request.path_params["rest"]
        found = self._family(rest)
        if found is None or found[0].service != resource.service:
            return problem_response(problems.GATEWAY_NOT_FOUND, flat_error)
        family, sub_path = found

        faults = world.faults
        delay = faults.latency_seconds(region, resource.name)
        if delay > 0:
            # A request the service has fully received is carried out even if its client is gone
            # by the time it answers: read the body first, then take the added latency.
            await request.body()
            await world.sleep(delay)
        refused = authorize(world, resource, request.headers, request.method, request.url.path)
        if refused is not None:
            return problem_response(refused, flat_error)
        throttle = faults.next_throttle(region, resource.name)
        if throttle is not None:
            return problem_response(problems.throttled(throttle.retry_after), flat_error)
        error = faults.next_error(region, resource.name)
        if error is not None:
            return problem_response(problems.server_error(error.status), flat_error)

        world.settle()
        try:
            response = await family.handle(Call(world, request, resource, region), sub_path)
        except ProblemError as failure:
            response = problem_response(failure.problem, family.render)
        if (
            request.method == "GET"
            and response.status_code == 200
            and faults.next_malformed(region, resource.name) is not None
        ):
            return malformed(response)
        return response

    def _family(self, rest: str) -> tuple[ServiceFamily, str] | None:
        lowered = rest.lower()
        for family in self.families:
            if lowered == family.prefix or lowered.startswith(family.prefix + "/"):
                return family, rest[len(family.prefix) + 1 :]
        return None


async def _not_found(request: Request) -> Response:
    return problem_response(problems.GATEWAY_NOT_FOUND, flat_error)


def build_app(world: World) -> Starlette:
    """The ASGI app of `world` (one per world; `World.app` caches it)."""
    from regionsync.emulator.admin import admin_routes

    routes = [
        *admin_routes(world),
        Route("/{resource}/{rest:path}", ServiceEndpoint(world).handle, methods=ALL_METHODS),
        Route("/{rest:path}", _not_found, methods=ALL_METHODS),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard, world=world)])
