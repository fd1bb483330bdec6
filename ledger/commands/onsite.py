"""On-site engagements: kick-off, consultants, visits, evaluations, the report, and due dates.

The clock (``ledger tick``) and the alerts view use the last three functions:
``evaluations_due`` lists open engagements' next due dates in a window, ``raise_evaluation_due``
records one ``EvaluationDue`` (once per due date) and ``raise_due_evaluations`` does both for
everything due by a day — the due-fact producer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from ledger.aggregates.onsite_engagement import OnSiteEngagement, focus_of, local_date
from ledger.commands.application import retrying
from ledger.commands.clock import effective_time
from ledger.commands.clock_index import newly_indexed
from ledger.commands.entitlements import engagement_of
from ledger.commands.models import (
    AssignConsultant,
    EndEngagement,
    Evaluate,
    KickOff,
    LogVisit,
    OnsiteCommand,
    ReleaseConsultant,
)
from ledger.commands.results import (
    EvaluationDueItem,
    EvaluationDueResult,
    OnsiteChangeResult,
    OnsiteReport,
)
from ledger.domain.cadence import VisitCadence, visits_expected
from ledger.errors import InvalidInputError, NoEngagementError

if TYPE_CHECKING:
    from ledger.commands.application import LedgerApplication

ZERO = Decimal("0.00")
SCAN_PAGE_SIZE = 1000
ENGAGEMENTS_LISTED_MAX = 100_000
"""How many customers' on-site records a due-date scan reads before it refuses."""

Decide = Callable[[OnSiteEngagement, datetime], bool]


# --- commands ------------------------------------------------------------------------------------


def kick_off(app: LedgerApplication, command: KickOff, now: datetime) -> OnsiteChangeResult:
    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        return engagement.kick_off(
            list(command.focus_areas), command.visits, command.evaluation, command.actor, at
        )

    return _apply(app, command, now, decide, "kick-off", _kickoff_details)


def assign_consultant(app: LedgerApplication, command: AssignConsultant, now: datetime) -> OnsiteChangeResult:
    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        return engagement.assign(command.consultant, command.actor, at)

    return _apply(
        app, command, now, decide, "consultant-assigned", lambda _e: {"consultant": command.consultant}
    )


def release_consultant(
    app: LedgerApplication, command: ReleaseConsultant, now: datetime
) -> OnsiteChangeResult:
    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        return engagement.release(command.consultant, command.actor, at)

    return _apply(
        app, command, now, decide, "consultant-released", lambda _e: {"consultant": command.consultant}
    )


def log_visit(app: LedgerApplication, command: LogVisit, now: datetime) -> OnsiteChangeResult:
    """Record a visit once per reference; a repeat answers with the visit as first recorded."""

    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        return engagement.log_visit(
            command.reference, command.consultant, command.hours, command.focus, command.actor, at
        )

    def details(engagement: OnSiteEngagement) -> dict[str, Any]:
        visit = engagement.find_visit(command.reference) or {}
        return {key: visit.get(key) for key in ("reference", "consultant", "hours", "focus_area")}

    return _apply(app, command, now, decide, "visit", details)


def evaluate(app: LedgerApplication, command: Evaluate, now: datetime) -> OnsiteChangeResult:
    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        areas = None if command.focus_areas is None else list(command.focus_areas)
        return engagement.evaluate(command.outcome.value, areas, command.notes, command.actor, at)

    def details(engagement: OnSiteEngagement) -> dict[str, Any]:
        term = engagement.latest()
        last = term["evaluations"][-1] if term is not None else {}
        return {key: last.get(key) for key in ("outcome", "focus_areas", "notes", "due")}

    return _apply(app, command, now, decide, "evaluation", details)


def end_engagement(app: LedgerApplication, command: EndEngagement, now: datetime) -> OnsiteChangeResult:
    def decide(engagement: OnSiteEngagement, at: datetime) -> bool:
        return engagement.end(command.actor, at)

    def details(engagement: OnSiteEngagement) -> dict[str, Any]:
        term = engagement.latest()
        return {"reason": None if term is None else term["end_reason"]}

    return _apply(app, command, now, decide, "ended", details)


