"""What the dashboard shows, computed from engine results: pure functions and small records, no I/O.

The widgets render these records; the app builds them from `ServiceStatus`, `ProgressEvent` and
journal `Job`s. Keeping the wording here (and in `cli/render.py`, whose helpers it reuses) means a
status reads the same in the dashboard as in `regionsync status`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from regionsync import present
from regionsync.domain import (
    Asset,
    AssetKind,
    AssetPair,
    Job,
    JobState,
    ProgressEvent,
    Service,
    Side,
    SyncStatus,
)
from regionsync.sync.compare import Readiness, readiness
from regionsync.sync.inventory import KindDiff, ServiceStatus

if TYPE_CHECKING:
    from regionsync.sync.pair import ResourcePair
    from regionsync.sync.plan import Plan
    from regionsync.tui.messages import CopyIntent

KIND_TITLES: dict[AssetKind, str] = {
    AssetKind.MODEL: "Models",
    AssetKind.CLASSIFIER: "Classifiers",
    AssetKind.ANALYZER: "Analyzers",
    AssetKind.PROJECT: "Projects",
}
"""One dashboard tab per asset kind, in this order."""

COPYABLE = frozenset({SyncStatus.MISSING, SyncStatus.DRIFTED, SyncStatus.FAILED})
"""Statuses a copy can fix (drifted means replacing the secondary's outdated copy)."""


def row_key(service: Service | str, kind: AssetKind | str, name: str) -> str:
    """The identity of a row: the same asset keeps the same key across refreshes."""
    return f"{Service(service).value}/{AssetKind(kind).value}/{name}"


def resource_name(resource_id: str) -> str:
    """The resource's own name: the last segment of its Azure id."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


# --------------------------------------------------------------------------------------- the diff rows


class SideCell(NamedTuple):
    """What one side holds of an asset, as one pane shows it: the listing's own values (its strings and
    its datetime, shared, not copied), worded only when the row is drawn.

    A cell keeps these few values and not the `Asset` itself, so that a row left unchanged by a
    refresh does not keep the previous listing's assets alive next to the new ones. A named tuple:
    two are made per row of every refresh, and compared per row, at C speed."""

    name: str
    id: str
    state: str
    changed_at: datetime | None

    @staticmethod
    def of(asset: Asset | None) -> SideCell | None:
        if asset is None:
            return None
        return SideCell(asset.name, asset.id, asset.state, asset.changed)

    @property
    def label(self) -> str:
        """The asset's id, or `name (id…)` where the two differ (v2.1 models, whose ids are GUIDs)."""
        return self.id if self.id == self.name else f"{self.name} ({self.id[:8]})"

    @property
    def changed(self) -> str:
        """The day it last changed: `2024-10-02`."""
        return present.day(self.changed_at)

    @property
    def info(self) -> str:
        """`ready    2024-10-02`: the state and the day of the last change, as a wide pane shows them."""
        return f"{self.state:<8} {self.changed}".rstrip()


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One row of the diff: an asset identity, both sides and the verdict between them.

    A row copies nothing of the listing: its cells share the listing's values, and the pane's words
    and the filter's search text are made only for the rows that are drawn or searched, so tens of
    thousands of rows cost little more than the listing itself."""

    key: str
    service: Service
    kind: AssetKind
    name: str
    status: SyncStatus
    reason: str
    primary: SideCell | None
    secondary: SideCell | None
    percent: int | None = None
    live: bool = True
    """False when the verdict rests on a side's last-known listing: nothing can be copied now."""
    stopped: str = ""
    """`interrupted` or `canceled` when the asset's copy job stopped: the gutter says so (`⏸ …`)
    instead of a copy that is not moving."""

    @property
    def gutter(self) -> str:
        if self.stopped:
            return f"⏸ {self.stopped}"
        return gutter_text(self.status, self.percent)

    @property
    def copyable(self) -> bool:
        return self.live and self.primary is not None and self.status in COPYABLE

    @property
    def ids(self) -> tuple[str, ...]:
        """The asset's id on each side that holds it."""
        return tuple(a.id for a in (self.primary, self.secondary) if a is not None)

    def with_job(self, line: JobLine | None) -> DiffRow:
        """The row with its live job: copying with the job's percent, or, for a job that stopped
        (interrupted, canceled), the listing's own status with why the copy is not moving."""
        if line is not None and (line.interrupted or line.state is JobState.CANCELED):
            word = "canceled" if line.state is JobState.CANCELED else "interrupted"
            return replace(self, stopped=word, percent=None)
        return self.with_progress(line.percent if line is not None else self.percent)

    def with_progress(self, percent: int | None) -> DiffRow:
        reason = self.reason if self.status is SyncStatus.COPYING else "copy job running"
        return replace(self, status=SyncStatus.COPYING, percent=percent, reason=reason)

    def search_text(self) -> str:
        """The name and the ids (each once), case-folded: what the `/` filter's words are looked for
        in (a word holds no space, so it matches here exactly where it matches one of them)."""
        name, primary, secondary = self.name, self.primary, self.secondary
        if (primary is None or primary.id == name) and (secondary is None or secondary.id == name):
            return name.casefold()  # most services: the id is the name (a quick path, made per search)
        return " ".join(dict.fromkeys((name, *self.ids))).casefold()


