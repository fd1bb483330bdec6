"""A month end's delivery round: the tick issues every customer's statement, ``notify run`` mails each
account manager a ``statement-ready`` alert with the statement's PDF.

What the account managers wait for after a month end: seconds per mail, and how much of it is the
PDF (rendered when the mail is sent). The mail goes to an in-process sender, so the figure is the
ledger's own work; a mail server adds its round trips. Reported, not a target::

    python -m benchmarks.delivery --store postgres --customers 20 --work 20
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from email.message import EmailMessage

from benchmarks.stores import postgres_store, sqlite_store
from ledger import Ledger
from ledger.notify.deliver import DeliveryPolicy, Senders
from ledger.statements import pdf


class Clock:
    """The month end, under the benchmark's control (work is refused when it lies in the future)."""

    def __init__(self, now: str) -> None:
        self.now = datetime.fromisoformat(now)

    def __call__(self) -> datetime:
        return self.now


def month(ledger: Ledger, customers: int, work: int) -> None:
    """``customers`` customers on a Basis contract with a card, each with ``work`` RFCs in October."""
    for number in range(customers):
        slug = f"klant-{number:04d}"
        ledger.add_customer(
            slug,
            name=f"Klant {number} B.V.",
            account_manager="Anna",
            account_manager_email="anna@msp.example",
            at="2026-01-01",
        )
        ledger.start_contract(slug, tier="basis", effective_from="2026-01-01")
        ledger.buy_card(slug, amount="5000.00", reference=f"ORDER-{number}", at="2026-10-01")
        for entry in range(work):
            ledger.log_work(
                slug,
                ticket=f"RFC-{number}-{entry}",
                hours="1.5",
                rate="125.00",
                kind="rfc",
                description="Firewallregels bijgewerkt",
                at=f"2026-10-{2 + entry % 28:02d}T10:00+02:00",
            )


def measure(url: str, customers: int, work: int) -> dict[str, float]:
    clock = Clock("2026-10-31T09:00+01:00")
    mails: list[EmailMessage] = []
    senders = Senders(mail=mails.append, mail_from="ledger@msp.example", webhook=lambda *_: 200)
    rendering: list[float] = []
    render = pdf.render_pdf

    def timed(*args: object, **kwargs: object) -> bytes:
        started = time.perf_counter()
        try:
            return render(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            rendering.append(time.perf_counter() - started)

    with Ledger.open(url, actor="bench", clock=clock) as ledger:
        month(ledger, customers, work)
        ledger.notify_run(senders, DeliveryPolicy())  # what October raised before the month end
        clock.now = datetime.fromisoformat("2026-11-05T09:00+01:00")
        started = time.perf_counter()
        ledger.tick()
        tick_s = time.perf_counter() - started
        ledger.notify_run(senders, DeliveryPolicy(batch_max=1))  # warm: WeasyPrint, fonts, matplotlib
        mails.clear()
        rendering.clear()
        pdf.render_pdf = timed
        try:
            started = time.perf_counter()
            result = ledger.notify_run(senders, DeliveryPolicy(batch_max=10_000))
            round_s = time.perf_counter() - started
        finally:
            pdf.render_pdf = render
    assert (result.failed, result.dead) == (0, 0), result
    with_pdf = sum(1 for mail in mails if mail.is_multipart())
    return {
        "tick_s": tick_s,
        "mails": len(mails),
        "with_pdf": with_pdf,
        "round_s": round_s,
        "pdf_s": sum(rendering),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.delivery", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--work", type=int, default=20, help="work entries per customer in October")
    args = parser.parse_args(argv)
    opener = sqlite_store if args.store == "sqlite" else postgres_store
    with opener() as (url, _):
        figures = measure(url, args.customers, args.work)
    mails, round_s, pdf_s = figures["mails"], figures["round_s"], figures["pdf_s"]
    print(f"{args.store}: {args.customers} customers, {args.work} work entries each in October")
    print(f"tick (issues the statements): {figures['tick_s']:.2f} s")
    print(f"delivery round: {mails:.0f} mails, {figures['with_pdf']:.0f} with a statement PDF")
    print(f"  {round_s:.2f} s = {round_s / mails:.3f} s per mail")
    print(f"  rendering the PDFs: {pdf_s:.2f} s ({pdf_s / round_s:.0%} of the round)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
