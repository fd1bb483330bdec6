"""``ledger demo``: the seed's example on a throwaway embedded store.

A €5,000.00 strippenkaart; an RFC takes 4 hours at €125.00: €500.00 is debited, €4,500.00 remains,
and no invoice is sent for that work.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.api import Ledger
from ledger.cli.common import EXIT_OK, Subparsers, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.cli.output import Output


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="run the seed's example on a temporary SQLite store", parents=parents
    )
    add_json(demo)
    demo.set_defaults(handler=run_demo, needs_ledger=False)


def run_demo(_: Ledger | None, args: argparse.Namespace, out: Output) -> int:
    with tempfile.TemporaryDirectory(prefix="ledger-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        with Ledger.open(url, actor="demo") as ledger:
            ledger.add_customer("voorbeeld-bv", name="Voorbeeld B.V.", account_manager="Anna de Vries")
            purchase = ledger.buy_card("voorbeeld-bv", amount="5000.00", reference="ORDER-2026-001")
            work = ledger.log_work(
                "voorbeeld-bv",
                ticket="RFC-1042",
                hours="4",
                rate="125.00",
                description="RFC: new VPN profile for the sales team",
                kind="rfc",
            )
            balance = ledger.balance("voorbeeld-bv")
    if args.json:
        out.json(
            {
                "store": "sqlite (temporary file)",
                "purchase": purchase.to_json(),
                "work": work.to_json(),
                "balance": balance.to_json(),
            }
        )
        return EXIT_OK
    out.line("[bold]ledger demo[/bold]: the seed's example on a temporary embedded SQLite store\n")
    rows = [
        (
            "Strippenkaart bought",
            purchase.reference,
            "",
            "",
            f"€{purchase.amount:,.2f}",
            f"€{purchase.balance:,.2f}",
        ),
        (
            f"RFC {work.ticket}",
            work.description,
            f"{work.hours} h",
            f"€{work.rate:,.2f}",
            f"−€{work.debited:,.2f}",
            f"€{work.balance:,.2f}",
        ),
    ]
    out.table(
        "Voorbeeld B.V. — strippenkaart",
        ["entry", "reference / description", "hours", "rate", "amount", "balance"],
        rows,
        numeric=("hours", "rate", "amount", "balance"),
    )
    invoice = "no invoice for this work" if work.invoiceable == 0 else "the rest is invoiced"
    out.line(
        f"\nRemaining credit: [bold]€{balance.balance:,.2f}[/bold] — payer: {work.payer}, "
        f"invoiceable: €{work.invoiceable:,.2f} ({invoice})."
    )
    return EXIT_OK
