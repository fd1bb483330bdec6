"""Alerts for account managers: judged from the card's balance, dated settings and clock facts.

Tables (``alerts_`` prefix, beside the events): ``customers`` and ``versions`` (every dated version
of a customer's name, account manager and e-mail), ``settings`` (every ``DatedSettings.Changed``:
projections never call the write side), ``thresholds``, ``cards`` (per card the balance after its
latest event, the balance after its latest credit, which alerts are armed), ``occurrences`` and
``suggestions`` (recurring categories), ``webhooks``, ``subjects`` (which customer an engagement or
admin account belongs to), ``alerts`` and ``acks``; and the ``outbox`` (:mod:`.outbox`), which a
rebuild keeps.

**Card alerts, from the balance only.** Every card event states the balance after it
(``balance_after``, every movement recorded so far); the previous card event's is the balance
before. ``nearly-used`` is raised when a debit or expiry leaves the balance at or below the
threshold while armed, ``fully-used`` when it reaches 0.00 while armed; each is re-armed whenever
the balance is above its own level again (a top-up, monthly credit or reversal), so each crossing
raises exactly one alert. The threshold is the customer's own in force at the movement's effective
time, else the dated setting ``alerts.nearly-used-percent`` in force then, of the balance right
after the latest credit. Work that goes to invoice while the card is empty raises ``fully-used``
(once); work the card never could pay (no card, or the card still holds credit that could not pay
work of that time) raises an ``invoiced-work`` notice and leaves the card's alerts armed.

**Standard-service suggestion**: a work entry (not reversed since) paid from the card, under the
servicedesk contract, or invoiced, whose category (normalised through the dated
``alerts.category-synonyms`` table) is in the ``[alerts] standard_services`` catalogue is an
*occurrence*. An occurrence at effective time *t*
raises a suggestion when the occurrences of its customer and category in ``(t - recurrence_days,
t]``, counting only those after the entry that raised the previous suggestion, number at least
``recurrence_count``.

**Ids** derive from the kind and the raising event's aggregate id and version, so a rebuild raises
the same alerts under the same ids. ``raised_at`` is when the raising event was recorded,
``effective_at`` its effective time; the account manager shown (and e-mailed) is the one in charge
at the alert's effective time, as the log knows it now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from ledger.aggregates.admin_account import AdminAccount
from ledger.aggregates.alert_acknowledgement import AlertAcknowledgement
from ledger.aggregates.customer import Customer
from ledger.aggregates.onsite_engagement import OnSiteEngagement
from ledger.aggregates.settings import DatedSettings
from ledger.aggregates.statement_book import StatementBook
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.aggregates.webhook import Webhook
from ledger.aggregates.work_entry import WorkEntry
from ledger.config import AlertSettings, LedgerSettings
from ledger.domain import alerts as rules
from ledger.domain.categories import CategorySynonyms
from ledger.domain.money import format_money
from ledger.domain.payer import Payer
from ledger.domain.results import JsonResult
from ledger.domain.settings import CATEGORY_SYNONYMS, NEARLY_USED_PERCENT, SPECS
from ledger.domain.time import date_of, describe_instant
from ledger.projections.base import LedgerProjection
from ledger.projections.digest import DIGEST_TABLE
from ledger.projections.outbox import EMAIL, OUTBOX_STATEMENTS, WEBHOOK, OutboxSql
from ledger.projections.sql import (
    MIGRATION_MARKER,
    ProjectionInvariantError,
    SQLiteView,
    SqlView,
)

if TYPE_CHECKING:
    from uuid import UUID

ZERO = Decimal("0.00")
OCCURRENCES_SHOWN_MAX = 10
OCCURRENCE_LABEL = "occurrence:"
"""``subjects`` label of a work entry that counted as a request: the occurrence's notification id."""
"""A suggestion names at most this many of the tickets that raised it."""
CREDIT, DEBIT, REVERSAL, EXPIRY = "credit", "debit", "reversal", "expiry"
RECURRING_PAYERS = frozenset(
    {Payer.SERVICEDESK_CONTRACT.value, Payer.STRIPPENKAART.value, Payer.INVOICE.value}
)
"""Payers whose work counts as a recurring request (a beheerpack's work is a standard service already)."""


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
    customer_name: str = ""
    account_manager_email: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True)
class WebhookView(JsonResult):
    """A webhook as the alerts view knows it (``kinds`` empty: every kind)."""

    url: str
    secret_env: str
    kinds: list[str]
    active: bool


@dataclass(frozen=True)
class Raised:
    """An alert to raise: its kind, customer, message (English) and facts for other languages."""

    kind: str
    customer: str
    message: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Movement:
    """A card event: which card, credit/debit/reversal/expiry, the balance after it and why."""

    card_id: UUID
    kind: str
    balance_after: Decimal
    cause: str
    cause_nl: str


@dataclass(frozen=True)
class InvoicedWork:
    """Work (partly) invoiced; ``card_balance_after`` None when the customer has no card."""

    customer: str
    ticket: str
    invoiceable: Decimal
    currency: str
    card_balance_after: Decimal | None
    card_paid: Decimal = ZERO


@dataclass(frozen=True)
class Occurrence:
    """One request of a standard-service category."""

    customer: str
    category: str
    ticket: str
    recurrence: rules.Recurrence
    entry_id: UUID
    """The work entry: its reversal takes the occurrence back."""


