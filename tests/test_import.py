"""``ledger import``: history through the ordinary commands, validated first, idempotent, batched."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.aggregates.work_entry import WorkEntry
from ledger.cli import main
from ledger.collector import YOUNG_COLLECTION_EVERY
from ledger.commands import importing
from ledger.commands.importing import ImportRowsError, ImportStoppedError
from ledger.commands.unit_of_work import BatchUnit
from tests.support import FakeClock, event_count

COLUMNS = list(importing.KNOWN_COLUMNS)

HISTORY: list[dict[str, str]] = [
    {
        "type": "customer",
        "customer": "acme",
        "at": "2026-01-05",
        "name": "Acme B.V.",
        "account_manager": "Anna",
    },
    {
        "type": "customer",
        "customer": "globex",
        "at": "2026-01-05",
        "name": "Globex",
        "account_manager": "Bert",
    },
    {"type": "purchase", "customer": "acme", "at": "2026-01-06", "amount": "1000", "reference": "ORDER-1"},
    {
        "type": "purchase",
        "customer": "globex",
        "at": "2026-01-06",
        "amount": "300.00",
        "currency": "EUR",
        "reference": "ORDER-2",
    },
    {
        "type": "work",
        "customer": "acme",
        "at": "2026-01-07T10:00:00+01:00",
        "ticket": "T-1",
        "hours": "2",
        "rate": "100",
        "description": "printer",
        "kind": "support",
    },
    {
        "type": "work",
        "customer": "globex",
        "at": "2026-01-07T11:00:00+01:00",
        "ticket": "G-1",
        "hours": "3",
        "component": "network",
        "kind": "rfc",
    },
    {
        "type": "work",
        "customer": "acme",
        "at": "2026-01-08T09:30:00+01:00",
        "ticket": "T-2",
        "hours": "1.25",
        "kind": "rfc",
    },
    {
        "type": "work",
        "customer": "globex",
        "at": "2026-01-09",
        "ticket": "G-2",
        "hours": "1",
        "rate": "90",
        "kind": "rfc",
    },
    {"type": "top-up", "customer": "globex", "at": "2026-01-10", "amount": "200", "reference": "INV-7"},
    {
        "type": "work",
        "customer": "globex",
        "at": "2026-01-10T12:00:00+01:00",
        "ticket": "G-3",
        "hours": "0.5",
        "kind": "rfc",
    },
    {"type": "reversal", "customer": "acme", "at": "2026-01-11", "ticket": "T-2", "reason": "billed twice"},
    {
        "type": "work",
        "customer": "acme",
        "at": "2026-01-07T10:00:00+01:00",
        "ticket": "T-1",
        "hours": "2",
        "rate": "100",
        "description": "printer",
        "kind": "support",
    },
]
"""Two customers; globex's card runs out (the rest is invoiceable) before a top-up; the last row
repeats ticket T-1 with the same figures, which the ledger records once."""


def as_csv(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(as_csv(rows), encoding="utf-8")
    return path


def one_by_one(ledger: Ledger, row: dict[str, str], suffix: str) -> None:
    """The same row, typed in through the facade, for customer ``<customer><suffix>``."""
    customer, at = row["customer"] + suffix, row["at"]
    match row["type"]:
        case "customer":
            ledger.add_customer(customer, name=row["name"], account_manager=row["account_manager"], at=at)
        case "purchase":
            ledger.buy_card(
                customer,
                amount=row["amount"],
                currency=row.get("currency", "EUR"),
                reference=row["reference"],
                at=at,
            )
        case "top-up":
            ledger.top_up(customer, amount=row["amount"], reference=row["reference"], at=at)
        case "work":
            ledger.log_work(
                customer,
                ticket=row["ticket"],
                hours=row["hours"],
                rate=row.get("rate"),
                description=row.get("description", ""),
                kind=row.get("kind", "rfc"),
                component=row.get("component"),
                source="import",
                at=at,
            )
        case "reversal":
            ledger.reverse_work(customer, ticket=row["ticket"], reason=row["reason"], at=at)


def entry(ledger: Ledger, customer: str, ticket: str) -> dict[str, Any]:
    data = ledger.work_entry(customer, ticket=ticket).to_json()
    del data["customer"]
    return data


@pytest.mark.parametrize("batch_rows", [importing.BATCH_ROWS_MAX, 3])
def test_import_equals_the_same_commands_one_by_one(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int
) -> None:
    monkeypatch.setattr(importing, "BATCH_ROWS_MAX", batch_rows)
    result = ledger.import_csv(write(tmp_path / "history.csv", HISTORY))
    for row in HISTORY:
        one_by_one(ledger, row, "-typed")

    assert (result.rows, result.applied, result.duplicates) == (12, 11, 1)
    assert result.by_type["work"] == {"applied": 5, "duplicates": 1}
    for customer in ("acme", "globex"):
        imported, typed = ledger.balance(customer), ledger.balance(f"{customer}-typed")
        assert (imported.credited, imported.debited, imported.balance) == (
            typed.credited,
            typed.debited,
            typed.balance,
        )
    for customer, ticket in [
        ("acme", "T-1"),
        ("acme", "T-2"),
        ("globex", "G-1"),
        ("globex", "G-2"),
        ("globex", "G-3"),
    ]:
        assert entry(ledger, customer, ticket) == entry(ledger, f"{customer}-typed", ticket)
    assert ledger.work_entry("globex", ticket="G-2").invoiceable > 0  # the card ran out before the top-up
    assert ledger.work_entry("acme", ticket="T-2").reversed


def test_reimport_is_all_duplicates_and_writes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    path = write(tmp_path / "history.csv", HISTORY)
    ledger.import_csv(path)
    before = event_count(ledger)

    again = ledger.import_csv(path)

    assert (again.rows, again.applied, again.duplicates) == (12, 0, 12)
    assert event_count(ledger) == before


def test_work_from_an_import_is_marked_as_such(ledger: Ledger, tmp_path: Path) -> None:
    ledger.import_csv(write(tmp_path / "history.csv", HISTORY[:5]))
    recorded: object = ledger.app.repository.get(WorkEntry.create_id("acme", "T-1"))
    assert isinstance(recorded, WorkEntry)
    assert recorded.source == "import"


BAD = [
    HISTORY[0],  # line 2
    HISTORY[2],  # line 3
    HISTORY[4],  # line 4
    {**HISTORY[3], "amount": "12,50"},  # line 5: bad amount
    HISTORY[1],  # line 6
    {**HISTORY[1], "type": "invoice"},  # line 7: unknown type
    HISTORY[5],  # line 8
    {**HISTORY[6], "at": "2026-01-08T09:30:00"},  # line 9: naive time
]


def test_bad_rows_are_all_listed_and_nothing_is_written(ledger: Ledger, tmp_path: Path) -> None:
    before = event_count(ledger)
    with pytest.raises(ImportRowsError) as refused:
        ledger.import_csv(write(tmp_path / "bad.csv", BAD))

    assert [(p.line, p.field) for p in refused.value.problems] == [(5, "amount"), (7, "type"), (9, "at")]
    assert event_count(ledger) == before


def test_cli_bad_rows_exit_2_listing_each_line(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", store_url, "--actor", "tester", "import", str(write(tmp_path / "bad.csv", BAD))])

    err = capsys.readouterr().err
    assert code == 2
    assert "3 rows refused, nothing written" in err
    for line, field in [(5, "amount"), (7, "type"), (9, "at")]:
        assert f"line {line}: {field}: " in err
    with Ledger.open(store_url, actor="tester") as ledger:
        assert event_count(ledger) == 0


def test_cli_imports_then_reports_duplicates(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write(tmp_path / "history.csv", HISTORY))
    assert main(["--db", store_url, "--actor", "tester", "import", path, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["--db", store_url, "--actor", "tester", "import", path, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)

    assert (first["applied"], first["duplicates"]) == (11, 1)
    assert (second["applied"], second["duplicates"]) == (0, 12)


def test_unknown_columns_and_misplaced_cells_are_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("type,customer,at,colour\ncustomer,acme,2026-01-05,red\n", encoding="utf-8")
    with pytest.raises(ImportRowsError, match="line 1: header: unknown column 'colour'"):
        ledger.import_csv(path)
    with pytest.raises(ImportRowsError, match="line 2: amount: is not a column of a work row"):
        ledger.import_csv(io.StringIO(as_csv([{**HISTORY[4], "amount": "5"}])))
    assert event_count(ledger) == 0


def test_future_rows_are_refused_before_anything_is_written(
    ledger: Ledger, clock: FakeClock, tmp_path: Path
) -> None:
    future = {**HISTORY[4], "at": (clock.now.replace(year=2027)).isoformat()}
    with pytest.raises(ImportRowsError, match=r"line 4: at: .* is in the future"):
        ledger.import_csv(write(tmp_path / "future.csv", [HISTORY[0], HISTORY[2], future]))
    assert event_count(ledger) == 0


def test_a_row_the_ledger_refuses_stops_the_import_there(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH_ROWS_MAX", 2)
    rows = [
        HISTORY[0],
        HISTORY[2],
        HISTORY[4],
        {**HISTORY[8], "customer": "acme"},
        HISTORY[1],
        {**HISTORY[8], "customer": "globex"},
    ]  # line 7: globex has no card to top up

    with pytest.raises(ImportStoppedError, match="line 7: customer: 'globex' has no strippenkaart") as stop:
        ledger.import_csv(write(tmp_path / "history.csv", rows))

    assert stop.value.committed == 5
    assert ledger.balance("acme").balance == ledger.balance("acme").credited - 200
    assert ledger.balance("globex").credited == 0  # registered on line 6, committed; no card yet


def test_a_batch_that_lost_a_race_is_run_again_from_fresh_state(
    ledger: Ledger, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-05")
    ledger.buy_card("acme", amount="1000", reference="ORDER-1", at="2026-01-06")
    commit = BatchUnit.commit
    raced: list[bool] = []

    def commit_after_a_rival(batch: BatchUnit) -> None:
        if not raced:  # another process debits the card between our read and our commit
            raced.append(True)
            with Ledger.open(store_url, actor="rival") as rival:
                rival.log_work("acme", kind="rfc", ticket="RIVAL-1", hours="1", rate="100", at="2026-01-07")
        commit(batch)

    monkeypatch.setattr(BatchUnit, "commit", commit_after_a_rival)
    result = ledger.import_csv(write(tmp_path / "history.csv", [HISTORY[0], HISTORY[2], HISTORY[4]]))

    assert (result.applied, result.duplicates) == (1, 2)
    assert ledger.balance("acme").debited == 300  # the rival's 100 and the import's 200, both kept


def test_a_large_batch_is_stored_whole_and_reads_back(ledger: Ledger, store_url: str, tmp_path: Path) -> None:
    """One batch of more events than an append sends value by value (PostgreSQL sends its arrays
    as one binary parameter each then), on top of history the batch reads in one query."""
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-05")
    ledger.buy_card("acme", amount="10000", reference="ORDER-1", at="2026-01-06")
    ledger.set_rate("acme", rate="100", effective_from="2026-01-06")
    work = [
        {
            "type": "work",
            "customer": "acme",
            "at": f"2026-01-07T{9 + n // 60:02d}:{n % 60:02d}:00+01:00",
            "ticket": f"T-{n}",
            "hours": "0.5",
            "description": f"entry {n} — ünïcode",
            "kind": "rfc",
        }
        for n in range(importing.BATCH_ROWS_MAX // 4)
    ]
    before = event_count(ledger)

    result = ledger.import_csv(write(tmp_path / "history.csv", work))

    assert result.applied == len(work)
    assert event_count(ledger) - before == 2 * len(work)  # each entry and its debit
    with Ledger.open(store_url, actor="reader") as fresh:  # no cache: decoded from the store
        assert fresh.balance("acme").debited == 50 * len(work)
        last = fresh.work_entry("acme", ticket=f"T-{len(work) - 1}")
        expected = (Decimal(100), Decimal(50), f"entry {len(work) - 1} — ünïcode")
        assert (last.rate, last.amount, last.description) == expected
    assert ledger.import_csv(tmp_path / "history.csv").duplicates == len(work)


def test_the_collector_runs_less_often_during_an_import_and_as_before_after_it(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import holds its rows and batches: the youngest generation is collected every 10,000
    allocations meanwhile, and the process's own thresholds come back, however the import ends."""
    import gc

    monkeypatch.setattr(importing, "BATCH_ROWS_MAX", 4)
    original = gc.get_threshold()
    gc.set_threshold(700, 11, 12)
    try:
        seen: list[tuple[int, int, int]] = []
        ledger.import_csv(
            write(tmp_path / "history.csv", HISTORY), progress=lambda *_: seen.append(gc.get_threshold())
        )
        assert seen == [(YOUNG_COLLECTION_EVERY, 11, 12)] * 3
        assert gc.get_threshold() == (700, 11, 12)

        with pytest.raises(ImportRowsError):
            ledger.import_csv(write(tmp_path / "bad.csv", BAD))
        stopped = [{**HISTORY[1], "customer": "initech"}, {**HISTORY[8], "customer": "initech"}]  # no card
        with pytest.raises(ImportStoppedError):
            ledger.import_csv(write(tmp_path / "stopped.csv", stopped))
        assert gc.get_threshold() == (700, 11, 12)

        gc.set_threshold(0, 11, 12)  # switched off by the host: an import leaves it off
        seen.clear()
        ledger.import_csv(
            write(tmp_path / "again.csv", HISTORY), progress=lambda *_: seen.append(gc.get_threshold())
        )
        assert set(seen) == {(0, 11, 12)}
        assert gc.get_threshold() == (0, 11, 12)
    finally:
        gc.set_threshold(*original)
