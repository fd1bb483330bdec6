"""One money timeline: corrections, late work and many time entries per ticket (issue 14).

Each test is a sequence a servicedesk runs into in an ordinary month, written out from the worked
examples in ``shared/notes/money-timeline.md``. Every figure is checked as of several moments,
because the rule is that *every* moment's balance is right, not only today's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import InvalidInputError, Ledger, ReferenceConflictError
from ledger.cli import main
from ledger.commands.importing import ImportStoppedError
from ledger.commands.results import WorkResult
from tests.support import FakeClock, event_count

NOV_28 = datetime.fromisoformat("2026-11-28T10:00:00+01:00")


@pytest.fixture
def acme(store_url: str) -> Iterator[Ledger]:
    clock = FakeClock(datetime.fromisoformat("2026-01-01T09:00:00+01:00"))
    with Ledger.open(store_url, actor="tester", clock=clock) as ledger:
        ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-01")
        clock.now = NOV_28
        yield ledger


def balance(ledger: Ledger, as_of: str) -> Decimal:
    return ledger.balance("acme", as_of=as_of).balance


def work(ledger: Ledger, ticket: str, hours: str, at: str, **extra: str) -> WorkResult:
    return ledger.log_work(
        "acme", ticket=ticket, hours=hours, rate="125.00", at=at, **({"kind": "rfc"} | extra)
    )


def test_seed_example_5000_minus_4_hours_at_125_leaves_4500(acme: Ledger) -> None:
    acme.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-02")
    result = acme.log_work("acme", ticket="RFC-1", hours="4", rate="125.00", kind="rfc", at="2026-02-02")
    assert (result.debited, result.invoiceable, result.balance) == (
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("4500.00"),
    )


def test_a_correction_at_the_original_time_never_drives_history_below_zero(acme: Ledger) -> None:
    """The issue's own sequence (example A): reverse, then log the corrected entry at the same time."""
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "RFC-1", "8", "2026-03-02T10:00:00+01:00")
    reversal = acme.reverse_work("acme", ticket="RFC-1", reason="wrong hours")  # decided now
    assert reversal.effective_at == datetime.fromisoformat("2026-03-02T10:00:00+01:00")
    work(acme, "RFC-1b", "7", "2026-03-02T10:00:00+01:00")

    assert balance(acme, "2026-03-01") == Decimal("1000.00")
    assert balance(acme, "2026-04-01") == Decimal("125.00")
    assert balance(acme, "2026-11-28") == Decimal("125.00")
    assert acme.balance("acme").balance == Decimal("125.00")
    acme.tick()  # issues the months' statements: no reader finds a negative balance
    assert acme.statement("acme", "2026-03").closing_balance == Decimal("125.00")


def test_a_reversal_cannot_be_decided_before_its_work(acme: Ledger) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "RFC-1", "2", "2026-03-02T10:00:00+01:00")
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as refused:
        acme.reverse_work("acme", ticket="RFC-1", reason="typo", at="2026-02-01")
    assert refused.value.field == "at"
    assert event_count(acme) == before


def test_late_work_draws_what_its_own_credit_still_has_and_says_why_the_rest_is_invoiced(
    acme: Ledger,
) -> None:
    """Example B without other credit: the block held 1,000 on 1 Feb, but 250 from 1 May on."""
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "W1", "6", "2026-05-01T10:00:00+02:00")
    late = work(acme, "W2", "4", "2026-02-01T10:00:00+01:00")
    assert (late.debited, late.invoiceable) == (Decimal("250.00"), Decimal("250.00"))
    assert "credit in force on 2026-02-01 was used by later work recorded earlier" in late.reason
    assert "no strippenkaart credit in force" not in late.reason
    assert [balance(acme, d) for d in ("2026-01-31", "2026-02-28", "2026-05-31")] == [
        Decimal("1000.00"),
        Decimal("750.00"),
        Decimal("0.00"),
    ]


