"""The on-site engagement of a customer: kick-off, focus areas, consultants, visits, evaluations.

One aggregate per customer (natural id) holds its engagements in order; at most the latest is
open. An engagement starts with a kick-off that fixes the focus areas and the cadences of visits
and evaluations; consultants are assigned and released; visits are the engagement's own log of
presence (who, when, how long, for which focus area). Evaluations (continue / adjust / stop) move
the next due date, adjust changes the focus areas from their moment on, and stop ends the
engagement. The clock records ``EvaluationDue`` once per due date; the next evaluation clears it.

Why facts and structure are ordered differently: visits are often logged days later, so they may
be backdated into any moment the engagement, the consultant and the focus area were in force; an
evaluation or an end may not be backdated past facts it would make untrue (a visit after a stop, a
visit in a focus area an adjust dropped). Visits are not work entries: billable on-site work is
logged with ``work log --kind onsite --focus AREA``, and its payer is decided there.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.aggregates.record import CustomerRecord, Record
from ledger.aggregates.strippenkaart import LedgerInvariantError
from ledger.domain.cadence import EvaluationCadence, EvaluationOutcome, VisitCadence, next_evaluation_due
from ledger.domain.money import format_money
from ledger.domain.names import normalize_label
from ledger.domain.payer import OnsiteFocus
from ledger.domain.time import AMSTERDAM, describe_instant, start_of_day
from ledger.errors import (
    ConsultantNotAssignedError,
    EngagementInForceError,
    HistoryConflictError,
    InvalidInputError,
    NoEngagementError,
    ReferenceConflictError,
)

if TYPE_CHECKING:
    pass

CONTINUE, ADJUST, STOP = (outcome.value for outcome in EvaluationOutcome)
OUTCOMES = (CONTINUE, ADJUST, STOP)
FOCUS_AREAS_MAX = 20
ENGAGEMENTS_MAX = 100
ASSIGNMENTS_MAX = 500
EVALUATIONS_MAX = 400
VISITS_MAX = 10_000
"""Two consultants weekly for fifty years; more is a runaway script."""
HOURS_PER_VISIT_MAX = Decimal("24.00")

Term = dict[str, Any]
"""One engagement, JSON-transcodable for snapshots: kick-off, cadences, ``focus`` changes,
``assignments``, ``visits``, ``evaluations``, ``next_due`` (ISO date), ``dues_raised``, end."""


def local_date(at: datetime) -> date:
    """The Amsterdam calendar date of an instant: due dates are dates there."""
    return at.astimezone(AMSTERDAM).date()


def focus_area_list(areas: list[str] | tuple[str, ...], field: str = "focus_areas") -> list[str]:
    """Normalised, de-duplicated, sorted: the same set always records the same way."""
    normalized = sorted({normalize_label(area, field) for area in areas})
    if not normalized:
        raise InvalidInputError(field, "name at least one focus area")
    if len(normalized) > FOCUS_AREAS_MAX:
        msg = f"{len(normalized)} focus areas; the maximum is {FOCUS_AREAS_MAX}"
        raise InvalidInputError(field, msg)
    return normalized


class OnSiteEngagement(CustomerRecord):
    """A customer's on-site support engagements over time."""

    KIND = "onsite-engagement"

    class Opened(CustomerRecord.Opened):
        """The on-site record of a customer was opened; its first kick-off follows at once."""

    class KickOffHeld(Record.Event):
        """An engagement starts: its focus areas, visit and evaluation cadence, first due date."""

        focus_areas: list[str]
        visit_cadence: str
        evaluation_cadence: str
        next_evaluation_due: str

    class ConsultantAssigned(Record.Event):
        """``consultant`` works on the engagement from ``effective_at`` on."""

        consultant: str

    class ConsultantReleased(Record.Event):
        """``consultant`` no longer works on the engagement from ``effective_at`` on."""

        consultant: str

    class VisitLogged(Record.Event):
        """A consultant was on location for ``hours`` on ``focus_area``; ``reference`` is the key."""

        reference: str
        consultant: str
        hours: Decimal
        focus_area: str

    class EvaluationHeld(Record.Event):
        """The engagement was evaluated: ``focus_areas`` hold from then on; the next due date is
        ``next_evaluation_due`` (None after ``stop``, which an ``Ended`` event follows)."""

        outcome: str
        focus_areas: list[str]
        notes: str
        next_evaluation_due: str | None

    class EvaluationDue(Record.Event):
        """The clock found the evaluation due on ``due_date`` (00:00 Amsterdam): alert once."""

        due_date: str

    class Ended(Record.Event):
        """The engagement ends at ``effective_at``: no visits, no on-site coverage after it."""

        reason: str

    @event(Opened)
    def __init__(self, customer: str, actor: str, effective_at: datetime) -> None:
        self.customer = customer
        self.engagements: list[Term] = []

    # --- questions -----------------------------------------------------------------------------

    def latest(self) -> Term | None:
        return self.engagements[-1] if self.engagements else None

    def open_term(self) -> Term | None:
        """The engagement not yet ended, if any."""
        term = self.latest()
        return term if term is not None and term["ended_at"] is None else None

    def term_at(self, at: datetime) -> Term | None:
        """The engagement in force at ``at`` (kicked off by then and not yet ended)."""
        for term in reversed(self.engagements):
            if term["kickoff_at"] <= at and (term["ended_at"] is None or at < term["ended_at"]):
                return term
        return None

    def focus_at(self, at: datetime) -> tuple[str, ...] | None:
        """The focus areas in force at ``at``; None when no engagement is."""
        term = self.term_at(at)
        return None if term is None else tuple(focus_of(term, at))

    def onsite_focus(self, at: datetime) -> OnsiteFocus | None:
        """What the payer resolution needs: the focus areas in force at ``at`` and which engagement."""
        term = self.term_at(at)
        if term is None:
            return None
        engagement = f"kicked off {local_date(term['kickoff_at']).isoformat()}"
        return OnsiteFocus(tuple(focus_of(term, at)), engagement)

    def next_evaluation_due(self) -> date | None:
        """When the open engagement's next evaluation is due; None without one."""
        term = self.open_term()
        return None if term is None else date.fromisoformat(term["next_due"])

    def evaluation_due_raised(self) -> bool:
        """The clock raised the open engagement's current due date and no evaluation cleared it."""
        term = self.open_term()
        return term is not None and term["next_due"] in term["dues_raised"]

    def find_visit(self, reference: str) -> Term | None:
        for term in self.engagements:
            for visit in term["visits"]:
                if visit["reference"] == reference:
                    return dict(visit)
        return None

    # --- decisions: validate, then record; False means "exactly this is already recorded" -------

    def kick_off(
        self,
        focus_areas: list[str] | tuple[str, ...],
        visit_cadence: VisitCadence,
        evaluation_cadence: EvaluationCadence,
        actor: str,
        effective_at: datetime,
    ) -> bool:
        areas = focus_area_list(focus_areas)
        wanted = (effective_at, areas, visit_cadence.value, evaluation_cadence.value)
        for term in self.engagements:
            if (term["kickoff_at"], term["focus"][0]["focus_areas"], *term_cadences(term)) == wanted:
                return False
        latest = self.latest()
        if latest is not None and latest["ended_at"] is None:
            msg = (
                f"an on-site engagement of {self.customer!r} is in force since "
                f"{describe_instant(latest['kickoff_at'])}; end it (or evaluate with outcome stop) first"
            )
            raise EngagementInForceError("at", msg)
        if latest is not None and effective_at < latest["ended_at"]:
            msg = (
                f"a kick-off at {describe_instant(effective_at)} precedes the end of the previous "
                f"engagement at {describe_instant(latest['ended_at'])}"
            )
            raise HistoryConflictError("at", msg)
        if len(self.engagements) >= ENGAGEMENTS_MAX:
            raise InvalidInputError("at", f"{self.customer!r} already has {ENGAGEMENTS_MAX} engagements")
        due = next_evaluation_due(local_date(effective_at), None, evaluation_cadence)
        self._kick_off_held(
            focus_areas=areas,
            visit_cadence=visit_cadence.value,
            evaluation_cadence=evaluation_cadence.value,
            next_evaluation_due=due.isoformat(),
            actor=actor,
            effective_at=effective_at,
        )
        return True

    def assign(self, consultant: str, actor: str, effective_at: datetime) -> bool:
        term = self._open_at(effective_at, "at")
        mine = [a for a in term["assignments"] if a["consultant"] == consultant]
        if mine and mine[-1]["until"] is None:
            return False  # already assigned: nothing new to record
        if mine and effective_at < mine[-1]["until"]:
            msg = (
                f"assigning {consultant!r} at {describe_instant(effective_at)} precedes their "
                f"release at {describe_instant(mine[-1]['until'])}"
            )
            raise HistoryConflictError("at", msg)
        if len(term["assignments"]) >= ASSIGNMENTS_MAX:
            raise InvalidInputError("consultant", f"the engagement already has {ASSIGNMENTS_MAX} assignments")
        self._consultant_assigned(consultant=consultant, actor=actor, effective_at=effective_at)
        return True

    def release(self, consultant: str, actor: str, effective_at: datetime) -> bool:
        latest = self.latest()
        mine = [a for a in latest["assignments"] if a["consultant"] == consultant] if latest else []
        if mine and mine[-1]["until"] == effective_at:
            return False
        term = self._open_at(effective_at, "at")
        if not mine or mine[-1]["until"] is not None:
            raise self._not_assigned(term, consultant, effective_at)
        if effective_at < mine[-1]["from"]:
            msg = (
                f"releasing {consultant!r} at {describe_instant(effective_at)} precedes their "
                f"assignment at {describe_instant(mine[-1]['from'])}"
            )
            raise HistoryConflictError("at", msg)
        later = [
            v for v in term["visits"] if v["consultant"] == consultant and v["effective_at"] >= effective_at
        ]
        if later:
            msg = (
                f"releasing {consultant!r} at {describe_instant(effective_at)} contradicts their visit "
                f"{later[0]['reference']!r} at {describe_instant(later[0]['effective_at'])}"
            )
            raise HistoryConflictError("at", msg)
        self._consultant_released(consultant=consultant, actor=actor, effective_at=effective_at)
        return True

    def log_visit(
        self,
        reference: str,
        consultant: str,
        hours: Decimal,
        focus_area: str,
        actor: str,
        effective_at: datetime,
    ) -> bool:
        area = normalize_label(focus_area, "focus")
        existing = self.find_visit(reference)
        if existing is not None:
            if (
                existing["consultant"],
                existing["hours"],
                existing["focus_area"],
                existing["effective_at"],
            ) == (
                consultant,
                hours,
                area,
                effective_at,
            ):
                return False
            detail = (
                f"a visit by {existing['consultant']} on {describe_instant(existing['effective_at'])} "
                f"({format_money(existing['hours'])} h, {existing['focus_area']})"
            )
            raise ReferenceConflictError("reference", reference, detail)
        if hours > HOURS_PER_VISIT_MAX:
            raise InvalidInputError(
                "hours", f"{format_money(hours)} h is more than a day ({HOURS_PER_VISIT_MAX} h)"
            )
        term = self.term_at(effective_at)
        if term is None:
            raise self._no_engagement(effective_at, "at")
        if not assigned_at(term, consultant, effective_at):
            raise self._not_assigned(term, consultant, effective_at)
        areas = focus_of(term, effective_at)
        if area not in areas:
            msg = (
                f"{area!r} is not a focus area of the on-site engagement of {self.customer!r} at "
                f"{describe_instant(effective_at)} (focus areas: {', '.join(areas)}); "
                "log other on-site work with 'work log --kind onsite'"
            )
            raise InvalidInputError("focus", msg)
        if sum(len(t["visits"]) for t in self.engagements) >= VISITS_MAX:
            raise InvalidInputError("reference", f"{self.customer!r} already has {VISITS_MAX} visits")
        self._visit_logged(
            reference=reference,
            consultant=consultant,
            hours=hours,
            focus_area=area,
            actor=actor,
            effective_at=effective_at,
        )
        return True

    def evaluate(
        self,
        outcome: str,
        focus_areas: list[str] | tuple[str, ...] | None,
        notes: str,
        actor: str,
        effective_at: datetime,
    ) -> bool:
        if outcome not in OUTCOMES:
            raise InvalidInputError("outcome", f"{outcome!r} is not one of {', '.join(OUTCOMES)}")
        latest = self.latest()
        if latest is not None and latest["evaluations"]:
            last = latest["evaluations"][-1]
            given = None if focus_areas is None else focus_area_list(focus_areas)
            same_focus = given is None or given == last["focus_areas"]
            if (last["effective_at"], last["outcome"], last["notes"]) == (
                effective_at,
                outcome,
                notes,
            ) and same_focus:
                return False
        term = self._open_at(effective_at, "at")
        areas = self._evaluated_focus(term, outcome, focus_areas, effective_at)
        self._check_evaluation_order(term, outcome, areas, effective_at)
        due = None
        if outcome != STOP:
            kickoff = local_date(term["kickoff_at"])
            cadence = EvaluationCadence(term["evaluation_cadence"])
            due = next_evaluation_due(kickoff, local_date(effective_at), cadence).isoformat()
        self._evaluation_held(
            outcome=outcome,
            focus_areas=areas,
            notes=notes,
            next_evaluation_due=due,
            actor=actor,
            effective_at=effective_at,
        )
        if outcome == STOP:
            reason = f"stopped at the evaluation of {describe_instant(effective_at)}"
            self._ended(reason=reason, actor=actor, effective_at=effective_at)
        return True

    def end(self, actor: str, effective_at: datetime) -> bool:
        latest = self.latest()
        if latest is not None and latest["ended_at"] == effective_at:
            return False
        term = self._open_at(effective_at, "at")
        self._check_nothing_after(term, effective_at, "ending the engagement")
        self._ended(reason="ended", actor=actor, effective_at=effective_at)
        return True

    def raise_evaluation_due(self, due_date: date, actor: str = "clock") -> bool:
        """Record that the open engagement's evaluation is due on ``due_date``, once per date.

        False when that date was raised already; an error when it is not the engagement's
        current due date (an evaluation moved it, or there is no open engagement).
        """
        term = self.open_term()
        if term is None:
            raise NoEngagementError(
                "due_date", f"{self.customer!r} has no on-site engagement in force; no evaluation is due"
            )
        wanted = due_date.isoformat()
        if wanted in term["dues_raised"]:
            return False
        if wanted != term["next_due"]:
            msg = f"the next evaluation of {self.customer!r} is due {term['next_due']}, not {wanted}"
            raise InvalidInputError("due_date", msg)
        self._evaluation_due(due_date=wanted, actor=actor, effective_at=start_of_day(due_date))
        return True

    # --- checks --------------------------------------------------------------------------------

    def _open_at(self, at: datetime, field: str) -> Term:
        term = self.open_term()
        if term is None or at < term["kickoff_at"]:
            raise self._no_engagement(at, field)
        return term

    def _no_engagement(self, at: datetime, field: str) -> NoEngagementError:
        when = describe_instant(at)
        msg = f"no on-site engagement of {self.customer!r} is in force at {when}; kick one off first"
        return NoEngagementError(field, msg)

    def _not_assigned(self, term: Term, consultant: str, at: datetime) -> ConsultantNotAssignedError:
        names = sorted(
            {a["consultant"] for a in term["assignments"] if assigned_at(term, a["consultant"], at)}
        )
        msg = (
            f"{consultant!r} is not assigned to the on-site engagement of {self.customer!r} at "
            f"{describe_instant(at)} (assigned: {', '.join(names) or 'nobody'})"
        )
        return ConsultantNotAssignedError("consultant", msg)

    def _evaluated_focus(
        self, term: Term, outcome: str, focus_areas: list[str] | tuple[str, ...] | None, at: datetime
    ) -> list[str]:
        current = focus_of(term, at)
        if outcome == ADJUST:
            if focus_areas is None:
                raise InvalidInputError("focus_areas", "an adjust names the new focus areas")
            areas = focus_area_list(focus_areas)
            if areas == current:
                raise InvalidInputError(
                    "focus_areas", "the focus areas are unchanged: that is outcome continue"
                )
            return areas
        if focus_areas is not None and focus_area_list(focus_areas) != current:
            raise InvalidInputError(
                "focus_areas", f"outcome {outcome} keeps the focus areas; use adjust to change them"
            )
        return current

    def _check_evaluation_order(self, term: Term, outcome: str, areas: list[str], at: datetime) -> None:
        previous = term["evaluations"][-1]["effective_at"] if term["evaluations"] else term["kickoff_at"]
        if at <= previous:
            msg = (
                f"an evaluation at {describe_instant(at)} is not after the last one "
                f"({describe_instant(previous)})"
            )
            raise HistoryConflictError("at", msg)
        if len(term["evaluations"]) >= EVALUATIONS_MAX:
            raise InvalidInputError("at", f"the engagement already has {EVALUATIONS_MAX} evaluations")
        if outcome == STOP:
            self._check_nothing_after(term, at, "stopping the engagement")
        for visit in term["visits"]:
            if visit["effective_at"] >= at and visit["focus_area"] not in areas:
                msg = (
                    f"adjusting the focus areas at {describe_instant(at)} would drop "
                    f"{visit['focus_area']!r}, the focus of visit {visit['reference']!r} at "
                    f"{describe_instant(visit['effective_at'])}"
                )
                raise HistoryConflictError("at", msg)

    def _check_nothing_after(self, term: Term, at: datetime, doing: str) -> None:
        later = [v["effective_at"] for v in term["visits"] if v["effective_at"] >= at]
        later += [a["from"] for a in term["assignments"] if a["from"] > at]
        if later:
            latest = describe_instant(max(later))
            msg = f"{doing} at {describe_instant(at)} contradicts what is recorded for {latest}"
            raise HistoryConflictError("at", msg)

    # --- mutators: replayed on every load, so they only apply and re-check ---------------------

    @event(KickOffHeld)
    def _kick_off_held(
        self,
        focus_areas: list[str],
        visit_cadence: str,
        evaluation_cadence: str,
        next_evaluation_due: str,
        actor: str,
        effective_at: datetime,
    ) -> None:
        self.engagements.append(
            {
                "kickoff_at": effective_at,
                "kickoff_actor": actor,
                "visit_cadence": visit_cadence,
                "evaluation_cadence": evaluation_cadence,
                "focus": [{"effective_at": effective_at, "focus_areas": list(focus_areas)}],
                "assignments": [],
                "visits": [],
                "evaluations": [],
                "next_due": next_evaluation_due,
                "dues_raised": [],
                "ended_at": None,
                "end_reason": None,
            }
        )

    @event(ConsultantAssigned)
    def _consultant_assigned(self, consultant: str, actor: str, effective_at: datetime) -> None:
        self._term()["assignments"].append(
            {"consultant": consultant, "from": effective_at, "until": None, "actor": actor}
        )

    @event(ConsultantReleased)
    def _consultant_released(self, consultant: str, actor: str, effective_at: datetime) -> None:
        for assignment in reversed(self._term()["assignments"]):
            if assignment["consultant"] == consultant and assignment["until"] is None:
                assignment["until"] = effective_at
                return
        msg = f"on-site engagement of {self.customer!r}: release of {consultant!r} who was not assigned"
        raise LedgerInvariantError(msg)

    @event(VisitLogged)
    def _visit_logged(
        self,
        reference: str,
        consultant: str,
        hours: Decimal,
        focus_area: str,
        actor: str,
        effective_at: datetime,
    ) -> None:
        if hours <= 0:
            msg = f"on-site engagement of {self.customer!r}: visit {reference!r} has {hours} hours"
            raise LedgerInvariantError(msg)
        term = self.term_at(effective_at) or self._term()
        term["visits"].append(
            {
                "reference": reference,
                "consultant": consultant,
                "hours": hours,
                "focus_area": focus_area,
                "actor": actor,
                "effective_at": effective_at,
            }
        )

    @event(EvaluationHeld)
    def _evaluation_held(
        self,
        outcome: str,
        focus_areas: list[str],
        notes: str,
        next_evaluation_due: str | None,
        actor: str,
        effective_at: datetime,
    ) -> None:
        term = self._term()
        term["evaluations"].append(
            {
                "effective_at": effective_at,
                "outcome": outcome,
                "focus_areas": list(focus_areas),
                "notes": notes,
                "actor": actor,
                "due": term["next_due"],
                "next_due": next_evaluation_due,
            }
        )
        if focus_areas != term["focus"][-1]["focus_areas"]:
            term["focus"].append({"effective_at": effective_at, "focus_areas": list(focus_areas)})
        if next_evaluation_due is not None:
            term["next_due"] = next_evaluation_due

    @event(EvaluationDue)
    def _evaluation_due(self, due_date: str, actor: str, effective_at: datetime) -> None:
        self._term()["dues_raised"].append(due_date)

    @event(Ended)
    def _ended(self, reason: str, actor: str, effective_at: datetime) -> None:
        term = self._term()
        term["ended_at"] = effective_at
        term["end_reason"] = reason
        for assignment in term["assignments"]:
            if assignment["until"] is None:
                assignment["until"] = effective_at

    def _term(self) -> Term:
        if not self.engagements:
            msg = f"on-site engagement of {self.customer!r}: an event before any kick-off"
            raise LedgerInvariantError(msg)
        term: Term = self.engagements[-1]
        return term


def term_cadences(term: Term) -> tuple[str, str]:
    return term["visit_cadence"], term["evaluation_cadence"]


def focus_of(term: Term, at: datetime) -> list[str]:
    """The focus areas of ``term`` at ``at``: the latest change effective by then."""
    areas: list[str] = term["focus"][0]["focus_areas"]
    for change in term["focus"]:
        if change["effective_at"] <= at:
            areas = change["focus_areas"]
    return list(areas)


def assigned_at(term: Term, consultant: str, at: datetime) -> bool:
    return any(
        a["consultant"] == consultant and a["from"] <= at and (a["until"] is None or at < a["until"])
        for a in term["assignments"]
    )
