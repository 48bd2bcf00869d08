"""Copy recipes as data: the steps of a job, which adapters give and the runner executes and resumes.

A recipe is a list of StepSpec. Each step runs once; a step may start a long-running operation,
which the runner then polls through the one Poller. What a step learns that is safe to keep
(ids, URLs, timestamps) goes to the journal as its `detail`; what must never be written (an
authorization, an exported project) lives only in `CopyContext.memory` — so after a crash the
recipe goes back to the step that makes it again (`restart_from`) instead of reusing it.

The standard recipe serves every "authorize, then copy" service (Document Intelligence: the
target authorizes and the source copies; Content Understanding: the source grants and the
target copies); it is `AdapterBase.recipe`'s default. A service with another flow (Language:
export → import → train → deploy) gives its own through `AssetAdapter.recipe`.

These types live in `services/` so that adapters (which give recipes) and the engine (`sync/`,
which runs them) both import them from here: services never import sync.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from regionsync.domain import Asset, AssetKind, Job, JobState
from regionsync.errors import RegionSyncError
from regionsync.services.base import AssetAdapter, OperationStatus, Peer

Runs = Literal["source", "target"]


@dataclass
class StepOutcome:
    """What a step did: journaled detail, and the long-running operation it started, if any."""

    detail: dict[str, Any] = field(default_factory=dict)
    operation_url: str | None = None
    retry_after: float | None = None
    poll: Callable[[], Awaitable[OperationStatus]] | None = None
    """A custom watcher (default: the `runs` side's adapter polls `operation_url`)."""
    target_id: str | None = None
    """The id the asset gets on the target, once known."""
    started: datetime | None = None
    """When the operation started, if before now (a resumed job): the poller times it from then."""


@dataclass
class CopyContext:
    """Everything a step may use; `memory` is never journaled."""

    job: Job
    kind: AssetKind
    source: AssetAdapter
    target: AssetAdapter
    source_peer: Peer
    target_peer: Peer
    allow_degrade: bool = False
    replace: bool = False
    """The job replaces a drifted copy on the target (confirmed by the user)."""
    asset: Asset | None = None
    memory: dict[str, Any] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Journaled detail of the steps done so far, by step name."""
    statuses: dict[str, OperationStatus] = field(default_factory=dict)
    """The final status of each step's operation polled in this process, by step name."""

    @property
    def target_id(self) -> str | None:
        return self.job.target_id

    async def source_asset(self) -> Asset:
        """The source asset: as the plan listed it, else read again (after a restart)."""
        if self.asset is None:
            self.asset = await self.source.get_asset(self.kind, self.job.source_id)
        if self.asset is None:
            raise RegionSyncError(
                what=f"{self.job.asset_name} is no longer on the source resource.",
                why="it was deleted after the plan was made",
                todo="run status again; nothing was copied",
                code="SourceGone",
            )
        return self.asset

    def adapter(self, runs: Runs) -> AssetAdapter:
        return self.source if runs == "source" else self.target


@dataclass(frozen=True)
class StepSpec:
    """One step of a recipe."""

    name: str
    run: Callable[[CopyContext], Awaitable[StepOutcome]]
    runs: Runs = "target"
    """Whose endpoint the step's operation lives on (who polls it, and the poller's endpoint limit)."""
    needs: str | None = None
    """A `memory` key this step needs; when missing (a new process), go back to `restart_from`."""
    restart_from: str | None = None
    """Where to start again when this step cannot be finished or redone by itself."""
    recover: Callable[[CopyContext], Awaitable[StepOutcome | None]] | None = None
    """After a call whose answer was lost: find what it did (None: it did nothing, run it again —
    or, with `restart_from`, start again from there)."""
    prepares: bool = False
    """A quick call that only prepares the work (an authorization): it may run while the job waits
    for one of the runner's `concurrency` slots, so that a slot freed by a finished copy is taken
    by a job ready to start its copy at once. The slot is taken before the first other step."""


# -- the standard recipe: authorize, copy, verify ---------------------------------------------------


def standard_recipe(ctx: CopyContext) -> list[StepSpec]:
    """authorize → copy (polled) → verify, whoever issues the authorization."""
    grants = ctx.source.copy_direction == "source-grants"
    issuer: Runs = "source" if grants else "target"
    executor: Runs = "target" if grants else "source"

    async def authorize(c: CopyContext) -> StepOutcome:
        peer = c.target_peer if grants else c.source_peer
        auth = await c.adapter(issuer).authorize_copy(
            c.kind, await c.source_asset(), c.job.target_id, peer=peer
        )
        c.memory["auth"] = auth
        return StepOutcome(
            detail={"target_id": auth.target_id, "expires": auth.expires}, target_id=auth.target_id
        )

    async def copy(c: CopyContext) -> StepOutcome:
        peer = c.source_peer if grants else c.target_peer
        started = await c.adapter(executor).start_copy(
            c.kind,
            c.job.source_id,
            c.memory["auth"],
            allow_degrade=c.allow_degrade,
            peer=peer,
            replace=c.replace,
        )
        c.memory.pop("auth", None)  # consumed by the service: never sent twice
        return StepOutcome(operation_url=started.operation_url, retry_after=started.retry_after)

    async def recover_copy(c: CopyContext) -> StepOutcome | None:
        target_id = c.job.target_id
        if not target_id:
            return None
        url = await c.adapter(executor).find_copy_operation(c.kind, c.job.source_id, target_id)
        if url is not None:
            return StepOutcome(operation_url=url, retry_after=0.0)  # found again: look at once
        existing = await c.target.get_asset(c.kind, target_id)
        if existing is None or existing.state not in ("ready", "creating"):
            return None
        return StepOutcome(poll=lambda: _read_target(c, target_id), retry_after=0.0)

    async def verify(c: CopyContext) -> StepOutcome:
        target_id = c.job.target_id or ""
        status = c.statuses.get("copy")
        if (
            status is not None
            and isinstance(status.raw.get("result"), dict)
            and status.target_id == target_id
        ):
            return StepOutcome(detail={"target_id": target_id, "verified_by": "operation result"})
        asset = await c.target.get_asset(c.kind, target_id) if target_id else None
        if asset is None or asset.state != "ready":
            raise RegionSyncError(
                what=f"The copy of {c.job.asset_name} finished but the target has it "
                f"{asset.state if asset else 'nowhere'}.",
                todo="run status in a minute; if it stays so, copy it again",
                code="VerifyFailed",
            )
        return StepOutcome(detail={"target_id": asset.id, "verified_by": "reading the target"})

    return [
        StepSpec("authorize", authorize, runs=issuer, prepares=True),
        StepSpec("copy", copy, runs=executor, needs="auth", restart_from="authorize", recover=recover_copy),
        StepSpec("verify", verify, runs="target"),
    ]


async def _read_target(c: CopyContext, target_id: str) -> OperationStatus:
    """Watch the asset a lost copy reserved on the target (v2.1: `creating` until it is done)."""
    asset = await c.target.get_asset(c.kind, target_id)
    if asset is not None and asset.state == "ready":
        return OperationStatus(state=JobState.SUCCEEDED, percent=100, target_id=asset.id)
    if asset is not None and asset.state == "creating":
        return OperationStatus(state=JobState.RUNNING, target_id=asset.id)
    return OperationStatus(
        state=JobState.FAILED,
        error=RegionSyncError(
            what=f"The copy of {c.job.asset_name} did not land on the target "
            f"({asset.state if asset else 'gone'}).",
            todo="copy it again; regionsync asks for a new authorization",
            code="CopyLost",
        ),
    )


def step_names(steps: list[StepSpec]) -> tuple[str, ...]:
    return tuple(s.name for s in steps)


__all__ = [
    "CopyContext",
    "Runs",
    "StepOutcome",
    "StepSpec",
    "standard_recipe",
    "step_names",
]
