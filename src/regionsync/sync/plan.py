"""What `sync` would do, decided before anything happens: copies, refusals and why.

Pure: it reads a ServiceStatus (the diff), the target's quota and the user's choices, and
returns a Plan. Sync only adds what is missing; a drifted asset is replaced only when the user
asked for it; nothing is ever deleted except the outdated copy of a drifted asset being replaced.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from regionsync.domain import Asset, AssetKind, AssetPair, Service, SyncStatus
from regionsync.services.base import ResourceInfo
from regionsync.sync.inventory import ServiceStatus
from regionsync.sync.pair import SideInfo


@dataclass(frozen=True)
class PlannedCopy:
    """One copy the runner will make."""

    kind: AssetKind
    name: str
    source_id: str
    target_id: str | None
    """The id to ask the target for; None lets the target choose (v2.1 GUIDs)."""
    replace: bool = False
    """A drifted asset whose outdated copy on the target is replaced (the user asked and confirmed)."""
    replace_id: str | None = None
    """The outdated copy to delete first, where the service cannot overwrite in place (DI)."""
    renamed: bool = False
    """`target_id` is the id the user asked for (`copy ID --as NEW_ID`)."""
    reason: str = ""
    source: Asset | None = None
    """The source asset as listed (its description and tags go into the authorization)."""


@dataclass(frozen=True)
class Refusal:
    """An asset sync will not touch, with why and what to do."""

    kind: AssetKind
    name: str
    why: str
    todo: str = ""


@dataclass
class Plan:
    """The plan for one service of a profile, in one direction."""

    service: Service
    api_version: str
    source: SideInfo
    target: SideInfo
    copies: list[PlannedCopy] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    in_sync: int = 0
    extra: int = 0
    copying: int = 0
    quota: ResourceInfo | None = None
    allow_degrade: bool = False
    """The user consented to copying an encrypted source to an unencrypted target (journaled per job)."""
    how: str = ""
    """How each copy is made, in one sentence (the service adapter's `copy_story`)."""

    @property
    def empty(self) -> bool:
        return not self.copies and not self.refusals


def make_plan(
    status: ServiceStatus,
    *,
    quota: ResourceInfo | None = None,
    only: Collection[str] | None = None,
    replace_drifted: bool = False,
    allow_degrade: bool = False,
    rename: Mapping[str, str] | None = None,
    keeps_ids: bool = True,
    copyable: Collection[AssetKind] | None = None,
    replaces_in_place: bool = False,
) -> Plan:
    """Decide every copy of `status` and every refusal.

    `only` restricts to asset names or ids; `rename` maps a name to the id wanted on the target
    (`copy ID --as NEW_ID`); `keeps_ids` is False where the target assigns ids (v2.1);
    `copyable` lists the kinds this API version can copy (None: all); `replaces_in_place` is True
    where the target overwrites an existing asset itself (CU `allowReplace`, Language import), so
    replacing a drifted copy deletes nothing.
    """
    plan = Plan(
        service=status.service,
        api_version=status.api_version,
        source=status.source,
        target=status.target,
        quota=quota,
        allow_degrade=allow_degrade,
    )
    rename = rename or {}
    wanted = set(only) if only else None
    degrade_blocked = (
        status.source.encrypted is True and status.target.encrypted is False and not allow_degrade
    )
    targets_by_kind: dict[AssetKind, set[str]] = {
        k.kind: {p.secondary.id for p in k.pairs if p.secondary is not None} for k in status.kinds
    }
    for pair in status.pairs:
        if wanted is not None and not _selected(pair, wanted):
            continue
        if pair.primary is None:
            plan.extra += 1
            continue
        if pair.status is SyncStatus.IN_SYNC and pair.name not in rename:
            plan.in_sync += 1
            continue
        if pair.status is SyncStatus.COPYING:
            plan.copying += 1
            continue
        if copyable is not None and pair.kind not in copyable:
            plan.refusals.append(
                Refusal(
                    pair.kind,
                    pair.name,
                    f"{pair.kind.value} copies are not available in API version {status.api_version}",
                    "set a newer api_version for this service in the profile (classifiers: 2024-11-30)",
                )
            )
            continue
        if pair.basis == "last-known":
            plan.refusals.append(
                Refusal(
                    pair.kind,
                    pair.name,
                    f"{pair.status.value} by the last-known listing; {pair.reason.rsplit(' · ', 1)[-1]}",
                    "nothing can be copied while a side is unreachable; run sync again when it answers",
                )
            )
            continue
        if pair.status is SyncStatus.UNKNOWN:
            plan.refusals.append(
                Refusal(
                    pair.kind, pair.name, pair.reason, "wait for the region to come back, then run sync again"
                )
            )
            continue
        if degrade_blocked:
            plan.refusals.append(
                Refusal(
                    pair.kind,
                    pair.name,
                    f"the {status.source.label} resource is encrypted (AEK/CMK) and the "
                    f"{status.target.label} is not: the copy would lower its data protection",
                    "pass --allow-degrade if that is acceptable (sends x-ms-forms-copy-degrade: true)",
                )
            )
            continue
        target_id = rename.get(pair.name, pair.primary.id if keeps_ids else None)
        replace_id: str | None = None
        replace = False
        if pair.status is SyncStatus.DRIFTED:
            if not replace_drifted:
                plan.refusals.append(
                    Refusal(
                        pair.kind,
                        pair.name,
                        f"drifted: {pair.reason}",
                        "run sync --replace-drifted to replace the outdated copy (asks to confirm)",
                    )
                )
                continue
            replace = True
            in_place = replaces_in_place or not keeps_ids
            if not in_place and pair.secondary is not None and target_id == pair.secondary.id:
                replace_id = pair.secondary.id
        elif target_id is not None and target_id in targets_by_kind.get(pair.kind, set()):
            plan.refusals.append(
                Refusal(
                    pair.kind,
                    pair.name,
                    f"the id {target_id!r} is already taken on the {status.target.label}",
                    f"copy it under another id with: regionsync copy {pair.primary.id} --as {target_id}-2",
                )
            )
            continue
        plan.copies.append(
            PlannedCopy(
                kind=pair.kind,
                name=pair.name,
                source_id=pair.primary.id,
                target_id=target_id,
                replace=replace,
                replace_id=replace_id,
                renamed=pair.name in rename,
                reason=pair.reason,
                source=pair.primary,
            )
        )
    _apply_quota(plan)
    return plan


def _selected(pair: AssetPair, wanted: set[str]) -> bool:
    ids = {pair.name}
    for asset in (pair.primary, pair.secondary):
        if asset is not None:
            ids.add(asset.id)
    return bool(ids & wanted)


def _apply_quota(plan: Plan) -> None:
    """Refuse the copies that would take the target over its custom asset limit."""
    if plan.quota is None or plan.quota.free is None:
        return
    room = plan.quota.free + sum(1 for c in plan.copies if c.replace)
    if len(plan.copies) <= room:
        return
    kept, over = plan.copies[:room], plan.copies[room:]
    plan.copies = kept
    used = f"{plan.quota.custom_count}/{plan.quota.custom_limit}"
    for copy in over:
        plan.refusals.append(
            Refusal(
                copy.kind,
                copy.name,
                f"the {plan.target.label} would go over its custom model limit ({used}, "
                f"room for {plan.quota.free} more)",
                f"delete unused models on the {plan.target.region} resource or raise its limit, then sync",
            )
        )
