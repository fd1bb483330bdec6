"""Who pays for a piece of work: one pure decision, in the order DOMAIN.md gives.

Why pure: a customer who disputes a line must be shown the same answer today as on the day the
work was recorded, so the decision depends only on the facts handed in, never on a clock or a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ledger.domain.money import format_money
from ledger.domain.service_window import Channel, ChannelDecision
from ledger.domain.work import WorkKind


class Payer(StrEnum):
    """The five payers, in the order they are tried."""

    SERVICEDESK_CONTRACT = "servicedesk-contract"
    BEHEERPACK = "beheerpack"
    ONSITE = "onsite"
    STRIPPENKAART = "strippenkaart"
    INVOICE = "invoice"


@dataclass(frozen=True)
class Coverage:
    """An entitlement that covers the work outright, and why (e.g. a beheerpack on 'network')."""

    payer: Payer
    reason: str


@dataclass(frozen=True)
class PayerDecision:
    """The payer of a work entry and how its amount splits between card and invoice."""

    payer: Payer
    reason: str
    card_pays: Decimal
    invoiceable: Decimal


def settle(amount: Decimal, coverage: Coverage | None, card_available: Decimal | None) -> PayerDecision:
    """Decide the payer of ``amount``.

    ``coverage`` is the first entitlement (contract, beheerpack, on-site) that covers the work, if any;
    ``card_available`` is what the strippenkaart can pay at the work's time (``None``: no card).
    The card pays what it has, the rest is invoiceable: the balance never goes below zero.
    """
    zero = Decimal("0.00")
    if coverage is not None:
        return PayerDecision(coverage.payer, coverage.reason, zero, zero)
    uncovered = "not covered by a servicedesk contract, beheerpack or on-site engagement"
    if card_available is None:
        reason = f"{uncovered}; no strippenkaart: invoiceable"
        return PayerDecision(Payer.INVOICE, reason, zero, amount)
    if card_available <= zero:
        reason = f"{uncovered}; no strippenkaart credit in force at the work's time: invoiceable"
        return PayerDecision(Payer.INVOICE, reason, zero, amount)
    if card_available >= amount:
        reason = f"{uncovered}: paid from the strippenkaart, no invoice"
        return PayerDecision(Payer.STRIPPENKAART, reason, amount, zero)
    rest = amount - card_available
    reason = (
        f"{uncovered}: the strippenkaart paid {format_money(card_available)} of "
        f"{format_money(amount)}; {format_money(rest)} is invoiceable (overage)"
    )
    return PayerDecision(Payer.STRIPPENKAART, reason, card_available, rest)


@dataclass(frozen=True)
class WorkFacts:
    """What the resolution needs to know about a piece of work.

    ``focus`` is the on-site focus area the work was for (only on-site work names one).
    """

    kind: WorkKind
    component: str | None
    focus: str | None = None


@dataclass(frozen=True)
class OnsiteFocus:
    """The on-site engagement in force at the work's moment: its focus areas then, and which one."""

    focus_areas: tuple[str, ...]
    engagement: str


@dataclass(frozen=True)
class Entitlements:
    """What a customer is entitled to at the work's moment, already looked up.

    ``contract`` is the channel the servicedesk contract gives then (``Channel.NONE`` without one);
    ``beheerpack`` the active pack covering the work's component, if any; ``onsite`` the on-site
    engagement in force then, if any (whether it covers the work is ``resolve_coverage``'s call).
    """

    contract: ChannelDecision
    beheerpack: str | None = None
    onsite: OnsiteFocus | None = None


def resolve_coverage(work: WorkFacts, entitlements: Entitlements) -> Coverage | None:
    """The first entitlement that covers the work, in DOMAIN.md's order; None leaves it to ``settle``.

    1. support while the contract gives a channel (servicedesk or emergency line);
    2. work on a component an active beheerpack covers;
    3. on-site work within the focus areas of the engagement in force;
    otherwise None: the strippenkaart or an invoice pays.
    """
    if work.kind is WorkKind.SUPPORT and entitlements.contract.channel is not Channel.NONE:
        reason = f"support under the servicedesk contract: {entitlements.contract.reason}"
        return Coverage(Payer.SERVICEDESK_CONTRACT, reason)
    if entitlements.beheerpack is not None and work.component is not None:
        reason = f"component {work.component!r} is covered by beheerpack {entitlements.beheerpack!r}"
        return Coverage(Payer.BEHEERPACK, reason)
    onsite = entitlements.onsite
    if work.kind is WorkKind.ONSITE and onsite is not None and work.focus in onsite.focus_areas:
        reason = f"on-site work in focus area {work.focus!r} of the on-site engagement ({onsite.engagement})"
        return Coverage(Payer.ONSITE, reason)
    return None
