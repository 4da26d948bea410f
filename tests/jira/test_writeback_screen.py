"""Write-back to a project whose Edit screen lacks the Labels field, and the sandbox's write rules.

Real shapes followed:
- The refusal: 400 with Jira's ErrorCollection (jira-platform-v3.json, schema ErrorCollection;
  Edit issue 400 "not associated with the issue's edit screen"), message and body as recorded in
  bitbucket.org/apdc/the-scheduler/issues/339:
  ``{"errorMessages":[],"errors":{"customfield_18028":"Field 'customfield_18028' cannot be set.
  It is not on the appropriate screen, or unknown."}}``.
- Get edit issue metadata (jira-platform-v3.json, ``GET /issue/{key}/editmeta``): ``fields`` keyed
  by field id, only the fields of the issue's edit screen.
- Comment bodies on v3: a string -> ``{"errors":{"comment":"Comment body is not valid!"}}``
  (pchuri/jira-cli#38); a document the ADF schema rejects -> ``{"errorMessages":["INVALID_INPUT"],
  "errors":{}}`` (RHEcosystemAppEng/sdlc-plugins#206, nguyenvanduocit/jira-mcp#42).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.platforms.jira.commands import writeback
from connector.platforms.jira.fieldplan import FINDINGS_PROPERTY
from devtools.sandboxes.jira import SandboxServer, make_state
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN
from tests.jira.helpers import finding, sandbox_source

ENV = {"JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN}
AUTH = (DEFAULT_EMAIL, DEFAULT_TOKEN)
FLAGGED = ("CS-1", "CS-3")
EDIT = "PUT /rest/api/3/issue/{key}"
EDITMETA = "GET /rest/api/3/issue/{key}/editmeta"
POST_COMMENT = "POST /rest/api/3/issue/{key}/comment"
PUT_COMMENT = "PUT /rest/api/3/issue/{key}/comment/{id}"




def _run(server: SandboxServer, tmp_path: Path) -> tuple[Any, Counter[str]]:
    """One write-back run over the flagged issues; the sandbox's calls of that run."""
    server.state.reset_calls()
    report = writeback(
        sandbox_source(server, tmp_path), [finding(k) for k in FLAGGED], apply=True, environ=ENV
    )
    return report, Counter(server.state.calls)


def _ours(server: SandboxServer, key: str) -> list[dict[str, Any]]:
    issue = server.state.store.issues[key]
    return [c for c in issue.comments if c["author"]["accountId"] == BOT]


