"""``ledger onsite kickoff|assign|release|visit|evaluate|end|show``: on-site support engagements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.cli.common import EXIT_OK, Subparsers, add_at, add_json

if TYPE_CHECKING:
    import argparse

    from ledger.api import Ledger
    from ledger.cli.output import Output
    from ledger.commands.results import OnsiteChangeResult

VISITS = ("weekly", "biweekly", "monthly")
EVALUATIONS = ("quarterly", "half-yearly")
OUTCOMES = ("continue", "adjust", "stop")
DONE = {
    "kick-off": "kick-off held",
    "consultant-assigned": "consultant assigned",
    "consultant-released": "consultant released",
    "visit": "visit logged",
    "evaluation": "evaluation held",
    "ended": "engagement ended",
}


def register(commands: Subparsers, parents: list[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("onsite", help="on-site support engagements", parents=parents)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    kickoff = _action(actions, parents, "kickoff", "record the kick-off: focus areas and cadences", kick_off)
    kickoff.add_argument("--focus", required=True, metavar="A,B", help="the focus areas, comma-separated")
    kickoff.add_argument("--visits", required=True, choices=VISITS, help="how often a consultant visits")
    kickoff.add_argument("--evaluation", required=True, choices=EVALUATIONS, help="how often it is evaluated")

    for name, handler, text in (
        ("assign", assign, "assign a consultant"),
        ("release", release, "release a consultant"),
    ):
        parser = _action(actions, parents, name, text, handler)
        parser.add_argument("--consultant", required=True, metavar="NAME")

    visit = _action(actions, parents, "visit", "log a consultant's visit", log_visit)
    visit.add_argument("--consultant", required=True, metavar="NAME")
    visit.add_argument("--hours", required=True, help="e.g. 8 or 3.5")
    visit.add_argument("--focus", required=True, metavar="AREA", help="the focus area worked on")
    visit.add_argument(
        "--reference", required=True, help="visit report or work-order reference (idempotency key)"
    )

    evaluation = _action(actions, parents, "evaluate", "record an evaluation", evaluate)
    evaluation.add_argument("--outcome", required=True, choices=OUTCOMES)
    evaluation.add_argument("--focus", metavar="A,B", help="the new focus areas (with --outcome adjust)")
    evaluation.add_argument("--notes", default="", help="what was agreed")

    _action(actions, parents, "end", "end the engagement", end)

    show = actions.add_parser("show", help="the engagement, for an evaluation meeting", parents=parents)
    show.add_argument("customer", metavar="CUSTOMER")
    add_json(show)
    show.set_defaults(handler=show_engagement)


def _action(
    actions: Subparsers,
    parents: list[argparse.ArgumentParser],
    name: str,
    text: str,
    handler: object,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=text, parents=parents)
    parser.add_argument("customer", metavar="CUSTOMER")
    add_at(parser)
    add_json(parser)
    parser.set_defaults(handler=handler)
    return parser


def _areas(text: str | None) -> list[str] | None:
    return None if text is None else [part for part in text.split(",") if part.strip()]


def kick_off(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.kick_off(
        args.customer,
        focus_areas=_areas(args.focus) or [],
        visits=args.visits,
        evaluation=args.evaluation,
        at=args.at,
    )
    return _show_change(result, args, out)


def assign(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    return _show_change(
        ledger.assign_consultant(args.customer, consultant=args.consultant, at=args.at), args, out
    )


def release(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    return _show_change(
        ledger.release_consultant(args.customer, consultant=args.consultant, at=args.at), args, out
    )


def log_visit(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.log_visit(
        args.customer,
        consultant=args.consultant,
        hours=args.hours,
        focus=args.focus,
        reference=args.reference,
        at=args.at,
    )
    return _show_change(result, args, out)


def evaluate(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    result = ledger.evaluate(
        args.customer, outcome=args.outcome, focus_areas=_areas(args.focus), notes=args.notes, at=args.at
    )
    return _show_change(result, args, out)


def end(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    return _show_change(ledger.end_engagement(args.customer, at=args.at), args, out)


def _show_change(result: OnsiteChangeResult, args: argparse.Namespace, out: Output) -> int:
    data = result.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    details = ", ".join(
        f"{key.replace('_', ' ')} {', '.join(value) if isinstance(value, list) else value}"
        for key, value in data["details"].items()
        if value not in (None, "")
    )
    line = f"On-site {DONE[result.change]} for {result.customer} at {data['at']}: {details}"
    if result.next_evaluation_due is not None:
        line += f"; next evaluation due {result.next_evaluation_due}"
    if result.duplicate:
        line += "; already recorded, nothing new written"
    out.line(line + ".")
    return EXIT_OK


def show_engagement(ledger: Ledger, args: argparse.Namespace, out: Output) -> int:
    report = ledger.onsite_report(args.customer)
    data = report.to_json()
    if args.json:
        out.json(data)
        return EXIT_OK
    if report.status == "none":
        out.line(f"{report.customer} has no on-site engagement.")
        return EXIT_OK
    last = data["last_evaluation"]
    due = data["next_evaluation_due"] or ""
    if report.evaluation_due_raised:
        due += " (due: alert raised)"
    out.fields(
        f"On-site engagement of {report.customer} ({report.status})",
        [
            ("kicked off", data["kicked_off"]),
            ("ended", data["ended"]),
            ("cadence", f"visits {report.visit_cadence}, evaluation {report.evaluation_cadence}"),
            ("focus areas", ", ".join(report.focus_areas)),
            ("consultants", ", ".join(report.consultants) or "none"),
            ("last evaluation", "none" if last is None else f"{last['at']} {last['outcome']}"),
            ("next evaluation", due or None),
            ("since", data["since"]),
            ("visits", f"{len(report.visits)} (cadence expects {report.visits_expected})"),
            ("hours", data["hours_total"]),
        ],
    )
    out.table(
        "Hours per focus area since the last evaluation",
        ["focus area", "hours"],
        data["hours_by_focus_area"].items(),
        numeric=["hours"],
    )
    out.table(
        "Visits since the last evaluation",
        ["at", "consultant", "focus area", "hours", "reference"],
        [(v["at"], v["consultant"], v["focus_area"], v["hours"], v["reference"]) for v in data["visits"]],
        numeric=["hours"],
    )
    return EXIT_OK
