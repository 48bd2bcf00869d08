"""The one way regionsync writes a file of its own: atomically, private to the user.

`write_private(path, text)` writes a temp file beside the target, syncs it to disk and renames it over
the target, so a reader sees the old file or the new one, never half of either. A new file gets mode
0600 (an existing one keeps its mode unless `mode` is given), a new directory 0700. A symlink is
written through: the temp file goes beside the link's target and replaces it; the link stays.
An OSError is the caller's to word (the profiles file names itself; preferences give up quietly).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_private(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write `text` to `path` atomically (see the module docstring); OSError when it cannot."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = PRIVATE_FILE
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=PRIVATE_DIR, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
