"""``audit verify``: seals, invariants and (once projections exist) live views against a rebuild.

Every difference is reported, not just the first; the report is ``ok`` only when there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.audit.findings import Finding, Findings
from ledger.audit.invariants import InvariantCheck, check_invariants
from ledger.audit.seals import SEAL, SealCheck, check_seals

if TYPE_CHECKING:
    from ledger.commands.application import LedgerApplication

ViewComparison = Callable[["LedgerApplication"], Iterable[Finding]]
"""Rebuilds one projection into a fresh scratch view and yields each difference with the live one."""


@dataclass
class VerifyReport:
    """The outcome of one verification run."""

    seals: SealCheck
    invariants: InvariantCheck
    views_compared: int
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    problem_count: int = 0
    first_mismatch_position: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "first_mismatch_position": self.first_mismatch_position,
            "seals_checked": self.seals.seals,
            "records_sealed": self.seals.records,
            "last_sealed_position": self.seals.last_sealed_position,
            "unsealed_records": self.seals.unsealed_records,
            "events_replayed": self.invariants.events,
            "cards_checked": self.invariants.cards,
            "work_entries_checked": self.invariants.work_entries,
            "views_compared": self.views_compared,
            "problem_count": self.problem_count,
            "problems": [finding.to_json() for finding in self.problems],
            "warnings": [finding.to_json() for finding in self.warnings],
        }


def verify_log(
    app: LedgerApplication,
    key: bytes | None,
    view_comparisons: Sequence[ViewComparison] | None = None,
) -> VerifyReport:
    """Check every seal against the stored bytes, every invariant, and every live view."""
    findings = Findings()
    seals = check_seals(app, key, findings)
    invariants = check_invariants(app, findings)
    # The facade passes one comparison per projection (ledger.projections.compare).
    comparisons = view_comparisons or ()
    for compare in comparisons:
        for finding in compare(app):
            findings.problem(finding.check, finding.position, finding.message)
    if seals.unsealed_records:
        findings.warning(
            SEAL,
            seals.last_sealed_position + 1,
            f"{seals.unsealed_records} event(s) after position {seals.last_sealed_position} are not "
            "sealed yet (run `ledger audit seal`)",
        )
    return VerifyReport(
        seals=seals,
        invariants=invariants,
        views_compared=len(comparisons),
        problems=findings.problems,
        warnings=findings.warnings,
        problem_count=findings.problem_count,
        first_mismatch_position=findings.first_position(SEAL),
    )
