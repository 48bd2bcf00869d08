"""Retry decisions as pure functions (the azure-core shape): what to do after one attempt, how long to wait.

`AzureHttp` owns the only loop; everything it decides comes from here, so each rule is testable
without I/O: which statuses are transient, when a non-idempotent request may be sent again (only
when the service provably did not act on it), how long to back off (jittered exponential, or the
service's own `Retry-After`), and when to give up. `parse_retry_after` is shared with the poller.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another try; 400/401/403/404/409 never are."""
NOT_PROCESSED_STATUSES: frozenset[int] = frozenset({429})
"""Statuses that prove the service did not act on the request (safe to resend even a POST)."""
IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetrySettings:
    """How hard to try: attempts in all (first one included), backoff and the longest wait we accept."""

    attempts: int = 5
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    jitter: float = 0.2
    """Each computed backoff is scaled by a random factor in [1 - jitter, 1 + jitter]."""
    max_retry_after: float = 120.0
    """A Retry-After longer than this is not waited for: the error is raised (retryable) instead."""
    connect_attempts: int = 2
    """Attempts when no connection can be made at all: a refused connection means the region's
    front door is closed, and an operator in an outage needs that said in a second, not after a
    minute of backoff. (The poller keeps trying an operation later; nothing is lost.)"""

    @classmethod
    def no_retries(cls) -> RetrySettings:
        return cls(attempts=1)


class Failure(StrEnum):
    """What went wrong with one attempt."""

    STATUS = "status"
    """The service answered with an error status."""
    NOT_SENT = "not-sent"
    """No connection was made (refused, DNS, connect timeout, pool timeout): nothing reached the service."""
    SENT_NO_ANSWER = "sent-no-answer"
    """The request went out but no (complete) answer came back (read timeout, reset, protocol error)."""
    BAD_BODY = "bad-body"
    """A 2xx answer whose body cannot be read."""


class Verdict(StrEnum):
    RETRY = "retry"
    RAISE = "raise"
    """Give up and raise the failure as it is."""
    OUTCOME_UNKNOWN = "outcome-unknown"
    """Give up: a non-idempotent request may have been carried out; the caller must look before acting."""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    delay: float = 0.0


def is_idempotent(method: str, override: bool | None = None) -> bool:
    """GET/HEAD/OPTIONS/PUT/DELETE are; POST/PATCH are not unless the caller says so."""
    return override if override is not None else method.upper() in IDEMPOTENT_METHODS


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES


def is_exhausted(settings: RetrySettings, attempt: int) -> bool:
    """True when `attempt` (1-based, the one that just failed) was the last allowed."""
    return attempt >= settings.attempts


def backoff(settings: RetrySettings, attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): 0 after the first, then
    `factor * 2**(n-1)` capped at `backoff_max`, jittered."""
    if attempt <= 1:
        return 0.0
    base = min(settings.backoff_max, settings.backoff_factor * (2.0 ** (attempt - 1)))
    scale = 1.0 + settings.jitter * (2.0 * rand() - 1.0)
    return max(0.0, min(settings.backoff_max, base * scale))


def decide(
    settings: RetrySettings,
    attempt: int,
    failure: Failure,
    *,
    idempotent: bool,
    status: int | None = None,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> Decision:
    """What to do after failed attempt `attempt` (1-based)."""
    if failure is Failure.STATUS:
        if status is None or not is_retryable_status(status):
            return Decision(Verdict.RAISE)
        processed_maybe = status not in NOT_PROCESSED_STATUSES
    elif failure is Failure.NOT_SENT:
        processed_maybe = False
    elif failure is Failure.SENT_NO_ANSWER:
        processed_maybe = True
    else:  # BAD_BODY: the service acted and answered 2xx; only a read is worth repeating
        if not idempotent:
            return Decision(Verdict.RAISE)
        processed_maybe = False
    if processed_maybe and not idempotent:
        return Decision(Verdict.OUTCOME_UNKNOWN)
    if is_exhausted(settings, attempt):
        return Decision(Verdict.RAISE)
    if failure is Failure.NOT_SENT and attempt >= settings.connect_attempts:
        return Decision(Verdict.RAISE)
    if retry_after is not None:
        if retry_after > settings.max_retry_after:
            return Decision(Verdict.RAISE)
        return Decision(Verdict.RETRY, max(0.0, retry_after))
    return Decision(Verdict.RETRY, backoff(settings, attempt, rand))


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the service asks us to wait: `retry-after-ms` / `x-ms-retry-after-ms` (÷1000) when
    present — the precise hint, as the OpenAI and Cognitive Services clients read it — else
    `Retry-After` (seconds or an HTTP date, clamped at 0). None when absent or unreadable."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        raw = lowered.get(name)
        if raw is not None:
            try:
                value = float(raw.strip())
            except ValueError:
                continue
            if value == value and value >= 0:  # not NaN
                return value / 1000.0
    raw = lowered.get("retry-after")
    if raw is not None:
        return _seconds_or_date(raw.strip(), now)
    return None


def _seconds_or_date(raw: str, now: datetime | None) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        return max(0.0, value) if value == value else None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
