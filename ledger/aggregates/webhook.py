"""A webhook: where alerts are POSTed, which kinds, and the environment variable holding its secret.

Why an aggregate (an event in the log) and not a config file: the alerts projection decides, in the
same transaction as each alert, which deliveries the alert needs; reading webhooks from the log
makes that a pure function of the log, so a rebuild asks for exactly the deliveries it asked for
before (and finds them already in the outbox). The secret itself never enters the log: only the
name of the variable the deliverer reads it from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class Webhook(Record):
    """One receiver URL; alerts raised while it is active (and of its kinds) are delivered to it."""

    class Registered(Record.Created):
        """A webhook was added: ``kinds`` empty means every kind."""

        url: str
        secret_env: str
        kinds: list[str]

    class Updated(Record.Event):
        """The webhook's secret variable, kinds or activity changed (``active`` False: removed)."""

        secret_env: str
        kinds: list[str]
        active: bool

    @staticmethod
    def create_id(url: str) -> UUID:
        return natural_id("webhook", url)

    @event(Registered)
    def __init__(
        self, url: str, secret_env: str, kinds: list[str], actor: str, effective_at: datetime
    ) -> None:
        self.url = url
        self.secret_env = secret_env
        self.kinds = list(kinds)
        self.active = True

    def update(self, secret_env: str, kinds: list[str], *, active: bool, actor: str, at: datetime) -> bool:
        """Record the new configuration; False (no event) when it is already so."""
        if (self.secret_env, sorted(self.kinds), self.active) == (secret_env, sorted(kinds), active):
            return False
        self._updated(secret_env=secret_env, kinds=list(kinds), active=active, actor=actor, effective_at=at)
        return True

    @event(Updated)
    def _updated(
        self, secret_env: str, kinds: list[str], active: bool, actor: str, effective_at: datetime
    ) -> None:
        self.secret_env = secret_env
        self.kinds = list(kinds)
        self.active = active
