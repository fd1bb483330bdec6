"""The streaming comparison behind ``audit verify``: rows one side lacks, changed or repeated,
are found whatever their place in the common order, with nothing else reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.projections.compare import _differences


def _paged(rows: list[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _diff(
    live: list[tuple[Any, ...]], rebuilt: list[tuple[Any, ...]], size: int = 64
) -> tuple[Counter[Any], Counter[Any]]:
    return _differences(_paged(live, size), _paged(rebuilt, size))


def test_equal_streams_have_no_differences() -> None:
    rows = [(n, f"r{n}") for n in range(1000)]
    assert _diff(rows, list(rows)) == (Counter(), Counter())


def test_a_missing_row_shifts_the_pairing_but_only_it_is_reported() -> None:
    rows = [(n, f"r{n}") for n in range(1000)]
    live = rows[:500] + rows[501:]
    only_live, only_rebuilt = _diff(live, rows)
    assert only_live == Counter()
    assert only_rebuilt == Counter({(500, "r500"): 1})


def test_a_changed_row_is_reported_on_both_sides() -> None:
    rows = [(n, f"r{n}") for n in range(100)]
    live = [*rows[:10], (10, "edited"), *rows[11:]]
    assert _diff(live, rows) == (Counter({(10, "edited"): 1}), Counter({(10, "r10"): 1}))


def test_a_repeated_row_counts_as_one_more() -> None:
    rows = [(1, "a"), (2, "b"), (3, "c")]
    live = [(1, "a"), (2, "b"), (2, "b"), (3, "c")]
    assert _diff(live, rows) == (Counter({(2, "b"): 1}), Counter())


def test_an_empty_side_reports_every_row_of_the_other() -> None:
    rows = [(1, "a"), (2, "b")]
    assert _diff([], rows) == (Counter(), Counter(rows))


@given(
    live=st.lists(st.tuples(st.integers(0, 6), st.sampled_from("ab")), max_size=40),
    rebuilt=st.lists(st.tuples(st.integers(0, 6), st.sampled_from("ab")), max_size=40),
    size=st.integers(1, 9),
)
def test_the_differences_are_the_multiset_differences_whatever_the_page_size(
    live: list[tuple[Any, ...]], rebuilt: list[tuple[Any, ...]], size: int
) -> None:
    """Equal pages are passed over whole, unequal ones row by row: either way exactly the rows one
    side has more often than the other are reported, as often as it has them more."""
    live, rebuilt = sorted(live), sorted(rebuilt)
    assert _diff(live, rebuilt, size) == (Counter(live) - Counter(rebuilt), Counter(rebuilt) - Counter(live))
