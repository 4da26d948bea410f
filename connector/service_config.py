"""Settings of the sync service: store, policy, write-back, schedule, webhooks, API, reports.

Part of ``iso10002.yaml`` (see :class:`connector.config.AppConfig`). Secrets are named by
environment variable, never written in the file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from report_templates.input import ROWS_PER_VOLUME

_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoreConfig(_Strict):
    #: ``sqlite:///iso10002.db`` (relative to the working directory) or
    #: ``postgresql+psycopg://user@host/db`` (password from ``password_env``).
    url: str = "sqlite:///iso10002.db"
    password_env: str | None = None

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("store url must be sqlite:///FILE or postgresql+psycopg://…")
        if value.startswith("postgresql") and "@" in value and ":" in value.split("@")[0].split("//")[-1]:
            raise ValueError("do not put the password in the URL; name it with store.password_env")
        return value


class WritebackConfig(_Strict):
    #: ``off``: never; ``plan``: journal the plans only (dry run); ``apply``: write to the helpdesk.
    mode: Literal["off", "plan", "apply"] = "plan"

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted ``off`` (also ``no``, ``false``) as false. The only enum of
        # this file with an off/on-like value, so false means "off" here and nowhere else.
        if value is False:
            return "off"
        if value is True:
            raise ValueError("YAML read this as true (on/yes/true): write off, plan or apply")
        return value


class SyncConfig(_Strict):
    #: The first sync reads changes since this time (later syncs continue from the cursor).
    initial_since: AwareDatetime = datetime(2020, 1, 1, tzinfo=UTC)


class ScheduleConfig(_Strict):
    sync_every_minutes: float = Field(default=5, gt=0, le=1440)
    #: Open complaints are re-evaluated at least this often, so running clocks become findings.
    reevaluate_every_minutes: float = Field(default=15, gt=0, le=15)
    #: Daily full reconciliation (deletions, drift), local time ``HH:MM``.
    reconcile_daily_at: str = Field(default="02:30", pattern=_TIME)


class ReportEmailConfig(_Strict):
    """Email the scheduled reports (SMTP; credentials named by variable, never in the file)."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    #: Upgrade the connection with STARTTLS before anything is sent (needed for credentials).
    starttls: bool = True
    #: PEM file of the CA that signs the server's certificate (default: the system's CAs).
    ca_file: Path | None = None
    username_env: str | None = None
    password_env: str | None = None
    #: ``KEY=VALUE`` file read after the environment (like a source's ``secrets_file``).
    secrets_file: Path | None = None
    sender: str = Field(min_length=3, pattern=r"@")
    to: tuple[str, ...] = Field(min_length=1)
    timeout_seconds: float = Field(default=60, gt=0, le=600)
    #: Reports larger than this in total are not attached; the email lists where they are.
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=0)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if "@" not in a or any(c in a for c in " ,;<>\r\n")]
        if bad:
            raise ValueError(f"not an email address: {bad}")
        return value

    @model_validator(mode="after")
    def _credentials_need_tls(self) -> ReportEmailConfig:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("set both username_env and password_env, or neither")
        if self.username_env is not None and not self.starttls:
            raise ValueError("credentials are only sent after STARTTLS: set starttls: true")
        return self


#: What the service renders when ``outputs`` is not set: ``<kind>.<format>``.
DEFAULT_OUTPUTS = ("register.xlsx", "kpi.html", "audit.html", "audit.json", "review.html")


class ReportsConfig(_Strict):
    """Scheduled reports (``connector.reports.scheduled``; see docs/reports.md)."""

    output_dir: Path = Path("reports")
    #: Directory whose templates override the shipped ones (``iso10002 report --templates``).
    templates_dir: Path | None = None
    #: Pseudonymise complainants and drop contact details and free text in every scheduled
    #: report, and in ``iso10002 report`` from this store (``--redact``).
    redact: bool = False
    #: When to look for a newly completed period: ``daily HH:MM`` or ``weekly <mon..sun> HH:MM``;
    #: None = no scheduled reports.
    schedule: str | None = Field(
        default=None,
        pattern=r"^(daily|weekly (mon|tue|wed|thu|fri|sat|sun)) ([01]\d|2[0-3]):[0-5]\d$",
    )
    #: ``month``, ``quarter`` or ``days:N`` (blocks of N days counted from ``period_anchor``):
    #: each run reports the last complete one (and missed ones, ``catch_up``), in the policy's
    #: time zone, once.
    period: str = Field(default="month", pattern=r"^(month|quarter|days:[1-9]\d{0,2})$")
    period_anchor: date = date(2024, 1, 1)
    #: Each run also delivers up to this many earlier complete periods that were missed (the
    #: service was down or failing when they ended), oldest first; 0 = only the last one.
    catch_up: int = Field(default=3, ge=0, le=24, strict=True)
    #: ``<kind>.<format>`` per file, e.g. ``audit.pdf``, ``register.xlsx``.
    outputs: tuple[str, ...] = Field(default=DEFAULT_OUTPUTS, min_length=1)
    #: A register or audit PDF with a longer table is delivered as volumes of this many rows
    #: (``register-<label>.pdf``, ``register-<label>.vol2-of-N.pdf``, ...; all in the manifest).
    pdf_volume_rows: int = Field(default=ROWS_PER_VOLUME, ge=100)
    email: ReportEmailConfig | None = None

    @field_validator("outputs")
    @classmethod
    def _known_outputs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from report_templates.kinds import registry  # the views: only when outputs are given

        kinds = registry()
        for output in value:
            name, _, fmt = output.rpartition(".")
            if name not in kinds:
                raise ValueError(f"{output!r}: unknown report {name!r}; known: {sorted(kinds)}")
            if fmt not in {f.value for f in kinds[name].formats}:
                formats = [f.value for f in kinds[name].formats]
                raise ValueError(f"{output!r}: {name} has no format {fmt!r}; it has {formats}")
        if len(set(value)) != len(value):
            raise ValueError("an output is listed twice")
        return value


