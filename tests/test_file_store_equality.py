"""The same complaints give the same findings whether read from export files or from the store.

One generated data set (every non-compliance pattern) is written as export files and seeded
into a sandbox; the sandbox is synced into a store exactly as ``iso10002 run`` does, and both
are evaluated as of the same time. Rules that need the account's directory (Zendesk group
names for escalation, user roles for acknowledgements) must resolve on both paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from connector.config import AppConfig
from connector.evaluation import Evaluator
from connector.files import evaluate_files
from connector.pipeline import Pipeline, load_evaluator
from connector.store import Store
from connector.store.models import TicketRow
from devtools.generator import GeneratorConfig, Pattern, generate, write_jsonl
from devtools.sandboxes.zendesk import SandboxServer, SandboxState
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow
END = datetime.fromtimestamp(sc.START, UTC) - timedelta(hours=1)
CONFIG = GeneratorConfig(complaints=200, end=END, seed=7, days=60)
Outcomes = dict[tuple[str, str], tuple[str, str | None]]


def _outcomes(findings: dict[str, list[Finding]]) -> Outcomes:
    return {(ticket, f.check): (f.status.value, f.due_at.isoformat() if f.due_at else None)
            for ticket, found in findings.items() for f in found}


def _differing(files: Outcomes, store: Outcomes) -> dict[tuple[str, str], tuple[object, object]]:
    return {key: (files.get(key), store.get(key)) for key in files.keys() | store.keys()
            if files.get(key) != store.get(key)}


def test_the_data_holds_every_non_compliance_pattern_and_variant() -> None:
    # The equality below proves something only for the patterns the data holds.
    generated = {(c.pattern, c.variant) for c in generate(CONFIG)}
    assert {pattern for pattern, _variant in generated} == set(Pattern)
    variants = {(Pattern.LATE_ACK, "late"), (Pattern.LATE_ACK, "missing"),
                (Pattern.CLOSED_WITHOUT_OUTCOME, "outcome"), (Pattern.CLOSED_WITHOUT_OUTCOME, "root_cause")}
    assert variants <= generated


@pytest.fixture(scope="module")
def zendesk() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxState.realistic(CONFIG, start=sc.START)).start()
    yield server
    server.stop()


def _from_store(pipeline: Pipeline, as_of: datetime) -> Outcomes:
    """Sync every source into the pipeline's store, then evaluate the store as of ``as_of``."""
    try:
        _outcomes_sync, errors = pipeline.sync()
        assert errors == []
        stored = pipeline.check(as_of=as_of, keep_findings=True)
    finally:
        pipeline.store.close()
    return _outcomes({ticket: found for (_src, ticket), found in stored.findings.items()})


def _stored_records(store: Store) -> list[ComplaintRecord]:
    try:
        with store.session() as session:
            texts = session.scalars(select(TicketRow.record).where(TicketRow.record.is_not(None))).all()
    finally:
        store.close()
    assert texts
    return [ComplaintRecord.model_validate_json(text) for text in texts]


#: Per ticket: the option names its record carries (files and store must agree).
NAMES: dict[str, dict[str, dict[str, str]]] = {}


def _from_files(export: str, evaluator: Evaluator, source: str, as_of: datetime, tmp_path: Path) -> Outcomes:
    """The same generated data written as ``export`` files, evaluated from the files."""
    path = tmp_path / "export.jsonl"
    assert write_jsonl(path, export, CONFIG) > 0
    results = list(evaluate_files([path], evaluator.mappings[source], evaluator.policy, as_of=as_of))
    NAMES[export] = {r.ticket: r.record.option_names for r in results if r.record is not None}
    outcomes = _outcomes({r.ticket: r.findings for r in results if r.record is not None})
    assert len({t for t, _c in outcomes}) == CONFIG.complaints
    return outcomes


def _config(source: dict[str, object]) -> AppConfig:
    return AppConfig.model_validate({
        "sources": [source],
        "sync": {"initial_since": (END - timedelta(days=CONFIG.days + 2)).isoformat()},
    })


def test_zendesk_files_and_store_give_identical_findings(zendesk: SandboxServer, tmp_path: Path) -> None:
    as_of = sc.virtual_now(zendesk)
    source = sc.sandbox_source(zendesk, include_metric_events=False, per_page=100, events_per_page=1000)
    config = _config(source.model_dump(mode="json"))
    evaluator = load_evaluator(config)
    client = sc.sandbox_client(zendesk, source)
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    pipeline = Pipeline(config, Store(store_url), evaluator,
                        clock=lambda: as_of, client_factory=lambda _s: client)
    from_store = _from_store(pipeline, as_of)
    records = _stored_records(Store(store_url))
    assert all(r.url and r.url.endswith(f"/agent/tickets/{r.id}") for r in records)
    named = [r for r in records if r.assignee]
    assert named and all(r.assignee_name and r.assignee_name != r.assignee for r in named)
    assert not any(r.group and r.group.isdigit() for r in records)  # group names, not ids
    from_files = _from_files("zendesk", evaluator, source.name, as_of, tmp_path)
    assert _differing(from_files, from_store) == {}
    # Dropdown options by name (ticket fields read once per sync, kept per bundle), as from files.
    categorised = [r for r in records if r.category]
    assert categorised and all(r.named(r.category) != r.category for r in categorised)
    assert {r.id: r.option_names for r in records} == NAMES["zendesk"]
    # The ticket form by name too (the form list read once per sync, each bundle its own form).
    assert {r.named("360000000001") for r in records} == {"Complaints"}
    escalation = [status for (_t, check), (status, _due) in from_store.items()
                  if check == "escalated-when-required"]
    assert "PASS" in escalation  # the group rule resolved: escalations into the named group count


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_jira_files_and_store_give_identical_findings(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devtools.sandboxes.jira import SandboxServer as JiraSandbox
    from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN, realistic_state
    from mappings.loader import default_mapping_path

    for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"):
        monkeypatch.setenv(name, DEFAULT_EMAIL if name == "JIRA_EMAIL" else DEFAULT_TOKEN)
    with JiraSandbox(realistic_state(CONFIG, mode=mode)) as server:
        config = _config({
            "platform": "jira", "name": "jira", "base_url": server.url, "deployment": mode,
            "mapping": str(default_mapping_path("jira")),
            "auth": {"kind": "cloud_token"} if mode == "cloud" else {"kind": "pat"},
            "retry": {"max_attempts": 2, "base_delay": 0.0, "max_delay": 0.0},
        })
        evaluator = load_evaluator(config)
        store_url = f"sqlite:///{tmp_path / 'store.db'}"
        pipeline = Pipeline(config, Store(store_url), evaluator, clock=lambda: END)
        from_store = _from_store(pipeline, END)
        records = _stored_records(Store(store_url))
        # Stored issues carry no ``self``: the link comes from the source's base_url.
        assert {r.url for r in records} == {f"{server.url}/browse/{r.id}" for r in records}
        assert all(r.assignee_name for r in records if r.assignee)  # names, not account ids
    from_files = _from_files("jira" if mode == "cloud" else "jira-dc", evaluator, "jira", END, tmp_path)
    assert _differing(from_files, from_store) == {}
