"""The contract between the sync engine and a service family: the AssetAdapter protocol.

One adapter instance talks to ONE resource (one endpoint, one key) in one API version. The engine
holds two (primary, secondary) and never branches on the service: it reads the capability data
here (`kinds`, `copy_direction`) and calls the methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from regionsync.domain import Asset, AssetKind, JobState, Service
from regionsync.errors import RegionSyncError, bad_response, from_service_error

if TYPE_CHECKING:
    from regionsync.services.http import ApiResponse, AzureHttp
    from regionsync.services.recipe import CopyContext, StepSpec


@dataclass(frozen=True)
class Peer:
    """The other resource of a copy, as the profile names it (some services need it in the body)."""

    resource_id: str
    region: str
    endpoint: str = ""


@dataclass(frozen=True)
class ResourceInfo:
    """What a resource says of its capacity: custom asset count and limit (None where unknown)."""

    custom_count: int | None
    custom_limit: int | None
    limited: bool = True
    """False where the service sets no custom asset limit at all (nothing to check before a copy)."""

    @property
    def free(self) -> int | None:
        if self.custom_count is None or self.custom_limit is None:
            return None
        return max(0, self.custom_limit - self.custom_count)


@dataclass(frozen=True, repr=False)
class CopyAuthorization:
    """An authorization to copy into a target, as the target (or, for analyzers, source) issued it.

    `payload` is the exact body the service returned and must be sent back unmodified; it holds
    an access token, so it is never logged, journaled or shown (the repr hides it).
    `target_id` is the id the asset will have on the target (a new GUID on v2.1).
    `target_resource_id` / `target_region` are the target's Azure id and region, filled in by the
    target adapter from its profile side (v2.1's copy request names them beside the payload).
    """

    target_id: str
    payload: dict[str, Any]
    expires: str | None = None
    target_resource_id: str = ""
    target_region: str = ""

    def __repr__(self) -> str:
        return f"CopyAuthorization(target_id={self.target_id!r}, payload=<hidden>)"


@dataclass(frozen=True)
class StartedOperation:
    """A long-running operation the service accepted: where to poll it and when first."""

    operation_url: str
    retry_after: float | None = None
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OperationStatus:
    """One poll of a long-running operation, whatever the service's body shape."""

    state: JobState
    percent: int | None = None
    retry_after: float | None = None
    target_id: str | None = None
    error: RegionSyncError | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state.finished


class ServiceAdapter(Protocol):
    """What the engine and the dashboard need of one resource of one service family in one API
    version, whatever way it copies. Every member has a default in `AdapterBase`."""

    service: Service
    api_version: str
    kinds: tuple[AssetKind, ...]
    """The asset kinds this API version can list (`can_copy(kind)` says which it can also copy)."""
    copy_story: str
    """One sentence for confirmation screens: how a copy of this service is made."""
    keeps_ids: bool
    """Whether a copy keeps the source's id on the target (False on DI v2.1: a new GUID)."""
    replaces_in_place: bool
    """Whether a copy overwrites a drifted target asset itself (CU, Language) instead of the engine
    deleting it first (`delete_asset`)."""
    has_copy_api: bool
    """Whether the service copies an asset itself (`CopyApi`); False where a recipe of other calls
    does (Language: export → import → train → deploy)."""

    def can_copy(self, kind: AssetKind) -> bool:
        """Whether this API version can copy `kind` (DI 2023-07-31 lists classifiers but cannot copy them)."""
        ...

    async def list_assets(self, kind: AssetKind) -> list[Asset]:
        """Every custom (never prebuilt) asset of `kind` that is ready, following every nextLink."""
        ...

    async def get_asset(self, kind: AssetKind, asset_id: str) -> Asset | None:
        """One asset with its details, or None when the service answers not found."""
        ...

    async def resource_info(self) -> ResourceInfo:
        """Custom asset count and limit (quota pre-flight)."""
        ...

    async def poll(self, operation_url: str) -> OperationStatus:
        """Read a long-running operation once (the URL is host-pinned by the HTTP layer)."""
        ...

    async def cancel_operation(self, operation_url: str) -> bool:
        """Ask the service to stop a running operation (`jobs cancel`); False where the API has no
        cancel for it (a copy already accepted then runs to its end on the service)."""
        ...

    async def delete_asset(self, kind: AssetKind, asset_id: str) -> bool:
        """Delete an asset (only on the user's confirmed replace); False if it was already gone."""
        ...

    async def copy_blockers(self, sources: list[Asset]) -> dict[str, tuple[str, str]]:
        """Called on the TARGET before a sync: (why, todo) by asset name for every planned copy of
        `sources` that would fail here (CU: a missing model deployment); {} where none would."""
        ...

    def recipe(self, ctx: CopyContext) -> list[StepSpec]:
        """Called on the SOURCE: the steps of a copy job (default: the standard recipe)."""
        ...

    async def aclose(self) -> None:
        """Close what this side holds of its own (an Entra ID credential's HTTP sessions); the shared
        HTTP client is its owner's to close."""
        ...


class CopyApi(Protocol):
    """The copy capability: a service that copies an asset itself once authorized. `AdapterBase`'s
    defaults refuse with a clear error, so a service without a copy API declares nothing here."""

    copy_direction: Literal["target-authorizes", "source-grants"]
    """Who issues the copy authorization: DI's target (`authorizeCopy`) or CU's source (`grant`)."""

    async def authorize_copy(
        self, kind: AssetKind, source: Asset, target_id: str | None, *, peer: Peer | None = None
    ) -> CopyAuthorization:
        """Called on the side that issues the authorization (DI: the TARGET reserves `target_id` or a
        new id for a copy of `source`; CU: the SOURCE grants `peer` the right to copy `source`)."""
        ...

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
        """Called on the side that executes the copy (DI: the source) with the other side as `peer`;
        `replace` is True when the job overwrites a drifted copy where the service can (CU)."""
        ...

    async def find_copy_operation(self, kind: AssetKind, source_id: str, target_id: str) -> str | None:
        """After a copy POST whose answer was lost: the URL of the operation it started, if any."""
        ...


class AssetAdapter(ServiceAdapter, CopyApi, Protocol):
    """The whole contract the engine holds an adapter to: `ServiceAdapter` and `CopyApi`."""


SERVICE_TITLES: dict[Service, str] = {
    Service.DOCUMENT_INTELLIGENCE: "Document Intelligence",
    Service.CONTENT_UNDERSTANDING: "Content Understanding",
    Service.LANGUAGE: "Language authoring",
}


class AdapterBase:
    """What every adapter shares: one resource over one AzureHttp, one API version out of `versions`.

    A subclass sets `service`, `versions` (its table of API versions), `kinds` and its capability
    flags, and implements the reading methods; every other AssetAdapter member has a default here
    (no cancel, no deletes, no blockers, the standard recipe, a copy API that refuses).
    """

    service: Service
    versions: Mapping[str, Any]
    kinds: tuple[AssetKind, ...] = ()
    copy_direction: Literal["target-authorizes", "source-grants"] = "target-authorizes"
    copy_story: str = ""
    keeps_ids: bool = True
    replaces_in_place: bool = False
    has_copy_api: bool = True

    def __init__(self, http: AzureHttp, api_version: str, *, resource_id: str = "", region: str = "") -> None:
        title = SERVICE_TITLES[self.service]
        if api_version not in self.versions:
            raise RegionSyncError(
                what=f"{title} API version {api_version!r} is not one regionsync speaks",
                todo=f"Use one of: {', '.join(self.versions)} (`api_version` in the profile).",
                code="UnsupportedApiVersion",
                remedy="fix-profile",
            )
        self.http = http
        if http.service is None:
            http.service = self.service
        if resource_id and not http.resource_id:
            http.resource_id = resource_id  # the scope an Entra ID role assignment names in advice
        self.api_version = api_version
        self.spec = self.versions[api_version]
        self.resource_id = resource_id
        self.region = region
        self._params: dict[str, str] = {"api-version": api_version}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http.endpoint!r}, {self.api_version!r})"

    def can_copy(self, kind: AssetKind) -> bool:
        return kind in self.kinds

    async def cancel_operation(self, operation_url: str) -> bool:
        """No cancel in this API (Document Intelligence and Content Understanding copies)."""
        return False

    async def delete_asset(self, kind: AssetKind, asset_id: str) -> bool:
        """No deletes: a service that cannot delete cannot replace a drifted copy by deleting it."""
        raise RegionSyncError(
            what=f"{SERVICE_TITLES[self.service]} cannot delete {kind.value}s, so it cannot replace "
            f"{asset_id} in place",
            code="NotSupported",
        )

    async def copy_blockers(self, sources: list[Asset]) -> dict[str, tuple[str, str]]:
        """Nothing known in advance to make a copy fail here."""
        return {}

    def recipe(self, ctx: CopyContext) -> list[StepSpec]:
        """The standard authorize → copy → verify."""
        from regionsync.services.recipe import standard_recipe  # it imports this module

        return standard_recipe(ctx)

    async def aclose(self) -> None:
        """Close this side's credential (closing it twice is harmless)."""
        await self.http.credential.aclose()

    # -- the copy API (`CopyApi`): refused where the service has none (`has_copy_api = False`) --------

    def _no_copy_api(self) -> RegionSyncError:
        return RegionSyncError(
            what=f"{SERVICE_TITLES[self.service]} has no copy API: {self.copy_story}",
            todo="regionsync runs that recipe itself (`regionsync sync`).",
            code="NotSupported",
        )

    async def authorize_copy(
        self, kind: AssetKind, source: Asset, target_id: str | None, *, peer: Peer | None = None
    ) -> CopyAuthorization:
        raise self._no_copy_api()

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
        raise self._no_copy_api()

    async def find_copy_operation(self, kind: AssetKind, source_id: str, target_id: str) -> str | None:
        raise self._no_copy_api()

    def _check(self, kind: AssetKind) -> None:
        """Refuse a kind this service does not have, in words the operator can act on."""
        if kind not in self.kinds:
            have = " and ".join(f"{k.value}s" for k in self.kinds)
            raise RegionSyncError(
                what=f"{SERVICE_TITLES[self.service]} has no {kind.value}s, only {have}",
                code="NotSupported",
                remedy="fix-profile",
            )

    def _state(
        self, response: ApiResponse, status: str, states: Mapping[str, JobState], what: str
    ) -> JobState:
        """A long-running operation's `status` word as a JobState; an unknown word is a bad answer."""
        state = states.get(status.lower())
        if state is None:
            raise bad_response(
                self.http.endpoint,
                f"unknown {what} status {status!r}",
                status=response.status,
                request_id=response.request_id,
                side=self.http.side_label,
            )
        return state

    def _operation_error(
        self, response: ApiResponse, code: str, message: str, inner: str | None, context: str
    ) -> RegionSyncError:
        """A failed operation's error, explained like any other service error of this side."""
        return from_service_error(
            code,
            message,
            inner,
            request_id=response.request_id,
            service=self.service,
            context=context,
            side=self.http.side_label,
            endpoint=self.http.endpoint,
        )
