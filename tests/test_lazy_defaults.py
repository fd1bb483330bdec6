"""What a handle leaves for later must come out the same as when it was made at once: the default
settings (made when first read, and seeding nothing), the card's figures without the result model
(the same JSON as the balance), and the snapshot intervals named by topic (each names an aggregate).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, resolve_topic
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.commands.card_balance import CardFigures
from ledger.commands.settings import SEED_ACTOR, config_seeds
from ledger.config import LedgerSettings, SecuritySettings
from ledger.domain.results import Balance
from ledger.domain.settings import EXPIRY_GRACE_DAYS
from ledger.errors import InvalidInputError
from ledger.eventstore.application import SNAPSHOT_INTERVALS, LedgerApplication


def test_the_default_settings_seed_nothing() -> None:
    """Why a handle without a settings file may skip seeding: the defaults are the dated settings'
    own defaults."""
    assert config_seeds(LedgerSettings()) == {}


def test_without_a_file_the_settings_are_the_defaults(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGER_CONFIG", raising=False)
    with Ledger.open(sqlite_url, default_actor="jan") as ledger:
        assert ledger.settings == LedgerSettings()
        assert ledger.settings is ledger.settings
        assert ledger.default_actor == "jan"
        assert [s.set_by for s in ledger.settings_in_force() if s.set_by is not None] == []


def test_a_named_file_is_read_and_seeded_at_open(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ledger.toml"
    config.write_text("[security]\nrequire_actor = true\n[strippenkaart]\nexpiry_grace_days = 9\n", "utf-8")
    monkeypatch.setenv("LEDGER_CONFIG", str(config))
    with Ledger.open(sqlite_url, default_actor="jan") as ledger:
        monkeypatch.delenv("LEDGER_CONFIG")  # read when opened, not when first used
        assert ledger.settings.security == SecuritySettings(require_actor=True)
        assert ledger.default_actor is None
        (grace,) = [s for s in ledger.settings_in_force() if s.key == EXPIRY_GRACE_DAYS]
        assert (grace.value, grace.set_by) == ("9", SEED_ACTOR)


def test_a_bad_file_is_refused_at_open(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ledger.toml"
    config.write_text("[security]\nrequire_actor = 'perhaps'\n", "utf-8")
    monkeypatch.setenv("LEDGER_CONFIG", str(config))
    with pytest.raises(InvalidInputError, match=r"config security\.require_actor"):
        Ledger.open(sqlite_url)


def test_given_settings_win_over_the_file(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_CONFIG", str(tmp_path / "absent.toml"))  # never read
    given_settings = LedgerSettings(security=SecuritySettings(require_actor=True))
    with Ledger.open(sqlite_url, settings=given_settings) as ledger:
        assert ledger.settings is given_settings


amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


@given(
    customer=st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True),
    currency=st.sampled_from(["EUR", "USD", "GBP"]),
    figures=st.tuples(amounts, amounts, amounts, amounts),
)
def test_card_figures_print_the_balance_json(
    customer: str, currency: str, figures: tuple[Decimal, ...]
) -> None:
    credited, debited, balance, expired = figures
    plain = CardFigures(customer, currency, credited, debited, balance, expired)
    model = plain.result()
    assert isinstance(model, Balance)
    assert json.dumps(plain.to_json()) == json.dumps(model.to_json())  # the same keys, in the same order


def test_card_figures_have_the_balance_fields() -> None:
    assert [f for f in CardFigures.__dataclass_fields__] == list(Balance.model_fields)


def test_card_figures_and_balance_agree_on_a_store(ledger: Ledger) -> None:
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.add_customer("beta", name="Beta", account_manager="Anna")
    ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-01")
    for customer in ("acme", "beta"):
        assert ledger.card_figures(customer).to_json() == ledger.balance(customer).to_json()


def test_every_snapshot_interval_names_an_aggregate() -> None:
    for topic, interval in SNAPSHOT_INTERVALS.items():
        kind = resolve_topic(topic)
        assert isinstance(kind, type), topic
        assert issubclass(kind, Aggregate), topic
        assert get_topic(kind) == topic
        assert LedgerApplication.snapshot_intervals[get_topic(kind)] == interval > 0
    assert LedgerApplication.is_snapshotting_enabled
