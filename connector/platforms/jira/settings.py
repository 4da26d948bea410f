"""Configuration of one Jira source: where, how to authenticate, how hard to push.

Secrets are never in the file: the file names the *environment variables* that hold them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connector.platforms.jira.errors import JiraConfigError


class CloudAuth(BaseModel):
    """Jira Cloud: e-mail + API token (HTTP Basic)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["cloud_token"] = "cloud_token"
    email_env: str = "JIRA_EMAIL"
    token_env: str = "JIRA_API_TOKEN"  # noqa: S105 - a variable name, not a secret


class PatAuth(BaseModel):
    """Jira Data Center: personal access token (Bearer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pat"] = "pat"
    token_env: str = "JIRA_PAT"  # noqa: S105 - a variable name, not a secret


class CommentVisibility(BaseModel):
    """How our one comment is kept internal.

    ``jsm_internal``: the ``sd.public.comment`` property (Service Management projects);
    ``role``/``group``: Jira visibility restriction (plain Jira projects).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["jsm_internal", "role", "group"] = "jsm_internal"
    #: Role or group name (for ``role``/``group``).
    value: str | None = None
    #: Group id (preferred by Jira Cloud for groups, since names change).
    identifier: str | None = None

    @field_validator("value")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value else value

    @model_validator(mode="after")
    def _needs_target(self) -> CommentVisibility:
        if self.kind != "jsm_internal" and not (self.value or self.identifier):
            raise ValueError(f"visibility kind {self.kind!r} needs value (name) or identifier")
        return self


class Timeouts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=60.0, gt=0)


class RetrySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=5, ge=1, le=20)
    #: First backoff delay (seconds); doubles per attempt, with jitter, capped at ``max_delay``.
    base_delay: float = Field(default=1.0, ge=0)
    max_delay: float = Field(default=60.0, ge=0)
    #: Upper bound for a server-requested ``Retry-After`` (seconds).
    max_retry_after: float = Field(default=300.0, ge=0)


class PageSizes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    search: int = Field(default=100, ge=1, le=5000)
    #: Issues per changelog bulk fetch (API maximum 1000).
    bulkfetch_issues: int = Field(default=1000, ge=1, le=1000)
    #: Histories per bulk-fetch page (API maximum 10000).
    bulkfetch_histories: int = Field(default=10000, ge=1, le=10000)
    comments: int = Field(default=100, ge=1, le=5000)
    #: Issues per write-state read (Cloud issue bulkfetch allows 100).
    state_read: int = Field(default=100, ge=1, le=100)


class NextDueField(BaseModel):
    """Where the earliest open due date goes: a *date picker* custom field (``YYYY-MM-DD``),
    set in the same ``PUT /issue`` as the labels; the compact state is one
    ``iso10002-due-<state>`` label. JQL sorts on it with ``ORDER BY cf[<number>]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field_id: str = Field(pattern=r"^customfield_[0-9]+$")


class JiraSourceConfig(BaseModel):
    """One Jira site as configured in the connector's config file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Literal["jira"]
    name: str
    base_url: str
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    #: Scoped API tokens / service accounts: ``https://api.atlassian.com/ex/jira/{cloudId}``.
    api_base: str | None = None
    mapping: Path
    auth: CloudAuth | PatAuth = Field(discriminator="kind")
    timeouts: Timeouts = Field(default_factory=Timeouts)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    page_sizes: PageSizes = Field(default_factory=PageSizes)
    comment_visibility: CommentVisibility = Field(default_factory=CommentVisibility)
    #: Re-read this many seconds before the cursor (search is eventually consistent).
    overlap_seconds: int = Field(default=300, ge=0)
    #: Send ``notifyUsers=false`` on our edits (needs admin rights, else Jira ignores it).
    notify_users: bool = False
    #: Next-due write-back (off unless set): see docs/jira.md "Next-due field and filters".
    next_due: NextDueField | None = None

    @field_validator("base_url", "api_base")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local sandbox)")
        return value.rstrip("/")

    @property
    def rest_root(self) -> str:
        """Where REST calls go (the scoped-token gateway when configured)."""
        return self.api_base or self.base_url


class Credentials(BaseModel):
    """Secrets read from the environment; reprs never show them."""

    model_config = ConfigDict(frozen=True)

    email: str | None = None
    token: SecretStr


def resolve_credentials(
    source: JiraSourceConfig, environ: dict[str, str] | None = None
) -> Credentials:
    """Read the secrets named by ``source.auth`` from the environment, failing clearly."""
    env = dict(os.environ) if environ is None else environ
    auth = source.auth

    def need(var: str) -> str:
        value = env.get(var, "").strip()
        if not value:
            raise JiraConfigError(
                f"source {source.name!r}: environment variable {var} is not set "
                f"(auth.{'token_env' if var == auth.token_env else 'email_env'})"
            )
        return value

    if isinstance(auth, CloudAuth):
        return Credentials(email=need(auth.email_env), token=SecretStr(need(auth.token_env)))
    return Credentials(token=SecretStr(need(auth.token_env)))


def parse_source(data: object, *, origin: str) -> JiraSourceConfig:
    """Validate a source block; errors name ``origin`` (the file) and the key path."""
    try:
        return JiraSourceConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise JiraConfigError(f"{origin}: invalid Jira source: {problems}") from None
