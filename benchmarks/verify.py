"""How long does ``audit verify`` take, and how much memory? Each side in a fresh process, alternating.

    .venv/bin/python -m benchmarks.verify --store sqlite --events 100000 --rounds 2 --before ../main

Builds one log (:func:`benchmarks.replay.build_log`) and its views, then runs ``Ledger.verify()`` on
it in a fresh process per round, with this checkout and, given ``--before``, another one taking
turns (``PYTHONPATH``), and prints each round's seconds and peak resident memory (``ru_maxrss``).
Only the side-by-side factor means much on a shared machine. ``--url`` verifies an existing log.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

from benchmarks.replay import build_log
from benchmarks.stores import POSTGRES_URL
from ledger import Ledger

HERE = Path(__file__).resolve().parent.parent
VERIFY = """
import json, resource, sys, time
from ledger import Ledger
with Ledger.open(sys.argv[1], actor="bench") as ledger:
    started = time.perf_counter()
    report = ledger.verify()
    seconds = time.perf_counter() - started
peak = max(  # a child rebuilding scratch views counts too
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
) / 1024
print(json.dumps([seconds, peak, report.status, report.problem_count, report.invariants.events]))
"""


def verify_once(url: str, checkout: Path) -> tuple[float, float, str, int, int]:
    """One ``verify`` in a fresh process importing the ledger from ``checkout``."""
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    output = subprocess.run(
        [sys.executable, "-c", VERIFY, url],
        env=environment,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    seconds, peak, status, problems, events = json.loads(output.splitlines()[-1])
    return float(seconds), float(peak), str(status), int(problems), int(events)


def measure(url: str, events: int | None, rounds: int, before: Path | None) -> None:
    if events:
        build_log(url, events)
    with Ledger.open(url, actor="bench") as ledger:
        ledger.rebuild_projection()  # the live views, so that verify does not build them
        total = ledger.app.recorder.max_notification_id() or 0
    print(f"{total} events in the log")
    sides = [("after", HERE)] + ([("before", before.resolve())] if before else [])
    for number in range(1, rounds + 1):
        for name, checkout in sides if number % 2 else sides[::-1]:
            seconds, peak, status, problems, replayed = verify_once(url, checkout)
            print(
                f"  round {number} {name:<6} {seconds:7.1f} s  {total / seconds:>8,.0f} ev/s"
                f"  peak {peak:5.0f} MB  ({status}, {problems} problems, {replayed} events replayed)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout to verify with, alternating")
    parser.add_argument("--url", help="verify this existing log instead of building one")
    args = parser.parse_args(argv)
    if args.url:
        measure(args.url, None, args.rounds, args.before)
        return 0
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.events, args.rounds, args.before)
        return 0
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        measure(f"{POSTGRES_URL}?schema={schema}", args.events, args.rounds, args.before)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