def _kickoff_details(engagement: OnSiteEngagement) -> dict[str, Any]:
    term = engagement.latest() or {}
    return {
        "focus_areas": term["focus"][0]["focus_areas"],
        "visit_cadence": term["visit_cadence"],
        "evaluation_cadence": term["evaluation_cadence"],
    }


def _apply(
    app: LedgerApplication,
    command: OnsiteCommand,
    now: datetime,
    decide: Decide,
    change: str,
    details: Callable[[OnSiteEngagement], dict[str, Any]],
) -> OnsiteChangeResult:
    """Load the customer's on-site record (a kick-off opens it), let it decide, save once."""
    at = effective_time(command.at, now)

    def attempt() -> OnsiteChangeResult:
        app.customer(command.customer)
        engagement = engagement_of(app, command.customer)
        if engagement is None and not isinstance(command, KickOff):
            msg = f"{command.customer!r} has no on-site engagement; kick one off first"
            raise NoEngagementError("customer", msg)
        is_new = engagement is None
        if engagement is None:
            engagement = OnSiteEngagement(customer=command.customer, actor=command.actor, effective_at=at)
        recorded = decide(engagement, at)
        if recorded:
            # A new engagement enters the clock index, so `ledger tick` raises its evaluations.
            index = newly_indexed(
                app,
                engagement,
                needed_before=not is_new,
                needs_now=True,
                actor=command.actor,
                effective_at=at,
            )
            app.save(engagement, *index)
        due = engagement.next_evaluation_due()
        return OnsiteChangeResult(
            customer=command.customer,
            change=change,
            at=at,
            details=details(engagement),
            next_evaluation_due=None if due is None else due.isoformat(),
            duplicate=not recorded,
        )

    return retrying(attempt)


# --- the report ----------------------------------------------------------------------------------


def engagement_report(app: LedgerApplication, customer: str, now: datetime) -> OnsiteReport:
    """The latest engagement as an evaluation meeting reads it, judged at ``now``."""
    app.customer(customer)
    engagement = engagement_of(app, customer)
    term = None if engagement is None else engagement.latest()
    if engagement is None or term is None:
        return OnsiteReport(
            customer=customer,
            status="none",
            kicked_off=None,
            ended=None,
            visit_cadence=None,
            evaluation_cadence=None,
            focus_areas=[],
            consultants=[],
            last_evaluation=None,
            next_evaluation_due=None,
            evaluation_due_raised=False,
            since=None,
            visits=[],
            visits_expected=0,
            hours_by_focus_area={},
            hours_by_consultant={},
            hours_total=ZERO,
            evaluations=[],
        )
    in_force = term["ended_at"] is None
    until = now if in_force else term["ended_at"]
    areas = focus_of(term, now) if in_force else list(term["focus"][-1]["focus_areas"])
    evaluations = term["evaluations"]
    since: datetime = evaluations[-1]["effective_at"] if evaluations else term["kickoff_at"]
    visits = sorted(
        (v for v in term["visits"] if v["effective_at"] >= since),
        key=lambda v: (v["effective_at"], v["reference"]),
    )
    by_area = {area: ZERO for area in areas}
    by_consultant: dict[str, Decimal] = {}
    for visit in visits:
        by_area[visit["focus_area"]] = by_area.get(visit["focus_area"], ZERO) + visit["hours"]
        by_consultant[visit["consultant"]] = by_consultant.get(visit["consultant"], ZERO) + visit["hours"]
    return OnsiteReport(
        customer=customer,
        status="in force" if in_force else "ended",
        kicked_off=term["kickoff_at"],
        ended=term["ended_at"],
        visit_cadence=term["visit_cadence"],
        evaluation_cadence=term["evaluation_cadence"],
        focus_areas=areas,
        consultants=sorted(a["consultant"] for a in term["assignments"] if a["until"] is None),
        last_evaluation=_evaluation_json(evaluations[-1]) if evaluations else None,
        next_evaluation_due=term["next_due"] if in_force else None,
        evaluation_due_raised=engagement.evaluation_due_raised(),
        since=since,
        visits=[_visit_json(visit) for visit in visits],
        visits_expected=visits_expected(
            local_date(since), local_date(until), VisitCadence(term["visit_cadence"])
        ),
        hours_by_focus_area=dict(sorted(by_area.items())),
        hours_by_consultant=dict(sorted(by_consultant.items())),
        hours_total=sum((visit["hours"] for visit in visits), ZERO),
        evaluations=[_evaluation_json(evaluation) for evaluation in evaluations],
    )


