"""Copy authorization tokens: an authorization id plus an HMAC over the claims it was issued with.

The token is opaque to clients. The source resource verifies it against the claims sent back in
the copy request, so any change to a signed claim (target id, location, expiry) is detected, and
the id lets the world find (and consume) the authorization it stands for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

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
