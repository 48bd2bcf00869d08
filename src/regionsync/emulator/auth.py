"""Who may call a resource: its subscription keys, and Entra ID bearer tokens of the world's identities.

Each world has a directory (`directory(world)`): its own tenant, a signing secret, the identities the
scenario names (`[[resource.identity]]`, a name and a role) and which resources have key
authentication disabled (`disable_local_auth = true`). The admin API issues an identity's access
token (`POST /_emulator/token`, answered in the shape `az account get-access-token` prints), so a
test's fake `az` or the demo's in-process credential can sign in as it.

`AdminTokenCredential` is such a credential in process (azure-core's `AsyncTokenCredential`).

`authorize` is the gateway's check, in Azure's order and words:

* `Authorization: Bearer <token>` — the token must be one of this world's (signature), for
  `https://cognitiveservices.azure.com` (audience), of this tenant, not expired on the world's clock:
  else 401 "Unauthorized. Access token is missing, invalid, audience is incorrect …". The identity
  needs a role with data actions on the resource ("Cognitive Services User"): else 403
  `PermissionDenied` ("The principal … lacks the required data action …"). Control-plane roles
  ("Contributor", "Owner", "Reader", "Cognitive Services Contributor") grant no data access, as in Azure.
* `Ocp-Apim-Subscription-Key` — on a resource with key authentication disabled, 403
  `AuthenticationTypeDisabled` whatever the key; otherwise one of the resource's two keys, else 401.
"""

from __future__ import annotations

import secrets
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx

from regionsync.emulator.problems import UNAUTHORIZED, Problem, gateway
from regionsync.emulator.tokens import issue_jwt, read_jwt

if TYPE_CHECKING:
    from collections.abc import Mapping

    from regionsync.emulator.state import Resource
    from regionsync.emulator.world import World

COGNITIVE_AUDIENCE = "https://cognitiveservices.azure.com"
"""The audience of a token for Azure AI services (scope `https://cognitiveservices.azure.com/.default`)."""
DEFAULT_TOKEN_SECONDS = 3600.0
"""How long an issued token lives (emulated seconds), as Entra ID's usual hour."""
DATA_ROLES = frozenset({"Cognitive Services User"})
"""Roles whose data actions open a resource's APIs."""
ROLES = (
    "Cognitive Services User",
    "Cognitive Services Contributor",
    "Contributor",
    "Owner",
    "Reader",
)
"""Roles a scenario may assign; only those in DATA_ROLES let the identity call the resource."""

BEARER_UNAUTHORIZED = gateway(
    401,
    "401",
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    f"({COGNITIVE_AUDIENCE}), or have expired.",
)
KEYS_DISABLED = gateway(
    403, "AuthenticationTypeDisabled", "Key based authentication is disabled for this resource."
)

_FAMILY: dict[str, str] = {
    "document-intelligence": "FormRecognizer",
    "content-understanding": "ContentUnderstanding",
    "language": "Language",
}
_OBJECT_IDS = uuid.UUID("6f1c3a52-8d0e-4b7f-9a51-2c7e0d4b9e13")
"""Namespace of the identities' object ids: the same name is the same principal in every run."""


def permission_denied(object_id: str, resource: Resource, method: str, path: str) -> Problem:
    """Azure's 403 for an identity without a data role on the resource."""
    verb = {"GET": "read", "HEAD": "read", "DELETE": "delete"}.get(method.upper(), "write")
    action = f"Microsoft.CognitiveServices/accounts/{_FAMILY.get(resource.service, 'AIServices')}/*/{verb}"
    return gateway(
        403,
        "PermissionDenied",
        f"The principal `{object_id}` lacks the required data action `{action}` to perform "
        f"`{method.upper()} {path}` operation.",
    )


@dataclass(frozen=True)
class Identity:
    """A principal of the world's tenant (a user or a service principal): its name and object id."""

    name: str
    object_id: str


