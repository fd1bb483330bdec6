"""What kind of work an entry is: the payer resolution looks at it (only support can fall under
the servicedesk contract)."""

from __future__ import annotations

from enum import StrEnum


class WorkKind(StrEnum):
    """The kinds of work a work entry can be."""

    SUPPORT = "support"
    RFC = "rfc"
    PROJECT = "project"
    ONSITE = "onsite"
    OTHER = "other"


def described(description: str, engineer: str | None) -> str:
    """A work line as reports and statements show it: what was done, and who did it."""
    if not engineer:
        return description
    return f"{description} ({engineer})" if description else engineer
