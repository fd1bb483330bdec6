"""Run the benchmarks and print ratios measured in one run: the library vs the machine's own limit.

    python -m benchmarks.run            # full sizes, a few minutes
    python -m benchmarks.run --quick    # small sizes, under a minute: checks the benchmarks still work

Writes ``benchmarks/results.json``. Absolute rates on a shared machine mean little; the ratios, each
measured side by side in the same run on the same store, are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks import concurrent, history, importing, latency, replay, startup, throughput
from benchmarks.stores import postgres_store, sqlite_store

RESULTS = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Sizes:
    replay_events: int
    commands: int
    concurrent_each: int
    long_history: int
    short_history: int
    customers: int
    reads: int
    import_customers: int = 50
    import_work_each: int = 200
    rounds: int = 5
    startup_rounds: int = 11


FULL = Sizes(
    replay_events=1_000_000,
    commands=5000,
    concurrent_each=500,
    long_history=100_000,
    short_history=100,
    customers=10_000,
    reads=2000,
)
QUICK = Sizes(
    import_customers=10,
    rounds=3,
    startup_rounds=3,
    import_work_each=30,
    replay_events=3_000,
    commands=300,
    concurrent_each=40,
    long_history=3_000,
    short_history=100,
    customers=500,
    reads=200,
)


@dataclass(frozen=True)
class Row:
    benchmark: str
    store: str
    measured: str
    baseline: str
    ratio: float
    target: str
    met: bool


def throughput_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    rows = []
    if "sqlite" in stores:
        with (
            sqlite_store() as (url, folder),
            throughput.library_burst(url) as lib_burst,
            throughput.raw_sqlite_burst(folder) as raw_burst,
        ):
            lib, raw = throughput.interleaved(lib_burst, raw_burst, sizes.commands, sizes.rounds)
        rows.append(_ratio_row("1 durable work log", "sqlite", lib, raw, "cmd/s", 0.5))
        rows += _cpu_rows(sizes, lib, raw)
    if "postgres" in stores:
        with (
            postgres_store() as (url, schema),
            throughput.library_burst(url) as lib_burst,
            throughput.raw_postgres_burst(schema) as raw_burst,
        ):
            lib, raw = throughput.interleaved(lib_burst, raw_burst, sizes.commands, sizes.rounds)
        rows.append(_ratio_row("1 durable work log", "postgres", lib, raw, "cmd/s", 0.5))
    return rows


def _cpu_rows(sizes: Sizes, durable_lib: float, durable_raw: float) -> list[Row]:
    """The same on a RAM disk (``/dev/shm``), where a commit flushes nothing: what is left is the
    CPU each side spends. The durable ratio cannot exceed raw time / (ledger CPU + raw time)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return []
    with (
        tempfile.TemporaryDirectory(dir=shm) as folder,
        throughput.library_burst(f"sqlite:///{Path(folder) / 'ledger.db'}") as lib_burst,
        throughput.raw_sqlite_burst(Path(folder)) as raw_burst,
    ):
        lib, raw = throughput.interleaved(lib_burst, raw_burst, sizes.commands, sizes.rounds)
    cpu_ms, raw_ms = 1000 / lib, 1000 / durable_raw
    ceiling = raw_ms / (cpu_ms + raw_ms)
    return [
        Row(
            "1c work log without flushes (RAM disk)",
            "sqlite",
            f"{cpu_ms:.3f} ms/cmd CPU",
            f"{1000 / raw:.3f} ms/insert; durable raw {raw_ms:.3f} ms",
            round(ceiling, 3),
            "ceiling of row 1",
            ceiling >= 0.5,
        )
    ]


def concurrent_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    """Rounds of raw, ledger and locked raw in turn; each side's median round (as for row 1)."""
    if "postgres" not in stores:
        return []
    raw_rates, lib_rates, locked_rates = [], [], []
    with postgres_store() as (url, schema):
        concurrent.prepare_library(url)
        for number in range(min(sizes.rounds, 3)):
            raw_rates.append(concurrent.raw_rate(schema, sizes.concurrent_each))
            lib_rates.append(concurrent.library_rate(url, sizes.concurrent_each, prefix=f"R{number}"))
            locked_rates.append(concurrent.raw_rate(schema, sizes.concurrent_each, locked=True))
    raw, lib, locked = (statistics.median(rates) for rates in (raw_rates, lib_rates, locked_rates))
    reference = _ratio_row(
        "2b concurrent vs raw under the log's table lock", "postgres", lib, locked, "cmd/s", 0.5
    )
    return [
        _ratio_row("2 concurrent, 4 processes", "postgres", lib, raw, "cmd/s", 0.5),
        replace(reference, target="(reference)", met=reference.ratio >= 0.5),
    ]


def history_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    rows = []
    for store in stores:
        opener = sqlite_store if store == "sqlite" else postgres_store
        with opener() as (url, _):
            history.build_card(url, "short", sizes.short_history)
            history.build_card(url, "long", sizes.long_history)
            short = history.load_seconds(url, "short", 7)
            long = history.load_seconds(url, "long", 7)
        ratio = long / short
        rows.append(
            Row(
                f"3 load card, {sizes.long_history:,} vs {sizes.short_history} entries",
                store,
                f"{long * 1000:.2f} ms",
                f"{short * 1000:.2f} ms",
                round(ratio, 2),
                "≤ 2.0",
                ratio <= 2.0,
            )
        )
    return rows


