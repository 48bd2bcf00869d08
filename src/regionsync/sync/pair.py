"""A resource pair at run time: the two adapters of one service of a profile, and who they are.

Built from the profile file (config) and the credentials; one shared httpx.AsyncClient carries
every request. `source`/`target` turn the pair around for fail-back (`sync --from secondary`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

import httpx

from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError
from regionsync.services.base import AssetAdapter
from regionsync.services.retry import RetrySettings

if TYPE_CHECKING:
    from regionsync.config import Profile


@dataclass(frozen=True)
class SideInfo:
    """One side of a pair as configured: where it is and what it is."""

    side: Side
    endpoint: str
    region: str
    resource_id: str
    encrypted: bool | None = None

    @property
    def label(self) -> str:
        return f"{self.side.value} {self.region}"

    @property
    def origin(self) -> str:
        url = httpx.URL(self.endpoint)
        port = url.port or (443 if url.scheme == "https" else 80)
        return f"{url.scheme}://{url.host}:{port}"


@dataclass(frozen=True)
class ResourcePair:
    """The two adapters of one service of a profile."""

    profile: str
    service: Service
    api_version: str
    primary: AssetAdapter
    secondary: AssetAdapter
    primary_info: SideInfo
    secondary_info: SideInfo

    def adapter(self, side: Side) -> AssetAdapter:
        return self.primary if side is Side.PRIMARY else self.secondary

    def info(self, side: Side) -> SideInfo:
        return self.primary_info if side is Side.PRIMARY else self.secondary_info


def open_pairs(
    profile_name: str,
    profile: object,
    *,
    client: httpx.AsyncClient,
    services: Iterable[Service] | None = None,
    retry: RetrySettings | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> list[ResourcePair]:
    """Build a ResourcePair for each configured service of `profile` (or only `services`).

    Credentials are resolved here, so a missing key is reported before any request is sent.
    """
    from regionsync.config import DEFAULT_API_VERSIONS, service_pairs
    from regionsync.services.registry import open_adapter

    wanted = set(services) if services else None
    pairs: list[ResourcePair] = []
    try:
        configured = service_pairs(cast("Profile", profile))
    except RegionSyncError as error:  # its advice names the profile the user typed
        raise replace(error, todo=error.todo.replace("<profile>", profile_name)) from None
    for service, cfg in configured:
        if wanted is not None and service not in wanted:
            continue
        api_version = cfg.api_version or DEFAULT_API_VERSIONS[service]
        adapters: dict[Side, AssetAdapter] = {}
        infos: dict[Side, SideInfo] = {}
        for side in Side:
            adapters[side] = open_adapter(
                profile_name, service, cfg, side, client=client, retry=retry, sleep=sleep
            )
            end = cfg.side(side, service)  # both sides are configured: service_pairs says so
            infos[side] = SideInfo(
                side=side,
                endpoint=end.endpoint,
                region=end.region,
                resource_id=end.resource_id,
                encrypted=end.encrypted,
            )
        pairs.append(
            ResourcePair(
                profile=profile_name,
                service=service,
                api_version=api_version,
                primary=adapters[Side.PRIMARY],
                secondary=adapters[Side.SECONDARY],
                primary_info=infos[Side.PRIMARY],
                secondary_info=infos[Side.SECONDARY],
            )
        )
    return pairs
