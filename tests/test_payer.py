"""Who pays: the pure resolution in DOMAIN.md's order, then ``settle`` for what nothing covers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.payer import (
    Coverage,
    Entitlements,
    OnsiteFocus,
    Payer,
    WorkFacts,
    resolve_coverage,
    settle,
)
from ledger.domain.service_window import Channel, ChannelDecision, Tier
from ledger.domain.work import WorkKind

OPEN = ChannelDecision(
    Channel.SERVICEDESK, Tier.BASIS, "Tuesday 09:30 Europe/Amsterdam: servicedesk open (Basis)"
)
EMERGENCY = ChannelDecision(
    Channel.EMERGENCY_LINE, Tier.COMFORT, "King's Day: servicedesk closed; Comfort: emergency line"
)
CLOSED = ChannelDecision(Channel.NONE, Tier.BASIS, "Saturday: servicedesk closed; Basis: no channel")
NO_CONTRACT = ChannelDecision(Channel.NONE, None, "no servicedesk contract in force")
ONSITE = OnsiteFocus(("network", "werkplekken"), "kicked off 2026-01-05")


@pytest.mark.parametrize("channel", [OPEN, EMERGENCY])
def test_support_within_the_contracts_channel_is_paid_by_the_contract(channel: ChannelDecision) -> None:
    coverage = resolve_coverage(WorkFacts(WorkKind.SUPPORT, None), Entitlements(channel))
    assert coverage is not None
    assert coverage.payer is Payer.SERVICEDESK_CONTRACT
    assert coverage.reason == f"support under the servicedesk contract: {channel.reason}"


@pytest.mark.parametrize("channel", [CLOSED, NO_CONTRACT])
def test_support_without_a_channel_is_not_covered(channel: ChannelDecision) -> None:
    assert resolve_coverage(WorkFacts(WorkKind.SUPPORT, None), Entitlements(channel)) is None


@pytest.mark.parametrize("kind", [WorkKind.RFC, WorkKind.PROJECT, WorkKind.ONSITE, WorkKind.OTHER])
def test_only_support_falls_under_the_contract(kind: WorkKind) -> None:
    assert resolve_coverage(WorkFacts(kind, None), Entitlements(OPEN)) is None


def test_the_contract_comes_before_a_beheerpack_for_support() -> None:
    coverage = resolve_coverage(WorkFacts(WorkKind.SUPPORT, "network"), Entitlements(OPEN, "netwerk"))
    assert coverage is not None
    assert coverage.payer is Payer.SERVICEDESK_CONTRACT


@pytest.mark.parametrize("kind", list(WorkKind))
def test_a_beheerpack_covers_any_work_on_its_component_outside_the_contract(kind: WorkKind) -> None:
    coverage = resolve_coverage(
        WorkFacts(kind, "network", "network"), Entitlements(CLOSED, "netwerk", ONSITE)
    )
    assert coverage == Coverage(Payer.BEHEERPACK, "component 'network' is covered by beheerpack 'netwerk'")


def test_onsite_coverage_comes_after_a_beheerpack_and_before_the_card() -> None:
    within = WorkFacts(WorkKind.ONSITE, None, "werkplekken")
    assert resolve_coverage(within, Entitlements(CLOSED, None, ONSITE)) == Coverage(
        Payer.ONSITE,
        "on-site work in focus area 'werkplekken' of the on-site engagement (kicked off 2026-01-05)",
    )
    assert resolve_coverage(within, Entitlements(CLOSED)) is None


@pytest.mark.parametrize("focus", [None, "security", "Werkplekken"])
def test_onsite_work_outside_the_focus_areas_is_not_covered(focus: str | None) -> None:
    # The resolution compares normalised labels; normalising is the command layer's job.
    work = WorkFacts(WorkKind.ONSITE, None, focus)
    assert resolve_coverage(work, Entitlements(CLOSED, None, ONSITE)) is None


@pytest.mark.parametrize("kind", [WorkKind.SUPPORT, WorkKind.RFC, WorkKind.PROJECT, WorkKind.OTHER])
def test_only_onsite_work_is_paid_by_the_engagement(kind: WorkKind) -> None:
    work = WorkFacts(kind, None, "network")
    coverage = resolve_coverage(work, Entitlements(CLOSED, None, ONSITE))
    assert coverage is None


def test_covered_work_debits_nothing_and_invoices_nothing() -> None:
    decision = settle(Decimal("250.00"), Coverage(Payer.BEHEERPACK, "pack"), Decimal("1000.00"))
    assert (decision.payer, decision.card_pays, decision.invoiceable) == (
        Payer.BEHEERPACK,
        Decimal("0.00"),
        Decimal("0.00"),
    )


channels = st.sampled_from([OPEN, EMERGENCY, CLOSED, NO_CONTRACT])
components = st.one_of(st.none(), st.sampled_from(["network", "backup", "microsoft 365"]))
packs = st.one_of(st.none(), st.sampled_from(["netwerk", "backup-pack"]))
onsite = st.one_of(st.none(), st.just(ONSITE))
focus_areas = st.one_of(st.none(), st.sampled_from(["network", "werkplekken", "security"]))
facts = st.builds(WorkFacts, st.sampled_from(list(WorkKind)), components, focus_areas)
entitlements = st.builds(Entitlements, channels, packs, onsite)


@given(facts, entitlements)
def test_resolution_is_total_deterministic_and_in_domain_order(work: WorkFacts, ent: Entitlements) -> None:
    coverage = resolve_coverage(work, ent)
    assert coverage == resolve_coverage(work, ent)
    if work.kind is WorkKind.SUPPORT and ent.contract.channel is not Channel.NONE:
        expected: Payer | None = Payer.SERVICEDESK_CONTRACT
    elif ent.beheerpack is not None and work.component is not None:
        expected = Payer.BEHEERPACK
    elif work.kind is WorkKind.ONSITE and ent.onsite is not None and work.focus in ent.onsite.focus_areas:
        expected = Payer.ONSITE
    else:
        expected = None
    assert (coverage.payer if coverage else None) is expected
    if coverage is not None:
        assert coverage.reason


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
available = st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2))


@given(facts, entitlements, amounts, available)
def test_every_entry_gets_exactly_one_payer_and_the_split_adds_up(
    work: WorkFacts, ent: Entitlements, amount: Decimal, card: Decimal | None
) -> None:
    coverage = resolve_coverage(work, ent)
    decision = settle(amount, coverage, card)
    assert decision.payer in Payer
    assert decision.card_pays >= 0
    assert decision.invoiceable >= 0
    if coverage is not None:
        assert decision.payer is coverage.payer
        assert decision.card_pays == decision.invoiceable == 0
    else:
        assert decision.card_pays + decision.invoiceable == amount
        assert decision.payer in (Payer.STRIPPENKAART, Payer.INVOICE)
        assert decision.card_pays <= (card or 0)
