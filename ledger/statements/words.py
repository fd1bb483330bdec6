"""What a statement says, in Dutch (the default) or English: labels, money, dates and hours.

Why Babel: a Dutch customer reads ``€ 1.234,56`` and ``5 okt. 2026``, an English one ``€1,234.56``
and ``5 Oct 2026``; the locale data says so, not hand-written format strings. Internal references
(``monthly:2026-11``, kinds like ``top-up``) become words a customer recognises. Pure: the same
statement and language always give the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from babel.dates import format_date, get_month_names
from babel.numbers import format_currency, format_decimal

from ledger.domain.money import CENT
from ledger.domain.time import parse_month

if TYPE_CHECKING:
    from ledger.statements.document import StatementLine
    from ledger.statements.forecast import Forecast

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
LANGUAGES = tuple(LOCALES)
DEFAULT_LANGUAGE = "nl"
MONTHLY_PREFIX = "monthly:"

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "statement": "Afschrift",
        "provisional_title": "Voorlopig afschrift",
        "provisional": "VOORLOPIG — nog niet uitgegeven; de bedragen kunnen nog veranderen",
        "to": "Aan",
        "account_manager": "Accountmanager",
        "period": "Periode",
        "card_in": "strippenkaart in",
        "no_card": "geen strippenkaart",
        "issued": "Uitgegeven op {when}; berekend uit het grootboek zoals het toen bekend was "
        "(logpositie {position})",
        "computed": "Berekend uit het grootboek tot logpositie {position}",
        "opening": "Beginsaldo {day}",
        "closing": "Eindsaldo {day}",
        "corrections": "Correcties op eerdere perioden",
        "credits": "Tegoed erbij",
        "work": "Werk betaald van de strippenkaart (geen aparte factuur)",
        "expired": "Vervallen tegoed",
        "covered": "Werk gedekt door uw contract (geen kosten)",
        "invoiced": "Werk dat apart wordt gefactureerd",
        "none": "geen",
        "total": "Totaal",
        "for_period": "hoort bij {period}",
        "from_card": "van het tegoed",
        "invoiced_separately": "{amount} wordt apart gefactureerd",
        "balance_after": "saldo",
        "correction": "Correctie",
        "correction_of": "Correctie op {reference}",
        "later_credit": "Betaald uit later gekocht tegoed, voor werk van {day}",
        "purchase": "Aankoop",
        "top-up": "Opwaardering",
        "monthly": "Maandtegoed {month}",
        "expiry": "Vervallen: {label}",
        "covered_by_contract": "gedekt door uw {name}-contract",
        "covered_by_pack": "gedekt door beheerpack {name}",
        "covered_by_onsite": "gedekt door de on-site ondersteuning ({name})",
        "value": "waarde",
        "check": "Controle: beginsaldo + tegoed erbij − werk ± correcties − vervallen = eindsaldo",
        "forecast": "Verwachting",
        "kvk": "KvK",
        "btw": "BTW",
        "iban": "IBAN",
        "date": "Datum",
        "ticket": "Ticket",
        "description": "Omschrijving",
        "hours": "Uren",
        "rate": "Tarief",
        "amount": "Bedrag",
        "balance": "Saldo",
        "balance_in": "Saldo in {month}",
        "opening_short": "Beginsaldo",
        "work_short": "Werk van het tegoed",
        "closing_short": "Eindsaldo",
        "paid_note": "Voor het werk dat van de strippenkaart is betaald, ontvangt u geen aparte factuur.",
        "hour_unit": "u",
        "runs-out": "Bij het huidige verbruik is het tegoed rond {day} op",
        "runs-out-plan": "Bij het huidige verbruik is het tegoed rond {day} op, tot het volgende maandtegoed",
        "used-up": "Het tegoed is op",
        "no-recent-use": "Geen recent verbruik: bij dit tempo raakt het tegoed niet op",
        "not-before": "Bij het huidige verbruik is het tegoed niet vóór {day} op",
        "plan-covers": "Het maandtegoed dekt het huidige verbruik: het tegoed raakt niet op",
        "method": "Gemiddeld verbruik van {start} tot en met {end} ({days} dagen): {used}, {daily} per dag; "
        "gerekend vanaf {at}",
        "method_plan": "; met de maandtegoeden van het plan (het volgende: {amount} op {day})",
        "expires": "{amount} vervalt op {day}",
    },
    "en": {
        "statement": "Statement",
        "provisional_title": "Provisional statement",
        "provisional": "PROVISIONAL — not issued; the figures may still change",
        "to": "To",
        "account_manager": "Account manager",
        "period": "Period",
        "card_in": "strippenkaart in",
        "no_card": "no strippenkaart",
        "issued": "Issued {when}; computed from the ledger as known then (log position {position})",
        "computed": "Computed from the ledger up to log position {position}",
        "opening": "Opening balance {day}",
        "closing": "Closing balance {day}",
        "corrections": "Corrections to earlier periods",
        "credits": "Credits",
        "work": "Work paid from the strippenkaart (no separate invoice)",
        "expired": "Expired credit",
        "covered": "Work covered by your contract (no charge)",
        "invoiced": "Work invoiced separately",
        "none": "none",
        "total": "Total",
        "for_period": "belongs to {period}",
        "from_card": "from credit",
        "invoiced_separately": "{amount} invoiced separately",
        "balance_after": "balance",
        "correction": "Correction",
        "correction_of": "Correction of {reference}",
        "later_credit": "Paid from credit bought later, for work on {day}",
        "purchase": "Purchase",
        "top-up": "Top-up",
        "monthly": "Monthly credit {month}",
        "expiry": "Expired: {label}",
        "covered_by_contract": "covered by your {name} contract",
        "covered_by_pack": "covered by beheerpack {name}",
        "covered_by_onsite": "covered by on-site support ({name})",
        "value": "value",
        "check": "Check: opening + credits − work ± corrections − expired = closing",
        "forecast": "Forecast",
        "kvk": "KvK (Chamber of Commerce)",
        "btw": "VAT",
        "iban": "IBAN",
        "date": "Date",
        "ticket": "Ticket",
        "description": "Description",
        "hours": "Hours",
        "rate": "Rate",
        "amount": "Amount",
        "balance": "Balance",
        "balance_in": "Balance in {month}",
        "opening_short": "Opening balance",
        "work_short": "Work from credit",
        "closing_short": "Closing balance",
        "paid_note": "No invoice is sent for the work paid from the strippenkaart.",
        "hour_unit": "h",
        "runs-out": "At the recent rate of use the credit runs out around {day}",
        "runs-out-plan": "At the recent rate of use the credit runs out around {day}, "
        "until the next monthly credit",
        "used-up": "The credit is used up",
        "no-recent-use": "No recent use: at this rate the credit does not run out",
        "not-before": "At the recent rate of use the credit lasts beyond {day}",
        "plan-covers": "The monthly credit covers the recent rate of use: the credit does not run out",
        "method": "Average use from {start} to {end} ({days} days): {used}, {daily} a day; "
        "computed as of {at}",
        "method_plan": "; counting the plan's monthly credits (the next: {amount} on {day})",
        "expires": "{amount} expires on {day}",
    },
}


@dataclass(frozen=True)
class Words:
    """One language's words and formats."""

    language: str

    def __post_init__(self) -> None:
        if self.language not in LOCALES:
            msg = f"unknown statement language {self.language!r}"
            raise ValueError(msg)

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def __getitem__(self, key: str) -> str:
        return LABELS[self.language][key]

    def money(self, amount: Decimal, currency: str) -> str:
        """``€ 1.234,56`` (nl) or ``€1,234.56`` (en); a negative amount with a minus sign."""
        return str(format_currency(amount.quantize(CENT), currency, locale=self.locale))

    def number(self, value: Decimal) -> str:
        """Two decimals with the language's separators (hours, ``2,50``)."""
        return str(format_decimal(value.quantize(CENT), format="#,##0.00", locale=self.locale))

    def day(self, day: date | str) -> str:
        """``5 okt. 2026`` (nl) or ``5 Oct 2026`` (en)."""
        when = date.fromisoformat(day) if isinstance(day, str) else day
        full = get_month_names("wide", locale=self.locale)[when.month]
        short = str(get_month_names("abbreviated", locale=self.locale)[when.month]).rstrip(".")
        if self.language == "nl" and short != full:
            short += "."  # Dutch abbreviates with a full stop: okt., but mei
        return f"{when.day} {short} {when.year}"

    def month(self, month: str) -> str:
        """``november 2026`` (nl) or ``November 2026`` (en)."""
        return str(format_date(parse_month(month), "LLLL y", locale=self.locale))

    def month_name(self, month: str) -> str:
        """``november`` (nl) or ``November`` (en), for a monthly credit."""
        return str(format_date(parse_month(month), "LLLL", locale=self.locale))

    def hours_times_rate(self, line: StatementLine, currency: str) -> str:
        """``2,50 u × € 125,00 = € 312,50``: the line's full amount, whoever pays it."""
        if line.hours is None or line.rate is None:
            return ""
        hours = abs(line.hours)
        amount = (hours * line.rate).quantize(CENT, ROUND_HALF_UP)
        return (
            f"{self.number(hours)} {self['hour_unit']} × {self.money(line.rate, currency)} = "
            f"{self.money(amount, currency)}"
        )

    def credit_label(self, kind: str, reference: str) -> str:
        """``Maandtegoed november``, ``Opwaardering INV-7``, ``Aankoop ORDER-1``."""
        if reference.startswith(MONTHLY_PREFIX):
            return self["monthly"].format(month=self.month_name(reference.removeprefix(MONTHLY_PREFIX)))
        if kind in ("purchase", "top-up"):
            return f"{self[kind]} {reference}"
        return reference

    def line_label(self, line: StatementLine) -> str:
        """What a customer reads for a line: never an internal reason."""
        if line.kind == "reversal":
            return line.description or self["correction_of"].format(reference=line.reference)
        if line.kind == "later-credit":  # the description holds the work's own date
            return self["later_credit"].format(day=self.day(line.description))
        if line.section == "credit":
            return self.credit_label(line.kind, line.reference)
        if line.section == "other":
            kind = "monthly" if line.reference.startswith(MONTHLY_PREFIX) else "purchase"
            return self["expiry"].format(label=self.credit_label(kind, line.reference))
        return line.description or line.reference

    def forecast(self, forecast: Forecast, currency: str) -> tuple[str, str, list[str]]:
        """The forecast as a sentence, its method, and the credit that expires soon."""
        key = forecast.outcome
        if key == "runs-out" and forecast.summary.endswith("(until the next monthly credit)"):
            key = "runs-out-plan"
        day = forecast.runs_out_on
        if forecast.outcome == "not-before":
            day = forecast.summary.split()[2]  # the horizon's date, as the forecast computed it
        sentence = self[key].format(day=self.day(day) if day else "")
        method = self["method"].format(
            start=self.day(forecast.window_start),
            end=self.day(forecast.window_end),
            days=forecast.window_days,
            used=self.money(forecast.used_in_window, currency),
            daily=self.money(forecast.daily_use, currency),
            at=self.day(forecast.forecast_at) if forecast.forecast_at else "",
        )
        following = forecast.next_monthly_credit
        if following is not None:
            method += self["method_plan"].format(
                amount=self.money(following.amount, currency), day=self.day(following.on)
            )
        expiring = [
            self["expires"].format(amount=self.money(credit.amount, currency), day=self.day(credit.on))
            for credit in forecast.expiring
        ]
        return sentence, method, expiring

    def covered_by(self, kind: str) -> str:
        """``gedekt door uw Comfort-contract`` from a covered line's ``payer:name``."""
        payer, _, name = kind.partition(":")
        shown = name.title() if payer == "servicedesk-contract" else name
        key = {"servicedesk-contract": "covered_by_contract", "beheerpack": "covered_by_pack"}.get(
            payer, "covered_by_onsite"
        )
        return self[key].format(name=shown)
