"""Retry decisions and Retry-After parsing: pure functions, no I/O, no waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from regionsync.services.retry import (
    Decision,
    Failure,
    RetrySettings,
    Verdict,
    backoff,
    decide,
    is_exhausted,
    is_idempotent,
    parse_retry_after,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "0"}, 0.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"x-ms-retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "4", "retry-after-ms": "100"}, 0.1),  # the precise hint wins
        ({"Retry-After": "soon", "retry-after-ms": "100"}, 0.1),
        ({"retry-after-ms": "nope", "x-ms-retry-after-ms": "300"}, 0.3),
        ({}, None),
        ({"Retry-After": "soon"}, None),
    ],
)
def test_parse_retry_after_seconds_and_ms(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def test_parse_retry_after_http_date_is_relative_to_now() -> None:
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": later}, now=NOW) == pytest.approx(30.0)
    earlier = format_datetime(NOW - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": earlier}, now=NOW) == 0.0


def test_parse_retry_after_reads_httpx_headers_case_insensitively() -> None:
    import httpx

    assert parse_retry_after(httpx.Headers({"RETRY-AFTER-MS": "2000"})) == 2.0


@pytest.mark.parametrize(
    ("method", "expected"), [("GET", True), ("delete", True), ("PUT", True), ("POST", False)]
)
def test_idempotency_by_method(method: str, expected: bool) -> None:
    assert is_idempotent(method) is expected


def test_idempotency_override_wins() -> None:
    assert is_idempotent("POST", True) is True
    assert is_idempotent("GET", False) is False


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
def test_client_errors_are_never_retried(status: int) -> None:
    settings = RetrySettings()
    assert decide(settings, 1, Failure.STATUS, idempotent=True, status=status).verdict is Verdict.RAISE


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_for_reads(status: int) -> None:
    decision = decide(RetrySettings(), 2, Failure.STATUS, idempotent=True, status=status, rand=lambda: 0.5)
    assert decision.verdict is Verdict.RETRY
    assert decision.delay > 0


def test_retry_after_is_honoured_exactly() -> None:
    decision = decide(RetrySettings(), 1, Failure.STATUS, idempotent=True, status=429, retry_after=3.0)
    assert decision == Decision(Verdict.RETRY, 3.0)


def test_too_long_retry_after_gives_up() -> None:
    settings = RetrySettings(max_retry_after=10)
    decision = decide(settings, 1, Failure.STATUS, idempotent=True, status=429, retry_after=11)
    assert decision.verdict is Verdict.RAISE


def test_post_is_resent_after_429_because_it_was_not_processed() -> None:
    decision = decide(RetrySettings(), 1, Failure.STATUS, idempotent=False, status=429, retry_after=1)
    assert decision == Decision(Verdict.RETRY, 1.0)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_post_after_5xx_has_an_unknown_outcome(status: int) -> None:
    decision = decide(RetrySettings(), 1, Failure.STATUS, idempotent=False, status=status)
    assert decision.verdict is Verdict.OUTCOME_UNKNOWN


def test_post_is_resent_when_nothing_was_sent() -> None:
    assert decide(RetrySettings(), 1, Failure.NOT_SENT, idempotent=False).verdict is Verdict.RETRY


def test_post_after_a_read_timeout_has_an_unknown_outcome() -> None:
    assert (
        decide(RetrySettings(), 1, Failure.SENT_NO_ANSWER, idempotent=False).verdict
        is Verdict.OUTCOME_UNKNOWN
    )
    assert decide(RetrySettings(), 1, Failure.SENT_NO_ANSWER, idempotent=True).verdict is Verdict.RETRY


def test_unreadable_body_is_reread_only_for_safe_requests() -> None:
    assert decide(RetrySettings(), 1, Failure.BAD_BODY, idempotent=True).verdict is Verdict.RETRY
    assert decide(RetrySettings(), 1, Failure.BAD_BODY, idempotent=False).verdict is Verdict.RAISE


def test_attempts_are_bounded() -> None:
    settings = RetrySettings(attempts=3)
    assert not is_exhausted(settings, 2)
    assert is_exhausted(settings, 3)
    assert decide(settings, 3, Failure.STATUS, idempotent=True, status=503).verdict is Verdict.RAISE
    assert decide(RetrySettings.no_retries(), 1, Failure.NOT_SENT, idempotent=True).verdict is Verdict.RAISE


def test_backoff_is_zero_first_then_exponential_and_capped() -> None:
    settings = RetrySettings(backoff_factor=1.0, backoff_max=10.0, jitter=0.0)
    assert [backoff(settings, n) for n in range(1, 7)] == [0.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_jitter_stays_within_its_band() -> None:
    settings = RetrySettings(backoff_factor=1.0, backoff_max=100.0, jitter=0.2)
    assert backoff(settings, 3, rand=lambda: 0.0) == pytest.approx(3.2)
    assert backoff(settings, 3, rand=lambda: 1.0) == pytest.approx(4.8)
