"""Which adapter speaks which service: a table from Service to adapter factory, and building one side.

`make_adapter` is all the engine needs to turn (service, API version, HTTP layer) into an
`AssetAdapter`; each service family registers its factory here.
`open_adapter` builds one side of a profile end to end (credential, AzureHttp, adapter).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError, Remedy
from regionsync.services.base import AssetAdapter
from regionsync.services.content_understanding import ContentUnderstandingAdapter
from regionsync.services.document_intelligence import DocumentIntelligenceAdapter
from regionsync.services.language import LanguageAdapter
from regionsync.services.retry import RetrySettings

if TYPE_CHECKING:
    import httpx

    from regionsync.config import ServiceProfile
    from regionsync.services.http import AzureHttp


class AdapterFactory(Protocol):
    def __call__(
        self, http: AzureHttp, api_version: str, *, resource_id: str, region: str
    ) -> AssetAdapter: ...


ADAPTERS: dict[Service, AdapterFactory] = {
    Service.DOCUMENT_INTELLIGENCE: DocumentIntelligenceAdapter,
    Service.CONTENT_UNDERSTANDING: ContentUnderstandingAdapter,
    Service.LANGUAGE: LanguageAdapter,
}
"""One factory per service family; each handles every API version of its family from its own table."""


def make_adapter(
    service: Service, api_version: str, http: AzureHttp, *, resource_id: str, region: str
) -> AssetAdapter:
    """The adapter for `service` in `api_version` over `http` (one resource)."""
    factory = ADAPTERS.get(Service(service))
    if factory is None:
        raise RegionSyncError(
            what=f"regionsync cannot talk to {Service(service).value} yet",
            todo=f"Use one of: {', '.join(s.value for s in ADAPTERS)}.",
            code="ServiceNotSupported",
            remedy=str(Remedy.FIX_PROFILE),
        )
    return factory(http, api_version, resource_id=resource_id, region=region)


def open_adapter(
    profile_name: str,
    service: Service,
    settings: ServiceProfile,
    side: Side,
    *,
    client: httpx.AsyncClient,
    retry: RetrySettings | None = None,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
) -> AssetAdapter:
    """One side of a profile's service, ready to use: its credential resolved (a missing key is
    reported here, before any request), its AzureHttp, its adapter. The one place a side is opened
    (`sync/pair.py` opens both sides of each service with it; `probe` one)."""
    import asyncio

    from regionsync.config import DEFAULT_API_VERSIONS
    from regionsync.credentials import resolve_credential
    from regionsync.services.http import AzureHttp

    end = settings.side(side, service)
    credential = resolve_credential(end.key, profile=profile_name, service=service, side=side)
    http = AzureHttp(
        end.endpoint,
        credential,
        client=client,
        api_version=None,
        retry=retry if retry is not None else RetrySettings(),
        sleep=sleep or asyncio.sleep,
        side_label=f"{side.value} {end.region}",
        service=service,
    )
    api_version = settings.api_version or DEFAULT_API_VERSIONS[service]
    return make_adapter(service, api_version, http, resource_id=end.resource_id, region=end.region)
