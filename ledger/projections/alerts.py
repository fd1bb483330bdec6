"""Alerts for account managers: cards nearly or fully used, recurring standard work, statements.

Tables (``alerts_`` prefix, beside the events):

- ``customers(customer PK, customer_id, name, account_manager)``: who hears about a customer;
- ``thresholds(notification_id PK, customer, effective_at, percent, amount)``: every
  ``Customer.AlertThresholdSet``; the one in force for a movement is the latest effective at or
  before the movement's effective time;
- ``cards(card_id PK, customer, currency, base, balance, nearly_armed, fully_armed)``: per card the
  balance right after its latest credit (``base``) and which card alerts may still be raised;
- ``occurrences(notification_id PK, customer, category, effective_at, ticket)`` and
  ``suggestions(customer, category, last_at)``: servicedesk work per catalogue category, and the
  effective time of the entry that raised the latest suggestion;
- ``alerts(alert_id PK, notification_id, customer, kind, raised_at, effective_at, account_manager,
  message)`` and ``acknowledgements(alert_id PK, acknowledged_by, acknowledged_at)``.

**Card alerts.** A debit whose balance is at or below the threshold raises ``nearly-used``; one
that reaches zero raises ``fully-used`` instead (one alert for one crossing, the more urgent).
Work that goes (partly) to invoice while the customer has a card raises ``fully-used`` too. Each is
raised once and re-armed only by a credit (purchase, top-up, monthly credit): a reversal gives
money back but does not re-arm, so a correction cannot make an alert flap. The threshold is the
customer's own (a percentage of the balance after the latest credit, or an amount), else
``[alerts] nearly_used_percent`` (20 %).

**Standard-service suggestion**, exactly: a work entry whose payer is the servicedesk contract and
whose component is in ``[alerts] standard_services`` is an *occurrence* of that category. An
occurrence at effective time *t* raises a suggestion when the occurrences of its customer and
category effective in ``(t - recurrence_days, t]`` — counting only those effective *after* the
entry that raised the previous suggestion for that customer and category — number at least
``recurrence_count``. So each suggestion needs that many fresh occurrences within the window, and
the same occurrences never raise two suggestions.

**Ids** are derived from the kind and the raising event's aggregate id and version, so a rebuild
raises the same alerts under the same ids; acknowledgements are events and survive any rebuild.
``raised_at`` is when the raising event was recorded; ``effective_at`` its effective time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from ledger.aggregates.alert_acknowledgement import AlertAcknowledgement
from ledger.aggregates.customer import Customer
from ledger.aggregates.statement_book import StatementBook
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.work_entry import WorkEntry
from ledger.commands.results import JsonResult
from ledger.config import AlertSettings, LedgerSettings
from ledger.domain import alerts as rules
from ledger.domain.money import format_money
from ledger.domain.payer import Payer
from ledger.domain.time import date_of
from ledger.projections.base import LedgerProjection
from ledger.projections.sql import PostgresView, ProjectionInvariantError, SQLiteView, SqlView

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
OCCURRENCES_SHOWN_MAX = 10
"""A suggestion names at most this many of the tickets that raised it."""


@dataclass(frozen=True)
class Alert(JsonResult):
    """One alert for an account manager; ``acknowledged`` once someone acknowledged it (an event)."""

    id: str
    customer: str
    kind: str
    raised_at: datetime
    effective_at: datetime
    account_manager: str
    message: str
    acknowledged: bool
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Raising:
    """The event that may raise an alert: what the alert's id, times and position come from."""

    aggregate_id: UUID
    version: int
    recorded_at: datetime
    effective_at: datetime

    @classmethod
    def of(cls, event: Any) -> Raising:
        return cls(event.originator_id, event.originator_version, event.timestamp, event.effective_at)


