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

Settings are validated with pydantic; a bad file is refused with the field that is wrong.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.domain.admin_tasks import DEFAULT_TASKS, TaskCatalogue
from ledger.domain.calendar import WorkingCalendar
from ledger.errors import InvalidInputError

CONFIG_VARIABLE = "LEDGER_CONFIG"


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


class LedgerSettings(Section):
    """All settings of one deployment."""

    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    strippenkaart: StrippenkaartSettings = Field(default_factory=StrippenkaartSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)

    @classmethod
    def load(cls, path: str | Path | None = None) -> LedgerSettings:
        """Settings from ``path``, else from ``$LEDGER_CONFIG``, else the defaults."""
        chosen = path or os.environ.get(CONFIG_VARIABLE)
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
