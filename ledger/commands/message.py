"""What commands and queries share: immutable pydantic models whose validation errors are the
ledger's own, so a caller gets one :class:`~ledger.errors.InvalidInputError` naming the field."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from ledger.errors import InvalidInputError


class Message(BaseModel):
    """Base of every message the bus handles: immutable, no unknown fields; a model's validator is
    built when it is first used, so loading the models costs a process nothing it does not ask."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    @classmethod
    def build(cls, **values: Any) -> Self:
        """Validate ``values`` into a message or raise the first problem as an InvalidInputError."""
        try:
            return cls(**values)
        except ValidationError as error:
            raise as_ledger_error(error) from None


def as_ledger_error(error: ValidationError) -> InvalidInputError:
    """The first problem pydantic found, as the ledger's error (a field validator's own, if it raised one)."""
    first = error.errors()[0]
    original = first.get("ctx", {}).get("error")
    if isinstance(original, InvalidInputError):
        return original
    field = ".".join(str(part) for part in first["loc"]) or "input"
    if first["type"] == "missing":
        return InvalidInputError(field, "is required")
    if first["type"] == "enum":
        return InvalidInputError(field, f"{first['input']!r} is not one of {first['ctx']['expected']}")
    return InvalidInputError(field, first["msg"].lower())
