"""Rate-limit header parsing (every spelling seen in docs and real recordings) and the bucket."""

from __future__ import annotations

import pytest

from connector.platforms.zendesk.ratelimit import Budget, TokenBucket, parse_rate_limit_headers
from tests.zendesk.conftest import FakeClock


@pytest.mark.parametrize(
    ("headers", "account"),
    [
        ({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}, Budget(700, 699, None)),
        ({"x-rate-limit": "400", "x-rate-limit-remaining": "12"}, Budget(400, 12, None)),
        ({"ratelimit-limit": "200", "ratelimit-remaining": "5", "ratelimit-reset": "41"},
         Budget(200, 5, 41.0)),
        ({"RateLimit-Limit": "200", "RateLimit-Remaining": "0", "RateLimit-Reset": "3"},
         Budget(200, 0, 3.0)),
        # Hyphenated spelling observed in real 2023 recordings.
        ({"rate-limit": "100", "rate-limit-remaining": "98", "rate-limit-reset": "59"},
         Budget(100, 98, 59.0)),
        ({}, Budget(None, None, None)),
        ({"x-rate-limit": "not-a-number"}, Budget(None, None, None)),
    ],
)
def test_account_budget_spellings(headers: dict[str, str], account: Budget) -> None:
    assert parse_rate_limit_headers(headers).account == account


@pytest.mark.parametrize(
    ("header", "name", "budget"),
    [
        ("zendesk-ratelimit-incremental-exports", "incremental-exports", Budget(10, 9, 2.0)),
        ("Zendesk-RateLimit-tickets-index", "tickets-index", Budget(10, 9, 2.0)),
        ("zendesk-rate-limit-tickets-update", "tickets-update", Budget(10, 9, 2.0)),
        ("ZENDESK-RATE-LIMIT-TICKETS-UPDATE", "tickets-update", Budget(10, 9, 2.0)),
    ],
)
def test_endpoint_budget_spellings(header: str, name: str, budget: Budget) -> None:
    info = parse_rate_limit_headers({header: "total=10; remaining=9; resets=2"})
    assert info.endpoints == {name: budget}


def test_endpoint_budget_tolerates_order_and_spacing() -> None:
    info = parse_rate_limit_headers({"zendesk-ratelimit-x": "resets = 59;total=20 ;remaining=19"})
    assert info.endpoints["x"] == Budget(20, 19, 59.0)


def test_bucket_bursts_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleeper=clock.sleep)
    waits = [bucket.acquire() for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(6.0)  # 10 per minute -> one every 6 s
    assert waits[11] == pytest.approx(6.0)
    assert sum(clock.sleeps) == pytest.approx(12.0)


def test_bucket_trusts_a_lower_server_count() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleeper=clock.sleep)
    bucket.observe(Budget(10, 1, None))
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(6.0)


def test_bucket_waits_for_the_server_window_to_reset() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleeper=clock.sleep)
    bucket.observe(Budget(10, 0, 41.0))
    assert bucket.acquire() == pytest.approx(41.0)
