"""Where `xero-syncd export` writes: standard output, a file, or (every entity) a folder of files; a path that cannot
be written is one clear sentence, never a traceback."""

from __future__ import annotations

import errno
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from daemon.core.errors import XeroSyncdError


class ExportError(XeroSyncdError):
    """Bad input to an export (no database, unknown org or entity, an output it cannot write): shown as is."""


@contextmanager
def file_target(path: Path) -> Iterator[TextIO]:
    """`path` opened for writing (created or replaced); errors while writing are said the same way."""
    try:
        with open(path, "w", newline="", encoding="utf-8") as out:
            yield out
    except OSError as err:
        raise ExportError(_cannot_write(path, err)) from None


def folder_target(path: Path) -> Path:
    """A folder for one file per entity: made if missing (its parent must exist)."""
    if path.exists() and not path.is_dir():
        raise ExportError(f"--output {path} is a file: with --entity all it must be a folder (one file per entity)")
    try:
        path.mkdir(exist_ok=True)
    except OSError as err:
        raise ExportError(_cannot_write(path, err)) from None
    return path


def _cannot_write(path: Path, err: OSError) -> str:
    if isinstance(err, IsADirectoryError) or (err.errno == errno.EISDIR):
        return (f"--output {path} is a folder: give a file name (or --entity all to write one file per entity "
                "into it)")
    if isinstance(err, FileNotFoundError):
        return f"cannot write {path}: the folder {path.parent} does not exist"
    if isinstance(err, NotADirectoryError):
        return f"cannot write {path}: {_first_file(path)} is a file, not a folder"
    if isinstance(err, PermissionError):
        return f"cannot write {path}: permission denied"
    return f"cannot write {path}: {err.strerror or err}"


def _first_file(path: Path) -> Path:
    """The part of `path` that is a file where a folder was expected."""
    return next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), path.parent)
