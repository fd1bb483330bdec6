"""Which store a recorder writes to, asked without importing psycopg for an SQLite ledger.

Why: psycopg is a third of the command line's start-up; a PostgreSQL recorder can only exist once
its module was imported, so a module not imported yet answers "not PostgreSQL" for free.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore


def on_postgres(recorder: object) -> bool:
    """Whether ``recorder`` is one of the library's PostgreSQL recorders."""
    if "eventsourcing.postgres" not in sys.modules:
        return False
    from eventsourcing.postgres import PostgresAggregateRecorder

    return isinstance(recorder, PostgresAggregateRecorder)


def conditional_on_postgres(recorder: object) -> bool:
    """Whether ``recorder`` is the ledger's own PostgreSQL recorder (checks a read condition)."""
    if "ledger.persistence.postgres" not in sys.modules:
        return False
    from ledger.persistence.postgres import OneTripApplicationRecorder

    return isinstance(recorder, OneTripApplicationRecorder)


def datastore_on_postgres(datastore: object) -> TypeGuard[PostgresDatastore]:
    """Whether ``datastore`` is the library's PostgreSQL datastore."""
    if "eventsourcing.postgres" not in sys.modules:
        return False
    from eventsourcing.postgres import PostgresDatastore as Datastore

    return isinstance(datastore, Datastore)
