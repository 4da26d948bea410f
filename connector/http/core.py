"""Session, retry loop, ``Retry-After``, call counting and request hooks for every platform."""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal, Protocol, TypeVar

import requests
from requests.auth import AuthBase
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = Mapping[str, Any]
Sleeper = Callable[[float], None]
WallClock = Callable[[], datetime]
EndpointNamer = Callable[[str, str], str]


def _version() -> str:
    try:
        return version("iso10002-connector")
    except PackageNotFoundError:
        return "dev"


USER_AGENT = f"iso10002-connector/{_version()}"

#: Failures of the connection itself: the server may or may not have acted on the request.
TRANSIENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # connection broke mid-answer
    requests.exceptions.ContentDecodingError,
)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from ``Retry-After``: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    ``None`` when absent or unreadable; a date in the past or a negative number waits 0.
    Decimal seconds (``1.5``) are accepted although the RFC only has whole seconds.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan"/"inf" parse as floats but are no delay anyone can sleep.
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110: an HTTP-date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RecordedRequest:
    """What a client sent (for conformance tests and benchmarks): never headers, so never
    credentials. ``path`` is relative to the client's root."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any = None


RequestHook = Callable[[RecordedRequest], None]


@dataclass
class CallStats:
    """API calls per endpoint (``GET /api/v2/tickets/{id}``); each retry is a call the server
    sees, so it counts. ``retries`` counts waits, ``rate_limited`` 429 answers."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limited: int = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.calls.items()))


@dataclass
class ReadStats:
    """What one read spent, counted by its reader; platforms add what they count."""

    #: Response pages read (every list or export page, per-item fallbacks included).
    pages: int = 0


class ApiClient(Protocol):
    """What the pipeline and the benchmarks need of any platform client."""

    @property
    def stats(self) -> CallStats: ...

    def add_hook(self, hook: RequestHook) -> None: ...


