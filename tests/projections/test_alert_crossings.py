"""Alerts from the balance, never from a side effect (issue 16), on SQLite and PostgreSQL.

The first tests replay the issue's "tried as a new user" findings one by one; the rest pin the
rules: re-arming by any rise, the dated default threshold, the clock's warnings, customer changes,
filters, and the same alerts (ids included) after a rebuild.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from ledger import Ledger
from ledger.cli import main
from tests.support import FakeClock


def kinds(ledger: Ledger, customer: str | None = None) -> list[str]:
    return [alert.kind for alert in ledger.alerts(customer, include_acknowledged=True)]


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer(
        "acme",
        name="Acme B.V.",
        account_manager="Anna",
        account_manager_email="anna@msp.example",
        at="2025-12-01",
    )
    ledger.buy_card("acme", amount="1000.00", reference="ORDER-1", at="2026-02-01")
    return ledger


def rfc(ledger: Ledger, ticket: str, hours: str, at: str) -> None:
    ledger.log_work("acme", ticket=ticket, hours=hours, rate="100.00", kind="rfc", at=at)


def clock_kinds(ledger: Ledger) -> list[str]:
    """Kinds other than the monthly statements that the tick also issues."""
    return [kind for kind in kinds(ledger) if kind != "statement-ready"]


# --- the findings, replayed ---------------------------------------------------------------


def test_work_before_the_purchase_is_a_notice_and_does_not_disarm_nearly_used(acme: Ledger) -> None:
    """Found: RFC-4999, dated before the card was bought, raised fully-used with 1,000 on the card,
    and the card then fell to 137 against a 400 threshold without nearly-used."""
    # Strict: late work is not paid from credit bought later, so RFC-4999 goes to invoice whole.
    acme.set_setting("late-work-policy", "strict", effective_from="2025-01-01")
    acme.set_alert_threshold("acme", amount="400.00", at="2025-12-01")
    rfc(acme, "RFC-4999", "2", "2026-01-15T10:00+01:00")
    [notice] = acme.alerts()
    assert notice.kind == "invoiced-work"
    assert "RFC-4999 goes to invoice (200.00 EUR)" in notice.message
    assert "could not pay" not in notice.message
    rfc(acme, "RFC-5000", "5", "2026-02-02T10:00+01:00")  # 500.00 left: above 400.00
    assert kinds(acme) == ["invoiced-work"]
    acme.log_work(
        "acme", ticket="RFC-5001", hours="3.63", rate="100.00", kind="rfc", at="2026-02-03T10:00+01:00"
    )
    assert kinds(acme) == ["invoiced-work", "nearly-used"]  # 137.00 left
    assert "137.00 EUR left after ticket RFC-5001" in acme.alerts()[-1].message


def test_a_reversed_mistake_re_arms_and_the_real_exhaustion_is_raised(acme: Ledger) -> None:
    """Found: a reversed mistaken entry held the only used-up alert; the real exhaustion two weeks
    later raised nothing."""
    rfc(acme, "MISTAKE", "10", "2026-02-02T10:00+01:00")  # 0.00: fully-used
    acme.reverse_work("acme", ticket="MISTAKE", reason="wrong customer", at="2026-02-03")
    rfc(acme, "REAL-1", "8", "2026-02-16T10:00+01:00")  # 200.00: at 20 % of 1000.00
    rfc(acme, "REAL-2", "2", "2026-02-17T10:00+01:00")  # 0.00 again
    assert kinds(acme) == ["fully-used", "nearly-used", "fully-used"]
    assert "left after ticket REAL-2" in acme.alerts()[-1].message


def test_clock_facts_appear_as_alerts(ledger: Ledger, clock: FakeClock) -> None:
    """Found: evaluation-due and admin-grant expiry were recorded by the clock but never shown;
    expiring credit was written off without a warning."""
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2025-12-01")
    ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
    ledger.buy_card("acme", amount="300.00", reference="O-1", at="2026-01-05", expires_at="2026-05-01")
    ledger.kick_off(
        "acme", focus_areas=["werkplekken"], visits="monthly", evaluation="quarterly", at="2026-01-15"
    )
    ledger.request_admin("acme", account="adm-jan", tasks="users.reset-password", reason="desk", actor="jan")
    ledger.grant_admin(
        "acme",
        account="adm-jan",
        tasks="users.reset-password",
        valid_until="2026-04-20",
        rfc="RFC-77",
        actor="bob",
    )
    clock.now = datetime.fromisoformat("2026-06-01T09:00:00+02:00")
    early = ledger.tick(until="2026-03-31T23:00:00+02:00")  # nothing is due yet
    assert (early.recorded["credit-expiring"], early.recorded["grant-expiring"]) == (0, 0)
    assert clock_kinds(ledger) == []
    ledger.tick(until="2026-04-13T12:00:00+02:00")
    assert clock_kinds(ledger) == ["credit-expiring", "admin-grant-expiring"]
    credit, grant = [a for a in ledger.alerts() if a.kind != "statement-ready"]
    assert credit.effective_at == datetime.fromisoformat("2026-04-01T00:00+02:00")  # 30 days before
    assert "credit O-1 expires" in credit.message
    assert "300.00 unused" in credit.message
    assert grant.effective_at == datetime.fromisoformat("2026-04-13T00:00+02:00")  # a week before
    assert "admin grant #1 of account 'adm-jan' runs out" in grant.message
    ledger.tick(until="2026-04-15T00:00:00+02:00")
    assert clock_kinds(ledger) == ["credit-expiring", "admin-grant-expiring", "evaluation-due"]
    ledger.tick()  # written off after the grace period: 300.00 → 0.00 is the card's crossing
    assert clock_kinds(ledger) == ["credit-expiring", "admin-grant-expiring", "evaluation-due", "fully-used"]
    assert "after the expiry of O-1" in next(a for a in ledger.alerts() if a.kind == "fully-used").message
    ledger.tick()
    assert len(clock_kinds(ledger)) == 4  # each fact once


def test_table_and_json_show_both_times(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: the table's "raised" column showed the effective time, the JSON the recording time."""
    monkeypatch.setenv("COLUMNS", "400")
    for argv in (
        ("customer", "add", "acme", "--name", "Acme", "--account-manager", "Anna", "--at", "2026-01-01"),
        ("card", "buy", "acme", "--amount", "100.00", "--reference", "O-1", "--at", "2026-01-02"),
        (
            "work",
            "log",
            "acme",
            "--ticket",
            "T-1",
            "--hours",
            "1",
            "--rate",
            "100.00",
            "--kind",
            "rfc",
            "--at",
            "2026-01-03",
        ),
    ):
        assert main(["--db", store_url, *argv]) == 0
    capsys.readouterr()
    assert main(["--db", store_url, "alerts", "--json"]) == 0
    [alert] = json.loads(capsys.readouterr().out)
    assert alert["effective_at"].startswith("2026-01-03T00:00:00+01:00")
    assert not alert["raised_at"].startswith("2026-01-03")  # recorded now, not in January
    assert main(["--db", store_url, "alerts"]) == 0
    table = capsys.readouterr().out
    assert "effective" in table
    assert "raised" in table
    assert "2026-01-03" in table
    raised_day = alert["raised_at"][:10]
    assert raised_day in table


