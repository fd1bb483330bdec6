"""Alerts: card crossings raised once and re-armed by credit, thresholds, standard-service
suggestions, acknowledgements; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from ledger import Ledger
from ledger.aggregates.alert_acknowledgement import AlertAcknowledgement
from ledger.cli import main
from ledger.errors import InvalidInputError, UnknownAlertError
from ledger.projections.base import catch_up_together
from tests.support import FakeClock, event_count


def kinds(ledger: Ledger, customer: str | None = None) -> list[str]:
    return [alert.kind for alert in ledger.alerts(customer, include_acknowledged=True)]


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-01")
    ledger.buy_card("acme", amount="1000.00", reference="ORDER-1", at="2026-02-01")
    return ledger


def work(ledger: Ledger, ticket: str, hours: str, day: str, **extra: str) -> None:
    ledger.log_work(
        "acme",
        ticket=ticket,
        hours=hours,
        rate="100.00",
        at=f"2026-02-{day}T10:00+01:00",
        **({"kind": "rfc"} | extra),
    )


def test_nearly_used_once_fully_used_once_and_a_top_up_re_arms(acme: Ledger) -> None:
    work(acme, "T-1", "7", "02")  # 300.00 left: above 20 % of 1000.00
    assert kinds(acme) == []
    work(acme, "T-2", "1", "03")  # 200.00 left: at the threshold
    work(acme, "T-3", "0.5", "04")  # 150.00: still below, already raised
    assert kinds(acme) == ["nearly-used"]
    [nearly] = acme.alerts()
    assert (nearly.customer, nearly.account_manager) == ("acme", "Anna")
    assert "200.00 EUR left after ticket T-2" in nearly.message
    assert "200.00 EUR (20% of 1000.00 EUR after the latest credit)" in nearly.message
    work(acme, "T-4", "1.5", "05")  # zero
    work(acme, "T-5", "1", "06")  # invoiced: the card is already known to be used up
    assert kinds(acme) == ["nearly-used", "fully-used"]

    acme.top_up("acme", amount="500.00", reference="INV-2", at="2026-02-07")  # new base 500.00
    work(acme, "T-6", "3", "08")  # 200.00 left: above 100.00
    assert kinds(acme) == ["nearly-used", "fully-used"]
    work(acme, "T-7", "1", "09")  # 100.00: at 20 % of 500.00
    work(acme, "T-8", "2", "10")  # 100.00 of 200.00 paid, the rest invoiced: fully used
    assert kinds(acme) == ["nearly-used", "fully-used", "nearly-used", "fully-used"]
    last = acme.alerts()[-1]
    # The card paid part of T-8, so its debit is the crossing (not the invoiced rest).
    assert "the strippenkaart is used up: 0.00 EUR left after ticket T-8" in last.message


def test_one_debit_that_empties_the_card_raises_only_fully_used(acme: Ledger) -> None:
    work(acme, "T-1", "10", "02")
    assert kinds(acme) == ["fully-used"]


def test_a_reversal_re_arms(acme: Ledger) -> None:
    """Issue 16: a reversal that lifts the balance above the threshold re-arms nearly-used (this
    test used to say the opposite, which let a reversed mistake hide the real crossing)."""
    work(acme, "T-1", "8.5", "02")  # 150.00 left
    acme.reverse_work("acme", ticket="T-1", reason="wrong customer", at="2026-02-03")  # 1000.00 again
    work(acme, "T-2", "9", "04")  # 100.00 left: a new crossing
    assert kinds(acme) == ["nearly-used", "nearly-used"]


def test_threshold_as_percent_and_as_amount(acme: Ledger) -> None:
    result = acme.set_alert_threshold("acme", percent="50", at="2026-01-15")
    assert (result.percent, result.amount, result.duplicate) == (Decimal("50.00"), None, False)
    assert acme.set_alert_threshold("acme", percent="50.00", at="2026-01-16").duplicate
    work(acme, "T-1", "5", "02")  # 500.00 left: half of 1000.00
    assert kinds(acme) == ["nearly-used"]
    assert "500.00 EUR (50% of 1000.00 EUR after the latest credit)" in acme.alerts()[0].message

    acme.set_alert_threshold("acme", amount="300.00", at="2026-02-03")
    acme.top_up("acme", amount="500.00", reference="INV-2", at="2026-02-03")  # 1000.00 again
    work(acme, "T-2", "6", "04")  # 400.00: above the amount
    assert kinds(acme) == ["nearly-used"]
    work(acme, "T-3", "1", "05")  # 300.00: at the amount
    assert kinds(acme) == ["nearly-used", "nearly-used"]
    assert "at or below 300.00 EUR (set for this customer)" in acme.alerts()[-1].message


def test_the_threshold_in_force_at_the_work_s_effective_time_applies(acme: Ledger) -> None:
    acme.set_alert_threshold("acme", amount="900.00", at="2026-02-20")  # later than the work below
    work(acme, "T-1", "2", "10")  # 800.00 left: the default 20 % (200.00) was in force then
    assert kinds(acme) == []


def test_threshold_input_is_checked_and_nothing_is_written(acme: Ledger) -> None:
    before = event_count(acme)
    for bad in ({}, {"percent": "20", "amount": "10.00"}, {"percent": "0"}, {"percent": "101"}):
        with pytest.raises(InvalidInputError):
            acme.set_alert_threshold("acme", **bad)
    assert event_count(acme) == before


@pytest.fixture
def desk(ledger: Ledger, clock: FakeClock) -> Ledger:
    clock.now = datetime.fromisoformat("2026-06-01T09:00+02:00")
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2025-12-01")
    ledger.start_contract("acme", tier="comfort", effective_from="2026-01-01")
    return ledger


def support(ledger: Ledger, ticket: str, at: str, component: str) -> None:
    ledger.log_work("acme", ticket=ticket, hours="1", kind="support", component=component, at=at)


def test_three_in_ninety_days_in_the_catalogue_suggest_the_standard_service_once(desk: Ledger) -> None:
    support(desk, "S-1", "2026-01-05T10:00+01:00", "Printers")
    support(desk, "S-2", "2026-02-10T10:00+01:00", "printers")
    assert kinds(desk) == []
    support(desk, "S-3", "2026-03-01T10:00+01:00", "printers")
    [suggestion] = desk.alerts()
    assert suggestion.kind == "standard-service"
    assert "'printers' work recurred 3 times within 90 days" in suggestion.message
    assert "tickets S-1, S-2, S-3" in suggestion.message
    support(desk, "S-4", "2026-03-02T10:00+01:00", "printers")  # same occurrences do not raise again
    assert kinds(desk) == ["standard-service"]


def test_no_suggestion_outside_the_catalogue_or_below_the_count(desk: Ledger) -> None:
    for number, day in enumerate(("01-05", "01-20", "02-10", "02-20")):
        support(desk, f"V-{number}", f"2026-{day}T10:00+01:00", "vpn")  # not a standard service
    support(desk, "P-1", "2026-01-05T10:00+01:00", "printers")
    support(desk, "P-2", "2026-02-10T10:00+01:00", "printers")
    support(desk, "P-3", "2026-05-01T10:00+01:00", "printers")  # P-1 is more than 90 days before
    assert kinds(desk) == []


def test_each_suggestion_needs_fresh_occurrences(desk: Ledger) -> None:
    for number, day in enumerate(("01-05", "01-06", "01-07", "01-08", "01-09", "01-10")):
        support(desk, f"P-{number}", f"2026-{day}T10:00+01:00", "printers")
    assert kinds(desk) == ["standard-service", "standard-service"]  # P-0..2, then P-3..5


def test_a_reversed_entry_is_no_request_and_stops_counting(desk: Ledger) -> None:
    support(desk, "S-1", "2026-01-05T10:00+01:00", "printers")
    support(desk, "S-2", "2026-02-10T10:00+01:00", "printers")  # logged on the wrong customer
    desk.reverse_work("acme", ticket="S-2", reason="wrong customer", at="2026-02-11T09:00+01:00")
    support(desk, "S-3", "2026-03-01T10:00+01:00", "printers")
    assert kinds(desk) == []  # two real requests, not three
    support(desk, "S-4", "2026-03-02T10:00+01:00", "printers")
    [suggestion] = desk.alerts()
    assert "tickets S-1, S-3, S-4" in suggestion.message
    desk.rebuild_projection("alerts")
    assert [alert.id for alert in desk.alerts()] == [suggestion.id]
    # A section per event: the reversal meets its occurrence stored by an earlier section.
    catch_up_together(desk.app, [desk.projections.projection("alerts")], reset=True, section_events_max=1)
    assert [(alert.id, alert.message) for alert in desk.alerts()] == [(suggestion.id, suggestion.message)]


def test_reversing_an_entry_outside_the_catalogue_changes_nothing(desk: Ledger) -> None:
    support(desk, "V-1", "2026-01-05T10:00+01:00", "vpn")
    desk.reverse_work("acme", ticket="V-1", reason="duplicate", at="2026-01-06T09:00+01:00")
    for number, day in enumerate(("01-07", "01-08", "01-09")):
        support(desk, f"P-{number}", f"2026-{day}T10:00+01:00", "printers")
    assert kinds(desk) == ["standard-service"]


def test_the_catalogue_comes_from_the_settings(store_url: str, clock: FakeClock) -> None:
    from ledger.config import LedgerSettings

    settings = LedgerSettings.model_validate(
        {"alerts": {"standard_services": ["VPN"], "recurrence_count": 2, "recurrence_days": 30}}
    )
    with Ledger.open(store_url, actor="tester", clock=clock, settings=settings) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2025-12-01")
        ledger.start_contract("acme", tier="comfort", effective_from="2026-01-01")
        support(ledger, "V-1", "2026-01-05T10:00+01:00", "vpn")
        support(ledger, "V-2", "2026-01-25T10:00+01:00", "vpn")
        support(ledger, "P-1", "2026-01-05T10:00+01:00", "printers")
        support(ledger, "P-2", "2026-01-06T10:00+01:00", "printers")
        assert kinds(ledger) == ["standard-service"]


def test_acknowledgement_is_an_event_with_actor_and_idempotent(acme: Ledger) -> None:
    work(acme, "T-1", "10", "02")
    [alert] = acme.alerts()
    result = acme.acknowledge_alert(alert.id, actor="anna")
    assert (result.acknowledged_by, result.duplicate, result.kind) == ("anna", False, "fully-used")
    count = event_count(acme)
    again = acme.acknowledge_alert(alert.id, actor="bram")
    assert (again.acknowledged_by, again.duplicate) == ("anna", True)
    assert event_count(acme) == count
    stored = acme.app.get_or_none(AlertAcknowledgement.create_id(alert.id), AlertAcknowledgement)
    assert stored is not None
    assert (stored.alert_id, stored.acknowledged_by) == (alert.id, "anna")
    assert acme.alerts() == []
    [shown] = acme.alerts(include_acknowledged=True)
    assert (shown.id, shown.acknowledged, shown.acknowledged_by) == (alert.id, True, "anna")
    with pytest.raises(UnknownAlertError):
        acme.acknowledge_alert("al-0000000000000000")


def test_alert_ids_survive_a_rebuild(acme: Ledger) -> None:
    work(acme, "T-1", "8", "02")
    work(acme, "T-2", "2", "03")
    acme.acknowledge_alert(acme.alerts()[0].id)
    before = acme.alerts(include_acknowledged=True)
    acme.rebuild_projection("alerts")
    assert acme.alerts(include_acknowledged=True) == before


def run(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, "--actor", "anna", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_alerts_json_ack_and_unknown_id(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    setup = (
        ("customer", "add", "acme", "--name", "Acme B.V.", "--account-manager", "Anna", "--at", "2026-01-01"),
        ("customer", "threshold", "acme", "--amount", "250.00", "--at", "2026-01-01"),
        ("card", "buy", "acme", "--amount", "1000.00", "--reference", "O-1", "--at", "2026-02-01"),
        (
            "work",
            "log",
            "acme",
            "--kind",
            "rfc",
            "--ticket",
            "T-1",
            "--hours",
            "6",
            "--rate",
            "125.00",
            "--at",
            "2026-02-02",
        ),
    )
    for argv in setup:
        assert run(store_url, capsys, *argv)[0] == 0
    code, out, _ = run(store_url, capsys, "alerts", "--json")
    [alert] = json.loads(out)
    assert {"id", "customer", "kind", "raised_at", "account_manager", "message", "acknowledged"} <= set(alert)
    assert (alert["customer"], alert["kind"], alert["account_manager"], alert["acknowledged"]) == (
        "acme",
        "nearly-used",
        "Anna",
        False,
    )
    assert {"effective_at", "raised_at", "details"} <= set(alert)
    code, out, _ = run(store_url, capsys, "alerts", "ack", alert["id"])
    assert (code, out.strip()) == (0, f"Acknowledged {alert['id']} (nearly-used, acme).")
    code, out, _ = run(store_url, capsys, "alerts", "ack", alert["id"])
    assert code == 0
    assert "already acknowledged by anna" in out
    assert json.loads(run(store_url, capsys, "alerts", "acme", "--json")[1]) == []
    [shown] = json.loads(run(store_url, capsys, "alerts", "acme", "--all", "--json")[1])
    assert (shown["id"], shown["acknowledged"], shown["acknowledged_by"]) == (alert["id"], True, "anna")
    code, out, err = run(store_url, capsys, "alerts", "ack", "al-nothing")
    assert (code, out) == (2, "")
    assert err.strip() == "ledger: error: alert: unknown alert 'al-nothing'; see 'ledger alerts --all'"
    code, _, err = run(store_url, capsys, "alerts", "nobody")
    assert code == 2
    assert "unknown customer 'nobody'" in err
