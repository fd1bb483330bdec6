"""``audit verify``: seals, witnessed heads, invariants, snapshots and live views against a rebuild.

Every difference is reported, not just the first. What verify finds falls in three kinds, each
with its own outcome (and CLI exit code), so a monitoring job can tell them apart:

- ``differences``: the log, a snapshot or a view is not what the ledger wrote (tampering, damage
  or a bug); exit 3;
- ``head-mismatch``: the chain is shorter than, or diverges from, a head it was shown (the sealed
  log was cut short or rewritten, seals included); exit 5;
- ``unsealed``: nothing is wrong, but events after the newest seal are not covered yet; exit 4.

Verification never stops at what it finds: a check that fails in an unforeseen way becomes a
finding of its own, and the other checks still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from eventsourcing.persistence import MapperDeserialisationError

from ledger.audit.findings import Finding, Findings
from ledger.audit.invariants import InvariantCheck, InvariantPass, check_invariants
from ledger.audit.seals import HEAD, SEAL, Head, SealCheck, check_heads, check_seals
from ledger.audit.snapshots import SnapshotCheck, check_snapshots
from ledger.collector import paced_for_bulk
from ledger.persistence.mapper import UnknownTopicError

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification

    from ledger.eventstore.application import LedgerApplication

ViewComparison = Callable[["LedgerApplication"], Iterable[Finding]]
"""Rebuilds one projection into a fresh scratch view and yields each difference with the live one."""


@runtime_checkable
class SharedRebuild(Protocol):
    """A view comparison whose rebuild can take its events from a pass that also feeds the
    invariants (:class:`ledger.projections.compare.ViewsCheck`): the log is read and decoded once."""

    def rebuilt(
        self, app: LedgerApplication, decode: Callable[[Sequence[Notification]], list[Any]]
    ) -> AbstractContextManager[Callable[[], Iterator[Finding]]]: ...


UNSEALED = "unsealed"
VIEW = "view"
VERIFIER = "verifier"
T = TypeVar("T")

STATUS_OK = "ok"
STATUS_DIFFERENCES = "differences"
STATUS_UNSEALED = "unsealed"
STATUS_HEAD_MISMATCH = "head-mismatch"


@dataclass
class VerifyReport:
    """The outcome of one verification run."""

    seals: SealCheck
    invariants: InvariantCheck
    snapshots: SnapshotCheck
    views_compared: int
    heads_checked: int = 0
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unsealed: list[Finding] = field(default_factory=list)
    problem_count: int = 0
    first_mismatch_position: int | None = None

    @property
    def status(self) -> str:
        """The worst kind found: a head mismatch, else differences, else unsealed events, else ok."""
        if any(finding.check == HEAD for finding in self.problems):
            return STATUS_HEAD_MISMATCH
        if self.problem_count:
            return STATUS_DIFFERENCES
        if self.unsealed:
            return STATUS_UNSEALED
        return STATUS_OK

    @property
    def ok(self) -> bool:
        """No finding at all: every event sealed, every check passed."""
        return self.status == STATUS_OK

    @property
    def untampered(self) -> bool:
        """Nothing altered, removed or inconsistent (unsealed events may remain)."""
        return self.status in (STATUS_OK, STATUS_UNSEALED)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "first_mismatch_position": self.first_mismatch_position,
            "seals_checked": self.seals.seals,
            "records_sealed": self.seals.records,
            "last_sealed_position": self.seals.last_sealed_position,
            "unsealed_records": self.seals.unsealed_records,
            "heads_checked": self.heads_checked,
            "events_replayed": self.invariants.events,
            "cards_checked": self.invariants.cards,
            "work_entries_checked": self.invariants.work_entries,
            "snapshots_checked": self.snapshots.snapshots,
            "views_compared": self.views_compared,
            "problem_count": self.problem_count,
            "problems": [finding.to_json() for finding in self.problems],
            "unsealed": [finding.to_json() for finding in self.unsealed],
            "warnings": [finding.to_json() for finding in self.warnings],
        }


def guarded(findings: Findings, what: str, check: Callable[[], T], default: T) -> T:
    """Run one check; if it fails in a way nobody foresaw, that failure is a finding, not a crash."""
    try:
        return check()
    except Exception as error:
        findings.problem(VERIFIER, None, f"{what} could not finish: {type(error).__name__}: {error}")
        return default


READABLE_PROBE_EVENTS = 50


def check_readable(app: LedgerApplication) -> None:
    """Refuse to verify a store this process cannot read at all (a missing or wrong cipher key,
    compression off): every event would be a finding, and the one true answer is "set the key".
    One damaged record among readable ones stays a finding, never a refusal."""
    failures: list[MapperDeserialisationError] = []
    records = app.recorder.select_notifications(start=1, limit=READABLE_PROBE_EVENTS)
    for record in records:
        try:
            app.mapper.to_domain_event(record)
        except UnknownTopicError:
            return
        except MapperDeserialisationError as error:
            failures.append(error)
        else:
            return
    if records and len(failures) == len(records):
        raise failures[0]


def _listed(app: LedgerApplication, compare: ViewComparison) -> Callable[[], list[Finding]]:
    return lambda: list(compare(app))


def _invariants(
    app: LedgerApplication, findings: Findings, comparisons: Sequence[ViewComparison], scratch: ExitStack
) -> tuple[InvariantCheck, dict[int, Callable[[], list[Finding]]]]:
    """The invariant replay, fed by the first comparison's rebuild when it can share its pass over
    the log (then also that comparison, by its number, ready to run); else on its own."""
    for number, compare in enumerate(comparisons):
        if isinstance(compare, SharedRebuild):
            return _shared(app, findings, number, compare, scratch)
    invariants = guarded(
        findings, "replaying the log", lambda: check_invariants(app, findings), InvariantCheck()
    )
    return invariants, {}


def _shared(
    app: LedgerApplication, findings: Findings, number: int, views: SharedRebuild, scratch: ExitStack
) -> tuple[InvariantCheck, dict[int, Callable[[], list[Finding]]]]:
    """The rebuild's pass over the log decodes each section once and feeds the replay first."""
    try:
        replay = scratch.enter_context(InvariantPass(app, findings))
    except Exception:  # its scratch database: then the replay on its own reports what fails
        return _invariants(app, findings, (), scratch)
    failed = False

    def decode(section: Sequence[Notification]) -> list[Any]:
        nonlocal failed
        events = [replay.decode(record) for record in section]
        if not failed:
            failed = guarded(findings, "replaying the log", lambda: _feed(replay, section, events), True)
        return events

    try:
        compare = scratch.enter_context(views.rebuilt(app, decode))
        ready: Callable[[], list[Finding]] = lambda: list(compare())  # noqa: E731
    except Exception as error:
        ready = _raising(error)
    if failed:
        return InvariantCheck(), {number: ready}
    return guarded(findings, "replaying the log", replay.rest, InvariantCheck()), {number: ready}


