"""A digest of every row of a view, stored with the view's position: reports refuse an edited view.

Why: a view is a read model in the same database as the events; anyone who can edit a table can
edit a figure a report prints. Each transaction that moves a view's position also stores a digest
of all its rows beside that position; a report first recomputes it, in one consistent read, and
refuses (:class:`~ledger.errors.ViewTamperedError`) when it differs, instead of printing edited
figures. ``ledger audit verify`` remains the full check (a rebuild from the log, row by row): the
digest is not keyed, so someone who knows the scheme can recompute it, but not the rebuild.

The digest is order-independent: per table, its row count and the sum of a hash of each row.
Triggers keep both up to date in ``{projection}_rowsums`` as rows are written (PostgreSQL: once
per statement, over the rows it added, removed or changed, ``md5`` of each row's text in the
server; SQLite: per row, BLAKE2b of the row's values through a function the ledger registers on
its own connections), so a digest costs one small read, for a report and
for a runner that commits one event at a time alike. The triggers fire for every change, the
projection's and anyone else's; only the projection writes the digest, so an edit made outside it
no longer matches. (A SQLite shell without the ledger's function cannot even change a row until
the triggers are dropped.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

DIGEST_MODULUS = 2**128
DIGEST_TABLE = "digest"
"""``{projection}_digest``: one row, the digest and the position it was taken at."""
ROWSUMS_TABLE = "rowsums"
"""``{projection}_rowsums``: per table its row count and hash sum, kept by triggers."""


HASH_MODULUS = 2**61
"""SQLite keeps hash sums in an INTEGER: modulo this they never overflow into a float."""


def row_hash(*values: Any) -> int:
    """SQLite's ``ledger_row_hash(table, col, ...)``: 60 bits of BLAKE2b over the row's values."""
    text = repr(values).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") >> 4


def hash_add(total: int | None, delta: int | None) -> int:
    """SQLite's ``ledger_hash_add``: the running sum, modulo :data:`HASH_MODULUS`."""
    return ((total or 0) + (delta or 0)) % HASH_MODULUS


class HashSum:
    """SQLite's aggregate ``ledger_hash_sum(hash)``: the sum of row hashes modulo
    :data:`HASH_MODULUS`, what the row triggers' ``ledger_hash_add`` reaches one row at a time
    (a view rebuilt without its triggers counts its rows once, at the end)."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, value: int | None) -> None:
        self.total = (self.total + (value or 0)) % HASH_MODULUS

    def finalize(self) -> int:
        return self.total


def server_digest(parts: Sequence[tuple[str, int, Any]]) -> str:
    """The digest from per-table (name, count, sum of row hashes) computed by the server."""
    total = sum(int(value or 0) for _, _, value in parts)
    counts = ",".join(f"{name}={count}" for name, count, _ in parts)
    return f"{total % DIGEST_MODULUS:032x}/{counts}"
