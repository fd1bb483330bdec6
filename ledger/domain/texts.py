"""The ledger's text fields: customer ids, references, names, admin accounts, e-mail addresses,
months. Each parser names its field in its refusal.

Why here and not beside the command models' field types (:mod:`ledger.commands.fields`, which wrap
these for pydantic): the facade checks a question's arguments with them too, and a question needs
no model machinery.
"""

from __future__ import annotations

import re

from ledger.domain.grammar import printable
from ledger.domain.identity import person_id
from ledger.domain.time import parse_month
from ledger.errors import InvalidInputError

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
REFERENCE_LENGTH_MAX = 100
NAME_LENGTH_MAX = 200
TEXT_LENGTH_MAX = 2000


def checked_text(value: object, field: str, maximum: int, *, required: bool) -> str:
    """Printable text, trimmed, at most ``maximum`` characters (and not empty when ``required``)."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not text")
    text = value.strip()
    if required and not text:
        raise InvalidInputError(field, "is empty")
    if len(text) > maximum:
        raise InvalidInputError(field, f"is {len(text)} characters long; the maximum is {maximum}")
    return printable(text, field, lines=True)


def customer_slug(value: object, field: str = "customer") -> str:
    """A customer id: lower-case letters, digits and inner hyphens, at most 64 characters."""
    text = checked_text(value, field, 64, required=True)
    if not SLUG_PATTERN.match(text):
        msg = f"{text!r} is not a customer id (lower-case letters, digits and hyphens, e.g. 'acme')"
        raise InvalidInputError(field, msg)
    return text


def reference(value: object, field: str) -> str:
    """A ticket, order or invoice reference: one line of printable text without spaces at the ends."""
    text = checked_text(value, field, REFERENCE_LENGTH_MAX, required=True)
    if "\n" in text or "\t" in text:
        raise InvalidInputError(field, "must be a single line")
    return printable(text, field)


def actor_name(value: object) -> str:
    """Who records: one spelling per person (see :func:`ledger.domain.identity.person_id`),
    checked before any write."""
    return person_id(value, "actor")


def name_text(value: object, field: str) -> str:
    """A person's or customer's name: one printable line, at most NAME_LENGTH_MAX characters."""
    text = checked_text(value, field, NAME_LENGTH_MAX, required=True)
    if "\n" in text:
        raise InvalidInputError(field, "must be a single line")
    return printable(text, field)


EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def email_address(value: object, field: str) -> str:
    """One plain address, ``name@host``: no display name, no list (a mail goes to one manager)."""
    text = checked_text(value, field, 254, required=True)
    if not EMAIL_PATTERN.match(text):
        raise InvalidInputError(field, f"{text!r} is not an e-mail address such as anna@example.nl")
    return text


ACCOUNT_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._@-]{0,98}[a-z0-9])?$")


def admin_account_name(value: object, field: str = "account") -> str:
    """An admin account name (``adm-jan``, ``jan.admin@acme.nl``): compared lower-cased, as in AD."""
    text = checked_text(value, field, 100, required=True).lower()
    if not ACCOUNT_PATTERN.match(text):
        msg = f"{text!r} is not an account name (letters, digits and . _ @ -, e.g. 'adm-jan')"
        raise InvalidInputError(field, msg)
    return text


def month_key(value: object, field: str = "month") -> str:
    """A calendar month as ``YYYY-MM``."""
    first = parse_month(value, field)
    return f"{first.year:04d}-{first.month:02d}"
