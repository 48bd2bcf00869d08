"""How far a piece of timed work (a copy, an analyzer operation, a Language job) is at a moment.

Every long-running thing in the emulator starts at `created`, takes `seconds` of emulated time and is
settled at `finish_at` (by `World.settle`); until then its status and percentage are computed from
the clock, never stored. A failure decided at the start caps the percentage where it will stop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

Status = Literal["notStarted", "running", "succeeded", "failed", "cancelled"]


def timed_progress(
    now: datetime,
    *,
    created: datetime,
    seconds: float,
    finished: bool,
    succeeded: bool,
    fail_percent: int | None,
) -> tuple[Status, int]:
    """(status, percent) at `now`; `fail_percent` is None for work that will succeed."""
    if finished:
        return ("succeeded", 100) if succeeded else ("failed", fail_percent or 0)
    if now <= created:
        return "notStarted", 0
    ceiling = fail_percent if fail_percent is not None else 99
    return "running", min(ceiling, 99, percent_of(now, created, seconds))


def percent_of(now: datetime, created: datetime, seconds: float) -> int:
    """The share of `seconds` elapsed since `created`, 0 to 100."""
    if seconds <= 0:
        return 100
    elapsed = (now - created).total_seconds()
    return max(0, min(100, int(elapsed * 100 / seconds)))
