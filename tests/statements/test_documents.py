"""Statements read as Dutch documents (English on request): a sender block, the customer and account
manager, readable labels, Babel's money and dates, wrapped text, hours × rate = amount on every
line, no internal reason, a PDF; customers without a card get one too; the forecast knows the plan."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.statements.html import render_html
from ledger.statements.pdf import render_pdf
from ledger.statements.render import render_text
from tests.support import FakeClock

LONG = (
    "Migrated every shared mailbox of the finance department to the new tenant, including the "
    "calendars, the delegated permissions and the archive folders that had grown past fifty gigabytes"
)


def plain(text: str) -> str:
    """Babel separates € from the figure with a no-break space; compare with plain spaces, one line."""
    return " ".join(text.replace("\xa0", " ").split())


@pytest.fixture
def zeehaven(ledger: Ledger, clock: FakeClock) -> Ledger:
    clock.now = datetime.fromisoformat("2026-10-31T09:00+01:00")
    for key, value in (
        ("sender.name", "Kustlijn IT B.V."),
        ("sender.address", "Havenweg 12, 1971 AB IJmuiden"),
        ("sender.kvk", "12345678"),
        ("sender.btw", "NL001234567B01"),
        ("sender.iban", "NL91 ABNA 0417 1643 00"),
        ("sender.contact", "servicedesk@kustlijn.example · 0255 123 456"),
    ):
        ledger.set_setting(key, value, effective_from="2026-01-01")
    ledger.add_customer("zeehaven", name="Zeehaven Logistiek B.V.", account_manager="Sanne de Vries",
                        at="2026-01-01")  # fmt: skip
    ledger.start_contract("zeehaven", tier="comfort", effective_from="2026-01-01")
    ledger.buy_card("zeehaven", amount="1000.00", reference="ORDER-17", at="2026-09-01")
    ledger.buy_monthly("zeehaven", amount="750.00", day=1, start="2026-10-01")
    ledger.tick()  # October's monthly credit (and September's statement, ZEEHAVEN-2026-0001)
    ledger.log_work("zeehaven", ticket="RFC-8", hours="6", rate="125.00", description=LONG,
                    at="2026-10-05T10:00+02:00", kind="rfc")  # fmt: skip
    ledger.log_work("zeehaven", ticket="RFC-9", hours="2", rate="110.00", description="Firewall rule",
                    at="2026-10-06T10:00+02:00", kind="rfc")  # fmt: skip
    ledger.reverse_work("zeehaven", ticket="RFC-9", reason="verkeerde klant: hoort bij Dijkstra",
                        at="2026-10-07T10:00+02:00")  # fmt: skip
    ledger.log_work("zeehaven", ticket="RFC-10", hours="12", rate="125.00", description="Overage job",
                    at="2026-10-20T10:00+02:00", kind="rfc")  # fmt: skip
    ledger.log_work("zeehaven", ticket="SD-1", hours="2.5", kind="support", description="Printer",
                    at="2026-10-21T10:00+02:00")  # fmt: skip
    clock.now = datetime.fromisoformat("2026-11-05T09:00+01:00")
    ledger.tick()
    return ledger


def test_the_statement_is_a_dutch_document_with_a_sender_and_readable_lines(zeehaven: Ledger) -> None:
    statement = zeehaven.statement("zeehaven", "2026-10")
    assert statement.number == "ZEEHAVEN-2026-0002"  # issued by the tick after the cut-off (Nov 4)
    text = plain(render_text(statement))
    for expected in (
        "AFSCHRIFT ZEEHAVEN-2026-0002",
        "Kustlijn IT B.V. Havenweg 12, 1971 AB IJmuiden KvK 12345678 · BTW NL001234567B01 · "
        "IBAN NL91 ABNA 0417 1643 00 servicedesk@kustlijn.example · 0255 123 456",
        "Aan: Zeehaven Logistiek B.V. (zeehaven) · Accountmanager Sanne de Vries",
        "Periode: 1 okt. 2026 – 31 okt. 2026",
        "Beginsaldo 1 okt. 2026 € 1.000,00",
        "Maandtegoed oktober € 750,00 saldo € 1.750,00",
        "6,00 u × € 125,00 = € 750,00",
        LONG,  # wrapped over several lines, never cut
        "12,00 u × € 125,00 = € 1.500,00",  # the whole amount, and then who pays it
        "€ 500,00 wordt apart gefactureerd",
        "gedekt door uw Comfort-contract",
        "Eindsaldo 31 okt. 2026 € 0,00",
    ):
        assert expected in text, expected
    assert "monthly:" not in text  # no jargon
    assert "RFC-9" not in text  # reversed before the customer saw it: left off
    assert "Dijkstra" not in text  # the internal reason never shows
    assert "verkeerde klant" not in text
    assert all(len(line) <= 100 for line in render_text(statement).splitlines())


def test_english_on_request_or_by_the_customer_s_setting(
    zeehaven: Ledger, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = zeehaven.statement("zeehaven", "2026-10")
    english = plain(render_text(statement, "en"))
    assert "STATEMENT ZEEHAVEN-2026-0002" in english
    assert "Opening balance 1 Oct 2026 €1,000.00" in english
    assert "Monthly credit October" in english
    assert "covered by your Comfort contract" in english
    assert main(["--db", store_url, "statement", "zeehaven", "--month", "2026-10", "--lang", "en"]) == 0
    assert plain(capsys.readouterr().out).startswith("STATEMENT ZEEHAVEN-2026-0002")

    zeehaven.set_setting("statements.customer-languages", "zeehaven=en", effective_from="2026-01-01")
    assert main(["--db", store_url, "statement", "zeehaven", "--month", "2026-11"]) == 0
    assert plain(capsys.readouterr().out).startswith("PROVISIONAL STATEMENT NOVEMBER 2026")
    # the issued statement keeps the language known when it was issued
    assert render_text(zeehaven.statement("zeehaven", "2026-10")) == render_text(statement)


def test_a_late_reversal_is_a_correction_naming_its_period(zeehaven: Ledger, clock: FakeClock) -> None:
    # decided after October's statement was issued; it gives back at the work's own time (October)
    zeehaven.reverse_work(
        "zeehaven", ticket="RFC-8", reason="dubbel geboekt (intern)", note="Dubbel geboekt; teruggezet"
    )
    zeehaven.reverse_work("zeehaven", ticket="RFC-10", reason="klant Dijkstra, niet Zeehaven")
    clock.now = datetime.fromisoformat("2026-12-04T09:00+01:00")
    zeehaven.tick()
    november = zeehaven.statement("zeehaven", "2026-11")
    assert november.opening_balance == zeehaven.statement("zeehaven", "2026-10").closing_balance
    text = plain(render_text(november))
    assert "Correcties op eerdere perioden" in text
    assert "RFC-8 € 750,00 saldo € 750,00 Dubbel geboekt; teruggezet hoort bij oktober 2026" in text
    assert "Correctie op RFC-10 hoort bij oktober 2026" in text  # no note: a neutral line
    assert "intern" not in text
    assert "Dijkstra" not in text
    assert [(c.reference, c.period, c.amount) for c in november.corrections] == [
        ("RFC-8", "2026-10", Decimal("750.00")),
        ("RFC-10", "2026-10", Decimal("1000.00")),
    ]


def test_the_forecast_counts_the_monthly_credit_and_shows_expiring_credit(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.now = datetime.fromisoformat("2026-10-31T09:00+01:00")
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
    ledger.buy_card("acme", amount="250.00", reference="O-1", at="2026-09-01", expires_at="2026-12-01")
    ledger.buy_monthly("acme", amount="750.00", day=1, start="2026-10-01")
    ledger.tick()
    ledger.log_work("acme", ticket="RFC-1", hours="1", rate="125.00", at="2026-10-02T10:00+02:00", kind="rfc")
    clock.now = datetime.fromisoformat("2026-11-10T09:00+01:00")
    ledger.tick()
    october = ledger.statement("acme", "2026-10")
    assert october.forecast.forecast_at == "2026-11-10"  # as of the issue, never a past date
    assert october.forecast.outcome == "plan-covers"  # 125 used in 71 days, 750 arrives every month
    text = plain(render_text(october))
    assert "€ 125,00 vervalt op 1 dec. 2026" in text  # the soonest-expiring credit paid the work
    assert "Het maandtegoed dekt het huidige verbruik" in text


def test_a_customer_without_a_card_gets_a_statement_of_covered_and_invoiced_work(
    ledger: Ledger, clock: FakeClock
) -> None:
    clock.now = datetime.fromisoformat("2026-10-31T09:00+01:00")
    ledger.add_customer("dijk", name="Dijkstra", account_manager="Bram", at="2026-01-01")
    ledger.start_contract("dijk", tier="comfort", effective_from="2026-01-01")
    ledger.log_work("dijk", ticket="SD-4", hours="2.5", kind="support", description="Laptop",
                    at="2026-10-05T10:00+02:00")  # fmt: skip
    ledger.log_work("dijk", ticket="RFC-5", hours="1", rate="125.00", description="New user",
                    at="2026-10-06T10:00+02:00", kind="rfc")  # fmt: skip
    clock.now = datetime.fromisoformat("2026-11-05T09:00+01:00")
    issued = ledger.tick().statements
    assert issued == ("DIJK-2026-0001",)
    statement = ledger.statement("dijk", "2026-10")
    assert (statement.has_card, statement.closing_balance) == (False, Decimal("0.00"))
    assert [line.reference for line in statement.covered] == ["SD-4"]
    assert [(line.reference, line.invoiced_separately) for line in statement.invoiced] == [
        ("RFC-5", Decimal("125.00"))
    ]
    english = plain(render_text(statement, "en"))
    assert "covered by your Comfort contract" in english
    assert "2.50 h × €125.00 = €312.50" in english
    assert "no strippenkaart" in english


def test_the_pdf_is_an_a4_document_with_the_statement_s_text(zeehaven: Ledger, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils (.ci/run does)")
    statement = zeehaven.statement("zeehaven", "2026-10")
    document = render_pdf(statement)
    assert document.startswith(b"%PDF-")
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(document)
    text = plain(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                check=True, timeout=60).stdout)  # fmt: skip
    for expected in (
        "Afschrift ZEEHAVEN-2026-0002",
        "Kustlijn IT B.V.",
        "Zeehaven Logistiek B.V.",
        "Maandtegoed oktober",
        "12,00 u × € 125,00 = € 1.500,00",
        "EINDSALDO",
        "fifty gigabytes",
    ):
        assert expected in text, expected
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "841.89 pts (A4)" in info
    assert "@page { size: A4" in render_html(statement)
