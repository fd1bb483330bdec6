"""Delivery with real parts: an SMTP server and an HTTP receiver on 127.0.0.1, on SQLite and PostgreSQL.

Every alert is delivered once it is acknowledged (SMTP 250, HTTP 2xx); failures wait with backoff
and are retried up to the limit, then ``dead`` until retried; a repeat carries the same idempotency
id; the signature is checked by an implementation written here, not the ledger's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.notify.deliver import DeliveryPolicy, Senders
from tests.notify.receivers import SmtpServer, WebhookReceiver
from tests.support import FakeClock

SECRET = "whsec_test_5ecret"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
POLICY = DeliveryPolicy(attempts_max=3, backoff_base_s=60, backoff_cap_s=600, claim_s=60)


def verify(header: str, body: bytes, secret: str) -> int:
    """Check ``t=...,v1=...`` over ``t.body`` (HMAC-SHA256), independently of ledger.notify."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "bad signature"
    return int(parts["t"])


def documented_verify() -> Callable[[str, bytes, str], bool]:
    """The five lines of docs/alerts.md, run as written."""
    [block] = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(block, namespace)
    verify_: Callable[[str, bytes, str], bool] = namespace["verify"]
    return verify_


def senders(smtp: SmtpServer | None = None) -> Senders:
    env = {"LEDGER_MAIL_FROM": "ledger@msp.example", "HOOK_SECRET": SECRET}
    if smtp is not None:
        env["LEDGER_SMTP_URL"] = smtp.url
    return Senders.from_env(env)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer(
        "acme",
        name="Acme B.V.",
        account_manager="Anna",
        account_manager_email="anna@msp.example",
        at="2026-01-01",
    )
    ledger.buy_card("acme", amount="1000.00", reference="O-1", at="2026-02-01")
    return ledger


def exhaust(ledger: Ledger) -> None:
    ledger.log_work(
        "acme", ticket="T-1", hours="8", rate="100.00", kind="rfc", at="2026-02-02T10:00+01:00"
    )  # nearly
    ledger.log_work(
        "acme", ticket="T-2", hours="2", rate="100.00", kind="rfc", at="2026-02-03T10:00+01:00"
    )  # fully


def statuses(ledger: Ledger, channel: str) -> list[str]:
    return [d.status for d in ledger.deliveries() if d.channel == channel]


def test_one_mail_per_alert_in_dutch_and_english_once(acme: Ledger, smtp: SmtpServer) -> None:
    exhaust(acme)
    result = acme.notify_run(senders(smtp), POLICY)
    assert (result.delivered, result.failed, result.dead) == (2, 0, 0)
    assert [to for to, _ in smtp.messages] == [["anna@msp.example"], ["anna@msp.example"]]
    nearly: Message = smtp.messages[0][1]
    assert nearly["Subject"] == "[ledger] Strippenkaart bijna op: Acme B.V."
    text = nearly.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "De strippenkaart van Acme B.V. is bijna op: nog 200.00 EUR na ticket T-1" in text
    assert "-- English --" in text
    assert "the strippenkaart is nearly used: 200.00 EUR left after ticket T-1" in text
    [nearly_delivery] = [d for d in acme.deliveries() if d.alert_id == acme.alerts()[0].id]
    assert nearly["X-Ledger-Idempotency-Key"] == nearly_delivery.id
    assert nearly["Message-ID"] == f"<{nearly_delivery.id}@ledger.invalid>"
    again = acme.notify_run(senders(smtp), POLICY)
    assert again.delivered == 0
    assert len(smtp.messages) == 2
    assert statuses(acme, "email") == ["delivered", "delivered"]


