"""What the journal remembers of a resource pair between runs: each side's last successful listing
and the lineage of every copy between the two (DESIGN.md decision 13).

`PairMemory` is what `take_inventory` uses to keep a listing after a successful read, to recall it
when a side cannot be read now, and to know which asset is a copy of which — in the direction the
comparison runs (`source` plays the primary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from regionsync.domain import Asset, AssetKind, Service, Side
from regionsync.sync.compare import Link
from regionsync.sync.journal import Journal
from regionsync.sync.pair import ResourcePair


class PairMemory:
    """The journal's memory of one resource pair, seen with `source` as the primary."""

    def __init__(self, journal: Journal, pair: ResourcePair, *, source: Side = Side.PRIMARY) -> None:
        self.journal = journal
        self.service: Service = pair.service
        self.source = source
        self.resource = {side: pair.info(side).resource_id for side in Side}

    def remember(self, side: Side, kind: AssetKind, assets: list[Asset]) -> None:
        """Keep a successful listing; note the change time of copies seen for the first time since
        they were made (a later change of a copy then counts as a change after the copy)."""
        resource_id = self.resource[side]
        self.journal.save_listing(service=self.service, resource_id=resource_id, kind=kind, assets=assets)
        by_id = {a.id: a for a in assets}
        unseen: dict[tuple[str, str], dict[str, datetime]] = {}
        for row in self.journal.lineage(service=self.service, resource_ids=self._both()):
            copy = by_id.get(row.target_id) if row.target_resource_id == resource_id else None
            if copy is not None and row.target_changed is None and copy.changed is not None:
                direction = (row.source_resource_id, row.target_resource_id)
                unseen.setdefault(direction, {})[copy.id] = copy.changed
        for (source_resource_id, target_resource_id), seen in unseen.items():
            self.journal.note_copy_seen(
                service=self.service,
                source_resource_id=source_resource_id,
                target_resource_id=target_resource_id,
                seen=seen,
            )

    def recall(
        self, side: Side, kind: AssetKind, peer_assets: Sequence[Asset] = ()
    ) -> tuple[list[Asset], datetime] | None:
        """The side's last successful listing of `kind` and when it was read, or None if never —
        with the copies this machine made to it since (taken from the other side's `peer_assets`,
        as a copy is its origin under the id the copy got): a cron sync after the last status must
        not make a dark secondary look emptier than it is."""
        recalled = self.journal.last_listing(service=self.service, resource_id=self.resource[side], kind=kind)
        if recalled is None:
            return None
        assets, read_at = recalled
        held = {a.id for a in assets}
        origins = {a.id: a for a in peer_assets if a.kind is kind}
        for row in self.journal.lineage(service=self.service, resource_ids=self._both()):
            origin = origins.get(row.source_id)
            if row.target_resource_id != self.resource[side] or row.copied_at <= read_at or origin is None:
                continue
            if row.target_id not in held:
                assets.append(replace(origin, id=row.target_id))
                held.add(row.target_id)
        return assets, read_at

    def links(self) -> dict[tuple[str, str], Link]:
        """Lineage keyed by (source-side id, target-side id) as this comparison sees the pair; the
        latest copy of an asset wins."""
        source_resource = self.resource[self.source]
        links: dict[tuple[str, str], Link] = {}
        for row in self.journal.lineage(service=self.service, resource_ids=self._both()):
            forward = row.source_resource_id == source_resource
            ids = (row.source_id, row.target_id) if forward else (row.target_id, row.source_id)
            times = (row.source_changed, row.target_changed)
            link = Link(
                source_id=ids[0],
                target_id=ids[1],
                source_changed=times[0] if forward else times[1],
                target_changed=times[1] if forward else times[0],
                source_is_origin=forward,
                copied_at=row.copied_at,
            )
            links[(link.source_id, link.target_id)] = link
        return links

    def _both(self) -> tuple[str, str]:
        return self.resource[Side.PRIMARY], self.resource[Side.SECONDARY]
