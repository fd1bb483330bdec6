"""What a customer is entitled to at a moment: read from the contract, beheerpack and rate card.

Why one module: ``work log`` and ``entitlement check`` must look entitlements up the same way, or
the answer a customer is shown could differ from the one their work was billed by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.aggregates.beheerpacks import BeheerpackPortfolio
from ledger.aggregates.customer import Customer
from ledger.aggregates.onsite_engagement import OnSiteEngagement
from ledger.aggregates.rate_card import RateCard
from ledger.aggregates.servicedesk_contract import ServicedeskContract
from ledger.aggregates.strippenkaart import Strippenkaart
from ledger.commands.results import EntitlementResult
from ledger.commands.settings import book, calendar_at
from ledger.domain.payer import Entitlements
from ledger.domain.service_window import channel_at

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ledger.commands.bus import Asked
    from ledger.commands.queries import EntitlementAt
    from ledger.commands.unit_of_work import Reader
    from ledger.domain.calendar import WorkingCalendar


def work_log_reads(customer: str) -> list[UUID]:
    """The ids ``work log`` reads besides the entry: card, customer and what decides the payer."""
    return [
        Strippenkaart.create_id(customer),
        Customer.create_id(customer),
        ServicedeskContract.create_id(customer),
        BeheerpackPortfolio.create_id(customer),
        OnSiteEngagement.create_id(customer),
        RateCard.create_id(customer),
    ]


def contract_of(app: Reader, customer: str) -> ServicedeskContract | None:
    return app.get_or_none(ServicedeskContract.create_id(customer), ServicedeskContract)


def packs_of(app: Reader, customer: str) -> BeheerpackPortfolio | None:
    return app.get_or_none(BeheerpackPortfolio.create_id(customer), BeheerpackPortfolio)


def rate_card_of(app: Reader, customer: str) -> RateCard | None:
    return app.get_or_none(RateCard.create_id(customer), RateCard)


def engagement_of(app: Reader, customer: str) -> OnSiteEngagement | None:
    return app.get_or_none(OnSiteEngagement.create_id(customer), OnSiteEngagement)


def entitlements_at(
    app: Reader,
    customer: str,
    component: str | None,
    at: datetime,
    calendar: WorkingCalendar,
) -> Entitlements:
    """The entitlements in force at ``at`` that could cover work on ``component``."""
    contract = contract_of(app, customer)
    tier = contract.tier_at(at) if contract is not None else None
    packs = packs_of(app, customer)
    pack = packs.covering(component, at) if packs is not None and component is not None else None
    engagement = engagement_of(app, customer)
    onsite = engagement.onsite_focus(at) if engagement is not None else None
    return Entitlements(contract=channel_at(tier, at, calendar), beheerpack=pack, onsite=onsite)


def entitlement(app: Reader, query: EntitlementAt, asked: Asked) -> EntitlementResult:
    """The support channel the customer has at ``at`` (and the packs active then), by the working
    calendar in force then."""
    customer, at = query.customer, asked.at
    calendar = calendar_at(book(app), asked.services.calendar, at)
    app.customer(customer)
    contract = contract_of(app, customer)
    decision = channel_at(contract.tier_at(at) if contract is not None else None, at, calendar)
    packs = packs_of(app, customer)
    active = packs.active_at(at) if packs is not None else {}
    engagement = engagement_of(app, customer)
    onsite = engagement.focus_at(at) if engagement is not None else None
    return EntitlementResult(
        customer=customer,
        at=at,
        channel=decision.channel.value,
        tier=None if decision.tier is None else decision.tier.value,
        reason=decision.reason,
        beheerpacks={pack: list(components) for pack, components in active.items()},
        onsite_focus_areas=None if onsite is None else list(onsite),
    )
