"""What `regionsync watch` exports to Prometheus, and the small web app that serves it.

One `CollectorRegistry` per watcher (never prometheus_client's global one), so that tests run many
watchers in one process. Names and units follow Prometheus' conventions: seconds as `_seconds`,
points in time as `_timestamp_seconds`, counters as `_total`, and every series is labelled by
profile and service (and side, where the number is a side's).

`metrics_app` is a Starlette app with `/metrics` (the text exposition format) and `/healthz` (200
while the loop is alive and its last check is younger than two intervals, else 503).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from regionsync.domain import JobState, Side, SyncStatus

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from regionsync.sync.inventory import ServiceStatus

SERVICE = ("profile", "service")
BASES = ("live", "last-known")

METRICS: tuple[tuple[str, str, str], ...] = (
    # (name as exposed, type, help) — the README's metrics list is this table.
    ("regionsync_failover_servable_assets", "gauge", "Primary assets the secondary could serve now."),
    ("regionsync_failover_assets", "gauge", "Primary assets that count for failover readiness."),
    ("regionsync_failover_readiness_ratio", "gauge", "Servable / total (1 = the secondary could serve all)."),
    ("regionsync_oldest_gap_seconds", "gauge", "Age of the oldest unreplicated change (recovery point)."),
    ("regionsync_readiness_basis", "gauge", "1 for the basis readiness rests on: live or last-known."),
    ("regionsync_assets", "gauge", "Assets of the pair by sync status (in sync, missing, drifted, ...)."),
    ("regionsync_side_up", "gauge", "1 when the side answered the last check, else 0."),
    ("regionsync_side_latency_seconds", "gauge", "Slowest listing of the side in the last check."),
    ("regionsync_last_successful_check_timestamp_seconds", "gauge", "When both sides were last read."),
    ("regionsync_last_check_timestamp_seconds", "gauge", "When the watcher last checked (any outcome)."),
    ("regionsync_next_check_timestamp_seconds", "gauge", "When the watcher checks next."),
    ("regionsync_jobs", "gauge", "Journaled copy jobs of the profile by state."),
    ("regionsync_copies_completed_total", "counter", "Copies this watcher carried out."),
    ("regionsync_copies_failed_total", "counter", "Copies this watcher ran that the service failed."),
    ("regionsync_copies_interrupted_total", "counter", "Copies left interrupted (a region dark, a stop)."),
    ("regionsync_checks_total", "counter", "Checks the watcher made."),
    ("regionsync_check_errors_total", "counter", "Checks that ended in an unexpected error."),
)


class WatchMetrics:
    """The watcher's gauges and counters in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.servable = Gauge("regionsync_failover_servable_assets", _help(0), SERVICE, registry=r)
        self.total = Gauge("regionsync_failover_assets", _help(1), SERVICE, registry=r)
        self.ratio = Gauge("regionsync_failover_readiness_ratio", _help(2), SERVICE, registry=r)
        self.oldest_gap = Gauge("regionsync_oldest_gap_seconds", _help(3), SERVICE, registry=r)
        self.basis = Gauge("regionsync_readiness_basis", _help(4), (*SERVICE, "basis"), registry=r)
        self.assets = Gauge("regionsync_assets", _help(5), (*SERVICE, "status"), registry=r)
        self.side_up = Gauge("regionsync_side_up", _help(6), (*SERVICE, "side"), registry=r)
        self.latency = Gauge("regionsync_side_latency_seconds", _help(7), (*SERVICE, "side"), registry=r)
        self.last_success = Gauge(
            "regionsync_last_successful_check_timestamp_seconds", _help(8), SERVICE, registry=r
        )
        self.last_check = Gauge("regionsync_last_check_timestamp_seconds", _help(9), ("profile",), registry=r)
        self.next_check = Gauge(
            "regionsync_next_check_timestamp_seconds", _help(10), ("profile",), registry=r
        )
        self.jobs = Gauge("regionsync_jobs", _help(11), (*SERVICE, "state"), registry=r)
        # prometheus_client adds `_total` to a counter's name itself.
        self.completed = Counter("regionsync_copies_completed", _help(12), SERVICE, registry=r)
        self.failed = Counter("regionsync_copies_failed", _help(13), SERVICE, registry=r)
        self.interrupted = Counter("regionsync_copies_interrupted", _help(14), SERVICE, registry=r)
        self.checks = Counter("regionsync_checks", _help(15), ("profile",), registry=r)
        self.check_errors = Counter("regionsync_check_errors", _help(16), ("profile",), registry=r)

    def observe(self, profile: str, status: ServiceStatus, now: datetime) -> None:
        """One service's check: readiness, its basis, the sides, the assets by status."""
        service = status.service.value
        labels = (profile, service)
        ready = status.readiness
        nan = math.nan
        self.servable.labels(*labels).set(nan if ready.servable is None else ready.servable)
        self.total.labels(*labels).set(nan if ready.total is None else ready.total)
        if ready.total is None or ready.servable is None:
            ratio = nan
        else:
            ratio = 1.0 if ready.total == 0 else ready.servable / ready.total
        self.ratio.labels(*labels).set(ratio)
        if ready.oldest_gap is not None:
            gap = max(0.0, (now - ready.oldest_gap).total_seconds())
        else:
            gap = nan if ready.total is None else 0.0
        self.oldest_gap.labels(*labels).set(gap)
        for basis in BASES:
            self.basis.labels(*labels, basis).set(1 if ready.basis == basis else 0)
        counts = dict.fromkeys((s.value for s in SyncStatus), 0)
        for pair in status.pairs:
            counts[pair.status.value] += 1
        for name, count in counts.items():
            self.assets.labels(*labels, name).set(count)
        for side in Side:
            up = side not in status.errors
            self.side_up.labels(*labels, side.value).set(1 if up else 0)
            if up and side in status.latency:
                self.latency.labels(*labels, side.value).set(status.latency[side])
        if not status.errors:
            self.last_success.labels(*labels).set(now.timestamp())
        # Counters show 0 from the first check on, not only after their first copy.
        for counter in (self.completed, self.failed, self.interrupted):
            counter.labels(*labels)

    def observe_jobs(self, profile: str, service: str, counts: dict[str, int]) -> None:
        for state in JobState:
            self.jobs.labels(profile, service, state.value).set(counts.get(state.value, 0))

    def copy_ended(self, profile: str, service: str, state: JobState) -> None:
        counter = {
            JobState.SUCCEEDED: self.completed,
            JobState.FAILED: self.failed,
            JobState.INTERRUPTED: self.interrupted,
        }.get(state)
        if counter is not None:
            counter.labels(profile, service).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _help(index: int) -> str:
    return METRICS[index][2]


def metrics_app(metrics: WatchMetrics, health: Callable[[], tuple[bool, dict[str, Any]]]) -> Starlette:
    """`/metrics` and `/healthz` for one watcher (`health()` → (healthy?, what to show))."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def serve_metrics(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def serve_health(request: Request) -> Response:
        healthy, body = health()
        return JSONResponse(body, status_code=200 if healthy else 503)

    return Starlette(routes=[Route("/metrics", serve_metrics), Route("/healthz", serve_health)])
