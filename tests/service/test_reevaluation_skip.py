"""The periodic re-evaluation skips unchanged tickets until their next clock event: the
findings it leaves as the latest stored ones must equal a full re-evaluation's at every time
(realistic complaints from devtools.generator, evaluated at many irregular times)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from compliance_checks import WaiverApplier, context_for, evaluate
from connector.bundles import map_bundle
from connector.evaluation import _material, evaluate_store
from connector.pipeline import Pipeline
from connector.store import Store
from connector.store.runs import latest_findings, verify_chain
from connector.store.tickets import bundle_documents, latest_snapshot, tickets_of
from devtools.generator import GeneratorConfig
from devtools.sandboxes.zendesk import SandboxServer, SandboxState
from tests.service.helpers import pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
END = datetime.fromtimestamp(sc.START, UTC) - timedelta(hours=1)
# Received over the last three weeks: many complaints still open, with clocks running.
CONFIG = GeneratorConfig(complaints=120, end=END, seed=5, days=21)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = SandboxServer(SandboxState.realistic(CONFIG, start=sc.START)).start()
    yield srv
    srv.stop()


def _fresh(pipe: Pipeline, as_of: datetime) -> dict[tuple[str, str], str]:
    """Every open complaint's findings material at ``as_of``, evaluated from scratch."""
    evaluator = pipe.evaluator
    ctx = context_for(evaluator.policy, as_of)
    applier = WaiverApplier(evaluator.waivers, as_of.date())
    out = {}
    with pipe.store.session() as session:
        for row in tickets_of(session):
            if not row.is_complaint or row.is_open is False:
                continue
            snapshot = latest_snapshot(session, row.id, as_of)
            assert snapshot is not None
            mapped = map_bundle(evaluator.mappings[row.source].spec, bundle_documents(snapshot), as_of)
            if mapped is None or mapped.record is None:
                continue
            findings = applier.apply(evaluate(mapped.record, evaluator.policy, ctx))
            out[(row.source, row.ticket)] = _material([f.to_json_dict() for f in findings])
    return out


def _stored(store: Store) -> dict[tuple[str, str], str]:
    with store.session() as session:
        return {key: _material(payloads) for key, (_run, payloads) in latest_findings(session).items()}


def test_skipped_tickets_keep_the_findings_a_full_reevaluation_gives(
    store: Store, server: SandboxServer
) -> None:
    pipe = pipeline(server, store, include_metric_events=False, per_page=100, events_per_page=1000)
    _outcomes, errors = pipe.sync()
    assert errors == []
    moment = sc.virtual_now(server)
    pipe.check(as_of=moment, kind="check")
    steps = random.Random(7)
    skipped = rechecked = 0
    for _ in range(30):
        # 15 minutes to two days, across nights, weekends and deadlines.
        moment += timedelta(minutes=steps.choice([15, 15, 15, 45, 120, 400, 1440, 2880]))
        outcome = evaluate_store(store, pipe.evaluator, as_of=moment, now=moment, kind="reevaluate",
                                 only_open=True, record="changed")
        skipped += outcome.unchanged
        rechecked += outcome.tickets
        fresh = _fresh(pipe, moment)
        stored = _stored(store)
        assert {key: stored[key] for key in fresh} == fresh, moment
    # The skip must actually happen, and clocks must make some tickets change.
    assert skipped > rechecked > 0
    with store.session() as session:
        assert verify_chain(session)[1] == []


def test_a_new_snapshot_or_configuration_is_never_skipped(store: Store, server: SandboxServer) -> None:
    pipe = pipeline(server, store, include_metric_events=False, per_page=100, events_per_page=1000)
    pipe.sync()
    moment = sc.virtual_now(server)
    first = evaluate_store(store, pipe.evaluator, as_of=moment, now=moment, only_open=True, record="changed")
    again = evaluate_store(store, pipe.evaluator, as_of=moment, now=moment, only_open=True, record="changed")
    assert again.unchanged > 0 and again.tickets + again.unchanged == first.tickets
    # An explicit check records every ticket: never skipped.
    full = evaluate_store(store, pipe.evaluator, as_of=moment, now=moment, only_open=True, record="all")
    assert (full.tickets, full.unchanged) == (first.tickets, 0)
    # The daily reconciliation re-checks everything.
    daily = evaluate_store(store, pipe.evaluator, as_of=moment, now=moment, only_open=True, record="changed",
                           skip_unchanged=False)
    assert (daily.tickets, daily.unchanged) == (first.tickets, 0)
    # Another policy digest (e.g. an edited policy file): everything is re-checked.
    changed = pipe.evaluator.__class__(pipe.evaluator.policy, pipe.evaluator.waivers, pipe.evaluator.mappings)
    object.__setattr__(changed, "digest", lambda: "another configuration")
    other = evaluate_store(store, changed, as_of=moment, now=moment, only_open=True, record="changed")
    assert (other.tickets, other.unchanged) == (first.tickets, 0)
