"""Concurrent throughput on PostgreSQL: 4 library client processes vs 4 raw-insert processes.

Each library client records work on its own customer's card (billing's usual shape: many customers
at once); the raw clients insert one row per transaction into one shared table.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

CLIENTS = 4


def _library_client(url: str, customer: str, commands: int, prefix: str, start: Any, queue: Any) -> None:
    from ledger import Ledger

    with Ledger.open(url, actor="bench") as ledger:
        ledger.log_work(customer, kind="rfc", ticket=f"{prefix}-warmup", hours="0.25")
        start.wait()
        began = time.perf_counter()
        for number in range(commands):
            ledger.log_work(customer, kind="rfc", ticket=f"{prefix}-{number}", hours="0.25")
        queue.put((began, time.perf_counter()))


def _raw_client(schema: str, inserts: int, locked: bool, start: Any, queue: Any) -> None:
    import uuid

    import psycopg

    from benchmarks.stores import POSTGRES_URL
    from benchmarks.throughput import STATE, TOPIC

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        start.wait()
        began = time.perf_counter()
        for _ in range(inserts):
            with connection.transaction():
                if locked:
                    connection.execute("LOCK TABLE raw_events IN EXCLUSIVE MODE", prepare=True)
                connection.execute(
                    "INSERT INTO raw_events VALUES (%s, %s, %s, %s)",
                    (uuid.uuid4(), 1, TOPIC, STATE),
                    prepare=True,
                )
        queue.put((began, time.perf_counter()))


def _run(target: Any, argument_sets: list[tuple[Any, ...]], total: int) -> float:
    context = multiprocessing.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args, start, queue)) for args in argument_sets]
    for process in processes:
        process.start()
    time.sleep(2.0)  # let every client connect and warm up before the clock starts
    start.set()
    spans: list[tuple[float, float]] = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    elapsed = max(end for _, end in spans) - min(began for began, _ in spans)
    return total / elapsed


CUSTOMERS = [f"client-{n}" for n in range(CLIENTS)]


def prepare_library(url: str) -> None:
    """The clients' customers, each with a card, once for all rounds."""
    from ledger import Ledger

    with Ledger.open(url, actor="bench") as ledger:
        for customer in CUSTOMERS:
            ledger.add_customer(customer, name=customer, account_manager="Anna")
            ledger.buy_card(customer, amount="10000000", reference="ORDER-1", at="2026-01-01")


def library_rate(url: str, commands_each: int, prefix: str = "T") -> float:
    """4 clients, new tickets (``prefix``) on their own customers; :func:`prepare_library` first."""
    arguments = [(url, customer, commands_each, prefix) for customer in CUSTOMERS]
    return _run(_library_client, arguments, CLIENTS * commands_each)


def raw_rate(schema: str, inserts_each: int, *, locked: bool = False) -> float:
    """4 raw clients; ``locked``: each insert under the exclusive table lock the event log needs
    for gap-free notification order (so commits, and their flushes, take turns)."""
    import psycopg

    from benchmarks.stores import POSTGRES_URL, RAW_TABLE

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(
            RAW_TABLE.format(uuid="uuid", blob="bytea").replace("TABLE", "TABLE IF NOT EXISTS")
        )
    return _run(_raw_client, [(schema, inserts_each, locked)] * CLIENTS, CLIENTS * inserts_each)
