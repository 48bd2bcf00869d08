"""Every `REGIONSYNC_*` environment variable, read here and nowhere else: one function per value.

| variable                     | function          | default                                   |
| ---------------------------- | ----------------- | ----------------------------------------- |
| `REGIONSYNC_CONFIG`          | `config_file`     | None: the platform's config dir (locations.py) |
| `REGIONSYNC_DATA_DIR`        | `data_dir`        | None: the platform's data dir (locations.py)   |
| `REGIONSYNC_PROFILE`         | `profile`         | "": the profiles file's `default_profile`  |
| `REGIONSYNC_TIMEOUT`         | `timeout_seconds` | 30 seconds a request                      |
| `REGIONSYNC_RETRIES`         | `retries`         | 5 attempts (at least 1)                   |
| `REGIONSYNC_LEASE_SECONDS`   | `lease_seconds`   | 30 (at least 1; a bad value is the default) |
| `REGIONSYNC_MAX_BODY`        | `max_body`        | None: `ResponseLimits`' own (32 MiB)       |
| `REGIONSYNC_MAX_PAGE_ITEMS`  | `max_page_items`  | None (10000)                              |
| `REGIONSYNC_MAX_PAGES`       | `max_pages`       | None (1000)                               |
| `REGIONSYNC_LISTING_SECONDS` | `listing_seconds` | None (600)                                |

Each reads the environment when called (a test sets a variable, the next call sees it); `environ`
replaces `os.environ` where a caller passes its own. A value that is set but unreadable raises
`BadSetting` (a ValueError naming the variable, what it holds and what it should be); the caller
says so in its own words (the CLI as a bad parameter, the HTTP layer as a RegionSyncError).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

CONFIG_ENV = "REGIONSYNC_CONFIG"
DATA_DIR_ENV = "REGIONSYNC_DATA_DIR"
PROFILE_ENV = "REGIONSYNC_PROFILE"
TIMEOUT_ENV = "REGIONSYNC_TIMEOUT"
RETRIES_ENV = "REGIONSYNC_RETRIES"
LEASE_ENV = "REGIONSYNC_LEASE_SECONDS"
MAX_BODY_ENV = "REGIONSYNC_MAX_BODY"
MAX_PAGE_ITEMS_ENV = "REGIONSYNC_MAX_PAGE_ITEMS"
MAX_PAGES_ENV = "REGIONSYNC_MAX_PAGES"
LISTING_SECONDS_ENV = "REGIONSYNC_LISTING_SECONDS"

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_RETRIES = 5
DEFAULT_LEASE_SECONDS = 30.0

T = TypeVar("T")


class BadSetting(ValueError):
    """A variable set to something its reader cannot use."""

    def __init__(self, variable: str, raw: str, expected: str) -> None:
        super().__init__(f"{variable} must be {expected}, not {raw!r}")
        self.variable, self.raw, self.expected = variable, raw, expected


def _raw(variable: str, environ: Mapping[str, str] | None = None) -> str:
    return (os.environ if environ is None else environ).get(variable, "").strip()


def _read(
    variable: str, parse: Callable[[str], T], expected: str, environ: Mapping[str, str] | None = None
) -> T | None:
    """The parsed value of `variable`; None when unset or empty; BadSetting when it does not parse."""
    raw = _raw(variable, environ)
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise BadSetting(variable, raw, expected) from None


def _path(text: str) -> Path:
    return Path(text).expanduser()


# ------------------------------------------------------------------------------------------ files


def config_file() -> Path | None:
    """The profiles file `REGIONSYNC_CONFIG` names, `~` expanded; None when unset."""
    return _read(CONFIG_ENV, _path, "a path")


def data_dir() -> Path | None:
    """The data directory `REGIONSYNC_DATA_DIR` names, `~` expanded; None when unset."""
    return _read(DATA_DIR_ENV, _path, "a path")


def profile() -> str:
    """The profile `REGIONSYNC_PROFILE` names; "" when unset."""
    return _raw(PROFILE_ENV)


# ------------------------------------------------------------------------------------------ requests


def timeout_seconds() -> float:
    """Seconds per request: `REGIONSYNC_TIMEOUT` (default 30)."""
    value = _read(TIMEOUT_ENV, float, "a number of seconds")
    return DEFAULT_TIMEOUT_SECONDS if value is None else value


def retries() -> int:
    """Attempts per request and failed polls in a row: `REGIONSYNC_RETRIES` (default 5, at least 1)."""
    value = _read(RETRIES_ENV, int, "a whole number")
    return DEFAULT_RETRIES if value is None else max(1, value)


def lease_seconds() -> float:
    """How long a job's lease lasts without a heartbeat: `REGIONSYNC_LEASE_SECONDS` (default 30, at
    least 1); an unreadable value is the default (leases are no place to stop a sync over a typo)."""
    try:
        value = _read(LEASE_ENV, float, "a number of seconds")
    except BadSetting:
        return DEFAULT_LEASE_SECONDS
    return DEFAULT_LEASE_SECONDS if value is None else max(1.0, value)


# ------------------------------------------------------------------------------------------ limits

_SIZE = re.compile(r"^\s*(\d+)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)\s*$", re.IGNORECASE)
_SIZE_UNIT = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
SIZE_EXPECTED = "a size in bytes such as 33554432 or 32MiB"
COUNT_EXPECTED = "a whole number above 0"
SECONDS_EXPECTED = "a number of seconds above 0"


def parse_size(text: str) -> int:
    """'33554432', '32MiB', '32m', '512k' → bytes (binary units: k = 1024); ValueError otherwise."""
    match = _SIZE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(text)
    return int(match.group(1)) * _SIZE_UNIT[match.group(2)[:1].lower()]


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(text)
    return value


def max_body(environ: Mapping[str, str] | None = None) -> int | None:
    """Bytes of one answer read at the most: `REGIONSYNC_MAX_BODY`; None when unset."""
    return _read(MAX_BODY_ENV, parse_size, SIZE_EXPECTED, environ)


def max_page_items(environ: Mapping[str, str] | None = None) -> int | None:
    """Items in one page of a listing at the most: `REGIONSYNC_MAX_PAGE_ITEMS`; None when unset."""
    return _read(MAX_PAGE_ITEMS_ENV, _positive_int, COUNT_EXPECTED, environ)


def max_pages(environ: Mapping[str, str] | None = None) -> int | None:
    """Pages of one listing at the most: `REGIONSYNC_MAX_PAGES`; None when unset."""
    return _read(MAX_PAGES_ENV, _positive_int, COUNT_EXPECTED, environ)


def listing_seconds(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds spent on the pages of one listing at the most: `REGIONSYNC_LISTING_SECONDS`."""
    return _read(LISTING_SECONDS_ENV, _positive_float, SECONDS_EXPECTED, environ)
