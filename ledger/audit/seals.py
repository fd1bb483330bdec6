"""Tamper evidence: a SHA-256 hash chain over the stored records, optionally signed with HMAC.

Each link is SHA-256 over (previous link, position, aggregate id, version, topic, stored bytes), so
it covers the record exactly as stored (encrypted or compressed bytes included) *and* where it
sits: an altered, deleted, inserted or reordered record changes every later link. Positions are
hashed explicitly because the log may have gaps (PostgreSQL sequences skip on rollbacks): a record
slipped into a gap must not go unnoticed.

Sealing is incremental (each seal continues from the previous head); verification re-hashes every
sealed record from the stored bytes. Each seal also keeps a 48-bit digest per record, which is
not what proves integrity (the full-strength chain does) but lets verification name the first
position that no longer matches.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledger.aggregates.log_seal import GENESIS_HEAD, LogSeal
from ledger.audit.findings import Findings
from ledger.audit.log import UNREADABLE, notifications, originator, records_after
from ledger.domain.results import JsonResult
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.persistence import Notification, StoredEvent

    from ledger.eventstore.application import LedgerApplication

LOG_SEAL_ID = LogSeal.create_id()
SEAL_RECORDS_MAX = 10_000
"""Records one seal event covers at most; a longer stretch gets several seals in one go."""
DIGEST_HEX_CHARS = 12
SEAL_KEY_VARIABLE = "LEDGER_SEAL_KEY"
SEAL_KEY_BYTES_MIN = 16
SEAL_EVENTS_PAGE = 50
"""Seal events read from the store at a time during verification."""


def seal_key(value: str | None) -> bytes | None:
    """The HMAC key from ``LEDGER_SEAL_KEY``: hex when it is hex, else the text's UTF-8 bytes."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInputError("key", f"{type(value).__name__} is not a key; give hex or text")
    text = value.strip()
    key = bytes.fromhex(text) if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text) else text.encode("utf-8")
    if len(key) < SEAL_KEY_BYTES_MIN:
        msg = f"the key has {len(key)} bytes; use at least {SEAL_KEY_BYTES_MIN} (e.g. 64 hex characters)"
        raise InvalidInputError(SEAL_KEY_VARIABLE, msg)
    return key


def _framed(data: bytes) -> bytes:
    """Length-prefixed, so that no two different records hash the same bytes."""
    return len(data).to_bytes(8, "big") + data


def _record_bytes(record: StoredEvent) -> bytes:
    return (
        originator(record).bytes
        + record.originator_version.to_bytes(8, "big")
        + _framed(record.topic.encode("utf-8"))
        + _framed(_state_bytes(record.state))
    )


def _state_bytes(state: bytes | str) -> bytes:
    """The stored bytes; a state rewritten as text (SQLite's ``replace()`` does that) hashes its UTF-8."""
    return state.encode("utf-8") if isinstance(state, str) else bytes(state)


def link(previous_head: str, record: Notification) -> str:
    """The next link of the chain: the previous link, the position, then the record as stored."""
    return _link(previous_head, record.id, _record_bytes(record))


def _link(previous_head: str, position: int, data: bytes) -> str:
    digest = hashlib.sha256(bytes.fromhex(previous_head))
    digest.update(position.to_bytes(8, "big"))
    digest.update(data)
    return digest.hexdigest()


def record_digest(record: StoredEvent) -> str:
    """A short digest of the record alone (not its position), to spot it again if it moved."""
    return _digest(_record_bytes(record))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_HEX_CHARS]


