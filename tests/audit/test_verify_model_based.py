"""No false findings: after every run of the model-based state machine, a sealed ledger verifies clean.

The machine (tests/test_model_based.py) drives cards, monthly plans, work, reversals, contracts,
packs and expiry write-offs through ticks; whatever it did, every event kind must be understood by
the verifier, every snapshot must match its replay and every view its rebuild: status ``ok``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest

from ledger import NoCardError
from tests.conftest import postgres_available
from tests.support import examples
from tests.test_model_based import LedgerMachine, Receivers, receivers, run_machine

__all__ = ["receivers"]  # the module-scoped SMTP and webhook receivers the machine delivers to


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
            self.check_at_the_end()  # the model's checks first: the write-offs below are not modelled
            if self.model:
                assert self.expire_some_credit() >= 1
                self.tally.saw("written_off")
            self.ledger.seal()
            report = self.ledger.verify()
            found = [f"{f.check}@{f.position}: {f.message}" for f in report.problems + report.unsealed]
            assert report.status == "ok", found
            self.tally.saw("verified")
        finally:
            self.close_store()


class VerifiedOnPostgres(VerifiedOnTeardown):
    store: ClassVar[str] = "postgres"


@pytest.mark.slow
def test_a_sealed_ledger_verifies_after_the_machine_on_sqlite(receivers: Receivers) -> None:
    count = examples(4)
    tally = run_machine(VerifiedOnTeardown, receivers, count, 25)
    tally.at_least(verified=count, written_off=count)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_sealed_ledger_verifies_after_the_machine_on_postgres(receivers: Receivers) -> None:
    postgres_available()
    count = examples(3)
    tally = run_machine(VerifiedOnPostgres, receivers, count, 25)
    tally.at_least(verified=count, written_off=count)
