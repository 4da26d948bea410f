"""A check evaluates the record sync stored only where that is provably what mapping the
snapshot gives, and re-maps everything else.

Tickets are Zendesk sandbox tickets in the Support API shape (``zendesk-support-v2.yaml``:
Ticket, TicketAudit; the incremental ticket events of ``/work/shared/docs/platform-zendesk.md``),
synced into a SQLite store and checked as ``iso10002 check`` does (``Pipeline.check``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from connector import remap
from connector.bundles import record_digest_of
from connector.config import AppConfig
from connector.evaluation import EvalOutcome, Evaluator, evaluate_store
from connector.pipeline import Pipeline, load_evaluator
from connector.remap import code_version, mapper_digest, remap_stale
from connector.store import Store
from connector.store.evaluations import snapshot_digests, versions_as_of
from connector.store.models import RunTicketRow, TicketRow
from connector.store.runs import verify_chain
from connector.stored_records import reusable_records
from devtools.sandboxes.zendesk import SandboxServer
from mappings.assemble import Assembler, MappedTicket
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
PACKAGE = "iso10002-connector"


@dataclasses.dataclass
class Synced:
    pipeline: Pipeline
    store: Store
    server: SandboxServer
    now: datetime
    mapped: list[str]  # tickets mapped by Assembler.map_item, in order


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Synced]:
    """A store synced from the sandbox and checked once (each ticket's version vouched for by
    that run's manifest); ``mapped`` then counts every mapping made afterwards."""
    server = sc.start_sandbox(tickets=12, seed=7)
    source = sc.sandbox_source(server)
    config = AppConfig.model_validate({
        "sources": [source.model_dump(mode="json")],
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
    })
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    client = sc.sandbox_client(server, source)
    pipe = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)
    try:
        pipe.sync()
        now = sc.virtual_now(server)
        pipe.check(as_of=now)
        mapped: list[str] = []
        real = Assembler.map_item

        def map_item(self: Assembler, raw: Any) -> MappedTicket:
            result = real(self, raw)
            mapped.append(result.ticket)
            return result

        monkeypatch.setattr(Assembler, "map_item", map_item)
        yield Synced(pipe, store, server, now, mapped)
    finally:
        store.close()
        server.stop()
        code_version.cache_clear()
        mapper_digest.cache_clear()


def _findings(outcome: EvalOutcome) -> dict[tuple[str, str], list[dict[str, Any]]]:
    return {key: [f.to_json_dict() for f in found] for key, found in outcome.findings.items()}


def _manifest(store: Store, run_id: int) -> list[tuple[Any, ...]]:
    with store.session() as session:
        rows = session.execute(select(RunTicketRow.source, RunTicketRow.ticket, RunTicketRow.snapshot_id,
                                      RunTicketRow.snapshot_sha256, RunTicketRow.record_sha256)
                               .where(RunTicketRow.run_id == run_id).order_by(RunTicketRow.ticket)).all()
    return [tuple(row) for row in rows]


def _check(synced: Synced, evaluator: Evaluator | None = None, **options: Any) -> EvalOutcome:
    options.setdefault("as_of", synced.now)
    return evaluate_store(synced.store, evaluator or synced.pipeline.evaluator, now=synced.now,
                          keep_findings=True, skip_unchanged=False, **options)


