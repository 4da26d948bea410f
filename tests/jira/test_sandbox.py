"""End to end against the in-thread sandbox: pull -> findings -> write-back -> pull -> no-op."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from compliance_checks.findings import Finding
from connector.platforms.jira.commands import pull, writeback
from connector.platforms.jira.errors import JiraHttpConfigError
from devtools.sandboxes.jira import Fault, SandboxServer, make_state
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN
from tests.jira.helpers import Sleeper, finding, sandbox_source, spec

ENV = {"JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN, "JIRA_PAT": DEFAULT_TOKEN}




def _issues(path: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [i for line in lines for i in line.get("issues", [])]


def _findings(issues: list[dict[str, Any]], *, flag: set[str] | None = None) -> list[Finding]:
    """Odd-numbered issues fail the acknowledgement check (unless ``flag`` says otherwise)."""
    out = []
    for raw in issues:
        key = raw["key"]
        bad = key in flag if flag is not None else int(key.split("-")[1]) % 2 == 1
        out.append(finding(key, status="FAIL" if bad else "PASS"))
    return out


def _bot_comments(server: SandboxServer) -> Counter[str]:
    return Counter(
        issue.key
        for issue in server.state.store.issues.values()
        for c in issue.comments
        if c["author"]["accountId"] == BOT
    )


def test_pull_writeback_pull_converges_and_updates_comments_in_place(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    src = sandbox_source(cloud, tmp_path)
    first = pull(src, tmp_path / "pull1.jsonl", since=None, environ=ENV)
    issues = _issues(first.out)
    assert first.tickets == len(issues) == 40
    lines = [json.loads(x) for x in first.out.read_text().splitlines()]
    assert any("issueChangeLogs" in x for x in lines)
    truncated = [x["issue"] for x in lines if "comments" in x and "issue" in x]
    assert len(set(truncated)) == first.details["truncated_comments"]  # only truncated issues paged
    assert first.calls_by_endpoint["POST /rest/api/3/search/jql"] == 1  # 40 issues, 1 page
    assert first.calls_by_endpoint["POST /rest/api/3/changelog/bulkfetch"] == 1

    report = writeback(src, _findings(issues), apply=True, environ=ENV)
    assert not report.failed
    written = [r for r in report.results if r.outcome == "written"]
    assert len(written) == 20
    assert all(r.details["comment"] == "created" for r in written)
    assert report.calls_by_endpoint["PUT /rest/api/3/issue/{key}"] == 20
    assert report.calls_by_endpoint["POST /rest/api/3/issue/{key}/comment"] == 20
    assert set(_bot_comments(cloud).values()) == {1}
    flagged = cloud.state.store.issues["CS-1"]
    assert "iso10002-noncompliant" in flagged.fields["labels"]
    assert "complaint" in flagged.fields["labels"]  # others' labels untouched
    assert flagged.properties["iso10002.findings"]["comment_id"] == written[0].details["comment_id"]

    # Pull again: the same findings plan nothing at all.
    second = pull(src, tmp_path / "pull2.jsonl", since=None, environ=ENV)
    again = writeback(src, _findings(_issues(second.out)), apply=True, environ=ENV)
    assert all(p["is_empty"] for p in again.plans)
    assert {r.outcome for r in again.results} == {"unchanged"}
    assert not any(k.startswith(("PUT", "POST /rest/api/3/issue/{key}")) for k in again.calls_by_endpoint)

    # Findings change on CS-1 (fixed) and CS-2 (now failing): comments change in place.
    now_bad = {f"CS-{n}" for n in range(3, 41, 2)} | {"CS-2"}
    changed = writeback(src, _findings(_issues(second.out), flag=now_bad), apply=True, environ=ENV)
    by_ticket = {r.ticket: r for r in changed.results}
    assert by_ticket["CS-1"].details["comment"] == "resolved"
    assert by_ticket["CS-2"].details["comment"] == "created"
    assert sum(r.outcome == "written" for r in changed.results) == 2
    assert set(_bot_comments(cloud).values()) == {1}  # never a second comment
    resolved = next(c for c in flagged.comments if c["author"]["accountId"] == BOT)
    assert "resolved" in json.dumps(resolved["body"])
    assert "iso10002-noncompliant" not in flagged.fields["labels"]


def test_incremental_pull_with_nothing_changed_costs_one_search(cloud: SandboxServer, tmp_path: Path) -> None:
    src = sandbox_source(cloud, tmp_path)
    first = pull(src, tmp_path / "a.jsonl", since=None, environ=ENV)
    again = pull(src, tmp_path / "b.jsonl", cursor=first.cursor, environ=ENV)
    assert again.tickets == 0
    # The deployment is configured and no issue needs mapping: no serverInfo, no field list.
    assert again.calls_by_endpoint == {"POST /rest/api/3/search/jql": 1}
    assert again.cursor == first.cursor


def test_repeated_incremental_pulls_with_nothing_changed_each_cost_one_search(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    # The issues at the window's edge that a pull skipped as known stay known for the next one:
    # otherwise every other pull maps them again (field list, changelogs) and counts them twice.
    src = sandbox_source(cloud, tmp_path)
    cursor = pull(src, tmp_path / "a.jsonl", since=None, environ=ENV).cursor
    for n in range(3):
        again = pull(src, tmp_path / f"b{n}.jsonl", cursor=cursor, environ=ENV)
        assert again.calls_by_endpoint == {"POST /rest/api/3/search/jql": 1}
        assert (again.tickets, again.cursor) == (0, cursor)
        cursor = again.cursor


def test_incremental_pull_on_a_custom_address_with_auto_deployment_costs_two(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    src = sandbox_source(cloud, tmp_path, deployment="auto")  # 127.0.0.1: could be either kind
    first = pull(src, tmp_path / "a.jsonl", since=None, environ=ENV)
    again = pull(src, tmp_path / "b.jsonl", cursor=first.cursor, environ=ENV)
    assert (again.details["deployment"], again.tickets) == ("cloud", 0)
    assert again.calls_by_endpoint == {
        "GET /rest/api/2/serverInfo": 1,
        "POST /rest/api/3/search/jql": 1,
    }


def test_dropped_connection_on_comment_post_creates_exactly_one_comment(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    src = sandbox_source(cloud, tmp_path)
    cloud.state.inject(Fault(kind="drop", match="POST /rest/api/3/issue/{key}/comment", count=1))
    report = writeback(src, [finding("CS-3")], apply=True, environ=ENV)
    assert report.results[0].outcome == "written"
    assert _bot_comments(cloud) == Counter({"CS-3": 1})
    comment = next(c for c in cloud.state.store.issues["CS-3"].comments if c["author"]["accountId"] == BOT)
    assert report.results[0].details["comment_id"] == comment["id"]
    assert cloud.state.calls["POST /rest/api/3/issue/{key}/comment"] == 1
    assert cloud.state.calls["GET /rest/api/3/issue/{key}/comment"] == 1  # the re-read


def test_429_and_5xx_from_the_sandbox_are_retried(cloud: SandboxServer, tmp_path: Path) -> None:
    from connector.platforms.jira.client import JiraClient
    from connector.platforms.jira.settings import resolve_credentials

    src = sandbox_source(cloud, tmp_path)
    cloud.state.inject(Fault(kind="status", status=429, retry_after="3", match="search/jql"))
    cloud.state.inject(Fault(kind="status", status=502, match="changelog/bulkfetch", count=2))
    sleeper = Sleeper()
    client = JiraClient(src, resolve_credentials(src, ENV), sleeper=sleeper)
    client.connect()
    result = pull(src, tmp_path / "p.jsonl", since=None, client=client)
    assert result.tickets == 40
    assert sleeper.delays == [3.0, 0.0, 0.0]
    assert cloud.state.calls["POST /rest/api/3/search/jql"] == 2


def test_admin_endpoint_injects_faults_and_reports_stats(cloud: SandboxServer) -> None:
    requests.post(
        f"{cloud.url}/_sandbox/faults", json={"kind": "status", "status": 500, "match": "field"}, timeout=5
    )
    auth = (DEFAULT_EMAIL, DEFAULT_TOKEN)
    assert requests.get(f"{cloud.url}/rest/api/3/field", auth=auth, timeout=5).status_code == 500
    assert requests.get(f"{cloud.url}/rest/api/3/field", auth=auth, timeout=5).status_code == 200
    stats = requests.get(f"{cloud.url}/_sandbox/stats", timeout=5).json()
    assert stats["calls"]["GET /rest/api/3/field"] == 2


def test_sandbox_behaves_like_cloud_on_auth_removed_search_and_bad_bodies(
    cloud: SandboxServer, tmp_path: Path
) -> None:
    cloud.state.record = False  # these requests are deliberately wrong: keep them out
    auth = (DEFAULT_EMAIL, DEFAULT_TOKEN)
    removed = requests.get(f"{cloud.url}/rest/api/3/search", params={"jql": "x"}, auth=auth, timeout=5)
    assert removed.status_code == 410
    assert "/rest/api/3/search/jql" in removed.json()["errorMessages"][0]
    bad = requests.post(
        f"{cloud.url}/rest/api/3/search/jql",
        auth=auth,
        timeout=5,
        json={"jql": 'project in ("CS")', "startAt": 100},
    )
    assert bad.status_code == 400
    too_many = requests.post(
        f"{cloud.url}/rest/api/3/changelog/bulkfetch",
        auth=auth,
        timeout=5,
        json={"issueIdsOrKeys": [str(i) for i in range(1001)]},
    )
    assert too_many.status_code == 400
    with pytest.raises(JiraHttpConfigError, match=r"401 Unauthorized.*JIRA_API_TOKEN"):
        pull(
            sandbox_source(cloud, tmp_path),
            tmp_path / "x.jsonl",
            since=None,
            environ={**ENV, "JIRA_API_TOKEN": "wrong"},
        )


def test_writer_bodies_are_accepted_by_sandbox_in_datacenter_mode(tmp_path: Path) -> None:
    with SandboxServer(make_state(mode="datacenter", seed=2, issues=25)) as dc:
        src = sandbox_source(
            dc,
            tmp_path,
            page_sizes={"search": 10},
            comment_visibility={"kind": "role", "value": "Service Desk Team"},
        )
        first = pull(src, tmp_path / "dc.jsonl", since=None, environ=ENV)
        issues = _issues(first.out)
        assert sorted(i["key"] for i in issues) == sorted(f"CS-{n}" for n in range(1, 26))
        assert first.calls_by_endpoint["GET /rest/api/2/search"] == 3
        report = writeback(src, _findings(issues), apply=True, environ=ENV)
        assert sum(r.details["comment"] == "created" for r in report.results) == 13
        mine = [c for c in dc.state.store.issues["CS-1"].comments if c["author"].get("accountId") == BOT]
        assert isinstance(mine[0]["body"], str)
        assert mine[0]["body"].startswith("[iso10002] ISO 10002 check")
        assert mine[0]["visibility"] == {"type": "role", "value": "Service Desk Team"}
        second = pull(src, tmp_path / "dc2.jsonl", since=None, environ=ENV)
        again = writeback(src, _findings(_issues(second.out)), apply=False, environ=ENV)
        assert all(p["is_empty"] for p in again.plans)


def test_datacenter_window_moves_against_the_sandbox(tmp_path: Path) -> None:
    from connector.platforms.jira.client import JiraClient
    from connector.platforms.jira.reader import JiraReader
    from connector.platforms.jira.settings import resolve_credentials

    with SandboxServer(make_state(mode="datacenter", seed=4, issues=23)) as dc:
        src = sandbox_source(dc, tmp_path, page_sizes={"search": 5})
        client = JiraClient(src, resolve_credentials(src, ENV), sleeper=Sleeper())
        client.connect()
        reader = JiraReader(client, spec(projects=["CS"], any_of={"issue_types": ["Complaint"]}),
                            result_window=10)
        keys = [i["key"] for p in reader.pages(since=None) for i in p.get("issues", [])]
        starts = [
            int(r.query.split("startAt=")[1].split("&")[0])
            for r in dc.state.requests
            if r.path == "/rest/api/2/search"
        ]
    assert sorted(keys) == sorted(f"CS-{n}" for n in range(1, 24))  # each exactly once
    assert max(starts) + 5 <= 10
    assert starts.count(0) >= 3  # the window moved at least twice


def test_lead_pipeline_end_to_end_when_available(cloud: SandboxServer, tmp_path: Path) -> None:
    """pull -> the lead's mapping + checks -> write-back -> pull -> checks -> empty plans."""
    offline = pytest.importorskip("connector.files")
    from compliance_checks.policy import BASELINE_POLICY, load_policy
    from mappings.loader import load_mapping

    shipped = yaml.safe_load(Path("mappings/jira.yaml").read_text(encoding="utf-8"))
    shipped["select"]["projects"] = ["CS"]
    shipped["actors"]["connector_accounts"] = [BOT]
    mapping_path = tmp_path / "jira.yaml"
    mapping_path.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    src = sandbox_source(cloud, tmp_path, mapping=str(mapping_path))
    loaded, policy = load_mapping(mapping_path), load_policy(BASELINE_POLICY)
    as_of = datetime(2026, 11, 1, tzinfo=UTC)

    def check(path: Path) -> list[Finding]:
        results = offline.evaluate_files([path], loaded, policy, as_of=as_of)
        return [f for r in results for f in r.findings]

    first = pull(src, tmp_path / "1.jsonl", since=None, environ=ENV)
    findings = check(first.out)
    assert findings
    report = writeback(src, findings, apply=True, environ=ENV)
    assert not report.failed
    assert any(r.details["comment"] == "created" for r in report.results)
    second = pull(src, tmp_path / "2.jsonl", since=None, environ=ENV)
    again = writeback(src, check(second.out), apply=False, environ=ENV)
    assert [p["ticket"] for p in again.plans if not p["is_empty"]] == []


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_sandbox_issues_carry_self_like_the_real_api(mode: str) -> None:
    """IssueBean (jira-platform-v3.json) has ``self``, "The URL of the issue details"; a recorded
    Cloud search page (fixtures/jira/airbyte-source-jira/issues.json) sends it even for issues
    read with a field list: search and GET issue both carry it."""
    # Cloud: basic auth with an API token; Data Center: a personal access token (Bearer).
    session = requests.Session()
    if mode == "cloud":
        session.auth = (DEFAULT_EMAIL, DEFAULT_TOKEN)
    else:
        session.headers["Authorization"] = f"Bearer {DEFAULT_TOKEN}"
    api, search = ("3", "search/jql") if mode == "cloud" else ("2", "search")
    with SandboxServer(make_state(mode=mode, seed=3, issues=3)) as server:
        server.state.record = False
        base = server.url
        params = {"jql": 'project in ("CS")', "fields": "summary"}
        issues = session.get(f"{base}/rest/api/{api}/{search}", params=params, timeout=5).json()["issues"]
        one = session.get(f"{base}/rest/api/{api}/issue/{issues[0]['key']}",
                          params={"fields": "summary"}, timeout=5).json()
    assert issues and all(i["self"] == f"{base}/rest/api/{api}/issue/{i['id']}" for i in issues)
    assert one["self"] == issues[0]["self"]
