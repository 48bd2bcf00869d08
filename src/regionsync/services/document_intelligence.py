"""Document Intelligence (Form Recognizer) models and classifiers, all four API versions in one adapter.

The versions differ only in data — base path, api-version query, field names, paths, status codes,
body shapes — so they are one table (`VERSIONS`) read by one code path:

| version    | base                    | kinds (listable / copyable)          | authorize | copy target id |
| ---------- | ----------------------- | ------------------------------------ | --------- | -------------- |
| 2.1        | /formrecognizer/v2.1    | model / model                        | 201       | new GUID       |
| 2022-08-31 | /formrecognizer         | model / model                        | 200       | as asked       |
| 2023-07-31 | /formrecognizer         | model, classifier / model            | 200       | as asked       |
| 2024-11-30 | /documentintelligence   | model, classifier / model, classifier| 200       | as asked       |

v2.1 bodies are shaped differently (`modelList`, `modelInfo`, `copyResults` with `copyResult.errors`),
so reading a body is the one place where the table names a shape ("v2" or "v3") and a reader.
Identity: `Asset.name` is the model id on v3+, and the `modelName` on v2.1 (the GUID when unnamed).
Fingerprint: a digest of description + tags, plus each docType's field schema when the body carries
docTypes (a get; a classifier listing); `details["fingerprint_of"]` says "summary" or "details" so only
like is compared with like. v2.1: modelName + isComposed. Prebuilt models are never returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, TypeGuard
from urllib.parse import quote

import httpx

from regionsync.domain import Asset, AssetKind, JobState, Service
from regionsync.errors import (
    RegionSyncError,
    Remedy,
    bad_response,
    read_error_object,
    request_id_of,
)
from regionsync.services.base import (
    AdapterBase,
    CopyAuthorization,
    OperationStatus,
    Peer,
    ResourceInfo,
    StartedOperation,
)
from regionsync.services.bodies import OPERATION_STATES, digest, when
from regionsync.services.bodies import tags as read_tags
from regionsync.services.http import ApiResponse, AzureHttp
from regionsync.services.retry import parse_retry_after

PREBUILT_PREFIX = "prebuilt-"
DEGRADE_HEADER = "x-ms-forms-copy-degrade"

Shape = Literal["v2", "v3"]


@dataclass(frozen=True)
class KindSpec:
    """How one asset kind is listed, read, authorized and copied in one API version."""

    collection: str
    """Path of the collection under the base: `/documentModels`, `/documentClassifiers`, `/custom/models`."""
    id_field: str
    """The id's field in list/get bodies and in a v3 operation's `result`."""
    items_key: str = "value"
    list_params: Mapping[str, str] = field(default_factory=dict)
    authorize_path: str | None = None
    """None: this version cannot copy this kind."""
    authorize_id_field: str | None = None
    """Field naming the requested target id in the authorize body; None where the service assigns it."""
    target_id_field: str = ""
    """Field of the authorization payload holding the target id."""
    copy_path: str = ""
    """`{id}` is the source id."""
    operation_kind: str = ""
    """The v3 operation `kind` a copy of this kind runs as."""

    @property
    def copyable(self) -> bool:
        return self.authorize_path is not None


@dataclass(frozen=True)
class VersionSpec:
    """Everything that differs between the API versions."""

    api_version: str
    base: str
    versioned: bool
    """Whether requests carry `?api-version=` (v2.1 has it in the path instead)."""
    shape: Shape
    kinds: Mapping[AssetKind, KindSpec]
    authorize_status: int
    info_path: str
    info_params: Mapping[str, str] = field(default_factory=dict)
    operations_path: str | None = None
    """Where the operations list is (v3+); None where a lost copy cannot be found again."""
    wraps_copy_request: bool = False
    """v2.1: the copy body is `{targetResourceId, targetResourceRegion, copyAuthorization: payload}`."""
    keeps_ids: bool = True
    """False on v2.1: a copy gets a new GUID on the target."""
    authorize_idempotent: bool = True
    """v3+ authorize names the target id, so a resend does no harm; v2.1's creates a new blank model."""


