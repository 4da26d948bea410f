"""Zendesk as a :class:`~connector.platforms.base.Platform` (delegates to ``connector/platforms/zendesk``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import ClassVar, cast

from compliance_checks.findings import Finding
from connector.platforms.base import (
    Client,
    IncrementalSource,
    JsonState,
    Platform,
    PullResult,
    SourceSettings,
    WebhookDelivery,
    WritebackReport,
    positive_int64,
    settings_as,
)
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.tally import Tally
from mappings.schema import MappingSpec

_SIGNATURE = "x-zendesk-webhook-signature"
_TIMESTAMP = "x-zendesk-webhook-signature-timestamp"

_STARTER_SOURCE = """\
  - platform: zendesk
    name: support                      # unique; used in the store and in `status`
    subdomain: yourcompany             # or base_url: https://yourcompany.zendesk.com
    mapping: mappings/zendesk.yaml     # which tickets are complaints and where fields live
    auth:                              # secrets are read from these ENVIRONMENT VARIABLES
      type: oauth_client_credentials
      client_id_env: ZENDESK_CLIENT_ID
      client_secret_env: ZENDESK_CLIENT_SECRET
    # secrets_file: /etc/iso10002/secrets.env   # KEY=VALUE lines, after the environment
    # next_due:                        # work queue: a Date ticket field (init prints the views)
    #   field_id: 360000000060
"""


def _settings(source: SourceSettings) -> ZendeskSourceConfig:
    return settings_as(source, ZendeskSourceConfig)


class Zendesk(Platform):
    name: ClassVar[str] = "zendesk"
    settings_model = ZendeskSourceConfig
    webhook_headers = (_SIGNATURE, _TIMESTAMP)
    # A ticket's events arrive in a stream apart from the ticket: large inputs wait on disk.
    spills_history = True

    def incremental(self, source: SourceSettings, client: Client, spec: MappingSpec) -> IncrementalSource:
        from connector.platforms.zendesk.http import ZendeskClient
        from connector.platforms.zendesk.incremental import ZendeskIncremental

        return ZendeskIncremental(_settings(source), cast(ZendeskClient, client), spec)

    def connect(self, source: SourceSettings) -> Client:
        from connector.platforms.zendesk.commands import open_client
        from connector.platforms.zendesk.secrets import SecretSource

        settings = _settings(source)
        return open_client(settings, secrets=SecretSource(settings.secrets_file))

    def probe(self, source: SourceSettings) -> str:
        from connector.platforms.zendesk.commands import check_credentials
        from connector.platforms.zendesk.http import ZendeskClient

        client = self.connect(source)
        assert isinstance(client, ZendeskClient)  # noqa: S101 - connect() makes one
        # GET /api/v2/users/me: a 200 "Anonymous user" means the credentials were refused; the
        # incremental exports need an admin.
        user = check_credentials(client, need_admin=True)
        return f"authenticated as user {user['id']} (role {user.get('role')})"

    def own_accounts(self, source: SourceSettings) -> set[str]:
        user = _settings(source).api_user_id
        return set() if user is None else {str(user)}

    def is_ticket_id(self, value: str) -> bool:
        return positive_int64(value)

    def site_url(self, source: SourceSettings) -> str | None:
        return _settings(source).api_root

    def evidence_link(self, source: SourceSettings, ticket: str, ref: str | None) -> str | None:
        # The agent UI has no per-comment anchor.
        return f"{_settings(source).api_root}/agent/tickets/{ticket}"

    def pull(self, source: SourceSettings, out: Path, *, since: datetime | None, cursor: JsonState,
             ticket: str | None, tally: Tally | None = None) -> PullResult:
        from connector.platforms.zendesk import commands

        return commands.pull(_settings(source), out, start_time=since, cursor=cursor,
                             ticket_id=int(ticket) if ticket else None, tally=tally)

    def writeback(self, source: SourceSettings, findings: Sequence[Finding], *, apply: bool,
                  client: Client | None = None, zone: tzinfo | None = None) -> WritebackReport:
        from connector.platforms.zendesk import commands
        from connector.platforms.zendesk.http import ZendeskClient

        return commands.writeback(_settings(source), list(findings), apply=apply,
                                  client=cast(ZendeskClient | None, client), zone=zone)

    def verify_webhook(self, secret: str, body: bytes, headers: Mapping[str, str], now: datetime,
                       max_age: timedelta) -> WebhookDelivery:
        from connector.service.webhooks import parse_json, verify_zendesk, zendesk_nudge

        stamp = headers.get(_TIMESTAMP)
        verify_zendesk(secret, body, headers.get(_SIGNATURE), stamp, now, max_age)
        return WebhookDelivery(zendesk_nudge(parse_json(body)), stamp)

    def starter_source(self) -> str:
        return _STARTER_SOURCE

    def queue_recipes(self) -> str:
        from connector.platforms.zendesk.recipes import queue_recipes

        return queue_recipes()

    def starter_webhook(self) -> str:
        return ("  zendesk:\n    secret_env: ISO10002_ZENDESK_WEBHOOK_SECRET   # the webhook's signing "
                "secret\n    max_age_seconds: 300\n")
