"""Pagination as the service does it: a page of items and an absolute `nextLink` to the rest.

The continuation is an opaque token in the `nextLink` query parameter of the URL; a client only
follows the link. A malformed token is refused with 400.

`page` slices a list built for the request (operations, small lists). `page_table` reads a resource's
`AssetTable` from the token's slot position on, so a page of models costs O(page) however many the
resource holds: listing 50,000 models is 500 pages of 100, not 500 rebuilds of a 50,000-item list.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from regionsync.emulator.asset_table import AssetTable, HasStatus
from regionsync.emulator.problems import ProblemError, invalid_parameter

PAGE_SIZE = 100
"""Items per page of every list (models, classifiers, operations, v2.1 models)."""

T = TypeVar("T")
V = TypeVar("V", bound=HasStatus)


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        prefix, _, number = text.partition(":")
        offset = int(number)
    except (binascii.Error, ValueError, UnicodeError):
        raise ProblemError(invalid_parameter("nextLink", "the continuation token is not valid.")) from None
    if prefix != "o" or offset < 0:
        raise ProblemError(invalid_parameter("nextLink", "the continuation token is not valid."))
    return offset


def page(items: Sequence[T], token: str | None, size: int = PAGE_SIZE) -> tuple[Sequence[T], int | None]:
    """The items of this page and the offset of the next one (None on the last page)."""
    offset = decode_token(token)
    chunk = items[offset : offset + size]
    following = offset + size
    return chunk, (following if following < len(items) else None)


def page_table(
    table: AssetTable[V],
    token: str | None,
    *,
    keep: Callable[[V], bool],
    lead: Sequence[T] = (),
    size: int = PAGE_SIZE,
) -> tuple[list[T | V], int | None]:
    """A page of `lead` (e.g. prebuilt models, listed first) then of the table's entries that `keep`
    accepts, and the position of the next page (None when nothing follows). Positions count `lead`,
    then the table's slots."""
    position = decode_token(token)
    chunk: list[T | V] = list(lead[position : position + size])
    following: int | None = None
    for slot, value in table.from_position(position - len(lead)):
        if not keep(value):
            continue
        if len(chunk) == size:
            following = len(lead) + slot
            break
        chunk.append(value)
    return chunk, following


def next_link(url: str, query: dict[str, str], offset: int) -> str:
    """An absolute link to the page at `offset` (keeps the other query parameters)."""
    params = {**query, "nextLink": encode_token(offset)}
    return f"{url}?{urlencode(params)}"