# --- the rules ------------------------------------------------------------------------------------


def test_overflow_while_empty_is_fully_used_once(acme: Ledger) -> None:
    rfc(acme, "T-1", "9", "2026-02-02T10:00+01:00")  # 100.00: nearly-used
    rfc(acme, "T-2", "2", "2026-02-03T10:00+01:00")  # 100.00 paid, 100.00 invoiced: fully-used
    rfc(acme, "T-3", "1", "2026-02-04T10:00+01:00")  # empty card, invoiced: already said
    assert kinds(acme) == ["nearly-used", "fully-used"]
    acme.top_up("acme", amount="50.00", reference="INV-2", at="2026-02-05")  # 50.00 > 0.00: re-armed
    rfc(acme, "T-4", "1", "2026-02-06T10:00+01:00")  # 50.00 paid, 50.00 invoiced
    assert kinds(acme) == ["nearly-used", "fully-used", "fully-used"]


def test_customer_without_a_card_gets_invoiced_work_notices(ledger: Ledger) -> None:
    ledger.add_customer("bolt", name="Bolt", account_manager="Bram", at="2026-01-01")
    ledger.log_work("bolt", ticket="B-1", hours="1", rate="90.00", kind="rfc", at="2026-02-02T10:00+01:00")
    [notice] = ledger.alerts()
    assert (notice.kind, notice.account_manager) == ("invoiced-work", "Bram")
    assert "the customer has no strippenkaart" in notice.message


def test_the_dated_default_threshold_applies_from_its_date(acme: Ledger) -> None:
    acme.set_setting("alerts.nearly-used-percent", "50", effective_from="2026-02-10")
    rfc(acme, "T-1", "6", "2026-02-05T10:00+01:00")  # 400.00: above 20 % (in force then)
    assert kinds(acme) == []
    rfc(acme, "T-2", "0.5", "2026-02-11T10:00+01:00")  # 350.00: at or below 50 % of 1000.00
    assert kinds(acme) == ["nearly-used"]
    assert "(50% of 1000.00 EUR after the latest credit)" in acme.alerts()[0].message