def test_three_runs_without_labels_on_the_edit_screen_write_once_then_nothing(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    cloud.state.store.off_edit_screen["CS"] = {"labels"}
    before = {k: list(cloud.state.store.issues[k].fields.get("labels") or []) for k in FLAGGED}

    first, calls = _run(cloud, tmp_path)
    assert [r.outcome for r in first.results] == ["written", "written"]
    assert calls[POST_COMMENT] == 2
    assert calls[EDIT] == 3  # one refused (the project is learnt), then property-only edits
    warnings = [r.details["warning"] for r in first.results if r.details.get("warning")]
    assert len(warnings) == 1  # once per project and run
    assert "project CS" in warnings[0] and "Project settings > Screens" in warnings[0]
    for r in first.results:
        assert r.details["labels_not_written"] == ["+iso10002-ISO10002-ACK-001", "+iso10002-noncompliant"]
        assert r.details["labels_added"] == []
    for key in FLAGGED:
        prop = cloud.state.store.issues[key].properties[FINDINGS_PROPERTY]
        assert prop["labels_refused"] is True and prop["comment_id"] == _ours(cloud, key)[0]["id"]
        assert (cloud.state.store.issues[key].fields.get("labels") or []) == before[key]

    for _ in range(2):  # the issue's scenario: later runs must not repeat any write
        again, calls = _run(cloud, tmp_path)
        assert [r.outcome for r in again.results] == ["unchanged", "unchanged"]
        writes = {e: n for e, n in calls.items() if not e.startswith("GET") and "bulkfetch" not in e}
        assert writes == {}
        assert calls[EDITMETA] == 1  # one read per project, not one failing edit per issue
        assert sum(1 for r in again.results if r.details.get("warning")) == 1
    assert all(len(_ours(cloud, k)) == 1 for k in FLAGGED)

    # The admin adds Labels to the Edit screen: the next run writes them, comments untouched.
    cloud.state.store.off_edit_screen.clear()
    fixed, calls = _run(cloud, tmp_path)
    assert [r.outcome for r in fixed.results] == ["written", "written"]
    assert calls[EDITMETA] == 1 and calls[EDIT] == 2
    assert calls[POST_COMMENT] == calls[PUT_COMMENT] == 0
    for key in FLAGGED:
        issue = cloud.state.store.issues[key]
        assert {"iso10002-noncompliant", "iso10002-ISO10002-ACK-001"} <= set(issue.fields["labels"])
        assert "labels_refused" not in issue.properties[FINDINGS_PROPERTY]
    settled, calls = _run(cloud, tmp_path)
    assert [r.outcome for r in settled.results] == ["unchanged", "unchanged"]
    assert calls[EDITMETA] == 0 and calls[EDIT] == 0


def test_sandbox_refuses_labels_off_the_edit_screen_and_applies_nothing(
    cloud: SandboxServer,
) -> None:
    cloud.state.store.off_edit_screen["CS"] = {"labels"}
    issue = cloud.state.store.issues["CS-2"]
    body = {
        "update": {"labels": [{"add": "x"}]},
        "properties": [{"key": FINDINGS_PROPERTY, "value": {"v": 1}}],
    }
    answer = requests.put(f"{cloud.url}/rest/api/3/issue/CS-2", json=body, auth=AUTH, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "errorMessages": [],
        "errors": {
            "labels": "Field 'labels' cannot be set. It is not on the appropriate screen, or unknown."
        },
    }
    assert FINDINGS_PROPERTY not in issue.properties and "x" not in issue.fields.get("labels", [])
    meta = requests.get(f"{cloud.url}/rest/api/3/issue/CS-2/editmeta", auth=AUTH, timeout=10)
    assert "labels" not in meta.json()["fields"] and "summary" in meta.json()["fields"]
    cloud.state.store.off_edit_screen.clear()
    meta = requests.get(f"{cloud.url}/rest/api/3/issue/CS-2/editmeta", auth=AUTH, timeout=10)
    assert meta.json()["fields"]["labels"]["operations"] == ["add", "set", "remove"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("plain text", {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}}),
        ({"type": "doc", "version": 1, "content": [{"type": "taskList"}]},
         {"errorMessages": ["INVALID_INPUT"], "errors": {}}),
        ({"type": "doc", "version": 2, "content": []},
         {"errorMessages": ["INVALID_INPUT"], "errors": {}}),
        ({"type": "doc", "version": 1,
          "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}]},
         {"errorMessages": ["INVALID_INPUT"], "errors": {}}),
    ],
)
def test_sandbox_v3_comments_must_be_adf_documents(
    cloud: SandboxServer, body: Any, expected: dict[str, Any]
) -> None:
    url = f"{cloud.url}/rest/api/3/issue/CS-2/comment"
    count = len(cloud.state.store.issues["CS-2"].comments)
    answer = requests.post(url, json={"body": body}, auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (400, expected)
    cid = cloud.state.store.issues["CS-2"].comments[0]["id"]
    update = requests.put(f"{url}/{cid}", json={"body": body}, auth=AUTH, timeout=10)
    assert (update.status_code, update.json()) == (400, expected)
    assert len(cloud.state.store.issues["CS-2"].comments) == count


def test_sandbox_comment_limit_and_property_size(cloud: SandboxServer) -> None:
    issue = cloud.state.store.issues["CS-2"]
    adf = {"type": "doc", "version": 1,
           "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]}
    issue.comments.extend(dict(issue.comments[0], id=str(i)) for i in range(5000))
    answer = requests.post(f"{cloud.url}/rest/api/3/issue/CS-2/comment", json={"body": adf},
                           auth=AUTH, timeout=10)
    assert answer.status_code == 413
    prop = f"{cloud.url}/rest/api/3/issue/CS-2/properties/{FINDINGS_PROPERTY}"
    big = requests.put(prop, json={"text": "x" * 32_768}, auth=AUTH, timeout=10)
    assert big.status_code == 400 and FINDINGS_PROPERTY not in issue.properties
    ok = requests.put(prop, json={"v": 1}, auth=AUTH, timeout=10)
    assert ok.status_code == 201


def test_store_write_back_reports_the_screen_once_and_settles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``iso10002 run``'s path (sync, check, journalled write-back): the screen problem is one
    warning of the source's outcome, and the journal settles the tickets (no second write)."""
    from datetime import timedelta

    from connector.config import AppConfig
    from connector.pipeline import Pipeline, load_evaluator
    from connector.store import Store
    from devtools.sandboxes.jira.server import SMALL_END
    from mappings.loader import default_mapping_path

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with SandboxServer(make_state(mode="cloud", seed=5, issues=20)) as server:
        server.state.store.off_edit_screen["CS"] = {"labels"}
        config = AppConfig.model_validate({
            "sources": [{
                "platform": "jira", "name": "jira", "base_url": server.url, "deployment": "cloud",
                "mapping": str(default_mapping_path("jira")), "auth": {"kind": "cloud_token"},
                "retry": {"max_attempts": 2, "base_delay": 0.0, "max_delay": 0.0},
            }],
            "sync": {"initial_since": (SMALL_END - timedelta(days=200)).isoformat()},
        })
        pipe = Pipeline(config, Store(f"sqlite:///{tmp_path / 'store.db'}"), load_evaluator(config),
                        clock=lambda: SMALL_END)
        try:
            pipe.sync()
            pipe.check(as_of=SMALL_END, record="all")
            outcomes, errors = pipe.writeback("apply")
            assert errors == [] and outcomes[0].failed == 0 and outcomes[0].written > 1
            assert len(outcomes[0].warnings) == 1 and "project CS" in outcomes[0].warnings[0]
            server.state.reset_calls()
            again, _ = pipe.writeback("apply", force=True)
            writes = {e: n for e, n in server.state.calls.items()
                      if not e.startswith("GET") and "bulkfetch" not in e and "search" not in e}
            assert writes == {} and again[0].failed == 0
        finally:
            pipe.store.close()
