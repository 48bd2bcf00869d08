"""Pair two inventories by asset identity and give every asset one explained SyncStatus.

Pure functions over domain objects: no I/O. The verdict for each identity, in order:
a side that could not be read, and was never read before, makes it `unknown`; a job in flight
makes it `copying`; only on the primary is `missing` (or `failed` when the last copy failed); only
on the secondary is `extra`; on both, `drifted` when the side playing the primary changed after
the copy or what must match differs, else `in sync`.

A side that cannot be read now but was read before is judged from its last-known listing
(DESIGN.md decision 13): every verdict keeps its status, marked `basis = last-known` with when
that listing was read, so that on outage day the answer is "12 of the 13 assets the primary had
at 06:05", never `0/0`.

"Changed after the copy" uses the copy's lineage where the journal has it (a `Link`), in either
direction: a copy of an unchanged original is in sync both ways, also when fail-back compares the
copy (newer) against its origin. Without lineage (a fresh machine) the rule falls back to the
timestamps alone: the source is newer than the target's asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from regionsync.domain import Asset, AssetKind, AssetPair, Job, JobState, SyncStatus
from regionsync.present import age, clock, minute


@dataclass(frozen=True)
class SideListing:
    """What one side holds of one asset kind, or why it could not be read."""

    assets: tuple[Asset, ...] = ()
    error: str | None = None
    """One line a tired operator can read, e.g. 'secondary unreachable: connection refused'."""
    seen_at: datetime | None = None
    """Set when the side could not be read now (`error`) and `assets` is its last-known listing."""
    down: str = "unreachable"
    """Why it cannot be read now, in two words for the reasons ("unreachable", "refusing access")."""

    @property
    def last_known(self) -> bool:
        return self.error is not None and self.seen_at is not None

    @property
    def unread(self) -> bool:
        """Not readable now, and never read from this machine: nothing is known of it."""
        return self.error is not None and self.seen_at is None


@dataclass(frozen=True)
class Link:
    """The journal's lineage of two paired assets: one is a copy of the other.

    Ids and change times are given as the comparison sees the pair: `source_*` is the side playing
    the primary now. `*_changed` is that asset's change time when the copy was made (None where
    not known yet)."""

    source_id: str
    target_id: str
    source_changed: datetime | None
    target_changed: datetime | None
    source_is_origin: bool
    copied_at: datetime | None = None


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


def compare(
    kind: AssetKind,
    primary: SideListing,
    secondary: SideListing,
    *,
    links: Mapping[tuple[str, str], Link] | None = None,
    jobs: JobView | None = None,
    primary_label: str = "primary",
    secondary_label: str = "secondary",
) -> list[AssetPair]:
    """The diff of one asset kind across the pair, sorted by asset name.

    `links` holds the lineage of copies between the two resources, keyed by (primary id,
    secondary id) as this comparison sees them; a copy whose id differs from its origin's (v2.1
    GUIDs) pairs through it, every other asset pairs by name.
    """
    jobs = jobs or JobView()
    links = links or {}
    id_map = {source_id: target_id for source_id, target_id in links}
    by_id = {a.id: a for a in secondary.assets}
    by_name = {a.name: a for a in secondary.assets}
    used: set[str] = set()
    judge = _Judge(kind, primary, secondary, jobs, primary_label, secondary_label)
    pairs: list[AssetPair] = []
    for p in primary.assets:
        s = by_id.get(id_map[p.id]) if p.id in id_map else None
        if s is None:
            s = by_name.get(p.name)
        if s is not None and s.id in used:
            s = None
        if s is not None:
            used.add(s.id)
        link = links.get((p.id, s.id)) if s is not None else None
        pairs.append(judge.pair(p, s, link))
    for s in secondary.assets:
        if s.id not in used:
            pairs.append(judge.extra(s))
    pairs.sort(key=lambda pair: pair.name.casefold())
    return pairs


@dataclass(frozen=True)
class _Judge:
    """The verdict rules for one kind, with the two listings and their labels."""

    kind: AssetKind
    primary: SideListing
    secondary: SideListing
    jobs: JobView
    primary_label: str
    secondary_label: str

    @cached_property
    def _basis(self) -> tuple[SideListing, str] | None:
        """The side (and its label) whose last-known listing the verdicts rest on; None: both read now."""
        sides = ((self.primary, self.primary_label), (self.secondary, self.secondary_label))
        return next(((lst, label) for lst, label in sides if lst.last_known), None)

    def _made(
        self, p: Asset | None, s: Asset | None, status: SyncStatus, reason: str, since: datetime | None = None
    ) -> AssetPair:
        """The verdict, marked (and explained) when it rests on a side's last-known listing."""
        basis_side = self._basis
        seen_at = None
        if basis_side is not None and status is not SyncStatus.UNKNOWN:
            listing, label = basis_side
            seen_at = listing.seen_at
            reason = f"{reason} · {label} last seen {minute(seen_at)}, {listing.down} now"
        return AssetPair(
            kind=self.kind,
            name=p.name if p is not None else s.name if s is not None else "",
            primary=p,
            secondary=s,
            status=status,
            reason=reason,
            waiting_since=since,
            basis="last-known" if seen_at is not None else "live",
            seen_at=seen_at,
        )

    def extra(self, s: Asset) -> AssetPair:
        if self.primary.unread:
            return self._made(None, s, SyncStatus.UNKNOWN, _never_read(self.primary_label, self.primary))
        return self._made(
            None, s, SyncStatus.EXTRA, f"only on the {self.secondary_label}; sync never deletes it"
        )

    def pair(self, p: Asset, s: Asset | None, link: Link | None) -> AssetPair:
        if self.secondary.unread:
            return self._made(p, s, SyncStatus.UNKNOWN, _never_read(self.secondary_label, self.secondary))
        running = self.jobs.running.get(p.name)
        if running is not None:
            if running.state is JobState.INTERRUPTED:
                return self._made(
                    p,
                    s,
                    SyncStatus.COPYING,
                    f"copy job {running.id} interrupted; jobs resume continues it",
                    p.changed,
                )
            pct = self.jobs.percent.get(p.name)
            done = f" {pct}%" if pct is not None else ""
            return self._made(p, s, SyncStatus.COPYING, f"copy job {running.id} running{done}", p.changed)
        if s is None:
            failed = self.jobs.failed.get(p.name)
            if failed is not None:
                why = failed.error or f"see regionsync jobs show {failed.id}"
                return self._made(p, s, SyncStatus.FAILED, f"last copy failed: {why}", p.changed)
            return self._made(
                p,
                s,
                SyncStatus.MISSING,
                f"not on the {self.secondary_label} since {minute(p.changed)}",
                p.changed,
            )
        if s.state != "ready":
            return self._made(
                p, s, SyncStatus.COPYING, f"{self.secondary_label} copy is {s.state}", p.changed
            )
        if s.serving_issue:
            return self._made(
                p, s, SyncStatus.DRIFTED, f"on the {self.secondary_label} but {s.serving_issue}", p.changed
            )
        moved = _source_moved(p, s, link, self.secondary_label)
        if not moved and _copy_moved(s, link):
            # Edited on the target after the copy, the source unchanged: drift only the other way
            # round (fail-back carries the edit back); a forward sync must not overwrite it.
            return self._made(
                p,
                s,
                SyncStatus.IN_SYNC,
                f"the {self.secondary_label}'s copy changed {minute(s.changed)}, after the copy; "
                f"the {self.primary_label}'s is unchanged",
            )
        if moved:
            return self._made(
                p,
                s,
                SyncStatus.DRIFTED,
                f"{self.primary_label} changed {minute(p.changed)}, {moved}",
                p.changed,
            )
        if p.fingerprint and s.fingerprint and p.fingerprint != s.fingerprint:
            what = _what_differs(p, s, self.primary_label, self.secondary_label)
            return self._made(p, s, SyncStatus.DRIFTED, what, p.changed)
        copy_of = s.changed if link is None or link.source_is_origin else p.changed
        return self._made(p, s, SyncStatus.IN_SYNC, f"same on both sides (copy of {minute(copy_of)})")


