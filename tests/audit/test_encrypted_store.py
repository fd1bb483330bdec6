"""Encryption at rest covers the whole store: events, snapshots and every view.

With ``LEDGER_CIPHER_KEY`` set, the raw SQLite file (and its journal) and every PostgreSQL table of
the ledger's schema are searched for what a customer would not want read: a name, an order
reference, a work description, the engineer, an amount. None may be there; with the key every
report still shows them, and without it every command that needs them refuses clearly.
"""

from __future__ import annotations

import base64
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from ledger import Ledger, StoreError
from ledger.aggregates.strippenkaart import Strippenkaart
from tests.support import FakeClock

SECRETS = (b"Geheimzinnig", b"GEHEIM-ORDER-7", b"Geheim project", b"Eva Engineer", b"1234.56", b"246.91")


def raw_store(url: str, folder: Path) -> bytes:
    """Everything the store holds, as bytes an insider without the key could read."""
    if url.startswith("sqlite"):
        return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())
    parts = urlsplit(url)
    schema = parse_qs(parts.query)["schema"][0]
    with psycopg.connect(parts._replace(query="").geturl()) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        dumped = []
        for (table,) in tables:
            rows = connection.execute(f'SELECT t::text FROM "{schema}"."{table}" AS t').fetchall()
            dumped += [row[0] for row in rows]
    # Events, snapshots and the views' encrypted checkpoint: nothing else is stored.
    assert {"ledger_events", "ledger_snapshots", "ledger_view_checkpoints"} <= {t for (t,) in tables}
    return "\n".join(dumped).encode("utf-8")


def use_everything(url: str, clock: FakeClock) -> None:
    with Ledger.open(url, actor="Eva Engineer", clock=clock) as ledger:
        ledger.add_customer(
            "acme", name="Geheimzinnig B.V.", account_manager="Anna de Vries", at="2026-01-02"
        )
        ledger.buy_card("acme", amount="1234.56", reference="GEHEIM-ORDER-7", at="2026-01-05")
        ledger.log_work(
            "acme",
            kind="rfc",
            ticket="T-1",
            hours="1.97",
            rate="125.34",
            description="Geheim project",
            at="2026-01-06",
        )
        ledger.app.take_snapshot(Strippenkaart.create_id("acme"))
        assert ledger.report_balances()[0].name == "Geheimzinnig B.V."
        assert ledger.work_records("acme", "2026-01")[0].description == "Geheim project"
        ledger.invoiceable_lines("2026-01")
        ledger.alerts()
        ledger.statement("acme", "2026-01")
        ledger.seal()
        assert ledger.verify().ok


def test_no_plaintext_anywhere_in_an_encrypted_store(
    store_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_CIPHER_KEY", base64.b64encode(os.urandom(32)).decode())
    use_everything(store_url, clock)
    stored = raw_store(store_url, tmp_path)
    found = [secret for secret in SECRETS if secret in stored]
    assert found == []
    # With the key, the views come back from their encrypted checkpoint (or the log) intact.
    with Ledger.open(store_url, clock=clock) as ledger:
        loaded = ledger.projections.projection("balances").view.max_tracking_id(ledger.app.name)
        assert loaded is not None  # the checkpoint, decrypted: not rebuilt from nothing
        assert loaded > 0
        (row,) = ledger.report_balances()
        assert (row.name, row.credited, row.debited) == (
            "Geheimzinnig B.V.",
            Decimal("1234.56"),
            Decimal("246.92"),
        )
    monkeypatch.delenv("LEDGER_CIPHER_KEY")
    with Ledger.open(store_url, clock=clock) as ledger:
        for read in (
            ledger.report_balances,
            lambda: ledger.work_records("acme", "2026-01"),
            lambda: ledger.balance("acme"),
            ledger.verify,
        ):
            with pytest.raises(StoreError, match="LEDGER_CIPHER_KEY"):
                read()
