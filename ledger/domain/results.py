"""The vocabulary of answers: the money and time types of results, and their JSON form.

Why here, below the aggregates: both sides answer in it. The commands return results built on
:class:`Result`; the read side (projections, statements, audit) renders its rows through
:class:`JsonResult` and extends :class:`Balance`. Neither side needs to import the other for it.

In JSON an amount is a string with two decimals (``"500.00"``) and a moment is ISO 8601 with its
offset, exactly as the ledger has always printed them; in Python they stay ``Decimal`` and
``datetime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, SerializerFunctionWrapHandler, model_serializer

from ledger.domain.money import format_money


def _moment_text(moment: datetime) -> str:
    return moment.isoformat()


Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="json")]
"""An amount (or hours, or a percentage): ``Decimal`` in Python, ``"500.00"`` in JSON."""

Moment = Annotated[datetime, PlainSerializer(_moment_text, return_type=str, when_used="json")]
"""A timezone-aware moment: ``datetime`` in Python, ``datetime.isoformat()`` in JSON (never ``Z``)."""


class Result(BaseModel):
    """A typed answer of a command or query; ``to_json()`` is the stable form scripts and billing read.

    Frozen: an answer describes what happened and is not edited afterwards. Fields print in the
    order they are declared, every one of them (defaults included).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: amounts as two-decimal strings, moments as ISO 8601."""
        return self.model_dump(mode="json", by_alias=True)


class Record(Result):
    """A typed piece of nested data in a result (a history row, a grant, a derivation step).

    It was a plain ``dict`` before results were typed; callers still build it from one (pydantic
    validates the dict into the model) and readers may still read it as one: ``row["change"]``,
    ``row.get("rfc")``, ``row == {...}``. Keys are the JSON names; only the keys it was given are
    printed, so a row recorded before a key existed keeps its old shape.
    """

    _aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._aliases = {info.alias or name: name for name, info in cls.model_fields.items()}

    @model_serializer(mode="wrap")
    def _given_keys_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        given = self.model_fields_set | set(self.model_extra or {})
        return {key: value for key, value in data.items() if self._field_of(key) in given}

    @classmethod
    def _field_of(cls, key: str) -> str:
        return cls._aliases.get(key, key)

    # --- read as a mapping of its JSON keys, as when it was a dict ------------------------------

    def keys(self) -> list[str]:
        given = self.model_fields_set
        declared = [key for key, name in self._aliases.items() if name in given]
        return declared + list(self.model_extra or {})

    def __getitem__(self, key: str) -> Any:
        extra = self.model_extra or {}
        if key in extra:
            return extra[key]
        name = self._field_of(key)
        if name not in self.model_fields_set:
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def items(self) -> list[tuple[str, Any]]:
        return [(key, self[key]) for key in self.keys()]

    def values(self) -> list[Any]:
        return [self[key] for key in self.keys()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.keys()

    def __len__(self) -> int:
        return len(self.keys())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # like the dict it replaces


class Balance(Result):
    """A card's figures: balance = credited − debited − expired."""

    customer: str
    currency: str
    credited: Money
    debited: Money
    balance: Money
    expired: Money = Decimal("0.00")
    """Written off after expiry."""


# --- the read side's dataclass rows ------------------------------------------------------------


def _jsonable(value: object) -> Any:
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, JsonResult | Result):
        return value.to_json()
    return value


class JsonResult:
    """Mixin for the read side's dataclass rows: rendered as a JSON-ready dict in field order, with
    the same money and time forms as :class:`Result`."""

    def to_json(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]
