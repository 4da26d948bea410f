"""What both sandboxes share (devtools/sandboxes/common): which fault a request takes, the call
and write records, Basic credentials; and a drop before the write on the Jira sandbox."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import requests

from devtools.sandboxes.common.auth import basic_credentials
from devtools.sandboxes.common.traffic import Fault, Traffic
from devtools.sandboxes.jira import SandboxServer, make_state
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN


def test_a_fault_needs_method_path_and_endpoint_to_match_and_is_spent() -> None:
    traffic = Traffic()
    fault = Fault("status", path=r"/tickets/\d+", method="PUT", match="{id}", count=2)
    traffic.inject(fault)
    assert traffic.take_fault("GET", "/api/v2/tickets/7", "GET /api/v2/tickets/{id}") is None
    assert traffic.take_fault("PUT", "/api/v2/tickets/x", "PUT /api/v2/tickets/{id}") is None
    assert traffic.take_fault("PUT", "/api/v2/tickets/7", "PUT /api/v2/tickets/7") is None
    assert traffic.take_fault("PUT", "/api/v2/tickets/7", "PUT /api/v2/tickets/{id}") is fault
    assert traffic.take_fault("PUT", "/api/v2/tickets/8", "PUT /api/v2/tickets/{id}") is fault
    assert traffic.faults == []  # used up: no longer pending
    assert traffic.take_fault("PUT", "/api/v2/tickets/9", "PUT /api/v2/tickets/{id}") is None


def test_the_admin_views_and_reset() -> None:
    traffic = Traffic()
    traffic.count_call("GET /a")
    traffic.count_call("GET /a")
    traffic.log_write({"endpoint": "PUT /b", "status": 200})
    assert traffic.calls_view() == {"calls": {"GET /a": 2}, "total": 2}
    assert traffic.writes_view() == {"writes": [{"endpoint": "PUT /b", "status": 200}]}
    traffic.reset_calls()
    assert traffic.calls_view() == {"calls": {}, "total": 0}
    assert traffic.writes_view() == {"writes": []}


@pytest.fixture(scope="module")
def cloud() -> Iterator[SandboxServer]:
    with SandboxServer(make_state(mode="cloud", issues=3)) as server:
        yield server


def test_jira_drop_before_the_write_loses_the_request(cloud: SandboxServer) -> None:
    key = next(iter(cloud.state.store.issues))
    before = len(cloud.state.store.issues[key].comments)
    cloud.state.inject(Fault("drop", match="/comment", method="POST", after_write=False))
    url = f"{cloud.url}/rest/api/3/issue/{key}/comment"
    with pytest.raises(requests.exceptions.RequestException):
        requests.post(url, auth=(DEFAULT_EMAIL, DEFAULT_TOKEN), json={"body": "x"}, timeout=5)
    assert len(cloud.state.store.issues[key].comments) == before
    assert cloud.state.writes == []


def _basic(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(("header", "expected"), [
    (f"Basic {_basic('agent@example.org:pass:word')}", ("agent@example.org", "pass:word")),
    (f"basic {_basic('a/token:t')}", ("a/token", "t")),
    (f"Bearer {_basic('a:b')}", None),
    ("Basic abc", None),  # bad padding
    ("Basic " + base64.b64encode(bytes([255]) + b":x").decode(), None),
    ("", None),
    (None, None),
])
def test_basic_credentials(header: str | None, expected: tuple[str, str] | None) -> None:
    assert basic_credentials(header) == expected
