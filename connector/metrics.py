"""Prometheus metrics of the sync service (one registry per process, served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS = Counter("iso10002_runs", "Steps run, by kind and outcome", ["kind", "outcome"], registry=REGISTRY)
API_CALLS = Counter("iso10002_api_calls", "Helpdesk API calls made", ["source"], registry=REGISTRY)
FINDINGS = Gauge(
    "iso10002_findings", "Latest findings of every stored complaint, by status", ["status"],
    registry=REGISTRY,
)
WRITEBACK_FAILURES = Counter(
    "iso10002_writeback_failures", "Tickets whose write-back failed", ["source"], registry=REGISTRY
)
LAST_SYNC = Gauge(
    "iso10002_last_successful_sync_timestamp_seconds", "Unix time of the last successful sync",
    ["source"], registry=REGISTRY,
)
WEBHOOKS = Counter(
    "iso10002_webhooks", "Webhook deliveries, by platform and outcome", ["platform", "outcome"],
    registry=REGISTRY,
)


def set_findings(counts: dict[str, int]) -> None:
    for status in ("PASS", "FAIL", "AT_RISK", "PENDING", "NOT_APPLICABLE", "MANUAL", "WAIVED", "ERROR"):
        FINDINGS.labels(status).set(counts.get(status, 0))