class AlertsView(TrackingRecorder, ABC):
    """What the alerts projection writes and what account managers read."""

    @abstractmethod
    def register_customer(
        self, customer: str, customer_id: UUID, name: str, account_manager: str, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def set_threshold(
        self, customer_id: UUID, threshold: rules.Threshold, at: datetime, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def open_card(self, card_id: UUID, customer: str, currency: str, tracking: Tracking) -> None: ...

    @abstractmethod
    def credit(self, card_id: UUID, balance_after: Decimal, tracking: Tracking) -> None:
        """Remember the balance after the credit and re-arm the card's alerts."""

    @abstractmethod
    def balance_lowered(
        self,
        card_id: UUID,
        balance_after: Decimal,
        ticket: str,
        raising: Raising,
        default: rules.Threshold,
        tracking: Tracking,
    ) -> None:
        """A debit: raise nearly- or fully-used when the balance crosses."""

    @abstractmethod
    def balance_restored(self, card_id: UUID, balance_after: Decimal, tracking: Tracking) -> None:
        """A reversal: the balance goes up, nothing is re-armed."""

    @abstractmethod
    def invoiced_work(
        self, customer: str, ticket: str, invoiceable: Decimal, raising: Raising, tracking: Tracking
    ) -> None:
        """Work (partly) invoiced: fully-used if the customer has a card and it is armed."""

    @abstractmethod
    def occurrence(
        self,
        customer: str,
        category: str,
        ticket: str,
        raising: Raising,
        recurrence: rules.Recurrence,
        tracking: Tracking,
    ) -> None:
        """Servicedesk work of a catalogue category: suggest the standard service when it recurs."""

    @abstractmethod
    def statement_issued(
        self, customer: str, number: str, month: str, raising: Raising, tracking: Tracking
    ) -> None: ...

    @abstractmethod
    def acknowledge(self, alert_id: str, actor: str, at: datetime, tracking: Tracking) -> None: ...

    @abstractmethod
    def alerts(self, customer: str | None = None, *, include_acknowledged: bool = False) -> list[Alert]:
        """Alerts by raising order, newest last; unacknowledged only unless asked."""

    @abstractmethod
    def alert(self, alert_id: str) -> Alert | None: ...


class AlertsSql(AlertsView, SqlView):
    """The alerts view in SQL, for any dialect."""

    table_names = ("customers", "thresholds", "cards", "occurrences", "suggestions", "alerts", "acks")
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {customers} (customer TEXT PRIMARY KEY, customer_id TEXT NOT NULL, "
        "name TEXT NOT NULL, account_manager TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_customers_by_id ON {customers} (customer_id)",
        "CREATE TABLE IF NOT EXISTS {thresholds} (notification_id {bigint} PRIMARY KEY, "
        "customer TEXT NOT NULL, effective_at {instant} NOT NULL, percent {money}, amount {money})",
        "CREATE INDEX IF NOT EXISTS {prefix}_thresholds_by_customer ON {thresholds} (customer, effective_at)",
        "CREATE TABLE IF NOT EXISTS {cards} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL, "
        "currency TEXT NOT NULL, base {money} NOT NULL, balance {money} NOT NULL, "
        "nearly_armed {flag} NOT NULL, fully_armed {flag} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_cards_by_customer ON {cards} (customer)",
        "CREATE TABLE IF NOT EXISTS {occurrences} (notification_id {bigint} PRIMARY KEY, "
        "customer TEXT NOT NULL, category TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "ticket TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_occurrences_by_category "
        "ON {occurrences} (customer, category, effective_at)",
        "CREATE TABLE IF NOT EXISTS {suggestions} (customer TEXT NOT NULL, category TEXT NOT NULL, "
        "last_at {instant} NOT NULL, PRIMARY KEY (customer, category))",
        "CREATE TABLE IF NOT EXISTS {alerts} (alert_id TEXT PRIMARY KEY, notification_id {bigint} NOT NULL, "
        "customer TEXT NOT NULL, kind TEXT NOT NULL, raised_at {instant} NOT NULL, "
        "effective_at {instant} NOT NULL, account_manager TEXT NOT NULL, message TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_alerts_by_customer ON {alerts} (customer, notification_id)",
        "CREATE TABLE IF NOT EXISTS {acks} (alert_id TEXT PRIMARY KEY, acknowledged_by TEXT NOT NULL, "
        "acknowledged_at {instant} NOT NULL)",
    )

    # --- writes -----------------------------------------------------------------------------------

    def register_customer(
        self, customer: str, customer_id: UUID, name: str, account_manager: str, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {customers} VALUES (%s, %s, %s, %s)",
                (customer, str(customer_id), name, account_manager),
            )

    def set_threshold(
        self, customer_id: UUID, threshold: rules.Threshold, at: datetime, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "SELECT customer FROM {customers} WHERE customer_id = %s", (str(customer_id),)
            )
            row = cursor.fetchone()
            if row is None:
                msg = f"alerts: a threshold for customer {customer_id} that was never registered"
                raise ProjectionInvariantError(msg)
            self.execute(
                cursor,
                "INSERT INTO {thresholds} VALUES (%s, %s, %s, %s, %s)",
                (
                    tracking.notification_id,
                    row["customer"],
                    self.to_db_instant(at),
                    None if threshold.percent is None else self.to_db_decimal(threshold.percent),
                    None if threshold.amount is None else self.to_db_decimal(threshold.amount),
                ),
            )

    def open_card(self, card_id: UUID, customer: str, currency: str, tracking: Tracking) -> None:
        zero = self.to_db_decimal(ZERO)
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {cards} VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (str(card_id), customer, currency, zero, zero, True, True),
            )

    def credit(self, card_id: UUID, balance_after: Decimal, tracking: Tracking) -> None:
        state = rules.on_credit(balance_after)
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self._card(cursor, card_id)
            self._save_card(cursor, card_id, state, balance_after)

    def balance_lowered(
        self,
        card_id: UUID,
        balance_after: Decimal,
        ticket: str,
        raising: Raising,
        default: rules.Threshold,
        tracking: Tracking,
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            card = self._card(cursor, card_id)
            state = self._state(card)
            threshold = self._threshold(cursor, card["customer"], raising.effective_at) or default
            limit = threshold.limit(state.base)
            kind, after = rules.on_balance_lowered(state, balance_after, limit)
            self._save_card(cursor, card_id, after, balance_after)
            if kind is None:
                return
            currency = card["currency"]
            left = f"{format_money(balance_after)} {currency}"
            if kind == rules.FULLY_USED:
                message = f"the strippenkaart is used up: {left} left after {ticket}"
            else:
                limit_text = threshold.describe(state.base, currency)
                message = (
                    f"the strippenkaart is nearly used: {left} left after {ticket}, at or below {limit_text}"
                )
            self._raise(cursor, kind, card["customer"], message, raising, tracking)

    def balance_restored(self, card_id: UUID, balance_after: Decimal, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            card = self._card(cursor, card_id)
            self._save_card(cursor, card_id, self._state(card), balance_after)

    def invoiced_work(
        self, customer: str, ticket: str, invoiceable: Decimal, raising: Raising, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(cursor, "SELECT * FROM {cards} WHERE customer = %s", (customer,))
            card = cursor.fetchone()
            if card is None:  # no card, nothing to be used up: the invoice is simply the payer
                return
            kind, after = rules.on_invoiced_work(self._state(card))
            if kind is None:
                return
            self._save_card(cursor, card["card_id"], after, self.from_db_decimal(card["balance"]))
            message = (
                f"the strippenkaart could not pay for ticket {ticket}: "
                f"{format_money(invoiceable)} {card['currency']} goes to invoice"
            )
            self._raise(cursor, kind, customer, message, raising, tracking)

    def occurrence(
        self,
        customer: str,
        category: str,
        ticket: str,
        raising: Raising,
        recurrence: rules.Recurrence,
        tracking: Tracking,
    ) -> None:
        at = raising.effective_at
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {occurrences} VALUES (%s, %s, %s, %s, %s)",
                (tracking.notification_id, customer, category, self.to_db_instant(at), ticket),
            )
            self.execute(
                cursor,
                "SELECT last_at FROM {suggestions} WHERE customer = %s AND category = %s",
                (customer, category),
            )
            previous = cursor.fetchone()
            start = recurrence.window_start(at)
            if previous is not None:
                start = max(start, self.from_db_instant(previous["last_at"]))
            self.execute(
                cursor,
                "SELECT ticket FROM {occurrences} WHERE customer = %s AND category = %s "
                "AND effective_at > %s AND effective_at <= %s ORDER BY effective_at, notification_id",
                (customer, category, self.to_db_instant(start), self.to_db_instant(at)),
            )
            tickets = [row["ticket"] for row in cursor.fetchall()]
            if not recurrence.due(len(tickets)):
                return
            self.execute(
                cursor,
                "DELETE FROM {suggestions} WHERE customer = %s AND category = %s",
                (customer, category),
            )
            self.execute(
                cursor,
                "INSERT INTO {suggestions} VALUES (%s, %s, %s)",
                (customer, category, self.to_db_instant(at)),
            )
            shown = ", ".join(tickets[:OCCURRENCES_SHOWN_MAX]) + (
                ", …" if len(tickets) > OCCURRENCES_SHOWN_MAX else ""
            )
            message = (
                f"{category!r} work recurred {len(tickets)} times within {recurrence.days} days under the "
                f"servicedesk contract (tickets {shown}); it is sold as a standard service: suggest it"
            )
            self._raise(cursor, rules.STANDARD_SERVICE, customer, message, raising, tracking)

    def statement_issued(
        self, customer: str, number: str, month: str, raising: Raising, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            message = f"statement {number} for {month} is issued and ready to send"
            self._raise(cursor, rules.STATEMENT_READY, customer, message, raising, tracking)

    def acknowledge(self, alert_id: str, actor: str, at: datetime, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "INSERT INTO {acks} VALUES (%s, %s, %s)", (alert_id, actor, self.to_db_instant(at))
            )

    # --- helpers inside a transaction -------------------------------------------------------------

    def _card(self, cursor: Any, card_id: UUID) -> Any:
        self.execute(cursor, "SELECT * FROM {cards} WHERE card_id = %s", (str(card_id),))
        row = cursor.fetchone()
        if row is None:
            msg = f"alerts: a movement on card {card_id} that was never opened"
            raise ProjectionInvariantError(msg)
        return row

    def _state(self, card: Any) -> rules.CardAlertState:
        return rules.CardAlertState(
            base=self.from_db_decimal(card["base"]),
            nearly_armed=bool(card["nearly_armed"]),
            fully_armed=bool(card["fully_armed"]),
        )

    def _save_card(
        self, cursor: Any, card_id: UUID | str, state: rules.CardAlertState, balance: Decimal
    ) -> None:
        self.execute(
            cursor,
            "UPDATE {cards} SET base = %s, balance = %s, nearly_armed = %s, fully_armed = %s "
            "WHERE card_id = %s",
            (
                self.to_db_decimal(state.base),
                self.to_db_decimal(balance),
                state.nearly_armed,
                state.fully_armed,
                str(card_id),
            ),
        )

    def _threshold(self, cursor: Any, customer: str, at: datetime) -> rules.Threshold | None:
        """The customer's own threshold in force at ``at``, if one was set by then."""
        self.execute(
            cursor,
            "SELECT percent, amount FROM {thresholds} WHERE customer = %s AND effective_at <= %s "
            "ORDER BY effective_at DESC, notification_id DESC LIMIT 1",
            (customer, self.to_db_instant(at)),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        percent, amount = row["percent"], row["amount"]
        return rules.Threshold(
            percent=None if percent is None else self.from_db_decimal(percent),
            amount=None if amount is None else self.from_db_decimal(amount),
        )

    def _raise(
        self, cursor: Any, kind: str, customer: str, message: str, raising: Raising, tracking: Tracking
    ) -> None:
        self.execute(cursor, "SELECT name, account_manager FROM {customers} WHERE customer = %s", (customer,))
        row = cursor.fetchone()
        if row is None:
            msg = f"alerts: an alert for customer {customer!r}, who was never registered"
            raise ProjectionInvariantError(msg)
        self.execute(
            cursor,
            "INSERT INTO {alerts} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                rules.alert_id(kind, raising.aggregate_id, raising.version),
                tracking.notification_id,
                customer,
                kind,
                self.to_db_instant(raising.recorded_at),
                self.to_db_instant(raising.effective_at),
                row["account_manager"],
                f"{row['name']} ({date_of(raising.effective_at)}): {message}",
            ),
        )

    # --- reads ------------------------------------------------------------------------------------

    SELECT = (
        "SELECT a.*, k.acknowledged_by, k.acknowledged_at FROM {alerts} a "
        "LEFT JOIN {acks} k ON k.alert_id = a.alert_id "
    )

    def alerts(self, customer: str | None = None, *, include_acknowledged: bool = False) -> list[Alert]:
        conditions, params = [], []
        if customer is not None:
            conditions.append("a.customer = %s")
            params.append(customer)
        if not include_acknowledged:
            conditions.append("k.alert_id IS NULL")
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self.query(self.SELECT + where + "ORDER BY a.notification_id, a.alert_id", params)
        return [self._alert(row) for row in rows]

    def alert(self, alert_id: str) -> Alert | None:
        rows = self.query(self.SELECT + "WHERE a.alert_id = %s", (alert_id,))
        return self._alert(rows[0]) if rows else None

    def _alert(self, row: Any) -> Alert:
        acknowledged_at = row["acknowledged_at"]
        return Alert(
            id=row["alert_id"],
            customer=row["customer"],
            kind=row["kind"],
            raised_at=self.from_db_instant(row["raised_at"]),
            effective_at=self.from_db_instant(row["effective_at"]),
            account_manager=row["account_manager"],
            message=row["message"],
            acknowledged=row["acknowledged_by"] is not None,
            acknowledged_by=row["acknowledged_by"],
            acknowledged_at=None if acknowledged_at is None else self.from_db_instant(acknowledged_at),
        )


class SQLiteAlertsView(AlertsSql, SQLiteView):
    """Alerts in the SQLite file of the events."""


class PostgresAlertsView(AlertsSql, PostgresView):
    """Alerts in the PostgreSQL schema of the events."""


class AlertsProjection(LedgerProjection[AlertsView]):
    """Card movements, invoiced and servicedesk work, statements and acknowledgements → alerts.

    The rules' settings come from the deployment (``[alerts]``); the ledger hands its own settings
    in with :meth:`configure`, a separate runner process reads ``LEDGER_CONFIG``.
    """

    name = "alerts"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Customer.Registered,
            Customer.AlertThresholdSet,
            Strippenkaart.Opened,
            Strippenkaart.Credited,
            Strippenkaart.Debited,
            Strippenkaart.DebitReversed,
            Strippenkaart.Expired,
            WorkEntry.Recorded,
            StatementBook.Issued,
            AlertAcknowledgement.Acknowledged,
        )
    )

    def __init__(self, view: AlertsView) -> None:
        super().__init__(view)
        self.settings: AlertSettings = LedgerSettings.load().alerts

    def configure(self, settings: LedgerSettings) -> None:
        self.settings = settings.alerts

    @singledispatchmethod
    def apply(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @apply.register(Customer.Registered)
    def _registered(self, event: Customer.Registered, tracking: Tracking) -> None:
        self.view.register_customer(
            event.slug, event.originator_id, event.name, event.account_manager, tracking
        )

    @apply.register(Customer.AlertThresholdSet)
    def _threshold_set(self, event: Customer.AlertThresholdSet, tracking: Tracking) -> None:
        threshold = rules.Threshold(percent=event.percent, amount=event.amount)
        self.view.set_threshold(event.originator_id, threshold, event.effective_at, tracking)

    @apply.register(Strippenkaart.Opened)
    def _opened(self, event: Strippenkaart.Opened, tracking: Tracking) -> None:
        self.view.open_card(event.originator_id, event.customer, event.currency, tracking)

    @apply.register(Strippenkaart.Credited)
    def _credited(self, event: Strippenkaart.Credited, tracking: Tracking) -> None:
        self.view.credit(event.originator_id, event.balance_after, tracking)

    @apply.register(Strippenkaart.Debited)
    def _debited(self, event: Strippenkaart.Debited, tracking: Tracking) -> None:
        default = rules.Threshold(percent=self.settings.nearly_used_percent, amount=None)
        self.view.balance_lowered(
            event.originator_id,
            event.balance_after,
            f"ticket {event.ticket}",
            Raising.of(event),
            default,
            tracking,
        )

    @apply.register(Strippenkaart.Expired)
    def _expired(self, event: Strippenkaart.Expired, tracking: Tracking) -> None:
        # Credit that expires lowers the balance like a debit: it can cross the thresholds too.
        default = rules.Threshold(percent=self.settings.nearly_used_percent, amount=None)
        reason = f"the expiry of {event.reference}"
        self.view.balance_lowered(
            event.originator_id, event.balance_after, reason, Raising.of(event), default, tracking
        )

    @apply.register(Strippenkaart.DebitReversed)
    def _debit_reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        self.view.balance_restored(event.originator_id, event.balance_after, tracking)

    @apply.register(WorkEntry.Recorded)
    def _work_recorded(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        if event.invoiceable > ZERO:
            self.view.invoiced_work(
                event.customer, event.ticket, event.invoiceable, Raising.of(event), tracking
            )
        elif (
            event.payer == Payer.SERVICEDESK_CONTRACT.value
            and event.component is not None
            and event.component in self.settings.standard_services
        ):
            self.view.occurrence(
                event.customer,
                event.component,
                event.ticket,
                Raising.of(event),
                self.settings.recurrence(),
                tracking,
            )
        else:
            self.view.insert_tracking(tracking)

    @apply.register(StatementBook.Issued)
    def _statement_issued(self, event: StatementBook.Issued, tracking: Tracking) -> None:
        self.view.statement_issued(event.customer, event.number, event.month, Raising.of(event), tracking)

    @apply.register(AlertAcknowledgement.Acknowledged)
    def _acknowledged(self, event: AlertAcknowledgement.Acknowledged, tracking: Tracking) -> None:
        self.view.acknowledge(event.alert_id, event.actor, event.effective_at, tracking)