def _feed(replay: InvariantPass, section: Sequence[Notification], events: list[Any]) -> bool:
    for record, event in zip(section, events, strict=True):
        replay.feed(record, event)
    return False


def _merged(waiting: Callable[[], tuple[SnapshotCheck, Findings]], findings: Findings) -> SnapshotCheck:
    summary, found = waiting()
    findings.extend(found)
    return summary


def _raising(error: Exception) -> Callable[[], list[Finding]]:
    """The rebuild failed: comparing reports it where a comparison's own failure would show."""

    def compare() -> list[Finding]:
        raise error

    return compare


SnapshotsElsewhere = Callable[[], Callable[[], tuple[SnapshotCheck, Findings]] | None]
"""Starts the snapshot check in another process and gives what waits for its result and findings
(None: no process was started, and the check runs here)."""


@paced_for_bulk()  # a replay of the whole log: see ledger.collector
def verify_log(
    app: LedgerApplication,
    key: bytes | None,
    view_comparisons: Sequence[ViewComparison] | None = None,
    heads: Sequence[Head] = (),
    snapshots_elsewhere: SnapshotsElsewhere | None = None,
) -> VerifyReport:
    """Check every seal and head against the stored bytes, every invariant, snapshot and view.

    With ``snapshots_elsewhere`` the snapshot check (a replay of every snapshotted aggregate) runs
    in another process while the views are compared here; the report is the same, in the same order."""
    findings = Findings()
    seals = guarded(findings, "checking the seals", lambda: check_seals(app, key, findings), SealCheck())
    check_heads(seals, list(heads), findings)
    comparisons = view_comparisons or ()
    with ExitStack() as scratch:  # rebuilt views stay until they are compared
        invariants, ready = _invariants(app, findings, comparisons, scratch)
        waiting = snapshots_elsewhere() if snapshots_elsewhere is not None else None
        snapshots = SnapshotCheck()
        if waiting is None:
            snapshots = guarded(
                findings, "checking snapshots", lambda: check_snapshots(app, findings), SnapshotCheck()
            )
        compared = Findings()
        for number, compare in enumerate(comparisons):
            name = getattr(compare, "__name__", "a view")
            run = ready.get(number, _listed(app, compare))
            found: list[Finding] = guarded(compared, f"comparing {name}", run, [])
            for finding in found:
                compared.problem(finding.check, finding.position, finding.message)
        if waiting is not None:
            snapshots = guarded(
                findings, "checking snapshots", lambda: _merged(waiting, findings), SnapshotCheck()
            )
        findings.extend(compared)
    unsealed = []
    if seals.unsealed_records:
        message = (
            f"{seals.unsealed_records} event(s) after position {seals.last_sealed_position} are not "
            "sealed yet (run `ledger audit seal`): nothing proves they were not altered"
        )
        unsealed.append(Finding(UNSEALED, seals.first_unsealed_position, message))
    return VerifyReport(
        seals=seals,
        invariants=invariants,
        snapshots=snapshots,
        views_compared=sum(getattr(compare, "views", 1) for compare in comparisons),
        heads_checked=len(heads),
        problems=findings.problems,
        warnings=findings.warnings,
        unsealed=unsealed,
        problem_count=findings.problem_count,
        first_mismatch_position=findings.first_position(SEAL),
    )
