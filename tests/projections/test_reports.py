"""The three views through the library, on SQLite and PostgreSQL: what each report says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger import InvalidInputError, Ledger, UnknownCustomerError
from tests.support import FakeClock

D = Decimal


@pytest.fixture
def acme(ledger: Ledger, clock: FakeClock) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries", at="2026-02-01")
    ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-02-02T10:00:00+01:00")
    return ledger


def figures(ledger: Ledger, as_of: str | None = None) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {row.customer: (row.credited, row.debited, row.balance) for row in ledger.report_balances(as_of)}


def test_balances_read_their_writes_without_a_runner(acme: Ledger) -> None:
    assert figures(acme) == {"acme": (D("5000.00"), D("0.00"), D("5000.00"))}
    acme.log_work("acme", kind="rfc", ticket="RFC-1", hours="4", rate="125.00")
    assert figures(acme) == {"acme": (D("5000.00"), D("500.00"), D("4500.00"))}
    acme.top_up("acme", amount="100.00", reference="INV-7")
    assert figures(acme) == {"acme": (D("5100.00"), D("500.00"), D("4600.00"))}
    [row] = acme.report_balances()
    assert (row.name, row.currency) == ("Acme B.V.", "EUR")
    assert row.to_json()["balance"] == "4600.00"


def test_balances_as_of_sum_movements_by_effective_time(acme: Ledger) -> None:
    acme.log_work(
        "acme", kind="rfc", ticket="RFC-1", hours="2", rate="100.00", at="2026-02-10T12:00:00+01:00"
    )
    acme.top_up("acme", amount="300.00", reference="INV-2", at="2026-02-20T09:00:00+01:00")
    # Recorded last, but effective first: as-of reports place it by its effective time.
    acme.log_work("acme", kind="rfc", ticket="RFC-0", hours="1", rate="50.00", at="2026-02-05T09:00:00+01:00")

    assert figures(acme, "2026-02-02") == {}  # 00:00 Amsterdam: before the purchase at 10:00
    assert figures(acme, "2026-02-03") == {"acme": (D("5000.00"), D("0.00"), D("5000.00"))}
    assert figures(acme, "2026-02-06") == {"acme": (D("5000.00"), D("50.00"), D("4950.00"))}
    assert figures(acme, "2026-02-10T12:00:00+01:00") == {"acme": (D("5000.00"), D("250.00"), D("4750.00"))}
    assert figures(acme, "2026-02-21") == {"acme": (D("5300.00"), D("250.00"), D("5050.00"))}
    assert figures(acme, "2026-02-21") == figures(acme)
    [row] = acme.report_balances("2026-02-06")
    assert row.last_movement_at is not None
    assert row.last_movement_at.isoformat() == "2026-02-05T09:00:00+01:00"


def test_as_of_counts_a_reversal_from_the_work_s_own_time(acme: Ledger) -> None:
    acme.log_work("acme", kind="rfc", ticket="RFC-1", hours="4", rate="125.00", at="2026-02-10")
    acme.reverse_work("acme", ticket="RFC-1", reason="logged twice", at="2026-02-15")
    # Decided on 15 Feb, the reversal undoes the entry where it stood: from 10 Feb on, nothing was debited.
    assert figures(acme, "2026-02-09")["acme"][2] == D("5000.00")
    assert figures(acme, "2026-02-12")["acme"] == (D("5000.00"), D("0.00"), D("5000.00"))
    assert figures(acme, "2026-02-16")["acme"] == (D("5000.00"), D("0.00"), D("5000.00"))


def test_bad_as_of_is_refused_naming_the_field(acme: Ledger) -> None:
    with pytest.raises(InvalidInputError, match="as_of"):
        acme.report_balances("2026-02-30")
    with pytest.raises(InvalidInputError, match="as_of"):
        acme.report_balances("2026-02-03T10:00:00")


def test_work_records_show_card_paid_work_with_balance_after(acme: Ledger) -> None:
    acme.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-1",
        hours="4",
        rate="125.00",
        description="VPN",
        at="2026-03-01T10:00+01:00",
    )
    acme.log_work(
        "acme", kind="rfc", ticket="RFC-2", hours="1.5", description="Mailbox", at="2026-03-02T08:00+01:00"
    )
    acme.log_work("acme", kind="rfc", ticket="FEB-1", hours="1", at="2026-02-27T10:00+01:00")

    march = acme.work_records("acme", "2026-03")
    # balances in effective order, as on the statement: FEB-1, logged last, came first (125.00)
    assert [(r.date, r.ticket, r.hours, r.rate, r.amount, r.card_paid, r.balance_after) for r in march] == [
        ("2026-03-01", "RFC-1", D("4.00"), D("125.00"), D("500.00"), D("500.00"), D("4375.00")),
        ("2026-03-02", "RFC-2", D("1.50"), D("125.00"), D("187.50"), D("187.50"), D("4187.50")),
    ]
    statement = acme.statement("acme", "2026-03")
    assert [(w.reference, w.balance_after) for w in statement.work] == [
        (r.ticket, r.balance_after) for r in march
    ]
    assert [r.ticket for r in acme.work_records("acme", "2026-02")] == ["FEB-1"]
    assert march[0].to_json()["amount"] == "500.00"


def test_month_is_the_amsterdam_month(acme: Ledger) -> None:
    # 2026-02-28T23:30Z is 00:30 on 1 March in Amsterdam.
    acme.log_work("acme", kind="rfc", ticket="LATE-1", hours="1", at="2026-02-28T23:30:00+00:00")
    assert [r.ticket for r in acme.work_records("acme", "2026-03")] == ["LATE-1"]
    assert acme.work_records("acme", "2026-02") == []


def test_reversal_is_a_line_of_its_own_and_flags_the_original(acme: Ledger) -> None:
    acme.log_work("acme", kind="rfc", ticket="RFC-1", hours="4", rate="125.00", at="2026-02-25T10:00+01:00")
    acme.reverse_work("acme", ticket="RFC-1", reason="wrong customer", at="2026-03-01T10:00+01:00")

    # The reversal takes effect at the entry's own time: both lines are in February.
    work, reversal = acme.work_records("acme", "2026-02")
    assert acme.work_records("acme", "2026-03") == []
    assert (work.line, work.reversed, work.balance_after) == ("work", True, D("4500.00"))
    assert (reversal.line, reversal.ticket, reversal.card_paid, reversal.hours, reversal.balance_after) == (
        "reversal",
        "RFC-1",
        D("-500.00"),
        D("-4.00"),
        D("5000.00"),
    )
    assert reversal.description == "reversal: wrong customer"


def test_invoiceable_lines_hold_overage_and_work_without_card(ledger: Ledger) -> None:
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-02-01")
    ledger.add_customer("beta", name="Beta", account_manager="Bram", at="2026-02-01")
    ledger.buy_card("acme", amount="200.00", reference="O-1", at="2026-02-01T09:00+01:00")
    ledger.log_work("acme", kind="rfc", ticket="BIG-1", hours="4", rate="125.00", at="2026-02-10T10:00+01:00")
    ledger.log_work("beta", kind="rfc", ticket="B-1", hours="2", rate="100.00", at="2026-02-11T10:00+01:00")
    ledger.log_work("beta", kind="rfc", ticket="B-2", hours="1", rate="100.00", at="2026-03-01T10:00+01:00")

    lines = ledger.invoiceable_lines("2026-02")
    assert [(x.customer, x.ticket, x.amount, x.invoiceable, x.payer) for x in lines] == [
        ("acme", "BIG-1", D("500.00"), D("300.00"), "strippenkaart"),
        ("beta", "B-1", D("200.00"), D("200.00"), "invoice"),
    ]
    assert [x.ticket for x in ledger.invoiceable_lines("2026-02", customer="beta")] == ["B-1"]
    assert [x.ticket for x in ledger.invoiceable_lines("2026-03")] == ["B-2"]
    # The overage's card part is invoice-free work; its rest is beside it.
    [overage] = ledger.work_records("acme", "2026-02")
    assert (overage.card_paid, overage.invoiceable, overage.balance_after) == (
        D("200.00"),
        D("300.00"),
        D("0.00"),
    )


def test_reversal_voids_the_invoiceable_line(ledger: Ledger) -> None:
    ledger.add_customer("beta", name="Beta", account_manager="Bram", at="2026-02-01")
    ledger.log_work("beta", kind="rfc", ticket="B-1", hours="2", rate="100.00", at="2026-02-11T10:00+01:00")
    ledger.reverse_work("beta", ticket="B-1", reason="duplicate", at="2026-03-01T10:00+01:00")

    assert ledger.invoiceable_lines("2026-02") == []
    [line] = ledger.invoiceable_lines("2026-02", include_void=True)
    assert (line.void, line.void_reason) == (True, "duplicate")
    assert line.voided_at is not None
    assert line.voided_at.isoformat() == "2026-03-01T10:00:00+01:00"


def test_report_questions_refuse_bad_input(acme: Ledger) -> None:
    with pytest.raises(UnknownCustomerError):
        acme.work_records("nobody", "2026-03")
    with pytest.raises(InvalidInputError, match="month"):
        acme.work_records("acme", "2026-13")
    with pytest.raises(InvalidInputError, match="month"):
        acme.invoiceable_lines("March")


def test_memory_store_has_the_same_views(clock: FakeClock) -> None:
    with Ledger.open("memory://", actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.buy_card("acme", amount="100.00", reference="O-1")
        ledger.log_work("acme", kind="rfc", ticket="T-1", hours="1", rate="150.00")
        assert figures(ledger) == {"acme": (D("100.00"), D("100.00"), D("0.00"))}
        assert [x.invoiceable for x in ledger.invoiceable_lines("2026-03")] == [D("50.00")]
