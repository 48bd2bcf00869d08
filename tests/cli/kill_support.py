"""Watching a `regionsync` subprocess from outside so it can be killed at a chosen step.

The CLI's journal (SQLite, WAL) is read through a separate read-only connection while the CLI writes
it; the emulator's world (`/_emulator/world`) says what the service really did (copy operations
per source asset). Nothing here depends on the exact list of step names: a test asks for "the latest
step is named authorize and running" or "an operation URL is recorded".
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cli_support import Emulator


@dataclass(frozen=True)
class StepRow:
    """One journaled step, as the steps table holds it."""

    index: int
    name: str
    state: str
    operation_url: str | None
    started: datetime | None


@dataclass(frozen=True)
class JobRow:
    """One journaled job with its steps, in step order."""

    id: str
    asset_name: str
    source_id: str
    state: str
    steps: tuple[StepRow, ...]

    @property
    def latest(self) -> StepRow | None:
        return self.steps[-1] if self.steps else None

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed", "canceled")

    def at(self, name: str) -> bool:
        """The latest step is `name` and still running."""
        return self.latest is not None and self.latest.name == name and self.latest.state == "running"

    @property
    def operation_recorded(self) -> bool:
        return any(step.operation_url for step in self.steps)

    def started_after(self, name: str, moment: datetime) -> list[StepRow]:
        """The steps named `name` that started after `moment`."""
        return [s for s in self.steps if s.name == name and s.started is not None and s.started > moment]


def read_journal(path: Path) -> list[JobRow]:
    """Every job in the journal at `path` (oldest first), read through a read-only connection.

    An absent or not yet initialised journal reads as no jobs.
    """
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return []
    try:
        jobs = db.execute("SELECT id, asset_name, source_id, state FROM jobs ORDER BY created, id").fetchall()
        steps = db.execute(
            "SELECT job_id, idx, name, state, operation_url, started FROM steps ORDER BY job_id, idx"
        ).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        db.close()
    by_job: dict[str, list[StepRow]] = {}
    for job_id, index, name, state, url, started in steps:
        when = datetime.fromisoformat(started) if started else None
        by_job.setdefault(job_id, []).append(StepRow(index, name, state, url, when))
    return [JobRow(j, name, src, state, tuple(by_job.get(j, ()))) for j, name, src, state in jobs]


def copy_operations(emulator: Emulator, resource: str, source_id: str) -> list[dict[str, Any]]:
    """The copy operations `resource` (the source) ran or runs for the asset `source_id`."""
    for res in emulator.world()["resources"]:
        if res["name"] == resource:
            return [op for op in res["operations"] if op["source_id"].lower() == source_id.lower()]
    raise AssertionError(f"no resource {resource} in the emulator")


def set_latency(emulator: Emulator, latencies: dict[str, float]) -> None:
    """Added latency (ms) per resource; 0 removes it."""
    for resource, ms in latencies.items():
        emulator.admin_post("faults/latency", {"ms": ms, "resource": resource})


def clear_faults(emulator: Emulator) -> None:
    httpx.delete(f"{emulator.admin}/_emulator/faults", timeout=10).raise_for_status()


def wait_while_running(
    proc: subprocess.Popen[str],
    predicate: Callable[[], bool],
    *,
    what: str = "the kill point",
    timeout: float = 20.0,
) -> None:
    """Wait until `predicate()` holds; fail at once if `proc` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            command = " ".join(map(str, proc.args[2:4]))  # e.g. "regionsync sync"
            raise AssertionError(f"`{command}` ended (exit {proc.returncode}) before {what}")
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def owner_pid(journal: Path) -> int | None:
    """The pid the journal's open job is leased to (None: no open job, or nobody holds it)."""
    if not journal.exists():
        return None
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT owner FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'canceled')"
        ).fetchone()
    return int(json.loads(row[0])["pid"]) if row and row[0] else None
