"""No false findings: after every run of the model-based state machine, a sealed ledger verifies clean.

The machine (tests/test_model_based.py) drives cards, monthly plans, work, reversals, contracts,
packs and expiry write-offs through ticks; whatever it did, every event kind must be understood by
the verifier, every snapshot must match its replay and every view its rebuild: status ``ok``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
from hypothesis import settings

from ledger import NoCardError
from tests.conftest import POSTGRES_URL, postgres_available
from tests.support import examples
from tests.test_model_based import LedgerMachine, SQLiteLedgerMachine


class VerifiedOnTeardown(LedgerMachine):
    def expire_some_credit(self) -> int:
        """The machine writes nothing off by itself: give every customer a block that expires and
        tick past its grace period, so write-offs follow whatever history the machine made."""
        for slug in sorted(self.model):
            expires_at = (self.now + timedelta(days=1)).isoformat()
            try:
                self.ledger.top_up(slug, amount="10.00", reference=f"EXPIRING-{slug}", expires_at=expires_at)
            except NoCardError:
                self.ledger.buy_card(
                    slug, amount="10.00", reference=f"EXPIRING-{slug}", expires_at=expires_at
                )
        self.clock.advance(days=30)
        return int(self.ledger.tick().recorded["expiry-write-off"])

    def teardown(self) -> None:
        try:
            if self.model:
                assert self.expire_some_credit() >= 1
            self.ledger.seal()
            report = self.ledger.verify()
            found = [f"{f.check}@{f.position}: {f.message}" for f in report.problems + report.unsealed]
            assert report.status == "ok", found
        finally:
            super().teardown()


class VerifiedInMemory(VerifiedOnTeardown):
    pass


class VerifiedOnSQLite(VerifiedOnTeardown, SQLiteLedgerMachine):
    pass


class VerifiedOnPostgres(VerifiedOnTeardown):
    """The same machine on PostgreSQL, a schema per example."""

    def __init__(self) -> None:
        postgres_available()
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        separator = "&" if "?" in POSTGRES_URL else "?"
        type(self).url = f"{POSTGRES_URL}{separator}schema={self.schema}"
        super().__init__()

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


TestVerifyAfterModelInMemory = VerifiedInMemory.TestCase
TestVerifyAfterModelInMemory.settings = settings(
    max_examples=examples(10), stateful_step_count=40, deadline=None
)
TestVerifyAfterModelOnSQLite = VerifiedOnSQLite.TestCase
TestVerifyAfterModelOnSQLite.settings = settings(
    max_examples=examples(4), stateful_step_count=25, deadline=None
)
TestVerifyAfterModelOnPostgres = VerifiedOnPostgres.TestCase
TestVerifyAfterModelOnPostgres.settings = settings(
    max_examples=examples(3), stateful_step_count=25, deadline=None
)
