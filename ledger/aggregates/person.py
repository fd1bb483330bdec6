"""A person who acts on the ledger: their name, roles, customer, e-mail and database login.

Why an aggregate and not a config file: who could do what, and since when, is evidence an auditor
needs, so every change of a person is an event naming who made it. People are never deleted;
deactivation is final (a returning colleague gets their record changed back by someone else only
while active; a deactivated id stays deactivated, so old events keep pointing at one history).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.errors import IdentityError

if TYPE_CHECKING:
    from uuid import UUID

CHANGES_MAX = 1000
"""A person's record changes a few times a year; a thousand changes is a runaway script."""


class Person(Record):
    """One person, known by their normalised id (see :func:`ledger.domain.identity.person_id`)."""

    class Added(Record.Created):
        """``person`` was registered with ``roles`` (and, for a customer contact, ``customer``)."""

        person: str
        name: str
        roles: list[str]
        customer: str | None
        email: str | None
        db_role: str | None

    class Changed(Record.Event):
        """The person's details are now these (the whole record, not a difference)."""

        name: str
        roles: list[str]
        customer: str | None
        email: str | None
        db_role: str | None

    class Deactivated(Record.Event):
        """The person may no longer act, from ``effective_at`` on."""

        reason: str

    @staticmethod
    def create_id(person: str) -> UUID:
        return natural_id("person", person)

    @event(Added)
    def __init__(
        self,
        person: str,
        name: str,
        roles: list[str],
        customer: str | None,
        email: str | None,
        db_role: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.person = person
        self.active = True
        self.changes = 0
        self._apply(name, roles, customer, email, db_role)

    def details(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roles": list(self.roles),
            "customer": self.customer,
            "email": self.email,
            "db_role": self.db_role,
        }

    def change(self, details: dict[str, Any], actor: str, effective_at: datetime) -> bool:
        """Record the new details; False when nothing differs. Refused once deactivated."""
        self._must_be_active("change")
        if details == self.details():
            return False
        if self.changes >= CHANGES_MAX:
            raise IdentityError("person", f"{self.person!r} already has {CHANGES_MAX} changes")
        self._changed(**details, actor=actor, effective_at=effective_at)
        return True

    def deactivate(self, reason: str, actor: str, effective_at: datetime) -> None:
        self._must_be_active("deactivate")
        self._deactivated(reason=reason, actor=actor, effective_at=effective_at)

    def _must_be_active(self, doing: str) -> None:
        if not self.active:
            msg = f"{self.person!r} is deactivated; a deactivated person cannot be {doing}d"
            raise IdentityError("person", msg)

    @event(Changed)
    def _changed(
        self,
        name: str,
        roles: list[str],
        customer: str | None,
        email: str | None,
        db_role: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.changes += 1
        self._apply(name, roles, customer, email, db_role)

    @event(Deactivated)
    def _deactivated(self, reason: str, actor: str, effective_at: datetime) -> None:
        self.active = False

    def _apply(
        self, name: str, roles: list[str], customer: str | None, email: str | None, db_role: str | None
    ) -> None:
        self.name = name
        self.roles = list(roles)
        self.customer = customer
        self.email = email
        self.db_role = db_role
