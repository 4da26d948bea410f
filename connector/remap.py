"""Stored records follow the mapping code, not only the mapping file.

A ticket row caches the record mapped from its newest snapshot, with the identity of what
mapped it: the mapping file's hash (``mapping_hash``), the code's version (``mapper_version``:
the package version and a digest of the source of the modules that map, so a fix to the mapping
code changes it even when the package version stays) and the site URL (``mapped_site``).
When the mapping file or code differs from the running one, the row is re-mapped from its stored bundle (no
helpdesk call) before anything evaluates or reports it, so that a run's manifest and the row it
verifies against come from the same mapper. Runs recorded before keep their own record digests
and ``code_version``: the verifier compares a row with a run only when both name the same
mapper (``connector.store.runs.ticket_row_problem``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, util
from pathlib import Path
from typing import Any

from connector.bundles import map_bundle, record_texts
from connector.store import Store
from connector.store.chunking import chunks
from connector.store.evaluations import Mapper, bundles, stale_records, ticket_rows, versions_as_of
from connector.store.models import TicketRow
from connector.store.tickets import stored_record_digest
from connector.tally import Tally
from mappings.loader import LoadedMapping

#: Rows re-mapped per transaction.
CHUNK = 500


#: The code a stored snapshot's record depends on: packages (every ``.py`` file under them) and
#: modules. ``mappings`` maps; ``connector.bundles`` assembles a stored bundle and maps it; the
#: record model and the mapping file loader's parsing shape the record.
MAPPER_SOURCES = ("mappings", "connector.bundles", "compliance_checks.model", "compliance_checks.configfile")
#: Hex digits of the source digest kept in a version (``mapper_version``/``code_version`` are 40 wide).
_DIGEST_CHARS = 12


def package_version() -> str:
    try:
        return metadata.version("iso10002-connector")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0+unknown"


def _source_files(name: str) -> Iterator[tuple[str, Path | None]]:
    """(stable name, path) of each source file of a module or package (path None: not found)."""
    spec = util.find_spec(name)
    if spec is None or spec.origin is None:
        yield name, None
        return
    if spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            root = Path(location)
            for path in sorted(root.rglob("*.py")):
                yield f"{name}/{path.relative_to(root).as_posix()}", path
        return
    yield name, Path(spec.origin)


@cache  # reads a few dozen source files once per process
def mapper_digest() -> str:
    """sha256 over the names and bytes of the mapping code's source files (``MAPPER_SOURCES``)."""
    digest = hashlib.sha256()
    for module in MAPPER_SOURCES:
        for name, path in _source_files(module):
            digest.update(name.encode() + b"\0")
            digest.update(path.read_bytes() if path is not None else b"<missing>")
            digest.update(b"\0")
    return digest.hexdigest()


@cache
def code_version() -> str:
    """The mapping code's identity: ``<package version>+<source digest>``, within 40 characters."""
    return f"{package_version()[:40 - 1 - _DIGEST_CHARS]}+{mapper_digest()[:_DIGEST_CHARS]}"


def running_mapper(mapping: LoadedMapping) -> Mapper:
    """The mapper this process maps with under ``mapping``: a cached record is usable only when
    its row names exactly this (sync, re-mapping, checks and reports all ask the same)."""
    return mapping.sha256, code_version(), mapping.site or ""


def mapped_by(row_mapper: Mapper, mapping: LoadedMapping) -> bool:
    return row_mapper == running_mapper(mapping)


@dataclass(frozen=True)
class MappedVersion:
    """A record this process mapped from a snapshot's content and stored on its ticket row."""

    #: The digest of the snapshot content mapped (``snapshots.sha256``).
    snapshot_sha256: str
    #: ``record_digest`` of the stored record, computed when it was mapped.
    record_sha256: str
    mapper: Mapper


class MappedHere:
    """The records this process mapped and stored, per (source, ticket), the latest only.

    A check in the same process (``iso10002 run``, the service) may evaluate such a record
    instead of mapping the same snapshot again: this process knows it is that snapshot's
    mapping, because it computed the record's digest from the mapping itself, so a stored record
    whose texts still have that digest is the mapping (an edit since is not reused). Nothing in
    the store vouches for this: a new process knows nothing and maps again."""

    def __init__(self) -> None:
        self._versions: dict[tuple[str, str], MappedVersion] = {}

    def note(self, source: str, ticket: str, version: MappedVersion) -> None:
        self._versions[(source, ticket)] = version

    def get(self, source: str, ticket: str) -> MappedVersion | None:
        return self._versions.get((source, ticket))

    def clear(self) -> None:
        self._versions.clear()

    def __len__(self) -> int:
        return len(self._versions)


def remap_row(row: TicketRow, mapping: LoadedMapping, documents: list[Any]) -> str | None:
    """Replace the row's cached record by the mapping of ``documents`` under the running
    mapper, and name that mapper and the site URL on the row. Returns the stored record's
    digest (``record_digest``), or None when no record was stored."""
    mapped = map_bundle(mapping.spec, documents, None, mapping.site)
    row.mapping_hash, row.mapper_version, row.mapped_site = running_mapper(mapping)
    if mapped is None or mapped.skipped:
        row.is_complaint = False
        return None
    row.is_complaint = True
    if mapped.error is not None or mapped.record is None:
        row.record = row.timeline = None
        row.mapping_error = str(mapped.error or "no record produced")
        row.is_open = True
        return None
    row.record, row.timeline = record_texts(mapped.record)
    row.mapping_error = None
    row.is_open = mapped.record.is_open and not row.deleted
    return stored_record_digest(row.record, row.timeline)


def remap_stale(
    store: Store, mappings: Mapping[str, LoadedMapping], only: Collection[tuple[str, str]] | None = None,
    *, tally: Tally | None = None,
) -> int:
    """Re-map, from their newest stored snapshot, the rows of these sources (``only``: of these
    (source, ticket) keys) whose record was mapped by another mapper (``running_mapper``); how
    many. Reads the store only (three queries per chunk of rows, plus the updates), never the
    helpdesk."""
    with store.session() as session:
        stale = stale_records(session, {name: running_mapper(m) for name, m in mappings.items()}, only)
    for done, chunk in enumerate(chunks(stale, CHUNK)):
        ids = [ticket_id for ticket_id, _source in chunk]
        with store.session() as session:
            newest = versions_as_of(session, ids, None)
            texts = bundles(session, list(newest.values()))
            for row in ticket_rows(session, ids):
                snapshot_id = newest.get(row.id)
                if snapshot_id is not None:  # else no version stored: nothing to map
                    remap_row(row, mappings[row.source], json.loads(texts.pop(snapshot_id)))
        if tally is not None:
            tally("re-mapping stored records (new mapping or release)",
                  min((done + 1) * CHUNK, len(stale)), len(stale))
    return len(stale)
