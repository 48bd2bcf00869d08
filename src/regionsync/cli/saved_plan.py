"""Saved plans (terraform's model): `plan --out FILE` writes the reviewed plan, `sync --plan FILE`
carries out exactly that plan, and refuses when the world moved under it.

The file holds, per service, the plan as `plan --json` shows it, plus the state it was made from:
each asset's status, and on each side its id, fingerprint and changed time. `sync --plan` reads both
sides again, plans again with the same options, and compares: any asset whose status, fingerprint
or changed time differs, any asset come or gone, and any copy added or dropped is named, and
nothing is copied (exit 2). Only an unchanged world is synced, without asking again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionsync.present import stamp

if TYPE_CHECKING:
    from regionsync.domain import Asset, AssetPair
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan

FORMAT = "regionsync-plan/1"


@dataclass(frozen=True)
class SavedPlan:
    """A plan file, read back."""

    profile: str
    source: str
    only: list[str] | None
    replace_drifted: bool
    allow_degrade: bool
    services: list[dict[str, Any]]

    @property
    def service_names(self) -> list[str]:
        return [s["service"] for s in self.services]


def _side_state(asset: Asset | None) -> dict[str, Any] | None:
    if asset is None:
        return None
    return {"id": asset.id, "fingerprint": asset.fingerprint, "changed": stamp(asset.changed) or None}


def pair_state(pair: AssetPair) -> dict[str, Any]:
    """What an asset's verdict rests on: its status and each side's id, fingerprint and changed time."""
    return {
        "kind": pair.kind.value,
        "name": pair.name,
        "status": pair.status.value,
        "primary": _side_state(pair.primary),
        "secondary": _side_state(pair.secondary),
    }


def _copies(plan_data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (c["kind"], c["name"], c["source_id"], c["target_id"], c["replace"], c["deletes_first"])
        for c in plan_data["copies"]
    )


def plan_document(
    profile: str,
    source: str,
    plans: list[tuple[ResourcePair, Plan]],
    statuses: list[ServiceStatus],
    *,
    only: list[str] | None,
    replace_drifted: bool,
    allow_degrade: bool,
) -> dict[str, Any]:
    """The plan file's content."""
    from regionsync.cli.render import plan_json

    services = []
    for (_, plan), status in zip(plans, statuses, strict=True):
        services.append(
            {
                **plan_json(plan),
                "assets": [pair_state(p) for p in status.pairs if _wanted(p, only)],
            }
        )
    return {
        "format": FORMAT,
        "profile": profile,
        "source": source,
        "options": {"only": only, "replace_drifted": replace_drifted, "allow_degrade": allow_degrade},
        "services": services,
    }


def _wanted(pair: AssetPair, only: list[str] | None) -> bool:
    if not only:
        return True
    ids = {pair.name} | {a.id for a in (pair.primary, pair.secondary) if a is not None}
    return bool(ids & set(only))


def write_plan(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_plan(path: Path) -> SavedPlan:
    """Read a plan file; a RegionSyncError (exit 2) when it is not one."""
    from regionsync.errors import RegionSyncError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        options = data["options"]
        return SavedPlan(
            profile=str(data["profile"]),
            source=str(data["source"]),
            only=options.get("only"),
            replace_drifted=bool(options.get("replace_drifted")),
            allow_degrade=bool(options.get("allow_degrade")),
            services=list(data["services"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RegionSyncError(
            what=f"{path} is not a plan regionsync can carry out",
            why=f"It could not be read as a {FORMAT} file ({type(exc).__name__}: {exc}).",
            todo=f"Make the plan again with `regionsync plan --out {path}`.",
            code="BadPlanFile",
        ) from None


def _describe(state: dict[str, Any] | None) -> str:
    if state is None:
        return "absent"
    return f"{state['id']} changed {state['changed'] or '?'}"


def changes(
    saved: SavedPlan, plans: list[tuple[ResourcePair, Plan]], statuses: list[ServiceStatus]
) -> list[str]:
    """What moved since the plan was made, one line each (empty: the plan still holds)."""
    from regionsync.cli.render import plan_json

    found: list[str] = []
    fresh_by_service = {
        plan.service.value: (plan, status) for (_, plan), status in zip(plans, statuses, strict=True)
    }
    for before in saved.services:
        name = before["service"]
        if name not in fresh_by_service:
            found.append(f"{name}: no longer in the profile")
            continue
        plan, status = fresh_by_service[name]
        old = {(a["kind"], a["name"]): a for a in before["assets"]}
        new = {(p.kind.value, p.name): pair_state(p) for p in status.pairs if _wanted(p, saved.only)}
        for key in sorted(old.keys() | new.keys()):
            label = f"{name} {key[0]} {key[1]}"
            was, now = old.get(key), new.get(key)
            if was is None:
                found.append(f"{label}: appeared since the plan ({now and now['status']})")
            elif now is None:
                found.append(f"{label}: gone since the plan")
            else:
                if was["status"] != now["status"]:
                    found.append(f"{label}: {was['status']} when planned, {now['status']} now")
                for side in ("primary", "secondary"):
                    if was[side] != now[side]:
                        found.append(
                            f"{label}: {side} was {_describe(was[side])}, now {_describe(now[side])}"
                        )
        if _copies(before) != _copies(plan_json(plan)):
            found.append(f"{name}: the copies to make differ from the saved plan")
    return found
