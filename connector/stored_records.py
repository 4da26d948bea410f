"""When a check may evaluate the record sync stored instead of mapping the snapshot again.

Mapping a stored snapshot is a function of the snapshot's content, the mapping file, the site
URL, the code and the as-of time, and of nothing else (no clock, no age). The as-of time only
matters before the ticket's last update: ``derive.build_record`` maps the current state when
``as_of`` is at or after the ticket's ``updated``, and ``Assembler.map_item`` skips a ticket
received after ``as_of``. Sync stores the record mapped with no as-of time and names on the row
the mapping file, code version and site URL that mapped it (``connector.remap``). So the stored
record is what mapping would give when:

- the row was mapped by the running mapping file, code version and site URL, and
- the hash chain vouches for the row: the ticket's newest manifest entry (``verify-store``'s,
  ``connector.store.runs.evaluated_versions``) names the snapshot valid at ``as_of`` (same id
  and digest), the running mapping file and code version, a run as-of time at or after the
  record's ``updated_at``, and this record's digest. A row edited after a run is then
  re-mapped, so ``verify-store`` still reports it, as it did when every check re-mapped; or
- this process mapped it: a sync in this process mapped the content of the snapshot valid at
  ``as_of`` (same digest) under the running mapper, stored the record and noted its digest
  (``connector.remap.MappedHere``), and the row's texts still have that digest. The process
  computed the digest from the mapping itself, so the stored record is that mapping; a row
  edited since is re-mapped and reported as above. (Sync maps the payload as read, a new
  process the stored bundle, its canonical JSON with keys sorted: the mapping reads no JSON
  object's key order, so the two give the same record.) A version no run has evaluated and no sync
  of this process mapped (a check in a new process) is re-mapped (nothing vouches for it), and
- ``as_of`` is at or after the record's ``updated_at`` (known) and ``received_at``.

Anything else (a past as-of time, another mapping, site or release, a row the chain does not
vouch for, a record that no longer validates) is mapped again from its snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from compliance_checks.model import ComplaintRecord
from connector.remap import MappedHere, code_version, mapped_by, running_mapper
from connector.store import Session
from connector.store.evaluations import cached_records, record_mappers
from connector.store.models import TicketRow
from connector.store.runs import Evaluated, evaluated_versions
from connector.store.tickets import canonical_record_text, record_document, record_matches
from mappings.assemble import MappedTicket
from mappings.loader import LoadedMapping

#: (source, ticket, ticket id, snapshot id, snapshot digest) of a ticket to evaluate.
Candidate = tuple[str, str, int, int, str]


@dataclass(frozen=True)
class StoredRecord:
    """A ticket's stored record, evaluated as it is (``connector.checking.Bundle``)."""

    ticket: str
    record: ComplaintRecord

    def map(self) -> MappedTicket:
        return MappedTicket(self.ticket, record=self.record)


def _mapped_current_state(record: ComplaintRecord, as_of: datetime) -> bool:
    """Mapping as of ``as_of`` gives the record mapped with no as-of time."""
    return record.updated_at is not None and as_of >= record.updated_at and as_of >= record.received_at


def _vouched(entry: Evaluated | None, candidate: Candidate, mapping: LoadedMapping) -> bool:
    """The newest run that evaluated the ticket evaluated this snapshot (same id and digest)
    with this mapping file and code (its record digest is compared once the record is read)."""
    _source, _ticket, _id, snapshot_id, snapshot_sha256 = candidate
    return (entry is not None and (entry.snapshot_id, entry.snapshot_sha256) == (snapshot_id, snapshot_sha256)
            and entry.mapping_hash == mapping.sha256 and entry.code_version == code_version())


def _mapped_here(mapped_here: MappedHere | None, candidate: Candidate, mapping: LoadedMapping) -> str | None:
    """The record digest this process computed when it mapped this snapshot's content under
    the running mapper and stored the record (``connector.remap.MappedHere``), or None."""
    source, ticket, _id, _snapshot_id, snapshot_sha256 = candidate
    version = mapped_here.get(source, ticket) if mapped_here is not None else None
    if (version is None or version.snapshot_sha256 != snapshot_sha256
            or version.mapper != running_mapper(mapping)):
        return None
    return version.record_sha256


def reusable_records(
    session: Session, mappings: Mapping[str, LoadedMapping], candidates: Sequence[Candidate], as_of: datetime,
    mapped_here: MappedHere | None = None,
) -> dict[int, tuple[ComplaintRecord, str]]:
    """ticket id -> (its stored record, that record's digest) for the candidates whose stored
    record is provably what mapping their snapshot as of ``as_of`` gives (see the module)."""
    mappers = record_mappers(session, [ticket_id for _s, _t, ticket_id, _i, _d in candidates])
    same_mapper = [c for c in candidates if mapped_by(mappers.get(c[2], (None, None, None)), mappings[c[0]])]
    entries: dict[tuple[str, str], Evaluated] = {}
    for source in sorted({c[0] for c in same_mapper}):
        found = evaluated_versions(session, source, [c[1] for c in same_mapper if c[0] == source])
        entries.update(((source, ticket), entry) for ticket, entry in found.items())
    # ticket id -> (record digest, as-of time the record was mapped at; None: the current state)
    vouched: dict[int, tuple[str, datetime | None]] = {}
    for c in same_mapper:
        entry = entries.get((c[0], c[1]))
        if entry is not None and _vouched(entry, c, mappings[c[0]]):
            vouched[c[2]] = (entry.record_sha256, entry.run_as_of)
        elif (here := _mapped_here(mapped_here, c, mappings[c[0]])) is not None:
            vouched[c[2]] = (here, None)
    reusable: dict[int, tuple[ComplaintRecord, str]] = {}
    for row in cached_records(session, list(vouched)):
        record_sha256, mapped_as_of = vouched[row.id]
        record = _load(row, record_sha256)
        if record is not None and _mapped_current_state(record, as_of) and (
                mapped_as_of is None or _mapped_current_state(record, mapped_as_of)):
            reusable[row.id] = (record, record_sha256)
    return reusable


def _load(row: TicketRow, evaluated_sha256: str) -> ComplaintRecord | None:
    """The row's stored record when its digest (``tickets.record_digest``) is the one evaluated
    and it validates, else None."""
    try:
        if row.record and row.timeline is not None:
            # Stored canonically (what sync writes): the text the digest was checked on is
            # parsed and validated in one step.
            whole = canonical_record_text(row.record, row.timeline, evaluated_sha256)
            if whole is not None:
                return ComplaintRecord.model_validate_json(whole)
        if not record_matches(row.record, row.timeline, evaluated_sha256):
            return None
        document = record_document(row)
        return None if document is None else ComplaintRecord.model_validate(document)
    except (ValueError, ValidationError):
        return None
