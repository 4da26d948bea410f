"""HTTP access to one Jira site: the shared HTTP core (:mod:`connector.http`), our retry
policy, clear errors.

python-jira is not used here: it only served as a session wrapper, and its public API offers
no session, hooks or per-call retry choice (its ``ResilientSession`` retries every method, POST
included, and sleeps 10-60 s; platform-jira.md §6). Every call therefore goes through the core:

* reads (GET, and POSTs that only read such as ``search/jql``): 429 honours ``Retry-After``
  (seconds or an HTTP date; Cloud also sends it on some 503s, platform-jira.md §6),
  5xx and connection errors back off exponentially with jitter, attempts are bounded;
* idempotent writes (PUT of labels/properties/comment body): same policy, a repeat is harmless;
* non-idempotent writes (POST of a comment): only a 429 is retried (Jira did not process it);
  anything ambiguous raises :class:`AmbiguousWriteError` so the caller re-reads first.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from connector import untrusted
from connector.http import (
    BearerAuth,
    CallStats,
    ConnectionTrouble,
    HttpCore,
    RequestHook,
    RetryPolicy,
    RetrySignal,
    build_session,
)
from connector.platforms.jira.errors import (
    AmbiguousWriteError,
    JiraApiError,
    JiraConfigError,
    JiraHttpConfigError,
)
from connector.platforms.jira.settings import Credentials, JiraSourceConfig

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
#: Jira's XSRF check refuses some non-browser writes without it (python-jira sends it too).
_HEADERS = {"X-Atlassian-Token": "no-check"}


def endpoint_of(method: str, path: str) -> str:
    """``PUT /rest/api/3/issue/{key}`` style name of a call, for counting."""
    for pattern, repl in _PATH_IDS:
        path = pattern.sub(repl, path)
    return f"{method.upper()} {path}"


class _Transient(RetrySignal):  # internal signal, never escapes the client
    """A failure worth retrying; ``retry_after`` is the server's wish, if any."""


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
        hooks: tuple[RequestHook, ...] = (),
    ) -> None:
        self.source = source
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        #: Known without asking (config or an Atlassian Cloud URL); else ``serverInfo`` settles it.
        self._deployment: Deployment | None = known_deployment(source)
        self._verified = False
        self._myself: dict[str, Any] | None = None
        token = credentials.token
        auth: AuthBase
        if credentials.email is not None:
            auth = HTTPBasicAuth(credentials.email, token.get_secret_value())  # Cloud
        else:
            auth = BearerAuth(token.get_secret_value)  # Data Center personal access token
        cfg = source.retry
        self.http = HttpCore(
            source.rest_root,
            name="Jira",
            endpoint=endpoint_of,
            policy=RetryPolicy(cfg.max_attempts, cfg.base_delay, cfg.max_delay,
                               cfg.max_retry_after, jitter="equal"),
            timeout=(source.timeouts.connect, source.timeouts.read),
            session=build_session(auth=auth, headers=_HEADERS),
            sleeper=sleeper,
            now=self._clock,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not security
        )
        for hook in hooks:
            self.http.add_hook(hook)

    @property
    def stats(self) -> CallStats:
        return self.http.stats

    def add_hook(self, hook: RequestHook) -> None:
        """Call ``hook`` with every request before it is sent (tests, benchmarks)."""
        self.http.add_hook(hook)

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
        def attempt() -> Any:
            return self._send_once(method, path, params, body, mode)

        try:
            return self.http.retrying(
                attempt,
                retry_if=lambda exc: isinstance(exc, _Transient),
                method=method,
                path=path,
            )
        except _Transient as exc:
            cls = AmbiguousWriteError if mode == "once" and exc.status != 429 else JiraApiError
            raise cls(
                f"{method} {path} failed after {self.source.retry.max_attempts} attempt(s): {exc}",
                status=exc.status,
                method=method,
                path=path,
            ) from None

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        mode: RetryMode,
    ) -> Any:
        try:
            response = self.http.send(method, path, params=params, json=body)
        except ConnectionTrouble as exc:
            if exc.reached and mode == "once":
                raise AmbiguousWriteError(
                    f"{method} {path}: {exc}; the write may have happened",
                    status=None,
                    method=method,
                    path=path,
                ) from None
            # A connect timeout never reached the server: safe to retry even a POST.
            raise _Transient(str(exc), status=None) from None
        return self._handle(method, path, response, mode)

    def _handle(self, method: str, path: str, response: requests.Response, mode: RetryMode) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return {}
            return untrusted.loads(response.content)
        if status == 429 or (status >= 500 and mode != "once"):
            retry_after = self.http.retry_after(response)
            raise _Transient(f"HTTP {status}", status=status, retry_after=retry_after)
        if status >= 500:
            raise AmbiguousWriteError(
                f"{method} {path}: HTTP {status}; the write may have happened",
                status=status,
                method=method,
                path=path,
            )
        raise self._fatal(method, path, status, _error_text(response), _field_errors(response))

    def _fatal(
        self, method: str, path: str, status: int, detail: str,
        field_errors: dict[str, str] | None = None,
    ) -> JiraApiError:
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
            f"HTTP {status}: {where}: {detail}", status=status, method=method, path=path,
            field_errors=field_errors,
        )


def _field_errors(response: requests.Response) -> dict[str, str]:
    """The ``errors`` map of Jira's ErrorCollection (field id -> message); empty if absent."""
    try:
        data = response.json()
    except ValueError:
        return {}
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, dict):
        return {}
    return {str(k): str(v) for k, v in errors.items()}


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
