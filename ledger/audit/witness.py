"""The witness: heads kept outside the store, so that the store alone cannot rewrite its past.

``audit seal`` appends each new head (``POSITION:HASH`` and when) to a file named by
``--witness`` or ``LEDGER_WITNESS_FILE``; put it on another volume or host (an append-only mount,
a log shipper). ``audit verify`` reads every head in it, and in any ``--head-file``, and fails
when the chain is shorter than, or diverges from, any of them. An insider who deletes the newest
seal with the records it covered, or rewrites records and recomputes every later seal, still
cannot change what the witness saw.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.audit.seals import Head, parse_head, parse_head_lines
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime

WITNESS_VARIABLE = "LEDGER_WITNESS_FILE"
HEAD_FILE_BYTES_MAX = 16 * 1024 * 1024


def witness_path(given: str | os.PathLike[str] | None) -> Path | None:
    """The witness file: the one given, else ``LEDGER_WITNESS_FILE``, else none."""
    if given is not None and not isinstance(given, str | os.PathLike):
        raise InvalidInputError("witness", f"{type(given).__name__} is not a file path")
    value = given if given is not None else os.environ.get(WITNESS_VARIABLE, "").strip()
    if value and "\x00" in os.fspath(value):
        raise InvalidInputError("witness", "is not a usable file path")
    return Path(value) if value else None


def read_heads(path: Path, field: str) -> list[Head]:
    """Every head in a head file or witness; a missing or unreadable one is refused, never skipped
    (a witness that vanished is exactly what an attacker would arrange)."""
    try:
        if path.stat().st_size > HEAD_FILE_BYTES_MAX:
            raise InvalidInputError(field, f"{str(path)!r}: larger than {HEAD_FILE_BYTES_MAX} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(field, f"{str(path)!r}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InvalidInputError(field, f"{str(path)!r}: not a text file of heads") from None
    except ValueError:  # a path with a NUL in it
        raise InvalidInputError(field, "is not a usable file path") from None
    return parse_head_lines(text, field)


def heads_shown(
    expect: Sequence[str], head_files: Sequence[str | os.PathLike[str]], witness: Path | None
) -> list[Head]:
    """All heads verification must find in the chain."""
    if (
        isinstance(expect, str)
        or not isinstance(expect, Sequence)
        or not all(isinstance(t, str) for t in expect)
    ):
        raise InvalidInputError("expect_heads", "is not a list of heads (POSITION:HASH)")
    files_ok = isinstance(head_files, Sequence) and not isinstance(head_files, str)
    if not files_ok or not all(isinstance(name, str | os.PathLike) for name in head_files):
        raise InvalidInputError("head_files", "is not a list of file paths")
    heads = [parse_head(text) for text in expect]
    for name in head_files:
        heads += read_heads(Path(name), "head-file")
    if witness is not None:
        heads += read_heads(witness, "witness")
    return heads


def append_head(witness: Path, head: str, at: datetime) -> None:
    """Add the head to the witness (created if absent), flushed to disk before returning."""
    try:
        with witness.open("a", encoding="utf-8") as handle:
            handle.write(f"{head} {at.isoformat()}\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise InvalidInputError("witness", f"{witness}: {error.strerror or error}") from None


def last_head(witness: Path) -> str | None:
    """The newest head in the witness, or None when it is absent or empty. A witness that could not
    be written (a name too long, a folder that is missing or not writable) is refused here, before
    anything is sealed, so that a refused seal leaves nothing behind."""
    try:
        present = witness.exists()
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a usable file path"
        raise InvalidInputError("witness", f"{str(witness)[:200]!r}: {reason}") from None
    if not present:
        folder = witness.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise InvalidInputError("witness", f"{str(folder)[:200]!r}: no writable folder for the witness")
        return None
    heads = read_heads(witness, "witness")
    return str(heads[-1]) if heads else None
