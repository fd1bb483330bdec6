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
from typing import Any, Self, dataclass_transform

from ledger import lazy
from ledger.domain.texts import admin_account_name, customer_slug, month_key, reference
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
    "month": month_key,
}
"""A question's fields are parsed by their name, with the parsers the command models use: the same
input gives the same value and the same error whichever way it comes in."""


@dataclass_transform(kw_only_default=True, frozen_default=True)
@dataclasses.dataclass(frozen=True, kw_only=True)
class Query:
    """A question about what is recorded; nothing is written. Every subclass is a frozen dataclass
    whose fields are parsed by name (a field without a default must be given, and None is refused).

    A plain dataclass rather than a pydantic model like the commands: its few fields need only the
    shared parsers, and a question must answer at once (``ledger balance`` loads no model
    machinery)."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None or field.default is dataclasses.MISSING:
                object.__setattr__(self, field.name, PARSERS[field.name](value, field.name))

    @classmethod
    def build(cls, **values: object) -> Self:
        """The question with its fields parsed, or the first problem as an InvalidInputError."""
        return cls(**values)


class DatedQuery(Query):
    """A question about the records as they stand at ``at`` (None: the ledger's clock now)."""

    at: datetime | None = None


class BalanceOf(Query):
    """The customer's card now: credited, debited, expired and remaining."""

    customer: str


class WorkEntryOf(Query):
    """A recorded work entry with its derivation, named by its key or its (single-entry) ticket."""

    customer: str
    ticket: str | None = None
    entry: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.ticket is None and self.entry is None:
            raise InvalidInputError("entry", "name the entry: entry=ID or ticket=REF")


class TicketEntriesOf(Query):
    """Every time entry on a ticket, as recorded (reversed ones included)."""

    customer: str
    ticket: str


class EntitlementAt(DatedQuery):
    """The support channel, tier and why, at ``at``."""

    customer: str


class ContractHistoryOf(Query):
    """Every change of the servicedesk contract, and the tier in force now."""

    customer: str


class PacksAt(DatedQuery):
    """The beheerpacks active at ``at`` and their whole history."""

    customer: str


class RateCardAt(DatedQuery):
    """The rates and rounding in force at ``at`` and the rate card's history."""

    customer: str


class SettingsAt(DatedQuery):
    """Every dated setting in force at ``at``, with since when and who set it."""


class EngagementReportOf(Query):
    """The on-site engagement now: focus areas, consultants, visits, evaluations."""

    customer: str


class StatementCutOffOf(Query):
    """When ``month``'s statements fall due: the dated cut-off in force at its end."""

    month: str


class AdminCheckAt(DatedQuery):
    """May ``account`` do ``task`` at ``at``? Default deny, with the reason."""

    customer: str
    account: str
    task: str


class AdminWhoAt(DatedQuery):
    """Which of the customer's admin accounts could do ``task`` at ``at``, and why the others not."""

    customer: str
    task: str


class AdminAccountsAt(DatedQuery):
    """Every admin account of the customer with its standing and grant at ``at``."""

    customer: str


class AdminHistoryOf(Query):
    """Every admin-account change of the customer (or of ``account``), in effective order."""

    customer: str
    account: str | None = None


class PersonOf(Query):
    """One registered person."""

    person: str


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
    StatementCutOffOf: _answer("statement_book", "statement_cut_off"),
    AdminCheckAt: _answer("admin", "check"),
    AdminWhoAt: _answer("admin", "who"),
    AdminAccountsAt: _answer("admin", "account_list"),
    AdminHistoryOf: _answer("admin", "history"),
    PersonOf: _answer("people", "person_of"),
    EveryPerson: _answer("people", "every_person"),
}
"""Which function answers which question; each module is imported when its first question comes."""
