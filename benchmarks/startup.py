"""Command-line start-up: ``ledger balance CUSTOMER`` on an SQLite store, wall time of a fresh process,
against a bare ``python -c "import eventsourcing.application, pydantic, rich"`` (the libraries every
command needs anyway), measured in the same run; with ``--work-log``, ``ledger work log`` instead
(one hour on a new ticket each run, for a customer with a Basis contract and a card).

The two take turns, round after round, and each side's figure is its median round: the load of a
shared machine moves within seconds, and turns keep that drift out of the ratio. Run alone:

    python -m benchmarks.startup --rounds 15
    python -m benchmarks.startup --rounds 15 --before ../other-checkout   # also an older version's
    python -m benchmarks.startup --rounds 15 --source   # compiling the ledger's modules every run
    python -m benchmarks.startup --rounds 15 --work-log --before ../other-checkout

Every side runs with bytecode caches, as an installed program does: a first, uncounted run writes
them under the run's temporary folder (``PYTHONPYCACHEPREFIX``), also where the environment says
``PYTHONDONTWRITEBYTECODE``, and nothing is written into a checkout. ``--source`` keeps the
environment's setting instead, so that with ``PYTHONDONTWRITEBYTECODE=1`` every run compiles the
ledger's source (the libraries' installed caches are still read).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASELINE = "import eventsourcing.application, pydantic, rich"
"""What the issue measures against: the imports no command of the ledger can do without."""


def prepare(folder: Path) -> str:
    """An SQLite ledger with one customer, a Basis contract and a card; returns its URL."""
    from ledger import Ledger

    url = f"sqlite:///{folder / 'ledger.db'}"
    with Ledger.open(url, actor="bench") as ledger:
        ledger.add_customer("acme", name="Acme", account_manager="Anna")
        ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
        ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-01-01")
    return url


def balance_argv(_: int) -> list[str]:
    return [sys.executable, "-m", "ledger", "balance", "acme"]


def work_log_argv(run: int) -> list[str]:
    """An hour of support on a ticket of its own: every run records new work."""
    work = ["acme", "--ticket", f"T-{run}", "--hours", "1", "--kind", "support"]
    return [sys.executable, "-m", "ledger", "work", "log", *work]


def _wall_s(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=Path(argv[0]).parent)
    return time.perf_counter() - started


def balance_vs_imports(
    url: str, rounds: int, before: Path | None = None, pycache: Path | None = None
) -> tuple[float, ...]:
    """``ledger balance``: see :func:`command_vs_imports`."""
    return command_vs_imports(url, rounds, balance_argv, before, pycache)


def command_vs_imports(
    url: str,
    rounds: int,
    argv_of: Callable[[int], list[str]],
    before: Path | None = None,
    pycache: Path | None = None,
) -> tuple[float, ...]:
    """(the command's median s, bare imports median s[, the same command from the checkout
    ``before`` median s]) over ``rounds`` alternating runs, all in a neutral working directory;
    with bytecode caches written to and read from ``pycache`` when given. ``argv_of(n)`` is the
    command of the ``n``th run (each run's number is its own)."""
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_ACTOR": "bench"}
    env.pop("LEDGER_CONFIG", None)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    runs = itertools.count()
    baseline = [sys.executable, "-c", BASELINE]
    sides: list[tuple[Callable[[], list[str]], dict[str, str]]] = [
        (lambda: argv_of(next(runs)), env),
        (lambda: baseline, env),
    ]
    if before is not None:
        sides.append((lambda: argv_of(next(runs)), {**env, "PYTHONPATH": str(before.resolve())}))
    times: list[list[float]] = [[] for _ in sides]
    for argv, side_env in sides:
        _wall_s(argv(), side_env)  # a first run writes the bytecode caches; not counted
    for _ in range(rounds):
        for side, (argv, side_env) in enumerate(sides):
            times[side].append(_wall_s(argv(), side_env))
    return tuple(statistics.median(side) for side in times)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--before", type=Path, help="another checkout of the repository, measured alike")
    parser.add_argument(
        "--source",
        action="store_true",
        help="no bytecode caches of our own: the environment's PYTHONDONTWRITEBYTECODE decides",
    )
    parser.add_argument(
        "--work-log", action="store_true", help="time `ledger work log` instead of `ledger balance`"
    )
    args = parser.parse_args()
    argv_of, name = (work_log_argv, "ledger work log") if args.work_log else (balance_argv, "ledger balance")
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        pycache = None if args.source else Path(folder) / "pycache"
        ledger_s, baseline_s, *before_s = command_vs_imports(
            prepare(Path(folder)), args.rounds, argv_of, args.before, pycache
        )
    caches = "as the environment says" if args.source else "cached"
    print(
        f"{name} {ledger_s * 1000:.0f} ms, bare imports {baseline_s * 1000:.0f} ms: "
        f"{ledger_s / baseline_s:.2f} x (target ≤ 2 for a balance; bytecode {caches})"
    )
    for seconds in before_s:
        print(f"before ({args.before}): {seconds * 1000:.0f} ms: {seconds / baseline_s:.2f} x")


if __name__ == "__main__":
    main()
