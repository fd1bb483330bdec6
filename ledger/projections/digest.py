"""A digest of every row of a view, stored with the view's position: reports refuse an edited view.

Why: a view is a read model in the same database as the events; anyone who can edit a table can
edit a figure a report prints. Each transaction that moves a view's position also stores a digest
of all its rows beside that position; a report first recomputes it, in one consistent read, and
refuses (:class:`~ledger.errors.ViewTamperedError`) when it differs, instead of printing edited
figures. ``ledger audit verify`` remains the full check (a rebuild from the log, row by row): the
digest is not keyed, so someone who knows the scheme can recompute it, but not the rebuild.

The digest is order-independent: the sum, modulo 2**128, of a BLAKE2b hash of each row's values
(with its table's name), plus each table's row count. PostgreSQL keeps those sums up to date with
row triggers (``md5`` of the row's text, in the server), so a digest costs one small read, also
for a runner that commits one event at a time; SQLite (and the in-memory views of an encrypted
store) computes it in Python, one pass over the view per catch-up batch and per report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

DIGEST_MODULUS = 2**128
DIGEST_TABLE = "digest"
"""``{projection}_digest``: one row, the digest and the position it was taken at."""
ROWSUMS_TABLE = "rowsums"
"""PostgreSQL: ``{projection}_rowsums``, per table its row count and hash sum, kept by row triggers."""


def python_digest(tables: Sequence[tuple[str, Sequence[Any]]]) -> str:
    """The digest of rows fetched into Python, table by table."""
    total, counts = 0, []
    for name, rows in tables:
        for row in rows:
            values = tuple(row.values()) if isinstance(row, Mapping) else tuple(row)
            text = repr((name, values)).encode("utf-8")
            total += int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")
        counts.append(f"{name}={len(rows)}")
    return f"{total % DIGEST_MODULUS:032x}/{','.join(counts)}"


def server_digest(parts: Sequence[tuple[str, int, Any]]) -> str:
    """The digest from per-table (name, count, sum of row hashes) computed by the server."""
    total = sum(int(value or 0) for _, _, value in parts)
    counts = ",".join(f"{name}={count}" for name, count, _ in parts)
    return f"{total % DIGEST_MODULUS:032x}/{counts}"
