"""Code that runs in child processes of the concurrent-tick tests (importable under ``spawn``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event


def tick_repeatedly(url: str, untils: list[str], start: Event) -> dict[str, Any]:
    """Wait for the start signal, then tick once per ``until``; report what each tick recorded."""
    from ledger import Ledger
    from ledger.commands.bus import retry_stats

    recorded: list[dict[str, Any]] = []
    with Ledger.open(url) as ledger:
        start.wait(30)
        for until in untils:
            recorded.extend(ledger.tick(until).to_json()["items"])
    return {"items": recorded, "conflicts": retry_stats.conflicts}


def run_tick_in_process(target_args: tuple[Any, ...], queue: Any) -> None:
    """Process entry point: report the ticks (or the exception text) on the queue."""
    try:
        queue.put(tick_repeatedly(*target_args))
    except BaseException as error:  # report anything to the parent rather than dying silently
        queue.put({"crash": repr(error)})
