"""The daily full reconciliation: tickets the source no longer returns are kept, marked deleted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from connector.store import Store
from connector.store.models import SnapshotRow, TicketRow
from connector.zendesk.sandbox import SandboxServer
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
