"""One owner per job: leases in the journal, so that a cron `sync`, `jobs resume`, a `watch` and a
dashboard on one journal never carry out the same job twice (DESIGN.md decision 12).

A job's owner is a process — its host, pid and start time — written with a heartbeat in the same
`BEGIN IMMEDIATE` transaction that claims the job. The owner renews the heartbeat while it works
(`Heartbeat`); a lease whose heartbeat is older than `lease_seconds` (30 s, `REGIONSYNC_LEASE_SECONDS`)
has expired and may be taken over, and so may a job held by a process of this host that is gone.
Creating a job is atomic with checking that its asset has no open job (`Leases.create`).

A cancel is a request written in the journal (`request_cancel`); the owner reads it at its next step
or poll and stops. A job nobody owns is canceled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from regionsync import present, settings
from regionsync.domain import Job, JobState
from regionsync.sync.journal import Journal, job_from_row

DEFAULT_LEASE_SECONDS = settings.DEFAULT_LEASE_SECONDS


@dataclass(frozen=True)
class Owner:
    """A process that carries out jobs: where it runs and which process it is."""

    host: str
    pid: int
    started: str
    """The process's start time (Linux: clock ticks after boot from /proc; elsewhere the time this
    module was first imported): with the pid it tells a live owner from a reused pid."""

    def key(self) -> str:
        return json.dumps({"host": self.host, "pid": self.pid, "started": self.started}, sort_keys=True)

    @staticmethod
    def from_key(text: str) -> Owner:
        data = json.loads(text)
        return Owner(host=str(data["host"]), pid=int(data["pid"]), started=str(data["started"]))

    def alive(self) -> bool | None:
        """True/False when this host can tell (same host); None for another host's process."""
        if self.host != socket.gethostname():
            return None
        started = _process_start(self.pid)
        return started is not None and started == self.started

    def words(self) -> str:
        return f"pid {self.pid} on host {self.host}"


_IMPORTED = f"t{time.time():.3f}"


def _process_start(pid: int) -> str | None:
    """The start time of process `pid` as `Owner.started` writes it, or None when it is gone."""
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir() and Path("/proc/self/stat").exists():
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return f"j{fields[19]}"  # field 22 of stat: starttime, counted after the ")" of the name
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return _IMPORTED if pid == os.getpid() else "unknown"


@cache
def this_process() -> Owner:
    """The owner every job this process carries out is leased to."""
    return Owner(host=socket.gethostname(), pid=os.getpid(), started=_process_start(os.getpid()) or _IMPORTED)


def lease_seconds() -> float:
    """How long a lease lasts without a heartbeat (`REGIONSYNC_LEASE_SECONDS`, default 30)."""
    return settings.lease_seconds()


@dataclass(frozen=True)
class Holder:
    """Who holds a job this process may not carry out, and since when."""

    job: Job
    owner: Owner
    since: datetime | None

    def words(self) -> str:
        """'receipt is being copied by pid 4242 on host ops-1 since 06:05 — `regionsync jobs show 17`'."""
        since = f" since {present.hm(self.since)}" if self.since else ""
        return (
            f"{self.job.asset_name} is being copied by {self.owner.words()}{since} — "
            f"`regionsync jobs show {self.job.id}`"
        )