_V3_MODELS = KindSpec(
    collection="/documentModels",
    id_field="modelId",
    authorize_path="/documentModels:authorizeCopy",
    authorize_id_field="modelId",
    target_id_field="targetModelId",
    copy_path="/documentModels/{id}:copyTo",
    operation_kind="documentModelCopyTo",
)
_V3_CLASSIFIERS_LIST_ONLY = KindSpec(collection="/documentClassifiers", id_field="classifierId")
_V3_CLASSIFIERS = KindSpec(
    collection="/documentClassifiers",
    id_field="classifierId",
    authorize_path="/documentClassifiers:authorizeCopy",
    authorize_id_field="classifierId",
    target_id_field="targetClassifierId",
    copy_path="/documentClassifiers/{id}:copyTo",
    operation_kind="documentClassifierCopyTo",
)
_V2_MODELS = KindSpec(
    collection="/custom/models",
    id_field="modelId",
    items_key="modelList",
    list_params={"op": "full"},
    authorize_path="/custom/models/copyAuthorization",
    authorize_id_field=None,
    target_id_field="modelId",
    copy_path="/custom/models/{id}/copy",
)

VERSIONS: dict[str, VersionSpec] = {
    spec.api_version: spec
    for spec in (
        VersionSpec(
            api_version="2.1",
            base="/formrecognizer/v2.1",
            versioned=False,
            shape="v2",
            kinds={AssetKind.MODEL: _V2_MODELS},
            authorize_status=201,
            info_path="/custom/models",
            info_params={"op": "summary"},
            wraps_copy_request=True,
            keeps_ids=False,
            authorize_idempotent=False,
        ),
        VersionSpec(
            api_version="2022-08-31",
            base="/formrecognizer",
            versioned=True,
            shape="v3",
            kinds={AssetKind.MODEL: _V3_MODELS},
            authorize_status=200,
            info_path="/info",
            operations_path="/operations",
        ),
        VersionSpec(
            api_version="2023-07-31",
            base="/formrecognizer",
            versioned=True,
            shape="v3",
            kinds={AssetKind.MODEL: _V3_MODELS, AssetKind.CLASSIFIER: _V3_CLASSIFIERS_LIST_ONLY},
            authorize_status=200,
            info_path="/info",
            operations_path="/operations",
        ),
        VersionSpec(
            api_version="2024-11-30",
            base="/documentintelligence",
            versioned=True,
            shape="v3",
            kinds={AssetKind.MODEL: _V3_MODELS, AssetKind.CLASSIFIER: _V3_CLASSIFIERS},
            authorize_status=200,
            info_path="/info",
            operations_path="/operations",
        ),
    )
}
"""The four API versions regionsync speaks to Document Intelligence, keyed by api-version."""

# ------------------------------------------------------------------------------------------ body readers


_V3_DETAILS = ("apiVersion", "expirationDateTime", "buildMode")
"""Fields of a v3+ body kept in `Asset.details` as they are."""


def _mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """A JSON object? (`dict` in a parsed body: one cheap check before the ABC one)."""
    return type(value) is dict or isinstance(value, Mapping)


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`body[key]` where it is a JSON object, else an empty one."""
    value = body.get(key)
    return value if _mapping(value) else {}


def _asset_v3(kind: AssetKind, spec: KindSpec, item: Mapping[str, Any]) -> Asset | None:
    asset_id = item.get(spec.id_field)
    if not isinstance(asset_id, str) or not asset_id or asset_id.startswith(PREBUILT_PREFIX):
        return None
    description = item.get("description")
    if not isinstance(description, str):
        description = None
    tags = read_tags(item.get("tags"))
    doc_types = item.get("docTypes")
    details = {k: item[k] for k in _V3_DETAILS if k in item}
    if doc_types is not None and _mapping(doc_types):
        fingerprint = digest(
            {
                "description": description or "",
                "tags": tags,
                "docTypes": {
                    name: (dt.get("fieldSchema") if _mapping(dt) else None) for name, dt in doc_types.items()
                },
            }
        )
        details["fingerprint_of"] = "details"
        details["docTypes"] = sorted(doc_types)
    else:
        fingerprint = _summary_fingerprint(description or "") if not tags else _fingerprint(description, tags)
        details["fingerprint_of"] = "summary"
    return Asset(
        kind=kind,
        id=asset_id,
        name=asset_id,
        state="ready",
        description=description,
        created=when(item.get("createdDateTime")),
        modified=when(item.get("modifiedDateTime")),
        tags=tags,
        fingerprint=fingerprint,
        details=details,
    )


def _fingerprint(description: str | None, tags: Mapping[str, str]) -> str:
    """A summary's fingerprint: its description and tags."""
    return digest({"description": description or "", "tags": tags})