def gutter_text(status: SyncStatus, percent: int | None = None) -> str:
    """`glyph word` (and the percentage while copying): never colour alone."""
    text = f"{status.glyph} {status.value}"
    if status is SyncStatus.COPYING and percent is not None:
        text += f" {percent}%"
    return text


def diff_row(service: Service, pair: AssetPair, key: str | None = None) -> DiffRow:
    """The row of one pair (`key`: its `row_key`, when the caller has it already)."""
    copying = pair.status is SyncStatus.COPYING
    return DiffRow(
        key=row_key(service, pair.kind, pair.name) if key is None else key,
        service=service,
        kind=pair.kind,
        name=pair.name,
        status=pair.status,
        reason=pair.reason,
        primary=SideCell.of(pair.primary),
        secondary=SideCell.of(pair.secondary),
        percent=_percent_in(pair.reason) if copying else None,
        stopped="interrupted" if copying and " interrupted" in pair.reason else "",
        live=pair.basis == "live",
    )


def _percent_in(reason: str) -> int | None:
    last = reason.rsplit(" ", 1)[-1]
    return int(last[:-1]) if last.endswith("%") and last[:-1].isdigit() else None


def rows_of(status: ServiceStatus, kind_diff: KindDiff) -> list[DiffRow]:
    prefix = row_key(status.service, kind_diff.kind, "")  # every pair of a kind diff is of its kind
    return [diff_row(status.service, p, prefix + p.name) for p in kind_diff.pairs]


# --------------------------------------------------------------------------------------------- filter

_STATUS_WORDS: dict[str, SyncStatus] = {
    **{s.value.replace(" ", ""): s for s in SyncStatus},
    **{s.value.replace(" ", "-"): s for s in SyncStatus},
    "sync": SyncStatus.IN_SYNC,
    "synced": SyncStatus.IN_SYNC,
    "drift": SyncStatus.DRIFTED,
    "copy": SyncStatus.COPYING,
}


@dataclass(frozen=True)
class RowFilter:
    """`/` filter: words that name a status select by status; other words must appear in the name or id."""

    statuses: frozenset[SyncStatus] = frozenset()
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.statuses and not self.words

    def matches(self, row: DiffRow) -> bool:
        if self.statuses and row.status not in self.statuses:
            return False
        if self.words:
            text = row.search_text()
            return all(w in text for w in self.words)
        return True

    def describe(self) -> str:
        parts = [s.value for s in sorted(self.statuses, key=list(SyncStatus).index)]
        parts += [f"“{w}”" for w in self.words]
        return " + ".join(parts)


def parse_filter(query: str) -> RowFilter:
    """`missing`, `status:drifted`, `in sync`, `inv`, `unknown w2` … (case-insensitive)."""
    text = query.casefold().replace("in sync", "insync")
    statuses: set[SyncStatus] = set()
    words: list[str] = []
    for token in text.split():
        bare = token.removeprefix("status:").removeprefix("is:")
        if bare in _STATUS_WORDS and (bare != token or token in _STATUS_WORDS):
            statuses.add(_STATUS_WORDS[bare])
        else:
            words.append(token)
    return RowFilter(frozenset(statuses), tuple(words))


