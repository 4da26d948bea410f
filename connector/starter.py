"""``iso10002 init``: a commented starter config for Jira or Zendesk."""

from __future__ import annotations

_ZENDESK_SOURCE = """\
  - platform: zendesk
    name: support                      # unique; used in the store and in `status`
    subdomain: yourcompany             # or base_url: https://yourcompany.zendesk.com
    mapping: mappings/zendesk.yaml     # which tickets are complaints and where fields live
    auth:                              # secrets are read from these ENVIRONMENT VARIABLES
      type: oauth_client_credentials
      client_id_env: ZENDESK_CLIENT_ID
      client_secret_env: ZENDESK_CLIENT_SECRET
    # secrets_file: /etc/iso10002/secrets.env   # KEY=VALUE lines, after the environment
"""

_JIRA_SOURCE = """\
  - platform: jira
    name: complaints                   # unique; used in the store and in `status`
    base_url: https://yourcompany.atlassian.net
    deployment: auto                   # cloud | datacenter | auto
    mapping: mappings/jira.yaml        # which issues are complaints and where fields live
    auth:                              # secrets are read from these ENVIRONMENT VARIABLES
      kind: cloud_token                # Data Center: kind: pat, token_env: JIRA_PAT
      email_env: JIRA_EMAIL
      token_env: JIRA_API_TOKEN
"""

_COMMON = """\
store:
  url: sqlite:///iso10002.db           # or postgresql+psycopg://iso10002@db.internal/iso10002
  # password_env: ISO10002_DB_PASSWORD # PostgreSQL password, from the environment

policy: null                           # your policy file; null = the shipped ISO 10002 baseline
waivers: null                          # waivers file (approved, expiring exceptions)

writeback:
  mode: plan                           # off | plan (dry run: journal nothing, show plans) | apply

sync:
  initial_since: 2025-01-01T00:00:00Z  # the first sync reads changes since this time

schedule:
  sync_every_minutes: 5                # incremental sync
  reevaluate_every_minutes: 15         # open complaints re-checked (clocks running out); max 15
  reconcile_daily_at: "02:30"          # full reconciliation: deletions and drift

reports:                               # scheduled reports (written by the reports package)
  output_dir: reports
  schedule: null                       # e.g. "daily 06:00" or "weekly mon 07:00"

webhooks:                              # optional: near-real-time refresh of single tickets
{webhook}
server:
  host: 127.0.0.1                      # put a TLS-terminating reverse proxy in front
  port: 8080

api:
  keys_env: [ISO10002_API_KEY]         # each variable holds one accepted API key (Bearer)
"""

_WEBHOOK = {
    "zendesk": "  zendesk:\n    secret_env: ISO10002_ZENDESK_WEBHOOK_SECRET   # the webhook's signing "
    "secret\n    max_age_seconds: 300\n",
    "jira": "  jira:\n    secret_env: ISO10002_JIRA_WEBHOOK_SECRET      # the secret set on the Jira "
    "webhook\n",
}


def starter_config(platform: str) -> str:
    """The YAML text (comments included) for one ``jira`` or ``zendesk`` source."""
    source = _ZENDESK_SOURCE if platform == "zendesk" else _JIRA_SOURCE
    header = (
        "# iso10002 connector configuration (see docs/service.md for every key).\n"
        "# Secrets never go in this file: it names environment variables instead.\n"
    )
    return header + "sources:\n" + source + "\n" + _COMMON.format(webhook=_WEBHOOK[platform])
