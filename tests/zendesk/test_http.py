"""Retries: 429 honours Retry-After through the injected sleeper; 5xx backoff is bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses
from pydantic import SecretStr
from responses import matchers, registries

from connector.platforms.zendesk.auth import OAuthBearer
from connector.platforms.zendesk.http import (
    Conflict,
    NotFound,
    TransientError,
    UnknownOutcome,
    ZendeskClient,
    ZendeskHTTPError,
    endpoint_key,
)
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from tests.zendesk.builders import BASE
from tests.zendesk.conftest import FakeClock

URL = f"{BASE}/api/v2/tickets/1.json"


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_429_waits_retry_after_then_succeeds(client: ZendeskClient, clock: FakeClock) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "93"})
    responses.get(URL, status=429, headers={"retry-after": "7"})
    responses.get(URL, json={"ticket": {"id": 1}})
    assert client.get("/api/v2/tickets/1.json") == {"ticket": {"id": 1}}
    assert clock.sleeps == [93.0, 7.0]
    assert client.stats.rate_limited == 2
    assert client.stats.calls["GET /api/v2/tickets/{id}"] == 3


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_429_is_retried_even_for_writes(client: ZendeskClient, clock: FakeClock) -> None:
    body = {"ticket": {"comment": {"html_body": "<p>x</p>", "public": False}}}
    responses.put(URL, status=429, headers={"Retry-After": "2"},
                  match=[matchers.json_params_matcher(body)])
    responses.put(URL, json={"ticket": {"id": 1}}, match=[matchers.json_params_matcher(body)])
    client.request("PUT", "/api/v2/tickets/1.json", json=body, idempotent=False)
    assert clock.sleeps == [2.0]


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_retry_after_is_capped(client: ZendeskClient, clock: FakeClock) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "86400"})
    responses.get(URL, json={})
    client.get("/api/v2/tickets/1.json")
    assert clock.sleeps == [client.source.rate_limits.max_retry_after_seconds]


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_5xx_and_dropped_connections_back_off_boundedly_then_give_up(
    client: ZendeskClient, clock: FakeClock
) -> None:
    limits = client.source.rate_limits
    for i in range(limits.max_attempts):
        if i % 2:
            responses.get(URL, body=requests.ConnectionError("reset by peer"))
        else:
            responses.get(URL, status=503)
    with pytest.raises(TransientError):
        client.get("/api/v2/tickets/1.json")
    assert len(clock.sleeps) == limits.max_attempts - 1
    for n, wait in enumerate(clock.sleeps):
        assert 0 <= wait <= min(limits.backoff_max_seconds, limits.backoff_base_seconds * 2**n)


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_5xx_recovers(client: ZendeskClient) -> None:
    responses.get(URL, status=502)
    responses.get(URL, json={"ticket": {"id": 1}})
    assert client.get("/api/v2/tickets/1.json")["ticket"]["id"] == 1
    assert client.stats.retries == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_non_idempotent_write_is_not_retried_on_5xx(
    client: ZendeskClient, clock: FakeClock
) -> None:
    responses.put(URL, status=500)
    with pytest.raises(UnknownOutcome):
        client.request("PUT", "/api/v2/tickets/1.json", json={"ticket": {}}, idempotent=False)
    assert clock.sleeps == []
    assert client.stats.calls["PUT /api/v2/tickets/{id}"] == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_4xx_maps_to_typed_errors_without_retry(client: ZendeskClient) -> None:
    responses.get(URL, status=404, json={"error": "RecordNotFound", "description": "Not found"})
    responses.put(URL, status=409, json={"error": "UpdateConflict"})
    responses.get(f"{BASE}/api/v2/tickets/show_many.json", status=400,
                  json={"error": "TooManyValues", "max_count": 100})
    with pytest.raises(NotFound, match="RecordNotFound"):
        client.get("/api/v2/tickets/1.json")
    with pytest.raises(Conflict):
        client.request("PUT", "/api/v2/tickets/1.json", json={}, idempotent=False)
    with pytest.raises(ZendeskHTTPError, match="TooManyValues") as err:
        client.get("/api/v2/tickets/show_many.json")
    assert err.value.status == 400
    assert client.stats.retries == 0


@responses.activate(assert_all_requests_are_fired=True)
def test_incremental_paths_draw_on_the_incremental_budget(
    client: ZendeskClient, clock: FakeClock
) -> None:
    url = f"{BASE}/api/v2/incremental/ticket_events.json"
    responses.get(url, json={"ticket_events": [], "end_of_stream": True})
    for _ in range(11):
        client.get(url)
    # Ten free, then one every six seconds (10/min), all on the virtual clock.
    assert clock.sleeps == [pytest.approx(6.0)]


@responses.activate(assert_all_requests_are_fired=True)
def test_foreign_host_urls_are_refused(client: ZendeskClient) -> None:
    with pytest.raises(ValueError, match="another host"):
        client.get("https://evil.example.com/api/v2/tickets.json")


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("GET", "/api/v2/tickets/123.json", "GET /api/v2/tickets/{id}"),
        ("GET", "/api/v2/tickets/123/audits.json", "GET /api/v2/tickets/{id}/audits"),
        ("GET", "/api/v2/job_statuses/abc.json", "GET /api/v2/job_statuses/{id}"),
        ("PUT", "/api/v2/tickets/update_many.json", "PUT /api/v2/tickets/update_many"),
    ],
)
def test_endpoint_key(method: str, path: str, key: str) -> None:
    assert endpoint_key(method, path) == key


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_429_with_an_http_date_retry_after_waits_until_that_date(
    source: ZendeskSourceConfig, clock: FakeClock
) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    session = requests.Session()
    auth = OAuthBearer(f"{BASE}/oauth/tokens", session, access_token=SecretStr("t"), clock=clock)
    client = ZendeskClient(source, auth, session=session, sleeper=clock.sleep, clock=clock,
                           now=lambda: now)
    responses.get(URL, status=429, headers={"Retry-After": "Sun, 01 Mar 2026 12:00:12 GMT"})
    responses.get(URL, status=429, headers={"Retry-After": "nan"})
    responses.get(URL, json={})
    client.get("/api/v2/tickets/1.json")
    # The date is 12 s away; an unreadable value falls back to the longest backoff.
    assert clock.sleeps == [12.0, source.rate_limits.backoff_max_seconds]
