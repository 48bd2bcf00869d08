"""AzureHttp: the one way regionsync talks to a resource — auth, api-version, retries, errors, host pinning.

One instance per resource (endpoint + credential), over a shared `httpx.AsyncClient`. Every request
gets the auth header, `api-version` (when the instance has one and the URL does not), a fresh
`x-ms-client-request-id` and the User-Agent; transient failures are retried by the decisions in
`retry.py` (one loop, here); every failure leaves as a `RegionSyncError` from the catalogue, with
the credential's secrets redacted. The key is only ever sent to the endpoint's scheme+host+port: a
link to anywhere else (Operation-Location, Location, nextLink) is refused before anything is sent.
With an Entra ID credential a 401 fetches a fresh token once before it counts (`_reauthenticate`),
and a 401/403 is explained with the identity, the resource and the role to assign (`_entra_advice`).

Listing thousands of assets sends a request per page, so the per-request work is kept small: the
endpoint's origin is parsed once (a link that starts with the endpoint's own `scheme://authority/`
is on it without parsing it again), a URL string is parsed once however many steps look at it
(`_parsed`), and the fixed headers are built once per instance.

Nothing a service sends can take unbounded memory or time (`ResponseLimits`): a body is read in
chunks and abandoned past `max_body` (32 MiB, `REGIONSYNC_MAX_BODY`); before it is parsed its JSON
nesting depth, and on a listing page its number of items, are counted on the body's skeleton (strings
removed), so neither a 200,000-deep `[` nor a 200,000-item page is ever turned into Python objects;
a listing stops after `max_pages` pages or `listing_seconds` spent waiting for them (a service whose
nextLink changes on every page would otherwise be followed for ever). These refusals are not retried.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import httpx

from regionsync import __version__, settings
from regionsync.credentials import Credential, EntraCredential
from regionsync.domain import Service
from regionsync.errors import (
    RegionSyncError,
    bad_response,
    connection_lost,
    entra_refused,
    from_response,
    host_not_allowed,
    origin_of,
    outcome_unknown,
    request_id_of,
    timeout,
    unreachable,
)
from regionsync.services.retry import (
    Failure,
    RetrySettings,
    Verdict,
    decide,
    is_idempotent,
    parse_retry_after,
)

log = logging.getLogger("regionsync.http")

listing_progress: ContextVar[Callable[[int], None] | None] = ContextVar("listing_progress", default=None)
"""Told the item count of every page of the first listing `paged` reads in this task, when someone
listens: the engine sets it around an adapter's `list_assets` to show progress on long listings.
That first listing consumes it, so the reads that follow (a Language project's deployments, in
tasks started after it) are not counted as assets. It never changes what is read."""

USER_AGENT = f"regionsync/{__version__}"

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TIMEOUTS = (httpx.ReadTimeout, httpx.WriteTimeout)
_FATAL = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)

_MAX_URL_LENGTH = 65536
"""httpx refuses longer URLs; such a URL never takes the fast path."""
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
"""`scheme://authority` at the start of a URL, split where httpx splits it."""


@lru_cache(maxsize=512)
def _parsed(url: str) -> httpx.URL:
    """`httpx.URL(url)`, parsed once for every step that looks at it (pinning, query, request) and for
    the URLs that recur (an operation polled again and again). URLs are immutable, so sharing is safe."""
    return httpx.URL(url)


def _pin_prefix(endpoint: str, origin: str) -> str | None:
    """The endpoint's own `scheme://authority/` as written: a URL starting with it is on the endpoint's
    origin (httpx reads the authority up to the first `/`, `?` or `#`). None if that cannot be relied on."""
    match = _AUTHORITY.match(endpoint)
    if match is None:
        return None
    prefix = match.group(0) + "/"
    try:
        same = origin_of(prefix) == origin
    except httpx.InvalidURL:
        same = False
    return prefix if same else None


# ------------------------------------------------------------------------------------------- limits

def format_size(size: int) -> str:
    """Bytes in the largest binary unit that divides them (33554432 → '32 MiB')."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class ResponseLimits:
    """How much of a service's answers regionsync reads before it stops and says so."""

    max_body: int = 32 << 20
    """Bytes of one (decoded) body: REGIONSYNC_MAX_BODY (e.g. 64MiB)."""
    max_depth: int = 128
    """Nesting levels of a JSON body (Azure's deepest answers, field schemas, stay far below)."""
    max_page_items: int = 10_000
    """Items in one page of a listing: REGIONSYNC_MAX_PAGE_ITEMS."""
    max_pages: int = 1_000
    """Pages of one listing: REGIONSYNC_MAX_PAGES."""
    listing_seconds: float = 600.0
    """Seconds spent waiting for the pages of one listing: REGIONSYNC_LISTING_SECONDS."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ResponseLimits:
        """The defaults, with what the environment overrides (`settings`); a bad value is a
        RegionSyncError."""
        default = cls()
        values: dict[str, Any] = {}
        readers: tuple[tuple[str, Callable[[Mapping[str, str] | None], Any]], ...] = (
            ("max_body", settings.max_body),
            ("max_page_items", settings.max_page_items),
            ("max_pages", settings.max_pages),
            ("listing_seconds", settings.listing_seconds),
        )
        for name, read in readers:
            try:
                value = read(environ)
            except settings.BadSetting as bad:
                raise RegionSyncError(
                    what=f"{bad.variable} is set to {bad.raw!r}, which is not {bad.expected}",
                    why=f"It sets a limit on what regionsync reads from a service (default "
                    f"{_shown(name, getattr(default, name))}).",
                    todo=f"Set {bad.variable} to {bad.expected}, or unset it to use the default.",
                    code="BadSetting",
                ) from None
            if value is not None:
                values[name] = value
        return replace(default, **values) if values else default


def _shown(name: str, value: Any) -> str:
    if name == "max_body":
        return format_size(int(value))
    if name == "listing_seconds":
        return f"{value:g} s"
    return str(value)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
"""A JSON string, escapes included: removed before counting brackets, which a string may hold."""
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{},")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_LEFT_BRACKET = ord("[")


def shape_problem(content: bytes, max_depth: int, max_items: int | None = None) -> str | None:
    """What is wrong with the *shape* of a JSON body, counted before it is parsed: nested deeper than
    `max_depth`, or (on a listing page, `max_items` given) an array member of the top object with more
    than `max_items` items. None when neither; a body that is not JSON at all is for the parser to say.

    Counting stops at the first excess, and the cheap counts answer alone for most bodies."""
    opens = content.count(b"[") + content.count(b"{")
    few_items = max_items is None or content.count(b",") < max_items
    if opens <= max_depth and few_items:
        return None
    # Strings out: split at quotes when none is escaped (the common case, at C speed), else a regex.
    outside = _JSON_STRING.sub(b"", content) if b'\\"' in content else b"".join(content.split(b'"')[::2])
    skeleton = outside.translate(None, _NOT_BRACKET if few_items else _NOT_STRUCTURE)
    counting = not few_items and skeleton[:1] == b"{"
    depth = 0
    commas = 0
    in_array = False
    for char in skeleton:
        if char in _OPEN:
            depth += 1
            if depth > max_depth:
                return f"the JSON is nested more than {max_depth} levels deep"
            if depth == 2:
                commas = 0
                in_array = counting and char == _LEFT_BRACKET
        elif char in _CLOSE:
            depth -= 1
        elif depth == 2 and in_array:  # a comma between two items of an array member of the top object
            commas += 1
            if max_items is not None and commas >= max_items:
                return f"a page of the listing holds more than {max_items} items"
    return None


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer with its JSON body already read."""

    status: int
    headers: httpx.Headers
    body: dict[str, Any]
    url: str

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.headers)

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers)