class ZendeskWebhookConfig(_Strict):
    #: Environment variable holding the webhook's signing secret.
    secret_env: str = "ISO10002_ZENDESK_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    #: Deliveries whose signature timestamp is older (or further in the future) are rejected.
    max_age_seconds: int = Field(default=300, ge=10, le=3600)
    #: Which Zendesk source the webhook belongs to (default: the only Zendesk source).
    source: str | None = None


class JiraWebhookConfig(_Strict):
    secret_env: str = "ISO10002_JIRA_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    #: Deliveries whose signed body ``timestamp`` is older (or further in the future) are rejected.
    max_age_seconds: int = Field(default=300, ge=10, le=3600)
    source: str | None = None


class WebhooksConfig(_Strict):
    zendesk: ZendeskWebhookConfig | None = None
    jira: JiraWebhookConfig | None = None
    #: Larger webhook bodies get 413 before they are read (or as soon as a chunked one passes it).
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)


class ServerConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class ForgeSite(_Strict):
    """The Jira site (and the app's installation on it) whose invocation tokens read one source."""

    #: The token's ``context.cloudId``.
    cloud_id: str = Field(min_length=1)
    #: The token's ``app.installationId`` (``ari:cloud:ecosystem::installation/…``).
    installation_id: str = Field(min_length=1)


class ForgeConfig(_Strict):
    """Forge remote calls (the Jira issue panel): verify Atlassian's invocation token (RS256 JWT)."""

    #: The Forge app id (``ari:cloud:ecosystem::app/…``): the token's audience.
    app_id: str
    #: The JWKS that signs invocation tokens: a local file (tests, air-gapped) or a URL.
    jwks_file: Path | None = None
    jwks_url: str | None = None
    #: Accepted clock skew when checking ``exp``/``nbf``.
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    #: Jira source name -> the site and installation whose tokens may read that source's tickets.
    #: A token from any other site or installation is refused (403).
    sites: dict[str, ForgeSite] = Field(min_length=1)


class UiUser(_Strict):
    #: An argon2 hash (``iso10002 hash-password``), never the password.
    password_hash: str = Field(pattern=r"^\$argon2(id|i|d)\$")


class UiConfig(_Strict):
    """The ``/ui`` dashboard: read-only pages plus a CSRF-protected Re-check. Off unless users or a
    trusted proxy header are configured (docs/service.md)."""

    #: Username -> argon2 hash: the login form checks these.
    users: dict[str, UiUser] = Field(default_factory=dict)
    #: Environment variable holding the key that signs session cookies (at least 32 characters).
    session_secret_env: str = "ISO10002_UI_SESSION_SECRET"  # noqa: S105 - a variable name
    session_max_age_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    #: Mark the session cookie ``Secure`` (set when the service is reached over TLS, e.g. behind a proxy).
    secure_cookies: bool = False
    #: A reverse proxy that has already authenticated the user (oauth2-proxy) names them in this
    #: header; it is believed only from ``trusted_proxies`` (client addresses of the proxy).
    trusted_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    #: Rows per register page.
    page_size: int = Field(default=50, ge=10, le=500)
    #: The work queue lists this many of the most urgent tickets (the counts by team and owner
    #: above it cover them all).
    queue_limit: int = Field(default=200, ge=1, le=2000)

    @model_validator(mode="after")
    def _proxy_needs_addresses(self) -> UiConfig:
        if self.trusted_header and not self.trusted_proxies:
            raise ValueError("ui.trusted_header needs ui.trusted_proxies (the proxy's addresses)")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.users) or self.trusted_header is not None


class ApiConfig(_Strict):
    #: Environment variables each holding one accepted API key (``Authorization: Bearer KEY``).
    keys_env: tuple[str, ...] = ("ISO10002_API_KEY",)
    #: Browser origins allowed to call the API directly (CORS). Not needed through the Zendesk
    #: proxy or Forge remotes (both call server-side); empty = no CORS headers.
    cors_origins: tuple[str, ...] = ()
    #: Forge invocation tokens are accepted when this is set.
    forge: ForgeConfig | None = None
    #: ``POST …/refresh`` limits: one per ticket per this many seconds, and per key per minute.
    refresh_ticket_seconds: float = Field(default=30, ge=0)
    refresh_key_per_minute: int = Field(default=20, ge=1)
