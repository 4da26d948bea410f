"""Jira (Cloud and Data Center) as a :class:`~connector.platforms.base.Platform`
(delegates to ``connector/platforms/jira``)."""

from __future__ import annotations

import re
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
from connector.platforms.jira.settings import JiraSourceConfig
from connector.tally import Tally
from mappings.schema import MappingSpec

#: An issue key: project key, ``-``, a positive number. Jira's default project-key pattern is
#: ``[A-Z][A-Z0-9_]*``; some sites allow lowercase.
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[1-9][0-9]{0,17}")
_SIGNATURE = "x-hub-signature"

_STARTER_SOURCE = """\
  - platform: jira
    name: complaints                   # unique; used in the store and in `status`
    base_url: https://yourcompany.atlassian.net
    deployment: auto                   # cloud | datacenter | auto
    mapping: mappings/jira.yaml        # which issues are complaints and where fields live
    auth:                              # secrets are read from these ENVIRONMENT VARIABLES
      kind: cloud_token                # Data Center: kind: pat, token_env: JIRA_PAT
      email_env: JIRA_EMAIL
      token_env: JIRA_API_TOKEN
    # next_due:                        # work queue: a Date Picker field (init prints the filters)
    #   field_id: customfield_10200
"""


def _settings(source: SourceSettings) -> JiraSourceConfig:
    return settings_as(source, JiraSourceConfig)


class Jira(Platform):
    name: ClassVar[str] = "jira"
    settings_model = JiraSourceConfig
    webhook_headers = (_SIGNATURE,)
    ticket_noun = "an issue"
    forge_panel = True

    def incremental(self, source: SourceSettings, client: Client, spec: MappingSpec) -> IncrementalSource:
        from connector.platforms.jira.client import JiraClient
        from connector.platforms.jira.incremental import JiraIncremental

        return JiraIncremental(_settings(source), cast(JiraClient, client), spec)

    def connect(self, source: SourceSettings) -> Client:
        from connector.platforms.jira.commands import connect

        return connect(_settings(source))

    def probe(self, source: SourceSettings) -> str:
        from connector.platforms.jira.commands import connect

        me = connect(_settings(source)).myself()  # GET /rest/api/{2,3}/myself
        who = me.get("accountId") or me.get("key") or me.get("name")
        return f"authenticated as {who}"

    def is_ticket_id(self, value: str) -> bool:
        return _KEY.fullmatch(value) is not None or positive_int64(value)

    def site_url(self, source: SourceSettings) -> str | None:
        return _settings(source).base_url.rstrip("/")

    def evidence_link(self, source: SourceSettings, ticket: str, ref: str | None) -> str | None:
        kind, _, ident = (ref or "").partition(":")
        base = _settings(source).base_url.rstrip("/")
        if kind == "comment" and ident:
            return f"{base}/browse/{ticket}?focusedCommentId={ident}"
        return f"{base}/browse/{ticket}"

    def pull(self, source: SourceSettings, out: Path, *, since: datetime | None, cursor: JsonState,
             ticket: str | None, tally: Tally | None = None) -> PullResult:
        from connector.platforms.jira import commands

        return commands.pull(_settings(source), out, since=since, cursor=cursor, tally=tally)

    def writeback(self, source: SourceSettings, findings: Sequence[Finding], *, apply: bool,
                  client: Client | None = None, zone: tzinfo | None = None) -> WritebackReport:
        from connector.platforms.jira import commands
        from connector.platforms.jira.client import JiraClient

        return commands.writeback(_settings(source), findings, apply=apply,
                                  client=cast(JiraClient | None, client), zone=zone)

    def verify_webhook(self, secret: str, body: bytes, headers: Mapping[str, str], now: datetime,
                       max_age: timedelta) -> WebhookDelivery:
        from connector.service.webhooks import check_jira_fresh, jira_nudge, parse_json, verify_jira

        verify_jira(secret, body, headers.get(_SIGNATURE))
        payload = parse_json(body)
        check_jira_fresh(payload, now, max_age)  # the body carries its signed timestamp
        return WebhookDelivery(jira_nudge(payload), None)

    def starter_source(self) -> str:
        return _STARTER_SOURCE

    def queue_recipes(self) -> str:
        from connector.platforms.jira.recipes import queue_recipes

        return queue_recipes()

    def starter_webhook(self) -> str:
        return ("  jira:\n    secret_env: ISO10002_JIRA_WEBHOOK_SECRET      # the secret set on the Jira "
                "webhook\n")
