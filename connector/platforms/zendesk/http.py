"""Zendesk's platform layer on the shared HTTP core (:mod:`connector.http`): auth, budgets,
which answers are errors.

Reads (and writes whose repeat cannot duplicate anything) are retried on 5xx and dropped
connections with bounded exponential backoff and full jitter. A 429 means the request was not
processed, so every request honours ``Retry-After`` and tries again (platform-zendesk.md §5).
Other writes surface :class:`UnknownOutcome` so the caller can re-read before deciding.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from connector import untrusted
from connector.http import (
    CallStats,
    ConnectionTrouble,
    HeaderAuth,
    HttpCore,
    RequestHook,
    RetryPolicy,
    RetrySignal,
    build_session,
)
from connector.platforms.zendesk.auth import Authenticator, AuthError
from connector.platforms.zendesk.ratelimit import TokenBucket, parse_rate_limit_headers
from connector.platforms.zendesk.settings import ZendeskSourceConfig

log = logging.getLogger(__name__)

INCREMENTAL_PREFIX = "/api/v2/incremental/"
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_JOB_ID = re.compile(r"(?<=/job_statuses/)[^/]+")

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


class TransientError(RetrySignal):
    """5xx, a dropped connection or a timeout: the request may or may not have happened."""


class RateLimited(RetrySignal):
    def __init__(self, retry_after: float | None, path: str) -> None:
        super().__init__(
            f"Zendesk rate limit hit on {path} (Retry-After {retry_after})",
            status=429,
            retry_after=retry_after,
        )


class UnknownOutcome(TransientError):
    """A non-idempotent write failed in a way that leaves its effect unknown."""


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
        now: Callable[[], datetime] | None = None,
        hooks: tuple[RequestHook, ...] = (),
    ) -> None:
        self.source = source
        self.root = source.api_root
        self.auth = auth
        self.sleep = sleeper
        self._jitter = random.Random()  # noqa: S311 - jitter, not security
        limits = source.rate_limits
        self.http = HttpCore(
            source.api_root,
            name="Zendesk",
            endpoint=endpoint_key,
            # A 429 without Retry-After waits as long as the backoff ever does.
            policy=RetryPolicy(limits.max_attempts, limits.backoff_base_seconds,
                               limits.backoff_max_seconds, limits.max_retry_after_seconds,
                               jitter="full", rate_limited_wait=limits.backoff_max_seconds),
            timeout=(source.connect_timeout_seconds, source.read_timeout_seconds),
            # Shared with the OAuth token request, which must not carry the bearer header.
            session=session or build_session(),
            auth=HeaderAuth(auth.headers),
            sleeper=sleeper,
            now=now,
            rng=self._jitter,
        )
        for hook in hooks:
            self.http.add_hook(hook)
        # Zendesk counts an account budget and, for incremental exports, a separate
        # 10-requests-per-minute one (platform-zendesk.md §1c, §5).
        self.account_bucket = TokenBucket(limits.account_per_minute, clock=clock, sleeper=sleeper)
        self.incremental_bucket = TokenBucket(
            limits.incremental_per_minute, clock=clock, sleeper=sleeper
        )

    @property
    def stats(self) -> CallStats:
        return self.http.stats

    def add_hook(self, hook: RequestHook) -> None:
        """Call ``hook`` with every request before it is sent (conformance tests, benchmarks)."""
        self.http.add_hook(hook)

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

        def should_retry(exc: BaseException) -> bool:
            return isinstance(exc, RateLimited) or (
                idempotent and isinstance(exc, TransientError)
            )

        try:
            return self.http.retrying(
                lambda: self._send_once(method, path, params, json),
                retry_if=should_retry,
                method=method,
                path=path,
            )
        except RateLimited as exc:
            raise ZendeskHTTPError(429, method, path, "rate limited") from exc
        except TransientError as exc:
            if not idempotent:
                raise UnknownOutcome(str(exc)) from exc
            raise

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
        return self.http.policy.backoff(attempt, self._jitter)

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
        try:
            resp = self.http.send(method, path, params=params, json=body)
        except ConnectionTrouble as exc:
            raise TransientError(f"{method} {path}: {exc}") from None
        self._observe(resp, path)
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
            raise RateLimited(self.http.retry_after(resp), path)
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
