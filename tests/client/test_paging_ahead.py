"""A listing asks for its next page as soon as the link is known, while the items of the page in hand
are read — one page ahead, never more — and a reader that stops early leaves no request behind.
The service is a small Starlette app over httpx.ASGITransport: real HTTP, no mock of the client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from client_support import RecordingSleep
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from regionsync.credentials import KeyCredential
from regionsync.services.http import AzureHttp

ENDPOINT = "https://contoso-eus.cognitiveservices.azure.com"
LISTING = "/documentintelligence/documentModels"
PAGES = 4


class Pages:
    """PAGES pages of three models; counts the pages asked for."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.hold: asyncio.Event | None = None
        """When set: pages after the first wait for it (a slow service)."""
        self.app = Starlette(routes=[Route(LISTING, self.page)])

    async def page(self, request: Request) -> JSONResponse:
        page = int(request.query_params.get("page", "0"))
        self.asked.append(page)
        if page and self.hold is not None:
            await self.hold.wait()
        body: dict[str, object] = {"value": [{"modelId": f"m{page}-{i}"} for i in range(3)]}
        if page < PAGES - 1:
            body["nextLink"] = f"{ENDPOINT}{LISTING}?page={page + 1}"
        return JSONResponse(body)


@pytest.fixture
def pages() -> Pages:
    return Pages()


@pytest.fixture
async def http(pages: Pages) -> AsyncIterator[AzureHttp]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=pages.app)) as client:
        yield AzureHttp(
            ENDPOINT, KeyCredential("k" * 32), client=client, api_version="2024-11-30", sleep=RecordingSleep()
        )


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


async def test_the_next_page_is_asked_for_while_this_one_is_read(http: AzureHttp, pages: Pages) -> None:
    items = http.paged(LISTING)
    first = await anext(items)
    await settle()  # the reader holds the first item of page 0 …
    assert first["modelId"] == "m0-0"
    assert pages.asked == [0, 1], "… and page 1 is already asked for, page 2 not yet"
    rest = [item["modelId"] async for item in items]
    assert [first["modelId"], *rest] == [f"m{p}-{i}" for p in range(PAGES) for i in range(3)]
    assert pages.asked == list(range(PAGES)), "every page once, in order"


async def test_a_reader_that_stops_early_leaves_no_request_behind(http: AzureHttp, pages: Pages) -> None:
    pages.hold = asyncio.Event()  # page 1 does not answer
    items = http.paged(LISTING)
    await anext(items)
    await settle()
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    assert pages.asked == [0, 1] and any(not t.done() for t in others), "page 1 is in flight"
    await items.aclose()  # the reader stops: the page asked for ahead is dropped with the listing
    await settle()
    assert all(t.done() for t in others), "nothing left waiting for page 1"
    assert pages.asked == [0, 1]
