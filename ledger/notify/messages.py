"""What is sent: the webhook's JSON body (a stable schema) and the e-mail, in Dutch with English.

The webhook body is versioned (``schema``) and only ever gains fields; receivers deduplicate on
``delivery_id`` (also the ``Idempotency-Key`` header): a crash between sending and recording the
acknowledgement may send a delivery again, always with the same id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ledger.domain import alerts as rules
from ledger.domain.time import AMSTERDAM, date_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.projections.alerts import Alert

WEBHOOK_SCHEMA = "ledger.alert/1"
IDEMPOTENCY_MAIL_HEADER = "X-Ledger-Idempotency-Key"


@dataclass(frozen=True)
class Attachment:
    """A PDF sent with a mail: the file name the customer's account manager sees, and its bytes."""

    filename: str
    content: bytes


SUBJECTS_NL: dict[str, str] = {
    rules.NEARLY_USED: "Strippenkaart bijna op",
    rules.FULLY_USED: "Strippenkaart op",
    rules.INVOICED_WORK: "Werk gaat naar factuur",
    rules.STANDARD_SERVICE: "Voorstel standaarddienst",
    rules.STATEMENT_READY: "Afschrift klaar om te versturen",
    rules.CREDIT_EXPIRING: "Tegoed verloopt binnenkort",
    rules.EVALUATION_DUE: "On-site evaluatie is aan de beurt",
    rules.ADMIN_GRANT_EXPIRING: "Beheerrechten lopen binnenkort af",
}


def webhook_body(alert: Alert, delivery_id: str) -> bytes:
    """The JSON body: keys sorted, compact, UTF-8; the same bytes for the same delivery."""
    payload = {
        "schema": WEBHOOK_SCHEMA,
        "delivery_id": delivery_id,
        "alert": {
            "id": alert.id,
            "kind": alert.kind,
            "customer": alert.customer,
            "customer_name": alert.customer_name,
            "account_manager": alert.account_manager,
            "effective_at": alert.effective_at.isoformat(),
            "raised_at": alert.raised_at.isoformat(),
            "message": alert.message,
            "details": alert.details,
        },
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def dutch(alert: Alert) -> str:
    """The alert in Dutch, from its facts (the English message is the view's own)."""
    d: dict[str, Any] = alert.details
    name = alert.customer_name or alert.customer
    if alert.kind in (rules.NEARLY_USED, rules.FULLY_USED) and "balance_after" in d:
        after = f"na {d.get('cause_nl', 'de laatste boeking')}"
        if alert.kind == rules.FULLY_USED:
            return f"De strippenkaart van {name} is op: nog {d['balance_after']} {d['currency']} {after}."
        return (
            f"De strippenkaart van {name} is bijna op: nog {d['balance_after']} {d['currency']} {after}, "
            f"op of onder de drempel van {d['threshold']} {d['currency']}."
        )
    texts = {
        rules.FULLY_USED: lambda: (
            f"De strippenkaart van {name} kon ticket {d['ticket']} niet betalen: "
            f"{d['invoiceable']} {d['currency']} gaat naar de factuur."
        ),
        rules.INVOICED_WORK: lambda: (
            f"Ticket {d['ticket']} van {name} gaat naar de factuur ({d['invoiceable']} {d['currency']}): "
            "geen tegoed op de strippenkaart kon werk van dat moment betalen."
        ),
        rules.STANDARD_SERVICE: lambda: (
            f"Werk in de categorie '{d['category']}' kwam bij {name} {d['count']} keer voor binnen "
            f"{d['days']} dagen (tickets {', '.join(d['tickets'])}); het wordt als standaarddienst "
            "verkocht: stel die voor."
        ),
        rules.STATEMENT_READY: lambda: (
            f"Afschrift {d['number']} van {name} over {d['month']} is uitgegeven en kan verstuurd "
            "worden; de PDF zit bij deze mail."
        ),
        rules.CREDIT_EXPIRING: lambda: (
            f"Tegoed {d['reference']} van {name} verloopt op {_day(d['expires_at'])} met nog "
            f"{d['remaining']} ongebruikt; na de wachttijd wordt het afgeboekt."
        ),
        rules.EVALUATION_DUE: lambda: (
            f"De on-site evaluatie van {name} is op {d['due_date']} aan de beurt: plan die met de klant."
        ),
        rules.ADMIN_GRANT_EXPIRING: lambda: (
            f"Beheerrechten #{d['grant']} van account '{d['account']}' ({name}) lopen af op "
            f"{_day(d['valid_until'])}: verleng ze of laat ze aflopen."
        ),
    }
    text = texts.get(alert.kind)
    try:
        return text() if text is not None else alert.message
    except KeyError:  # an alert from before its facts were kept: the English text says it all
        return alert.message


def _day(iso: str) -> str:
    from datetime import datetime

    return str(date_of(datetime.fromisoformat(iso)))


def _block(alert: Alert) -> tuple[str, str]:
    when = alert.effective_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    nl = f"- {dutch(alert)}\n  (klant {alert.customer}, {when}, melding {alert.id})"
    en = f"- {alert.message}\n  (customer {alert.customer}, {when}, alert {alert.id})"
    return nl, en


def alert_mail(
    alerts: Sequence[Alert],
    sender: str,
    recipient: str,
    idempotency_id: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """One mail: a single alert, or a day's digest; Dutch first, then the English variant; the
    documents an alert announces (an issued statement's PDF) attached."""
    first = alerts[0]
    if len(alerts) == 1:
        subject = (
            f"[ledger] {SUBJECTS_NL.get(first.kind, first.kind)}: {first.customer_name or first.customer}"
        )
        intro_nl, intro_en = "Beste {name},", "Dear {name},"
    else:
        day = date_of(first.raised_at)
        subject = f"[ledger] Dagoverzicht {day}: {len(alerts)} meldingen"
        intro_nl, intro_en = "Beste {name}, de meldingen van {day}:", "Dear {name}, the alerts of {day}:"
        intro_nl = intro_nl.replace("{day}", str(day))
        intro_en = intro_en.replace("{day}", str(day))
    blocks = [_block(alert) for alert in alerts]
    manager = first.account_manager
    body = "\n".join(
        [
            intro_nl.format(name=manager),
            "",
            *(nl for nl, _ in blocks),
            "",
            "-- English --",
            "",
            intro_en.format(name=manager),
            "",
            *(en for _, en in blocks),
            "",
            f"Idempotency id: {idempotency_id} (a repeated mail carries the same id).",
        ]
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(first.raised_at)
    message["Message-ID"] = f"<{idempotency_id}@ledger.invalid>"  # the same for a mail sent again
    message[IDEMPOTENCY_MAIL_HEADER] = idempotency_id
    message.set_content(body)
    message["Content-Language"] = "nl, en"  # after set_content, which clears Content-* headers
    for attachment in attachments:
        message.add_attachment(
            attachment.content, maintype="application", subtype="pdf", filename=attachment.filename
        )
    return message
