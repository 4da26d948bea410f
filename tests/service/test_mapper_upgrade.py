"""A release that maps the same stored payload differently never makes an honest store look
edited, and never hides a real edit.

The store is built by the previous release (its runs record that ``code_version``; its ticket
rows were written before rows named their mapper, so ``mapper_version`` is NULL). The upgrade
is simulated by a new package version and a mapping that changes every record's ``summary``
(as a release adding a record field changes every record digest). Tickets are Zendesk
sandbox tickets in the Support API shape (``zendesk-support-v2.yaml``: Ticket, TicketAudit).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
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
from connector.remap import code_version
from connector.store import Store
from connector.store.models import RunTicketRow, TicketRow
from connector.store.runs import ensure_verified, verify_chain
from mappings.assemble import Assembler, MappedTicket
from tests.service.conftest import _postgres_url
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
runner = CliRunner()
PACKAGE = "iso10002-connector"


@dataclass
class Built:
    config: Path
    pipeline: Pipeline
    old_run: int
    as_of: datetime
    env: dict[str, str]


def _private_schema(url: str) -> Iterator[str]:
    """The PostgreSQL URL with its own schema (dropped afterwards)."""
    schema = f"upgrade_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield from _private_schema(_postgres_url())


def _release(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """Run as package version ``version`` (the installed metadata's answer, as a release gives)."""
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: version if name == PACKAGE else real(name))
    code_version.cache_clear()


def _new_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    """The new release maps every record differently (same payload, same mapping file)."""
    real = Assembler.map_item

    def map_item(self: Assembler, raw: Any) -> MappedTicket:
        mapped = real(self, raw)
        if mapped.record is None:
            return mapped
        record = mapped.record.model_copy(update={"summary": f"{mapped.record.summary or ''} (v2)"})
        return dataclasses.replace(mapped, record=record)

    monkeypatch.setattr(Assembler, "map_item", map_item)


@pytest.fixture
def built(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Built]:
    """A store synced and checked by release 1.0.0, its rows as that release left them."""
    server = sc.start_sandbox(tickets=12, seed=7)
    source = sc.sandbox_source(server)
    url = make_url(store_url)
    env = {"UPGRADE_STORE_PASSWORD": url.password} if url.password else {}
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    store_doc: dict[str, Any] = {"url": bare.render_as_string(hide_password=False)}
    if env:
        store_doc["password_env"] = "UPGRADE_STORE_PASSWORD"
    doc: dict[str, Any] = {"sources": [source.model_dump(mode="json")], "store": store_doc,
                           "sync": {"initial_since": "2025-01-01T00:00:00Z"}}
    config = AppConfig.model_validate(doc)
    store = Store(store_url)
    client = sc.sandbox_client(server, source)
    pipe = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                    client_factory=lambda _s: client)
    _release(monkeypatch, "1.0.0")
    try:
        pipe.sync()
        as_of = sc.virtual_now(server)
        old_run = pipe.check(as_of=as_of).run_id
        if hasattr(TicketRow, "mapper_version"):  # the previous release had no such column
            with store.session() as session:
                session.execute(update(TicketRow).values(mapper_version=None))
        path = tmp_path / "iso10002.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        yield Built(path, pipe, old_run, as_of, {str(k): str(v) for k, v in env.items()})
    finally:
        store.close()
        server.stop()
        code_version.cache_clear()


def _problems(built: Built) -> list[str]:
    with built.pipeline.store.session() as session:
        _count, problems = verify_chain(session)
    return [str(p) for p in problems]


def _audit(built: Built, out: Path) -> Any:
    return runner.invoke(app, [
        "report", "audit", "--config", str(built.config), "--as-of", built.as_of.isoformat(),
        "--from", "2025-01-01", "--to", built.as_of.date().isoformat(), "--format", "json",
        "--out", str(out)], env=built.env)


def _upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    _release(monkeypatch, "2.0.0")
    assert code_version().startswith("2.0.0+")  # with the mapping code's digest
    _new_mapping(monkeypatch)


