"""Who did it: one spelling per person, decided once, for every actor and person id.

Why here and only here: four-eyes compares people. If ``JAN@acme.nl`` and ``jan@acme.nl`` (or a
name with a zero-width space or a right-to-left override in it) were different strings, one person
could be two. Every actor and every person id goes through :func:`person_id` before it is compared
or stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ledger.errors import InvalidInputError

PERSON_ID_LENGTH_MAX = 200
"""Longer than any login or e-mail address; beyond it, a runaway script or an attack."""

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control, format (zero-width, bidi marks and overrides), surrogate, private-use, unassigned,
and line/paragraph separators: characters a reader cannot see or that reorder what they see."""

_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
"""Fillers that render as nothing yet are letters or marks (Hangul fillers, braille blank, ...)."""


def person_id(value: object, field: str = "actor") -> str:
    """The one spelling of a person: NFKC, case-folded, trimmed, inner runs of spaces made one.

    Refused: non-text, empty, too long, and any invisible, control or bidirectional character.
    """
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not text")
    text = unicodedata.normalize("NFKC", value)
    for char in text:
        if char in "\t\n\r":
            raise InvalidInputError(field, "must be a single line")
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _INVISIBLE:
            name = unicodedata.name(char, "unnamed")
            msg = f"contains an invisible, control or bidirectional character (U+{ord(char):04X} {name})"
            raise InvalidInputError(field, msg)
    folded = " ".join(unicodedata.normalize("NFKC", text.casefold()).split())
    if not folded:
        raise InvalidInputError(field, "is empty")
    if len(folded) > PERSON_ID_LENGTH_MAX:
        msg = f"is {len(folded)} characters long; the maximum is {PERSON_ID_LENGTH_MAX}"
        raise InvalidInputError(field, msg)
    return folded


@dataclass(frozen=True)
class Acting:
    """Who the write is recorded as (``actor``) and, when authenticated, the login behind it."""

    actor: str
    login: str | None
    mode: str