def test_late_work_is_paid_from_credit_in_force_when_recorded_booked_when_it_could_pay(
    acme: Ledger,
) -> None:
    """Example B with a top-up from 1 Jun, recorded before the late entry (default policy)."""
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "W1", "6", "2026-05-01T10:00:00+02:00")
    acme.top_up("acme", amount="400", reference="TOP-1", at="2026-06-01")
    late = work(acme, "W2", "4", "2026-02-01T10:00:00+01:00")
    assert (late.debited, late.invoiceable) == (Decimal("500.00"), Decimal("0.00"))
    assert "250.00 paid from TOP-1 credited 2026-06-01" in late.reason
    blocks = late.derivation["blocks"]
    assert [(b["reference"], b["amount"], b["booked_at"].date().isoformat()) for b in blocks] == [
        ("O1", Decimal("250.00"), "2026-02-01"),
        ("TOP-1", Decimal("250.00"), "2026-06-01"),
    ]
    assert [balance(acme, d) for d in ("2026-02-28", "2026-05-31", "2026-06-30")] == [
        Decimal("750.00"),
        Decimal("0.00"),
        Decimal("150.00"),
    ]
    # Reversing it gives each part back where and when it was taken.
    acme.reverse_work("acme", ticket="W2", reason="wrong customer")
    assert [balance(acme, d) for d in ("2026-02-28", "2026-05-31", "2026-06-30")] == [
        Decimal("1000.00"),
        Decimal("250.00"),
        Decimal("650.00"),
    ]


def test_the_strict_policy_is_a_dated_setting_and_invoices_the_rest(acme: Ledger) -> None:
    acme.set_setting("late-work-policy", "strict", effective_from="2026-01-01")
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "W1", "6", "2026-05-01T10:00:00+02:00")
    acme.top_up("acme", amount="400", reference="TOP-1", at="2026-06-01")
    late = work(acme, "W2", "4", "2026-02-01T10:00:00+01:00")
    assert (late.debited, late.invoiceable) == (Decimal("250.00"), Decimal("250.00"))
    assert balance(acme, "2026-06-30") == Decimal("400.00")


def test_work_before_the_card_was_bought_is_invoiced_not_paid_from_it(acme: Ledger) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-06-01")
    before = work(acme, "W0", "2", "2026-03-02T10:00:00+01:00")
    assert (before.payer, before.debited, before.invoiceable) == (
        "invoice",
        Decimal("0.00"),
        Decimal("250.00"),
    )
    assert "no strippenkaart credit was in force on 2026-03-02" in before.reason


