"""Python's cyclic garbage collector, paced for the ledger's bulk work (an import, a rebuild).

Why: bulk work holds a batch at a time (an import's rows, commands, events and aggregates; a
rebuild's decoded section and its views' state) until the batch is written. At Python's default
pace (a collection of the youngest generation every 700 allocations) what a batch holds survives
into the older generations, and every full collection walks it all again: 12–18 % of an import
and 10 % of a rebuild's process (benchmarks/README.md). Paced, the youngest generation waits for
10,000 allocations: the collector keeps running, so cycles are still freed and memory stays
bounded. The thresholds are the process's, so they are given back afterwards, however the work
ends; a collector switched off (threshold 0), or already paced slower, is left as it is.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_COLLECTION_EVERY", "paced_for_bulk"]

YOUNG_COLLECTION_EVERY = 10_000
"""Allocations between two collections of the youngest generation during bulk work."""


@contextmanager
def paced_for_bulk() -> Iterator[None]:
    """Within the block, collect the youngest generation every ``YOUNG_COLLECTION_EVERY``
    allocations (see the module's docstring); then the thresholds as they were."""
    previous = gc.get_threshold()
    if 0 < previous[0] < YOUNG_COLLECTION_EVERY:
        gc.set_threshold(YOUNG_COLLECTION_EVERY, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
