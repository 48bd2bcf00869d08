"""One catalogue of failures: every service error and transport failure becomes a RegionSyncError.

A RegionSyncError says *what happened*, *why* (the likely cause) and *what to do*, in words a tired
operator can act on; the raw service message, code and request id stay available as details.
Keys and authorization payloads never appear in any of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RegionSyncError(Exception):
    """A failure explained for the operator.

    `code` is the service's error code (or one of ours, e.g. `HostNotAllowed`, `Unreachable`,
    `OutcomeUnknown`, `BadResponse`); `status` the HTTP status when there was one; `retryable`
    whether trying the same call again later may succeed.
    """

    what: str
    why: str = ""
    todo: str = ""
    code: str = ""
    status: int | None = None
    raw_message: str = ""
    request_id: str | None = None
    retryable: bool = False
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.what)

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        """What happened and what to do, on one line."""
        parts = [self.what.rstrip(".")]
        if self.todo:
            parts.append(self.todo.rstrip("."))
        return " — ".join(parts) + "."

    def explain(self) -> str:
        """Several lines: what, why, what to do, and the service's own words."""
        lines = [self.what]
        if self.why:
            lines.append(f"Why: {self.why}")
        if self.todo:
            lines.append(f"What to do: {self.todo}")
        if self.raw_message or self.code:
            raw = f"[{self.code}] " if self.code else ""
            lines.append(f"Service said: {raw}{self.raw_message}".rstrip())
        if self.request_id:
            lines.append(f"Request id: {self.request_id}")
        return "\n".join(lines)
