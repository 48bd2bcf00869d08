"""Options every engine command shares, and opening a SyncSession from them.

Declared once here so `status`, `plan`, `sync`, `copy` and `jobs` spell them the same way.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from regionsync import settings
from regionsync.cli.common import CONFIG_OPTION, JSON_OPTION, PROFILE_OPTION, SERVICE_OPTION, parse_service

if TYPE_CHECKING:
    import httpx

    from regionsync.domain import Side
    from regionsync.services.retry import RetrySettings
    from regionsync.sync.runner import ProgressSink
    from regionsync.sync.session import SyncSession

T = TypeVar("T")

CONFIG = CONFIG_OPTION
PROFILE = PROFILE_OPTION
SERVICE = SERVICE_OPTION
JSON = JSON_OPTION
FROM = typer.Option(
    "primary",
    "--from",
    help="Copy from this side: primary (default) or secondary (fail-back).",
)


def parse_side(value: str) -> Side:
    from regionsync.domain import Side

    try:
        return Side(value.lower())
    except ValueError:
        raise typer.BadParameter("use primary or secondary", param_hint="--from") from None


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT = {"": 3600, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(value: str | None) -> timedelta | None:
    """'24h', '90m', '2d' → timedelta (a bare number means hours)."""
    if value is None:
        return None
    match = _AGE.match(value)
    if not match:
        raise typer.BadParameter("use a duration such as 24h, 90m or 2d", param_hint="--max-age")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


def open_session(
    config: Path | None,
    profile: str | None,
    service: str | None,
    *,
    on_event: ProgressSink | None = None,
    concurrency: int = 4,
) -> SyncSession:
    """Load the profile and build the session; errors leave through `fail()` with exit code 2."""
    from regionsync.cli.common import load_context
    from regionsync.locations import journal_file
    from regionsync.sync.journal import Journal
    from regionsync.sync.poller import Poller
    from regionsync.sync.session import SyncSession

    _config, name, prof = load_context(config, profile, service)
    journal = Journal(journal_file())
    return SyncSession(
        name,
        prof,
        journal=journal,
        timeout=request_timeout(),
        retry=retry_settings(),
        poller=Poller(max_failures=retries()),
        services=[wanted] if (wanted := parse_service(service)) else None,
        on_event=on_event,
        concurrency=concurrency,
    )


def request_timeout() -> httpx.Timeout:
    """Per-request timeout: REGIONSYNC_TIMEOUT seconds (default 30; connecting at most 5)."""
    import httpx

    try:
        seconds = settings.timeout_seconds()
    except settings.BadSetting as bad:
        raise typer.BadParameter(str(bad)) from None
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


def retries() -> int:
    """Attempts per request (and failed polls in a row) before giving up: REGIONSYNC_RETRIES, default 5.

    Scripts that prefer failing fast over riding out a blip set it to 1.
    """
    try:
        return settings.retries()
    except settings.BadSetting as bad:
        raise typer.BadParameter(str(bad)) from None


def retry_settings() -> RetrySettings:
    from regionsync.services.retry import RetrySettings

    attempts = retries()
    return RetrySettings(attempts=attempts, connect_attempts=min(2, attempts))


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run the command's coroutine; a RegionSyncError ends the command with its explanation, exit 2."""
    from regionsync.cli.common import exit_with
    from regionsync.errors import RegionSyncError

    try:
        return asyncio.run(_call(make))
    except RegionSyncError as error:
        exit_with(error)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted. Journaled jobs continue with: regionsync jobs resume", err=True)
        raise typer.Exit(130) from None


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


def is_tty() -> bool:
    return os.isatty(1)


def emit_json(data: Any) -> None:
    """One JSON document on stdout, written as it is encoded (as `json.dumps` would write it). An
    iterator in `data` (a listing's assets) is written item by item, so 50,000 assets never sit in
    memory as one string."""
    out = sys.stdout
    for chunk in _json_chunks(data):
        out.write(chunk)
    out.write("\n")
    out.flush()


def _json_chunks(value: Any) -> Iterator[str]:
    import json

    if isinstance(value, dict):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield f"{', ' if n else ''}{json.dumps(str(key), ensure_ascii=False)}: "
            yield from _json_chunks(item)
        yield "}"
    elif isinstance(value, list):
        yield "["
        for n, item in enumerate(value):
            if n:
                yield ", "
            yield from _json_chunks(item)
        yield "]"
    elif isinstance(value, Iterator):
        yield "["
        for n, batch in enumerate(iter(lambda: list(islice(value, 256)), [])):
            if n:
                yield ", "
            yield json.dumps(batch, ensure_ascii=False)[1:-1]  # 256 items at a time, without brackets
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False)
