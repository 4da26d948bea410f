"""The command line end to end against the local sandboxes: pull -> check -> writeback -> again.

Everything goes through ``iso10002`` commands with a config file and secrets in the
environment, as a user would run them; the second round must plan nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from connector.cli import app
from devtools.sandboxes.jira import SandboxServer as JiraSandbox
from devtools.sandboxes.jira import make_state
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN
from devtools.sandboxes.zendesk import SandboxServer as ZendeskSandbox
from devtools.sandboxes.zendesk import SandboxState
from devtools.sandboxes.zendesk.model import API_USER_ID

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-22T09:00:00+00:00"
runner = CliRunner()
#: What ``pull`` and ``writeback`` print, for users and their scripts: keys never drop or move.
PULL_KEYS = ["platform", "out", "cursor", "lines", "tickets", "api_calls", "calls_by_endpoint"]
WRITEBACK_KEYS = ["applied", "plans", "results", "summary", "api_calls", "calls_by_endpoint"]
SUMMARY_KEYS = ["tickets", "changes_planned", "written", "unchanged", "skipped", "failed"]


def assert_writeback_json(output: str, ticket_keys: set[str]) -> None:
    doc = json.loads(output)
    assert list(doc) == WRITEBACK_KEYS
    assert list(doc["summary"]) == SUMMARY_KEYS
    assert doc["results"]
    assert all(ticket_keys | {"ticket", "outcome", "error"} <= set(r) for r in doc["results"])


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def check_json(tmp_path: Path, platform: str, mapping: Path, *inputs: Path) -> Path:
    args = ["check", "--platform", platform, "--mapping", str(mapping), "--as-of", AS_OF, "--format", "json"]
    for path in inputs:
        args += ["--input", str(path)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    out = tmp_path / f"findings-{len(list(tmp_path.glob('findings-*')))}.json"
    out.write_text(result.stdout, encoding="utf-8")
    return out


@pytest.fixture
def jira_cloud() -> Iterator[JiraSandbox]:
    with JiraSandbox(make_state(mode="cloud", seed=5, issues=30)) as server:
        yield server


@pytest.fixture
def zendesk() -> Iterator[ZendeskSandbox]:
    with ZendeskSandbox(SandboxState.seeded(3, 30, start=1_780_000_000)) as server:
        yield server


def test_jira_pull_check_writeback_then_nothing_to_write(
    jira_cloud: JiraSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_EMAIL", DEFAULT_EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", DEFAULT_TOKEN)
    mapping = yaml.safe_load((REPO / "mappings" / "jira.yaml").read_text(encoding="utf-8"))
    mapping["select"]["projects"] = ["CS"]
    mapping["actors"]["connector_accounts"] = [BOT]
    mapping_path = write_yaml(tmp_path / "jira-mapping.yaml", mapping)
    config = write_yaml(
        tmp_path / "iso10002.yaml",
        {
            "sources": [
                {
                    "platform": "jira",
                    "name": "sandbox",
                    "base_url": jira_cloud.url,
                    "deployment": "cloud",
                    "mapping": "jira-mapping.yaml",
                    "auth": {"kind": "cloud_token"},
                    "retry": {"max_attempts": 3, "base_delay": 0.0, "max_delay": 0.0},
                }
            ]
        },
    )
    state = tmp_path / "state.json"
    pulled = invoke(
        "pull",
        "--platform",
        "jira",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "1.jsonl"),
        "--state",
        str(state),
    )
    assert pulled.exit_code == 0, pulled.output
    assert json.loads(state.read_text())["sandbox"]["since"], "the cursor is kept after success"
    assert DEFAULT_TOKEN not in pulled.output
    printed = json.loads(pulled.stdout)
    assert list(printed) == [*PULL_KEYS, "deployment", "truncated_comments", "duplicates_skipped",
                            "comment_visibility_reads", "comment_visibility_failed"]
    assert list(printed["cursor"]) == ["since", "boundary"]

    findings = check_json(tmp_path, "jira", mapping_path, tmp_path / "1.jsonl")
    flagged = [f for f in json.loads(findings.read_text())["findings"] if f["status"] in ("FAIL", "AT_RISK")]
    assert flagged, "the generated sandbox data has non-compliant complaints"

    applied = invoke(
        "writeback", "--platform", "jira", "--config", str(config), "--findings", str(findings), "--apply"
    )
    assert applied.exit_code == 0, applied.output
    assert_writeback_json(applied.stdout, {"comment", "comment_id", "labels_added", "labels_removed"})
    issues = jira_cloud.state.store.issues.values()
    labels = {label for issue in issues for label in issue.fields.get("labels") or ()}
    assert "iso10002-noncompliant" in labels

    # Second round: the complete history again, our own edits included, must plan nothing.
    invoke("pull", "--platform", "jira", "--config", str(config), "--out", str(tmp_path / "2.jsonl"))
    again = check_json(tmp_path, "jira", mapping_path, tmp_path / "2.jsonl")
    planned = invoke(
        "writeback", "--platform", "jira", "--config", str(config), "--findings", str(again), "--dry-run"
    )
    assert planned.exit_code == 0, planned.output
    plans = json.loads(planned.stdout)["plans"]
    assert plans
    assert [p["ticket"] for p in plans if not p["is_empty"]] == []


def test_zendesk_pull_check_writeback_then_nothing_to_write(
    zendesk: ZendeskSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZD_ID", "sandbox-client")
    monkeypatch.setenv("ZD_SECRET", "sandbox-secret")
    mapping = yaml.safe_load((REPO / "mappings" / "zendesk.yaml").read_text(encoding="utf-8"))
    mapping["actors"]["connector_accounts"] = [str(API_USER_ID)]
    mapping_path = write_yaml(tmp_path / "zendesk-mapping.yaml", mapping)
    config = write_yaml(
        tmp_path / "iso10002.yaml",
        {
            "sources": [
                {
                    "platform": "zendesk",
                    "name": "sandbox",
                    "base_url": zendesk.base_url,
                    "mapping": "zendesk-mapping.yaml",
                    "auth": {
                        "type": "oauth_client_credentials",
                        "client_id_env": "ZD_ID",
                        "client_secret_env": "ZD_SECRET",
                    },
                    "rate_limits": {"account_per_minute": 700},
                }
            ]
        },
    )
    state = tmp_path / "state.json"
    first = tmp_path / "1.jsonl"
    pulled = invoke(
        "pull",
        "--platform",
        "zendesk",
        "--config",
        str(config),
        "--out",
        str(first),
        "--since",
        "2025-01-01T00:00:00+00:00",
        "--state",
        str(state),
    )
    assert pulled.exit_code == 0, pulled.output
    assert "sandbox-secret" not in pulled.output
    assert list(json.loads(pulled.stdout)) == [
        *PULL_KEYS, "complaints", "deleted_tickets", "ticket_events", "metric_events", "agents"]
    findings = check_json(tmp_path, "zendesk", mapping_path, first)
    assert any(f["status"] == "FAIL" for f in json.loads(findings.read_text())["findings"])

    applied = invoke(
        "writeback", "--platform", "zendesk", "--config", str(config), "--findings", str(findings), "--apply"
    )
    assert applied.exit_code == 0, applied.output
    assert_writeback_json(applied.stdout, {"note", "added_tags", "removed_tags", "attempts"})

    # The incremental pull (from the saved cursor) has only what changed: our writes.
    second = tmp_path / "2.jsonl"
    again_pull = invoke(
        "pull", "--platform", "zendesk", "--config", str(config), "--out", str(second), "--state", str(state)
    )
    assert again_pull.exit_code == 0, again_pull.output
    again = check_json(tmp_path, "zendesk", mapping_path, first, second)
    planned = invoke(
        "writeback", "--platform", "zendesk", "--config", str(config), "--findings", str(again), "--dry-run"
    )
    assert planned.exit_code == 0, planned.output
    plans = json.loads(planned.stdout)["plans"]
    assert plans
    assert [p["ticket"] for p in plans if not p["is_empty"]] == []
