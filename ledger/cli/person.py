"""``ledger person ...``: the people who act on the ledger and their roles (docs/identity.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_json
from ledger.domain.roles import ROLES

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.people import PersonView

ROLE_HELP = f"roles, comma-separated: {', '.join(ROLES)}"


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("person", help="people, their roles and logins", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="register a person (security officer)", parents=parents)
    add.add_argument("person", metavar="ID", help="e.g. an e-mail address; case and width do not matter")
    add.add_argument("--name", required=True, metavar="TEXT")
    add.add_argument("--role", required=True, metavar="ROLE[,ROLE]", help=ROLE_HELP)
    _details(add)
    add.set_defaults(handler=add_person)

    change = actions.add_parser("change", help="change a person's details (not your own)", parents=parents)
    change.add_argument("person", metavar="ID")
    change.add_argument("--name", metavar="TEXT")
    change.add_argument("--role", metavar="ROLE[,ROLE]", help=ROLE_HELP)
    _details(change, clearable=True)
    change.set_defaults(handler=change_person)

    deactivate = actions.add_parser("deactivate", help="the person may no longer act", parents=parents)
    deactivate.add_argument("person", metavar="ID")
    deactivate.add_argument("--reason", required=True, metavar="TEXT")
    add_json(deactivate)
    deactivate.set_defaults(handler=deactivate_person)

    listing = actions.add_parser("list", help="every registered person", parents=parents)
    add_json(listing)
    listing.set_defaults(handler=list_people)

    show = actions.add_parser("show", help="one person", parents=parents)
    show.add_argument("person", metavar="ID")
    add_json(show)
    show.set_defaults(handler=show_person)


def _details(parser: argparse.ArgumentParser, *, clearable: bool = False) -> None:
    clear = " ('' clears it)" if clearable else ""
    parser.add_argument("--customer", metavar="C", help=f"the customer of a customer-contact{clear}")
    parser.add_argument("--email", metavar="E", help=f"e-mail address{clear}")
    parser.add_argument(
        "--db-role",
        dest="db_role",
        metavar="NAME",
        help=f"the database or system login that is this person{clear}",
    )
    add_json(parser)


def add_person(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    person = ledger.add_person(
        args.person,
        name=args.name,
        roles=args.role,
        customer=args.customer,
        email=args.email,
        db_role=args.db_role,
    )
    _show(person, args, out, "Registered")
    return EXIT_OK


def change_person(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    person = ledger.change_person(
        args.person,
        name=args.name,
        roles=args.role,
        customer=args.customer,
        email=args.email,
        db_role=args.db_role,
    )
    _show(person, args, out, "Changed")
    return EXIT_OK


def deactivate_person(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    person = ledger.deactivate_person(args.person, reason=args.reason)
    _show(person, args, out, "Deactivated")
    return EXIT_OK


def show_person(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    _show(ledger.person(args.person), args, out, "Person")
    return EXIT_OK


def list_people(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    people = ledger.people()
    if args.json:
        out.json([person.to_json() for person in people])
        return EXIT_OK
    rows = [
        (p.person, p.name, ", ".join(p.roles), p.customer or "", p.db_role or "", "yes" if p.active else "no")
        for p in people
    ]
    out.table("People", ["id", "name", "roles", "customer", "login", "active"], rows)
    return EXIT_OK


def _show(person: PersonView, args: argparse.Namespace, out: Output, title: str) -> None:
    if args.json:
        out.json(person.to_json())
        return
    rows = [
        ("name", person.name),
        ("roles", ", ".join(person.roles)),
        ("customer", person.customer or "none"),
        ("email", person.email or "none"),
        ("login", person.db_role or "none"),
        ("active", "yes" if person.active else "no"),
    ]
    out.fields(f"{title}: {person.person}", rows)
