"""On-site engagements: kick-off, consultants, visits, evaluations, and the report.

Evaluations falling due are recorded by the clock (:class:`ledger.commands.tick.EvaluationsDue`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.aggregates.onsite_engagement import OnSiteEngagement, focus_of, local_date
from ledger.commands.clock_index import newly_indexed
from ledger.commands.entitlements import engagement_of
from ledger.commands.models import (
    AssignConsultant,
    EndEngagement,
    Evaluate,
    KickOff,
    LogVisit,
    ReleaseConsultant,
)
from ledger.commands.results import (
    OnsiteChangeResult,
    OnsiteReport,
)
from ledger.domain.cadence import VisitCadence, visits_expected
from ledger.errors import NoEngagementError

if TYPE_CHECKING:
    from ledger.commands.bus import Asked, Context
    from ledger.commands.queries import EngagementReportOf
    from ledger.commands.unit_of_work import Reader, UnitOfWork

ZERO = Decimal("0.00")
SCAN_PAGE_SIZE = 1000
ENGAGEMENTS_LISTED_MAX = 100_000
"""How many customers' on-site records a due-date scan reads before it refuses."""

Decide = Callable[[OnSiteEngagement, datetime], bool]


# --- commands ------------------------------------------------------------------------------------


def kick_off(uow: UnitOfWork, command: KickOff, context: Context) -> OnsiteChangeResult:
    engagement, is_new = _engagement(uow, command.customer, context, opens=True)
    recorded = engagement.kick_off(
        list(command.focus_areas), command.visits, command.evaluation, context.actor, context.at
    )
    return _saved(uow, engagement, recorded, is_new, context, "kick-off", _kickoff_details(engagement))


def assign_consultant(uow: UnitOfWork, command: AssignConsultant, context: Context) -> OnsiteChangeResult:
    engagement, is_new = _engagement(uow, command.customer, context)
    recorded = engagement.assign(command.consultant, context.actor, context.at)
    details = {"consultant": command.consultant}
    return _saved(uow, engagement, recorded, is_new, context, "consultant-assigned", details)


def release_consultant(uow: UnitOfWork, command: ReleaseConsultant, context: Context) -> OnsiteChangeResult:
    engagement, is_new = _engagement(uow, command.customer, context)
    recorded = engagement.release(command.consultant, context.actor, context.at)
    details = {"consultant": command.consultant}
    return _saved(uow, engagement, recorded, is_new, context, "consultant-released", details)


def log_visit(uow: UnitOfWork, command: LogVisit, context: Context) -> OnsiteChangeResult:
    """Record a visit once per reference; a repeat answers with the visit as first recorded."""
    engagement, is_new = _engagement(uow, command.customer, context)
    recorded = engagement.log_visit(
        command.reference, command.consultant, command.hours, command.focus, context.actor, context.at
    )
    visit = engagement.find_visit(command.reference) or {}
    details = {key: visit.get(key) for key in ("reference", "consultant", "hours", "focus_area")}
    return _saved(uow, engagement, recorded, is_new, context, "visit", details)


def evaluate(uow: UnitOfWork, command: Evaluate, context: Context) -> OnsiteChangeResult:
    engagement, is_new = _engagement(uow, command.customer, context)
    areas = None if command.focus_areas is None else list(command.focus_areas)
    recorded = engagement.evaluate(command.outcome.value, areas, command.notes, context.actor, context.at)
    term = engagement.latest()
    last = term["evaluations"][-1] if term is not None else {}
    details = {key: last.get(key) for key in ("outcome", "focus_areas", "notes", "due")}
    return _saved(uow, engagement, recorded, is_new, context, "evaluation", details)


def end_engagement(uow: UnitOfWork, command: EndEngagement, context: Context) -> OnsiteChangeResult:
    engagement, is_new = _engagement(uow, command.customer, context)
    recorded = engagement.end(context.actor, context.at)
    term = engagement.latest()
    details = {"reason": None if term is None else term["end_reason"]}
    return _saved(uow, engagement, recorded, is_new, context, "ended", details)


def _engagement(
    uow: UnitOfWork, customer: str, context: Context, *, opens: bool = False
) -> tuple[OnSiteEngagement, bool]:
    """The customer's on-site record, and whether it is new (only a kick-off opens one)."""
    uow.customer(customer)
    engagement = engagement_of(uow, customer)
    if engagement is not None:
        return engagement, False
    if not opens:
        msg = f"{customer!r} has no on-site engagement; kick one off first"
        raise NoEngagementError("customer", msg)
    return OnSiteEngagement(customer=customer, actor=context.actor, effective_at=context.at), True


def _saved(
    uow: UnitOfWork,
    engagement: OnSiteEngagement,
    recorded: bool,
    is_new: bool,
    context: Context,
    change: str,
    details: dict[str, Any],
) -> OnsiteChangeResult:
    if recorded:
        # A new engagement enters the clock index, so `ledger tick` raises its evaluations.
        index = newly_indexed(
            uow,
            engagement,
            needed_before=not is_new,
            needs_now=True,
            actor=context.actor,
            effective_at=context.at,
        )
        uow.save(engagement, *index)
    due = engagement.next_evaluation_due()
    return OnsiteChangeResult(
        customer=engagement.customer,
        change=change,
        at=context.at,
        details=details,
        next_evaluation_due=None if due is None else due.isoformat(),
        duplicate=not recorded,
    )


def _kickoff_details(engagement: OnSiteEngagement) -> dict[str, Any]:
    term = engagement.latest() or {}
    return {
        "focus_areas": term["focus"][0]["focus_areas"],
        "visit_cadence": term["visit_cadence"],
        "evaluation_cadence": term["evaluation_cadence"],
    }


# --- the report ----------------------------------------------------------------------------------


def engagement_report(app: Reader, query: EngagementReportOf, asked: Asked) -> OnsiteReport:
    """The latest engagement as an evaluation meeting reads it, judged now."""
    customer, now = query.customer, asked.now
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