def test_the_first_run_after_an_upgrade_remaps_stored_rows_and_the_store_still_verifies(
    built: Built, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _problems(built) == []
    _upgrade(monkeypatch)
    new_run = built.pipeline.check(as_of=built.as_of).run_id
    assert _problems(built) == []
    verified = runner.invoke(app, ["verify-store", "--config", str(built.config)], env=built.env)
    assert verified.exit_code == 0, verified.output
    audit = _audit(built, tmp_path / "audit.json")
    assert audit.exit_code == 0, audit.output
    with built.pipeline.store.session() as session:
        rows = session.execute(select(TicketRow.record, TicketRow.mapper_version)
                               .where(TicketRow.is_complaint.is_(True))).all()
        assert rows and all(version == code_version() for _record, version in rows)
        assert all(json.loads(record)["summary"].endswith(" (v2)") for record, _v in rows if record)
        # The old run's manifest still holds the digests of what it read: it verifies as recorded.
        old = dict(session.execute(select(RunTicketRow.ticket, RunTicketRow.record_sha256)
                                   .where(RunTicketRow.run_id == built.old_run)).all())
        new = dict(session.execute(select(RunTicketRow.ticket, RunTicketRow.record_sha256)
                                   .where(RunTicketRow.run_id == new_run)).all())
        assert old and old.keys() == new.keys() and all(old[t] != new[t] for t in old)
        ensure_verified(session, [built.old_run, new_run], set())


def test_a_sync_after_an_upgrade_remaps_without_making_the_old_run_look_edited(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-map decision compares the mapper's code version too: a sync that reads a ticket
    again with no new version re-maps it, and the old run (another code version) is not
    compared with the re-mapped row."""
    _upgrade(monkeypatch)
    built.pipeline.sync(full=True)
    with built.pipeline.store.session() as session:
        versions = set(session.scalars(select(TicketRow.mapper_version)
                                       .where(TicketRow.is_complaint.is_(True))))
    assert versions == {code_version()}
    assert _problems(built) == []
    built.pipeline.check(as_of=built.as_of)
    assert _problems(built) == []


def test_a_one_ticket_evaluation_after_an_upgrade_remaps_that_ticket_only(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook's evaluation of one ticket re-maps that row, not the whole store; the rows
    left as the previous release stored them still verify against the old run."""
    _upgrade(monkeypatch)
    with built.pipeline.store.session() as session:
        first = session.scalars(select(TicketRow.ticket).where(TicketRow.is_complaint.is_(True))
                                .order_by(TicketRow.id).limit(1)).one()
    built.pipeline.check(as_of=built.as_of, only={("sandbox", first)})
    with built.pipeline.store.session() as session:
        versions = dict(session.execute(select(TicketRow.ticket, TicketRow.mapper_version)
                                        .where(TicketRow.is_complaint.is_(True))).all())
    assert versions.pop(first) == code_version()
    assert versions and set(versions.values()) == {None}
    assert _problems(built) == []


def test_a_real_edit_after_an_upgrade_is_still_detected(
    built: Built, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _upgrade(monkeypatch)
    new_run = built.pipeline.check(as_of=built.as_of).run_id
    with built.pipeline.store.session() as session:
        ticket_id, ticket, record = session.execute(
            select(TicketRow.id, TicketRow.ticket, TicketRow.record)
            .where(TicketRow.record.is_not(None)).order_by(TicketRow.id).limit(1)).one()
        doc = json.loads(record)
        session.execute(update(TicketRow).where(TicketRow.id == ticket_id)
                        .values(record=json.dumps({**doc, "is_open": not doc.get("is_open")})))
    problems = _problems(built)
    assert len(problems) == 1 and problems[0].startswith(f"run {new_run}: 1 ticket(s)"), problems
    assert f"/{ticket}" in problems[0]
    verified = runner.invoke(app, ["verify-store", "--config", str(built.config)], env=built.env)
    assert verified.exit_code == 6, verified.output
    audit = _audit(built, tmp_path / "audit.json")
    assert audit.exit_code == 6, audit.output
