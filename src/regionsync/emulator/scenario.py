"""Scenario files: the TOML that describes an emulated world (documented in `regionsync emulator --help`).

`parse_scenario(text, source=...)` and `load_scenario(path)` return a validated `Scenario`;
anything wrong raises `ScenarioError` whose message names the file, the line and the field
(``demo.toml:12: resource[1].model[0].doc_types: Input should be a valid list``). Unknown keys
are errors, so a typo never passes silently. `populate(world, scenario)` builds the world.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from regionsync.emulator.auth import directory
from regionsync.emulator.world import World
from regionsync.toml_lines import locate_line

ASSET_ID = r"^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$"
ANALYZER_ID = r"^[a-zA-Z0-9._-]{1,64}$"
PROJECT_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$"
DEPLOYMENT_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$"
RESOURCE_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9-]{1,62}$"
REGION = r"^[a-z0-9]{1,24}$"
IDENTITY_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9@._-]{0,127}$"
SERVICES = ("document-intelligence", "content-understanding", "language")
TABLE_SERVICE: dict[str, str] = {
    "model": "document-intelligence",
    "legacy_model": "document-intelligence",
    "classifier": "document-intelligence",
    "generate": "document-intelligence",
    "analyzer": "content-understanding",
    "deployment": "content-understanding",
    "project": "language",
}
"""Which service's resources may hold each asset table."""


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file, the line and the field."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, field: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.field = field


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
_DURATION_UNIT = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockSpec(_Strict):
    speed: float = Field(default=1.0, ge=0)
    copy_seconds: float = Field(default=6.0, gt=0)
    train_seconds: float = Field(default=20.0, gt=0)
    job_seconds: float = Field(default=4.0, gt=0)
    start: datetime | None = None
    retry_hints: bool = False
    """Retry-After on Document Intelligence copies (202 and running polls); Azure's recordings have none."""
    newest_ago: timedelta | None = None
    """Move every fixed timestamp of the file (assets' created/modified) so that the newest lies this
    long before the clock's start ("3h", "2d"): a world whose ages read like a real team's whenever
    it is started. None: the timestamps as written."""
    span: timedelta | None = None
    """With `newest_ago`: squeeze the timestamps, oldest to newest, into at most this long ("14d"),
    keeping their order (what changed after what stays so). None: moved as one, gaps kept."""

    @field_validator("newest_ago", "span", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise ValueError("use a duration such as 3h, 90m or 2d")
            return timedelta(seconds=float(match.group(1)) * _DURATION_UNIT[match.group(2)])
        return value


class ModelSpec(_Strict):
    id: str = Field(pattern=ASSET_ID)
    description: str | None = Field(default=None, max_length=4096)
    doc_types: list[str] = Field(default_factory=lambda: ["default"], min_length=1)
    fields: list[str] = Field(default_factory=lambda: ["Name", "Date", "Amount"])
    build_mode: Literal["template", "neural"] = "template"
    tags: dict[str, str] = Field(default_factory=dict)
    created: datetime | None = None
    api_version: Literal["2022-08-31", "2023-07-31", "2024-11-30"] = "2023-07-31"


class ClassifierSpec(_Strict):
    id: str = Field(pattern=ASSET_ID)
    description: str | None = Field(default=None, max_length=4096)
    doc_types: list[str] = Field(min_length=1)
    created: datetime | None = None
    api_version: Literal["2023-07-31", "2024-11-30"] = "2024-11-30"


class LegacyModelSpec(_Strict):
    name: str = Field(min_length=1, max_length=1024)
    id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
    fields: list[str] = Field(default_factory=lambda: ["Name", "Date", "Total"])
    composed: bool = False
    created: datetime | None = None


class GenerateSpec(_Strict):
    """Bulk assets for benches and pagination demos: `count` of them named `prefix` + number."""

    count: int = Field(ge=1, le=100_000)
    prefix: str = "bulk-"
    kind: Literal["model", "legacy_model", "classifier"] = "model"
    description: str | None = None


class AnalyzerSpec(_Strict):
    """A Content Understanding analyzer."""

    id: str = Field(pattern=ANALYZER_ID)
    base_analyzer: str | None = "prebuilt-document"
    description: str | None = Field(default=None, max_length=4096)
    models: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    fields: list[str] = Field(default_factory=lambda: ["VendorName", "InvoiceDate", "Total"])
    config: dict[str, Any] | None = None
    created: datetime | None = None
    modified: datetime | None = None

    @field_validator("id")
    @classmethod
    def _not_prebuilt(cls, value: str) -> str:
        if value.lower().startswith("prebuilt-"):
            raise ValueError("the prebuilt- prefix is reserved for the service's analyzers")
        return value


class DeploymentSpec(_Strict):
    """A model deployment of a Content Understanding resource (listed in defaults.modelDeployments)."""

    name: str = Field(pattern=DEPLOYMENT_NAME)
    model: str = Field(min_length=1, max_length=128)


class ProjectSpec(_Strict):
    """A Language custom text classification project."""

    name: str = Field(pattern=PROJECT_NAME)
    language: str = Field(default="en-us", min_length=2, max_length=16)
    multilingual: bool = False
    model_type: Literal["multiClassification", "singleClassification"] = "multiClassification"
    description: str | None = Field(default=None, max_length=4096)
    classes: list[str] = Field(default_factory=lambda: ["Billing", "Technical", "Account"], min_length=1)
    documents: int = Field(default=4, ge=0, le=10_000)
    """Labelled documents per class."""
    trained_models: list[str] = Field(default_factory=list)
    deployments: dict[str, str] = Field(default_factory=dict)
    created: datetime | None = None
    modified: datetime | None = None

    @model_validator(mode="after")
    def _deployments_name_trained_models(self) -> ProjectSpec:
        unknown = sorted(set(self.deployments.values()) - set(self.trained_models))
        if unknown:
            raise ValueError(f"deployments name models that are not in trained_models: {', '.join(unknown)}")
        return self


class IdentitySpec(_Strict):
    """An Entra ID identity (user or service principal) with a role on the resource it is listed under.

    The same name under several resources is the same principal. Only "Cognitive Services User" lets
    it call the resource's APIs; the control-plane roles answer 403 PermissionDenied, as in Azure."""

    name: str = Field(pattern=IDENTITY_NAME)
    role: Literal[
        "Cognitive Services User", "Cognitive Services Contributor", "Contributor", "Owner", "Reader"
    ] = "Cognitive Services User"


class ResourceSpec(_Strict):
    name: str = Field(pattern=RESOURCE_NAME)
    service: Literal["document-intelligence", "content-understanding", "language"] = "document-intelligence"
    region: str = Field(pattern=REGION)
    keys: list[str] | None = Field(default=None, min_length=2, max_length=2)
    custom_model_limit: int = Field(default=250, ge=0)
    encrypted: bool = False
    resource_id: str | None = None
    disable_local_auth: bool = False
    """Key authentication disabled: keys are refused (403 AuthenticationTypeDisabled), Entra ID only."""
    identity: list[IdentitySpec] = Field(default_factory=list)
    model: list[ModelSpec] = Field(default_factory=list)
    legacy_model: list[LegacyModelSpec] = Field(default_factory=list)
    classifier: list[ClassifierSpec] = Field(default_factory=list)
    generate: list[GenerateSpec] = Field(default_factory=list)
    analyzer: list[AnalyzerSpec] = Field(default_factory=list)
    deployment: list[DeploymentSpec] = Field(default_factory=list)
    project: list[ProjectSpec] = Field(default_factory=list)

    @field_validator("keys")
    @classmethod
    def _keys_not_blank(cls, keys: list[str] | None) -> list[str] | None:
        if keys is not None and any(not k.strip() for k in keys):
            raise ValueError("keys must not be blank")
        return keys

    @model_validator(mode="after")
    def _unique_assets(self) -> ResourceSpec:
        named: tuple[tuple[str, list[str]], ...] = (
            ("model id", [m.id for m in self.model]),
            ("classifier id", [c.id for c in self.classifier]),
            ("analyzer id", [a.id for a in self.analyzer]),
            ("deployment name", [d.name for d in self.deployment]),
            ("project name", [p.name for p in self.project]),
            ("identity", [i.name for i in self.identity]),
        )
        for what, names in named:
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{what} {name!r} appears twice")
                seen.add(name)
        return self


class _Scoped(_Strict):
    region: str | None = None
    resource: str | None = None


class OutageFault(_Strict):
    kind: Literal["outage"]
    region: str


class LatencyFault(_Scoped):
    kind: Literal["latency"]
    ms: float = Field(gt=0)


class ThrottleFault(_Scoped):
    kind: Literal["throttle"]
    share: float = Field(gt=0, le=1)
    retry_after: int = Field(default=1, ge=0)
    count: int | None = Field(default=None, ge=1)


class ErrorsFault(_Scoped):
    kind: Literal["errors"]
    share: float = Field(gt=0, le=1)
    status: int = Field(default=503, ge=500, le=599)
    count: int | None = Field(default=None, ge=1)


class MalformedFault(_Scoped):
    kind: Literal["malformed"]
    share: float = Field(gt=0, le=1)
    count: int | None = Field(default=None, ge=1)


class CopyFailureFault(_Scoped):
    kind: Literal["copy-failure"]
    at_percent: int = Field(default=50, ge=0, le=99)
    count: int | None = Field(default=None, ge=1)


Fault = Annotated[
    OutageFault | LatencyFault | ThrottleFault | ErrorsFault | MalformedFault | CopyFailureFault,
    Field(discriminator="kind"),
]


class Scenario(_Strict):
    """A validated scenario file."""

    clock: ClockSpec = Field(default_factory=ClockSpec)
    resource: list[ResourceSpec] = Field(default_factory=list)
    fault: list[Fault] = Field(default_factory=list)
    _source: str = PrivateAttr(default="<scenario>")

    @property
    def source(self) -> str:
        """The file (or name) the scenario was read from."""
        return self._source


def _field_name(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif (
            part in ("outage", "latency", "throttle", "errors", "malformed", "copy-failure")
            and text.startswith("fault")
            and text.endswith("]")
        ):
            continue
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _error(source: str, text: str, loc: tuple[Any, ...], message: str) -> ScenarioError:
    line = locate_line(text, loc)
    field = _field_name(loc)
    where = f"{source}:{line}" if line else source
    return ScenarioError(f"{where}: {field}: {message}", source=source, line=line, field=field)


def _cross_checks(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    problems: list[tuple[tuple[Any, ...], str]] = []
    names: set[str] = set()
    regions = {r.region for r in scenario.resource}
    for i, resource in enumerate(scenario.resource):
        if resource.name in names:
            problems.append((("resource", i, "name"), f"resource name {resource.name!r} appears twice"))
        names.add(resource.name)
        for table, service in TABLE_SERVICE.items():
            if getattr(resource, table) and resource.service != service:
                problems.append(
                    (
                        ("resource", i, table),
                        f"a {resource.service} resource holds no [[resource.{table}]] ({service} only)",
                    )
                )
    for i, fault in enumerate(scenario.fault):
        region = getattr(fault, "region", None)
        if region is not None and region not in regions:
            problems.append((("fault", i, "region"), f"no resource is in region {region!r}"))
        target = getattr(fault, "resource", None)
        if target is not None and target not in names:
            problems.append((("fault", i, "resource"), f"no resource is named {target!r}"))
    return problems


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario TOML; raises ScenarioError naming `source`, the line and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        where = f"{source}:{line}" if line else source
        raise ScenarioError(f"{where}: TOML syntax error: {exc}", source=source, line=line) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise _error(source, text, tuple(first["loc"]), message) from None
    for loc, message in _cross_checks(scenario):
        raise _error(source, text, loc, message)
    scenario._source = source
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            f"{path}: cannot read the scenario file: {exc.strerror or exc}", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: the scenario file is not UTF-8 text", source=str(path)) from None
    return parse_scenario(text, source=str(path))


def demo_scenario_path() -> Path:
    """The shipped demo scenario (primary/secondary pairs for every service family)."""
    return Path(__file__).with_name("scenarios") / "demo.toml"


DEMO_NEWEST_AGO = "3h"
"""The demo world's newest change is this old when it starts (`[clock] newest_ago`)."""
DEMO_SPAN = "12d"
"""Its oldest change at most this much older (`[clock] span`): ages in hours and days."""


def demo_scenario_text() -> str:
    """The shipped demo scenario dated relative to now: its `[clock]` gains `newest_ago` and `span`
    (the file itself keeps fixed times, which the test worlds and their snapshots rely on)."""
    text = demo_scenario_path().read_text(encoding="utf-8")
    dating = f'newest_ago = "{DEMO_NEWEST_AGO}"\nspan = "{DEMO_SPAN}"\n'
    return text.replace("[clock]\n", "[clock]\n" + dating, 1)


def demo_scenario() -> Scenario:
    """The demo world as `make demo`, `make demo-cli` and `regionsync emulator` serve it."""
    return parse_scenario(demo_scenario_text(), str(demo_scenario_path()))


def timestamps(scenario: Scenario) -> list[datetime]:
    """Every fixed timestamp the scenario's assets carry (created, modified)."""
    found: list[datetime] = []
    for spec in scenario.resource:
        for asset in (*spec.model, *spec.legacy_model, *spec.classifier, *spec.analyzer, *spec.project):
            for moment in (getattr(asset, "created", None), getattr(asset, "modified", None)):
                if moment is not None:
                    found.append(moment)
    return found


def time_map(scenario: Scenario, now: datetime) -> Callable[[datetime], datetime]:
    """Where `[clock] newest_ago` (and `span`) put each timestamp of the file: the newest lands
    `newest_ago` before `now`, the others keep their order and (squeezed into `span` if the file
    spans more) their distances. The identity when `newest_ago` is not set."""
    ago = scenario.clock.newest_ago
    found = timestamps(scenario)
    if ago is None or not found:
        return lambda moment: moment
    newest, oldest = max(found), min(found)
    end = now - ago
    span = scenario.clock.span
    factor = 1.0 if span is None or newest == oldest else min(1.0, span / (newest - oldest))
    return lambda moment: end - (newest - moment) * factor


def populate(world: World, scenario: Scenario) -> None:
    """Create the scenario's resources, assets and faults in `world` (timestamps shifted as `[clock]
    newest_ago` says, against the world's clock)."""
    moved = time_map(scenario, world.clock.now())

    def at(moment: datetime | None) -> datetime | None:
        return moved(moment) if moment is not None else None

    for spec in scenario.resource:
        world.add_resource(
            spec.name,
            service=spec.service,
            region=spec.region,
            keys=spec.keys,
            custom_model_limit=spec.custom_model_limit,
            encrypted=spec.encrypted,
            resource_id=spec.resource_id,
        )
        entra = directory(world)
        for identity in spec.identity:
            entra.assign(spec.name, identity.name, identity.role)
        entra.set_local_auth(spec.name, disabled=spec.disable_local_auth)
        for model in spec.model:
            world.add_model(
                spec.name,
                model.id,
                description=model.description,
                doc_types=model.doc_types,
                tags=model.tags,
                fields=model.fields,
                build_mode=model.build_mode,
                created=at(model.created),
                api_version=model.api_version,
            )
        for legacy in spec.legacy_model:
            world.add_legacy_model(
                spec.name,
                legacy.name,
                model_id=legacy.id.lower() if legacy.id else None,
                fields=legacy.fields,
                composed=legacy.composed,
                created=at(legacy.created),
            )
        for classifier in spec.classifier:
            world.add_classifier(
                spec.name,
                classifier.id,
                doc_types=classifier.doc_types,
                description=classifier.description,
                created=at(classifier.created),
                api_version=classifier.api_version,
            )
        for bulk in spec.generate:
            _generate(world, spec.name, bulk)
        for deployment in spec.deployment:
            world.add_deployment(spec.name, deployment.name, deployment.model)
        for analyzer in spec.analyzer:
            world.add_analyzer(
                spec.name,
                analyzer.id,
                base_analyzer=analyzer.base_analyzer,
                description=analyzer.description,
                models=analyzer.models,
                tags=analyzer.tags,
                fields=analyzer.fields,
                config=analyzer.config,
                created=at(analyzer.created),
                modified=at(analyzer.modified),
            )
        for project in spec.project:
            world.add_project(
                spec.name,
                project.name,
                language=project.language,
                multilingual=project.multilingual,
                model_type=project.model_type,
                trained_models=project.trained_models,
                deployments=project.deployments,
                description=project.description,
                classes=project.classes,
                documents=project.documents,
                created=at(project.created),
                modified=at(project.modified),
            )
    for fault in scenario.fault:
        _apply_fault(world, fault)


def _generate(world: World, resource: str, bulk: GenerateSpec) -> None:
    width = len(str(bulk.count))
    for n in range(1, bulk.count + 1):
        name = f"{bulk.prefix}{n:0{width}d}"
        if bulk.kind == "legacy_model":
            world.add_legacy_model(resource, name)
        elif bulk.kind == "classifier":
            world.add_classifier(resource, name, description=bulk.description)
        else:
            world.add_model(resource, name, description=bulk.description)


def _apply_fault(world: World, fault: Any) -> None:
    faults = world.faults
    if isinstance(fault, OutageFault):
        faults.set_outage(fault.region, True)
    elif isinstance(fault, LatencyFault):
        faults.set_latency(fault.ms, region=fault.region, resource=fault.resource)
    elif isinstance(fault, ThrottleFault):
        faults.throttle(
            fault.share, fault.retry_after, region=fault.region, resource=fault.resource, count=fault.count
        )
    elif isinstance(fault, ErrorsFault):
        faults.server_errors(
            fault.share, fault.status, region=fault.region, resource=fault.resource, count=fault.count
        )
    elif isinstance(fault, MalformedFault):
        faults.malformed(fault.share, region=fault.region, resource=fault.resource, count=fault.count)
    elif isinstance(fault, CopyFailureFault):
        faults.fail_copies(fault.resource, fault.at_percent, region=fault.region, count=fault.count)
