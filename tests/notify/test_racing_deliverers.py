"""Two deliverers at once, and a round that lasts longer than a claim: nothing is sent twice.

A month end's round is slow (each ``statement-ready`` mail carries a rendered PDF, each mail waits
for the mail server), and operators run ``ledger notify run`` from cron every minute or as a
service on two hosts. A delivery may only go out while its deliverer holds it: claimed just before
it is sent, for one send's time, so a second deliverer starting halfway takes what is still open
and skips what the first is sending or has sent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

from ledger import Ledger
from ledger.notify.deliver import DeliveryPolicy, RunResult, Senders
from tests.notify.receivers import WebhookReceiver
from tests.support import FakeClock

ROOT = Path(__file__).resolve().parents[2]
HOOK = "https://hooks.example.nl/ledger"
FROM = "ledger@msp.example"
CUSTOMERS = 6
POLICY = DeliveryPolicy(attempts_max=3, backoff_base_s=60, backoff_cap_s=600, claim_s=60)
SEND_S = 20  # each send takes a third of a claim: the round of six takes twice a claim


def invoiced_work(ledger: Ledger, customers: int, url: str = HOOK) -> None:
    """One ``invoiced-work`` alert per customer (no card), each to the webhook and by mail."""
    ledger.add_webhook(url, secret_env="HOOK_SECRET", kinds=["invoiced-work"])
    for number in range(customers):
        slug = f"c-{number}"
        ledger.add_customer(
            slug,
            name=f"Klant {number}",
            account_manager="Anna",
            account_manager_email="anna@msp.example",
            at="2026-01-01",
        )
        ledger.log_work(slug, ticket="W-1", hours="1", rate="80.00", kind="rfc", at="2026-02-02")


def test_a_second_deliverer_starting_mid_round_sends_only_what_is_still_open(store_url: str) -> None:
    clock = FakeClock()
    sent: list[str] = []  # the idempotency id of every send, webhook or mail
    second_rounds: list[RunResult] = []
    with (
        Ledger.open(store_url, actor="setup", clock=clock) as first,
        Ledger.open(store_url, actor="cron", clock=clock) as second,
    ):
        invoiced_work(first, CUSTOMERS)

        def send(idempotency_id: str) -> None:
            sent.append(idempotency_id)
            clock.advance(seconds=SEND_S)
            if len(sent) == 4:  # 80 s into the first round: its first claims would have run out
                second_rounds.append(second.notify_run(senders, POLICY))

        def webhook(url: str, body: bytes, secret: str, delivery_id: str) -> int:
            send(delivery_id)
            return 200

        def mail(message: EmailMessage) -> None:
            send(str(message["X-Ledger-Idempotency-Key"]))

        senders = Senders(mail=mail, mail_from=FROM, webhook=webhook, secret_of=lambda name: "s")
        first_round = first.notify_run(senders, POLICY)
        delivered = {d.id for d in first.deliveries("delivered")}
        pending = first.deliveries("pending")

    repeats = {each: count for each, count in Counter(sent).items() if count > 1}
    assert repeats == {}, f"sent twice: {repeats}"
    assert len(sent) == 2 * CUSTOMERS
    assert delivered == set(sent)
    assert pending == []
    [second_round] = second_rounds
    # The first sent four webhooks; the second, starting during the fourth, took the rest.
    assert (first_round.delivered, second_round.delivered) == (4, 2 * CUSTOMERS - 4)
    assert (first_round.failed, second_round.failed) == (0, 0)


def test_two_deliverer_processes_with_a_slow_receiver_send_each_alert_once(store_url: str) -> None:
    """The real commands, side by side, a claim of one second, sends of a quarter second each."""
    customers, claim_s = 12, 1.0
    receiver = WebhookReceiver(delay_s=0.25).start()
    try:
        with Ledger.open(store_url, actor="setup") as ledger:
            invoiced_work(ledger, customers, receiver.url)
            expected = {d.id for d in ledger.deliveries() if d.channel == "webhook"}
        env = {
            **os.environ,
            "HOOK_SECRET": "s3cret",
            "LEDGER_NOTIFY_CLAIM_S": str(claim_s),
            "LEDGER_ACTOR": "deliverer",
        }
        env.pop("LEDGER_SMTP_URL", None)
        argv = [sys.executable, "-m", "ledger", "--db", store_url, "notify", "run", "--follow"]
        argv += ["--interval", "0.1"]
        services = [
            subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 60
            while len({r.headers["Idempotency-Key"] for r in receiver.requests}) < customers:
                assert time.monotonic() < deadline, "not everything was delivered within a minute"
                assert all(service.poll() is None for service in services), "a deliverer stopped"
                time.sleep(0.05)
            time.sleep(claim_s * 2)  # long enough for a run-out claim to be taken and sent again
        finally:
            for service in services:
                service.terminate()
                service.wait(timeout=30)
    finally:
        receiver.stop()

    keys = Counter(request.headers["Idempotency-Key"] for request in receiver.requests)
    assert set(keys) == expected
    assert {key: count for key, count in keys.items() if count > 1} == {}


def test_what_another_deliverer_failed_meanwhile_waits_for_its_backoff(store_url: str) -> None:
    """The first round read the due list before the second deliverer tried (and failed) the rest:
    it must not try them again at once, nor count their attempts from what it read."""
    clock = FakeClock()
    attempts: list[str] = []
    with (
        Ledger.open(store_url, actor="setup", clock=clock) as first,
        Ledger.open(store_url, actor="cron", clock=clock) as second,
    ):
        invoiced_work(first, CUSTOMERS)

        def webhook(url: str, body: bytes, secret: str, delivery_id: str) -> int:
            attempts.append(delivery_id)
            clock.advance(seconds=SEND_S)
            if len(attempts) == 1:
                second.notify_run(broken, POLICY)  # the receiver is down for the second deliverer
            return 200

        def refused(url: str, body: bytes, secret: str, delivery_id: str) -> int:
            attempts.append(delivery_id)
            raise ConnectionRefusedError(111, "Connection refused")

        def no_mail(message: EmailMessage) -> None:
            raise ConnectionRefusedError(111, "Connection refused")

        working = Senders(mail=no_mail, mail_from=FROM, webhook=webhook, secret_of=lambda n: "s")
        broken = Senders(mail=no_mail, mail_from=FROM, webhook=refused, secret_of=lambda n: "s")
        first_round = first.notify_run(working, POLICY)
        hooks = [d for d in first.deliveries() if d.channel == "webhook"]
        now = clock()

    assert Counter(attempts).most_common(1)[0][1] == 1  # none tried twice in these two rounds
    assert (first_round.delivered, first_round.failed) == (1, 0)
    failed = [d for d in hooks if d.status == "pending"]
    assert len(failed) == CUSTOMERS - 1
    assert all(d.attempts == 1 and d.next_attempt_at > now for d in failed)


def test_a_retry_while_the_delivery_is_being_sent_does_not_send_it_twice(store_url: str) -> None:
    """``ledger notify retry`` during a send makes the delivery due again, but the claim of the
    deliverer sending it stays: no second deliverer can take it meanwhile."""
    clock = FakeClock()
    sent: list[str] = []
    with (
        Ledger.open(store_url, actor="setup", clock=clock) as first,
        Ledger.open(store_url, actor="operator", clock=clock) as second,
    ):
        invoiced_work(first, 1)
        [hook] = [d for d in first.deliveries() if d.channel == "webhook"]

        def webhook(url: str, body: bytes, secret: str, delivery_id: str) -> int:
            sent.append(delivery_id)
            if len(sent) == 1:  # mid-send: the operator retries, another deliverer runs
                second.retry_delivery(delivery_id)
                second.notify_run(senders, POLICY)
            return 200

        senders = Senders(mail=None, mail_from=None, webhook=webhook, secret_of=lambda name: "s")
        first.notify_run(senders, POLICY)
        [after] = [d for d in first.deliveries() if d.channel == "webhook"]

    assert sent == [hook.id]
    assert after.status == "delivered"
