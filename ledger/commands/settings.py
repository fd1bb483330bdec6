"""Dated settings: record a version, read what is in force, seed the first versions from a config file."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, cast

from eventsourcing.persistence import IntegrityError

from ledger import lazy
from ledger.aggregates.settings import DatedSettings
from ledger.domain.settings import AUTHENTICATED, IDENTITY, OPEN, REGISTERED, SPECS, canonical_value, spec_of
from ledger.domain.time import AMSTERDAM, EARLIEST
from ledger.errors import DamagedHistoryError, IdentityError, InvalidInputError
from ledger.eventstore.application import REPLAY_FAILURES, LedgerApplication

if TYPE_CHECKING:
    from ledger.commands import people
    from ledger.commands.bus import Asked, Context
    from ledger.commands.models import SetSetting
    from ledger.commands.queries import SettingsAt
    from ledger.commands.unit_of_work import Reader, UnitOfWork
    from ledger.config import LedgerSettings
    from ledger.domain.calendar import WorkingCalendar
else:  # the people and their aggregates load only when a mode or a person is judged
    lazy.modules(globals(), people="ledger.commands.people")

SEED_ACTOR = "LEDGER_CONFIG"


@dataclass(frozen=True)
class SettingResult:
    """A version recorded (or found already recorded)."""

    key: str
    value: str
    effective_from: datetime
    duplicate: bool

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "value": self.value,
            "from": self.effective_from.isoformat(),
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class SettingView:
    """One setting as in force at a moment: its value, since when, and who set it."""

    key: str
    value: str
    since: datetime | None
    set_by: str | None
    description: str

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "value": self.value,
            "since": None if self.since is None else self.since.isoformat(),
            "set_by": self.set_by,
            "description": self.description,
        }


def book(app: Reader) -> DatedSettings | None:
    return app.get_or_none(DatedSettings.create_id(), DatedSettings)


def set_setting(uow: UnitOfWork, command: SetSetting, context: Context) -> SettingResult:
    """Record ``key = value`` from ``effective_from``; the same version again writes nothing.

    A change of the identity mode is checked first: it must not lock everyone out.
    """
    spec = spec_of(command.key)
    canonical = canonical_value(spec.key, command.value)
    start = command.effective_from
    if spec.key == IDENTITY:
        check_identity_change(uow, canonical, start, context.now)
    settings = book(uow) or DatedSettings(actor=context.actor, effective_at=start)
    changed = settings.set(spec.key, canonical, context.actor, start)
    if changed or settings.version == 1:
        uow.save(settings)
    return SettingResult(spec.key, canonical, start, duplicate=not changed)


def value_at(app: Reader, key: str, at: datetime) -> object:
    """The parsed value of ``key`` in force at ``at``."""
    return in_force(current_book(app), key, at)


def current_book(app: Reader) -> DatedSettings | None:
    """The settings history as stored now, for reading only: one query outside a command's block
    (see ``CommandCache.current``); inside one, the block's copy, which its append checks."""
    if not isinstance(app, LedgerApplication):  # a unit of work answers from its own changes
        return book(app)
    settings_id = DatedSettings.create_id()
    try:
        done, settings = app.command_cache.current(settings_id)
    except REPLAY_FAILURES as error:  # as get_or_none: a damaged log is refused, not crashed on
        raise DamagedHistoryError(settings_id, f"{type(error).__name__}: {error}") from error
    if not done:
        return book(app)
    if settings is not None and not isinstance(settings, DatedSettings):
        msg = f"the settings id holds a {type(settings).__name__}"
        raise TypeError(msg)
    return settings


def in_force(settings: DatedSettings | None, key: str, at: datetime) -> object:
    """The parsed value of ``key`` in force at ``at`` in an already loaded settings history."""
    text = settings.value_at(key, at) if settings is not None else SPECS[key].default
    return SPECS[key].parse(text)


