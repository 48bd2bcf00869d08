"""Answers no service should send — a body past the size cap, JSON nested 200,000 deep, a 200,000-item
page, a nextLink that changes on every page — are refused with a clear message, read only as far as
needed, and never retried. The service is a tiny Starlette app served in process (httpx.ASGITransport):
a real HTTP application, not a mock of the client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from client_support import RecordingSleep
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from regionsync.credentials import KeyCredential
from regionsync.errors import RegionSyncError
from regionsync.services.http import AzureHttp, ResponseLimits, shape_problem
from regionsync.settings import parse_size

ENDPOINT = "https://contoso-wus.cognitiveservices.azure.com"
KEY = "wus-key-0123456789abcdef"
LISTING = "/documentintelligence/documentModels"


class Service:
    """A misbehaving service: each route answers one kind of garbage, and counts what it was asked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.app = Starlette(
            routes=[
                Route("/nested", self.nested),
                Route("/nested-error", self.nested_error),
                Route("/huge-page" + LISTING, self.huge_page),
                Route("/big", self.big),
                Route("/streamed", self.streamed),
                Route("/looping" + LISTING, self.looping),
                Route("/fine" + LISTING, self.fine),
                Route("/deep-but-legal", self.deep_but_legal),
            ]
        )

    def _count(self, request: Request) -> None:
        self.requests.append(request.url.path + ("?" + request.url.query if request.url.query else ""))

    async def nested(self, request: Request) -> Response:
        self._count(request)
        return Response(b"[" * 200_000 + b"]" * 200_000, media_type="application/json")

    async def nested_error(self, request: Request) -> Response:
        self._count(request)
        return Response(b"[" * 200_000 + b"]" * 200_000, status_code=400, media_type="application/json")

    async def huge_page(self, request: Request) -> Response:
        self._count(request)
        items = ",".join(f'{{"modelId":"m{i}"}}' for i in range(200_000))
        return Response(('{"value":[' + items + "]}").encode(), media_type="application/json")

    async def big(self, request: Request) -> Response:
        self._count(request)
        return Response(b'{"pad":"' + b"x" * (2 << 20) + b'"}', media_type="application/json")

    async def streamed(self, request: Request) -> Response:
        """No Content-Length: the size is only known by reading."""
        self._count(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"pad":"'
            for _ in range(64):
                yield b"x" * 65536
            yield b'"}'

        return StreamingResponse(chunks(), media_type="application/json")

    async def looping(self, request: Request) -> Response:
        """Every page links to a new one: page=1, page=2, … for ever."""
        self._count(request)
        page = int(request.query_params.get("page", "0"))
        link = f"{ENDPOINT}/looping{LISTING}?page={page + 1}"
        return JSONResponse({"value": [{"modelId": f"m{page}"}], "nextLink": link})

    async def fine(self, request: Request) -> Response:
        self._count(request)
        page = int(request.query_params.get("page", "0"))
        body: dict[str, object] = {"value": [{"modelId": f"m{page}-{i}"} for i in range(3)]}
        if page < 4:
            body["nextLink"] = f"{ENDPOINT}/fine{LISTING}?page={page + 1}"
        return JSONResponse(body)

    async def deep_but_legal(self, request: Request) -> Response:
        self._count(request)
        body: object = {"leaf": True}
        for _ in range(40):
            body = {"properties": {"field": body}}
        return JSONResponse(body)


@pytest.fixture
def service() -> Service:
    return Service()


@pytest.fixture
async def client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app)) as c:
        yield c


def make_http(
    client: httpx.AsyncClient,
    base: str = "",
    *,
    limits: ResponseLimits | None = None,
    clock: Callable[[], float] | None = None,
) -> AzureHttp:
    extra = {"clock": clock} if clock is not None else {}
    return AzureHttp(
        ENDPOINT + base,
        KeyCredential(KEY),
        client=client,
        api_version="2024-11-30",
        sleep=RecordingSleep(),
        side_label="secondary",
        limits=limits or ResponseLimits(),
        **extra,
    )


def explained(error: RegionSyncError) -> str:
    text = error.explain()
    assert KEY not in text
    return text


async def test_json_nested_200000_deep_is_refused_before_parsing_and_not_retried(client, service) -> None:
    with pytest.raises(RegionSyncError) as caught:
        await make_http(client).json("GET", "/nested")
    error = caught.value
    assert error.code == "ResponseTooDeep" and not error.retryable
    assert error.what.startswith(f"The secondary ({ENDPOINT}) sent an answer regionsync refused to read")
    assert "nested more than 128 levels deep" in error.what
    assert "proxy" in error.why and error.todo
    assert service.requests == ["/nested?api-version=2024-11-30"], "refused once, never asked again"
    explained(error)


async def test_an_error_body_nested_200000_deep_still_reads_as_the_services_error(client) -> None:
    with pytest.raises(RegionSyncError) as caught:
        await make_http(client).json("GET", "/nested-error")
    assert caught.value.status == 400  # explained from the status; no RecursionError escapes


async def test_legal_nesting_is_read(client) -> None:
    body = await make_http(client).json("GET", "/deep-but-legal")
    assert "properties" in body


async def test_a_200000_item_page_is_refused_without_building_it(client, service) -> None:
    http = make_http(client, "/huge-page")
    with pytest.raises(RegionSyncError) as caught:
        async for _ in http.paged(LISTING):
            pytest.fail("no item of a refused page is handed out")
    error = caught.value
    assert error.code == "PageTooLarge" and not error.retryable
    assert "a page of the listing holds more than 10000 items" in error.what
    assert "REGIONSYNC_MAX_PAGE_ITEMS" in error.todo
    assert len(service.requests) == 1


