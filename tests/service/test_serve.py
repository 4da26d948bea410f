"""``iso10002 serve`` as a subprocess against sandbox subprocesses: webhooks refresh a ticket
within seconds, the API answers, SIGTERM exits 0."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from tests.service import procs

pytestmark = pytest.mark.slow


def _initial_work_done(url: str) -> bool:
    health = requests.get(f"{url}/healthz", timeout=5).json()
    return bool(health["last_step"] == "reevaluate")


def test_zendesk_webhook_makes_a_new_complaint_flagged_within_seconds(tmp_path: Path) -> None:
    with procs.sandbox("zendesk") as base, procs.serve(procs.write_config(tmp_path, zendesk=base)) as (
        proc, url,
    ):
        admin = procs.ZendeskAdmin(base)
        procs.wait_for("initial sync, check and write-back", lambda: _initial_work_done(url), 30)
        question = next(t for t in admin.tickets()
                        if "question" in t["tags"] and t["status"] != "deleted")
        assert not any(tag.startswith("iso10002") for tag in question["tags"])
        admin.add_tags(question["id"], ["complaint"])  # an agent marks it as a complaint

        answer = procs.zendesk_webhook(url, {"ticket_id": str(question["id"]), "updated_by_id": "42"})
        assert answer.status_code == 202, answer.text
        flagged = procs.wait_for(
            f"ticket {question['id']} tagged iso10002-noncompliant (within {procs.DEADLINE}s)",
            lambda: "iso10002-noncompliant" in admin.ticket(question["id"])["tags"],
        )
        assert flagged
        assert procs.wait_for("one internal note", lambda: admin.notes(question["id"]) == 1)

        # The API serves the record and findings to an authorised caller only.
        api = f"{url}/api/v1/tickets/zendesk/{question['id']}"
        doc = requests.get(api, headers={"Authorization": f"Bearer {procs.API_KEY}"}, timeout=5).json()
        assert doc["record"]["id"] == str(question["id"])
        assert {f["status"] for f in doc["findings"]} & {"FAIL", "AT_RISK"}
        assert requests.get(api, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
        assert requests.get(api, timeout=5).status_code == 401
        metrics = requests.get(f"{url}/metrics", timeout=5).text
        assert "iso10002_last_successful_sync_timestamp_seconds" in metrics

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert admin.notes(question["id"]) == 1


def test_jira_webhook_makes_a_new_complaint_flagged_within_seconds(tmp_path: Path) -> None:
    with procs.sandbox("jira") as base, procs.serve(procs.write_config(tmp_path, jira=base)) as (proc, url):
        procs.wait_for("initial work", lambda: _initial_work_done(url), 30)
        session = requests.Session()
        session.auth = (procs.ENV["JIRA_EMAIL"], procs.ENV["JIRA_API_TOKEN"])
        issue_url = f"{base}/rest/api/3/issue/CS-3"
        session.put(issue_url, json={"update": {"labels": [{"add": "complaint-confirmed"}]}},
                    timeout=10).raise_for_status()

        answer = procs.jira_webhook(url, {"webhookEvent": "jira:issue_updated",
                                          "timestamp": int(time.time() * 1000),
                                          "issue": {"id": "x", "key": "CS-3"},
                                          "user": {"accountId": "someone-else"}})
        assert answer.status_code == 202, answer.text

        def labels() -> list[str]:
            got: list[str] = session.get(issue_url, params={"fields": "labels"}, timeout=10).json()[
                "fields"]["labels"]
            return got

        procs.wait_for("CS-3 labelled iso10002-noncompliant", lambda: "iso10002-noncompliant" in labels())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
