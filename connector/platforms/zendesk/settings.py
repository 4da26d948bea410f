"""Connection settings of one Zendesk source, as written in the config file.

The file names *environment variables* (or keys of a secrets file); it never holds a secret
value itself. Bad config fails fast with the file name and the key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from compliance_checks.configfile import ConfigError, issues_from


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClientCredentialsAuth(_Strict):
    """OAuth ``client_credentials`` grant (confidential client; Zendesk since 2025-03)."""

    type: Literal["oauth_client_credentials"]
    client_id_env: str = "ZENDESK_CLIENT_ID"
    client_secret_env: str = "ZENDESK_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
    #: Export and write-back need ``read`` and ``write`` (audits need the global ``read``).
    scopes: tuple[str, ...] = ("read", "write")


class AccessTokenAuth(_Strict):
    """A pre-issued OAuth access token, optionally with a refresh token to renew it."""

    type: Literal["oauth_token"]
    access_token_env: str = "ZENDESK_ACCESS_TOKEN"  # noqa: S105 - a variable name, not a secret
    refresh_token_env: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None


class ApiTokenAuth(_Strict):
    """Basic auth ``{email}/token`` with an API token (fallback: retired on 2027-04-30)."""

    type: Literal["api_token"]
    email_env: str = "ZENDESK_EMAIL"
    token_env: str = "ZENDESK_API_TOKEN"  # noqa: S105 - a variable name, not a secret


AuthConfig = Annotated[
    ClientCredentialsAuth | AccessTokenAuth | ApiTokenAuth, Field(discriminator="type")
]


class RateLimitConfig(_Strict):
    """Client-side budgets, requests per minute (Zendesk's limits; see platform doc §5)."""

    #: Shared ``/api/v2/incremental/*`` budget: 10, or 30 with the High Volume add-on.
    incremental_per_minute: int = Field(default=10, ge=1, le=30)
    #: The account's plan budget (Team 200, Professional 400, Enterprise 700, HV 2500).
    account_per_minute: int = Field(default=200, ge=1, le=100_000)
    #: Attempts per request (first try included) on 5xx, dropped connections and 429.
    max_attempts: int = Field(default=6, ge=1, le=20)
    #: Exponential backoff base and cap, seconds (full jitter).
    backoff_base_seconds: float = Field(default=1.0, gt=0)
    backoff_max_seconds: float = Field(default=60.0, gt=0)
    #: Never wait longer than this for one ``Retry-After``.
    max_retry_after_seconds: float = Field(default=600.0, gt=0)


class NextDueConfig(_Strict):
    """Where the earliest open due date goes: a *date* custom ticket field, by id.

    The field holds ``YYYY-MM-DD`` (a date field has no time); the compact state goes in one
    ``iso10002-due-<state>`` tag in the same update (views filter and sort on both).
    """

    field_id: int = Field(ge=1)


class ZendeskSourceConfig(_Strict):
    """One Zendesk Support account to read from and write back to."""

    platform: Literal["zendesk"]
    name: str = Field(min_length=1)
    #: ``https://{subdomain}.zendesk.com`` (or the sandbox's loopback URL); or give ``subdomain``.
    base_url: str | None = None
    subdomain: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    mapping: Path = Path("mappings/zendesk.yaml")
    auth: AuthConfig
    #: KEY=VALUE file consulted after the environment (for service deployments).
    secrets_file: Path | None = None
    rate_limits: RateLimitConfig = Field(default_factory=RateLimitConfig)
    #: Cursor export page size (max 1000; lower it if pages time out).
    per_page: int = Field(default=1000, ge=1, le=1000)
    #: Ticket-event export page size (max 1000).
    events_per_page: int = Field(default=1000, ge=1, le=1000)
    include_metric_events: bool = False
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    read_timeout_seconds: float = Field(default=60.0, gt=0)
    #: Zendesk allows 30 queued/running jobs per account; stay well below to share it.
    max_concurrent_jobs: int = Field(default=5, ge=1, le=30)
    job_poll_interval_seconds: float = Field(default=2.0, gt=0)
    job_poll_max: int = Field(default=60, ge=1)
    #: Attempts of one note write (409 / unknown outcome -> re-read and re-plan).
    write_attempts: int = Field(default=4, ge=1, le=10)
    #: The API user's id, so our own writes read as CONNECTOR (filled from ``/users/me``).
    api_user_id: int | None = None
    #: Next-due write-back (off unless set): see docs/zendesk.md "Next-due field and views".
    next_due: NextDueConfig | None = None

    @model_validator(mode="after")
    def _one_address(self) -> ZendeskSourceConfig:
        if (self.base_url is None) == (self.subdomain is None):
            raise ValueError("give exactly one of base_url and subdomain")
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with https:// (http:// only for the sandbox)")
        return self

    @property
    def api_root(self) -> str:
        """The account URL without a trailing slash."""
        if self.base_url is not None:
            return self.base_url.rstrip("/")
        return f"https://{self.subdomain}.zendesk.com"


def parse_source_config(data: Any, *, origin: str, key_prefix: str = "") -> ZendeskSourceConfig:
    """Validate a source config mapping, naming ``origin`` and the key path on error.

    Args:
        data: The parsed YAML/JSON mapping of one source.
        origin: The config file name, quoted in error messages.
        key_prefix: Where the mapping sits in the file (``sources.support``).

    Raises:
        ConfigError: Every problem, each as ``file: key.path: message``.
    """
    try:
        return ZendeskSourceConfig.model_validate(data)
    except ValidationError as exc:
        prefix = [part for part in key_prefix.split(".") if part]
        raise ConfigError(issues_from(exc, origin, prefix)) from None
