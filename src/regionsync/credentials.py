"""Where keys come from and how they go on the wire: keyring, environment, Entra ID; plus redaction.

A profile side names its key source in one short spec: `keyring` (the OS keyring, service
`regionsync`, username `<profile>/<service>/<side>`), `env:VARIABLE`, or `entra` (azure-identity's
`DefaultAzureCredential`, the optional `entra` extra). `resolve_credential` turns the spec into a
`Credential` that yields auth headers; `secrets()` lists what must never be shown, and `redact`
removes it from any text. Keys are held as `SecretStr`, so no repr or log line ever shows them.

`EntraCredential` fetches one token at a time (single-flight), again a minute before it expires, and
once more after a 401 (`refresh_after_rejection`); `aclose()` closes what it holds (each adapter's
`aclose()` calls it).
A demo (or a test) substitutes the token source with `using_entra_credential`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from regionsync.domain import Service, Side
from regionsync.errors import HINTS, RegionSyncError, Remedy

KEYRING_SERVICE = "regionsync"
"""The keyring service name every regionsync key is stored under."""
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
REDACTED = "***"
_MIN_SECRET_LEN = 4
"""Shorter strings are not redacted: replacing them would garble text without protecting anything."""


@runtime_checkable
class Credential(Protocol):
    """Something that authenticates requests to one endpoint."""

    async def auth_headers(self) -> dict[str, str]:
        """The headers to add to a request (called once per attempt, so tokens can refresh)."""
        ...

    def secrets(self) -> list[str]:
        """Every secret value this credential may put on the wire, for redaction."""
        ...

    async def refresh_after_rejection(self, sent: Mapping[str, str]) -> bool:
        """After a 401 to a request that carried `sent`: True when a different credential is now at
        hand (worth one more try); a key never changes."""
        ...

    async def aclose(self) -> None:
        """Close what the credential holds (an Entra ID token credential's HTTP sessions)."""
        ...


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """`text` with every secret (of at least 4 characters) replaced by `***`."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s and len(s) >= _MIN_SECRET_LEN), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class KeyCredential:
    """A subscription key sent as `Ocp-Apim-Subscription-Key`."""

    def __init__(self, key: SecretStr | str) -> None:
        self._key = key if isinstance(key, SecretStr) else SecretStr(key)

    async def auth_headers(self) -> dict[str, str]:
        return {KEY_HEADER: self._key.get_secret_value()}

    def secrets(self) -> list[str]:
        return [self._key.get_secret_value()]

    async def refresh_after_rejection(self, sent: Mapping[str, str]) -> bool:
        return False

    async def aclose(self) -> None:
        """Nothing to close."""

    def __repr__(self) -> str:
        return "KeyCredential(key=<hidden>)"


ENTRA_ROLE = "Cognitive Services User"
"""The role an Entra ID identity needs on a resource to call its APIs (data actions)."""
REFRESH_MARGIN = 60.0
"""A token is fetched again this many seconds before it expires."""
_KEPT_TOKENS = 8
"""Earlier tokens still redacted after a refresh (one may sit in an error or a log line)."""

EntraFactory = Callable[[], Any]
"""Makes an async token credential (azure-core's `AsyncTokenCredential` protocol)."""

entra_credential_factory: ContextVar[EntraFactory | None] = ContextVar(
    "entra_credential_factory", default=None
)
"""Where `key = "entra"` gets its token credential when not from DefaultAzureCredential: the demo sets
it to the emulator's in-process credential (`using_entra_credential`); unset everywhere else."""


@contextmanager
def using_entra_credential(factory: EntraFactory) -> Iterator[None]:
    """Within the block (and the tasks it starts), `key = "entra"` signs in with `factory()`."""
    token = entra_credential_factory.set(factory)
    try:
        yield
    finally:
        entra_credential_factory.reset(token)


def entra_unavailable(exc: BaseException) -> RegionSyncError:
    """The advice when azure-identity (or the async transport its credentials need) is missing."""
    missing = getattr(exc, "name", None) or str(exc) or type(exc).__name__
    return RegionSyncError(
        what="Entra ID sign-in needs the azure-identity package and its async transport (aiohttp), "
        "which are not installed",
        why=f'The profile says `key = "entra"`, an optional feature of regionsync ({missing}).',
        todo="Install the extra: `pip install 'regionsync[entra]'` — or use a key "
        "(`regionsync profile add`).",
        code="EntraUnavailable",
        remedy=str(Remedy.FIX_CREDENTIALS),
    )


@dataclass(frozen=True)
class Principal:
    """Who a token says signed in (read from its claims, never verified here): for advice only."""

    object_id: str = ""
    name: str = ""
    tenant_id: str = ""

    @property
    def label(self) -> str:
        """`alice@contoso.com (object id …)`, or whatever part is known."""
        if self.name and self.object_id:
            return f"{self.name} (object id {self.object_id})"
        return self.name or self.object_id


def principal_of(token: str) -> Principal | None:
    """The principal named in a JWT access token's claims; None when it is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if not isinstance(claims, dict):
        return None
    name = next(
        (str(claims[k]) for k in ("upn", "preferred_username", "unique_name", "name") if claims.get(k)), ""
    )
    return Principal(
        object_id=str(claims.get("oid") or ""), name=name, tenant_id=str(claims.get("tid") or "")
    )


class EntraCredential:
    """A Microsoft Entra ID bearer token from an async token credential — azure-identity's
    `DefaultAzureCredential` unless one is given (or `entra_credential_factory` names one).

    One fetch is in flight at a time: concurrent requests on a fresh or expiring token wait for the
    same fetch (single-flight, per event loop). The token is used until `REFRESH_MARGIN` seconds
    before it expires on `clock` (injectable; `time.time` by default). `refresh_after_rejection`
    fetches a fresh one after a 401 — once, however many requests were refused with the same token.
    azure-identity is imported on first use; without the `entra` extra the error says how to add it.
    `aclose()` closes a credential this object made (an injected one is its owner's to close).
    """

    def __init__(
        self,
        scope: str = ENTRA_SCOPE,
        *,
        credential: Any | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._scope = scope
        self._credential = credential
        self._owned = False
        self._clock = clock
        self._margin = refresh_margin
        self._token: SecretStr | None = None
        self._expires_on: float = 0.0
        self._earlier: list[SecretStr] = []
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._fetch_lock = asyncio.Lock()
        self.principal: Principal | None = None
        """Who the current token names (for advice); None before the first token."""
        self.fetches = 0
        """How many tokens were asked for."""

    @property
    def scope(self) -> str:
        return self._scope

    def _ensure_credential(self) -> Any:
        if self._credential is None:
            factory = entra_credential_factory.get()
            try:
                if factory is not None:
                    self._credential = factory()
                else:
                    from azure.identity.aio import DefaultAzureCredential

                    # Its managed-identity and other HTTP-based credentials need aiohttp; building it
                    # without raises ImportError here, outside the import above.
                    self._credential = DefaultAzureCredential()
            except ImportError as exc:
                raise entra_unavailable(exc) from None
            self._owned = True
        return self._credential

    def _lock(self) -> asyncio.Lock:
        """The single-flight lock of the running event loop (a new `asyncio.run` gets a new one)."""
        loop = asyncio.get_running_loop()
        if self._lock_loop is not loop:
            self._lock_loop, self._fetch_lock = loop, asyncio.Lock()
        return self._fetch_lock

    def _usable(self) -> bool:
        return self._token is not None and self._clock() < self._expires_on - self._margin

    async def auth_headers(self) -> dict[str, str]:
        if not self._usable():
            async with self._lock():
                if not self._usable():  # another request may have fetched it while this one waited
                    await self._fetch()
        assert self._token is not None
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"}

    async def refresh_after_rejection(self, sent: Mapping[str, str]) -> bool:
        """After a 401 to a request that carried `sent`: fetch a fresh token unless another request
        already did. True when a different token is now at hand (worth one more try)."""
        rejected = sent.get("Authorization", "").removeprefix("Bearer ")
        if not rejected:
            return False
        async with self._lock():
            if self._token is not None and self._token.get_secret_value() != rejected and self._usable():
                return True
            await self._fetch()
        assert self._token is not None
        return self._token.get_secret_value() != rejected

    async def _fetch(self) -> None:
        credential = self._ensure_credential()
        self.fetches += 1
        try:
            token = await credential.get_token(self._scope)
        except ImportError as exc:
            raise entra_unavailable(exc) from None
        except Exception as exc:  # azure-identity raises its own ClientAuthenticationError family
            raise RegionSyncError(
                what="Could not sign in with Entra ID",
                why="DefaultAzureCredential found no usable identity (environment variables, workload "
                "identity, managed identity, Azure CLI, Azure Developer CLI, Azure PowerShell).",
                todo="Sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / "
                "AZURE_CLIENT_SECRET, or use a key instead (`regionsync profile add`).",
                code="EntraSignInFailed",
                raw_message=type(exc).__name__,
                remedy=str(Remedy.FIX_CREDENTIALS),
            ) from None
        if self._token is not None:
            self._earlier = [*self._earlier, self._token][-_KEPT_TOKENS:]
        self._token = SecretStr(token.token)
        self._expires_on = float(token.expires_on)
        self.principal = principal_of(token.token) or self.principal

    def secrets(self) -> list[str]:
        tokens = [*self._earlier, self._token] if self._token is not None else self._earlier
        return [t.get_secret_value() for t in tokens]

    async def aclose(self) -> None:
        """Close the token credential this object made (azure-identity's hold HTTP sessions)."""
        credential, self._credential = self._credential, None
        if credential is not None and self._owned and hasattr(credential, "close"):
            await credential.close()
        self._owned = False

    def __repr__(self) -> str:
        return f"EntraCredential(scope={self._scope!r})"


# ------------------------------------------------------------------------------------------ key sources


class KeySourceKind(StrEnum):
    KEYRING = "keyring"
    ENV = "env"
    ENTRA = "entra"


@dataclass(frozen=True)
class KeySource:
    """A parsed key spec: `keyring`, `env:VARIABLE` or `entra`."""

    kind: KeySourceKind
    variable: str = ""

    def __str__(self) -> str:
        return f"env:{self.variable}" if self.kind is KeySourceKind.ENV else str(self.kind)


def parse_key_source(spec: str) -> KeySource:
    """Parse a key spec; ValueError (with the accepted forms) when it is none of them."""
    text = spec.strip()
    if text == "keyring":
        return KeySource(KeySourceKind.KEYRING)
    if text == "entra":
        return KeySource(KeySourceKind.ENTRA)
    if text.startswith("env:"):
        variable = text[4:].strip()
        if variable and all(c.isalnum() or c == "_" for c in variable) and not variable[0].isdigit():
            return KeySource(KeySourceKind.ENV, variable)
    # The value is never repeated: a key pasted where its source belongs must not be echoed.
    raise ValueError("key must be 'keyring', 'env:VARIABLE' or 'entra' (the source of the key, not the key)")


def keyring_username(profile: str, service: Service | str, side: Side | str) -> str:
    """The keyring username of one key: `<profile>/<service>/<side>`."""
    return f"{profile}/{Service(service).value}/{Side(side).value}"


def _keyring_module() -> Any:
    import keyring

    return keyring


def _keyring_error(action: str, exc: Exception) -> RegionSyncError:
    profile = HINTS.get().get("profile") or "PROFILE"
    return RegionSyncError(
        what=f"The OS keyring could not {action}",
        why="No usable keyring backend (a headless machine without a Secret Service, or a locked keyring).",
        todo="Unlock the keyring, or keep the key in an environment variable instead: "
        f"`regionsync profile add {profile} --key-source env:VARIABLE`.",
        code="KeyringUnavailable",
        raw_message=type(exc).__name__,
        remedy=str(Remedy.FIX_CREDENTIALS),
    )


def store_key(profile: str, service: Service | str, side: Side | str, key: SecretStr | str) -> None:
    """Put a key into the OS keyring (never into the config file)."""
    value = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not value.strip():
        raise RegionSyncError(
            what="An empty key cannot be stored", todo="Paste the resource's key.", code="EmptyKey"
        )
    keyring = _keyring_module()
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_username(profile, service, side), value.strip())
    except Exception as exc:
        raise _keyring_error("store the key", exc) from None


def delete_key(profile: str, service: Service | str, side: Side | str) -> bool:
    """Remove a key from the OS keyring; False when there was none."""
    keyring = _keyring_module()
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, keyring_username(profile, service, side))
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise _keyring_error("delete the key", exc) from None
    return True


def _keyring_lookup(profile: str, service: Service | str, side: Side | str) -> str | None:
    keyring = _keyring_module()
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_username(profile, service, side))
    except Exception as exc:
        raise _keyring_error("be read", exc) from None


def _missing_key(
    source: KeySource, *, profile: str, service: Service | str, side: Side | str
) -> RegionSyncError:
    side_name = Side(side).value
    if source.kind is KeySourceKind.ENV:
        return RegionSyncError(
            what=f"No key for the {side_name} of profile {profile!r}: ${source.variable} is not set",
            why=f"The profile says the {side_name}'s key comes from the environment variable "
            f"{source.variable}.",
            todo=f"Set it (`export {source.variable}=<key>`), or store the key in the keyring with "
            f"`regionsync profile add {profile} --side {side_name} --key-source keyring`.",
            code="KeyMissing",
            remedy=str(Remedy.FIX_CREDENTIALS),
        )
    return RegionSyncError(
        what=f"No key for the {side_name} of profile {profile!r} in the OS keyring",
        why=f"The profile says the key is in the keyring (service {KEYRING_SERVICE!r}, user "
        f"{keyring_username(profile, service, side)!r}), and there is none.",
        todo=f"Store it with `regionsync profile add {profile} --side {side_name}` (the key is asked for "
        "hidden), or point the profile at an environment variable (`--key-source env:VARIABLE`).",
        code="KeyMissing",
        remedy=str(Remedy.FIX_CREDENTIALS),
    )


def resolve_credential(spec: str, *, profile: str, service: Service | str, side: Side | str) -> Credential:
    """The credential a key spec names; RegionSyncError saying how to provide the key when it is missing."""
    try:
        source = parse_key_source(spec)
    except ValueError as exc:
        raise RegionSyncError(
            what=f"The key source of the {Side(side).value} of profile {profile!r} is not understood",
            why=str(exc),
            todo='Write `key = "keyring"`, `key = "env:VARIABLE"` or `key = "entra"` in the profile.',
            code="KeySourceInvalid",
            remedy=str(Remedy.FIX_PROFILE),
        ) from None
    if source.kind is KeySourceKind.ENTRA:
        return EntraCredential()
    if source.kind is KeySourceKind.ENV:
        value = os.environ.get(source.variable, "").strip()
    else:
        value = (_keyring_lookup(profile, service, side) or "").strip()
    if not value:
        raise _missing_key(source, profile=profile, service=service, side=side)
    return KeyCredential(SecretStr(value))


@dataclass(frozen=True)
class KeyStatus:
    """Where a side's key comes from and whether it is there; never the key itself."""

    source: str
    location: str
    found: bool | None
    """None where it cannot be known without signing in (Entra ID)."""
    problem: str = ""


def describe_key(spec: str, *, profile: str, service: Service | str, side: Side | str) -> KeyStatus:
    """For `profile show`: the key's source, where exactly, and whether it is found."""
    try:
        source = parse_key_source(spec)
    except ValueError as exc:
        return KeyStatus(source=spec, location="", found=False, problem=str(exc))
    if source.kind is KeySourceKind.ENTRA:
        return KeyStatus(source="entra", location=f"Entra ID token for {ENTRA_SCOPE}", found=None)
    if source.kind is KeySourceKind.ENV:
        found = bool(os.environ.get(source.variable, "").strip())
        return KeyStatus(source=str(source), location=f"${source.variable}", found=found)
    location = f"keyring {KEYRING_SERVICE!r} / {keyring_username(profile, service, side)}"
    try:
        found = bool((_keyring_lookup(profile, service, side) or "").strip())
    except RegionSyncError as exc:
        return KeyStatus(source="keyring", location=location, found=False, problem=exc.what)
    return KeyStatus(source="keyring", location=location, found=found)