def signature(key: bytes, seal: SealRange) -> str:
    """HMAC-SHA256 over the seal's range, head and per-record digests."""
    message = "\n".join(
        (
            "ledger-seal/1",
            str(seal.from_position),
            str(seal.to_position),
            seal.previous_head,
            seal.head,
            repr(seal.positions),
            hashlib.sha256(seal.digests.encode("ascii")).hexdigest(),
        )
    )
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class SealRange:
    """The chain over one stretch of the log, as computed from the stored records."""

    from_position: int
    previous_head: str
    to_position: int = 0
    head: str = ""
    positions: list[list[int]] = field(default_factory=list)
    digests: str = ""
    record_count: int = 0

    def __post_init__(self) -> None:
        self.head = self.head or self.previous_head

    def add(self, record: Notification) -> None:
        data = _record_bytes(record)  # once for the link and the digest
        self.head = _link(self.head, record.id, data)
        self.digests += _digest(data)
        self.record_count += 1
        self.to_position = record.id
        if self.positions and self.positions[-1][1] == record.id - 1:
            self.positions[-1][1] = record.id
        else:
            self.positions.append([record.id, record.id])


def chain_ranges(app: LedgerApplication, *, after: int, stop: int, previous_head: str) -> Iterator[SealRange]:
    """The chain from ``after`` to ``stop`` in ranges of at most ``SEAL_RECORDS_MAX`` records."""
    current = SealRange(from_position=after + 1, previous_head=previous_head)
    for record in notifications(app.recorder, after=after, stop=stop):
        current.add(record)
        if current.record_count == SEAL_RECORDS_MAX:
            yield current
            current = SealRange(from_position=current.to_position + 1, previous_head=current.head)
    if current.record_count:
        current.to_position = stop
        yield current


@dataclass(frozen=True)
class SealSummary(JsonResult):
    """What one ``audit seal`` run added: the covered stretch, the new head, how many seal events."""

    seals: int
    from_position: int | None
    to_position: int | None
    records: int
    chain_head: str
    signed: bool
    head: str = ""
    """``POSITION:HASH``: the chain's last link and the position it covers up to; keep it apart
    (``--head-file``, a witness) so that a shortened or rewritten chain cannot pass unnoticed."""

    def __post_init__(self) -> None:
        if not self.head:
            object.__setattr__(self, "head", head_text(self.to_position or 0, self.chain_head))


def seal_log(app: LedgerApplication, key: bytes | None, actor: str, at: datetime) -> SealSummary:
    """Hash every record since the last seal into seal events, saved one range at a time.

    Saving range by range keeps memory bounded on a first seal of a long log; a run that loses a
    race or fails half-way leaves whole, valid seals behind and the next run continues from them.
    Nothing is sealed when the only new records are seals themselves: sealing a seal alone proves
    nothing new, and would make every run write again.
    """
    seal = app.get_or_none(LOG_SEAL_ID, LogSeal)
    stop = app.recorder.max_notification_id() or 0
    after = seal.to_position if seal is not None else 0
    if stop <= after or _only_seals(app, after, stop):
        if seal is None:
            return SealSummary(0, None, None, 0, GENESIS_HEAD, signed=False, head=head_text(0, GENESIS_HEAD))
        return SealSummary(0, None, None, 0, seal.head, signed=False, head=head_text(after, seal.head))
    if seal is None:
        seal = LogSeal(actor=actor, effective_at=at)
    seals, records = 0, 0
    for stretch in chain_ranges(app, after=after, stop=stop, previous_head=seal.head):
        seal.seal(
            from_position=stretch.from_position,
            to_position=stretch.to_position,
            record_count=stretch.record_count,
            head=stretch.head,
            positions=stretch.positions,
            digests=stretch.digests,
            hmac=signature(key, stretch) if key is not None else None,
            actor=actor,
            effective_at=at,
        )
        app.save(seal)
        seals, records = seals + 1, records + stretch.record_count
    return SealSummary(seals, after + 1, stop, records, seal.head, signed=key is not None)


# --- heads: what a witness keeps -----------------------------------------------------------------

HEAD_PATTERN = re.compile(r"(\d{1,18}):([0-9a-f]{64})")
HEADS_MAX = 10_000
"""Heads one verification compares at most (a witness file grows by one line per seal)."""


@dataclass(frozen=True)
class Head:
    """The chain as it stood once: its last link ``chain`` after position ``position``."""

    position: int
    chain: str

    def __str__(self) -> str:
        return head_text(self.position, self.chain)


