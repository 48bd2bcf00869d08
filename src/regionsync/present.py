"""How times and step numbers read on every screen (CLI tables, JSON, the dashboard): one wording,
one place."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime


def stamp(value: datetime | None) -> str:
    """ISO 8601 in UTC to the second with a Z, as the services write it (empty for None)."""
    return value.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z" if value else ""


def age(since: datetime | None, now: datetime | None = None) -> str:
    """'3 h 12 min' — how long ago, for the recovery point."""
    if since is None:
        return ""
    delta = (now or datetime.now(UTC)) - since
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def minute(value: datetime | None) -> str:
    """'2024-11-20 06:05' (UTC): when an asset changed, in a reason line ('?' when unknown)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "?"


def clock(value: datetime | None, now: datetime | None = None) -> str:
    """'06:05' for a time today (UTC), '2024-11-20 06:05' for an older one: when a side was last seen."""
    if value is None:
        return "never"
    value = value.astimezone(UTC)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return hm(value) if value.date() == today else value.strftime("%Y-%m-%d %H:%M")


def day(value: datetime | None) -> str:
    """'2024-11-20' (as given, no zone change): when an asset changed, in a table ('' when unknown)."""
    return value.strftime("%Y-%m-%d") if value else ""


def to_second(value: datetime | None) -> str:
    """'2024-11-20 06:05:09' (as given, no zone change): when a job was last updated ('' for None)."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def hms(value: datetime | None) -> str:
    """'06:05:09' (as given, no zone change): a time of day in a status line or log ('' for None)."""
    return value.strftime("%H:%M:%S") if value else ""


def hm(value: datetime | None) -> str:
    """'06:05' (as given, no zone change): since when a lease is held ('' for None)."""
    return value.strftime("%H:%M") if value else ""


def step_numbers(names: Iterable[str]) -> list[int]:
    """The step number of each journal row of a job, given the rows' step names in journal order: the
    step's place in the job's recipe, 1-based, as the live progress says it ("step 2/5 copy"). A step
    that ran again (after an interruption) keeps its number: rows `authorize, copy, copy, verify`
    are steps 1, 2, 2, 3. The journal's own row index is a storage detail, never shown."""
    seen: dict[str, int] = {}
    return [seen.setdefault(name, len(seen) + 1) for name in names]
