"""Language authoring records: custom text classification projects, their models, deployments, jobs.

A `Project` keeps what an export carries (metadata, classes, labelled documents) plus what the
service adds (trained models, deployments, the four timestamps). `model_type` uses the seed's words
(`singleClassification` / `multiClassification`); each API version spells the project kind its own
way (language_versions.py). A `LanguageJob` (export, import, train, deploy, delete) lives on the
resource and does its work when the clock reaches `finish_at` (it is `TimedWork`, timed.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from regionsync.emulator.timed import TimedWork

ModelType = Literal["singleClassification", "multiClassification"]
JobKind = Literal["export", "import", "train", "deploy", "delete"]
JOB_LIFETIME = timedelta(days=7)
"""A job's status (and an export's result) can be read for this long after it was created."""


@dataclass
class TrainedModel:
    """A model trained from a project (`modelLabel`)."""

    label: str
    model_id: str
    trained: datetime
    duration_seconds: int
    config_version: str


@dataclass
class ProjectDeployment:
    """A trained model deployed under a name."""

    name: str
    model_label: str
    model_id: str
    trained: datetime
    deployed: datetime
    config_version: str


@dataclass
class Project:
    """A custom text classification project on one Language resource."""

    name: str
    model_type: ModelType
    language: str
    multilingual: bool
    description: str | None
    storage_container: str
    created: datetime
    modified: datetime
    classes: list[str]
    documents: list[dict[str, Any]]
    """Labelled documents: {"location", "language", "dataset", "classes": [category, …]}."""
    settings: dict[str, Any] = field(default_factory=dict)
    last_trained: datetime | None = None
    last_deployed: datetime | None = None
    trained_models: dict[str, TrainedModel] = field(default_factory=dict)
    deployments: dict[str, ProjectDeployment] = field(default_factory=dict)

    def clone(self) -> Project:
        return copy.deepcopy(self)


@dataclass
class LanguageJob(TimedWork):
    """An authoring job; `payload` holds what it carries (the imported or exported project)."""

    job_id: str
    kind: JobKind
    project: str
    api_version: str
    payload: Project | None = None
    model_label: str | None = None
    config_version: str | None = None
    deployment: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def expires(self) -> datetime:
        return self.created + JOB_LIFETIME
