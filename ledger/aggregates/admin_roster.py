"""The admin accounts of one customer: names only, so they can be listed without reading the log.

Why a separate small aggregate and not a field of Customer: the customer is read on every billing
command and snapshotted; admin accounts are a security concern with their own writers. A roster
entry is written in the same transaction as the account's first event, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, Record
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    pass

ACCOUNTS_MAX = 500
"""A customer with more admin accounts than this is not locked down; refuse rather than grow."""


class AdminRoster(CustomerRecord):
    """Which admin accounts a customer has (each one's history lives in its AdminAccount)."""

    KIND = "admin-roster"

    class Opened(CustomerRecord.Opened):
        """The roster of a customer's admin accounts was opened with its first account."""

    class AccountAdded(Record.Event):
        """Admin account ``account`` now exists for the customer (requested or granted first)."""

        account: str

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.accounts: list[str] = []

    def add(self, account: str, actor: str, effective_at: datetime) -> bool:
        """Add ``account``; False when it is already listed."""
        if account in self.accounts:
            return False
        if len(self.accounts) >= ACCOUNTS_MAX:
            msg = f"{self.customer!r} already has {ACCOUNTS_MAX} admin accounts"
            raise InvalidInputError("account", msg)
        self._account_added(account=account, actor=actor, effective_at=effective_at)
        return True

    @event(AccountAdded)
    def _account_added(self, account: str, actor: str, effective_at: datetime) -> None:
        self.accounts.append(account)
