"""Typed exceptions of the ledger library.

Every error a caller can cause is a :class:`LedgerError`; the CLI turns any of them into one line on
stderr and exit code 2. Nothing is written when one is raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose: ``field`` names what was wrong, ``reason`` why.

    ``str(error)`` is ``"FIELD: REASON"``, the line the CLI prints after ``ledger: error:``.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(field, reason)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its class and attributes, whatever its constructor takes: an error raised in a
        child process (a parallel rebuild) reaches the parent as the same typed error."""
        return (_revived, (type(self), self.args, self.__dict__))


def _revived(kind: type[LedgerError], args: tuple[Any, ...], attributes: dict[str, Any]) -> LedgerError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(attributes)
    return error


class InvalidInputError(LedgerError, ValueError):
    """A command argument broke a rule; ``field`` names it and ``reason`` says which rule."""


class UnknownCustomerError(LedgerError, LookupError):
    """The customer id names no registered customer."""

    def __init__(self, customer: str) -> None:
        self.customer = customer
        super().__init__("customer", f"unknown customer {customer!r}")


class CustomerExistsError(LedgerError):
    """A customer with this id is already registered with other details."""

    def __init__(self, customer: str) -> None:
        self.customer = customer
        super().__init__("customer", f"{customer!r} is already registered with other details")


class NoCardError(LedgerError, LookupError):
    """The customer has no strippenkaart yet, so there is nothing to top up or show."""

    def __init__(self, customer: str) -> None:
        self.customer = customer
        super().__init__("customer", f"{customer!r} has no strippenkaart; buy one first")


class CurrencyMismatchError(LedgerError):
    """A card holds one currency; money in another currency cannot go on it."""

    def __init__(self, customer: str, card_currency: str, given_currency: str) -> None:
        self.customer = customer
        super().__init__(
            "currency", f"the strippenkaart of {customer!r} is in {card_currency}, not {given_currency}"
        )


class ReferenceConflictError(LedgerError):
    """An idempotency key was reused for a different request (a different amount or kind)."""

    def __init__(self, field: str, reference: str, detail: str) -> None:
        self.reference = reference
        super().__init__(field, f"{reference!r} was already used for {detail}")


class NoMonthlyPlanError(LedgerError, LookupError):
    """A change or stop of the monthly amount, but no monthly plan is in force at that date."""

    def __init__(self, customer: str, day: date) -> None:
        self.customer = customer
        super().__init__("from", f"{customer!r} has no monthly plan in force on {day}")


class MonthlyPlanConflictError(LedgerError):
    """A monthly plan change would rewrite a month already credited, or clash with the plan in force."""


class UnknownWorkEntryError(LedgerError, LookupError):
    """A reversal named a ticket that was never recorded for this customer."""

    def __init__(self, customer: str, ticket: str) -> None:
        self.customer = customer
        self.ticket = ticket
        super().__init__("ticket", f"no work recorded for {customer!r} under ticket {ticket!r}")


class ConcurrencyError(LedgerError):
    """Other writers kept changing the same records; the command was retried and gave up."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(
            "store",
            f"the command conflicted with concurrent writes {attempts} times; nothing was written, try again",
        )


class StoreError(LedgerError):
    """The store could not be opened or reached (bad URL, database down)."""


class DamagedHistoryError(StoreError):
    """An aggregate cannot be rebuilt from its stored events: the log was altered or damaged.

    Why a typed error and not a crash: a reader must refuse clearly, and the auditor's tool
    (``ledger audit verify``) names the position."""

    def __init__(self, aggregate_id: object, detail: str) -> None:
        self.aggregate_id = aggregate_id
        super().__init__(
            "store",
            f"the history of {aggregate_id} cannot be replayed ({detail}); the log was altered "
            "or damaged: run ledger audit verify",
        )


class ViewTamperedError(StoreError):
    """A view's rows no longer match the digest the projection stored with its position."""

    def __init__(self, view: str, detail: str) -> None:
        self.view = view
        super().__init__(
            f"view {view}",
            f"{detail}; it was changed outside the ledger, so its figures are not shown. "
            f"Run ledger audit verify, then ledger projections rebuild {view}",
        )


class TimelineError(LedgerError):
    """A dated change (contract, beheerpack) that makes no sense at its effective moment.

    ``field`` names the argument at fault, ``reason`` what is in force then; nothing is written.
    """


class NoContractInForceError(TimelineError):
    """A change or end of a servicedesk contract at a moment when none is in force."""


class ContractInForceError(TimelineError):
    """A start of a servicedesk contract at a moment when one is already in force."""


class PackNotActiveError(TimelineError):
    """A beheerpack removed at a moment when it is not active."""


class PackActiveError(TimelineError):
    """A beheerpack added at a moment when it is already active."""


class ComponentCoveredError(TimelineError):
    """A beheerpack would cover a component another active beheerpack already covers."""


class HistoryConflictError(TimelineError):
    """A (backdated) change would contradict a change already recorded for a later moment."""


class UnknownProjectionError(LedgerError, LookupError):
    """A projection name that the ledger does not have."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        super().__init__("projection", f"unknown projection {name!r}; known: {', '.join(known)}")


class ProjectionRunError(LedgerError):
    """The projections cannot be followed on this store (an in-process memory store)."""


class NoEngagementError(TimelineError):
    """An on-site action at a moment when no on-site engagement of the customer is in force."""


class EngagementInForceError(TimelineError):
    """A kick-off while an on-site engagement of the customer is still in force."""


class ConsultantNotAssignedError(TimelineError):
    """A visit or release by a consultant not assigned to the engagement at that moment."""


class UnknownAdminTaskError(LedgerError, LookupError):
    """A task (or wildcard) that the deployment's admin-task catalogue does not list."""

    def __init__(self, field: str, task: str) -> None:
        self.task = task
        super().__init__(field, f"unknown admin task {task!r}; see the [admin] tasks catalogue")


class UnknownAdminAccountError(LedgerError, LookupError):
    """The customer has no admin account of this name (none was ever requested or granted)."""

    def __init__(self, customer: str, account: str) -> None:
        self.customer = customer
        self.account = account
        super().__init__("account", f"{customer!r} has no admin account {account!r}")


class AdminGrantError(LedgerError):
    """An admin-account change that makes no sense at its moment (nothing to revoke, not suspended)."""


class UnknownDeliveryError(LedgerError, LookupError):
    """The id names no delivery (or alert with deliveries) that can be retried."""

    def __init__(self, delivery_id: str) -> None:
        self.delivery_id = delivery_id
        super().__init__("delivery", f"no undelivered delivery {delivery_id!r}; see 'ledger notify status'")


class UnknownAlertError(LedgerError, LookupError):
    """The alert id names no alert the ledger raised."""

    def __init__(self, alert_id: str) -> None:
        self.alert_id = alert_id
        super().__init__("alert", f"unknown alert {alert_id!r}; see 'ledger alerts --all'")


class StatementError(LedgerError):
    """A statement that cannot be issued (month not closed, out of order, no card then)."""


class FourEyesError(AdminGrantError):
    """The actor granting admin access is the one who requested it: a second person must decide."""


class IdentityError(LedgerError):
    """Who is acting is not allowed to do this: unknown, inactive, wrong role, or not who logged in.

    ``field`` is ``actor`` (or the argument at fault) and ``reason`` says which rule refused it.
    """


class UnknownPersonError(LedgerError, LookupError):
    """The id names no registered person."""

    def __init__(self, person: str) -> None:
        self.person = person
        super().__init__("person", f"unknown person {person!r}")