def test_expired_credit_given_back_by_a_reversal_is_written_off_again_not_resurrected(
    acme: Ledger,
) -> None:
    """Example C: 600 expires 1 Aug; the work that used it is reversed on 1 Sep."""
    clock = acme.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime.fromisoformat("2026-02-02T09:00:00+01:00")
    acme.buy_card("acme", amount="600", reference="O1", at="2026-02-02", expires_at="2026-08-01")
    clock.now = datetime.fromisoformat("2026-03-02T09:00:00+01:00")
    work(acme, "W1", "4.8", "2026-03-01T10:00:00+01:00")
    clock.now = datetime.fromisoformat("2026-08-20T09:00:00+02:00")
    acme.tick()
    clock.now = datetime.fromisoformat("2026-09-01T09:00:00+02:00")
    reversal = acme.reverse_work("acme", ticket="W1", reason="belongs to another customer")
    assert (reversal.restored, reversal.written_off, reversal.balance) == (
        Decimal("600.00"),
        Decimal("600.00"),
        Decimal("0.00"),
    )
    assert [balance(acme, d) for d in ("2026-03-02", "2026-07-31", "2026-08-01", "2026-09-01")] == [
        Decimal("600.00"),
        Decimal("600.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_many_engineers_book_time_on_one_ticket(acme: Ledger) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    first = work(acme, "RFC-7", "2", "2026-03-02T10:00:00+01:00", entry="E-1", engineer="Jan")
    second = work(acme, "RFC-7", "3", "2026-03-02T14:00:00+01:00", entry="E-2", engineer="Piet")
    assert not first.duplicate
    assert not second.duplicate
    assert acme.balance("acme").balance == Decimal("375.00")
    entries = acme.ticket_entries("acme", "RFC-7")
    assert [(e.entry, e.engineer, e.hours) for e in entries] == [
        ("E-1", "Jan", Decimal("2")),
        ("E-2", "Piet", Decimal("3")),
    ]
    with pytest.raises(InvalidInputError, match="has 2 entries"):
        acme.reverse_work("acme", ticket="RFC-7", reason="which one?")
    acme.reverse_work("acme", entry="E-2", reason="logged twice", note="Dubbel geboekt")
    assert acme.balance("acme").balance == Decimal("750.00")
    assert [e.reversed for e in acme.ticket_entries("acme", "RFC-7")] == [False, True]


def test_the_same_key_with_the_same_figures_is_a_repeat_with_other_figures_refused(acme: Ledger) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(acme, "RFC-1", "2", "2026-03-02T10:00:00+01:00", entry="E-1")
    assert work(acme, "RFC-1", "2", "2026-03-02T10:00:00+01:00", entry="E-1").duplicate
    before = event_count(acme)
    with pytest.raises(ReferenceConflictError) as refused:
        work(acme, "RFC-1", "3", "2026-03-02T10:00:00+01:00", entry="E-1")
    assert "other hours" in str(refused.value)
    with pytest.raises(ReferenceConflictError, match="other kind"):
        work(acme, "RFC-1", "2", "2026-03-02T10:00:00+01:00", entry="E-1", kind="support")
    with pytest.raises(ReferenceConflictError, match="other at"):
        work(acme, "RFC-1", "2", "2026-03-03T10:00:00+01:00", entry="E-1")
    assert event_count(acme) == before


def test_kind_has_no_default(acme: Ledger) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as refused:
        acme.log_work("acme", ticket="T-1", hours="1")
    assert refused.value.field == "kind"
    assert "support, rfc" in refused.value.reason
    assert event_count(acme) == before


def test_cli_entries_per_ticket_show_and_reverse(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", store_url, "--actor", "lisa"]
    assert main([*db, "customer", "add", "acme", "--name", "Acme", "--account-manager", "Anna"]) == 0
    assert (
        main([*db, "card", "buy", "acme", "--amount", "1000", "--reference", "O1", "--at", "2026-01-02"]) == 0
    )
    log = [*db, "work", "log", "acme", "--ticket", "RFC-1", "--hours", "2", "--at", "2026-01-05"]
    assert main([*log, "--kind", "rfc", "--entry", "E-1", "--engineer", "Jan"]) == 0
    assert main([*log, "--kind", "rfc", "--entry", "E-2", "--engineer", "Piet"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as usage:
        main(log)  # no --kind
    assert usage.value.code == 2
    assert "--kind" in capsys.readouterr().err
    assert main([*db, "work", "show", "acme", "--ticket", "RFC-1"]) == 0
    shown = capsys.readouterr().out
    assert "E-1" in shown
    assert "Piet" in shown
    assert (
        main([*db, "work", "reverse", "acme", "--entry", "E-1", "--reason", "test", "--note", "Correctie"])
        == 0
    )
    assert main([*db, "balance", "acme"]) == 0
    assert "750.00" in capsys.readouterr().out


def test_settings_decide_alike_in_every_process(store_url: str) -> None:
    clock = FakeClock(NOV_28)
    with Ledger.open(store_url, actor="a", clock=clock) as first:
        first.set_setting("late-work-policy", "strict", effective_from="2026-06-01")
    with Ledger.open(store_url, actor="b", clock=clock) as second:
        in_force = {view.key: view.value for view in second.settings_in_force(at="2026-07-01")}
        earlier = {view.key: view.value for view in second.settings_in_force(at="2026-05-01")}
    assert (in_force["late-work-policy"], earlier["late-work-policy"]) == ("strict", "later-credit")


def test_import_refuses_a_repeated_key_with_other_figures(acme: Ledger, tmp_path: Path) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    path = tmp_path / "history.csv"
    path.write_text(
        "type,customer,at,ticket,entry,hours,kind,rate\n"
        "work,acme,2026-03-02T10:00:00+01:00,RFC-1,E-1,2,rfc,125.00\n"
        "work,acme,2026-03-02T10:00:00+01:00,RFC-1,E-2,3,rfc,125.00\n"
        "work,acme,2026-03-02T10:00:00+01:00,RFC-1,E-1,2,rfc,125.00\n",
        encoding="utf-8",
    )
    result = acme.import_csv(path)
    assert (result.applied, result.duplicates) == (2, 1)
    path.write_text(
        "type,customer,at,ticket,entry,hours,kind,rate\n"
        "work,acme,2026-03-02T10:00:00+01:00,RFC-1,E-2,4,rfc,125.00\n",
        encoding="utf-8",
    )
    before = event_count(acme)
    with pytest.raises(ImportStoppedError) as stopped:
        acme.import_csv(path)
    assert isinstance(stopped.value.error, ReferenceConflictError)
    assert "other hours" in str(stopped.value)
    assert event_count(acme) == before


def test_the_engineer_is_shown_in_reports_and_statements(acme: Ledger) -> None:
    acme.buy_card("acme", amount="1000", reference="O1", at="2026-01-02")
    work(
        acme, "RFC-7", "2", "2026-03-02T10:00:00+01:00", entry="E-1", engineer="Jan Jansen", description="VPN"
    )
    [record] = acme.work_records("acme", "2026-03")
    assert record.description == "VPN (Jan Jansen)"
    statement = acme.statement("acme", "2026-03")
    assert [line.description for line in statement.work] == ["VPN (Jan Jansen)"]
