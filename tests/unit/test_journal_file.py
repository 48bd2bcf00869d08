"""A journal file regionsync cannot use — not a database, truncated, damaged, in a data directory that is
a file or cannot be written — is named in a clear error and left byte for byte as it was; `Journal.check`
says the same without creating, writing or moving anything."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

import pytest

from regionsync.errors import RegionSyncError
from regionsync.sync.journal import Journal
from regionsync.sync.journal_health import WHAT_IS_LOST


def healthy_journal(path: Path, rows: int = 300) -> bytes:
    """A real journal with enough pages to be damaged in the middle; its bytes once closed."""
    journal = Journal(path)
    journal.close()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE padding (n INTEGER PRIMARY KEY, blob TEXT)")
        db.executemany(
            "INSERT INTO padding (blob) VALUES (?)", [(secrets.token_hex(400),) for _ in range(rows)]
        )
    db.close()
    Journal(path).close()  # checkpointed: everything is in the main file
    return path.read_bytes()


def refused(path: Path) -> RegionSyncError:
    with pytest.raises(RegionSyncError) as caught:
        Journal(path)
    return caught.value


def assert_set_aside_advice(error: RegionSyncError, path: Path) -> None:
    assert f"mv {path} {path}.broken" in error.todo
    assert "regionsync journal check" in error.todo
    assert WHAT_IS_LOST in error.todo
    assert "v2.1 models are then paired by name" in error.todo
    assert "never rewrites or deletes" in error.why


def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "data" / "journal.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 this is a zip archive, not a journal" * 50)
    before = path.read_bytes()
    error = refused(path)
    assert error.code == "JournalNotDatabase"
    assert error.what == f"The journal {path} is not an SQLite database"
    assert_set_aside_advice(error, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["journal.sqlite3"], "no -wal, no -shm, no copy"
    health = Journal.check(path)
    assert not health.ok and health.error is not None and health.error.code == "JournalNotDatabase"


@pytest.mark.parametrize("keep", [0.5, 0.3, 60 / 4096])
def test_a_truncated_journal_is_named_and_left_alone(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "journal.sqlite3"
    whole = healthy_journal(path)
    path.write_bytes(whole[: int(len(whole) * keep)])
    before = path.read_bytes()
    error = refused(path)
    assert error.code == "JournalTruncated"
    assert error.what.startswith(f"The journal {path} is truncated ({len(before)} bytes")
    assert_set_aside_advice(error, path)
    assert path.read_bytes() == before
    assert Journal.check(path).error is not None
    assert path.read_bytes() == before


def test_a_journal_that_fails_quick_check_is_named_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    whole = bytearray(healthy_journal(path))
    page = 4096
    assert len(whole) > 40 * page
    whole[20 * page : 20 * page + 64] = b"\xff" * 64  # a b-tree page's header, overwritten
    path.write_bytes(bytes(whole))
    error = refused(path)
    assert error.code == "JournalDamaged"
    assert error.what.startswith(f"The journal {path} is damaged (")
    assert_set_aside_advice(error, path)
    assert path.read_bytes() == bytes(whole)
    health = Journal.check(path)
    assert health.error is not None and health.error.code == "JournalDamaged"
    assert health.checked == ["header", "integrity_check"]
    assert path.read_bytes() == bytes(whole)


def test_check_on_a_sound_journal_and_on_none_at_all(tmp_path: Path) -> None:
    absent = tmp_path / "nowhere" / "journal.sqlite3"
    health = Journal.check(absent)
    assert health.ok and not health.exists
    assert not absent.parent.exists(), "checking creates nothing"
    path = tmp_path / "journal.sqlite3"
    before = healthy_journal(path)
    health = Journal.check(path)
    assert health.ok and health.exists and health.jobs == 0 and health.size == len(before)
    assert path.read_bytes() == before


def test_an_empty_file_is_a_new_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.touch()
    assert Journal.check(path).ok
    Journal(path).close()
    assert path.stat().st_size > 0


def test_a_data_dir_that_is_a_file_is_said_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a directory")
    error = refused(data / "journal.sqlite3")
    assert error.code == "DataDirUnusable"
    assert error.what == f"The data directory {data} is a file, not a directory"
    assert "REGIONSYNC_DATA_DIR" in error.todo
    assert data.read_text() == "not a directory"
    assert Journal.check(data / "journal.sqlite3").error is not None


def test_a_data_dir_under_a_file_is_said_so(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    error = refused(tmp_path / "file" / "data" / "journal.sqlite3")
    assert (
        error.what
        == f"The data directory {tmp_path / 'file' / 'data'} cannot be created: part of its path is a file"
    )


def _unwritable_dir(tmp_path: Path) -> Path:
    """A directory this process cannot write to: mode 0500, or for root (who ignores modes) a path
    under /sys, which refuses new directories."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        return locked / "data"
    candidate = Path("/sys/regionsync-test-data")
    try:
        candidate.mkdir()
    except PermissionError:
        return candidate
    candidate.rmdir()
    pytest.skip("no unwritable directory available to root here")


def test_a_data_dir_that_cannot_be_written_is_said_so(tmp_path: Path) -> None:
    data = _unwritable_dir(tmp_path)
    error = refused(data / "journal.sqlite3")
    assert error.code == "DataDirUnusable"
    assert error.what.startswith(f"The data directory {data} is not writable")
    assert not data.exists()


def test_a_directory_in_the_journals_place(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite3").mkdir()
    error = refused(tmp_path / "journal.sqlite3")
    assert error.what == f"The journal {tmp_path / 'journal.sqlite3'} is not a regular file"
