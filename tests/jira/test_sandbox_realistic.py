"""The Jira sandbox seeded from the shared generator: pulled by the real connector (Cloud and
Data Center), and written to by an agent logged in as themselves."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from compliance_checks import BASELINE_POLICY, load_policy
from connector.files import evaluate_files
from connector.platforms.jira.commands import pull
from connector.platforms.jira.settings import JiraSourceConfig
from devtools.generator import GeneratorConfig
from devtools.generator.people import LEADS
from devtools.sandboxes.jira import SandboxServer
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN, realistic_state
from mappings.loader import default_mapping_path, load_mapping

pytestmark = pytest.mark.slow
END = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
CONFIG = GeneratorConfig(complaints=120, end=END, seed=5, days=60)
ENV = {"JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN, "JIRA_PAT": DEFAULT_TOKEN}
AGENT_TOKEN = "agent-token-for-tests"


def _source(server: SandboxServer) -> JiraSourceConfig:
    cloud = server.state.mode == "cloud"
    return JiraSourceConfig.model_validate({
        "platform": "jira", "name": "sandbox", "base_url": server.url,
        "deployment": server.state.mode, "mapping": str(default_mapping_path("jira")),
        "auth": {"kind": "cloud_token"} if cloud else {"kind": "pat"},
        "retry": {"max_attempts": 2, "base_delay": 0.0, "max_delay": 0.0},
    })


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_the_connector_reads_every_complaint_and_finds_the_patterns(mode: str, tmp_path: Path) -> None:
    with SandboxServer(realistic_state(CONFIG, mode=mode)) as server:
        result = pull(_source(server), tmp_path / "pull.jsonl", since=None, environ=ENV)
    assert result.tickets == CONFIG.complaints
    results = list(evaluate_files([result.out], load_mapping(default_mapping_path("jira")),
                                  load_policy(BASELINE_POLICY), as_of=END))
    assert len([r for r in results if r.record is not None]) == CONFIG.complaints
    failing = Counter(f.check for r in results for f in r.findings if f.status.value == "FAIL")
    for check in ("acknowledged-in-time", "kept-informed", "closure-evidence",
                  "escalated-when-required"):
        assert failing[check] > 0, failing


def test_an_agent_comments_as_themselves_and_search_sees_the_change() -> None:
    lead = LEADS[0]
    state = realistic_state(CONFIG, agent_token=AGENT_TOKEN)
    with SandboxServer(state) as server:
        bot = (DEFAULT_EMAIL, DEFAULT_TOKEN)
        jql = 'project in ("CS") AND updated >= 0 ORDER BY updated ASC, key ASC'
        search = f"{server.url}/rest/api/3/search/jql"
        first = requests.post(search, auth=bot, timeout=10, json={"jql": jql, "maxResults": 5000,
                                                                  "fields": ["id"]}).json()
        oldest = first["issues"][0]["key"]
        body = {"body": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "We are on it."}]}]}}
        answer = requests.post(f"{server.url}/rest/api/3/issue/{oldest}/comment", json=body,
                               auth=(lead.email, AGENT_TOKEN), timeout=10)
        assert answer.status_code == 201
        assert answer.json()["author"]["displayName"] == lead.name
        assert answer.json()["author"]["accountType"] == "atlassian"
        assert answer.json()["jsdPublic"] is True
        # The issue's `updated` moved: the cached search result is not served again.
        again = requests.post(search, auth=bot, timeout=10, json={"jql": jql, "maxResults": 5000,
                                                                  "fields": ["id"]}).json()
        assert again["issues"][-1]["key"] == oldest
        writes = requests.get(f"{server.url}/_sandbox/writes", timeout=10).json()["writes"]
        assert writes == [{"method": "POST", "endpoint": "POST /rest/api/3/issue/{key}/comment",
                           "issue": oldest, "account": state.agents[lead.email], "status": 201}]
        me = requests.get(f"{server.url}/rest/api/3/myself", auth=bot, timeout=10).json()
        assert me["accountId"] == BOT
        wrong = requests.get(f"{server.url}/rest/api/3/myself", auth=(lead.email, "nope"), timeout=10)
        assert wrong.status_code == 401
