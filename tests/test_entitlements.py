"""Servicedesk contracts, beheerpacks and the entitlement check, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger import (
    ComponentCoveredError,
    ContractInForceError,
    HistoryConflictError,
    InvalidInputError,
    Ledger,
    NoContractInForceError,
    PackActiveError,
    PackNotActiveError,
    UnknownCustomerError,
)
from ledger.aggregates.servicedesk_contract import ServicedeskContract
from ledger.config import CalendarSettings, ClosingDay, LedgerSettings
from ledger.domain.calendar import AMSTERDAM
from ledger.domain.service_window import Tier
from tests.support import FakeClock, event_count
from tests.tally import Tally

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")


def local(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=AMSTERDAM)


@pytest.fixture
def acme(ledger: Ledger) -> Ledger:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna de Vries")
    return ledger


def channel(ledger: Ledger, at: datetime | str) -> tuple[str, str | None]:
    result = ledger.entitlement("acme", at=at)
    return result.channel, result.tier


# --- the entitlement check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hms", "basis", "comfort"),
    [
        ((7, 59, 59), "none", "emergency-line"),
        ((8, 0, 0), "servicedesk", "servicedesk"),
        ((17, 59, 59), "servicedesk", "servicedesk"),
        ((18, 0, 0), "none", "emergency-line"),
    ],
)
def test_window_boundaries_per_tier(
    acme: Ledger, hms: tuple[int, int, int], basis: str, comfort: str
) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.change_contract("acme", tier="comfort", effective_from="2026-06-01")
    assert channel(acme, local(2026, 5, 26, *hms)) == (basis, "basis")  # a Tuesday
    assert channel(acme, local(2026, 6, 2, *hms)) == (comfort, "comfort")  # a Tuesday


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # the spring switch: Friday 27 March still +01:00, Monday 30 March +02:00
        ("2026-03-27T06:59:59Z", "none"),
        ("2026-03-27T07:00:00Z", "servicedesk"),
        ("2026-03-30T05:59:59Z", "none"),
        ("2026-03-30T06:00:00Z", "servicedesk"),
        ("2026-03-30T15:59:59Z", "servicedesk"),
        ("2026-03-30T16:00:00Z", "none"),
        # the autumn switch: Friday 23 October +02:00, Monday 26 October +01:00 again
        ("2026-10-23T15:59:59Z", "servicedesk"),
        ("2026-10-23T16:00:00Z", "none"),
        ("2026-10-26T06:59:59Z", "none"),
        ("2026-10-26T07:00:00Z", "servicedesk"),
        ("2026-10-26T16:59:59Z", "servicedesk"),
        ("2026-10-26T17:00:00Z", "none"),
        # the switch Sundays themselves
        ("2026-03-29T01:30:00Z", "none"),
        ("2026-10-25T01:30:00Z", "none"),
    ],
)
def test_basis_across_both_summer_time_switches_of_2026(acme: Ledger, at: str, expected: str) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    assert channel(acme, at) == (expected, "basis")


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (local(2026, 4, 27, 10), "King's Day: servicedesk closed; Comfort: emergency line"),
        (local(2026, 12, 25, 10), "Christmas Day: servicedesk closed; Comfort: emergency line"),
        (local(2026, 5, 14, 10), "Ascension Day: servicedesk closed; Comfort: emergency line"),
        (local(2026, 5, 2, 10), "Saturday: servicedesk closed; Comfort: emergency line"),
        (local(2026, 5, 3, 23, 59), "Sunday: servicedesk closed; Comfort: emergency line"),
    ],
)
def test_holidays_and_weekends_give_comfort_the_emergency_line(
    acme: Ledger, at: datetime, reason: str
) -> None:
    acme.start_contract("acme", tier="comfort", effective_from="2026-01-01")
    result = acme.entitlement("acme", at=at)
    assert (result.channel, result.tier, result.reason) == ("emergency-line", "comfort", reason)


def test_basis_has_no_channel_on_kings_day(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    result = acme.entitlement("acme", at="2026-04-27T10:00:00+02:00")
    assert (result.channel, result.reason) == ("none", "King's Day: servicedesk closed; Basis: no channel")


@pytest.mark.parametrize(
    "written",
    [
        "2026-05-26T09:30:00+02:00",
        "2026-05-26T07:30:00Z",
        "2026-05-26T03:30:00-04:00",
        "2026-05-26T16:30:00+09:00",
        datetime(2026, 5, 26, 7, 30, tzinfo=UTC).astimezone(NEW_YORK),
    ],
)
def test_the_answer_does_not_depend_on_the_zone_it_is_asked_in(acme: Ledger, written: object) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    result = acme.entitlement("acme", at=written)  # type: ignore[arg-type]
    assert result.reason == "Tuesday 09:30 Europe/Amsterdam: servicedesk open (Basis)"


def test_a_time_without_a_zone_is_refused(acme: Ledger) -> None:
    with pytest.raises(InvalidInputError) as raised:
        acme.entitlement("acme", at="2026-05-26T09:30:00")
    assert raised.value.field == "at"
    with pytest.raises(InvalidInputError):
        acme.entitlement("acme", at=datetime(2026, 5, 26, 9, 30))


def test_without_a_contract_there_is_no_channel(acme: Ledger) -> None:
    result = acme.entitlement("acme", at=local(2026, 5, 26, 10))
    assert (result.channel, result.tier, result.reason) == ("none", None, "no servicedesk contract in force")


def test_the_configured_calendar_decides_closing_days(store_url: str, clock: FakeClock) -> None:
    settings = LedgerSettings(
        calendar=CalendarSettings(
            closing_days=(ClosingDay(date=local(2026, 5, 26, 0).date(), name="Company day"),)
        )
    )
    with Ledger.open(store_url, actor="t", clock=clock, settings=settings) as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.start_contract("acme", tier="comfort", effective_from="2026-01-01")
        result = ledger.entitlement("acme", at=local(2026, 5, 26, 10))
    assert result.reason == "Company day: servicedesk closed; Comfort: emergency line"


# --- contract history ---------------------------------------------------------------------------


def test_a_past_moment_is_answered_by_the_contract_in_force_then(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.change_contract("acme", tier="comfort", effective_from="2026-07-01")
    acme.end_contract("acme", effective_from="2026-10-01")
    saturday_in_may, saturday_in_july = local(2026, 5, 2, 10), local(2026, 7, 4, 10)
    assert channel(acme, saturday_in_may) == ("none", "basis")
    assert channel(acme, saturday_in_july) == ("emergency-line", "comfort")
    assert channel(acme, local(2026, 10, 1, 0)) == ("none", None)
    assert channel(acme, local(2025, 12, 31, 23, 59, 59)) == ("none", None)
    assert channel(acme, local(2026, 6, 30, 23, 59, 59))[1] == "basis"
    assert channel(acme, local(2026, 7, 1, 0))[1] == "comfort"


def test_a_backdated_change_is_recorded_as_such_and_answers_past_questions(
    acme: Ledger, clock: FakeClock
) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    saturday = local(2026, 2, 14, 11)
    assert channel(acme, saturday) == ("none", "basis")
    clock.advance(days=30)
    change = acme.change_contract("acme", tier="comfort", effective_from="2026-02-01")
    assert change.backdated
    assert change.recorded_at == clock.now
    assert channel(acme, saturday) == ("emergency-line", "comfort")
    history = acme.contract_history("acme").to_json()
    assert history["tier_now"] == "comfort"
    assert [
        (c["change"], c["tier"], c["effective_at"], c["recorded_at"], c["backdated"])
        for c in history["changes"]
    ] == [
        ("started", "basis", "2026-01-01T00:00:00+01:00", "2026-03-02T09:00:00+01:00", True),
        ("tier-changed", "comfort", "2026-02-01T00:00:00+01:00", "2026-04-01T09:00:00+01:00", True),
    ]


def test_a_future_change_is_allowed_and_not_yet_in_force(acme: Ledger, clock: FakeClock) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-03-01")
    acme.change_contract("acme", tier="comfort", effective_from="2027-01-01")
    assert acme.contract_history("acme").tier_now == "basis"
    assert not acme.contract_history("acme").changes[1]["backdated"]


def test_same_moment_changes_the_later_recorded_wins(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.change_contract("acme", tier="comfort", effective_from="2026-01-01")
    assert channel(acme, local(2026, 1, 3, 10)) == ("emergency-line", "comfort")


def test_a_contract_can_start_again_after_it_ended(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.end_contract("acme", effective_from="2026-03-01")
    acme.start_contract("acme", tier="comfort", effective_from="2026-06-01")
    assert channel(acme, local(2026, 4, 4, 10)) == ("none", None)
    assert channel(acme, local(2026, 6, 6, 10)) == ("emergency-line", "comfort")


def test_the_same_change_sent_twice_is_recorded_once(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    before = event_count(acme)
    again = acme.start_contract("acme", tier="basis", effective_from="2026-01-01T00:00:00+01:00")
    assert again.duplicate
    assert event_count(acme) == before


@pytest.mark.parametrize(
    ("setup", "call", "error"),
    [
        ([], ("change", "comfort", "2026-02-01"), NoContractInForceError),
        ([], ("end", None, "2026-02-01"), NoContractInForceError),
        ([("start", "basis", "2026-03-01")], ("change", "comfort", "2026-02-01"), NoContractInForceError),
        ([("start", "basis", "2026-01-01")], ("start", "comfort", "2026-02-01"), ContractInForceError),
        ([("start", "basis", "2026-01-01")], ("change", "basis", "2026-02-01"), InvalidInputError),
        (
            [("start", "basis", "2026-01-01"), ("end", None, "2026-03-01")],
            ("end", None, "2026-04-01"),
            NoContractInForceError,
        ),
        # backdated changes that would contradict later history
        (
            [("start", "basis", "2026-01-01"), ("change", "comfort", "2026-04-01")],
            ("end", None, "2026-03-01"),
            HistoryConflictError,
        ),
        ([("start", "basis", "2026-03-01")], ("start", "comfort", "2026-02-01"), HistoryConflictError),
    ],
)
def test_nonsense_changes_are_refused_and_write_nothing(
    acme: Ledger,
    setup: list[tuple[str, str | None, str]],
    call: tuple[str, str | None, str],
    error: type[Exception],
) -> None:
    for step in setup:
        _contract(acme, *step)
    before = event_count(acme)
    with pytest.raises(error) as raised:
        _contract(acme, *call)
    assert event_count(acme) == before
    assert raised.value.field in ("effective_from", "tier")  # type: ignore[attr-defined]


def _contract(ledger: Ledger, action: str, tier: str | None, effective_from: str) -> None:
    if action == "start":
        ledger.start_contract("acme", tier=tier or "", effective_from=effective_from)
    elif action == "change":
        ledger.change_contract("acme", tier=tier or "", effective_from=effective_from)
    else:
        ledger.end_contract("acme", effective_from=effective_from)


def test_history_conflict_names_both_moments(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.change_contract("acme", tier="comfort", effective_from="2026-04-01")
    with pytest.raises(HistoryConflictError, match=r"ending the contract at 2026-03-01 .* 2026-04-01"):
        acme.end_contract("acme", effective_from="2026-03-01")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tier": "gold", "effective_from": "2026-01-01"}, "tier"),
        ({"tier": "basis", "effective_from": "2026-01-01T09:00"}, "effective_from"),
        ({"tier": "basis", "effective_from": "soon"}, "effective_from"),
    ],
)
def test_bad_contract_input_is_refused(acme: Ledger, kwargs: dict[str, str], field: str) -> None:
    before = event_count(acme)
    with pytest.raises(InvalidInputError) as raised:
        acme.start_contract("acme", **kwargs)
    assert raised.value.field == field
    assert event_count(acme) == before


def test_unknown_customer_is_refused(ledger: Ledger) -> None:
    with pytest.raises(UnknownCustomerError):
        ledger.start_contract("ghost", tier="basis", effective_from="2026-01-01")
    with pytest.raises(UnknownCustomerError):
        ledger.entitlement("ghost", at="2026-01-01")
    assert event_count(ledger) == 0


def test_every_contract_event_names_actor_effective_and_recorded_time(acme: Ledger) -> None:
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01", actor="billing")
    notifications = acme.app.notification_log.select(start=1, limit=100)
    events = [acme.app.mapper.to_domain_event(n) for n in notifications][1:]
    assert [type(e).__name__ for e in events] == ["Opened", "Started"]
    assert all(e.actor == "billing" for e in events)  # type: ignore[attr-defined]
    assert events[1].effective_at == local(2026, 1, 1, 0)  # type: ignore[attr-defined]
    assert events[1].recorded_at == datetime.fromisoformat("2026-03-02T09:00:00+01:00")  # type: ignore[attr-defined]


# --- beheerpacks --------------------------------------------------------------------------------


def test_packs_cover_their_components_between_add_and_remove(acme: Ledger) -> None:
    acme.add_pack("acme", pack="Netwerk", components=[" Network", "FIREWALL "], effective_from="2026-01-01")
    acme.remove_pack("acme", pack="netwerk", effective_from="2026-06-01")
    listing = acme.packs("acme", at="2026-03-01").to_json()
    assert listing["active"] == {"netwerk": ["firewall", "network"]}
    assert acme.packs("acme", at="2026-06-01").active == {}
    assert [c["change"] for c in listing["history"]] == ["added", "removed"]
    assert acme.entitlement("acme", at="2026-03-01").beheerpacks == {"netwerk": ["firewall", "network"]}


@pytest.mark.parametrize(
    ("setup", "call", "error"),
    [
        ([], ("remove", "netwerk", [], "2026-01-01"), PackNotActiveError),
        (
            [("add", "netwerk", ["network"], "2026-01-01")],
            ("add", "netwerk", ["wifi"], "2026-02-01"),
            PackActiveError,
        ),
        (
            [("add", "netwerk", ["network"], "2026-01-01")],
            ("add", "security", ["firewall", "Network"], "2026-02-01"),
            ComponentCoveredError,
        ),
        (
            [("add", "netwerk", ["network"], "2026-01-01"), ("remove", "netwerk", [], "2026-03-01")],
            ("remove", "netwerk", [], "2026-02-01"),
            HistoryConflictError,
        ),
        (
            [("add", "netwerk", ["network"], "2026-03-01")],
            ("add", "security", ["network"], "2026-02-01"),
            HistoryConflictError,
        ),
        ([], ("add", "netwerk", [" "], "2026-01-01"), InvalidInputError),
        ([], ("add", "netwerk", [], "2026-01-01"), InvalidInputError),
    ],
)
def test_nonsense_pack_changes_are_refused_and_write_nothing(
    acme: Ledger,
    setup: list[tuple[str, str, list[str], str]],
    call: tuple[str, str, list[str], str],
    error: type[Exception],
) -> None:
    for step in setup:
        _pack(acme, *step)
    before = event_count(acme)
    with pytest.raises(error):
        _pack(acme, *call)
    assert event_count(acme) == before


def _pack(ledger: Ledger, action: str, pack: str, components: list[str], effective_from: str) -> None:
    if action == "add":
        ledger.add_pack("acme", pack=pack, components=components, effective_from=effective_from)
    else:
        ledger.remove_pack("acme", pack=pack, effective_from=effective_from)


def test_a_pack_may_take_over_a_component_after_the_other_pack_ends(acme: Ledger) -> None:
    acme.add_pack("acme", pack="netwerk", components=["network"], effective_from="2026-01-01")
    acme.remove_pack("acme", pack="netwerk", effective_from="2026-03-01")
    acme.add_pack("acme", pack="security", components=["network", "firewall"], effective_from="2026-03-01")
    assert acme.packs("acme", at="2026-03-01").active == {"security": ["firewall", "network"]}


# --- who pays: work judged by the entitlements at its own moment ---------------------------------


@pytest.fixture
def contracted(acme: Ledger) -> Ledger:
    acme.buy_card("acme", amount="1000.00", reference="O-1", at="2026-01-01")
    acme.start_contract("acme", tier="basis", effective_from="2026-01-01")
    acme.add_pack("acme", pack="netwerk", components=["network"], effective_from="2026-01-01")
    return acme


def test_support_in_office_hours_is_paid_by_the_contract_and_not_from_the_card(contracted: Ledger) -> None:
    work = contracted.log_work("acme", ticket="S-1", hours="2", kind="support", at=local(2026, 2, 3, 8))
    assert (work.payer, work.debited, work.invoiceable) == ("servicedesk-contract", D("0.00"), D("0.00"))
    assert work.reason == (
        "support under the servicedesk contract: Tuesday 08:00 Europe/Amsterdam: servicedesk open (Basis)"
    )
    assert contracted.balance("acme").balance == D("1000.00")


def test_support_outside_basis_hours_is_paid_from_the_card_and_says_why(contracted: Ledger) -> None:
    work = contracted.log_work("acme", ticket="S-1", hours="1", kind="support", at=local(2026, 2, 3, 18))
    assert (work.payer, work.debited) == ("strippenkaart", D("125.00"))
    assert work.derivation["entitlements"] == {
        "contract_tier": "basis",
        "channel": "none",
        "channel_reason": (
            "Tuesday 18:00 Europe/Amsterdam: servicedesk closed (open 08:00-18:00); Basis: no channel"
        ),
        "beheerpack": None,
        "focus": None,
        "onsite_focus_areas": None,
    }
    assert contracted.balance("acme").balance == D("875.00")


def test_work_on_a_pack_component_is_paid_by_the_pack(contracted: Ledger) -> None:
    work = contracted.log_work("acme", ticket="R-1", hours="3", kind="rfc", component="Network")
    assert (work.payer, work.debited, work.invoiceable) == ("beheerpack", D("0.00"), D("0.00"))
    assert work.component == "network"
    assert work.reason == "component 'network' is covered by beheerpack 'netwerk'"
    assert contracted.balance("acme").balance == D("1000.00")


def test_rfc_without_a_pack_is_paid_from_the_card(contracted: Ledger) -> None:
    work = contracted.log_work("acme", ticket="R-1", hours="4", kind="rfc", component="backup")
    assert (work.payer, work.debited) == ("strippenkaart", D("500.00"))


def test_onsite_work_without_an_engagement_is_paid_from_the_card(contracted: Ledger) -> None:
    work = contracted.log_work("acme", ticket="O-1", hours="1", kind="onsite")
    assert work.payer == "strippenkaart"


def test_work_is_judged_by_the_contract_at_its_time_not_now(contracted: Ledger, clock: FakeClock) -> None:
    contracted.end_contract("acme", effective_from="2026-02-01")
    clock.advance(days=1)
    january = contracted.log_work("acme", ticket="S-1", hours="1", kind="support", at=local(2026, 1, 6, 10))
    february = contracted.log_work("acme", ticket="S-2", hours="1", kind="support", at=local(2026, 2, 3, 10))
    assert january.payer == "servicedesk-contract"
    assert february.payer == "strippenkaart"


def test_a_backdated_contract_change_does_not_rewrite_recorded_work(
    contracted: Ledger, clock: FakeClock
) -> None:
    saturday = local(2026, 2, 7, 10)
    before = contracted.log_work("acme", ticket="S-1", hours="1", kind="support", at=saturday)
    assert before.payer == "strippenkaart"
    clock.advance(hours=1)
    contracted.change_contract("acme", tier="comfort", effective_from="2026-02-01")
    assert contracted.work_entry("acme", ticket="S-1").payer == "strippenkaart"
    after = contracted.log_work("acme", ticket="S-2", hours="1", kind="support", at=saturday)
    assert after.payer == "servicedesk-contract"
    assert after.reason.endswith("Saturday: servicedesk closed; Comfort: emergency line")


def test_the_payer_and_its_evidence_survive_reopening(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="a", clock=clock) as first:
        first.add_customer("acme", name="Acme", account_manager="Anna")
        first.start_contract("acme", tier="comfort", effective_from="2026-01-01")
        recorded = first.log_work("acme", ticket="S-1", hours="1", kind="support", at=local(2026, 2, 7, 3))
    with Ledger.open(store_url, actor="b", clock=clock) as second:
        loaded = second.work_entry("acme", ticket="S-1")
        assert loaded.to_json() == {**recorded.to_json()}
        assert loaded.derivation["entitlements"]["channel"] == "emergency-line"


# --- properties ---------------------------------------------------------------------------------

zones = st.one_of(
    st.just(UTC),
    st.just(AMSTERDAM),
    st.just(NEW_YORK),
    st.integers(min_value=-(14 * 60), max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
in_2026 = st.datetimes(min_value=datetime(2026, 1, 2), max_value=datetime(2026, 12, 30), timezones=zones)


def test_comfort_is_never_without_a_channel_and_contains_basis(store_url: str, clock: FakeClock) -> None:
    with Ledger.open(store_url, actor="t", clock=clock) as ledger:
        ledger.add_customer("comfort-bv", name="Comfort", account_manager="Anna")
        ledger.add_customer("basis-bv", name="Basis", account_manager="Anna")
        ledger.start_contract("comfort-bv", tier="comfort", effective_from="2026-01-01")
        ledger.start_contract("basis-bv", tier="basis", effective_from="2026-01-01")

        @given(in_2026)
        def check(at: datetime) -> None:
            comfort = ledger.entitlement("comfort-bv", at=at)
            basis = ledger.entitlement("basis-bv", at=at)
            assert comfort.channel != "none"
            assert basis.channel != "emergency-line"
            if basis.channel == "servicedesk":
                assert comfort.channel == "servicedesk"
            assert (comfort.channel == "servicedesk") is (basis.channel == "servicedesk")

        check()


moments = st.integers(min_value=0, max_value=40).map(lambda day: local(2026, 1, 1, 0) + timedelta(days=day))
actions = st.tuples(st.sampled_from(["start", "change", "end"]), st.sampled_from(list(Tier)), moments)


def test_the_contract_timeline_matches_a_plain_model() -> None:
    tally = Tally()

    @given(st.lists(actions, max_size=12), st.lists(moments, min_size=1, max_size=5))
    @example(  # a contract's whole life, so that every floor below is reachable in any run
        [
            ("start", Tier.BASIS, local(2026, 1, 1, 0)),
            ("change", Tier.COMFORT, local(2026, 1, 5, 0)),
            ("end", Tier.COMFORT, local(2026, 1, 9, 0)),
        ],
        [local(2026, 1, 3, 0), local(2026, 1, 7, 0), local(2026, 1, 11, 0)],
    )
    def check(steps: list[tuple[str, Tier, datetime]], questions: list[datetime]) -> None:
        contract_timeline_matches_a_plain_model(steps, questions, tally)

    check()
    tally.at_least(accepted_start=1, accepted_change=1, accepted_end=1)  # not only refusals


def contract_timeline_matches_a_plain_model(
    steps: list[tuple[str, Tier, datetime]], questions: list[datetime], tally: Tally
) -> None:
    """Whatever order changes arrive in, accepted ones form a sensible timeline and tier_at agrees
    with replaying them in effective order; refused ones change nothing."""
    contract = ServicedeskContract(customer="acme", actor="t", effective_at=local(2026, 1, 1, 0))
    accepted: list[tuple[datetime, int, str, Tier | None]] = []
    for number, (action, tier, at) in enumerate(steps):
        before = list(contract.changes)
        try:
            if action == "start":
                recorded = contract.start(tier, "t", at, at)
            elif action == "change":
                recorded = contract.change_tier(tier, "t", at, at)
            else:
                recorded = contract.end("t", at, at)
        except (
            InvalidInputError,
            NoContractInForceError,
            ContractInForceError,
            HistoryConflictError,
        ) as error:
            assert contract.changes == before
            tally.saw(f"refused_{type(error).__name__}")
            continue
        tally.saw(f"accepted_{action}")
        if recorded:
            accepted.append((at, number, action, None if action == "end" else tier))
    for question in questions:
        expected: Tier | None = None
        for at, _, _, in_force in sorted(accepted, key=lambda step: (step[0], step[1])):
            if at <= question:
                expected = in_force
        assert contract.tier_at(question) is expected
    replayed = None
    for pending in contract.collect_events():
        replayed = pending.mutate(replayed)
    assert isinstance(replayed, ServicedeskContract)
    assert replayed.changes == contract.changes
