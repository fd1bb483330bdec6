"""A child process of a parallel rebuild (see :mod:`ledger.projections.parallel`).

Run as ``python -m ledger.projections.rebuild_child``: it reads its :class:`~.parallel.Job` (the
store's configuration, the settings, its views, for a verification the scratch schema, for a
SQLite rebuild the staging file) pickled on stdin, rebuilds those views together, and writes
``("ok", what it returns)`` or ``("error", the exception)`` pickled on stdout.
"""

from __future__ import annotations

import pickle
import sys
from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import SQLiteDatastore

from ledger.audit.findings import Findings
from ledger.audit.snapshots import check_snapshots
from ledger.collector import paced_for_bulk
from ledger.eventstore.application import LedgerApplication
from ledger.persistence.sqlite import scratch_file_datastore
from ledger.projections.compare import scratch_rebuild
from ledger.projections.parallel import CHECK_SNAPSHOTS
from ledger.projections.runtime import Projections, ScratchViews, scratch_datastore
from ledger.store import provisioning

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

    from ledger.projections.parallel import Job


def rebuild_group(job: Job) -> Any:
    """A child's part: open the store afresh and rebuild the job's views together (the live ones:
    their results; a verification's scratch ones: which views refused the log, and why), or check
    the snapshots for a verification (the summary and the findings)."""
    with provisioning(job.config):  # its functions are replaced on opening: children take turns
        app = LedgerApplication(env=job.config.env)
    projections = Projections(app, job.config, job.settings)
    try:
        if job.task == CHECK_SNAPSHOTS:
            findings = Findings()
            return check_snapshots(app, findings), findings
        datastore: SQLiteDatastore | PostgresDatastore
        if job.staging_file is not None:
            return projections.rebuild_into(job.staging_file, job.names)
        if job.scratch_file is not None:
            datastore = scratch_file_datastore(job.scratch_file)
        elif job.scratch_schema is not None:
            datastore = scratch_datastore(job.config, job.scratch_schema, job.lock_timeout)
        else:
            return projections.rebuild_together(job.names)
        try:
            return scratch_rebuild(app, projections, ScratchViews(projections, datastore), job.names)
        finally:
            datastore.close()
    finally:
        projections.close()
        app.close()


def _child() -> None:
    job = pickle.loads(sys.stdin.buffer.read())  # from our parent
    try:
        with paced_for_bulk():  # a process for one bulk task: see ledger.collector
            answer: tuple[str, Any] = ("ok", rebuild_group(job))
    except Exception as error:  # any failure goes to the parent, typed if it can be
        answer = ("error", error)
    try:
        payload = pickle.dumps(answer)
    except Exception:  # an error that cannot be pickled: its text
        payload = pickle.dumps(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
    sys.stdout.buffer.write(payload)


if __name__ == "__main__":
    _child()
