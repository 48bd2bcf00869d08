"""Content Understanding records: analyzers, the operations that create or copy them, copy grants.

An `Analyzer` is what `GET analyzers/{id}` shows (its create-time properties are kept as the client
sent them). An `AnalyzerOperation` (`TimedWork`, timed.py) lives on the resource that runs it — the
target of a copy — and settles on the clock: `pending` becomes ready, or it is removed (and a
replaced analyzer restored).
A `CopyGrant` is what `:grantCopyAuthorization` records on the source: this analyzer may be copied
by that target resource until `expires`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from regionsync.emulator.timed import TimedWork

AnalyzerStatus = Literal["creating", "ready", "failed"]


@dataclass
class Analyzer:
    """One analyzer on one Content Understanding resource."""

    analyzer_id: str
    description: str | None
    tags: dict[str, str]
    base_analyzer_id: str | None
    config: dict[str, Any] | None
    field_schema: dict[str, Any] | None
    models: dict[str, str]
    created: datetime
    modified: datetime
    status: AnalyzerStatus = "ready"
    extras: dict[str, Any] = field(default_factory=dict)
    """Other create-time properties (dynamicFieldSchema, processingLocation, knowledgeSources)."""
    warnings: list[dict[str, str]] = field(default_factory=list)
    base_description: str | None = None

    def clone(self) -> Analyzer:
        return copy.deepcopy(self)


@dataclass
class CopyGrant:
    """Permission, recorded on the source, for one target resource to copy one analyzer."""

    source: str
    analyzer_id: str
    target_resource_id: str
    target_region: str
    expires: datetime


@dataclass
class AnalyzerOperation(TimedWork):
    """A create-or-replace or a copy of an analyzer, running on the resource that will hold it."""

    op_id: str
    kind: Literal["create", "copy"]
    resource: str
    analyzer_id: str
    pending: Analyzer
    previous: Analyzer | None = None
    source: str | None = None
    source_analyzer_id: str | None = None
    result: Analyzer | None = None