class AzureHttp:
    """Requests to one resource: `request` (raw), `call`/`json` (parsed), `paged` (follows nextLink)."""

    resource_id: str = ""
    """The resource's Azure id (set by its adapter), for advice: an Entra ID role assignment's scope."""

    def __init__(
        self,
        endpoint: str,
        credential: Credential,
        *,
        client: httpx.AsyncClient,
        api_version: str | None,
        retry: RetrySettings = RetrySettings(),
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        side_label: str = "",
        service: Service | None = None,
        timeout: httpx.Timeout | None = None,
        rand: Callable[[], float] = random.random,
        limits: ResponseLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.strip().rstrip("/")
        self.credential = credential
        self.client = client
        self.api_version = api_version
        self.retry = retry
        self.side_label = side_label
        self.service = service
        self._sleep = sleep
        self._timeout = timeout
        self._rand = rand
        self.limits = limits if limits is not None else ResponseLimits.from_env()
        self._clock = clock
        self._origin = origin_of(self.endpoint)
        self._prefix = _pin_prefix(self.endpoint, self._origin)
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        self._options: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}

    def __repr__(self) -> str:
        return f"AzureHttp({self.endpoint!r}, side={self.side_label!r}, api_version={self.api_version!r})"

    @property
    def origin(self) -> str:
        """`scheme://host:port` of the endpoint: the only place the key is ever sent."""
        return self._origin

    def url(self, path: str) -> str:
        """An absolute URL for `path` (relative to the endpoint). Absolute URLs pass through, and a
        network-path link (`//host/...`) names its own host, as a browser would read it."""
        if path.startswith("//") or "://" in path.split("?", 1)[0]:
            if self._plain_link(path):
                return str(_parsed(path))
            return str(_parsed(self.endpoint + "/").join(path))
        return self.endpoint + (path if path.startswith("/") else "/" + path)

    def check_host(self, url: str, *, context: str = "") -> str:
        """`url` if it is on the endpoint's scheme+host+port; HostNotAllowed otherwise."""
        absolute = self.url(url)
        if self._on_endpoint(absolute):
            return absolute
        try:
            same = origin_of(absolute) == self._origin
        except httpx.InvalidURL:
            same = False
        if not same:
            raise host_not_allowed(absolute, self.endpoint, side=self.side_label, context=context)
        return absolute

    def _on_endpoint(self, absolute: str) -> bool:
        """True when `absolute` starts with the endpoint's own `scheme://authority/` and httpx will read
        it as written: then its origin is the endpoint's, known without parsing it. False means "not
        known here" (`check_host` then parses it), never "off the endpoint"."""
        prefix = self._prefix
        return (
            prefix is not None
            and absolute.startswith(prefix)
            and len(absolute) <= _MAX_URL_LENGTH
            and absolute.isprintable()
        )

    def _plain_link(self, link: str) -> bool:
        """An absolute link on the endpoint that joining onto an endpoint URL leaves as httpx reads it:
        no fragment and no empty trailing query (which the stdlib's join would drop)."""
        return self._on_endpoint(link) and "#" not in link and not link.endswith("?")

    def _join(self, base: str, link: str) -> str:
        """`link` (a nextLink) read relative to `base`, the page that carried it, as `httpx.URL.join` does."""
        if self._plain_link(link):
            return str(_parsed(link))
        return str(_parsed(base).join(link))

    # ------------------------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        context: str | None = None,
    ) -> httpx.Response:
        """Send with retries; a 2xx/3xx response, or a RegionSyncError."""
        response, _ = await self._send(method, path_or_url, params, json, headers, idempotent, context, False)
        return response

    async def call(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        context: str | None = None,
    ) -> ApiResponse:
        """Send and read the JSON body (an empty body reads as {}); non-JSON → `BadResponse`."""
        response, body = await self._send(
            method, path_or_url, params, json, headers, idempotent, context, True
        )
        return ApiResponse(
            status=response.status_code, headers=response.headers, body=body or {}, url=str(response.url)
        )

    async def json(self, method: str, path_or_url: str, **kw: Any) -> dict[str, Any]:
        """Send and return the JSON object the service answered."""
        return (await self.call(method, path_or_url, **kw)).body

    async def paged(
        self,
        path: str,
        items_key: str = "value",
        *,
        params: Mapping[str, str] | None = None,
        context: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a listing, following `nextLink` (host-pinned like every other link).

        A listing has a budget (`ResponseLimits`): at most `max_page_items` items a page, `max_pages`
        pages, and `listing_seconds` spent waiting for them; past it the listing stops with an error
        that says the service may be looping. The next page is asked for as soon as its link is known,
        while the items of this one are read (one page ahead, never more)."""
        limits = self.limits
        url = self.url(path)
        seen = {url}
        pages = 0
        waited = 0.0

        async def fetch(page_url: str) -> tuple[Any, float]:
            started = self._clock()
            _, body = await self._send(
                "GET", page_url, params, None, None, None, context, True, limits.max_page_items
            )
            return body, self._clock() - started

        report = listing_progress.get()
        if report is not None:
            listing_progress.set(None)  # consumed: only this listing reports (see `listing_progress`)
        pending: asyncio.Future[tuple[Any, float]] | None = asyncio.ensure_future(fetch(url))
        try:
            while pending is not None:
                body, seconds = await pending
                pending = None
                waited += seconds
                pages += 1
                body = body or {}
                items = body.get(items_key)
                if items is None:
                    items = []
                if not isinstance(items, list):
                    raise self._bad(f"`{items_key}` is not a list", context=context)
                if report is not None:
                    report(len(items))
                next_link = body.get("nextLink")
                stop: RegionSyncError | None = None
                if next_link and isinstance(next_link, str):
                    try:
                        url = self._next_page(url, next_link, seen, pages, waited, context)
                    except RegionSyncError as exc:
                        stop = exc  # raised once this page's items are read, as before
                    else:
                        pending = asyncio.ensure_future(fetch(url))  # one page ahead while these are read
                for item in items:
                    if isinstance(item, dict):
                        yield item
                if stop is not None:
                    raise stop
        finally:
            if pending is not None:  # the reader stopped early, or a page's items were refused
                if not pending.done():
                    pending.cancel()
                elif not pending.cancelled():
                    pending.exception()  # retrieved: its error is moot once the listing is abandoned

    def _next_page(
        self, url: str, next_link: str, seen: set[str], pages: int, waited: float, context: str | None
    ) -> str:
        """The next page's URL, once the listing's budget allows it (`paged`'s runaway checks)."""
        limits = self.limits
        url = self._join(url, next_link)
        if url in seen:
            raise self._bad("the listing's nextLink points back to a page already read", context=context)
        seen.add(url)
        if pages >= limits.max_pages:
            raise self._runaway(
                f"{{where}} returned more than {limits.max_pages} pages for one listing — the service "
                "may be looping",
                f"{pages} pages read, and the last still links to another; "
                f"{settings.MAX_PAGES_ENV} = {limits.max_pages}",
                settings.MAX_PAGES_ENV,
                context,
            )
        if waited > limits.listing_seconds:
            raise self._runaway(
                f"{{where}} took more than {limits.listing_seconds:g} s for one listing ({pages} pages) "
                "— the service may be looping or very slow",
                f"{waited:.0f} s spent waiting for {pages} pages, and the last still links to another; "
                f"{settings.LISTING_SECONDS_ENV} = {limits.listing_seconds:g}",
                settings.LISTING_SECONDS_ENV,
                context,
            )
        return url

    # ---------------------------------------------------------------------------------- the loop

    async def _send(
        self,
        method: str,
        path_or_url: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        idempotent: bool | None,
        context: str | None,
        parse: bool,
        max_items: int | None = None,
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        method = method.upper()
        context = context or f"{method} {_parsed(self.url(path_or_url)).path}"
        url = self.check_host(path_or_url, context=context)
        query = self._query(url, params)
        target: httpx.URL | str | None = None
        extra: dict[str, str] | None = None
        safe = is_idempotent(method, idempotent)
        request_headers = {
            **self._headers,
            "x-ms-client-request-id": str(uuid.uuid4()),
            **(headers or {}),
        }
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            sent = await self.credential.auth_headers()
            request_headers.update(sent)
            if target is None:
                target, extra = self._target(url, query)
            request = self.client.build_request(
                method, target, params=extra, json=json, headers=request_headers, **self._options
            )
            try:
                # Never follow redirects, whatever the shared client says: httpx would carry the
                # subscription-key header (not an Authorization one) to wherever a 3xx points.
                response = await self.client.send(request, follow_redirects=False, stream=True)
                try:
                    await self._read_body(response, context)
                finally:
                    await response.aclose()
            except _FATAL as exc:
                raise self._clean(
                    unreachable(self.endpoint, _describe(exc), side=self.side_label, context=context)
                ) from None
            except httpx.TransportError as exc:
                failure = Failure.NOT_SENT if isinstance(exc, _NOT_SENT) else Failure.SENT_NO_ANSWER
                decision = decide(self.retry, attempt, failure, idempotent=safe, rand=self._rand)
                log.debug("%s %s attempt %d: %s → %s", method, context, attempt, type(exc).__name__, decision)
                if decision.verdict is Verdict.RETRY:
                    await self._sleep(decision.delay)
                    continue
                raise self._transport_error(exc, failure, decision.verdict, method, url, context) from None

            status = response.status_code
            if status == 401 and not reauthenticated and await self._reauthenticate(sent):
                # A token refused (revoked, or expired early): one fresh token, then a 401 counts.
                # The gateway refused before doing anything, so even a POST is safe to send again.
                reauthenticated = True
                attempt -= 1
                log.debug("%s %s: HTTP 401 → a fresh token, once", method, context)
                continue
            if status >= 400:
                retry_after = parse_retry_after(response.headers)
                decision = decide(
                    self.retry,
                    attempt,
                    Failure.STATUS,
                    idempotent=safe,
                    status=status,
                    retry_after=retry_after,
                    rand=self._rand,
                )
                log.debug("%s %s attempt %d: HTTP %d → %s", method, context, attempt, status, decision)
                if decision.verdict is Verdict.RETRY:
                    await self._sleep(decision.delay)
                    continue
                error = from_response(
                    response,
                    service=self.service,
                    context=context,
                    side=self.side_label,
                    endpoint=self.endpoint,
                )
                if retry_after is not None:
                    error.details["retry_after"] = f"{retry_after:g}"
                error = self._entra_advice(error)
                if decision.verdict is Verdict.OUTCOME_UNKNOWN:
                    cause = f"HTTP {status}" + (f": {error.raw_message}" if error.raw_message else "")
                    error = replace(
                        self._unknown(method, url, context, cause), status=status, request_id=error.request_id
                    )
                raise self._clean(error)

            if 300 <= status < 400:
                raise self._redirected(response, context)
            if not parse:
                return response, None
            content = response.content
            shape = shape_problem(content, self.limits.max_depth, max_items)
            if shape is not None:
                raise self._refused(shape, response, context)
            body, problem = _read_json(response)
            if problem is None:
                return response, body
            decision = decide(self.retry, attempt, Failure.BAD_BODY, idempotent=safe, rand=self._rand)
            log.debug("%s %s attempt %d: unreadable body → %s", method, context, attempt, decision)
            if decision.verdict is Verdict.RETRY:
                await self._sleep(decision.delay)
                continue
            raise self._bad(problem, response=response, context=context)

    def _target(self, url: str, query: dict[str, str]) -> tuple[httpx.URL | str, dict[str, str] | None]:
        """What to hand `build_request` (URL, params): the URL with our params MERGED into its own
        query (httpx's `URL(url, params=…)` would replace it, dropping e.g. a nextLink's token), built
        once instead of on every attempt. A client with params of its own still gets ours as params."""
        if self.client.params:
            return url, query or None
        return (_parsed(url).copy_merge_params(query) if query else _parsed(url)), None

    def _query(self, url: str, params: Mapping[str, str] | None) -> dict[str, str]:
        """Params to add: those not already in the URL, plus `api-version` when missing."""
        present = set(_parsed(url).params.keys()) if "?" in url else set()
        query = {k: v for k, v in (params or {}).items() if k not in present}
        if self.api_version and "api-version" not in present and "api-version" not in query:
            query["api-version"] = self.api_version
        return query

    # ------------------------------------------------------------------------------------ auth

    async def _reauthenticate(self, sent: Mapping[str, str]) -> bool:
        """After a 401: True when the credential (an Entra ID token) now holds a different token."""
        if "Authorization" not in sent:
            return False
        return await self.credential.refresh_after_rejection(sent)

    def _entra_advice(self, error: RegionSyncError) -> RegionSyncError:
        """A 401/403 to a side signed in with Entra ID: advice naming the identity, the resource and
        the role to assign, instead of the key advice."""
        if error.status not in (401, 403) or not isinstance(self.credential, EntraCredential):
            return error
        principal = self.credential.principal
        return entra_refused(
            error,
            identity=principal.label if principal is not None else "",
            object_id=principal.object_id if principal is not None else "",
            tenant_id=principal.tenant_id if principal is not None else "",
            resource_id=self.resource_id,
            endpoint=self.endpoint,
        )

    # ------------------------------------------------------------------------------------ errors

    def _clean(self, error: RegionSyncError) -> RegionSyncError:
        return error.redacted(self.credential.secrets())

    def _bad(
        self,
        detail: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        context: str | None = None,
        response: httpx.Response | None = None,
        **words: Any,
    ) -> RegionSyncError:
        """An answer of this endpoint regionsync cannot (or will not) read; `response` gives the status
        and request id, `words` the what/why/todo/code/retryable of an answer refused on purpose."""
        if response is not None:
            status, request_id = response.status_code, request_id_of(response.headers)
        return self._clean(
            bad_response(
                self.endpoint,
                detail,
                status=status,
                request_id=request_id,
                side=self.side_label,
                context=context or "",
                **words,
            )
        )

    async def _read_body(self, response: httpx.Response, context: str) -> None:
        """Read the (decoded) body in chunks, giving up as soon as it passes `max_body` — a declared
        Content-Length above it is refused before a byte is read."""
        limit = self.limits.max_body
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(response, context, f"Content-Length {declared}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(response, context, f"more than {size} bytes read")
            chunks.append(chunk)
        # What `Response.aread()` itself does once the stream is read: `.content` and `.text` work.
        response._content = b"".join(chunks)

    def _too_large(self, response: httpx.Response, context: str, detail: str) -> RegionSyncError:
        shown = format_size(self.limits.max_body)
        return self._bad(
            f"{detail}; {settings.MAX_BODY_ENV} = {self.limits.max_body}",
            response=response,
            context=context,
            what=f"{{where}} sent an answer larger than {shown}; regionsync stopped reading it",
            why="No answer regionsync asks for is that large: a proxy, a fault or a misbehaving service "
            "sent it, and reading on could exhaust this machine's memory.",
            todo="Try again later; if the resource really answers that much, raise "
            f"{settings.MAX_BODY_ENV} (e.g. {settings.MAX_BODY_ENV}=64MiB).",
            code="ResponseTooLarge",
            retryable=False,
        )

    def _refused(self, problem: str, response: httpx.Response, context: str) -> RegionSyncError:
        """A body whose shape is past the limits (too deep, too many items on a page): never parsed."""
        too_many = problem.startswith("a page")
        raise_it = f"; a service that really sends such pages needs {settings.MAX_PAGE_ITEMS_ENV} raised."
        return self._bad(
            problem,
            response=response,
            context=context,
            what=f"{{where}} sent an answer regionsync refused to read: {problem}",
            why="No answer of this API has that shape: a proxy, a fault or a misbehaving service sent "
            "it, and reading it could exhaust this machine's memory (or its stack).",
            todo="Try again later; if it persists, check that the endpoint is the resource itself and "
            "not a proxy" + (raise_it if too_many else "."),
            code="PageTooLarge" if too_many else "ResponseTooDeep",
            retryable=False,
        )

    def _runaway(self, what: str, detail: str, variable: str, context: str | None) -> RegionSyncError:
        """A listing past its page or time budget."""
        return self._bad(
            detail,
            context=context,
            what=what,
            why="Each page's nextLink led to yet another page, far more than a listing of one resource "
            "holds; a service (or a proxy) that keeps answering new links would be followed for ever.",
            todo=f"Try again later; if it persists, report it to the service with a request id. A "
            f"resource that truly lists that much can raise {variable}.",
            code="ListingRunaway",
            retryable=False,
        )

    def _redirected(self, response: httpx.Response, context: str) -> RegionSyncError:
        """A 3xx is never followed: refused as off-host, or reported as an answer we cannot use."""
        location = response.headers.get("Location", "")
        if location:
            target = str(response.request.url.join(location))
            if origin_of(target) != self._origin:
                return host_not_allowed(target, self.endpoint, side=self.side_label, context=context)
        detail = f"an unexpected redirect (HTTP {response.status_code})"
        return self._bad(detail, response=response, context=context)

    def _unknown(self, method: str, url: str, context: str, cause: str) -> RegionSyncError:
        return outcome_unknown(
            method, url, cause, side=self.side_label, context=context, endpoint=self.endpoint
        )

    def _transport_error(
        self,
        exc: httpx.TransportError,
        failure: Failure,
        verdict: Verdict,
        method: str,
        url: str,
        context: str,
    ) -> RegionSyncError:
        reason = _describe(exc)
        if verdict is Verdict.OUTCOME_UNKNOWN:
            return self._clean(self._unknown(method, url, context, reason))
        if isinstance(exc, _TIMEOUTS):
            return self._clean(timeout(self.endpoint, reason, side=self.side_label, context=context))
        if failure is Failure.NOT_SENT:
            return self._clean(unreachable(self.endpoint, reason, side=self.side_label, context=context))
        return self._clean(connection_lost(self.endpoint, reason, side=self.side_label, context=context))


def _describe(exc: BaseException) -> str:
    """The exception's class and message, and its root cause's (httpx's "All connection attempts
    failed" hides the ConnectionRefusedError that says what happened): never its request, which
    carries the auth header."""

    def one(e: BaseException) -> str:
        text = str(e).strip()
        return f"{type(e).__name__}: {text}" if text else type(e).__name__

    root, seen = exc, {id(exc)}
    while (nxt := root.__cause__ or root.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        root = nxt
    return one(exc) if root is exc else f"{one(exc)} ({one(root)})"


def _read_json(response: httpx.Response) -> tuple[dict[str, Any] | None, str | None]:
    """(body, None) or (None, what is wrong with it)."""
    content = response.content
    if not content.strip():
        return {}, None
    try:
        body = jsonlib.loads(content)
    except (ValueError, UnicodeDecodeError):
        # Described, never quoted: a body may hold an access token (an authorization answer).
        kind = response.headers.get("content-type", "no content-type")
        return None, f"the body is not JSON ({len(content)} bytes, {kind})"
    if not isinstance(body, dict):
        return None, f"the body is JSON but not an object ({type(body).__name__})"
    return body, None
