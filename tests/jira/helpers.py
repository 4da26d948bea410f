"""Builders shared by the Jira tests: configs, clients, payloads from real fixture shapes."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.settings import Credentials, JiraSourceConfig
from devtools.sandboxes.jira import SandboxServer
from devtools.sandboxes.jira.model import BOT
from mappings.schema import MappingSpec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "jira"
CLOUD = "https://example.atlassian.net"
DC = "https://jira.example.org"
TOKEN = "s3cr3t-T0KEN-value-xyz"
EMAIL = "bot@example.org"
CREDS = Credentials(email=EMAIL, token=SecretStr(TOKEN))
PAT = Credentials(token=SecretStr(TOKEN))
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def source(deployment: str = "cloud", **overrides: Any) -> JiraSourceConfig:
    data: dict[str, Any] = {
        "platform": "jira",
        "name": "test-site",
        "base_url": CLOUD if deployment != "datacenter" else DC,
        "deployment": deployment,
        "mapping": "mappings/jira.yaml",
        "auth": {"kind": "cloud_token"} if deployment != "datacenter" else {"kind": "pat"},
        "retry": {"max_attempts": 4, "base_delay": 1.0, "max_delay": 8.0},
    }
    data.update(overrides)
    return JiraSourceConfig.model_validate(data)


class Sleeper:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client(src: JiraSourceConfig | None = None, sleeper: Sleeper | None = None) -> JiraClient:
    src = src or source()
    creds = PAT if src.auth.kind == "pat" else CREDS
    return JiraClient(
        src, creds, sleeper=sleeper or Sleeper(), clock=lambda: NOW, rng=random.Random(7)
    )


def spec(**select: Any) -> MappingSpec:
    return MappingSpec.model_validate(
        {
            "platform": "jira",
            "name": "test",
            "select": select or {"projects": ["CMP"], "any_of": {"issue_types": ["Complaint"]}},
            "status": {"stages": {"Open": "received", "Done": "closed"}},
            "severity": {"map": {"High": "high"}},
            "fields": {"category": {"custom_field": 10050}},
            "escalation": {"fields": ["customfield_10060"]},
        }
    )


def issue(
    n: int,
    updated: str,
    *,
    comments: int = 2,
    total: int | None = None,
    key_prefix: str = "CMP",
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A search-result issue from the Airbyte Cloud fixture, with `comments` embedded."""
    base = copy.deepcopy(load("airbyte_issues.json")["issues"][0])
    for extra in ("projectId", "projectKey", "created", "updated"):
        base.pop(extra, None)  # Airbyte adds these; Jira does not send them
    template = load("airbyte_issue_comments.json")["comments"][0]
    embedded = []
    for i in range(comments):
        c = copy.deepcopy(template)
        c["id"] = str(n * 100 + i)
        embedded.append(c)
    base["id"] = str(10000 + n)
    base["key"] = f"{key_prefix}-{n}"
    base["fields"]["updated"] = updated
    base["fields"]["comment"] = {
        "comments": embedded,
        "maxResults": len(embedded),
        "total": comments if total is None else total,
        "startAt": 0,
    }
    if properties is not None:
        base["properties"] = properties
    return base


def mapping_file(directory: Path, mapping: MappingSpec | None = None) -> Path:
    """Write a mapping YAML the commands can load."""
    import yaml

    path = directory / "jira-mapping.yaml"
    data = (mapping or spec()).model_dump(mode="json", by_alias=True, exclude_none=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def finding(ticket: str, check: str = "ISO10002-ACK-001", status: str = "FAIL", **kw: Any) -> Any:
    from compliance_checks.findings import FINDING_JSON

    data: dict[str, Any] = {
        "ticket": ticket,
        "platform": "jira",
        "check": check,
        "title": "Acknowledged in time",
        "status": status,
        "clauses": ("7.4",),
        "severity": "high",
        "message": "No acknowledgement recorded within 2 business days.",
    }
    data.update(kw)
    return FINDING_JSON.validate_python(data)


def sandbox_source(server: SandboxServer, tmp_path: Path, **overrides: Any) -> JiraSourceConfig:
    """A source reading the in-thread sandbox ``server`` with the test mapping (our bot known;
    the generator's project CS)."""
    mapping = spec(projects=["CS"], any_of={"issue_types": ["Complaint"]})
    mapping = mapping.model_copy(
        update={"actors": mapping.actors.model_copy(update={"connector_accounts": [BOT]})}
    )
    data: dict[str, Any] = {
        "platform": "jira",
        "name": "sandbox",
        "base_url": server.url,
        "deployment": server.state.mode,
        "mapping": str(mapping_file(tmp_path, mapping)),
        "auth": {"kind": "cloud_token"} if server.state.mode == "cloud" else {"kind": "pat"},
        "retry": {"max_attempts": 4, "base_delay": 0.0, "max_delay": 0.0},
    }
    data.update(overrides)
    return JiraSourceConfig.model_validate(data)
