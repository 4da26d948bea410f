"""Atlassian's OpenAPI document against what the connector sends to Jira Cloud.

Every Jira test validates its own requests (``rsps`` and the sandbox fixtures, through
``tests.jira.openapi_check``); this module adds a full pull -> write-back -> write-back round
trip against the sandbox and checks that the validator refuses what it must.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.jira.helpers import sandbox_source
from tests.jira.openapi_check import SPEC_FILE, DeprecatedOperation, from_sandbox, problems, validate
from tests.jira.test_sandbox import ENV, _findings, _issues

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SPEC_FILE.exists(), reason=f"Jira OpenAPI document not at {SPEC_FILE}"),
]


def test_sandbox_round_trip_requests_conform(tmp_path: Path) -> None:
    from connector.platforms.jira.commands import pull, writeback
    from devtools.sandboxes.jira import SandboxServer, make_state

    with SandboxServer(make_state(mode="cloud", seed=21, issues=30)) as server:
        src = sandbox_source(server, tmp_path, page_sizes={"search": 10, "bulkfetch_issues": 15})
        first = pull(src, tmp_path / "p.jsonl", since=None, environ=ENV)
        writeback(src, _findings(_issues(first.out)), apply=True, environ=ENV)
        flipped = {i["key"] for i in _issues(first.out) if int(i["key"].split("-")[1]) % 3 == 0}
        writeback(src, _findings(_issues(first.out), flag=flipped), apply=True, environ=ENV)
        recorded = [r for r in from_sandbox(server.state.requests) if r[1].startswith("/rest/api/3/")]
    kinds = {(m, re.sub(r"CS-\d+", "K", p).split("/comment/")[0]) for m, p, *_ in recorded}
    assert {
        ("POST", "/rest/api/3/search/jql"),
        ("POST", "/rest/api/3/changelog/bulkfetch"),
        ("POST", "/rest/api/3/issue/bulkfetch"),
        ("POST", "/rest/api/3/issue/K/comment"),
        ("PUT", "/rest/api/3/issue/K"),
        ("PUT", "/rest/api/3/issue/K"),
    } <= kinds
    assert problems(recorded) == []


def test_removed_search_is_rejected_even_though_the_validator_accepts_it() -> None:
    with pytest.raises(DeprecatedOperation):
        validate("GET", "/rest/api/3/search", "jql=project%3DCS", None, None)


def test_start_at_in_search_jql_body_is_rejected() -> None:
    body = json.dumps({"jql": "project = CS", "startAt": 100}).encode()
    with pytest.raises(Exception, match="startAt"):
        validate("POST", "/rest/api/3/search/jql", "", body, "application/json")
