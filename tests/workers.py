"""Code that runs in child processes of the concurrency tests (importable under ``spawn``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event


def log_tickets(url: str, customer: str, tickets: list[str], hours: str, start: Event) -> dict[str, Any]:
    """Wait for the start signal, then record work on each ticket; report answers and lost races."""
    from ledger import Ledger, LedgerError
    from ledger.commands.bus import retry_stats

    answers: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    with Ledger.open(url, actor="worker") as ledger:
        start.wait(30)
        for ticket in tickets:
            try:
                answers[ticket] = ledger.log_work(customer, kind="rfc", ticket=ticket, hours=hours).to_json()
            except LedgerError as error:
                errors.append(f"{ticket}: {error}")
    return {"answers": answers, "errors": errors, "conflicts": retry_stats.conflicts}


def run_in_process(target_args: tuple[Any, ...], queue: Any) -> None:
    """Process entry point: run ``log_tickets`` and put its report (or the exception text) on the queue."""
    try:
        queue.put(log_tickets(*target_args))
    except BaseException as error:  # report anything to the parent rather than dying silently
        queue.put({"crash": repr(error)})
