"""Bulk import of history (from a spreadsheet or an older PSA) through the ordinary commands.

The file is CSV with a header row. Every row has ``type``, ``customer`` and ``at`` (ISO 8601 with a
zone, or a bare date = 00:00 Europe/Amsterdam); the other columns depend on the type, and a cell
may only be filled in a column its type knows (blank cells are fine):

==========  ===========================================================================
type        columns (optional ones in brackets)
==========  ===========================================================================
customer    name, account_manager
purchase    amount, [currency], reference
top-up      amount, reference
work        ticket, hours, kind, [entry], [engineer], [rate], [description], [component]
reversal    [ticket], [entry], reason, [note]
==========  ===========================================================================

Unknown columns are refused. Each row becomes the same command model the CLI and the library
build (``AddCustomer``, ``BuyCard``, ``TopUpCard``, ``LogWork`` with ``source="import"``,
``ReverseWork``) and runs through the same handler, so an imported row is judged exactly as if it
had been typed in: same payer decision, same card debit, same refusal of future times.

Two passes. First every row is validated; if any is wrong, all problems are reported (``line N:
field: reason``) and nothing is written. Then the rows are applied in file order, in batches of
:data:`BATCH_ROWS_MAX` rows per transaction (the bus's batch unit of work,
:meth:`ledger.commands.bus.MessageBus.handle_batch`). Rows are
idempotent (a ticket is recorded once, a purchase reference credited once, a customer registered
once), so importing the same file again writes nothing and reports every row as a duplicate, and
a batch that lost a race with another writer is simply run again from fresh state.

A row the ledger refuses while applying (a top-up before any purchase, a reversal of an unknown
ticket) stops the import at that row: the rows before it are committed, none from it on; fix the
file and import it again — the committed rows come back as duplicates.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ledger.collector import paced_for_bulk
from ledger.commands.bus import BatchRefusedError
from ledger.commands.models import (
    AddCustomer,
    BuyCard,
    Command,
    LogWork,
    ReverseWork,
    TopUpCard,
    WorkSource,
)
from ledger.commands.results import JsonResult
from ledger.domain.time import effective_time
from ledger.errors import InvalidInputError, LedgerError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.bus import MessageBus
    from ledger.commands.unit_of_work import BatchUnit
    from ledger.domain.identity import Acting

BATCH_ROWS_MAX = 500
"""Rows per transaction: large enough to amortise the commit, small enough to re-run cheaply."""
IMPORT_ROWS_MAX = 1_000_000
"""A larger file is split by the caller: validated rows are held in memory between the passes."""
IMPORT_BYTES_MAX = 1024 * 2**20
"""The file is read whole before the first row is checked: a gigabyte is far beyond any history."""
CELL_CHARS_MAX = 128 * 1024
"""Largest cell: no field of any row is near it, so a larger one is a broken file, not data."""
PROBLEMS_SHOWN_MAX = 20
"""Problems listed in the error; the rest are counted."""

COMMON_COLUMNS = ("type", "customer", "at")
MODELS: dict[str, type[Command]] = {
    "customer": AddCustomer,
    "purchase": BuyCard,
    "top-up": TopUpCard,
    "work": LogWork,
    "reversal": ReverseWork,
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("name", "account_manager"),
    "purchase": ("amount", "currency", "reference"),
    "top-up": ("amount", "reference"),
    "work": ("ticket", "hours", "rate", "description", "kind", "component", "entry", "engineer"),
    "reversal": ("ticket", "reason", "entry", "note"),
}
KNOWN_COLUMNS = COMMON_COLUMNS + tuple(
    dict.fromkeys(column for columns in COLUMNS.values() for column in columns)
)

Source = str | Path | IO[str]
Progress = Callable[[int, int], None]
"""Called with (rows done, rows in total) after every committed batch."""


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class ImportRowsError(LedgerError):
    """Rows of the file are invalid; every problem is listed and nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = [str(problem) for problem in problems[:PROBLEMS_SHOWN_MAX]]
        if len(problems) > PROBLEMS_SHOWN_MAX:
            shown.append(f"and {len(problems) - PROBLEMS_SHOWN_MAX} more")
        rows = len({problem.line for problem in problems})
        header = f"{rows} row{'s' if rows != 1 else ''} refused, nothing written"
        super().__init__("import", "; ".join([header, *shown]))


