"""The shared vocabulary of regionsync: services, assets, sync statuses, jobs and steps.

Enums, pydantic models for what is journaled (jobs, steps), and plain slotted dataclasses for what a
listing holds by the tens of thousands (`Asset`, `AssetPair`: built from data the adapters have
already checked, so not validated again, and small in memory). No I/O. Every other layer
(services, sync engine, CLI, dashboard) speaks in these terms, so that a status computed by the
engine reads the same on every screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Service(StrEnum):
    """A service family regionsync can keep in sync."""

    DOCUMENT_INTELLIGENCE = "document-intelligence"
    CONTENT_UNDERSTANDING = "content-understanding"
    LANGUAGE = "language"


class AssetKind(StrEnum):
    """What an asset is; one dashboard tab per kind."""

    MODEL = "model"
    CLASSIFIER = "classifier"
    ANALYZER = "analyzer"
    PROJECT = "project"


class Side(StrEnum):
    """Which resource of a pair."""

    PRIMARY = "primary"
    SECONDARY = "secondary"

    @property
    def other(self) -> Side:
        return Side.SECONDARY if self is Side.PRIMARY else Side.PRIMARY


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """One custom asset as listed by one resource.

    `id` is the service's identifier on that resource; `name` is what identifies the asset across
    the pair (the same as `id`, except for v2.1 models whose ids are GUIDs: there it is the
    `modelName`). `fingerprint` is a stable digest of what must match on both sides for the asset to
    count as in sync (doc types, description, field schema …), computed by the adapter.
    """

    kind: AssetKind
    id: str
    name: str
    state: str = "ready"
    description: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    serving_issue: str | None = None
    """Why this asset cannot serve although it exists (e.g. 'imported but not trained'), or None."""

    @property
    def changed(self) -> datetime | None:
        """When the asset last changed: `modified` if the service says so, else `created`."""
        return self.modified or self.created


class SyncStatus(StrEnum):
    """The one status an asset of a pair has; the gutter shows its glyph and its word."""

    IN_SYNC = "in sync"
    MISSING = "missing"
    DRIFTED = "drifted"
    EXTRA = "extra"
    COPYING = "copying"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def glyph(self) -> str:
        return _GLYPHS[self]

    @property
    def needs_action(self) -> bool:
        """True where the secondary cannot (yet) serve what the primary holds."""
        return self in (SyncStatus.MISSING, SyncStatus.DRIFTED, SyncStatus.FAILED)


_GLYPHS: dict[SyncStatus, str] = {
    SyncStatus.IN_SYNC: "═",
    SyncStatus.MISSING: "→",
    SyncStatus.DRIFTED: "≠",
    SyncStatus.EXTRA: "←",
    SyncStatus.COPYING: "⟳",
    SyncStatus.FAILED: "✗",
    SyncStatus.UNKNOWN: "?",
}


Basis = Literal["live", "last-known"]
"""What a verdict rests on: both sides read now, or a side's last successful listing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetPair:
    """One row of the diff: an asset identity with what each side holds and the verdict."""

    kind: AssetKind
    name: str
    primary: Asset | None = None
    secondary: Asset | None = None
    status: SyncStatus
    reason: str
    waiting_since: datetime | None = None
    """For missing / drifted assets: since when the secondary has lagged (the recovery point)."""
    basis: Basis = "live"
    """`last-known`: a side could not be read now, and this verdict uses its last successful listing."""
    seen_at: datetime | None = None
    """With `basis == "last-known"`: when that listing was read."""


class JobState(StrEnum):
    """Lifecycle of a journaled job or step."""

    PENDING = "pending"
    RUNNING = "running"
    INTERRUPTED = "interrupted"
    """Open: a region went dark, an answer was lost or regionsync stopped; `jobs resume` continues it.
    Only the service's own refusal or a failed operation makes a job `failed`."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


class Step(BaseModel):
    """One step of a job (authorize, start, poll, verify …) as the journal records it."""

    job_id: str
    index: int
    name: str
    state: JobState = JobState.PENDING
    operation_url: str | None = None
    percent: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    started: datetime | None = None
    finished: datetime | None = None


class JobOptions(BaseModel):
    """What the user consented to when a job was created, journaled with it (never re-asked)."""

    model_config = ConfigDict(frozen=True)

    replace: bool = False
    """The job replaces a drifted copy on the target (the user asked and confirmed)."""
    replace_id: str | None = None
    """The outdated copy to delete first, where the service cannot overwrite in place."""
    allow_degrade: bool = False
    """The user accepted storing an encrypted source's copy unencrypted (`--allow-degrade`)."""
    target_id: str | None = None
    """The id the user asked for on the target (`copy ID --as NEW_ID`), if any."""


class Job(BaseModel):
    """A copy of one asset from one resource to another, journaled step by step."""

    id: str
    profile: str
    service: Service
    kind: AssetKind
    api_version: str
    source_side: Side
    source_endpoint: str
    target_endpoint: str
    source_resource_id: str
    target_resource_id: str
    source_id: str
    target_id: str | None = None
    asset_name: str
    state: JobState = JobState.PENDING
    error: str | None = None
    created: datetime
    updated: datetime
    steps: list[Step] = Field(default_factory=list)
    source_changed: datetime | None = None
    """When the source asset last changed, as the plan saw it (the copy's lineage records it)."""
    options: JobOptions = Field(default_factory=JobOptions)
    """The consent the job was started with; a resumed job runs with exactly the same."""


class ProgressEvent(BaseModel):
    """What the polling service publishes; the CLI renders it as Rich progress, the TUI as widgets."""

    job_id: str
    asset_name: str
    step: str
    step_index: int
    step_count: int
    state: JobState
    percent: int | None = None
    message: str | None = None
