"""``ledger contract start|change|end|show``: the servicedesk contract and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_from, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import ContractChangeResult

TIERS = ("basis", "comfort")


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("contract", help="servicedesk contracts (basis, comfort)", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    start = actions.add_parser("start", help="start a servicedesk contract", parents=parents)
    start.add_argument("customer", metavar="CUSTOMER")
    start.add_argument("--tier", required=True, choices=TIERS)
    add_from(start)
    add_json(start)
    start.set_defaults(handler=start_contract)

    change = actions.add_parser("change", help="change the tier of the contract in force", parents=parents)
    change.add_argument("customer", metavar="CUSTOMER")
    change.add_argument("--tier", required=True, choices=TIERS)
    add_from(change)
    add_json(change)
    change.set_defaults(handler=change_contract)

    end = actions.add_parser("end", help="end the contract in force", parents=parents)
    end.add_argument("customer", metavar="CUSTOMER")
    add_from(end)
    add_json(end)
    end.set_defaults(handler=end_contract)

    show = actions.add_parser("show", help="the contract's history", parents=parents)
    show.add_argument("customer", metavar="CUSTOMER")
    add_json(show)
    show.set_defaults(handler=show_contract)


def start_contract(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.start_contract(args.customer, tier=args.tier, effective_from=args.effective_from)
    _show_change(result, args, out)
    return EXIT_OK


def change_contract(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.change_contract(args.customer, tier=args.tier, effective_from=args.effective_from)
    _show_change(result, args, out)
    return EXIT_OK


def end_contract(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.end_contract(args.customer, effective_from=args.effective_from)
    _show_change(result, args, out)
    return EXIT_OK


def _show_change(result: ContractChangeResult, args: argparse.Namespace, out: Output) -> None:
    data = result.to_json()
    if args.json:
        out.json(data)
        return
    what = {"started": "started", "tier-changed": "changed to", "ended": "ended"}[result.change]
    line = f"Contract of {result.customer} {what}"
    if result.tier is not None:
        line += f" {result.tier}"
    line += f" from {data['effective_at']}"
    if result.backdated:
        line += f" (backdated: recorded {data['recorded_at']})"
    if result.duplicate:
        line += "; already recorded, nothing new written"
    out.line(line + ".")


def show_contract(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    history = ledger.contract_history(args.customer)
    data = history.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    now = data["tier_now"] or "no contract"
    rows = [
        (c["change"], c["tier"] or "", c["effective_at"], c["recorded_at"], c["actor"], _yes(c["backdated"]))
        for c in data["changes"]
    ]
    out.table(
        f"Servicedesk contract of {history.customer} (now: {now})",
        ["change", "tier", "effective", "recorded", "by", "backdated"],
        rows,
    )
    return EXIT_OK


def _yes(flag: bool) -> str:
    return "yes" if flag else ""