@dataclass(frozen=True)
class CustomerDetails:
    """A customer's name, account manager and e-mail from ``since`` on (one dated version)."""

    customer: str
    since: datetime
    name: str
    account_manager: str
    account_manager_email: str | None


def in_force(versions: list[CustomerDetails], at: datetime) -> CustomerDetails:
    """The version in force at ``at``: the latest from at or before it (the first before any)."""
    chosen = versions[0]
    for version in versions:
        if version.since <= at:
            chosen = version
    return chosen


class AlertsSql(OutboxSql, SqlView):
    """The alerts view in SQL, for any dialect; its outbox kept across rebuilds."""

    table_names = (
        "customers",
        "versions",
        "settings",
        "thresholds",
        "cards",
        "occurrences",
        "suggestions",
        "webhooks",
        "subjects",
        "alerts",
        "acks",
    )
    kept_table_names = ("outbox",)
    table_statements = (
        "CREATE TABLE IF NOT EXISTS {customers} (customer TEXT PRIMARY KEY, customer_id TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_customers_by_id ON {customers} (customer_id)",
        "CREATE TABLE IF NOT EXISTS {versions} (notification_id {bigint} PRIMARY KEY, "
        "customer TEXT NOT NULL, effective_at {instant} NOT NULL, name TEXT NOT NULL, "
        "account_manager TEXT NOT NULL, email TEXT)",
        "CREATE INDEX IF NOT EXISTS {prefix}_versions_by_customer ON {versions} (customer, effective_at)",
        "CREATE TABLE IF NOT EXISTS {settings} (notification_id {bigint} PRIMARY KEY, key TEXT NOT NULL, "
        "effective_at {instant} NOT NULL, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {thresholds} (notification_id {bigint} PRIMARY KEY, "
        "customer TEXT NOT NULL, effective_at {instant} NOT NULL, percent {money}, amount {money})",
        "CREATE INDEX IF NOT EXISTS {prefix}_thresholds_by_customer ON {thresholds} (customer, effective_at)",
        "CREATE TABLE IF NOT EXISTS {cards} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL, "
        "currency TEXT NOT NULL, base {money} NOT NULL, balance {money} NOT NULL, "
        "nearly_armed {flag} NOT NULL, fully_armed {flag} NOT NULL, undo_version {bigint}, "
        "undo_nearly {flag}, undo_fully {flag}, first_credit_at {instant})",
        "CREATE INDEX IF NOT EXISTS {prefix}_cards_by_customer ON {cards} (customer)",
        "CREATE TABLE IF NOT EXISTS {occurrences} (notification_id {bigint} PRIMARY KEY, "
        "customer TEXT NOT NULL, category TEXT NOT NULL, effective_at {instant} NOT NULL, "
        "ticket TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_occurrences_by_category "
        "ON {occurrences} (customer, category, effective_at)",
        "CREATE TABLE IF NOT EXISTS {suggestions} (customer TEXT NOT NULL, category TEXT NOT NULL, "
        "last_at {instant} NOT NULL, PRIMARY KEY (customer, category))",
        "CREATE TABLE IF NOT EXISTS {webhooks} (webhook_id TEXT PRIMARY KEY, url TEXT NOT NULL, "
        "secret_env TEXT NOT NULL, kinds TEXT NOT NULL, active {flag} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {subjects} (aggregate_id TEXT PRIMARY KEY, customer TEXT NOT NULL, "
        "label TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {alerts} (alert_id TEXT PRIMARY KEY, notification_id {bigint} NOT NULL, "
        "customer TEXT NOT NULL, kind TEXT NOT NULL, raised_at {instant} NOT NULL, "
        "effective_at {instant} NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {prefix}_alerts_by_customer ON {alerts} (customer, notification_id)",
        "CREATE TABLE IF NOT EXISTS {acks} (alert_id TEXT PRIMARY KEY, acknowledged_by TEXT NOT NULL, "
        "acknowledged_at {instant} NOT NULL)",
        *OUTBOX_STATEMENTS,
    )

    LAYOUT_COLUMNS = (("alerts", "details"), ("cards", "first_credit_at"))
    """Columns only this layout has: ``alerts.details`` came with issue 16, ``cards.first_credit_at``
    with the notice for work from before a card's first credit; a table without one is older."""

    def _create_view_tables(self, cursor: Any) -> None:
        """Tables of an earlier layout are dropped and the view replays the log from the start; the
        outbox is kept (as by a rebuild), so what was delivered is not delivered again."""
        if self._has_old_layout(cursor):
            # The view's digest (and a dialect's bookkeeping) start again with the replayed rows.
            for table in (*self.table_names, DIGEST_TABLE, *self.extra_tables):
                cursor.execute(f"DROP TABLE IF EXISTS {self._table(f'{self.prefix}_{table}')}")
            self.execute(cursor, "DELETE FROM {tracking} WHERE application_name <> %s", (MIGRATION_MARKER,))
        super()._create_view_tables(cursor)

    def _has_old_layout(self, cursor: Any) -> bool:
        for table, column in self.LAYOUT_COLUMNS:
            text, params = self._columns_query(f"{self.prefix}_{table}")
            cursor.execute(text, params)
            columns = {str(row["name"]) for row in cursor.fetchall()}
            if columns and column not in columns:
                return True
        return False

    def _columns_query(self, table: str) -> tuple[str, tuple[str, ...]]:
        raise NotImplementedError

    # --- customers, settings, thresholds, webhooks --------------------------------------------------

    def register_customer(self, details: CustomerDetails, customer_id: UUID, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "INSERT INTO {customers} VALUES (%s, %s)", (details.customer, str(customer_id))
            )
            self._insert_version(cursor, details, tracking)

    def change_customer(
        self,
        customer_id: UUID,
        changes: tuple[str | None, str | None, str | None],
        at: datetime,
        tracking: Tracking,
    ) -> None:
        """A dated change: the fields given, over the version in force at ``at`` (like the aggregate)."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            customer = self._customer_of(cursor, customer_id)
            before = in_force(self._versions(cursor, customer), at)
            name, manager, email = changes
            details = CustomerDetails(
                customer,
                at,
                name if name is not None else before.name,
                manager if manager is not None else before.account_manager,
                email if email is not None else before.account_manager_email,
            )
            self._insert_version(cursor, details, tracking)

    def _insert_version(self, cursor: Any, details: CustomerDetails, tracking: Tracking) -> None:
        self.execute(
            cursor,
            "INSERT INTO {versions} VALUES (%s, %s, %s, %s, %s, %s)",
            (
                tracking.notification_id,
                details.customer,
                self.to_db_instant(details.since),
                details.name,
                details.account_manager,
                details.account_manager_email,
            ),
        )

    def set_setting(self, key: str, value: str, at: datetime, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {settings} VALUES (%s, %s, %s, %s)",
                (tracking.notification_id, key, self.to_db_instant(at), value),
            )
            self._forget(("settings", key))

    def set_threshold(
        self, customer_id: UUID, threshold: rules.Threshold, at: datetime, tracking: Tracking
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            customer = self._customer_of(cursor, customer_id)
            self.execute(
                cursor,
                "INSERT INTO {thresholds} VALUES (%s, %s, %s, %s, %s)",
                (
                    tracking.notification_id,
                    customer,
                    self.to_db_instant(at),
                    None if threshold.percent is None else self.to_db_decimal(threshold.percent),
                    None if threshold.amount is None else self.to_db_decimal(threshold.amount),
                ),
            )
            self._forget(("thresholds", customer))

    def set_webhook(
        self,
        webhook_id: UUID,
        url: str | None,
        secret_env: str,
        kinds: list[str],
        *,
        active: bool,
        tracking: Tracking,
    ) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            if url is not None:
                self.execute(
                    cursor,
                    "INSERT INTO {webhooks} VALUES (%s, %s, %s, %s, %s)",
                    (str(webhook_id), url, secret_env, ",".join(kinds), active),
                )
                return
            self.execute(
                cursor,
                "UPDATE {webhooks} SET secret_env = %s, kinds = %s, active = %s WHERE webhook_id = %s",
                (secret_env, ",".join(kinds), active, str(webhook_id)),
            )

    def remember_subject(self, aggregate_id: UUID, customer: str, label: str, tracking: Tracking) -> None:
        """Which customer an engagement or admin account belongs to (its later events do not say)."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "INSERT INTO {subjects} VALUES (%s, %s, %s)", (str(aggregate_id), customer, label)
            )

    def subject(self, aggregate_id: UUID) -> tuple[str, str]:
        """The customer and label of a card, an engagement or an admin account."""
        rows = self.query(
            "SELECT customer, label FROM {subjects} WHERE aggregate_id = %s "
            "UNION ALL SELECT customer, card_id AS label FROM {cards} WHERE card_id = %s",
            (str(aggregate_id), str(aggregate_id)),
        )
        if not rows:
            msg = f"alerts: an event of {aggregate_id}, which was never opened"
            raise ProjectionInvariantError(msg)
        return str(rows[0]["customer"]), str(rows[0]["label"])

    # --- cards ------------------------------------------------------------------------------------

    def open_card(self, card_id: UUID, customer: str, currency: str, tracking: Tracking) -> None:
        zero = self.to_db_decimal(ZERO)
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor,
                "INSERT INTO {cards} VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, NULL, NULL, NULL)",
                (str(card_id), customer, currency, zero, zero, True, True),
            )

    def card_moved(self, movement: Movement, raising: Raising, tracking: Tracking) -> None:
        """Judge one card movement by the balance after it (see :func:`rules.on_movement`)."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            card = self._card(cursor, movement.card_id)
            state = self._state(card)
            # A reversal may give money back to blocks that have expired, written off again at once:
            # judge such a write-off from the arming before the reversal began, so that giving back
            # and writing off again cannot raise an alert of its own (nor flap).
            undo_version = card["undo_version"]
            in_group = undo_version is not None and int(undo_version) + 1 == raising.version
            baseline = (
                (bool(card["undo_nearly"]), bool(card["undo_fully"]))
                if in_group
                else (state.nearly_armed, state.fully_armed)
            )
            if movement.kind == EXPIRY and in_group:
                state = rules.CardAlertState(state.base, state.balance, *baseline)
            first_credit_at = card["first_credit_at"]
            if movement.kind == CREDIT:
                state = rules.on_credit(state, movement.balance_after)
                if first_credit_at is None or raising.effective_at < self.from_db_instant(first_credit_at):
                    first_credit_at = self.to_db_instant(raising.effective_at)
            threshold = self._threshold(cursor, card["customer"], raising.effective_at)
            limit = threshold.limit(state.base)
            kind, after = rules.on_movement(
                state, movement.balance_after, limit, lowering=movement.kind in (DEBIT, EXPIRY)
            )
            undo: tuple[int, bool, bool] | None = None
            if movement.kind == REVERSAL:
                undo = (raising.version, *baseline)
            elif movement.kind == EXPIRY and in_group:
                undo = (raising.version, after.nearly_armed, after.fully_armed)
            self._save_card(cursor, movement.card_id, after, undo, first_credit_at)
            if kind is None:
                return
            currency = card["currency"]
            left = f"{format_money(movement.balance_after)} {currency}"
            details = {
                "balance_after": str(movement.balance_after),
                "currency": currency,
                "cause": movement.cause,
                "cause_nl": movement.cause_nl,
                "threshold": str(limit),
            }
            if kind == rules.FULLY_USED:
                message = f"the strippenkaart is used up: {left} left after {movement.cause}"
            else:
                limit_text = threshold.describe(state.base, currency)
                message = (
                    f"the strippenkaart is nearly used: {left} left after {movement.cause}, "
                    f"at or below {limit_text}"
                )
            self._raise(cursor, Raised(kind, card["customer"], message, details), raising, tracking)

    def work_recorded(
        self, work: InvoicedWork | None, occurrence: Occurrence | None, raising: Raising, tracking: Tracking
    ) -> None:
        """Invoiced work (a card alert or a notice) and a recurring category, in one transaction."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            if work is not None:
                self._invoiced(cursor, work, raising, tracking)
            if occurrence is not None:
                self._occurrence(cursor, occurrence, raising, tracking)

    def _invoiced(self, cursor: Any, work: InvoicedWork, raising: Raising, tracking: Tracking) -> None:
        self.execute(cursor, "SELECT * FROM {cards} WHERE customer = %s", (work.customer,))
        card = cursor.fetchone()
        state = self._state(card) if card is not None else rules.OPENED
        # Work dated before the card's first credit (a card not credited yet, such as a monthly plan
        # whose first month is not due, or work from before the purchase) is work the card never
        # could pay: a notice, like work on a customer without a card, even when the card is empty
        # by now, never "used up".
        first = None if card is None else card["first_credit_at"]
        could_pay = first is not None and self.from_db_instant(first) <= raising.effective_at
        balance = work.card_balance_after if could_pay else None
        if work.card_paid > ZERO:
            # The card paid part of this work, so it was not empty: its own debits (stored after
            # this entry, so not seen yet) judge the crossing. Judging it here as well raised a
            # second fully-used when the debit came in two parts (credit of the work's time, then
            # later credit) and the first left something on the card.
            return
        kind, after = rules.on_invoiced_work(state, balance)
        if kind is None:
            return
        currency = card["currency"] if card is not None else work.currency
        amount = f"{format_money(work.invoiceable)} {currency}"
        details = {"ticket": work.ticket, "invoiceable": str(work.invoiceable), "currency": currency}
        if kind == rules.FULLY_USED:
            self._save_card(cursor, card["card_id"], after, None, card["first_credit_at"])
            message = f"the strippenkaart could not pay for ticket {work.ticket}: {amount} goes to invoice"
        elif card is None:
            message = f"ticket {work.ticket} goes to invoice ({amount}): the customer has no strippenkaart"
        else:
            message = (
                f"ticket {work.ticket} goes to invoice ({amount}): no credit on the strippenkaart "
                "could pay work of that time (before its purchase, or expired)"
            )
        self._raise(cursor, Raised(kind, work.customer, message, details), raising, tracking)

    def _occurrence(self, cursor: Any, occurrence: Occurrence, raising: Raising, tracking: Tracking) -> None:
        at = raising.effective_at
        customer, category, recurrence = occurrence.customer, occurrence.category, occurrence.recurrence
        self.execute(
            cursor,
            "INSERT INTO {occurrences} VALUES (%s, %s, %s, %s, %s)",
            (tracking.notification_id, customer, category, self.to_db_instant(at), occurrence.ticket),
        )
        label = f"{OCCURRENCE_LABEL}{tracking.notification_id}"
        self.execute(  # the entry's later events (a reversal) do not name its customer or ticket
            cursor, "INSERT INTO {subjects} VALUES (%s, %s, %s)", (str(occurrence.entry_id), customer, label)
        )
        memo = self.batch_memo()
        if memo is not None:
            memo[("occurrence", str(occurrence.entry_id))] = label
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
            cursor, "DELETE FROM {suggestions} WHERE customer = %s AND category = %s", (customer, category)
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
            f"{category!r} work recurred {len(tickets)} times within {recurrence.days} days, paid from the "
            f"strippenkaart or under the servicedesk contract (tickets {shown}); it is sold as a standard "
            "service: suggest it"
        )
        details = {"category": category, "count": len(tickets), "days": recurrence.days, "tickets": tickets}
        self._raise(cursor, Raised(rules.STANDARD_SERVICE, customer, message, details), raising, tracking)

    def take_back_occurrence(self, entry_id: UUID, tracking: Tracking) -> None:
        """A reversed entry was no request: it stops counting towards a standard-service
        suggestion (one already raised stays raised, like every alert)."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            memo = self.batch_memo()
            key = ("occurrence", str(entry_id))
            if memo is not None and key in memo:
                label = memo[key]
            else:
                self.execute(
                    cursor,
                    "SELECT label FROM {subjects} WHERE aggregate_id = %s AND label LIKE %s",
                    (str(entry_id), f"{OCCURRENCE_LABEL}%"),
                )
                row = cursor.fetchone()
                label = None if row is None else str(row["label"])
            if label is None:
                return  # the entry was not an occurrence
            notification_id = int(label.removeprefix(OCCURRENCE_LABEL))
            self.execute(cursor, "DELETE FROM {occurrences} WHERE notification_id = %s", (notification_id,))
            self.execute(cursor, "DELETE FROM {subjects} WHERE aggregate_id = %s", (str(entry_id),))
            if memo is not None:
                memo[key] = None

    def prefetch_occurrences(self, entry_ids: Sequence[UUID]) -> None:
        """Which of these reversed entries counted as requests, read at once into the batch's
        memo (None: not one), for :meth:`take_back_occurrence`."""
        memo = self.batch_memo()
        if memo is None or not entry_ids:
            return
        with self.transaction(commit=False) as cursor:
            ids = [str(entry_id) for entry_id in entry_ids]
            head = "SELECT aggregate_id, label FROM {subjects} WHERE"
            rows = self.select_matching(cursor, head, ("aggregate_id",), [(i,) for i in ids])
            found = {str(row["aggregate_id"]): str(row["label"]) for row in rows}
            for entry_id in ids:
                label = found.get(entry_id)
                memo[("occurrence", entry_id)] = (
                    label if label is not None and label.startswith(OCCURRENCE_LABEL) else None
                )

    def notice(self, raised: Raised, raising: Raising, tracking: Tracking) -> None:
        """An alert that needs no state: statement ready, evaluation due, expiry warnings."""
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self._raise(cursor, raised, raising, tracking)

    def acknowledge(self, alert_id: str, actor: str, at: datetime, tracking: Tracking) -> None:
        with self.transaction(commit=True) as cursor:
            self.track(cursor, tracking)
            self.execute(
                cursor, "INSERT INTO {acks} VALUES (%s, %s, %s)", (alert_id, actor, self.to_db_instant(at))
            )

    # --- helpers inside a transaction -------------------------------------------------------------

    def _customer_of(self, cursor: Any, customer_id: UUID) -> str:
        self.execute(cursor, "SELECT customer FROM {customers} WHERE customer_id = %s", (str(customer_id),))
        row = cursor.fetchone()
        if row is None:
            msg = f"alerts: an event of customer {customer_id} that was never registered"
            raise ProjectionInvariantError(msg)
        return str(row["customer"])

    def _versions(self, cursor: Any, customer: str | None = None) -> list[CustomerDetails]:
        where, params = ("WHERE customer = %s ", (customer,)) if customer is not None else ("", ())
        self.execute(
            cursor, "SELECT * FROM {versions} " + where + "ORDER BY effective_at, notification_id", params
        )
        return [
            CustomerDetails(
                row["customer"],
                self.from_db_instant(row["effective_at"]),
                row["name"],
                row["account_manager"],
                row["email"],
            )
            for row in cursor.fetchall()
        ]

    def _card(self, cursor: Any, card_id: UUID) -> Any:
        """The card's row, from the batch's memo once read (:meth:`_save_card` keeps it current)."""
        memo = self.batch_memo()
        key = ("card", str(card_id))
        if memo is not None and key in memo:
            return memo[key]
        self.execute(cursor, "SELECT * FROM {cards} WHERE card_id = %s", (str(card_id),))
        row = cursor.fetchone()
        if row is None:
            msg = f"alerts: a movement on card {card_id} that was never opened"
            raise ProjectionInvariantError(msg)
        row = dict(row)
        if memo is not None:
            memo[key] = row
        return row

    def _state(self, card: Any) -> rules.CardAlertState:
        return rules.CardAlertState(
            base=self.from_db_decimal(card["base"]),
            balance=self.from_db_decimal(card["balance"]),
            nearly_armed=bool(card["nearly_armed"]),
            fully_armed=bool(card["fully_armed"]),
        )

    def _save_card(
        self,
        cursor: Any,
        card_id: UUID | str,
        state: rules.CardAlertState,
        undo: tuple[int, bool, bool] | None,
        first_credit_at: Any,
    ) -> None:
        """``first_credit_at``: the earliest effective time of a credit seen, as stored (or None)."""
        values = {
            "base": self.to_db_decimal(state.base),
            "balance": self.to_db_decimal(state.balance),
            "nearly_armed": state.nearly_armed,
            "fully_armed": state.fully_armed,
            **dict(
                zip(("undo_version", "undo_nearly", "undo_fully"), undo or (None, None, None), strict=True)
            ),
            "first_credit_at": first_credit_at,
        }
        memo = self.batch_memo()
        remembered = None if memo is None else memo.get(("card", str(card_id)))
        if remembered is not None:
            remembered.update(values)
        self.defer(
            cursor,
            "UPDATE {cards} SET base = %s, balance = %s, nearly_armed = %s, fully_armed = %s, "
            "undo_version = %s, undo_nearly = %s, undo_fully = %s, first_credit_at = %s WHERE card_id = %s",
            (*values.values(), str(card_id)),
            key=("cards", str(card_id)),
        )

    def _setting(self, cursor: Any, key: str, at: datetime) -> object:
        """A dated setting as in force at ``at``, from the ``DatedSettings.Changed`` events seen."""
        row = self._in_force(
            cursor,
            ("settings", key),
            "SELECT effective_at, notification_id, value FROM {settings} WHERE key = %s",
            self.to_db_instant(at),
        )
        spec = SPECS[key]
        return spec.parse(row["value"] if row is not None else spec.default)

    def _in_force(self, cursor: Any, memo_key: tuple[str, str], text: str, at: Any) -> Any:
        """The row of ``text`` (one key's dated rows) with the latest ``effective_at`` at or
        before ``at``, the later recorded first on a tie; the key's rows are read once per batch
        (a handful: settings and thresholds change rarely, while every card movement asks)."""
        memo = self.batch_memo()
        rows = None if memo is None else memo.get(memo_key)
        if rows is None:
            self.execute(cursor, text, (memo_key[1],))
            found = [dict(row) for row in cursor.fetchall()]
            rows = sorted(found, key=lambda row: (row["effective_at"], row["notification_id"]))
            if memo is not None:
                memo[memo_key] = rows
        for row in reversed(rows):
            if row["effective_at"] <= at:
                return row
        return None

    def _forget(self, memo_key: tuple[str, str]) -> None:
        memo = self.batch_memo()
        if memo is not None:
            memo.pop(memo_key, None)

    def setting(self, key: str, at: datetime) -> object:
        with self.transaction(commit=False) as cursor:
            return self._setting(cursor, key, at)

    def _threshold(self, cursor: Any, customer: str, at: datetime) -> rules.Threshold:
        """The customer's own threshold in force at ``at``, else the dated default of then."""
        row = self._in_force(
            cursor,
            ("thresholds", customer),
            "SELECT effective_at, notification_id, percent, amount FROM {thresholds} WHERE customer = %s",
            self.to_db_instant(at),
        )
        if row is None:
            percent = self._setting(cursor, NEARLY_USED_PERCENT, at)
            if not isinstance(percent, Decimal):
                msg = f"alerts: {NEARLY_USED_PERCENT} is not a percentage: {percent!r}"
                raise ProjectionInvariantError(msg)
            return rules.Threshold(percent=percent, amount=None)
        percent, amount = row["percent"], row["amount"]
        return rules.Threshold(
            percent=None if percent is None else self.from_db_decimal(percent),
            amount=None if amount is None else self.from_db_decimal(amount),
        )

    def _raise(self, cursor: Any, raised: Raised, raising: Raising, tracking: Tracking) -> None:
        """Insert the alert and, in the same transaction, the deliveries it needs."""
        versions = self._versions(cursor, raised.customer)
        if not versions:
            msg = f"alerts: an alert for customer {raised.customer!r}, who was never registered"
            raise ProjectionInvariantError(msg)
        details = in_force(versions, raising.effective_at)
        alert_id = rules.alert_id(raised.kind, raising.aggregate_id, raising.version)
        self.execute(
            cursor,
            "INSERT INTO {alerts} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                alert_id,
                tracking.notification_id,
                raised.customer,
                raised.kind,
                self.to_db_instant(raising.recorded_at),
                self.to_db_instant(raising.effective_at),
                f"{details.name} ({date_of(raising.effective_at)}): {raised.message}",
                json.dumps(raised.details, sort_keys=True),
            ),
        )
        position = tracking.notification_id
        self.enqueue(cursor, alert_id, EMAIL, "", raising.recorded_at, position)
        self.execute(cursor, "SELECT url, kinds FROM {webhooks} WHERE active = %s ORDER BY url", (True,))
        for row in cursor.fetchall():
            kinds = [kind for kind in row["kinds"].split(",") if kind]
            if not kinds or raised.kind in kinds:
                self.enqueue(cursor, alert_id, WEBHOOK, row["url"], raising.recorded_at, position)

    # --- reads ------------------------------------------------------------------------------------

    SELECT = (
        "SELECT a.*, k.acknowledged_by, k.acknowledged_at FROM {alerts} a "
        "LEFT JOIN {acks} k ON k.alert_id = a.alert_id "
    )

    def alerts(
        self,
        customer: str | None = None,
        *,
        include_acknowledged: bool = False,
        kind: str | None = None,
        since: datetime | None = None,
        account_manager: str | None = None,
    ) -> list[Alert]:
        """Alerts by raising order; ``since`` by the time they were raised, ``account_manager`` the
        one in charge at each alert's effective time (compared without case)."""
        conditions: list[str] = []
        params: list[Any] = []
        if customer is not None:
            conditions.append("a.customer = %s")
            params.append(customer)
        if kind is not None:
            conditions.append("a.kind = %s")
            params.append(kind)
        if since is not None:
            conditions.append("a.raised_at >= %s")
            params.append(self.to_db_instant(since))
        if not include_acknowledged:
            conditions.append("k.alert_id IS NULL")
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self.query(self.SELECT + where + "ORDER BY a.notification_id, a.alert_id", params)
        found = self._alerts(rows)
        if account_manager is not None:
            wanted = account_manager.casefold()
            found = [alert for alert in found if alert.account_manager.casefold() == wanted]
        return found

    def alert(self, alert_id: str) -> Alert | None:
        rows = self.query(self.SELECT + "WHERE a.alert_id = %s", (alert_id,))
        found = self._alerts(rows)
        return found[0] if found else None

    def customers(self) -> dict[str, list[CustomerDetails]]:
        """Every customer's dated versions, oldest first."""
        with self.transaction(commit=False) as cursor:
            versions = self._versions(cursor)
        grouped: dict[str, list[CustomerDetails]] = {}
        for version in versions:
            grouped.setdefault(version.customer, []).append(version)
        return dict(sorted(grouped.items()))

    def webhooks(self) -> list[WebhookView]:
        rows = self.query("SELECT * FROM {webhooks} ORDER BY url")
        return [
            WebhookView(
                row["url"], row["secret_env"], [k for k in row["kinds"].split(",") if k], bool(row["active"])
            )
            for row in rows
        ]

    def webhook_secret_env(self, url: str) -> str | None:
        rows = self.query("SELECT secret_env FROM {webhooks} WHERE url = %s", (url,))
        return str(rows[0]["secret_env"]) if rows else None

    def _alerts(self, rows: list[Any]) -> list[Alert]:
        if not rows:
            return []
        names = {row["customer"] for row in rows}
        if len(names) == 1:  # one customer's alerts (or one alert): only its versions
            [name] = names
            with self.transaction(commit=False) as cursor:
                customers = {name: self._versions(cursor, name)}
        else:
            customers = self.customers()
        return [self._alert(row, customers.get(row["customer"], [])) for row in rows]

    def _alert(self, row: Any, versions: list[CustomerDetails]) -> Alert:
        acknowledged_at = row["acknowledged_at"]
        effective_at = self.from_db_instant(row["effective_at"])
        manager = in_force(versions, effective_at) if versions else None
        return Alert(
            id=row["alert_id"],
            customer=row["customer"],
            kind=row["kind"],
            raised_at=self.from_db_instant(row["raised_at"]),
            effective_at=effective_at,
            account_manager=manager.account_manager if manager is not None else "",
            account_manager_email=manager.account_manager_email if manager is not None else None,
            customer_name=manager.name if manager is not None else row["customer"],
            message=row["message"],
            details=json.loads(row["details"]),
            acknowledged=row["acknowledged_by"] is not None,
            acknowledged_by=row["acknowledged_by"],
            acknowledged_at=None if acknowledged_at is None else self.from_db_instant(acknowledged_at),
        )


