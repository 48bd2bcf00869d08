"""Is the journal file usable? Checked before the journal is opened, never by writing to it.

`prepare_data_dir` makes sure the data directory is a directory regionsync can write to (creating
it 0700 when absent); `inspect_file` reads the SQLite header of an existing journal (not a database,
cut short); `quick_check` asks SQLite itself (`PRAGMA quick_check`, or `integrity_check` for
`regionsync journal check`). A journal that fails any of them is named in a RegionSyncError, and
left exactly as it is: regionsync never rewrites, repairs or deletes it. `set_aside_advice` says how
to move it away safely and what is lost with it.
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from regionsync.errors import RegionSyncError
from regionsync.settings import DATA_DIR_ENV

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
_DAMAGED = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CORRUPT_VTAB", "SQLITE_CORRUPT_SEQUENCE"})
_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_RECOVERY"})

WHAT_IS_LOST = (
    "the job history (`regionsync jobs list`, and `jobs resume` of copies that were interrupted), the "
    "Document Intelligence v2.1 id map and the lineage of every copy — v2.1 models are then paired by "
    "name again"
)


def companions(path: Path) -> list[Path]:
    """The journal's own side files (`-wal`, `-shm`, `-journal`) that exist: they go wherever it goes."""
    return [p for p in (Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")) if p.exists()]


def set_aside_advice(path: Path) -> str:
    """How to move a journal away safely (commands with this very path), and what is lost with it."""
    moves = "; ".join(
        f"mv {shlex.quote(str(p))} {shlex.quote(str(p) + '.broken')}" for p in [path, *companions(path)]
    )
    return (
        f"Close the dashboard and any other regionsync first, then set the file aside (keep it: it may "
        f"still be recovered with sqlite3's `.recover`): {moves}. regionsync then starts a new, empty "
        f"journal; what is lost with the old one: {WHAT_IS_LOST}."
    )


# ------------------------------------------------------------------------------------- the data directory


def _data_dir_error(directory: Path, problem: str, why: str) -> RegionSyncError:
    return RegionSyncError(
        what=f"The data directory {directory} {problem}",
        why=why,
        todo=f"Point {DATA_DIR_ENV} at a directory you can write to (it is created if absent), or fix "
        f"{directory} itself; nothing was written.",
        code="DataDirUnusable",
        details={"path": str(directory)},
    )


def prepare_data_dir(journal: Path) -> None:
    """The journal's directory exists (created 0700 if not) and is a writable directory; the journal,
    if present, is a writable regular file. A RegionSyncError saying which and why otherwise."""
    directory = journal.parent
    why = f"regionsync keeps its journal there ({DATA_DIR_ENV}, or the platform's user data directory)."
    if directory.exists() and not directory.is_dir():
        raise _data_dir_error(directory, "is a file, not a directory", why)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (FileExistsError, NotADirectoryError):
        raise _data_dir_error(directory, "cannot be created: part of its path is a file", why) from None
    except OSError as exc:
        problem = (
            "is not writable"
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
            else "cannot be created"
        )
        raise _data_dir_error(directory, f"{problem} ({exc.strerror})", why) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise _data_dir_error(directory, "is not writable", why)
    try:
        mode = journal.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise journal_error(journal, "is not a regular file", "Something else (a directory?) took its name.")
    if not os.access(journal, os.R_OK | os.W_OK):
        raise RegionSyncError(
            what=f"The journal {journal} is not writable",
            why="regionsync records every copy step there before it makes the call.",
            todo=f"Give your user read and write access to {journal}, or point {DATA_DIR_ENV} elsewhere.",
            code="JournalUnusable",
            details={"path": str(journal)},
        )


# ------------------------------------------------------------------------------------------- the file


def journal_error(path: Path, problem: str, why: str, *, code: str = "JournalDamaged") -> RegionSyncError:
    """A journal regionsync cannot use: named, left as it is, and how to set it aside."""
    return RegionSyncError(
        what=f"The journal {path} {problem}",
        why=f"{why} regionsync left it exactly as it is: it never rewrites or deletes a journal.",
        todo=f"See what is wrong with `regionsync journal check`. {set_aside_advice(path)}",
        code=code,
        details={"path": str(path)},
    )


def inspect_file(path: Path) -> RegionSyncError | None:
    """What the file's SQLite header says is wrong with it (not a database, truncated), or None.

    An absent or empty file is a new journal. Reads the first 100 bytes and the size; writes nothing."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return journal_error(
            path, f"cannot be read ({exc.strerror})", "The file could not be opened.", code="JournalUnusable"
        )
    if size == 0:
        return None
    if not (
        SQLITE_MAGIC.startswith(header) if len(header) < len(SQLITE_MAGIC) else header[:16] == SQLITE_MAGIC
    ):
        return journal_error(
            path,
            "is not an SQLite database",
            "It does not start with SQLite's signature: another file took its place.",
            code="JournalNotDatabase",
        )
    if size < HEADER_SIZE:
        return journal_error(
            path,
            f"is truncated ({size} bytes, shorter than SQLite's own 100-byte header)",
            "The file was cut short (a full disk, an interrupted copy or backup).",
            code="JournalTruncated",
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return journal_error(
            path,
            "is damaged (its header names an impossible page size)",
            "Its first page was overwritten or damaged on disk.",
        )
    pages = int.from_bytes(header[28:32], "big")
    header_valid = pages > 0 and header[24:28] == header[92:96]
    expected = pages * page_size if header_valid else None
    if (expected is not None and size < expected) or size % page_size:
        said = f"; its header says {expected}" if expected is not None and size < expected else ""
        return journal_error(
            path,
            f"is truncated ({size} bytes{said})",
            "The file was cut short (a full disk, an interrupted copy or backup).",
            code="JournalTruncated",
        )
    return None


def database_error(path: Path, exc: sqlite3.Error) -> RegionSyncError:
    """SQLite's own refusal, explained: damaged, busy, or not writable."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc):
        return journal_error(path, f"is damaged (SQLite: {exc})", "SQLite cannot read it.")
    if name in _BUSY:
        return RegionSyncError(
            what=f"The journal {path} is locked by another regionsync",
            why="Another process (the dashboard, a sync) held a write lock for more than 10 seconds.",
            todo="Try again when it is done.",
            code="JournalBusy",
            retryable=True,
            details={"path": str(path)},
        )
    return RegionSyncError(
        what=f"The journal {path} cannot be used (SQLite: {exc})",
        why="SQLite could not open or write it (permissions, a read-only or full disk).",
        todo=f"Check the file and its directory, or point {DATA_DIR_ENV} at another directory.",
        code="JournalUnusable",
        details={"path": str(path)},
    )


def quick_check(db: sqlite3.Connection, path: Path, *, thorough: bool = False) -> RegionSyncError | None:
    """`PRAGMA quick_check` (or `integrity_check`) on an open connection: what SQLite finds wrong, or
    None. Reads only."""
    pragma = "integrity_check" if thorough else "quick_check"
    try:
        rows = [str(row[0]) for row in db.execute(f"PRAGMA {pragma}(20)").fetchall()]
    except sqlite3.Error as exc:
        return database_error(path, exc)
    if rows == ["ok"]:
        return None
    shown = "; ".join(rows[:3]) + (f" (and {len(rows) - 3} more)" if len(rows) > 3 else "")
    return journal_error(
        path, f"is damaged (PRAGMA {pragma}: {shown})", "SQLite found damaged pages or indexes in it."
    )


@dataclass
class JournalHealth:
    """What `Journal.check` found: `error` is None when the journal is usable (or absent)."""

    path: Path
    exists: bool
    size: int = 0
    schema: int | None = None
    jobs: int | None = None
    checked: list[str] = field(default_factory=list)
    error: RegionSyncError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_file(path: Path, *, thorough: bool = True) -> JournalHealth:
    """Every check, on a read-only connection: nothing is created, written, repaired or moved."""
    path = Path(path)
    directory = path.parent
    if directory.exists() and not directory.is_dir():
        why = f"regionsync keeps its journal there ({DATA_DIR_ENV}, or the platform's user data directory)."
        return JournalHealth(path, False, error=_data_dir_error(directory, "is a file, not a directory", why))
    try:
        info = path.stat()
    except FileNotFoundError:
        return JournalHealth(path, False)
    except OSError as exc:
        return JournalHealth(
            path,
            True,
            error=journal_error(
                path,
                f"cannot be read ({exc.strerror})",
                "The file could not be opened.",
                code="JournalUnusable",
            ),
        )
    health = JournalHealth(path, True, size=info.st_size)
    if not stat.S_ISREG(info.st_mode):
        health.error = journal_error(
            path, "is not a regular file", "Something else (a directory?) took its name."
        )
        return health
    health.checked.append("header")
    health.error = inspect_file(path)
    if health.error is not None or info.st_size == 0:
        return health
    try:
        db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        health.error = database_error(path, exc)
        return health
    try:
        health.checked.append("integrity_check" if thorough else "quick_check")
        health.error = quick_check(db, path, thorough=thorough)
        if health.error is None:
            health.schema = int(db.execute("PRAGMA user_version").fetchone()[0])
            try:
                health.jobs = int(db.execute("SELECT count(*) FROM jobs").fetchone()[0])
            except sqlite3.OperationalError:
                health.jobs = None  # no jobs table yet
    except sqlite3.Error as exc:
        health.error = database_error(path, exc)
    finally:
        db.close()
    return health
