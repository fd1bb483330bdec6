"""Deployment settings: what differs between one provider's installation and another's.

Read from a TOML file named by ``LEDGER_CONFIG`` (or given to :meth:`Ledger.open`); every section is
optional and has a sensible default. Example::

    [calendar]
    country = "NL"
    closing_days = [{ date = "2026-12-24", name = "Christmas Eve (office closed)" }]

    [security]
    require_actor = true

    [strippenkaart]
    monthly_credit_expires_after_months = 12
    expiry_grace_days = 7

    [admin]
    tasks = ["users.reset-password", "mailbox.permissions", "backup.restore"]

    [alerts]
    nearly_used_percent = 20
    standard_services = ["printers", "m365-licences", "laptop-setup"]
    recurrence_count = 3
    recurrence_days = 90

Settings are validated with pydantic; a bad file is refused with the field that is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.config_source import named_config
from ledger.domain.admin_tasks import DEFAULT_TASKS, TaskCatalogue
from ledger.domain.alerts import Recurrence
from ledger.domain.calendar import WorkingCalendar
from ledger.domain.money import parse_percent
from ledger.domain.names import normalize_label
from ledger.errors import InvalidInputError


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClosingDay(Section):
    date: date
    name: str = "closing day"


class CalendarSettings(Section):
    """The working-day calendar: public holidays of a country, plus the provider's own closing days."""

    country: str = "NL"
    subdivision: str | None = None
    closing_days: tuple[ClosingDay, ...] = ()

    def working_calendar(self) -> WorkingCalendar:
        return WorkingCalendar.from_settings(
            country=self.country,
            subdivision=self.subdivision,
            extra_closing_days=[(day.date, day.name) for day in self.closing_days],
        )


class SecuritySettings(Section):
    """Who may write: with ``require_actor``, a write that does not name its actor is refused."""

    require_actor: bool = False


class StrippenkaartSettings(Section):
    """Expiry rules: how long monthly credit lasts, and how long write-offs wait for late work."""

    monthly_credit_expires_after_months: int | None = Field(default=None, ge=1, le=1200)
    """None: monthly credit never expires."""
    expiry_grace_days: int = Field(default=7, ge=0, le=366)
    """Days after an expiry before the remainder is written off, for work logged late."""


class AdminSettings(Section):
    """The admin-task catalogue beheeraccounts are granted from; ``tasks`` replaces the default."""

    tasks: tuple[str, ...] = Field(default=DEFAULT_TASKS, validate_default=True)

    @field_validator("tasks")
    @classmethod
    def _valid_catalogue(cls, tasks: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return TaskCatalogue.of(tasks).tasks
        except InvalidInputError as error:
            raise ValueError(error.reason) from None

    def catalogue(self) -> TaskCatalogue:
        return TaskCatalogue(self.tasks)


DEFAULT_STANDARD_SERVICES = (
    "printers",
    "m365-licences",
    "laptop-setup",
    "onboarding",
    "offboarding",
    "password-reset",
    "backup-restore",
)
"""Categories commonly sold as a standard service; a deployment lists its own catalogue."""


class AlertSettings(Section):
    """The account managers' alerts.

    ``nearly_used_percent``: the default nearly-used threshold, a percentage of the balance right
    after the latest credit (a customer's own threshold wins). ``standard_services``: the catalogue
    of categories (work-entry components, normalised like them) sold as a standard service.
    ``recurrence_count`` / ``recurrence_days``: how often such work must recur under the
    servicedesk contract, and within how many days, before a suggestion is raised. The alerts view
    applies these when it processes an event, so a rebuild applies the settings of the day.
    """

    nearly_used_percent: Decimal = Decimal("20.00")
    standard_services: tuple[str, ...] = DEFAULT_STANDARD_SERVICES
    recurrence_count: int = Field(default=3, ge=1, le=1000)
    recurrence_days: int = Field(default=90, ge=1, le=3660)

    @field_validator("nearly_used_percent", mode="before")
    @classmethod
    def _percent(cls, value: object) -> Decimal:
        return parse_percent(str(value) if isinstance(value, int | float) else value, "nearly_used_percent")

    @field_validator("standard_services", mode="before")
    @classmethod
    def _catalogue(cls, value: object) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            msg = "standard_services must be a list of categories"
            raise ValueError(msg)
        return tuple(sorted({normalize_label(item, "standard_services") for item in value}))

    def recurrence(self) -> Recurrence:
        return Recurrence(count=self.recurrence_count, days=self.recurrence_days)


class LedgerSettings(Section):
    """All settings of one deployment."""

    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    strippenkaart: StrippenkaartSettings = Field(default_factory=StrippenkaartSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @classmethod
    def load(cls, path: str | Path | None = None) -> LedgerSettings:
        """Settings from ``path``, else from ``$LEDGER_CONFIG``, else the defaults."""
        chosen = named_config(path)
        if not chosen:
            return cls()
        try:
            with Path(chosen).open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise InvalidInputError("config", f"{chosen}: {error}") from None
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            field = f"config {where}"
            raise InvalidInputError(field, first["msg"]) from None
