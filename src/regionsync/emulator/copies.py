"""The copy engine shared by every API version: authorize on the target, validate and start on the
source, and finish on the clock.

What is refused at once (HTTP 400/409) and what makes an accepted copy fail later follows the
seeds' error table:

* at authorize: an existing target id (409), a target at its custom model limit (400);
* at copy, at once: malformed target resource id or region, modified claims, expired authorization;
* while the copy runs: a reused authorization ("Couldn't retrieve authorization metadata"), an
  unknown target resource (ResourceResolverError), a token presented to another resource than the
  one that issued it, an encrypted → unencrypted copy without `x-ms-forms-copy-degrade: true`
  (DataProtectionTransformServiceError), a target id taken meanwhile, a target over its limit, and
  injected midway failures (faults).

An accepted copy always consumes its authorization. Failures known at the start end the operation
after `timed.EARLY_FAILURE_SECONDS` of emulated time at 0 %; the others at their percent.

What the live service's recordings show (di_versions.RECORDED_FACTS, read here by the copy's API
version): how long an authorization lives, the shape of operation ids, and that a copied model keeps
the source's createdDateTime / modifiedDateTime / lastUpdatedDateTime (and so its expirationDateTime)
rather than being dated by the copy.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from regionsync.emulator import problems
from regionsync.emulator.di_versions import RECORDED_FACTS, operation_id
from regionsync.emulator.prebuilt import is_prebuilt
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.regions import AZURE_REGIONS, REGION_PATTERN
from regionsync.emulator.state import (
    AssetKindName,
    Authorization,
    DocAsset,
    LegacyModel,
    Operation,
    Resource,
)
from regionsync.emulator.timed import plan_failure, schedule
from regionsync.emulator.world import World

RESOURCE_ID_PATTERN = re.compile(
    r"^/subscriptions/[^/]*/resourceGroups/[^/]*/providers/Microsoft\.CognitiveServices/accounts/[^/]*$",
    re.IGNORECASE,
)

CopyKind = Literal["model", "classifier", "legacy_model"]
OPERATION_KINDS: dict[CopyKind, str] = {
    "model": "documentModelCopyTo",
    "classifier": "documentClassifierCopyTo",
    "legacy_model": "legacyModelCopy",
}


def authorize(
    world: World,
    target: Resource,
    kind: CopyKind,
    target_id: str,
    *,
    api_version: str,
    description: str | None = None,
    tags: dict[str, str] | None = None,
) -> Authorization:
    """Record an authorization to copy into `target` under `target_id` (checks conflict and quota)."""
    if kind != "legacy_model" and (
        target_id in target.assets(kind) or (kind == "model" and is_prebuilt(target_id))  # type: ignore[arg-type]
    ):
        raise ProblemError(problems.already_exists(kind))
    if kind in ("model", "legacy_model") and target.reserved_model_count() >= target.custom_model_limit:
        raise ProblemError(problems.quota_exceeded(target.reserved_model_count(), target.custom_model_limit))
    lifetime = RECORDED_FACTS[api_version].authorization_lifetime
    authorization = Authorization(
        auth_id=str(uuid.uuid4()),
        kind=kind,
        target=target.name,
        target_id=target_id,
        expires=(world.clock.now() + lifetime).replace(microsecond=0),
        api_version=api_version,
        description=description,
        tags=tags,
    )
    world.authorizations[authorization.auth_id] = authorization
    return authorization


def check_target_address(world: World, resource_id: object, region: object) -> tuple[str, str]:
    """Refuse a malformed targetResourceId or an unsupported targetResourceRegion (HTTP 400)."""
    if (
        not isinstance(resource_id, str)
        or not RESOURCE_ID_PATTERN.match(resource_id)
        or len(resource_id) > 1024
    ):
        raise ProblemError(problems.invalid_resource_id(str(resource_id)))
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ProblemError(problems.invalid_region(str(region)))
    if region not in AZURE_REGIONS and region not in world.region_ports:
        raise ProblemError(problems.invalid_region(region))
    return resource_id, region


def check_not_expired(world: World, authorization_expiry: datetime) -> None:
    """Refuse an expired authorization (HTTP 400); the expiry was verified as signed before."""
    if world.clock.now() > authorization_expiry:
        raise ProblemError(problems.EXPIRED_AUTHORIZATION)


@dataclass(frozen=True)
class CopyRequest:
    """A copy the source resource accepted, with what the engine needs to run it."""

    source: Resource
    kind: CopyKind
    source_asset: DocAsset | LegacyModel
    auth_id: str
    target_resource_id: str
    target_region: str
    target_id: str
    target_location: str
    degrade: bool
    api_version: str


def start(world: World, request: CopyRequest) -> Operation:
    """Accept a copy: consume its authorization, decide how it ends, schedule it on the clock."""
    now = world.clock.now()
    known = _failure_known_at_start(world, request)
    plan = plan_failure(world, [request.source], world.copy_seconds, problems.copy_interrupted, known=known)
    target = world.resource_by_id(request.target_resource_id)
    authorization = world.authorizations.get(request.auth_id)
    if authorization is not None:
        authorization.consumed = True
    early = plan.early
    operation = Operation(
        op_id=operation_id(request.api_version, now),
        kind=OPERATION_KINDS[request.kind],
        api_version=request.api_version,
        source=request.source.name,
        source_asset_id=_asset_id(request.source_asset),
        target=target.name if target is not None and not early else None,
        target_id=request.target_id,
        target_location=request.target_location,
        target_resource_id=request.target_resource_id,
        target_region=request.target_region,
        created=now,
        finish_at=plan.finish_at(now),
        seconds=world.copy_seconds,
        snapshot=request.source_asset.clone(),
        tags=dict(authorization.tags or {}) if authorization else {},
        description=authorization.description if authorization else None,
        failure=plan.failure,
        fail_percent=plan.fail_percent,
    )
    if target is not None and not early:
        _reserve(target, request, now)
    return schedule(world, request.source, _operations, operation.op_id, operation, finish)


def _operations(resource: Resource) -> dict[str, Operation]:
    return resource.operations


def _asset_id(asset: DocAsset | LegacyModel) -> str:
    return asset.asset_id if isinstance(asset, DocAsset) else asset.model_id


def _failure_known_at_start(world: World, request: CopyRequest) -> Problem | None:
    authorization = world.authorizations.get(request.auth_id)
    if authorization is None or authorization.consumed:
        return problems.REUSED_AUTHORIZATION
    target = world.resource_by_id(request.target_resource_id)
    if target is None or target.region != request.target_region:
        return problems.unknown_resource(request.target_resource_id, request.target_region)
    if target.name != authorization.target or authorization.kind != request.kind:
        return problems.INVALID_CLAIMS
    if request.source.encrypted and not target.encrypted and not request.degrade:
        return problems.DOWNGRADE_REFUSED
    if request.kind == "legacy_model":
        if request.target_id in target.legacy_models:
            return problems.INVALID_CLAIMS
    elif request.target_id in target.assets(request.kind):
        return problems.already_exists(request.kind)
    if request.kind != "classifier" and target.reserved_model_count() >= target.custom_model_limit:
        return problems.quota_exceeded(target.reserved_model_count(), target.custom_model_limit)
    return None


def _reserve(target: Resource, request: CopyRequest, now: datetime) -> None:
    """The target asset exists, not ready, while the copy runs."""
    snapshot = request.source_asset
    if isinstance(snapshot, LegacyModel):
        placeholder = LegacyModel(
            model_id=request.target_id,
            model_name=snapshot.model_name,
            status="creating",
            created=now,
            last_updated=now,
        )
        target.legacy_models[request.target_id] = placeholder
        return
    reserved = snapshot.clone()
    reserved.asset_id = request.target_id
    reserved.status = "creating"
    target.assets(snapshot.kind)[request.target_id] = reserved


def finish(world: World, source: Resource, operation: Operation) -> None:
    """Settle a copy whose time has come: the target asset becomes ready, or the copy fails."""
    target = world.resources.get(operation.target) if operation.target else None
    if operation.failure is None and operation.target is not None and target is None:
        operation.failure = problems.unknown_resource(operation.target_resource_id, operation.target_region)
    if operation.failure is not None:
        if target is not None:
            _release(target, operation)
        return
    assert target is not None
    snapshot = operation.snapshot
    dated_by_copy = not RECORDED_FACTS[operation.api_version].copy_keeps_source_times
    when = operation.finish_at
    if isinstance(snapshot, LegacyModel):
        copied = snapshot.clone()
        copied.model_id = operation.target_id
        copied.status = "ready"
        if dated_by_copy:
            copied.created = copied.last_updated = when
        target.legacy_models[operation.target_id] = copied
        operation.result = copied.clone()
        return
    doc = snapshot.clone()
    doc.asset_id = operation.target_id
    doc.status = "ready"
    if dated_by_copy:
        doc.created = doc.modified = when
    if operation.description is not None:
        doc.description = doc.base_description = operation.description
    if operation.tags:
        doc.tags = dict(operation.tags)
    target.assets(doc.kind)[operation.target_id] = doc
    operation.result = doc.clone()


def _release(target: Resource, operation: Operation) -> None:
    if operation.kind == OPERATION_KINDS["legacy_model"]:
        legacy = target.legacy_models.get(operation.target_id)
        if legacy is not None and legacy.status == "creating":
            legacy.status = "invalid"
            legacy.last_updated = operation.finish_at
        return
    kind: AssetKindName = "classifier" if operation.kind == OPERATION_KINDS["classifier"] else "model"
    assets = target.assets(kind)
    asset = assets.get(operation.target_id)
    if asset is not None and asset.status == "creating":
        del assets[operation.target_id]
