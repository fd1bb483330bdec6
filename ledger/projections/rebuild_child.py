"""A child process of a parallel rebuild (see :mod:`ledger.projections.parallel`).

Run as ``python -m ledger.projections.rebuild_child``: it reads the store's configuration, the
settings and the names of its views (pickled) on stdin, rebuilds those views together, and writes
``("ok", results)`` or ``("error", the exception)`` (pickled) on stdout.
"""

from __future__ import annotations

import pickle
import sys
from typing import TYPE_CHECKING, Any

from ledger.eventstore.application import LedgerApplication
from ledger.projections.runtime import Projections

if TYPE_CHECKING:
    from ledger.config import LedgerSettings
    from ledger.projections.parallel import RebuildResult
    from ledger.store import StoreConfig


def rebuild_group(
    config: StoreConfig, settings: LedgerSettings | None, names: tuple[str, ...]
) -> list[RebuildResult]:
    """A child's part: open the store afresh and rebuild ``names`` together."""
    app = LedgerApplication(env=config.env)
    projections = Projections(app, config, settings)
    try:
        return projections.rebuild_together(names)
    finally:
        projections.close()
        app.close()


def _child() -> None:
    config, settings, names = pickle.loads(sys.stdin.buffer.read())  # from our parent
    try:
        answer: tuple[str, Any] = ("ok", rebuild_group(config, settings, names))
    except Exception as error:  # any failure goes to the parent, typed if it can be
        answer = ("error", error)
    try:
        payload = pickle.dumps(answer)
    except Exception:  # an error that cannot be pickled: its text
        payload = pickle.dumps(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
    sys.stdout.buffer.write(payload)


if __name__ == "__main__":
    _child()
