"""A ticket's findings of one run are one ``findings`` row (migration 0010): their canonical JSON
texts, one per line, as one zstd frame (no copy of their check or status outside the hash).
Every hash stays over the texts, so a store written in the findings shape before 0010 (one row
per finding, JSON text) converts and verifies, and reports read from it are the same before and
after; the downgrade gives the rows back, check and status read from each text. A store whose
``check``/``status`` columns differ from the texts (what ``verify-store`` reported) is refused
by the upgrade, unchanged.

The tickets come from the in-process Zendesk sandbox (tests/zendesk/scenarios.py), which serves
them in the shape of the Zendesk Support API ("Tickets", "Ticket Audits")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import zstandard
from sqlalchemy import inspect, select, text

from connector.reports.store import read_store
from connector.store import Store
from connector.store.engine import StoreError
from connector.store.models import RunRow
from connector.store.runs import latest_findings, latest_status_counts, run_findings, verify_chain
from connector.store.tickets import canonical_json
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import migrate_store, pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=12)
    yield srv
    srv.stop()


def _raw(store: Store, sql: str) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(text(sql)).all())


def _reads(store: Store, evaluator: Any) -> dict[str, Any]:
    """What the readers of findings give: per run, the latest per ticket, the status counts,
    verification, and a report read of the store as of the newest run."""
    with store.session() as session:
        runs = list(session.scalars(select(RunRow).order_by(RunRow.id)))
        by_run = {run.id: [(f.source, f.ticket, f.payload) for f in run_findings(session, run.id)]
                  for run in runs}
        latest = latest_findings(session)
        counts = latest_status_counts(session)
        verified = verify_chain(session)
        as_of = runs[-1].as_of
    read = read_store(store, evaluator, as_of)
    items = read.source.lookup([item.record.id for item in read.source.items()])
    report = [(r.model_dump_json(), json.dumps([f.to_json_dict() for f in fs])) for r, fs in items]
    return {"runs": by_run, "latest": latest, "counts": counts, "verified": verified, "report": report}


def test_a_tickets_findings_are_one_compressed_row_holding_the_hashed_texts(
    store_url: str, server: SandboxServer
) -> None:
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    outcome = pipe.check(keep_findings=True)
    rows = _raw(store, "SELECT ticket, payload FROM findings")
    columns = {c["name"] for c in inspect(store.engine).get_columns("findings")}
    store.close()
    assert columns == {"id", "run_id", "source", "ticket", "payload"}  # no copy outside the hash
    assert len(rows) == len(outcome.findings) > 1  # one row per ticket, not per finding
    for ticket, payload in rows:
        stored = bytes(payload)
        assert stored.startswith(ZSTD_MAGIC)
        lines = zstandard.ZstdDecompressor().decompress(stored).decode("utf-8").split("\n")
        expected = [f.to_json_dict() for f in outcome.findings[("sandbox", ticket)]]
        assert lines == [canonical_json(p) for p in expected]  # the hashed texts, in order
        assert len(stored) < len("\n".join(lines).encode("utf-8")) / 3


def test_a_store_in_the_findings_shape_before_0010_converts_verifies_and_reads_the_same(
    store_url: str, server: SandboxServer
) -> None:
    """Two runs written, the store taken down to 0009 (the findings shape before 0010: one row
    per finding, as that code wrote them), then up again: every reader, ``verify_chain`` and a
    report read give the same."""
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    pipe.check()
    before = _reads(store, pipe.evaluator)
    store.close()
    assert before["verified"] == (2, []) and any(json.loads(f) for _r, f in before["report"])
    findings = sum(len(rows) for rows in before["runs"].values())

    migrate_store(store_url, "0009", down=True)
    probe = Store(store_url, migrate_now=False)
    old = _raw(probe, 'SELECT "check", status, payload FROM findings')
    probe.close()
    assert len(old) == findings
    assert all(json.loads(payload)["check"] == check and json.loads(payload)["status"] == status
               for check, status, payload in old)

    store = Store(store_url)  # migrates to head
    try:
        assert _reads(store, pipe.evaluator) == before
        assert len(_raw(store, "SELECT id FROM findings")) < findings
    finally:
        store.close()


@pytest.mark.parametrize("column", ["status", "check"])
def test_the_upgrade_refuses_a_store_whose_check_or_status_column_differs_from_the_text(
    store_url: str, server: SandboxServer, column: str
) -> None:
    """A row edited at 0009 (``UPDATE findings SET status=...``; ``verify-store`` reported it):
    the upgrade names the row and leaves the store as it was, instead of dropping the evidence."""
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    store.close()
    migrate_store(store_url, "0009", down=True)
    probe = Store(store_url, migrate_now=False)
    with probe.engine.begin() as connection:
        row_id, run_id = connection.execute(text("SELECT id, run_id FROM findings ORDER BY id DESC")).first()
        edit = {"status": "UPDATE findings SET status = 'edited' WHERE id = :id",
                "check": """UPDATE findings SET "check" = 'edited' WHERE id = :id"""}[column]
        connection.execute(text(edit), {"id": row_id})
    rows = _raw(probe, 'SELECT id, "check", status, payload FROM findings ORDER BY id')
    probe.close()

    with pytest.raises(StoreError, match=rf"findings row {row_id} \(run {run_id}, sandbox/.*verify-store"):
        Store(store_url)

    probe = Store(store_url, migrate_now=False)
    try:
        assert _raw(probe, "SELECT version_num FROM alembic_version") == [("0009",)]
        assert _raw(probe, 'SELECT id, "check", status, payload FROM findings ORDER BY id') == rows
    finally:
        probe.close()