def test_a_daily_digest_per_account_manager(acme: Ledger, smtp: SmtpServer, clock: FakeClock) -> None:
    acme.set_setting("alerts.delivery", "daily-digest", effective_from="2026-01-01")
    exhaust(acme)
    clock.now = datetime.now(UTC)  # the alerts were raised today: they wait for the day to end
    assert acme.notify_run(senders(smtp), POLICY).waiting == 2
    assert smtp.messages == []
    clock.now = datetime.now(UTC) + timedelta(days=1)
    assert acme.notify_run(senders(smtp), POLICY).delivered == 2
    [(to, digest)] = smtp.messages
    assert to == ["anna@msp.example"]
    assert digest["Subject"].startswith("[ledger] Dagoverzicht ")
    assert digest["Subject"].endswith(": 2 meldingen")
    assert digest["X-Ledger-Idempotency-Key"].startswith("dg-")
    text = digest.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "bijna op" in text
    assert " is op: nog 0.00 EUR" in text


def test_webhook_failing_first_twice_is_retried_with_backoff_and_signed(
    acme: Ledger, clock: FakeClock
) -> None:
    receiver = WebhookReceiver(fail_first=2).start()
    try:
        acme.add_webhook(receiver.url, secret_env="HOOK_SECRET", kinds=["fully-used"])
        exhaust(acme)
        first = acme.notify_run(senders(), POLICY)  # no SMTP: mail fails too, and waits
        assert len(receiver.requests) == 1
        assert statuses(acme, "webhook") == ["pending"]
        [delivery] = [d for d in acme.deliveries() if d.channel == "webhook"]
        assert delivery.attempts == 1
        assert delivery.last_error is not None
        assert "HTTP 500" in delivery.last_error
        assert first.failed >= 1
        acme.notify_run(senders(), POLICY)  # not due yet: backoff
        assert len(receiver.requests) == 1
        clock.advance(minutes=10)
        acme.notify_run(senders(), POLICY)
        clock.advance(minutes=20)
        acme.notify_run(senders(), POLICY)
        assert len(receiver.requests) == 3
        assert statuses(acme, "webhook") == ["delivered"]
    finally:
        receiver.stop()
    keys = {request.headers["Idempotency-Key"] for request in receiver.requests}
    assert keys == {delivery.id}
    bodies = {request.body for request in receiver.requests}
    assert len(bodies) == 1  # the same bytes every time
    for request in receiver.requests:
        verify(request.headers["Ledger-Signature"], request.body, SECRET)
    with pytest.raises(AssertionError):
        verify(receiver.requests[0].headers["Ledger-Signature"], request.body + b" ", SECRET)
    documented = documented_verify()
    last = receiver.requests[-1]
    assert documented(last.headers["Ledger-Signature"], last.body, SECRET)
    assert not documented(last.headers["Ledger-Signature"], last.body, "wrong secret")
    payload = json.loads(receiver.requests[-1].body)
    assert payload["schema"] == "ledger.alert/1"
    assert payload["delivery_id"] == delivery.id
    assert payload["alert"]["kind"] == "fully-used"
    assert payload["alert"]["account_manager"] == "Anna"
    assert payload["alert"]["details"]["balance_after"] == "0.00"


def test_dead_after_the_limit_then_retried_by_hand(acme: Ledger, clock: FakeClock) -> None:
    receiver = WebhookReceiver(fail_first=100).start()
    try:
        acme.add_webhook(receiver.url, secret_env="HOOK_SECRET", kinds=["nearly-used"])
        exhaust(acme)
        for _ in range(POLICY.attempts_max):
            acme.notify_run(senders(), POLICY)
            clock.advance(hours=1)
        [dead] = [d for d in acme.deliveries() if d.channel == "webhook"]
        assert (dead.status, dead.attempts) == ("dead", 3)
        assert dead.last_error is not None
        assert "HTTP 500" in dead.last_error
        acme.notify_run(senders(), POLICY)
        assert len(receiver.requests) == 3  # dead: no more attempts
        receiver.fail_first = 0
        assert acme.retry_delivery(dead.id) == [dead.id]
        acme.notify_run(senders(), POLICY)
        assert statuses(acme, "webhook") == ["delivered"]
    finally:
        receiver.stop()


