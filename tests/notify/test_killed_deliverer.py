"""``ledger notify run`` killed with SIGKILL mid-batch, then run again: every alert delivered.

The deliverer is the real command in its own OS process; the receiver is slow, so the kill lands
while the batch is part-way sent. The second run finds the undelivered rest once the first run's
claim has run out. A delivery sent but not yet recorded when the process died is sent again:
always with the same idempotency id and the same body.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from ledger import Ledger
from tests.notify.receivers import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 12
WAIT_S = 60.0
CLAIM_S = 1.0


def deliverer(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOOK_SECRET": "s3cret",
        "LEDGER_NOTIFY_CLAIM_S": str(CLAIM_S),
        "LEDGER_ACTOR": "deliverer",
    }
    env.pop("LEDGER_SMTP_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", "--db", url, "notify", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def invoiced_work_notices(store_url: str, hook_url: str) -> set[str]:
    """CUSTOMERS customers without a card, each with an entry: an invoiced-work notice each, to
    the webhook; the ids of those deliveries."""
    with Ledger.open(store_url, actor="setup") as ledger:
        ledger.add_webhook(hook_url, secret_env="HOOK_SECRET", kinds=["invoiced-work"])
        for number in range(CUSTOMERS):
            ledger.add_customer(f"c-{number}", name=f"C {number}", account_manager="Anna", at="2026-01-01")
            ledger.log_work(f"c-{number}", ticket="W-1", hours="1", rate="80.00", kind="rfc", at="2026-02-02")
        return {d.id for d in ledger.deliveries() if d.channel == "webhook"}


def test_every_alert_is_delivered_after_a_kill_mid_batch(store_url: str) -> None:
    receiver = WebhookReceiver(delay_s=0.25).start()
    try:
        expected = invoiced_work_notices(store_url, receiver.url)
        assert len(expected) == CUSTOMERS

        first = deliverer(store_url)
        deadline = time.monotonic() + WAIT_S
        while len(receiver.requests) < 3 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_after = len(receiver.requests)
        assert 0 < killed_after < CUSTOMERS, f"killed too late or too early: {killed_after}"

        time.sleep(CLAIM_S + 0.2)  # the dead deliverer's claim runs out
        second = deliverer(store_url)
        _, err = second.communicate(timeout=WAIT_S)
        assert second.returncode == 0, err.decode()
        time.sleep(0.3)  # let the last request's handler finish recording
    finally:
        receiver.stop()

    bodies: dict[str, set[bytes]] = defaultdict(set)
    for request in receiver.requests:
        bodies[request.headers["Idempotency-Key"]].add(request.body)
    assert set(bodies) == expected  # every alert delivered
    assert all(len(each) == 1 for each in bodies.values())  # a repeat is the same delivery
    repeats = len(receiver.requests) - len(expected)
    assert 0 <= repeats <= 1  # at most the one in flight when the process died
    with Ledger.open(store_url, actor="check") as ledger:
        assert {d.id for d in ledger.deliveries("delivered")} == expected


def test_follow_delivers_alerts_raised_while_it_runs(store_url: str) -> None:
    receiver = WebhookReceiver().start()
    try:
        with Ledger.open(store_url, actor="setup") as ledger:
            ledger.add_webhook(receiver.url, secret_env="HOOK_SECRET")
            ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        env = {**os.environ, "HOOK_SECRET": "s3cret", "LEDGER_ACTOR": "deliverer"}
        service = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ledger",
                "--db",
                store_url,
                "notify",
                "run",
                "--follow",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            time.sleep(1.0)  # running, with nothing to do
            with Ledger.open(store_url, actor="setup") as ledger:
                ledger.log_work("acme", ticket="W-1", hours="1", rate="80.00", kind="rfc", at="2026-02-02")
            deadline = time.monotonic() + WAIT_S
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert service.poll() is None  # still following
        finally:
            service.send_signal(signal.SIGINT)
            service.communicate(timeout=WAIT_S)
        assert service.returncode == 0  # Ctrl-C stops the service cleanly
    finally:
        receiver.stop()
    [request] = receiver.requests
    assert request.headers["Idempotency-Key"].startswith("dl-")


def test_a_stopped_service_ends_after_the_send_under_way_not_after_the_round(store_url: str) -> None:
    """``systemctl stop`` in a month end's long round: the service stops within a send, leaves
    the rest unclaimed, and the next run delivers them at once (no claim to wait out)."""
    receiver = WebhookReceiver(delay_s=0.5).start()
    try:
        expected = invoiced_work_notices(store_url, receiver.url)
        env = {**os.environ, "HOOK_SECRET": "s3cret", "LEDGER_ACTOR": "deliverer"}
        env.pop("LEDGER_SMTP_URL", None)
        service = subprocess.Popen(
            [sys.executable, "-m", "ledger", "--db", store_url, "notify", "run", "--follow"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + WAIT_S
        while len(receiver.requests) < 2 and time.monotonic() < deadline and service.poll() is None:
            time.sleep(0.02)
        service.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        _, err = service.communicate(timeout=WAIT_S)
        waited = time.monotonic() - stopped_at
        assert service.returncode == 0, err.decode()
        sent_by_the_service = len(receiver.requests)
        # The round had CUSTOMERS sends of half a second each; the service finished one at most.
        assert sent_by_the_service <= 3, sent_by_the_service
        assert waited < 0.5 * (CUSTOMERS - 3), waited

        # One more round gets the rest at once: the service held two-minute claims, but only
        # on what it was sending.
        again = deliverer(store_url)
        _, err = again.communicate(timeout=WAIT_S)
        assert again.returncode == 0, err.decode()
        time.sleep(0.3)
    finally:
        receiver.stop()
    keys = [request.headers["Idempotency-Key"] for request in receiver.requests]
    assert set(keys) == expected
    assert len(keys) == len(expected)  # nothing sent twice
