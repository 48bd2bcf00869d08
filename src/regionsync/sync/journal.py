"""The journal: every copy job and every step of it, in SQLite, so that work survives a crash.

A copy is a journaled state machine (DESIGN.md decision 2): a step is written *before* the call it
describes (`start_step`), its operation URL as soon as the 202 arrives (`record_operation`), and
its outcome *after* the call (`finish_step`). Every write is committed before the method returns —
a job's writes are one statement each (atomic by itself; 15 statements a copy job), what must read
and then write (a lease claim, a migration) a short `BEGIN IMMEDIATE` transaction — so a `kill -9`
at any moment leaves a readable journal that says exactly how far each job got; `jobs resume` and
the dashboard continue from there.

Several processes may use one journal at once (cron, `watch`, the dashboard; `sync/leases.py` keeps
one owner per job): WAL mode, a busy timeout and `BEGIN IMMEDIATE` write transactions.
`synchronous=NORMAL` under WAL keeps every committed write across a process crash; only a power
loss can drop the last few commits (the runner's `find_copy_operation` recovers an operation whose
URL was lost).

Never a key, never an access token, never an authorization payload: `detail` dicts go through a
deny-list of field names (`scrub_detail`) and free text (errors, URLs) through `redact_text` before
anything touches the file. The file itself is created 0600 in a 0700 directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regionsync.domain import Asset, AssetKind, Job, JobOptions, JobState, Service, Side, Step
from regionsync.errors import RegionSyncError
from regionsync.sync import journal_health

SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 10_000
REDACTED = "<redacted>"

_SCHEMA_V1 = """
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

_SCHEMA_V2 = """
ALTER TABLE jobs ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE jobs ADD COLUMN source_changed TEXT;
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN heartbeat TEXT;
ALTER TABLE jobs ADD COLUMN cancel_requested TEXT;
CREATE TABLE IF NOT EXISTS listings (
    service     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    assets      TEXT NOT NULL,
    read_at     TEXT NOT NULL,
    PRIMARY KEY (service, resource_id, kind)
);
CREATE TABLE IF NOT EXISTS lineage (
    service            TEXT NOT NULL,
    source_resource_id TEXT NOT NULL,
    source_id          TEXT NOT NULL,
    source_changed     TEXT,
    target_resource_id TEXT NOT NULL,
    target_id          TEXT NOT NULL,
    target_changed     TEXT,
    asset_name         TEXT NOT NULL,
    copied_at          TEXT NOT NULL,
    PRIMARY KEY (service, source_resource_id, target_resource_id, source_id)
);
CREATE INDEX IF NOT EXISTS lineage_by_target ON lineage (service, target_resource_id, source_resource_id);
INSERT OR IGNORE INTO lineage (service, source_resource_id, source_id, target_resource_id, target_id,
    asset_name, copied_at)
    SELECT service, source_resource_id, source_id, target_resource_id, target_id, asset_name, recorded
    FROM id_map;
UPDATE jobs SET options = (
    SELECT json_object('replace', json('true'), 'replace_id',
        CASE WHEN json_extract(steps.detail, '$.in_place') THEN NULL
             ELSE json_extract(steps.detail, '$.target_id') END)
    FROM steps WHERE steps.job_id = jobs.id AND steps.name = 'replace')
    WHERE EXISTS (SELECT 1 FROM steps WHERE steps.job_id = jobs.id AND steps.name = 'replace');
DELETE FROM steps WHERE name = 'replace';
DROP TABLE IF EXISTS id_map
"""
"""v2: the consent a job was started with (`options`), its owner's lease (issue 11), each side's
last-known listing, and every copy's lineage (which replaces v1's id map and keeps its rows)."""

