"""Read both sides of a pair at once and turn the listings into the diff the operator reads.

Every kind of both sides is listed concurrently; a side that fails becomes a reason, never an
exception, so that what the other side holds stays visible during an outage — and, where the
journal remembers the failed side's last successful listing (`PairMemory`), the diff is judged
from it, marked as last-known.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from regionsync.domain import AssetKind, AssetPair, Service, Side
from regionsync.errors import RegionSyncError, down_words
from regionsync.services.http import listing_progress
from regionsync.sync.compare import JobView, Readiness, SideListing, compare, readiness
from regionsync.sync.pair import ResourcePair, SideInfo

if TYPE_CHECKING:
    from regionsync.sync.last_known import PairMemory


@dataclass(frozen=True)
class KindDiff:
    """The diff of one asset kind of one service."""

    kind: AssetKind
    pairs: list[AssetPair]
    source: SideListing = field(default_factory=SideListing)
    target: SideListing = field(default_factory=SideListing)

    @property
    def source_error(self) -> str | None:
        return self.source.error

    @property
    def target_error(self) -> str | None:
        return self.target.error


@dataclass(frozen=True)
class ServiceStatus:
    """Everything `status` shows for one service of a profile."""

    service: Service
    api_version: str
    source: SideInfo
    target: SideInfo
    kinds: list[KindDiff] = field(default_factory=list)
    errors: dict[Side, RegionSyncError] = field(default_factory=dict)
    latency: dict[Side, float] = field(default_factory=dict)
    """Seconds the slowest successful listing of each side took (the header's health line)."""

    @property
    def pairs(self) -> list[AssetPair]:
        return [p for k in self.kinds for p in k.pairs]

    @property
    def readiness(self) -> Readiness:
        return readiness(
            self.pairs,
            [(k.source, k.target) for k in self.kinds],
            primary_label=self.source.label,
            target_label=self.target.label,
        )


ListingProgress = Callable[[Service, Side, AssetKind, int], None]
"""Told, page by page, how many items each listing has read so far (service, side, kind, count)."""


async def _list(
    pair: ResourcePair,
    side: Side,
    kind: AssetKind,
    timer: Callable[[], float],
    progress: ListingProgress | None = None,
) -> tuple[SideListing | RegionSyncError, float]:
    started = timer()
    read = 0

    def page_read(count: int) -> None:
        nonlocal read
        read += count
        if progress is not None:
            progress(pair.service, side, kind, read)

    token = listing_progress.set(page_read if progress is not None else None)  # this task's listing only
    try:
        listing: SideListing | RegionSyncError = SideListing(
            assets=tuple(await pair.adapter(side).list_assets(kind))
        )
    except RegionSyncError as exc:
        listing = exc
    finally:
        listing_progress.reset(token)
    return listing, timer() - started


async def take_inventory(
    pair: ResourcePair,
    *,
    source: Side = Side.PRIMARY,
    jobs: JobView | None = None,
    memory: PairMemory | None = None,
    timer: Callable[[], float] = time.perf_counter,
    progress: ListingProgress | None = None,
) -> ServiceStatus:
    """List every kind on both sides concurrently and compare them (source plays the primary).

    With `memory`, each successful listing is kept, a side that cannot be read is judged from its
    last-known listing, and copies are judged by their lineage. `progress` is told how far each
    listing has read, page by page.
    """
    target = source.other
    kinds = list(pair.primary.kinds)
    calls = [_list(pair, side, kind, timer, progress) for kind in kinds for side in (source, target)]
    results = await asyncio.gather(*calls)
    src_info, dst_info = pair.info(source), pair.info(target)
    errors: dict[Side, RegionSyncError] = {}
    latency: dict[Side, float] = {}
    diffs: list[KindDiff] = []
    per_kind: list[tuple[AssetKind, SideListing, SideListing]] = []
    for i, kind in enumerate(kinds):
        read = dict(zip((source, target), results[2 * i : 2 * i + 2], strict=True))
        live = {side: r.assets for side, (r, _) in read.items() if isinstance(r, SideListing)}
        listings: list[SideListing] = []
        for side, (result, seconds) in read.items():
            if isinstance(result, RegionSyncError):
                errors.setdefault(side, result)
                recalled = memory.recall(side, kind, live.get(side.other, ())) if memory is not None else None
                if recalled is None:
                    listings.append(SideListing(error=result.one_line()))
                else:
                    assets, seen_at = recalled
                    why = down_words(result)
                    listings.append(SideListing(tuple(assets), result.one_line(), seen_at, down=why))
            else:
                latency[side] = max(latency.get(side, 0.0), seconds)
                if memory is not None:
                    memory.remember(side, kind, list(result.assets))
                listings.append(result)
        per_kind.append((kind, listings[0], listings[1]))
    links = memory.links() if memory is not None else {}
    for kind, src_listing, dst_listing in per_kind:
        diffs.append(
            KindDiff(
                kind=kind,
                pairs=compare(
                    kind,
                    src_listing,
                    dst_listing,
                    links=links,
                    jobs=jobs,
                    primary_label=src_info.label,
                    secondary_label=dst_info.label,
                ),
                source=src_listing,
                target=dst_listing,
            )
        )
    return ServiceStatus(
        service=pair.service,
        api_version=pair.api_version,
        source=src_info,
        target=dst_info,
        kinds=diffs,
        errors=errors,
        latency=latency,
    )