def test_a_customer_threshold_wins_over_the_dated_default(acme: Ledger) -> None:
    acme.set_setting("alerts.nearly-used-percent", "90", effective_from="2026-01-01")
    acme.set_alert_threshold("acme", amount="100.00", at="2026-01-01")
    rfc(acme, "T-1", "5", "2026-02-05T10:00+01:00")  # 500.00: above 100.00
    assert kinds(acme) == []


def test_each_crossing_once_even_when_the_balance_hovers(acme: Ledger) -> None:
    rfc(acme, "T-1", "8", "2026-02-02T10:00+01:00")  # 200.00: nearly
    rfc(acme, "T-2", "0.5", "2026-02-03T10:00+01:00")  # 150.00: still below, no new alert
    acme.reverse_work("acme", ticket="T-2", reason="double", at="2026-02-04")  # 200.00: not above
    rfc(acme, "T-3", "0.1", "2026-02-05T10:00+01:00")  # 190.00: no new crossing
    assert kinds(acme) == ["nearly-used"]
    acme.reverse_work("acme", ticket="T-1", reason="wrong card", at="2026-02-06")  # 990.00: above
    rfc(acme, "T-4", "8", "2026-02-07T10:00+01:00")  # 190.00: a new crossing
    assert kinds(acme) == ["nearly-used", "nearly-used"]


def test_alerts_go_to_the_account_manager_in_charge_at_their_time(acme: Ledger) -> None:
    acme.change_customer(
        "acme", account_manager="Bram", account_manager_email="bram@msp.example", effective_from="2026-02-10"
    )
    rfc(acme, "T-1", "8", "2026-02-05T10:00+01:00")  # Anna's time
    rfc(acme, "T-2", "2", "2026-02-12T10:00+01:00")  # Bram's time
    first, second = acme.alerts()
    assert (first.account_manager, first.account_manager_email) == ("Anna", "anna@msp.example")
    assert (second.account_manager, second.account_manager_email) == ("Bram", "bram@msp.example")
    assert [a.kind for a in acme.alerts(account_manager="bram")] == ["fully-used"]
    assert [a.kind for a in acme.alerts(kind="nearly-used")] == ["nearly-used"]
    assert acme.alerts(since="2099-12-31") == []
    # A change dated back re-addresses the alerts of its time.
    acme.change_customer("acme", account_manager="Cas", effective_from="2026-02-01")
    assert [a.account_manager for a in acme.alerts()] == ["Cas", "Bram"]
    [listed] = acme.customers(at="2026-02-11")
    assert (listed.account_manager, listed.account_manager_email) == ("Bram", "bram@msp.example")
    assert [v.account_manager for v in listed.versions] == ["Anna", "Cas", "Bram"]


def test_recurring_requests_count_card_paid_and_contract_paid_with_synonyms(acme: Ledger) -> None:
    acme.start_contract("acme", tier="comfort", effective_from="2026-01-01")
    acme.log_work(
        "acme", ticket="P-1", hours="1", kind="support", component="Printers", at="2026-02-02T10:00+01:00"
    )  # servicedesk contract
    acme.log_work(
        "acme",
        ticket="P-2",
        hours="1",
        rate="100.00",
        kind="rfc",
        component="printer",
        at="2026-02-03T10:00+01:00",
    )  # an RFC paid from the card
    assert kinds(acme) == []
    acme.log_work(
        "acme",
        ticket="P-3",
        hours="1",
        rate="100.00",
        kind="rfc",
        component="Printing",
        at="2026-02-04T10:00+01:00",
    )
    [suggestion] = acme.alerts()
    assert suggestion.kind == "standard-service"
    assert "'printers' work recurred 3 times within 90 days" in suggestion.message
    assert suggestion.details["tickets"] == ["P-1", "P-2", "P-3"]


def test_the_synonym_table_is_a_dated_setting(acme: Ledger) -> None:
    acme.start_contract("acme", tier="comfort", effective_from="2026-01-01")
    acme.set_setting("alerts.category-synonyms", "printers=drukker|printer", effective_from="2026-01-01")
    for number, name in enumerate(("drukker", "Drukker", "printers")):
        acme.log_work(
            "acme",
            ticket=f"D-{number}",
            hours="1",
            kind="support",
            component=name,
            at=f"2026-02-0{number + 2}T10:00+01:00",
        )
    assert kinds(acme) == ["standard-service"]


