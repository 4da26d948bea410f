"""Names where a person reads, ids kept beside them; a ticket link for every stored ticket.

Payload shapes: Jira Cloud ``IssueBean`` with ``fields.assignee`` a ``UserDetails`` object
carrying ``accountId`` and ``displayName`` (jira-platform-v3.json, schemas IssueBean and
UserDetails); Zendesk incremental export pages side-loading ``users`` (``User.name``) and
``groups`` (``Group.name``) (platform-zendesk.md, "Side-loads on the export"). A stored Jira
bundle may hold issues without ``self`` (the sync keeps what the read returned): its link then
comes from the configured source's ``base_url``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from compliance_checks.model import ComplaintRecord
from connector.bundles import map_bundle
from connector.config import AppConfig
from connector.configuration import load_evaluator
from mappings.loader import default_mapping_path
from report_templates.views.register import register_values
from report_templates.views.review import open_action
from tests.test_mappings import JIRA_CLOUD, ZD_EXPORT, make_spec

SITE = "https://acme.atlassian.net"


def _issue() -> dict[str, Any]:
    page = json.loads(JIRA_CLOUD.read_text(encoding="utf-8"))
    issue: dict[str, Any] = copy.deepcopy(page["issues"][0])
    return issue


def _record(spec_platform: str, documents: list[Any], site: str | None = None) -> ComplaintRecord:
    mapped = map_bundle(make_spec(spec_platform), documents, None, site)
    assert mapped is not None and mapped.error is None, mapped
    assert mapped.record is not None
    return mapped.record


def test_jira_record_carries_the_assignee_id_and_display_name() -> None:
    record = _record("jira", [{"issues": [_issue()]}])
    assert record.assignee == "5b10a2844c20165700ede21g"
    assert record.assignee_name == "Jo Agent"


def test_stored_jira_issue_without_self_links_to_the_source_site() -> None:
    issue = _issue()
    del issue["self"]
    assert _record("jira", [{"issues": [issue]}]).url is None  # no site known: no link invented
    record = _record("jira", [{"issues": [issue]}], site=SITE + "/")
    assert record.url == f"{SITE}/browse/CS-101"


def test_the_payload_site_wins_over_the_configured_one() -> None:
    record = _record("jira", [{"issues": [_issue()]}], site=SITE)
    assert record.url == "https://example.atlassian.net/browse/CS-101"


def _zendesk_page() -> dict[str, Any]:
    page: dict[str, Any] = json.loads(ZD_EXPORT.read_text(encoding="utf-8"))
    page["tickets"] = [t for t in page["tickets"] if t["id"] == 501]
    return page


def test_zendesk_record_names_the_assignee_and_group_from_the_side_loads() -> None:
    record = _record("zendesk", [_zendesk_page()])
    assert (record.assignee, record.assignee_name, record.group) == ("9001", "Jo Agent", "Tier 1")


def test_zendesk_ticket_without_url_links_to_the_source_site() -> None:
    page = _zendesk_page()
    del page["tickets"][0]["url"]
    record = _record("zendesk", [page], site="https://acme.zendesk.com")
    assert record.url == "https://acme.zendesk.com/agent/tickets/501"


def test_zendesk_assignee_missing_from_the_directory_falls_back_to_the_id() -> None:
    page = _zendesk_page()
    page["users"] = [u for u in page["users"] if u["id"] != 9001]
    record = _record("zendesk", [page])
    assert (record.assignee, record.assignee_name) == ("9001", None)
    values = dict(zip(("owner", "owner_id"), register_values(record, (), "UTC")[18:20], strict=True))
    assert values == {"owner": "9001", "owner_id": "9001"}


def test_register_and_review_show_the_name_with_the_id_beside_it() -> None:
    record = _record("jira", [{"issues": [_issue()]}])
    row = register_values(record, (), "Europe/London")
    assert row[18:20] == ("Jo Agent", "5b10a2844c20165700ede21g")
    action = open_action(record, (), "UTC")
    assert action is None  # no finding needs action: no open action row


def test_configured_sources_give_their_mapping_the_site() -> None:
    config = AppConfig.model_validate({"sources": [
        {"platform": "jira", "name": "cs", "base_url": SITE + "/", "deployment": "cloud",
         "mapping": str(default_mapping_path("jira")), "auth": {"kind": "cloud_token"}},
        {"platform": "zendesk", "name": "zd", "subdomain": "acme", "auth": {"type": "api_token"}},
    ]})
    evaluator = load_evaluator(config)
    assert evaluator.mappings["cs"].site == SITE
    assert evaluator.mappings["zd"].site == "https://acme.zendesk.com"


def test_hostile_assignee_names_are_escaped_in_the_register_html() -> None:
    from report_templates.html import render_html
    from report_templates.input import Snapshot
    from report_templates.views import build_register_view
    from tests.reports.builders import AS_OF, RENDER, at, dataset

    issue = _issue()
    issue["fields"]["assignee"]["displayName"] = '<img src=x onerror=alert(1)>"Grace'
    record = _record("jira", [{"issues": [issue]}]).model_copy(update={"received_at": at("2026-10-05")})
    data = dataset(current=Snapshot(AS_OF, (record,), {}), history=())
    html = render_html(build_register_view(data), RENDER)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#34;Grace" in html
    assert 'title="5b10a2844c20165700ede21g"' in html
    assert 'href="https://example.atlassian.net/browse/CS-101"' in html
