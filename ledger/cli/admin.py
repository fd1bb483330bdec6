"""``ledger admin ...``: admin accounts (beheeraccounts) — request, grant, scope, suspend, resume,
revoke; and check, who, list, history for security officers and auditors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.cli.common import EXIT_OK, Handler, Subparsers, add_json
from ledger.domain.time import describe_instant

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import AdminChangeResult, AdminHistoryRow

FROM_HELP = (
    "when it takes effect (default: now): a date (00:00 Europe/Amsterdam) or an ISO 8601 time with a "
    "zone; may lie in the past (backdated) or the future"
)
TASK_HELP = "admin tasks, comma-separated; 'area.*' means every task of that area in the catalogue"


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser(
        "admin", help="admin accounts (beheeraccounts) and their grants", parents=parents
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    request = _action(actions, parents, "request", "a customer contact asks for admin tasks", request_access)
    request.add_argument("--task", required=True, metavar="TASK[,TASK...]", help=TASK_HELP)
    request.add_argument("--reason", required=True, metavar="TEXT", help="the justification")
    request.add_argument("--at", metavar="ISO8601", help="when it was asked (default: now)")
    request.add_argument(
        "--holder",
        metavar="PERSON",
        help="who will use the account (default: the requester; first request only)",
    )

    grant = _action(
        actions,
        parents,
        "grant",
        "grant the open request's tasks (four-eyes: not by the requester or the holder)",
        grant_access,
    )
    grant.add_argument("--task", required=True, metavar="TASK[,TASK...]", help=TASK_HELP)
    grant.add_argument("--rfc", required=True, metavar="TICKET", help="the RFC the grant is decided under")
    _add_from(grant)
    grant.add_argument(
        "--until", metavar="DATE", help="the first moment the grant no longer holds (default: open-ended)"
    )

    scope = _action(
        actions,
        parents,
        "scope",
        "give the grant in force other tasks (adding any answers an open request)",
        change_scope,
    )
    scope.add_argument("--task", required=True, metavar="TASK[,TASK...]", help=TASK_HELP)
    scope.add_argument(
        "--rfc", metavar="TICKET", help="the RFC a wider scope is decided under (required then)"
    )
    _add_from(scope)
    scope.add_argument("--reason", required=True, metavar="TEXT")

    for name, text in (
        ("suspend", "pause the account until it is resumed"),
        ("resume", "end a suspension"),
        ("revoke", "end every grant of the account"),
        ("withdraw", "withdraw the open request unanswered"),
    ):
        action = _action(actions, parents, name, text, change_standing)
        _add_from(action)
        action.add_argument("--reason", required=True, metavar="TEXT")

    listing = actions.add_parser(
        "list", help="the customer's admin accounts and their standing", parents=parents
    )
    listing.add_argument("customer", metavar="CUSTOMER")
    listing.add_argument("--at", metavar="ISO8601", help="the moment (default: now)")
    add_json(listing)
    listing.set_defaults(handler=list_accounts)

    check = _action(actions, parents, "check", "may the account do TASK at a moment?", check_access)
    check.add_argument("--task", required=True, metavar="TASK")
    check.add_argument("--at", metavar="ISO8601", help="the moment, with a timezone (default: now)")

    who = actions.add_parser("who", help="which accounts could do TASK at a moment", parents=parents)
    who.add_argument("customer", metavar="CUSTOMER")
    who.add_argument("--task", required=True, metavar="TASK")
    who.add_argument("--at", required=True, metavar="ISO8601", help="the moment, with a timezone")
    add_json(who)
    who.set_defaults(handler=who_could)

    history = actions.add_parser(
        "history", help="every change, with effective and recorded time", parents=parents
    )
    history.add_argument("customer", metavar="CUSTOMER")
    history.add_argument("--account", metavar="NAME")
    add_json(history)
    history.set_defaults(handler=show_history)


def _action(
    actions: Subparsers,
    parents: list[argparse.ArgumentParser],
    name: str,
    text: str,
    handler: Handler,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=text, parents=parents)
    parser.add_argument("customer", metavar="CUSTOMER")
    parser.add_argument("--account", required=True, metavar="NAME")
    add_json(parser)
    parser.set_defaults(handler=handler, kind=name)
    return parser


def _add_from(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="effective_from", metavar="DATE", help=FROM_HELP)


# --- commands ----------------------------------------------------------------------------------


def request_access(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.request_admin(
        args.customer,
        account=args.account,
        tasks=args.task,
        reason=args.reason,
        holder=args.holder,
        at=args.at,
    )
    _show_change(result, args, out)
    return EXIT_OK


def grant_access(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.grant_admin(
        args.customer,
        account=args.account,
        tasks=args.task,
        rfc=args.rfc,
        valid_from=args.effective_from,
        valid_until=args.until,
    )
    _show_change(result, args, out)
    return EXIT_OK


def change_scope(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.change_admin_scope(
        args.customer,
        account=args.account,
        tasks=args.task,
        reason=args.reason,
        effective_from=args.effective_from,
        rfc=args.rfc,
    )
    _show_change(result, args, out)
    return EXIT_OK


def change_standing(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    method = {
        "suspend": ledger.suspend_admin,
        "resume": ledger.resume_admin,
        "revoke": ledger.revoke_admin,
        "withdraw": ledger.withdraw_admin_request,
    }[args.kind]
    result = method(
        args.customer, account=args.account, reason=args.reason, effective_from=args.effective_from
    )
    _show_change(result, args, out)
    return EXIT_OK


def _show_change(result: AdminChangeResult, args: argparse.Namespace, out: Output) -> None:
    data = result.to_json()
    if args.json:
        out.json(data)
        return
    who = f"Admin account {result.account} of {result.customer}"
    tasks = ", ".join(result.tasks)
    asked = ", ".join(result.asked)
    resolved = f" ({asked} → {tasks})" if result.asked != result.tasks else f" ({tasks})"
    if result.change == "requested":
        line = f"{who}: request #{result.number} by {result.actor}{resolved}"
    elif result.change == "granted":
        answered = f"answers request #{result.request}" if result.request else "no request"
        until = f" until {data['valid_until']}" if result.valid_until else ""
        when = f"from {data['effective_at']}{until}"
        line = (
            f"{who}: grant #{result.number} by {result.actor}{resolved} {when}; {answered}, RFC {result.rfc}"
        )
    elif result.change == "scope-changed":
        answered = f"; answers request #{result.request}, RFC {result.rfc}" if result.request else ""
        line = (
            f"{who}: grant #{result.number} rescoped by {result.actor}{resolved} from {data['effective_at']}"
            f"{answered}"
        )
    elif result.change == "withdrawn":
        line = f"{who}: request #{result.number} withdrawn by {result.actor}"
    else:
        line = f"{who} {result.change} by {result.actor} from {data['effective_at']}"
    out.line(line + ".")


# --- questions ---------------------------------------------------------------------------------


def check_access(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.admin_check(args.customer, account=args.account, task=args.task, at=args.at)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    rows: list[tuple[str, Any]] = [("allowed", "yes" if result.allowed else "no"), ("reason", result.reason)]
    if data["grant"] is not None:
        rows += _grant_rows(data["grant"])
    out.fields(f"May {result.account} of {result.customer} do {result.task} at {data['at']}?", rows)
    return EXIT_OK


def _grant_rows(grant: dict[str, Any]) -> list[tuple[str, Any]]:
    request = grant["request"]
    requested = (
        f"#{request['request']} by {request['requested_by']}: {request['justification']}"
        if request
        else "none"
    )
    return [
        ("grant", f"#{grant['grant']} v{grant['version']}"),
        ("tasks", ", ".join(grant["tasks"])),
        ("granted by", grant["granted_by"]),
        ("valid from", grant["valid_from"]),
        ("valid until", grant["valid_until"] or "open-ended"),
        ("request", requested),
        ("rfc", grant.get("rfc") or "none"),
    ]


def who_could(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.admin_who(args.customer, task=args.task, at=args.at)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    rows = [
        (row["account"], f"#{row['grant']['grant']} v{row['grant']['version']}", row["grant"]["granted_by"])
        for row in data["allowed"]
    ]
    out.table(
        f"Who could do {result.task} for {result.customer} at {data['at']}",
        ["account", "grant", "granted by"],
        rows,
    )
    for row in data["denied"]:
        out.line(f"not {row['account']}: {row['reason']}")
    return EXIT_OK


def list_accounts(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.admin_accounts(args.customer, at=args.at)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    rows = []
    for row in data["accounts"]:
        grant = row["grant"] or {}
        pending = row["pending_request"]
        rows.append(
            (
                row["account"],
                row["status"],
                f"#{grant['grant']} v{grant['version']}" if grant else "",
                ", ".join(grant.get("tasks", [])),
                grant.get("valid_until") or ("open-ended" if grant else ""),
                f"#{pending['request']} by {pending['requested_by']}" if pending else "",
            )
        )
    out.table(
        f"Admin accounts of {result.customer} at {data['at']}",
        ["account", "status", "grant", "tasks", "until", "pending request"],
        rows,
    )
    return EXIT_OK


def show_history(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.admin_history(args.customer, account=args.account)
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    rows = [
        (
            describe_instant(c["effective_at"]),
            c["account"],
            c["change"],
            c["actor"],
            _details(c),
            describe_instant(c["recorded_at"]) + (" (backdated)" if c["backdated"] else ""),
        )
        for c in result.changes
    ]
    out.table(
        f"Admin-account history of {result.customer}",
        ["effective", "account", "change", "by", "details", "recorded"],
        rows,
    )
    return EXIT_OK


def _details(change: AdminHistoryRow) -> str:
    parts = []
    if change["grant"] is not None:
        parts.append(f"grant #{change['grant']}")
    if change["request"] is not None:
        parts.append(f"request #{change['request']}")
    elif change["change"] == "granted":
        parts.append("no request")
    if change["tasks"]:
        parts.append(", ".join(change["tasks"]))
    if change["valid_until"] is not None:
        parts.append(f"until {describe_instant(change['valid_until'])}")
    if change["rfc"] is not None:
        parts.append(f"RFC {change['rfc']}")
    if change["change"] == "requested" and change["holder"] is not None:
        parts.append(f"holder {change['holder']}")
    text = change["justification"] or change["reason"]
    if text:
        parts.append(f"“{text}”")
    return "; ".join(parts)