def test_nothing_is_lost_while_the_receiver_is_down(acme: Ledger, clock: FakeClock) -> None:
    receiver = WebhookReceiver()  # not started: nobody listens on its port
    acme.add_webhook(receiver.url, secret_env="HOOK_SECRET")
    exhaust(acme)
    policy = DeliveryPolicy(attempts_max=12, backoff_base_s=30, backoff_cap_s=3600, claim_s=60)
    for _ in range(4):  # down for an hour and more
        acme.notify_run(senders(), policy)
        clock.advance(minutes=30)
    webhook = [d for d in acme.deliveries() if d.channel == "webhook"]
    assert [d.status for d in webhook] == ["pending", "pending"]
    assert all(d.last_error and "no answer" in d.last_error for d in webhook)
    receiver.start()
    try:
        clock.advance(hours=2)
        acme.notify_run(senders(), policy)
    finally:
        receiver.stop()
    assert statuses(acme, "webhook") == ["delivered", "delivered"]
    assert sorted(r.headers["Idempotency-Key"] for r in receiver.requests) == sorted(d.id for d in webhook)


def test_a_rebuild_does_not_send_again(acme: Ledger, smtp: SmtpServer) -> None:
    exhaust(acme)
    acme.notify_run(senders(smtp), POLICY)
    acme.rebuild_projection("alerts")
    assert acme.notify_run(senders(smtp), POLICY).delivered == 0
    assert len(smtp.messages) == 2


def test_missing_address_is_an_error_that_names_the_fix(ledger: Ledger, smtp: SmtpServer) -> None:
    ledger.add_customer("bolt", name="Bolt", account_manager="Bram", at="2026-01-01")
    ledger.log_work("bolt", ticket="B-1", hours="1", rate="90.00", kind="rfc", at="2026-02-02T10:00+01:00")
    ledger.notify_run(senders(smtp), POLICY)
    [delivery] = ledger.deliveries()
    assert delivery.status == "pending"
    assert delivery.last_error is not None
    assert "--account-manager-email" in delivery.last_error
    ledger.change_customer("bolt", account_manager_email="bram@msp.example", effective_from="2026-01-01")
    ledger.retry_delivery(delivery.id)
    ledger.notify_run(senders(smtp), POLICY)
    assert [to for to, _ in smtp.messages] == [["bram@msp.example"]]


def test_statement_ready_mail_carries_the_issued_statement_as_pdf(acme: Ledger, smtp: SmtpServer) -> None:
    acme.log_work("acme", ticket="T-1", hours="2", rate="100.00", kind="rfc", at="2026-02-02T10:00+01:00")
    statement = acme.issue_statement("acme", "2026-02")
    assert acme.notify_run(senders(smtp), POLICY).delivered == 1
    [(to, mail)] = smtp.messages
    assert to == ["anna@msp.example"]
    assert mail["Subject"] == "[ledger] Afschrift klaar om te versturen: Acme B.V."
    [body] = [part for part in mail.walk() if part.get_content_type() == "text/plain"]
    text = body.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert f"Afschrift {statement.number} van Acme B.V. over 2026-02 is uitgegeven" in text
    [pdf] = [part for part in mail.walk() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"afschrift-{statement.number}.pdf"
    content = pdf.get_payload(decode=True)
    assert isinstance(content, bytes)
    assert content.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils (.ci/run does)")
    shown = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    words = " ".join(shown.decode().replace("\xa0", " ").split())
    assert f"Afschrift {statement.number}" in words
    assert "€ 800,00" in words  # 1,000.00 − 2 h × 100.00: the document the customer gets


def test_other_alerts_carry_no_attachment(acme: Ledger, smtp: SmtpServer) -> None:
    exhaust(acme)
    acme.notify_run(senders(smtp), POLICY)
    assert all(not mail.is_multipart() for _, mail in smtp.messages)
