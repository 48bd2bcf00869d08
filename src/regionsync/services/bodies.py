"""Small readers shared by every service adapter: timestamps, digests, tags, operation states.

Each service writes these the same way (ISO 8601 times, a `status` word for long-running work),
so one reader each serves Document Intelligence, Content Understanding and Language.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from regionsync.domain import JobState

OPERATION_STATES: dict[str, JobState] = {
    "notstarted": JobState.PENDING,
    "running": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELED,
    "cancelled": JobState.CANCELED,
}
"""An operation's or job's `status`, lower-cased, as the engine's JobState."""


def when(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from a body, or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
"""The one canonical JSON writer behind `digest` (built once: `json.dumps` with options builds one a call)."""


def digest(data: Any) -> str:
    """A short stable digest of JSON-like data (key order does not matter).

    The sha256 of the canonical JSON (sorted keys, no spaces, UTF-8), first 16 hex digits: the same
    for the same data on every side, run and machine."""
    return hashlib.sha256(_CANONICAL.encode(data).encode("utf-8")).hexdigest()[:16]


def tags(value: Any) -> dict[str, str]:
    """A body's `tags` object as str → str (anything else: no tags)."""
    if type(value) is dict:  # what a JSON body holds: one cheap check before the ABC one
        if not value:
            return {}
    elif not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}