class RetrySignal(RuntimeError):
    """A failure worth another attempt; ``retry_after`` is the server's wish, if it gave one."""

    def __init__(
        self, why: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(why)
        self.status = status
        self.retry_after = retry_after

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


class ConnectionTrouble(RetrySignal):
    """No answer. ``reached`` is False only when the connection was never made (connect
    timeout), so the server cannot have acted: then even a non-idempotent write may repeat."""

    def __init__(self, why: str, *, reached: bool) -> None:
        super().__init__(why)
        self.reached = reached


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts; exponential backoff with jitter; ``Retry-After`` honoured up to a cap."""

    max_attempts: int
    base_delay: float
    max_delay: float
    max_retry_after: float
    #: ``full``: uniform(0, ceiling); ``equal``: ceiling * uniform(0.5, 1).
    jitter: Literal["full", "equal"] = "full"
    #: The wait after a 429 without a usable ``Retry-After`` (None: the normal backoff).
    rate_limited_wait: float | None = None

    def backoff(self, attempt: int, rng: random.Random) -> float:
        ceiling = float(min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1)))
        if self.jitter == "full":
            return rng.uniform(0, ceiling)
        return ceiling * rng.uniform(0.5, 1.0)

    def wait(self, exc: BaseException | None, attempt: int, rng: random.Random) -> float:
        if isinstance(exc, RetrySignal):
            if exc.retry_after is not None:
                return float(min(exc.retry_after, self.max_retry_after))
            if exc.rate_limited and self.rate_limited_wait is not None:
                return self.rate_limited_wait
        return float(self.backoff(attempt, rng))


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``; the token is read only while a request is built."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token()}"
        return r

    def __repr__(self) -> str:
        return "BearerAuth(**********)"


class HeaderAuth(AuthBase):
    """Headers from a callable per request (a token that may be renewed between requests)."""

    def __init__(self, headers: Callable[[], Mapping[str, str]]) -> None:
        self._headers = headers

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.update(self._headers())
        return r

    def __repr__(self) -> str:
        return "HeaderAuth(**********)"


def build_session(
    *,
    auth: AuthBase | tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    user_agent: str = USER_AGENT,
) -> requests.Session:
    """The one place the product builds a ``requests.Session``.

    requests has no session-wide timeout: :class:`HttpCore` passes one on every request.
    Retries are :class:`HttpCore`'s, so the transport adapters keep ``max_retries=0``.
    """
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    session.headers.update(headers or {})
    session.auth = auth
    return session


class HttpCore:
    """One API root: sends, counts, records, retries. Platform layers interpret answers.

    Args:
        root: ``https://host`` (+ any path prefix); request paths are appended to it.
        name: The platform name in log lines (``Jira``, ``Zendesk``).
        endpoint: Names a call for counting (ids replaced by placeholders).
        policy: Attempts, backoff and the ``Retry-After`` cap.
        timeout: (connect, read) seconds, on every request.
        session: Defaults to :func:`build_session`; share one when something else (an OAuth
            token request) must use the same connection pool or test mock.
        auth: Per-request auth, when the session is shared with requests that must not carry it.
        sleeper, now, rng: Injected so tests never sleep, read the clock or depend on chance.
    """

    def __init__(
        self,
        root: str,
        *,
        name: str,
        endpoint: EndpointNamer,
        policy: RetryPolicy,
        timeout: tuple[float, float],
        session: requests.Session | None = None,
        auth: AuthBase | None = None,
        sleeper: Sleeper = time.sleep,
        now: WallClock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.root = root.rstrip("/")
        self.name = name
        self.session = session or build_session()
        self.policy = policy
        self.stats = CallStats()
        self._endpoint = endpoint
        self._timeout = timeout
        self._auth = auth
        self._sleep = sleeper
        self._now: WallClock = now or (lambda: datetime.now(UTC))
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._hooks: list[RequestHook] = []

    # -- hooks --------------------------------------------------------------------------
    def add_hook(self, hook: RequestHook) -> None:
        """Call ``hook`` with every request just before it is sent (retries included)."""
        self._hooks.append(hook)

    def remove_hook(self, hook: RequestHook) -> None:
        self._hooks.remove(hook)

    # -- one request --------------------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send once, count it, tell the hooks; the whole body is read here.

        Raises:
            ConnectionTrouble: No (complete) answer: dropped, timed out, broken mid-body.
        """
        self.stats.calls[self._endpoint(method, path)] += 1
        if self._hooks:
            record = RecordedRequest(method, path, _query(params), json)
            for hook in self._hooks:
                hook(record)
        try:
            resp = self.session.request(
                method,
                self.root + path,
                params=params,
                json=json,
                headers=headers,
                auth=self._auth,
                timeout=self._timeout,
            )
            # Read the body here so a connection dropped mid-body counts as no answer.
            _ = resp.content
        except requests.exceptions.ConnectTimeout:
            log.info("%s %s %s: connect timeout", self.name, method, path)
            raise ConnectionTrouble("connect timeout", reached=False) from None
        except TRANSIENT_EXCEPTIONS as exc:
            # Only the type: a message may quote the URL or, for some adapters, headers.
            log.info("%s %s %s: %s", self.name, method, path, type(exc).__name__)
            raise ConnectionTrouble(
                f"connection error ({type(exc).__name__})", reached=True
            ) from None
        if resp.status_code == 429:
            self.stats.rate_limited += 1
        log.debug("%s %s %s -> %s", self.name, method, path, resp.status_code)
        return resp

    def retry_after(self, resp: requests.Response) -> float | None:
        """The answer's ``Retry-After`` in seconds from now (injected clock)."""
        return parse_retry_after(resp.headers.get("Retry-After"), self._now())

    # -- the retry loop -----------------------------------------------------------------
    def retrying(
        self,
        attempt: Callable[[], T],
        *,
        retry_if: Callable[[BaseException], bool],
        method: str,
        path: str,
    ) -> T:
        """``attempt()`` until it returns, ``retry_if`` refuses its error, or the attempts are
        spent (then its last error is raised)."""
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(retry_if),
            sleep=self._count_and_sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(method, path, state),
        )
        return retrying(attempt)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.policy.wait(exc, state.attempt_number, self._rng)

    def _count_and_sleep(self, seconds: float) -> None:
        self.stats.retries += 1
        self._sleep(seconds)

    def _log_retry(self, method: str, path: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s %s %s: %s; retry %d in %.1fs",
            self.name, method, path, exc, state.attempt_number, delay,
        )


def _query(params: Params | None) -> dict[str, list[str]]:
    return {
        k: [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]
        for k, v in (params or {}).items()
    }
