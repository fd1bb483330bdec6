"""What verification found: problems (the ledger is wrong) and warnings (something could not be checked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FINDINGS_MAX = 1000
"""Findings kept in detail; beyond this only the count grows (a rewritten log differs everywhere)."""


@dataclass(frozen=True)
class Finding:
    """One difference: which check found it, at which log position (when it has one), and what."""

    check: str
    position: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "position": self.position, "message": self.message}


@dataclass
class Findings:
    """A bounded collector: every problem is counted, the first ``FINDINGS_MAX`` are kept."""

    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, check: str, position: int | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < FINDINGS_MAX:
            self.problems.append(Finding(check, position, message))

    def warning(self, check: str, position: int | None, message: str) -> None:
        if len(self.warnings) < FINDINGS_MAX:
            self.warnings.append(Finding(check, position, message))

    def extend(self, other: Findings) -> None:
        """Add what ``other`` found after what this one holds (counted, kept up to the bound)."""
        for finding in other.problems:
            self.problem(finding.check, finding.position, finding.message)
        self.problem_count += other.problem_count - len(other.problems)
        for finding in other.warnings:
            self.warning(finding.check, finding.position, finding.message)

    def first_position(self, check: str) -> int | None:
        positions = [f.position for f in self.problems if f.check == check and f.position is not None]
        return min(positions) if positions else None
