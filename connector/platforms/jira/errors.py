"""Errors of the Jira connector. Messages say what to fix; none carries a secret."""

from __future__ import annotations


class JiraError(Exception):
    """Base class of everything the Jira connector raises on purpose."""


class JiraConfigError(JiraError):
    """The configuration (URL, credentials, permissions, mapping) needs fixing."""


class JiraApiError(JiraError):
    """Jira answered with an error we cannot recover from by retrying."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        method: str,
        path: str,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        #: The ``errors`` map of Jira's ErrorCollection (field id -> message), e.g. a field
        #: refused because it is not on the edit screen.
        self.field_errors: dict[str, str] = field_errors or {}


class JiraHttpConfigError(JiraApiError, JiraConfigError):
    """401/403/404: a configuration problem surfaced by an HTTP answer."""


class AmbiguousWriteError(JiraApiError):
    """A non-idempotent write may or may not have happened (connection dropped, 5xx).

    The caller must re-read before retrying, or it risks a duplicate (e.g. a second comment).
    """