def head_text(position: int, chain: str) -> str:
    return f"{position}:{chain}"


def parse_head(text: str, field: str = "expect-head") -> Head:
    """A head as ``seal`` prints it, ``POSITION:HASH``; anything else is refused."""
    match = HEAD_PATTERN.fullmatch(text.strip().lower())
    if match is None:
        raise InvalidInputError(field, f"{text.strip()[:80]!r} is not a head of the form POSITION:HASH")
    return Head(int(match.group(1)), match.group(2))


def parse_head_lines(text: str, field: str) -> list[Head]:
    """Heads in a head file or witness: the first word of each line; blank and ``#`` lines skipped."""
    heads = []
    for line in text.splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            heads.append(parse_head(words[0], field))
        if len(heads) > HEADS_MAX:
            raise InvalidInputError(field, f"more than {HEADS_MAX} heads; keep only the newest")
    return heads


def _only_seals(app: LedgerApplication, after: int, stop: int) -> bool:
    return all(
        originator(record) == LOG_SEAL_ID for record in notifications(app.recorder, after=after, stop=stop)
    )


# --- verification ------------------------------------------------------------------------------


@dataclass
class SealCheck:
    """What checking the seals covered."""

    seals: int = 0
    records: int = 0
    last_sealed_position: int = 0
    unsealed_records: int = 0
    first_unsealed_position: int | None = None
    heads: dict[int, str] = field(default_factory=dict)
    """The chain's link at the end of each seal, by the position it ends at (0: the genesis)."""


def check_seals(app: LedgerApplication, key: bytes | None, findings: Findings) -> SealCheck:
    """Re-hash every sealed record from the stored bytes and compare with every seal."""
    summary = SealCheck()
    expected_from, expected_previous = 1, GENESIS_HEAD
    for number, sealed in enumerate(_seal_events(app, findings), start=1):
        if sealed is None:  # unreadable: the next seal cannot be checked for continuity
            expected_previous = ""
            continue
        where = f"seal {number} (positions {sealed.from_position}..{sealed.to_position})"
        if sealed.from_position != expected_from or expected_previous not in ("", sealed.previous_head):
            findings.problem(SEAL, None, f"{where} does not continue the previous seal")
        _check_range(app, sealed, where, findings)
        _check_signature(sealed, key, where, findings)
        summary.seals += 1
        summary.records += sealed.record_count
        summary.last_sealed_position = sealed.to_position
        summary.heads[sealed.to_position] = sealed.head
        expected_from, expected_previous = sealed.to_position + 1, sealed.head
    # The newest seal's own events always come after it; they are covered by the next seal.
    unsealed = records_after(app.recorder, summary.last_sealed_position, apart_from=LOG_SEAL_ID)
    summary.unsealed_records, summary.first_unsealed_position = unsealed
    return summary


HEAD = "head"


def check_heads(check: SealCheck, heads: list[Head], findings: Findings) -> None:
    """Each head shown (``--expect-head``, a head file, the witness) must be a link of the chain.

    A chain that ends before a head was cut short (records and seals deleted together); one whose
    link at that position differs was rewritten. Either way the stored log is not the one the head
    was taken from.
    """
    known = {0: GENESIS_HEAD, **check.heads}
    for head in heads:
        if head.position > check.last_sealed_position:
            message = (
                f"head {head}: the chain ends at position {check.last_sealed_position}, before this "
                "head; sealed records (and their seals) were removed"
            )
            findings.problem(HEAD, check.last_sealed_position + 1, message)
        elif known.get(head.position) != head.chain:
            ends = "no seal ends there" if head.position not in known else "the chain's link there differs"
            findings.problem(HEAD, head.position, f"head {head}: {ends}; the sealed log was rewritten")


SEAL = "seal"