_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS watchers (
    profile   TEXT PRIMARY KEY,
    owner     TEXT NOT NULL,
    services  TEXT NOT NULL DEFAULT '',
    interval  REAL NOT NULL,
    started   TEXT NOT NULL,
    heartbeat TEXT NOT NULL,
    next_check TEXT
)
"""
"""v3: who watches a profile (`regionsync watch`, issue 16): one row per profile, its owner's lease
(owner key as in `sync/leases.py`, heartbeat each check) and when it looks next."""

_MIGRATIONS = {1: _SCHEMA_V1, 2: _SCHEMA_V2, 3: _SCHEMA_V3}

_UNFINISHED = (JobState.PENDING, JobState.RUNNING, JobState.INTERRUPTED)

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


def utc_now() -> datetime:
    """The wall clock in UTC: the default clock of the journal, the runner and the watcher."""
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

    def __init__(self, path: Path, *, now: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path)
        self._now = now
        # A file regionsync cannot use is named and left as it is: checked before anything writes to it.
        journal_health.prepare_data_dir(self.path)
        problem = journal_health.inspect_file(self.path)
        if problem is not None:
            raise problem
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            problem = journal_health.quick_check(self._db, self.path)
            if problem is not None:
                raise problem
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            raise journal_health.database_error(self.path, exc) from None
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def check(cls, path: Path, *, thorough: bool = True) -> journal_health.JournalHealth:
        """Check a journal file without opening it for writing (`regionsync journal check`): its
        directory, its SQLite header, then `PRAGMA integrity_check` (`quick_check` unless `thorough`)
        on a read-only connection. Nothing is created, written, repaired or moved."""
        return journal_health.check_file(path, thorough=thorough)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def now(self) -> datetime:
        """The journal's clock (injectable: tests get stable timestamps and lease ages)."""
        return self._now()

    @staticmethod
    def iso(moment: datetime) -> str:
        return _iso(moment)

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` write transaction (leases: a check and a write, atomically)."""
        return self._write()

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for a single-statement write (atomic by itself) outside a transaction."""
        return self._db

    def raw_job(self, job_id: str) -> sqlite3.Row | None:
        """The job's row as stored, with its lease columns."""
        row: sqlite3.Row | None = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row

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
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(None, (s.strip() for s in _MIGRATIONS[step].split(";"))):
                    db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- jobs -------------------------------------------------------------------------------

    def create_job(self, job: Job) -> Job:
        """Store a new job (and any steps it already has); an empty `id` gets a new one."""
        with self._write() as db:
            stored = self.insert_job(db, job)
        assert stored is not None
        return self.get_job(stored.id) or stored

    def insert_job(
        self,
        db: sqlite3.Connection,
        job: Job,
        *,
        owner: str | None = None,
        unless_open: bool = False,
    ) -> Job | None:
        """Store a new job (`create_job` inside a transaction the caller holds), leased to `owner`.

        With `unless_open`, one statement inserts it only when its asset has no open job towards
        that target (None: one exists) — the check and the insert cannot be split by another writer.
        """
        stored = job.model_copy(update={"id": job.id or new_job_id(), "error": _clean(job.error)})
        values = (
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
            stored.options.model_dump_json(),
            _iso(stored.source_changed) if stored.source_changed else None,
            owner,
            _iso(self._now()) if owner else None,
        )
        columns = (
            "INSERT INTO jobs (id, profile, service, kind, api_version, source_side, source_endpoint,"
            " target_endpoint, source_resource_id, target_resource_id, source_id, target_id, asset_name,"
            " state, error, created, updated, options, source_changed, owner, heartbeat)"
        )
        marks = ",".join("?" * len(values))
        if unless_open:
            cur = db.execute(
                f"{columns} SELECT {marks} WHERE NOT EXISTS (SELECT 1 FROM jobs"
                " WHERE profile = ? AND service = ? AND kind = ? AND asset_name = ? AND target_endpoint = ?"
                " AND state IN ('pending', 'running', 'interrupted'))",
                (
                    *values,
                    stored.profile,
                    stored.service.value,
                    stored.kind.value,
                    stored.asset_name,
                    stored.target_endpoint,
                ),
            )
            if cur.rowcount == 0:
                return None
        else:
            db.execute(f"{columns} VALUES ({marks})", values)
        for step in stored.steps:
            self._upsert_step(db, step.model_copy(update={"job_id": stored.id}))
        return stored

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
        if state is not None and JobState(state).finished:
            sets.append("owner = NULL, heartbeat = NULL")  # an ended job holds no lease
        # One statement: atomic by itself, no transaction around it (every write here is so).
        if self._db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*args, job_id)).rowcount == 0:
            raise KeyError(f"no job {job_id!r} in the journal")

    def get_job(self, job_id: str) -> Job | None:
        """The job with its steps (in step order), or None."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._with_steps([row])[0]

    def steps_of(self, job_id: str) -> list[Step]:
        """A job's steps, in step order."""
        rows = self._db.execute("SELECT * FROM steps WHERE job_id = ? ORDER BY idx", (job_id,)).fetchall()
        return [_step_from_row(row) for row in rows]

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
            " AND target_endpoint = ? AND state IN (?, ?, ?) ORDER BY created DESC, id DESC LIMIT 1",
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
        self._db.execute(
            "INSERT INTO steps (job_id, idx, name, state, detail, started) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (job_id, idx) DO UPDATE SET name = excluded.name, state = excluded.state,"
            " detail = excluded.detail, started = excluded.started, finished = NULL, error = NULL,"
            " percent = NULL",
            (job_id, index, name, step.state.value, json.dumps(step.detail), _iso(now)),
        )
        return step

    def record_operation(self, job_id: str, index: int, operation_url: str) -> None:
        """Remember the URL of the operation a step started — as soon as the 202 arrives."""
        cur = self._db.execute(
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
        # `json_patch` merges the new detail into the stored one in the same statement (a key
        # given as null is dropped, which reads the same as absent).
        cur = self._db.execute(
            "UPDATE steps SET state = ?, operation_url = COALESCE(?, operation_url),"
            " percent = COALESCE(?, percent), detail = json_patch(detail, ?), error = COALESCE(?, error),"
            " finished = ? WHERE job_id = ? AND idx = ?",
            (
                state.value,
                _clean(operation_url),
                percent,
                json.dumps(scrub_detail(detail or {})),
                _clean(error),
                _iso(self._now()) if state.finished else None,
                job_id,
                index,
            ),
        )
        if cur.rowcount == 0:
            raise KeyError(f"no step {index} of job {job_id!r} in the journal")

    # -- lineage: which asset is a copy of which -------------------------------------------------

    def record_lineage(
        self,
        *,
        service: Service,
        source_resource_id: str,
        source_id: str,
        source_changed: datetime | None,
        target_resource_id: str,
        target_id: str,
        asset_name: str,
        target_changed: datetime | None = None,
    ) -> None:
        """Remember that `target_id` on the target resource is a copy of `source_id` as it was when
        it last changed at `source_changed` (v2.1: the copy's GUID; every service: fail-back)."""
        self._db.execute(
            "INSERT INTO lineage (service, source_resource_id, source_id, source_changed,"
            " target_resource_id, target_id, target_changed, asset_name, copied_at)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT"
            " (service, source_resource_id, target_resource_id, source_id) DO UPDATE SET"
            " target_id = excluded.target_id, source_changed = excluded.source_changed,"
            " target_changed = excluded.target_changed, asset_name = excluded.asset_name,"
            " copied_at = excluded.copied_at",
            (
                Service(service).value,
                source_resource_id,
                source_id,
                _iso(source_changed) if source_changed else None,
                target_resource_id,
                target_id,
                _iso(target_changed) if target_changed else None,
                asset_name,
                _iso(self._now()),
            ),
        )

    def note_copy_seen(
        self,
        *,
        service: Service,
        source_resource_id: str,
        target_resource_id: str,
        seen: Mapping[str, datetime],
    ) -> None:
        """Record, for copies whose own change time is not known yet, the time their first listing
        after the copy showed (`seen`: copy id → its change time). A later change is then drift."""
        if not seen:
            return
        with self._write() as db:
            db.executemany(
                "UPDATE lineage SET target_changed = ? WHERE service = ? AND source_resource_id = ?"
                " AND target_resource_id = ? AND target_id = ? AND target_changed IS NULL",
                [
                    (_iso(changed), Service(service).value, source_resource_id, target_resource_id, copy_id)
                    for copy_id, changed in seen.items()
                ],
            )

    def lineage(self, *, service: Service, resource_ids: tuple[str, str]) -> list[LineageRow]:
        """Every recorded copy between the two resources, in either direction, oldest first."""
        a, b = resource_ids
        rows = self._db.execute(
            "SELECT * FROM lineage WHERE service = ? AND ((source_resource_id = ? AND target_resource_id = ?)"
            " OR (source_resource_id = ? AND target_resource_id = ?)) ORDER BY copied_at, source_id",
            (Service(service).value, a, b, b, a),
        ).fetchall()
        return [
            LineageRow(
                source_resource_id=row["source_resource_id"],
                source_id=row["source_id"],
                source_changed=_parse(row["source_changed"]),
                target_resource_id=row["target_resource_id"],
                target_id=row["target_id"],
                target_changed=_parse(row["target_changed"]),
                asset_name=row["asset_name"],
                copied_at=datetime.fromisoformat(row["copied_at"]),
            )
            for row in rows
        ]

    def id_map(self, *, service: Service, source_resource_id: str, target_resource_id: str) -> dict[str, str]:
        """Source id → target id for one (source, target) resource pair, whichever way each copy went."""
        mapping: dict[str, str] = {}
        for row in self.lineage(service=service, resource_ids=(source_resource_id, target_resource_id)):
            if row.source_resource_id == source_resource_id:
                mapping[row.source_id] = row.target_id
            else:
                mapping[row.target_id] = row.source_id
        return mapping

    # -- last-known listings ----------------------------------------------------------------------

    def save_listing(
        self, *, service: Service, resource_id: str, kind: AssetKind, assets: list[Asset]
    ) -> None:
        """Keep what one side listed of one kind, and when (no secrets: ids, names, states, times,
        fingerprints). An unchanged listing only moves its time."""
        body = json.dumps([_listed(a) for a in assets], separators=(",", ":"), sort_keys=True)
        digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
        now = _iso(self._now())
        key = (Service(service).value, resource_id, AssetKind(kind).value)
        with self._write() as db:
            cur = db.execute(
                "UPDATE listings SET read_at = ? WHERE service = ? AND resource_id = ? AND kind = ?"
                " AND digest = ?",
                (now, *key, digest),
            )
            if cur.rowcount == 0:
                db.execute(
                    "INSERT OR REPLACE INTO listings (service, resource_id, kind, digest, assets, read_at)"
                    " VALUES (?,?,?,?,?,?)",
                    (*key, digest, body, now),
                )

    def last_listing(
        self, *, service: Service, resource_id: str, kind: AssetKind
    ) -> tuple[list[Asset], datetime] | None:
        """The last successful listing of one side and kind, with when it was read; None if never."""
        row = self._db.execute(
            "SELECT assets, read_at FROM listings WHERE service = ? AND resource_id = ? AND kind = ?",
            (Service(service).value, resource_id, AssetKind(kind).value),
        ).fetchone()
        if row is None:
            return None
        return [_unlisted(item) for item in json.loads(row["assets"])], datetime.fromisoformat(row["read_at"])

    # -- watchers: who runs `regionsync watch` on a profile ---------------------------------------

    def watcher(self, profile: str) -> WatcherRow | None:
        """The watcher row of `profile` (live or not: its owner and heartbeat say), or None."""
        row = self._db.execute("SELECT * FROM watchers WHERE profile = ?", (profile,)).fetchone()
        return None if row is None else _watcher_from_row(row)

    def claim_watcher(
        self,
        profile: str,
        *,
        owner: str,
        interval: float,
        services: str = "",
        may_take: Callable[[WatcherRow], bool],
    ) -> WatcherRow | None:
        """Become the watcher of `profile` unless another holds it: one `BEGIN IMMEDIATE` reads the
        row and, when there is none, it is `owner`'s already or `may_take(row)` says it is free,
        writes `owner` with a fresh heartbeat. None when claimed, else the holder's row."""
        now = _iso(self._now())
        with self._write() as db:
            row = db.execute("SELECT * FROM watchers WHERE profile = ?", (profile,)).fetchone()
            if row is not None and row["owner"] != owner:
                held = _watcher_from_row(row)
                if not may_take(held):
                    return held
            db.execute(
                "INSERT OR REPLACE INTO watchers (profile, owner, services, interval, started, heartbeat,"
                " next_check) VALUES (?,?,?,?,?,?,NULL)",
                (profile, owner, services, float(interval), now, now),
            )
        return None

    def beat_watcher(self, profile: str, *, owner: str, next_check: datetime | None) -> bool:
        """Move the watcher's heartbeat (and when it looks next); False when `owner` no longer holds it."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE watchers SET heartbeat = ?, next_check = ? WHERE profile = ? AND owner = ?",
                (_iso(self._now()), _iso(next_check) if next_check else None, profile, owner),
            )
        return cur.rowcount > 0

    def release_watcher(self, profile: str, *, owner: str) -> None:
        """The watcher stops: its row goes (only `owner`'s own)."""
        with self._write() as db:
            db.execute("DELETE FROM watchers WHERE profile = ? AND owner = ?", (profile, owner))

    def job_counts(self, profile: str) -> dict[tuple[str, str], int]:
        """(service, state) → how many jobs of `profile` the journal holds (the watcher's metrics)."""
        rows = self._db.execute(
            "SELECT service, state, COUNT(*) AS n FROM jobs WHERE profile = ? GROUP BY service, state",
            (profile,),
        ).fetchall()
        return {(row["service"], row["state"]): int(row["n"]) for row in rows}

    def job_owners(self, profile: str) -> dict[str, str]:
        """Job id → owner key of the unfinished jobs of `profile` someone holds a lease on."""
        rows = self._db.execute(
            "SELECT id, owner FROM jobs WHERE profile = ? AND owner IS NOT NULL"
            " AND state IN ('pending', 'running', 'interrupted')",
            (profile,),
        ).fetchall()
        return {row["id"]: row["owner"] for row in rows}

    # -- helpers ----------------------------------------------------------------------------

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
        return [job_from_row(row, steps[row["id"]]) for row in rows]


@dataclass(frozen=True)
class LineageRow:
    """One recorded copy: the origin as it was when copied, and the copy it became."""

    source_resource_id: str
    source_id: str
    source_changed: datetime | None
    target_resource_id: str
    target_id: str
    target_changed: datetime | None
    asset_name: str
    copied_at: datetime


@dataclass(frozen=True)
class WatcherRow:
    """Who watches a profile: the owner key (`leases.Owner.key()`), its lease and schedule."""

    profile: str
    owner: str
    services: str
    interval: float
    started: datetime
    heartbeat: datetime
    next_check: datetime | None


def _watcher_from_row(row: sqlite3.Row) -> WatcherRow:
    return WatcherRow(
        profile=row["profile"],
        owner=row["owner"],
        services=row["services"],
        interval=float(row["interval"]),
        started=datetime.fromisoformat(row["started"]),
        heartbeat=datetime.fromisoformat(row["heartbeat"]),
        next_check=_parse(row["next_check"]),
    )


_LISTED_DETAILS = ("deployments",)


def _listed(asset: Asset) -> dict[str, Any]:
    """What a last-known listing keeps of an asset: what comparing needs, never a secret."""
    data: dict[str, Any] = {
        "kind": asset.kind.value,
        "id": asset.id,
        "name": asset.name,
        "state": asset.state,
        "description": asset.description,
        "created": asset.created.isoformat() if asset.created else None,
        "modified": asset.modified.isoformat() if asset.modified else None,
        "tags": asset.tags,
        "fingerprint": asset.fingerprint,
    }
    if asset.serving_issue:
        data["serving_issue"] = asset.serving_issue
    details = {k: asset.details[k] for k in _LISTED_DETAILS if k in asset.details}
    if details:
        data["details"] = scrub_detail(details)
    return data


def _unlisted(item: dict[str, Any]) -> Asset:
    """The asset a last-known listing kept (`_listed`'s inverse)."""
    return Asset(
        kind=AssetKind(item["kind"]),
        id=str(item["id"]),
        name=str(item["name"]),
        state=str(item.get("state") or "ready"),
        description=item.get("description"),
        created=_parse(item.get("created")),
        modified=_parse(item.get("modified")),
        tags=dict(item.get("tags") or {}),
        fingerprint=str(item.get("fingerprint") or ""),
        details=dict(item.get("details") or {}),
        serving_issue=item.get("serving_issue"),
    )


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def job_from_row(row: sqlite3.Row, steps: list[Step]) -> Job:
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
        updated=max(
            [datetime.fromisoformat(row["updated"])]
            + [moment for step in steps for moment in (step.started, step.finished) if moment is not None]
        ),
        steps=steps,
        options=JobOptions.model_validate_json(row["options"] or "{}"),
        source_changed=_parse(row["source_changed"]),
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
