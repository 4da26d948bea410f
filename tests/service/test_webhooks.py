"""Webhook endpoints in-process: signatures, stale timestamps, repeats, our own events."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from connector.config import AppConfig
from connector.pipeline import Pipeline, load_evaluator
from connector.service.app import build_app
from connector.service.runner import ServiceRunner
from connector.service.webhooks import jira_signature, zendesk_signature
from connector.store import Store
from connector.sync import SyncOutcome

ROOT = Path(__file__).resolve().parents[2]
App = tuple["LoopbackClient", ServiceRunner]
SECRETS = {"ZD_HOOK": "zendesk-secret", "JIRA_HOOK": "jira-secret", "API": "key-1"}
OWN_ZENDESK = "361234567"


class LoopbackClient:
    """The app served by uvicorn on a loopback port (starlette's LoopbackClient warns)."""

    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.base = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def post(self, path: str, *, content: bytes, headers: dict[str, str] | None = None) -> Any:
        return requests.post(self.base + path, data=content, headers=headers, timeout=10)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return requests.get(self.base + path, headers=headers, timeout=10)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    config = AppConfig.model_validate({
        "sources": [
            {"platform": "zendesk", "name": "zd", "base_url": "http://127.0.0.1:9",
             "mapping": str(ROOT / "mappings" / "zendesk.yaml"), "api_user_id": int(OWN_ZENDESK),
             "auth": {"type": "api_token"}},
            {"platform": "jira", "name": "jira", "base_url": "http://127.0.0.1:9",
             "mapping": str(ROOT / "mappings" / "jira.yaml"), "auth": {"kind": "cloud_token"}},
        ],
        "webhooks": {"zendesk": {"secret_env": "ZD_HOOK", "max_age_seconds": 300},
                     "jira": {"secret_env": "JIRA_HOOK"}},
        "api": {"keys_env": ["API"]},
    })
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    pipeline = Pipeline(config, store, load_evaluator(config))
    runner = ServiceRunner(pipeline)
    client = LoopbackClient(build_app(pipeline, runner, SECRETS.get))
    yield client, runner
    client.close()
    store.close()


def _stamp(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zendesk(
    client: LoopbackClient,
    payload: dict[str, Any],
    *,
    secret: str = "zendesk-secret",  # noqa: S107 - a test secret
    stamp: str | None = None,
    invocation: str | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    stamp = stamp or _stamp()
    headers = {"X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
               "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    if invocation:
        headers["X-Zendesk-Webhook-Invocation-Id"] = invocation
    return client.post("/webhooks/zendesk", content=body, headers=headers)


def _queued(runner: ServiceRunner) -> list[tuple[str, str]]:
    items = []
    while not runner.refreshes.empty():
        items.append(runner.refreshes.get_nowait())
    return items


def test_a_valid_zendesk_delivery_queues_a_refresh_of_that_ticket(app: App) -> None:
    client, runner = app
    answer = _zendesk(client, {"ticket_id": "17", "updated_by_id": "555"})
    assert answer.status_code == 202
    assert _queued(runner) == [("zd", "17")]


def test_zendesk_event_format_is_understood(app: App) -> None:
    client, runner = app
    payload = {"type": "zen:event-type:ticket.comment_added", "id": "e1", "detail": {"id": "18"},
               "event": {"actor_id": "555"}}
    assert _zendesk(client, payload).status_code == 202
    assert _queued(runner) == [("zd", "18")]


@pytest.mark.parametrize(("name", "secret", "skew", "reason"), [
    ("wrong secret", "guessed", timedelta(0), "bad signature"),
    ("stale timestamp", "zendesk-secret", timedelta(minutes=-10), "stale timestamp (replay?)"),
    ("future timestamp", "zendesk-secret", timedelta(minutes=10), "stale timestamp (replay?)"),
])
def test_zendesk_deliveries_that_are_not_authentic_are_rejected(
    app: App, name: str, secret: str, skew: timedelta, reason: str
) -> None:
    client, runner = app
    answer = _zendesk(client, {"ticket_id": "17"}, secret=secret, stamp=_stamp(skew))
    assert answer.status_code == 401, name
    assert answer.json() == {"error": reason}
    assert _queued(runner) == []


def test_a_tampered_body_is_rejected(app: App) -> None:
    client, runner = app
    stamp = _stamp()
    signed = json.dumps({"ticket_id": "17"}).encode()
    answer = client.post("/webhooks/zendesk", content=b'{"ticket_id": "99"}', headers={
        "X-Zendesk-Webhook-Signature": zendesk_signature("zendesk-secret", stamp, signed),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp})
    assert answer.status_code == 401
    assert _queued(runner) == []


def test_a_repeated_delivery_is_acknowledged_but_not_redone(app: App) -> None:
    client, runner = app
    stamp = _stamp()
    first = _zendesk(client, {"ticket_id": "17"}, stamp=stamp, invocation="inv-1")
    again = _zendesk(client, {"ticket_id": "17"}, stamp=stamp, invocation="inv-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"status": "duplicate"}
    assert _queued(runner) == [("zd", "17")]


def test_a_replayed_zendesk_delivery_with_a_new_invocation_id_is_a_duplicate(app: App) -> None:
    # The invocation id is not signed: a replay within max_age can carry any.
    client, runner = app
    stamp = _stamp()
    answers = [_zendesk(client, {"ticket_id": "17"}, stamp=stamp, invocation=f"inv-{n}") for n in range(3)]
    assert [a.status_code for a in answers] == [202, 200, 200]
    assert _queued(runner) == [("zd", "17")]


def _jira_body(stamp_ms: int, key: str = "CS-7") -> bytes:
    return json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": stamp_ms,
                       "issue": {"id": "10007", "key": key}, "user": {"accountId": "abc"}}).encode()


def _now_ms(delta: timedelta = timedelta(0)) -> int:
    return int((datetime.now(UTC) + delta).timestamp() * 1000)


def test_a_replayed_jira_delivery_is_a_duplicate_whatever_its_identifier(app: App) -> None:
    client, runner = app
    body = _jira_body(_now_ms())
    answers = [client.post("/webhooks/jira", content=body, headers={
        "X-Hub-Signature": jira_signature("jira-secret", body), "X-Atlassian-Webhook-Identifier": f"id-{n}"})
        for n in range(3)]
    assert [a.status_code for a in answers] == [202, 200, 200]
    assert _queued(runner) == [("jira", "CS-7")]


@pytest.mark.parametrize("skew", [timedelta(minutes=-10), timedelta(minutes=10)])
def test_a_stale_signed_jira_delivery_is_rejected(app: App, skew: timedelta) -> None:
    client, runner = app
    body = _jira_body(_now_ms(skew))
    answer = client.post("/webhooks/jira", content=body,
                         headers={"X-Hub-Signature": jira_signature("jira-secret", body)})
    assert answer.status_code == 401
    assert answer.json() == {"error": "stale timestamp (replay?)"}
    assert _queued(runner) == []


@pytest.mark.parametrize("payload", [
    {"ticket_id": "9" * 5000}, {"ticket_id": "17?x=1"}, {"ticket_id": "0"}, {"ticket_id": "-3"},
    {"ticket_id": str(2**63)},
])
def test_zendesk_ids_outside_the_grammar_are_rejected(app: App, payload: dict[str, Any]) -> None:
    client, runner = app
    answer = _zendesk(client, payload)
    assert answer.status_code == 422
    assert answer.json() == {"error": "not a valid zendesk ticket id"}
    assert _queued(runner) == []


def test_events_caused_by_our_own_account_are_ignored(app: App) -> None:
    client, runner = app
    answer = _zendesk(client, {"ticket_id": "17", "updated_by_id": OWN_ZENDESK})
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored"
    assert _queued(runner) == []


def test_jira_secret_is_verified(app: App) -> None:
    client, runner = app
    body = json.dumps({"webhookEvent": "comment_created", "timestamp": _now_ms(),
                       "issue": {"id": "1", "key": "CS-7"},
                       "comment": {"author": {"accountId": "abc"}}}).encode()
    good = client.post("/webhooks/jira", content=body,
                       headers={"X-Hub-Signature": jira_signature("jira-secret", body)})
    bad = client.post("/webhooks/jira", content=body,
                      headers={"X-Hub-Signature": jira_signature("nope", body)})
    missing = client.post("/webhooks/jira", content=body)
    assert (good.status_code, bad.status_code, missing.status_code) == (202, 401, 401)
    assert _queued(runner) == [("jira", "CS-7")]


def test_secrets_never_appear_in_answers(app: App) -> None:
    client, _runner = app
    texts = [_zendesk(client, {"ticket_id": "1"}, secret="x").text,
             client.get("/api/v1/tickets/zendesk/1", headers={"Authorization": "Bearer bad"}).text,
             client.get("/healthz").text, client.get("/metrics").text]
    assert not any(secret in text for text in texts for secret in SECRETS.values())


def test_healthz_is_degraded_while_a_source_has_quarantined_tickets(app: App) -> None:
    client, runner = app
    assert client.get("/healthz").json()["status"] == "ok"
    quarantined = [{"ticket": "17", "reason": "cannot be stored (ValueError)"}]
    runner.note_quarantined([SyncOutcome("zd", quarantined=quarantined)])
    health = client.get("/healthz").json()
    assert (health["status"], health["quarantined"]) == ("degraded", {"zd": 1})
    assert "ValueError" not in json.dumps(health)
    runner.note_quarantined([SyncOutcome("zd", changed=["18"])])  # a later sync, 17 not re-read
    assert client.get("/healthz").json()["status"] == "degraded"
    runner.note_quarantined([SyncOutcome("zd", changed=["17"])])  # 17 changed and was stored
    assert client.get("/healthz").json()["status"] == "ok"
