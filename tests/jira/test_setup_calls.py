"""Setup calls only when needed: ``serverInfo`` when the deployment is not known, ``GET field``
when an issue needs mapping, each once per client/reader (strict ``responses``: an extra or a
missing call fails)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses

from connector.platforms.jira.commands import connect
from connector.platforms.jira.errors import JiraConfigError, JiraHttpConfigError
from connector.platforms.jira.reader import JiraReader, parse_jira_time
from tests.jira.helpers import CLOUD, DC, EMAIL, NOW, TOKEN, client, issue, source, spec

SLA = {"id": "customfield_10020", "schema": {"custom": "com.atlassian.servicedesk:sd-sla-field"}}
ENVIRON = {"JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN, "JIRA_PAT": TOKEN}
SINCE = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
SEARCH = f"{CLOUD}/rest/api/3/search/jql"
BULK = f"{CLOUD}/rest/api/3/changelog/bulkfetch"


def t(minute: int) -> str:
    return (SINCE + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _names(rsps: responses.RequestsMock) -> list[str]:
    return [f"{c.request.method} {str(c.request.url).split('/rest/api/')[1].split('?')[0]}"
            for c in rsps.calls]


def _fields(call: responses.Call) -> list[str]:
    return list(json.loads(call.request.body or "{}")["fields"])


def _reader(src_client: object, known: dict[str, str] | None = None) -> JiraReader:
    return JiraReader(src_client, spec(), known=known, clock=lambda: NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(("deployment", "base_url"), [
    ("cloud", "https://jira.example.org"),  # configured: trusted
    ("auto", CLOUD),  # *.atlassian.net is Cloud
])
def test_incremental_read_with_nothing_new_is_one_search_call(
    rsps: responses.RequestsMock, deployment: str, base_url: str
) -> None:
    c = connect(source(deployment, base_url=base_url), environ=ENVIRON)
    # The overlap re-reads an issue the last run already stored: nothing to map.
    rsps.post(f"{base_url}/rest/api/3/search/jql", json={"issues": [issue(1, t(9))], "isLast": True})
    pages = list(_reader(c, known={"10001": t(9)}).pages(since=parse_jira_time(t(10))))
    assert [p["issues"] for p in pages] == [[]]
    assert _names(rsps) == ["POST 3/search/jql"]


def test_scoped_token_gateway_is_cloud_without_asking(rsps: responses.RequestsMock) -> None:
    gateway = "https://api.atlassian.com/ex/jira/1234-abcd"
    c = connect(source("auto", api_base=gateway), environ=ENVIRON)
    rsps.post(f"{gateway}/rest/api/3/search/jql", json={"issues": []})
    list(_reader(c).pages(since=SINCE))
    assert (c.deployment, _names(rsps)) == ("cloud", ["POST 3/search/jql"])


def test_custom_address_with_auto_deployment_asks_server_info_once(
    rsps: responses.RequestsMock,
) -> None:
    c = connect(source("auto", base_url=DC, auth={"kind": "pat"}), environ=ENVIRON)
    assert len(rsps.calls) == 0  # connecting costs nothing until the first call
    rsps.get(f"{DC}/rest/api/2/serverInfo", json={"deploymentType": "Server"})
    rsps.get(f"{DC}/rest/api/2/search", json={"issues": [], "total": 0})
    reader = _reader(c)
    list(reader.pages(since=SINCE))
    list(reader.pages(since=SINCE))  # the service's next poll: the answer is kept
    assert c.api_version == "2"
    assert _names(rsps) == ["GET 2/serverInfo", "GET 2/search", "GET 2/search"]


def test_first_new_issue_settles_the_field_ids_and_the_page_is_asked_again(
    rsps: responses.RequestsMock,
) -> None:
    c = client(source("cloud"))
    rsps.post(SEARCH, json={"issues": [issue(1, t(11))], "isLast": True})
    rsps.get(f"{CLOUD}/rest/api/3/field", json=[SLA])
    rsps.post(BULK, json={"issueChangeLogs": []})
    reader = _reader(c)
    pages = list(reader.pages(since=SINCE))
    assert _names(rsps) == ["POST 3/search/jql", "GET 3/field", "POST 3/search/jql",
                            "POST 3/changelog/bulkfetch"]
    assert "customfield_10020" not in _fields(rsps.calls[0])
    assert "customfield_10020" in _fields(rsps.calls[2])  # never mapped without the SLA field
    assert [[i["key"] for i in p["issues"]] for p in pages if "issues" in p] == [["CMP-1"]]
    assert reader.state.stats.issues == 1

    # The same reader (the service keeps it) does not ask for the field ids again.
    list(reader.pages(since=parse_jira_time(t(11))))
    assert _names(rsps)[4:] == ["POST 3/search/jql", "POST 3/changelog/bulkfetch"]
    assert "customfield_10020" in _fields(rsps.calls[4])


def test_site_without_extra_fields_keeps_the_first_page(rsps: responses.RequestsMock) -> None:
    c = client(source("cloud"))
    rsps.post(SEARCH, json={"issues": [issue(1, t(11))], "isLast": True})
    rsps.get(f"{CLOUD}/rest/api/3/field", json=[{"id": "summary", "schema": {"type": "string"}}])
    rsps.post(BULK, json={"issueChangeLogs": []})
    list(_reader(c).pages(since=SINCE))
    assert _names(rsps) == ["POST 3/search/jql", "GET 3/field", "POST 3/changelog/bulkfetch"]


def test_full_read_settles_and_refreshes_the_field_ids_first(rsps: responses.RequestsMock) -> None:
    c = client(source("cloud"))
    rsps.get(f"{CLOUD}/rest/api/3/field", json=[SLA])
    rsps.post(SEARCH, json={"issues": []})
    reader = _reader(c)
    list(reader.pages(since=None))
    list(reader.pages(since=None))  # e.g. the daily reconciliation: a new SLA field shows up
    assert _names(rsps) == ["GET 3/field", "POST 3/search/jql"] * 2
    assert "customfield_10020" in _fields(rsps.calls[1])


def test_configured_deployment_contradicted_on_first_404_is_a_config_error(
    rsps: responses.RequestsMock,
) -> None:
    c = connect(source("cloud", base_url=DC), environ=ENVIRON)
    rsps.post(f"{DC}/rest/api/3/search/jql", status=404)  # Data Center has no REST v3
    rsps.get(f"{DC}/rest/api/2/serverInfo", json={"deploymentType": "Server"})
    with pytest.raises(JiraConfigError, match=r"deployment is 'cloud'.*reports 'Server'"):
        list(_reader(c).pages(since=SINCE))


def test_a_real_404_is_checked_once_then_reported_as_it_is(rsps: responses.RequestsMock) -> None:
    c = connect(source("cloud"), environ=ENVIRON)
    rsps.get(f"{CLOUD}/rest/api/3/issue/CMP-404", status=404, json={"errorMessages": ["gone"]})
    rsps.get(f"{CLOUD}/rest/api/2/serverInfo", json={"deploymentType": "Cloud"})
    for _ in range(2):
        with pytest.raises(JiraHttpConfigError, match="gone"):
            c.get("issue/CMP-404")
    assert _names(rsps) == ["GET 3/issue/CMP-404", "GET 2/serverInfo", "GET 3/issue/CMP-404"]