# ------------------------------------------------------------------------------------ region health


SERVICE_SHORT: dict[Service, str] = {
    Service.DOCUMENT_INTELLIGENCE: "DI",
    Service.CONTENT_UNDERSTANDING: "CU",
    Service.LANGUAGE: "Language",
}
"""How the header names a service when a profile spans several."""


@dataclass(frozen=True)
class ServiceHealth:
    """How one service's resource on one side answered its latest listing calls."""

    service: Service
    region: str
    reachable: bool | None = None
    """None: not measured yet."""
    key_accepted: bool | None = None
    latency_ms: float | None = None
    problem: str = ""
    """What went wrong, as the pane title says it (`unreachable: connection refused`, `key refused`)."""
    down_since: datetime | None = None
    """The first check of this outage that found it unreachable (kept across refreshes)."""

    @property
    def ok(self) -> bool:
        return bool(self.reachable and self.key_accepted and not self.problem)

    @property
    def down(self) -> bool:
        return self.reachable is False

    @property
    def why(self) -> str:
        """Why it is down or refused, without `unreachable:` (the line already says down)."""
        return self.problem.removeprefix("unreachable: ").removeprefix("unreachable")

    @property
    def glyph(self) -> str:
        if self.reachable is None:
            return "…"
        if self.ok:
            return "●"
        return "✗" if self.down or self.key_accepted is False else "!"

    def state(self, detail: int, now: datetime | None) -> str:
        """This service's state after its name, at a level of detail (0 most, 3 least): e.g.
        `● reachable · key ok · 26 ms`, `● 26 ms`, `✗ down since 15:30 · connection refused`, `✗ down`."""
        latency = "" if self.latency_ms is None else _ms(self.latency_ms)
        if self.reachable is None:
            return "… checking"
        if self.down:
            since = f" since {present.clock(self.down_since, now)}" if self.down_since else ""
            why = f" · {self.why}" if self.why else ""
            return [f"✗ down{since}{why}", f"✗ down{since}", "✗ down", "✗"][detail]
        if self.key_accepted is False:
            return ["✗ key refused", "✗ key refused", "✗ key refused", "✗"][detail]
        if self.problem:
            lat = f" · {latency}" if latency else ""
            return [f"! {self.problem}{lat}", f"! {self.problem}", f"! {self.problem}", "!"][detail]
        lat = f" · {latency}" if latency else ""
        return [f"● reachable · key ok{lat}", f"● key ok{lat}", f"● {latency}".rstrip(), "●"][detail]


