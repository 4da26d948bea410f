"""Stored records follow the mapping code, not only the mapping file.

A ticket row caches the record mapped from its newest snapshot, with the identity of what
mapped it: the mapping file's hash (``mapping_hash``) and the code's version
(``mapper_version``, the package version: a release may map the same payload differently).
When either differs from the running one, the row is re-mapped from its stored bundle (no
helpdesk call) before anything evaluates or reports it, so that a run's manifest and the row it
verifies against come from the same mapper. Runs recorded before keep their own record digests
and ``code_version``: the verifier compares a row with a run only when both name the same
mapper (``connector.store.runs.ticket_row_problem``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import cache
from importlib import metadata
from typing import Any

from connector.bundles import map_bundle, record_texts
from connector.store import Store
from connector.store.chunking import chunks
from connector.store.evaluations import snapshot_texts, stale_records, ticket_rows, versions_as_of
from connector.store.models import TicketRow
from connector.store.tickets import canonical_json, sha256_text
from connector.tally import Tally
from mappings.loader import LoadedMapping

#: Rows re-mapped per transaction.
CHUNK = 500


@cache  # a package metadata lookup (milliseconds), needed twice per evaluation
def code_version() -> str:
    try:
        return metadata.version("iso10002-connector")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0+unknown"


def record_basis(snapshot_sha256: str, mapping: LoadedMapping) -> str:
    """Everything a record mapped from a stored snapshot with no as-of time depends on: the
    snapshot's content, the mapping file, the site URL (ticket links; not in the mapping's
    hash) and the code. Mapping is a function of these and the as-of time alone."""
    return sha256_text(canonical_json({"snapshot": snapshot_sha256, "mapping": mapping.sha256,
                                       "site": mapping.site, "code": code_version()}))


def remap_row(row: TicketRow, mapping: LoadedMapping, documents: list[Any], snapshot_sha256: str) -> None:
    """Replace the row's cached record by the mapping of ``documents`` (the stored snapshot
    whose digest is ``snapshot_sha256``) under the running mapper, and name that mapper and
    those inputs on the row."""
    mapped = map_bundle(mapping.spec, documents, None, mapping.site)
    row.mapping_hash = mapping.sha256
    row.mapper_version = code_version()
    row.record_basis = record_basis(snapshot_sha256, mapping)
    if mapped is None or mapped.skipped:
        row.is_complaint = False
        return
    row.is_complaint = True
    if mapped.error is not None or mapped.record is None:
        row.record = row.timeline = None
        row.mapping_error = str(mapped.error or "no record produced")
        row.is_open = True
        return
    row.record, row.timeline = record_texts(mapped.record)
    row.mapping_error = None
    row.is_open = mapped.record.is_open and not row.deleted


def remap_stale(
    store: Store, mappings: Mapping[str, LoadedMapping], only: Collection[tuple[str, str]] | None = None,
    *, tally: Tally | None = None,
) -> int:
    """Re-map, from their newest stored snapshot, the rows of these sources (``only``: of these
    (source, ticket) keys) whose record was mapped by another mapping file or code version; how
    many. Reads the store only (three queries per chunk of rows, plus the updates), never the
    helpdesk."""
    version = code_version()
    with store.session() as session:
        stale = stale_records(session, {name: m.sha256 for name, m in mappings.items()}, version, only)
    for done, chunk in enumerate(chunks(stale, CHUNK)):
        ids = [ticket_id for ticket_id, _source in chunk]
        with store.session() as session:
            newest = versions_as_of(session, ids, None)
            texts = snapshot_texts(session, list(newest.values()))
            for row in ticket_rows(session, ids):
                snapshot_id = newest.get(row.id)
                if snapshot_id is not None:  # else no version stored: nothing to map
                    sha256, text = texts.pop(snapshot_id)
                    remap_row(row, mappings[row.source], json.loads(text), sha256)
        if tally is not None:
            tally("re-mapping stored records (new mapping or release)",
                  min((done + 1) * CHUNK, len(stale)), len(stale))
    return len(stale)
