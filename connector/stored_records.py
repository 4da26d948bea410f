"""When a check may evaluate the record sync stored instead of mapping the snapshot again.

Mapping a stored snapshot is a function of the snapshot's content, the mapping file, the site
URL, the code and the as-of time, and of nothing else (no clock, no age). The as-of time only
matters before the ticket's last update: ``derive.build_record`` maps the current state when
``as_of`` is at or after the ticket's ``updated``, and ``Assembler.map_item`` skips a ticket
received after ``as_of``. Sync stores the record mapped with no as-of time and names its inputs
on the row (``record_basis``, see ``connector.remap``). So the stored record is what mapping
would give when:

- the row's basis is that of the snapshot valid at ``as_of`` under the running mapping, site
  and code, and
- ``as_of`` is at or after the record's ``updated_at`` (known) and ``received_at``, and
- the hash chain vouches for the row: the ticket's newest manifest entry names the same
  snapshot, mapping file and code, a run as-of time that also meets the condition above, and
  this record's digest. A row edited after a run is then re-mapped, so ``verify-store`` still
  reports it, as it did when every check re-mapped. A version no run has evaluated yet is
  re-mapped too (its record is not vouched for).

Anything else (a past as-of time, another mapping, site or release, a row the chain does not
vouch for, a record that no longer validates) is mapped again from its snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from compliance_checks.model import ComplaintRecord
from connector.remap import code_version, record_basis
from connector.store import Session
from connector.store.evaluations import LastEvaluated, cached_records, last_evaluated, record_bases
from connector.store.tickets import canonical_json, sha256_text
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


def _vouched(entry: LastEvaluated | None, candidate: Candidate, mapping: LoadedMapping) -> bool:
    """The newest run that evaluated the ticket evaluated this snapshot (same id and digest)
    with this mapping file and code (its record digest is compared once the record is read)."""
    source, _ticket, _id, snapshot_id, snapshot_sha256 = candidate
    if (entry is None or entry.snapshot_id != snapshot_id or entry.snapshot_sha256 != snapshot_sha256
            or entry.code_version != code_version()):
        return False
    try:
        hashes = json.loads(entry.mapping_hashes)
    except ValueError:
        return False  # an edited run: its hash reports it
    return isinstance(hashes, dict) and hashes.get(source) == mapping.sha256


def reusable_records(
    session: Session, mappings: Mapping[str, LoadedMapping], candidates: Sequence[Candidate], as_of: datetime
) -> dict[int, tuple[ComplaintRecord, str]]:
    """ticket id -> (its stored record, that record's digest) for the candidates whose stored
    record is provably what mapping their snapshot as of ``as_of`` gives (see the module)."""
    bases = record_bases(session, [ticket_id for _s, _t, ticket_id, _i, _d in candidates])
    same_basis = [c for c in candidates if bases.get(c[2]) == record_basis(c[4], mappings[c[0]])]
    entries: dict[tuple[str, str], LastEvaluated] = {}
    for source in sorted({c[0] for c in same_basis}):
        found = last_evaluated(session, source, [c[1] for c in same_basis if c[0] == source])
        entries.update(((source, ticket), entry) for ticket, entry in found.items())
    vouched = {c[2]: entries[(c[0], c[1])] for c in same_basis
               if _vouched(entries.get((c[0], c[1])), c, mappings[c[0]])}
    reusable: dict[int, tuple[ComplaintRecord, str]] = {}
    for ticket_id, (record_text, timeline_text) in cached_records(session, list(vouched)).items():
        loaded = _load(record_text, timeline_text)
        if loaded is None:
            continue
        record, digest = loaded
        entry = vouched[ticket_id]
        if (digest == entry.record_sha256 and _mapped_current_state(record, as_of)
                and _mapped_current_state(record, entry.run_as_of)):
            reusable[ticket_id] = (record, digest)
    return reusable


def _load(record_text: str | None, timeline_text: str | None) -> tuple[ComplaintRecord, str] | None:
    """A stored record (split form) and its digest (``tickets.record_digest``); None when it
    is not stored split or does not validate."""
    if not record_text or timeline_text is None:
        return None
    try:
        document = json.loads(record_text)
        if not isinstance(document, dict):
            return None
        document["timeline"] = json.loads(timeline_text)
        return ComplaintRecord.model_validate(document), sha256_text(canonical_json(document))
    except (ValueError, ValidationError):
        return None
