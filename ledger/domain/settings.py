"""The settings that decide money, as a registry: each key, its default, and how a value is read.

Why a registry: settings are dated events in the ledger (``ledger settings set KEY VALUE --from
DATE``), so every process and every rebuild decides alike. A value is stored as its canonical text;
``parse`` turns it into what the rules use, and refuses anything else before it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.domain.categories import DEFAULT_SYNONYMS, parse_synonyms
from ledger.errors import InvalidInputError

LATE_WORK_POLICY = "late-work-policy"
LATER_CREDIT = "later-credit"
"""Late work draws on credit of its own time, then on credit in force when it is recorded."""
STRICT = "strict"
"""Late work draws only on credit in force at its own time; the rest is invoiced."""

CALENDAR_CLOSING_DAYS = "calendar.closing-days"
CALENDAR_WORKING_HOLIDAYS = "calendar.working-holidays"
NEARLY_USED_PERCENT = "alerts.nearly-used-percent"
MONTHLY_CREDIT_EXPIRY = "card.monthly-credit-expires-after-months"
EXPIRY_GRACE_DAYS = "card.expiry-grace-days"
IDENTITY = "identity"
OPEN, REGISTERED, AUTHENTICATED = "open", "registered", "authenticated"
"""How the actor of a write is established; see :mod:`ledger.commands.identity`."""
CREDIT_EXPIRING_DAYS = "alerts.credit-expiring-days"
ALERT_DELIVERY = "alerts.delivery"
PER_ALERT = "per-alert"
"""One e-mail per alert, sent as soon as the deliverer runs."""
DAILY_DIGEST = "daily-digest"
"""One e-mail per account manager per day with the day's alerts, sent once the day is over."""
CATEGORY_SYNONYMS = "alerts.category-synonyms"
STATEMENTS_CUT_OFF = "statements.cut-off"
STATEMENTS_LANGUAGE = "statements.language"
STATEMENTS_CUSTOMER_LANGUAGES = "statements.customer-languages"
INVOICE_VAT_RATE = "invoice.vat-rate"
SENDER_NAME = "sender.name"
SENDER_ADDRESS = "sender.address"
SENDER_KVK = "sender.kvk"
SENDER_VAT_NUMBER = "sender.btw"
SENDER_IBAN = "sender.iban"
SENDER_CONTACT = "sender.contact"
LANGUAGES = ("nl", "en")
TEXT_MAX = 300
"""The longest free text a setting may hold (a sender's address, a contact line)."""

DATES_MAX = 400
"""How many dates one calendar setting may list."""


@dataclass(frozen=True)
class SettingSpec:
    """One setting: what it decides, its default (canonical text), and its parser."""

    key: str
    description: str
    default: str
    parse: Callable[[str], object]

    def canonical(self, value: str) -> str:
        """The value as it is stored: parsed (so a bad one is refused) and written back uniformly."""
        return render(self.parse(value))


