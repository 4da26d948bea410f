"""Crash safety on Jira Cloud: a real ``iso10002 run`` killed (``os._exit(137)``) at injected
points, then run again, loses nothing and duplicates nothing (Jira sandbox process, write-back
applied; SQLite, and PostgreSQL when ``ISO10002_TEST_POSTGRES_URL`` reaches a server).

Jira has no idempotency key for comments: our one comment is found again by its author and
marker (or the id kept in the ``iso10002.findings`` property) and edited in place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlalchemy import select

from connector.platforms.jira.notes import body_text
from connector.store import Store
from connector.store.models import JournalRow, SourceRow, TicketRow
from connector.store.runs import latest_findings
from connector.writeback_journal import candidates
from devtools.sandboxes.jira.model import BOT
from tests.service import procs

pytestmark = pytest.mark.slow

ISSUES = 40
MARKER = "[iso10002]"
FLAG = "iso10002-noncompliant"
#: Where the first run dies: mid-read (2 of 4 search pages), mid-store (half the issues in the
#: transaction, cursor not committed), after the journal entries, after one issue's comment
#: (before its labels + property), after one issue's complete write (the others not written),
#: after every platform write (journal not updated).
POINTS = ["jira-mid-pages", "mid-sync", "after-journal-write", "jira-after-comment",
          "jira-after-issue-edit", "after-platform-write"]


class JiraAdmin:
    """The test's own view of the Jira sandbox: every issue with labels, comments, property."""

    def __init__(self, base: str) -> None:
        self.base = f"{base}/rest/api/3"
        self.session = requests.Session()
        self.session.auth = (procs.ENV["JIRA_EMAIL"], procs.ENV["JIRA_API_TOKEN"])

    def issues(self) -> dict[str, dict[str, Any]]:
        body = {"jql": 'project in ("CS")', "fields": ["labels"], "properties": ["iso10002.findings"],
                "maxResults": 100}
        response = self.session.post(f"{self.base}/search/jql", json=body, timeout=10)
        response.raise_for_status()
        return {i["key"]: i for i in response.json()["issues"]}

    def our_comments(self, key: str) -> list[str]:
        response = self.session.get(f"{self.base}/issue/{key}/comment",
                                    params={"maxResults": 100}, timeout=10)
        response.raise_for_status()
        return [str(c["id"]) for c in response.json()["comments"]
                if c["author"].get("accountId") == BOT and body_text(c["body"]).startswith(MARKER)]


def _config(tmp: Path, base: str, store: dict[str, str]) -> Path:
    path = procs.write_config(tmp, jira=base, store=store)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sources"][0]["page_sizes"] = {"search": 10}  # 4 search pages for 40 issues
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    mapping = tmp / "jira-mapping.yaml"  # every sandbox issue is a complaint
    spec = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    spec["select"] = {"projects": ["CS"], "any_of": {"labels": ["complaint"]}}
    mapping.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.mark.parametrize("point", POINTS)
def test_killed_jira_run_restarts_without_duplicates_or_losses(
    tmp_path: Path, store_url: str, point: str
) -> None:
    with procs.sandbox("jira", tickets=ISSUES) as base:
        admin = JiraAdmin(base)
        store_block, store_env = procs.store_settings(store_url)
        config = _config(tmp_path, base, store_block)

        crashed = procs.run_cli("run", "-c", str(config), "--format", "json", ISO10002_CRASH_AT=point,
                                **store_env)
        assert crashed.returncode == 137, crashed.stderr[-2000:]
        recovered = procs.run_cli("run", "-c", str(config), "--format", "json", **store_env)
        assert recovered.returncode == 0, recovered.stderr[-2000:]

        issues = admin.issues()
        assert len(issues) == ISSUES
        store = Store(store_url)
        try:
            with store.session() as session:
                stored = {r.ticket for r in session.scalars(
                    select(TicketRow).where(TicketRow.source == "jira", TicketRow.is_complaint))}
                journal = list(session.scalars(select(JournalRow).where(JournalRow.source == "jira")))
                cursor = session.scalars(select(SourceRow.cursor).where(SourceRow.name == "jira")).one()
                findings = latest_findings(session, source="jira")
            # Nothing skipped: every issue is stored, evaluated, and the cursor is committed.
            assert stored == set(issues)
            assert {ticket for _source, ticket in findings} == stored
            assert cursor is not None and json.loads(cursor)["since"]
            # The journal is consistent: nothing left open, nothing left to write.
            assert {e.state for e in journal} <= {"applied", "superseded"}
            assert candidates(store, "jira")[0] == {}
        finally:
            store.close()

        # Nothing duplicated, nothing lost: each flagged issue has exactly one comment of ours,
        # the one its property names; unflagged issues have none.
        flagged = {k for k, i in issues.items() if FLAG in i["fields"]["labels"]}
        failing = {ticket for (_s, ticket), (_run, payloads) in findings.items()
                   if any(p["status"] in ("FAIL", "AT_RISK") for p in payloads)}
        assert flagged and flagged == failing
        for key, issue in issues.items():
            ours = admin.our_comments(key)
            if key in flagged:
                prop = issue["properties"]["iso10002.findings"]
                assert ours == [str(prop["comment_id"])], (key, ours, prop)
            else:
                assert ours == [], key

        if point == "after-platform-write":
            summary = json.loads(recovered.stdout)["writeback"]["sources"][0]
            assert summary["written"] == 0  # everything had landed before the kill: only confirmed