AlertsView = AlertsSql
"""What the alerts projection writes and account managers (and the deliverer) read."""


class SQLiteAlertsView(AlertsSql, SQLiteView):
    """Alerts in the SQLite file of the events."""

    def _columns_query(self, table: str) -> tuple[str, tuple[str, ...]]:
        return "SELECT name FROM pragma_table_info(?)", (table,)


class AlertsProjection(LedgerProjection[AlertsView]):
    """Card movements, work, settings, customers, clock facts, statements, acknowledgements → alerts.

    Thresholds, the delivery mode and the category synonyms are dated settings read from the log
    (``DatedSettings.Changed``); the standard-service catalogue and recurrence come from the
    deployment (``[alerts]``), handed in with :meth:`configure`.
    """

    name = "alerts"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Customer.Registered,
            Customer.Changed,
            Customer.AlertThresholdSet,
            DatedSettings.Changed,
            Webhook.Registered,
            Webhook.Updated,
            Strippenkaart.Opened,
            Strippenkaart.Credited,
            Strippenkaart.Debited,
            Strippenkaart.DebitReversed,
            Strippenkaart.Expired,
            Strippenkaart.ExpiryWarned,
            WorkEntry.Recorded,
            WorkEntry.Reversed,
            StatementBook.Issued,
            OnSiteEngagement.Opened,
            OnSiteEngagement.EvaluationDue,
            AdminAccount.Opened,
            AdminAccount.ExpiryWarned,
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
        email = getattr(event, "account_manager_email", None)
        details = CustomerDetails(event.slug, event.effective_at, event.name, event.account_manager, email)
        self.view.register_customer(details, event.originator_id, tracking)

    @apply.register(Customer.Changed)
    def _changed(self, event: Customer.Changed, tracking: Tracking) -> None:
        changes = (event.name, event.account_manager, event.account_manager_email)
        self.view.change_customer(event.originator_id, changes, event.effective_at, tracking)

    @apply.register(Customer.AlertThresholdSet)
    def _threshold_set(self, event: Customer.AlertThresholdSet, tracking: Tracking) -> None:
        threshold = rules.Threshold(percent=event.percent, amount=event.amount)
        self.view.set_threshold(event.originator_id, threshold, event.effective_at, tracking)

    @apply.register(DatedSettings.Changed)
    def _setting(self, event: DatedSettings.Changed, tracking: Tracking) -> None:
        self.view.set_setting(event.key, event.value, event.effective_at, tracking)

    @apply.register(Webhook.Registered)
    def _webhook(self, event: Webhook.Registered, tracking: Tracking) -> None:
        self.view.set_webhook(
            event.originator_id, event.url, event.secret_env, event.kinds, active=True, tracking=tracking
        )

    @apply.register(Webhook.Updated)
    def _webhook_updated(self, event: Webhook.Updated, tracking: Tracking) -> None:
        self.view.set_webhook(
            event.originator_id, None, event.secret_env, event.kinds, active=event.active, tracking=tracking
        )

    @apply.register(Strippenkaart.Opened)
    def _opened(self, event: Strippenkaart.Opened, tracking: Tracking) -> None:
        self.view.open_card(event.originator_id, event.customer, event.currency, tracking)

    @apply.register(Strippenkaart.Credited)
    def _credited(self, event: Strippenkaart.Credited, tracking: Tracking) -> None:
        movement = Movement(
            event.originator_id, CREDIT, event.balance_after, f"credit {event.reference}", event.reference
        )
        self.view.card_moved(movement, Raising.of(event), tracking)

    @apply.register(Strippenkaart.Debited)
    def _debited(self, event: Strippenkaart.Debited, tracking: Tracking) -> None:
        ticket = f"ticket {event.ticket}"
        movement = Movement(event.originator_id, DEBIT, event.balance_after, ticket, ticket)
        self.view.card_moved(movement, Raising.of(event), tracking)

    @apply.register(Strippenkaart.Expired)
    def _expired(self, event: Strippenkaart.Expired, tracking: Tracking) -> None:
        # Credit that expires lowers the balance like a debit: it can cross the thresholds too.
        cause = f"the expiry of {event.reference}"
        cause_nl = f"het verlopen van {event.reference}"
        movement = Movement(event.originator_id, EXPIRY, event.balance_after, cause, cause_nl)
        self.view.card_moved(movement, Raising.of(event), tracking)

    @apply.register(Strippenkaart.DebitReversed)
    def _debit_reversed(self, event: Strippenkaart.DebitReversed, tracking: Tracking) -> None:
        cause = f"the reversal of ticket {event.ticket}"
        cause_nl = f"het terugdraaien van ticket {event.ticket}"
        movement = Movement(event.originator_id, REVERSAL, event.balance_after, cause, cause_nl)
        self.view.card_moved(movement, Raising.of(event), tracking)

    @apply.register(Strippenkaart.ExpiryWarned)
    def _expiry_warned(self, event: Strippenkaart.ExpiryWarned, tracking: Tracking) -> None:
        customer, _ = self.view.subject(event.originator_id)
        message = (
            f"credit {event.reference} expires {describe_instant(event.expires_at)} with "
            f"{format_money(event.remaining)} unused; it is written off after the grace period"
        )
        details = {
            "reference": event.reference,
            "remaining": str(event.remaining),
            "expires_at": event.expires_at.isoformat(),
        }
        raised = Raised(rules.CREDIT_EXPIRING, customer, message, details)
        self.view.notice(raised, Raising.of(event), tracking)

    @apply.register(WorkEntry.Recorded)
    def _work_recorded(self, event: WorkEntry.Recorded, tracking: Tracking) -> None:
        invoiced = None
        if event.invoiceable > ZERO:
            invoiced = InvoicedWork(
                event.customer,
                event.ticket,
                event.invoiceable,
                event.currency,
                getattr(event, "card_balance_after", None),
                event.card_paid,
            )
        occurrence = None
        if event.payer in RECURRING_PAYERS and event.component is not None:
            synonyms = self.view.setting(CATEGORY_SYNONYMS, event.effective_at)
            if not isinstance(synonyms, CategorySynonyms):
                msg = f"alerts: {CATEGORY_SYNONYMS} is not a synonym table"
                raise ProjectionInvariantError(msg)
            category = synonyms.normalise(event.component)
            catalogue = {synonyms.normalise(name) for name in self.settings.standard_services}
            if category in catalogue:
                recurrence = self.settings.recurrence()
                occurrence = Occurrence(
                    event.customer, category, event.ticket, recurrence, event.originator_id
                )
        if invoiced is None and occurrence is None:
            self.view.insert_tracking(tracking)
            return
        self.view.work_recorded(invoiced, occurrence, Raising.of(event), tracking)

    @apply.register(WorkEntry.Reversed)
    def _work_reversed(self, event: WorkEntry.Reversed, tracking: Tracking) -> None:
        self.view.take_back_occurrence(event.originator_id, tracking)

    def prefetch(self, events: Sequence[Any]) -> None:
        reversed_entries = [event.originator_id for event in events if type(event) is WorkEntry.Reversed]
        self.view.prefetch_occurrences(reversed_entries)

    @apply.register(StatementBook.Issued)
    def _statement_issued(self, event: StatementBook.Issued, tracking: Tracking) -> None:
        message = f"statement {event.number} for {event.month} is issued and ready to send"
        details = {"number": event.number, "month": event.month}
        raised = Raised(rules.STATEMENT_READY, event.customer, message, details)
        self.view.notice(raised, Raising.of(event), tracking)

    @apply.register(OnSiteEngagement.Opened)
    def _engagement_opened(self, event: OnSiteEngagement.Opened, tracking: Tracking) -> None:
        self.view.remember_subject(event.originator_id, event.customer, "on-site", tracking)

    @apply.register(AdminAccount.Opened)
    def _account_opened(self, event: AdminAccount.Opened, tracking: Tracking) -> None:
        self.view.remember_subject(event.originator_id, event.customer, event.account, tracking)

    @apply.register(OnSiteEngagement.EvaluationDue)
    def _evaluation_due(self, event: OnSiteEngagement.EvaluationDue, tracking: Tracking) -> None:
        customer, _ = self.view.subject(event.originator_id)
        message = f"the on-site evaluation is due on {event.due_date}: plan it with the customer"
        raised = Raised(rules.EVALUATION_DUE, customer, message, {"due_date": event.due_date})
        self.view.notice(raised, Raising.of(event), tracking)

    @apply.register(AdminAccount.ExpiryWarned)
    def _grant_expiring(self, event: AdminAccount.ExpiryWarned, tracking: Tracking) -> None:
        customer, account = self.view.subject(event.originator_id)
        message = (
            f"admin grant #{event.grant} of account {account!r} runs out "
            f"{describe_instant(event.valid_until)}: renew it or let it end"
        )
        details = {"account": account, "grant": event.grant, "valid_until": event.valid_until.isoformat()}
        raised = Raised(rules.ADMIN_GRANT_EXPIRING, customer, message, details)
        self.view.notice(raised, Raising.of(event), tracking)

    @apply.register(AlertAcknowledgement.Acknowledged)
    def _acknowledged(self, event: AlertAcknowledgement.Acknowledged, tracking: Tracking) -> None:
        self.view.acknowledge(event.alert_id, event.actor, event.effective_at, tracking)
