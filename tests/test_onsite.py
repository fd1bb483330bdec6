"""On-site engagements on SQLite and PostgreSQL: the rules, who pays, and evaluations falling due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledger import (
    ConsultantNotAssignedError,
    EngagementInForceError,
    HistoryConflictError,
    InvalidInputError,
    Ledger,
    NoEngagementError,
    ReferenceConflictError,
)
from ledger.aggregates.onsite_engagement import OnSiteEngagement
from tests.support import FakeClock, event_count

D = Decimal


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def acme(ledger: Ledger, clock: FakeClock) -> Ledger:
    clock.now = moment("2026-12-31T12:00:00+01:00")
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries", at="2026-01-01")
    ledger.buy_card("acme", amount="5000.00", reference="ORD-1", at="2026-01-01")
    return ledger


@pytest.fixture
def engaged(acme: Ledger) -> Ledger:
    acme.kick_off(
        "acme",
        focus_areas=["Werkplekken", " network"],
        visits="biweekly",
        evaluation="quarterly",
        at="2026-08-31T10:00:00+02:00",
    )
    acme.assign_consultant("acme", consultant="Jan Jansen", at="2026-08-31T11:00:00+02:00")
    return acme


# --- kick-off, consultants, visits ---------------------------------------------------------------


def test_a_kick_off_fixes_focus_areas_cadences_and_the_first_due_date(engaged: Ledger) -> None:
    report = engaged.onsite_report("acme")
    assert (report.status, report.focus_areas, report.visit_cadence, report.evaluation_cadence) == (
        "in force",
        ["network", "werkplekken"],
        "biweekly",
        "quarterly",
    )
    assert (report.consultants, report.next_evaluation_due, report.last_evaluation) == (
        ["Jan Jansen"],
        "2026-11-30",
        None,
    )


def test_the_same_kick_off_twice_records_once(engaged: Ledger) -> None:
    before = event_count(engaged)
    again = engaged.kick_off(
        "acme",
        focus_areas=["network", "werkplekken"],
        visits="biweekly",
        evaluation="quarterly",
        at="2026-08-31T10:00:00+02:00",
    )
    assert again.duplicate
    assert event_count(engaged) == before


def test_a_second_kick_off_while_one_is_in_force_is_refused(engaged: Ledger) -> None:
    before = event_count(engaged)
    with pytest.raises(EngagementInForceError, match="in force since 2026-08-31 10:00"):
        engaged.kick_off("acme", focus_areas=["security"], visits="weekly", evaluation="half-yearly")
    assert event_count(engaged) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"focus_areas": []}, InvalidInputError, "focus_areas: name at least one focus area"),
        ({"visits": "daily"}, InvalidInputError, "visits"),
        ({"evaluation": "yearly"}, InvalidInputError, "evaluation"),
        ({"at": "2027-06-01"}, InvalidInputError, "in the future"),
    ],
)
def test_a_bad_kick_off_writes_nothing(
    acme: Ledger, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    values: dict[str, Any] = {"focus_areas": ["network"], "visits": "weekly", "evaluation": "quarterly"}
    before = event_count(acme)
    with pytest.raises(error, match=message):
        acme.kick_off("acme", **(values | kwargs))
    assert event_count(acme) == before


def test_nothing_happens_on_site_before_a_kick_off(acme: Ledger) -> None:
    with pytest.raises(NoEngagementError, match="kick one off first"):
        acme.assign_consultant("acme", consultant="Jan Jansen")
    assert acme.tick().recorded["evaluation-due"] == 0
    assert acme.onsite_report("acme").status == "none"


def test_a_visit_is_recorded_once_per_reference(engaged: Ledger) -> None:
    visit = {"consultant": "Jan Jansen", "hours": "7.5", "focus": "Network", "reference": "V-1"}
    first = engaged.log_visit("acme", **visit, at="2026-09-02T09:00:00+02:00")
    before = event_count(engaged)
    again = engaged.log_visit("acme", **visit, at="2026-09-02T09:00:00+02:00")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.details == {
        "reference": "V-1",
        "consultant": "Jan Jansen",
        "hours": D("7.50"),
        "focus_area": "network",
    }
    with pytest.raises(ReferenceConflictError, match="reference: 'V-1' was already used for a visit by Jan"):
        engaged.log_visit("acme", **(visit | {"hours": "8"}), at="2026-09-02T09:00:00+02:00")
    assert event_count(engaged) == before


@pytest.mark.parametrize(
    ("visit", "error", "message"),
    [
        (
            {"consultant": "Eva de Boer"},
            ConsultantNotAssignedError,
            r"not assigned .* \(assigned: Jan Jansen\)",
        ),
        ({"focus": "security"}, InvalidInputError, "'security' is not a focus area .* network, werkplekken"),
        (
            {"at": "2026-08-30"},
            NoEngagementError,
            "no on-site engagement of 'acme' is in force at 2026-08-30",
        ),
        ({"at": "2026-08-31T10:30:00+02:00"}, ConsultantNotAssignedError, "not assigned"),
        ({"hours": "25"}, InvalidInputError, "hours: 25.00 h is more than a day"),
        ({"hours": "0"}, InvalidInputError, "hours"),
    ],
)
def test_a_visit_outside_the_engagement_writes_nothing(
    engaged: Ledger, visit: dict[str, Any], error: type[Exception], message: str
) -> None:
    values: dict[str, Any] = {
        "consultant": "Jan Jansen",
        "hours": "4",
        "focus": "network",
        "reference": "V-9",
        "at": "2026-09-02",
    }
    before = event_count(engaged)
    with pytest.raises(error, match=message):
        engaged.log_visit("acme", **(values | visit))
    assert event_count(engaged) == before


def test_a_released_consultant_cannot_visit_and_a_release_cannot_precede_their_visits(
    engaged: Ledger,
) -> None:
    engaged.log_visit(
        "acme", consultant="Jan Jansen", hours="4", focus="network", reference="V-1", at="2026-09-10"
    )
    with pytest.raises(HistoryConflictError, match="contradicts their visit 'V-1'"):
        engaged.release_consultant("acme", consultant="Jan Jansen", at="2026-09-05")
    released = engaged.release_consultant("acme", consultant="Jan Jansen", at="2026-09-15")
    assert not released.duplicate
    assert engaged.release_consultant("acme", consultant="Jan Jansen", at="2026-09-15").duplicate
    with pytest.raises(ConsultantNotAssignedError, match="assigned: nobody"):
        engaged.log_visit(
            "acme", consultant="Jan Jansen", hours="4", focus="network", reference="V-2", at="2026-09-16"
        )
    with pytest.raises(ConsultantNotAssignedError):
        engaged.release_consultant("acme", consultant="Jan Jansen", at="2026-09-20")
    # a visit logged late, while Jan was still assigned, is fine
    engaged.log_visit(
        "acme", consultant="Jan Jansen", hours="2", focus="network", reference="V-3", at="2026-09-14"
    )
    assert engaged.onsite_report("acme").consultants == []


# --- evaluations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"outcome": "adjust"}, InvalidInputError, "focus_areas: an adjust names the new focus areas"),
        (
            {"outcome": "adjust", "focus_areas": ["werkplekken", "network"]},
            InvalidInputError,
            "unchanged: that is outcome continue",
        ),
        ({"outcome": "continue", "focus_areas": ["security"]}, InvalidInputError, "use adjust"),
        ({"outcome": "stop", "focus_areas": ["security"]}, InvalidInputError, "use adjust"),
        ({"outcome": "pause"}, InvalidInputError, "outcome"),
        ({"outcome": "continue", "at": "2026-08-31T09:00:00+02:00"}, NoEngagementError, "in force"),
        ({"outcome": "continue", "at": "2026-08-31T10:00:00+02:00"}, HistoryConflictError, "not after"),
    ],
)
def test_a_bad_evaluation_writes_nothing(
    engaged: Ledger, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    before = event_count(engaged)
    with pytest.raises(error, match=message):
        engaged.evaluate("acme", **({"at": "2026-11-30"} | kwargs))
    assert event_count(engaged) == before


def test_an_adjust_cannot_be_backdated_past_a_visit_in_an_area_it_drops(engaged: Ledger) -> None:
    engaged.log_visit(
        "acme", consultant="Jan Jansen", hours="4", focus="werkplekken", reference="V-1", at="2026-11-20"
    )
    with pytest.raises(HistoryConflictError, match="would drop 'werkplekken', the focus of visit 'V-1'"):
        engaged.evaluate("acme", outcome="adjust", focus_areas=["network"], at="2026-11-15")
    engaged.evaluate("acme", outcome="adjust", focus_areas=["network"], at="2026-11-30")
    assert engaged.onsite_report("acme").focus_areas == ["network"]


def test_the_same_evaluation_twice_records_once(engaged: Ledger) -> None:
    engaged.evaluate("acme", outcome="continue", notes="going well", at="2026-11-30T14:00:00+01:00")
    before = event_count(engaged)
    again = engaged.evaluate("acme", outcome="continue", notes="going well", at="2026-11-30T14:00:00+01:00")
    assert (again.duplicate, again.next_evaluation_due) == (True, "2027-02-28")
    assert event_count(engaged) == before


def test_stop_ends_the_engagement_at_its_moment(engaged: Ledger) -> None:
    engaged.log_visit(
        "acme", consultant="Jan Jansen", hours="4", focus="network", reference="V-1", at="2026-09-10"
    )
    with pytest.raises(HistoryConflictError, match="stopping the engagement at 2026-09-01"):
        engaged.evaluate("acme", outcome="stop", at="2026-09-01")
    stopped = engaged.evaluate("acme", outcome="stop", notes="budget", at="2026-11-30")
    assert stopped.next_evaluation_due is None
    report = engaged.onsite_report("acme")
    assert (report.status, report.next_evaluation_due, report.consultants) == ("ended", None, [])
    assert report.ended == moment("2026-11-30T00:00:00+01:00")
    with pytest.raises(NoEngagementError):
        engaged.log_visit(
            "acme", consultant="Jan Jansen", hours="4", focus="network", reference="V-2", at="2026-12-01"
        )
    with pytest.raises(NoEngagementError):
        engaged.end_engagement("acme", at="2026-12-01")
    after = engaged.log_work("acme", ticket="O-1", hours="1", kind="onsite", focus="network", at="2026-12-01")
    before = engaged.log_work(
        "acme", ticket="O-2", hours="1", kind="onsite", focus="network", at="2026-11-29"
    )
    assert (after.payer, before.payer) == ("strippenkaart", "onsite")


def test_a_new_engagement_can_start_after_the_last_one_ended(engaged: Ledger) -> None:
    engaged.end_engagement("acme", at="2026-10-01")
    with pytest.raises(HistoryConflictError, match="precedes the end of the previous engagement"):
        engaged.kick_off(
            "acme", focus_areas=["security"], visits="monthly", evaluation="half-yearly", at="2026-09-01"
        )
    engaged.kick_off(
        "acme", focus_areas=["security"], visits="monthly", evaluation="half-yearly", at="2026-10-15"
    )
    report = engaged.onsite_report("acme")
    assert (report.focus_areas, report.next_evaluation_due, report.consultants) == (
        ["security"],
        "2027-04-15",
        [],
    )
    # work in the first engagement is still judged by it
    old = engaged.log_work("acme", ticket="O-1", hours="1", kind="onsite", focus="network", at="2026-09-10")
    gap = engaged.log_work("acme", ticket="O-2", hours="1", kind="onsite", focus="security", at="2026-10-05")
    assert (old.payer, gap.payer) == ("onsite", "strippenkaart")


# --- who pays ------------------------------------------------------------------------------------


def test_onsite_work_within_the_focus_areas_is_paid_by_the_engagement(engaged: Ledger) -> None:
    work = engaged.log_work(
        "acme", ticket="O-1", hours="3", kind="onsite", focus="Network", at="2026-09-02T10:00:00+02:00"
    )
    assert (work.payer, work.debited, work.invoiceable, work.balance) == (
        "onsite",
        D("0"),
        D("0"),
        D("5000.00"),
    )
    assert (
        work.reason
        == "on-site work in focus area 'network' of the on-site engagement (kicked off 2026-08-31)"
    )
    assert work.derivation["entitlements"]["focus"] == "network"
    assert work.derivation["entitlements"]["onsite_focus_areas"] == ["network", "werkplekken"]
    assert engaged.balance("acme").balance == D("5000.00")


@pytest.mark.parametrize(
    ("work", "reason"),
    [
        ({"kind": "onsite", "focus": "security"}, "outside the focus areas"),
        ({"kind": "onsite"}, "no focus area named"),
        ({"kind": "onsite", "focus": "network", "at": "2026-08-30"}, "before the kick-off"),
    ],
)
def test_onsite_work_outside_the_focus_areas_is_paid_from_the_card(
    engaged: Ledger, work: dict[str, Any], reason: str
) -> None:
    entry = engaged.log_work("acme", ticket="O-1", hours="2", **({"at": "2026-09-02"} | work))
    assert (entry.payer, entry.debited) == ("strippenkaart", D("250.00")), reason
    assert engaged.balance("acme").balance == D("4750.00")


def test_only_onsite_work_names_a_focus_area(engaged: Ledger) -> None:
    before = event_count(engaged)
    with pytest.raises(InvalidInputError, match="focus: only on-site work"):
        engaged.log_work("acme", ticket="R-1", hours="2", kind="rfc", focus="network", at="2026-09-02")
    assert event_count(engaged) == before


def test_a_beheerpack_on_the_component_comes_before_the_engagement(engaged: Ledger) -> None:
    engaged.add_pack("acme", pack="netwerk", components=["network"], effective_from="2026-01-01")
    work = engaged.log_work(
        "acme", ticket="O-1", hours="2", kind="onsite", component="network", focus="network", at="2026-09-02"
    )
    assert work.payer == "beheerpack"


def test_the_entitlement_check_shows_the_focus_areas_in_force(engaged: Ledger) -> None:
    assert engaged.entitlement("acme", at="2026-08-30").onsite_focus_areas is None
    assert engaged.entitlement("acme", at="2026-09-01").onsite_focus_areas == ["network", "werkplekken"]


# --- evaluation due: once per due date, cleared by the evaluation --------------------------------


YEAR: list[tuple[str, str, dict[str, Any]]] = [
    (
        "2026-08-31T10:00:00+02:00",
        "kick_off",
        {"focus_areas": ["werkplekken", "network"], "visits": "biweekly", "evaluation": "quarterly"},
    ),
    ("2026-08-31T11:00:00+02:00", "assign_consultant", {"consultant": "Jan Jansen"}),
    ("2026-09-01T09:00:00+02:00", "assign_consultant", {"consultant": "Eva de Boer"}),
    (
        "2026-09-02T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "8", "focus": "werkplekken", "reference": "V-01"},
    ),
    (
        "2026-09-16T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "6", "focus": "network", "reference": "V-02"},
    ),
    (
        "2026-09-30T17:00:00+02:00",
        "log_visit",
        {"consultant": "Eva de Boer", "hours": "4", "focus": "network", "reference": "V-03"},
    ),
    (
        "2026-10-14T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "7.5", "focus": "werkplekken", "reference": "V-04"},
    ),
    (
        "2026-11-11T17:00:00+01:00",
        "log_visit",
        {"consultant": "Eva de Boer", "hours": "3.25", "focus": "network", "reference": "V-05"},
    ),
    ("2026-11-30T14:00:00+01:00", "evaluate", {"outcome": "continue", "notes": "on track"}),
    (
        "2026-12-09T17:00:00+01:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "8", "focus": "werkplekken", "reference": "V-06"},
    ),
    (
        "2027-01-13T17:00:00+01:00",
        "log_visit",
        {"consultant": "Eva de Boer", "hours": "6", "focus": "network", "reference": "V-07"},
    ),
    ("2027-01-31T12:00:00+01:00", "release_consultant", {"consultant": "Eva de Boer"}),
    ("2027-02-01T09:00:00+01:00", "assign_consultant", {"consultant": "Piet Bakker"}),
    (
        "2027-02-10T17:00:00+01:00",
        "log_visit",
        {"consultant": "Piet Bakker", "hours": "5", "focus": "network", "reference": "V-08"},
    ),
    (
        "2027-02-26T14:00:00+01:00",
        "evaluate",
        {
            "outcome": "adjust",
            "focus_areas": ["network", "security"],
            "notes": "werkplekken done; start security",
        },
    ),
    (
        "2027-03-10T17:00:00+01:00",
        "log_visit",
        {"consultant": "Piet Bakker", "hours": "6", "focus": "security", "reference": "V-09"},
    ),
    (
        "2027-04-07T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "7", "focus": "network", "reference": "V-10"},
    ),
    (
        "2027-05-05T17:00:00+02:00",
        "log_visit",
        {"consultant": "Piet Bakker", "hours": "4.5", "focus": "security", "reference": "V-11"},
    ),
    ("2027-06-02T14:00:00+02:00", "evaluate", {"outcome": "continue", "notes": "held late"}),
    (
        "2027-06-16T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "8", "focus": "network", "reference": "V-12"},
    ),
    (
        "2027-07-14T17:00:00+02:00",
        "log_visit",
        {"consultant": "Piet Bakker", "hours": "6", "focus": "security", "reference": "V-13"},
    ),
    (
        "2027-08-11T17:00:00+02:00",
        "log_visit",
        {"consultant": "Jan Jansen", "hours": "7", "focus": "network", "reference": "V-14"},
    ),
    ("2027-09-30T14:00:00+02:00", "evaluate", {"outcome": "continue", "notes": "a good year"}),
]

# What each evaluation meeting saw just before it: hours per focus area since the last evaluation,
# total hours, visits, the visits the cadence expected, the consultants, and the alert.
MEETINGS = [
    ({"network": "13.25", "werkplekken": "15.50"}, "28.75", 5, 6, ["Eva de Boer", "Jan Jansen"], True),
    ({"network": "11.00", "werkplekken": "8.00"}, "19.00", 3, 6, ["Jan Jansen", "Piet Bakker"], False),
    ({"network": "7.00", "security": "10.50"}, "17.50", 3, 6, ["Jan Jansen", "Piet Bakker"], True),
    ({"network": "15.00", "security": "6.00"}, "21.00", 3, 8, ["Jan Jansen", "Piet Bakker"], True),
]

EVALUATIONS = [
    # due         held (Amsterdam)             outcome     focus areas from then on   next due
    ("2026-11-30", "2026-11-30T14:00:00+01:00", "continue", ["network", "werkplekken"], "2027-02-28"),
    ("2027-02-28", "2027-02-26T14:00:00+01:00", "adjust", ["network", "security"], "2027-05-31"),
    ("2027-05-31", "2027-06-02T14:00:00+02:00", "continue", ["network", "security"], "2027-09-30"),
    ("2027-09-30", "2027-09-30T14:00:00+02:00", "continue", ["network", "security"], "2027-12-31"),
]


def test_a_year_of_an_engagement(acme: Ledger, clock: FakeClock) -> None:
    """Recorded as it happens, with the clock ticking every morning; the meetings' data, the
    evaluations and the alerts come out as written here."""
    script = [(moment(at), action, kwargs) for at, action, kwargs in YEAR]
    day, raised, meetings = date(2026, 8, 31), [], []
    while day <= date(2027, 10, 1):
        clock.now = moment(f"{day.isoformat()}T06:00:00+00:00")
        ticked = acme.tick().items
        raised += [(i.reference, day.isoformat()) for i in ticked if i.kind == "evaluation-due"]
        while script and script[0][0].date() == day:
            at, action, kwargs = script.pop(0)
            clock.now = at
            if action == "evaluate":
                meetings.append(acme.onsite_report("acme"))
            getattr(acme, action)("acme", at=at, **kwargs)
        day = date.fromordinal(day.toordinal() + 1)
    assert script == []

    # the clock raised each due date once, on the morning it fell due; the early evaluation of
    # February left nothing to raise
    assert raised == [
        ("2026-11-30", "2026-11-30"),
        ("2027-05-31", "2027-05-31"),
        ("2027-09-30", "2027-09-30"),
    ]

    seen = [
        (
            {area: str(hours) for area, hours in m.hours_by_focus_area.items()},
            str(m.hours_total),
            len(m.visits),
            m.visits_expected,
            m.consultants,
            m.evaluation_due_raised,
        )
        for m in meetings
    ]
    assert seen == MEETINGS

    report = acme.onsite_report("acme")
    assert [
        (e["due"], e["at"].isoformat(), e["outcome"], e["focus_areas"], e["next_due"])
        for e in report.evaluations
    ] == EVALUATIONS
    assert (report.status, report.focus_areas, report.next_evaluation_due) == (
        "in force",
        ["network", "security"],
        "2027-12-31",
    )
    assert (report.visits, report.hours_total, report.evaluation_due_raised) == ([], D("0"), False)

    # who paid for on-site work: judged by the focus areas at the work's own moment
    payers = [
        acme.log_work("acme", ticket=ticket, hours="1", kind="onsite", focus=focus, at=at).payer
        for ticket, focus, at in [
            ("O-1", "werkplekken", "2027-02-10T10:00:00+01:00"),
            ("O-2", "werkplekken", "2027-03-03T10:00:00+01:00"),
            ("O-3", "security", "2027-02-10T10:00:00+01:00"),
            ("O-4", "security", "2027-03-03T10:00:00+01:00"),
        ]
    ]
    assert payers == ["onsite", "strippenkaart", "strippenkaart", "onsite"]


def test_the_engagement_reads_the_same_from_a_snapshot_and_from_a_fresh_store(
    engaged: Ledger, store_url: str, clock: FakeClock
) -> None:
    engaged.log_visit(
        "acme", consultant="Jan Jansen", hours="4", focus="network", reference="V-1", at="2026-09-10"
    )
    engaged.evaluate("acme", outcome="adjust", focus_areas=["security", "network"], at="2026-11-30")
    clock.now = datetime(2027, 2, 28, 12, tzinfo=UTC)
    engaged.tick()
    live = engaged.onsite_report("acme").to_json()
    engaged.app.take_snapshot(OnSiteEngagement.create_id("acme"))
    with Ledger.open(store_url, actor="tester", clock=clock) as reopened:
        assert reopened.onsite_report("acme").to_json() == live


def test_ledger_tick_raises_each_evaluation_due_once(ledger: Ledger, clock: FakeClock) -> None:
    """The engagement is in the clock index from its kick-off; the tick raises its due date once."""
    ledger.add_customer("acme", name="Acme", account_manager="Anna", at="2026-01-01")
    ledger.kick_off(
        "acme", focus_areas=["werkplekken"], visits="monthly", evaluation="quarterly", at="2026-01-15"
    )
    clock.now = datetime.fromisoformat("2026-06-01T09:00:00+02:00")
    before = ledger.tick(until="2026-04-14T23:00:00+02:00")
    assert before.recorded["evaluation-due"] == 0
    first = ledger.tick(until="2026-04-15T00:00:00+02:00")
    assert first.recorded["evaluation-due"] == 1
    assert [item.reference for item in first.items if item.kind == "evaluation-due"] == ["2026-04-15"]
    again = ledger.tick()
    assert again.recorded["evaluation-due"] == 0
