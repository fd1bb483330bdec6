"""Labels people type in several spellings: components, beheerpack names, roles.

Why normalise: "Network", " network" and "network " must be the same component, or a beheerpack
silently stops covering work logged with a capital letter.
"""

from __future__ import annotations

from ledger.errors import InvalidInputError

LABEL_LENGTH_MAX = 100


def normalize_label(value: object, field: str) -> str:
    """Lower-case, trimmed, inner whitespace collapsed to one space; empty or odd text refused."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not text")
    label = " ".join(value.split()).lower()
    if not label:
        raise InvalidInputError(field, "is empty")
    if len(label) > LABEL_LENGTH_MAX:
        msg = f"is {len(label)} characters long; the maximum is {LABEL_LENGTH_MAX}"
        raise InvalidInputError(field, msg)
    if any(not ch.isprintable() for ch in label):
        raise InvalidInputError(field, "contains control characters")
    if "," in label:
        raise InvalidInputError(field, f"{label!r} contains a comma; give one name per item")
    return label
