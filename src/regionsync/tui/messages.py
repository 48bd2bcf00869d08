"""App-level messages: what the workers report back to the UI (the engine's results, as data).

Workers never touch widgets; they post one of these and the app's handlers update the widgets.
`JobProgress` coalesces: a newer one for the same job replaces a pending older one (never across
jobs), so 50 jobs reporting at once cost at most 50 updates per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from regionsync.domain import Job, ProgressEvent, Side
from regionsync.tui.model import SideHealth

if TYPE_CHECKING:
    from regionsync.sync.inventory import ServiceStatus
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan


@dataclass
class InventoryRefreshed(Message):
    """Both sides were listed and compared (a side that failed is a reason inside, not an error)."""

    statuses: list[ServiceStatus]
    health: dict[Side, SideHealth]
    watched: str = ""
    """Who watches the profile (`watched by pid 4242 on ops-1, next check 06:10`), or '' when nobody."""


class JobProgress(Message):
    """One progress event of one job (from the runner's `on_event`)."""

    def __init__(self, event: ProgressEvent) -> None:
        super().__init__()
        self.event = event

    @property
    def job_id(self) -> str:
        return self.event.job_id

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobProgress) and message.job_id == self.job_id


@dataclass(frozen=True)
class CopyIntent:
    """What the user asked for: one asset (`names`) or every missing one (`names` empty)."""

    names: tuple[str, ...] = ()
    kind: str | None = None
    service: str | None = None
    replace_drifted: bool = False

    @property
    def everything(self) -> bool:
        return not self.names


@dataclass
class PlanReady(Message):
    """The pre-flight for an intent: what would be copied and what is refused, per pair."""

    intent: CopyIntent
    plans: list[tuple[ResourcePair, Plan]] = field(default_factory=list)


@dataclass
class JobsFinished(Message):
    """A batch of jobs (a copy, a sync or the resume at start) came to an end."""

    jobs: list[Job]


@dataclass
class JobAction(Message):
    """The jobs screen asks for something to be done to one job: `resume` or `cancel`."""

    action: str
    job_id: str