class Leases:
    """The journal's job leases, seen from one owner."""

    def __init__(
        self,
        journal: Journal,
        *,
        owner: Owner | None = None,
        seconds: float | None = None,
    ) -> None:
        self.journal = journal
        self.owner = owner or this_process()
        self.seconds = seconds if seconds is not None else lease_seconds()
        self._key = self.owner.key()

    def _now(self) -> datetime:
        return self.journal.now()

    def _free(self, owner_key: str | None, heartbeat: str | None) -> bool:
        """Whether a job leased as given may be taken by this owner now."""
        if not owner_key or owner_key == self._key:
            return True
        if heartbeat is None or datetime.fromisoformat(heartbeat) < self._now() - timedelta(
            seconds=self.seconds
        ):
            return True
        return Owner.from_key(owner_key).alive() is False

    def create(self, job: Job) -> tuple[Job, Holder | None]:
        """Journal `job` owned by this process — unless its asset already has an open job: then that
        job, claimed for this process when it is free, or who holds it. The check and the insert are
        one statement; a job already open is claimed in one transaction."""
        stored = self.journal.insert_job(self.journal.connection, job, owner=self._key, unless_open=True)
        if stored is not None:
            return stored, None
        with self.journal.transaction() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE profile = ? AND service = ? AND kind = ? AND asset_name = ?"
                " AND target_endpoint = ? AND state IN ('pending', 'running', 'interrupted')"
                " ORDER BY created DESC, id DESC LIMIT 1",
                (job.profile, job.service.value, job.kind.value, job.asset_name, job.target_endpoint),
            ).fetchone()
            if row is None:  # it ended meanwhile: this one is the asset's only open job now
                created = self.journal.insert_job(db, job, owner=self._key)
                assert created is not None
                return created, None
            existing_id = row["id"]
            holder = None
            if self._free(row["owner"], row["heartbeat"]):
                self._own(db, existing_id)
            else:
                holder = Owner.from_key(row["owner"])
        existing = self.journal.get_job(existing_id) or job_from_row(row, [])
        return existing, None if holder is None else Holder(existing, holder, existing.created)

    def claim(self, job_id: str) -> Holder | None:
        """Take the job for this process if it is free; None when it is ours now, else its holder."""
        with self.journal.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(f"no job {job_id!r} in the journal")
            if self._free(row["owner"], row["heartbeat"]):
                self._own(db, job_id)
                return None
            holder = Owner.from_key(row["owner"])
        job = self.journal.get_job(job_id)
        assert job is not None
        return Holder(job, holder, job.created)

    def renew(self, job_ids: Iterable[str]) -> set[str]:
        """Move the heartbeat of the given jobs this process still holds; returns those it holds."""
        ids = list(job_ids)
        if not ids:
            return set()
        now = self.journal.iso(self._now())
        held: set[str] = set()
        with self.journal.transaction() as db:
            for job_id in ids:
                cur = db.execute(
                    "UPDATE jobs SET heartbeat = ? WHERE id = ? AND owner = ?", (now, job_id, self._key)
                )
                if cur.rowcount:
                    held.add(job_id)
        return held

    def release(self, job_id: str) -> None:
        """Let the job go (it ended, or this process stops): another may take it at once."""
        with self.journal.transaction() as db:
            db.execute(
                "UPDATE jobs SET owner = NULL, heartbeat = NULL WHERE id = ? AND owner = ?",
                (job_id, self._key),
            )

    def holder(self, job: Job) -> Holder | None:
        """Who else holds `job` now (a live lease of another process), or None."""
        row = self.journal.raw_job(job.id)
        if row is None or self._free(row["owner"], row["heartbeat"]):
            return None
        return Holder(job, Owner.from_key(row["owner"]), job.created)

    def request_cancel(self, job_id: str) -> tuple[str, Holder | None]:
        """Ask for a job to stop: `canceled` at once when nobody holds it, `requested` when its
        owner will stop it at its next step or poll, `finished` when it had already ended."""
        with self.journal.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(f"no job {job_id!r} in the journal")
            if JobState(row["state"]).finished:
                return "finished", None
            now = self.journal.iso(self._now())
            if row["owner"] != self._key and self._free(row["owner"], row["heartbeat"]):
                _mark_canceled(db, job_id, CANCELED_BY_USER, now)
                return "canceled", None
            db.execute("UPDATE jobs SET cancel_requested = ? WHERE id = ?", (now, job_id))
            holder = Owner.from_key(row["owner"])
        job = self.journal.get_job(job_id)
        assert job is not None
        return "requested", Holder(job, holder, job.created)

    def settle_canceled(self, job_id: str, message: str) -> None:
        """The owner stopped a job whose cancel was asked for: it ends `canceled`, its open steps too."""
        with self.journal.transaction() as db:
            _mark_canceled(db, job_id, message, self.journal.iso(self._now()))

    def cancel_requested(self, job_id: str) -> bool:
        row = self.journal.raw_job(job_id)
        return row is not None and bool(row["cancel_requested"])

    def _own(self, db: object, job_id: str) -> None:
        now = self.journal.iso(self._now())
        db.execute(  # type: ignore[attr-defined]
            "UPDATE jobs SET owner = ?, heartbeat = ? WHERE id = ?", (self._key, now, job_id)
        )


CANCELED_BY_USER = "canceled by the user (`regionsync jobs cancel`) before it ran"


def _mark_canceled(db: Any, job_id: str, message: str, now: str) -> None:
    db.execute(
        "UPDATE jobs SET state = 'canceled', error = ?, cancel_requested = COALESCE(cancel_requested, ?),"
        " owner = NULL, heartbeat = NULL, updated = ? WHERE id = ?",
        (message, now, now, job_id),
    )
    db.execute(
        "UPDATE steps SET state = 'canceled', finished = ? WHERE job_id = ?"
        " AND state IN ('pending', 'running')",
        (now, job_id),
    )


class Heartbeat:
    """Renews this process's leases on a set of jobs every third of the lease, while it works."""

    def __init__(
        self,
        leases: Leases,
        *,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.leases = leases
        self.jobs: set[str] = set()
        self.lost: set[str] = set()
        """Jobs another process took over (this one had stalled past its lease): stop them."""
        self._sleep = sleep or asyncio.sleep
        self._task: asyncio.Task[None] | None = None

    def add(self, job_id: str) -> None:
        self.jobs.add(job_id)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._beat())

    def remove(self, job_id: str) -> None:
        self.jobs.discard(job_id)

    async def _beat(self) -> None:
        while True:
            await self._sleep(self.leases.seconds / 3)  # type: ignore[misc]
            if self.jobs:
                held = self.leases.renew(self.jobs)
                self.lost |= self.jobs - held

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
