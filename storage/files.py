"""Files that hold secrets or the store (the SQLite database and its -wal/-shm, the generated key) are private to
the user that runs the daemon, whatever their umask: folders created 0700, files created (and kept) 0600."""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) readable by this user only; an existing folder is left as it is."""
    if folder.exists():
        return
    private_folder(folder.parent)
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)  # mkdir's mode passes through the umask, which may take bits away


def private_file(path: Path) -> None:
    """Create `path` empty if it is not there, and make it readable and writable by this user only."""
    private_folder(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
