"""One-ticket work (a webhook refresh) stays indexed as the store grows.

A refresh used to read a whole table for one ticket in four places (an OR across two indexed
columns, a join filtered outside the index, a journal lookup through the source index, a
whole-store aggregate per check), so its cost grew with the store. These tests ask SQLite how
it answers every statement a one-ticket refresh's store work issues: a table of the store
is only ever searched by a key narrower than the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from connector.store import Store
from connector.store.bulk import TicketBatch
from connector.store.journal import applied_hashes, has_open_entries, open_entries
from connector.store.runs import latest_findings_of
from connector.writeback_journal import candidates
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
TABLES = ("tickets", "snapshots", "findings", "writeback_journal")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=30)
    yield srv
    srv.stop()


def _statements(store: Store, work: Callable[[], Any]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


def _unindexed(store: Store, statement: str, params: Any) -> list[str]:
    """Plan lines that read a store table whole, or by its source alone."""
    with store.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)]
    bad = []
    for line in plan:
        table = re.match(r"(?:SCAN|SEARCH) (\w+)", line)
        if not table or table.group(1) not in TABLES:
            continue
        if line.startswith("SCAN") or line.endswith("(source=?)"):
            bad.append(line)
    return bad


def test_one_ticket_store_work_never_reads_a_table_whole(server: SandboxServer, tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        pipe = pipeline(server, store)
        pipe.sync()
        pipe.check(kind="sync", record="changed")
        pipe.writeback("apply")
        source = pipe.sources[0].name
        ticket = sorted(latest_findings_of_all(store, source))[0]

        def one_ticket() -> None:
            with store.session() as session:
                TicketBatch(session, source).load([ticket])
                latest_findings_of(session, [(source, ticket)])
                applied_hashes(session, source, [ticket])
                has_open_entries(session, source)
                open_entries(session, source)
            candidates(store, source, only=[ticket])

        statements = _statements(store, one_ticket)
        assert len(statements) >= 6
        plans = {statement: _unindexed(store, statement, params) for statement, params in statements}
        assert {s: bad for s, bad in plans.items() if bad} == {}
    finally:
        store.close()


def latest_findings_of_all(store: Store, source: str) -> set[str]:
    from connector.store.runs import latest_findings

    with store.session() as session:
        return {ticket for (src, ticket) in latest_findings(session, source=source) if src == source}
