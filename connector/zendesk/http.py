"""The one place that talks HTTP to Zendesk: auth, budgets, retries, call counting.

Reads (and writes whose repeat cannot duplicate anything) are retried on 5xx and dropped
connections with bounded exponential backoff and full jitter (tenacity). A 429 means the
request was not processed, so every request honours ``Retry-After`` and tries again. Other
writes surface :class:`UnknownOutcome` so the caller can re-read before deciding.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from connector import untrusted
from connector.zendesk.auth import Authenticator, AuthError
from connector.zendesk.ratelimit import TokenBucket, parse_rate_limit_headers
from connector.zendesk.settings import ZendeskSourceConfig

log = logging.getLogger(__name__)

INCREMENTAL_PREFIX = "/api/v2/incremental/"
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_JOB_ID = re.compile(r"(?<=/job_statuses/)[^/]+")
_TRANSIENT_EXC = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

Params = Mapping[str, str | int | list[str] | tuple[str, ...]]


class ZendeskHTTPError(RuntimeError):
    """Zendesk answered with an error status. The message never includes credentials."""

    def __init__(self, status: int, method: str, path: str, code: str = "") -> None:
        self.status = status
        self.method = method
        self.path = path
        self.code = code
        detail = f" ({code})" if code else ""
        super().__init__(f"Zendesk answered HTTP {status}{detail} to {method} {path}")


class NotFound(ZendeskHTTPError):
    pass


class Conflict(ZendeskHTTPError):
    """409: ``safe_update`` found the ticket changed since our ``updated_stamp``."""


class TransientError(RuntimeError):
    """5xx, a dropped connection or a timeout: the request may or may not have happened."""


class RateLimited(RuntimeError):
    def __init__(self, retry_after: float | None, path: str) -> None:
        self.retry_after = retry_after
        super().__init__(f"Zendesk rate limit hit on {path} (Retry-After {retry_after})")


class UnknownOutcome(TransientError):
    """A non-idempotent write failed in a way that leaves its effect unknown."""


@dataclass(frozen=True)
class RecordedRequest:
    """What the client sent (for conformance tests): never headers, so never credentials."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any = None


