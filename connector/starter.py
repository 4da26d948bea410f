"""``iso10002 init``: a commented starter config for Jira or Zendesk."""

from __future__ import annotations

from urllib.parse import urlsplit

from connector.config import SourceConfig
from connector.platforms.registry import platform_for

#: The account name in every platform's starter source (``starter_source``): a site still
#: named by it was not filled in yet.
PLACEHOLDER_ACCOUNT = "yourcompany"


def placeholder_site(source: SourceConfig) -> str | None:
    """The source's site when it is still the starter's placeholder, else None."""
    site = platform_for(source.platform).site_url(source)
    host = urlsplit(site or "").hostname or ""
    return site if host.split(".", 1)[0] == PLACEHOLDER_ACCOUNT else None

_COMMON = """\
store:
  url: sqlite:///iso10002.db           # or postgresql+psycopg://iso10002@db.internal/iso10002
  # password_env: ISO10002_DB_PASSWORD # PostgreSQL password, from the environment

policy: {policy}
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
  period: month                        # the last complete month | quarter | days:N, once each

webhooks:                              # optional: near-real-time refresh of single tickets
{webhook}
server:
  host: 127.0.0.1                      # put a TLS-terminating reverse proxy in front
  port: 8080

api:
  keys_env: [ISO10002_API_KEY]         # each variable holds one accepted API key (Bearer)
"""

#: The policy stub ``init`` writes beside the config: the shipped baseline, ready to override.
STARTER_POLICY = """\
# Your complaints policy: the shipped ISO 10002 baseline; override single values below.
# Regulated? Extend a pack instead (fca-disp, asic-rg271, cfpb, ...: see docs/regulatory.md).
extends: iso10002-baseline
name: my-complaints-policy
"""

#: What ``policy:`` says when no policy file is written beside the config.
_NO_POLICY = "null                           # your policy file; null = the shipped ISO 10002 baseline"


def starter_config(platform: str, policy: str | None = None) -> str:
    """The YAML text (comments included) for one source of ``platform`` (``jira``, ``zendesk``);
    ``policy``: the policy file it names (relative to the config), else the shipped baseline."""
    chosen = platform_for(platform)
    header = (
        "# iso10002 connector configuration (see docs/service.md for every key).\n"
        "# Secrets never go in this file: it names environment variables instead.\n"
    )
    named = f"{policy:<30} # your policy (extends the shipped ISO 10002 baseline)" if policy else _NO_POLICY
    common = _COMMON.format(webhook=chosen.starter_webhook(), policy=named)
    return header + "sources:\n" + chosen.starter_source() + "\n" + common
