"""Several aggregates brought up to date with one query, for a command that reads many of them.

``work log`` reads the work entry, the card, the contract, the beheerpacks, the on-site engagement
and the rate card: six round trips through the repository (each a fast-forward query, or a miss
for what does not exist). This reads them in one: every aggregate this thread already holds is
advanced by the events stored after its version; one never seen is loaded in the same query (or,
when its history is long, once through the repository and its snapshot); one that does not exist
is asked for again every time, so a contract started by another process is seen at once.

The aggregates are *lent*, not copied: each thread keeps its own small cache, which no other thread
touches, and a command takes the objects themselves: a deep copy of a card with many blocks is
expensive (benchmarks/README.md). An object goes back to the thread's cache when the block ends
only as the store knows it: unchanged, or changed and committed inside the block. Anything changed
and not committed (a lost race, an exception after a decision) is dropped and read again next time;
so is an object changed after the block ended, which its version gives away.

The read itself is skipped when this thread already holds every aggregate asked for (and none
was refused since): the command decides on what it holds, and its append carries each of those
aggregates with the version it decided on as a condition, checked under the append's write lock
(``ledger.persistence``): if any of them has a newer event, the append is refused as a conflict and
the re-run reads. An id the command creates when absent (a ticket's work entry) need not be held:
if it exists after all, its first event collides. So a decision is never committed on stale state,
whether what it read was written by the command (a card) or only read (a contract, a rate card),
and whether the read was skipped or not.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import retry

from ledger.persistence.condition import ReadCondition, ReadSetChangedError
from ledger.persistence.sqlite import ConditionalSQLiteRecorder
from ledger.persistence.which import conditional_on_postgres, on_postgres

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.postgres import PostgresAggregateRecorder


CHECK_CHANGED = "what the identity check read has changed"
"""The conflict's message when a copy a check relied on unread was not what the store held."""
WHOLE_HISTORY_EVENTS_MAX = 200
"""An aggregate not yet held is read whole in the batch query unless its history is longer."""
THREAD_CACHE_MAXSIZE = 2_000
"""Aggregates one thread keeps between commands, least recently used dropped first: per thread,
so a server with many threads keeps many; a customer's own (card, contract, packs, rate card) are
touched by each of its commands and stay, work entries age out."""


class _Entry(NamedTuple):
    """A held aggregate (None: no events yet), its version then, and whether it must be read
    before the next command decides on it (an append that relied on it was refused)."""

    aggregate: Any
    version: int
    stale: bool


class _Held:
    """One thread's state: its cache, and what the current block lent out. Keyed by the ids'
    integers: hashing a ``UUID`` is a Python call, and a command does some hundred lookups."""

    def __init__(self) -> None:
        self.cache: OrderedDict[int, _Entry] = OrderedDict()
        self.found: dict[int, Any] | None = None
        self.ids: list[UUID] = []
        self.versions: list[int] = []
        """The version each id of the block was decided on (0: absent)."""
        self.lent: dict[int, tuple[Any, int]] = {}
        self.committed: dict[int, tuple[Any, int]] = {}
        self.refused = False
        self.assuming = False
        self.assumed: dict[UUID, int] = {}
        """Held aggregates a check relied on unread (see ``CommandCache.assuming``), at their version."""
        self.refuted = False
        """An append carrying ``assumed`` was refused: the check stood on a changed copy."""


