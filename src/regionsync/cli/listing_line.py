"""The one line a terminal shows while a long listing is read: how many assets each side has given.

`status`, `plan` and `sync` list both sides before anything else; at 50,000 assets a side that takes
a while, and a silent terminal reads as a hang. On a terminal (stderr), once a listing has taken
longer than `AFTER` seconds, a transient line says how far each side has read; it is gone when the
listings end, and never shown in a pipe, a file or a test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept off the import path of `--help`
    from regionsync.domain import AssetKind, Service, Side
    from regionsync.sync.inventory import ListingProgress

AFTER = 0.8
"""Seconds of listing before the line appears: a quick status never flashes it."""


def reading_words(counts: dict[tuple[Service, Side, AssetKind], int]) -> str:
    """'Reading both sides: primary 12,300 · secondary 11,900 listed so far'."""
    per_side = {"primary": 0, "secondary": 0}
    for (_service, side, _kind), read in counts.items():
        per_side[side.value] += read
    sides = " · ".join(f"{side} {read:,}" for side, read in per_side.items())
    return f"Reading both sides: {sides} listed so far"


@contextmanager
def listing_line(
    *, console: Any = None, clock: Callable[[], float] = time.monotonic
) -> Iterator[ListingProgress]:
    """A `progress` callback for `SyncSession.status`/`plan` that keeps the line up to date (on
    `console`, a Rich console; by default stderr, when it is a terminal)."""
    shown = console is not None or os.isatty(2)
    out = console
    counts: dict[tuple[Service, Side, AssetKind], int] = {}
    started = clock()
    status: Any = None

    def told(service: Service, side: Side, kind: AssetKind, read: int) -> None:
        nonlocal status, out
        counts[(service, side, kind)] = read
        if not shown or (status is None and clock() - started < AFTER):
            return
        if status is None:
            if out is None:
                from rich.console import Console

                out = Console(stderr=True)
            status = out.status(reading_words(counts))
            status.start()
        else:
            status.update(reading_words(counts))

    try:
        yield told
    finally:
        if status is not None:
            status.stop()
