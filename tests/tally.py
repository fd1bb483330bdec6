"""Counting what a property test or state machine really exercised, so that it can fail when it did not.

A driver that accepts refusals would pass if every command were refused. Each driver therefore
records every outcome with :meth:`Tally.saw` (also a ``hypothesis.event``, shown by
``--hypothesis-show-statistics``) and, once hypothesis has run all its examples, demands a floor
with :meth:`Tally.at_least`.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import event


class Tally(Counter[str]):
    """Outcomes by label, over every example of one test."""

    def saw(self, label: str) -> None:
        event(label)
        self[label] += 1

    def at_least(self, **floors: int) -> None:
        """Each ``label=minimum``: the outcome must have been seen at least that often."""
        short = {label: (self[label], minimum) for label, minimum in floors.items() if self[label] < minimum}
        assert not short, f"too few accepted: {short}; all outcomes: {dict(self)}"
