"""The daily full reconciliation: tickets the source no longer returns are kept, marked deleted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.store import Store
from connector.store.models import SnapshotRow, TicketRow
from devtools.sandboxes.jira import SandboxServer as JiraSandbox
from devtools.sandboxes.jira import make_state
from devtools.sandboxes.zendesk import SandboxServer
from tests.jira.helpers import sandbox_source as jira_source
from tests.jira.test_sandbox import ENV as JIRA_ENV
from tests.service.helpers import complaint_ids, pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=30)
    yield srv
    srv.stop()


def _rows(store: Store) -> dict[str, tuple[bool, int]]:
    """ticket -> (deleted, stored versions)."""
    with store.session() as session:
        rows = session.scalars(select(TicketRow)).all()
        return {r.ticket: (r.deleted, len(session.scalars(
            select(SnapshotRow.id).where(SnapshotRow.ticket_id == r.id)).all())) for r in rows}


def _deleted_at(store: Store, ticket: str) -> datetime | None:
    with store.session() as session:
        return session.scalars(select(TicketRow.deleted_at).where(TicketRow.ticket == ticket)).one()


def test_a_purged_ticket_is_marked_deleted_by_the_full_read_and_keeps_its_history(
    store: Store, server: SandboxServer
) -> None:
    pipe = pipeline(server, store)
    pipe.sync()
    before = _rows(store)
    purged = sorted(complaint_ids(server))[0]
    assert before[purged][0] is False and before[purged][1] >= 1

    del server.state.world.tickets[int(purged)]  # gone for good (purged), not just "deleted"
    incremental, _ = pipe.sync()
    assert incremental[0].deleted == 0  # an incremental read cannot tell a purge from silence
    full, errors = pipe.sync(full=True)
    assert errors == [] and full[0].deleted == 1

    after = _rows(store)
    assert after[purged] == (True, before[purged][1])  # kept, with every stored version
    assert {t for t, (deleted, _n) in after.items() if deleted} == {purged}
    deleted_at = _deleted_at(store, purged)
    assert deleted_at is not None

    # The event export still lists the purged ticket's events: that does not bring it back.
    server.state.clock.advance(3600)
    again, _ = pipe.sync(full=True)
    assert again[0].deleted == 0
    assert _rows(store)[purged][0] is True and _deleted_at(store, purged) == deleted_at


def test_a_jira_issue_deleted_at_the_source_is_marked_deleted_by_the_full_read(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in JIRA_ENV.items():
        monkeypatch.setenv(name, value)
    server = JiraSandbox(make_state(mode="cloud", seed=11, issues=30)).start()
    try:
        source = jira_source(server, tmp_path)
        config = AppConfig.model_validate({"sources": [source.model_dump(mode="json")],
                                           "sync": {"initial_since": "2020-01-01T00:00:00Z"}})
        pipe = Pipeline(config, store, load_evaluator(config))
        pipe.sync()
        before = _rows(store)
        gone = sorted(before)[0]
        with server.state.store._lock:  # deleted in Jira: no longer in any search
            issue = server.state.store.issues.pop(gone)
            server.state.store.by_id.pop(issue.id)
            server.state.store._version += 1

        full, errors = pipe.sync(full=True)
        assert errors == [] and full[0].deleted == 1
        after = _rows(store)
        assert after[gone] == (True, before[gone][1])
        assert {t for t, (deleted, _n) in after.items() if deleted} == {gone}
        again, _ = pipe.sync(full=True)
        assert again[0].deleted == 0
    finally:
        server.stop()
