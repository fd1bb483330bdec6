"""People and their roles: add, change, deactivate, and the lookups identity checks need.

Rules a security officer relies on: ids are normalised once; a customer contact is bound to one
existing customer; a database login belongs to one person; and nobody changes or deactivates their
own record (else one person could give themselves a role, or free their login and take another's).
The only exception is the very first person of an empty register, who may add themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.aggregates.people import People
from ledger.aggregates.person import Person
from ledger.commands.fields import parse_name, parse_required_text
from ledger.domain.identity import person_id
from ledger.domain.roles import CUSTOMER_CONTACT, parse_roles
from ledger.domain.texts import customer_slug
from ledger.errors import IdentityError, InvalidInputError, UnknownPersonError

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import AddPerson, ChangePerson, DeactivatePerson
    from ledger.commands.queries import EveryPerson, PersonOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork

DB_ROLE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@$-]{0,62}$")
"""A PostgreSQL role or operating-system login name as the server reports it (63 bytes at most)."""
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,63}$")


@dataclass(frozen=True)
class PersonView:
    """A person as they stand now."""

    person: str
    name: str
    roles: tuple[str, ...]
    customer: str | None
    email: str | None
    db_role: str | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "name": self.name,
            "roles": list(self.roles),
            "customer": self.customer,
            "email": self.email,
            "db_role": self.db_role,
            "active": self.active,
        }


def view(person: Person) -> PersonView:
    return PersonView(
        person.person,
        person.name,
        tuple(person.roles),
        person.customer,
        person.email,
        person.db_role,
        person.active,
    )


def register(app: Reader) -> People | None:
    return app.get_or_none(People.create_id(), People)


def person_or_none(app: Reader, person: str) -> Person | None:
    return app.get_or_none(Person.create_id(person), Person)


def person_of(app: Reader, query: PersonOf, asked: Asked) -> PersonView:
    """One registered person, or UnknownPersonError."""
    found = person_or_none(app, person_id(query.person, "person"))
    if found is None:
        raise UnknownPersonError(person_id(query.person, "person"))
    return view(found)


def every_person(app: Reader, query: EveryPerson, asked: Asked) -> list[PersonView]:
    """Every registered person (active or not), by id."""
    return everyone(app)


def everyone(app: Reader) -> list[PersonView]:
    people = register(app)
    found = [person_or_none(app, name) for name in sorted(people.people if people else [])]
    return [view(person) for person in found if person is not None]


def by_login(app: Reader, login: str) -> PersonView | None:
    """The person a database or operating-system login is bound to, if any."""
    people = register(app)
    name = None if people is None else people.logins.get(login)
    person = None if name is None else person_or_none(app, name)
    return None if person is None else view(person)


def anyone_registered(app: Reader) -> bool:
    people = register(app)
    return people is not None and bool(people.people)


# --- validation ------------------------------------------------------------------------------


def details_of(values: dict[str, Any]) -> dict[str, Any]:
    """Name, roles, customer, e-mail and login checked and in stored form."""
    roles = parse_roles(values["roles"])
    customer = values.get("customer")
    if customer is not None:
        customer = customer_slug(customer)
    if CUSTOMER_CONTACT in roles and len(roles) > 1:
        msg = "a customer-contact works for the customer and holds no provider role besides"
        raise InvalidInputError("role", msg)
    if CUSTOMER_CONTACT in roles and customer is None:
        raise InvalidInputError("customer", "a customer-contact is bound to one customer: give --customer")
    if CUSTOMER_CONTACT not in roles and customer is not None:
        raise InvalidInputError("customer", "only a customer-contact is bound to a customer")
    email = values.get("email")
    if email is not None:
        email = person_id(email, "email")
        if not EMAIL_PATTERN.match(email):
            raise InvalidInputError("email", f"{email!r} is not an e-mail address")
    db_role = values.get("db_role")
    if db_role is not None:
        if not isinstance(db_role, str) or not DB_ROLE_PATTERN.match(db_role.strip()):
            raise InvalidInputError("db_role", f"{db_role!r} is not a database or login name")
        db_role = db_role.strip()
    name = parse_name(values["name"], _Info("name"))  # type: ignore[arg-type]
    return {"name": name, "roles": list(roles), "customer": customer, "email": email, "db_role": db_role}


@dataclass(frozen=True)
class _Info:
    """Just enough of pydantic's ValidationInfo for the shared field parsers."""

    field_name: str


# --- commands --------------------------------------------------------------------------------


def add_person(uow: UnitOfWork, command: AddPerson, context: Context) -> PersonView:
    """Register a person; the same details again change nothing, other details are refused."""
    name = person_id(command.person, "person")
    details = details_of(command.details)
    actor, now = context.actor, context.now
    if details["customer"] is not None:
        uow.customer(details["customer"])
    people = register(uow)
    existing = person_or_none(uow, name)
    if existing is not None:
        if existing.details() == details and existing.active:
            return view(existing)  # sent again: nothing to record
        msg = f"{name!r} is already registered with other details; use 'person change'"
        raise IdentityError("person", msg)
    if actor == name and people is not None and people.people:
        raise IdentityError("actor", f"{actor} cannot add themselves; another person must")
    people = people or People(actor=actor, effective_at=now)
    people.add(name, actor, now)
    people.bind(name, None, details["db_role"], actor, now)
    added = Person(person=name, **details, actor=actor, effective_at=now)
    uow.save(people, added)
    return view(added)


def change_person(uow: UnitOfWork, command: ChangePerson, context: Context) -> PersonView:
    """Change some details (the rest stay); not one's own record."""
    name = person_id(command.person, "person")
    actor, now, changes = context.actor, context.now, command.changes
    _not_oneself(actor, name, "change")
    found = person_or_none(uow, name)
    people = register(uow)
    if found is None or people is None:
        raise UnknownPersonError(name)
    merged = {**found.details(), **{k: v for k, v in changes.items() if v is not None}}
    for key in ("customer", "email", "db_role"):
        if changes.get(key) == "":
            merged[key] = None
    details = details_of(merged)
    if details["customer"] is not None:
        uow.customer(details["customer"])
    old_login = found.db_role
    if found.change(details, actor, now):
        people.bind(name, old_login, details["db_role"], actor, now)
        uow.save(people, found)
    return view(found)


def deactivate_person(uow: UnitOfWork, command: DeactivatePerson, context: Context) -> PersonView:
    """From now on the person may not act; their login is freed. Not one's own record."""
    name = person_id(command.person, "person")
    actor, now = context.actor, context.now
    _not_oneself(actor, name, "deactivate")
    why = parse_required_text(command.reason, _Info("reason"))  # type: ignore[arg-type]
    found = person_or_none(uow, name)
    people = register(uow)
    if found is None or people is None:
        raise UnknownPersonError(name)
    found.deactivate(why, actor, now)
    people.bind(name, found.db_role, None, actor, now)
    uow.save(people, found)
    return view(found)


def _not_oneself(actor: str, person: str, doing: str) -> None:
    if actor == person:
        msg = f"{actor} cannot {doing} their own record; another person (a security officer) must"
        raise IdentityError("actor", msg)
