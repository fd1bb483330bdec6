"""Python's cyclic garbage collector, paced for the ledger's bulk work (an import, a rebuild).

Why: bulk work holds a batch at a time (an import's rows, commands, events and aggregates; a
rebuild's decoded section and its views' state) until the batch is written. At Python's default
pace (a collection of the youngest generation every 700 allocations) what a batch holds survives
into the older generations, and every full collection walks it all again: 12–18 % of an import
and 10 % of a rebuild's process (benchmarks/README.md). Paced, the youngest generation waits for
10,000 allocations: the collector keeps running, so cycles are still freed and memory stays
bounded. The thresholds are the process's, so they are given back when the last bulk task running
ends, however it ends; a collector switched off (threshold 0), or already paced slower, is left as
it is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_COLLECTION_EVERY", "paced_for_bulk"]

YOUNG_COLLECTION_EVERY = 10_000
"""Allocations between two collections of the youngest generation during bulk work."""

_lock = threading.Lock()
_running = 0
"""Bulk tasks in their block now, in any thread of the process."""
_before: tuple[int, int, int] = (0, 0, 0)
"""The thresholds when the first of them began: what the last one to end gives back."""


@contextmanager
def paced_for_bulk() -> Iterator[None]:
    """Within the block (or the call of a function decorated with ``@paced_for_bulk()``), collect
    the youngest generation every ``YOUNG_COLLECTION_EVERY`` allocations (see the module's
    docstring); then the thresholds as they were.

    Counted, not nested: two threads' tasks may end in either order (an import begun before a
    verification may end first), and only the last to end gives the thresholds back, the ones from
    before the first began."""
    global _running, _before  # one collector per process: its pace is the process's
    with _lock:
        if _running == 0:
            _before = gc.get_threshold()
            if 0 < _before[0] < YOUNG_COLLECTION_EVERY:
                gc.set_threshold(YOUNG_COLLECTION_EVERY, *_before[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_before)