class ImportStoppedError(LedgerError):
    """The ledger refused a row while applying; the rows before it were committed."""

    def __init__(self, line: int, error: LedgerError, committed: int) -> None:
        self.line = line
        self.error = error
        self.committed = committed
        super().__init__(
            f"line {line}: {error.field}",
            f"{error.reason} (import stopped here: the {committed} rows before it are "
            "imported; fix the file and import it again, imported rows are skipped as duplicates)",
        )


@dataclass(frozen=True)
class ImportRow:
    line: int
    type: str
    command: Command


@dataclass(frozen=True)
class ImportResult(JsonResult):
    """What an import did: every row is either applied or a duplicate of what was there."""

    rows: int
    applied: int
    duplicates: int
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0


@paced_for_bulk()  # the batches' objects: see ledger.collector
def import_csv(
    bus: MessageBus, source: Source, acting: Acting, *, progress: Progress | None = None
) -> ImportResult:
    """Validate every row of ``source``, then apply them in order, batch by batch, through the bus."""
    started = time.perf_counter()
    rows = read_rows(source, acting.actor, bus.clock())
    outcomes: list[tuple[str, bool]] = []
    position = 0
    carried: BatchUnit | None = None
    while position < len(rows):
        window = rows[position : position + BATCH_ROWS_MAX]
        try:
            commands = [row.command for row in window]
            results, carried = bus.handle_batch(commands, acting, carried, outcome_only=True)
        except BatchRefusedError as refused:
            row = window[refused.index]
            raise ImportStoppedError(row.line, refused.error, position + refused.committed) from refused.error
        outcomes += [(row.type, result.duplicate) for row, result in zip(window, results, strict=False)]
        position += len(results)
        if progress is not None:
            progress(position, len(rows))
    return _result(outcomes, time.perf_counter() - started)


def read_rows(source: Source, actor: str, now: datetime) -> list[ImportRow]:
    """Every row as its command model, or ImportRowsError listing every problem."""
    if isinstance(source, str | Path):
        return _read(io.StringIO(_file_text(source), newline=""), actor, now)
    if not callable(getattr(source, "read", None)):
        raise InvalidInputError("source", f"{type(source).__name__} is not a file path or text stream")
    return _read(source, actor, now)


def _file_text(source: str | Path) -> str:
    """The whole file as text: UTF-8, with or without a byte-order mark, or a one-line refusal."""
    path = Path(source)
    if "\x00" in str(source):
        raise InvalidInputError("file", "the path contains a NUL character")
    try:
        if not path.exists():
            raise InvalidInputError("file", f"{str(path)[:200]!r} does not exist")
        if not path.is_file():
            raise InvalidInputError("file", f"{str(path)[:200]!r} is not a regular file")
        if path.stat().st_size > IMPORT_BYTES_MAX:
            msg = f"{str(path)[:200]!r} is over {IMPORT_BYTES_MAX // 2**20} MB; split it"
            raise InvalidInputError("file", msg)
        data = path.read_bytes()
    except OSError as error:
        msg = f"{str(path)[:200]!r} cannot be read ({error.strerror})"
        raise InvalidInputError("file", msg) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        msg = f"{str(path)!r} is not UTF-8 text (line {line}); save it as CSV UTF-8"
        raise InvalidInputError("file", msg) from None


