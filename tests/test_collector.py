"""Bulk work paces Python's garbage collector and gives the process its thresholds back."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ledger import Ledger
from ledger.audit import verify
from ledger.collector import YOUNG_COLLECTION_EVERY, paced_for_bulk
from ledger.projections.runtime import Projections


@pytest.fixture
def thresholds() -> Iterator[None]:
    original = gc.get_threshold()
    gc.set_threshold(700, 11, 12)
    yield
    gc.set_threshold(*original)


@pytest.mark.usefixtures("thresholds")
def test_the_youngest_generation_waits_within_the_block_and_not_after() -> None:
    with paced_for_bulk():
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 11, 12)
        with paced_for_bulk():  # nested: the same pace, and the outer block's afterwards
            assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 11, 12)
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 11, 12)
    assert gc.get_threshold() == (700, 11, 12)
    with pytest.raises(ZeroDivisionError), paced_for_bulk():
        _ = 1 / 0
    assert gc.get_threshold() == (700, 11, 12)


@pytest.mark.usefixtures("thresholds")
@pytest.mark.parametrize("host", [(0, 11, 12), (50_000, 11, 12)], ids=["switched-off", "slower"])
def test_a_host_that_chose_its_own_pace_keeps_it(host: tuple[int, int, int]) -> None:
    gc.set_threshold(*host)
    with paced_for_bulk():
        assert gc.get_threshold() == host
    assert gc.get_threshold() == host


def _recording(
    target: Any, name: str, seen: list[tuple[int, int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wrap ``target.name`` so that each call records the collector's thresholds."""
    original = getattr(target, name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, recorded)


@pytest.mark.usefixtures("thresholds")
def test_a_rebuild_and_a_verification_run_paced(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.add_customer("acme", name="Acme", account_manager="Anna")
    ledger.buy_card("acme", amount="100.00", reference="ORDER-1", at="2026-01-01")
    seen: list[tuple[int, int, int]] = []
    _recording(Projections, "rebuild_together", seen, monkeypatch)
    _recording(verify, "check_seals", seen, monkeypatch)

    ledger.rebuild_projection(workers=1)
    ledger.verify()

    assert seen == [(YOUNG_COLLECTION_EVERY, 11, 12)] * 2
    assert gc.get_threshold() == (700, 11, 12)


@pytest.mark.usefixtures("thresholds")
def test_tasks_that_end_out_of_order_give_the_thresholds_back_once_all_ended() -> None:
    """An import begun before a verification (in another thread) may end first: the process stays
    paced until the verification ends too, and then has its own thresholds again."""
    import threading

    events = {
        name: threading.Event() for name in ("import began", "verify began", "import ended", "verify may end")
    }
    seen: dict[str, tuple[int, int, int]] = {}

    def verification() -> None:
        events["import began"].wait(5)
        with paced_for_bulk():
            events["verify began"].set()
            events["verify may end"].wait(5)
            seen["verify ending"] = gc.get_threshold()

    other = threading.Thread(target=verification)
    other.start()
    with paced_for_bulk():
        events["import began"].set()
        events["verify began"].wait(5)
    seen["import ended"] = gc.get_threshold()
    events["verify may end"].set()
    other.join(5)
    assert seen == {
        "import ended": (YOUNG_COLLECTION_EVERY, 11, 12),
        "verify ending": (YOUNG_COLLECTION_EVERY, 11, 12),
    }
    assert gc.get_threshold() == (700, 11, 12)
