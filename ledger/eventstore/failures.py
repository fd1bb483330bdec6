"""The store's own failures (database down, disk full, unreadable bytes) and the one typed error
each becomes.

Why here, below the command side: the facade's queries turn them into a ``StoreError`` too, and a
query should not import the message bus to do so.
"""

from __future__ import annotations

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from ledger.errors import StoreError
from ledger.persistence.mapper import UnknownTopicError

STORE_FAILURES = (PersistenceError, MapperDeserialisationError)
"""The store's own failures (database down, disk full, unreadable bytes)."""


def store_error(error: Exception) -> StoreError:
    """The store's own failure as one typed error, saying what to check."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, UnknownTopicError):
        reason = f"{detail}; the log was altered or written by something else (run ledger audit verify)"
    elif isinstance(error, MapperDeserialisationError):
        reason = (
            "a stored event cannot be read; check LEDGER_CIPHER_KEY and LEDGER_COMPRESS "
            f"(the store was written with other settings) or the data is damaged ({detail})"
        )
    else:
        reason = detail
    return StoreError("store", reason)
