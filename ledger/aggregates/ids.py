"""Natural-key aggregate ids: the same customer, card or ticket always maps to the same UUID.

Why: a second ``add`` of a customer or a second ``log`` of a ticket then collides on the store's
unique (aggregate id, version) key, which makes idempotency hold even between racing processes.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("6f1c2a4e-9a57-4c1e-8d3e-2b7f0c5a9e11")


@lru_cache(maxsize=16_384)  # a command derives the same few ids (customer, card, contract...) repeatedly
def natural_id(kind: str, *parts: str) -> UUID:
    """A stable UUID for ``kind`` and its key parts (joined unambiguously)."""
    key = "\x1f".join((kind, *parts))
    return uuid5(LEDGER_NAMESPACE, key)