def calendar_at(settings: DatedSettings | None, base: WorkingCalendar, at: datetime) -> WorkingCalendar:
    """The working calendar in force at ``at``: the country's holidays, the provider's closing days
    and the holidays it works on, as the dated settings say then."""
    from ledger.domain import settings as keys

    closing = in_force(settings, keys.CALENDAR_CLOSING_DAYS, at)
    working = in_force(settings, keys.CALENDAR_WORKING_HOLIDAYS, at)
    if not closing and not working and not base.extra_closing_days:
        return base
    names = dict(base.extra_closing_days)  # a name the config file gave a date is kept
    return dataclasses.replace(
        base,
        extra_closing_days=frozenset(
            (day, names.get(day, "closing day")) for day in cast("tuple[date, ...]", closing)
        ),
        working_holidays=frozenset(cast("tuple[date, ...]", working)),
    )


def settings_in_force(app: Reader, query: SettingsAt, asked: Asked) -> list[SettingView]:
    """Every setting as in force at ``at``, in key order."""
    at = asked.at
    settings = book(app)
    views = []
    for key in sorted(SPECS):
        versions = [] if settings is None else [v for v in settings.versions.get(key, []) if v[0] <= at]
        value = versions[-1][1] if versions else SPECS[key].default
        since, set_by = (versions[-1][0], versions[-1][2]) if versions else (None, None)
        views.append(SettingView(key, value, since, set_by, SPECS[key].description))
    return views


def seed_from_config(app: LedgerApplication, config: LedgerSettings) -> None:
    """Record the config file's money-deciding values as the first versions, once per ledger.

    Only a ledger without any settings history is seeded: afterwards the log decides, and a config
    file that says otherwise no longer matters (``ledger settings set`` changes a setting).
    """
    seeds = config_seeds(config)
    if not seeds or book(app) is not None:
        return
    settings = DatedSettings(actor=SEED_ACTOR, effective_at=EARLIEST)
    for key, value in seeds.items():
        settings.set(key, value, SEED_ACTOR, EARLIEST)
    with contextlib.suppress(IntegrityError):  # another process seeded (or set) first: its history stands
        app.save(settings)


def config_seeds(config: LedgerSettings) -> dict[str, str]:
    """The config file's values for dated settings, where they differ from the defaults."""
    from ledger.domain import settings as keys

    strippenkaart = config.strippenkaart
    candidates = {
        keys.CALENDAR_CLOSING_DAYS: ",".join(day.date.isoformat() for day in config.calendar.closing_days)
        or "none",
        keys.NEARLY_USED_PERCENT: str(config.alerts.nearly_used_percent),
        keys.MONTHLY_CREDIT_EXPIRY: str(strippenkaart.monthly_credit_expires_after_months or "none"),
        keys.EXPIRY_GRACE_DAYS: str(strippenkaart.expiry_grace_days),
    }
    return {
        key: canonical_value(key, value)
        for key, value in candidates.items()
        if canonical_value(key, value) != SPECS[key].default
    }


def monthly_expiry_reader(app: Reader) -> Callable[[datetime], int | None]:
    """For each month's credit, the expiry (in months) in force at its due moment."""
    from ledger.domain.settings import MONTHLY_CREDIT_EXPIRY

    def months(due_at: datetime) -> int | None:
        return cast("int | None", value_at(app, MONTHLY_CREDIT_EXPIRY, due_at))

    return months


def expiry_grace(app: Reader, at: datetime) -> timedelta:
    """How long write-offs wait for late work, as in force at ``at``."""
    from ledger.domain.settings import EXPIRY_GRACE_DAYS

    return timedelta(days=cast("int", value_at(app, EXPIRY_GRACE_DAYS, at)))


def check_identity_change(app: Reader, value: str, effective_from: datetime, now: datetime) -> None:
    """A change of the identity mode is not backdated, and never locks everyone out.

    Why: a backdated mode would misstate how writes were checked; a stricter mode without an active
    security officer (bound to a login, for ``authenticated``) leaves nobody able to relax it.
    """
    today = now.astimezone(AMSTERDAM).replace(hour=0, minute=0, second=0, microsecond=0)
    if effective_from < today:
        raise InvalidInputError("from", "the identity mode cannot be backdated (before today)")
    if value == OPEN:
        return
    officers = [
        person
        for person in people.everyone(app)
        if person.active and "security-officer" in person.roles and (value == REGISTERED or person.db_role)
    ]
    if not officers:
        need = " bound to a login (--db-role)" if value == AUTHENTICATED else ""
        msg = f"no active security-officer{need} is registered; '{value}' would lock everyone out"
        raise IdentityError("value", msg)