def _never_read(label: str, listing: SideListing) -> str:
    return f"{label} could not be read: {listing.error}; it has never been read from this machine"


def _source_moved(p: Asset, s: Asset, link: Link | None, target_label: str) -> str:
    """Why the source side counts as changed after the copy ('' when it does not).

    With lineage: the source changed after the copy was made (its change time then is recorded,
    or — for a copy not yet seen since — the origin's, which a copy keeps). Without: the source
    is newer than the target's asset.
    """
    if p.changed is None:
        return ""
    if link is not None:
        then = link.source_changed
        if then is None and not link.source_is_origin:
            # The source is the copy and its own time was never seen: a copy keeps its origin's
            # times (Azure's recordings), so it moved if it is newer than the origin was.
            then = link.target_changed
        if then is not None:
            return "after the copy" if p.changed > then else ""
    if s.changed is not None and p.changed > s.changed:
        return f"after the {target_label}'s copy of {minute(s.changed)}"
    return ""


def _copy_moved(s: Asset, link: Link | None) -> bool:
    """With lineage: the target side changed after the copy (its time then is known)."""
    if link is None or s.changed is None:
        return False
    then = link.target_changed  # None: a copy not seen since it was made, nothing to compare with
    return then is not None and s.changed > then


def _what_differs(
    p: Asset, s: Asset, primary_label: str = "primary", secondary_label: str = "secondary"
) -> str:
    """One line naming what differs between the two sides of a drifted asset."""
    diffs = []
    if p.description != s.description:
        diffs.append("description")
    if p.tags != s.tags:
        diffs.append("tags")
    if p.details.get("docTypes") != s.details.get("docTypes"):
        diffs.append("doc types")
    # A Language project's deployment → model label map (a CU analyzer's "deployments" is another
    # thing: its resource's model deployments, which may rightly be named differently on each side).
    served_p, served_s = p.details.get("deployments"), s.details.get("deployments")
    moved: list[str] = []
    if p.kind is AssetKind.PROJECT and isinstance(served_p, Mapping) and isinstance(served_s, Mapping):
        for name in sorted(set(served_p) | set(served_s), key=str.casefold):
            on_p, on_s = served_p.get(name), served_s.get(name)
            if on_p == on_s:
                continue
            if on_p is None:
                moved.append(f"{name} serves {on_s} on the {secondary_label}, nothing on the {primary_label}")
            elif on_s is None:
                moved.append(f"{name} serves nothing on the {secondary_label}, {on_p} on the {primary_label}")
            else:
                moved.append(f"{name} serves {on_s} on the {secondary_label}, {on_p} on the {primary_label}")
    what = " and ".join(diffs) if diffs else ("" if moved else "contents")
    return "; ".join([*moved, *([f"{what} differ between the two sides"] if what else [])])


