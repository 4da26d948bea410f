"""HTTP access to one Jira site: python-jira's session, our retry policy, clear errors.

python-jira's ``ResilientSession`` retries every method (POST included) and sleeps 10-60 s, so
it is built with ``max_retries=0`` and retries are decided here instead:

* reads (GET, and POSTs that only read such as ``search/jql``): 429 honours ``Retry-After``,
  5xx and connection errors back off exponentially with jitter, attempts are bounded;
* idempotent writes (PUT of labels/properties/comment body): same policy, a repeat is harmless;
* non-idempotent writes (POST of a comment): only a 429 is retried (Jira did not process it);
  anything ambiguous raises :class:`AmbiguousWriteError` so the caller re-reads first.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from jira import JIRA, JIRAError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connector import untrusted
from connector.jira.errors import (
    AmbiguousWriteError,
    JiraApiError,
    JiraConfigError,
    JiraHttpConfigError,
)
from connector.jira.settings import Credentials, JiraSourceConfig

log = logging.getLogger(__name__)

Sleeper = Callable[[float], None]
Clock = Callable[[], datetime]
Deployment = Literal["cloud", "datacenter"]
RetryMode = Literal["read", "idempotent", "once"]

_PATH_IDS = (
    (re.compile(r"/issue/(?!bulkfetch$)[^/]+"), "/issue/{key}"),
    (re.compile(r"/comment/\d+"), "/comment/{id}"),
    (re.compile(r"/properties/[^/]+"), "/properties/{prop}"),
)


def endpoint_of(method: str, path: str) -> str:
    """``PUT /rest/api/3/issue/{key}`` style name of a call, for counting."""
    for pattern, repl in _PATH_IDS:
        path = pattern.sub(repl, path)
    return f"{method.upper()} {path}"


@dataclass
class CallStats:
    """API calls made, per endpoint (retries count: each is a call Jira sees)."""

    by_endpoint: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.by_endpoint.items()))


class _Transient(Exception):  # internal signal, never escapes the client
    """A failure worth retrying; ``retry_after`` is the server's wish, if any."""

    def __init__(self, why: str, *, status: int | None, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class ServerInfo:
    deployment: Deployment
    version: str
    base_url: str


def known_deployment(source: JiraSourceConfig) -> Deployment | None:
    """The deployment without a call: configured, or an Atlassian Cloud address."""
    if source.deployment != "auto":
        return source.deployment
    host = (urlsplit(source.rest_root).hostname or "").lower()
    if host.endswith(".atlassian.net") or host == "api.atlassian.com":
        return "cloud"
    return None  # a custom address: Data Center, or Cloud behind a custom domain


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class JiraClient:
    """One authenticated Jira site. Call :meth:`connect` once before anything else."""

    def __init__(
        self,
        source: JiraSourceConfig,
        credentials: Credentials,
        *,
        sleeper: Sleeper = time.sleep,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.source = source
        self._sleep = sleeper
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.stats = CallStats()
        #: Known without asking (config or an Atlassian Cloud URL); else ``serverInfo`` settles it.
        self._deployment: Deployment | None = known_deployment(source)
        self._verified = False
        self._myself: dict[str, Any] | None = None
        auth: dict[str, Any]
        if credentials.email is not None:
            auth = {"basic_auth": (credentials.email, credentials.token.get_secret_value())}
        else:
            auth = {"token_auth": credentials.token.get_secret_value()}
        # get_server_info=False: the constructor must not call out (unretried, untimed);
        # connect() asks serverInfo once through our own retry policy.
        self._jira = JIRA(
            server=source.rest_root,
            timeout=(source.timeouts.connect, source.timeouts.read),
            max_retries=0,
            get_server_info=False,
            options={"rest_api_version": "3" if self._deployment == "cloud" else "2"},
            **auth,
        )

    # -- identity ---------------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment:
        """Cloud or Data Center; asks ``serverInfo`` the first time only when not known."""
        if self._deployment is None:
            self.connect()
        assert self._deployment is not None  # noqa: S101 - connect() settles it or raises
        return self._deployment

    @property
    def api_version(self) -> str:
        """REST version: 3 (ADF bodies) on Cloud, 2 (wiki markup) on Data Center."""
        return "3" if self.deployment == "cloud" else "2"

    @property
    def is_cloud(self) -> bool:
        return self.deployment == "cloud"

    def connect(self, version: str | None = None) -> ServerInfo:
        """Ask ``serverInfo`` once and settle the deployment type (Cloud vs Data Center).

        Optional: a client whose deployment is configured or read from the URL never needs it
        (it checks the configuration only when a call answers 404/410, see :meth:`_verb`).
        """
        version = version or ("3" if self.source.deployment == "cloud" else "2")
        self._verified = True
        info = self._request("GET", f"/rest/api/{version}/serverInfo", mode="read")
        found: Deployment = "cloud" if info.get("deploymentType") == "Cloud" else "datacenter"
        if self.source.deployment not in ("auto", found):
            raise JiraConfigError(
                f"source {self.source.name!r}: deployment is {self.source.deployment!r} in the "
                f"config but {self.source.base_url} reports {info.get('deploymentType')!r}; "
                "set deployment: auto or fix base_url"
            )
        self._deployment = found
        self._jira._options["rest_api_version"] = self.api_version
        return ServerInfo(
            deployment=found,
            version=str(info.get("version", "")),
            base_url=str(info.get("baseUrl", self.source.base_url)),
        )

    def myself(self) -> dict[str, Any]:
        """The connector's own user (``accountId`` on Cloud, ``key``/``name`` on DC), cached."""
        if self._myself is None:
            self._myself = self.get("myself")
        return self._myself

    def own_account_ids(self) -> set[str]:
        me = self.myself()
        return {str(me[k]) for k in ("accountId", "key", "name") if me.get(k)}

    # -- verbs ------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``/rest/api/{v}/{path}``; retried."""
        return self._verb("GET", path, params=params, mode="read")

    def post_read(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST that only reads (search/jql, bulk fetches); retried like a GET."""
        return self._verb("POST", path, body=body, mode="read")

    def put(
        self, path: str, body: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> Any:
        """Idempotent write (setting labels ops, properties, a comment body); retried."""
        return self._verb("PUT", path, params=params, body=body, mode="idempotent")

    def post_once(
        self, path: str, body: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> Any:
        """Non-idempotent write: raises :class:`AmbiguousWriteError` when the outcome is unknown."""
        return self._verb("POST", path, params=params, body=body, mode="once")

    def _api(self, path: str) -> str:
        return f"/rest/api/{self.api_version}/{path.lstrip('/')}"

    def _verb(
        self,
        method: str,
        path: str,
        *,
        mode: RetryMode,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return self._request(method, self._api(path), params=params, body=body, mode=mode)
        except JiraApiError as exc:
            # A deployment assumed without asking may be wrong (Data Center has no REST v3,
            # Cloud removed v2 search): check it once, so the error names the real cause.
            if exc.status in (404, 410) and not self._verified:
                self._check_deployment()
            raise

    def _check_deployment(self) -> None:
        """Raises :class:`JiraConfigError` when the site contradicts the configuration."""
        try:
            self.connect(version="2")  # v2 serverInfo exists on Cloud and Data Center
        except JiraApiError:
            log.debug("serverInfo unavailable; the original error stands")

    # -- the retry loop ---------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        mode: RetryMode,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self.source.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(method, path, state),
        )
        try:
            return retrying(self._send_once, method, path, params, body, mode)
        except _Transient as exc:
            cls = AmbiguousWriteError if mode == "once" and exc.status != 429 else JiraApiError
            raise cls(
                f"{method} {path} failed after {self.source.retry.max_attempts} attempt(s): {exc}",
                status=exc.status,
                method=method,
                path=path,
            ) from None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        cfg = self.source.retry
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return float(min(exc.retry_after, cfg.max_retry_after))
        backoff = min(cfg.max_delay, cfg.base_delay * 2 ** (state.attempt_number - 1))
        return float(backoff * self._rng.uniform(0.5, 1.0))

    @staticmethod
    def _log_retry(method: str, path: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "Jira %s %s: %s; retry %d in %.1fs", method, path, exc, state.attempt_number, delay
        )

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        mode: RetryMode,
    ) -> Any:
        self.stats.by_endpoint[endpoint_of(method, path)] += 1
        url = f"{self.source.rest_root}{path}"
        data = json.dumps(body) if body is not None else None
        response: requests.Response | None
        try:
            response = self._jira._session.request(method, url, params=params, data=data)
        except JIRAError as exc:
            response = exc.response
            if response is None:
                raise JiraApiError(
                    f"{method} {path}: no response", status=None, method=method, path=path
                ) from None
        except requests.exceptions.ConnectTimeout:
            # Never reached the server: safe to retry even a POST.
            raise _Transient("connect timeout", status=None) from None
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,  # connection broke mid-answer
        ) as exc:
            if mode == "once":
                raise AmbiguousWriteError(
                    f"{method} {path}: connection lost ({type(exc).__name__}); "
                    "the write may have happened",
                    status=None,
                    method=method,
                    path=path,
                ) from None
            raise _Transient(f"connection error ({type(exc).__name__})", status=None) from None
        assert response is not None  # noqa: S101 - python-jira returns or raises
        return self._handle(method, path, response, mode)

    def _handle(self, method: str, path: str, response: requests.Response, mode: RetryMode) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return {}
            return untrusted.loads(response.content)
        if status == 429 or (status >= 500 and mode != "once"):
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            raise _Transient(f"HTTP {status}", status=status, retry_after=retry_after)
        if status >= 500:
            raise AmbiguousWriteError(
                f"{method} {path}: HTTP {status}; the write may have happened",
                status=status,
                method=method,
                path=path,
            )
        raise self._fatal(method, path, status, _error_text(response))

    def _fatal(self, method: str, path: str, status: int, detail: str) -> JiraApiError:
        where = f"{method} {path} on source {self.source.name!r} ({self.source.rest_root})"
        auth = self.source.auth
        if status == 401:
            env = (
                f"{auth.email_env} and {auth.token_env}"
                if auth.kind == "cloud_token"
                else auth.token_env
            )
            hint = (
                "check the credentials in "
                + env
                + "; Cloud uses e-mail + API token, Data Center a personal access token; "
                "scoped tokens and service accounts need api_base "
                "https://api.atlassian.com/ex/jira/<cloudId>"
            )
            return JiraHttpConfigError(
                f"401 Unauthorized: {where}: {hint}", status=401, method=method, path=path
            )
        if status == 403:
            return JiraHttpConfigError(
                f"403 Forbidden: {where}: the connector account lacks a permission "
                "(Browse projects to read; Edit issues, Add comments, Edit own comments to "
                f"write back; see docs/jira.md). Jira said: {detail}",
                status=403,
                method=method,
                path=path,
            )
        if status == 404:
            return JiraHttpConfigError(
                f"404 Not Found: {where}: check base_url/api_base and deployment, and that the "
                f"issue or comment exists and is visible to the account. Jira said: {detail}",
                status=404,
                method=method,
                path=path,
            )
        return JiraApiError(
            f"HTTP {status}: {where}: {detail}", status=status, method=method, path=path
        )


def _error_text(response: requests.Response) -> str:
    """Jira's own error messages (``errorMessages``/``errors``), shortened."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(data, dict):
        return str(data)[:300]
    parts = [str(m) for m in data.get("errorMessages") or []]
    parts += [f"{k}: {v}" for k, v in (data.get("errors") or {}).items()]
    if data.get("message"):
        parts.append(str(data["message"]))
    return "; ".join(parts)[:300] or response.reason or ""
