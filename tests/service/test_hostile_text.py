"""Untrusted ticket text that used to stop a source: a comment holding a lone surrogate (the
valid JSON escape ``\\udcff``), and a ticket whose storage fails for any other reason
(quarantined by id, the rest stored, the cursor moved). In-process Zendesk sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from connector.store import Store
from connector.store.models import SnapshotRow, SourceRow, TicketRow
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import complaint_ids, pipeline
from tests.zendesk import scenarios as sc

LONE = "\udcff"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=12)
    yield srv
    srv.stop()


def _poison_comments(server: SandboxServer, ticket: str) -> None:
    """Every comment of ``ticket`` ends with a lone surrogate (served as the escape)."""
    for audit in server.state.world.audits:
        if str(audit.ticket_id) == ticket:
            for event in audit.events:
                if event["type"] == "Comment":
                    for key in ("body", "plain_body", "html_body"):
                        event[key] = event[key] + LONE


def _stored(store: Store, source: str) -> tuple[set[str], str | None, list[str]]:
    with store.session() as session:
        tickets = set(session.scalars(select(TicketRow.ticket).where(TicketRow.source == source)))
        cursor = session.scalar(select(SourceRow.cursor).where(SourceRow.name == source))
        bundles = list(session.scalars(select(SnapshotRow.bundle)))
    return tickets, cursor, bundles


def test_a_lone_surrogate_in_a_comment_is_replaced_and_every_ticket_syncs(
    sqlite_store: Store, server: SandboxServer
) -> None:
    bad = min(complaint_ids(server), key=int)
    _poison_comments(server, bad)
    pipe = pipeline(server, sqlite_store)
    _outcomes, errors = pipe.sync()
    assert errors == []
    tickets, cursor, bundles = _stored(sqlite_store, "sandbox")
    assert tickets == complaint_ids(server)
    assert cursor is not None
    assert any("\ufffd" in b for b in bundles)
    # ... and the stored version maps, checks and explains like any other.
    run = pipe.check()
    assert run.errors == []
    assert run.tickets == len(complaint_ids(server))


def test_a_ticket_that_cannot_be_stored_is_quarantined_and_the_rest_sync(
    sqlite_store: Store, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connector.sync as sync_module

    bad = min(complaint_ids(server), key=int)
    real = sync_module.remap_row

    def remap(row: TicketRow, mapping: object, documents: list[object]) -> None:
        if row.ticket == bad:
            raise UnicodeEncodeError("utf-8", LONE, 0, 1, "surrogates not allowed")
        real(row, mapping, documents)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "remap_row", remap)
    outcomes, errors = pipeline(server, sqlite_store).sync()
    assert errors == []
    assert outcomes[0].quarantined == [{"ticket": bad, "reason": "cannot be stored (UnicodeEncodeError)"}]
    assert outcomes[0].as_json()["quarantined"] == outcomes[0].quarantined
    tickets, cursor, _bundles = _stored(sqlite_store, "sandbox")
    assert tickets == complaint_ids(server) - {bad}
    assert cursor is not None
    assert bad not in outcomes[0].changed
    with sqlite_store.session() as session:
        last_error = session.scalar(select(SourceRow.last_error).where(SourceRow.name == "sandbox"))
    assert last_error is not None and f"{bad}: cannot be stored (UnicodeEncodeError)" in last_error
    assert LONE not in last_error