@dataclass(frozen=True)
class SideHealth:
    """How one side answered its latest listing calls: over all its services, and per service."""

    side: Side
    regions: tuple[str, ...]
    reachable: bool | None = None
    """None: not measured yet; False: some service of this side is unreachable."""
    key_accepted: bool | None = None
    latency_ms: float | None = None
    checked_at: datetime | None = None
    problem: str = ""
    services: tuple[ServiceHealth, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.reachable and self.key_accepted and not self.problem)

    def service(self, service: Service) -> ServiceHealth | None:
        return next((s for s in self.services if s.service is service), None)

    def _parts(self) -> tuple[ServiceHealth, ...]:
        if self.services:
            return self.services
        region = self.regions[0] if self.regions else ""
        return (ServiceHealth(Service.DOCUMENT_INTELLIGENCE, region, self.reachable, self.key_accepted,
                              self.latency_ms, self.problem),)

    def variants(self) -> list[str]:
        """The side's header line, from the most to the least detailed: the header shows the first
        that fits its width (and crops the last with an ellipsis; it never wraps).

        One service: `PRIMARY eastus  ● reachable · key ok · 26 ms · 15:30:00`; several:
        `PRIMARY  DI eastus ● 26 ms · CU westus ● · Language eastus ●`. A service that is down says
        only that it is down, why and since when: `✗ down since 15:30 · connection refused`."""
        side = self.side.value.upper()
        parts = self._parts()
        now = self.checked_at
        when = f" · {present.hms(now)}" if now else ""
        if len(parts) == 1:
            only = parts[0]
            label = f"{side} {only.region}"
            if only.reachable is None:
                return [f"{label}  … checking"]
            if only.down:  # down, why and since when: nothing else
                return list(dict.fromkeys(f"{label}  {only.state(d, now)}" for d in range(4)))
            timed = [f"{label}  {only.state(d, now)}{when}" for d in range(3)]
            return list(dict.fromkeys([*timed, *(f"{label}  {only.state(d, now)}" for d in (2, 3))]))
        # Several services: one item per service, but the services down for one reason since one time
        # in one region are one item ("eastus ✗ down since 15:30 · connection refused (DI, Language)").
        groups: dict[tuple[str, datetime | None, str], list[ServiceHealth]] = {}
        items: list[ServiceHealth | tuple[str, datetime | None, str]] = []
        for part in parts:
            if part.down:
                key = (part.region, part.down_since, part.why)
                if key not in groups:
                    groups[key] = []
                    items.append(key)
                groups[key].append(part)
            else:
                items.append(part)
        lines = []
        # (regions named, detail of a service that is fine, of one that is not, of a group down)
        levels = ((True, 2, 0, 0), (True, 3, 0, 0), (True, 3, 1, 1), (False, 3, 2, 2), (False, 3, 3, 3))
        for regions, fine, other, down in levels:
            words = []
            for item in items:
                if isinstance(item, ServiceHealth):
                    name = SERVICE_SHORT[item.service] + (f" {item.region}" if regions else "")
                    words.append(f"{name} {item.state(fine if item.ok else other, now)}")
                    continue
                members = groups[item]
                names = ", ".join(SERVICE_SHORT[m.service] for m in members)
                state = members[0].state(down, now)
                words.append(f"{names} {state}" if down == 3 else f"{item[0]} {state} ({names})")
            lines.append(f"{side}  " + " · ".join(words))
        timed = [lines[0] + when] if now and not any(p.down for p in parts) else []
        return list(dict.fromkeys([*timed, *lines]))

    def line(self, width: int) -> str:
        """The most detailed variant that fits `width` columns (the least detailed if none does)."""
        choices = self.variants()
        return next((text for text in choices if len(text) <= width), choices[-1])

    def words(self) -> str:
        """The state in words after the side and region, most detailed (one service):
        `● reachable · key ok · 38 ms · 15:30:00`, `✗ down since 15:30 · connection refused`."""
        first = self.variants()[0]
        return first.split("  ", 1)[1].strip() if "  " in first else first


def _ms(value: float) -> str:
    return "<1 ms" if value < 1 else f"{value:.0f} ms"


