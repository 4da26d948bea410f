"""``/metrics``: the findings-by-status gauge is counted when scraped, not per check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import connector.pipeline as pipeline_module
from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.service.app import build_app
from connector.service.runner import ServiceRunner
from connector.store import Store
from connector.store.runs import RunMeta, StoredFinding, append_run
from tests.service.test_webhooks import LoopbackClient

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
META = RunMeta("check", AT, AT, "p", {}, "w", "h", "c")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[LoopbackClient, Pipeline]]:
    config = AppConfig.model_validate({"sources": [
        {"platform": "zendesk", "name": "zd", "base_url": "http://127.0.0.1:9",
         "mapping": str(ROOT / "mappings" / "zendesk.yaml"), "auth": {"type": "api_token"}},
    ]})
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    pipeline = Pipeline(config, store, load_evaluator(config))
    client = LoopbackClient(build_app(pipeline, ServiceRunner(pipeline), {}.get))
    yield client, pipeline
    client.close()
    store.close()


def _record(store: Store, *findings: tuple[str, str, str]) -> None:
    with store.session() as session:
        append_run(session, META, [StoredFinding("zd", ticket, {"check": check, "status": status})
                                   for ticket, check, status in findings], tickets=2)


def _gauge(client: LoopbackClient, status: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f'iso10002_findings{{status="{status}"}}'):
            return float(line.split()[-1])
    raise AssertionError(f"no iso10002_findings sample for {status}")


def test_findings_gauge_follows_the_latest_findings_and_recounts_only_after_new_ones(
    served: tuple[LoopbackClient, Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, pipeline = served
    counted: list[int] = []
    real = pipeline_module.latest_status_counts
    monkeypatch.setattr(pipeline_module, "latest_status_counts", lambda s: counted.append(1) or real(s))

    _record(pipeline.store, ("1", "acknowledged-in-time", "FAIL"), ("1", "kept-informed", "PASS"),
            ("2", "acknowledged-in-time", "PASS"))
    assert (_gauge(client, "FAIL"), _gauge(client, "PASS")) == (1, 2)
    assert len(counted) == 1  # scraped twice, counted once: nothing recorded in between

    # Ticket 1 fixed: only its latest findings count.
    _record(pipeline.store, ("1", "acknowledged-in-time", "PASS"), ("1", "kept-informed", "PASS"))
    assert (_gauge(client, "FAIL"), _gauge(client, "PASS")) == (0, 3)
    assert len(counted) == 2
