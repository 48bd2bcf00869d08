"""The emulated world: many resources in many regions, their assets, authorizations and operations.

One `World` is shared by every region's listener and by the in-process transport. Requests are
routed to a region by the port they arrive on: in process each region has a stable nominal port
(47001, 47002 … by order of first appearance; the admin API 47000); when served on loopback the
real bound ports replace them. Copies, analyzer operations and Language jobs progress lazily on
the world's `Clock`: a heap of completion times is settled at the start of every request, so
hundreds of running operations cost nothing (`at(when, action)` puts any settling action on it).

Python API, one call per thing a scenario file can hold (tests and benches use it directly):

    world.add_resource(name, service="document-intelligence" | "content-understanding" | "language",
                       region=..., keys=[k1, k2]?)
    world.add_model(resource, model_id, description=..., doc_types=..., tags=..., fields=...)
    world.add_classifier(resource, classifier_id, doc_types=...)
    world.add_legacy_model(resource, model_name) -> GUID
    world.add_analyzer(resource, analyzer_id, base_analyzer="prebuilt-document", description=...,
                       models={"completion": ..., "embedding": ...}, tags=..., field_schema=...,
                       fields=..., config=..., created=..., modified=...)
    world.add_deployment(resource, name, model)      # listed in defaults.modelDeployments
    world.add_project(resource, name, language="en-us", multilingual=False,
                      model_type="multiClassification" | "singleClassification",
                      trained_models=("v1",), deployments={"prod": "v1"}, description=...,
                      classes=..., documents=..., created=..., modified=...)
    world.touch(resource, kind, asset_id)    # model | classifier | legacy_model | analyzer | project
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from regionsync.emulator.clock import Clock, format_timestamp
from regionsync.emulator.cu_prebuilt import is_prebuilt_analyzer
from regionsync.emulator.cu_state import Analyzer, CopyGrant
from regionsync.emulator.faults import Faults
from regionsync.emulator.language_state import ModelType, Project, ProjectDeployment, TrainedModel
from regionsync.emulator.state import (
    AssetKindName,
    Authorization,
    DocAsset,
    LegacyModel,
    Resource,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from regionsync.emulator.scenario import Scenario

NOMINAL_ADMIN_PORT = 47000
RESOURCE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{1,63}$")
DEFAULT_SUBSCRIPTION = "6f1c3a52-8d3e-4c59-9f0e-3b2f1d8e7a10"
DEFAULT_RESOURCE_GROUP = "rg-regionsync"
LEGACY_NAMESPACE = uuid.UUID("8a4f0e52-3a9b-4d3c-9a61-6b1f0c2d9e77")
DEFAULT_API_VERSION = "2023-07-31"

Sleep = Callable[[float], Awaitable[Any]]


def arm_resource_id(
    name: str, subscription: str = DEFAULT_SUBSCRIPTION, group: str = DEFAULT_RESOURCE_GROUP
) -> str:
    provider = "providers/Microsoft.CognitiveServices/accounts"
    return f"/subscriptions/{subscription}/resourceGroups/{group}/{provider}/{name}"


def model_doc_types(
    names: Iterable[str], fields: Iterable[str] = ("Name", "Date", "Amount"), build_mode: str = "template"
) -> dict[str, dict[str, Any]]:
    """The `docTypes` of a custom document model: one field schema per document type."""
    fields = list(fields)
    return {
        name: {
            "fieldSchema": {f: {"type": "string"} for f in fields},
            "buildMode": build_mode,
            "fieldConfidence": {f: 0.9 for f in fields},
        }
        for name in names
    }


def classifier_doc_types(names: Iterable[str], storage: str) -> dict[str, dict[str, Any]]:
    """The `docTypes` of a document classifier: where each type's training data lives."""
    container = f"https://{storage}.blob.core.windows.net/training"
    return {name: {"azureBlobSource": {"containerUrl": container, "prefix": f"{name}/"}} for name in names}


def analyzer_field_schema(name: str, fields: Iterable[str]) -> dict[str, Any]:
    """A Content Understanding `fieldSchema` extracting each of `fields` as a string."""
    return {
        "name": name,
        "fields": {f: {"type": "string", "method": "extract", "description": f"The {f}."} for f in fields},
        "definitions": {},
    }


