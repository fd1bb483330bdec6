"""Query models: the questions the bus answers from the records themselves.

A question is validated like a command (the same field types, the same errors) and handed to
``MessageBus.handle``, which fixes the moment it is asked about (``at``; the ledger's clock when
left out) and runs ``QUERY_HANDLERS[type(query)]`` on the store: a plain function that loads the
records it needs and answers, writing nothing. Reports that read a view (balances, work records,
invoiceable lines, alerts, statements) and the auditor's questions about the log ask the read side
directly: they answer from a projection, not from the records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from pydantic import model_validator

from ledger import lazy
from ledger.commands.fields import AccountName, Instant, Reference, Slug
from ledger.commands.message import Message
from ledger.errors import InvalidInputError


class Query(Message):
    """A question about what is recorded; nothing is written."""


class DatedQuery(Query):
    """A question about the records as they stand at ``at`` (None: the ledger's clock now)."""

    at: Instant | None = None


class BalanceOf(Query):
    """The customer's card now: credited, debited, expired and remaining."""

    customer: Slug


class WorkEntryOf(Query):
    """A recorded work entry with its derivation, named by its key or its (single-entry) ticket."""

    customer: Slug
    ticket: Reference | None = None
    entry: Reference | None = None

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.ticket is None and self.entry is None:
            raise InvalidInputError("entry", "name the entry: entry=ID or ticket=REF")
        return self


class TicketEntriesOf(Query):
    """Every time entry on a ticket, as recorded (reversed ones included)."""

    customer: Slug
    ticket: Reference


class EntitlementAt(DatedQuery):
    """The support channel, tier and why, at ``at``."""

    customer: Slug


class ContractHistoryOf(Query):
    """Every change of the servicedesk contract, and the tier in force now."""

    customer: Slug


class PacksAt(DatedQuery):
    """The beheerpacks active at ``at`` and their whole history."""

    customer: Slug


class RateCardAt(DatedQuery):
    """The rates and rounding in force at ``at`` and the rate card's history."""

    customer: Slug


class SettingsAt(DatedQuery):
    """Every dated setting in force at ``at``, with since when and who set it."""


class EngagementReportOf(Query):
    """The on-site engagement now: focus areas, consultants, visits, evaluations."""

    customer: Slug


class AdminCheckAt(DatedQuery):
    """May ``account`` do ``task`` at ``at``? Default deny, with the reason."""

    customer: Slug
    account: AccountName
    task: str


class AdminWhoAt(DatedQuery):
    """Which of the customer's admin accounts could do ``task`` at ``at``, and why the others not."""

    customer: Slug
    task: str


class AdminAccountsAt(DatedQuery):
    """Every admin account of the customer with its standing and grant at ``at``."""

    customer: Slug


class AdminHistoryOf(Query):
    """Every admin-account change of the customer (or of ``account``), in effective order."""

    customer: Slug
    account: AccountName | None = None


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
    BalanceOf: _answer("cards", "balance"),
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