def test_a_rebuild_gives_the_same_alerts_ids_included(acme: Ledger, clock: FakeClock) -> None:
    acme.set_setting("late-work-policy", "strict", effective_from="2025-01-01")
    acme.top_up("acme", amount="100.00", reference="T-UP", at="2026-02-01", expires_at="2026-04-01")
    rfc(acme, "EARLY", "1", "2026-01-10T10:00+01:00")
    rfc(acme, "T-1", "10", "2026-02-02T10:00+01:00")
    acme.reverse_work("acme", ticket="T-1", reason="mistake", at="2026-02-03")
    rfc(acme, "T-2", "11", "2026-02-04T10:00+01:00")
    acme.change_customer("acme", account_manager="Bram", effective_from="2026-02-04")
    clock.now = datetime.fromisoformat("2026-06-01T09:00:00+02:00")
    acme.tick()
    before = acme.alerts(include_acknowledged=True)
    assert len(before) >= 4
    acme.acknowledge_alert(before[0].id)
    before = acme.alerts(include_acknowledged=True)
    deliveries = acme.deliveries()
    acme.rebuild_projection("alerts")
    assert acme.alerts(include_acknowledged=True) == before
    assert acme.deliveries() == deliveries  # the outbox is kept, nothing asked for twice


def test_giving_back_to_an_expired_block_and_writing_it_off_again_raises_nothing(
    ledger: Ledger, clock: FakeClock
) -> None:
    """A reversal into a block that has expired is written off again at once: the balance goes
    0.00 → 100.00 → 0.00 in one decision, which is no new crossing."""
    clock.now = datetime.fromisoformat("2026-03-05T12:00:00+01:00")
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
    ledger.buy_card("acme", amount="100.00", reference="O-1", at="2026-02-01", expires_at="2026-03-10")
    ledger.log_work("acme", ticket="T-1", hours="1", rate="100.00", kind="rfc", at="2026-03-05T10:00+01:00")
    assert kinds(ledger) == ["fully-used"]
    clock.now = datetime.fromisoformat("2026-03-25T12:00:00+01:00")  # expiry + grace have passed
    ledger.reverse_work("acme", ticket="T-1", reason="wrong customer")
    balance = ledger.balance("acme")
    assert (balance.expired, balance.balance) == (Decimal("100.00"), Decimal("0.00"))
    assert kinds(ledger) == ["fully-used"]
    ledger.top_up("acme", amount="50.00", reference="INV-2")  # a real rise re-arms
    ledger.log_work("acme", ticket="T-2", hours="0.5", rate="100.00", kind="rfc")
    assert kinds(ledger) == ["fully-used", "fully-used"]


def test_alert_tables_of_the_earlier_layout_are_replaced_and_replayed(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
        ledger.log_work("acme", ticket="B-1", hours="1", rate="90.00", kind="rfc", at="2026-02-02")
        [before] = ledger.alerts()
        view = ledger.projections.fresh("alerts")
        table = view._table(f"{view.prefix}_alerts")
        with view.transaction(commit=True) as cursor:  # what an installation from before issue 16 has
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(
                f"CREATE TABLE {table} (alert_id TEXT PRIMARY KEY, notification_id BIGINT NOT NULL, "
                "customer TEXT NOT NULL, kind TEXT NOT NULL, raised_at TEXT NOT NULL, "
                "effective_at TEXT NOT NULL, account_manager TEXT NOT NULL, message TEXT NOT NULL)"
            )
    with Ledger.open(store_url, actor="tester", clock=clock) as reopened:
        assert reopened.alerts() == [before]


def test_cards_without_first_credit_are_replayed_and_delivered_alerts_stay_delivered(
    store_url: str, clock: FakeClock
) -> None:
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer(
            "acme",
            name="Acme",
            account_manager="Anna",
            account_manager_email="anna@msp.example",
            at="2026-01-01",
        )
        ledger.buy_card("acme", amount="100.00", reference="O-1", at="2026-02-01")
        ledger.log_work(
            "acme", ticket="T-1", hours="1", rate="125.00", kind="rfc", at="2026-02-02T10:00+01:00"
        )
        [fully] = ledger.alerts()
        view = ledger.projections.fresh("alerts")
        view.mark_delivered([d.id for d in ledger.deliveries()], clock())
        table = view._table(f"{view.prefix}_cards")
        with view.transaction(commit=True) as cursor:  # what an installation of the previous layout has
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(
                f"CREATE TABLE {table} (card_id TEXT PRIMARY KEY, customer TEXT NOT NULL, "
                "currency TEXT NOT NULL, base BIGINT NOT NULL, balance BIGINT NOT NULL, "
                "nearly_armed BOOLEAN NOT NULL, fully_armed BOOLEAN NOT NULL, undo_version BIGINT, "
                "undo_nearly BOOLEAN, undo_fully BOOLEAN)"
            )
    with Ledger.open(store_url, actor="tester", clock=clock) as reopened:
        assert reopened.alerts() == [fully]
        assert [d.status for d in reopened.deliveries()] == ["delivered"]  # not sent again
        # Work from before the purchase, while the card is empty: the card never could pay it.
        reopened.log_work("acme", ticket="T-0", hours="1", rate="100.00", kind="rfc", at="2026-01-20")
        assert kinds(reopened) == ["fully-used", "invoiced-work"]
        assert [d.status for d in reopened.deliveries()] == ["delivered", "pending"]