def replay_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    rows = []
    for store in stores:
        opener = sqlite_store if store == "sqlite" else postgres_store
        with opener() as (url, place):
            events = replay.build_log(url, sizes.replay_events)
            if store == "sqlite":
                raw = replay.raw_sqlite_read_rate(Path(url.removeprefix("sqlite:///")))
            else:
                raw = replay.raw_postgres_read_rate(str(place))
            rate, peak_mb = replay.rebuild_rate(url, events)
            decoded = replay.decode_rate(url)
        ratio = rate / raw
        rows.append(
            Row(
                f"4 rebuild all views, {events:,} events",
                store,
                f"{rate:,.0f} ev/s, peak {peak_mb:,.0f} MB",
                f"{raw:,.0f} rows/s raw read",
                round(ratio, 4),
                "≥ 0.3, < 300 MB",
                ratio >= 0.3 and peak_mb < 300,
            )
        )
        rows.append(
            Row(
                "4b read and decode only, no view",
                store,
                f"{decoded:,.0f} ev/s",
                f"{raw:,.0f} rows/s raw read",
                round(decoded / raw, 4),
                "ceiling of row 4",
                decoded / raw >= 0.3,
            )
        )
    return rows


def import_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    rows = []
    for store in stores:
        opener = sqlite_store if store == "sqlite" else postgres_store
        with opener() as (url, place):
            csv_path = Path(tempfile.mkdtemp(prefix="ledger-import-")) / "history.csv"
            importing.write_history(csv_path, sizes.import_customers, sizes.import_work_each)
            applied, events, seconds = importing.library_import(url, csv_path)
            if store == "sqlite":
                raw_seconds = importing.raw_sqlite_seconds(Path(str(place)), events)
            else:
                raw_seconds = importing.raw_postgres_seconds(str(place), events)
            shutil.rmtree(csv_path.parent)
        ratio = raw_seconds / seconds
        rows.append(
            Row(
                f"5 bulk import, {applied:,} rows ({events:,} events)",
                store,
                f"{applied / seconds:,.0f} rows/s",
                f"{events / raw_seconds:,.0f} events/s raw batched",
                round(ratio, 3),
                "≥ 0.3",
                ratio >= 0.3,
            )
        )
    return rows


def latency_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    rows = []
    for store in stores:
        opener = sqlite_store if store == "sqlite" else postgres_store
        with opener() as (url, _):
            latency.populate(url, sizes.customers)
            median, p99 = latency.balance_latencies_ms(url, sizes.customers, sizes.reads)
        met = median <= 2.0 if store == "sqlite" else True
        rows.append(
            Row(
                f"6 balance among {sizes.customers:,} customers",
                store,
                f"median {median:.2f} ms",
                f"p99 {p99:.2f} ms",
                round(median, 3),
                "median ≤ 2 ms (embedded)" if store == "sqlite" else "(reported)",
                met,
            )
        )
    return rows


def startup_rows(sizes: Sizes, stores: list[str]) -> list[Row]:
    """``ledger balance`` in a fresh process vs the bare imports every command needs (SQLite only:
    the row measures what the command line loads, not the store); and ``ledger work log``, which
    has no target of its own and is reported beside it."""
    if "sqlite" not in stores:
        return []
    with sqlite_store() as (_, folder):
        url = startup.prepare(folder)
        pycache = folder / "pycache"
        balance_s, baseline_s = startup.balance_vs_imports(url, sizes.startup_rounds, pycache=pycache)
        work_s, work_baseline_s = startup.command_vs_imports(
            url, sizes.startup_rounds, startup.work_log_argv, pycache=pycache
        )
    ratio = balance_s / baseline_s
    return [
        Row(
            "7 ledger balance, fresh process",
            "sqlite",
            f"{balance_s * 1000:,.0f} ms wall",
            f"{baseline_s * 1000:,.0f} ms: python -c '{startup.BASELINE}'",
            round(ratio, 2),
            "≤ 2.0",
            ratio <= 2.0,
        ),
        Row(
            "7b ledger work log, fresh process",
            "sqlite",
            f"{work_s * 1000:,.0f} ms wall",
            f"{work_baseline_s * 1000:,.0f} ms: the same imports",
            round(work_s / work_baseline_s, 2),
            "(reported)",
            True,
        ),
    ]


def _ratio_row(name: str, store: str, library: float, raw: float, unit: str, target: float) -> Row:
    ratio = library / raw
    return Row(
        name,
        store,
        f"{library:,.0f} {unit}",
        f"{raw:,.0f} {unit} raw",
        round(ratio, 3),
        f"≥ {target}",
        ratio >= target,
    )


SECTIONS: dict[str, Callable[[Sizes, list[str]], list[Row]]] = {
    "throughput": throughput_rows,
    "concurrent": concurrent_rows,
    "history": history_rows,
    "replay": replay_rows,
    "importing": import_rows,
    "latency": latency_rows,
    "startup": startup_rows,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated of {', '.join(SECTIONS)}"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--replay-events", type=int, help="events in the replay log (instead of the mode's size)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.replay_events:
        sizes = replace(sizes, replay_events=args.replay_events)
    stores = [s for s in args.stores.split(",") if s]
    rows: list[Row] = []
    for name in args.only.split(","):
        rows += SECTIONS[name](sizes, stores)
    table = Table(title=f"ledger benchmarks ({'quick' if args.quick else 'full'})", title_justify="left")
    for column in ("benchmark", "store", "ledger", "baseline", "ratio", "target", "met"):
        table.add_column(column, justify="right" if column == "ratio" else "left")
    for row in rows:
        table.add_row(
            row.benchmark,
            row.store,
            row.measured,
            row.baseline,
            f"{row.ratio}",
            row.target,
            "yes" if row.met else "NO",
        )
    Console(width=160).print(table)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": _cpus()},
        "sizes": asdict(sizes),
        "results": [asdict(row) for row in rows],
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
