"""Draw docs/statement-page1.png, the operator's guide's picture of a statement PDF's first page.

Run: ``.venv/bin/python docs/make_statement_picture.py`` (needs poppler-utils' ``pdftoppm``).
It builds a month of a Dutch customer's history in a throwaway in-memory ledger, issues October's
statement, renders it as a PDF (``ledger statement ... --format pdf`` does the same) and turns
the first page into a PNG: the picture always shows what the code makes, never a hand-made one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from ledger import Ledger
from ledger.statements.pdf import render_pdf

HERE = Path(__file__).resolve().parent
PICTURE = HERE / "statement-page1.png"
RESOLUTION_DPI = 80
PDFTOPPM_TIMEOUT_S = 120


class Clock:
    """The example's own clock, so the picture is the same on every run."""

    def __init__(self, now: str) -> None:
        self.now = datetime.fromisoformat(now)

    def __call__(self) -> datetime:
        return self.now


SENDER = {
    "sender.name": "Kustlijn IT B.V.",
    "sender.address": "Havenweg 12, 1971 AB IJmuiden",
    "sender.kvk": "12345678",
    "sender.btw": "NL001234567B01",
    "sender.iban": "NL91 ABNA 0417 1643 00",
    "sender.contact": "servicedesk@kustlijn.example · 0255 123 456",
}


def example_pdf() -> bytes:
    clock = Clock("2026-10-31T09:00+01:00")
    with Ledger.open("memory://", actor="demo", clock=clock) as ledger:
        for key, value in SENDER.items():
            ledger.set_setting(key, value, effective_from="2026-01-01")
        ledger.add_customer("zeehaven", name="Zeehaven Logistiek B.V.", account_manager="Sanne de Vries",
                            at="2026-01-01")  # fmt: skip
        ledger.start_contract("zeehaven", tier="comfort", effective_from="2026-01-01")
        ledger.buy_card("zeehaven", amount="1000.00", reference="ORDER-17", at="2026-09-01",
                        expires_at="2026-12-01")  # fmt: skip
        ledger.buy_monthly("zeehaven", amount="750.00", day=1, start="2026-10-01")
        ledger.tick()
        work = (
            ("RFC-8", "6", "Gedeelde mailboxen van de financiële afdeling naar de nieuwe tenant verhuisd, "
             "met agenda's, gedelegeerde rechten en archiefmappen", "2026-10-05T10:00+02:00"),
            ("RFC-10", "3.5", "Firewallregels voor het nieuwe magazijnnetwerk", "2026-10-20T10:00+02:00"),
        )  # fmt: skip
        for ticket, hours, description, at in work:
            ledger.log_work(
                "zeehaven",
                kind="rfc",
                ticket=ticket,
                hours=hours,
                rate="125.00",
                description=description,
                at=at,
            )
        ledger.log_work("zeehaven", ticket="SD-1", hours="2.5", kind="support",
                        description="Printer op de 2e verdieping", at="2026-10-21T10:00+02:00")  # fmt: skip
        clock.now = datetime.fromisoformat("2026-11-05T09:00+01:00")
        ledger.tick()  # issues October's statement: the cut-off (3rd working day) has passed
        return render_pdf(ledger.statement("zeehaven", "2026-10"))


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "statement.pdf"
        pdf.write_bytes(example_pdf())
        stem = Path(folder) / "page"
        command = [
            "pdftoppm",
            "-png",
            "-r",
            str(RESOLUTION_DPI),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(stem),
        ]
        subprocess.run(command, check=True, timeout=PDFTOPPM_TIMEOUT_S)
        PICTURE.write_bytes(stem.with_suffix(".png").read_bytes())
    sys.stdout.write(f"wrote {PICTURE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