@lru_cache(maxsize=1024)
def _summary_fingerprint(description: str) -> str:
    """The fingerprint of an untagged summary, which only its description decides (often shared)."""
    return _fingerprint(description, {})


def _asset_v2(kind: AssetKind, spec: KindSpec, item: Mapping[str, Any]) -> Asset | None:
    info = item.get("modelInfo")
    if info is None or not _mapping(info):
        info = item
    asset_id = info.get(spec.id_field)
    if not isinstance(asset_id, str) or not asset_id:
        return None
    model_name = info.get("modelName")
    if not isinstance(model_name, str):
        model_name = None
    attributes = info.get("attributes")
    composed = bool(attributes.get("isComposed", False)) if _mapping(attributes) else False
    return Asset(
        kind=kind,
        id=asset_id,
        name=model_name or asset_id,
        state=str(info.get("status") or "ready"),
        created=when(info.get("createdDateTime")),
        modified=when(info.get("lastUpdatedDateTime")),
        fingerprint=digest({"modelName": model_name or "", "isComposed": composed}),
        details={"modelName": model_name or "", "isComposed": composed, "fingerprint_of": "details"},
    )


_ASSET_READERS: dict[Shape, Callable[[AssetKind, KindSpec, Mapping[str, Any]], Asset | None]] = {
    "v2": _asset_v2,
    "v3": _asset_v3,
}


def _info_v3(body: Mapping[str, Any]) -> ResourceInfo:
    models = _object(body, "customDocumentModels")
    return ResourceInfo(custom_count=_int(models.get("count")), custom_limit=_int(models.get("limit")))


def _info_v2(body: Mapping[str, Any]) -> ResourceInfo:
    summary = _object(body, "summary")
    return ResourceInfo(custom_count=_int(summary.get("count")), custom_limit=_int(summary.get("limit")))


_INFO_READERS: dict[Shape, Callable[[Mapping[str, Any]], ResourceInfo]] = {"v2": _info_v2, "v3": _info_v3}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class _OperationBody:
    """What one poll says, before the error is explained."""

    status: str
    percent: int | None
    target_id: str | None
    error: tuple[str, str, str | None] | None
    """(code, message, innercode) of the failure, when the body reports one."""


def _operation_v3(body: Mapping[str, Any], id_fields: tuple[str, ...]) -> _OperationBody:
    result = _object(body, "result")
    target_id = next((result[f] for f in id_fields if isinstance(result.get(f), str)), None)
    if target_id is None and isinstance(body.get("resourceLocation"), str):
        target_id = httpx.URL(body["resourceLocation"]).path.rstrip("/").rsplit("/", 1)[-1] or None
    error = body.get("error")
    parsed = read_error_object(error) if isinstance(error, Mapping) else None
    percent = _int(body.get("percentCompleted"))
    return _OperationBody(str(body.get("status") or ""), percent, target_id, parsed)


def _operation_v2(body: Mapping[str, Any], id_fields: tuple[str, ...]) -> _OperationBody:
    result = _object(body, "copyResult")
    target_id = result.get("modelId") if isinstance(result.get("modelId"), str) else None
    errors = result.get("errors") if isinstance(result.get("errors"), list) else []
    parsed = None
    if errors and isinstance(errors[0], Mapping):
        messages = " ".join(str(e.get("message") or "") for e in errors if isinstance(e, Mapping)).strip()
        parsed = (str(errors[0].get("code") or ""), messages, None)
    status = str(body.get("status") or "")
    percent = 100 if status.lower() == "succeeded" else None
    return _OperationBody(status, percent, target_id, parsed)


_OPERATION_READERS: dict[Shape, Callable[[Mapping[str, Any], tuple[str, ...]], _OperationBody]] = {
    "v2": _operation_v2,
    "v3": _operation_v3,
}


# ------------------------------------------------------------------------------------------------ adapter


