"""Signed tokens: copy authorizations, and the Entra ID access tokens the emulator issues.

A copy authorization token is an authorization id plus an HMAC over the claims it was issued with.
It is opaque to clients. The source resource verifies it against the claims sent back in the copy
request, so any change to a signed claim (target id, location, expiry) is detected, and the id
lets the world find (and consume) the authorization it stands for.

An Entra ID access token is a JWT (`issue_jwt` / `read_jwt`), see the section at the end.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from typing import Any

_SEPARATOR = "\x1f"
_ID_BYTES = 16
_SIG_BYTES = 32


def _signature(secret: bytes, auth_id: str, claims: tuple[str, ...]) -> bytes:
    message = _SEPARATOR.join((auth_id, *claims)).encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def issue(secret: bytes, auth_id: str, *claims: str) -> str:
    """The access token for authorization `auth_id` (a UUID string) over `claims`."""
    raw = uuid.UUID(auth_id).bytes + _signature(secret, auth_id, claims)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(secret: bytes, token: str, *claims: str) -> str | None:
    """The authorization id if `token` was issued over exactly `claims`, else None."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(padded.encode())
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) != _ID_BYTES + _SIG_BYTES:
        return None
    auth_id = str(uuid.UUID(bytes=raw[:_ID_BYTES]))
    if not hmac.compare_digest(raw[_ID_BYTES:], _signature(secret, auth_id, claims)):
        return None
    return auth_id


# --- Entra ID access tokens ----------------------------------------------------------------------
# A JWT as Entra ID issues it (header.payload.signature, base64url without padding), signed with
# HS256 and a per-world secret instead of the tenant's RSA key: the emulator is both issuer and
# audience, so a shared secret proves the same thing without a new dependency.

_JWT_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def issue_jwt(secret: bytes, claims: dict[str, Any]) -> str:
    """A signed JWT (HS256) carrying `claims`."""
    header = _b64(json.dumps(_JWT_HEADER, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def read_jwt(secret: bytes, token: str) -> dict[str, Any] | None:
    """The claims of `token` if it is a JWT signed (HS256) with `secret`; None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_text, payload_text, signature_text = parts
    try:
        header = json.loads(_unb64(header_text))
        signature = _unb64(signature_text)
        claims = json.loads(_unb64(payload_text))
    except (binascii.Error, ValueError, UnicodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return None
    expected = hmac.new(secret, f"{header_text}.{payload_text}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return None
    return claims