def _seal_events(app: LedgerApplication, findings: Findings) -> Iterator[LogSeal.Sealed | None]:
    """The seal events in order, a page at a time; ``None`` for one that cannot be read."""
    version = 0
    while True:
        page = app.recorder.select_events(LOG_SEAL_ID, gt=version, limit=SEAL_EVENTS_PAGE)
        for stored in page:
            if stored.originator_version != version + 1:
                findings.problem(SEAL, None, f"seal event version {version + 1} is missing from the log")
            version = stored.originator_version
            try:
                event = app.mapper.to_domain_event(stored)
            except UNREADABLE as error:
                findings.problem(SEAL, None, f"seal event version {version} cannot be read: {error}")
                yield None
                continue
            if isinstance(event, LogSeal.Sealed):
                yield event
        if len(page) < SEAL_EVENTS_PAGE:
            return


def _sealed_records(sealed: LogSeal.Sealed) -> list[tuple[int, str]]:
    positions = [p for first, last in sealed.positions for p in range(first, last + 1)]
    digests = [
        sealed.digests[i : i + DIGEST_HEX_CHARS] for i in range(0, len(sealed.digests), DIGEST_HEX_CHARS)
    ]
    return list(zip(positions, digests, strict=False))


def _check_range(app: LedgerApplication, sealed: LogSeal.Sealed, where: str, findings: Findings) -> None:
    """Walk the sealed (position, digest) list beside the stored records; name each difference."""
    expected = _sealed_records(sealed)
    sealed_at = {digest: position for position, digest in expected}
    pending = iter(expected)
    want = next(pending, None)
    head = sealed.previous_head
    first_difference: int | None = None

    def differ(position: int, message: str) -> None:
        nonlocal first_difference
        first_difference = position if first_difference is None else first_difference
        findings.problem(SEAL, position, message)

    for record in notifications(app.recorder, after=sealed.from_position - 1, stop=sealed.to_position):
        data = _record_bytes(record)  # once for the link and the digest
        head = _link(head, record.id, data)
        digest = _digest(data)
        while want is not None and want[0] < record.id:
            differ(want[0], f"position {want[0]}: the sealed record is missing (deleted or moved)")
            want = next(pending, None)
        if want is None or want[0] > record.id:
            differ(record.id, f"position {record.id}: not sealed here ({_moved(digest, sealed_at)})")
            continue
        if want[1] != digest:
            differ(
                record.id,
                f"position {record.id}: differs from the sealed record ({_moved(digest, sealed_at)})",
            )
        want = next(pending, None)
    while want is not None:
        differ(want[0], f"position {want[0]}: the sealed record is missing (deleted or moved)")
        want = next(pending, None)
    if len(expected) != sealed.record_count or head != sealed.head:
        if first_difference is not None:
            findings.problem(
                SEAL, first_difference, f"{where}: the stored records no longer hash to the sealed head"
            )
        else:  # every record matches its digest: the seal event itself was rewritten
            message = f"{where}: its head does not match its records; the seal event itself was altered"
            findings.problem(SEAL, None, message)


def _moved(digest: str, sealed_at: dict[str, int]) -> str:
    position = sealed_at.get(digest)
    return "altered or inserted" if position is None else f"it is the record sealed at position {position}"


def _check_signature(sealed: LogSeal.Sealed, key: bytes | None, where: str, findings: Findings) -> None:
    if not sealed.signed:
        if key is not None:
            findings.warning(SEAL, sealed.from_position, f"{where} is not signed (sealed without a key)")
        return
    if key is None:
        findings.warning(
            SEAL, sealed.from_position, f"{where} is signed; set {SEAL_KEY_VARIABLE} to check it"
        )
        return
    stretch = SealRange(
        from_position=sealed.from_position,
        previous_head=sealed.previous_head,
        to_position=sealed.to_position,
        head=sealed.head,
        positions=sealed.positions,
        digests=sealed.digests,
    )
    if not hmac.compare_digest(signature(key, stretch), sealed.hmac or ""):
        findings.problem(
            SEAL, sealed.from_position, f"{where}: the signature does not match (altered seal or another key)"
        )
