"""Pair two inventories by asset identity and give every asset one explained SyncStatus.

Pure functions over domain objects: no I/O. The verdict for each identity, in order:
a side that could not be read makes it `unknown`; a job in flight makes it `copying`; only on the
primary is `missing` (or `failed` when the last copy failed); only on the secondary is `extra`;
on both, `drifted` when the primary changed after the secondary's copy or what must match differs,
else `in sync`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from regionsync.domain import Asset, AssetKind, AssetPair, Job, JobState, SyncStatus


@dataclass(frozen=True)
class SideListing:
    """What one side holds of one asset kind, or why it could not be read."""

    assets: tuple[Asset, ...] = ()
    error: str | None = None
    """One line a tired operator can read, e.g. 'secondary unreachable: connection refused'."""


@dataclass(frozen=True)
class JobView:
    """What compare needs of the journal: the latest job per asset name."""

    running: Mapping[str, Job] = field(default_factory=dict)
    failed: Mapping[str, Job] = field(default_factory=dict)
    percent: Mapping[str, int | None] = field(default_factory=dict)

    @staticmethod
    def from_jobs(jobs: Iterable[Job]) -> JobView:
        """Latest job per asset name wins; older ones are history."""
        latest: dict[str, Job] = {}
        for job in sorted(jobs, key=lambda j: j.created):
            latest[job.asset_name] = job
        running = {n: j for n, j in latest.items() if not j.state.finished}
        failed = {n: j for n, j in latest.items() if j.state is JobState.FAILED}
        percent = {n: _job_percent(j) for n, j in running.items()}
        return JobView(running=running, failed=failed, percent=percent)


def _job_percent(job: Job) -> int | None:
    for step in reversed(job.steps):
        if step.percent is not None:
            return step.percent
    return None


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "?"


def compare(
    kind: AssetKind,
    primary: SideListing,
    secondary: SideListing,
    *,
    id_map: Mapping[str, str] | None = None,
    jobs: JobView | None = None,
    primary_label: str = "primary",
    secondary_label: str = "secondary",
) -> list[AssetPair]:
    """The diff of one asset kind across the pair, sorted by asset name.

    `id_map` maps primary ids to the ids their copies got on the secondary (v2.1 GUIDs); assets
    without a mapping pair by name.
    """
    jobs = jobs or JobView()
    id_map = id_map or {}
    by_id = {a.id: a for a in secondary.assets}
    by_name = {a.name: a for a in secondary.assets}
    used: set[str] = set()
    pairs: list[AssetPair] = []
    for p in primary.assets:
        s = by_id.get(id_map[p.id]) if p.id in id_map else None
        if s is None:
            s = by_name.get(p.name)
        if s is not None and s.id in used:
            s = None
        if s is not None:
            used.add(s.id)
        pairs.append(_judge(kind, p, s, secondary, jobs, secondary_label))
    for s in secondary.assets:
        if s.id in used:
            continue
        if primary.error:
            status, reason = SyncStatus.UNKNOWN, f"{primary_label} could not be read: {primary.error}"
        else:
            status, reason = SyncStatus.EXTRA, f"only on the {secondary_label}; sync never deletes it"
        pairs.append(AssetPair(kind=kind, name=s.name, secondary=s, status=status, reason=reason))
    pairs.sort(key=lambda pair: pair.name.casefold())
    return pairs


def _judge(
    kind: AssetKind,
    p: Asset,
    s: Asset | None,
    secondary: SideListing,
    jobs: JobView,
    secondary_label: str,
) -> AssetPair:
    def pair(status: SyncStatus, reason: str, since: datetime | None = None) -> AssetPair:
        return AssetPair(
            kind=kind, name=p.name, primary=p, secondary=s, status=status, reason=reason, waiting_since=since
        )

    if secondary.error:
        return pair(SyncStatus.UNKNOWN, f"{secondary_label} could not be read: {secondary.error}")
    running = jobs.running.get(p.name)
    if running is not None:
        pct = jobs.percent.get(p.name)
        done = f" {pct}%" if pct is not None else ""
        return pair(SyncStatus.COPYING, f"copy job {running.id} running{done}", p.changed)
    if s is None:
        failed = jobs.failed.get(p.name)
        if failed is not None:
            return pair(
                SyncStatus.FAILED,
                f"last copy failed: {failed.error or 'see jobs show ' + failed.id}",
                p.changed,
            )
        return pair(SyncStatus.MISSING, f"not on the {secondary_label} since {_stamp(p.changed)}", p.changed)
    if s.state != "ready":
        return pair(SyncStatus.COPYING, f"{secondary_label} copy is {s.state}", p.changed)
    if s.serving_issue:
        return pair(SyncStatus.DRIFTED, f"on the {secondary_label} but {s.serving_issue}", p.changed)
    if p.changed and s.changed and p.changed > s.changed:
        return pair(
            SyncStatus.DRIFTED,
            f"primary changed {_stamp(p.changed)}, after the {secondary_label}'s copy of {_stamp(s.changed)}",
            p.changed,
        )
    if p.fingerprint and s.fingerprint and p.fingerprint != s.fingerprint:
        what = _what_differs(p, s)
        return pair(SyncStatus.DRIFTED, f"{what} differ between the two sides", p.changed)
    return pair(SyncStatus.IN_SYNC, f"same on both sides (copy of {_stamp(s.changed)})")


def _what_differs(p: Asset, s: Asset) -> str:
    diffs = []
    if p.description != s.description:
        diffs.append("description")
    if p.tags != s.tags:
        diffs.append("tags")
    if p.details.get("docTypes") != s.details.get("docTypes"):
        diffs.append("doc types")
    return " and ".join(diffs) if diffs else "contents"


@dataclass(frozen=True)
class Readiness:
    """How much of the primary the secondary could serve now, and the oldest unreplicated change."""

    servable: int
    total: int
    oldest_gap: datetime | None
    unknown: int

    @property
    def complete(self) -> bool:
        return self.total == self.servable and self.unknown == 0


def readiness(pairs: Iterable[AssetPair]) -> Readiness:
    """Count primary assets the secondary holds in sync; the recovery point is the oldest gap."""
    servable = total = unknown = 0
    oldest: datetime | None = None
    for pair in pairs:
        if pair.primary is None:
            continue
        total += 1
        if pair.status is SyncStatus.IN_SYNC:
            servable += 1
        elif pair.status is SyncStatus.UNKNOWN:
            unknown += 1
        if pair.status is not SyncStatus.IN_SYNC and pair.waiting_since is not None:
            oldest = pair.waiting_since if oldest is None else min(oldest, pair.waiting_since)
    return Readiness(servable=servable, total=total, oldest_gap=oldest, unknown=unknown)