@dataclass(frozen=True)
class Readiness:
    """How much of the primary the secondary could serve now, and the oldest unreplicated change.

    `total` and `servable` are None when the primary's assets are not known at all (it cannot be
    read and was never read from this machine): never 0/0 as if it held nothing.
    """

    servable: int | None
    total: int | None
    oldest_gap: datetime | None
    unknown: int
    basis: str = "live"
    """`live`, or `last-known` when a side could not be read now and its last listing was used."""
    primary_seen_at: datetime | None = None
    """With basis `last-known`: when the primary's (or the secondary's) last listing was read."""
    secondary_seen_at: datetime | None = None
    note: str = ""
    primary_down: str = "unreachable"
    """Why the primary (secondary) cannot be read now, with its `*_seen_at`."""
    secondary_down: str = "unreachable"
    """What the numbers rest on, in words, when not both sides were read now."""

    @property
    def complete(self) -> bool:
        return self.total is not None and self.total == self.servable and self.unknown == 0

    def words(
        self, source_label: str = "primary", target_label: str = "secondary", *, now: datetime | None = None
    ) -> str:
        """`failover readiness 12/13 · primary last seen 06:05 (unreachable) · oldest gap 3 h 12 min`."""
        if self.total is None:
            return f"failover readiness unknown: {self.note}"
        text = f"failover readiness {self.servable}/{self.total}"
        for label, seen, down in (
            (source_label, self.primary_seen_at, self.primary_down),
            (target_label, self.secondary_seen_at, self.secondary_down),
        ):
            if seen is not None:
                text += f" · {label} last seen {clock(seen, now)} ({down})"
        if self.unknown:
            text += f" · {self.unknown} unknown"
        if self.note:
            text += f" · {self.note}"
        if self.oldest_gap is not None:
            text += f" · oldest gap {age(self.oldest_gap, now)}"
        elif self.total and self.complete:
            text += " · nothing waiting"
        return text


def readiness(
    pairs: Iterable[AssetPair],
    listings: Iterable[tuple[SideListing, SideListing]] = (),
    *,
    primary_label: str = "primary",
    target_label: str = "secondary",
) -> Readiness:
    """Count primary assets the secondary holds in sync; the recovery point is the oldest gap.

    `listings` are the (primary, secondary) listings the pairs came from; they say whether a side
    was read now, judged from its last-known listing, or never read at all.
    """
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
    listings = list(listings)
    seen = {0: _oldest_seen(lst[0] for lst in listings), 1: _oldest_seen(lst[1] for lst in listings)}
    primary_unread = any(lst[0].unread for lst in listings)
    basis = "last-known" if seen[0] or seen[1] else "live"
    down = {i: next((lst[i].down for lst in listings if lst[i].last_known), "unreachable") for i in (0, 1)}
    kept = {"primary_down": down[0], "secondary_down": down[1]}
    if primary_unread:
        note = f"the {primary_label} could not be read and has never been read from this machine"
        return Readiness(None, None, None, unknown, basis, seen[0], seen[1], note, **kept)
    note = ""
    if any(lst[1].unread for lst in listings):
        note = f"the {target_label} could not be read and has never been read from this machine"
    return Readiness(servable, total, oldest, unknown, basis, seen[0], seen[1], note, **kept)


def _oldest_seen(listings: Iterable[SideListing]) -> datetime | None:
    times = [lst.seen_at for lst in listings if lst.last_known and lst.seen_at is not None]
    return min(times) if times else None