def _delimiter(first_line: str) -> str:
    """``;`` when the header is split by semicolons (Excel in a Dutch locale), else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


@contextmanager
def _cell_limit(text_chars: int) -> Iterator[None]:
    """Let the csv module read any cell of the (already whole, bounded) text, so that the ledger,
    not the csv module, refuses an oversized one, naming its row and column."""
    previous = csv.field_size_limit(max(text_chars + 1, CELL_CHARS_MAX + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read(stream: IO[str], actor: str, now: datetime) -> list[ImportRow]:
    text = stream.read()
    if not isinstance(text, str):
        raise InvalidInputError("source", "the stream does not give text; open the file in text mode")
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.partition("\n")[0]))
    with _cell_limit(len(text)):
        try:
            return _read_records(reader, actor, now)
        except csv.Error as error:
            problem = Problem(reader.line_num, "file", f"not valid CSV ({error})")
            raise ImportRowsError([problem]) from None


def _read_records(reader: Any, actor: str, now: datetime) -> list[ImportRow]:
    header = [name.strip() for name in next(reader, [])]
    problems = _header_problems(header)
    if problems:
        raise ImportRowsError(problems)
    rows: list[ImportRow] = []
    for cells in reader:
        if len(rows) + len(problems) >= IMPORT_ROWS_MAX:
            problems.append(Problem(reader.line_num, "file", f"more than {IMPORT_ROWS_MAX:,} rows"))
            break
        if not cells:
            continue
        try:
            rows.append(_row(reader.line_num, _cells(header, cells), actor, now))
        except InvalidInputError as error:
            problems.append(Problem(reader.line_num, error.field, error.reason))
    if problems:
        raise ImportRowsError(problems)
    return rows


def _cells(header: list[str], cells: list[str]) -> dict[str, str]:
    """One record by column name; too many cells, or an oversized one, is refused naming the column."""
    if len(cells) > len(header):
        raise InvalidInputError("row", "has more cells than the header has columns")
    for name, value in zip(header, cells, strict=False):
        if len(value) > CELL_CHARS_MAX:
            raise InvalidInputError(name, f"the cell is over {CELL_CHARS_MAX // 1024} KB")
    return dict(zip(header, cells, strict=False))


def _header_problems(header: list[str]) -> list[Problem]:
    if not header:
        return [Problem(1, "header", "the file is empty; the first line names the columns")]
    problems = [
        Problem(1, "header", f"unknown column {name!r} (known: {', '.join(KNOWN_COLUMNS)})")
        for name in header
        if name not in KNOWN_COLUMNS
    ]
    problems += [
        Problem(1, "header", f"column {name!r} appears {count} times")
        for name, count in Counter(header).items()
        if count > 1 and name in KNOWN_COLUMNS
    ]
    problems += [
        Problem(1, "header", f"column {name!r} is missing") for name in COMMON_COLUMNS if name not in header
    ]
    return problems


def _row(line: int, values: dict[str, Any], actor: str, now: datetime) -> ImportRow:
    # A blank cell is an empty one; a filled cell is read as it stands, in the same strict grammar
    # as the command line (no spaces around a number: '12 ' is refused, as it is there).
    filled = {name: value for name, value in values.items() if isinstance(value, str) and value.strip()}
    kind = filled.pop("type", "")
    model = MODELS.get(kind)
    if model is None:
        raise InvalidInputError("type", f"{kind!r} is not one of {', '.join(MODELS)}")
    if "at" not in filled:
        raise InvalidInputError("at", "is empty; imported history must be dated")
    for name in filled:
        if name not in COMMON_COLUMNS and name not in COLUMNS[kind]:
            raise InvalidInputError(name, f"is not a column of a {kind} row")
    arguments: dict[str, Any] = {**filled, "actor": actor}
    if model is LogWork:
        arguments["source"] = WorkSource.IMPORT
    command = model.build(**arguments)
    effective_time(command.at, now)  # a future time is refused now, not half-way through applying
    return ImportRow(line, kind, command)


def _result(outcomes: Iterable[tuple[str, bool]], seconds: float) -> ImportResult:
    applied: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    for kind, duplicate in outcomes:
        (duplicates if duplicate else applied)[kind] += 1
    by_type = {
        kind: {"applied": applied[kind], "duplicates": duplicates[kind]}
        for kind in MODELS
        if applied[kind] or duplicates[kind]
    }
    return ImportResult(
        rows=sum(applied.values()) + sum(duplicates.values()),
        applied=sum(applied.values()),
        duplicates=sum(duplicates.values()),
        by_type=by_type,
        seconds=round(seconds, 3),
    )
