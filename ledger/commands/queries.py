"""Query models: the questions the bus answers from the records themselves.

A question is validated like a command (the same parsers, the same errors) and handed to
``MessageBus.handle``, which fixes the moment it is asked about (``at``; the ledger's clock when
left out) and runs ``QUERY_HANDLERS[type(query)]`` on the store: a plain function that loads the
records it needs and answers, writing nothing. Reports that read a view (balances, work records,
invoiceable lines, alerts, statements) and the auditor's questions about the log ask the read side
directly: they answer from a projection, not from the records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Self

from ledger import lazy
from ledger.domain.texts import admin_account_name, customer_slug, reference
from ledger.domain.time import parse_instant
from ledger.errors import InvalidInputError


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "is required")
    return value.strip()


PARSERS: dict[str, Callable[[object, str], Any]] = {
    "customer": customer_slug,
    "ticket": reference,
    "entry": reference,
    "account": admin_account_name,
    "at": parse_instant,
    "task": _text,
    "person": _text,
}
"""A question's fields are parsed by their name, with the parsers the command models use: the same
input gives the same value and the same error whichever way it comes in."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Query:
    """A question about what is recorded; nothing is written.

    A plain dataclass rather than a pydantic model like the commands: its few fields need only the
    shared parsers, and a question must answer at once (``ledger balance`` loads no model
    machinery)."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None:
                if field.name in self.REQUIRED:
                    raise InvalidInputError(field.name, "is required")
                continue
            object.__setattr__(self, field.name, PARSERS[field.name](value, field.name))

    @classmethod
    def build(cls, **values: object) -> Self:
        """The question with its fields parsed, or the first problem as an InvalidInputError."""
        return cls(**values)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DatedQuery(Query):
    """A question about the records as they stand at ``at`` (None: the ledger's clock now)."""

    at: datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class BalanceOf(Query):
    """The customer's card now: credited, debited, expired and remaining."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkEntryOf(Query):
    """A recorded work entry with its derivation, named by its key or its (single-entry) ticket."""

    REQUIRED = ("customer",)
    customer: str
    ticket: str | None = None
    entry: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.ticket is None and self.entry is None:
            raise InvalidInputError("entry", "name the entry: entry=ID or ticket=REF")


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketEntriesOf(Query):
    """Every time entry on a ticket, as recorded (reversed ones included)."""

    REQUIRED = ("customer", "ticket")
    customer: str
    ticket: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class EntitlementAt(DatedQuery):
    """The support channel, tier and why, at ``at``."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContractHistoryOf(Query):
    """Every change of the servicedesk contract, and the tier in force now."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PacksAt(DatedQuery):
    """The beheerpacks active at ``at`` and their whole history."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class RateCardAt(DatedQuery):
    """The rates and rounding in force at ``at`` and the rate card's history."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SettingsAt(DatedQuery):
    """Every dated setting in force at ``at``, with since when and who set it."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EngagementReportOf(Query):
    """The on-site engagement now: focus areas, consultants, visits, evaluations."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdminCheckAt(DatedQuery):
    """May ``account`` do ``task`` at ``at``? Default deny, with the reason."""

    REQUIRED = ("customer", "account", "task")
    customer: str
    account: str
    task: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdminWhoAt(DatedQuery):
    """Which of the customer's admin accounts could do ``task`` at ``at``, and why the others not."""

    REQUIRED = ("customer", "task")
    customer: str
    task: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdminAccountsAt(DatedQuery):
    """Every admin account of the customer with its standing and grant at ``at``."""

    REQUIRED = ("customer",)
    customer: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdminHistoryOf(Query):
    """Every admin-account change of the customer (or of ``account``), in effective order."""

    REQUIRED = ("customer",)
    customer: str
    account: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonOf(Query):
    """One registered person."""

    REQUIRED = ("person",)
    person: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class EveryPerson(Query):
    """Every registered person, active or not."""


def _answer(module: str, function: str) -> Callable[..., Any]:
    """``(reader, query, asked) → answer`` of ``ledger.commands.module``, imported on its first question."""
    answer: Callable[..., Any] = lazy.function(f"ledger.commands.{module}", function)
    return answer


QUERY_HANDLERS: dict[type[Query], Callable[..., Any]] = {
    BalanceOf: _answer("card_balance", "balance"),
    WorkEntryOf: _answer("work", "work_entry"),
    TicketEntriesOf: _answer("work", "entries_on_ticket"),
    EntitlementAt: _answer("entitlements", "entitlement"),
    ContractHistoryOf: _answer("contracts", "contract_history"),
    PacksAt: _answer("packs", "pack_list"),
    RateCardAt: _answer("rates", "rate_card"),
    SettingsAt: _answer("settings", "settings_in_force"),
    EngagementReportOf: _answer("onsite", "engagement_report"),
    AdminCheckAt: _answer("admin", "check"),
    AdminWhoAt: _answer("admin", "who"),
    AdminAccountsAt: _answer("admin", "account_list"),
    AdminHistoryOf: _answer("admin", "history"),
    PersonOf: _answer("people", "person_of"),
    EveryPerson: _answer("people", "every_person"),
}
"""Which function answers which question; each module is imported when its first question comes."""
