"""Count Jira API calls against the sandbox: our sync vs. the per-issue approach.

    .venv/bin/python -m benchmarks.jira_api_calls --issues 10000

Scenarios (Cloud mode): full sync, incremental sync with nothing changed (deployment configured,
and ``auto`` on the sandbox's custom address, which asks ``serverInfo``), first write-back,
write-back with nothing changed, write-back after findings changed on 1 % of issues, and the
per-issue approach (search pages of 50 + one changelog and one comment call per issue).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import yaml

# devtools/ is not installed with the package: run from the checkout.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance_checks.findings import FINDING_JSON, Finding  # noqa: E402
from connector.platforms.jira.commands import pull, writeback  # noqa: E402
from connector.platforms.jira.settings import JiraSourceConfig  # noqa: E402
from devtools.sandboxes.jira import SandboxServer, make_state  # noqa: E402
from devtools.sandboxes.jira.model import BOT  # noqa: E402
from devtools.sandboxes.jira.server import DEFAULT_EMAIL, DEFAULT_TOKEN  # noqa: E402

ENV = {"JIRA_EMAIL": DEFAULT_EMAIL, "JIRA_API_TOKEN": DEFAULT_TOKEN}
MAPPING = {
    "platform": "jira",
    "name": "benchmark",
    "select": {"projects": ["CS"], "any_of": {"issue_types": ["Complaint"]}},
    "status": {"stages": {"Open": "received", "Resolved": "resolved"}},
    "severity": {"map": {"High": "high"}},
    "actors": {"connector_accounts": [BOT]},
}


def _findings(keys: list[str], flagged: set[str]) -> list[Finding]:
    return [
        FINDING_JSON.validate_python(
            {
                "ticket": key, "platform": "jira", "check": "ISO10002-ACK-001",
                "title": "Acknowledged in time", "status": "FAIL" if key in flagged else "PASS",
                "clauses": ["7.4"], "severity": "high",
                "message": "No acknowledgement recorded within 2 business days.",
            }
        )
        for key in keys
    ]


def _keys(path: Path) -> list[str]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            out.extend(i["key"] for i in json.loads(line).get("issues", []))
    return out


def _per_issue(url: str) -> dict[str, int]:
    """The per-issue approach (Airbyte-style): search pages of 50, then per issue one
    changelog page (Cloud ``/issue/{key}/changelog`` is not in the sandbox, so counted as
    the equivalent comment-size call) and one comment page."""
    auth = (DEFAULT_EMAIL, DEFAULT_TOKEN)
    session = requests.Session()
    calls = {"search": 0, "changelog": 0, "comments": 0}
    token: str | None = None
    keys: list[str] = []
    while True:
        body: dict[str, Any] = {"jql": 'project in ("CS")', "fields": ["updated"], "maxResults": 50}
        if token:
            body["nextPageToken"] = token
        page = session.post(f"{url}/rest/api/3/search/jql", json=body, auth=auth, timeout=60).json()
        calls["search"] += 1
        keys.extend(i["key"] for i in page["issues"])
        token = page.get("nextPageToken")
        if not token:
            break
    for key in keys:
        session.get(f"{url}/rest/api/3/issue/{key}", params={"expand": "changelog",
                                                             "fields": "updated"},
                    auth=auth, timeout=60)
        calls["changelog"] += 1
        session.get(f"{url}/rest/api/3/issue/{key}/comment", auth=auth, timeout=60)
        calls["comments"] += 1
    calls["total"] = sum(calls.values())
    return calls


def run(issues: int, seed: int, *, per_issue: bool) -> dict[str, Any]:
    """All scenarios on one fresh sandbox; returns the measured call counts."""
    results: dict[str, Any] = {"issues": issues}
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(
        make_state(mode="cloud", seed=seed, issues=issues, record=False)
    ) as server:
        work = Path(tmp)
        mapping = work / "mapping.yaml"
        mapping.write_text(yaml.safe_dump(MAPPING), encoding="utf-8")
        src = JiraSourceConfig.model_validate(
            {"platform": "jira", "name": "bench", "base_url": server.url, "deployment": "cloud",
             "mapping": str(mapping), "auth": {"kind": "cloud_token"}}
        )
        started = time.perf_counter()
        full = pull(src, work / "full.jsonl", since=None, environ=ENV)
        results["full_sync"] = {"calls": full.calls_by_endpoint, "total": full.api_calls,
                                "truncated_comment_issues": full.details["truncated_comments"],
                                "seconds": round(time.perf_counter() - started, 1)}
        inc = pull(src, work / "inc.jsonl", cursor=full.cursor, environ=ENV)
        results["incremental_nothing_changed"] = {"calls": inc.calls_by_endpoint,
                                                  "total": inc.api_calls, "issues": inc.tickets}
        # deployment: auto on an address that is not *.atlassian.net: one serverInfo more.
        auto = src.model_copy(update={"deployment": "auto"})
        inc_auto = pull(auto, work / "inc-auto.jsonl", cursor=full.cursor, environ=ENV)
        results["incremental_nothing_changed_auto"] = {"calls": inc_auto.calls_by_endpoint,
                                                       "total": inc_auto.api_calls,
                                                       "issues": inc_auto.tickets}
        results["targets_met"] = {
            "incremental_nothing_changed <= 2": inc.api_calls <= 2 and inc_auto.api_calls <= 2,
        }
        keys = _keys(full.out)
        flagged = {k for k in keys if int(k.split("-")[1]) % 5 != 0}  # 80 % non-compliant
        first = writeback(src, _findings(keys, flagged), apply=True, environ=ENV)
        results["writeback_first"] = {"calls": first.calls_by_endpoint, "total": first.api_calls,
                                      "issues_written": sum(r.outcome == "written"
                                                            for r in first.results)}
        same = writeback(src, _findings(keys, flagged), apply=True, environ=ENV)
        results["writeback_unchanged"] = {"calls": same.calls_by_endpoint, "total": same.api_calls}
        changed_keys = set(keys[: max(1, len(keys) // 100)])
        changed = writeback(src, _findings(keys, flagged ^ changed_keys), apply=True, environ=ENV)
        results["writeback_1pct_changed"] = {
            "calls": changed.calls_by_endpoint, "total": changed.api_calls,
            "issues_written": sum(r.outcome == "written" for r in changed.results),
        }
        if per_issue:
            results["per_issue_approach"] = _per_issue(server.url)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-per-issue", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.issues, args.seed, per_issue=not args.no_per_issue), indent=2))


if __name__ == "__main__":
    main()
