"""The service's write-back pass is skipped while nothing new was recorded and nothing is left
to finish; new findings, open journal entries and the daily forced pass still run it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import connector.pipeline as pipeline_module
from connector.store import Store
from connector.store.journal import open_entries, plan_entry
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=20)
    yield srv
    srv.stop()


def test_candidate_selection_runs_only_when_something_can_have_changed(
    store: Store, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[bool] = []
    real = pipeline_module.run_writeback

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(bool(kwargs.get("force")))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "run_writeback", counted)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check(kind="sync", record="changed")
    outcomes, errors = pipe.writeback("apply")
    assert errors == [] and outcomes[0].written > 0 and len(passes) == 1
    # Nothing recorded since: the step is a no-op without reading any findings.
    pipe.check(kind="reevaluate", only_open=True, record="changed")
    outcomes, _ = pipe.writeback("apply")
    assert len(passes) == 1 and outcomes[0].candidates == 0
    # The daily reconciliation still does the full pass.
    pipe.writeback("apply", force=True)
    assert passes[-1] is True and len(passes) == 2
    # A run that records findings makes the next pass select candidates again.
    assert pipe.check(kind="check", record="all").stored > 0
    pipe.writeback("apply")
    assert len(passes) == 3
    # A journal entry left planned (a crash) or failed is retried even with nothing new.
    with store.session() as session:
        plan_entry(session, source="sandbox", ticket="999999", findings_hash="x" * 64, run_id=None,
                   now=sc.virtual_now(server))
    pipe.writeback("apply")
    assert len(passes) == 4
    with store.session() as session:
        assert [e.ticket for e in open_entries(session, "sandbox")] == ["999999"]
    # A plan (dry run) always selects candidates and never counts as applied.
    pipe.writeback("plan")
    assert len(passes) == 5


def test_write_back_goes_batch_by_batch_and_settles_every_ticket(
    sqlite_store: Store, server: SandboxServer
) -> None:
    """A first write-back flags many tickets: they are journalled and written a batch at a time
    (memory stays flat), every flagged ticket is written once, and a second pass finds nothing."""
    from connector.writeback_journal import candidates, connector_writer, run_writeback

    pipe = pipeline(server, sqlite_store)
    pipe.sync()
    pipe.check(record="all")
    flagged, _hashes = candidates(sqlite_store, "sandbox")
    assert len(flagged) > 3  # enough tickets for several batches of 3
    source = pipe.source("sandbox")
    real = connector_writer(source, pipe.client("sandbox"))
    batches: list[set[str]] = []

    def writer(findings: list[Any], apply: bool) -> Any:
        batches.append({f.ticket for f in findings})
        return real(findings, apply)

    outcome = run_writeback(sqlite_store, "sandbox", writer, mode="apply",
                            now=lambda: sc.virtual_now(server), batch=3)
    assert all(len(b) <= 3 for b in batches) and len(batches) >= 2
    assert set().union(*batches) == set(flagged) and sum(map(len, batches)) == len(flagged)
    assert outcome.candidates == len(flagged) and outcome.failed == 0
    assert outcome.written + outcome.unchanged + outcome.skipped == len(flagged)
    with sqlite_store.session() as session:
        assert open_entries(session, "sandbox") == []
    assert candidates(sqlite_store, "sandbox")[0] == {}


def test_a_closed_ticket_is_counted_as_skipped_not_unchanged(
    sqlite_store: Store, server: SandboxServer
) -> None:
    """Writing to a closed Zendesk ticket fails (/work/shared/docs/platform-zendesk.md, the
    comments section: "writing to closed tickets fails"): the writer skips them. The outcome
    counted them "unchanged", which on a first write-back read as if their labels were there."""
    import json

    from connector.store.models import JournalRow

    for ticket_id in sorted(server.state.world.tickets)[::2]:
        server.state.world.tickets[ticket_id]["status"] = "closed"
    pipe = pipeline(server, sqlite_store)
    pipe.sync()
    pipe.check(record="all")
    [outcome], errors = pipe.writeback("apply")
    assert not errors
    with sqlite_store.session() as session:
        results = [json.loads(r.result)["outcome"] for r in session.query(JournalRow)]
    assert "skipped" in results and "written" in results
    assert outcome.skipped == results.count("skipped")
    assert outcome.unchanged == results.count("unchanged")
    assert outcome.written == results.count("written")


def test_the_run_summary_says_what_skipped_covers(sqlite_store: Store, server: SandboxServer) -> None:
    """Skipped tickets are closed ones (Zendesk refuses updates to them,
    /work/shared/docs/platform-zendesk.md, comments: "writing to closed tickets fails") and ones
    the helpdesk no longer has (a deleted or merged Zendesk ticket, a Jira issue not found):
    the summary names both, not only closed Zendesk tickets."""
    from rich.console import Console

    from connector.cli.human import print_run

    for ticket_id in sorted(server.state.world.tickets)[::2]:
        server.state.world.tickets[ticket_id]["status"] = "closed"
    pipe = pipeline(server, sqlite_store)
    pipe.sync()
    outcome = pipe.check(record="all")
    [written], errors = pipe.writeback("apply")
    assert not errors and written.skipped > 0
    console = Console(record=True, width=200)
    check = {"run": outcome.run_id, "as_of": outcome.as_of.isoformat(), "tickets": outcome.tickets,
             "statuses": dict(outcome.statuses), "errors": []}
    writeback = {"mode": "apply", "sources": [written.as_json()], "errors": []}
    print_run({"synced": [], "errors": [], "check": check, "writeback": writeback}, console)
    text = console.export_text()
    assert "skipped: tickets the helpdesk takes no update to (closed or deleted)" in text
    assert "Zendesk" not in text  # the same summary serves every platform