async def test_the_item_cap_is_per_page_not_per_answer(client) -> None:
    """An ordinary (non-listing) call is not held to the page cap: an export may be long."""
    http = make_http(client, "/huge-page")
    body = await http.json("GET", LISTING)
    assert len(body["value"]) == 200_000


@pytest.mark.parametrize("route", ["/big", "/streamed"])
async def test_a_body_past_the_size_cap_stops_being_read(client, service, route: str) -> None:
    http = make_http(client, limits=ResponseLimits(max_body=1 << 20))
    with pytest.raises(RegionSyncError) as caught:
        await http.json("GET", route)
    error = caught.value
    assert error.code == "ResponseTooLarge" and not error.retryable
    assert error.what == (
        f"The secondary ({ENDPOINT}) sent an answer larger than 1 MiB; regionsync stopped reading it"
    )
    assert "REGIONSYNC_MAX_BODY" in error.todo
    assert len(service.requests) == 1
    explained(error)


async def test_the_default_cap_lets_a_2_mib_body_through(client) -> None:
    body = await make_http(client).json("GET", "/big")
    assert len(body["pad"]) == 2 << 20


async def test_a_nextlink_that_changes_every_time_stops_at_the_page_budget(client, service) -> None:
    http = make_http(client, "/looping", limits=ResponseLimits(max_pages=25))
    seen = []
    with pytest.raises(RegionSyncError) as caught:
        async for item in http.paged(LISTING):
            seen.append(item["modelId"])
    error = caught.value
    assert error.code == "ListingRunaway" and not error.retryable
    assert error.what == (
        f"The secondary ({ENDPOINT}/looping) returned more than 25 pages for one listing — the service "
        "may be looping"
    )
    assert "REGIONSYNC_MAX_PAGES" in error.todo
    assert len(service.requests) == 25 and len(seen) == 25


async def test_the_default_page_budget_is_a_thousand(client, service) -> None:
    with pytest.raises(RegionSyncError, match="more than 1000 pages"):
        async for _ in make_http(client, "/looping").paged(LISTING):
            pass
    assert len(service.requests) == 1000


async def test_a_listing_stops_at_its_time_budget(client, service) -> None:
    """Each page 'takes' 7 s on an injected clock; the budget is 30 s of waiting for pages."""
    ticks = iter(range(0, 10_000, 7))
    http = make_http(
        client, "/looping", limits=ResponseLimits(listing_seconds=30), clock=lambda: float(next(ticks))
    )
    with pytest.raises(RegionSyncError) as caught:
        async for _ in http.paged(LISTING):
            pass
    assert caught.value.code == "ListingRunaway"
    assert "took more than 30 s for one listing" in caught.value.what
    assert "REGIONSYNC_LISTING_SECONDS" in caught.value.todo
    assert len(service.requests) == 5  # 5 pages waited 35 s > 30 s


async def test_an_ordinary_listing_is_read_whole(client, service) -> None:
    http = make_http(client, "/fine", limits=ResponseLimits(max_pages=5, max_page_items=3))
    items = [item["modelId"] async for item in http.paged(LISTING)]
    assert len(items) == 15 and len(service.requests) == 5


def test_limits_from_the_environment() -> None:
    limits = ResponseLimits.from_env(
        {
            "REGIONSYNC_MAX_BODY": "64MiB",
            "REGIONSYNC_MAX_PAGES": "50",
            "REGIONSYNC_MAX_PAGE_ITEMS": "2000",
            "REGIONSYNC_LISTING_SECONDS": "90",
        }
    )
    assert limits == ResponseLimits(
        max_body=64 << 20, max_pages=50, max_page_items=2000, listing_seconds=90.0
    )
    assert ResponseLimits.from_env({}) == ResponseLimits()
    assert ResponseLimits().max_body == 32 * 1024 * 1024
    assert [parse_size(t) for t in ("1024", "512k", "32MiB", "1g")] == [1024, 512 << 10, 32 << 20, 1 << 30]


@pytest.mark.parametrize("raw", ["lots", "0", "-5", "12 parsecs"])
def test_a_bad_limit_in_the_environment_is_explained(raw: str) -> None:
    with pytest.raises(RegionSyncError) as caught:
        ResponseLimits.from_env({"REGIONSYNC_MAX_BODY": raw})
    error = caught.value
    assert error.code == "BadSetting"
    assert error.what == f"REGIONSYNC_MAX_BODY is set to {raw!r}, which is not a size in bytes such as " + (
        "33554432 or 32MiB"
    )
    assert "default 32 MiB" in error.why


def test_shape_counting_ignores_brackets_and_commas_inside_strings() -> None:
    tricky = json.dumps({"value": [{"name": "[[[[,,,,{{{{" * 100}], "nextLink": "x"}).encode()
    assert shape_problem(tricky, 3, 2) is None
    escaped = json.dumps({"value": [{"name": 'say "[[[[,,,," twice'}]}).encode()
    assert b'\\"' in escaped and shape_problem(escaped, 3, 2) is None
    assert shape_problem(b'{"a":' * 5 + b"1" + b"}" * 5, 4) == "the JSON is nested more than 4 levels deep"
    assert shape_problem(b'{"value":[1,2,3,4],"other":{"a":1}}', 10, 3) == (
        "a page of the listing holds more than 3 items"
    )
    assert shape_problem(b'{"value":[1,2,3],"other":{"a":1,"b":2,"c":3,"d":4}}', 10, 3) is None
