"""The journal: every copy job and every step of it, in SQLite, so that work survives a crash.

A copy is a journaled state machine (DESIGN.md decision 2): a step is written *before* the call it
describes (`start_step`), its operation URL as soon as the 202 arrives (`record_operation`), and
its outcome *after* the call (`finish_step`). Every write is its own short transaction, committed
before the method returns, so a `kill -9` at any moment leaves a readable journal that says exactly
how far each job got; `jobs resume` and the dashboard continue from there.

Two processes may use one journal at once (the CLI and the dashboard): WAL mode, a busy timeout and
`BEGIN IMMEDIATE` write transactions. `synchronous=NORMAL` under WAL keeps every committed write
across a process crash; only a power loss can drop the last few commits (the runner's
`find_copy_operation` recovers an operation whose URL was lost).

Never a key, never an access token, never an authorization payload: `detail` dicts go through a
deny-list of field names (`scrub_detail`) and free text (errors, URLs) through `redact_text` before
anything touches the file. The file itself is created 0600 in a 0700 directory.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regionsync.domain import AssetKind, Job, JobState, Service, Side, Step
from regionsync.errors import RegionSyncError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
REDACTED = "<redacted>"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id                 TEXT PRIMARY KEY,
    profile            TEXT NOT NULL,
    service            TEXT NOT NULL,
    kind               TEXT NOT NULL,
    api_version        TEXT NOT NULL,
    source_side        TEXT NOT NULL,
    source_endpoint    TEXT NOT NULL,
    target_endpoint    TEXT NOT NULL,
    source_resource_id TEXT NOT NULL,
    target_resource_id TEXT NOT NULL,
    source_id          TEXT NOT NULL,
    target_id          TEXT,
    asset_name         TEXT NOT NULL,
    state              TEXT NOT NULL,
    error              TEXT,
    created            TEXT NOT NULL,
    updated            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created);
CREATE INDEX IF NOT EXISTS jobs_by_profile ON jobs (profile, created);
CREATE INDEX IF NOT EXISTS jobs_by_asset ON jobs (profile, service, kind, asset_name, target_endpoint);
CREATE TABLE IF NOT EXISTS steps (
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    operation_url TEXT,
    percent       INTEGER,
    detail        TEXT NOT NULL DEFAULT '{}',
    error         TEXT,
    started       TEXT,
    finished      TEXT,
    PRIMARY KEY (job_id, idx)
);
CREATE TABLE IF NOT EXISTS id_map (
    service            TEXT NOT NULL,
    source_resource_id TEXT NOT NULL,
    source_id          TEXT NOT NULL,
    target_resource_id TEXT NOT NULL,
    target_id          TEXT NOT NULL,
    asset_name         TEXT NOT NULL,
    recorded           TEXT NOT NULL,
    PRIMARY KEY (service, source_resource_id, target_resource_id, source_id)
);
"""

_UNFINISHED = (JobState.PENDING, JobState.RUNNING)

# ---------------------------------------------------------------------------------------------
# Secrets never reach the file.

_SAFE_FIELDS = frozenset(
    {
        "targetmodelid",
        "targetmodellocation",
        "targetclassifierid",
        "targetclassifierlocation",
        "targetresourceid",
        "targetresourceregion",
        "targetanalyzerid",
        "sourceanalyzerid",
        "sourceresourceid",
        "sourceregion",
        "keyvaulturi",
    }
)
_DENIED_FIELDS = frozenset({"accesstoken", "copyauthorization", "key", "authorization", "apikey", "password"})
_DENIED_PARTS = ("token", "secret", "key", "authorization", "password", "credential", "signature")

_SECRET_IN_TEXT = re.compile(
    r"(?i)"
    r"(bearer\s+)[a-z0-9\-._~+/]+=*"  # an access token in a header value
    r"|((?:ocp-apim-subscription-key|api-key|x-api-key|authorization)\s*[:=]\s*(?:bearer\s+|basic\s+)?)"
    r"[^\s,;&\"']+"
    r"|((?:[?&;]|\b)(?:sig|signature|key|subscription-key|access_?token|token|secret)=)[^&\s\"']+"
    r"|(\"(?:accessToken|access_token|key|secret)\"\s*:\s*\")[^\"]*"
)


def is_secret_field(name: str) -> bool:
    """True for a field name that may hold a key, a token or an authorization (deny-list)."""
    low = name.lower()
    if low in _SAFE_FIELDS:
        return False
    return low in _DENIED_FIELDS or any(part in low for part in _DENIED_PARTS)


