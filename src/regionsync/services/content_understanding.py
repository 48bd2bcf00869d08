"""Content Understanding analyzers: list, read, and copy across resources (source grants, target copies).

One table (`VERSIONS`) holds what an API version decides (base path, paths, the role of the embedding
model); today it has 2025-11-01. The copy runs the standard recipe the other way round from Document
Intelligence (`copy_direction = "source-grants"`):

* SOURCE `POST analyzers/{id}:grantCopyAuthorization` `{targetAzureResourceId, targetRegion}` → 200,
  a grant recorded on the source (valid 24 h); nothing of it is sent back, but it stays out of logs;
* TARGET `POST analyzers/{id}:copy[?allowReplace=true]` `{sourceAzureResourceId, sourceRegion,
  sourceAnalyzerId}` → 201 (created) / 200 (replaced) with the analyzer `creating` and an absolute
  `Operation-Location` (the spec's 202 is accepted as well);
* TARGET `GET analyzers/{id}/operations/{opId}` until `Succeeded` (the analyzer in `result`) or `Failed`.

A copied analyzer links to the target's deployments of the models it uses (`models.completion`,
`models.embedding`): the target serves model M when its `defaults.modelDeployments` names M, else the
copy links to the deployment name the source uses for M. `copy_blockers` checks that with one
`GET defaults` before anything starts: no such deployment, or one running another embedding model,
refuses the copy with the exact fix; another completion model is allowed (the service copies with a
warning, which the job's verify step records).

Identity: the analyzer id. Fingerprint: description, field schema and models. `prebuilt-…`
analyzers are never listed; analyzers still `creating` are (the service lists them), failed or
deleting ones are not.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from regionsync.domain import Asset, AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, Remedy, bad_response, read_error_object
from regionsync.services.base import (
    AdapterBase,
    CopyAuthorization,
    OperationStatus,
    Peer,
    ResourceInfo,
    StartedOperation,
)
from regionsync.services.bodies import OPERATION_STATES, digest, when
from regionsync.services.recipe import CopyContext, StepOutcome, StepSpec, standard_recipe
from regionsync.services.retry import parse_retry_after

PREBUILT_PREFIX = "prebuilt-"
LISTED_STATES = frozenset({"ready", "creating"})
"""Analyzer statuses that count as existing (failed and deleting ones do not)."""

Run = Callable[[CopyContext], Awaitable[StepOutcome]]
Recover = Callable[[CopyContext], Awaitable[StepOutcome | None]]


@dataclass(frozen=True)
class CuVersion:
    """What one Content Understanding API version decides."""

    api_version: str
    base: str = "/contentunderstanding"
    collection: str = "/analyzers"
    grant_path: str = "/analyzers/{id}:grantCopyAuthorization"
    copy_path: str = "/analyzers/{id}:copy"
    defaults_path: str = "/defaults"
    embedding_role: str = "embedding"
    """The model role whose deployment must run the very same model on the target (else HTTP 400)."""


VERSIONS: dict[str, CuVersion] = {v.api_version: v for v in (CuVersion("2025-11-01"),)}
"""The Content Understanding API versions regionsync speaks, keyed by api-version."""


def _models(item: Mapping[str, Any]) -> dict[str, str]:
    models = item.get("models")
    if not isinstance(models, Mapping):
        return {}
    return {str(k): str(v) for k, v in models.items() if isinstance(v, str) and v}


def _field_names(schema: Any) -> list[str]:
    fields = schema.get("fields") if isinstance(schema, Mapping) else None
    return sorted(fields) if isinstance(fields, Mapping) else []


def _warnings(item: Mapping[str, Any]) -> list[str]:
    warnings = item.get("warnings")
    if not isinstance(warnings, list):
        return []
    return [
        f"{w.get('code') or 'Warning'}: {w.get('message') or ''}".strip()
        for w in warnings
        if isinstance(w, Mapping)
    ]


def analyzer_asset(item: Mapping[str, Any], deployments: Mapping[str, str] | None = None) -> Asset | None:
    """An Asset from one analyzer body (list item, get, or an operation's `result`); None for
    prebuilt analyzers and malformed items. `deployments` is the resource's model → deployment map."""
    analyzer_id = item.get("analyzerId")
    if not isinstance(analyzer_id, str) or not analyzer_id or analyzer_id.startswith(PREBUILT_PREFIX):
        return None
    description = item.get("description") if isinstance(item.get("description"), str) else None
    models = _models(item)
    schema = item.get("fieldSchema") if isinstance(item.get("fieldSchema"), Mapping) else None
    tags = item.get("tags")
    details: dict[str, Any] = {
        "models": models,
        "baseAnalyzerId": item.get("baseAnalyzerId"),
        "fieldSchema": {
            "name": schema.get("name") if schema else None,
            "fields": _field_names(schema),
        },
    }
    if deployments is not None:
        details["deployments"] = {m: deployments[m] for m in models.values() if m in deployments}
    warnings = _warnings(item)
    if warnings:
        details["warnings"] = warnings
    return Asset(
        kind=AssetKind.ANALYZER,
        id=analyzer_id,
        name=analyzer_id,
        state=str(item.get("status") or "ready"),
        description=description,
        created=when(item.get("createdAt")),
        modified=when(item.get("lastModifiedAt")),
        tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {},
        fingerprint=digest({"description": description or "", "fieldSchema": schema, "models": models}),
        details=details,
    )


class ContentUnderstandingAdapter(AdapterBase):
    """One Content Understanding resource in one API version (see `VERSIONS`)."""

    service = Service.CONTENT_UNDERSTANDING
    versions = VERSIONS
    copy_direction: Literal["target-authorizes", "source-grants"] = "source-grants"
    copy_story = (
        "the source grants the copy, the target copies the analyzer (its model deployments checked "
        "first), regionsync polls the operation and checks the result"
    )
    kinds: tuple[AssetKind, ...] = (AssetKind.ANALYZER,)
    replaces_in_place = True
    """`:copy?allowReplace=true` overwrites a drifted copy itself: nothing is deleted first."""
    spec: CuVersion

    def _path(self, path: str, **ids: str) -> str:
        return self.spec.base + path.format(**{k: quote(v, safe="") for k, v in ids.items()})

    # ------------------------------------------------------------------------------------ reading

    async def model_deployments(self) -> dict[str, str]:
        """`defaults.modelDeployments`: model name → deployment name on this resource."""
        body = await self.http.json(
            "GET",
            self._path(self.spec.defaults_path),
            params=self._params,
            context="Reading model deployments",
        )
        deployments = body.get("modelDeployments")
        if not isinstance(deployments, Mapping):
            return {}
        return {str(k): str(v) for k, v in deployments.items() if isinstance(v, str)}

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        """Custom analyzers (ready or creating) with the deployments they use on this resource."""
        self._check(kind)

        async def items() -> list[dict[str, Any]]:
            return [
                item
                async for item in self.http.paged(
                    self._path(self.spec.collection), params=self._params, context="Listing analyzers"
                )
            ]

        async def deployments() -> dict[str, str] | None:
            try:
                return await self.model_deployments()
            except RegionSyncError:
                return None  # the copy pre-flight then assumes deployment names equal model names

        listed, defaults = await asyncio.gather(items(), deployments())
        assets = (analyzer_asset(item, defaults) for item in listed)
        return [a for a in assets if a is not None and a.state in LISTED_STATES]

    async def get_asset(self, kind: AssetKind, asset_id: str) -> Asset | None:
        self._check(kind)
        if asset_id.startswith(PREBUILT_PREFIX):
            return None
        try:
            body = await self.http.json(
                "GET",
                self._path(self.spec.collection + "/{id}", id=asset_id),
                params=self._params,
                context=f"Reading analyzer {asset_id}",
            )
        except RegionSyncError as exc:
            if exc.status == 404:
                return None
            raise
        return analyzer_asset(body)

    async def resource_info(self) -> ResourceInfo:
        """Content Understanding publishes no custom-analyzer count or limit."""
        return ResourceInfo(custom_count=None, custom_limit=None, limited=False)

    # ----------------------------------------------------------------------------------- pre-flight

    async def copy_blockers(self, sources: list[Asset]) -> dict[str, tuple[str, str]]:
        """On the TARGET: (why, todo) by analyzer name for every copy that would fail here."""
        served = await self.model_deployments()
        running_on = {deployment: model for model, deployment in served.items()}
        where = self.http.side_label or "target"
        blockers: dict[str, tuple[str, str]] = {}
        for source in sources:
            if source.state != "ready":
                blockers[source.name] = (
                    f"the analyzer is still {source.state} on the source",
                    "wait until it is ready there, then sync again",
                )
                continue
            linked = source.details.get("deployments") or {}
            problems: list[tuple[str, str]] = []
            for role, model in sorted((source.details.get("models") or {}).items()):
                if model in served:
                    continue
                deployment = str(linked.get(model, model))
                running = running_on.get(deployment)
                if running is None:
                    problems.append(
                        (
                            f"the {where} has no deployment of {model} (the analyzer's {role} model)",
                            self._deploy_todo(model, deployment),
                        )
                    )
                elif role == self.spec.embedding_role:
                    problems.append(
                        (
                            f"the {where} deployment {deployment!r} runs {running}, but the analyzer's "
                            f"embedding model is {model} (embeddings must match, the copy would be refused)",
                            self._deploy_todo(model, deployment),
                        )
                    )
            if problems:
                blockers[source.name] = ("; ".join(p[0] for p in problems), " ".join(p[1] for p in problems))
        return blockers

    def _deploy_todo(self, model: str, deployment: str) -> str:
        url = self.http.url(self._path(self.spec.defaults_path)) + f"?api-version={self.api_version}"
        body = '{"modelDeployments": {"' + model + '": "' + deployment + '"}}'
        return (
            f"deploy {model} on the {self.http.side_label or 'target'} resource's Foundry project "
            f"(e.g. as {deployment!r}), then map it: PATCH {url} with {body} "
            "(Content-Type: application/merge-patch+json), or set it under Content Understanding "
            "settings in the portal; then sync again."
        )

    # -------------------------------------------------------------------------------------- copy

    async def authorize_copy(
        self, kind: AssetKind, source: Asset, target_id: str | None, *, peer: Peer | None = None
    ) -> CopyAuthorization:
        """On the SOURCE: grant the target (`peer`) the right to copy `source` (valid 24 hours)."""
        self._check(kind)
        if peer is None or not peer.resource_id:
            raise RegionSyncError(
                what="The analyzer copy needs the target's Azure resource id",
                todo="Set `resource_id` (and `region`) of the target side in the profile "
                "(`regionsync profile add`).",
                code="TargetUnknown",
                remedy=str(Remedy.FIX_PROFILE),
            )
        body: dict[str, str] = {"targetAzureResourceId": peer.resource_id}
        if peer.region:
            body["targetRegion"] = peer.region
        response = await self.http.call(
            "POST",
            self._path(self.spec.grant_path, id=source.id),
            params=self._params,
            json=body,
            idempotent=True,  # a new grant for the same target replaces the old one
            context=f"Granting the copy of analyzer {source.name}",
        )
        if not isinstance(response.body.get("expiresAt"), str):
            raise bad_response(
                self.http.endpoint,
                "the copy authorization has no expiresAt",
                status=response.status,
                request_id=response.request_id,
                side=self.http.side_label,
            )
        return CopyAuthorization(
            target_id=target_id or source.id,
            payload=response.body,
            expires=response.body["expiresAt"],
            target_resource_id=peer.resource_id,
            target_region=peer.region,
        )

    async def start_copy(
        self,
        kind: AssetKind,
        source_id: str,
        auth: CopyAuthorization,
        *,
        allow_degrade: bool = False,
        peer: Peer | None = None,
        replace: bool = False,
    ) -> StartedOperation:
        """On the TARGET: copy `source_id` from the source resource (`peer`) as `auth.target_id`;
        `replace` overwrites a drifted copy there (`allowReplace=true`)."""
        self._check(kind)
        if peer is None or not peer.resource_id:
            raise RegionSyncError(
                what="The analyzer copy needs the source's Azure resource id",
                todo="Set `resource_id` and `region` of the source side in the profile.",
                code="SourceUnknown",
                remedy=str(Remedy.FIX_PROFILE),
            )
        body = {"sourceAzureResourceId": peer.resource_id, "sourceAnalyzerId": source_id}
        if peer.region:
            body["sourceRegion"] = peer.region
        params = {**self._params, **({"allowReplace": "true"} if replace else {})}
        context = f"Starting the copy of analyzer {source_id}"
        response = await self.http.call(
            "POST",
            self._path(self.spec.copy_path, id=auth.target_id),
            params=params,
            json=body,
            idempotent=False,
            context=context,
        )
        location = response.headers.get("Operation-Location")
        if not location:
            raise bad_response(
                self.http.endpoint,
                "the copy was accepted without an Operation-Location",
                status=response.status,
                request_id=response.request_id,
                side=self.http.side_label,
            )
        url = self.http.check_host(location, context=context)
        return StartedOperation(
            operation_url=url, retry_after=parse_retry_after(response.headers), body=response.body
        )

    async def poll(self, operation_url: str) -> OperationStatus:
        response = await self.http.call(
            "GET", operation_url, params=self._params, context="Reading the analyzer operation"
        )
        body = response.body
        status = str(body.get("status") or "")
        state = self._state(response, status, OPERATION_STATES, "operation")
        raw_result = body.get("result")
        result: Mapping[str, Any] = raw_result if isinstance(raw_result, Mapping) else {}
        target_id = result.get("analyzerId") if isinstance(result.get("analyzerId"), str) else None
        error = None
        if state in (JobState.FAILED, JobState.CANCELED):
            raw_error = body.get("error")
            code, message, inner = (
                read_error_object(raw_error)
                if isinstance(raw_error, Mapping)
                else ("", "The operation failed without saying why.", None)
            )
            error = self._operation_error(response, code, message, inner, "The analyzer copy")
        return OperationStatus(
            state=state,
            percent=100 if state is JobState.SUCCEEDED else None,
            retry_after=response.retry_after,
            target_id=target_id,
            error=error,
            raw=body,
        )

    async def find_copy_operation(self, kind: AssetKind, source_id: str, target_id: str) -> str | None:
        """Content Understanding lists no operations: a lost copy is found by reading the target
        analyzer instead (the recipe's recover does that when this answers None)."""
        return None

    async def delete_asset(self, kind: AssetKind, asset_id: str) -> bool:
        """Delete an analyzer (only ever on the user's confirmed request); False if already gone."""
        self._check(kind)
        try:
            await self.http.request(
                "DELETE",
                self._path(self.spec.collection + "/{id}", id=asset_id),
                params=self._params,
                context=f"Deleting analyzer {asset_id}",
            )
        except RegionSyncError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # ------------------------------------------------------------------------------------ recipe

    def recipe(self, ctx: CopyContext) -> list[StepSpec]:
        """The standard grant → copy → verify, with two analyzer rules on top: verify records the
        service's warnings (another completion model), and a lost copy answer on a replace only
        counts as done when the target analyzer is the new copy, not the drifted one it replaces."""
        return [_analyzer_step(step) for step in standard_recipe(ctx)]


def _analyzer_step(step: StepSpec) -> StepSpec:
    if step.name == "verify":
        return dataclasses.replace(step, run=_with_warnings(step.run))
    if step.name == "copy" and step.recover is not None:
        return dataclasses.replace(step, recover=_replace_aware(step.recover))
    return step


def _with_warnings(verify: Run) -> Run:
    """Verify, then record the service's warnings on the copy (e.g. another completion model)."""

    async def run(c: CopyContext) -> StepOutcome:
        outcome = await verify(c)
        status = c.statuses.get("copy")
        result = status.raw.get("result") if status is not None else None
        if isinstance(result, Mapping):
            warnings = _warnings(result)
        elif c.job.target_id:  # the copy was watched by another process: read what the target says
            target = await c.target.get_asset(c.kind, c.job.target_id)
            warnings = list(target.details.get("warnings") or []) if target is not None else []
        else:
            warnings = []
        if warnings:
            outcome.detail["warnings"] = warnings
        return outcome

    return run


def _replace_aware(recover: Recover) -> Recover:
    """On a replace, a ready target analyzer that still differs from the source is the drifted copy:
    the lost copy request did not take effect (copy again), rather than a copy that landed."""

    async def run(c: CopyContext) -> StepOutcome | None:
        if c.replace and c.job.target_id:
            target = await c.target.get_asset(c.kind, c.job.target_id)
            source = await c.source_asset()
            if target is not None and target.state == "ready" and target.fingerprint != source.fingerprint:
                return None
        return await recover(c)

    return run