def test_a_vouched_stored_record_is_evaluated_without_mapping_and_gives_the_same_run(
    synced: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = synced.now + timedelta(days=3)  # clocks moved on: findings differ from the first run's
    with monkeypatch.context() as patch:
        patch.setattr("connector.evaluation.reusable_records", lambda *_a: {})
        remapped = _check(synced, as_of=later)
    assert len(synced.mapped) == remapped.tickets > 0
    synced.mapped.clear()
    reused = _check(synced, as_of=later)
    assert synced.mapped == []  # every record came from the store
    assert _findings(reused) == _findings(remapped)
    assert reused.statuses == remapped.statuses
    assert [row[1:] for row in _manifest(synced.store, reused.run_id)] == [
        row[1:] for row in _manifest(synced.store, remapped.run_id)]
    with synced.store.session() as session:
        assert verify_chain(session)[1] == []


def _edit_first_record(synced: Synced) -> str:
    """Edit the summary in the stored record of the first complaint (by ticket); its ticket."""
    with synced.store.session() as session:
        row = session.scalars(select(TicketRow).where(TicketRow.is_complaint.is_(True))
                              .order_by(TicketRow.ticket)).first()
        assert row is not None and row.record is not None
        document = json.loads(row.record)
        document["summary"] = "edited"
        row.record = json.dumps(document)
        return row.ticket


def test_a_row_edited_after_a_run_is_mapped_again_and_still_reported(synced: Synced) -> None:
    edited = _edit_first_record(synced)
    outcome = _check(synced)
    assert synced.mapped == [edited]  # only the edited row is not vouched for by the chain
    assert outcome.errors == []
    with synced.store.session() as session:
        problems = [str(p) for p in verify_chain(session)[1]]
    assert any("differs from the one evaluated" in p and edited in p for p in problems)


def test_records_of_another_mapping_file_or_release_are_mapped_again(
    synced: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluator = synced.pipeline.evaluator
    (name, mapping), = evaluator.mappings.items()
    other_file = dataclasses.replace(
        evaluator, mappings={name: dataclasses.replace(mapping, sha256="0" * 64)})
    dry = _check(synced, other_file, record="none")  # a dry run re-maps no row before it checks
    assert len(synced.mapped) == dry.tickets > 0

    synced.mapped.clear()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9" if name == PACKAGE else real(name))
    code_version.cache_clear()
    upgraded = _check(synced, record="none")
    assert len(synced.mapped) == upgraded.tickets > 0


def test_records_of_another_site_url_are_mapped_again(synced: Synced) -> None:
    evaluator = synced.pipeline.evaluator
    (name, mapping), = evaluator.mappings.items()
    moved = dataclasses.replace(evaluator, mappings={name: dataclasses.replace(
        mapping, site="https://moved.zendesk.example")})
    outcome = _check(synced, moved, record="none")
    assert len(synced.mapped) == outcome.tickets > 0


def test_a_past_as_of_time_maps_the_version_valid_then(synced: Synced) -> None:
    """One ticket gets an agent comment (a new version); a check as of before it maps the
    older version, whose record the row no longer holds."""
    server = synced.server
    ticket = min(sc.ticket_ids(server, status=("open",)))
    server.state.clock.advance(3600)
    server.state.update_ticket(ticket, {"comment": {"body": "We are looking into it.", "public": True}}, 1)
    server.state.clock.advance(3600)
    synced.pipeline.sync()
    synced.pipeline.check(as_of=sc.virtual_now(server))  # the new version is vouched for
    synced.mapped.clear()
    outcome = _check(synced, as_of=synced.now)
    assert synced.mapped == [str(ticket)]
    assert outcome.tickets > 1


def test_a_stored_record_is_not_used_as_of_a_time_before_its_last_update(synced: Synced) -> None:
    """Even for the same snapshot (its stamp and the ticket's ``updated`` may differ)."""
    pipe = synced.pipeline
    with synced.store.session() as session:
        rows = session.execute(select(TicketRow.source, TicketRow.ticket, TicketRow.id)
                               .where(TicketRow.is_complaint.is_(True))).all()
        newest = versions_as_of(session, [i for _s, _t, i in rows], None)
        digests = snapshot_digests(session, list(newest.values()))
        candidates = [(s, t, i, newest[i], digests[newest[i]]) for s, t, i in rows]
        now = reusable_records(session, pipe.evaluator.mappings, candidates, synced.now)
        assert set(now) == {i for _s, _t, i in rows}
        records = {i: record for i, (record, _digest) in now.items()}
        for ticket_id, record in records.items():
            assert record.updated_at is not None
            before = record.updated_at - timedelta(seconds=1)
            assert reusable_records(session, pipe.evaluator.mappings,
                                    [c for c in candidates if c[2] == ticket_id], before) == {}


def test_a_version_no_run_has_evaluated_is_mapped(synced: Synced) -> None:
    with synced.store.session() as session:
        session.execute(update(RunTicketRow).values(snapshot_id=-1))
    outcome = _check(synced, record="none")
    assert len(synced.mapped) == outcome.tickets > 0


def test_a_change_to_the_mapping_code_re_maps_under_the_same_package_version(
    synced: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package version stays while the mapping code changes: the version a row and a run
    name still changes, so stored records are re-mapped and no longer evaluated as they are."""
    before = code_version()
    assert before.startswith(f"{metadata.version(PACKAGE)}+") and len(before) <= 40
    monkeypatch.setattr("connector.remap.MAPPER_SOURCES", (*remap.MAPPER_SOURCES, "connector.tally"))
    mapper_digest.cache_clear()
    code_version.cache_clear()
    after = code_version()
    assert after != before and after.startswith(f"{metadata.version(PACKAGE)}+") and len(after) <= 40

    dry = _check(synced, record="none")  # no row re-mapped first: the check itself maps
    assert len(synced.mapped) == dry.tickets > 0

    synced.mapped.clear()
    evaluator = synced.pipeline.evaluator
    assert remap_stale(synced.store, evaluator.mappings) > 0  # rows mapped by the old code
    with synced.store.session() as session:
        assert set(session.scalars(select(TicketRow.mapper_version))) == {after}
    recorded = _check(synced)
    with synced.store.session() as session:
        assert verify_chain(session)[1] == []
    synced.mapped.clear()
    reused = _check(synced)  # the new code's records, vouched for by its own run
    assert synced.mapped == [] and reused.tickets == recorded.tickets


def test_sync_names_the_site_url_and_a_row_without_one_is_mapped_again(synced: Synced) -> None:
    (mapping,) = synced.pipeline.evaluator.mappings.values()
    assert mapping.site
    with synced.store.session() as session:
        sites = set(session.scalars(select(TicketRow.mapped_site)))
        assert sites == {mapping.site}
        unknown = session.scalars(select(TicketRow).where(TicketRow.is_complaint.is_(True))
                                  .order_by(TicketRow.ticket)).first()
        assert unknown is not None
        unknown.mapped_site = None  # mapped before the site URL was kept
    outcome = _check(synced, record="none")
    assert synced.mapped == [unknown.ticket] and outcome.tickets > 1


def test_the_newest_evaluation_is_the_one_verify_store_compares_with(synced: Synced) -> None:
    """A check as of a past time, recorded after the check as of now, does not hide what the
    check as of now vouched for: the newest entry is the one of the latest as-of time, then run
    id (``runs.evaluated_versions``, as ``verify-store`` reads it), not of the latest run."""
    server = synced.server
    ticket = min(sc.ticket_ids(server, status=("open",)))
    server.state.clock.advance(3600)
    server.state.update_ticket(ticket, {"comment": {"body": "We are looking into it.", "public": True}}, 1)
    server.state.clock.advance(3600)
    synced.pipeline.sync()
    later = sc.virtual_now(server)
    _check(synced, as_of=later)  # vouches for the ticket's new version
    _check(synced)  # as of before that version: a later run naming the older version
    synced.mapped.clear()
    outcome = _check(synced, as_of=later)
    assert synced.mapped == [] and outcome.tickets > 1
    with synced.store.session() as session:
        assert verify_chain(session)[1] == []


def test_a_record_stored_whole_is_evaluated_as_stored(synced: Synced) -> None:
    """A record stored with its timeline inside (before migration 0005 split them) has the same
    digest (``tickets.record_digest``) and is read as ``tickets.record_document`` reads it."""
    with synced.store.session() as session:
        row = session.scalars(select(TicketRow).where(TicketRow.is_complaint.is_(True))
                              .order_by(TicketRow.ticket)).first()
        assert row is not None and row.record is not None and row.timeline is not None
        document = json.loads(row.record)
        document["timeline"] = json.loads(row.timeline)
        row.record, row.timeline = json.dumps(document), None
    outcome = _check(synced)
    assert synced.mapped == [] and outcome.errors == []
    with synced.store.session() as session:
        assert verify_chain(session)[1] == []


def test_a_new_site_url_re_maps_the_cached_records_that_reports_read(synced: Synced) -> None:
    """The site URL is part of what mapped a cached record everywhere (sync, re-mapping,
    reports), not only in the check: after a move, ``remap_stale`` re-maps every row once and
    the rows then name the new site, so store reports do not link to the old one."""
    evaluator = synced.pipeline.evaluator
    (name, mapping), = evaluator.mappings.items()
    moved = dataclasses.replace(mapping, site="https://moved.zendesk.example")
    with synced.store.session() as session:
        rows = len(session.scalars(select(TicketRow.id).where(TicketRow.record.is_not(None))).all())
    assert remap_stale(synced.store, {name: moved}) >= rows > 0
    with synced.store.session() as session:
        assert set(session.scalars(select(TicketRow.mapped_site))) == {moved.site}
    assert remap_stale(synced.store, {name: moved}) == 0  # once


# -- records this process mapped (``iso10002 run``, the service: sync then check) ------------

def _unvouch(synced: Synced) -> None:
    """No run's manifest vouches for any row any more: only this process's syncs can."""
    with synced.store.session() as session:
        session.execute(update(RunTicketRow).values(snapshot_id=-1))


def test_a_check_in_the_process_that_synced_evaluates_its_records_without_mapping(synced: Synced) -> None:
    _unvouch(synced)
    remapped = _check(synced, record="none")  # a new process: nothing vouched, all mapped
    assert len(synced.mapped) == remapped.tickets > 0
    assert len(synced.pipeline.mapped_here) >= remapped.tickets
    synced.mapped.clear()
    here = _check(synced, record="none", mapped_here=synced.pipeline.mapped_here)
    assert synced.mapped == []
    assert _findings(here) == _findings(remapped)
    recorded = _check(synced, mapped_here=synced.pipeline.mapped_here)
    assert synced.mapped == []
    with synced.store.session() as session:  # run 1's manifest was edited above; the new run verifies
        assert [p for p in verify_chain(session)[1] if p.run_id == recorded.run_id] == []
    assert {row[1]: row[4] for row in _manifest(synced.store, recorded.run_id)} == {
        key[1]: record_digest_of(record) for key, record in _records(synced).items()}


def _records(synced: Synced) -> dict[tuple[str, str], Any]:
    from compliance_checks.model import ComplaintRecord
    from connector.store.tickets import record_document

    with synced.store.session() as session:
        rows = session.scalars(select(TicketRow).where(TicketRow.is_complaint.is_(True))).all()
        return {(r.source, r.ticket): ComplaintRecord.model_validate(record_document(r)) for r in rows}


def test_a_row_edited_after_this_process_synced_it_is_mapped_again(synced: Synced) -> None:
    _unvouch(synced)
    edited = _edit_first_record(synced)
    _check(synced, mapped_here=synced.pipeline.mapped_here)
    assert synced.mapped == [edited]  # the digest this process computed no longer matches
    with synced.store.session() as session:
        problems = [str(p) for p in verify_chain(session)[1]]
    assert any("differs from the one evaluated" in p and edited in p for p in problems)


def test_a_version_this_process_did_not_map_is_mapped(synced: Synced) -> None:
    _unvouch(synced)
    here = synced.pipeline.mapped_here
    first = sorted(_records(synced))[0]
    version = here.get(*first)
    assert version is not None
    here.note(*first, dataclasses.replace(version, snapshot_sha256="0" * 64))  # another content
    other = sorted(_records(synced))[1]
    version = here.get(*other)
    assert version is not None
    here.note(*other, dataclasses.replace(version, mapper=("other", code_version(), "")))  # another mapping
    _check(synced, record="none", mapped_here=here)
    assert sorted(synced.mapped) == sorted([first[1], other[1]])


def test_the_digest_sync_notes_is_the_records_digest(synced: Synced) -> None:
    """``stored_record_digest`` hashes the splice of the texts sync writes; it must be
    ``record_digest`` (what a run's manifest holds) for every record, and falls back to parsing
    when the record text has a second ``,"updated_at":``."""
    from connector.bundles import record_texts
    from connector.store.tickets import record_digest, sha256_text, stored_record_digest

    records = list(_records(synced).values())
    assert records
    for record in records:
        texts = record_texts(record)
        assert stored_record_digest(*texts) == record_digest(*texts) == record_digest_of(record)
    # A later ``,"updated_at":`` inside a value after the top-level one: splicing before the
    # last occurrence would be wrong, so the texts are parsed instead.
    nested = '{"a":1,"updated_at":"t","url":{"b":1,"updated_at":2}}'
    cut = nested.rfind(',"updated_at":')
    assert sha256_text(nested[:cut] + ',"timeline":[]' + nested[cut:]) != record_digest(nested, "[]")
    assert stored_record_digest(nested, "[]") == record_digest(nested, "[]")


def test_the_record_sync_stores_is_what_mapping_its_stored_bundle_gives(synced: Synced) -> None:
    """Sync maps the payload as read; a check in a new process maps the stored bundle (canonical
    JSON: keys sorted). A record this process's sync noted is reused only because the two are the
    same record: a mapping that read a JSON object's key order would break that."""
    from connector.bundles import map_bundle
    from connector.store.evaluations import bundles
    from connector.store.tickets import record_digest

    mapping = synced.pipeline.evaluator.mappings["sandbox"]
    with synced.store.session() as session:
        rows = {r.id: r for r in session.scalars(select(TicketRow).where(TicketRow.is_complaint.is_(True)))}
        newest = versions_as_of(session, list(rows), None)
        texts = bundles(session, list(newest.values()))
        assert rows
        for ticket_id, row in rows.items():
            mapped = map_bundle(mapping.spec, json.loads(texts[newest[ticket_id]]), None, mapping.site)
            assert mapped is not None and mapped.record is not None
            assert record_digest(row.record, row.timeline) == record_digest_of(mapped.record)