DEFAULT_ANALYZER_CONFIG: dict[str, Any] = {"returnDetails": True, "enableOcr": True, "enableLayout": True}
DEFAULT_PROJECT_CLASSES = ("Billing", "Technical", "Account")


def project_documents(
    classes: Iterable[str], language: str, per_class: int = 4, start: int = 1
) -> list[dict[str, Any]]:
    """Labelled documents for a classification project: `per_class` of each class, one in five Test."""
    documents = []
    number = start
    for category in classes:
        for _ in range(per_class):
            documents.append(
                {
                    "location": f"{category.lower()}-{number:03d}.txt",
                    "language": language,
                    "dataset": "Test" if number % 5 == 0 else "Train",
                    "classes": [category],
                }
            )
            number += 1
    return documents


def trained_model_id(label: str, when: datetime) -> str:
    """A model id as the service writes it: label, training time, a random part."""
    return f"{label}-{when.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex}"


class World:
    """Every resource, asset, authorization and operation of one emulator, plus its clock and faults."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        copy_seconds: float = 6.0,
        sleep: Sleep = asyncio.sleep,
        train_seconds: float = 20.0,
        job_seconds: float = 4.0,
        retry_hints: bool = False,
    ) -> None:
        self.clock = clock if clock is not None else Clock()
        self.copy_seconds = float(copy_seconds)
        self.train_seconds = float(train_seconds)
        """How long a Language training job takes (emulated seconds)."""
        self.job_seconds = float(job_seconds)
        """How long a Language export, import, deploy or delete job takes (emulated seconds)."""
        self.retry_hints = retry_hints
        """Retry-After / retry-after-ms on Document Intelligence copies (Azure's recordings have none)."""
        self.sleep = sleep
        self.requests: Counter[tuple[str, str]] = Counter()
        """Requests that reached a resource, by (resource name, HTTP method): what went over the wire."""
        self.faults = Faults()
        self.resources: dict[str, Resource] = {}
        self.authorizations: dict[str, Authorization] = {}
        self.copy_grants: dict[tuple[str, str, str], CopyGrant] = {}
        """Content Understanding grants by (source resource, analyzer id, target resource id lower)."""
        self.secret = secrets.token_bytes(32)
        self.admin_port = NOMINAL_ADMIN_PORT
        self.region_ports: dict[str, int] = {}
        self._port_roles: dict[int, str | None] = {NOMINAL_ADMIN_PORT: None}
        self._by_resource_id: dict[str, str] = {}
        self._completions: list[tuple[datetime, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._app: ASGIApp | None = None

    def __repr__(self) -> str:
        return (
            f"World(resources={len(self.resources)}, regions={list(self.region_ports)}, clock={self.clock!r})"
        )

    @classmethod
    def from_scenario(cls, scenario: Scenario, clock: Clock | None = None) -> World:
        """A world holding what the scenario describes; its [clock] applies unless `clock` is given."""
        from regionsync.emulator.scenario import populate

        if clock is None:
            clock = Clock(speed=scenario.clock.speed, start=scenario.clock.start)
        world = cls(
            clock,
            copy_seconds=scenario.clock.copy_seconds,
            train_seconds=scenario.clock.train_seconds,
            job_seconds=scenario.clock.job_seconds,
            retry_hints=scenario.clock.retry_hints,
        )
        populate(world, scenario)
        return world

    # --- the ASGI app ----------------------------------------------------------------------------

    @property
    def app(self) -> ASGIApp:
        """The Starlette app serving every region and the admin API of this world."""
        if self._app is None:
            from regionsync.emulator.app import build_app

            self._app = build_app(self)
        return self._app

    # --- regions, ports, endpoints ----------------------------------------------------------------

    @property
    def regions(self) -> list[str]:
        return list(self.region_ports)

    def _ensure_region(self, region: str) -> None:
        if region not in self.region_ports:
            port = NOMINAL_ADMIN_PORT + len(self.region_ports) + 1
            self.region_ports[region] = port
            self._port_roles[port] = region

    def port_role(self, port: int | None) -> tuple[str, str | None] | None:
        """("admin", None) or ("region", name) for a port this world answers on; None otherwise."""
        if port is None or port not in self._port_roles:
            return None
        region = self._port_roles[port]
        return ("admin", None) if region is None else ("region", region)

    def bind_ports(self, admin_port: int, region_ports: Mapping[str, int]) -> None:
        """Use real listener ports (the loopback server calls this once bound)."""
        self.admin_port = admin_port
        self.region_ports.update(region_ports)
        self._port_roles = {admin_port: None, **{port: region for region, port in self.region_ports.items()}}

    def base_url(self, region: str) -> str:
        return f"http://127.0.0.1:{self.region_ports[region]}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def endpoint(self, name: str) -> str:
        """The endpoint of resource `name`: http://127.0.0.1:{its region's port}/{name}."""
        resource = self.resources[name]
        return f"{self.base_url(resource.region)}/{name}"

    # --- resources -----------------------------------------------------------------------------------

    def add_resource(
        self,
        name: str,
        *,
        service: str = "document-intelligence",
        region: str,
        keys: list[str] | None = None,
        custom_model_limit: int = 250,
        encrypted: bool = False,
        resource_id: str | None = None,
    ) -> Resource:
        """Create a resource (its own tenant: its keys open no other resource)."""
        if not RESOURCE_NAME.match(name):
            raise ValueError(f"resource name {name!r}: letters, digits and hyphens, 2 to 64 characters")
        if name in self.resources:
            raise ValueError(f"resource {name!r} already exists")
        if keys is not None and len(keys) != 2:
            raise ValueError("a resource has exactly two keys")
        resource = Resource(
            name=name,
            service=service,
            region=region,
            resource_id=resource_id or arm_resource_id(name),
            keys=list(keys) if keys else [secrets.token_hex(16), secrets.token_hex(16)],
            custom_model_limit=custom_model_limit,
            encrypted=encrypted,
        )
        self._ensure_region(region)
        self.resources[name] = resource
        self._by_resource_id[resource.resource_id.lower()] = name
        return resource

    def remove_resource(self, name: str) -> None:
        """Delete a resource and everything on it (copies targeting it then fail to resolve it)."""
        resource = self.resources.pop(name)
        self._by_resource_id.pop(resource.resource_id.lower(), None)

    def resource_by_id(self, resource_id: str) -> Resource | None:
        name = self._by_resource_id.get(resource_id.lower())
        return self.resources.get(name) if name else None

    def _resource(self, name: str) -> Resource:
        try:
            return self.resources[name]
        except KeyError:
            raise KeyError(f"no resource named {name!r}") from None

    # --- assets ----------------------------------------------------------------------------------------

    def add_model(
        self,
        resource_name: str,
        model_id: str,
        *,
        description: str | None = None,
        doc_types: Iterable[str] = ("default",),
        tags: Mapping[str, str] | None = None,
        fields: Iterable[str] = ("Name", "Date", "Amount"),
        build_mode: str = "template",
        created: datetime | None = None,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        """A ready v3+/v4 document model."""
        resource = self._resource(resource_name)
        if model_id in resource.models:
            raise ValueError(f"model {model_id!r} already exists on {resource_name}")
        when = created or self.clock.now()
        resource.models[model_id] = DocAsset(
            kind="model",
            asset_id=model_id,
            description=description,
            doc_types=model_doc_types(doc_types, fields, build_mode),
            tags=dict(tags or {}),
            created=when,
            modified=when,
            api_version=api_version,
            base_description=description,
        )

    def add_classifier(
        self,
        resource_name: str,
        classifier_id: str,
        *,
        doc_types: Iterable[str] = ("invoice", "receipt"),
        description: str | None = None,
        created: datetime | None = None,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        """A ready document classifier."""
        resource = self._resource(resource_name)
        if classifier_id in resource.classifiers:
            raise ValueError(f"classifier {classifier_id!r} already exists on {resource_name}")
        when = created or self.clock.now()
        storage = "".join(ch for ch in resource_name if ch.isalnum())[:20] + "data"
        resource.classifiers[classifier_id] = DocAsset(
            kind="classifier",
            asset_id=classifier_id,
            description=description,
            doc_types=classifier_doc_types(doc_types, storage),
            tags={},
            created=when,
            modified=when,
            api_version=api_version,
            base_description=description,
        )

    def add_legacy_model(
        self,
        resource_name: str,
        model_name: str,
        *,
        model_id: str | None = None,
        fields: Iterable[str] = ("Name", "Date", "Total"),
        composed: bool = False,
        created: datetime | None = None,
    ) -> str:
        """A ready v2.1 custom model; returns its GUID (stable for a resource and name)."""
        resource = self._resource(resource_name)
        guid = (model_id or str(uuid.uuid5(LEGACY_NAMESPACE, f"{resource_name}/{model_name}"))).lower()
        while guid in resource.legacy_models and model_id is None:
            guid = str(uuid.uuid4())
        if guid in resource.legacy_models:
            raise ValueError(f"legacy model {guid} already exists on {resource_name}")
        when = created or self.clock.now()
        field_list = list(fields)
        resource.legacy_models[guid] = LegacyModel(
            model_id=guid,
            model_name=model_name,
            status="ready",
            created=when,
            last_updated=when,
            composed=composed,
            fields=field_list,
            training_documents=[
                {"documentName": f"{model_name}-{i}.pdf", "pages": 1, "errors": [], "status": "succeeded"}
                for i in range(5)
            ],
            accuracy=0.95,
        )
        return guid

    def _resource_of(self, name: str, service: str) -> Resource:
        resource = self._resource(name)
        if resource.service != service:
            raise ValueError(f"resource {name!r} is a {resource.service} resource, not {service}")
        return resource

    def add_analyzer(
        self,
        resource_name: str,
        analyzer_id: str,
        *,
        base_analyzer: str | None = "prebuilt-document",
        description: str | None = None,
        models: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        field_schema: Mapping[str, Any] | None = None,
        fields: Iterable[str] = ("VendorName", "InvoiceDate", "Total"),
        config: Mapping[str, Any] | None = None,
        created: datetime | None = None,
        modified: datetime | None = None,
    ) -> None:
        """A ready Content Understanding analyzer; `fields` make its schema unless `field_schema` is set."""
        resource = self._resource_of(resource_name, "content-understanding")
        if is_prebuilt_analyzer(analyzer_id):
            raise ValueError(f"analyzer id {analyzer_id!r}: the prebuilt- prefix is reserved")
        if analyzer_id in resource.analyzers:
            raise ValueError(f"analyzer {analyzer_id!r} already exists on {resource_name}")
        when = created or self.clock.now()
        resource.analyzers[analyzer_id] = Analyzer(
            analyzer_id=analyzer_id,
            description=description,
            tags=dict(tags or {}),
            base_analyzer_id=base_analyzer,
            config=dict(config) if config is not None else dict(DEFAULT_ANALYZER_CONFIG),
            field_schema=dict(field_schema) if field_schema is not None else analyzer_field_schema(
                analyzer_id, fields
            ),
            models=dict(models or {}),
            created=when,
            modified=max(when, modified or when),
            base_description=description,
        )

    def add_deployment(self, resource_name: str, name: str, model: str) -> None:
        """A model deployment of a Content Understanding resource (`defaults.modelDeployments[model]`)."""
        resource = self._resource_of(resource_name, "content-understanding")
        resource.model_deployments[model] = name

    def add_project(
        self,
        resource_name: str,
        name: str,
        *,
        language: str = "en-us",
        multilingual: bool = False,
        model_type: ModelType = "multiClassification",
        trained_models: Iterable[str] = (),
        deployments: Mapping[str, str] | None = None,
        description: str | None = None,
        classes: Iterable[str] = DEFAULT_PROJECT_CLASSES,
        documents: int = 4,
        created: datetime | None = None,
        modified: datetime | None = None,
    ) -> None:
        """A custom text classification project; trained models and deployments date from `modified`."""
        resource = self._resource_of(resource_name, "language")
        if name in resource.projects:
            raise ValueError(f"project {name!r} already exists on {resource_name}")
        labels = list(trained_models)
        deployments = dict(deployments or {})
        unknown = sorted(set(deployments.values()) - set(labels))
        if unknown:
            raise ValueError(f"project {name!r}: deployments name untrained models {unknown}")
        when = created or self.clock.now()
        changed = max(when, modified or when)
        class_list = list(classes)
        project = Project(
            name=name,
            model_type=model_type,
            language=language,
            multilingual=multilingual,
            description=description,
            storage_container=name.lower(),
            created=when,
            modified=changed,
            classes=class_list,
            documents=project_documents(class_list, language, documents),
        )
        for label in labels:
            project.trained_models[label] = TrainedModel(
                label, trained_model_id(label, changed), changed, int(self.train_seconds), "2022-05-01"
            )
            project.last_trained = changed
        for deployment, label in deployments.items():
            model = project.trained_models[label]
            project.deployments[deployment] = ProjectDeployment(
                deployment, label, model.model_id, model.trained, changed, model.config_version
            )
            project.last_deployed = changed
        resource.projects[name] = project

    def touch(self, resource_name: str, kind: str, asset_id: str) -> None:
        """Change an asset as a person would: retrain a model, edit an analyzer, label a document."""
        resource = self._resource(resource_name)
        now = self.clock.now()
        if kind == "analyzer":
            self._resource_of(resource_name, "content-understanding")
            analyzer = resource.analyzers.get(asset_id)
            if analyzer is None or analyzer.status != "ready":
                raise KeyError(f"no analyzer {asset_id!r} on {resource_name}")
            analyzer.modified = now
            analyzer.description = f"{analyzer.base_description or asset_id} (edited {format_timestamp(now)})"
            return
        if kind == "project":
            self._resource_of(resource_name, "language")
            project = resource.projects.get(asset_id)
            if project is None:
                raise KeyError(f"no project {asset_id!r} on {resource_name}")
            project.modified = now
            category = project.classes[0] if project.classes else "Labelled"
            if not project.classes:
                project.classes.append(category)
            project.documents.extend(
                project_documents([category], project.language, 1, start=len(project.documents) + 1)
            )
            return
        if kind in ("model", "classifier"):
            asset = resource.assets(kind).get(asset_id)  # type: ignore[arg-type]
            if asset is None or asset.status != "ready":
                raise KeyError(f"no {kind} {asset_id!r} on {resource_name}")
            base = asset.base_description or asset.asset_id
            asset.created = asset.modified = now
            asset.description = f"{base} (retrained {format_timestamp(now)})"
            return
        if kind == "legacy_model":
            legacy = resource.legacy_models.get(asset_id) or next(
                (m for m in resource.legacy_models.values() if m.model_name == asset_id), None
            )
            if legacy is None or legacy.status != "ready":
                raise KeyError(f"no legacy model {asset_id!r} on {resource_name}")
            legacy.created = legacy.last_updated = now
            legacy.training_documents.append(
                {
                    "documentName": f"retrained-{len(legacy.training_documents)}.pdf",
                    "pages": 1,
                    "errors": [],
                    "status": "succeeded",
                }
            )
            legacy.accuracy = round(min(0.99, legacy.accuracy + 0.01), 3)
            return
        raise ValueError(
            f"unknown asset kind {kind!r} (model, classifier, legacy_model, analyzer or project)"
        )

    # --- operations --------------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        """Run `action` when the clock reaches `when` (at the next settle from then on)."""
        heapq.heappush(self._completions, (when, next(self._sequence), action))

    def settle(self) -> None:
        """Finish every operation whose time has come (called before each request is answered)."""
        if not self._completions:
            return
        now = self.clock.now()
        while self._completions and self._completions[0][0] <= now:
            _, _, action = heapq.heappop(self._completions)
            action()

    def running_operations(self) -> int:
        return len(self._completions)

    # --- the world view ------------------------------------------------------------------------------

    def view(self) -> dict[str, Any]:
        """Everything in the world, for GET /_emulator/world (keys left out)."""
        self.settle()
        now = self.clock.now()
        return {
            "now": format_timestamp(now),
            "speed": self.clock.speed,
            "copy_seconds": self.copy_seconds,
            "train_seconds": self.train_seconds,
            "job_seconds": self.job_seconds,
            "retry_hints": self.retry_hints,
            "admin": self.admin_url,
            "regions": {
                region: {"port": port, "down": self.faults.is_down(region)}
                for region, port in self.region_ports.items()
            },
            "resources": [self._resource_view(r, now) for r in self.resources.values()],
            "faults": self.faults.view(),
            "requests": self.request_counts(),
        }

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Requests that reached each resource so far, by HTTP method."""
        counts: dict[str, dict[str, int]] = {}
        for (resource, method), count in sorted(self.requests.items()):
            counts.setdefault(resource, {})[method] = count
        return counts

    def _resource_view(self, resource: Resource, now: datetime) -> dict[str, Any]:
        def asset(a: DocAsset) -> dict[str, Any]:
            return {
                "id": a.asset_id,
                "status": a.status,
                "description": a.description,
                "created": format_timestamp(a.created),
                "modified": format_timestamp(a.modified),
                "doc_types": sorted(a.doc_types),
                "tags": a.tags,
            }

        operations = []
        for op in resource.operations.values():
            status, percent = op.progress(now)
            operations.append(
                {
                    "id": op.op_id,
                    "kind": op.kind,
                    "api_version": op.api_version,
                    "source_id": op.source_asset_id,
                    "target": op.target,
                    "target_id": op.target_id,
                    "status": status,
                    "percent": percent,
                    "created": format_timestamp(op.created),
                    "finish": format_timestamp(op.finish_at),
                    "error": op.failure.code if op.failure and op.finished else None,
                }
            )
        for cu_op in resource.analyzer_operations.values():
            status, percent = cu_op.progress(now)
            operations.append(
                {
                    "id": cu_op.op_id,
                    "kind": f"analyzer{cu_op.kind.capitalize()}",
                    "api_version": "2025-11-01",
                    "source_id": cu_op.source_analyzer_id,
                    "target": cu_op.resource,
                    "target_id": cu_op.analyzer_id,
                    "status": status,
                    "percent": percent,
                    "created": format_timestamp(cu_op.created),
                    "finish": format_timestamp(cu_op.finish_at),
                    "error": cu_op.failure.code if cu_op.failure and cu_op.finished else None,
                }
            )
        jobs = []
        for job in resource.language_jobs.values():
            status, percent = job.progress(now)
            jobs.append(
                {
                    "id": job.job_id,
                    "kind": job.kind,
                    "project": job.project,
                    "api_version": job.api_version,
                    "status": status,
                    "percent": percent,
                    "created": format_timestamp(job.created),
                    "finish": format_timestamp(job.finish_at),
                    "error": job.failure.code if job.failure and job.finished else None,
                }
            )

        def stamp(moment: datetime | None) -> str | None:
            return format_timestamp(moment) if moment is not None else None

        return {
            "name": resource.name,
            "service": resource.service,
            "region": resource.region,
            "endpoint": self.endpoint(resource.name),
            "resource_id": resource.resource_id,
            "custom_model_limit": resource.custom_model_limit,
            "custom_model_count": resource.custom_model_count(),
            "encrypted": resource.encrypted,
            "models": [asset(a) for a in resource.models.values()],
            "classifiers": [asset(a) for a in resource.classifiers.values()],
            "legacy_models": [
                {
                    "id": m.model_id,
                    "name": m.model_name,
                    "status": m.status,
                    "created": format_timestamp(m.created),
                    "last_updated": format_timestamp(m.last_updated),
                }
                for m in resource.legacy_models.values()
            ],
            "analyzers": [
                {
                    "id": a.analyzer_id,
                    "status": a.status,
                    "description": a.description,
                    "base_analyzer": a.base_analyzer_id,
                    "models": a.models,
                    "created": format_timestamp(a.created),
                    "modified": format_timestamp(a.modified),
                    "tags": a.tags,
                }
                for a in resource.analyzers.values()
            ],
            "deployments": dict(resource.model_deployments),
            "projects": [
                {
                    "name": p.name,
                    "model_type": p.model_type,
                    "language": p.language,
                    "description": p.description,
                    "documents": len(p.documents),
                    "created": format_timestamp(p.created),
                    "modified": format_timestamp(p.modified),
                    "last_trained": stamp(p.last_trained),
                    "last_deployed": stamp(p.last_deployed),
                    "trained_models": {
                        m.label: {"model_id": m.model_id, "trained": format_timestamp(m.trained)}
                        for m in p.trained_models.values()
                    },
                    "deployments": {
                        d.name: {"model": d.model_label, "deployed": format_timestamp(d.deployed)}
                        for d in p.deployments.values()
                    },
                }
                for p in resource.projects.values()
            ],
            "operations": operations,
            "jobs": jobs,
        }


def new_operation_id() -> str:
    return str(uuid.uuid4())


__all__ = ["AssetKindName", "World", "arm_resource_id", "new_operation_id"]
