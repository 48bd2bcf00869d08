"""The emulator's clock: emulated time that runs at `speed` × real time, or only when advanced by hand.

Operations (copies) progress on this clock, authorizations expire on it, and every timestamp the
emulator writes comes from it, formatted as the service does (`2024-05-01T18:46:36Z`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_timestamp(moment: datetime) -> str:
    """A UTC timestamp as Document Intelligence writes it: whole seconds and a `Z`."""
    return as_utc(moment).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime | None:
    """Parse an ISO 8601 timestamp (fractions and offsets allowed); None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Clock:
    """Emulated time: `start` plus `speed` × real seconds elapsed plus whatever `advance()` added.

    `speed=0` freezes the clock so that it moves only by `advance()` (what tests use); `speed=60`
    makes a six-second copy take a tenth of a real second. `monotonic` is the real-time source
    (injectable, so the clock itself can be tested without waiting).
    """

    def __init__(
        self,
        speed: float = 1.0,
        start: datetime | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("clock speed cannot be negative")
        self._monotonic = monotonic
        self._start = as_utc(start) if start is not None else datetime.now(UTC).replace(microsecond=0)
        self._speed = float(speed)
        self._real_origin = monotonic()
        self._emulated_at_origin = 0.0

    def __repr__(self) -> str:
        return f"Clock(speed={self._speed}, now={format_timestamp(self.now())})"

    @property
    def speed(self) -> float:
        """Emulated seconds per real second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("clock speed cannot be negative")
        self._emulated_at_origin = self.elapsed()
        self._real_origin = self._monotonic()
        self._speed = float(value)

    @property
    def start(self) -> datetime:
        return self._start

    def elapsed(self) -> float:
        """Emulated seconds since the clock started."""
        real = self._monotonic() - self._real_origin
        return self._emulated_at_origin + real * self._speed

    def now(self) -> datetime:
        """The emulated present, in UTC."""
        return self._start + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> datetime:
        """Move emulated time forward by `seconds` (never backward); returns the new present."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._emulated_at_origin += seconds
        return self.now()

    def real_seconds(self, emulated_seconds: float) -> float:
        """How many real seconds `emulated_seconds` take; a frozen clock counts them one for one."""
        if self._speed <= 0:
            return emulated_seconds
        return emulated_seconds / self._speed