_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<=[a-z0-9)`'\"])\.(\s|$)|;\s")


def _first_sentence(text: str) -> str:
    found = _SENTENCE_END.search(text)
    return (text[: found.start()] if found else text).strip().rstrip(".")


def short_words(text: str) -> str:
    """A message cut to one short line for a row or a footer: what happened and the first thing to do
    (`what — todo.` → its first sentence each). The full what / why / what to do stays in the
    details (⏎) and the jobs screen (j)."""
    what, _dash, todo = " ".join(text.split()).partition(" — ")
    short = _first_sentence(what)
    todo = _first_sentence(todo)
    return f"{short} — {todo}" if todo else short


def profile_readiness(statuses: Sequence[ServiceStatus]) -> Readiness:
    """Failover readiness over every service of the profile (`failover readiness 41/47 · oldest gap
    3 h 12 min`): how many of the primary's assets the secondary could serve now, and the recovery
    point. Complete exactly when every service's is (a service's servable never exceeds its total)."""
    pairs = [p for s in statuses for p in s.pairs]
    listings = [(k.source, k.target) for s in statuses for k in s.kinds]
    return readiness(pairs, listings)


# --------------------------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class JobLine:
    """One job as the jobs panel shows it."""

    job_id: str
    asset_name: str
    kind: AssetKind | None = None
    service: Service | None = None
    target: str = ""
    step: str = ""
    step_index: int = 0
    step_count: int = 4
    state: JobState = JobState.PENDING
    percent: int | None = None
    error: str = ""
    started: datetime | None = None
    ended: datetime | None = None
    interrupted: bool = False
    """Still open (resumable) but not progressing: the region it polls stopped answering."""
    superseded: bool = False
    """A failed job of an asset that a later job copied: history, not a current failure."""

    @property
    def title(self) -> str:
        kind = f"{self.kind.value} " if self.kind else ""
        to = f" → {self.target}" if self.target else ""
        return f"copy {kind}{self.asset_name}{to}"

    @property
    def bar_percent(self) -> int:
        if self.state is JobState.SUCCEEDED:
            return 100
        return self.percent or 0

    def step_words(self) -> str:
        if self.state is JobState.SUCCEEDED:
            return "done"
        if self.state is JobState.FAILED:
            return "failed"
        if self.state is JobState.CANCELED:
            return "⏸ canceled"
        if self.interrupted:
            return "⏸ interrupted"
        if not self.step:
            return "waiting"
        if not self.step_count:  # from the journal: the step's number, its count not known here
            return f"step {self.step_index} {self.step}" if self.step_index else f"step {self.step}"
        return f"step {self.step_index}/{self.step_count} {self.step}"

    def elapsed(self, now: datetime) -> str:
        if self.started is None:
            return ""
        end = self.ended or now
        seconds = max(0, int((end - self.started).total_seconds()))
        minutes, secs = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

    def apply(self, event: ProgressEvent, now: datetime) -> JobLine:
        """This line after one progress event (a `failed` or `interrupted` event keeps the step it
        happened in: it carries no step of its own)."""
        finished = event.state.finished
        interrupted = event.step == "interrupted"
        has_step = event.step_count > 0
        stopped = event.state is JobState.FAILED or interrupted
        error = (event.message or self.error) if stopped else ""
        return replace(
            self,
            asset_name=event.asset_name,
            step=event.step if has_step else self.step,
            step_index=event.step_index if has_step else self.step_index,
            step_count=event.step_count if has_step else self.step_count,
            state=event.state,
            percent=event.percent if event.percent is not None else self.percent,
            error=error,
            started=self.started or now,
            ended=now if finished else None,
            interrupted=interrupted,
        )


def job_line(job: Job, target_label: str = "") -> JobLine:
    """A journaled job as the panel shows it (e.g. at start, before any progress event)."""
    last = job.steps[-1] if job.steps else None
    percent = next((s.percent for s in reversed(job.steps) if s.percent is not None), None)
    return JobLine(
        job_id=job.id,
        asset_name=job.asset_name,
        kind=AssetKind(job.kind),
        service=Service(job.service),
        target=target_label,
        step=last.name if last else "",
        step_index=present.step_numbers(s.name for s in job.steps)[-1] if job.steps else 0,
        step_count=0,
        state=job.state,
        percent=percent,
        error=job.error or "",
        started=job.created,
        ended=job.updated if job.state.finished else None,
        interrupted=job.state is JobState.INTERRUPTED,
    )


def jobs_to_show(jobs: Iterable[Job], limit: int = 20) -> list[Job]:
    """At start: every unfinished job, and the most recent finished ones up to `limit` in all."""
    jobs = list(jobs)
    unfinished = [j for j in jobs if not j.state.finished]
    finished = [j for j in jobs if j.state.finished][: max(0, limit - len(unfinished))]
    return sorted(unfinished + finished, key=lambda j: (j.created, j.id))


def narrow_plans(
    plans: list[tuple[ResourcePair, Plan]], intent: CopyIntent
) -> list[tuple[ResourcePair, Plan]]:
    """For a single asset: only its service's plan, and in it only that kind."""
    if intent.everything or intent.service is None:
        return plans
    service = Service(intent.service)
    kind = AssetKind(intent.kind) if intent.kind else None
    narrowed = []
    for pair, plan in plans:
        if pair.service is not service:
            continue
        if kind is not None:
            plan.copies = [c for c in plan.copies if c.kind is kind]
            plan.refusals = [r for r in plan.refusals if r.kind is kind]
        narrowed.append((pair, plan))
    return narrowed