def render(value: object) -> str:
    """A parsed value as canonical text."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        if not value:
            return "none"
        return ",".join(render(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _choice(*choices: str) -> Callable[[str], object]:
    def parse(text: str) -> object:
        value = text.strip().lower()
        if value not in choices:
            msg = f"{text!r} is not one of {', '.join(choices)}"
            raise ValueError(msg)
        return value

    return parse


def _whole(low: int, high: int, *, none_allowed: bool = False) -> Callable[[str], object]:
    def parse(text: str) -> object:
        value = text.strip().lower()
        if none_allowed and value in ("none", "never"):
            return None
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            extra = " or 'none'" if none_allowed else ""
            msg = f"{text!r} is not a whole number from {low} to {high}{extra}"
            raise ValueError(msg)
        return int(value)

    return parse


def _percent(text: str) -> object:
    value = text.strip()
    whole, _, fraction = value.partition(".")
    digits = whole + fraction
    if not (whole and digits.isascii() and digits.isdigit() and value.count(".") <= 1):
        msg = f"{text!r} is not a percentage such as 20 or 12.5"
        raise ValueError(msg)
    if len(fraction) > 2 or not Decimal(0) < Decimal(value) <= Decimal(100):
        msg = f"{text!r} is not a percentage above 0 and at most 100 with at most two decimals"
        raise ValueError(msg)
    return Decimal(value).quantize(Decimal("0.01"))


def _vat_percent(text: str) -> object:
    """0 is a valid VAT rate (exempt or reverse-charged), unlike a nearly-used percentage."""
    if text.strip() in ("0", "0.0", "0.00"):
        return Decimal("0.00")
    return _percent(text)


def _dates(text: str) -> object:
    value = text.strip()
    if value.lower() in ("", "none"):
        return ()
    days = []
    for part in value.split(","):
        item = part.strip()
        try:
            if len(item) != 10 or not item.isascii():
                raise ValueError(item)
            days.append(date.fromisoformat(item))
        except ValueError:
            msg = f"{item!r} is not a date YYYY-MM-DD (give dates separated by commas, or 'none')"
            raise ValueError(msg) from None
    if len(days) > DATES_MAX:
        msg = f"at most {DATES_MAX} dates"
        raise ValueError(msg)
    return tuple(sorted(set(days)))


def _text(text: str) -> object:
    value = " ".join(text.split())
    if not value or value.lower() == "none":
        return None
    if len(value) > TEXT_MAX:
        msg = f"at most {TEXT_MAX} characters"
        raise ValueError(msg)
    return value


def _customer_languages(text: str) -> object:
    """``acme=en,zeehaven=nl``: per customer, the statement language (sorted, one per customer)."""
    value = text.strip().lower()
    if value in ("", "none"):
        return ()
    chosen: dict[str, str] = {}
    for part in value.split(","):
        customer, equals, language = (item.strip() for item in part.partition("="))
        if not equals or not customer or language not in LANGUAGES:
            msg = f"{part.strip()!r} is not CUSTOMER=LANGUAGE with a language of {', '.join(LANGUAGES)}"
            raise ValueError(msg)
        chosen[customer] = language
    if len(chosen) > DATES_MAX:
        msg = f"at most {DATES_MAX} customers"
        raise ValueError(msg)
    return tuple(f"{customer}={language}" for customer, language in sorted(chosen.items()))


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec(
            LATE_WORK_POLICY,
            "how late work is paid when the credit of its own time was used since: "
            f"'{LATER_CREDIT}' (then from credit in force when it is recorded) "
            f"or '{STRICT}' (invoice the rest)",
            LATER_CREDIT,
            _choice(LATER_CREDIT, STRICT),
        ),
        SettingSpec(
            CALENDAR_CLOSING_DAYS,
            "the provider's own closing days on top of the public holidays (dates, comma-separated)",
            "none",
            _dates,
        ),
        SettingSpec(
            CALENDAR_WORKING_HOLIDAYS,
            "public holidays on which the provider works (e.g. Good Friday), comma-separated",
            "none",
            _dates,
        ),
        SettingSpec(
            NEARLY_USED_PERCENT,
            "the default nearly-used threshold, a percentage of the balance right after the latest credit",
            "20.00",
            _percent,
        ),
        SettingSpec(
            MONTHLY_CREDIT_EXPIRY,
            "months after which a monthly credit expires ('none': never)",
            "none",
            _whole(1, 1200, none_allowed=True),
        ),
        SettingSpec(
            EXPIRY_GRACE_DAYS,
            "days after an expiry before the remainder is written off, for work logged late",
            "7",
            _whole(0, 366),
        ),
        SettingSpec(
            IDENTITY,
            f"who the actor of a write is: '{OPEN}' (the name given), '{REGISTERED}' (an active person "
            f"whose role allows the command) or '{AUTHENTICATED}' (the database or system login's person)",
            OPEN,
            _choice(OPEN, REGISTERED, AUTHENTICATED),
        ),
        SettingSpec(
            CREDIT_EXPIRING_DAYS,
            "days before a credit block with a remainder expires that the clock raises 'credit-expiring'",
            "30",
            _whole(1, 366),
        ),
        SettingSpec(
            ALERT_DELIVERY,
            f"how alerts are e-mailed: '{PER_ALERT}' (one mail each) or '{DAILY_DIGEST}' "
            "(one mail per account manager per day)",
            PER_ALERT,
            _choice(PER_ALERT, DAILY_DIGEST),
        ),
        SettingSpec(
            CATEGORY_SYNONYMS,
            "work categories that mean the same for the standard-service suggestion: "
            "'category=synonym|synonym; ...'",
            str(parse_synonyms(DEFAULT_SYNONYMS)),
            parse_synonyms,
        ),
        SettingSpec(
            STATEMENTS_CUT_OFF,
            "when a month's statements are issued by the tick: on this working day of the next month, "
            "00:00 Europe/Amsterdam (0: right at the month's end), so late hours are in",
            "3",
            _whole(0, 20),
        ),
        SettingSpec(
            STATEMENTS_LANGUAGE,
            "the language of statements: 'nl' (Dutch) or 'en' (English)",
            "nl",
            _choice(*LANGUAGES),
        ),
        SettingSpec(
            STATEMENTS_CUSTOMER_LANGUAGES,
            "per customer, a statement language other than the default: CUSTOMER=LANGUAGE, comma-separated",
            "none",
            _customer_languages,
        ),
        SettingSpec(
            INVOICE_VAT_RATE,
            "the VAT rate (percentage) on invoiceable lines in invoice exports",
            "21.00",
            _vat_percent,
        ),
        SettingSpec(SENDER_NAME, "the provider's name on statements", "none", _text),
        SettingSpec(SENDER_ADDRESS, "the provider's postal address on statements", "none", _text),
        SettingSpec(SENDER_KVK, "the provider's Chamber of Commerce (KvK) number", "none", _text),
        SettingSpec(SENDER_VAT_NUMBER, "the provider's VAT (BTW) identification number", "none", _text),
        SettingSpec(SENDER_IBAN, "the provider's IBAN on statements", "none", _text),
        SettingSpec(SENDER_CONTACT, "how customers reach the provider (e-mail, phone)", "none", _text),
    )
}


def spec_of(key: str) -> SettingSpec:
    """The registered setting, or InvalidInputError naming the known keys."""
    spec = SPECS.get(key.strip().lower()) if isinstance(key, str) else None
    if spec is None:
        msg = f"unknown setting {key!r}; known: {', '.join(sorted(SPECS))}"
        raise InvalidInputError("key", msg)
    return spec


def canonical_value(key: str, value: str) -> str:
    """``value`` for ``key`` in canonical form, or InvalidInputError saying why not."""
    spec = spec_of(key)
    if not isinstance(value, str):
        raise InvalidInputError("value", f"{type(value).__name__} is not text")
    if value != value.strip():
        raise InvalidInputError("value", f"{value!r} has spaces at its ends")
    try:
        return spec.canonical(value)
    except ValueError as error:
        raise InvalidInputError("value", str(error)) from None
