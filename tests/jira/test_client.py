"""JiraClient: deployment detection, retry policy, actionable errors, no secrets anywhere."""

from __future__ import annotations

import base64
import logging

import pytest
import requests
import responses
from responses import matchers

from connector.http import parse_retry_after
from connector.platforms.jira.client import endpoint_of
from connector.platforms.jira.errors import (
    AmbiguousWriteError,
    JiraApiError,
    JiraConfigError,
    JiraHttpConfigError,
)
from connector.platforms.jira.settings import parse_source, resolve_credentials
from tests.jira.helpers import CLOUD, CREDS, DC, EMAIL, NOW, TOKEN, Sleeper, client, source

CLOUD_INFO = {"baseUrl": CLOUD, "version": "1001.0.0", "deploymentType": "Cloud"}
DC_INFO = {"baseUrl": DC, "version": "9.12.0", "deploymentType": "Server"}


def test_auto_detects_cloud_once_and_switches_to_v3(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{CLOUD}/rest/api/2/serverInfo", json=CLOUD_INFO)
    rsps.get(f"{CLOUD}/rest/api/3/myself", json={"accountId": "acc-bot"})
    c = client(source("auto"))
    info = c.connect()
    assert info.deployment == "cloud"
    assert c.api_version == "3"
    assert c.own_account_ids() == {"acc-bot"}
    c.myself()  # cached: no second call (strict mock would fail on an extra one)
    assert c.stats.as_dict() == {"GET /rest/api/2/serverInfo": 1, "GET /rest/api/3/myself": 1}


def test_datacenter_detected_and_stays_on_v2(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{DC}/rest/api/2/serverInfo", json=DC_INFO)
    c = client(source("datacenter"))
    assert c.connect().deployment == "datacenter"
    assert c.api_version == "2"
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_configured_deployment_contradicted_by_server_is_a_config_error(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{DC}/rest/api/3/serverInfo", json=DC_INFO)
    with pytest.raises(JiraConfigError, match=r"deployment is 'cloud'.*reports 'Server'"):
        client(source("cloud", base_url=DC, auth={"kind": "cloud_token"})).connect()


def _connected(rsps: responses.RequestsMock, sleeper: Sleeper | None = None):
    rsps.get(f"{CLOUD}/rest/api/3/serverInfo", json=CLOUD_INFO)
    c = client(source("cloud"), sleeper)
    c.connect()
    return c


def test_429_waits_for_retry_after_then_succeeds() -> None:
    sleeper = Sleeper()
    with responses.RequestsMock(
        assert_all_requests_are_fired=True, registry=responses.registries.OrderedRegistry
    ) as rsps:
        c = _connected(rsps, sleeper)
        url = f"{CLOUD}/rest/api/3/field"
        rsps.get(url, status=429, headers={"Retry-After": "7"})
        rsps.get(url, status=429, headers={"Retry-After": "Sun, 01 Mar 2026 12:00:03 GMT"})
        rsps.get(url, json=[{"id": "summary"}])
        assert c.get("field") == [{"id": "summary"}]
    assert sleeper.delays == [7.0, 3.0]
    assert c.stats.calls["GET /rest/api/3/field"] == 3


def test_retry_after_is_capped_by_config() -> None:
    sleeper = Sleeper()
    with responses.RequestsMock(registry=responses.registries.OrderedRegistry) as rsps:
        rsps.get(f"{CLOUD}/rest/api/3/serverInfo", json=CLOUD_INFO)
        c = client(source("cloud", retry={"max_attempts": 2, "max_retry_after": 30}), sleeper)
        c.connect()
        rsps.get(f"{CLOUD}/rest/api/3/field", status=429, headers={"Retry-After": "3600"})
        rsps.get(f"{CLOUD}/rest/api/3/field", json=[])
        c.get("field")
    assert sleeper.delays == [30.0]


def test_5xx_backoff_is_exponential_jittered_bounded_then_fails() -> None:
    sleeper = Sleeper()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        c = _connected(rsps, sleeper)
        rsps.get(f"{CLOUD}/rest/api/3/field", status=503)
        with pytest.raises(JiraApiError, match="after 4 attempt"):
            c.get("field")
    assert len(sleeper.delays) == 3  # 4 attempts, 3 waits
    for attempt, delay in enumerate(sleeper.delays):
        ceiling = min(8.0, 1.0 * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert c.stats.calls["GET /rest/api/3/field"] == 4


def test_connection_errors_on_reads_are_retried() -> None:
    sleeper = Sleeper()
    with responses.RequestsMock(registry=responses.registries.OrderedRegistry) as rsps:
        c = _connected(rsps, sleeper)
        rsps.get(f"{CLOUD}/rest/api/3/field", body=requests.ConnectionError("reset"))
        rsps.get(f"{CLOUD}/rest/api/3/field", json=[])
        assert c.get("field") == []
    assert len(sleeper.delays) == 1


def test_unmocked_url_fails_fast_without_sleeping(rsps: responses.RequestsMock) -> None:
    sleeper = Sleeper()
    c = _connected(rsps, sleeper)
    with pytest.raises(JiraApiError):
        c.get("nothing-mocked-here")
    assert sleeper.delays
    assert all(d <= 8.0 for d in sleeper.delays)


def test_post_once_dropped_connection_is_ambiguous_and_not_retried(
    rsps: responses.RequestsMock,
) -> None:
    c = _connected(rsps)
    rsps.post(f"{CLOUD}/rest/api/3/issue/CMP-1/comment", body=requests.ConnectionError("drop"))
    with pytest.raises(AmbiguousWriteError, match="may have happened"):
        c.post_once("issue/CMP-1/comment", {"body": "x"})
    assert len(rsps.calls) == 2  # serverInfo + exactly one POST


def test_post_once_500_is_ambiguous(rsps: responses.RequestsMock) -> None:
    c = _connected(rsps)
    rsps.post(f"{CLOUD}/rest/api/3/issue/CMP-1/comment", status=500)
    with pytest.raises(AmbiguousWriteError):
        c.post_once("issue/CMP-1/comment", {"body": "x"})
    assert len(rsps.calls) == 2


def test_post_once_retries_429_because_jira_did_not_process_it() -> None:
    sleeper = Sleeper()
    with responses.RequestsMock(registry=responses.registries.OrderedRegistry) as rsps:
        c = _connected(rsps, sleeper)
        url = f"{CLOUD}/rest/api/3/issue/CMP-1/comment"
        rsps.post(url, status=429, headers={"Retry-After": "2"})
        rsps.post(url, json={"id": "5"}, status=201)
        assert c.post_once("issue/CMP-1/comment", {"body": "x"}) == {"id": "5"}
    assert sleeper.delays == [2.0]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, r"401 Unauthorized.*JIRA_EMAIL and JIRA_API_TOKEN.*api_base"),
        (403, r"403 Forbidden.*lacks a permission.*Browse projects.*You are not allowed"),
        (404, r"404 Not Found.*check base_url/api_base and deployment"),
    ],
)
def test_401_403_404_are_actionable_config_errors(
    rsps: responses.RequestsMock, status: int, expected: str
) -> None:
    c = _connected(rsps)
    rsps.get(
        f"{CLOUD}/rest/api/3/field",
        status=status,
        json={"errorMessages": ["You are not allowed"], "errors": {}},
    )
    with pytest.raises(JiraHttpConfigError, match=expected) as info:
        c.get("field")
    assert isinstance(info.value, JiraConfigError)
    assert info.value.status == status
    assert TOKEN not in str(info.value)
    assert info.value.__cause__ is None  # the raw answer (with headers) is not chained


def test_secrets_never_logged_or_in_errors(
    rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sleeper = Sleeper()
    c = _connected(rsps, sleeper)
    rsps.get(f"{CLOUD}/rest/api/3/field", status=503)
    with pytest.raises(JiraApiError) as info:
        c.get("field")
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    assert "retry" in caplog.text  # the retries were logged...
    for secret in (TOKEN, basic):
        assert secret not in caplog.text  # ...without the secret
        assert secret not in str(info.value)
        assert secret not in repr(CREDS)
        assert secret not in repr(c.source)


def test_missing_env_var_names_the_variable_not_a_value() -> None:
    with pytest.raises(JiraConfigError, match="JIRA_API_TOKEN is not set"):
        resolve_credentials(source("cloud"), {"JIRA_EMAIL": EMAIL})
    creds = resolve_credentials(source("cloud"), {"JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN})
    assert creds.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(creds)


def test_bad_config_names_file_and_key_path() -> None:
    data = source("cloud").model_dump(mode="json")
    data["comment_visibility"] = {"kind": "role"}
    data["page_sizes"] = {"bulkfetch_issues": 5000}
    with pytest.raises(JiraConfigError) as info:
        parse_source(data, origin="config/sources.yaml")
    message = str(info.value)
    assert message.startswith("config/sources.yaml: invalid Jira source")
    assert "page_sizes.bulkfetch_issues" in message
    assert "comment_visibility" in message


def test_retry_after_parsing_and_endpoint_names() -> None:
    assert parse_retry_after("12", NOW) == 12.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:10 GMT", NOW) == 10.0
    assert parse_retry_after("garbage", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert endpoint_of("put", "/rest/api/3/issue/CMP-12/comment/100") == (
        "PUT /rest/api/3/issue/{key}/comment/{id}"
    )


def test_basic_auth_header_on_cloud(rsps: responses.RequestsMock) -> None:
    expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    rsps.get(
        f"{CLOUD}/rest/api/3/serverInfo",
        json=CLOUD_INFO,
        match=[matchers.header_matcher({"Authorization": expected})],
    )
    client(source("cloud")).connect()
