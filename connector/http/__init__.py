"""The one HTTP core both platform clients (Zendesk, Jira) stand on.

Session set-up (user agent, auth hook, timeouts), retries with ``Retry-After``, call counting
per endpoint and request recording through hooks. Platform layers decide what an answer means
(which statuses are transient, which writes may be repeated); this package only carries it out.
"""

from __future__ import annotations

from connector.http.core import (
    TRANSIENT_EXCEPTIONS,
    USER_AGENT,
    ApiClient,
    BearerAuth,
    CallStats,
    ConnectionTrouble,
    HeaderAuth,
    HttpCore,
    ReadStats,
    RecordedRequest,
    RequestHook,
    RetryPolicy,
    RetrySignal,
    build_session,
    parse_retry_after,
)

__all__ = [
    "TRANSIENT_EXCEPTIONS",
    "USER_AGENT",
    "ApiClient",
    "BearerAuth",
    "CallStats",
    "ConnectionTrouble",
    "HeaderAuth",
    "HttpCore",
    "ReadStats",
    "RecordedRequest",
    "RequestHook",
    "RetryPolicy",
    "RetrySignal",
    "build_session",
    "parse_retry_after",
]
