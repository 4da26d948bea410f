"""The shared HTTP core: Retry-After forms, retry loop, counting and request hooks."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import registries

from connector.http import (
    USER_AGENT,
    HttpCore,
    RecordedRequest,
    RetryPolicy,
    RetrySignal,
    parse_retry_after,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ROOT = "https://api.example.org"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("93", 93.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("Sun, 01 Mar 2026 12:00:10 GMT", 10.0),  # IMF-fixdate
        ("Sunday, 01-Mar-26 12:00:03 GMT", 3.0),  # obsolete RFC 850 form
        ("Sun Mar  1 12:00:05 2026", 5.0),  # obsolete asctime form
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(
    value: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(value, NOW) == seconds


def _core(sleeps: list[float], **policy: float) -> HttpCore:
    return HttpCore(
        ROOT,
        name="Test",
        endpoint=lambda method, path: f"{method} {path.split('/')[1]}",
        policy=RetryPolicy(
            max_attempts=int(policy.get("max_attempts", 3)),
            base_delay=1.0,
            max_delay=8.0,
            max_retry_after=policy.get("max_retry_after", 60.0),
        ),
        timeout=(1.0, 1.0),
        sleeper=sleeps.append,
        now=lambda: NOW,
        rng=random.Random(1),
    )


def _attempt(core: HttpCore, path: str) -> requests.Response:
    resp = core.send("GET", path)
    if resp.status_code in (429, 503):
        raise RetrySignal("busy", status=resp.status_code, retry_after=core.retry_after(resp))
    return resp


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_retry_after_date_is_waited_capped_and_every_try_is_counted_and_hooked() -> None:
    responses.get(f"{ROOT}/a/1", status=429, headers={"Retry-After": "Sun, 01 Mar 2026 12:00:04 GMT"})
    responses.get(f"{ROOT}/a/1", status=503, headers={"Retry-After": "3600"})
    responses.get(f"{ROOT}/a/1", json={"ok": True})
    sleeps: list[float] = []
    seen: list[RecordedRequest] = []
    core = _core(sleeps, max_retry_after=30.0)
    core.add_hook(seen.append)
    resp = core.retrying(lambda: _attempt(core, "/a/1"), retry_if=lambda e: isinstance(
        e, RetrySignal), method="GET", path="/a/1")
    assert resp.json() == {"ok": True}
    assert sleeps == [4.0, 30.0]
    assert core.stats.as_dict() == {"GET a": 3}
    assert (core.stats.retries, core.stats.rate_limited) == (2, 1)
    assert seen == [RecordedRequest("GET", "/a/1", {}, None)] * 3


@responses.activate(assert_all_requests_are_fired=True)
def test_hooks_see_query_and_body_never_headers_and_session_has_user_agent() -> None:
    responses.put(f"{ROOT}/b", json={})
    seen: list[RecordedRequest] = []
    core = _core([])
    core.add_hook(seen.append)
    core.send("PUT", "/b", params={"ids": [1, 2], "x": "y"}, json={"k": "v"},
              headers={"Authorization": "Bearer secret"})
    assert seen == [RecordedRequest("PUT", "/b", {"ids": ["1", "2"], "x": ["y"]}, {"k": "v"})]
    assert "secret" not in repr(seen)
    assert responses.calls[0].request.headers["User-Agent"] == USER_AGENT
    core.remove_hook(seen.append)
    core.send("PUT", "/b")
    assert len(seen) == 1
