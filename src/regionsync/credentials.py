"""Where keys come from and how they go on the wire: keyring, environment, Entra ID; plus redaction.

A profile side names its key source in one short spec: `keyring` (the OS keyring, service
`regionsync`, username `<profile>/<service>/<side>`), `env:VARIABLE`, or `entra` (azure-identity's
`DefaultAzureCredential`, the optional `entra` extra). `resolve_credential` turns the spec into a
`Credential` that yields auth headers; `secrets()` lists what must never be shown, and `redact`
removes it from any text. Keys are held as `SecretStr`, so no repr or log line ever shows them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError, Remedy

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

    def __repr__(self) -> str:
        return "KeyCredential(key=<hidden>)"


class EntraCredential:
    """A Microsoft Entra ID bearer token from azure-identity's `DefaultAzureCredential` (async).

    azure-identity is imported on first use; without the `entra` extra the error says how to add it.
    The token is cached until a minute before it expires.
    """

    def __init__(self, scope: str = ENTRA_SCOPE, *, credential: Any | None = None) -> None:
        self._scope = scope
        self._credential = credential
        self._token: SecretStr | None = None
        self._expires_on: float = 0.0

    def _ensure_credential(self) -> Any:
        if self._credential is None:
            try:
                from azure.identity.aio import DefaultAzureCredential
            except ImportError as exc:
                raise RegionSyncError(
                    what="Entra ID sign-in needs the azure-identity package, which is not installed",
                    why='The profile says `key = "entra"`, an optional feature of regionsync.',
                    todo="Install the extra: `pip install 'regionsync[entra]'` — or use a key "
                    "(`regionsync profile add`).",
                    code="EntraUnavailable",
                    remedy=str(Remedy.FIX_CREDENTIALS),
                ) from exc
            self._credential = DefaultAzureCredential()
        return self._credential

    async def auth_headers(self) -> dict[str, str]:
        if self._token is None or time.time() > self._expires_on - 60:
            credential = self._ensure_credential()
            try:
                token = await credential.get_token(self._scope)
            except Exception as exc:  # azure-identity raises its own ClientAuthenticationError family
                raise RegionSyncError(
                    what="Could not sign in with Entra ID",
                    why="DefaultAzureCredential found no usable identity (az login, managed identity, "
                    "environment variables).",
                    todo="Sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / "
                    "AZURE_CLIENT_SECRET, or use a key instead (`regionsync profile add`).",
                    code="EntraSignInFailed",
                    raw_message=type(exc).__name__,
                    remedy=str(Remedy.FIX_CREDENTIALS),
                ) from None
            self._token = SecretStr(token.token)
            self._expires_on = float(token.expires_on)
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"}

    def secrets(self) -> list[str]:
        return [self._token.get_secret_value()] if self._token is not None else []

    async def aclose(self) -> None:
        """Close azure-identity's credential (it holds HTTP sessions) if one was opened."""
        if self._credential is not None and hasattr(self._credential, "close"):
            await self._credential.close()

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
    return RegionSyncError(
        what=f"The OS keyring could not {action}",
        why="No usable keyring backend (a headless machine without a Secret Service, or a locked keyring).",
        todo="Unlock the keyring, or keep the key in an environment variable instead: "
        "`regionsync profile add <profile> --key-source env:VARIABLE`.",
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
