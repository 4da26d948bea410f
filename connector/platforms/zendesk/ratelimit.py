"""Rate-limit headers (every spelling Zendesk has used) and a client-side token bucket."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: ``total=10; remaining=9; resets=2`` (``zendesk-ratelimit-*``, ``zendesk-rate-limit-*``).
_TRIPLE = re.compile(r"(total|remaining|resets)\s*=\s*(\d+)", re.IGNORECASE)
_ENDPOINT_PREFIXES = ("zendesk-ratelimit-", "zendesk-rate-limit-")


@dataclass(frozen=True)
class Budget:
    """One budget reported by the server: ``None`` where a header did not say."""

    limit: int | None = None
    remaining: int | None = None
    resets_in: float | None = None


@dataclass(frozen=True)
class RateLimitInfo:
    """The account budget plus per-endpoint budgets (keyed by lower-case endpoint name).

    ``Retry-After`` is read by the shared HTTP core (:func:`connector.http.parse_retry_after`).
    """

    account: Budget
    endpoints: Mapping[str, Budget]


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitInfo:
    """Read every rate-limit header spelling, case-insensitively.

    Account budget: ``X-Rate-Limit``/``X-Rate-Limit-Remaining`` and the ``ratelimit-*`` /
    ``rate-limit-*`` families (``-limit``, ``-remaining``, ``-reset``; plain ``rate-limit`` is
    the limit). Endpoint budgets: ``zendesk-ratelimit-<name>`` / ``zendesk-rate-limit-<name>``
    with ``total=..; remaining=..; resets=..``.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    limit = remaining = None
    reset: float | None = None
    for family in ("x-rate-limit", "ratelimit", "rate-limit"):
        if limit is None:
            limit = _int(lower.get(family) or lower.get(f"{family}-limit"))
        remaining = remaining if remaining is not None else _int(lower.get(f"{family}-remaining"))
        if reset is None:
            reset_val = _int(lower.get(f"{family}-reset"))
            reset = float(reset_val) if reset_val is not None else None
    endpoints: dict[str, Budget] = {}
    for key, value in lower.items():
        for prefix in _ENDPOINT_PREFIXES:
            if key.startswith(prefix):
                parts = {m.group(1).lower(): int(m.group(2)) for m in _TRIPLE.finditer(value)}
                resets = parts.get("resets")
                endpoints[key[len(prefix) :]] = Budget(
                    limit=parts.get("total"),
                    remaining=parts.get("remaining"),
                    resets_in=float(resets) if resets is not None else None,
                )
    return RateLimitInfo(
        account=Budget(limit=limit, remaining=remaining, resets_in=reset),
        endpoints=endpoints,
    )


class TokenBucket:
    """``per_minute`` requests per minute, bursting up to ``capacity``; thread-safe.

    Clock and sleeper are injectable so tests never sleep.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = capacity if capacity is not None else float(per_minute)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleeper
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        with self._lock:
            self._refill()
            wait = 0.0
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.rate
                self._sleep(wait)
                self.waited_seconds += wait
                self._refill()
                # The clock may be coarse: never go below zero tokens.
                self._tokens = max(self._tokens, 1.0)
            self._tokens -= 1.0
            return wait

    def observe(self, budget: Budget) -> None:
        """Trust the server when it says fewer requests remain than we think.

        Zendesk counts in fixed windows: with nothing left, the next request must wait for
        the window to reset (``resets``), not just for our steady refill.
        """
        if budget.remaining is None:
            return
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, float(budget.remaining))
            if budget.remaining <= 0 and budget.resets_in is not None:
                self._tokens = min(self._tokens, 1.0 - budget.resets_in * self.rate)
