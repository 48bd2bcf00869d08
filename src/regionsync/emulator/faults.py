"""Faults on demand: region outages, latency, throttling, server errors, malformed bodies, failing copies.

Every "share" fault is deterministic: a rule keeps an accumulator, adds its share on each request
it matches and fires when the accumulator reaches one — share 0.5 hits every second matching
request, share 1 every request. A rule may be scoped to a region and/or a resource and limited to
a number of hits (`count`), after which it disappears. The same object backs the admin API
(/_emulator/faults/...), the scenario file's `[[fault]]` tables and the Python calls tests make.

Outages are announced to listeners (the loopback server closes and reopens the region's real
listener; the in-process transport refuses connections to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

_EPSILON = 1e-9


@dataclass
class ShareRule:
    """A fault that hits a share of the matching requests."""

    share: float
    region: str | None = None
    resource: str | None = None
    count: int | None = None
    status: int = 503
    retry_after: int = 1
    hits: int = 0
    _accumulator: float = 0.0

    def matches(self, region: str, resource: str) -> bool:
        if self.region is not None and self.region != region:
            return False
        return self.resource is None or self.resource == resource

    def fire(self) -> bool:
        """Count one matching request; True when this one is hit."""
        self._accumulator += self.share
        if self._accumulator + _EPSILON < 1.0:
            return False
        self._accumulator -= 1.0
        self.hits += 1
        if self.count is not None:
            self.count -= 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.count <= 0

    def view(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_accumulator")
        return data


@dataclass
class LatencyRule:
    """Added latency, in milliseconds, for requests to a region and/or resource (or all)."""

    ms: float
    region: str | None = None
    resource: str | None = None

    def matches(self, region: str, resource: str) -> bool:
        if self.region is not None and self.region != region:
            return False
        return self.resource is None or self.resource == resource


@dataclass
class CopyFailureRule:
    """New copies started on `resource` (or anywhere) fail when they reach `at_percent`.

    "Copies" are every long-running piece of work: Document Intelligence copies (scoped by their
    source), Content Understanding analyzer copies and creates (by their target, or the source of a
    copy) and Language jobs except deletions (by the resource that runs them).
    """

    at_percent: int = 50
    resource: str | None = None
    region: str | None = None
    count: int | None = None
    hits: int = 0

    def matches(self, region: str, resource: str) -> bool:
        if self.region is not None and self.region != region:
            return False
        return self.resource is None or self.resource == resource


OutageListener = Callable[[str, bool], None]


def _check_share(share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must be between 0 and 1")


class Faults:
    """The faults currently switched on in a world."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.latency: list[LatencyRule] = []
        self.throttling: list[ShareRule] = []
        self.errors: list[ShareRule] = []
        self.malformed_bodies: list[ShareRule] = []
        self.copy_failures: list[CopyFailureRule] = []
        self._outage_listeners: list[OutageListener] = []

    # --- outages ---------------------------------------------------------------------------

    def add_outage_listener(self, listener: OutageListener) -> None:
        self._outage_listeners.append(listener)

    def remove_outage_listener(self, listener: OutageListener) -> None:
        if listener in self._outage_listeners:
            self._outage_listeners.remove(listener)

    def set_outage(self, region: str, down: bool) -> None:
        """Take a region down (its listener closes: connection refused) or bring it back."""
        changed = (region in self.down) != down
        if down:
            self.down.add(region)
        else:
            self.down.discard(region)
        if changed:
            for listener in list(self._outage_listeners):
                listener(region, down)

    def is_down(self, region: str) -> bool:
        return region in self.down

    # --- per-request faults ----------------------------------------------------------------------

    def set_latency(self, ms: float, region: str | None = None, resource: str | None = None) -> None:
        """Add `ms` milliseconds to every request in scope; 0 removes the latency of that scope."""
        if ms < 0:
            raise ValueError("latency cannot be negative")
        self.latency = [r for r in self.latency if (r.region, r.resource) != (region, resource)]
        if ms > 0:
            self.latency.append(LatencyRule(ms, region, resource))

    def throttle(
        self,
        share: float,
        retry_after: int = 1,
        *,
        region: str | None = None,
        resource: str | None = None,
        count: int | None = None,
    ) -> None:
        """Answer 429 with Retry-After to `share` of the requests in scope; share 0 removes the rule."""
        _check_share(share)
        self.throttling = self._replace(
            self.throttling, share, region, resource, count, retry_after=retry_after
        )

    def server_errors(
        self,
        share: float,
        status: int = 503,
        *,
        region: str | None = None,
        resource: str | None = None,
        count: int | None = None,
    ) -> None:
        """Answer `status` (5xx) to `share` of the requests in scope; share 0 removes the rule."""
        _check_share(share)
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        self.errors = self._replace(self.errors, share, region, resource, count, status=status)

    def malformed(
        self,
        share: float,
        *,
        region: str | None = None,
        resource: str | None = None,
        count: int | None = None,
    ) -> None:
        """Truncate the JSON body of `share` of the successful GETs in scope."""
        _check_share(share)
        self.malformed_bodies = self._replace(self.malformed_bodies, share, region, resource, count)

    def fail_copies(
        self,
        resource: str | None = None,
        at_percent: int = 50,
        *,
        region: str | None = None,
        count: int | None = None,
    ) -> None:
        """Make copies started from now on (on `resource`, or anywhere) fail at `at_percent`."""
        if not 0 <= at_percent <= 99:
            raise ValueError("at_percent must be between 0 and 99")
        self.copy_failures = [r for r in self.copy_failures if (r.region, r.resource) != (region, resource)]
        self.copy_failures.append(CopyFailureRule(at_percent, resource, region, count))

    def clear(self) -> None:
        """Switch every fault off, outages included."""
        for region in sorted(self.down):
            self.set_outage(region, False)
        self.latency.clear()
        self.throttling.clear()
        self.errors.clear()
        self.malformed_bodies.clear()
        self.copy_failures.clear()

    @staticmethod
    def _replace(
        rules: list[ShareRule],
        share: float,
        region: str | None,
        resource: str | None,
        count: int | None,
        **extra: int,
    ) -> list[ShareRule]:
        kept = [r for r in rules if (r.region, r.resource) != (region, resource)]
        if share > 0:
            kept.append(ShareRule(share, region, resource, count, **extra))
        return kept

    # --- decisions the app asks for ----------------------------------------------------------------

    def latency_seconds(self, region: str, resource: str) -> float:
        return sum(r.ms for r in self.latency if r.matches(region, resource)) / 1000.0

    def next_throttle(self, region: str, resource: str) -> ShareRule | None:
        return self._fire(self.throttling, region, resource)

    def next_error(self, region: str, resource: str) -> ShareRule | None:
        return self._fire(self.errors, region, resource)

    def next_malformed(self, region: str, resource: str) -> ShareRule | None:
        return self._fire(self.malformed_bodies, region, resource)

    def next_copy_failure(self, region: str, resource: str) -> int | None:
        """The percent at which a copy starting now on `resource` must fail, if any."""
        for rule in self.copy_failures:
            if rule.matches(region, resource):
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self.copy_failures.remove(rule)
                return rule.at_percent
        return None

    @staticmethod
    def _fire(rules: list[ShareRule], region: str, resource: str) -> ShareRule | None:
        hit: ShareRule | None = None
        for rule in list(rules):
            if rule.matches(region, resource) and rule.fire() and hit is None:
                hit = rule
            if rule.exhausted:
                rules.remove(rule)
        return hit

    def view(self) -> dict[str, Any]:
        """What is switched on, for GET /_emulator/world and GET /_emulator/faults."""
        return {
            "outages": sorted(self.down),
            "latency": [asdict(r) for r in self.latency],
            "throttle": [r.view() for r in self.throttling],
            "errors": [r.view() for r in self.errors],
            "malformed": [r.view() for r in self.malformed_bodies],
            "copy_failures": [asdict(r) for r in self.copy_failures],
        }