@dataclass
class CallStats:
    """API calls per endpoint (``GET /api/v2/tickets/{id}``), retries and waits included."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limited: int = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def endpoint_key(method: str, path: str) -> str:
    """``PUT /api/v2/tickets/{id}`` for ``PUT /api/v2/tickets/123.json``."""
    path = path.removesuffix(".json")
    return f"{method} {_JOB_ID.sub('{id}', _ID_SEGMENT.sub('/{id}', path))}"


class ZendeskClient:
    """A rate-limited, retrying JSON client for one Zendesk account."""

    def __init__(
        self,
        source: ZendeskSourceConfig,
        auth: Authenticator,
        *,
        session: requests.Session | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        recorder: list[RecordedRequest] | None = None,
    ) -> None:
        self.source = source
        self.root = source.api_root
        self.auth = auth
        self.session = session or requests.Session()
        self.sleep = sleeper
        self.clock = clock
        self.recorder = recorder
        self.stats = CallStats()
        limits = source.rate_limits
        self.account_bucket = TokenBucket(limits.account_per_minute, clock=clock, sleeper=sleeper)
        self.incremental_bucket = TokenBucket(
            limits.incremental_per_minute, clock=clock, sleeper=sleeper
        )
        self._timeout = (source.connect_timeout_seconds, source.read_timeout_seconds)
        self._jitter = random.Random()  # noqa: S311 - jitter, not security

    # -- public -------------------------------------------------------------------------
    def get(self, path: str, params: Params | None = None) -> dict[str, Any]:
        """GET a JSON document (retried)."""
        return self.request("GET", path, params=params, idempotent=True)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool,
    ) -> dict[str, Any]:
        """Send one logical request, retrying as its idempotency allows.

        Args:
            method: HTTP method.
            path: ``/api/v2/...`` (absolute URLs on the same account are accepted).
            params: Query parameters.
            json: Request body.
            idempotent: Whether repeating the request can never duplicate an effect.

        Raises:
            ZendeskHTTPError: A 4xx answer (``NotFound``, ``Conflict``), or 429 after all attempts.
            TransientError: 5xx/connection trouble after all attempts (``UnknownOutcome`` for
                non-idempotent requests, which are not retried).
        """
        path = self._relative(path)
        limits = self.source.rate_limits

        def should_retry(exc: BaseException) -> bool:
            return isinstance(exc, RateLimited) or (
                idempotent and isinstance(exc, TransientError)
            )

        retrying = Retrying(
            stop=stop_after_attempt(limits.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(should_retry),
            sleep=self._count_and_sleep,
            reraise=True,
        )
        try:
            result: dict[str, Any] = retrying(self._send_once, method, path, params, json)
        except RateLimited as exc:
            raise ZendeskHTTPError(429, method, path, "rate limited") from exc
        except TransientError as exc:
            if not idempotent:
                raise UnknownOutcome(str(exc)) from exc
            raise
        return result

    # -- internals ----------------------------------------------------------------------
    def _relative(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            if f"{parts.scheme}://{parts.netloc}" != self.root:
                raise ValueError("refusing to follow a URL on another host")
            return parts.path
        return path

    def backoff_seconds(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**(attempt-1))), always bounded."""
        limits = self.source.rate_limits
        ceiling = min(limits.backoff_max_seconds, limits.backoff_base_seconds * 2 ** (attempt - 1))
        return self._jitter.uniform(0, ceiling)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        limits = self.source.rate_limits
        if isinstance(exc, RateLimited):
            if exc.retry_after is not None:
                return min(exc.retry_after, limits.max_retry_after_seconds)
            return limits.backoff_max_seconds
        return self.backoff_seconds(state.attempt_number)

    def _count_and_sleep(self, seconds: float) -> None:
        self.stats.retries += 1
        self.sleep(seconds)

    def _send_once(
        self, method: str, path: str, params: Params | None, body: Any
    ) -> dict[str, Any]:
        refreshed = False
        while True:
            self.account_bucket.acquire()
            if path.startswith(INCREMENTAL_PREFIX):
                self.incremental_bucket.acquire()
            resp = self._transmit(method, path, params, body)
            if resp.status_code == 401 and not refreshed and self.auth.refresh():
                refreshed = True  # a 401 after a fresh token is a real rejection
                continue
            return self._interpret(resp, method, path)

    def _transmit(
        self, method: str, path: str, params: Params | None, body: Any
    ) -> requests.Response:
        self.stats.calls[endpoint_key(method, path)] += 1
        if self.recorder is not None:
            query = {k: [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]
                     for k, v in (params or {}).items()}
            self.recorder.append(RecordedRequest(method, path, query, body))
        try:
            headers = {"Accept": "application/json", **self.auth.headers()}
            resp = self.session.request(
                method,
                self.root + path,
                params=params,
                json=body,
                headers=headers,
                timeout=self._timeout,
            )
            # Read the body here so a connection dropped mid-body counts as transient.
            _ = resp.content
        except _TRANSIENT_EXC as exc:
            log.info("Zendesk %s %s: %s", method, path, type(exc).__name__)
            raise TransientError(f"{method} {path}: {type(exc).__name__}") from None
        self._observe(resp, path)
        log.debug("Zendesk %s %s -> %s", method, path, resp.status_code)
        return resp

    def _observe(self, resp: requests.Response, path: str) -> None:
        info = parse_rate_limit_headers(resp.headers)
        self.account_bucket.observe(info.account)
        incremental = info.endpoints.get("incremental-exports")
        if incremental is not None and path.startswith(INCREMENTAL_PREFIX):
            self.incremental_bucket.observe(incremental)

    def _interpret(self, resp: requests.Response, method: str, path: str) -> dict[str, Any]:
        status = resp.status_code
        if status == 429:
            self.stats.rate_limited += 1
            info = parse_rate_limit_headers(resp.headers)
            raise RateLimited(info.retry_after, path)
        if status >= 500:
            raise TransientError(f"{method} {path}: HTTP {status}")
        if status == 401:
            raise AuthError(f"Zendesk rejected the credentials (HTTP 401 to {method} {path})")
        if status >= 400:
            code = _error_code(resp)
            cls = {404: NotFound, 409: Conflict}.get(status, ZendeskHTTPError)
            raise cls(status, method, path, code)
        if status == 204 or not resp.content:
            return {}
        try:
            data = untrusted.loads(resp.content)
        except ValueError:
            raise TransientError(f"{method} {path}: truncated or non-JSON body") from None
        if not isinstance(data, dict):
            raise ZendeskHTTPError(status, method, path, "expected a JSON object")
        return data


def _error_code(resp: requests.Response) -> str:
    """The ``error`` code of Zendesk's envelopes (several shapes exist), shortened."""
    try:
        data = resp.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    err = data.get("error")
    if isinstance(err, dict):
        err = err.get("title") or err.get("message")
    if err is None and isinstance(data.get("errors"), list):
        err = "errors"
    return str(err)[:80] if err else ""