class DocumentIntelligenceAdapter(AdapterBase):
    """One Document Intelligence resource in one API version (see `VERSIONS`)."""

    service = Service.DOCUMENT_INTELLIGENCE
    versions = VERSIONS
    copy_story = (
        "the target authorizes the copy, the source copies the model to it, regionsync polls the "
        "operation and checks the model on the target"
    )
    spec: VersionSpec

    def __init__(self, http: AzureHttp, api_version: str, *, resource_id: str = "", region: str = "") -> None:
        super().__init__(http, api_version, resource_id=resource_id, region=region)
        self.kinds = tuple(self.spec.kinds)
        self.keeps_ids = self.spec.keeps_ids
        if not self.spec.versioned:
            self._params = {}

    # --------------------------------------------------------------------------------- capability

    def can_copy(self, kind: AssetKind) -> bool:
        spec = self.spec.kinds.get(kind)
        return spec is not None and spec.copyable

    def _kind(self, kind: AssetKind, *, copy: bool = False) -> KindSpec:
        spec = self.spec.kinds.get(kind)
        if spec is None or (copy and not spec.copyable):
            verb = "copy" if copy else "list"
            able = [k.value for k in self.kinds if not copy or self.can_copy(k)]
            raise RegionSyncError(
                what=f"Document Intelligence {self.api_version} cannot {verb} {kind.value}s",
                why=f"This API version can {verb}: {', '.join(able) or 'nothing'}.",
                todo="Set a newer `api_version` in the profile (classifiers copy from 2024-11-30).",
                code="NotSupported",
                remedy=str(Remedy.FIX_PROFILE),
            )
        return spec

    def _path(self, path: str) -> str:
        return self.spec.base + path

    def _params_with(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {**extra, **self._params}

    # ------------------------------------------------------------------------------------ reading

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        spec = self._kind(kind)
        read = _ASSET_READERS[self.spec.shape]
        assets: list[Asset] = []
        async for item in self.http.paged(
            self._path(spec.collection),
            spec.items_key,
            params=self._params_with(spec.list_params),
            context=f"Listing {kind.value}s",
        ):
            asset = read(kind, spec, item)
            if asset is not None and asset.state == "ready":
                assets.append(asset)
        return assets

    async def get_asset(self, kind: AssetKind, asset_id: str) -> Asset | None:
        spec = self._kind(kind)
        if asset_id.startswith(PREBUILT_PREFIX):
            return None
        try:
            body = await self.http.json(
                "GET",
                self._path(f"{spec.collection}/{quote(asset_id, safe='')}"),
                params=self._params,
                context=f"Reading {kind.value} {asset_id}",
            )
        except RegionSyncError as exc:
            if exc.status == 404:
                return None
            raise
        return _ASSET_READERS[self.spec.shape](kind, spec, body)

    async def resource_info(self) -> ResourceInfo:
        body = await self.http.json(
            "GET",
            self._path(self.spec.info_path),
            params=self._params_with(self.spec.info_params),
            context="Reading the custom model count and limit",
        )
        return _INFO_READERS[self.spec.shape](body)

    # -------------------------------------------------------------------------------------- copy

    async def authorize_copy(
        self, kind: AssetKind, source: Asset, target_id: str | None, *, peer: Peer | None = None
    ) -> CopyAuthorization:
        """On the TARGET: reserve `target_id` (default: the source's id; v2.1 assigns a GUID), carrying
        the source's description and tags (v3+) so the copy keeps them."""
        spec = self._kind(kind, copy=True)
        body: dict[str, Any] | None = None
        if spec.authorize_id_field is not None:
            body = {spec.authorize_id_field: target_id or source.id}
            if source.description:
                body["description"] = source.description
            if source.tags:
                body["tags"] = dict(source.tags)
        response = await self.http.call(
            "POST",
            self._path(spec.authorize_path or ""),
            params=self._params,
            json=body,
            idempotent=self.spec.authorize_idempotent,
            context=f"Authorizing the copy of {kind.value} {source.name}",
        )
        payload = response.body
        new_id = payload.get(spec.target_id_field)
        if not isinstance(new_id, str) or not new_id or "accessToken" not in payload:
            raise self._bad(
                f"the authorization has no {spec.target_id_field} or access token", response.status, response
            )
        expires = payload.get("expirationDateTime") or payload.get("expirationDateTimeTicks")
        return CopyAuthorization(
            target_id=new_id,
            payload=payload,
            expires=str(expires) if expires is not None else None,
            target_resource_id=self.resource_id,
            target_region=self.region,
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
        """On the SOURCE: send the authorization unmodified (v2.1 wraps it with the target id and region).
        `replace` is ignored: a drifted model is deleted first (`delete-outdated`), never overwritten."""
        spec = self._kind(kind, copy=True)
        if self.spec.wraps_copy_request:
            if not auth.target_resource_id or not auth.target_region:
                raise RegionSyncError(
                    what="The copy needs the target's Azure resource id and region",
                    todo="Set `resource_id` and `region` of the target side in the profile "
                    "(`regionsync profile add`).",
                    code="TargetUnknown",
                    remedy=str(Remedy.FIX_PROFILE),
                )
            body: dict[str, Any] = {
                "targetResourceId": auth.target_resource_id,
                "targetResourceRegion": auth.target_region,
                "copyAuthorization": auth.payload,
            }
        else:
            body = auth.payload
        headers = {DEGRADE_HEADER: "true"} if allow_degrade else None
        context = f"Starting the copy of {kind.value} {source_id}"
        response = await self.http.request(
            "POST",
            self._path(spec.copy_path.format(id=quote(source_id, safe=""))),
            params=self._params,
            json=body,
            headers=headers,
            idempotent=False,
            context=context,
        )
        location = response.headers.get("Operation-Location")
        if not location:
            raise self._bad(
                "the copy was accepted without an Operation-Location", response.status_code, response
            )
        url = self.http.check_host(location, context=context)
        return StartedOperation(operation_url=url, retry_after=parse_retry_after(response.headers))

    async def poll(self, operation_url: str) -> OperationStatus:
        response = await self.http.call(
            "GET", operation_url, params=self._params, context="Reading the copy operation"
        )
        id_fields = tuple(dict.fromkeys(k.id_field for k in self.spec.kinds.values()))
        op = _OPERATION_READERS[self.spec.shape](response.body, id_fields)
        state = self._state(response, op.status, OPERATION_STATES, "operation")
        error = None
        if op.error is not None or state is JobState.FAILED:
            code, message, inner = op.error or ("", "The operation failed without saying why.", None)
            error = self._operation_error(response, code, message, inner, "The copy")
        return OperationStatus(
            state=state,
            percent=op.percent,
            retry_after=response.retry_after,
            target_id=op.target_id,
            error=error if state in (JobState.FAILED, JobState.CANCELED) else None,
            raw=response.body,
        )

    async def find_copy_operation(self, kind: AssetKind, source_id: str, target_id: str) -> str | None:
        """The URL of a copy operation to `target_id` that is not failed (newest first); None on v2.1."""
        spec = self._kind(kind, copy=True)
        if self.spec.operations_path is None:
            return None
        best: tuple[str, str] | None = None
        async for op in self.http.paged(
            self._path(self.spec.operations_path), params=self._params, context="Listing operations"
        ):
            if op.get("kind") != spec.operation_kind:
                continue
            if str(op.get("status", "")).lower() in ("failed", "canceled", "cancelled"):
                continue
            location = op.get("resourceLocation")
            if not isinstance(location, str) or not location:
                continue
            if httpx.URL(location).path.rstrip("/").rsplit("/", 1)[-1] != target_id:
                continue
            op_id = op.get("operationId")
            if not isinstance(op_id, str) or not op_id:
                continue
            created = str(op.get("createdDateTime") or "")
            if best is None or created > best[0]:
                best = (created, op_id)
        if best is None:
            return None
        return self.http.url(self._path(f"{self.spec.operations_path}/{quote(best[1], safe='')}"))

    async def delete_asset(self, kind: AssetKind, asset_id: str) -> bool:
        """Delete an asset (only ever on the user's confirmed request); False if it was already gone."""
        spec = self._kind(kind)
        try:
            await self.http.request(
                "DELETE",
                self._path(f"{spec.collection}/{quote(asset_id, safe='')}"),
                params=self._params,
                context=f"Deleting {kind.value} {asset_id}",
            )
        except RegionSyncError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # ------------------------------------------------------------------------------------ helpers

    def _bad(
        self, detail: str, status: int | None, response: ApiResponse | httpx.Response
    ) -> RegionSyncError:
        return bad_response(
            self.http.endpoint,
            detail,
            status=status,
            request_id=request_id_of(response.headers),
            side=self.http.side_label,
        )