def _visit_json(visit: dict[str, Any]) -> dict[str, Any]:
    keys = ("effective_at", "consultant", "hours", "focus_area", "reference")
    return {("at" if key == "effective_at" else key): visit[key] for key in keys}


def _evaluation_json(evaluation: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": evaluation["effective_at"],
        "due": evaluation["due"],
        "outcome": evaluation["outcome"],
        "focus_areas": list(evaluation["focus_areas"]),
        "notes": evaluation["notes"],
        "next_due": evaluation["next_due"],
        "by": evaluation["actor"],
    }


# --- due dates: what the clock and the alerts view call ------------------------------------------


def engaged_customers(app: LedgerApplication) -> list[str]:
    """Every customer that ever had an on-site engagement, from the log's ``Opened`` events.

    A scan of one event type (one per customer); a projection can replace it when one exists.
    """
    topic = get_topic(OnSiteEngagement.Opened)
    customers: list[str] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=SCAN_PAGE_SIZE, topics=(topic,))
        for notification in page:
            customers.append(app.mapper.to_domain_event(notification).customer)  # type: ignore[attr-defined]
        if len(customers) > ENGAGEMENTS_LISTED_MAX:
            msg = f"more than {ENGAGEMENTS_LISTED_MAX} customers have on-site engagements"
            raise InvalidInputError("customers", msg)
        if len(page) < SCAN_PAGE_SIZE:
            return sorted(set(customers))
        start = page[-1].id + 1


def evaluations_due(
    app: LedgerApplication, *, until: date, since: date | None = None
) -> list[EvaluationDueItem]:
    """Open engagements whose next evaluation is due in ``since..until`` (both inclusive;
    ``since=None``: also every overdue one), by due date then customer."""
    items: list[EvaluationDueItem] = []
    for customer in engaged_customers(app):
        engagement = engagement_of(app, customer)
        due = None if engagement is None else engagement.next_evaluation_due()
        if engagement is None or due is None or due > until or (since is not None and due < since):
            continue
        items.append(
            EvaluationDueItem(
                customer=customer,
                account_manager=app.customer(customer).account_manager,
                due_date=due.isoformat(),
                raised=engagement.evaluation_due_raised(),
            )
        )
    return sorted(items, key=lambda item: (item.due_date, item.customer))


def raise_evaluation_due(
    app: LedgerApplication, customer: str, due_date: date, actor: str = "clock"
) -> EvaluationDueResult:
    """Record the ``EvaluationDue`` of ``customer``'s engagement for ``due_date``, once."""

    def attempt() -> EvaluationDueResult:
        account_manager = app.customer(customer).account_manager
        engagement = engagement_of(app, customer)
        if engagement is None:
            msg = f"{customer!r} has no on-site engagement; no evaluation is due"
            raise NoEngagementError("customer", msg)
        recorded = engagement.raise_evaluation_due(due_date, actor)
        if recorded:
            app.save(engagement)
        return EvaluationDueResult(
            customer=customer,
            account_manager=account_manager,
            due_date=due_date.isoformat(),
            duplicate=not recorded,
        )

    return retrying(attempt)


def raise_due_evaluations(
    app: LedgerApplication, today: date, actor: str = "clock"
) -> list[EvaluationDueResult]:
    """The due-fact producer: raise every open engagement's evaluation due on or before ``today``
    that was not raised yet; returns only what this call recorded."""
    raised: list[EvaluationDueResult] = []
    for item in evaluations_due(app, until=today):
        if item.raised:
            continue
        result = raise_evaluation_due(app, item.customer, date.fromisoformat(item.due_date), actor)
        if not result.duplicate:
            raised.append(result)
    return raised
