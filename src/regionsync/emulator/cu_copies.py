"""Content Understanding analyzer operations: grants, create-or-replace and cross-resource copies.

The rules a copy meets (the seed's where it speaks, decided here where it is silent):

* `:grantCopyAuthorization` on the source records a grant (source analyzer × target resource id and
  region) valid for 24 hours; a new grant for the same target replaces the old one. A grant is not
  consumed by a copy: it can serve again until it expires.
* `:copy` on the target is refused at once (nothing starts) when the source resource is unknown in
  that region (400 SourceResourceNotFound), the source analyzer does not exist (404
  AnalyzerNotFound), either id is prebuilt (400), no grant names this target (400
  CopyAuthorizationNotFound), the grant has expired (400 CopyAuthorizationExpired), the target id is
  taken and allowReplace is not true (409 AnalyzerAlreadyExists) or is being created (409), or the
  deployment the analyzer's embedding model links to runs another embedding model (400
  EmbeddingModelMismatch). A copy within one resource needs no grant.
* An accepted copy fails on its operation (status Failed, after `timed.EARLY_FAILURE_SECONDS`) when a
  model the analyzer uses has no deployment on the target (ModelDeploymentNotFound: the seed's "copy
  fails"), or at the injected percent when a copy-failure fault names the target or the source.
* A different completion model deployed under the linked name succeeds with a `warnings` entry.

How a model is resolved on the target: the analyzer's `models` name models (`gpt-4.1`); the target
serves model M when `defaults.modelDeployments` has M. Otherwise the copy links to the deployment the
source uses for M (same deployment name): if the target has a deployment of that name running
another model, that is the mismatch above; if it has none, the deployment is missing.

While an operation runs the analyzer is listed with status `creating`; a failed operation removes it
again and restores the analyzer it was replacing, so a failure never destroys anything.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Literal

from regionsync.emulator import problems
from regionsync.emulator.cu_state import Analyzer, AnalyzerOperation, CopyGrant
from regionsync.emulator.problems import Problem, ProblemError
from regionsync.emulator.state import Resource
from regionsync.emulator.timed import plan_failure, schedule
from regionsync.emulator.world import World, new_operation_id

GRANT_LIFETIME = timedelta(hours=24)
EMBEDDING_ROLE = "embedding"


def grant(
    world: World, source: Resource, analyzer_id: str, target_resource_id: str, target_region: str
) -> CopyGrant:
    """Record that `target_resource_id` (in `target_region`) may copy the analyzer for 24 hours."""
    record = CopyGrant(
        source=source.name,
        analyzer_id=analyzer_id,
        target_resource_id=target_resource_id,
        target_region=target_region,
        expires=(world.clock.now() + GRANT_LIFETIME).replace(microsecond=0),
    )
    world.copy_grants[(source.name, analyzer_id, target_resource_id.lower())] = record
    return record


def check_grant(world: World, source: Resource, analyzer_id: str, target: Resource) -> None:
    """Refuse a copy the source has not granted to this target, or whose grant has expired."""
    if source.name == target.name:
        return
    record = world.copy_grants.get((source.name, analyzer_id, target.resource_id.lower()))
    if record is None or record.target_region != target.region:
        raise ProblemError(problems.copy_grant_missing(analyzer_id, source.resource_id))
    if world.clock.now() > record.expires:
        raise ProblemError(problems.copy_grant_expired(analyzer_id))


def check_deployments(
    source: Resource, target: Resource, analyzer: Analyzer
) -> tuple[list[str], list[dict[str, str]]]:
    """(models without a deployment on the target, warnings); raises on an embedding mismatch."""
    missing: list[str] = []
    warnings: list[dict[str, str]] = []
    served_by = {deployment: model for model, deployment in target.model_deployments.items()}
    for role, model in analyzer.models.items():
        if model in target.model_deployments:
            continue
        deployment = source.model_deployments.get(model, model)
        running = served_by.get(deployment)
        if running is None:
            missing.append(model)
        elif role == EMBEDDING_ROLE:
            raise ProblemError(problems.embedding_mismatch(deployment, model, running))
        else:
            warnings.append(problems.completion_mismatch_warning(deployment, model, running))
    return missing, warnings


def start(
    world: World,
    resource: Resource,
    pending: Analyzer,
    kind: Literal["create", "copy"],
    *,
    source: Resource | None = None,
    source_analyzer_id: str | None = None,
    failure: Problem | None = None,
) -> AnalyzerOperation:
    """Put `pending` (status creating) in place on `resource` and schedule its operation."""
    now = world.clock.now()
    faulted = [resource] if source is None or source.name == resource.name else [resource, source]
    interrupted = partial(problems.job_interrupted, f"analyzer {kind}")
    plan = plan_failure(world, faulted, world.copy_seconds, interrupted, known=failure)
    pending.status = "creating"
    pending.created = pending.modified = now
    operation = AnalyzerOperation(
        op_id=new_operation_id(),
        kind=kind,
        resource=resource.name,
        analyzer_id=pending.analyzer_id,
        created=now,
        finish_at=plan.finish_at(now),
        seconds=world.copy_seconds,
        pending=pending,
        previous=resource.analyzers.get(pending.analyzer_id),
        source=source.name if source is not None else None,
        source_analyzer_id=source_analyzer_id,
        failure=plan.failure,
        fail_percent=plan.fail_percent,
    )
    resource.analyzers[pending.analyzer_id] = pending
    return schedule(world, resource, _operations, operation.op_id, operation, finish)


def _operations(resource: Resource) -> dict[str, AnalyzerOperation]:
    return resource.analyzer_operations


def finish(world: World, resource: Resource, operation: AnalyzerOperation) -> None:
    """Settle an analyzer operation: the analyzer becomes ready, or it is rolled back."""
    current = resource.analyzers.get(operation.analyzer_id)
    if operation.failure is not None:
        if current is operation.pending:
            if operation.previous is not None:
                resource.analyzers[operation.analyzer_id] = operation.previous
            else:
                del resource.analyzers[operation.analyzer_id]
        return
    ready = operation.pending
    ready.status = "ready"
    ready.modified = operation.finish_at
    operation.result = ready.clone()