class CommandCache:
    """Per application: each thread's aggregates, read in one query and lent to one command."""

    def __init__(self, app: Application[UUID]) -> None:
        self.app = app
        self.local = threading.local()

    @functools.cached_property
    def supported(self) -> bool:
        recorder = self.app.recorder
        return isinstance(recorder, SQLiteAggregateRecorder) or on_postgres(recorder)

    @functools.cached_property
    def conditional(self) -> bool:
        """Whether the store's recorder checks a read condition (the ledger's own recorders do)."""
        recorder = self.app.recorder
        return isinstance(recorder, ConditionalSQLiteRecorder) or conditional_on_postgres(recorder)

    def _block(self) -> _Held | None:
        """This thread's state while a prefetched block is open; None outside one."""
        held: _Held | None = getattr(self.local, "held", None)
        return held if held is not None and held.found is not None else None

    def _held(self) -> _Held:
        held: _Held | None = getattr(self.local, "held", None)
        if held is None:
            held = self.local.held = _Held()
        return held

    @contextmanager
    def prefetched(self, aggregate_ids: Sequence[UUID], creates: Sequence[UUID] = ()) -> Iterator[None]:
        """Within the block, :meth:`take` answers for these ids from one query's results.

        Save inside the block what the command changed: what is committed there stays cached.
        ``creates``: ids the command creates when they have no events (a ticket's work entry). Not
        held, they may be taken to be absent without reading: if one exists after all, creating it
        collides with its first event in the store, and the re-run reads.
        """
        if not self.supported:
            yield
            return
        held = self._held()
        if held.found is not None:
            msg = "prefetched blocks do not nest"
            raise RuntimeError(msg)
        held.ids = list(dict.fromkeys(aggregate_ids))
        held.lent, held.committed, held.refused = {}, {}, False
        held.found = found = self._load(held, held.ids, {i.int for i in creates})
        held.versions = [_version(found[i.int]) for i in held.ids]
        try:
            yield
        finally:
            self._give_back(held)

    def take(self, aggregate_id: UUID) -> tuple[bool, Any]:
        """(True, the aggregate or None) when prefetched in this block; (False, None) otherwise."""
        held = self._block()
        if held is None or held.found is None:
            return False, None
        key = aggregate_id.int
        if key not in held.found:
            return False, None
        aggregate = held.found.pop(key)
        held.lent[key] = (aggregate, _version(aggregate))
        return True, aggregate

    def current(self, aggregate_id: UUID) -> tuple[bool, Any]:
        """(True, the aggregate as the store has it now, or None) for a read outside a block, in one
        query: this thread's copy advanced by the events stored after its version. A held copy is
        never trusted unread here, as no append follows to check it. (False, None) inside a block,
        or where batches are not supported: the caller reads through the repository.

        Why: a check made before a command (the identity mode in force) read the settings through
        the repository, a snapshot query and an events query, with a deep copy: a fifth of a
        ``work log``. The object stays in this thread's cache: read it, never change it (a
        change would be caught by its version and the copy dropped).
        """
        if not self.supported or self._block() is not None:
            return False, None
        held = self._held()
        cache = held.cache
        key = aggregate_id.int
        if held.assuming:
            entry = cache.get(key)
            if entry is not None and not entry.stale and _version(entry.aggregate) == entry.version:
                held.assumed[aggregate_id] = entry.version
                return True, entry.aggregate
        entry = cache.pop(key, None)
        if entry is not None and _version(entry.aggregate) != entry.version:
            entry = None  # changed since it was put back: not what the store has
        newer = self._select_newer({aggregate_id: 0 if entry is None else entry.version})
        stored = newer.get(aggregate_id, [])
        if entry is None and len(stored) > WHOLE_HISTORY_EVENTS_MAX:
            aggregate = self._first_load(aggregate_id)
        else:
            aggregate = None if entry is None else entry.aggregate
            for stored_event in stored:
                domain_event: Any = self.app.mapper.to_domain_event(stored_event)
                aggregate = domain_event.mutate(aggregate)
        cache[key] = _Entry(aggregate, _version(aggregate), stale=False)
        while len(cache) > THREAD_CACHE_MAXSIZE:
            cache.popitem(last=False)
        return True, aggregate

    def histories(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]] | None:
        """The stored events of each of these aggregates, in one query (no thread's cache is
        consulted or filled); None where batches are not supported."""
        if not self.supported:
            return None
        return self._select_newer(dict.fromkeys(aggregate_ids, 0))

    @contextmanager
    def assuming(self) -> Iterator[None]:
        """Within, :meth:`current` answers from this thread's copy without reading, when it holds
        one not known to be stale, and remembers it relied on it: the next append carries it in
        its read condition, or :meth:`confirm` reads it. For a check made before a command (the
        identity mode in force): its query was a tenth of a ``work log``, and the command's own
        append can check the same thing under its write lock."""
        held = self._held()
        held.assumed.clear()
        held.refuted = False
        held.assuming = self.conditional
        try:
            yield
        finally:
            held.assuming = False

    def relied(self) -> bool:
        """Whether a check relied on a copy no append has verified yet."""
        return bool(self._held().assumed)

    def confirm(self) -> bool:
        """Whether every copy relied on unverified is still what the store holds (one query; True
        at once when there is none); those found changed are read again next time."""
        held = self._held()
        if held.refuted:
            held.refuted = False
            return False
        if not held.assumed:
            return True
        assumed, held.assumed = held.assumed, {}
        newer = self._select_newer(assumed)
        self._stale(newer)
        return not newer

    def forget(self) -> None:
        """Nothing relied on any longer (the command is over)."""
        held = self._held()
        held.assumed.clear()
        held.refuted = False

    def read_condition(self) -> ReadCondition | None:
        """For an append inside the block: what the command read, at the versions it decided on;
        with what a check before the command relied on (inside a block or not)."""
        held = self._block()
        assumed = self._held().assumed if self.supported else None
        if not assumed:
            if held is None or not held.ids:
                return None
            return held.ids, held.versions
        ids, versions = ([], []) if held is None else (list(held.ids), list(held.versions))
        decided = dict(zip(ids, versions, strict=True))
        for aggregate_id, version in assumed.items():
            if decided.get(aggregate_id) != version:  # the same id at the same version: once
                ids.append(aggregate_id)
                versions.append(version)
        return ids, versions

    def committed(self, aggregates: Iterable[Any]) -> None:
        """The application saved these: lent ones may go back to the cache at their new version,
        and the block's read set stands at the versions now known. What was relied on stood.
        This thread's copy of one saved from another object (read through the repository) is
        now behind the store: it is dropped, so that nothing is assumed from it unread."""
        if not self.supported:
            return
        state = self._held()
        state.assumed.clear()
        held = self._block()
        for aggregate in aggregates:
            key = aggregate.id.int
            lent = None if held is None else held.lent.get(key)
            if lent is None:
                state.cache.pop(key, None)
                continue
            # The object lent, or one created where the block found none.
            if lent[0] is aggregate or lent[0] is None:
                assert held is not None
                held.committed[key] = (aggregate, aggregate.version)
        if held is None:
            return
        committed = held.committed
        held.versions = [
            committed[i.int][1] if i.int in committed else v
            for i, v in zip(held.ids, held.versions, strict=True)
        ]

    def refused(self) -> None:
        """The append was refused: what this block holds, and what was relied on, must be read
        again before it is relied on."""
        if self.supported:
            state = self._held()
            if state.assumed:
                self._stale(state.assumed)
                state.assumed.clear()
                state.refuted = True
        held = self._block()
        if held is not None:
            held.refused = True

    def _stale(self, aggregate_ids: Iterable[UUID]) -> None:
        cache = self._held().cache
        for aggregate_id in aggregate_ids:
            entry = cache.get(aggregate_id.int)
            if entry is not None:
                cache[aggregate_id.int] = entry._replace(stale=True)

    def _give_back(self, held: _Held) -> None:
        found = held.found
        assert found is not None
        cache, stale = held.cache, held.refused
        for aggregate_id in held.ids:
            key = aggregate_id.int
            if key in found:  # never taken
                aggregate = found[key]
            else:
                lent, version = held.lent[key]
                committed = held.committed.get(key)
                if committed is not None and committed[0].version == committed[1]:
                    aggregate = committed[0]
                elif _version(lent) == version:
                    aggregate = lent  # unchanged (or still absent)
                else:
                    continue  # changed and not committed: dropped
            cache[key] = _Entry(aggregate, _version(aggregate), stale)
            cache.move_to_end(key)
        while len(cache) > THREAD_CACHE_MAXSIZE:
            cache.popitem(last=False)
        held.found = None
        held.lent, held.committed = {}, {}

    def _load(self, held: _Held, aggregate_ids: Sequence[UUID], creates: set[int]) -> dict[int, Any]:
        entries: dict[int, _Entry | None] = {}
        for aggregate_id in aggregate_ids:
            entry = held.cache.pop(aggregate_id.int, None)
            # Changed since it was put back (a mutation after its block): not what the store has.
            entries[aggregate_id.int] = (
                entry if entry is not None and _version(entry.aggregate) == entry.version else None
            )
        if self.conditional and all(
            (entry is None or (entry.aggregate is None and not entry.stale))
            if key in creates  # held existing, it is a repeat: answered from a read
            else (entry is not None and not entry.stale)
            for key, entry in entries.items()
        ):
            # Decide on what is held: the append's read condition checks it is still current.
            return {key: None if entry is None else entry.aggregate for key, entry in entries.items()}
        versions: dict[UUID, int] = {}
        for aggregate_id in aggregate_ids:
            entry = entries[aggregate_id.int]
            versions[aggregate_id] = 0 if entry is None else entry.version
        newer = self._select_newer(versions)
        found: dict[int, Any] = {}
        for aggregate_id in aggregate_ids:
            key = aggregate_id.int
            entry = entries[key]
            stored = newer.get(aggregate_id, [])
            if entry is None and len(stored) > WHOLE_HISTORY_EVENTS_MAX:
                # A long history never held: load it from its snapshot instead, once.
                found[key] = self._first_load(aggregate_id)
                continue
            aggregate = None if entry is None else entry.aggregate
            for stored_event in stored:
                domain_event: Any = self.app.mapper.to_domain_event(stored_event)
                aggregate = domain_event.mutate(aggregate)
            found[key] = aggregate
        for aggregate_id in [i for i in held.assumed if i.int in found]:
            # A check before the command relied on it unread: it stands, or the command re-runs.
            if _version(found[aggregate_id.int]) != held.assumed.pop(aggregate_id):
                raise ReadSetChangedError(CHECK_CHANGED)
        return found

    def _first_load(self, aggregate_id: UUID) -> Any:
        """Through the repository (snapshot, then events): a private copy for this thread."""
        try:
            return self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _select_newer(self, versions: dict[UUID, int]) -> dict[UUID, list[StoredEvent]]:
        """The events after these versions, in one query."""
        recorder: Any = self.app.recorder
        newer: dict[UUID, list[StoredEvent]] = {}
        if on_postgres(recorder):
            rows = _postgres_rows(recorder, versions)
        else:
            rows = _sqlite_rows(recorder, versions)
        for originator_id, version, topic, state in rows:
            key = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
            newer.setdefault(key, []).append(StoredEvent(key, version, topic, bytes(state)))
        return newer


