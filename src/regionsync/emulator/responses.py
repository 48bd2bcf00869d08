"""Building answers: JSON bodies as the service writes them, problem bodies, polling hints.

`Retry-After` is what HTTP says it is — real seconds — so the emulator converts its polling hint
(emulated seconds, like the service's) by the clock's speed; `retry-after-ms` carries the precise
value for clients that read it.

Document Intelligence copies send no hint by default: Azure's recorded copy runs (v2.1, v3, v4) carry
no `Retry-After` on the 202 nor on a running poll, so a client has to find its own pace.
`copy_poll_headers` honours the world's `retry_hints` switch (`[clock] retry_hints = true`, or
`POST /_emulator/clock {"retry_hints": true}`), which turns the hints on for them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from regionsync.emulator.clock import Clock
from regionsync.emulator.problems import Problem, ProblemError, invalid_body

if TYPE_CHECKING:
    from regionsync.emulator.world import World

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
POLL_HINT_SECONDS = 2.0
"""How long (emulated) the service asks clients to wait between polls of a running operation."""

ProblemRenderer = Callable[[Problem], dict[str, Any]]


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, headers=dict(headers or {}), media_type=JSON_MEDIA_TYPE)


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=dict(headers or {}))


def problem_response(problem: Problem, render: ProblemRenderer) -> Response:
    headers = {"Retry-After": str(problem.retry_after)} if problem.retry_after is not None else None
    return json_response(render(problem), problem.status, headers)


def flat_error(problem: Problem) -> dict[str, Any]:
    """The body of a gateway-level problem (no inner error)."""
    return {"error": {"code": problem.code, "message": problem.message}}


def poll_headers(clock: Clock, finish_at: datetime) -> dict[str, str]:
    """Retry-After (real seconds, at least 1) and retry-after-ms for a running operation."""
    remaining = max(0.0, (finish_at - clock.now()).total_seconds())
    emulated = min(POLL_HINT_SECONDS, remaining) if remaining > 0 else POLL_HINT_SECONDS
    real = clock.real_seconds(emulated)
    return {
        "Retry-After": str(max(1, math.ceil(real))),
        "retry-after-ms": str(max(1, math.ceil(real * 1000))),
    }


def copy_poll_headers(world: World, finish_at: datetime) -> dict[str, str]:
    """The polling hint of a Document Intelligence copy: none unless the world's `retry_hints` is on."""
    return poll_headers(world.clock, finish_at) if world.retry_hints else {}


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; a problem (400) when it is not one."""
    raw = await request.body()
    if not raw.strip():
        raise ProblemError(invalid_body("the body is empty; a JSON object is expected."))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProblemError(invalid_body("the body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise ProblemError(invalid_body("a JSON object is expected."))
    return body


def malformed(response: Response) -> Response:
    """The same answer with its JSON body cut in half (a 200 a client cannot parse)."""
    body = bytes(response.body)
    cut = body[: max(1, len(body) // 2)]
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    }
    return Response(cut, status_code=response.status_code, headers=headers, media_type=JSON_MEDIA_TYPE)