@dataclass
class Directory:
    """The world's tenant: identities, their role assignments, and resources with keys disabled."""

    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    identities: dict[str, Identity] = field(default_factory=dict)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    """resource name → identity name → role."""
    keys_disabled: set[str] = field(default_factory=set)

    def identity(self, name: str) -> Identity:
        """The identity called `name`, created on first mention (object ids are stable per name)."""
        found = self.identities.get(name)
        if found is None:
            found = Identity(name, str(uuid.uuid5(_OBJECT_IDS, name)))
            self.identities[name] = found
        return found

    def assign(self, resource: str, identity: str, role: str | None) -> None:
        """Give `identity` `role` on `resource` (None removes its assignment there)."""
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
        self.identity(identity)
        assigned = self.roles.setdefault(resource, {})
        if role is None:
            assigned.pop(identity, None)
        else:
            assigned[identity] = role

    def set_local_auth(self, resource: str, *, disabled: bool) -> None:
        """Disable (or enable again) key authentication on `resource`."""
        if disabled:
            self.keys_disabled.add(resource)
        else:
            self.keys_disabled.discard(resource)

    def issue(
        self,
        name: str,
        now: datetime,
        *,
        audience: str = COGNITIVE_AUDIENCE,
        seconds: float = DEFAULT_TOKEN_SECONDS,
    ) -> tuple[str, int]:
        """(access token, expiry in epoch seconds) for identity `name`; KeyError if there is none."""
        identity = self.identities.get(name)
        if identity is None:
            raise KeyError(f"no identity named {name!r}")
        issued = int(now.timestamp())
        expires = issued + max(1, int(seconds))
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "oid": identity.object_id,
            "sub": identity.object_id,
            "tid": self.tenant_id,
            "name": identity.name,
            "jti": uuid.uuid4().hex,
        }
        if "@" in identity.name:
            claims["upn"] = identity.name
        else:
            claims["appid"] = str(uuid.uuid5(_OBJECT_IDS, "app:" + identity.name))
        return issue_jwt(self.secret, claims), expires

    def authenticate(self, token: str, now: datetime) -> Identity | None:
        """The identity a valid token stands for: signed here, for Azure AI services, this tenant,
        not expired (nor not yet valid) at `now`; None for anything else."""
        claims = read_jwt(self.secret, token)
        if claims is None:
            return None
        moment = now.timestamp()
        try:
            expires, not_before = float(claims["exp"]), float(claims.get("nbf", 0))
        except (KeyError, TypeError, ValueError):
            return None
        audience = str(claims.get("aud", "")).rstrip("/")
        if audience != COGNITIVE_AUDIENCE or claims.get("tid") != self.tenant_id:
            return None
        if moment >= expires or moment < not_before:
            return None
        for identity in self.identities.values():
            if identity.object_id == claims.get("oid"):
                return identity
        return None

    def may_call(self, identity: Identity, resource: str) -> bool:
        return self.roles.get(resource, {}).get(identity.name) in DATA_ROLES

    def view(self) -> dict[str, Any]:
        """For GET /_emulator/identities (no secret, no token)."""
        return {
            "tenant": self.tenant_id,
            "audience": COGNITIVE_AUDIENCE,
            "identities": [
                {
                    "name": identity.name,
                    "object_id": identity.object_id,
                    "roles": {
                        resource: assigned[identity.name]
                        for resource, assigned in sorted(self.roles.items())
                        if identity.name in assigned
                    },
                }
                for identity in self.identities.values()
            ],
            "local_auth_disabled": sorted(self.keys_disabled),
        }


_DIRECTORIES: weakref.WeakKeyDictionary[World, Directory] = weakref.WeakKeyDictionary()


def directory(world: World) -> Directory:
    """The directory (tenant) of `world`, created on first use; it lives as long as the world."""
    found = _DIRECTORIES.get(world)
    if found is None:
        found = Directory()
        _DIRECTORIES[world] = found
    return found


def authorize(
    world: World, resource: Resource, headers: Mapping[str, str], method: str, path: str
) -> Problem | None:
    """None when the request may reach the resource; otherwise the problem Azure answers with."""
    entra = directory(world)
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return BEARER_UNAUTHORIZED
        identity = entra.authenticate(token.strip(), world.clock.now())
        if identity is None:
            return BEARER_UNAUTHORIZED
        if not entra.may_call(identity, resource.name):
            return permission_denied(identity.object_id, resource, method, path)
        return None
    key = headers.get("ocp-apim-subscription-key")
    if key is not None and resource.name in entra.keys_disabled:
        return KEYS_DISABLED
    if not resource.accepts_key(key):
        return UNAUTHORIZED
    return None


class AdminAccessToken(NamedTuple):
    """An access token and its expiry (epoch seconds), shaped as azure-core's `AccessToken`."""

    token: str
    expires_on: int


class AdminTokenCredential:
    """An async token credential (azure-core's `AsyncTokenCredential` protocol) that signs in as one of
    the world's identities by asking the emulator's admin API for a token, in process.

    What the demo uses for its keys-disabled resource, and what tests inject: the same wire as a fake
    `az` printing `POST /_emulator/token`. `fetches` counts the tokens it asked for.
    """

    def __init__(self, world: World, identity: str, *, lifetime: float = DEFAULT_TOKEN_SECONDS) -> None:
        self.world = world
        self.identity = identity
        self.lifetime = lifetime
        self.fetches = 0
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"AdminTokenCredential(identity={self.identity!r})"

    async def get_token(self, *scopes: str, **kwargs: Any) -> AdminAccessToken:
        from regionsync.emulator.transport import EmulatorTransport

        self.fetches += 1
        self.scopes.append(scopes)
        if self._client is None:
            self._client = httpx.AsyncClient(transport=EmulatorTransport(self.world))
        answer = await self._client.post(
            f"{self.world.admin_url}/_emulator/token",
            json={
                "identity": self.identity,
                "scope": scopes[0] if scopes else None,
                "lifetime": self.lifetime,
            },
        )
        answer.raise_for_status()
        body = answer.json()
        return AdminAccessToken(str(body["accessToken"]), int(body["expires_on"]))

    async def close(self) -> None:
        self.closed = True
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> AdminTokenCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