def _version(aggregate: Any) -> int:
    return 0 if aggregate is None else int(aggregate.version)


def _sqlite_rows(recorder: SQLiteAggregateRecorder, versions: dict[UUID, int]) -> list[tuple[Any, ...]]:
    """One SELECT in autocommit mode: a single statement reads one consistent snapshot."""
    where = " OR ".join("(originator_id = ? AND originator_version > ?)" for _ in versions)
    params: list[Any] = []
    for aggregate_id, version in versions.items():
        params += [aggregate_id.hex, version]
    statement = (
        f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        f"WHERE {where} ORDER BY originator_id, originator_version"
    )
    with recorder.datastore.get_connection(commit=False) as connection:
        cursor = connection.cursor()
        cursor.execute(statement, params)
        return [tuple(row) for row in cursor.fetchall()]


@functools.lru_cache(maxsize=64)
def _union_statement(schema: str, table: str, count: int) -> str:
    """The batch read for ``count`` aggregates, rendered once per shape."""
    from psycopg.sql import SQL, Identifier

    part = SQL(
        "(SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = %s AND originator_version > %s ORDER BY originator_version)"
    ).format(schema=Identifier(schema), table=Identifier(table))
    return SQL(" UNION ALL ").join([part] * count).as_string(None)


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _postgres_rows(recorder: PostgresAggregateRecorder, versions: dict[UUID, int]) -> list[tuple[Any, ...]]:
    """One prepared SELECT in autocommit mode: one round trip, no BEGIN and COMMIT around it.

    One index range scan per aggregate, joined by ``UNION ALL`` rather than a join with ``unnest``
    of the ids (the comparison: benchmarks/README.md). Retried like the library's own reads, so
    that a connection broken by a database restart is replaced instead of failing the command."""
    statement = _union_statement(recorder.datastore.schema, recorder.events_table_name, len(versions))
    params: list[Any] = []
    for aggregate_id, version in versions.items():
        params += [aggregate_id, version]
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, params, prepare=True)
        return [
            (row["originator_id"], row["originator_version"], row["topic"], row["state"])
            for row in cursor.fetchall()
        ]
