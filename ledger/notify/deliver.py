"""The deliverer: take due deliveries from the outbox, send them, record what was acknowledged.

Exactly once from the ledger's side: a delivery is asked for once (the outbox row, written with
the alert) and recorded as delivered only after the receiver acknowledged it (HTTP 2xx, SMTP 250).
A deliverer killed between sending and recording sends it again after its claim runs out, with the
same idempotency id, which receivers use to drop the repeat. A failed attempt waits with
exponential backoff and jitter; after ``attempts_max`` failures the delivery is ``dead`` with its
last error, until ``ledger notify retry``. With the defaults a receiver may be down for four and
a half hours at the very least (nine at most, by the jitter) before anything is given up.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.domain.results import JsonResult
from ledger.domain.settings import ALERT_DELIVERY, DAILY_DIGEST
from ledger.domain.time import date_of
from ledger.errors import InvalidInputError
from ledger.notify import messages
from ledger.notify.smtp import SmtpConfig, send_mail
from ledger.notify.webhook import post
from ledger.projections.outbox import EMAIL, WEBHOOK, Delivery

if TYPE_CHECKING:
    from email.message import EmailMessage

    from ledger.projections.alerts import Alert, AlertsView

DIGEST_ID_PREFIX = "dg-"
DAY_S = 86_400.0


class Setting(NamedTuple):
    """A delivery setting's variable, kind and the least and greatest sensible value; outside
    them is a mistake (a unit, a sign)."""

    variable: str
    whole: bool
    least: float
    most: float


SETTINGS = {
    "attempts_max": Setting("LEDGER_NOTIFY_ATTEMPTS_MAX", True, 1, 1_000),
    "backoff_base_s": Setting("LEDGER_NOTIFY_BACKOFF_S", False, 0, 30 * DAY_S),
    "backoff_cap_s": Setting("LEDGER_NOTIFY_BACKOFF_CAP_S", False, 0, 30 * DAY_S),
    "claim_s": Setting("LEDGER_NOTIFY_CLAIM_S", False, 1e-3, DAY_S),
    "batch_max": Setting("LEDGER_NOTIFY_BATCH_MAX", True, 1, 10_000),
}


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts before ``dead``, backoff, how long a claim holds, batch size.

    Refused when out of range rather than obeyed: a batch of 0 would deliver nothing, silently; a
    claim of 0 or of days would let two deliverers send the same mail, or hold a killed
    deliverer's mails for days; an endless backoff would overflow the clock mid-round."""

    attempts_max: int = 16
    backoff_base_s: float = 30.0
    backoff_cap_s: float = 3600.0
    claim_s: float = 120.0
    batch_max: int = 100

    def __post_init__(self) -> None:
        for name, setting in SETTINGS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int if setting.whole else (int, float)):
                raise InvalidInputError(name, f"{value!r} is not {_unit(setting.whole)}")
            if not setting.least <= value <= setting.most:  # NaN fails both comparisons
                span = f"{_plain(setting.least)} to {_plain(setting.most)}"
                raise InvalidInputError(name, f"{value!r} is outside {span}")
        if self.backoff_cap_s < self.backoff_base_s:
            msg = f"{_plain(self.backoff_cap_s)} is below the first backoff, {_plain(self.backoff_base_s)}"
            raise InvalidInputError("backoff_cap_s", msg)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DeliveryPolicy:
        """From ``LEDGER_NOTIFY_{ATTEMPTS_MAX,BACKOFF_S,BACKOFF_CAP_S,CLAIM_S,BATCH_MAX}``; an error
        names the variable."""
        values: dict[str, Any] = {}
        for name, setting in SETTINGS.items():
            text = env.get(setting.variable)
            if text is None:
                continue
            try:
                values[name] = int(text) if setting.whole else float(text)
            except ValueError:
                raise InvalidInputError(setting.variable, f"{text!r} is not {_unit(setting.whole)}") from None
        try:
            return cls(**values)
        except InvalidInputError as error:
            raise InvalidInputError(SETTINGS[error.field].variable, error.reason) from None

    def backoff(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the ``attempts``-th failure: doubling from the base up to the cap, then a
        random part of it (half to all) so that many deliveries do not retry in step."""
        delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=delay * rng.uniform(0.5, 1.0))


def _unit(whole: bool) -> str:
    return "a whole number" if whole else "a number of seconds"


def _plain(number: float) -> str:
    """``2592000``, ``0.001``: no exponent in a message."""
    return format(number, "f").rstrip("0").rstrip(".") if number else "0"


@dataclass(frozen=True)
class Senders:
    """How mail and webhooks go out; tests and other transports may replace either."""

    mail: Callable[[EmailMessage], None] | None
    mail_from: str | None
    webhook: Callable[[str, bytes, str, str], int]
    secret_of: Callable[[str], str | None] = field(default=lambda name: os.environ.get(name))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Senders:
        url = env.get("LEDGER_SMTP_URL")
        mail: Callable[[EmailMessage], None] | None = None
        if url:
            config = SmtpConfig.parse(url)

            def mail(message: EmailMessage) -> None:
                send_mail(config, message)

        return cls(
            mail=mail,
            mail_from=env.get("LEDGER_MAIL_FROM"),
            webhook=post,
            secret_of=lambda name: env.get(name),
        )


@dataclass(frozen=True)
class RunResult(JsonResult):
    """One round: how many deliveries were acknowledged, failed (to retry), or given up."""

    delivered: int
    failed: int
    dead: int
    waiting: int


@dataclass
class Deliverer:
    """Sends what the outbox holds; one round per :meth:`run_once`."""

    view: AlertsView
    senders: Senders
    policy: DeliveryPolicy
    clock: Callable[[], datetime]
    rng: random.Random = field(default_factory=random.Random)
    documents: Callable[[Alert], list[messages.Attachment]] = field(default=lambda alert: [])
    """What a mail about an alert carries along (the ledger attaches an issued statement's PDF)."""
    counts: dict[str, int] = field(default_factory=lambda: {"delivered": 0, "failed": 0, "dead": 0})

    def run_once(self, stopping: Callable[[], bool] = lambda: False) -> RunResult:
        """Send what is due now; ``stopping`` is asked before each send, and once it says yes the
        round ends there (a service asked to stop in a month end's long round stops after the
        send under way, not after the round, and leaves the rest unclaimed for the next)."""
        self.counts = {"delivered": 0, "failed": 0, "dead": 0}
        now = self.clock()
        due = self.view.due_deliveries(now, self.policy.batch_max)
        digest = self.view.setting(ALERT_DELIVERY, now) == DAILY_DIGEST
        alerts = {d.alert_id: self.view.alert(d.alert_id) for d in due}
        chosen, waiting = [], 0
        for delivery in due:
            if digest and delivery.channel == EMAIL and date_of(delivery.raised_at) >= date_of(now):
                waiting += 1  # today's alerts go out in tomorrow's digest
                continue
            chosen.append(delivery)
        webhooks = [[d] for d in chosen if d.channel == WEBHOOK]
        mails = self._mail_groups([d for d in chosen if d.channel == EMAIL], alerts, digest=digest)
        for group in webhooks + mails:
            if stopping():
                break
            if mine := self._claimed(group):
                self._attempt(mine, functools.partial(self._send, mine, alerts))
        return RunResult(waiting=waiting, **self.counts)

    # --- one attempt ------------------------------------------------------------------------------

    def _claimed(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Those of ``deliveries`` this deliverer now holds, for one send's time, as they stand now.

        Claimed just before the send, not for the whole round: a round may outlast a claim (a month
        end's statement PDFs, a slow mail server), and a delivery whose claim ran out may be taken
        by another deliverer (cron's next run, a second service) and must not then go out twice.
        What another deliverer holds or has delivered meanwhile is skipped."""
        now = self.clock()
        until = now + timedelta(seconds=self.policy.claim_s)
        return self.view.claim([d.id for d in deliveries], now, until)

    def _attempt(self, deliveries: list[Delivery], send: Callable[[], None]) -> None:
        try:
            send()
        except Exception as error:
            self._failed(deliveries, f"{type(error).__name__}: {error}")
            return
        self.view.mark_delivered([d.id for d in deliveries], self.clock())
        self.counts["delivered"] += len(deliveries)

    def _failed(self, deliveries: list[Delivery], error: str) -> None:
        now = self.clock()
        for delivery in deliveries:
            attempts = delivery.attempts + 1
            dead = attempts >= self.policy.attempts_max
            retry_at = now + self.policy.backoff(attempts, self.rng)
            self.view.mark_failed([delivery.id], error, retry_at, dead=dead)
            self.counts["dead" if dead else "failed"] += 1

    def _send(self, deliveries: list[Delivery], alerts: dict[str, Alert | None]) -> None:
        """One webhook call, or one mail (an alert, or a digest of several)."""
        if deliveries[0].channel == WEBHOOK:
            self._webhook(deliveries[0], alerts[deliveries[0].alert_id])
        else:
            self._mail(deliveries, alerts)

    def _webhook(self, delivery: Delivery, alert: Alert | None) -> None:
        if alert is None:
            msg = f"alert {delivery.alert_id} is not in the alerts view"
            raise LookupError(msg)
        secret_env = self.view.webhook_secret_env(delivery.target)
        secret = self.senders.secret_of(secret_env) if secret_env else None
        if not secret:
            msg = f"the webhook's secret variable {secret_env} is not set for the deliverer"
            raise LookupError(msg)
        body = messages.webhook_body(alert, delivery.id)
        self.senders.webhook(delivery.target, body, secret, delivery.id)

    def _mail(self, group: list[Delivery], alerts: dict[str, Alert | None]) -> None:
        if self.senders.mail is None or not self.senders.mail_from:
            msg = "e-mail is not configured: set LEDGER_SMTP_URL and LEDGER_MAIL_FROM"
            raise LookupError(msg)
        found = [alerts[d.alert_id] for d in group]
        listed = [alert for alert in found if alert is not None]
        if len(listed) != len(group):
            msg = "an alert of this mail is not in the alerts view"
            raise LookupError(msg)
        recipient = listed[0].account_manager_email
        if not recipient:
            msg = (
                f"no e-mail address for account manager {listed[0].account_manager!r} of "
                f"{listed[0].customer!r}: ledger customer change {listed[0].customer} "
                "--account-manager-email ADDRESS --from DATE"
            )
            raise LookupError(msg)
        idempotency_id = group[0].id if len(group) == 1 else digest_id([d.id for d in group])
        attachments = [document for alert in listed for document in self.documents(alert)]
        mail = messages.alert_mail(listed, self.senders.mail_from, recipient, idempotency_id, attachments)
        self.senders.mail(mail)

    def _mail_groups(
        self, mails: list[Delivery], alerts: dict[str, Alert | None], *, digest: bool
    ) -> list[list[Delivery]]:
        """One mail per alert, or per (recipient, day of raising) in digest mode."""
        if not digest:
            return [[d] for d in mails]
        groups: dict[tuple[str, str], list[Delivery]] = {}
        for delivery in mails:
            alert = alerts[delivery.alert_id]
            recipient = "" if alert is None else (alert.account_manager_email or alert.account_manager)
            key = (recipient, str(date_of(delivery.raised_at)))
            groups.setdefault(key, []).append(delivery)
        return [groups[key] for key in sorted(groups)]


def digest_id(delivery_ids: list[str]) -> str:
    """A digest's idempotency id: the same for the same deliveries, in any order."""
    key = "\x1f".join(sorted(delivery_ids)).encode()
    return DIGEST_ID_PREFIX + hashlib.sha256(key).hexdigest()[:16]
