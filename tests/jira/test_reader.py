"""JiraReader: search paging, bulk changelogs, truncation, de-duplication, cursor, DC window."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from responses import matchers

from connector.platforms.jira.errors import JiraApiError
from connector.platforms.jira.fieldplan import plan_fields
from connector.platforms.jira.jql import build_jql
from connector.platforms.jira.reader import JiraReader, comments_complete, parse_jira_time
from tests.jira.helpers import CLOUD, DC, NOW, client, issue, load, source, spec

SLA_FIELD = {
    "id": "customfield_10020",
    "name": "Time to first response",
    "schema": {
        "type": "sd-servicelevelagreement",
        "custom": "com.atlassian.servicedesk:sd-sla-field",
    },
}
RT_FIELD = {
    "id": "customfield_10010",
    "name": "Request Type",
    "schema": {"type": "sd-customerrequesttype", "custom": "com.atlassian.servicedesk:vp-origin"},
}
FIELDS = [*load("airbyte_issue_fields.json"), SLA_FIELD, RT_FIELD]
JQL = 'project in ("CMP") AND issuetype in ("Complaint") ORDER BY updated ASC, key ASC'


def t(minute: int) -> str:
    return (datetime(2026, 2, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=minute)).strftime(
        "%Y-%m-%dT%H:%M:%S.000+0000"
    )


def _cloud(rsps: responses.RequestsMock, **overrides: Any):
    rsps.get(f"{CLOUD}/rest/api/3/serverInfo", json={"deploymentType": "Cloud"})
    rsps.get(f"{CLOUD}/rest/api/3/field", json=FIELDS)
    c = client(source("cloud", **overrides))
    c.connect()
    return c


def _search_body(plan: Any, token: str | None = None, size: int = 2) -> dict[str, Any]:
    body: dict[str, Any] = {
        "jql": JQL,
        "fields": list(plan.fields),
        "properties": list(plan.properties),
        "maxResults": size,
    }
    if token:
        body["nextPageToken"] = token
    return body


def test_field_plan_is_explicit_and_includes_discovered_jsm_fields() -> None:
    plan = plan_fields(spec(), ["customfield_10020", "customfield_10010"])
    assert "*all" not in plan.fields
    for wanted in ("status", "comment", "updated", "labels", "customfield_10050"):
        assert wanted in plan.fields  # base fields + the mapping's custom field
    assert plan.fields[-2:] == ("customfield_10020", "customfield_10010")
    assert plan.properties == ("iso10002.findings", "request.channel.type")
    assert plan.changelog_field_ids == (
        "status",
        "priority",
        "assignee",
        "labels",
        "resolution",
        "customfield_10060",
    )


def test_field_plan_drops_field_ids_filter_beyond_ten() -> None:
    many = spec()
    many = many.model_copy(
        update={
            "escalation": many.escalation.model_copy(
                update={"fields": [f"cf{i}" for i in range(6)]}
            )
        }
    )
    assert plan_fields(many).changelog_field_ids is None


def test_jql_is_bounded_and_pushes_only_what_jql_can_say() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    sel = spec(
        projects=["CMP", "SD"], any_of={"issue_types": ["Complaint"], "labels": ["complaint"]}
    )
    assert build_jql(sel.select, since=since, overlap=timedelta(minutes=5)) == (
        'project in ("CMP", "SD") AND (issuetype in ("Complaint") OR labels in ("complaint")) '
        "AND updated >= 1767225300000 ORDER BY updated ASC, key ASC"
    )
    # A request-type marker can make a ticket a complaint by itself: no OR group in JQL.
    rt = spec(projects=["SD"], any_of={"issue_types": ["Complaint"], "request_types": ["Complain"]})
    assert build_jql(rt.select, since=None, overlap=timedelta(0)) == (
        'project in ("SD") ORDER BY updated ASC, key ASC'
    )
    assert build_jql(spec(projects=[]).select, since=None, overlap=timedelta(0)).startswith(
        "updated >= 0"
    )


def test_comment_completeness_is_never_assumed() -> None:
    assert comments_complete(issue(1, t(0), comments=3))
    assert not comments_complete(issue(1, t(0), comments=20, total=25))
    no_total = issue(1, t(0))
    del no_total["fields"]["comment"]["total"]
    assert not comments_complete(no_total)
    missing = issue(1, t(0))
    del missing["fields"]["comment"]
    assert not comments_complete(missing)


def test_cloud_pull_pages_batches_and_fetches_comments_only_where_truncated(
    rsps: responses.RequestsMock,
) -> None:
    c = _cloud(rsps, page_sizes={"search": 2, "bulkfetch_issues": 3, "bulkfetch_histories": 500})
    plan = plan_fields(spec(), ["customfield_10020", "customfield_10010"])
    i1, i2, i3, i4 = (
        issue(1, t(1)),
        issue(2, t(2), comments=20, total=25),
        issue(3, t(3)),
        issue(4, t(4)),
    )
    search = f"{CLOUD}/rest/api/3/search/jql"
    rsps.post(
        search,
        json={"issues": [i1, i2], "nextPageToken": "tok-1", "isLast": False},
        match=[matchers.json_params_matcher(_search_body(plan))],
    )
    all_comments = load("airbyte_issue_comments.json")["comments"] * 13
    rsps.get(
        f"{CLOUD}/rest/api/3/issue/CMP-2/comment",
        json={"comments": all_comments[:25], "startAt": 0, "maxResults": 100, "total": 25},
        match=[
            matchers.query_param_matcher(
                {"startAt": "0", "maxResults": "100", "orderBy": "created"}
            )
        ],
    )
    # The second page repeats CMP-2 unchanged (overlap/consistency): it must be dropped.
    rsps.post(
        search,
        json={"issues": [copy.deepcopy(i2), i3, i4], "isLast": True},
        match=[matchers.json_params_matcher(_search_body(plan, "tok-1"))],
    )
    bulk = f"{CLOUD}/rest/api/3/changelog/bulkfetch"
    fields = list(plan.changelog_field_ids or ())
    rsps.post(
        bulk,
        json={
            "issueChangeLogs": [{"issueId": "10001", "changeHistories": []}],
            "nextPageToken": "cl-1",
        },
        match=[
            matchers.json_params_matcher(
                {
                    "issueIdsOrKeys": ["10001", "10002", "10003"],
                    "maxResults": 500,
                    "fieldIds": fields,
                }
            )
        ],
    )
    rsps.post(
        bulk,
        json={"issueChangeLogs": []},
        match=[
            matchers.json_params_matcher(
                {
                    "issueIdsOrKeys": ["10001", "10002", "10003"],
                    "maxResults": 500,
                    "fieldIds": fields,
                    "nextPageToken": "cl-1",
                }
            )
        ],
    )
    rsps.post(
        bulk,
        json={"issueChangeLogs": [{"issueId": "10004", "changeHistories": []}]},
        match=[
            matchers.json_params_matcher(
                {"issueIdsOrKeys": ["10004"], "maxResults": 500, "fieldIds": fields}
            )
        ],
    )

    reader = JiraReader(c, spec(), clock=lambda: NOW)
    pages = list(reader.pages(since=None))

    kinds = [next(k for k in p if k in ("issues", "issueChangeLogs", "comments")) for p in pages]
    assert kinds == [
        "issues",
        "comments",
        "issues",
        "issueChangeLogs",
        "issueChangeLogs",
        "issueChangeLogs",
    ]
    assert pages[1]["issue"] == "CMP-2"
    assert len(pages[1]["comments"]["comments"]) == 25
    assert [i["key"] for i in pages[2]["issues"]] == ["CMP-3", "CMP-4"]
    assert pages[0]["nextPageToken"] == "tok-1"  # pages stay raw
    assert reader.state.stats.duplicates_skipped == 1
    assert reader.state.stats.truncated_comments == 1
    assert reader.state.cursor == parse_jira_time(t(4))
    assert c.stats.as_dict() == {
        "GET /rest/api/3/field": 1,
        "GET /rest/api/3/issue/{key}/comment": 1,
        "GET /rest/api/3/serverInfo": 1,
        "POST /rest/api/3/changelog/bulkfetch": 3,
        "POST /rest/api/3/search/jql": 2,
    }


def test_known_issues_and_non_complaints_cost_no_further_calls(
    rsps: responses.RequestsMock,
) -> None:
    c = _cloud(rsps)
    since = parse_jira_time(t(10))
    old, rejected = issue(1, t(9)), issue(2, t(11))
    rsps.post(f"{CLOUD}/rest/api/3/search/jql", json={"issues": [old, rejected]})
    reader = JiraReader(
        c, spec(), known={"10001": t(9)}, keep=lambda i: i["key"] != "CMP-2", clock=lambda: NOW
    )
    pages = list(reader.pages(since=since))
    assert pages[0]["issues"] == []  # nothing new: no bulkfetch, no comment calls
    assert reader.state.stats.duplicates_skipped == 1
    assert reader.state.stats.not_complaints == 1
    # CMP-2 is new: the site's field ids are settled, then the page is asked again with them.
    assert [call.request.url.rsplit("/", 1)[1] for call in rsps.calls] == [
        "serverInfo", "jql", "field", "jql"]
    assert b"customfield_10020" not in rsps.calls[1].request.body
    body = rsps.calls[3].request.body.decode()
    assert "customfield_10020" in body
    assert "updated >= " in body
    assert "ORDER BY updated ASC, key ASC" in body
    assert reader.state.cursor == parse_jira_time(t(11))
    # The known issue was skipped, yet it is still at the edge: the next run must know it too
    # (issues[].fields.updated of SearchAndReconcileResults, jira-platform-v3.json).
    assert reader.state.boundary(timedelta(minutes=5)) == {"10001": t(9), "10002": t(11)}


def test_cursor_is_capped_at_run_start_and_boundary_lists_overlap(
    rsps: responses.RequestsMock,
) -> None:
    c = _cloud(rsps)
    future = (NOW + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    rsps.post(f"{CLOUD}/rest/api/3/search/jql", json={"issues": [issue(1, t(0)), issue(2, future)]})
    rsps.post(f"{CLOUD}/rest/api/3/changelog/bulkfetch", json={"issueChangeLogs": []})
    reader = JiraReader(c, spec(), clock=lambda: NOW)
    list(reader.pages(since=None))
    assert reader.state.cursor == NOW
    assert reader.state.boundary(timedelta(minutes=5)) == {"10002": future}


def test_repeated_next_page_token_stops_with_an_error(rsps: responses.RequestsMock) -> None:
    c = _cloud(rsps)
    rsps.post(f"{CLOUD}/rest/api/3/search/jql", json={"issues": [], "nextPageToken": "same"})
    with pytest.raises(JiraApiError, match="nextPageToken twice"):
        list(JiraReader(c, spec(), clock=lambda: NOW).pages(since=None))


def _dc_issue(n: int, minute: int, *, truncated_changelog: bool = False) -> dict[str, Any]:
    base = copy.deepcopy(load("gojira_issues_with_changelog.json")["issues"][0])
    histories = base["changelog"]["histories"]
    base.update(id=str(20000 + n), key=f"CMP-{n}")
    base["fields"]["updated"] = t(minute)
    base["fields"]["comment"] = {"comments": [], "startAt": 0, "maxResults": 0, "total": 0}
    total = len(histories) + (5 if truncated_changelog else 0)
    base["changelog"] = {
        "startAt": 0,
        "maxResults": len(histories),
        "total": total,
        "histories": histories,
    }
    return base


def test_datacenter_moves_the_updated_window_instead_of_deep_paging(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{DC}/rest/api/2/serverInfo", json={"deploymentType": "Server"})
    rsps.get(f"{DC}/rest/api/2/field", json=FIELDS)
    c = client(source("datacenter", page_sizes={"search": 2}))
    c.connect()
    issues = [_dc_issue(n, n, truncated_changelog=(n == 5)) for n in range(1, 7)]
    plan = plan_fields(spec(), ["customfield_10020", "customfield_10010"])
    base = {
        "maxResults": "2",
        "fields": ",".join(plan.fields),
        "expand": "changelog",
        "properties": ",".join(plan.properties),
        "validateQuery": "strict",
    }
    seam = parse_jira_time(t(4))
    jql2 = JQL.replace(" ORDER BY", f" AND updated >= {int(seam.timestamp() * 1000)} ORDER BY")
    for jql, start, chunk, total in [
        (JQL, 0, issues[0:2], 6),
        (JQL, 2, issues[2:4], 6),
        (jql2, 0, issues[3:5], 3),
        (jql2, 2, issues[5:6], 3),
    ]:
        rsps.get(
            f"{DC}/rest/api/2/search",
            json={"startAt": start, "maxResults": 2, "total": total, "issues": chunk},
            match=[matchers.query_param_matcher({**base, "jql": jql, "startAt": str(start)})],
        )
    rsps.get(
        f"{DC}/rest/api/2/issue/CMP-5",
        json={"key": "CMP-5", "changelog": {"startAt": 0, "total": 7, "histories": []}},
        match=[matchers.query_param_matcher({"expand": "changelog", "fields": "updated"})],
    )

    reader = JiraReader(c, spec(), clock=lambda: NOW, result_window=4)
    pages = list(reader.pages(since=None))

    keys = [i["key"] for p in pages for i in p.get("issues", [])]
    assert keys == ["CMP-1", "CMP-2", "CMP-3", "CMP-4", "CMP-5", "CMP-6"]  # CMP-4 once
    assert {"issue": "CMP-5", "changelog": {"startAt": 0, "total": 7, "histories": []}} in pages
    starts = [
        int(call.request.params["startAt"])
        for call in rsps.calls
        if call.request.url.startswith(f"{DC}/rest/api/2/search")
    ]
    assert max(starts) + 2 <= 4  # never asked past the result window
    assert reader.state.cursor == parse_jira_time(t(6))
