"""The records the emulated world holds: resources, their assets, copy authorizations, operations.

Plain dataclasses without behaviour beyond small views (assets live in `AssetTable`s, dicts that
page in O(page)); `World` (world.py) owns and changes them,
the route modules render them. Keys live only on `Resource.keys` and never appear in a repr.
Content Understanding records live in cu_state.py, Language authoring records in
language_state.py; a `Resource` holds whichever its service has. An `Operation` is `TimedWork`
(timed.py), as the analyzer operations and the Language jobs are.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from regionsync.emulator.asset_table import AssetTable
from regionsync.emulator.cu_state import Analyzer, AnalyzerOperation
from regionsync.emulator.language_state import LanguageJob, Project
from regionsync.emulator.timed import TimedWork

AssetKindName = Literal["model", "classifier"]
ASSET_LIFETIME = timedelta(days=730)
"""Custom models and classifiers report an expirationDateTime this long after they were built."""


@dataclass
class DocAsset:
    """A v3+/v4 document model or document classifier on one resource."""

    kind: AssetKindName
    asset_id: str
    description: str | None
    doc_types: dict[str, dict[str, Any]]
    tags: dict[str, str]
    created: datetime
    modified: datetime
    api_version: str
    status: Literal["ready", "creating"] = "ready"
    base_description: str | None = None

    @property
    def expires(self) -> datetime:
        return self.created + ASSET_LIFETIME

    def clone(self) -> DocAsset:
        return copy.deepcopy(self)


@dataclass
class LegacyModel:
    """A v2.1 custom model (GUID id); `model_name` is what identifies it across resources."""

    model_id: str
    model_name: str | None
    status: Literal["creating", "ready", "invalid"]
    created: datetime
    last_updated: datetime
    composed: bool = False
    fields: list[str] = field(default_factory=list)
    training_documents: list[dict[str, Any]] = field(default_factory=list)
    accuracy: float = 0.0

    def clone(self) -> LegacyModel:
        return copy.deepcopy(self)


@dataclass
class Resource:
    """One Azure AI resource: its identity, its two keys, its quota and its assets."""

    name: str
    service: str
    region: str
    resource_id: str
    keys: list[str] = field(repr=False)
    custom_model_limit: int = 250
    encrypted: bool = False
    models: AssetTable[DocAsset] = field(default_factory=AssetTable, repr=False)
    classifiers: AssetTable[DocAsset] = field(default_factory=AssetTable, repr=False)
    legacy_models: AssetTable[LegacyModel] = field(default_factory=AssetTable, repr=False)
    operations: dict[str, Operation] = field(default_factory=dict, repr=False)
    analyzers: dict[str, Analyzer] = field(default_factory=dict, repr=False)
    model_deployments: dict[str, str] = field(default_factory=dict, repr=False)
    """Content Understanding `defaults.modelDeployments`: model name → deployment name."""
    analyzer_operations: dict[str, AnalyzerOperation] = field(default_factory=dict, repr=False)
    projects: dict[str, Project] = field(default_factory=dict, repr=False)
    language_jobs: dict[str, LanguageJob] = field(default_factory=dict, repr=False)

    def assets(self, kind: AssetKindName) -> AssetTable[DocAsset]:
        return self.models if kind == "model" else self.classifiers

    def custom_model_count(self) -> int:
        """Ready custom models, v3+ and v2.1 together (they share one limit)."""
        return self.models.ready + self.legacy_models.ready

    def reserved_model_count(self) -> int:
        """Custom models that hold a slot of the limit: ready ones and those being copied in."""
        v3 = len(self.models)
        return v3 + sum(1 for m in self.legacy_models.values() if m.status in ("ready", "creating"))

    def accepts_key(self, key: str | None) -> bool:
        return key is not None and key in self.keys


@dataclass
class Authorization:
    """A copy authorization issued by a target resource (the token itself is never stored)."""

    auth_id: str
    kind: Literal["model", "classifier", "legacy_model"]
    target: str
    target_id: str
    expires: datetime
    api_version: str
    description: str | None = None
    tags: dict[str, str] | None = None
    consumed: bool = False


@dataclass
class Operation(TimedWork):
    """A copy running (or finished) on the clock, owned by the source resource.

    It finishes at `finish_at`: successfully, or with `failure` when that is set (decided when the
    copy was accepted). `snapshot` is the source asset as it was when the copy started.
    """

    op_id: str
    kind: str
    api_version: str
    source: str
    source_asset_id: str
    target: str | None
    target_id: str
    target_location: str
    target_resource_id: str
    target_region: str
    snapshot: DocAsset | LegacyModel
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    result: DocAsset | LegacyModel | None = None
