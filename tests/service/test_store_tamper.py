"""An edited history store is caught, on SQLite and PostgreSQL: every column of ``runs`` and
``findings`` that a report, metric or panel reads is edited in turn (and put back), and
``verify-store`` names the run, the store report refuses it (exit 6), and the metrics count
the hashed texts (an edit that changes a count is one ``verify-store`` names)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import URL, make_url
from typer.testing import CliRunner

from connector.cli import app
from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.reports.store import read_store
from connector.store import Store
from connector.store.models import FindingRow, RunRow, SnapshotRow, TicketRow
from connector.store.runs import StoreTampered, latest_findings, latest_status_counts, verify_chain
from tests.service.conftest import _postgres_url
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
runner = CliRunner()


@dataclass
class Seeded:
    config: Path
    pipeline: Pipeline
    first_run: int
    last_run: int
    as_of: datetime
    #: The environment of the CLI (the store password, never in the config file).
    env: dict[str, str]


def _private_schema(url: str) -> Iterator[str]:
    """The PostgreSQL URL with its own schema (dropped afterwards): other test sessions on the
    same database reset ``public``."""
    schema = f"tamper_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('tamper') / 'store.db'}"
        return
    yield from _private_schema(_postgres_url())


@pytest.fixture(scope="module")
def seeded(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("tamper-config")
    server = sc.start_sandbox(tickets=24, seed=5)
    source = sc.sandbox_source(server)
    url = make_url(store_url)
    env = {"TAMPER_STORE_PASSWORD": url.password} if url.password else {}
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    store_doc: dict[str, Any] = {"url": bare.render_as_string(hide_password=False)}
    if env:
        store_doc["password_env"] = "TAMPER_STORE_PASSWORD"
    doc: dict[str, Any] = {
        "sources": [source.model_dump(mode="json")],
        "store": store_doc,
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
    }
    config = AppConfig.model_validate(doc)
    store = Store(store_url)
    client = sc.sandbox_client(server, source)
    pipe = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)
    try:
        pipe.sync()
        as_of = sc.virtual_now(server)
        first = pipe.check(as_of=as_of - timedelta(days=1)).run_id
        last = pipe.check(as_of=as_of).run_id
        path = tmp / "iso10002.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        yield Seeded(path, pipe, first, last, as_of, {str(k): str(v) for k, v in env.items()})
    finally:
        store.close()
        server.stop()


@dataclass(frozen=True)
class Tamper:
    """Edit one column of some rows: of the last run's findings rows with a FAIL
    (``all_fails``: every one, as in ``UPDATE findings SET status='PASS'``, which on the
    per-ticket rows is a ``payload`` edit; else the first), or of the last run."""

    column: str
    change: Callable[[Any, Seeded], Any]
    table: type[FindingRow] | type[RunRow] = FindingRow
    all_fails: bool = False


def _later(value: Any, _s: Seeded) -> Any:
    return value - timedelta(seconds=1)


FAIL_TEXT = '"status":"FAIL"'
#: The reported incident: every FAIL of the last run set to PASS.
FAILS_TO_PASS = Tamper("payload", lambda v, s: v.replace(FAIL_TEXT, '"status":"PASS"'), all_fails=True)

TAMPERS = {
    "findings.payload.all_fails": FAILS_TO_PASS,
    "findings.payload": Tamper("payload", lambda v, s: v.replace('"status":"FAIL"', '"status":"PASS"')),
    "findings.payload.check": Tamper("payload", lambda v, s: v.replace('"check":"', '"check":"edited-', 1)),
    "findings.payload.dropped": Tamper("payload", lambda v, s: v.rsplit("\n", 1)[0]),
    "findings.source": Tamper("source", lambda v, s: v + "-edited"),
    "findings.ticket": Tamper("ticket", lambda v, s: v + "0"),
    "findings.run_id": Tamper("run_id", lambda v, s: s.first_run),
    "runs.kind": Tamper("kind", lambda v, s: "edited", RunRow),
    "runs.started_at": Tamper("started_at", _later, RunRow),
    "runs.as_of": Tamper("as_of", _later, RunRow),
    "runs.policy_hash": Tamper("policy_hash", lambda v, s: "e" * 64, RunRow),
    "runs.mapping_hashes": Tamper("mapping_hashes", lambda v, s: "{}", RunRow),
    "runs.waivers_hash": Tamper("waivers_hash", lambda v, s: "e" * 64, RunRow),
    "runs.holidays_version": Tamper("holidays_version", lambda v, s: "0.0", RunRow),
    "runs.code_version": Tamper("code_version", lambda v, s: "0.0.0", RunRow),
    "runs.tickets": Tamper("tickets", lambda v, s: v + 1, RunRow),
    "runs.errors": Tamper("errors", lambda v, s: '["edited"]', RunRow),
    "runs.prev_hash": Tamper("prev_hash", lambda v, s: "e" * 64, RunRow),
    "runs.content_hash": Tamper("content_hash", lambda v, s: "e" * 64, RunRow),
}


def _targets(seeded: Seeded, tamper: Tamper) -> list[tuple[int, Any]]:
    column = getattr(tamper.table, tamper.column)
    with seeded.pipeline.store.session() as session:
        if tamper.table is RunRow:
            rows = [(int(i), v) for i, v in session.execute(
                select(RunRow.id, column).where(RunRow.id == seeded.last_run))]
        else:
            query = select(FindingRow.id, column, FindingRow.payload).where(
                FindingRow.run_id == seeded.last_run).order_by(FindingRow.id)
            rows = [(int(i), v) for i, v, payload in session.execute(query) if FAIL_TEXT in payload]
    assert rows, "the seeded store has FAIL findings in its last run"
    return rows if tamper.table is RunRow or tamper.all_fails else rows[:1]


@contextmanager
def _tampered(seeded: Seeded, tamper: Tamper) -> Iterator[list[int]]:
    """Apply the edit, yield the edited row ids, and put the old values back."""
    table = tamper.table
    targets = _targets(seeded, tamper)

    def write(values: list[tuple[int, Any]]) -> None:
        with seeded.pipeline.store.session() as session:
            for row_id, value in values:
                session.execute(update(table).where(table.id == row_id).values({tamper.column: value}))

    write([(i, tamper.change(v, seeded)) for i, v in targets])
    try:
        yield [i for i, _ in targets]
    finally:
        write(targets)


def _tickets_with_fails(seeded: Seeded) -> list[str]:
    with seeded.pipeline.store.session() as session:
        return sorted({ticket for ticket, payload in session.execute(select(
            FindingRow.ticket, FindingRow.payload).where(FindingRow.run_id == seeded.last_run))
            if FAIL_TEXT in payload})


def test_the_untouched_store_verifies_and_reads(seeded: Seeded) -> None:
    with seeded.pipeline.store.session() as session:
        assert verify_chain(session) == (2, [])
    read = read_store(seeded.pipeline.store, seeded.pipeline.evaluator, seeded.as_of)
    assert read.run.id == seeded.last_run


@pytest.mark.parametrize("name", list(TAMPERS))
def test_an_edited_column_fails_verification_naming_the_run_and_the_report_refuses_it(
    seeded: Seeded, name: str
) -> None:
    tamper = TAMPERS[name]
    with _tampered(seeded, tamper):
        with seeded.pipeline.store.session() as session:
            count, problems = verify_chain(session)
        assert count == 2
        assert seeded.last_run in {p.run_id for p in problems}, problems
        with pytest.raises(StoreTampered, match=f"run {seeded.last_run}: "):
            read_store(seeded.pipeline.store, seeded.pipeline.evaluator, seeded.as_of)
    with seeded.pipeline.store.session() as session:
        assert verify_chain(session) == (2, [])  # put back: verifies again


def test_fail_rows_set_to_pass_are_refused_by_verify_store_and_report_audit(
    seeded: Seeded, tmp_path: Path
) -> None:
    """The reported incident: ``UPDATE findings SET status='PASS'`` on the FAIL rows."""
    out = tmp_path / "audit.json"
    report = ["report", "audit", "--config", str(seeded.config), "--as-of", seeded.as_of.isoformat(),
              "--from", "2025-01-01", "--to", seeded.as_of.date().isoformat(), "--format", "json",
              "--out", str(out)]
    with _tampered(seeded, FAILS_TO_PASS) as edited:
        assert len(edited) > 1
        verified = runner.invoke(app, ["verify-store", "--config", str(seeded.config)], env=seeded.env)
        audit = runner.invoke(app, report, env=seeded.env)
    assert verified.exit_code == 6, verified.output
    assert f"run {seeded.last_run}: content does not match its hash" in verified.output
    assert audit.exit_code == 6, audit.output
    assert audit.exception is None or isinstance(audit.exception, SystemExit)  # no traceback
    assert "store fails verification" in audit.output
    assert f"run {seeded.last_run}" in audit.output
    assert not out.exists()
    # put back, the same commands succeed
    assert runner.invoke(app, ["verify-store", "--config", str(seeded.config)], env=seeded.env).exit_code == 0
    assert runner.invoke(app, report, env=seeded.env).exit_code == 0


def test_the_metrics_count_the_hashed_texts_whose_edit_verify_store_names(seeded: Seeded) -> None:
    """The status counts (metrics) are those of the hashed texts (as the panel reads them), before and
    after every FAIL of the last run is set to PASS; ``verify_chain`` names the edited run."""

    def counts_and_texts() -> tuple[dict[str, int], dict[str, int]]:
        with seeded.pipeline.store.session() as session:
            texts = Counter(str(p["status"]) for _run, payloads in latest_findings(session).values()
                            for p in payloads)
            return latest_status_counts(session), dict(texts)

    counts, texts = counts_and_texts()
    assert counts == texts and counts.get("FAIL")
    with _tampered(seeded, FAILS_TO_PASS):
        edited, edited_texts = counts_and_texts()
        with seeded.pipeline.store.session() as session:
            _count, problems = verify_chain(session)
    assert edited == edited_texts and edited.get("FAIL", 0) < counts["FAIL"]
    assert seeded.last_run in {p.run_id for p in problems}, problems


def _edited_json(value: str) -> str:
    doc = json.loads(value)
    if isinstance(doc, list):
        return json.dumps(doc[:-1])  # an event, or a document, removed
    return json.dumps({**doc, "is_open": not doc.get("is_open")})


#: Ticket data edits: (table, column, change) applied together to one ticket with FAIL
#: findings in the last run (its row, or its newest stored version); ``read``: whether a
#: store report reads it (the cached record is read, not the bundle it was mapped from).
TICKET_TAMPERS: dict[str, tuple[list[tuple[Any, str, Callable[[Any, Seeded], Any]]], bool]] = {
    "tickets.record": ([(TicketRow, "record", lambda v, s: _edited_json(v))], True),
    "tickets.timeline": ([(TicketRow, "timeline", lambda v, s: _edited_json(v))], True),
    "tickets.is_complaint": ([(TicketRow, "is_complaint", lambda v, s: False)], True),
    "tickets.deleted": ([(TicketRow, "deleted", lambda v, s: True),
                         (TicketRow, "deleted_at", lambda v, s: s.as_of - timedelta(days=2))], True),
    "snapshots.bundle": ([(SnapshotRow, "bundle", lambda v, s: _edited_json(v))], False),
    "snapshots.sha256": ([(SnapshotRow, "sha256", lambda v, s: "e" * 64)], False),
}


@contextmanager
def _ticket_tampered(seeded: Seeded, name: str) -> Iterator[str]:
    """Apply one ticket edit, yield the ticket, and put the old values back."""
    edits, _read = TICKET_TAMPERS[name]
    ticket = _tickets_with_fails(seeded)[0]
    with seeded.pipeline.store.session() as session:
        row = session.scalars(select(TicketRow).where(TicketRow.ticket == ticket)).one()
        snapshot = session.scalars(select(SnapshotRow).where(SnapshotRow.ticket_id == row.id)
                                   .order_by(SnapshotRow.updated_at.desc(), SnapshotRow.id.desc())).first()
        assert snapshot is not None
        ids = {TicketRow: row.id, SnapshotRow: snapshot.id}
        old = [(table, column, getattr(session.get(table, ids[table]), column))
               for table, column, _c in edits]

    def write(values: list[tuple[Any, str, Any]]) -> None:
        with seeded.pipeline.store.session() as session:
            for table, column, value in values:
                session.execute(update(table).where(table.id == ids[table]).values({column: value}))

    write([(table, column, change(value, seeded))
           for (table, column, value), (_t, _c, change) in zip(old, edits, strict=True)])
    try:
        yield ticket
    finally:
        write(old)


@pytest.mark.parametrize("name", list(TICKET_TAMPERS))
def test_edited_ticket_data_fails_verification_naming_the_run_and_the_ticket(
    seeded: Seeded, name: str
) -> None:
    with _ticket_tampered(seeded, name) as ticket:
        with seeded.pipeline.store.session() as session:
            count, problems = verify_chain(session)
        assert count == 2
        assert [p.run_id for p in problems] == [seeded.last_run], problems
        assert "1 ticket(s) " in str(problems[0]) and f"sandbox/{ticket}" in str(problems[0])
        if TICKET_TAMPERS[name][1]:
            with pytest.raises(StoreTampered, match=f"run {seeded.last_run}: 1 ticket"):
                read_store(seeded.pipeline.store, seeded.pipeline.evaluator, seeded.as_of)
    with seeded.pipeline.store.session() as session:
        assert verify_chain(session) == (2, [])  # put back: verifies again
    read_store(seeded.pipeline.store, seeded.pipeline.evaluator, seeded.as_of)


def test_an_edited_record_is_refused_by_verify_store_and_report_audit(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    report = ["report", "audit", "--config", str(seeded.config), "--as-of", seeded.as_of.isoformat(),
              "--from", "2025-01-01", "--to", seeded.as_of.date().isoformat(), "--format", "json",
              "--out", str(out)]
    with _ticket_tampered(seeded, "tickets.record") as ticket:
        verified = runner.invoke(app, ["verify-store", "--config", str(seeded.config)], env=seeded.env)
        audit = runner.invoke(app, report, env=seeded.env)
    assert verified.exit_code == 6, verified.output
    assert f"sandbox/{ticket}" in verified.output
    assert audit.exit_code == 6, audit.output
    assert audit.exception is None or isinstance(audit.exception, SystemExit)
    assert "store fails verification" in audit.output and not out.exists()


def test_verify_report_matches_the_untouched_store_and_refuses_an_edited_one(
    seeded: Seeded, tmp_path: Path
) -> None:
    """An audit report from the store verifies; after a stored record is edited,
    ``verify-report`` exits 6 naming the run and the ticket (no traceback); put back, it
    matches again."""
    out = tmp_path / "audit.json"
    report = ["report", "audit", "--config", str(seeded.config), "--as-of", seeded.as_of.isoformat(),
              "--from", "2025-01-01", "--to", seeded.as_of.date().isoformat(), "--format", "json",
              "--out", str(out)]
    assert runner.invoke(app, report, env=seeded.env).exit_code == 0
    verify = ["verify-report", str(out), "--config", str(seeded.config)]
    matched = runner.invoke(app, verify, env=seeded.env)
    assert matched.exit_code == 0, matched.output
    assert matched.output.startswith("MATCH")
    with _ticket_tampered(seeded, "tickets.record") as ticket:
        refused = runner.invoke(app, verify, env=seeded.env)
    assert refused.exit_code == 6, refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    said = " ".join(refused.output.split())
    assert "cannot verify the report" in said and f"run {seeded.last_run}" in said and ticket in said
    assert runner.invoke(app, verify, env=seeded.env).exit_code == 0