def scrub_detail(value: Any) -> Any:
    """A copy of `value` with every secret field dropped and every string redacted, recursively."""
    if isinstance(value, Mapping):
        return {str(k): scrub_detail(v) for k, v in value.items() if not is_secret_field(str(k))}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub_detail(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def redact_text(text: str) -> str:
    """`text` with bearer tokens, key headers and key/token/signature query parameters redacted."""
    return _SECRET_IN_TEXT.sub(lambda m: (next(g for g in m.groups() if g is not None)) + REDACTED, text)


def _clean(text: str | None) -> str | None:
    return None if text is None else redact_text(text)


# ---------------------------------------------------------------------------------------------
# Ids and time.

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_job_id(now_ms: int | None = None) -> str:
    """A short, sortable, unique job id: 10 base-32 digits of milliseconds + 6 random ones."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    stamp = "".join(_CROCKFORD[(ms >> shift) & 31] for shift in range(45, -1, -5))
    rand = secrets.randbits(30)
    tail = "".join(_CROCKFORD[(rand >> shift) & 31] for shift in range(25, -1, -5))
    return stamp + tail


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------------------------


class Journal:
    """The SQLite journal of jobs and steps (and of v2.1's source → target id map).

    Synchronous and short: each method is one small transaction, fine to call from the event loop.
    `now` is injectable so tests get stable timestamps.
    """

    def __init__(self, path: Path, *, now: Callable[[], datetime] = _utcnow) -> None:
        self.path = Path(path)
        self._now = now
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, committed before the caller returns."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RegionSyncError(
                    what=f"The journal {self.path} was written by a newer regionsync (schema {version}).",
                    why=f"This regionsync understands journal schema {SCHEMA_VERSION} at most.",
                    todo="Upgrade regionsync, or point REGIONSYNC_DATA_DIR at another directory.",
                    code="JournalTooNew",
                )
            if version < SCHEMA_VERSION:
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- jobs -------------------------------------------------------------------------------

    def create_job(self, job: Job) -> Job:
        """Store a new job (and any steps it already has); an empty `id` gets a new one."""
        stored = job.model_copy(update={"id": job.id or new_job_id(), "error": _clean(job.error)})
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, profile, service, kind, api_version, source_side, source_endpoint,"
                " target_endpoint, source_resource_id, target_resource_id, source_id, target_id, asset_name,"
                " state, error, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    stored.id,
                    stored.profile,
                    stored.service.value,
                    stored.kind.value,
                    stored.api_version,
                    stored.source_side.value,
                    stored.source_endpoint,
                    stored.target_endpoint,
                    stored.source_resource_id,
                    stored.target_resource_id,
                    stored.source_id,
                    stored.target_id,
                    stored.asset_name,
                    stored.state.value,
                    stored.error,
                    _iso(stored.created),
                    _iso(stored.updated),
                ),
            )
            for step in stored.steps:
                self._upsert_step(db, step.model_copy(update={"job_id": stored.id}))
        return self.get_job(stored.id) or stored

    def update_job(
        self,
        job_id: str,
        *,
        state: JobState | None = None,
        error: str | None = None,
        target_id: str | None = None,
    ) -> None:
        """Change a job's state, error or target id (None leaves a field as it is).

        A job that goes back to pending or running, or succeeds, loses its old error unless a new
        one is given: a resumed job does not show the failure it is recovering from.
        """
        sets = ["updated = ?"]
        args: list[Any] = [_iso(self._now())]
        if state is not None:
            sets.append("state = ?")
            args.append(JobState(state).value)
        if error is not None:
            sets.append("error = ?")
            args.append(redact_text(error))
        elif state is not None and JobState(state) in (*_UNFINISHED, JobState.SUCCEEDED):
            sets.append("error = NULL")
        if target_id is not None:
            sets.append("target_id = ?")
            args.append(target_id)
        with self._write() as db:
            if db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*args, job_id)).rowcount == 0:
                raise KeyError(f"no job {job_id!r} in the journal")

    def get_job(self, job_id: str) -> Job | None:
        """The job with its steps (in step order), or None."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._with_steps([row])[0]

    def list_jobs(
        self, *, states: set[JobState] | None = None, profile: str | None = None, limit: int = 200
    ) -> list[Job]:
        """Jobs, newest first, optionally only in `states` and of `profile`."""
        where, args = self._filters(states, profile)
        rows = self._db.execute(
            f"SELECT * FROM jobs{where} ORDER BY created DESC, id DESC LIMIT ?", (*args, limit)
        ).fetchall()
        return self._with_steps(rows)

    def unfinished_jobs(self, profile: str | None = None) -> list[Job]:
        """Jobs still pending or running, oldest first (the order to resume them in)."""
        where, args = self._filters(set(_UNFINISHED), profile)
        rows = self._db.execute(f"SELECT * FROM jobs{where} ORDER BY created, id", args).fetchall()
        return self._with_steps(rows)

    def active_job_for(
        self, profile: str, service: Service, kind: AssetKind, asset_name: str, target_endpoint: str
    ) -> Job | None:
        """The unfinished job copying this asset to this target, if any (refuse a second one)."""
        row = self._db.execute(
            "SELECT * FROM jobs WHERE profile = ? AND service = ? AND kind = ? AND asset_name = ?"
            " AND target_endpoint = ? AND state IN (?, ?) ORDER BY created DESC, id DESC LIMIT 1",
            (
                profile,
                Service(service).value,
                AssetKind(kind).value,
                asset_name,
                target_endpoint,
                *(s.value for s in _UNFINISHED),
            ),
        ).fetchone()
        return None if row is None else self._with_steps([row])[0]

    # -- steps ------------------------------------------------------------------------------

    def start_step(self, job_id: str, index: int, name: str, *, detail: dict[str, Any] | None = None) -> Step:
        """Record that step `index` is about to run — written BEFORE the call it describes.

        Starting a step again (a retry, a resume) resets its outcome but keeps its operation URL.
        """
        now = self._now()
        step = Step(
            job_id=job_id,
            index=index,
            name=name,
            state=JobState.RUNNING,
            detail=scrub_detail(detail or {}),
            started=now,
        )
        with self._write() as db:
            self._touch(db, job_id)
            db.execute(
                "INSERT INTO steps (job_id, idx, name, state, detail, started) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT (job_id, idx) DO UPDATE SET name = excluded.name, state = excluded.state,"
                " detail = excluded.detail, started = excluded.started, finished = NULL, error = NULL,"
                " percent = NULL",
                (job_id, index, name, step.state.value, json.dumps(step.detail), _iso(now)),
            )
        return self._get_step(job_id, index) or step

    def record_operation(self, job_id: str, index: int, operation_url: str) -> None:
        """Remember the URL of the operation a step started — as soon as the 202 arrives."""
        with self._write() as db:
            self._touch(db, job_id)
            cur = db.execute(
                "UPDATE steps SET operation_url = ? WHERE job_id = ? AND idx = ?",
                (redact_text(operation_url), job_id, index),
            )
            if cur.rowcount == 0:
                raise KeyError(f"no step {index} of job {job_id!r} in the journal")

    def finish_step(
        self,
        job_id: str,
        index: int,
        *,
        state: JobState,
        operation_url: str | None = None,
        percent: int | None = None,
        detail: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Record a step's outcome — AFTER the call. `detail` is merged into what is there.

        A non-final `state` (running) records progress (`percent`) without finishing the step.
        """
        state = JobState(state)
        with self._write() as db:
            self._touch(db, job_id)
            row = db.execute(
                "SELECT detail FROM steps WHERE job_id = ? AND idx = ?", (job_id, index)
            ).fetchone()
            if row is None:
                raise KeyError(f"no step {index} of job {job_id!r} in the journal")
            merged = {**json.loads(row["detail"]), **scrub_detail(detail or {})}
            db.execute(
                "UPDATE steps SET state = ?, operation_url = COALESCE(?, operation_url),"
                " percent = COALESCE(?, percent), detail = ?, error = COALESCE(?, error),"
                " finished = ? WHERE job_id = ? AND idx = ?",
                (
                    state.value,
                    _clean(operation_url),
                    percent,
                    json.dumps(merged),
                    _clean(error),
                    _iso(self._now()) if state.finished else None,
                    job_id,
                    index,
                ),
            )

    # -- v2.1 id map ------------------------------------------------------------------------

    def record_id_map(
        self,
        *,
        service: Service,
        source_resource_id: str,
        source_id: str,
        target_resource_id: str,
        target_id: str,
        asset_name: str,
    ) -> None:
        """Remember that `source_id` on the source resource is `target_id` on the target one."""
        with self._write() as db:
            db.execute(
                "INSERT INTO id_map (service, source_resource_id, source_id, target_resource_id, target_id,"
                " asset_name, recorded) VALUES (?,?,?,?,?,?,?) ON CONFLICT"
                " (service, source_resource_id, target_resource_id, source_id) DO UPDATE SET"
                " target_id = excluded.target_id, asset_name = excluded.asset_name,"
                " recorded = excluded.recorded",
                (
                    Service(service).value,
                    source_resource_id,
                    source_id,
                    target_resource_id,
                    target_id,
                    asset_name,
                    _iso(self._now()),
                ),
            )

    def id_map(self, *, service: Service, source_resource_id: str, target_resource_id: str) -> dict[str, str]:
        """Source id → target id for one (source, target) resource pair."""
        rows = self._db.execute(
            "SELECT source_id, target_id FROM id_map WHERE service = ? AND source_resource_id = ?"
            " AND target_resource_id = ? ORDER BY recorded, source_id",
            (Service(service).value, source_resource_id, target_resource_id),
        ).fetchall()
        return {row["source_id"]: row["target_id"] for row in rows}

    # -- helpers ----------------------------------------------------------------------------

    def _touch(self, db: sqlite3.Connection, job_id: str) -> None:
        if db.execute("UPDATE jobs SET updated = ? WHERE id = ?", (_iso(self._now()), job_id)).rowcount == 0:
            raise KeyError(f"no job {job_id!r} in the journal")

    def _upsert_step(self, db: sqlite3.Connection, step: Step) -> None:
        db.execute(
            "INSERT OR REPLACE INTO steps (job_id, idx, name, state, operation_url, percent, detail, error,"
            " started, finished) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                step.job_id,
                step.index,
                step.name,
                step.state.value,
                _clean(step.operation_url),
                step.percent,
                json.dumps(scrub_detail(step.detail)),
                _clean(step.error),
                _iso(step.started) if step.started else None,
                _iso(step.finished) if step.finished else None,
            ),
        )

    @staticmethod
    def _filters(states: set[JobState] | None, profile: str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if states is not None:
            if not states:
                return " WHERE 0", []
            clauses.append(f"state IN ({', '.join('?' * len(states))})")
            args.extend(sorted(JobState(s).value for s in states))
        if profile is not None:
            clauses.append("profile = ?")
            args.append(profile)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args

    def _get_step(self, job_id: str, index: int) -> Step | None:
        row = self._db.execute("SELECT * FROM steps WHERE job_id = ? AND idx = ?", (job_id, index)).fetchone()
        return None if row is None else _step_from_row(row)

    def _with_steps(self, rows: list[sqlite3.Row]) -> list[Job]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        steps: dict[str, list[Step]] = {job_id: [] for job_id in ids}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            for srow in self._db.execute(
                f"SELECT * FROM steps WHERE job_id IN ({', '.join('?' * len(chunk))}) ORDER BY job_id, idx",
                chunk,
            ):
                steps[srow["job_id"]].append(_step_from_row(srow))
        return [_job_from_row(row, steps[row["id"]]) for row in rows]


def _job_from_row(row: sqlite3.Row, steps: list[Step]) -> Job:
    return Job(
        id=row["id"],
        profile=row["profile"],
        service=Service(row["service"]),
        kind=AssetKind(row["kind"]),
        api_version=row["api_version"],
        source_side=Side(row["source_side"]),
        source_endpoint=row["source_endpoint"],
        target_endpoint=row["target_endpoint"],
        source_resource_id=row["source_resource_id"],
        target_resource_id=row["target_resource_id"],
        source_id=row["source_id"],
        target_id=row["target_id"],
        asset_name=row["asset_name"],
        state=JobState(row["state"]),
        error=row["error"],
        created=datetime.fromisoformat(row["created"]),
        updated=datetime.fromisoformat(row["updated"]),
        steps=steps,
    )


def _step_from_row(row: sqlite3.Row) -> Step:
    return Step(
        job_id=row["job_id"],
        index=row["idx"],
        name=row["name"],
        state=JobState(row["state"]),
        operation_url=row["operation_url"],
        percent=row["percent"],
        detail=json.loads(row["detail"]),
        error=row["error"],
        started=datetime.fromisoformat(row["started"]) if row["started"] else None,
        finished=datetime.fromisoformat(row["finished"]) if row["finished"] else None,
    )
