"""The service's write-back pass is skipped while nothing new was recorded and nothing is left
to finish; new findings, open journal entries and the daily forced pass still run it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import connector.pipeline as pipeline_module
from connector.store import Store
from connector.store.journal import open_entries, plan_entry
from connector.zendesk.sandbox import SandboxServer
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
