"""The README's "Connecting a real Zendesk or Jira" section, line by line, against the sandboxes.

Every ``iso10002`` line of the section's shell block is run as written (in an empty directory);
the ``$EDITOR`` and ``export`` lines are what a user does there: point the source at the
helpdesk (here the sandbox), name the integration user in the mapping (the README says to) and
set the secret variables the config names. A README edit that changes the commands changes
what this test runs.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from connector.cli import app
from connector.store import Store
from connector.store.models import RunRow
from devtools.sandboxes.jira import SandboxServer as JiraSandbox
from devtools.sandboxes.jira import make_state
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN
from devtools.sandboxes.zendesk.model import API_USER_ID
from tests.zendesk import scenarios as sc

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
pytestmark = pytest.mark.slow


def readme_lines() -> list[str]:
    """The shell lines of the section, comments removed."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Connecting a real Zendesk or Jira", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _edit_config(config: Path, platform: str, url: str) -> None:
    """``$EDITOR iso10002.yaml``: the source's URL (the starter names a placeholder)."""
    text = config.read_text(encoding="utf-8")
    placeholder = {"zendesk": "subdomain: yourcompany", "jira": "base_url: https://yourcompany.atlassian.net"}
    assert placeholder[platform] in text
    config.write_text(text.replace(placeholder[platform], f"base_url: {url}"), encoding="utf-8")


def _edit_mapping(mapping: Path, platform: str) -> None:
    """The integration user in ``actors.connector_accounts`` (and, on Jira, the complaint project)."""
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    data["actors"]["connector_accounts"] = [BOT if platform == "jira" else str(API_USER_ID)]
    if platform == "jira":
        data["select"]["projects"] = ["CS"]
    mapping.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


SECRETS = {"zendesk": {"ZENDESK_CLIENT_ID": "sandbox-client", "ZENDESK_CLIENT_SECRET": "sandbox-secret"},
           "jira": {"JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN}}


@pytest.fixture(params=["zendesk", "jira"])
def helpdesk(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    if request.param == "zendesk":
        server: Any = sc.start_sandbox(tickets=20)
        try:
            yield "zendesk", server
        finally:
            server.stop()
    else:
        with JiraSandbox(make_state(mode="cloud", seed=5, issues=20)) as jira:
            yield "jira", jira


def _runs(path: Path) -> int:
    store = Store(f"sqlite:///{path}")
    try:
        with store.session() as session:
            return session.scalar(select(func.count()).select_from(RunRow)) or 0
    finally:
        store.close()


def test_the_readme_connects_a_helpdesk_line_by_line(
    helpdesk: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, server = helpdesk
    monkeypatch.chdir(tmp_path)
    for name in [*SECRETS["zendesk"], *SECRETS["jira"]]:
        monkeypatch.delenv(name, raising=False)
    outputs: list[str] = []
    for line in readme_lines():
        if line.startswith("$EDITOR "):
            _edit_config(tmp_path / "iso10002.yaml", platform, server.base_url if platform == "zendesk"
                         else server.url)
            _edit_mapping(tmp_path / "mappings" / f"{platform}.yaml", platform)
            continue
        if line.startswith("export "):
            for name, value in SECRETS[platform].items():
                monkeypatch.setenv(name, value)
            continue
        args = shlex.split(line)
        assert args[0] == "iso10002", line
        if args[1:3] == ["init", "--platform"]:
            args[3] = platform  # the README's example is zendesk ("or jira")
        result = runner.invoke(app, args[1:], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (line, result.output)
        for secret in SECRETS[platform].values():
            assert secret not in result.output
        outputs.append(result.stdout)
        if "--dry-run" in args:
            assert not (tmp_path / "iso10002.db").exists() or _runs(tmp_path / "iso10002.db") == 0, line
            assert "not recorded (dry run)" in result.stdout
    assert [line.split()[1] for line in readme_lines() if line.startswith("iso10002")] == [
        "init", "validate-config", "run", "run"]
    assert _runs(tmp_path / "iso10002.db") == 1
    assert "Write-back (apply)" in outputs[-1]
    status = runner.invoke(app, ["status", "-c", "iso10002.yaml", "--format", "json"])
    assert [r["kind"] for r in json.loads(status.stdout)["runs"]] == ["run"]

    # --online: one authenticated read per source; refused credentials are a problem (exit 2)
    # naming the source, never the secret.
    online = runner.invoke(app, ["validate-config", "-c", "iso10002.yaml", "--online"])
    assert online.exit_code == 0, online.output
    assert "iso10002.yaml: sources[0] (" in online.stdout and "authenticated as" in online.stdout
    wrong = "not-the-secret-xyz"
    monkeypatch.setenv(list(SECRETS[platform])[-1], wrong)
    refused = runner.invoke(app, ["validate-config", "-c", "iso10002.yaml", "--online"])
    assert refused.exit_code == 2, refused.output
    assert "sources[0]" in refused.stdout and "online check failed" in refused.stdout
    assert wrong not in refused.output
    assert "Traceback" not in refused.output
